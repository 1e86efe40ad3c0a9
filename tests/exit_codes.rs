//! Exit codes and command-line errors of the `imperlint` binary: 0 when
//! nothing is reported at `deny`, 1 when something is, 2 for usage errors,
//! missing paths and runs that analyse nothing; `lints`, `explain` and
//! `--output`. Temporary crates keep each case independent of the fixtures.

use imperlint_analyzer::diag::{builtin, Level};
use imperlint_lints::registry::LINTS;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `imperlint ARGS` in `dir`, with human output uncolored.
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

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Asserts the exit code, showing the output when it differs.
fn assert_code(run: &Run, code: i32, what: &str) {
    assert_eq!(
        run.code,
        Some(code),
        "{what}\n--- stdout:\n{}\n--- stderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
}

/// A temporary workspace holding the crate `name` with `src/lib.rs` = `lib`.
fn temp_crate(name: &str, lib: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    std::fs::create_dir_all(root.join(name).join("src")).unwrap();
    std::fs::write(
        root.join(name).join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(root.join(name).join("src/lib.rs"), lib).unwrap();
    dir
}

/// A `deny` finding: the revert's failure is ignored while impersonating.
const DENY: &str = "\
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

/// Only a `warn` finding: a thread started under a correct guard.
const WARN: &str = "\
use std::marker::PhantomData;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};

/// Reverts when dropped; aborts if the revert fails.
pub struct Impersonation(PhantomData<*const ()>);

impl Drop for Impersonation {
    fn drop(&mut self) {
        if unsafe { RevertToSelf() } == 0 {
            std::process::abort();
        }
    }
}

pub fn impersonate(token: HANDLE) -> Option<Impersonation> {
    if unsafe { ImpersonateLoggedOnUser(token) } == 0 {
        return None;
    }
    Some(Impersonation(PhantomData))
}

pub fn serve(token: HANDLE) -> Option<()> {
    let _client = impersonate(token)?;
    std::thread::spawn(|| ());
    Some(())
}
";

#[test]
fn clean_code_exits_0() {
    let run = imperlint(repo_root(), &["check", "fixtures/_clean"]);
    assert_code(&run, 0, "_clean");
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn deny_findings_exit_1_until_allowed() {
    let dir = temp_crate("server", DENY);
    let run = imperlint(dir.path(), &["check", "server"]);
    assert_code(&run, 1, "an unchecked revert is at deny");
    assert!(
        run.stdout.contains("error[unchecked_revert]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("server/src/lib.rs:8:14"),
        "{}",
        run.stdout
    );

    let run = imperlint(dir.path(), &["check", "server", "-A", "unchecked_revert"]);
    assert_code(&run, 0, "`-A unchecked_revert`");
    assert!(!run.stdout.contains("unchecked_revert"), "{}", run.stdout);

    let run = imperlint(
        dir.path(),
        &["check", "server", "--warn", "unchecked_revert"],
    );
    assert_code(&run, 0, "`--warn unchecked_revert`");
    assert!(
        run.stdout.contains("warning[unchecked_revert]"),
        "{}",
        run.stdout
    );
}

#[test]
fn demo_exits_1_and_0_with_every_deny_lint_allowed() {
    let run = imperlint(repo_root(), &["check", "fixtures/_demo"]);
    assert_code(&run, 1, "_demo has a hazard of each deny lint");
    let deny: Vec<&str> = LINTS
        .iter()
        .filter(|lint| lint.info.default_level == Level::Deny)
        .map(|lint| lint.info.name)
        .collect();
    assert!(!deny.is_empty());
    let mut args = vec!["check", "fixtures/_demo"];
    for name in &deny {
        assert!(run.stdout.contains(&format!("error[{name}]")), "{name}");
        args.extend(["-A", name]);
    }
    let run = imperlint(repo_root(), &args);
    assert_code(&run, 0, "every deny lint allowed");
    assert!(!run.stdout.contains("error["), "{}", run.stdout);
    assert!(run.stdout.contains("warning["), "the warnings stay");
}

#[test]
fn warnings_exit_0_unless_denied() {
    let dir = temp_crate("worker", WARN);
    let run = imperlint(dir.path(), &["check", "worker"]);
    assert_code(&run, 0, "only a warning");
    assert!(
        run.stdout
            .contains("warning[thread_spawn_while_impersonating]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("0 errors, 1 warning"), "{}", run.stdout);

    for args in [
        ["-D", "warnings"],
        ["--deny", "warnings"],
        ["-D", "thread_spawn_while_impersonating"],
    ] {
        let mut all = vec!["check", "worker"];
        all.extend(args);
        let run = imperlint(dir.path(), &all);
        assert_code(&run, 1, &format!("{args:?}"));
        assert!(
            run.stdout
                .contains("error[thread_spawn_while_impersonating]"),
            "{args:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_missing_path_exits_2_and_the_others_are_still_reported() {
    let dir = temp_crate("server", DENY);
    let run = imperlint(dir.path(), &["check", "server", "no/such/place.rs"]);
    assert_code(&run, 2, "a missing path");
    assert!(
        run.stderr.contains("no/such/place.rs"),
        "the message names the path: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains("error[unchecked_revert]"),
        "the existing path's finding is printed: {}",
        run.stdout
    );
}

#[test]
fn nothing_to_analyse_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "no Rust here\n").unwrap();
    let run = imperlint(dir.path(), &["check", "."]);
    assert_code(&run, 2, "a folder without Rust files");
    assert!(
        run.stderr.contains("no Rust files could be analysed"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_lints_are_usage_errors() {
    for flag in ["-D", "-W", "-A", "--deny"] {
        let run = imperlint(
            repo_root(),
            &["check", "fixtures/_clean", flag, "no_such_lint"],
        );
        assert_code(&run, 2, &format!("`{flag} no_such_lint`"));
        assert!(run.stderr.contains("unknown lint"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "nothing is analysed: {}", run.stdout);
    }
    let run = imperlint(
        repo_root(),
        &["check", "fixtures/_clean", "-D", "missing_revrt"],
    );
    assert_code(&run, 2, "a misspelt lint");
    assert!(
        run.stderr.contains("did you mean `missing_revert`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("-D"), "{}", run.stderr);
}

#[test]
fn an_unknown_lint_is_named_in_the_error() {
    let run = imperlint(
        repo_root(),
        &[
            "check",
            "fixtures/_clean",
            "-D",
            "missing_revert",
            "-D",
            "no_such_lint",
        ],
    );
    assert_code(&run, 2, "an unknown lint");
    assert!(
        run.stderr.contains("no_such_lint"),
        "the error names the unknown lint: {}",
        run.stderr
    );
}

#[test]
fn bad_options_are_usage_errors() {
    let run = imperlint(
        repo_root(),
        &["check", "fixtures/_clean", "--format", "xml"],
    );
    assert_code(&run, 2, "`--format xml`");
    assert!(run.stderr.contains("xml"), "{}", run.stderr);
    for format in ["human", "json", "sarif", "github", "cargo-json"] {
        assert!(run.stderr.contains(format), "`{format}` is listed");
    }

    for jobs in [["--jobs", "0"], ["-j", "0"]] {
        let mut args = vec!["check", "fixtures/_clean"];
        args.extend(jobs);
        let run = imperlint(repo_root(), &args);
        assert_code(&run, 2, &format!("{jobs:?}"));
        assert!(run.stderr.contains("--jobs"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }

    let run = imperlint(repo_root(), &["check", "--color", "sometimes"]);
    assert_code(&run, 2, "`--color sometimes`");
    let run = imperlint(repo_root(), &[]);
    assert_code(&run, 2, "no subcommand");
    let run = imperlint(repo_root(), &["lint"]);
    assert_code(&run, 2, "an unknown subcommand");
}

#[test]
fn lints_lists_every_lint_then_every_builtin() {
    let run = imperlint(repo_root(), &["lints"]);
    assert_code(&run, 0, "`imperlint lints`");
    let (lints, builtins) = run
        .stdout
        .split_once("\nbuilt-in diagnostics:\n")
        .expect("a section of built-in diagnostics");
    let lines: Vec<&str> = lints.lines().filter(|l| !l.is_empty()).collect();
    let builtin_lines: Vec<&str> = builtins.lines().collect();
    assert_eq!(lines.len(), LINTS.len(), "{}", run.stdout);
    assert_eq!(builtin_lines.len(), builtin::INFOS.len(), "{}", run.stdout);
    let infos = LINTS
        .iter()
        .map(|l| l.info)
        .chain(builtin::INFOS.iter().copied());
    for (line, info) in lines.iter().chain(&builtin_lines).zip(infos) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], info.name, "{line}");
        assert_eq!(fields[1], info.default_level.as_str(), "{line}");
        assert!(line.ends_with(info.summary), "{line}");
    }
    for name in [
        "parse_error",
        "io_error",
        "internal_error",
        "analysis_incomplete",
    ] {
        assert!(builtins.contains(name), "`{name}` is listed");
    }
}

#[test]
fn explain_prints_the_documentation() {
    let run = imperlint(repo_root(), &["explain", "missing_revert"]);
    assert_code(&run, 0, "`explain missing_revert`");
    assert!(
        run.stdout.starts_with("# missing_revert (default: deny)"),
        "{}",
        run.stdout
    );
    let headings: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .collect();
    assert_eq!(
        headings,
        [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "Known problems",
            "References"
        ]
    );
    assert!(run.stdout.contains("```rust"), "the examples are printed");
}

#[test]
fn explain_reads_names_as_rust_users_write_them_and_knows_the_builtins() {
    for name in [
        "missing-revert",
        "imperlint::missing_revert",
        "imperlint::missing-revert",
    ] {
        let run = imperlint(repo_root(), &["explain", name]);
        assert_code(&run, 0, &format!("`explain {name}`"));
        assert!(
            run.stdout.starts_with("# missing_revert (default: deny)"),
            "{}",
            run.stdout
        );
    }
    for info in builtin::INFOS {
        let run = imperlint(repo_root(), &["explain", info.name]);
        assert_code(&run, 0, &format!("`explain {}`", info.name));
        assert!(run.stdout.contains("### What it does"), "{}", run.stdout);
        assert!(run.stdout.contains(&info.help_uri()), "{}", run.stdout);
    }
}

#[test]
fn explain_an_unknown_lint_suggests() {
    let run = imperlint(repo_root(), &["explain", "nope"]);
    assert_code(&run, 2, "`explain nope`");
    assert!(run.stderr.contains("`nope`"), "{}", run.stderr);
    assert!(run.stderr.contains("imperlint lints"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    let run = imperlint(repo_root(), &["explain", "imperlint::missing-revrt"]);
    assert_code(&run, 2, "`explain imperlint::missing-revrt`");
    assert!(
        run.stderr.contains("did you mean `missing_revert`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn output_writes_the_file_and_nothing_to_stdout() {
    let dir = temp_crate("server", DENY);
    for flag in ["--output", "-o"] {
        let run = imperlint(
            dir.path(),
            &["check", "server", "--format", "json", flag, "report.json"],
        );
        assert_code(&run, 1, &format!("`{flag}`: the deny finding still counts"));
        assert!(run.stdout.is_empty(), "{flag}: stdout: {}", run.stdout);
        let path = dir.path().join("report.json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(doc["diagnostics"][0]["lint"], "unchecked_revert");
        assert_eq!(doc["diagnostics"][0]["file"], "server/src/lib.rs");
        std::fs::remove_file(path).unwrap();
    }
    let run = imperlint(dir.path(), &["check", "server", "-o", "report.txt"]);
    assert_code(&run, 1, "human output to a file");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let text = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(text.contains("error[unchecked_revert]"), "{text}");
    assert!(text.ends_with("\n1 error, 0 warnings\n"), "{text}");
    assert!(
        text.contains("\nchecked 1 crate: 1 file analysed\n"),
        "{text}"
    );

    // A folder that does not exist is named before anything runs.
    let run = imperlint(dir.path(), &["check", "server", "-o", "out/report.txt"]);
    assert_code(&run, 2, "`-o` into a missing folder");
    assert_eq!(
        run.stderr,
        "error: cannot write `out/report.txt` (`--output`): the folder `out` does not exist\n"
    );
}
