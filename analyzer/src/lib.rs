//! imperlint's engine. It discovers and parses Rust sources, resolves names
//! against the API catalog, works out which code runs while the thread
//! impersonates a client, and turns that into events for the lints. It knows
//! no concrete lint: lints plug in through [`lint::Lint`].
//!
//! The public modules are the API the lints, the CLI, the tests, the fuzz
//! target and the benchmark's floor use: events and the lint interface
//! (`event`, `lint`, `diag`, `catalog`), a run (`driver`, `config`,
//! `baseline`, `emit`) and reading and parsing files (`source`, `parse`).
//! The engine's own rooms are `pub(crate)`, so the compiler keeps the
//! layering one-way: the index (`index`), the lint-specific crate facts
//! (`facts`), the walk of a function (`walk`), the crate's analysis
//! (`analyze`), crates that use each other (`deps`), the expansion of the crate's own macros (`expand`), the
//! prefilter, macro arguments, suppressions and progress.

pub(crate) mod analyze;
pub(crate) mod auto_traits;
pub mod baseline;
pub mod catalog;
pub mod config;
pub(crate) mod deps;
pub mod diag;
pub mod driver;
pub mod emit;
pub mod event;
pub(crate) mod expand;
pub(crate) mod facts;
pub mod fsx;
pub(crate) mod index;
pub mod lint;
pub(crate) mod macros;
pub mod modules;
pub mod parse;
pub(crate) mod prefilter;
pub(crate) mod progress;
pub mod source;
pub(crate) mod suppress;
pub(crate) mod walk;
