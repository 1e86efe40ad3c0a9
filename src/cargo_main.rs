//! `cargo imperlint`: runs imperlint over the packages of a cargo workspace.
//! Invoked by cargo as `cargo-imperlint imperlint ARGS…`.

mod cargo;
#[allow(dead_code)] // shared with `imperlint`; not every command is used here
mod cli;
mod fix;

use std::process::ExitCode;

fn main() -> ExitCode {
    cargo::main()
}
