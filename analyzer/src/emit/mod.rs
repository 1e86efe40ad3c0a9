//! Output formats: turns sorted [`Diagnostic`]s into the text a user, a CI
//! system or an editor reads. This module owns the choice of format
//! ([`Format`]), what every format may know about the run ([`EmitContext`]),
//! and the helpers the formats share (source lines, character columns,
//! counts). Each format lives in its own file: `human` (rustc-like text),
//! `short` (one line per finding),
//! `json` (imperlint's own versioned document, see `docs/json-format.md`),
//! `sarif` (SARIF 2.1.0), `github` (Actions workflow commands) and
//! `cargo_json` (cargo's `compiler-message` lines for rust-analyzer). It does
//! not decide what is reported, in which order, or where output goes: callers
//! pass diagnostics already sorted by [`crate::diag::sort_diagnostics`] and
//! write the returned string themselves. Rendering is a pure function of its
//! inputs, so the same run gives byte-identical output.

mod cargo_json;
mod github;
mod human;
mod json;
mod sarif;
mod short;

use crate::diag::{Diagnostic, Level, LintInfo, Location};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::Arc;

/// An output format, named on the command line by [`Format::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// rustc-like text with source snippets, for people.
    Human,
    /// One line per finding (`file:line:col: level[lint]: message`).
    Short,
    /// imperlint's versioned JSON document (`docs/json-format.md`).
    Json,
    /// SARIF 2.1.0, for code scanning and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=..::message`).
    Github,
    /// cargo's `--message-format=json` lines, for rust-analyzer.
    CargoJson,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Short,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::CargoJson,
    ];

    /// The command-line name: `human`, `json`, `sarif`, `github`, `cargo-json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Short => "short",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::CargoJson => "cargo-json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown output format `{}` (expected one of: ", self.0)?;
        for (i, format) in Format::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(format.name())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// The cargo package and target a file belongs to, for `cargo-json` lines
/// (cargo's `package_id`, `manifest_path` and `target` fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageTarget {
    /// cargo's opaque package id, as `cargo metadata` prints it.
    pub package_id: String,
    /// Absolute path of the package's `Cargo.toml`.
    pub manifest_path: String,
    /// The target's name (`my_crate`, `my-bin`).
    pub target_name: String,
    /// The target's kinds as `cargo metadata` lists them (`["lib"]`, `["bin"]`, `["test"]`).
    pub target_kind: Vec<String>,
    /// Absolute path of the target's root source file.
    pub src_path: String,
}

/// What the formats may know about the run besides the diagnostics.
pub struct EmitContext<'a> {
    /// The directory diagnostic paths are relative to (best absolute: SARIF
    /// maps `%SRCROOT%` to its `file://` URI, made absolute against the
    /// current directory when it is not).
    pub root: &'a Path,
    /// Source text of a file by its diagnostic path (`Location::file`), for
    /// snippets and line texts; `None` when it is not available (the file
    /// could not be read): formats then fall back to plain positions.
    pub sources: &'a dyn Fn(&str) -> Option<Arc<str>>,
    /// Every lint, in registry order: SARIF `tool.driver.rules`, and the
    /// default levels the human format mentions.
    pub rules: &'a [&'static LintInfo],
    /// imperlint's version (SARIF `tool.driver.version`, JSON `tool_version`).
    pub tool_version: &'a str,
    /// ANSI colors in the human format and in `cargo-json`'s `rendered`
    /// text (`--message-format json-diagnostic-rendered-ansi`); ignored by
    /// the others.
    pub color: bool,
    /// The cargo package and target of a file by its diagnostic path, for
    /// `cargo-json`; `None` outside cargo (the line then carries empty ids).
    pub package_of: &'a dyn Fn(&str) -> Option<PackageTarget>,
    /// What the run checked, for the human format's closing summary;
    /// `None`: no summary (`--quiet`, or one diagnostic rendered alone).
    pub summary: Option<&'a RunSummary>,
}

