//! Diagnostics: what a finding is, where it points, and how lints describe
//! themselves. This module owns the data that every output format reads; it
//! does not decide what is reported (that is the lints' job) nor how it is
//! printed (that is `emit`).

use serde::Serialize;
use std::fmt;

/// How seriously a finding is taken. `Deny` fails the run (exit 1), `Warn`
/// does not unless `--deny warnings`, `Allow` is never reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a source file. `file` is the path as shown to users: relative
/// to the directory the run is rooted at (forward slashes), or as given when
/// it lies outside. Lines and columns are 1-based; columns count characters
/// (not bytes); `end_*` is exclusive. Byte offsets are kept for fixes and for
/// stable ordering.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub byte_start: usize,
    pub byte_end: usize,
}

impl Location {
    /// A location covering a whole file's start, for file-level problems
    /// (unreadable, not UTF-8) where no finer place exists.
    pub fn file_start(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            byte_start: 0,
            byte_end: 0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A secondary place shown with a finding, e.g. "impersonation begins here".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One text replacement of a mechanical fix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Edit {
    pub location: Location,
    pub replacement: String,
}

/// A mechanical, safe fix: applying every edit yields correct code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

/// One finding. `lint` is the public name (SARIF `ruleId`, suppression and
/// configuration key). Built-in diagnostics that are not lints
/// (`parse_error`, `io_error`, `internal_error`) use the same shape.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    pub lint: &'static str,
    pub level: Level,
    /// What is wrong: lower-case, no trailing period, code in backticks.
    pub message: String,
    pub location: Location,
    /// Short text for the primary label (under the caret).
    pub label: String,
    /// Secondary places, first of all where impersonation began.
    pub related: Vec<Related>,
    /// Extra context lines ("called while impersonating from `serve` (src/lib.rs:40)").
    pub notes: Vec<String>,
    /// How to fix it, one line.
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// The order every output uses: file, then position, then lint name.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.location.file,
            self.location.byte_start,
            self.location.byte_end,
            self.lint,
            &self.message,
        )
    }
}

/// Sorts diagnostics into the stable output order and removes exact duplicates.
pub fn sort_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.cmp(b)));
    diags.dedup();
}

/// How a lint describes itself: the single source for `imperlint lints`,
/// `imperlint explain`, SARIF rules and the README table.
#[derive(Debug)]
pub struct LintInfo {
    /// snake_case public name.
    pub name: &'static str,
    pub default_level: Level,
    /// One line, lower-case, no trailing period.
    pub summary: &'static str,
    /// Markdown with the sections `### What it does`, `### Why is this bad?`,
    /// `### Example`, `### Use instead`, `### Known problems`, `### References`.
    pub docs: &'static str,
    /// SARIF `security-severity` (0.0–10.0), as GitHub code scanning reads it.
    pub security_severity: &'static str,
}

impl LintInfo {
    /// The text of one `### Heading` section of the docs, without the heading.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let marker = format!("### {heading}");
        let start = self.docs.find(&marker)? + marker.len();
        let rest = &self.docs[start..];
        let end = rest.find("\n### ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }

    /// Where the lint's documentation lives on the web (SARIF `helpUri`).
    pub fn help_uri(&self) -> String {
        format!("{}#{}", DOCS_BASE_URI, self.name)
    }
}

/// The README's lint section, anchored by lint name.
pub const DOCS_BASE_URI: &str = "https://github.com/imperlint/imperlint/blob/main/README.md";

/// Built-in diagnostics that are not lints but share the output path.
pub mod builtin {
    /// A file that is not valid Rust (or too deeply nested to parse safely).
    pub const PARSE_ERROR: &str = "parse_error";
    /// A file or folder that could not be read.
    pub const IO_ERROR: &str = "io_error";
    /// The analyzer itself failed on a file (a bug in imperlint).
    pub const INTERNAL_ERROR: &str = "internal_error";
    /// Part of a function was too deeply nested to analyse.
    pub const ANALYSIS_INCOMPLETE: &str = "analysis_incomplete";
    pub use crate::suppress::{INVALID_SUPPRESSION, UNUSED_SUPPRESSION};
}
