//! The cargo-json format: cargo's `--message-format=json` lines, one
//! `{"reason":"compiler-message",..}` object per diagnostic, carrying a
//! rustc-shaped diagnostic, so rust-analyzer (`check.overrideCommand`) and
//! other cargo-aware tools show findings inline. This module owns that
//! mapping: the primary location is the primary span; related locations are
//! labelled secondary spans (rust-analyzer's related information); notes and
//! help are span-less children (appended to the message); a fix is a `help`
//! child whose spans carry `suggested_replacement` and `MachineApplicable`
//! (a quick fix). The code is `imperlint::<lint>`, a scoped name like
//! clippy's, which rust-analyzer shows with source `imperlint` and code
//! `<lint>`. `file_name` is the diagnostic's path, relative to the run's
//! root (rust-analyzer joins it with the workspace root). Outside cargo
//! (`package_of` returns `None`) the lines carry an empty `package_id`,
//! `manifest_path`, target name, kinds and `src_path`.

use super::{human, EmitContext, PackageTarget, SourceText, Sources};
use crate::diag::{Diagnostic, Level, Location};
use serde::Serialize;

#[derive(Serialize)]
struct CompilerMessage {
    reason: &'static str,
    package_id: String,
    manifest_path: String,
    target: Target,
    message: Message,
}

#[derive(Serialize)]
struct Target {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: String,
    edition: &'static str,
    doctest: bool,
    test: bool,
}

