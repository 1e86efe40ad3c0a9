//! Robustness, through the real binary: hostile or broken input never
//! crashes imperlint or hangs it, each bad file is named in a diagnostic (or
//! an error line), and every other file's findings are kept. A panic in one
//! crate (injected with the driver's test hook) becomes an `internal_error`
//! with exit code 2 while the other crates are still reported. Output does
//! not depend on `--jobs`, nor on the prefilter.
//!
//! Tests run as root in CI, where `chmod 000` blocks nothing; the unreadable
//! inputs are real ones instead, each declared as a module so that the crate
//! reaches it: a FIFO named `x.rs` (reading it would wait forever), a
//! dangling symlink, a symlink to itself, a folder named `y.rs`, and
//! `/proc/self/mem` behind a symlink (outside the checked roots: not read).

mod support;

use imperlint_analyzer::config::Config;
use imperlint_analyzer::driver::{self, Options, INJECT_PANIC_ENV};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{fixture_crates, fixtures_dir, generated_source};

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir`, killing it (and failing) after `limit`: a hang
/// is a failure too.
fn imperlint_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    imperlint_within(dir, args, env, Duration::from_secs(300))
}

/// [`imperlint_env`] with the time `limit` after which it is killed.
fn imperlint_within(dir: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imperlint"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove(INJECT_PANIC_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the imperlint binary runs");
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).unwrap();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("imperlint {args:?} did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
    }
}

fn imperlint(dir: &Path, args: &[&str]) -> Run {
    imperlint_env(dir, args, &[])
}

/// Asserts the run ended by itself with `code`: not killed by a signal (a
/// stack overflow aborts), no panic (101).
fn assert_exit(run: &Run, code: i32) {
    let crashed =
        matches!(run.code, None | Some(101)) || run.stderr.contains("overflowed its stack");
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

/// (lint, file, message) of each diagnostic in JSON output.
fn diagnostics(json: &str) -> Vec<(String, String, String)> {
    let doc: Value = serde_json::from_str(json).expect("JSON output");
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["lint"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A real hazard: the revert's failure is ignored while impersonating
/// (`unchecked_revert`).
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

/// Declares every `.rs` entry of `root/src` (a file, a link, a FIFO; for a
/// folder named `x.rs`, the files in it) as a module of the crate's
/// `src/lib.rs`, with `#[path]` so that any name works: files no target
/// reaches are not read at all.
fn declare_modules(root: &Path) {
    let src = root.join("src");
    let mut names: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs") && n != "lib.rs")
        .collect();
    names.sort();
    let mut lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        let path = src.join(name);
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let files: Vec<String> = if is_dir {
            std::fs::read_dir(&path)
                .unwrap()
                .map(|e| format!("{name}/{}", e.unwrap().file_name().to_string_lossy()))
                .collect()
        } else {
            vec![name.clone()]
        };
        for (j, file) in files.iter().enumerate() {
            lib.push_str(&format!("#[path = {file:?}]\nmod m{i}_{j};\n"));
        }
    }
    std::fs::write(src.join("lib.rs"), lib).unwrap();
}

/// A crate folder `dir/name` with `src/good.rs` holding [`GOOD`] (declared
/// by [`declare_modules`], with whatever the test adds).
fn good_crate(dir: &Path, name: &str) -> PathBuf {
    let root = dir.join(name);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{}\"\nversion = \"0.1.0\"\n",
            name.replace(' ', "_")
        ),
    )
    .unwrap();
    std::fs::write(root.join("src/good.rs"), GOOD).unwrap();
    root
}

fn assert_good_found(diags: &[(String, String, String)], file: &str) {
    assert!(
        diags
            .iter()
            .any(|d| d.0 == "unchecked_revert" && d.1 == file),
        "the finding in `{file}` was lost: {diags:#?}"
    );
}

/// Asserts a diagnostic of one of `lints` names `file`.
fn assert_named(diags: &[(String, String, String)], file: &str, lints: &[&str]) {
    assert!(
        diags
            .iter()
            .any(|d| d.1 == file && lints.contains(&d.0.as_str())),
        "no {lints:?} diagnostic names `{file}`: {diags:#?}"
    );
}

