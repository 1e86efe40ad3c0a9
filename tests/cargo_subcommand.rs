//! `cargo imperlint` end to end, invoked as cargo does
//! (`cargo-imperlint imperlint ARGS`) on temporary path-only workspaces:
//! package selection (`-p`, `--workspace`, `--exclude`, `--manifest-path`,
//! the package of the current folder), every target kind (lib, integration
//! test, build script, bin), a renamed `windows-sys` dependency,
//! `--message-format=json` read back with `cargo_metadata` (each finding
//! names the target whose crate holds it, with several binaries side by
//! side), and `--with-cargo-check` running a real `cargo check` first.

mod workspace;

use cargo_metadata::{Message, MetadataCommand};
use std::collections::BTreeMap;
use workspace::{multi_package, place, server_findings, tools_findings, Workspace};

fn both() -> Vec<(String, u32, String)> {
    let mut all = server_findings();
    all.extend(tools_findings());
    all.sort();
    all
}

#[test]
fn virtual_workspace_root_checks_every_member() {
    let ws = multi_package("", "");
    let out = ws.cargo_imperlint("ws", &["--format", "github"]);
    out.expect_code(1);
    assert_eq!(out.places(), both());
    // The finding in `server/src/lib.rs` is only seen through the rename
    // `win = { package = "windows-sys" }`.
    assert!(out
        .places()
        .contains(&place("server/src/lib.rs", 7, "unchecked_impersonation")));
}

#[test]
fn workspace_flag_and_exclude() {
    let ws = multi_package("", "");
    let all = ws.cargo_imperlint("ws/server/src", &["--workspace", "--format", "github"]);
    assert_eq!(all.expect_code(1).places(), both());

    let out = ws.cargo_imperlint(
        "ws",
        &["--workspace", "--exclude", "server", "--format", "github"],
    );
    assert_eq!(out.expect_code(1).places(), tools_findings());

    let out = ws.cargo_imperlint(
        "ws",
        &[
            "--workspace",
            "--exclude",
            "server",
            "--exclude",
            "tools",
            "--format",
            "github",
        ],
    );
    assert_eq!(out.expect_code(0).places(), vec![]);

    let out = ws.cargo_imperlint("ws", &["--exclude", "server"]);
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("`--exclude` can only be used together with `--workspace`"),
        "{}",
        out.stderr
    );
}

#[test]
fn package_flag_selects_packages() {
    let ws = multi_package("", "");
    let out = ws.cargo_imperlint("ws", &["-p", "tools", "--format", "github"]);
    assert_eq!(out.expect_code(1).places(), tools_findings());

    let out = ws.cargo_imperlint(
        "ws",
        &["-p", "server", "--package", "tools", "--format", "github"],
    );
    assert_eq!(out.expect_code(1).places(), both());

    let out = ws.cargo_imperlint("ws", &["-p", "clean", "--format", "github"]);
    assert_eq!(out.expect_code(0).places(), vec![]);

    let out = ws.cargo_imperlint("ws", &["-p", "nope"]);
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("package `nope` is not a member of the workspace"),
        "{}",
        out.stderr
    );
}

#[test]
fn current_folder_selects_its_package() {
    let ws = multi_package("", "");
    for cwd in ["ws/server", "ws/server/src", "ws/server/tests"] {
        let out = ws.cargo_imperlint(cwd, &["--format", "github"]);
        assert_eq!(out.expect_code(1).places(), server_findings(), "in {cwd}");
    }
    let out = ws.cargo_imperlint("ws/clean", &["--format", "github"]);
    assert_eq!(out.expect_code(0).places(), vec![]);
}

#[test]
fn manifest_path_selects_like_cargo() {
    let ws = multi_package("", "");
    // From outside the workspace: a member's manifest selects that member,
    // the workspace's selects every member; paths stay relative to the
    // workspace root.
    let out = ws.cargo_imperlint(
        "",
        &[
            "--manifest-path",
            "ws/tools/Cargo.toml",
            "--format",
            "github",
        ],
    );
    assert_eq!(out.expect_code(1).places(), tools_findings());
    let out = ws.cargo_imperlint(
        "",
        &["--manifest-path", "ws/Cargo.toml", "--format", "github"],
    );
    assert_eq!(out.expect_code(1).places(), both());
    let manifest = ws.path("ws/server/Cargo.toml");
    let out = ws.cargo_imperlint(
        "ws/tools",
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--format",
            "github",
        ],
    );
    assert_eq!(out.expect_code(1).places(), server_findings());

    let out = ws.cargo_imperlint("", &["--manifest-path", "ws/missing/Cargo.toml"]);
    out.expect_code(2);
    assert!(out.stderr.contains("cargo metadata"), "{}", out.stderr);
}

