//! `cargo imperlint`: runs imperlint over the packages of a cargo workspace.
//! Invoked by cargo as `cargo-imperlint imperlint ARGS…`.

mod cargo;
#[allow(dead_code)] // shared with `imperlint`; not every command is used here
mod cli;
mod fix;

use std::process::ExitCode;

/// A crate's syntax trees are allocated and freed in many small pieces;
/// mimalloc runs the largest crates a third faster than the system
/// allocator (README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::tune_allocator();
    cargo::main()
}
