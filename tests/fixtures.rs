//! The fixture harness: runs the analyzer on every crate under `fixtures/`
//! and compares its findings with the `//~ lint_name` markers in the sources.
//! Every finding must be marked and every mark must be hit; failures list
//! false negatives and false positives with file:line:col. Then the
//! presentation: each fixture's human output, as `imperlint check` prints it
//! from the fixture's folder, is an insta snapshot next to the fixture
//! (`fixtures/<name>/human.snap`, as clippy keeps `.stderr` files), so a
//! change to a message, a column, a label or a related location shows in
//! review. `INSTA_UPDATE=always cargo test --test fixtures` rewrites them.

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::Diagnostic;
use imperlint_analyzer::driver::{self, Options};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{fixture_crates, fixtures_dir};

mod support;

fn run(dir: &Path) -> Vec<Diagnostic> {
    let lints = imperlint_lints::registry::LINTS.to_vec();
    let opts = Options {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        jobs: Some(1),
        config: Config::default(),
        ..Options::default()
    };
    driver::run(&opts, &lints).diagnostics
}

/// (file, line, lint) expected by the markers of every `.rs` file under `dir`.
fn markers(dir: &Path) -> BTreeSet<(String, u32, String)> {
    let mut out = BTreeSet::new();
    for entry in walk(dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let rel = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            let doc = line.trim_start().starts_with("//!") || line.trim_start().starts_with("///");
            if let Some(pos) = line.find("//~").filter(|_| !doc) {
                for lint in line[pos + 3..].split(',') {
                    let lint = lint.trim();
                    if !lint.is_empty() {
                        out.insert((rel.clone(), i as u32 + 1, lint.to_string()));
                    }
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "target") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Compares one fixture; returns a report of mismatches (empty when it passes).
pub fn check_fixture(dir: &Path) -> String {
    let expected = markers(dir);
    let diags = run(dir);
    let mut found = BTreeSet::new();
    let mut cols = std::collections::BTreeMap::new();
    for d in &diags {
        let key = (d.location.file.clone(), d.location.line, d.lint.to_string());
        cols.insert(key.clone(), (d.location.column, d.message.clone()));
        found.insert(key);
    }
    let mut report = String::new();
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    if !missing.is_empty() {
        report.push_str("  false negatives (marked, not reported):\n");
        for (f, l, lint) in missing {
            report.push_str(&format!("    {f}:{l}: {lint}\n"));
        }
    }
    if !extra.is_empty() {
        report.push_str("  false positives (reported, not marked):\n");
        for key in extra {
            let (col, msg) = &cols[key];
            report.push_str(&format!(
                "    {}:{}:{}: {}: {}\n",
                key.0, key.1, col, key.2, msg
            ));
        }
    }
    report
}

#[test]
fn every_fixture_matches_its_markers() {
    let mut failures = String::new();
    let dirs = fixture_crates();
    assert!(!dirs.is_empty(), "no fixtures found");
    for dir in &dirs {
        let report = check_fixture(dir);
        if !report.is_empty() {
            failures.push_str(&format!(
                "fixture `{}`:\n{report}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures do not match their markers:\n{failures}"
    );
}

#[test]
fn every_lint_has_a_fixture_with_markers() {
    for lint in imperlint_lints::registry::LINTS {
        let dir = fixtures_dir().join(lint.info.name);
        assert!(
            dir.join("Cargo.toml").is_file(),
            "lint `{}` has no fixture crate",
            lint.info.name
        );
        let marks = markers(&dir);
        assert!(
            marks.iter().any(|(_, _, l)| l == lint.info.name),
            "fixture of `{}` marks no finding of it",
            lint.info.name
        );
    }
}

#[test]
fn clean_fixture_is_silent() {
    let dir = fixtures_dir().join("_clean");
    assert!(markers(&dir).is_empty(), "_clean must not carry markers");
    let diags = run(&dir);
    assert!(diags.is_empty(), "findings in _clean: {diags:#?}");
}

/// `imperlint check` of one fixture, from its folder, as a user sees it.
fn human_output(dir: &Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(["check", "--color", "never"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the imperlint binary runs");
    assert!(
        out.stderr.is_empty(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn every_fixture_output_matches_its_snapshot() {
    let mut failures = Vec::new();
    for dir in fixture_crates() {
        let text = human_output(&dir);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        settings.set_description(format!("imperlint check (fixtures/{name})"));
        // Every fixture is compared (and, with `INSTA_UPDATE`, written)
        // before the test fails.
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!("human", text));
        }));
        if checked.is_err() {
            failures.push(name);
        }
    }
    assert!(
        failures.is_empty(),
        "human output differs from its snapshot for: {failures:?}\n\
         review with `cargo insta review`, or rewrite with \
         `INSTA_UPDATE=always cargo test --test fixtures` and read `git diff fixtures/`"
    );
}
