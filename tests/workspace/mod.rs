//! Temporary cargo workspaces for the end-to-end tests of the places users
//! meet imperlint (`cargo imperlint`, configuration, suppressions, baselines,
//! `--fix`, pre-commit): a builder that writes files into a fresh temporary
//! folder, runs the real binaries in it, and reads their `github` output
//! back as findings. Workspaces use path dependencies only, so `cargo
//! metadata` (and `cargo check`) never need the network.

#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder, removed when dropped.
pub struct Workspace {
    dir: tempfile::TempDir,
}

/// What a binary printed, and how it exited.
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

/// One finding as the `github` format prints it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
/// Sorted as the output is: file, line, lint.
pub struct Finding {
    pub file: String,
    pub line: u32,
    pub lint: String,
    /// `error` (deny) or `warning` (warn).
    pub level: String,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::Builder::new()
                .prefix("imperlint-ws-")
                .tempdir()
                .expect("a temporary folder"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes `text` at `rel`, creating folders.
    pub fn write(&self, rel: &str, text: &str) -> &Workspace {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
        std::fs::write(&path, text).expect("write a file");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).expect("read a file")
    }

    /// `imperlint ARGS` run in `cwd` (relative to the root).
    pub fn imperlint(&self, cwd: &str, args: &[&str]) -> Output {
        run(Command::new(env!("CARGO_BIN_EXE_imperlint"))
            .args(args)
            .current_dir(self.path(cwd)))
    }

    /// `imperlint ARGS` run in `cwd` with `CARGO_HOME` set to `cargo_home`
    /// (where cargo's registry folder is).
    pub fn imperlint_with_cargo_home(&self, cwd: &str, args: &[&str], cargo_home: &Path) -> Output {
        run(Command::new(env!("CARGO_BIN_EXE_imperlint"))
            .args(args)
            .current_dir(self.path(cwd))
            .env("CARGO_HOME", cargo_home))
    }

    /// `cargo imperlint ARGS` run in `cwd`, invoked the way cargo runs a
    /// subcommand: `cargo-imperlint imperlint ARGS`, with `CARGO` set.
    pub fn cargo_imperlint(&self, cwd: &str, args: &[&str]) -> Output {
        run(Command::new(env!("CARGO_BIN_EXE_cargo-imperlint"))
            .arg("imperlint")
            .args(args)
            .current_dir(self.path(cwd))
            .env("CARGO", cargo())
            .env("CARGO_NET_OFFLINE", "true"))
    }
}

