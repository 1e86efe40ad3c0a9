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

    /// Where the lint's documentation lives on the web (SARIF `helpUri`,
    /// the human format's link): its page, generated from [`LintInfo::docs`]
    /// into `docs/lints/<name>.md` (a test keeps the pages current).
    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE_URI}{}.md", self.name)
    }
}

/// The folder of the lints' documentation pages on the web.
pub const DOCS_BASE_URI: &str = "https://github.com/imperlint/imperlint/blob/main/docs/lints/";

/// Where [`DOCS_BASE_URI`] is in this repository.
pub const DOCS_DIR: &str = "docs/lints";

/// Built-in diagnostics that are not lints but share the output path. Each
/// is described like a lint ([`builtin::INFOS`]), so `imperlint lints`,
/// `imperlint explain`, SARIF rules and the docs pages list them too.
pub mod builtin {
    use super::{Level, LintInfo};

    /// A file that is not valid Rust (or too deeply nested to parse safely).
    pub const PARSE_ERROR: &str = "parse_error";
    /// A file or folder that could not be read.
    pub const IO_ERROR: &str = "io_error";
    /// The analyzer itself failed on a file (a bug in imperlint).
    pub const INTERNAL_ERROR: &str = "internal_error";
    /// The analysis stopped short of following part of a function.
    pub const ANALYSIS_INCOMPLETE: &str = "analysis_incomplete";
    pub use crate::suppress::{INVALID_SUPPRESSION, UNUSED_SUPPRESSION};

    /// Built-ins whose level can be configured like a lint's (the others
    /// are always reported at their level).
    pub const CONFIGURABLE: &[&str] = &[INVALID_SUPPRESSION, UNUSED_SUPPRESSION];

    /// Every built-in diagnostic, sorted by name. Their docs have the
    /// sections `### What it does` and `### What to do`.
    pub static INFOS: &[&LintInfo] = &[
        &LintInfo {
            name: ANALYSIS_INCOMPLETE,
            default_level: Level::Warn,
            summary: "imperlint stopped short of following part of a function, so a hazard there may go unreported",
            docs: "### What it does\n\
                   Reports a place where imperlint did not follow the code to the end, so \
                   a hazard after it could go unreported:\n\n\
                   - an expression nested more deeply than the walk follows (1500 levels): \
                   the rest of that function is not checked;\n\
                   - loops nested so deeply that following them to their fixed points would \
                   take one function more than 16384 rounds (each level of nesting \
                   multiplies the rounds of the loops inside it): from that loop on, each \
                   loop body is checked once, from the state it is entered with;\n\
                   - a loop, a function's summary (what it does to its callers' \
                   impersonation) or the state a function is called in that comes back to \
                   a value it had instead of settling: it keeps its last value.\n\n\
                   Nothing else is cut short: chains of wrappers, helpers called while \
                   impersonating, recursion and loops are followed to their fixed points \
                   however deep they go.\n\n\
                   ### What to do\n\
                   Split the expression, or move inner loops into functions of their own. A \
                   summary or state that does not settle is a bug in imperlint: please \
                   report it with the function the message names. Generated code that is \
                   not meant to be read can be left out with `[paths] exclude`. The level \
                   cannot be configured.\n",
            security_severity: "",
        },
        &LintInfo {
            name: INTERNAL_ERROR,
            default_level: Level::Deny,
            summary: "imperlint failed while analysing a crate (a bug in imperlint)",
            docs: "### What it does\n\
                   Reports that imperlint itself failed (a panic) while analysing a \
                   crate. Nothing in that crate was checked; every other crate's \
                   results are complete. The run exits with code 2.\n\n\
                   ### What to do\n\
                   Please report it with the file the message names, or a reduced copy \
                   of it. The level cannot be configured.\n",
            security_severity: "",
        },
        &LintInfo {
            name: INVALID_SUPPRESSION,
            default_level: Level::Warn,
            summary: "an `imperlint: allow(..)` comment that cannot be read, names an unknown lint or gives no reason",
            docs: "### What it does\n\
                   Reports a suppression comment that suppresses nothing because it is \
                   malformed: bad syntax, an unknown lint name, or no reason after `--`.\n\n\
                   ### What to do\n\
                   Write it as `// imperlint: allow(lint_name) -- why this is fine`, with a \
                   lint name from `imperlint lints`. Its level can be configured like a \
                   lint's (`[lints] invalid_suppression = \"deny\"`).\n",
            security_severity: "",
        },
        &LintInfo {
            name: IO_ERROR,
            default_level: Level::Deny,
            summary: "a file or folder that could not be read",
            docs: "### What it does\n\
                   Reports a file or folder imperlint could not read: unreadable, not \
                   UTF-8, not a regular file (a FIFO, a socket, a device), a dangling \
                   symlink or a symlink loop. Nothing in it was checked.\n\n\
                   ### What to do\n\
                   Fix the file or its permissions, or leave it out with \
                   `[paths] exclude` if it is not meant to be checked. The level cannot \
                   be configured.\n",
            security_severity: "",
        },
        &LintInfo {
            name: PARSE_ERROR,
            default_level: Level::Deny,
            summary: "a file that is not valid Rust, or too deeply nested to parse safely",
            docs: "### What it does\n\
                   Reports a file imperlint could not parse: a syntax error, or brackets \
                   and expressions nested more than 1000 levels deep (parsing them could \
                   overflow the stack). Nothing in the file was checked; the crate's \
                   other files were. In a crate the prefilter skips (it names no \
                   impersonation API), only errors a tokenizer sees are reported; \
                   `--no-prefilter` reports every one.\n\n\
                   ### What to do\n\
                   Fix the syntax error. A file that is not meant to be Rust (a template, \
                   a generated fragment) can be left out with `[paths] exclude`. The \
                   level cannot be configured.\n",
            security_severity: "",
        },
        &LintInfo {
            name: UNUSED_SUPPRESSION,
            default_level: Level::Warn,
            summary: "an `imperlint: allow(..)` comment that suppresses nothing",
            docs: "### What it does\n\
                   Reports a suppression comment that matched no finding: the code it \
                   excused changed, or it sits on the wrong line.\n\n\
                   ### What to do\n\
                   Remove it, or move it to the end of the finding's line, the line \
                   before it, or the line before the item it should cover. Its level \
                   can be configured like a lint's (`[lints] unused_suppression = \
                   \"allow\"`).\n",
            security_severity: "",
        },
    ];

    /// The built-in diagnostic called `name`, if there is one.
    pub fn find(name: &str) -> Option<&'static LintInfo> {
        INFOS.iter().copied().find(|info| info.name == name)
    }
}
