//! The SARIF output validates against the official SARIF 2.1.0 schema (the
//! copy in `tests/schemas/`, resolved locally: no network), for a mix of
//! diagnostics that exercises every optional part of a result: related
//! locations, notes, help, a fix spanning two files, a path with a space and
//! non-ASCII characters, a file outside the root, a file with no source, a
//! built-in diagnostic, and no diagnostics at all.

use imperlint_analyzer::diag::{
    builtin, Diagnostic, Edit, Fix, Level, LintInfo, Location, Related,
};
use imperlint_analyzer::emit::{render, EmitContext, Format, PackageTarget};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

#[path = "../../tests/support/sarif_schema.rs"]
mod schema;
use schema::violations;

static LINT: LintInfo = LintInfo {
    name: "missing_revert",
    default_level: Level::Deny,
    summary: "a way out of a function while impersonating without a guard",
    docs: "### What it does\nReports exits that leave the thread impersonating.\n\n\
           ### Why is this bad?\nThe next request runs as this client.\n",
    security_severity: "8.8",
};

static QUIET: LintInfo = LintInfo {
    name: "nested_impersonation",
    default_level: Level::Allow,
    summary: "a begin while already impersonating",
    docs: "no sections at all",
    security_severity: "4.0",
};

const LIB: &str = "fn serve(token: HANDLE) -> io::Result<()> {\n    \
    ImpersonateLoggedOnUser(token);\n    \
    read_request()?;\n    \
    RevertToSelf();\n    \
    Ok(())\n}\n";

const ODD_PATH: &str = "src/ünïcode dir/a b.rs";
const ODD: &str = "fn f() {\n    ImpersonateSelf(2);\n}\n";

fn location(file: &str, line: u32, column: u32, end_column: u32) -> Location {
    Location {
        file: file.to_owned(),
        line,
        column,
        end_line: line,
        end_column,
        byte_start: 0,
        byte_end: 0,
    }
}

fn diagnostics() -> Vec<Diagnostic> {
    let begin = location("src/lib.rs", 2, 5, 35);
    vec![
        Diagnostic {
            lint: "missing_revert",
            level: Level::Deny,
            message: "`?` returns while impersonating".into(),
            location: location("src/lib.rs", 3, 19, 20),
            label: "returns here still impersonating".into(),
            related: vec![
                Related {
                    location: begin,
                    message: "impersonation begins here".into(),
                },
                Related {
                    location: location(ODD_PATH, 2, 5, 20),
                    message: "also called from here".into(),
                },
            ],
            notes: vec!["called while impersonating from `main` (src/main.rs:4)".into()],
            help: Some("hold a guard whose `Drop` reverts".into()),
            fix: Some(Fix {
                description: "revert before returning".into(),
                edits: vec![
                    Edit {
                        location: location("src/lib.rs", 3, 5, 5),
                        replacement: "let r = ".into(),
                    },
                    Edit {
                        location: location(ODD_PATH, 2, 5, 24),
                        replacement: String::new(),
                    },
                ],
            }),
        },
        Diagnostic {
            lint: "nested_impersonation",
            level: Level::Warn,
            message: "`ImpersonateSelf` while already impersonating".into(),
            location: location(ODD_PATH, 2, 5, 20),
            label: "second begin".into(),
            related: vec![],
            notes: vec![],
            help: None,
            fix: None,
        },
        Diagnostic {
            lint: "missing_revert",
            level: Level::Deny,
            message: "end of body while impersonating".into(),
            location: location("/outside/root/x.rs", 1, 1, 2),
            label: String::new(),
            related: vec![],
            notes: vec![],
            help: None,
            fix: None,
        },
        Diagnostic {
            lint: builtin::PARSE_ERROR,
            level: Level::Deny,
            message: "expected `;`, found `}`".into(),
            location: Location::file_start("src/broken.rs"),
            label: "expected `;`".into(),
            related: vec![],
            notes: vec![],
            help: None,
            fix: None,
        },
    ]
}

fn sarif(diags: &[Diagnostic]) -> Value {
    let sources = |file: &str| -> Option<Arc<str>> {
        match file {
            "src/lib.rs" => Some(Arc::from(LIB)),
            ODD_PATH => Some(Arc::from(ODD)),
            _ => None,
        }
    };
    let package_of = |_: &str| -> Option<PackageTarget> { None };
    let rules: [&'static LintInfo; 2] = [&LINT, &QUIET];
    let cx = EmitContext {
        root: Path::new("/home/ci/my project"),
        sources: &sources,
        rules: &rules,
        tool_version: "0.1.0",
        color: false,
        package_of: &package_of,
        summary: None,
    };
    serde_json::from_str(&render(Format::Sarif, diags, &cx)).expect("SARIF output is JSON")
}

fn assert_valid(log: &Value) {
    let errors = violations(log);
    assert!(
        errors.is_empty(),
        "SARIF output is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_output_is_valid() {
    let log = sarif(&diagnostics());
    assert_valid(&log);
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 4);
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///home/ci/my%20project/"
    );
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["missing_revert", "nested_impersonation", "parse_error"]
    );
    assert_eq!(
        run["tool"]["driver"]["rules"][1]["defaultConfiguration"]["level"],
        "none"
    );
    let changes = run["results"][0]["fixes"][0]["artifactChanges"]
        .as_array()
        .unwrap();
    assert_eq!(changes.len(), 2, "one change per file");
    assert_eq!(
        changes[1]["artifactLocation"]["uri"],
        "src/%C3%BCn%C3%AFcode%20dir/a%20b.rs"
    );
    let outside = &run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(outside["uri"], "file:///outside/root/x.rs");
    assert!(outside.get("uriBaseId").is_none());
}

#[test]
fn empty_sarif_output_is_valid() {
    let log = sarif(&[]);
    assert_valid(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn the_validator_rejects_a_broken_log() {
    // Guards the test itself: a result without a message, a 0 line and an
    // unencoded space in a URI must each be caught.
    let mut log = sarif(&diagnostics());
    let result = &mut log["runs"][0]["results"][0];
    result.as_object_mut().unwrap().remove("message");
    let physical = &mut result["locations"][0]["physicalLocation"];
    physical["region"]["startLine"] = Value::from(0);
    physical["artifactLocation"]["uri"] = Value::from("src/my dir/x.rs");
    let errors = violations(&log);
    assert!(errors.iter().any(|e| e.contains("message")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("/region/startLine")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("/artifactLocation/uri")),
        "{errors:?}"
    );
}
