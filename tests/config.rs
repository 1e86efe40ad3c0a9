//! Configuration end to end, through both binaries on temporary workspaces:
//! precedence (command line > `imperlint.toml` > `[workspace.metadata]` >
//! `[package.metadata]`), `--config FILE`, and errors (unknown keys and
//! lints exit 2 with a message naming the file and the dotted key).

mod workspace;

use workspace::{multi_package, Workspace};

const WORKSPACE_LEVELS: &str = r#"
[workspace.metadata.imperlint.lints]
unchecked_revert = "allow"
thread_spawn_while_impersonating = "deny"
"#;

const PACKAGE_LEVELS: &str = r#"
[package.metadata.imperlint.lints]
unchecked_impersonation = "warn"
thread_spawn_while_impersonating = "allow"
"#;

/// `(level, file, line, lint)` of a run's findings.
fn levels(out: &workspace::Output) -> Vec<(String, String, u32, String)> {
    out.findings()
        .into_iter()
        .map(|f| (f.level, f.file, f.line, f.lint))
        .collect()
}

fn at(level: &str, file: &str, line: u32, lint: &str) -> (String, String, u32, String) {
    (level.into(), file.into(), line, lint.into())
}

fn configured() -> Workspace {
    let ws = multi_package(PACKAGE_LEVELS, WORKSPACE_LEVELS);
    ws.write(
        "ws/imperlint.toml",
        "[lints]\nunchecked_revert = \"warn\"\n",
    );
    ws
}

#[test]
fn sources_apply_in_order_of_precedence() {
    let ws = configured();
    let out = ws.cargo_imperlint("ws", &["--workspace", "--format", "github"]);
    out.expect_code(1);
    assert_eq!(
        levels(&out),
        vec![
            // The package's `warn` (nothing above sets this lint).
            at("warning", "server/build.rs", 4, "unchecked_impersonation"),
            // `imperlint.toml`'s `warn` beats the workspace's `allow`.
            at("warning", "server/build.rs", 5, "unchecked_revert"),
            at("warning", "server/src/lib.rs", 7, "unchecked_impersonation"),
            // The workspace's `deny` beats the package's `allow`.
            at(
                "error",
                "server/tests/pipe.rs",
                11,
                "thread_spawn_while_impersonating"
            ),
            at("warning", "tools/src/main.rs", 7, "unchecked_revert"),
        ]
    );
}

#[test]
fn command_line_beats_every_file() {
    let ws = configured();
    let out = ws.cargo_imperlint(
        "ws",
        &[
            "--workspace",
            "--format",
            "github",
            "-A",
            "thread_spawn_while_impersonating",
            "-D",
            "unchecked_revert",
            "--warn",
            "unchecked_impersonation",
        ],
    );
    out.expect_code(1);
    assert_eq!(
        levels(&out),
        vec![
            at("warning", "server/build.rs", 4, "unchecked_impersonation"),
            at("error", "server/build.rs", 5, "unchecked_revert"),
            at("warning", "server/src/lib.rs", 7, "unchecked_impersonation"),
            at("error", "tools/src/main.rs", 7, "unchecked_revert"),
        ]
    );

    // Only warnings left: exit 0, until `-D warnings`.
    let quiet = [
        "--workspace",
        "--format",
        "github",
        "-A",
        "thread_spawn_while_impersonating",
    ];
    ws.cargo_imperlint("ws", &quiet).expect_code(0);
    let out = ws.cargo_imperlint("ws", &[&quiet[..], &["-D", "warnings"]].concat());
    out.expect_code(1);
    assert!(
        levels(&out).iter().all(|f| f.0 == "error"),
        "{}",
        out.stdout
    );
}

