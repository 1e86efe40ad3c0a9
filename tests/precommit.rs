//! The pre-commit hook end to end. `imperlint check FILE...` (what the hook
//! runs on staged files) loads the rest of each file's package for context
//! but reports only on the files named; the repository's
//! `.pre-commit-hooks.yaml` is valid for the pre-commit framework; and the
//! hook runs through the real framework on a temporary git repository.
//!
//! The published hook uses `language: rust`, so pre-commit builds imperlint
//! with `cargo install` from this repository (minutes, and crates from the
//! registry); here the same hook runs as a `repo: local` hook with
//! `language: system` and the binary under test as its entry, which is what
//! the framework then executes in both cases: the entry with the staged
//! files' names.
//!
//! pre-commit must be installed (`.ci/run` installs it from PyPI and sets
//! `PRE_COMMIT`); when it is not, the tests fail and say so.

mod workspace;

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output};
use workspace::{line_of, place, Workspace};

const LIB: &str = r#"mod helpers;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::RevertToSelf;
use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;

pub fn serve(pipe: HANDLE) {
    if unsafe { ImpersonateNamedPipeClient(pipe) } == 0 {
        return;
    }
    helpers::refresh();
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}
"#;

/// Only a hazard because `serve` (in `lib.rs`) calls it while impersonating.
const HELPERS: &str = r#"/// Refreshes the client's view.
pub fn refresh() {
    std::thread::spawn(|| {});
}
"#;

/// A deny-level hazard added to `helpers.rs`.
const PROBE: &str = r#"
pub fn probe() {
    unsafe { windows_sys::Win32::Security::ImpersonateSelf(2) }; // PROBE
    if unsafe { windows_sys::Win32::Security::RevertToSelf() } == 0 {
        std::process::abort();
    }
}
"#;

const MANIFEST: &str = "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n";

fn package() -> Workspace {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write("repo/Cargo.toml", MANIFEST)
        .write("repo/src/lib.rs", LIB)
        .write("repo/src/helpers.rs", HELPERS);
    ws
}

#[test]
fn named_files_get_their_package_as_context() {
    let ws = package();
    let spawn = place(
        "src/helpers.rs",
        line_of(HELPERS, "spawn"),
        "thread_spawn_while_impersonating",
    );
    // `helpers.rs` alone: the finding needs `serve` in `lib.rs`.
    let out = ws.imperlint("repo", &["check", "--format", "github", "src/helpers.rs"]);
    assert_eq!(out.expect_code(0).places(), vec![spawn.clone()]);
    assert!(
        out.stdout
            .contains("`refresh` is called while impersonating from `serve`"),
        "{}",
        out.stdout
    );
    // From inside `src/`, paths are shown relative to it.
    let out = ws.imperlint("repo/src", &["check", "--format", "github", "helpers.rs"]);
    assert_eq!(
        out.expect_code(0).places(),
        vec![place("helpers.rs", 3, "thread_spawn_while_impersonating")]
    );
    // `lib.rs` alone: nothing in `lib.rs`, and `helpers.rs` is not reported.
    let out = ws.imperlint("repo", &["check", "--format", "github", "src/lib.rs"]);
    assert_eq!(out.expect_code(0).places(), vec![]);

    // A deny finding in a file not named does not fail the run.
    ws.write("repo/src/helpers.rs", &format!("{HELPERS}{PROBE}"));
    let out = ws.imperlint("repo", &["check", "--format", "github", "src/lib.rs"]);
    assert_eq!(out.expect_code(0).places(), vec![]);
    let out = ws.imperlint("repo", &["check", "--format", "github", "src/helpers.rs"]);
    out.expect_code(1);
}

/// How to run pre-commit: `$PRE_COMMIT`, `.ci/run`'s install in
/// `target/ci-tools/`, `pre-commit` on `PATH`, or `python3 -m pre_commit`; a
/// clear failure when none works.
fn pre_commit() -> Vec<OsString> {
    let works = |cmd: &[OsString]| {
        Command::new(&cmd[0])
            .args(&cmd[1..])
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut candidates: Vec<Vec<OsString>> = Vec::new();
    if let Some(p) = std::env::var_os("PRE_COMMIT") {
        candidates.push(vec![p]);
    }
    // Where `.ci/run` installs it.
    candidates.push(vec![Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/ci-tools/bin/pre-commit")
        .into_os_string()]);
    candidates.push(vec!["pre-commit".into()]);
    candidates.push(vec!["python3".into(), "-m".into(), "pre_commit".into()]);
    candidates
        .into_iter()
        .find(|c| works(c))
        .unwrap_or_else(|| {
            panic!(
                "pre-commit is not installed, so the pre-commit hook cannot be tested: install it \
             with `python3 -m pip install pre-commit` (`.ci/run` does, and sets PRE_COMMIT)"
            )
        })
}

fn run_in(dir: &Path, program: &[OsString], args: &[&str], home: &Path) -> Output {
    Command::new(&program[0])
        .args(&program[1..])
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home.join("pre-commit-home"))
        .env("GIT_AUTHOR_NAME", "imperlint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@imperlint.invalid")
        .env("GIT_COMMITTER_NAME", "imperlint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@imperlint.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program:?} {args:?}: {e}"))
}