#[test]
fn root_package_workspace_defaults_to_the_root_package() {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "app/Cargo.toml",
        r#"[package]
name = "app"
version = "0.1.0"
edition = "2021"

[workspace]
members = ["helper"]

[dependencies]
windows-sys = { path = "../vendor/windows-sys" }
"#,
    )
    .write("app/src/main.rs", workspace::TOOL_MAIN)
    .write(
        "app/helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nwindows-sys = { path = \"../../vendor/windows-sys\" }\n",
    )
    .write("app/helper/src/main.rs", workspace::TOOL_MAIN);
    let out = ws.cargo_imperlint("app", &["--format", "github"]);
    assert_eq!(
        out.expect_code(1).places(),
        vec![place("src/main.rs", 7, "unchecked_revert")],
        "the nested member is its own package"
    );
    let out = ws.cargo_imperlint("app", &["--workspace", "--format", "github"]);
    assert_eq!(
        out.expect_code(1).places(),
        vec![
            place("helper/src/main.rs", 7, "unchecked_revert"),
            place("src/main.rs", 7, "unchecked_revert"),
        ]
    );
}

#[test]
fn message_format_json_is_cargo_compiler_messages() {
    let ws = multi_package("", "");
    let out = ws.cargo_imperlint("ws", &["--workspace", "--message-format=json"]);
    out.expect_code(1);
    let meta = MetadataCommand::new()
        .cargo_path(workspace::cargo())
        .manifest_path(ws.path("ws/Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let ids: BTreeMap<String, String> = meta
        .workspace_packages()
        .iter()
        .map(|p| (p.name.to_string(), p.id.repr.clone()))
        .collect();

    let mut seen = Vec::new();
    for line in out.stdout.lines() {
        let message: Message = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a cargo message ({e}): {line}"));
        let Message::CompilerMessage(msg) = message else {
            panic!("not a compiler-message: {line}");
        };
        let primary = msg
            .message
            .spans
            .iter()
            .find(|s| s.is_primary)
            .unwrap_or_else(|| panic!("no primary span: {line}"));
        let package = primary.file_name.split('/').next().unwrap();
        assert_eq!(msg.package_id.repr, ids[package], "{line}");
        let raw: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            std::path::Path::new(raw["manifest_path"].as_str().unwrap()),
            ws.path(&format!("ws/{package}/Cargo.toml"))
                .canonicalize()
                .unwrap(),
        );
        // The span points at the text it names.
        let text = ws.read(&format!("ws/{}", primary.file_name));
        assert_eq!(
            text.lines().nth(primary.line_start - 1).unwrap(),
            primary.text[0].text,
            "{line}"
        );
        let named = &text[primary.byte_start as usize..primary.byte_end as usize];
        assert!(
            msg.message.message.contains(named),
            "span `{named}` is not what `{}` names",
            msg.message.message
        );
        let code = msg.message.code.as_ref().expect("a code").code.clone();
        let lint = code.strip_prefix("imperlint::").expect("imperlint's code");
        seen.push((
            primary.file_name.clone(),
            primary.line_start as u32,
            lint.to_string(),
            msg.target
                .kind
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>(),
        ));
    }
    seen.sort();
    let kinds = |k: &str| vec![k.to_string()];
    assert_eq!(
        seen,
        vec![
            (
                "server/build.rs".into(),
                4,
                "unchecked_impersonation".into(),
                kinds("custom-build")
            ),
            (
                "server/build.rs".into(),
                5,
                "unchecked_revert".into(),
                kinds("custom-build")
            ),
            (
                "server/src/lib.rs".into(),
                7,
                "unchecked_impersonation".into(),
                kinds("lib")
            ),
            (
                "server/tests/pipe.rs".into(),
                11,
                "thread_spawn_while_impersonating".into(),
                kinds("test")
            ),
            (
                "tools/src/main.rs".into(),
                7,
                "unchecked_revert".into(),
                kinds("bin")
            ),
        ]
    );
}

/// A package of several binaries and an example, each its own crate, each
/// with a hazard: `alpha` and `delta` side by side in `src/bin/` (they
/// also share `src/shared.rs` through `#[path]`), `beta` as a folder with a
/// module, and the example `gamma`.
fn several_binaries() -> Workspace {
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "tools/Cargo.toml",
        "[package]\nname = \"tools\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n",
    )
    .write(
        "tools/src/bin/alpha.rs",
        &format!(
            "#[path = \"../shared.rs\"]\nmod shared;\n\n{}",
            workspace::TOOL_MAIN
        ),
    )
    .write(
        "tools/src/bin/delta.rs",
        &format!(
            "#[path = \"../shared.rs\"]\nmod shared;\n\n{}",
            workspace::TOOL_MAIN
        ),
    )
    .write(
        "tools/src/shared.rs",
        workspace::TOOL_MAIN
            .replace("fn main", "pub fn shared")
            .as_str(),
    )
    .write("tools/src/bin/beta/main.rs", "mod pipe;\n\nfn main() {}\n")
    .write(
        "tools/src/bin/beta/pipe.rs",
        workspace::TOOL_MAIN
            .replace("fn main", "pub fn serve")
            .as_str(),
    )
    .write("tools/examples/gamma.rs", workspace::TOOL_MAIN);
    ws
}

