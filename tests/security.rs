//! The trust boundary (README, "Running on untrusted code"), tried as an
//! attacker would, through the real binaries on temporary trees: a pull
//! request must not make imperlint run its code, write outside where the
//! command line says, read outside the checked roots or without bound, or
//! hide a target; and files that are not Rust, or that no target reaches,
//! must not fail a run. Each test is one bullet of issue 12's "Why".
//!
//! Runs that would hang or grow without bound on a broken build are killed
//! after a deadline, and run under `ulimit -v` where memory is the risk.

mod workspace;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use workspace::{Output, Workspace};

/// A real hazard: the revert's failure is ignored while impersonating
/// (`unchecked_revert`, deny, on the line with `RevertToSelf() }`).
const HAZARD: &str = "\
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

/// A package manifest named `name`.
fn manifest(name: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
    )
}

/// (file, lint) of each diagnostic of a JSON report.
fn diagnostics(run: &Output) -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["lint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// How to start a run.
struct Launch<'a> {
    program: &'a str,
    args: &'a [&'a str],
    cwd: &'a Path,
    /// Extra environment; a `None` value removes the variable.
    env: Vec<(&'a str, Option<String>)>,
    /// Shell limits set before the program starts (`ulimit -v N`, ...).
    limits: &'a str,
    deadline: Duration,
}

