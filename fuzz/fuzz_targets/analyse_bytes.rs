//! Arbitrary bytes as a crate's only source file, through the whole library
//! (`driver::run`: read, prefilter, parse, index, analyse, lints,
//! suppressions). The driver turns a panic into an `internal_error`; this
//! target turns that back into a crash so the fuzzer sees it, and crashes
//! too when walking every function (`walk_all`) finds something other than
//! the default walk. Run with
//! `cargo +nightly fuzz run analyse_bytes` from the repository root
//! (seeds: `fuzz/seed.sh`).

#![no_main]

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::builtin;
use imperlint_analyzer::driver::{self, Options};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One crate folder reused by every input (tmpfs when available).
fn crate_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("imperlint-fuzz")
            .tempdir_in(if std::path::Path::new("/dev/shm").is_dir() {
                "/dev/shm"
            } else {
                "."
            })
            .expect("temporary folder")
            .keep();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"f\"\n").unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = crate_dir();
    std::fs::write(dir.join("src/lib.rs"), data).unwrap();
    let mut full = Vec::new();
    // Default; every file parsed; and every function walked, which must
    // find exactly what the default walk finds (README, What is walked).
    for (no_prefilter, walk_all) in [(false, false), (true, false), (true, true)] {
        let opts = Options {
            paths: vec![dir.clone()],
            root: dir.clone(),
            jobs: Some(1),
            config: Config::default(),
            no_prefilter,
            walk_all,
            ..Options::default()
        };
        let outcome = driver::run(&opts, imperlint_lints::registry::LINTS);
        if let Some(d) = outcome
            .diagnostics
            .iter()
            .find(|d| d.lint == builtin::INTERNAL_ERROR)
        {
            panic!("internal error: {}", d.message);
        }
        if no_prefilter && !walk_all {
            full = outcome.diagnostics;
        } else if walk_all {
            assert_eq!(
                full, outcome.diagnostics,
                "walking every function changed the findings"
            );
        }
    }
});