fn git(dir: &Path, args: &[&str], home: &Path) {
    let out = run_in(dir, &["git".into()], args, home);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The repository's hook definition, as `repo: local` with the binary under
/// test: id, types, `require_serial` and the `check` subcommand are taken
/// from `.pre-commit-hooks.yaml`.
fn local_config() -> String {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .expect(".pre-commit-hooks.yaml at the repository's root");
    for line in [
        "- id: imperlint",
        "  language: rust",
        "  entry: imperlint check",
        "  types: [rust]",
        "  require_serial: false",
    ] {
        assert!(
            manifest.lines().any(|l| l == line),
            "`{line}` not in .pre-commit-hooks.yaml"
        );
    }
    let binary = env!("CARGO_BIN_EXE_imperlint");
    format!(
        "repos:\n- repo: local\n  hooks:\n  - id: imperlint\n    name: imperlint\n    \
         language: system\n    entry: \"'{binary}' check\"\n    types: [rust]\n    \
         require_serial: false\n"
    )
}

#[test]
fn hook_manifest_is_valid_for_pre_commit() {
    let pc = pre_commit();
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &pc,
        &["validate-manifest", ".pre-commit-hooks.yaml"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    local_config();
}

#[test]
fn hook_runs_through_pre_commit_on_staged_files() {
    let pc = pre_commit();
    let ws = package();
    let repo = ws.path("repo");
    let home = ws.root();
    ws.write("repo/.pre-commit-config.yaml", &local_config())
        .write("repo/README.md", "# svc\n");
    git(&repo, &["init", "-q"], home);
    git(&repo, &["add", "-A"], home);
    git(&repo, &["commit", "-q", "-m", "initial"], home);

    // Every Rust file: the warning is shown only with `--verbose`, and a
    // warning does not fail the hook.
    let out = run_in(&repo, &pc, &["run", "--all-files", "--verbose"], home);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("thread_spawn_while_impersonating"),
        "{}",
        text(&out)
    );

    // A deny-level hazard staged in `helpers.rs`, and one left unstaged in
    // `lib.rs`: pre-commit stashes the unstaged one and passes only the
    // staged file; imperlint reads `lib.rs` as committed, for context.
    ws.write("repo/src/helpers.rs", &format!("{HELPERS}{PROBE}"));
    git(&repo, &["add", "src/helpers.rs"], home);
    ws.write(
        "repo/src/lib.rs",
        &format!("{LIB}\npub fn unstaged() {{\n    unsafe {{ windows_sys::Win32::Security::RevertToSelf() }};\n}}\n"),
    );
    let out = run_in(&repo, &pc, &["run"], home);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("imperlint"), "{shown}");
    let probe = line_of(&format!("{HELPERS}{PROBE}"), "// PROBE");
    assert!(
        shown.contains(&format!("src/helpers.rs:{probe}:"))
            && shown.contains("unchecked_impersonation"),
        "{shown}"
    );
    assert!(
        !shown.contains("--> src/lib.rs"),
        "only staged files: {shown}"
    );
    assert!(
        !shown.contains("unchecked_revert"),
        "only staged files: {shown}"
    );
    assert!(
        ws.read("repo/src/lib.rs").contains("pub fn unstaged"),
        "pre-commit restores the unstaged change"
    );

    // Fixed and staged: the hook passes.
    ws.write("repo/src/helpers.rs", HELPERS);
    git(&repo, &["add", "src/helpers.rs"], home);
    let out = run_in(&repo, &pc, &["run"], home);
    assert!(out.status.success(), "{}", text(&out));

    // Only a non-Rust file staged: the hook is skipped.
    ws.write("repo/README.md", "# svc\n\nA service.\n");
    git(&repo, &["add", "README.md"], home);
    ws.write("repo/src/lib.rs", LIB);
    let out = run_in(&repo, &pc, &["run"], home);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Skipped"), "{}", text(&out));
}
