//! Snapshots of every output format of `imperlint check fixtures/_demo` (one
//! hazard of each lint), run through the real binary from the repository
//! root so paths are relative. What varies between machines and releases is
//! redacted: the absolute `%SRCROOT%` URI in SARIF and imperlint's version;
//! the SARIF rules' long descriptions are compared with the registry and then
//! replaced by a placeholder, so editing a lint's docs does not churn this
//! snapshot. Next to each snapshot the semantics are asserted: every format
//! reports the same findings, SARIF has one run with one rule per lint, and
//! results point where impersonation began.

use imperlint_lints::registry::LINTS;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const VERSION_PLACEHOLDER: &str = "[version]";

/// What the binary printed for one format.
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `imperlint check fixtures/_demo --format FORMAT` once per format, for
/// every test of this file.
fn demo(format: &str) -> &'static Run {
    static RUNS: OnceLock<Vec<(&'static str, Run)>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        ["human", "json", "sarif", "github", "cargo-json"]
            .into_iter()
            .map(|format| {
                let out = Command::new(env!("CARGO_BIN_EXE_imperlint"))
                    .args(["check", "fixtures/_demo", "--color", "never", "--format"])
                    .arg(format)
                    .current_dir(repo_root())
                    .env_remove("NO_COLOR")
                    .output()
                    .expect("the imperlint binary runs");
                let run = Run {
                    stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                    code: out.status.code(),
                };
                (format, run)
            })
            .collect()
    });
    let (_, run) = runs
        .iter()
        .find(|(name, _)| *name == format)
        .expect("a format this file runs");
    assert_eq!(
        run.code,
        Some(1),
        "`--format {format}`: _demo has deny findings; stderr:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.is_empty(),
        "`--format {format}` wrote to stderr:\n{}",
        run.stderr
    );
    run
}

fn lint_names() -> Vec<&'static str> {
    LINTS.iter().map(|lint| lint.info.name).collect()
}

/// A finding as every format can state it: (file, line, column, lint, level).
type Key = (String, u64, u64, String, String);

fn key(file: &str, line: u64, column: u64, lint: &str, level: &str) -> Key {
    (
        file.to_owned(),
        line,
        column,
        lint.to_owned(),
        level.to_owned(),
    )
}

/// The findings of the JSON format, the reference the others are compared to.
fn json_findings() -> Vec<Key> {
    let doc: Value = serde_json::from_str(&demo("json").stdout).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            key(
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["lint"].as_str().unwrap(),
                d["level"].as_str().unwrap(),
            )
        })
        .collect()
}

fn count_deny(findings: &[Key]) -> usize {
    findings.iter().filter(|k| k.4 == "deny").count()
}

#[test]
fn human() {
    let text = &demo("human").stdout;
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escapes with --color never"
    );
    // Each finding is a header `level[lint]: message` and a `--> file:line:col`.
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((level, rest)) = line
            .strip_prefix("error[")
            .map(|r| ("deny", r))
            .or_else(|| line.strip_prefix("warning[").map(|r| ("warn", r)))
        else {
            continue;
        };
        let lint = rest.split_once(']').unwrap().0;
        let arrow = lines[i + 1].trim_start().strip_prefix("--> ").unwrap();
        let mut parts = arrow.rsplitn(3, ':');
        let column = parts.next().unwrap().parse().unwrap();
        let line_no = parts.next().unwrap().parse().unwrap();
        let file = parts.next().unwrap();
        found.push(key(file, line_no, column, lint, level));
    }
    assert_eq!(found, json_findings());
    let deny = count_deny(&found);
    assert!(
        text.ends_with(&format!("{deny} errors, {} warnings\n", found.len() - deny)),
        "the summary counts the findings"
    );
    assert!(
        text.contains("impersonation begins here"),
        "secondary labels are shown"
    );
    insta::assert_snapshot!("human", text);
}