#[derive(Serialize)]
struct Message {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<Message>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

pub(super) fn render(diags: &[Diagnostic], cx: &EmitContext) -> String {
    let sources = Sources::new(cx);
    let mut out = String::new();
    for diag in diags {
        let line = line(diag, cx, &sources);
        out.push_str(
            &serde_json::to_string(&line).expect("a compiler message has only string keys"),
        );
        out.push('\n');
    }
    out
}

fn line(diag: &Diagnostic, cx: &EmitContext, sources: &Sources) -> CompilerMessage {
    let package = (cx.package_of)(&diag.location.file).unwrap_or(PackageTarget {
        package_id: String::new(),
        manifest_path: String::new(),
        target_name: String::new(),
        target_kind: Vec::new(),
        src_path: String::new(),
    });
    let crate_types = package
        .target_kind
        .iter()
        .map(|kind| crate_type(kind))
        .collect();
    CompilerMessage {
        reason: "compiler-message",
        package_id: package.package_id,
        manifest_path: package.manifest_path,
        target: Target {
            kind: package.target_kind,
            crate_types,
            name: package.target_name,
            src_path: package.src_path,
            edition: "2021",
            doctest: false,
            test: false,
        },
        message: message(diag, cx, sources),
    }
}

/// The crate type cargo reports for a target kind: library kinds are their
/// own crate type; binaries, tests, examples, benches and build scripts are `bin`.
fn crate_type(kind: &str) -> String {
    match kind {
        "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => kind.to_owned(),
        _ => "bin".to_owned(),
    }
}

fn message(diag: &Diagnostic, cx: &EmitContext, sources: &Sources) -> Message {
    let mut spans = vec![span(
        &diag.location,
        sources,
        true,
        Some(diag.label.clone()).filter(|label| !label.is_empty()),
        None,
    )];
    spans.extend(diag.related.iter().map(|related| {
        span(
            &related.location,
            sources,
            false,
            Some(related.message.clone()),
            None,
        )
    }));

    let mut children: Vec<Message> = diag
        .notes
        .iter()
        .map(|note| child("note", note.clone(), Vec::new()))
        .collect();
    let fix_description = diag.fix.as_ref().map(|fix| fix.description.as_str());
    if let Some(help) = diag
        .help
        .as_ref()
        .filter(|help| Some(help.as_str()) != fix_description)
    {
        children.push(child("help", help.clone(), Vec::new()));
    }
    if let Some(fix) = &diag.fix {
        let edits = fix
            .edits
            .iter()
            .map(|edit| {
                span(
                    &edit.location,
                    sources,
                    true,
                    None,
                    Some(edit.replacement.clone()),
                )
            })
            .collect();
        children.push(child("help", fix.description.clone(), edits));
    }

    Message {
        message_type: "diagnostic",
        message: diag.message.clone(),
        code: Some(Code {
            code: format!("imperlint::{}", diag.lint),
            explanation: None,
        }),
        level: match diag.level {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "note",
        },
        spans,
        children,
        rendered: Some(human::render_one(diag, cx, sources, cx.color)),
    }
}

fn child(level: &'static str, message: String, spans: Vec<Span>) -> Message {
    Message {
        message_type: "diagnostic",
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// A rustc span: 1-based lines and character columns (end exclusive), the
/// byte range, and the text of every line it touches with the highlighted
/// columns, which rust-analyzer reads to convert columns to its encoding.
/// Without the source, `text` is empty and bytes are the location's own.
fn span(
    location: &Location,
    sources: &Sources,
    is_primary: bool,
    label: Option<String>,
    suggested_replacement: Option<String>,
) -> Span {
    let source = sources.get(&location.file);
    let range = source.as_ref().and_then(|text| text.range(location));
    let (byte_start, byte_end) = range.map_or((location.byte_start, location.byte_end), |range| {
        (range.start, range.end)
    });
    let text = source
        .as_ref()
        .map(|text| span_lines(text, location))
        .unwrap_or_default();
    let applicability = suggested_replacement.as_ref().map(|_| "MachineApplicable");
    Span {
        file_name: location.file.clone(),
        byte_start,
        byte_end,
        line_start: location.line.max(1),
        line_end: location.end_line.max(location.line).max(1),
        column_start: location.column.max(1),
        column_end: location.end_column.max(1),
        is_primary,
        text,
        label,
        suggested_replacement,
        suggestion_applicability: applicability,
        expansion: None,
    }
}

fn span_lines(source: &SourceText, location: &Location) -> Vec<SpanLine> {
    let last = location.end_line.max(location.line);
    (location.line..=last)
        .map_while(|number| {
            let text = source.line(number)?;
            let width = text.chars().count() + 1;
            let start = if number == location.line {
                location.column.max(1) as usize
            } else {
                1
            };
            let end = if number == last {
                location.end_column.max(1) as usize
            } else {
                width
            };
            Some(SpanLine {
                text: text.to_owned(),
                highlight_start: start.min(width),
                highlight_end: end.min(width),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;
    use serde_json::Value;

    fn lines(package_of: &dyn Fn(&str) -> Option<PackageTarget>) -> Vec<Value> {
        let diags = testing::diagnostics();
        let text = testing::with_context(|cx| render(&diags, &EmitContext { package_of, ..*cx }));
        assert!(text.ends_with('\n'));
        text.lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn every_line_is_a_compiler_message() {
        let lines = lines(&testing::package_of);
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert_eq!(line["reason"], "compiler-message");
            assert_eq!(line["message"]["$message_type"], "diagnostic");
            for span in line["message"]["spans"].as_array().unwrap() {
                for key in ["line_start", "line_end", "column_start", "column_end"] {
                    assert!(span[key].as_u64().unwrap() >= 1, "{key} in {span}");
                }
            }
        }
        let first = &lines[0];
        assert_eq!(first["package_id"], "path+file:///work/demo#demo@0.1.0");
        assert_eq!(first["manifest_path"], "/work/demo/Cargo.toml");
        assert_eq!(first["target"]["kind"][0], "lib");
        assert_eq!(first["target"]["crate_types"][0], "lib");
        assert_eq!(first["target"]["src_path"], "/work/demo/src/lib.rs");
        assert_eq!(
            first["message"]["code"]["code"],
            "imperlint::unchecked_impersonation"
        );
        assert_eq!(first["message"]["level"], "error");
        assert_eq!(lines[1]["message"]["level"], "warning");
    }

    #[test]
    fn spans_are_one_based_with_line_text() {
        let lines = lines(&testing::package_of);
        let spawn = &lines[1]["message"];
        let primary = &spawn["spans"][0];
        assert_eq!(primary["file_name"], "src/lib.rs");
        assert_eq!(primary["is_primary"], true);
        assert_eq!(primary["label"], "the new thread runs as the service");
        assert_eq!(
            (&primary["line_start"], &primary["column_start"]),
            (&Value::from(3), &Value::from(5))
        );
        assert_eq!(primary["column_end"], 23);
        assert_eq!(
            primary["text"][0]["text"],
            "    std::thread::spawn(|| work());"
        );
        assert_eq!(primary["text"][0]["highlight_start"], 5);
        assert_eq!(primary["text"][0]["highlight_end"], 23);
        let start = primary["byte_start"].as_u64().unwrap() as usize;
        let end = primary["byte_end"].as_u64().unwrap() as usize;
        assert_eq!(&testing::LIB[start..end], "std::thread::spawn");
        let related = &spawn["spans"][1];
        assert_eq!(related["is_primary"], false);
        assert_eq!(related["label"], "impersonation begins here");
        assert_eq!(related["line_start"], 2);
        assert_eq!(spawn["children"][0]["level"], "note");
        assert_eq!(spawn["children"][1]["level"], "help");
        assert_eq!(spawn["children"][1]["spans"], Value::Array(vec![]));
        let rendered = spawn["rendered"].as_str().unwrap();
        assert!(
            rendered.starts_with("warning[thread_spawn_while_impersonating]"),
            "{rendered}"
        );
        assert!(
            !rendered.contains("warnings"),
            "the summary is not part of one message: {rendered}"
        );

        // Non-ASCII: columns count characters, bytes count bytes.
        let odd = &lines[2]["message"]["spans"][0];
        assert_eq!(odd["file_name"], testing::ODD_PATH);
        assert_eq!(odd["column_start"], 13);
    }

    #[test]
    fn a_fix_is_a_machine_applicable_suggestion() {
        let lines = lines(&testing::package_of);
        let children = lines[0]["message"]["children"].as_array().unwrap();
        let fix = children.last().unwrap();
        assert_eq!(fix["level"], "help");
        assert_eq!(fix["message"], "propagate the error with `?`");
        let span = &fix["spans"][0];
        assert_eq!(span["is_primary"], true);
        assert_eq!(span["suggested_replacement"], "?");
        assert_eq!(span["suggestion_applicability"], "MachineApplicable");
        assert_eq!(span["column_start"], 35);
        assert_eq!(span["byte_start"], span["byte_end"]);
    }

    #[test]
    fn outside_cargo_and_without_source() {
        let lines = lines(&|_| None);
        for line in &lines {
            assert_eq!(line["package_id"], "");
            assert_eq!(line["manifest_path"], "");
            assert_eq!(line["target"]["kind"], Value::Array(vec![]));
        }
        let gone = &lines[3]["message"];
        assert_eq!(gone["code"]["code"], "imperlint::io_error");
        assert_eq!(gone["spans"][0]["text"], Value::Array(vec![]));
        assert_eq!(gone["spans"][0]["line_start"], 1);
        assert!(gone["rendered"]
            .as_str()
            .unwrap()
            .contains("--> src/gone.rs:1:1"));
    }

    /// rust-analyzer reads these lines with `cargo_metadata::Message`: so must we.
    #[test]
    fn lines_parse_as_cargo_messages() {
        let diags = testing::diagnostics();
        for package_of in [
            &testing::package_of as &dyn Fn(&str) -> Option<PackageTarget>,
            &|_| None,
        ] {
            let text =
                testing::with_context(|cx| render(&diags, &EmitContext { package_of, ..*cx }));
            let messages: Vec<cargo_metadata::Message> =
                cargo_metadata::Message::parse_stream(text.as_bytes())
                    .collect::<Result<_, _>>()
                    .expect("lines parse");
            assert_eq!(messages.len(), diags.len());
            for (message, diag) in messages.iter().zip(&diags) {
                let cargo_metadata::Message::CompilerMessage(message) = message else {
                    panic!("not a compiler message: {message:?}");
                };
                let diagnostic = &message.message;
                assert_eq!(diagnostic.message, diag.message);
                let primary = diagnostic
                    .spans
                    .iter()
                    .find(|span| span.is_primary)
                    .unwrap();
                assert_eq!(primary.file_name, diag.location.file);
                assert_eq!(primary.line_start, diag.location.line as usize);
                assert_eq!(primary.column_start, diag.location.column as usize);
                assert_eq!(
                    diagnostic.rendered.as_deref().map(|text| text.is_empty()),
                    Some(false)
                );
            }
        }
    }

    #[test]
    fn crate_types_follow_cargo() {
        assert_eq!(crate_type("proc-macro"), "proc-macro");
        assert_eq!(crate_type("test"), "bin");
        assert_eq!(crate_type("custom-build"), "bin");
    }
}
