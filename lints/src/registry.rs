//! The registry: every lint, sorted by name.
use crate::Lint;

/// All lints, sorted by name.
pub static LINTS: &[Lint] = &[];