#[test]
fn json() {
    let text = &demo("json").stdout;
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"], "imperlint");
    assert_eq!(doc["tool_version"], VERSION);
    let findings = json_findings();
    // One hazard of each lint, in output order (file, position, lint).
    let mut lints: Vec<&str> = findings.iter().map(|k| k.3.as_str()).collect();
    lints.sort_unstable();
    assert_eq!(lints, lint_names());
    let mut sorted = findings.clone();
    sorted.sort_by(|a, b| (&a.0, a.1, a.2, &a.3).cmp(&(&b.0, b.1, b.2, &b.3)));
    assert_eq!(findings, sorted, "diagnostics are sorted");
    for d in doc["diagnostics"].as_array().unwrap() {
        let labels = d["labels"].as_array().unwrap();
        assert_eq!(
            labels.iter().filter(|l| l["primary"] == true).count(),
            1,
            "one primary label: {d}"
        );
        assert!(!Path::new(d["file"].as_str().unwrap()).is_absolute());
    }
    let needle = format!("\"tool_version\": \"{VERSION}\"");
    assert_eq!(text.matches(&needle).count(), 1);
    let redacted = text.replace(
        &needle,
        &format!("\"tool_version\": \"{VERSION_PLACEHOLDER}\""),
    );
    insta::assert_snapshot!("json", redacted);
}

#[test]
fn sarif() {
    let mut log: Value = serde_json::from_str(&demo("sarif").stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "imperlint");
    assert_eq!(driver["version"], VERSION);
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, lint_names(), "one rule per lint, in registry order");
    for (rule, lint) in rules.iter().zip(LINTS) {
        let info = lint.info;
        assert_eq!(rule["shortDescription"]["text"], info.summary);
        assert_eq!(
            rule["fullDescription"]["text"],
            info.section("What it does").unwrap()
        );
        assert_eq!(rule["help"]["text"], info.docs.trim());
        assert_eq!(rule["help"]["markdown"], info.docs.trim());
        assert_eq!(rule["helpUri"], info.help_uri());
        assert_eq!(
            rule["properties"]["security-severity"],
            info.security_severity
        );
    }
    let results = run["results"].as_array().unwrap();
    let mut found = Vec::new();
    let mut related = 0;
    for result in results {
        let lint = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], lint, "ruleIndex points at the rule");
        let level = match result["level"].as_str().unwrap() {
            "error" => "deny",
            "warning" => "warn",
            other => panic!("unexpected level {other}"),
        };
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        found.push(key(
            physical["artifactLocation"]["uri"].as_str().unwrap(),
            physical["region"]["startLine"].as_u64().unwrap(),
            physical["region"]["startColumn"].as_u64().unwrap(),
            lint,
            level,
        ));
        assert!(result["partialFingerprints"]["imperlint/v1"].is_string());
        if let Some(locations) = result["relatedLocations"].as_array() {
            assert!(!locations.is_empty());
            related += 1;
        }
    }
    assert_eq!(found, json_findings());
    // Every finding of a "while impersonating" lint says where it began.
    for result in results {
        let lint = result["ruleId"].as_str().unwrap();
        if lint.ends_with("_while_impersonating") || lint == "missing_revert" {
            let messages: Vec<&str> = result["relatedLocations"]
                .as_array()
                .unwrap_or_else(|| panic!("`{lint}` has no relatedLocations"))
                .iter()
                .map(|l| l["message"]["text"].as_str().unwrap())
                .collect();
            assert!(
                messages
                    .iter()
                    .any(|m| m.starts_with("impersonation begins here")),
                "`{lint}`: {messages:?}"
            );
        }
    }
    assert!(
        related >= 10,
        "only {related} results have relatedLocations"
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "pool_work_without_transfer" && r["fixes"].is_array()),
        "the mechanical fix is in the log"
    );

    // Redactions: the absolute root, the version, and the docs checked above.
    let root = &mut log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let uri = root.as_str().unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with('/'),
        "%SRCROOT% is an absolute folder URI: {uri}"
    );
    *root = Value::from("file:///[SRCROOT]/");
    let driver = &mut log["runs"][0]["tool"]["driver"];
    for field in ["version", "semanticVersion"] {
        if driver.get(field).is_some() {
            driver[field] = Value::from(VERSION_PLACEHOLDER);
        }
    }
    for rule in driver["rules"].as_array_mut().unwrap() {
        let placeholder = format!("[docs of `{}`]", rule["id"].as_str().unwrap());
        rule["fullDescription"]["text"] = Value::from(placeholder.clone());
        rule["help"]["text"] = Value::from(placeholder.clone());
        rule["help"]["markdown"] = Value::from(placeholder);
    }
    insta::assert_json_snapshot!("sarif", log);
}

