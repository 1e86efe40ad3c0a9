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
                "checked 3 packages (5 crates): 4 files analysed, 1 skipped by the prefilter (they name no impersonation API)",
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

/// A crate big enough that the unoptimised binary runs for seconds.
fn big_crate() -> workspace::Workspace {
    let ws = workspace::Workspace::new();
    let mut big =
        String::from("use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf};\n");
    for i in 0..60_000 {
        big.push_str(&format!(
            "pub fn f{i}() {{ if unsafe {{ ImpersonateSelf(2) }} == 0 {{ return; }} \
             let _ = {i}; unsafe {{ RevertToSelf() }}; }}\n"
        ));
    }
    ws.write("big/Cargo.toml", "[package]\nname = \"big\"\n")
        .write("big/src/lib.rs", &big);
    ws
}

/// Ctrl-C ends a run with exit code 130, as the README's table says.
#[cfg(unix)]
#[test]
fn interrupted_runs_exit_130() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let ws = big_crate();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(["check", "--format", "json"])
        .current_dir(ws.path("big"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
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
    // Standard error is no terminal: no progress bar, nothing to erase.
    assert!(out.stderr.is_empty(), "{:?}", out.stderr);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), Ctrl-C
/// typed while the progress bar shows erases its line before exiting 130.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_on_a_terminal_erases_the_progress_line() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    let ws = big_crate();
    let command = format!(
        "{} check --format json -o /dev/null",
        env!("CARGO_BIN_EXE_imperlint")
    );
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(ws.path("big"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("`script` (util-linux, in every Debian and Ubuntu base system) runs");
    // The bar shows after a second.
    std::thread::sleep(Duration::from_millis(2500));
    // Ctrl-C, as a terminal sends it.
    child.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    let mut screen = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut screen)
        .unwrap();
    let status = child.wait().unwrap();
    let screen = String::from_utf8_lossy(&screen);
    assert!(
        screen.contains("checking 0/1 crates"),
        "no progress bar: {screen:?}"
    );
    assert!(
        screen
            .trim_end_matches(['\r', '\n'])
            .ends_with("\r\u{1b}[2K"),
        "the progress line is not erased last: {screen:?}"
    );
    assert_eq!(status.code(), Some(130), "{status:?}");
}

/// The command line is a library both binaries call: its format choices
/// are the analyzer's formats, by the analyzer's names.
#[test]
fn the_cli_library_names_every_format() {
    use clap::ValueEnum;
    use imperlint_analyzer::emit::Format;
    use imperlint_cli::args::FormatArg;
    let names: Vec<String> = FormatArg::value_variants()
        .iter()
        .map(|f| f.to_possible_value().unwrap().get_name().to_string())
        .collect();
    let expected: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names, expected);
}
