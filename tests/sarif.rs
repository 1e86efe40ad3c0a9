//! The SARIF of every fixture crate under `fixtures/` validates against the
//! official SARIF 2.1.0 schema (`tests/schemas/`, no network), and says what
//! code scanning needs: `ruleId`s that are lint names with a rule each,
//! 1-based regions, `partialFingerprints`, and relative URIs under
//! `%SRCROOT%` that name real files. The analyzer runs as a library (no
//! process per fixture); `analyzer/tests/sarif_schema.rs` covers hand-made
//! diagnostics, this file covers what real code produces.

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::{Diagnostic, LintInfo};
use imperlint_analyzer::driver::{self, Options};
use imperlint_analyzer::emit::{render, EmitContext, Format, PackageTarget};
use imperlint_lints::registry::LINTS;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[path = "support/sarif_schema.rs"]
mod sarif_schema;
mod support;
use sarif_schema::violations;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("the repository root exists")
}

/// One fixture's diagnostics and SARIF log.
struct Fixture {
    name: String,
    diags: Vec<Diagnostic>,
    log: Value,
}

/// Analyses every fixture crate in one run, as `imperlint check fixtures/*`
/// from the repository root would (crates in parallel), and renders one
/// SARIF log per fixture.
fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = repo_root();
        // Under the canonical root, as the displayed paths are.
        let dirs: Vec<PathBuf> = support::fixture_crates()
            .iter()
            .map(|d| d.canonicalize().expect("the fixture exists"))
            .collect();
        let opts = Options {
            paths: dirs.clone(),
            root: root.clone(),
            jobs: None,
            config: Config::default(),
            ..Options::default()
        };
        let outcome = driver::run(&opts, LINTS);
        assert!(outcome.missing.is_empty() && outcome.internal_errors == 0);
        let sources = |file: &str| outcome.sources.get(file).cloned();
        let package_of = |_: &str| -> Option<PackageTarget> { None };
        let rules: Vec<&'static LintInfo> = LINTS.iter().map(|lint| lint.info).collect();
        let cx = EmitContext {
            root: &root,
            sources: &sources,
            rules: &rules,
            tool_version: env!("CARGO_PKG_VERSION"),
            color: false,
            package_of: &package_of,
            summary: None,
        };
        dirs.iter()
            .map(|dir| {
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                let prefix = format!("fixtures/{name}/");
                let diags: Vec<Diagnostic> = outcome
                    .diagnostics
                    .iter()
                    .filter(|d| d.location.file.starts_with(&prefix))
                    .cloned()
                    .collect();
                let text = render(Format::Sarif, &diags, &cx);
                let log = serde_json::from_str(&text).expect("SARIF output is JSON");
                Fixture { name, diags, log }
            })
            .collect()
    })
}

fn fixture(name: &str) -> &'static Fixture {
    fixtures()
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture `{name}`"))
}

/// Decodes `%XX` escapes (URIs of files with spaces or non-ASCII names).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("URIs encode UTF-8 paths")
}

/// Checks one `physicalLocation`; `what` says where it is, for messages.
fn check_physical(physical: &Value, root: &Path, what: &str, problems: &mut Vec<String>) {
    let artifact = &physical["artifactLocation"];
    let uri = artifact["uri"].as_str().unwrap_or("");
    if uri.contains("://") || uri.starts_with('/') || uri.contains('\\') || uri.is_empty() {
        problems.push(format!("{what}: URI `{uri}` is not a relative path"));
    } else if !root.join(percent_decode(uri)).is_file() {
        problems.push(format!("{what}: URI `{uri}` names no file under the root"));
    }
    if artifact["uriBaseId"] != "%SRCROOT%" {
        problems.push(format!("{what}: uriBaseId is {}", artifact["uriBaseId"]));
    }
    check_region(&physical["region"], what, problems);
}

fn check_region(region: &Value, what: &str, problems: &mut Vec<String>) {
    let number = |name: &str| region[name].as_u64();
    let (Some(start_line), Some(start_column), Some(end_line), Some(end_column)) = (
        number("startLine"),
        number("startColumn"),
        number("endLine"),
        number("endColumn"),
    ) else {
        problems.push(format!("{what}: incomplete region {region}"));
        return;
    };
    if start_line < 1 || start_column < 1 || end_column < 1 {
        problems.push(format!("{what}: region is not 1-based: {region}"));
    }
    if (end_line, end_column) < (start_line, start_column) {
        problems.push(format!("{what}: region ends before it starts: {region}"));
    }
}