#[test]
fn broken_sources_are_named_and_the_rest_of_the_crate_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "svc");
    // The largest source of the demo fixture, cut just inside a function.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/_demo/src");
    let fixture = std::fs::read_dir(&demo)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .max_by_key(String::len)
        .unwrap();
    let half = fixture.len() / 2;
    let cut = fixture[half..]
        .find("fn ")
        .and_then(|f| fixture[half + f..].find('{').map(|b| half + f + b + 1))
        .expect("a function after the middle");
    let elf = std::fs::read(env!("CARGO_BIN_EXE_imperlint")).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "invalid.rs",
            b"pub fn broken( -> { RevertToSelf() }\n".to_vec(),
        ),
        (
            "grammar.rs",
            b"pub fn f() { let = RevertToSelf(); }\n".to_vec(),
        ),
        ("truncated.rs", fixture.as_bytes()[..cut].to_vec()),
        ("latin1.rs", b"// caf\xe9\npub fn f() {}\n".to_vec()),
        ("binary.rs", elf[..64 * 1024].to_vec()),
        ("nul.rs", b"pub fn f() {}\n\0\0\0\0".to_vec()),
    ];
    for (name, bytes) in &files {
        std::fs::write(root.join("src").join(name), bytes).unwrap();
    }
    declare_modules(&root);
    for extra in [&[][..], &["--no-prefilter"][..]] {
        let mut args = vec!["check", ".", "--format", "json"];
        args.extend_from_slice(extra);
        let run = imperlint(dir.path(), &args);
        assert_exit(&run, 1);
        let diags = diagnostics(&run.stdout);
        assert_good_found(&diags, "svc/src/good.rs");
        for (name, _) in &files {
            assert_named(
                &diags,
                &format!("svc/src/{name}"),
                &["parse_error", "io_error"],
            );
        }
    }
}

#[test]
fn broken_files_in_a_crate_with_nothing_to_find_are_still_named() {
    // The prefilter rules this crate out (no impersonation API anywhere),
    // so it is only tokenized: lexical errors are still reported.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("plain");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"plain\"\n").unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn ok() -> u32 { 1 }\n").unwrap();
    std::fs::write(root.join("src/truncated.rs"), "pub fn f() { if x {\n").unwrap();
    std::fs::write(
        root.join("src/binary.rs"),
        b"\x7fELF\x02\x01\x01\0\0\xff\xfe",
    )
    .unwrap();
    std::fs::write(
        root.join("src/quote.rs"),
        "pub const S: &str = \"unterminated;\n",
    )
    .unwrap();
    declare_modules(&root);
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    for name in ["truncated.rs", "binary.rs", "quote.rs"] {
        assert_named(&diags, &format!("plain/src/{name}"), &["parse_error"]);
    }
    assert!(
        diags.iter().all(|d| d.1 != "plain/src/lib.rs"),
        "{diags:#?}"
    );
}

/// Writes `body` (which should mention an impersonation API so that the
/// prefilter lets it through) as a function in `dir/name`.
fn deep_file(dir: &Path, name: &str, body: &str) {
    std::fs::write(
        dir.join(name),
        format!("pub fn deep(x: X) -> X {{ RevertToSelf(); {body} }}\n"),
    )
    .unwrap();
}

