//! Arbitrary bytes as a crate's only source file, through the whole library
//! (the check is `fuzz/check.rs`, which CI also runs on stable over the
//! fixtures' seeds with mutations: `tests/fuzz_seeds.rs`). Run with
//! `cargo +nightly fuzz run --no-cfg-fuzzing analyse_bytes` from the
//! repository root (seeds: `fuzz/seed.sh`): `--cfg fuzzing` would turn
//! proc-macro2's span locations off, which the check refuses.

#![no_main]

#[path = "../check.rs"]
mod check;

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One crate folder reused by every input (tmpfs when available).
fn crate_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        check::assert_span_locations();
        let shm = Path::new("/dev/shm");
        check::crate_dir(if shm.is_dir() { shm } else { Path::new(".") })
    })
}

fuzz_target!(|data: &[u8]| {
    check::analyse_bytes(crate_dir(), data);
});
