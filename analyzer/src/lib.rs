//! imperlint's engine. It discovers and parses Rust sources, resolves names
//! against the API catalog, works out which code runs while the thread
//! impersonates a client, and turns that into events for the lints. It knows
//! no concrete lint: lints plug in through [`lint::Lint`].

pub mod analyze;
pub mod baseline;
pub mod catalog;
pub mod config;
pub mod diag;
pub mod driver;
pub mod emit;
pub mod event;
pub mod facts;
pub mod index;
pub mod lint;
pub mod macros;
pub mod parse;
pub mod prefilter;
pub mod progress;
pub mod source;
pub mod suppress;
pub mod walk;
