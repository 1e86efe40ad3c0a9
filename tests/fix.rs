//! `--fix` end to end: the fixes findings carry are applied (here
//! `pool_work_without_transfer` adding `WT_TRANSFER_IMPERSONATION`), the
//! findings without one stay reported (`hkcu_while_impersonating`: its
//! `RegOpenCurrentUser` rewrite is not mechanical), a second run changes
//! nothing, and findings hidden by a baseline are not touched.

mod workspace;

use workspace::{line_of, Workspace};

const BEFORE: &str = r#"use std::ffi::c_void;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::RevertToSelf;
use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;
use windows_sys::Win32::System::Registry::{RegOpenKeyExW, HKEY, HKEY_CURRENT_USER, KEY_READ};
use windows_sys::Win32::System::Threading::{
    QueueUserWorkItem, WT_EXECUTEDEFAULT, WT_EXECUTELONGFUNCTION, WT_TRANSFER_IMPERSONATION,
};

unsafe extern "system" fn reindex(_context: *mut c_void) -> u32 {
    0
}

/// Queues work for the client while impersonating it.
pub fn queue_for_client(pipe: HANDLE) -> bool {
    if unsafe { ImpersonateNamedPipeClient(pipe) } == 0 {
        return false;
    }
    let quick = unsafe { QueueUserWorkItem(Some(reindex), std::ptr::null(), WT_EXECUTEDEFAULT) };
    let slow = unsafe { QueueUserWorkItem(Some(reindex), std::ptr::null(), 0) };
    let long = unsafe {
        QueueUserWorkItem(
            Some(reindex),
            std::ptr::null(),
            WT_EXECUTELONGFUNCTION,
        )
    };
    let done = unsafe {
        QueueUserWorkItem(
            Some(reindex),
            std::ptr::null(),
            WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION,
        )
    };
    let mut key: HKEY = std::ptr::null_mut();
    let opened = unsafe { RegOpenKeyExW(HKEY_CURRENT_USER, std::ptr::null(), 0, KEY_READ, &mut key) };
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
    quick != 0 && slow != 0 && long != 0 && done != 0 && opened == 0
}
"#;

fn after() -> String {
    BEFORE
        .replace(
            "std::ptr::null(), WT_EXECUTEDEFAULT) };",
            "std::ptr::null(), WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION) };",
        )
        .replace(
            "std::ptr::null(), 0) };",
            "std::ptr::null(), WT_TRANSFER_IMPERSONATION) };",
        )
        .replace(
            "            WT_EXECUTELONGFUNCTION,\n",
            "            WT_EXECUTELONGFUNCTION | WT_TRANSFER_IMPERSONATION,\n",
        )
}

fn package() -> Workspace {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n",
    )
    .write("pkg/src/lib.rs", BEFORE);
    ws
}

#[test]
fn fixes_what_is_mechanical_and_reports_the_rest() {
    let ws = package();
    let before = ws.imperlint("pkg", &["check", "--format", "github"]);
    let pools = before
        .findings()
        .into_iter()
        .filter(|f| f.lint == "pool_work_without_transfer")
        .count();
    assert_eq!(pools, 3, "{}", before.stdout);

    let out = ws.imperlint(
        "pkg",
        &["check", "--fix", "--allow-no-vcs", "--format", "github"],
    );
    out.expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), after());
    assert!(
        out.stderr.contains("fixed src/lib.rs (3 fixes)"),
        "{}",
        out.stderr
    );
    // What remains is reported at its (unchanged) place.
    let after = after();
    assert_eq!(
        out.places(),
        vec![workspace::place(
            "src/lib.rs",
            line_of(&after, "HKEY_CURRENT_USER, std::ptr"),
            "hkcu_while_impersonating"
        )]
    );

    // Idempotent: nothing left to fix, nothing written.
    let again = ws.imperlint(
        "pkg",
        &["check", "--fix", "--allow-no-vcs", "--format", "github"],
    );
    again.expect_code(0);
    assert!(!again.stderr.contains("fixed"), "{}", again.stderr);
    assert_eq!(again.places(), out.places());
    assert_eq!(ws.read("pkg/src/lib.rs"), after);
}

#[test]
fn cargo_imperlint_fixes_too() {
    let ws = package();
    let out = ws.cargo_imperlint("pkg", &["--fix", "--allow-no-vcs", "--message-format=json"]);
    out.expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), after());
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.contains("imperlint::hkcu_while_impersonating"));
}

#[test]
fn baselined_findings_are_not_fixed() {
    let ws = package();
    ws.imperlint("pkg", &["check", "--write-baseline", "base.json"]);
    let out = ws.imperlint(
        "pkg",
        &[
            "check",
            "--fix",
            "--allow-no-vcs",
            "--baseline",
            "base.json",
            "--format",
            "github",
        ],
    );
    out.expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), BEFORE);
    assert!(!out.stderr.contains("fixed"), "{}", out.stderr);
    assert!(out.places().is_empty(), "{}", out.stdout);
}

#[test]
fn named_files_only_are_fixed() {
    let ws = package();
    ws.write(
        "pkg/src/other.rs",
        &BEFORE.replace("queue_for_client", "queue_other"),
    );
    ws.write("pkg/src/lib.rs", &format!("mod other;\n{BEFORE}"));
    let out = ws.imperlint("pkg", &["check", "--fix", "--allow-no-vcs", "src/other.rs"]);
    out.expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), format!("mod other;\n{BEFORE}"));
    assert_eq!(
        ws.read("pkg/src/other.rs"),
        after().replace("queue_for_client", "queue_other")
    );
}