/// What a run checked and hid, for the closing summary of the human
/// format: the counts of findings come from the diagnostics themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Packages selected (`cargo imperlint`); `None` when paths were checked.
    pub packages: Option<usize>,
    /// Crates checked, the prefilter's included.
    pub crates: usize,
    /// Files parsed and analysed.
    pub files_analyzed: usize,
    /// Files of crates the prefilter ruled out (read and tokenized only).
    pub files_skipped: usize,
    /// Findings hidden because the baseline records them.
    pub baselined: usize,
    /// Findings hidden by suppression comments.
    pub suppressed: usize,
    /// Why the run failed (exit code 2), when it did. The summary then
    /// never says "no findings": what was checked is not all there was.
    pub failure: Option<String>,
    /// Notes after the counts, one line each (the `--workspace` hint).
    pub notes: Vec<String>,
}

/// Renders `diags` (already in output order) in `format`. The result ends
/// with a newline, except `github` and `cargo-json` with no diagnostics,
/// which are empty.
pub fn render(format: Format, diags: &[Diagnostic], cx: &EmitContext) -> String {
    match format {
        Format::Human => human::render(diags, cx),
        Format::Short => short::render(diags, cx),
        Format::Json => json::render(diags, cx),
        Format::Sarif => sarif::render(diags, cx),
        Format::Github => github::render(diags),
        Format::CargoJson => cargo_json::render(diags, cx),
    }
}

/// One stable fingerprint per diagnostic (in order): the SARIF
/// `partialFingerprints` value, also used by baselines. It does not depend
/// on line numbers, so it survives unrelated lines moving.
pub fn fingerprints(
    diags: &[Diagnostic],
    sources: &dyn Fn(&str) -> Option<Arc<str>>,
) -> Vec<String> {
    let sources = Sources {
        get: sources,
        cache: RefCell::new(BTreeMap::new()),
    };
    sarif::fingerprints(diags, &sources)
}

/// How many diagnostics are at `deny` and at `warn` (others are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub deny: usize,
    pub warn: usize,
}

impl Counts {
    pub fn of(diags: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for diag in diags {
            match diag.level {
                Level::Deny => counts.deny += 1,
                Level::Warn => counts.warn += 1,
                Level::Allow => {}
            }
        }
        counts
    }
}

/// The registered lint named `name`, if it is one (built-in diagnostics are not).
pub(crate) fn lint_info(cx: &EmitContext, name: &str) -> Option<&'static LintInfo> {
    cx.rules.iter().copied().find(|info| info.name == name)
}

/// One file's text with its line starts, for turning line/column positions
/// into byte offsets and lines into text.
pub(crate) struct SourceText {
    pub text: Arc<str>,
    /// Byte offset where each line begins; `line_starts[0] == 0`, and a final
    /// `\n` starts one more (empty) line: `"a\nb\n"` gives `[0, 2, 4]`.
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(text: Arc<str>) -> SourceText {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceText { text, line_starts }
    }

    /// The text of 1-based line `line`, without its line terminator.
    pub fn line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let text = &self.text[start..end];
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// The byte offset of 1-based `line` and character `column`; a column past
    /// the end of the line is clamped to the line's end.
    pub fn offset(&self, line: u32, column: u32) -> Option<usize> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let text = self.line(line)?;
        let chars = usize::try_from(column.max(1) - 1).ok()?;
        let within = text
            .char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i);
        Some(start + within)
    }

    /// The byte range a location covers, from its lines and columns (the
    /// positions users see); `None` when the start lies outside the file.
    pub fn range(&self, location: &Location) -> Option<Range<usize>> {
        let start = self.offset(location.line, location.column)?;
        let end = self
            .offset(location.end_line, location.end_column)
            .unwrap_or(start)
            .max(start);
        Some(start..end)
    }
}

/// Source texts fetched once per file through [`EmitContext::sources`].
pub(crate) struct Sources<'a> {
    get: &'a dyn Fn(&str) -> Option<Arc<str>>,
    cache: RefCell<BTreeMap<String, Option<Rc<SourceText>>>>,
}

