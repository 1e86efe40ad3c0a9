//! Baselines end to end: record the findings a codebase has, then add a new
//! hazard above the old ones (every old finding moves down) and see that
//! only the new one is reported, in `imperlint check` and `cargo imperlint`,
//! in every format.

mod workspace;

use serde_json::Value;
use workspace::{line_of, place, Workspace};

const OLD: &str = r#"use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf, SecurityImpersonation};

pub fn old_one() {
    unsafe { ImpersonateSelf(SecurityImpersonation) };
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

pub fn old_two() {
    if unsafe { ImpersonateSelf(SecurityImpersonation) } == 0 {
        return;
    }
    unsafe { RevertToSelf() };
}
"#;

/// A new function with a hazard, inserted before the old ones, plus blank
/// lines: every old finding moves.
fn new_text() -> String {
    OLD.replacen(
        "\npub fn old_one",
        r#"
/// Added after the baseline.
pub fn new_one() {
    if unsafe { ImpersonateSelf(SecurityImpersonation) } == 0 {
        return;
    }
    std::thread::spawn(|| {});
    unsafe { RevertToSelf() }; // NEW
}



pub fn old_one"#,
        1,
    )
}

fn package() -> Workspace {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n",
    )
    .write("pkg/src/lib.rs", OLD);
    ws
}

#[test]
fn only_new_findings_are_reported_after_lines_move() {
    let ws = package();
    // Writing a baseline is its own task: one line, exit 0, no report.
    let first = ws.imperlint(
        "pkg",
        &["check", "--write-baseline", "imperlint-baseline.json"],
    );
    first.expect_code(0);
    assert_eq!(first.stdout, "");
    assert_eq!(
        first.stderr,
        "wrote 2 findings to `imperlint-baseline.json`\n"
    );
    let baseline: Value = serde_json::from_str(&ws.read("pkg/imperlint-baseline.json")).unwrap();
    assert_eq!(baseline["version"], 1);
    assert_eq!(baseline["findings"].as_array().unwrap().len(), 2);
    // The human summary says how many the baseline hides.
    let human = ws.imperlint("pkg", &["check", "--baseline", "imperlint-baseline.json"]);
    human.expect_code(0);
    assert!(
        human.stdout.ends_with("\nno findings (2 baselined)\n"),
        "{}",
        human.stdout
    );

    let clean = ws.imperlint(
        "pkg",
        &[
            "check",
            "--baseline",
            "imperlint-baseline.json",
            "--format",
            "github",
        ],
    );
    clean.expect_code(0);
    assert!(clean.places().is_empty(), "{}", clean.stdout);

    let text = new_text();
    ws.write("pkg/src/lib.rs", &text);
    let new_line = line_of(&text, "// NEW");
    let spawn_line = line_of(&text, "std::thread::spawn");
    let expected = vec![
        place("src/lib.rs", spawn_line, "thread_spawn_while_impersonating"),
        place("src/lib.rs", new_line, "unchecked_revert"),
    ];
    let out = ws.imperlint(
        "pkg",
        &[
            "check",
            "--baseline",
            "imperlint-baseline.json",
            "--format",
            "github",
        ],
    );
    out.expect_code(1);
    assert_eq!(out.places(), expected);

    let cargo = ws.cargo_imperlint(
        "pkg",
        &[
            "--baseline",
            "imperlint-baseline.json",
            "--format",
            "github",
        ],
    );
    assert_eq!(cargo.expect_code(1).places(), expected);

    // SARIF and JSON agree.
    let sarif = ws.imperlint(
        "pkg",
        &[
            "check",
            "--baseline",
            "imperlint-baseline.json",
            "--format",
            "sarif",
        ],
    );
    let doc: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let mut lines: Vec<u64> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    lines.sort();
    assert_eq!(lines, [spawn_line as u64, new_line as u64]);
}

#[test]
fn fixed_findings_leave_the_baseline_and_a_bad_baseline_is_an_error() {
    let ws = package();
    ws.imperlint("pkg", &["check", "--write-baseline", "b.json"]);
    // Fixing a baselined finding reports nothing new.
    ws.write(
        "pkg/src/lib.rs",
        &OLD.replace(
            "    unsafe { RevertToSelf() };\n",
            "    if unsafe { RevertToSelf() } == 0 {\n        std::process::abort();\n    }\n",
        ),
    );
    let out = ws.imperlint(
        "pkg",
        &["check", "--baseline", "b.json", "--format", "github"],
    );
    out.expect_code(0);
    assert!(out.places().is_empty());

    // A baseline of a run that failed would miss what it could not check.
    let out = ws.imperlint("pkg", &["check", ".", "gone", "--write-baseline", "c.json"]);
    out.expect_code(2);
    assert!(!ws.path("pkg/c.json").exists());
    assert!(
        out.stderr.contains("path `gone` does not exist"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`c.json` not written"),
        "{}",
        out.stderr
    );

    ws.write("pkg/b.json", "{ not json");
    let out = ws.imperlint("pkg", &["check", "--baseline", "b.json"]);
    out.expect_code(2);
    assert!(out.stderr.contains("b.json"), "{}", out.stderr);
    let out = ws.imperlint("pkg", &["check", "--baseline", "missing.json"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("cannot read baseline"),
        "{}",
        out.stderr
    );
}
