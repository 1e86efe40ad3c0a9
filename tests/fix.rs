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

    let out = ws.imperlint("pkg", &["check", "--fix", "--format", "github"]);
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
    let again = ws.imperlint("pkg", &["check", "--fix", "--format", "github"]);
    again.expect_code(0);
    assert!(!again.stderr.contains("fixed"), "{}", again.stderr);
    assert_eq!(again.places(), out.places());
    assert_eq!(ws.read("pkg/src/lib.rs"), after);
}

#[test]
fn cargo_imperlint_fixes_too() {
    let ws = package();
    let out = ws.cargo_imperlint("pkg", &["--fix", "--message-format=json"]);
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
    let out = ws.imperlint("pkg", &["check", "--fix", "src/other.rs"]);
    out.expect_code(0);
    assert_eq!(ws.read("pkg/src/lib.rs"), format!("mod other;\n{BEFORE}"));
    assert_eq!(
        ws.read("pkg/src/other.rs"),
        after().replace("queue_for_client", "queue_other")
    );
}