impl<'a> Sources<'a> {
    pub fn new(cx: &EmitContext<'a>) -> Sources<'a> {
        Sources {
            get: cx.sources,
            cache: RefCell::new(BTreeMap::new()),
        }
    }

    pub fn get(&self, file: &str) -> Option<Rc<SourceText>> {
        if let Some(cached) = self.cache.borrow().get(file) {
            return cached.clone();
        }
        let text = (self.get)(file).map(|text| Rc::new(SourceText::new(text)));
        self.cache
            .borrow_mut()
            .insert(file.to_owned(), text.clone());
        text
    }
}

/// `n thing` / `n things`.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Synthetic diagnostics and a context shared by the formats' tests: a
    //! finding with a related location, notes, help and a fix; one in a path
    //! with a space and a non-ASCII name; one in a file whose source is not
    //! available.

    use super::{EmitContext, PackageTarget};
    use crate::diag::{Diagnostic, Edit, Fix, Level, LintInfo, Location, Related};
    use std::path::Path;
    use std::sync::Arc;

    pub static UNCHECKED: LintInfo = LintInfo {
        name: "unchecked_impersonation",
        default_level: Level::Deny,
        summary: "result of a begin call dropped",
        docs: "### What it does\nReports a dropped `ImpersonateLoggedOnUser` result.\n\n\
               ### Why is this bad?\nOn failure the code runs as the server.\n\n\
               ### Example\n```rust\nImpersonateLoggedOnUser(token);\n```\n",
        security_severity: "8.1",
    };

    pub static SPAWN: LintInfo = LintInfo {
        name: "thread_spawn_while_impersonating",
        default_level: Level::Warn,
        summary: "a new OS thread while impersonating",
        docs: "### What it does\nReports `std::thread::spawn` while impersonating.\n",
        security_severity: "5.0",
    };

    pub static RULES: [&LintInfo; 2] = [&UNCHECKED, &SPAWN];

    pub const LIB: &str = "fn serve(token: HANDLE) {\n    \
        ImpersonateLoggedOnUser(token);\n    \
        std::thread::spawn(|| work());\n    \
        RevertToSelf();\n}\n";

    pub const ODD_PATH: &str = "src/my dir/überprüfung.rs";
    pub const ODD: &str = "fn f() {\n    let _ = ImpersonateSelf(2);\n}\n";

    pub fn loc(file: &str, line: u32, column: u32, end_line: u32, end_column: u32) -> Location {
        let source = match file {
            "src/lib.rs" => LIB,
            ODD_PATH => ODD,
            _ => "",
        };
        let offset = |l: u32, c: u32| -> usize {
            let start: usize = source
                .split_inclusive('\n')
                .take(l as usize - 1)
                .map(str::len)
                .sum();
            start
                + source[start..]
                    .chars()
                    .take(c as usize - 1)
                    .map(char::len_utf8)
                    .sum::<usize>()
        };
        let (byte_start, byte_end) = if source.is_empty() {
            (0, 0)
        } else {
            (offset(line, column), offset(end_line, end_column))
        };
        Location {
            file: file.to_owned(),
            line,
            column,
            end_line,
            end_column,
            byte_start,
            byte_end,
        }
    }

