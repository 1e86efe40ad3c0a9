//! Suppression comments end to end, in every output format: a suppressed
//! finding is gone from all of them (SARIF included: no result, not even one
//! marked suppressed); a suppression without a reason or naming an unknown
//! lint is `invalid_suppression` and suppresses nothing; one that covers no
//! finding is `unused_suppression`.

mod workspace;

use serde_json::Value;
use std::collections::BTreeSet;
use workspace::{line_of, Workspace};

const LIB: &str = r#"use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf, SecurityImpersonation};

pub fn suppressed_before() {
    // imperlint: allow(unchecked_impersonation) -- the caller verified the token first
    unsafe { ImpersonateSelf(SecurityImpersonation) }; // SUPPRESSED-1
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

pub fn suppressed_trailing() {
    unsafe { ImpersonateSelf(SecurityImpersonation) }; // imperlint: allow(unchecked_impersonation) -- probe only
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

// imperlint: allow(unchecked_impersonation, unchecked_revert) -- a test double, never shipped
pub fn suppressed_item() {
    unsafe { ImpersonateSelf(SecurityImpersonation) }; // SUPPRESSED-3
    unsafe { RevertToSelf() }; // SUPPRESSED-4
}

pub fn no_reason() {
    // imperlint: allow(unchecked_impersonation)
    unsafe { ImpersonateSelf(SecurityImpersonation) }; // STILL-REPORTED-1
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

pub fn misspelt() {
    // imperlint: allow(unchecked_impersonaton) -- typo in the lint name
    unsafe { ImpersonateSelf(SecurityImpersonation) }; // STILL-REPORTED-2
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

pub fn unused() {
    // imperlint: allow(thread_spawn_while_impersonating) -- the worker impersonates itself
    std::thread::spawn(|| {});
}
"#;

fn package() -> Workspace {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n",
    )
    .write("pkg/src/lib.rs", LIB);
    ws
}

/// `(line, lint)` of what every format must report, and nothing else.
fn expected() -> BTreeSet<(u32, String)> {
    let at = |needle: &str, lint: &str| (line_of(LIB, needle), lint.to_string());
    BTreeSet::from([
        // The comment without a reason, on the line before.
        (
            line_of(LIB, "STILL-REPORTED-1") - 1,
            "invalid_suppression".to_string(),
        ),
        at("STILL-REPORTED-1", "unchecked_impersonation"),
        at("unchecked_impersonaton", "invalid_suppression"),
        at("STILL-REPORTED-2", "unchecked_impersonation"),
        at("the worker impersonates itself", "unused_suppression"),
    ])
}

fn findings(ws: &Workspace, format: &str) -> BTreeSet<(u32, String)> {
    let out = ws.cargo_imperlint("pkg", &["--format", format, "--color", "never"]);
    out.expect_code(1);
    let mut found = BTreeSet::new();
    match format {
        "human" => {
            let mut lint = None;
            for line in out.stdout.lines() {
                if let Some(rest) = line
                    .strip_prefix("error[")
                    .or_else(|| line.strip_prefix("warning["))
                {
                    lint = rest.split(']').next().map(str::to_string);
                } else if let Some(at) = line.trim_start().strip_prefix("--> src/lib.rs:") {
                    let n: u32 = at.split(':').next().unwrap().parse().unwrap();
                    found.insert((n, lint.take().expect("a header before `-->`")));
                }
            }
        }
        "json" => {
            let doc: Value = serde_json::from_str(&out.stdout).unwrap();
            for d in doc["diagnostics"].as_array().unwrap() {
                found.insert((
                    d["line"].as_u64().unwrap() as u32,
                    d["lint"].as_str().unwrap().to_string(),
                ));
            }
        }
        "sarif" => {
            let doc: Value = serde_json::from_str(&out.stdout).unwrap();
            for r in doc["runs"][0]["results"].as_array().unwrap() {
                assert!(
                    r.get("suppressions").is_none(),
                    "suppressed results are left out, not marked: {r}"
                );
                found.insert((
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap() as u32,
                    r["ruleId"].as_str().unwrap().to_string(),
                ));
            }
        }
        "github" => {
            for f in out.findings() {
                found.insert((f.line, f.lint));
            }
        }
        "cargo-json" => {
            for line in out.stdout.lines() {
                let m: Value = serde_json::from_str(line).unwrap();
                let span = m["message"]["spans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["is_primary"] == true)
                    .unwrap()
                    .clone();
                let code = m["message"]["code"]["code"].as_str().unwrap();
                found.insert((
                    span["line_start"].as_u64().unwrap() as u32,
                    code.strip_prefix("imperlint::").unwrap().to_string(),
                ));
            }
        }
        _ => unreachable!(),
    }
    found
}

#[test]
fn every_format_agrees_on_what_is_suppressed() {
    let ws = package();
    let expected = expected();
    let suppressed: Vec<u32> = ["SUPPRESSED-1", "probe only", "SUPPRESSED-3", "SUPPRESSED-4"]
        .iter()
        .map(|n| line_of(LIB, n))
        .collect();
    for format in ["human", "json", "sarif", "github", "cargo-json"] {
        let found = findings(&ws, format);
        assert_eq!(found, expected, "{format}");
        for line in &suppressed {
            assert!(
                !found.iter().any(|(l, _)| l == line),
                "{format} reports suppressed line {line}"
            );
        }
    }
}

#[test]
fn suppression_levels_are_configurable() {
    let ws = package();
    ws.write(
        "pkg/imperlint.toml",
        "[lints]\nunused_suppression = \"allow\"\ninvalid_suppression = \"deny\"\n",
    );
    let out = ws.cargo_imperlint("pkg", &["--format", "github"]);
    out.expect_code(1);
    let lints: Vec<(String, String)> = out
        .findings()
        .into_iter()
        .map(|f| (f.lint, f.level))
        .collect();
    assert!(
        !lints.iter().any(|(l, _)| l == "unused_suppression"),
        "{lints:?}"
    );
    assert!(
        lints
            .iter()
            .filter(|(l, _)| l == "invalid_suppression")
            .all(|(_, level)| level == "error"),
        "{lints:?}"
    );
}

#[test]
fn removing_the_code_makes_the_suppression_unused() {
    let ws = package();
    let without = LIB.replace(
        "    unsafe { ImpersonateSelf(SecurityImpersonation) }; // SUPPRESSED-1\n",
        "    let _ = 0; // SUPPRESSED-1\n",
    );
    ws.write("pkg/src/lib.rs", &without);
    let out = ws.imperlint("pkg", &["check", "--format", "github"]);
    let line = line_of(&without, "the caller verified the token first");
    assert!(
        out.places()
            .contains(&workspace::place("src/lib.rs", line, "unused_suppression")),
        "{}",
        out.stdout
    );
}