/// The cargo running the tests (or the one on `PATH`).
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .env_remove("NO_COLOR")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Output {
        stdout: String::from_utf8(out.stdout).expect("UTF-8 standard output"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

impl Output {
    /// The findings of `github` output, sorted.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .stdout
            .lines()
            .filter_map(|line| {
                let (level, rest) = line.strip_prefix("::")?.split_once(' ')?;
                let (props, _) = rest.split_once("::")?;
                let prop = |key: &str| {
                    props
                        .split(',')
                        .find_map(|p| p.strip_prefix(&format!("{key}=")))
                        .map(str::to_string)
                };
                let title = prop("title")?;
                let lint = title
                    .strip_prefix("imperlint (")?
                    .strip_suffix(')')?
                    .to_string();
                Some(Finding {
                    level: level.to_string(),
                    file: prop("file")?.replace("%3A", ":").replace("%2C", ","),
                    line: prop("line")?.parse().ok()?,
                    lint,
                })
            })
            .collect();
        out.sort();
        out
    }

    /// The findings as `(file, line, lint)`, sorted.
    pub fn places(&self) -> Vec<(String, u32, String)> {
        let mut out: Vec<_> = self
            .findings()
            .into_iter()
            .map(|f| (f.file, f.line, f.lint))
            .collect();
        out.sort();
        out
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// `(file, line, lint)` for comparisons.
pub fn place(file: &str, line: u32, lint: &str) -> (String, u32, String) {
    (file.to_string(), line, lint.to_string())
}

/// The 1-based line of the first line of `text` that contains `needle`.
pub fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found in\n{text}")) as u32
        + 1
}

/// A fake `windows-sys` package at `rel` (never built by these tests, so
/// empty): what `win = { package = "windows-sys", path = ... }` renames.
pub fn fake_windows_sys(ws: &Workspace, rel: &str) {
    ws.write(
        &format!("{rel}/Cargo.toml"),
        "[package]\nname = \"windows-sys\"\nversion = \"0.59.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .write(&format!("{rel}/src/lib.rs"), "");
}

/// A workspace with one package, `pkg/` (its own workspace), depending on a
/// fake `windows-sys` in `vendor/`; its sources are the caller's to write.
pub fn windows_sys_package() -> Workspace {
    let ws = Workspace::new();
    fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [dependencies]\nwindows-sys = { path = \"../vendor/windows-sys\" }\n",
    );
    ws
}

/// Code impersonating a pipe client through the renamed `win` crate
/// without checking the result (`unchecked_impersonation`, deny).
pub const SERVER_LIB: &str = r#"//! A pipe server that works for its clients.
use win::Win32::Foundation::HANDLE;
use win::Win32::Security::RevertToSelf;
use win::Win32::System::Pipes::ImpersonateNamedPipeClient;

pub fn serve(pipe: HANDLE) {
    unsafe { ImpersonateNamedPipeClient(pipe) };
    answer();
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}

fn answer() {}
"#;

/// A build script that impersonates itself and checks nothing
/// (`unchecked_impersonation` and `unchecked_revert`, deny).
pub const BUILD_RS: &str = r#"use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf, SecurityImpersonation};

fn main() {
    unsafe { ImpersonateSelf(SecurityImpersonation) };
    unsafe { RevertToSelf() };
}
"#;

/// An integration test that starts a thread while impersonating
/// (`thread_spawn_while_impersonating`, warn).
pub const PIPE_TEST: &str = r#"use win::Win32::Foundation::HANDLE;
use win::Win32::Security::RevertToSelf;
use win::Win32::System::Pipes::ImpersonateNamedPipeClient;

#[test]
fn serves_as_client() {
    let pipe: HANDLE = std::ptr::null_mut();
    if unsafe { ImpersonateNamedPipeClient(pipe) } == 0 {
        return;
    }
    std::thread::spawn(|| {});
    if unsafe { RevertToSelf() } == 0 {
        std::process::abort();
    }
}
"#;

/// A tool whose revert is not checked (`unchecked_revert`, deny).
pub const TOOL_MAIN: &str = r#"use windows_sys::Win32::Security::{ImpersonateSelf, RevertToSelf, SecurityImpersonation};

fn main() {
    if unsafe { ImpersonateSelf(SecurityImpersonation) } == 0 {
        return;
    }
    unsafe { RevertToSelf() };
}
"#;

/// A virtual workspace under `ws/`: `server` (renamed `windows-sys`
/// dependency, a build script and an integration test, each with a
/// hazard), `tools` (a binary with a hazard) and `clean` (no hazard); the
/// fake `windows-sys` lives outside it in `vendor/`. `server_manifest_extra`
/// is appended to `server/Cargo.toml`, `workspace_extra` to the workspace's.
pub fn multi_package(server_manifest_extra: &str, workspace_extra: &str) -> Workspace {
    let ws = Workspace::new();
    fake_windows_sys(&ws, "vendor/windows-sys");
    ws.write(
        "ws/Cargo.toml",
        &format!(
            "[workspace]\nmembers = [\"server\", \"tools\", \"clean\"]\nresolver = \"2\"\n{workspace_extra}"
        ),
    )
    .write(
        "ws/server/Cargo.toml",
        &format!(
            r#"[package]
name = "server"
version = "0.1.0"
edition = "2021"

[dependencies]
win = {{ package = "windows-sys", path = "../../vendor/windows-sys" }}

[build-dependencies]
windows-sys = {{ path = "../../vendor/windows-sys" }}
{server_manifest_extra}"#
        ),
    )
    .write("ws/server/src/lib.rs", SERVER_LIB)
    .write("ws/server/build.rs", BUILD_RS)
    .write("ws/server/tests/pipe.rs", PIPE_TEST)
    .write(
        "ws/tools/Cargo.toml",
        r#"[package]
name = "tools"
version = "0.1.0"
edition = "2021"

[dependencies]
windows-sys = { path = "../../vendor/windows-sys" }
"#,
    )
    .write("ws/tools/src/main.rs", TOOL_MAIN)
    .write(
        "ws/clean/Cargo.toml",
        "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("ws/clean/src/lib.rs", "pub fn nothing() {}\n");
    ws
}

/// Every finding of [`multi_package`], at default levels.
pub fn server_findings() -> Vec<(String, u32, String)> {
    vec![
        place("server/build.rs", 4, "unchecked_impersonation"),
        place("server/build.rs", 5, "unchecked_revert"),
        place("server/src/lib.rs", 7, "unchecked_impersonation"),
        place(
            "server/tests/pipe.rs",
            11,
            "thread_spawn_while_impersonating",
        ),
    ]
}

pub fn tools_findings() -> Vec<(String, u32, String)> {
    vec![place("tools/src/main.rs", 7, "unchecked_revert")]
}