impl<'a> Launch<'a> {
    fn imperlint(cwd: &'a Path, args: &'a [&'a str]) -> Launch<'a> {
        Launch {
            program: env!("CARGO_BIN_EXE_imperlint"),
            args,
            cwd,
            env: Vec::new(),
            limits: "",
            deadline: Duration::from_secs(120),
        }
    }

    fn cargo_imperlint(cwd: &'a Path, args: &'a [&'a str]) -> Launch<'a> {
        Launch {
            program: env!("CARGO_BIN_EXE_cargo-imperlint"),
            ..Launch::imperlint(cwd, args)
        }
    }

    /// Runs it through `sh` (for the limits), killing it at the deadline.
    fn run(self) -> Output {
        let mut script = String::from(self.limits);
        script.push_str(" exec \"$0\" \"$@\"");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .arg(self.program)
            .args(self.args)
            .current_dir(self.cwd)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let mut child = cmd.spawn().expect("sh runs");
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out_t = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = std::io::Read::read_to_end(&mut out, &mut s);
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = std::io::Read::read_to_end(&mut err, &mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > self.deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} {:?} did not finish in {:?} (a hang or an unbounded read)",
                    self.program, self.args, self.deadline
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Output {
            code: status.code(),
            stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        }
    }
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("a symbolic link");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
}

/// A package `svc` in the workspace's root with `src/lib.rs` = `lib`.
fn package(lib: &str) -> Workspace {
    let ws = Workspace::new();
    ws.write("Cargo.toml", &manifest("svc"))
        .write("src/lib.rs", lib);
    ws
}

// `-o FILE` and `--write-baseline FILE` follow a symlink the pull request
// adds (`imperlint.sarif -> /any/file`) and overwrite its target.
#[cfg(unix)]
#[test]
fn output_and_baseline_never_write_through_a_link_the_tree_supplies() {
    let ws = package("mod serve;\n");
    ws.write("src/serve.rs", HAZARD);
    let victim_dir = Workspace::new();
    victim_dir.write("victim.txt", "precious\n");
    let victim = victim_dir.path("victim.txt");
    symlink(&victim, ws.path("imperlint.sarif"));
    symlink(&victim, ws.path("baseline.json"));

    let run = Launch::imperlint(
        ws.root(),
        &["check", ".", "--format", "sarif", "-o", "imperlint.sarif"],
    )
    .run();
    run.expect_code(1);
    // `--write-baseline` records the findings and exits 0.
    let run = Launch::imperlint(
        ws.root(),
        &["check", ".", "--write-baseline", "baseline.json"],
    )
    .run();
    run.expect_code(0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    for written in ["imperlint.sarif", "baseline.json"] {
        let meta = std::fs::symlink_metadata(ws.path(written)).unwrap();
        assert!(meta.is_file(), "`{written}` is now a file of its own");
    }
    let sarif: Value = serde_json::from_str(&ws.read("imperlint.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // A folder of the tree that is a link: refused, and nothing is written there.
    symlink(victim_dir.root(), ws.path("reports"));
    let run = Launch::imperlint(ws.root(), &["check", ".", "-o", "reports/out.txt"]).run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("reports") && run.stderr.contains("symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!victim_dir.path("out.txt").exists());
}

// An interrupted or failing write leaves a truncated file in place of the old.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_old_file_whole_and_names_it() {
    let ws = package("mod serve;\n");
    ws.write("src/serve.rs", HAZARD);
    ws.write("imperlint.sarif", "the previous report\n");
    // The SARIF log (every rule's documentation) is far larger than the
    // file size limit: the write fails half-way with EFBIG.
    let run = Launch {
        limits: "trap '' XFSZ; ulimit -f 8;",
        ..Launch::imperlint(
            ws.root(),
            &["check", ".", "--format", "sarif", "-o", "imperlint.sarif"],
        )
    }
    .run();
    run.expect_code(2);
    assert!(run.stderr.contains("imperlint.sarif"), "{}", run.stderr);
    assert_eq!(ws.read("imperlint.sarif"), "the previous report\n");
    let leftovers: Vec<String> = std::fs::read_dir(ws.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// Reads escape the tree: `#[path]`, `include!` and `mod` paths with `..` or
// absolute paths; symlinked files and folders pointing outside the tree (a
// link into another checkout prints its source in the report).
#[cfg(unix)]
#[test]
fn reads_stay_inside_the_checked_roots() {
    let outside = Workspace::new();
    let secret = "pub fn other_checkouts_secret() {}\n";
    for f in [
        "up.rs",
        "abs.rs",
        "included.rs",
        "linked.rs",
        "dir/walked.rs",
    ] {
        outside.write(f, &format!("{secret}{HAZARD}"));
    }
    let o = outside.root().canonicalize().unwrap();
    let ws = Workspace::new();
    ws.write("svc/Cargo.toml", &manifest("svc"));
    let lib = format!(
        "mod serve;\n\
         #[path = \"../../../{up}/up.rs\"] mod up;\n\
         #[path = \"{abs}\"] mod abs;\n\
         mod linked;\n\
         mod gen {{ include!(\"{inc}\"); }}\n",
        up = o.file_name().unwrap().to_string_lossy(),
        abs = o.join("abs.rs").display(),
        inc = o.join("included.rs").display(),
    );
    // `up` relies on both temporary folders sharing a parent.
    assert_eq!(o.parent(), ws.root().canonicalize().unwrap().parent());
    ws.write("svc/src/lib.rs", &lib)
        .write("svc/src/serve.rs", HAZARD);
    symlink(o.join("linked.rs"), ws.path("svc/src/linked.rs"));
    symlink(o.join("dir"), ws.path("svc/src/s"));

    let run = Launch::imperlint(ws.root(), &["check", "svc", "--format", "json"]).run();
    run.expect_code(1);
    assert_eq!(
        diagnostics(&run),
        [(
            "svc/src/serve.rs".to_string(),
            "unchecked_revert".to_string()
        )],
        "only the tree's own file is read"
    );
    assert!(!run.stdout.contains("other_checkouts_secret"));
    for name in ["up.rs", "abs.rs", "included.rs", "linked.rs"] {
        let notes = run
            .stderr
            .lines()
            .filter(|l| {
                l.starts_with("note:")
                    && l.contains(&format!(
                        "{}`, outside the checked roots",
                        o.join(name).display()
                    ))
            })
            .count();
        assert_eq!(notes, 1, "one note for `{name}`:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("walked.rs"), "{}", run.stderr);

    // A monorepo that needs it may allow it.
    let run = Launch::imperlint(
        ws.root(),
        &["check", "svc", "--format", "json", "--allow-outside-roots"],
    )
    .run();
    run.expect_code(1);
    assert_eq!(diagnostics(&run).len(), 5, "{:?}", diagnostics(&run));
}

// `include!("...")` written in a comment or a string (a popular date-time
// crate's docs) makes imperlint read the file and report a deny-level
// `parse_error`, failing CI on clean code.
#[test]
fn include_and_path_in_comments_and_strings_are_not_followed() {
    let ws = package(
        "//! Time zones come from the system database, e.g.\n\
         //! `include!(\"../tzdata.bin\")` would embed it; we read it at run time.\n\
         /// Like `mod blob;` or `#[path = \"blob.rs\"] mod blob;`, but lazy.\n\
         pub const HINT: &str = \"include!(\\\"../tzdata.bin\\\") mod blob;\";\n\
         /* mod blob; */\n\
         pub fn now() -> u64 { 0 }\n",
    );
    let garbage: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    std::fs::write(ws.path("tzdata.bin"), &garbage).unwrap();
    std::fs::write(ws.path("src/blob.rs"), &garbage).unwrap();
    for extra in [None, Some("--no-prefilter")] {
        let mut args = vec!["check", ".", "--format", "json"];
        args.extend(extra);
        let run = Launch::imperlint(ws.root(), &args).run();
        run.expect_code(0);
        assert_eq!(diagnostics(&run), []);
    }
}

// `imperlint.toml` or `Cargo.toml` linked to `/dev/zero` (10 GB resident) or
// to a FIFO (hangs).
#[cfg(unix)]
#[test]
fn configuration_and_manifests_are_read_bounded_and_regular() {
    // A broken build would read `/dev/zero` until memory runs out: cap it.
    let capped = "ulimit -v 4000000;";
    let ws = package(HAZARD);
    symlink("/dev/zero", ws.path("imperlint.toml"));
    let run = Launch {
        limits: capped,
        deadline: Duration::from_secs(60),
        ..Launch::imperlint(ws.root(), &["check", ".", "-j", "1"])
    }
    .run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("imperlint.toml") && run.stderr.contains("not a regular file"),
        "{}",
        run.stderr
    );

    let ws = package(HAZARD);
    mkfifo(&ws.path("imperlint.toml"));
    let run = Launch {
        deadline: Duration::from_secs(60),
        ..Launch::imperlint(ws.root(), &["check", ".", "-j", "1"])
    }
    .run();
    run.expect_code(2);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);

    // `--config` and a package's `Cargo.toml` are read the same way.
    let ws = package(HAZARD);
    mkfifo(&ws.path("fifo.toml"));
    let run = Launch {
        deadline: Duration::from_secs(60),
        ..Launch::imperlint(ws.root(), &["check", ".", "--config", "fifo.toml"])
    }
    .run();
    run.expect_code(2);
    assert!(run.stderr.contains("fifo.toml"), "{}", run.stderr);
    let ws = Workspace::new();
    ws.write("src/lib.rs", HAZARD);
    mkfifo(&ws.path("Cargo.toml"));
    let run = Launch {
        deadline: Duration::from_secs(60),
        ..Launch::imperlint(ws.root(), &["check", "."])
    }
    .run();
    run.expect_code(2);
    assert!(run.stderr.contains("Cargo.toml"), "{}", run.stderr);
}

// Module paths are never normalised: `#[path="x/../lib.rs"] mod a;` and
// `#[path="y/../lib.rs"] mod b;` grow the set of paths exponentially, and
// findings are printed as `src/../generated/x.rs`, sometimes three times
// for one file.
#[test]
fn module_paths_are_normalised_and_finite() {
    let ws = package(
        "#[path = \"x/../lib.rs\"] mod a;\n\
         #[path = \"y/../lib.rs\"] mod b;\n\
         #[path = \"../generated/pipe.rs\"] mod pipe;\n\
         mod nested { #[path = \"../../generated/pipe.rs\"] mod again; }\n",
    );
    ws.write("src/x/.keep", "")
        .write("src/y/.keep", "")
        .write("src/nested/.keep", "");
    ws.write("generated/pipe.rs", HAZARD);
    ws.write(
        "src/main.rs",
        "#[path = \"../generated/pipe.rs\"] mod pipe;\nfn main() {}\n",
    );
    for extra in [None, Some("--no-prefilter")] {
        let mut args = vec!["check", ".", "--format", "json", "-j", "1"];
        args.extend(extra);
        let run = Launch {
            limits: "ulimit -v 4000000;",
            deadline: Duration::from_secs(60),
            ..Launch::imperlint(ws.root(), &args)
        }
        .run();
        run.expect_code(1);
        assert_eq!(
            diagnostics(&run),
            [(
                "generated/pipe.rs".to_string(),
                "unchecked_revert".to_string()
            )],
            "one finding, under the file's own name"
        );
    }
}

// A broken symlink anywhere in the tree, even one that is not a `.rs` file,
// makes the run report `io_error` and fail.
#[cfg(unix)]
#[test]
fn links_and_files_that_are_not_rust_never_fail_a_run() {
    let ws = package("pub fn version() -> u32 { 1 }\n");
    symlink("gone.md", ws.path("README.md"));
    symlink("no-such-folder", ws.path("assets"));
    symlink(".", ws.path("docs"));
    std::fs::create_dir_all(ws.path("run")).unwrap();
    mkfifo(&ws.path("run/control"));
    let run = Launch::imperlint(ws.root(), &["check", ".", "--format", "json"]).run();
    run.expect_code(0);
    assert_eq!(diagnostics(&run), []);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

// Files no crate reaches (`tests/ui/*.rs`, dead files) are deny-level parse
// errors today.
#[test]
fn files_no_target_reaches_are_not_read_unless_named() {
    let ws = package("pub fn version() -> u32 { 1 }\n");
    ws.write(
        "tests/ui/rejected.rs",
        "fn main() { let s = \"unterminated; }\n",
    );
    ws.write("src/old_server.rs", HAZARD);
    ws.write("src/scratch.rs", "fn broken( {\n");
    let run = Launch::imperlint(ws.root(), &["check", ".", "--format", "json"]).run();
    run.expect_code(0);
    assert_eq!(diagnostics(&run), []);

    // Named, such a file is checked as a crate of its own.
    let run = Launch::imperlint(
        ws.root(),
        &[
            "check",
            "src/old_server.rs",
            "tests/ui/rejected.rs",
            "--format",
            "json",
        ],
    )
    .run();
    run.expect_code(1);
    assert_eq!(
        diagnostics(&run),
        [
            (
                "src/old_server.rs".to_string(),
                "unchecked_revert".to_string()
            ),
            (
                "tests/ui/rejected.rs".to_string(),
                "parse_error".to_string()
            ),
        ]
    );
}

/// A workspace whose `svc` package hides targets from a folder walk: a bin
/// in a hidden folder, `src/bin/` ignored by `.gitignore`, examples
/// ignored by `.ignore`, and a bin whose root is outside the package's
/// folder (in the workspace). Each holds the hazard.
fn hidden_targets() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"svc\"]\nresolver = \"2\"\n",
    )
    .write(
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [[bin]]\nname = \"sneaky\"\npath = \".hidden/sneaky.rs\"\n\n\
             [[bin]]\nname = \"outside\"\npath = \"../shared/outside.rs\"\n",
    )
    .write("svc/src/lib.rs", "pub fn version() -> u32 { 1 }\n")
    .write("svc/.gitignore", "/src/bin/\n")
    .write("svc/.ignore", "examples/\n")
    .write(
        "svc/.hidden/sneaky.rs",
        &format!("{HAZARD}fn main() {{}}\n"),
    )
    .write(
        "svc/src/bin/ignored.rs",
        &format!("{HAZARD}fn main() {{}}\n"),
    )
    .write(
        "svc/examples/ignored_example.rs",
        &format!("{HAZARD}fn main() {{}}\n"),
    )
    .write("shared/outside.rs", &format!("{HAZARD}fn main() {{}}\n"));
    ws
}

fn hidden_target_findings() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        "shared/outside.rs",
        "svc/.hidden/sneaky.rs",
        "svc/examples/ignored_example.rs",
        "svc/src/bin/ignored.rs",
    ]
    .iter()
    .map(|f| (f.to_string(), "unchecked_revert".to_string()))
    .collect();
    v.sort();
    v
}

// A pull request can hide a target from the analysis: a bin with
// `path = ".hidden/x.rs"`, a `src/bin/` listed in `.ignore`/`.gitignore`,
// or a target path outside the package folder is compiled by cargo but
// never checked.
#[test]
fn a_pull_request_cannot_hide_a_target() {
    let ws = hidden_targets();
    let run = Launch::imperlint(ws.root(), &["check", ".", "--format", "json"]).run();
    run.expect_code(1);
    assert_eq!(diagnostics(&run), hidden_target_findings());
    // From the package's folder: the root is still the workspace's, so the
    // target outside the package is read (and shown by its full path).
    let run = Launch::imperlint(&ws.path("svc"), &["check", ".", "--format", "json"]).run();
    run.expect_code(1);
    let shared = ws.root().canonicalize().unwrap().join("shared/outside.rs");
    let expected: Vec<(String, String)> = hidden_target_findings()
        .into_iter()
        .map(|(f, l)| match f.strip_prefix("svc/") {
            Some(rel) => (rel.to_string(), l),
            None => (shared.display().to_string(), l),
        })
        .collect();
    let mut seen = diagnostics(&run);
    seen.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(seen, expected);

    let run = Launch {
        env: vec![("CARGO", Some(workspace::cargo().display().to_string()))],
        ..Launch::cargo_imperlint(ws.root(), &["imperlint", "--workspace", "--format", "json"])
    }
    .run();
    run.expect_code(1);
    assert_eq!(diagnostics(&run), hidden_target_findings());
}

/// A tree that tries to run its own code when cargo or rustup is started
/// in it: an `imperlint` alias, and a toolchain file naming a toolchain in
/// the tree whose `cargo` leaves a mark. Returns the mark's path.
fn booby_trapped(ws: &Workspace) -> PathBuf {
    let mark = ws.path("RAN");
    let fake = format!("#!/bin/sh\ntouch '{}'\nexit 0\n", mark.display());
    ws.write("Cargo.toml", &manifest("svc"))
        .write("src/lib.rs", "mod serve;\n")
        .write("src/serve.rs", HAZARD)
        .write(
            ".cargo/config.toml",
            "[alias]\nimperlint = [\"run\", \"--quiet\", \"--bin\", \"fake\"]\n",
        )
        .write("toolchain/bin/cargo", &fake)
        .write("toolchain/bin/rustc", &fake)
        .write(
            "rust-toolchain.toml",
            &format!(
                "[toolchain]\npath = \"{}\"\n",
                ws.path("toolchain").display()
            ),
        );
    for tool in ["cargo", "rustc"] {
        let p = ws.path(&format!("toolchain/bin/{tool}"));
        let mut perms = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&p, perms).unwrap();
    }
    mark
}

// `cargo imperlint` can be made to run the pull request's own code: a
// `.cargo/config.toml` alias replaces the subcommand, and a
// `rust-toolchain.toml` with `path = "..."` makes rustup run a `cargo` from
// the checkout, also for imperlint's own internal `cargo metadata`.
#[cfg(unix)]
#[test]
fn cargo_imperlint_never_lets_the_tree_choose_what_runs() {
    let rustup = Command::new("rustup").arg("--version").output();
    assert!(
        rustup.is_ok_and(|o| o.status.success()),
        "this test needs rustup (the README's setup): the toolchain file is rustup's"
    );
    let ws = Workspace::new();
    let mark = booby_trapped(&ws);
    // Called as the README says for untrusted code: the binary itself,
    // with no toolchain chosen by the environment, so `cargo` on `PATH` is
    // rustup's proxy.
    let run = Launch {
        env: vec![("CARGO", None), ("RUSTUP_TOOLCHAIN", None)],
        ..Launch::cargo_imperlint(ws.root(), &["--workspace", "--format", "json"])
    }
    .run();
    assert!(!mark.exists(), "the tree's toolchain ran:\n{}", run.stderr);
    run.expect_code(1);
    assert_eq!(
        diagnostics(&run),
        [("src/serve.rs".to_string(), "unchecked_revert".to_string())]
    );
    for warned in [".cargo/config.toml", "rust-toolchain.toml"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(warned)),
            "warns about `{warned}`:\n{}",
            run.stderr
        );
    }

    // Whatever `cargo` comes first on `PATH`, it is started outside the
    // tree, with an absolute manifest path.
    let shim = Workspace::new();
    let log = shim.path("log");
    shim.write(
        "bin/cargo",
        &format!(
            "#!/bin/sh\necho \"$PWD|$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            workspace::cargo().display()
        ),
    );
    let p = shim.path("bin/cargo");
    let mut perms = std::fs::metadata(&p).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&p, perms).unwrap();
    let path = format!(
        "{}:{}",
        shim.path("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Launch {
        env: vec![
            ("CARGO", None),
            ("RUSTUP_TOOLCHAIN", None),
            ("PATH", Some(path)),
        ],
        ..Launch::cargo_imperlint(ws.root(), &["--workspace", "--format", "json"])
    }
    .run();
    run.expect_code(1);
    let calls = std::fs::read_to_string(&log).expect("cargo was started");
    let tree = ws.root().canonicalize().unwrap();
    for call in calls.lines() {
        let (cwd, args) = call.split_once('|').unwrap();
        assert!(
            !Path::new(cwd).starts_with(&tree),
            "cargo started inside the tree: {call}"
        );
        assert!(
            args.contains(&format!(
                "--manifest-path {}",
                tree.join("Cargo.toml").display()
            )),
            "{call}"
        );
    }
    assert!(!mark.exists());
}
