//! Messages as a user reads them, on the bundled demo (one hazard of each
//! lint) through the real binary: calls are named by their path as written
//! (`Command::status`, `std::env::var("APPDATA")`), the pipe client's label
//! says which level the server gets without SQOS flags, and every
//! diagnostic carries one help line, ending with "(`--fix` applies it)"
//! when a mechanical fix exists.

use std::path::Path;
use std::process::Command;

fn demo_human() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(["check", "fixtures/_demo", "--color", "never"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("the imperlint binary runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The header lines (`level[lint]: message`) of the human output.
fn headers(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning["))
        .collect()
}

#[test]
fn calls_are_named_by_their_path_as_written() {
    let text = demo_human();
    let headers = headers(&text);
    for expected in [
        "warning[create_process_while_impersonating]: `Command::status` starts a process while impersonating",
        "warning[process_profile_while_impersonating]: `std::env::var(\"APPDATA\")` reads the process environment while impersonating",
        "warning[thread_spawn_while_impersonating]: `std::thread::spawn` starts a thread while impersonating",
        "warning[excessive_impersonation_level]: named pipe opened with `OpenOptions::open` without security quality-of-service flags",
    ] {
        assert!(headers.contains(&expected), "`{expected}` not in {headers:#?}");
    }
}

#[test]
fn the_pipe_client_label_says_the_default_level() {
    let text = demo_human();
    assert!(
        text.contains(
            "without them the server gets the default level, `SecurityImpersonation`: \
             it can act as this process on its machine"
        ),
        "{text}"
    );
}

#[test]
fn one_help_line_per_diagnostic() {
    let text = demo_human();
    let diagnostics: Vec<&str> = text
        .split("\n\n")
        .filter(|d| d.starts_with("error[") || d.starts_with("warning["))
        .collect();
    assert_eq!(diagnostics.len(), headers(&text).len());
    for diag in &diagnostics {
        assert_eq!(diag.matches("= help: ").count(), 1, "{diag}");
    }
    let pool = diagnostics
        .iter()
        .find(|d| d.starts_with("warning[pool_work_without_transfer]"))
        .expect("the demo queues pool work");
    assert!(
        pool.contains(
            "= help: add `WT_TRANSFER_IMPERSONATION` to the flags so the work runs with the \
             client's token (`--fix` applies it)"
        ),
        "{pool}"
    );
}
