//! `cargo imperlint`: runs imperlint over the packages of a cargo workspace.
//! Invoked by cargo as `cargo-imperlint imperlint ARGS…`. Everything but the
//! allocator is in the library (`src/lib.rs`).

use std::process::ExitCode;

/// See `src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    imperlint_cli::cargo_imperlint_main()
}
