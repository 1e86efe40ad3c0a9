//! The human format: rustc-like text drawn by `codespan-reporting`, for
//! people at a terminal or reading a CI log. Each diagnostic shows its
//! `severity[lint]: message` header, the source snippet with the primary
//! label and a secondary label per related location, its notes, its help,
//! and a last note with the lint's level and documentation link; a summary
//! line ends the output. A file whose source is unavailable gets a plain
//! `--> file:line:col` line instead of a snippet. This module also renders
//! one diagnostic alone for `cargo-json`'s `rendered` field; it owns nothing
//! about which diagnostics exist or their order.
//!
//! Everything it echoes from the checked tree (source lines, file names,
//! messages that quote code, suppression comments) is shown with its
//! control characters escaped (`\u{1b}`), as the JSON, SARIF and GitHub
//! formats encode them: a raw escape sequence or carriage return could hide
//! or rewrite what a terminal shows, and a newline in a file name could
//! start a line of its own (a GitHub Actions workflow command such as
//! `::add-mask::` in a CI log).

use super::{lint_info, plural, Counts, EmitContext, RunSummary, SourceText, Sources};
use crate::diag::{Diagnostic, Level};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::Buffer;
use codespan_reporting::term::{self, Chars, Config};
use std::borrow::Cow;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

/// Every diagnostic, then the closing summary (when the context has one).
pub(super) fn render(diags: &[Diagnostic], cx: &EmitContext) -> String {
    let sources = Sources::new(cx);
    let mut out = String::new();
    for diag in diags {
        out.push_str(&render_one(diag, cx, &sources, cx.color));
    }
    if let Some(run) = cx.summary {
        out.push_str(&summary(Counts::of(diags), run));
    }
    out
}

