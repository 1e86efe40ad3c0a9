//! No input may panic imperlint or lose other files' results. A folder of
//! broken files (invalid Rust, a truncated file, non-UTF-8 bytes, brackets
//! nested far past what syn survives, symlink loops, a dangling link) sits
//! next to a file with a real hazard; the binary must exit 1 (not 101, no
//! "panicked"), give each broken file a `parse_error`/`io_error` naming it
//! (an `analysis_incomplete` warning for the one nested too deeply to
//! parse), and still report the hazard. Files that are merely unusual (empty, nested
//! just under the limit) are analysed without a diagnostic, and a link to a
//! folder (here, a loop back to its parent) is not walked: nothing to report.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn imperlint(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_imperlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the imperlint binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_no_crash(run: &Run, code: i32) {
    // 101: a panic; no code: killed by a signal (a stack overflow aborts).
    let crashed = matches!(run.code, None | Some(101))
        || run.stderr.contains("panicked")
        || run.stderr.contains("overflowed its stack");
    assert!(
        !crashed,
        "imperlint crashed (exit code {:?}):\n{}",
        run.code, run.stderr
    );
    assert_eq!(
        run.code,
        Some(code),
        "--- stdout:\n{}\n--- stderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// A real hazard: the revert's failure is ignored while impersonating
/// (`unchecked_revert` on line 8).
const GOOD: &str = "\
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};

pub fn serve(token: HANDLE) -> bool {
    if unsafe { ImpersonateLoggedOnUser(token) } == 0 {
        return false;
    }
    unsafe { RevertToSelf() };
    true
}
";

/// `depth` nested blocks inside a function.
fn nested_blocks(depth: usize) -> String {
    format!(
        "pub fn deep() {{\n{}{}\n}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    )
}

/// Writes the broken files, the unusual ones and `good.rs` into `dir`.
fn write_inputs(dir: &Path) {
    let files: [(&str, Vec<u8>); 8] = [
        ("good.rs", GOOD.into()),
        ("invalid.rs", b"fn broken( {\n    let = ;\n".to_vec()),
        (
            "truncated.rs",
            b"pub fn truncated() {\n    let x = vec![1, 2,".to_vec(),
        ),
        (
            "latin1.rs",
            b"pub fn f() {}\n// caf\xe9 \xff\xfe\n".to_vec(),
        ),
        ("deep.rs", nested_blocks(5_000).into()),
        ("empty.rs", Vec::new()),
        ("bom.rs", b"\xef\xbb\xbfpub fn f() {}\n".to_vec()),
        ("almost_deep.rs", nested_blocks(900).into()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("loop_b.rs", dir.join("loop_a.rs")).unwrap();
        symlink("loop_a.rs", dir.join("loop_b.rs")).unwrap();
        symlink("nowhere.rs", dir.join("dangling.rs")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        symlink("..", dir.join("sub/up")).unwrap();
    }
}

/// (lint, file, line) of every diagnostic of a JSON report.
fn diagnostics(json: &str) -> Vec<(String, String, u64, String)> {
    let doc: Value = serde_json::from_str(json).expect("JSON output");
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["lint"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn broken_files_are_diagnosed_and_the_good_one_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let run = imperlint(dir.path(), &["check", ".", "--format", "json", "-j", "2"]);
    assert_no_crash(&run, 1);
    let diags = diagnostics(&run.stdout);
    let listing = || {
        diags
            .iter()
            .map(|(lint, file, line, message)| format!("  {file}:{line}: {lint}: {message}\n"))
            .collect::<String>()
    };
    assert!(
        diags.iter().all(|d| d.0 != "internal_error"),
        "{}",
        listing()
    );
    assert!(
        diags.contains(&(
            "unchecked_revert".into(),
            "good.rs".into(),
            8,
            "the result of `RevertToSelf` is ignored".into()
        )),
        "the hazard next to the broken files is reported:\n{}",
        listing()
    );
    let mut broken = vec!["invalid.rs", "truncated.rs", "latin1.rs", "deep.rs"];
    if cfg!(unix) {
        broken.extend(["loop_a.rs", "loop_b.rs", "dangling.rs"]);
    }
    for file in &broken {
        let found: Vec<_> = diags.iter().filter(|d| d.1 == *file).collect();
        let expected: &[&str] = if *file == "deep.rs" {
            &["analysis_incomplete"]
        } else {
            &["parse_error", "io_error"]
        };
        assert!(
            found.len() == 1 && expected.contains(&found[0].0.as_str()),
            "`{file}` gets one of {expected:?} naming it:\n{}",
            listing()
        );
    }
    for fine in ["empty.rs", "bom.rs", "almost_deep.rs", "sub/up"] {
        assert!(
            diags.iter().all(|d| d.1 != fine),
            "`{fine}` is valid Rust:\n{}",
            listing()
        );
    }
    assert_eq!(
        diags.len(),
        broken.len() + 1,
        "nothing else is reported:\n{}",
        listing()
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn human_output_survives_broken_files() {
    // The human format renders snippets: files without usable text must not
    // break it.
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let run = imperlint(dir.path(), &["check", ".", "-j", "1"]);
    assert_no_crash(&run, 1);
    for needle in [
        "error[unchecked_revert]",
        "good.rs:8:14",
        "invalid.rs",
        "truncated.rs",
        "latin1.rs",
        "deep.rs",
    ] {
        assert!(run.stdout.contains(needle), "`{needle}`:\n{}", run.stdout);
    }
}

#[test]
fn named_broken_files_are_diagnosed_one_by_one() {
    // Files named on the command line (as a pre-commit hook does), not
    // found by walking a folder.
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let run = imperlint(
        dir.path(),
        &[
            "check",
            "deep.rs",
            "latin1.rs",
            "good.rs",
            "invalid.rs",
            "--format",
            "json",
        ],
    );
    assert_no_crash(&run, 1);
    let files: Vec<String> = diagnostics(&run.stdout)
        .into_iter()
        .map(|d| format!("{}:{}", d.1, d.0))
        .collect();
    assert_eq!(
        files,
        [
            "deep.rs:analysis_incomplete",
            "good.rs:unchecked_revert",
            "invalid.rs:parse_error",
            "latin1.rs:parse_error"
        ]
    );
}

#[test]
fn a_missing_path_next_to_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.rs"), GOOD).unwrap();
    let run = imperlint(dir.path(), &["check", "good.rs", "gone"]);
    assert_no_crash(&run, 2);
    assert!(
        run.stderr.contains("`gone`"),
        "the message names the missing path: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains("error[unchecked_revert]") && run.stdout.contains("good.rs:8:14"),
        "the good file's finding is printed: {}",
        run.stdout
    );
}

#[test]
fn deep_expressions_without_brackets_do_not_abort() {
    // `!!!…x` and `1 + 1 + …` nest as deeply as brackets. Each file is
    // valid Rust: it is skipped with an `analysis_incomplete` warning;
    // aborting the run is not fine, nor a deny-level `parse_error`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.rs"), GOOD).unwrap();
    let depth = 200_000;
    std::fs::write(
        dir.path().join("not.rs"),
        format!("pub fn f(x: bool) -> bool {{ {}x }}\n", "!".repeat(depth)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sum.rs"),
        format!("pub fn f() -> u32 {{ 1{} }}\n", " + 1".repeat(depth)),
    )
    .unwrap();
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_no_crash(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert!(
        diags
            .iter()
            .any(|d| d.0 == "unchecked_revert" && d.1 == "good.rs"),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .all(|d| d.1 == "good.rs" || d.0 == "analysis_incomplete"),
        "{diags:?}"
    );
}
