//! Identity across crates, end to end: the `_workspace` fixture (a core
//! crate, a facade crate that re-exports it, a service that uses both and
//! never names an impersonation API) copied into a temporary folder and
//! checked the ways users check part of a workspace. The fixture harness
//! (`tests/fixtures.rs`) checks the whole workspace against its markers;
//! here, checking one package reads the members it uses for their
//! summaries and reports findings only in the package checked, and a
//! crates.io dependency is read from cargo's registry folder as from the
//! workspace's `vendor/`, or named when its source is on neither.

mod support;
mod workspace;

use std::path::Path;
use support::fixtures_dir;
use workspace::{line_of, Workspace};

/// The `_workspace` fixture, copied (its `//~` markers too).
fn fixture() -> Workspace {
    let ws = Workspace::new();
    let root = fixtures_dir().join("_workspace");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                ws.write(&rel, &std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    ws
}

/// (file, line, lint) of the markers in the `.rs` files under `rel`.
fn markers(ws: &Workspace, rel: &str) -> Vec<(String, u32, String)> {
    let mut out = Vec::new();
    let mut stack = vec![ws.path(rel)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let shown = p
                .strip_prefix(ws.root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, line) in text.lines().enumerate() {
                if let Some((_, lints)) = line.split_once("//~") {
                    for lint in lints.split(',') {
                        out.push((shown.clone(), i as u32 + 1, lint.trim().to_string()));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_selected_package_sees_the_members_it_uses_and_reports_only_its_own() {
    let ws = fixture();
    let service = markers(&ws, "crates/service");
    let core = markers(&ws, "crates/winsec-core");
    assert!(!service.is_empty() && !core.is_empty());

    let out = ws.cargo_imperlint("", &["-p", "print-spooler-svc", "--format", "github"]);
    out.expect_code(1);
    assert_eq!(out.places(), service);

    // The facade has no finding of its own; its core crate is not reported.
    let out = ws.cargo_imperlint("", &["-p", "win-security", "--format", "github"]);
    assert_eq!(out.expect_code(0).places(), vec![]);

    let mut all = service.clone();
    all.extend(core.clone());
    all.sort();
    let out = ws.cargo_imperlint("", &["--workspace", "--format", "github"]);
    assert_eq!(out.expect_code(1).places(), all);
    let out = ws.imperlint("", &["check", "--format", "github"]);
    assert_eq!(out.expect_code(1).places(), all);
}

#[test]
fn a_file_named_alone_is_checked_with_the_siblings_its_package_uses() {
    // As pre-commit runs it: from the repository's root, changed files named.
    let ws = fixture();
    let jobs: Vec<_> = markers(&ws, "crates/service")
        .into_iter()
        .filter(|(f, _, _)| f.ends_with("jobs.rs"))
        .collect();
    assert!(jobs.len() > 5);
    let out = ws.imperlint(
        "",
        &["check", "--format", "github", "crates/service/src/jobs.rs"],
    );
    assert_eq!(out.expect_code(1).places(), jobs);
}

#[test]
fn a_path_dependency_outside_the_checked_roots_is_named_not_read() {
    let ws = fixture();
    // Beside the workspace, not in it: a pull request can point a path
    // dependency anywhere.
    let outside = tempfile::tempdir().unwrap();
    let lib = outside.path().join("audit-log");
    std::fs::create_dir_all(lib.join("src")).unwrap();
    std::fs::write(
        lib.join("Cargo.toml"),
        "[package]\nname = \"audit-log\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(lib.join("src/lib.rs"), "pub fn record() {}\n").unwrap();
    let manifest = ws.read("crates/service/Cargo.toml");
    ws.write(
        "crates/service/Cargo.toml",
        &format!(
            "{manifest}audit-log = {{ path = {:?} }}\n",
            lib.display().to_string()
        ),
    );
    let out = ws.imperlint("crates/service", &["check"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("the path dependency `audit-log` (")
            && out
                .stderr
                .contains("was not read: it is outside the checked roots"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("`audit-log`").count(), 1);
    // The siblings inside the workspace are read: the service's regions
    // are found from its own folder too.
    let service: Vec<_> = markers(&ws, "crates/service")
        .into_iter()
        .map(|(f, l, lint)| (f.replacen("crates/service/", "", 1), l, lint))
        .collect();
    let out = ws.imperlint("crates/service", &["check", "--format", "github"]);
    assert_eq!(out.expect_code(1).places(), service);
}

/// The vendored `pipe-ipc` moved to a registry folder under `home`, as
/// cargo unpacks a download (`registry/src/<index>/<name>-<version>/`).
fn vendored_to_registry(ws: &Workspace, home: &Path) {
    let from = ws.path("vendor/pipe-ipc");
    let to = home.join("registry/src/index.crates.io-6f17d22bba15001f/pipe-ipc-0.4.2");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(&from, &to).unwrap();
    std::fs::remove_file(to.join(".cargo-checksum.json")).unwrap();
}

#[test]
fn a_registry_dependency_is_read_from_cargos_registry_folder() {
    let ws = fixture();
    let queue = |m: &Vec<(String, u32, String)>| -> Vec<(String, u32, String)> {
        m.iter()
            .filter(|(f, _, _)| f.ends_with("queue.rs"))
            .cloned()
            .collect()
    };
    let expected = queue(&markers(&ws, "crates/service"));
    assert_eq!(expected.len(), 2);
    // Outside the checked tree, as `~/.cargo` is.
    let home_dir = tempfile::tempdir().unwrap();
    let home = home_dir.path().to_path_buf();
    // From `vendor/`.
    let out = ws.imperlint_with_cargo_home("", &["check", "--format", "github"], &home);
    assert_eq!(queue(&out.expect_code(1).places()), expected);
    // From the registry folder.
    vendored_to_registry(&ws, &home);
    let out = ws.imperlint_with_cargo_home("", &["check", "--format", "github"], &home);
    assert_eq!(queue(&out.expect_code(1).places()), expected);
    // The library's own hazards are never reported.
    assert!(out
        .places()
        .iter()
        .all(|(f, _, _)| f.starts_with("crates/")));
    // Nowhere: said once, with the version the lock names.
    std::fs::remove_dir_all(home.join("registry")).unwrap();
    let out = ws.imperlint_with_cargo_home("", &["check"], &home);
    out.expect_code(1);
    assert!(
        out.stderr.contains(
            "note: 1 dependency was not read: no source in `vendor/` or cargo's registry folder"
        ) && out.stderr.contains("`pipe-ipc` 0.4.2"),
        "{}",
        out.stderr
    );
    let out = ws.imperlint_with_cargo_home("", &["check", "--format", "github"], &home);
    assert_eq!(queue(&out.places()), vec![]);
}

#[test]
fn a_dependencys_exported_macro_is_expanded_with_a_note_at_its_definition() {
    // `sec::client_guard_or_log!` (the facade's `#[macro_export]` macro,
    // invoked by the dependent's renamed path) writes `let _client =
    // $crate::impersonate(pipe);`: the unchecked `Result` is reported at the
    // invocation's macro name, with a label at the definition in the
    // facade's own file, whichever way the service is checked.
    let ws = fixture();
    let preview = ws.read("crates/service/src/preview.rs");
    let macros = ws.read("crates/winsec/src/macros.rs");
    let at = line_of(&preview, "sec::client_guard_or_log!(");
    let def = line_of(&macros, "macro_rules! client_guard_or_log");
    for args in [
        &["check", "--format", "json"][..],
        &["check", "--format", "json", "crates/service"][..],
    ] {
        let out = ws.imperlint("", args);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON output");
        let d = json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .find(|d| d["lint"] == "unchecked_impersonation" && d["line"] == at)
            .unwrap_or_else(|| panic!("the unchecked guard of the macro: {json:#}"));
        assert_eq!(d["file"], "crates/service/src/preview.rs");
        assert_eq!(d["column"], 10, "at the macro's name after `sec::`");
        let text = d.to_string();
        assert!(text.contains("in this macro invocation"), "{text}");
        assert!(
            d["labels"].as_array().expect("labels").iter().any(|l| {
                l["file"] == "crates/winsec/src/macros.rs"
                    && l["line"] == def
                    && l["message"] == "`client_guard_or_log!` is defined here"
            }),
            "{text}"
        );
    }
    // The facade checked alone reports nothing: its macros are expanded
    // only where they are invoked.
    let out = ws.cargo_imperlint("", &["-p", "win-security", "--format", "github"]);
    assert_eq!(out.expect_code(0).places(), vec![]);
}