#[test]
fn cargo_json_names_the_target_each_finding_belongs_to() {
    let ws = several_binaries();
    let out = ws.cargo_imperlint("tools", &["--message-format=json"]);
    out.expect_code(1);
    let mut seen: Vec<(String, String, Vec<String>)> = out
        .stdout
        .lines()
        .map(|line| {
            let Ok(Message::CompilerMessage(msg)) = serde_json::from_str::<Message>(line) else {
                panic!("not a compiler-message: {line}");
            };
            let file = msg.message.spans[0].file_name.clone();
            let kind = msg.target.kind.iter().map(|k| k.to_string()).collect();
            (file, msg.target.name.clone(), kind)
        })
        .collect();
    seen.sort();
    let bin = || vec!["bin".to_string()];
    let shared = seen
        .iter()
        .find(|s| s.0 == "src/shared.rs")
        .map(|s| s.1.clone())
        .unwrap_or_default();
    assert!(
        shared == "alpha" || shared == "delta",
        "a shared module names one of its targets: {seen:?}"
    );
    assert_eq!(
        seen,
        vec![
            (
                "examples/gamma.rs".into(),
                "gamma".into(),
                vec!["example".to_string()]
            ),
            ("src/bin/alpha.rs".into(), "alpha".into(), bin()),
            ("src/bin/beta/pipe.rs".into(), "beta".into(), bin()),
            ("src/bin/delta.rs".into(), "delta".into(), bin()),
            ("src/shared.rs".into(), shared, bin()),
        ],
        "one finding per file, a file two binaries share reported once"
    );
    // `imperlint check` reads the same targets from `Cargo.toml` alone.
    let out = ws.imperlint("tools", &["check", ".", "--format", "github"]);
    assert_eq!(
        out.expect_code(1)
            .places()
            .into_iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [
            "examples/gamma.rs",
            "src/bin/alpha.rs",
            "src/bin/beta/pipe.rs",
            "src/bin/delta.rs",
            "src/shared.rs"
        ]
    );
}

/// A package that builds in seconds (no dependencies), with a hand-written
/// `extern "system"` declaration imperlint knows, an unchecked
/// impersonation (imperlint's finding) and an unused variable (rustc's).
fn buildable() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .write(
        "src/lib.rs",
        r#"extern "system" {
    fn ImpersonateSelf(level: i32) -> i32;
    fn RevertToSelf() -> i32;
}

pub fn work() {
    let unused = 1;
    unsafe { ImpersonateSelf(2) };
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}
"#,
    );
    ws
}

#[test]
fn with_cargo_check_forwards_cargo_messages_first() {
    let version = std::process::Command::new(workspace::cargo())
        .arg("--version")
        .output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "`cargo check` cannot run in this environment ({version:?}); this test needs cargo"
    );
    let ws = buildable();
    let out = ws.cargo_imperlint("", &["--message-format=json", "--with-cargo-check"]);
    assert!(
        out.stderr.is_empty() || !out.stderr.contains("cannot run `cargo check`"),
        "{}",
        out.stderr
    );
    let messages: Vec<Message> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let finished = messages
        .iter()
        .position(|m| matches!(m, Message::BuildFinished(_)))
        .unwrap_or_else(|| {
            panic!(
                "`cargo check` did not run: no build-finished line\n{}\n{}",
                out.stdout, out.stderr
            )
        });
    let Message::BuildFinished(f) = &messages[finished] else {
        unreachable!()
    };
    assert!(f.success, "cargo check failed:\n{}", out.stdout);
    let codes: Vec<(usize, String)> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m {
            Message::CompilerMessage(c) => {
                Some((i, c.message.code.as_ref().map(|c| c.code.clone())?))
            }
            _ => None,
        })
        .collect();
    let rustc = codes
        .iter()
        .find(|(_, c)| c == "unused_variables")
        .unwrap_or_else(|| panic!("rustc's warning is forwarded: {codes:?}"));
    let ours = codes
        .iter()
        .find(|(_, c)| c == "imperlint::unchecked_impersonation")
        .unwrap_or_else(|| panic!("imperlint's finding follows: {codes:?}"));
    assert!(rustc.0 < finished && finished < ours.0, "{codes:?}");
    out.expect_code(1);

    // Without `--with-cargo-check`, only imperlint's lines.
    let out = ws.cargo_imperlint("", &["--message-format=json"]);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}