/// The closing summary, one line each: what was checked (packages,
/// crates, files analysed and skipped by the prefilter); the findings by
/// level with what was hidden (baselined, suppressed) or why the run failed;
/// then any notes.
///
/// ```text
/// checked 2 crates: 14 files analysed, 40 skipped by the prefilter (they name no impersonation API)
/// 4 errors, 13 warnings (2 baselined, 1 suppressed)
/// ```
pub(super) fn summary(counts: Counts, run: &RunSummary) -> String {
    let mut checked = match run.packages {
        Some(packages) => format!(
            "checked {} ({})",
            plural(packages, "package"),
            plural(run.crates, "crate")
        ),
        None => format!("checked {}", plural(run.crates, "crate")),
    };
    checked.push_str(&format!(
        ": {} analysed",
        plural(run.files_analyzed, "file")
    ));
    if run.files_skipped > 0 {
        checked.push_str(&format!(
            ", {} skipped by the prefilter (they name no impersonation API)",
            run.files_skipped
        ));
    }
    let levels = format!(
        "{}, {}",
        plural(counts.deny, "error"),
        plural(counts.warn, "warning")
    );
    let mut found = match &run.failure {
        Some(why) => format!("{levels} in what was checked; the run failed: {why}"),
        None if counts.deny == 0 && counts.warn == 0 => "no findings".to_owned(),
        None => levels,
    };
    let mut hidden = Vec::new();
    if run.baselined > 0 {
        hidden.push(format!("{} baselined", run.baselined));
    }
    if run.suppressed > 0 {
        hidden.push(format!("{} suppressed", run.suppressed));
    }
    if !hidden.is_empty() && run.failure.is_none() {
        found.push_str(&format!(" ({})", hidden.join(", ")));
    }
    let mut out = format!("{checked}\n{found}\n");
    for note in &run.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// A file's id in codespan's file table and its text; `None` when its
/// source is unavailable.
type FileEntry = Option<(usize, Rc<Shown>)>;

/// A character a terminal would not show as itself: control characters
/// (C0, DEL, C1) and the bidirectional formatting characters that reorder
/// what is displayed ("Trojan Source"), and the line and paragraph
/// separators.
fn hides(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `text` with every character [`hides`] is true of written as `\u{..}`
/// (a newline included: what this is used for is one line or part of one).
pub(super) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hides) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hides(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A source file as the snippets show it: its text with the characters
/// [`hides`] is true of escaped, except the line structure (`\n`, and the
/// `\r` of a `\r\n`, shown as a space) and tabs; and where each escape
/// moved the bytes after it, to place the labels.
pub(super) struct Shown {
    text: Arc<str>,
    source: Rc<SourceText>,
    /// `(offset in the source, bytes added before the next character)` for
    /// each escaped character, by offset; empty when nothing is escaped.
    shifts: Vec<(usize, usize)>,
}

impl Shown {
    fn of(source: Rc<SourceText>) -> Shown {
        let raw = &source.text;
        let escaped = |i: usize, c: char| match c {
            '\n' | '\t' => false,
            '\r' => raw.as_bytes().get(i + 1) != Some(&b'\n'),
            c => hides(c),
        };
        if !raw.char_indices().any(|(i, c)| escaped(i, c) || c == '\r') {
            return Shown {
                text: Arc::clone(&source.text),
                source,
                shifts: Vec::new(),
            };
        }
        let mut text = String::with_capacity(raw.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in raw.char_indices() {
            if escaped(i, c) {
                let e = format!("\\u{{{:x}}}", c as u32);
                shifts.push((i, e.len() - c.len_utf8()));
                text.push_str(&e);
            } else if c == '\r' {
                text.push(' ');
            } else {
                text.push(c);
            }
        }
        Shown {
            text: Arc::from(text),
            source,
            shifts,
        }
    }

    /// Where byte `offset` of the source lies in the shown text.
    fn shift(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < offset);
        offset + self.shifts[..before].iter().map(|&(_, n)| n).sum::<usize>()
    }

    /// The shown range of a location (see [`SourceText::range`]).
    fn range(&self, location: &crate::diag::Location) -> Option<Range<usize>> {
        let r = self.source.range(location)?;
        Some(self.shift(r.start)..self.shift(r.end))
    }
}

/// One diagnostic as rustc would print it, ending with a blank line.
pub(super) fn render_one(
    diag: &Diagnostic,
    cx: &EmitContext,
    sources: &Sources,
    color: bool,
) -> String {
    let mut files: SimpleFiles<String, Arc<str>> = SimpleFiles::new();
    // Each file is added once, in the order the diagnostic names it, under
    // its escaped name and with its escaped text.
    let mut ids: Vec<(String, FileEntry)> = Vec::new();
    let mut file_id = |file: &str| -> FileEntry {
        if let Some((_, known)) = ids.iter().find(|(name, _)| name == file) {
            return known.clone();
        }
        let entry = sources.get(file).map(|text| {
            let shown = Rc::new(Shown::of(text));
            let id = files.add(escape(file).into_owned(), Arc::clone(&shown.text));
            (id, shown)
        });
        ids.push((file.to_owned(), entry.clone()));
        entry
    };

    let primary =
        file_id(&diag.location.file).and_then(|(id, text)| Some((id, text.range(&diag.location)?)));
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    if let Some((id, range)) = primary.clone() {
        labels.push(Label::primary(id, range).with_message(escape(&diag.label)));
    }
    for related in &diag.related {
        let place = file_id(&related.location.file)
            .and_then(|(id, text)| Some((id, text.range(&related.location)?)));
        match place {
            Some((id, range)) if primary.is_some() => {
                labels.push(Label::secondary(id, range).with_message(escape(&related.message)));
            }
            _ => notes.push(format!(
                "note: {}: {}",
                escape(&related.message),
                escape(&related.location.to_string())
            )),
        }
    }
    notes.extend(
        diag.notes
            .iter()
            .map(|note| format!("note: {}", escape(note))),
    );
    // One help line: the fix, saying when `--fix` can make it.
    let help = diag
        .help
        .as_deref()
        .or(diag.fix.as_ref().map(|fix| fix.description.as_str()));
    if let Some(help) = help {
        let applies = if diag.fix.is_some() {
            " (`--fix` applies it)"
        } else {
            ""
        };
        notes.push(format!("help: {}{applies}", escape(help)));
    }
    if let Some(info) = lint_info(cx, diag.lint) {
        let level = if diag.level == info.default_level {
            format!("is on by default at level `{}`", info.default_level)
        } else {
            format!(
                "is set to `{}` here (default `{}`)",
                diag.level, info.default_level
            )
        };
        notes.push(format!(
            "note: `{}` {level}; see {}",
            info.name,
            info.help_uri()
        ));
    }

    let severity = match diag.level {
        Level::Deny => Severity::Error,
        Level::Warn => Severity::Warning,
        Level::Allow => Severity::Note,
    };
    let report = Report::new(severity)
        .with_code(diag.lint)
        .with_message(escape(&diag.message))
        .with_labels(labels)
        .with_notes(notes);

    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    // rustc's ASCII drawing (`-->`, `|`), which every terminal and CI log shows.
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let drawn = term::emit(&mut buffer, &config, &files, &report);
    if drawn.is_ok() && primary.is_some() {
        return String::from_utf8_lossy(buffer.as_slice()).into_owned();
    }
    // No snippet: the primary file's source is unavailable, or (which
    // `SourceText::range` rules out) codespan rejected a range. Draw the
    // header and notes, and name the place in a plain `-->` line.
    buffer.clear();
    let plain = report.with_labels(Vec::new());
    let _ = term::emit(&mut buffer, &config, &files, &plain);
    with_plain_location(&buffer, diag)
}

/// A diagnostic drawn without a snippet, with `--> file:line:col: label`
/// added under its header line; like a drawn one, it ends with a blank line.
fn with_plain_location(buffer: &Buffer, diag: &Diagnostic) -> String {
    let drawn = String::from_utf8_lossy(buffer.as_slice()).into_owned();
    let (header, rest) = drawn.split_once('\n').unwrap_or((&drawn, ""));
    let mut text = format!("{header}\n --> {}", escape(&diag.location.to_string()));
    if !diag.label.is_empty() {
        text.push_str(": ");
        text.push_str(&escape(&diag.label));
    }
    text.push('\n');
    text.push_str(rest);
    if !text.ends_with("\n\n") {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;
    use crate::emit::EmitContext;

    fn rendered() -> String {
        let diags = testing::diagnostics();
        testing::with_context(|cx| render(&diags, cx))
    }

    #[test]
    fn shows_headers_labels_notes_and_help() {
        let out = rendered();
        assert!(
            out.contains("error[unchecked_impersonation]: result of `ImpersonateLoggedOnUser` is not checked"),
            "{out}"
        );
        assert!(
            out.contains("warning[thread_spawn_while_impersonating]: `std::thread::spawn` while impersonating"),
            "{out}"
        );
        assert!(out.contains("  --> src/lib.rs:3:5\n"), "{out}");
        assert!(out.contains("the new thread runs as the service"), "{out}");
        assert!(out.contains("impersonation begins here"), "{out}");
        assert!(
            out.contains("= note: called while impersonating from `main` (src/main.rs:4)"),
            "{out}"
        );
        assert!(
            out.contains("= help: spawn the thread before impersonating, or pass the token"),
            "{out}"
        );
        assert!(
            out.contains(
                "= note: `unchecked_impersonation` is on by default at level `deny`; see \
                 https://github.com/imperlint/imperlint/blob/main/docs/lints/unchecked_impersonation.md"
            ),
            "{out}"
        );
        assert!(
            out.contains("  --> src/my dir/überprüfung.rs:2:13\n"),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "colored without cx.color: {out}");
    }

    #[test]
    fn one_help_line_each_saying_when_fix_applies_it() {
        let out = rendered();
        for diag in out.split("\n\n") {
            assert!(diag.matches("= help: ").count() <= 1, "{diag}");
        }
        assert!(
            out.contains(
                "= help: check the result: `ImpersonateLoggedOnUser(token)?` (`--fix` applies it)\n"
            ),
            "{out}"
        );
        let mut only_fix = testing::diagnostics().remove(0);
        only_fix.help = None;
        let out = testing::with_context(|cx| render(&[only_fix], cx));
        assert!(
            out.contains("= help: propagate the error with `?` (`--fix` applies it)\n"),
            "{out}"
        );
    }

    #[test]
    fn snippet_underlines_the_primary_and_related_ranges() {
        let out = rendered();
        // The spawn warning: primary `^` under the call, secondary `-` under the begin.
        let spawn = out
            .split("warning[thread_spawn_while_impersonating]")
            .nth(1)
            .unwrap();
        assert!(
            spawn.contains("2 |     ImpersonateLoggedOnUser(token);\n  |     ------------------------------ impersonation begins here"),
            "{spawn}"
        );
        assert!(
            spawn.contains("3 |     std::thread::spawn(|| work());\n  |     ^^^^^^^^^^^^^^^^^^ the new thread runs as the service"),
            "{spawn}"
        );
    }

    #[test]
    fn unavailable_source_gets_a_plain_location() {
        let out = rendered();
        assert!(
            out.contains(
                "error[io_error]: cannot read `src/gone.rs`: permission denied\n --> src/gone.rs:1:1: unreadable\n\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn summary_says_what_was_checked_and_counts_levels() {
        let out = rendered();
        assert!(
            out.ends_with(
                "\nchecked 2 crates: 3 files analysed, 4 skipped by the prefilter \
                 (they name no impersonation API)\n3 errors, 1 warning\n"
            ),
            "{out}"
        );
        let empty = testing::with_context(|cx| render(&[], cx));
        assert!(empty.ends_with("\nno findings\n"), "{empty}");
        let quiet = testing::with_context(|cx| {
            render(
                &[],
                &EmitContext {
                    summary: None,
                    ..*cx
                },
            )
        });
        assert_eq!(quiet, "");
    }

    #[test]
    fn summary_names_packages_hidden_findings_and_notes() {
        let run = RunSummary {
            packages: Some(1),
            crates: 1,
            files_analyzed: 1,
            baselined: 2,
            suppressed: 1,
            notes: vec!["add `--workspace`".into()],
            ..RunSummary::default()
        };
        assert_eq!(
            summary(Counts { deny: 1, warn: 0 }, &run),
            "checked 1 package (1 crate): 1 file analysed\n\
             1 error, 0 warnings (2 baselined, 1 suppressed)\n\
             note: add `--workspace`\n"
        );
        assert!(summary(Counts::default(), &run)
            .contains("\nno findings (2 baselined, 1 suppressed)\n"));
    }

    #[test]
    fn a_failed_run_never_says_no_findings() {
        let run = RunSummary {
            failure: Some("path `gone` does not exist".into()),
            ..RunSummary::default()
        };
        let text = summary(Counts::default(), &run);
        assert!(!text.contains("no findings"), "{text}");
        assert!(
            text.ends_with(
                "\n0 errors, 0 warnings in what was checked; the run failed: path `gone` does not exist\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_level_other_than_the_default_is_named() {
        let mut diags = testing::diagnostics();
        diags.truncate(2);
        diags[1].level = Level::Deny;
        let out = testing::with_context(|cx| render(&diags, cx));
        assert!(
            out.contains(
                "`thread_spawn_while_impersonating` is set to `deny` here (default `warn`)"
            ),
            "{out}"
        );
        assert!(out.ends_with("\n2 errors, 0 warnings\n"), "{out}");
    }

    /// A source line, a file name, a message and a note holding an escape
    /// sequence, a lone carriage return, a bidirectional override and a
    /// newline: none reaches the output raw, and the label still underlines
    /// the call it points at.
    #[test]
    fn control_characters_are_escaped_everywhere() {
        use crate::diag::{Diagnostic, Location};
        let file = "src/a\n::error::x\u{1b}[2J.rs";
        let text: Arc<str> = Arc::from(
            "fn f() {\r\n    /* \u{1b}[8m */ RevertToSelf(); // \u{202e}x\r::add-mask::y\r\n}\r\n",
        );
        let line2 = text.split('\n').nth(1).unwrap();
        let col = line2[..line2.find("RevertToSelf").unwrap()].chars().count() as u32 + 1;
        let start = text.find("RevertToSelf").unwrap();
        let diag = Diagnostic {
            lint: "unchecked_revert",
            level: Level::Deny,
            message: "result of `RevertToSelf` \u{1b}[31mis not checked\n::stop-commands::x".into(),
            location: Location {
                file: file.into(),
                line: 2,
                column: col,
                end_line: 2,
                end_column: col + 14,
                byte_start: start,
                byte_end: start + 14,
            },
            label: "dropped\u{7}".into(),
            related: vec![],
            notes: vec!["suppression `// imperlint: allow(x) -- \u{1b}]8;;` is unused".into()],
            help: Some("check it\r".into()),
            fix: None,
        };
        let sources = |f: &str| (f == file).then(|| Arc::clone(&text));
        let out = testing::with_context(|cx| {
            let cx = EmitContext {
                sources: &sources,
                ..*cx
            };
            render(std::slice::from_ref(&diag), &cx)
        });
        assert!(
            !out.chars().any(|c| c != '\n' && super::hides(c)),
            "raw control characters in:\n{out}"
        );
        assert!(
            out.lines().all(|l| !l.starts_with("::")),
            "a line starts a workflow command:\n{out}"
        );
        assert!(
            out.contains("--> src/a\\u{a}::error::x\\u{1b}[2J.rs:2:"),
            "{out}"
        );
        assert!(
            out.contains("\\u{1b}[31mis not checked\\u{a}::stop-commands::x"),
            "{out}"
        );
        assert!(out.contains("\\u{202e}x\\u{d}::add-mask::y"), "{out}");
        // The underline is under the call, after the escaped comment.
        let snippet = out.lines().find(|l| l.contains("RevertToSelf();")).unwrap();
        let marks = out.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(
            snippet.find("RevertToSelf").unwrap(),
            marks.find('^').unwrap(),
            "{out}"
        );
        assert_eq!(marks.matches('^').count(), 14, "{out}");
        // The unavailable-source form escapes the place too.
        let plain = testing::with_context(|cx| render(std::slice::from_ref(&diag), cx));
        assert!(plain.contains(" --> src/a\\u{a}::error::x"), "{plain}");
        assert!(
            !plain.chars().any(|c| c != '\n' && super::hides(c)),
            "{plain}"
        );
    }

    #[test]
    fn color_only_when_asked() {
        let diags = testing::diagnostics();
        let out = testing::with_context(|cx| {
            let colored = EmitContext { color: true, ..*cx };
            render(&diags, &colored)
        });
        assert!(out.contains('\u{1b}'), "{out}");
    }
}