/// Every problem with one fixture's log, beyond the schema.
fn check_log(name: &str, diags: &[Diagnostic], log: &Value) -> Vec<String> {
    let root = repo_root();
    let mut problems = Vec::new();
    let runs = log["runs"].as_array().unwrap();
    if runs.len() != 1 {
        problems.push(format!("{} runs", runs.len()));
        return problems;
    }
    let run = &runs[0];
    let srcroot = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap_or("");
    let expected_root = format!("file://{}/", root.display());
    if percent_decode(srcroot) != expected_root {
        problems.push(format!(
            "%SRCROOT% is `{srcroot}`, not the root `{expected_root}`"
        ));
    }
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    let lint_names: Vec<&str> = LINTS.iter().map(|lint| lint.info.name).collect();
    if rule_ids != lint_names {
        problems.push(format!("rules are {rule_ids:?}, not one per lint"));
    }
    let results = run["results"].as_array().unwrap();
    if results.len() != diags.len() {
        problems.push(format!(
            "{} results for {} diagnostics",
            results.len(),
            diags.len()
        ));
    }
    let mut fingerprints = BTreeSet::new();
    for (i, (result, diag)) in results.iter().zip(diags).enumerate() {
        let what = format!("result {i} ({}:{})", diag.location.file, diag.location.line);
        let rule_id = result["ruleId"].as_str().unwrap_or("");
        if rule_id != diag.lint || !lint_names.contains(&rule_id) {
            problems.push(format!("{what}: ruleId `{rule_id}` is not a lint name"));
        }
        let index = result["ruleIndex"].as_u64().map(|i| i as usize);
        if index.and_then(|i| rule_ids.get(i)) != Some(&rule_id) {
            problems.push(format!("{what}: ruleIndex {index:?} is not `{rule_id}`"));
        }
        let locations = result["locations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        if locations.len() != 1 {
            problems.push(format!("{what}: {} locations", locations.len()));
        }
        for location in locations {
            let physical = &location["physicalLocation"];
            check_physical(physical, &root, &what, &mut problems);
            if physical["region"]["startLine"].as_u64() != Some(u64::from(diag.location.line)) {
                problems.push(format!("{what}: startLine differs from the diagnostic"));
            }
        }
        let related = result["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        if related.len() != diag.related.len() {
            problems.push(format!(
                "{what}: {} relatedLocations for {} related spans",
                related.len(),
                diag.related.len()
            ));
        }
        for location in related {
            check_physical(
                &location["physicalLocation"],
                &root,
                &format!("{what}, related"),
                &mut problems,
            );
        }
        for change in result["fixes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|fix| fix["artifactChanges"].as_array().unwrap())
        {
            for replacement in change["replacements"].as_array().unwrap() {
                check_region(
                    &replacement["deletedRegion"],
                    &format!("{what}, fix"),
                    &mut problems,
                );
            }
        }
        match result["partialFingerprints"]["imperlint/v1"].as_str() {
            Some(print) if !print.is_empty() => {
                if !fingerprints.insert(print.to_owned()) {
                    problems.push(format!("{what}: fingerprint {print} is not unique"));
                }
            }
            _ => problems.push(format!("{what}: no partialFingerprints")),
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{name}: {p}"))
        .collect()
}

#[test]
fn every_fixture_gives_valid_sarif() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= LINTS.len() + 2, "fixtures are missing");
    let mut problems = Vec::new();
    let mut results = 0;
    let mut related = 0;
    for Fixture { name, diags, log } in fixtures {
        results += diags.len();
        related += diags.iter().filter(|d| !d.related.is_empty()).count();
        for error in violations(log) {
            problems.push(format!("{name}: schema: {error}"));
        }
        problems.extend(check_log(name, diags, log));
    }
    // The fixtures exercise the checks: many results, with related locations.
    assert!(results > 100, "only {results} results in all fixtures");
    assert!(
        related > 50,
        "only {related} results with related locations"
    );
    assert!(
        problems.is_empty(),
        "invalid SARIF:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_fixture_has_its_own_lint_in_its_log() {
    for lint in LINTS {
        let name = lint.info.name;
        let log = &fixture(name).log;
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(
            results.iter().any(|r| r["ruleId"] == name),
            "the SARIF of fixture `{name}` has no `{name}` result"
        );
    }
    for quiet in ["_clean", "_com_cloaked"] {
        let log = &fixture(quiet).log;
        assert_eq!(
            log["runs"][0]["results"],
            Value::Array(Vec::new()),
            "{quiet}"
        );
    }
}

#[test]
fn the_checks_catch_a_broken_log() {
    // Guards the test itself: an absolute URI, a 0 column, a missing
    // fingerprint and an unknown ruleId are each caught, and so is an
    // unencoded space by the schema.
    let Fixture { name, diags, log } = fixture("unchecked_revert");
    assert!(check_log(name, diags, log).is_empty());
    assert!(violations(log).is_empty());
    let mut log = log.clone();
    let result = &mut log["runs"][0]["results"][0];
    let physical = &mut result["locations"][0]["physicalLocation"];
    physical["artifactLocation"]["uri"] = Value::from("/abs/src/lib.rs");
    physical["region"]["startColumn"] = Value::from(0);
    result["partialFingerprints"] = Value::Object(Default::default());
    result["ruleId"] = Value::from("not_a_lint");
    let problems = check_log(name, diags, &log).join("\n");
    for needle in [
        "is not a relative path",
        "not 1-based",
        "no partialFingerprints",
        "is not a lint name",
    ] {
        assert!(problems.contains(needle), "`{needle}` not in:\n{problems}");
    }
    let mut spaced = fixture(name).log.clone();
    spaced["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"] = Value::from("src/my dir/lib.rs");
    assert!(!violations(&spaced).is_empty());
}
