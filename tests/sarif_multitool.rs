//! The demo's SARIF checked by Microsoft's SARIF Multitool (`sarif-multitool
//! validate`, from the npm package `@microsoft/sarif-multitool`), the
//! validator the SARIF SDK ships: the JSON schema plus its own rules for
//! what SARIF consumers rely on. Any error or warning it reports fails the
//! test; its notes (style advice such as rule ids like `CS2001`) do not.
//!
//! The Multitool must be installed: `.ci/run` installs it into
//! `target/ci-tools/` and sets `SARIF_MULTITOOL`; when it cannot be found the
//! test fails and says how to install it.

use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `$SARIF_MULTITOOL`, `.ci/run`'s install, or `sarif-multitool` on `PATH`.
fn multitool() -> OsString {
    let mut candidates: Vec<OsString> = Vec::new();
    if let Some(p) = std::env::var_os("SARIF_MULTITOOL") {
        candidates.push(p);
    }
    candidates.push(
        repo_root()
            .join("target/ci-tools/bin/sarif-multitool")
            .into_os_string(),
    );
    candidates.push("sarif-multitool".into());
    candidates
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| {
            panic!(
                "the SARIF Multitool is not installed: run `bash .ci/run` (it installs \
                 `@microsoft/sarif-multitool` from npm into target/ci-tools/), or \
                 `npm install -g @microsoft/sarif-multitool`, or set SARIF_MULTITOOL"
            )
        })
}

/// Validates `sarif` and returns the errors and warnings it reports, each as
/// `RULE: arguments (line)`, plus the tool's console output.
fn validate(tool: &OsString, sarif: &Path, dir: &Path) -> (Vec<String>, String) {
    let report = dir.join("validation.sarif");
    let _ = std::fs::remove_file(&report);
    let out = Command::new(tool)
        .arg("validate")
        .arg(sarif)
        .arg("--output")
        .arg(&report)
        .args(["--log", "ForceOverwrite"])
        .output()
        .expect("the SARIF Multitool runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|e| panic!("no validation report ({e}):\n{console}"));
    let doc: Value = serde_json::from_str(&text).expect("the validation report is JSON");
    let problems = doc["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| matches!(r["level"].as_str(), None | Some("error") | Some("warning")))
        .map(|r| {
            format!(
                "{}: {} (line {})",
                r["ruleId"].as_str().unwrap_or("?"),
                r["message"]["arguments"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
            )
        })
        .collect();
    (problems, console)
}

#[test]
fn demo_sarif_passes_the_sarif_multitool() {
    let tool = multitool();
    let dir = tempfile::tempdir().unwrap();

    // The harness sees errors: a broken log must be reported.
    let broken = dir.path().join("broken.sarif");
    std::fs::write(&broken, r#"{"version": "2.1.0", "runs": "none"}"#).unwrap();
    let (problems, console) = validate(&tool, &broken, dir.path());
    assert!(
        problems.iter().any(|p| p.starts_with("JSON1001")),
        "the Multitool did not report a broken log: {problems:?}\n{console}"
    );

    let sarif: PathBuf = dir.path().join("demo.sarif");
    let out = Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(["check", "fixtures/_demo", "--format", "sarif", "--output"])
        .arg(&sarif)
        .current_dir(repo_root())
        .output()
        .expect("imperlint runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (problems, console) = validate(&tool, &sarif, dir.path());
    assert!(
        problems.is_empty(),
        "the SARIF Multitool reports problems in the demo's SARIF:\n{}\n{console}",
        problems.join("\n")
    );
}
