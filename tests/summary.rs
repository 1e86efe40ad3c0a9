//! The closing summary of the human format, through both binaries: what was
//! checked (packages, crates, files analysed, files the prefilter skipped),
//! the findings by level with what was hidden (suppressed, baselined: see
//! `tests/baseline.rs`), the `--workspace` hint when default members leave
//! members out, never "no findings" next to an error; `--quiet` and `-v`.

mod workspace;

use workspace::multi_package;

/// The summary: the lines after the last diagnostic (which ends with a
/// blank line).
fn summary(stdout: &str) -> Vec<&str> {
    let tail = stdout.rsplit_once("\n\n").map_or(stdout, |(_, t)| t);
    tail.lines().collect()
}

#[test]
fn cargo_imperlint_says_what_it_checked() {
    let ws = multi_package("", "");
    let out = ws.cargo_imperlint("ws", &["--workspace", "--color", "never"]);
    out.expect_code(1);
    assert_eq!(
        summary(&out.stdout),
        [
            "checked 3 packages (5 crates): 4 files analysed, 1 skipped by the prefilter \
             (they name no impersonation API)",
            "4 errors, 1 warning",
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn default_members_that_leave_members_out_give_a_hint() {
    let ws = multi_package("", "default-members = [\"clean\"]\n");
    let out = ws.cargo_imperlint("ws", &["--color", "never"]);
    out.expect_code(0);
    assert_eq!(
        summary(&out.stdout),
        [
            "checked 1 package (1 crate): 0 files analysed, 1 skipped by the prefilter \
             (they name no impersonation API)",
            "no findings",
            "note: 2 workspace members are not default members and were not checked \
             (`server`, `tools`); add `--workspace` to check every member",
        ],
        "{}",
        out.stdout
    );
    // Every member selected: no hint.
    let out = ws.cargo_imperlint("ws", &["--workspace", "--color", "never"]);
    assert!(
        !summary(&out.stdout).iter().any(|l| l.starts_with("note: ")),
        "{}",
        out.stdout
    );
    // `-p` chooses: no hint either.
    let out = ws.cargo_imperlint("ws", &["-p", "clean", "--color", "never"]);
    assert!(!out.stdout.contains("--workspace"), "{}", out.stdout);
}

#[test]
fn suppressed_findings_are_counted() {
    let ws = workspace::windows_sys_package();
    ws.write(
        "pkg/src/main.rs",
        &workspace::TOOL_MAIN.replace(
            "    unsafe { RevertToSelf() };",
            "    // imperlint: allow(unchecked_revert) -- the process exits next\n    \
             unsafe { RevertToSelf() };",
        ),
    );
    let out = ws.imperlint("pkg", &["check", "--color", "never"]);
    out.expect_code(0);
    assert_eq!(
        summary(&out.stdout),
        [
            "checked 1 crate: 1 file analysed",
            "no findings (1 suppressed)"
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn an_error_never_comes_with_no_findings() {
    let ws = multi_package("", "");
    let out = ws.imperlint("ws", &["check", "clean", "no-such-dir", "--color", "never"]);
    out.expect_code(2);
    assert!(!out.stdout.contains("no findings"), "{}", out.stdout);
    assert_eq!(
        summary(&out.stdout),
        [
            "checked 1 crate: 0 files analysed, 1 skipped by the prefilter \
             (they name no impersonation API)",
            "0 errors, 0 warnings in what was checked; the run failed: \
             path `no-such-dir` does not exist",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("error: path `no-such-dir` does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn quiet_prints_findings_only_and_verbose_says_more() {
    let ws = multi_package("", "");
    ws.write(
        "ws/imperlint.toml",
        "[lints]\nunchecked_revert = \"warn\"\n",
    );
    let quiet = ws.cargo_imperlint("ws", &["--workspace", "-q", "--color", "never"]);
    quiet.expect_code(1);
    assert!(!quiet.stdout.contains("checked "), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("error[unchecked_impersonation]"));
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    let short = ws.cargo_imperlint("ws", &["--workspace", "-q", "--message-format", "short"]);
    assert_eq!(short.stdout.lines().count(), 5, "{}", short.stdout);

    let verbose = ws.cargo_imperlint("ws", &["--workspace", "-v", "--color", "never"]);
    verbose.expect_code(1);
    let toml = ws.path("ws/imperlint.toml");
    for line in [
        format!("configuration: {}", toml.display()),
        "crate `clean (lib)`: 1 file, skipped by the prefilter (it names no impersonation API)"
            .to_string(),
        // Each target is its own crate.
        "crate `server (lib)`: 1 file, analysed".to_string(),
        "crate `server (build script)`: 1 file, analysed".to_string(),
        "crate `server (test pipe)`: 1 file, analysed".to_string(),
        "crate `tools (bin tools)`: 1 file, analysed".to_string(),
    ] {
        assert!(
            verbose.stderr.lines().any(|l| l == line),
            "`{line}` not in:\n{}",
            verbose.stderr
        );
    }
    assert_eq!(verbose.stdout, {
        let normal = ws.cargo_imperlint("ws", &["--workspace", "--color", "never"]);
        normal.stdout
    });
    let both = ws.imperlint("ws", &["check", "-q", "-v"]);
    both.expect_code(2);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}