/// The inputs (400 KB each) and every other recursion path of
/// syn's parser, nested past the limit: none aborts the run, each is an
/// `analysis_incomplete` warning naming its file (so the exit code is the
/// good file's), and the good file's finding is kept.
#[test]
fn deep_nesting_on_every_recursion_path_is_a_warning_not_an_abort() {
    let n = 10_000;
    let kb400 = |unit: &str| unit.repeat(400_000 / unit.len());
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "deep");
    let src = root.join("src");
    let fns = [
        ("oror.rs", format!("a{}", kb400("||a"))),
        ("assign.rs", format!("{}1", kb400("x="))),
        ("closures.rs", format!("{}1", kb400("|| "))),
        ("blocks.rs", format!("{}x{}", "{".repeat(n), "}".repeat(n))),
        ("not.rs", format!("{}x", "!".repeat(n))),
        ("neg.rs", format!("{}x{}", "-(".repeat(n), ")".repeat(n))),
        ("sum.rs", ["x"; 10_000].join(" + ")),
        ("chain.rs", format!("x{}", ".f()".repeat(n))),
        ("refs.rs", format!("{}x", "&".repeat(n))),
        ("returns.rs", format!("{}1", "return ".repeat(n))),
        ("casts.rs", format!("x{}", " as u8".repeat(n))),
        (
            "ranges.rs",
            format!("{}x{}", "..(".repeat(n), ")".repeat(n)),
        ),
        (
            "loops.rs",
            format!("{}x{}", "while ".repeat(n), " {}".repeat(n)),
        ),
        (
            "macro.rs",
            format!("assert!({})", ["x"; 10_000].join(" + ")),
        ),
    ];
    for (name, body) in &fns {
        deep_file(&src, name, body);
    }
    let items = [
        (
            "option.rs",
            format!(
                "type T = {}u8{};",
                kb400("Option<"),
                ">".repeat(400_000 / 7)
            ),
        ),
        (
            "fn_pointers.rs",
            format!("type T = {}u8;", kb400("fn() -> ")),
        ),
        (
            "dyn.rs",
            format!(
                "type T = {}u8{};",
                "Box<dyn Fn() -> ".repeat(n),
                ">".repeat(n)
            ),
        ),
        (
            "generics.rs",
            format!("type T = {}u8{};", "Result<u8, ".repeat(n), ">".repeat(n)),
        ),
        (
            "modules.rs",
            format!("{}{}", "mod a { ".repeat(n), " }".repeat(n)),
        ),
    ];
    for (name, item) in &items {
        std::fs::write(src.join(name), format!("use x::RevertToSelf;\n{item}\n")).unwrap();
    }
    declare_modules(&root);
    let start = Instant::now();
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "deep/src/good.rs");
    for (name, _) in fns.iter().chain(&items) {
        let file = format!("deep/src/{name}");
        let found: Vec<_> = diags.iter().filter(|d| d.1 == file).collect();
        assert!(
            found.len() == 1 && found[0].0 == "analysis_incomplete",
            "`{file}`: {found:#?}"
        );
    }
    eprintln!(
        "{} deep files: {:.2} s",
        fns.len() + items.len(),
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn nesting_just_under_the_limit_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "shallow");
    let src = root.join("src");
    let n = 900;
    deep_file(&src, "chain.rs", &format!("x{}", ".f()".repeat(n)));
    deep_file(&src, "sum.rs", &["x"; 900].join(" + "));
    deep_file(&src, "not.rs", &format!("{}x", "!".repeat(n)));
    declare_modules(&root);
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "shallow/src/good.rs");
    assert!(
        diags.iter().all(|d| d.0 != "parse_error"),
        "refused: {diags:#?}"
    );
}

/// A legal 1,200-branch `else if` chain (generated dispatch code) is
/// parsed and analysed: the hazard after it, in the same function, is found.
#[test]
fn a_long_else_if_chain_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "dispatch");
    let chain: String = (1..1200)
        .map(|i| format!("    }} else if code == {i} {{\n        {i}\n"))
        .collect();
    std::fs::write(
        root.join("src/dispatch.rs"),
        format!(
            "use windows_sys::Win32::Security::{{ImpersonateLoggedOnUser, RevertToSelf}};\n\n\
             pub fn serve(token: isize, code: u32) -> u32 {{\n    \
             if unsafe {{ ImpersonateLoggedOnUser(token) }} == 0 {{\n        return 0;\n    }}\n    \
             let r = if code == 0 {{\n        0\n{chain}    }} else {{\n        1\n    }};\n    \
             unsafe {{ RevertToSelf() }};\n    r\n}}\n"
        ),
    )
    .unwrap();
    declare_modules(&root);
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "dispatch/src/dispatch.rs");
    assert!(
        diags
            .iter()
            .all(|d| d.0 != "parse_error" && d.0 != "analysis_incomplete"),
        "{diags:#?}"
    );
}