#[test]
fn github() {
    let text = &demo("github").stdout;
    let mut found = Vec::new();
    for line in text.lines() {
        let (level, rest) = if let Some(rest) = line.strip_prefix("::error ") {
            ("deny", rest)
        } else if let Some(rest) = line.strip_prefix("::warning ") {
            ("warn", rest)
        } else {
            panic!("not a workflow command: {line}");
        };
        let (properties, message) = rest.split_once("::").unwrap();
        assert!(!message.is_empty() && !message.contains('\n'));
        let property = |name: &str| {
            properties
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no `{name}` in {line}"))
        };
        let lint = property("title")
            .strip_prefix("imperlint (")
            .and_then(|t| t.strip_suffix(')'))
            .unwrap();
        found.push(key(
            property("file"),
            property("line").parse().unwrap(),
            property("col").parse().unwrap(),
            lint,
            level,
        ));
    }
    assert_eq!(found, json_findings());
    insta::assert_snapshot!("github", text);
}

#[test]
fn cargo_json() {
    let text = &demo("cargo-json").stdout;
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let mut found = Vec::new();
    for line in &lines {
        assert_eq!(line["reason"], "compiler-message");
        let message = &line["message"];
        let lint = message["code"]["code"]
            .as_str()
            .unwrap()
            .strip_prefix("imperlint::")
            .unwrap();
        let level = match message["level"].as_str().unwrap() {
            "error" => "deny",
            "warning" => "warn",
            other => panic!("unexpected level {other}"),
        };
        let spans = message["spans"].as_array().unwrap();
        let primary: Vec<&Value> = spans.iter().filter(|s| s["is_primary"] == true).collect();
        assert_eq!(primary.len(), 1, "one primary span: {message}");
        found.push(key(
            primary[0]["file_name"].as_str().unwrap(),
            primary[0]["line_start"].as_u64().unwrap(),
            primary[0]["column_start"].as_u64().unwrap(),
            lint,
            level,
        ));
        let rendered = message["rendered"].as_str().unwrap();
        assert!(
            rendered.starts_with(&format!("{}[{lint}]", message["level"].as_str().unwrap())),
            "{rendered}"
        );
    }
    assert_eq!(found, json_findings());
    let lints: BTreeSet<&str> = found.iter().map(|k| k.3.as_str()).collect();
    assert_eq!(lints.len(), LINTS.len());
    insta::assert_json_snapshot!("cargo_json", lines);
}

#[test]
fn output_is_identical_from_run_to_run() {
    // Several worker threads, twice: the snapshots above must not depend on
    // scheduling.
    for format in ["human", "sarif"] {
        let outputs: Vec<Vec<u8>> = (0..2)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_imperlint"))
                    .args(["check", "fixtures/_demo", "--color", "never", "-j", "4"])
                    .args(["--format", format])
                    .current_dir(repo_root())
                    .output()
                    .unwrap()
                    .stdout
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "`--format {format}` differs");
        assert_eq!(outputs[0], demo(format).stdout.as_bytes());
    }
}
