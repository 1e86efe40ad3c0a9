//! The crate's own `macro_rules!` end to end, through the real binary: the
//! prefilter lets a crate through whose only impersonation is in a macro's
//! rules; a bound hit while expanding is an `analysis_incomplete` warning
//! at the invocation, never a silent answer; a finding in code a macro's
//! rules wrote points at the invocation with a note at the macro; a
//! suppression on the invocation's line applies. (`fixtures/_macros` holds
//! the shapes of real services.)

mod workspace;

use serde_json::Value;
use workspace::{line_of, place, Workspace};

const MANIFEST: &str =
    "[package]\nname = \"agent\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";

/// The impersonation is in `macros.rs`; `lib.rs` names no API at all.
const MACROS: &str = r#"macro_rules! as_client {
    ($name:ident, $body:block) => {
        pub fn $name(pipe: windows_sys::Win32::Foundation::HANDLE) -> std::io::Result<()> {
            if unsafe { windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient(pipe) } == 0 {
                return Err(std::io::Error::last_os_error());
            }
            let done = (|| -> std::io::Result<()> { $body; Ok(()) })();
            if unsafe { windows_sys::Win32::Security::RevertToSelf() } == 0 {
                std::process::abort();
            }
            done
        }
    };
}

macro_rules! leaky {
    ($name:ident) => {
        pub fn $name(pipe: windows_sys::Win32::Foundation::HANDLE) -> std::io::Result<()> {
            if unsafe { windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient(pipe) } == 0 {
                return Err(std::io::Error::last_os_error());
            }
            std::fs::read("settings.toml")?;
            if unsafe { windows_sys::Win32::Security::RevertToSelf() } == 0 {
                std::process::abort();
            }
            Ok(())
        }
    };
}
"#;

const LIB: &str = r#"#[macro_use]
mod macros;

as_client!(export, {
    std::thread::spawn(|| ()); // SPAWN
});

leaky!(import); // LEAKY

// imperlint: allow(missing_revert) -- the settings file is read before any client connects
leaky!(preload);
"#;

fn agent() -> Workspace {
    let ws = Workspace::new();
    ws.write("agent/Cargo.toml", MANIFEST)
        .write("agent/src/macros.rs", MACROS)
        .write("agent/src/lib.rs", LIB);
    ws
}

#[test]
fn impersonation_only_macros_write_is_found_with_and_without_the_prefilter() {
    let ws = agent();
    let expected = vec![
        place(
            "agent/src/lib.rs",
            line_of(LIB, "SPAWN"),
            "thread_spawn_while_impersonating",
        ),
        place("agent/src/lib.rs", line_of(LIB, "LEAKY"), "missing_revert"),
    ];
    for args in [
        &["check", "agent", "--format", "github"][..],
        &["check", "agent", "--format", "github", "--no-prefilter"],
    ] {
        let out = ws.imperlint(".", args);
        out.expect_code(1);
        assert_eq!(out.places(), expected, "{args:?}\n{}", out.stderr);
    }
}

#[test]
fn a_finding_the_rules_wrote_points_at_the_invocation_with_a_note_at_the_macro() {
    let ws = agent();
    let out = ws.imperlint(".", &["check", "agent", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let leak = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["lint"] == "missing_revert")
        .expect("the leak in `leaky!`");
    assert_eq!(leak["line"], line_of(LIB, "LEAKY"));
    assert_eq!(leak["column"], 1, "at the macro's name");
    let text = leak.to_string();
    assert!(text.contains("in this macro invocation"), "{text}");
    assert!(text.contains("`leaky!` is defined here"), "{text}");
    assert!(
        leak["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|l| l["file"] == "agent/src/macros.rs"
                && l["line"] == line_of(MACROS, "macro_rules! leaky")),
        "{text}"
    );
}

#[test]
fn a_bound_hit_while_expanding_is_reported_at_the_invocation() {
    let ws = Workspace::new();
    let lib = r#"macro_rules! guards {
    () => { guards!(); };
    ($t:ident) => { pub struct $t; impl Drop for $t { fn drop(&mut self) { unsafe { windows_sys::Win32::Security::RevertToSelf() }; } } };
}

guards!(); // FOREVER
guards!(Client);
"#;
    ws.write("agent/Cargo.toml", MANIFEST)
        .write("agent/src/lib.rs", lib);
    let out = ws.imperlint(".", &["check", "agent", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let diags = json["diagnostics"].as_array().expect("diagnostics");
    let incomplete: Vec<&Value> = diags
        .iter()
        .filter(|d| d["lint"] == "analysis_incomplete")
        .collect();
    assert_eq!(incomplete.len(), 1, "{diags:#?}");
    assert_eq!(incomplete[0]["line"], line_of(lib, "FOREVER"));
    let message = incomplete[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("nest more than 128"), "{message}");
    // The other invocation expands: its guard is `Send` and reported.
    assert!(
        diags.iter().any(|d| d["lint"] == "send_impersonation_guard"
            && d["line"] == line_of(lib, "guards!(Client)")),
        "{diags:#?}"
    );
}

#[test]
fn no_fix_edits_expanded_code() {
    let ws = Workspace::new();
    let lib = r#"use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf, SecurityImpersonation};
use windows_sys::Win32::System::Threading::QueueUserWorkItem;

unsafe extern "system" fn work(_: *mut core::ffi::c_void) -> u32 {
    0
}

macro_rules! queue_as_self {
    ($name:ident, $flags:expr) => {
        pub fn $name() {
            if unsafe { ImpersonateSelf(SecurityImpersonation) } == 0 {
                return;
            }
            unsafe { QueueUserWorkItem(Some(work), core::ptr::null(), $flags) };
            unsafe { QueueUserWorkItem(Some(work), core::ptr::null(), 0) };
            if unsafe { RevertToSelf() } == 0 {
                std::process::abort();
            }
        }
    };
}

queue_as_self!(refresh, 0x10); // BOTH
"#;
    ws.write("agent/Cargo.toml", MANIFEST)
        .write("agent/src/lib.rs", lib);
    let out = ws.imperlint(".", &["check", "agent", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let pools: Vec<&Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["lint"] == "pool_work_without_transfer")
        .collect();
    // Both calls are the rules', at the invocation. The flags of one are
    // the invocation's own text, but an argument may stand in several
    // places of an expansion: no fix edits expanded code.
    assert!(!pools.is_empty(), "{json:#}");
    for p in &pools {
        assert_eq!(p["line"], line_of(lib, "BOTH"));
        assert!(p["fix"].is_null(), "a fix inside the invocation: {p:#}");
    }
}