#[test]
fn fix_refuses_a_tree_no_repository_holds_unless_allowed() {
    let ws = package();
    let out = ws.imperlint("pkg", &["check", "--fix"]);
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("no git repository holds"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`--allow-no-vcs`"), "{}", out.stderr);
    assert_eq!(ws.read("pkg/src/lib.rs"), BEFORE);
    // `--diff` needs no repository; `--allow-no-vcs` means nothing without `--fix`.
    ws.imperlint("pkg", &["check", "--diff"]).expect_code(1);
    ws.imperlint("pkg", &["check", "--allow-no-vcs"])
        .expect_code(2);
}

/// Runs git in `dir` of `ws`, with an identity and no user configuration.
fn git(ws: &Workspace, dir: &str, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(ws.path(dir))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// [`package`] as a git repository with everything committed.
fn committed_package() -> Workspace {
    let ws = package();
    git(&ws, "pkg", &["init", "-q"]);
    git(&ws, "pkg", &["add", "."]);
    git(&ws, "pkg", &["commit", "-q", "-m", "initial"]);
    ws
}

#[test]
fn fix_refuses_uncommitted_changes_unless_allowed() {
    let ws = committed_package();
    // Clean: fixed.
    ws.imperlint("pkg", &["check", "--fix"]).expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), after());

    // Dirty (the fixes themselves, uncommitted): refused, nothing written.
    ws.write("pkg/src/lib.rs", &format!("{BEFORE}// edited\n"));
    let out = ws.imperlint("pkg", &["check", "--fix"]);
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.starts_with(
            "error: `--fix` would edit files in a working tree with uncommitted changes:\n  src/lib.rs\n"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`--allow-dirty`"), "{}", out.stderr);
    assert_eq!(ws.read("pkg/src/lib.rs"), format!("{BEFORE}// edited\n"));
    // An untracked file counts as uncommitted too.
    git(&ws, "pkg", &["checkout", "-q", "--", "src/lib.rs"]);
    ws.write("pkg/src/new.rs", "pub fn new() {}\n");
    ws.imperlint("pkg", &["check", "--fix"]).expect_code(2);
    std::fs::remove_file(ws.path("pkg/src/new.rs")).unwrap();

    // Staged: refused unless `--allow-staged`.
    ws.write("pkg/src/lib.rs", &format!("{BEFORE}// staged\n"));
    git(&ws, "pkg", &["add", "src/lib.rs"]);
    let out = ws.imperlint("pkg", &["check", "--fix"]);
    out.expect_code(2);
    assert!(out.stderr.contains("with staged changes"), "{}", out.stderr);
    assert!(out.stderr.contains("`--allow-staged`"), "{}", out.stderr);
    ws.imperlint("pkg", &["check", "--fix", "--allow-staged"])
        .expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), format!("{}// staged\n", after()));

    // Dirty, allowed.
    ws.write("pkg/src/lib.rs", &format!("{BEFORE}// dirty\n"));
    ws.imperlint("pkg", &["check", "--fix", "--allow-dirty"])
        .expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), format!("{}// dirty\n", after()));
    // The allowances mean nothing without `--fix`.
    ws.imperlint("pkg", &["check", "--allow-dirty"])
        .expect_code(2);
}

#[test]
fn the_tree_cannot_run_code_through_git() {
    let ws = committed_package();
    let marker = ws.path("ran");
    // A repository whose configuration runs programs: a file-system
    // monitor and a filter driver chosen by `.gitattributes`.
    let hook = format!("touch {}; cat", marker.display());
    git(&ws, "pkg", &["config", "core.fsmonitor", &hook]);
    git(&ws, "pkg", &["config", "filter.evil.clean", &hook]);
    ws.write("pkg/.gitattributes", "*.rs filter=evil\n");
    ws.write("pkg/src/lib.rs", &format!("{BEFORE}// edited\n"));
    ws.imperlint("pkg", &["check", "--fix"]).expect_code(2);
    assert!(!marker.exists(), "git ran the tree's programs");
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let ws = committed_package();
    ws.write(
        "pkg/src/lib.rs",
        &format!("{BEFORE}// dirty is fine: nothing is written\n"),
    );
    let dirty = ws.read("pkg/src/lib.rs");
    let out = ws.imperlint("pkg", &["check", "--diff"]);
    out.expect_code(1);
    assert_eq!(ws.read("pkg/src/lib.rs"), dirty);
    assert!(
        out.stdout
            .starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ "),
        "{}",
        out.stdout
    );
    let removed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("-    ") || l.starts_with("-            WT"))
        .collect();
    let added: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(removed.len(), 3, "{}", out.stdout);
    assert_eq!(added.len(), 3, "{}", out.stdout);
    assert!(
        added
            .iter()
            .all(|l| l.contains("WT_TRANSFER_IMPERSONATION")),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "3 fixes in 1 file (nothing written; `--fix` applies them)\n"
    );
    // Applying the fixes leaves nothing to show.
    ws.imperlint("pkg", &["check", "--fix", "--allow-dirty"])
        .expect_code(0);
    let out = ws.imperlint("pkg", &["check", "--diff"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "nothing to fix\n");
}
