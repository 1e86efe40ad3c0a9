//! The json format: imperlint's own machine-readable document, for scripts
//! and dashboards. Its shape is a public interface, documented field by
//! field in `docs/json-format.md` and versioned by the top-level `version`:
//! additive changes keep it, breaking changes bump it. This module owns that
//! shape (the serde structs below, whose field order is the output order);
//! it copies positions as the diagnostics carry them and invents nothing.

use super::{Counts, EmitContext};
use crate::diag::{Diagnostic, Location};
use serde::Serialize;

/// The document's `version`. Bump it only for a breaking change (a field
/// removed, renamed, or its type or meaning changed) and say so in
/// `docs/json-format.md`.
pub(super) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'a str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    lint: &'a str,
    level: &'static str,
    #[serde(flatten)]
    position: Position<'a>,
    message: &'a str,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Position<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

impl<'a> Position<'a> {
    fn of(location: &'a Location) -> Position<'a> {
        Position {
            file: &location.file,
            line: location.line,
            column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    position: Position<'a>,
    message: &'a str,
    primary: bool,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    position: Position<'a>,
    byte_start: usize,
    byte_end: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct Summary {
    deny: usize,
    warn: usize,
}

pub(super) fn render(diags: &[Diagnostic], cx: &EmitContext) -> String {
    let counts = Counts::of(diags);
    let document = Document {
        version: VERSION,
        tool: "imperlint",
        tool_version: cx.tool_version,
        diagnostics: diags.iter().map(diagnostic).collect(),
        summary: Summary {
            deny: counts.deny,
            warn: counts.warn,
        },
    };
    let mut out = serde_json::to_string_pretty(&document)
        .expect("the JSON document has only string keys and plain values");
    out.push('\n');
    out
}

fn diagnostic(diag: &Diagnostic) -> JsonDiagnostic<'_> {
    let primary = JsonLabel {
        position: Position::of(&diag.location),
        message: &diag.label,
        primary: true,
    };
    let related = diag.related.iter().map(|related| JsonLabel {
        position: Position::of(&related.location),
        message: &related.message,
        primary: false,
    });
    JsonDiagnostic {
        lint: diag.lint,
        level: diag.level.as_str(),
        position: Position::of(&diag.location),
        message: &diag.message,
        labels: std::iter::once(primary).chain(related).collect(),
        notes: &diag.notes,
        help: diag.help.as_deref(),
        fix: diag.fix.as_ref().map(|fix| JsonFix {
            description: &fix.description,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    position: Position::of(&edit.location),
                    byte_start: edit.location.byte_start,
                    byte_end: edit.location.byte_end,
                    replacement: &edit.replacement,
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;
    use serde_json::Value;

    fn document() -> Value {
        let diags = testing::diagnostics();
        let text = testing::with_context(|cx| render(&diags, cx));
        serde_json::from_str(&text).expect("json output parses")
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn top_level_fields() {
        let doc = document();
        assert_eq!(
            keys(&doc),
            ["diagnostics", "summary", "tool", "tool_version", "version"]
        );
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["tool"], "imperlint");
        assert_eq!(doc["tool_version"], "0.1.0");
        assert_eq!(doc["summary"]["deny"], 3);
        assert_eq!(doc["summary"]["warn"], 1);
        assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn diagnostic_fields_round_trip() {
        let doc = document();
        let first = &doc["diagnostics"][0];
        assert_eq!(
            keys(first),
            [
                "column",
                "end_column",
                "end_line",
                "file",
                "fix",
                "help",
                "labels",
                "level",
                "line",
                "lint",
                "message",
                "notes"
            ]
        );
        assert_eq!(first["lint"], "unchecked_impersonation");
        assert_eq!(first["level"], "deny");
        assert_eq!(first["file"], "src/lib.rs");
        assert_eq!(
            (
                &first["line"],
                &first["column"],
                &first["end_line"],
                &first["end_column"]
            ),
            (
                &Value::from(2),
                &Value::from(5),
                &Value::from(2),
                &Value::from(35)
            )
        );
        assert_eq!(
            first["notes"][0],
            "on failure the thread keeps running as the service"
        );
        assert_eq!(
            first["help"],
            "check the result: `ImpersonateLoggedOnUser(token)?`"
        );
        let edit = &first["fix"]["edits"][0];
        assert_eq!(first["fix"]["description"], "propagate the error with `?`");
        assert_eq!(edit["replacement"], "?");
        assert_eq!(
            (&edit["line"], &edit["column"]),
            (&Value::from(2), &Value::from(35))
        );
        assert_eq!(edit["byte_start"], edit["byte_end"]);
        assert_eq!(
            &testing::LIB[..edit["byte_start"].as_u64().unwrap() as usize]
                .lines()
                .last(),
            &Some("    ImpersonateLoggedOnUser(token)")
        );
    }

    #[test]
    fn labels_list_the_primary_first_then_related() {
        let doc = document();
        let labels = doc["diagnostics"][1]["labels"].as_array().unwrap();
        assert_eq!(labels.len(), 2);
        assert_eq!(labels[0]["primary"], true);
        assert_eq!(labels[0]["message"], "the new thread runs as the service");
        assert_eq!(labels[0]["line"], 3);
        assert_eq!(labels[1]["primary"], false);
        assert_eq!(labels[1]["message"], "impersonation begins here");
        assert_eq!(labels[1]["line"], 2);
        assert_eq!(
            keys(&labels[1]),
            [
                "column",
                "end_column",
                "end_line",
                "file",
                "line",
                "message",
                "primary"
            ]
        );
        let no_extras = &doc["diagnostics"][3];
        assert_eq!(no_extras["lint"], "io_error");
        assert_eq!(no_extras["help"], Value::Null);
        assert_eq!(no_extras["fix"], Value::Null);
        assert_eq!(no_extras["notes"], Value::Array(vec![]));
        assert_eq!(doc["diagnostics"][2]["file"], testing::ODD_PATH);
    }

    #[test]
    fn no_diagnostics_is_still_a_document() {
        let text = testing::with_context(|cx| render(&[], cx));
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["diagnostics"], Value::Array(vec![]));
        assert_eq!(doc["summary"]["deny"], 0);
        assert_eq!(doc["summary"]["warn"], 0);
    }
}
