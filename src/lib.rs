//! The command line of `imperlint` and `cargo imperlint`, as a library that
//! both binaries call (`src/main.rs`, `src/cargo_main.rs`: an allocator and
//! one call each). It owns the arguments ([`args`]), what a run does with
//! them ([`cli`]: configuration, levels, the analysis, baselines, the chosen
//! format, the closing summary and the exit code), the cargo subcommand
//! ([`cargo`]) and `--fix` ([`fix`]). It does not analyse (the analyzer
//! does) nor know any lint by name (the registry lists them).

pub mod args;
pub mod cargo;
pub mod cli;
pub mod fix;
pub mod git;
pub mod interrupt;

use std::process::ExitCode;

/// `imperlint ARGS…`.
pub fn imperlint_main() -> ExitCode {
    tune_allocator();
    cli::main()
}

/// `cargo-imperlint imperlint ARGS…` (as cargo runs `cargo imperlint ARGS…`).
pub fn cargo_imperlint_main() -> ExitCode {
    tune_allocator();
    cargo::main()
}

/// Sets up the binaries' allocator (mimalloc) before any work. A run frees
/// every file's syntax tree and parses the next one at once; by default
/// mimalloc returns freed memory to the system after 10 ms and commits its
/// arenas lazily, and the kernel then zeroes the same pages again and again
/// (`clear_page_erms` was a fifth of the `windows` crate's profile). Freed
/// memory is kept for reuse and arenas are committed when reserved; the
/// peak is unchanged (README, Performance). The process is short-lived.
/// mimalloc is also built without transparent huge pages (the `no_thp`
/// feature in Cargo.toml): a huge-page fault zeroes 2 MB at once, and on
/// the benchmark machine those faults cost more kernel time than the
/// whole parse floor's. It only sets options: harmless when another
/// allocator is in use (the library's tests).
pub fn tune_allocator() {
    // Option indices of mimalloc.h (the same in v2 and v3).
    const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets process-wide options; mimalloc allows it at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 1);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}
