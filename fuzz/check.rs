//! The fuzz check, shared by the `cargo fuzz` target
//! (`fuzz_targets/analyse_bytes.rs`, nightly, libFuzzer) and the stable
//! replay of the fixtures' seeds with mutations that CI runs
//! (`tests/fuzz_seeds.rs`): arbitrary bytes as a crate's only source file,
//! through the whole library (`driver::run`: read, prefilter, parse, index,
//! analyse, lints, suppressions). The driver turns a panic into an
//! `internal_error`; this turns that back into a panic, and panics too when
//! walking every function (`walk_all`) finds something other than the
//! default walk.

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::builtin;
use imperlint_analyzer::driver::{self, Options};
use std::path::{Path, PathBuf};

/// A crate folder (`Cargo.toml`, `src/`) for [`analyse_bytes`] under `parent`.
pub fn crate_dir(parent: &Path) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix("imperlint-fuzz")
        .tempdir_in(parent)
        .expect("temporary folder")
        .keep();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"f\"\n").unwrap();
    dir
}

/// Panics unless proc-macro2 records span locations: built with
/// `--cfg fuzzing` (what `cargo fuzz` passes unless told
/// `--no-cfg-fuzzing`) it does not, every place is line 0, and the check
/// would test something other than the shipped tool.
pub fn assert_span_locations() {
    let tokens: proc_macro2::TokenStream = "\n\nfn f() {}".parse().unwrap();
    let line = tokens.into_iter().next().unwrap().span().start().line;
    assert_eq!(
        line, 3,
        "proc-macro2 reports no span locations: build the fuzz target with \
         `cargo fuzz run --no-cfg-fuzzing` (see the README, Robustness)"
    );
}

/// Writes `data` as `dir`'s only source and analyses it three ways: by
/// default; every file parsed; every file parsed and every function walked,
/// which must find exactly what the second finds (README, What is walked).
/// Panics on an `internal_error` or a difference.
pub fn analyse_bytes(dir: &Path, data: &[u8]) {
    std::fs::write(dir.join("src/lib.rs"), data).unwrap();
    let mut full = Vec::new();
    for (no_prefilter, walk_all) in [(false, false), (true, false), (true, true)] {
        let opts = Options {
            paths: vec![dir.to_path_buf()],
            root: dir.to_path_buf(),
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
}