    /// Three diagnostics in output order: `src/lib.rs` (deny, with related,
    /// notes, help and a fix; warn, with related), the odd path (deny), and
    /// `src/gone.rs` (an `io_error` with no source).
    pub fn diagnostics() -> Vec<Diagnostic> {
        let begin = loc("src/lib.rs", 2, 5, 2, 35);
        vec![
            Diagnostic {
                lint: "unchecked_impersonation",
                level: Level::Deny,
                message: "result of `ImpersonateLoggedOnUser` is not checked".into(),
                location: begin.clone(),
                label: "the result is dropped here".into(),
                related: vec![],
                notes: vec!["on failure the thread keeps running as the service".into()],
                help: Some("check the result: `ImpersonateLoggedOnUser(token)?`".into()),
                fix: Some(Fix {
                    description: "propagate the error with `?`".into(),
                    edits: vec![Edit {
                        location: loc("src/lib.rs", 2, 35, 2, 35),
                        replacement: "?".into(),
                    }],
                }),
            },
            Diagnostic {
                lint: "thread_spawn_while_impersonating",
                level: Level::Warn,
                message: "`std::thread::spawn` while impersonating".into(),
                location: loc("src/lib.rs", 3, 5, 3, 23),
                label: "the new thread runs as the service".into(),
                related: vec![Related {
                    location: begin,
                    message: "impersonation begins here".into(),
                }],
                notes: vec!["called while impersonating from `main` (src/main.rs:4)".into()],
                help: Some("spawn the thread before impersonating, or pass the token".into()),
                fix: None,
            },
            Diagnostic {
                lint: "unchecked_impersonation",
                level: Level::Deny,
                message: "result of `ImpersonateSelf` is not checked".into(),
                location: loc(ODD_PATH, 2, 13, 2, 31),
                label: "dropped by `let _ =`".into(),
                related: vec![],
                notes: vec![],
                help: None,
                fix: None,
            },
            Diagnostic {
                lint: crate::diag::builtin::IO_ERROR,
                level: Level::Deny,
                message: "cannot read `src/gone.rs`: permission denied".into(),
                location: Location::file_start("src/gone.rs"),
                label: "unreadable".into(),
                related: vec![],
                notes: vec![],
                help: None,
                fix: None,
            },
        ]
    }

    pub fn sources(file: &str) -> Option<Arc<str>> {
        match file {
            "src/lib.rs" => Some(Arc::from(LIB)),
            ODD_PATH => Some(Arc::from(ODD)),
            _ => None,
        }
    }

    pub fn package_of(file: &str) -> Option<PackageTarget> {
        (file != "src/gone.rs").then(|| PackageTarget {
            package_id: "path+file:///work/demo#demo@0.1.0".into(),
            manifest_path: "/work/demo/Cargo.toml".into(),
            target_name: "demo".into(),
            target_kind: vec!["lib".into()],
            src_path: "/work/demo/src/lib.rs".into(),
        })
    }

    /// A run of one package with two crates, one of them skipped.
    pub static SUMMARY: super::RunSummary = super::RunSummary {
        packages: None,
        crates: 2,
        files_analyzed: 3,
        files_skipped: 4,
        baselined: 0,
        suppressed: 0,
        failure: None,
        notes: Vec::new(),
    };

    /// Calls `f` with a context over [`sources`] rooted at `/work/demo`.
    pub fn with_context<T>(f: impl FnOnce(&EmitContext) -> T) -> T {
        let cx = EmitContext {
            root: Path::new("/work/demo"),
            sources: &sources,
            rules: &RULES,
            tool_version: "0.1.0",
            color: false,
            package_of: &package_of,
            summary: Some(&SUMMARY),
        };
        f(&cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.name());
        }
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown output format `xml` (expected one of: human, short, json, sarif, github, cargo-json)"
        );
    }

    #[test]
    fn source_text_lines_and_offsets() {
        let text = SourceText::new(Arc::from("ab\r\nüx\n"));
        assert_eq!(text.line(1), Some("ab"));
        assert_eq!(text.line(2), Some("üx"));
        assert_eq!(text.line(3), Some(""));
        assert_eq!(text.line(4), None);
        assert_eq!(text.line(0), None);
        // Columns count characters: `x` is the second character of line 2.
        assert_eq!(text.offset(2, 2), Some(6));
        // Past the end of a line: clamped to the line's end.
        assert_eq!(text.offset(1, 9), Some(2));
        let location = Location {
            file: "f.rs".into(),
            line: 2,
            column: 1,
            end_line: 2,
            end_column: 3,
            byte_start: 0,
            byte_end: 0,
        };
        assert_eq!(text.range(&location), Some(4..7));
    }

    #[test]
    fn every_format_is_deterministic() {
        let diags = testing::diagnostics();
        testing::with_context(|cx| {
            for format in Format::ALL {
                let first = render(format, &diags, cx);
                assert!(!first.is_empty(), "{format} rendered nothing");
                assert_eq!(
                    first,
                    render(format, &diags, cx),
                    "{format} differs between runs"
                );
            }
        });
    }
}
