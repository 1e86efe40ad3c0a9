//! cargo-like flags through the binaries: `--message-format short` (one
//! line per finding) and cargo's other values (honoured or refused by
//! name), conflicting format flags, help that reads complete, and Ctrl-C
//! (exit code 130). `--fix`, `--diff` and the git guard are in
//! `tests/fix.rs`, `--write-baseline` in `tests/baseline.rs`, `-o` into a
//! missing folder in `tests/exit_codes.rs`, `-q`/`-v` in `tests/summary.rs`.

mod workspace;

use workspace::multi_package;

#[test]
fn message_format_short_prints_one_line_per_finding() {
    let ws = multi_package("", "");
    for args in [
        &["--workspace", "--message-format", "short"][..],
        &["--workspace", "--message-format=short"],
        &["--workspace", "--format", "short"],
    ] {
        let out = ws.cargo_imperlint("ws", args);
        out.expect_code(1);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(
            lines,
            [
                "server/build.rs:4:14: error[unchecked_impersonation]: the result of `ImpersonateSelf` is ignored",
                "server/build.rs:5:14: error[unchecked_revert]: the result of `RevertToSelf` is ignored",
                "server/src/lib.rs:7:14: error[unchecked_impersonation]: the result of `ImpersonateNamedPipeClient` is ignored",
                "server/tests/pipe.rs:11:18: warning[thread_spawn_while_impersonating]: `std::thread::spawn` starts a thread while impersonating",
                "tools/src/main.rs:7:14: error[unchecked_revert]: the result of `RevertToSelf` is ignored",
                "checked 3 packages (3 crates): 4 files analysed, 1 skipped by the prefilter (they name no impersonation API)",
                "4 errors, 1 warning",
            ],
            "{args:?}"
        );
    }
    let check = ws.imperlint("ws", &["check", "tools", "--format", "short", "-q"]);
    assert_eq!(
        check.stdout,
        "tools/src/main.rs:7:14: error[unchecked_revert]: the result of `RevertToSelf` is ignored\n"
    );
}

#[test]
fn cargo_message_formats_are_honoured_or_refused_by_name() {
    let ws = multi_package("", "");
    let ansi = ws.cargo_imperlint(
        "ws",
        &[
            "-p",
            "tools",
            "--message-format",
            "json-diagnostic-rendered-ansi",
        ],
    );
    ansi.expect_code(1);
    let line: serde_json::Value = serde_json::from_str(ansi.stdout.trim()).unwrap();
    let rendered = line["message"]["rendered"].as_str().unwrap();
    assert!(rendered.contains('\u{1b}'), "rendered in color: {rendered}");
    let plain = ws.cargo_imperlint("ws", &["-p", "tools", "--message-format", "json"]);
    assert!(!plain.stdout.contains("\\u001b"), "{}", plain.stdout);

    for unsupported in ["json-diagnostic-short", "json-render-diagnostics", "xml"] {
        let out = ws.cargo_imperlint("ws", &["--message-format", unsupported]);
        out.expect_code(2);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains(&format!("invalid value '{unsupported}'"))
                && out.stderr.contains(
                    "[possible values: human, short, json, json-diagnostic-rendered-ansi]"
                ),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn conflicting_format_flags_are_an_error() {
    let ws = multi_package("", "");
    let out = ws.cargo_imperlint("ws", &["--message-format", "json", "--format", "sarif"]);
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "the argument '--message-format <FMT>' cannot be used with '--format <FORMAT>'"
        ),
        "{}",
        out.stderr
    );
    // Recording a baseline prints nothing else: a format or output file
    // alongside it is a mistake, said as one.
    for extra in [
        &["--output", "x"][..],
        &["--baseline", "b.json"],
        &["--diff"],
    ] {
        let mut args = vec!["check", "--write-baseline", "b.json"];
        args.extend_from_slice(extra);
        let out = ws.imperlint("ws", &args);
        out.expect_code(2);
        assert!(
            out.stderr.contains("cannot be used with"),
            "{extra:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn option_help_reads_complete() {
    let ws = multi_package("", "");
    let out = ws.imperlint("ws", &["check", "--help"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains(
            "Walk every function of the analysed crates, not only those that can lead to a \
             finding (slower; the findings are the same, which the test suite checks with it)"
        ),
        "{}",
        out.stdout
    );
    for flag in [
        "--diff",
        "--allow-dirty",
        "--allow-staged",
        "--quiet",
        "--verbose",
    ] {
        assert!(out.stdout.contains(flag), "{flag}: {}", out.stdout);
    }
    assert!(
        out.stdout
            .contains("[possible values: human, short, json, sarif, github, cargo-json]"),
        "{}",
        out.stdout
    );
}

/// Ctrl-C ends a run with exit code 130, as the README's table says.
#[cfg(unix)]
#[test]
fn interrupted_runs_exit_130() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let ws = workspace::Workspace::new();
    // Enough code that the unoptimised binary runs for seconds.
    let mut big =
        String::from("use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf};\n");
    for i in 0..40_000 {
        big.push_str(&format!(
            "pub fn f{i}() {{ if unsafe {{ ImpersonateSelf(2) }} == 0 {{ return; }} \
             let _ = {i}; unsafe {{ RevertToSelf() }}; }}\n"
        ));
    }
    ws.write("big/Cargo.toml", "[package]\nname = \"big\"\n")
        .write("big/src/lib.rs", &big);
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(["check", "--format", "json"])
        .current_dir(ws.path("big"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run did not stop at Ctrl-C"
    );
    assert_eq!(out.status.code(), Some(130), "{:?}", out.status);
}