/// The size of the generated file: 1 MB by default (tests run unoptimised,
/// where syn parses this code at about 0.2 MB/s), `IMPERLINT_BIG_FILE_MB=50`
/// in the benchmark (`bench/run.sh`, optimised, which also sets
/// `IMPERLINT_BIG_FILE_DIR` to keep the crate for its parse floor).
fn big_file_mb() -> usize {
    std::env::var("IMPERLINT_BIG_FILE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[test]
fn a_big_generated_file_is_analysed() {
    let mb = big_file_mb();
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("IMPERLINT_BIG_FILE_DIR").map(PathBuf::from);
    let dir = kept.as_deref().unwrap_or(temp.path());
    let root = good_crate(dir, "big");
    std::fs::write(root.join("src/generated.rs"), generated_source(mb)).unwrap();
    declare_modules(&root);
    let start = Instant::now();
    let run = imperlint(dir, &["check", ".", "--format", "json"]);
    let took = start.elapsed();
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "big/src/good.rs");
    assert_good_found(&diags, "big/src/generated.rs");
    eprintln!("{mb} MB generated file: {:.2} s", took.as_secs_f64());
}

#[cfg(unix)]
#[test]
fn unreadable_entries_and_symlink_loops_are_named() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "odd");
    let src = root.join("src");
    let fifo = src.join("x.rs");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    symlink("/proc/self/mem", src.join("mem.rs")).unwrap();
    symlink("nowhere.rs", src.join("gone.rs")).unwrap();
    symlink("self.rs", src.join("self.rs")).unwrap();
    symlink(".", src.join("loop")).unwrap();
    // A folder named like a source file is walked as a folder.
    std::fs::create_dir(src.join("y.rs")).unwrap();
    std::fs::write(src.join("y.rs/inner.rs"), GOOD).unwrap();
    declare_modules(&root);

    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "odd/src/good.rs");
    assert_good_found(&diags, "odd/src/y.rs/inner.rs");
    assert_named(&diags, "odd/src/x.rs", &["io_error"]);
    assert_named(&diags, "odd/src/gone.rs", &["io_error"]);
    assert_named(&diags, "odd/src/self.rs", &["io_error"]);
    // `/proc/self/mem` is outside the checked roots: not read, and said so.
    assert!(diags.iter().all(|d| !d.1.contains("mem")), "{diags:#?}");
    assert!(
        run.stderr
            .contains("note: `odd/src/lib.rs` refers to `odd/src/mem.rs`")
            && run.stderr.contains("outside the checked roots"),
        "{}",
        run.stderr
    );
    // A link to a folder is not walked, and no module reaches it.
    assert!(diags.iter().all(|d| !d.1.contains("loop")), "{diags:#?}");

    // Naming the FIFO itself must not wait for a writer either.
    let run = imperlint(dir.path(), &["check", "odd/src/x.rs", "--format", "json"]);
    assert_exit(&run, 1);
    assert_named(&diagnostics(&run.stdout), "odd/src/x.rs", &["io_error"]);
}

#[test]
fn paths_with_spaces_and_non_ascii_names_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "my crate ü");
    std::fs::write(root.join("src/naïve file ☃.rs"), GOOD).unwrap();
    declare_modules(&root);
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "my crate ü/src/good.rs");
    assert_good_found(&diags, "my crate ü/src/naïve file ☃.rs");
    // Named on the command line, and through SARIF's URIs.
    let run = imperlint(
        dir.path(),
        &[
            "check",
            "my crate ü/src/naïve file ☃.rs",
            "--format",
            "json",
        ],
    );
    assert_exit(&run, 1);
    assert_good_found(&diagnostics(&run.stdout), "my crate ü/src/naïve file ☃.rs");
    let run = imperlint(dir.path(), &["check", ".", "--format", "sarif"]);
    assert_exit(&run, 1);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().any(|u| u.contains("na%C3%AFve%20file")),
        "{uris:?}"
    );
}

#[test]
fn a_panic_in_one_crate_is_an_internal_error_and_the_others_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    declare_modules(&good_crate(dir.path(), "a"));
    declare_modules(&good_crate(dir.path(), "b"));
    let run = imperlint_env(
        dir.path(),
        &["check", ".", "--format", "json"],
        &[(INJECT_PANIC_ENV, "a/src/good.rs")],
    );
    assert_exit(&run, 2);
    let diags = diagnostics(&run.stdout);
    assert!(
        diags.iter().any(|d| d.0 == "internal_error"
            && d.1 == "a/src/lib.rs"
            && d.2.contains("`a` lib `a`")
            && d.2.contains("injected")),
        "the crate is named, at its root: {diags:#?}"
    );
    assert_good_found(&diags, "b/src/good.rs");
    assert!(diags
        .iter()
        .all(|d| !d.1.starts_with("a/") || d.0 == "internal_error"));
    // Without the hook, the same tree is fine.
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
}

