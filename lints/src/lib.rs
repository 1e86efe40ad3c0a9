//! imperlint's lints. Each lint is one file named after it: its documentation
//! (declared once with [`declare_lint!`]) and a `check` function that turns
//! analyzer events into diagnostics. Lints hold no state and know nothing of
//! syntax; the analyzer's model tells them what runs impersonated.

pub use imperlint_analyzer::diag::{Level, LintInfo};
pub use imperlint_analyzer::lint::{Lint, Sink};

/// Declares a lint's public description. The doc comment is the lint's docs
/// (sections `### What it does`, `### Why is this bad?`, `### Example`,
/// `### Use instead`, `### Known problems`, `### References`), shown by
/// `imperlint explain`, in SARIF `help` and in the README.
#[macro_export]
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub $NAME:ident = $name:literal,
        level: $level:ident,
        summary: $summary:literal,
        security_severity: $sev:literal $(,)?
    ) => {
        pub static $NAME: $crate::LintInfo = $crate::LintInfo {
            name: $name,
            default_level: $crate::Level::$level,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            security_severity: $sev,
        };
    };
}

pub mod registry;