#[test]
fn imperlint_check_reads_the_package_of_named_files() {
    // A single-package repository, as a pre-commit hook sees it.
    let ws = Workspace::new();
    workspace::fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "repo/Cargo.toml",
        r#"[package]
name = "tool"
version = "0.1.0"
edition = "2021"

[dependencies]
windows-sys = { path = "../vendor/windows-sys" }

[package.metadata.imperlint.lints]
unchecked_revert = "warn"
"#,
    )
    .write("repo/src/main.rs", workspace::TOOL_MAIN);
    for args in [
        &["check", "--format", "github"][..],
        &["check", "--format", "github", "src/main.rs"],
    ] {
        let out = ws.imperlint("repo", args);
        out.expect_code(0);
        assert_eq!(
            levels(&out),
            vec![at("warning", "src/main.rs", 7, "unchecked_revert")],
            "{args:?}"
        );
    }
    let cargo = ws.cargo_imperlint("repo", &["--format", "github"]);
    assert_eq!(
        levels(cargo.expect_code(0)),
        vec![at("warning", "src/main.rs", 7, "unchecked_revert")]
    );
}

#[test]
fn config_file_option_replaces_discovery() {
    let ws = configured();
    ws.write("elsewhere/strict.toml", "[lints]\nwarnings = \"deny\"\n");
    let config = ws.path("elsewhere/strict.toml");
    let out = ws.cargo_imperlint(
        "ws",
        &[
            "-p",
            "server",
            "--format",
            "github",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    out.expect_code(1);
    // Defaults plus `warnings = "deny"`; the workspace's and package's
    // levels are not read.
    assert_eq!(
        levels(&out),
        vec![
            at("error", "server/build.rs", 4, "unchecked_impersonation"),
            at("error", "server/build.rs", 5, "unchecked_revert"),
            at("error", "server/src/lib.rs", 7, "unchecked_impersonation"),
            at(
                "error",
                "server/tests/pipe.rs",
                11,
                "thread_spawn_while_impersonating"
            ),
        ]
    );
}

#[test]
fn excluded_paths_are_not_checked() {
    let ws = multi_package(
        "\n[package.metadata.imperlint.paths]\nexclude = [\"tests/**\"]\n",
        "\n[workspace.metadata.imperlint.paths]\nexclude = [\"tools\"]\n",
    );
    let out = ws.cargo_imperlint("ws", &["--format", "github"]);
    out.expect_code(1);
    let files: Vec<String> = out.findings().into_iter().map(|f| f.file).collect();
    assert_eq!(
        files,
        ["server/build.rs", "server/build.rs", "server/src/lib.rs"]
    );
}

/// Runs `cargo imperlint` and expects exit 2 with every `needles` in the
/// error message.
fn expect_config_error(ws: &Workspace, args: &[&str], needles: &[&str]) {
    let out = ws.cargo_imperlint("ws", args);
    out.expect_code(2);
    assert!(
        out.stdout.is_empty(),
        "no report on a configuration error: {}",
        out.stdout
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "`{needle}` not in:\n{}",
            out.stderr
        );
    }
}

#[test]
fn unknown_keys_and_lints_name_the_file_and_key() {
    let ws = multi_package("", "");
    ws.write("ws/imperlint.toml", "[paths]\nexclud = [\"gen/**\"]\n");
    let toml = ws.path("ws/imperlint.toml");
    expect_config_error(
        &ws,
        &[],
        &[
            &toml.display().to_string(),
            "`paths.exclud`",
            "unknown key; did you mean `exclude`?",
        ],
    );

    ws.write("ws/imperlint.toml", "[lints]\nmissing_revrt = \"deny\"\n");
    expect_config_error(
        &ws,
        &[],
        &[
            "imperlint.toml",
            "`lints.missing_revrt`",
            "did you mean `missing_revert`?",
        ],
    );
    std::fs::remove_file(&toml).unwrap();

    let ws = multi_package(
        "",
        "\n[workspace.metadata.imperlint.lints]\nunchecked_revrt = \"allow\"\n",
    );
    expect_config_error(
        &ws,
        &[],
        &[
            &ws.path("ws/Cargo.toml").display().to_string(),
            "`workspace.metadata.imperlint.lints.unchecked_revrt`",
            "did you mean `unchecked_revert`?",
        ],
    );

    let ws = multi_package(
        "\n[package.metadata.imperlint.impersonation]\nbegins = []\n",
        "",
    );
    expect_config_error(
        &ws,
        &["-p", "server"],
        &[
            "server/Cargo.toml",
            "`package.metadata.imperlint.impersonation.begins`",
            "did you mean `begin`?",
        ],
    );

    let ws = multi_package("", "");
    expect_config_error(
        &ws,
        &["-D", "missing_revrt"],
        &["unknown lint; did you mean `missing_revert`?", "`-D`"],
    );
    let out = ws.imperlint("ws", &["check", "-A", "nope_not_a_lint"]);
    out.expect_code(2);
    assert!(out.stderr.contains("unknown lint"), "{}", out.stderr);
}

#[test]
fn bad_levels_and_toml_are_errors() {
    let ws = multi_package("", "");
    ws.write("ws/imperlint.toml", "[lints]\nmissing_revert = \"error\"\n");
    expect_config_error(
        &ws,
        &[],
        &[
            "`lints.missing_revert`",
            "invalid level `error`: expected `allow`, `warn` or `deny`",
        ],
    );
    ws.write("ws/imperlint.toml", "[lints\n");
    expect_config_error(&ws, &[], &["imperlint.toml", "invalid TOML at line 1"]);
}

#[test]
fn configuration_is_found_from_any_folder_up_to_the_workspace_root() {
    let ws = multi_package("", "");
    ws.write(
        "ws/imperlint.toml",
        "[lints]\nunchecked_impersonation = \"warn\"\n",
    );
    // From a folder deep inside a member, on the whole member, on one file.
    for (cwd, args) in [
        ("ws/server/src", &["check", "--format", "github"][..]),
        ("ws/server", &["check", "src", "--format", "github"]),
        ("ws", &["check", "server/src/lib.rs", "--format", "github"]),
    ] {
        let out = ws.imperlint(cwd, args);
        out.expect_code(0);
        let found = levels(&out);
        assert!(
            found
                .iter()
                .any(|f| f.0 == "warning" && f.3 == "unchecked_impersonation"),
            "from {cwd} {args:?}: {found:?}"
        );
    }
    // `-v` says which file was read.
    let out = ws.imperlint("ws/server/src", &["check", "-v", "--format", "github"]);
    let toml = ws.path("ws/imperlint.toml");
    assert!(
        out.stderr
            .contains(&format!("configuration: {}\n", toml.display())),
        "{}",
        out.stderr
    );
    // A file above the workspace root is never read.
    std::fs::remove_file(&toml).unwrap();
    ws.write(
        "imperlint.toml",
        "[lints]\nunchecked_impersonation = \"allow\"\n",
    );
    let out = ws.imperlint("ws/server/src", &["check", "--format", "github"]);
    out.expect_code(1);
    assert!(
        levels(&out)
            .iter()
            .any(|f| f.3 == "unchecked_impersonation"),
        "{}",
        out.stdout
    );
}

#[test]
fn hidden_and_cargo_folder_configuration_files() {
    let ws = multi_package("", "");
    ws.write(
        "ws/.cargo/imperlint.toml",
        "[lints]\nunchecked_impersonation = \"allow\"\n",
    );
    let run = |ws: &Workspace| {
        let out = ws.cargo_imperlint("ws", &["--workspace", "-v", "--format", "github"]);
        let allowed = !levels(&out)
            .iter()
            .any(|f| f.3 == "unchecked_impersonation");
        (allowed, out.stderr)
    };
    let (allowed, stderr) = run(&ws);
    assert!(allowed, "{stderr}");
    assert!(stderr.contains(".cargo/imperlint.toml\n"), "{stderr}");
    // `.imperlint.toml` comes before `.cargo/imperlint.toml`, with a warning.
    ws.write(
        "ws/.imperlint.toml",
        "[lints]\nunchecked_impersonation = \"warn\"\n",
    );
    let out = ws.cargo_imperlint("ws", &["--workspace", "--format", "github"]);
    assert!(
        levels(&out)
            .iter()
            .any(|f| f.0 == "warning" && f.3 == "unchecked_impersonation"),
        "{}",
        out.stdout
    );
    let cargo_file = ws.path("ws/.cargo/imperlint.toml");
    let hidden = ws.path("ws/.imperlint.toml");
    assert!(
        out.stderr.contains(&format!(
            "warning: ignoring `{}`: `{}` in the same folder is read instead",
            cargo_file.display(),
            hidden.display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn exclude_applies_to_files_reached_through_mod_and_path() {
    let ws = workspace::windows_sys_package();
    ws.write(
        "pkg/src/lib.rs",
        "#[path = \"../generated/bindings.rs\"]\nmod bindings;\nmod gen;\n",
    )
    .write("pkg/generated/bindings.rs", workspace::TOOL_MAIN)
    .write("pkg/src/gen.rs", workspace::TOOL_MAIN)
    .write(
        "pkg/imperlint.toml",
        "[paths]\nexclude = [\"generated/**\", \"src/gen.rs\"]\n",
    );
    for cwd in ["pkg", "pkg/src"] {
        let out = ws.imperlint(cwd, &["check", "--format", "github"]);
        out.expect_code(0);
        assert!(levels(&out).is_empty(), "from {cwd}: {}", out.stdout);
    }
    // Without the configuration, both files are reported.
    std::fs::remove_file(ws.path("pkg/imperlint.toml")).unwrap();
    let out = ws.imperlint("pkg", &["check", "--format", "github"]);
    let files: Vec<String> = levels(&out).into_iter().map(|f| f.1).collect();
    for file in ["generated/bindings.rs", "src/gen.rs"] {
        assert!(files.iter().any(|f| f == file), "{file}: {}", out.stdout);
    }
}

#[test]
fn lint_names_as_rust_users_write_them_last_flag_wins() {
    let ws = multi_package("", "");
    let lint_of = |args: &[&str]| {
        let mut all = vec!["--workspace", "--format", "github"];
        all.extend_from_slice(args);
        let out = ws.cargo_imperlint("ws", &all);
        levels(&out)
            .into_iter()
            .filter(|f| f.3 == "unchecked_revert")
            .map(|f| f.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(lint_of(&[]), ["error", "error"]);
    for name in [
        "imperlint::unchecked_revert",
        "unchecked-revert",
        "imperlint::unchecked-revert",
    ] {
        assert_eq!(lint_of(&["-W", name]), ["warning", "warning"], "{name}");
    }
    // In command-line order, the last flag wins (as with rustc).
    assert!(lint_of(&["-D", "unchecked_revert", "-A", "unchecked-revert"]).is_empty());
    assert_eq!(
        lint_of(&[
            "-A",
            "unchecked_revert",
            "-D",
            "imperlint::unchecked_revert"
        ]),
        ["error", "error"]
    );
    assert_eq!(
        lint_of(&["--allow", "unchecked_revert", "-W", "unchecked_revert"]),
        ["warning", "warning"]
    );
    // Built-ins whose level is fixed say so.
    let out = ws.cargo_imperlint("ws", &["-A", "parse_error"]);
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("`parse_error` is a built-in diagnostic whose level cannot be changed"),
        "{}",
        out.stderr
    );
}

#[test]
fn configuration_errors_read_cleanly() {
    let ws = multi_package("", "");
    ws.write("ws/imperlint.toml", "[lints]\nmissing_revrt = \"deny\"\n");
    let out = ws.cargo_imperlint("ws", &[]);
    out.expect_code(2);
    let toml = ws.path("ws/imperlint.toml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: `lints.missing_revrt`: unknown lint; did you mean `missing_revert`?\n",
            toml.display()
        )
    );
}