#[test]
fn output_is_the_same_whatever_the_jobs_and_the_prefilter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for format in ["json", "sarif"] {
        let base = ["check", "fixtures", "--format", format];
        let runs: Vec<(String, Run)> = [
            &[][..],
            &["--jobs", "1"][..],
            &["--jobs", "2"][..],
            &["--no-prefilter"][..],
            &["--no-prefilter", "--jobs", "1"][..],
        ]
        .iter()
        .map(|extra| {
            let mut args = base.to_vec();
            args.extend_from_slice(extra);
            (format!("{extra:?}"), imperlint(root, &args))
        })
        .collect();
        let (first_name, first) = &runs[0];
        assert!(matches!(first.code, Some(1)), "{}", first.stderr);
        assert!(first.stdout.len() > 1000);
        for (name, run) in &runs[1..] {
            assert!(
                run.stdout == first.stdout,
                "{format} output differs between {first_name} and {name}"
            );
            assert_eq!(run.code, first.code);
        }
    }
}

/// Only functions that can lead to a finding are walked (see `analyze`):
/// walking every one gives the same output on every fixture crate, each
/// with its own configuration, and on all of them at once.
#[test]
fn walking_every_function_changes_no_fixture_result() {
    let mut dirs = fixture_crates();
    dirs.push(fixtures_dir());
    assert!(dirs.len() > 10);
    for dir in &dirs {
        let base = ["check", ".", "--format", "json", "--no-prefilter"];
        let selective = imperlint(dir, &base);
        let mut args = base.to_vec();
        args.push("--walk-all");
        let all = imperlint(dir, &args);
        assert_eq!(
            selective.code,
            all.code,
            "{}: {}",
            dir.display(),
            all.stderr
        );
        assert!(
            selective.stdout == all.stdout,
            "fixture {}: walking every function changes the output\n{}\n---\n{}",
            dir.display(),
            selective.stdout,
            all.stdout
        );
    }
}

#[test]
fn the_prefilter_changes_no_fixture_result() {
    let dirs = fixture_crates();
    assert!(dirs.len() > 10);
    let lints = imperlint_lints::registry::LINTS.to_vec();
    let run = |dir: &PathBuf, no_prefilter| {
        let opts = Options {
            paths: vec![dir.clone()],
            root: dir.clone(),
            jobs: Some(1),
            config: Config::default(),
            no_prefilter,
            ..Options::default()
        };
        driver::run(&opts, &lints)
    };
    for dir in &dirs {
        let (with, without) = (run(dir, false), run(dir, true));
        assert_eq!(
            format!("{:?}", with.diagnostics),
            format!("{:?}", without.diagnostics),
            "fixture {}",
            dir.display()
        );
        assert_eq!(
            with.files_analyzed + with.files_skipped,
            without.files_analyzed,
            "fixture {}",
            dir.display()
        );
        assert_eq!(with.internal_errors, without.internal_errors);
        assert_eq!(without.files_skipped, 0, "`--no-prefilter` skips nothing");
    }
    // What makes this test able to fail: `_no_begin` names no begin API at
    // all. Each of its crates holds one kind of finding that needs no
    // impersonated region, and one name the prefilter must know (a token
    // API, a pipe path, a delegation level); the last holds none and is
    // skipped. A trigger missing from the prefilter skips a crate with a
    // finding, and the comparison above fails.
    let no_begin = run(&fixtures_dir().join("_no_begin"), false);
    let skipped: Vec<&str> = no_begin
        .crates
        .iter()
        .filter(|c| c.skipped)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(skipped, ["tray_settings (lib)"], "{:?}", no_begin.crates);
    let mut with_findings: Vec<&str> = no_begin
        .diagnostics
        .iter()
        .map(|d| d.location.file.split('/').next().unwrap_or_default())
        .collect();
    with_findings.dedup();
    assert_eq!(with_findings, ["share_client", "src", "status_client"]);
}

