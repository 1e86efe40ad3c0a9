//! What several integration tests share: where the fixture crates and
//! sources are. Each test uses part of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every fixture crate (a folder of `fixtures/` with a `Cargo.toml`), sorted.
pub fn fixture_crates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Every fixture source file (`.rs` under `fixtures/`), sorted: the fuzz
/// corpus's seeds and the property tests' starting points.
pub fn fixture_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![fixtures_dir()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A generated file of about `mb` megabytes: many small functions, and at
/// the end one real hazard, which must be found (the file was analysed).
pub fn generated_source(mb: usize) -> String {
    let mut s = String::with_capacity(mb << 20);
    s.push_str("use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};\n\n");
    let mut i = 0usize;
    while s.len() < mb << 20 {
        s.push_str(&format!(
            "/// Generated helper {i}.\npub fn helper_{i}(values: &[u64], scale: u64) -> u64 {{\n    let mut total = {i};\n    for v in values.iter().filter(|v| **v % 3 != 0) {{\n        total = total.wrapping_add(v.wrapping_mul(scale));\n    }}\n    match total % 4 {{\n        0 => helper_{j}(values, scale + 1),\n        1 => total >> 1,\n        _ => format!(\"{{total}}-{{scale}}\").len() as u64,\n    }}\n}}\n\n",
            j = i.saturating_sub(1),
        ));
        i += 1;
    }
    s.push_str("pub fn serve(token: isize) -> bool {\n    if unsafe { ImpersonateLoggedOnUser(token) } == 0 {\n        return false;\n    }\n    unsafe { RevertToSelf() };\n    true\n}\n");
    s
}
