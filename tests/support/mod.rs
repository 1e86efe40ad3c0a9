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