/// A 2015-edition crate (no `edition` key) whose root uses bare `Fn` trait
/// objects, as older signal-handling and callback crates do: analysed, its
/// hazard found, no deny-level `parse_error`. The same file in a 2021 crate
/// is the parse error rustc would give too.
#[test]
fn older_edition_syntax_does_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    std::fs::create_dir_all(old.join("src")).unwrap();
    let lib = format!(
        "pub type Handler = Fn(u32) + Send + Sync;\n\
         pub struct Registry {{ handlers: Vec<Box<Fn(u32) + Send + Sync>> }}\n\
         trait Hook {{ fn on_signal(&self, u32); }}\n\n{GOOD}"
    );
    std::fs::write(
        old.join("Cargo.toml"),
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(old.join("src/lib.rs"), &lib).unwrap();
    let new = dir.path().join("new");
    std::fs::create_dir_all(new.join("src")).unwrap();
    std::fs::write(
        new.join("Cargo.toml"),
        "[package]\nname = \"new\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(new.join("src/lib.rs"), &lib).unwrap();
    let run = imperlint(dir.path(), &["check", ".", "--format", "json"]);
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    assert_good_found(&diags, "old/src/lib.rs");
    assert!(
        diags
            .iter()
            .all(|d| d.1 != "old/src/lib.rs" || d.0 == "unchecked_revert"),
        "{diags:#?}"
    );
    assert_named(&diags, "new/src/lib.rs", &["parse_error"]);
}

/// A 20,000-line function of `let` chains through method calls and `?`
/// (each `?` an exit): the walk is linear in it. Before, each `?` copied
/// every variable in scope and each exit scanned them all, so this took
/// about two minutes optimised (and many more in the unoptimised test
/// build); now it takes seconds, far inside the kill limit.
#[test]
fn a_long_function_is_walked_in_linear_time() {
    let n = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "long");
    let mut body = String::from(
        "use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};\n\n\
         pub fn serve(token: isize, x0: u64) -> Option<u64> {\n    \
         if unsafe { ImpersonateLoggedOnUser(token) } == 0 {\n        return None;\n    }\n",
    );
    for i in 1..n {
        if i % 2 == 0 {
            body.push_str(&format!("    let x{i} = x{}.checked_add({i})?;\n", i - 1));
        } else {
            body.push_str(&format!("    let x{i} = x{}.wrapping_add({i});\n", i - 1));
        }
    }
    body.push_str(&format!(
        "    unsafe {{ RevertToSelf() }};\n    Some(x{})\n}}\n",
        n - 1
    ));
    std::fs::write(root.join("src/long.rs"), body).unwrap();
    declare_modules(&root);
    let start = Instant::now();
    let run = imperlint_within(
        dir.path(),
        &["check", ".", "--format", "json"],
        &[],
        Duration::from_secs(180),
    );
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    // Each `?` leaves impersonating: the walk reached the end of the chain.
    assert!(
        diags
            .iter()
            .filter(|d| d.0 == "missing_revert" && d.1 == "long/src/long.rs")
            .count()
            >= n / 2 - 1,
        "{}",
        diags.len()
    );
    assert_good_found(&diags, "long/src/long.rs");
    eprintln!("{n}-line function: {:.2} s", start.elapsed().as_secs_f64());
}

/// A file of 8,000 small functions that each impersonate (6 MB, with the
/// comments generated code carries): each is walked, and placing each
/// one's spans in the file no longer counts the lines before it (which
/// made such a crate quadratic: 60,000 functions ran for over ten minutes
/// in the unoptimised build, 8,000 half a minute optimised). Now the
/// unoptimised build takes seconds, far inside the kill limit.
#[test]
fn a_file_of_many_walked_functions_is_analysed_in_linear_time() {
    let n = 8_000;
    let dir = tempfile::tempdir().unwrap();
    let root = good_crate(dir.path(), "many");
    let mut src =
        String::from("use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf};\n");
    for i in 0..n {
        for k in 0..8 {
            src.push_str(&format!(
                "// Generated from the service table, row {i}, column {k}: keep in step with the schema.\n"
            ));
        }
        src.push_str(&format!(
            "pub fn f{i}() {{ if unsafe {{ ImpersonateSelf(2) }} == 0 {{ return; }} \
             let _ = {i}; unsafe {{ RevertToSelf() }}; }}\n"
        ));
    }
    std::fs::write(root.join("src/many.rs"), src).unwrap();
    declare_modules(&root);
    let start = Instant::now();
    let run = imperlint_within(
        dir.path(),
        &["check", ".", "--format", "json"],
        &[],
        Duration::from_secs(120),
    );
    assert_exit(&run, 1);
    let diags = diagnostics(&run.stdout);
    // Every function's ignored revert.
    let found = diags
        .iter()
        .filter(|d| d.0 == "unchecked_revert" && d.1 == "many/src/many.rs")
        .count();
    assert_eq!(found, n, "{}", diags.len());
    assert_good_found(&diags, "many/src/good.rs");
    eprintln!("{n} functions: {:.2} s", start.elapsed().as_secs_f64());
}
