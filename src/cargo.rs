//! `cargo imperlint`: reads the workspace with `cargo metadata --no-deps`,
//! selects packages like cargo does (`--workspace`, `-p`, `--exclude`, the
//! package in the current folder by default), and checks every target of
//! each (lib, bins, tests, examples, benches, build scripts: each its own
//! crate, from its `src_path`) without building or running anything.
//! `--message-format json` prints cargo's `compiler-message` lines for
//! rust-analyzer; `--with-cargo-check` first forwards `cargo check`'s own
//! messages, since rust-analyzer's `check.overrideCommand` replaces `cargo
//! check` (that one builds: README, "Running on untrusted code").
//!
//! The tree never decides what runs here: `cargo metadata` is the cargo
//! that launched us (`$CARGO`) or the one on `PATH`, started from a folder
//! outside the tree (the one holding this binary) with an absolute
//! `--manifest-path`, so neither a `rust-toolchain.toml` of the checkout
//! (rustup picks the toolchain from the current folder) nor its
//! `.cargo/config.toml` applies. The binary also runs when called
//! directly (`cargo-imperlint --workspace`), which is how untrusted code
//! should be checked: `cargo imperlint` itself goes through cargo's alias
//! resolution, and a `[alias] imperlint = ..` in the tree's
//! `.cargo/config.toml` replaces it. Such an alias, and a toolchain file
//! naming a `path`, are reported as warnings.

use crate::args::{self, CommonArgs, FormatArg};
use crate::cli::{self, Input, RunCx};
use cargo_metadata::{Metadata, MetadataCommand, Package};
use clap::{Args, CommandFactory, FromArgMatches, Parser, ValueEnum};
use imperlint_analyzer::emit::{Format, PackageTarget};
use imperlint_analyzer::fsx;
use imperlint_analyzer::source::{self, Target};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser, Debug)]
#[command(name = "cargo", bin_name = "cargo")]
enum CargoCli {
    /// Check the packages of a cargo workspace for impersonation hazards.
    #[command(version)]
    Imperlint(CargoArgs),
}

#[derive(Args, Debug)]
struct CargoArgs {
    /// Check every package of the workspace.
    #[arg(long)]
    workspace: bool,
    /// Check only this package (repeatable).
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    package: Vec<String>,
    /// With `--workspace`, leave out this package (repeatable).
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
    /// Path to the workspace's or package's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// As cargo's: `human`, `short` (one line per finding), `json` (cargo's
    /// JSON message lines, for rust-analyzer) or
    /// `json-diagnostic-rendered-ansi` (the same, `rendered` in color).
    #[arg(long, value_name = "FMT", conflicts_with = "format")]
    message_format: Option<MessageFormat>,
    /// Run `cargo check --message-format=json` first and forward its messages.
    #[arg(long)]
    with_cargo_check: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// cargo's `--message-format` values imperlint can honour; the others
/// (`json-diagnostic-short`, `json-render-diagnostics`) are refused by clap,
/// with this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Short,
    Json,
    JsonDiagnosticRenderedAnsi,
}

impl MessageFormat {
    /// The name cargo knows it by (for `--with-cargo-check`).
    fn cargo_name(self) -> &'static str {
        match self {
            MessageFormat::Human => "human",
            MessageFormat::Short => "short",
            MessageFormat::Json => "json",
            MessageFormat::JsonDiagnosticRenderedAnsi => "json-diagnostic-rendered-ansi",
        }
    }
}

/// The packages selected, and a note when workspace members were left out
/// only because they are not default members.
struct Selection<'m> {
    packages: Vec<&'m Package>,
    note: Option<String>,
}

/// The note for members left out of a default selection.
fn left_out_note(members: &[&Package], selected: &[&Package]) -> Option<String> {
    let left: Vec<String> = members
        .iter()
        .filter(|m| !selected.iter().any(|s| s.id == m.id))
        .map(|m| format!("`{}`", m.name))
        .collect();
    if left.is_empty() {
        return None;
    }
    const SHOWN: usize = 5;
    let mut names = left
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if left.len() > SHOWN {
        names.push_str(&format!(" and {} more", left.len() - SHOWN));
    }
    let what = if left.len() == 1 {
        "1 workspace member is not a default member and was not checked".to_string()
    } else {
        format!(
            "{} workspace members are not default members and were not checked",
            left.len()
        )
    };
    Some(format!(
        "{what} ({names}); add `--workspace` to check every member"
    ))
}

fn select<'m>(
    meta: &'m Metadata,
    args: &CargoArgs,
    manifest: &Path,
) -> Result<Selection<'m>, String> {
    let members: Vec<&Package> = meta.workspace_packages();
    for name in args.package.iter().chain(&args.exclude) {
        if !members.iter().any(|p| p.name.as_str() == name) {
            return Err(format!("package `{name}` is not a member of the workspace"));
        }
    }
    if !args.exclude.is_empty() && !args.workspace {
        return Err("`--exclude` can only be used together with `--workspace`".to_string());
    }
    let chosen = |packages: Vec<&'m Package>| Selection {
        packages,
        note: None,
    };
    if args.workspace {
        return Ok(chosen(
            members
                .into_iter()
                .filter(|p| !args.exclude.iter().any(|n| n == p.name.as_str()))
                .collect(),
        ));
    }
    if !args.package.is_empty() {
        return Ok(chosen(
            members
                .into_iter()
                .filter(|p| args.package.iter().any(|n| n == p.name.as_str()))
                .collect(),
        ));
    }
    // `manifest`: the one named by `--manifest-path`, else the nearest
    // `Cargo.toml` at or above the current folder (see `main`). The
    // workspace's own manifest selects its default members (every member
    // of a virtual workspace without `default-members`); a member's
    // manifest selects that member.
    let same = |a: &Path, b: &Path| a == b || absolute(a) == absolute(b);
    if let Some(p) = members
        .iter()
        .find(|p| same(p.manifest_path.as_std_path(), manifest))
    {
        return Ok(chosen(vec![*p]));
    }
    let defaults =
        if cargo_metadata::workspace_default_members_is_missing(&meta.workspace_default_members) {
            // cargo before 1.71 does not list default members.
            match meta.root_package() {
                Some(root) => vec![root],
                None => members.clone(),
            }
        } else {
            meta.workspace_default_packages()
        };
    Ok(Selection {
        note: left_out_note(&members, &defaults),
        packages: defaults,
    })
}

/// `path` made absolute and canonical when it exists.
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// The package and target a file (shown relative to `root`) belongs to:
/// the target whose module tree reached it (`known`), else the package
/// whose folder holds it and the target whose root's folder is nearest.
fn package_target(
    packages: &[&Package],
    root: &Path,
    file: &str,
    known: Option<&Target>,
) -> Option<PackageTarget> {
    if let Some(t) = known {
        let pkg = packages
            .iter()
            .find(|p| p.manifest_path.as_std_path() == t.manifest_path)?;
        let target = pkg
            .targets
            .iter()
            .find(|x| x.name == t.name && x.src_path.as_std_path() == t.src_path)?;
        return Some(PackageTarget {
            package_id: pkg.id.repr.clone(),
            manifest_path: pkg.manifest_path.to_string(),
            target_name: target.name.clone(),
            target_kind: target.kind.iter().map(|k| k.to_string()).collect(),
            src_path: target.src_path.to_string(),
        });
    }
    let abs = root.join(file);
    let pkg = packages
        .iter()
        .filter(|p| {
            p.manifest_path
                .parent()
                .is_some_and(|d| abs.starts_with(d.as_std_path()))
        })
        .max_by_key(|p| p.manifest_path.as_str().len())?;
    let target = pkg
        .targets
        .iter()
        .filter(|t| {
            t.src_path
                .parent()
                .is_some_and(|d| abs.starts_with(d.as_std_path()))
        })
        .max_by_key(|t| {
            (
                t.src_path.parent().map(|d| d.as_str().len()).unwrap_or(0),
                t.kind.iter().any(|k| k == "lib"),
            )
        })
        .or_else(|| pkg.targets.first())?;
    Some(PackageTarget {
        package_id: pkg.id.repr.clone(),
        manifest_path: pkg.manifest_path.to_string(),
        target_name: target.name.clone(),
        target_kind: target.kind.iter().map(|k| k.to_string()).collect(),
        src_path: target.src_path.to_string(),
    })
}

/// The `cargo` to run: the one that launched us (`$CARGO`, a concrete
/// toolchain's binary), else the one on `PATH`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A folder outside any checked tree to start `cargo metadata` in: the
/// folder holding this binary (the user's own), else the file system's root.
fn neutral_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok())
        .and_then(|e| e.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The arguments, with cargo's `imperlint` word added when the binary is
/// called directly (`cargo-imperlint --workspace`).
fn arguments() -> Vec<OsString> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if !matches!(args.get(1), Some(a) if a == "imperlint") {
        args.insert(1.min(args.len()), "imperlint".into());
    }
    args
}

/// Warnings about what would make `cargo imperlint`, run inside the tree,
/// run the tree's own code: a `[alias] imperlint` in a `.cargo/config.toml`
/// (or `.cargo/config`) of a folder cargo reads configuration from, and a
/// `rust-toolchain.toml` (or `rust-toolchain`) that names a toolchain by
/// `path`. Files are read bounded; unreadable ones are skipped.
fn tree_warnings(dirs: &[PathBuf]) -> Vec<String> {
    // (files, table, key, what it does)
    const TRAPS: &[(&[&str], &str, &str, &str)] = &[
        (
            &[".cargo/config.toml", ".cargo/config"],
            "alias",
            "imperlint",
            "defines a cargo alias `imperlint`: `cargo imperlint` run in this tree runs that command instead of imperlint; on untrusted code, call the `cargo-imperlint` binary directly",
        ),
        (
            &["rust-toolchain.toml", "rust-toolchain"],
            "toolchain",
            "path",
            "names a toolchain by `path`: cargo started through rustup in this tree runs programs from there (imperlint's own `cargo metadata` does not); on untrusted code, fix the toolchain with `RUSTUP_TOOLCHAIN`",
        ),
    ];
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for dir in dirs.iter().flat_map(|d| d.ancestors()) {
        if !seen.insert(dir.to_path_buf()) {
            continue;
        }
        for (names, table, key, what) in TRAPS {
            for name in *names {
                let file = dir.join(name);
                let Ok(text) = fsx::read_text_bounded(&file, fsx::CONFIG_LIMIT) else {
                    continue;
                };
                let set = text.parse::<toml::Table>().ok().is_some_and(|t| {
                    t.get(*table)
                        .and_then(|a| a.as_table())
                        .is_some_and(|a| a.contains_key(*key))
                });
                if set {
                    out.push(format!(
                        "`{}` {what} (README, Running on untrusted code)",
                        file.display()
                    ));
                }
            }
        }
    }
    out
}

pub fn main() -> ExitCode {
    let matches = match CargoCli::command().try_get_matches_from(arguments()) {
        Ok(m) => m,
        Err(e) => return cli::usage_error(e),
    };
    let CargoCli::Imperlint(mut args) = match CargoCli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return cli::usage_error(e),
    };
    if let Some(m) = matches.subcommand_matches("imperlint") {
        args.common.levels = args::level_flags(m);
    }
    if let Some(fmt) = args.message_format {
        args.common.format = FormatArg(match fmt {
            MessageFormat::Human => Format::Human,
            MessageFormat::Short => Format::Short,
            MessageFormat::Json | MessageFormat::JsonDiagnosticRenderedAnsi => Format::CargoJson,
        });
        if fmt == MessageFormat::JsonDiagnosticRenderedAnsi {
            args.common.color = crate::args::ColorChoice::Always;
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    // As cargo does: the manifest named, else the nearest `Cargo.toml` at
    // or above the current folder; absolute, since cargo runs elsewhere.
    let manifest = match &args.manifest_path {
        Some(m) => absolute(m),
        None => match source::nearest_manifest_dir(&cwd) {
            Some(d) => d.join("Cargo.toml"),
            None => {
                return cli::fail(format!(
                    "could not find `Cargo.toml` in `{}` or any parent folder",
                    cwd.display()
                ))
            }
        },
    };
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo_program())
        .current_dir(neutral_dir())
        .manifest_path(&manifest)
        .no_deps();
    let meta = match cmd.exec() {
        Ok(m) => m,
        Err(e) => return cli::fail(format!("`cargo metadata` failed: {e}")),
    };
    let Selection { packages, note } = match select(&meta, &args, &manifest) {
        Ok(p) => p,
        Err(e) => return cli::fail(e),
    };
    if packages.is_empty() {
        return cli::fail("no package selected");
    }
    let root = meta.workspace_root.as_std_path().to_path_buf();
    let manifests: Vec<PathBuf> = packages
        .iter()
        .map(|p| p.manifest_path.as_std_path().to_path_buf())
        .collect();
    let dirs: Vec<PathBuf> = manifests
        .iter()
        .filter_map(|m| m.parent().map(Path::to_path_buf))
        .collect();
    for warning in tree_warnings(&[cwd.clone(), root.clone()]) {
        eprintln!("warning: {warning}");
    }
    let cfg = match cli::load_config(&args.common, &dirs, Some(&root), &manifests) {
        Ok(c) => c,
        Err(e) => return cli::fail(e),
    };
    let mut check_failed = false;
    if args.with_cargo_check {
        // This builds the tree: its build scripts and proc macros run
        // (README, Running on untrusted code).
        let mut c = Command::new(cargo_program());
        // Every target, as imperlint checks them (and as rust-analyzer's own
        // `cargo check` does by default).
        c.arg("check").arg("--all-targets");
        // cargo's messages in the same shape as ours: JSON lines for
        // `--message-format json*`/`--format cargo-json`, else cargo's
        // human text (on standard error).
        match args.message_format {
            Some(fmt) => {
                c.arg(format!("--message-format={}", fmt.cargo_name()));
            }
            None if args.common.format.0 == Format::CargoJson => {
                c.arg("--message-format=json");
            }
            None => {}
        }
        if let Some(m) = &args.manifest_path {
            c.arg("--manifest-path").arg(m);
        }
        if args.workspace {
            c.arg("--workspace");
        }
        for p in &args.package {
            c.arg("-p").arg(p);
        }
        for p in &args.exclude {
            c.arg("--exclude").arg(p);
        }
        match c.status() {
            Ok(s) => check_failed = !s.success(),
            Err(e) => return cli::fail(format!("cannot run `cargo check`: {e}")),
        }
    }
    // Each target of each selected package, as cargo lists it.
    let targets: Vec<Target> = packages
        .iter()
        .flat_map(|p| {
            p.targets.iter().map(|t| Target {
                package: p.name.clone(),
                name: t.name.clone(),
                kind: t.kind.iter().map(|k| k.to_string()).collect(),
                manifest_path: p.manifest_path.as_std_path().to_path_buf(),
                src_path: t.src_path.as_std_path().to_path_buf(),
            })
        })
        .collect();
    let package_of = |f: &str, known: Option<&Target>| package_target(&packages, &root, f, known);
    let code = cli::run(
        Input::Targets {
            targets,
            root: root.clone(),
        },
        &args.common,
        cfg,
        &RunCx {
            root: &root,
            package_of: &package_of,
            packages: Some(packages.len()),
            notes: note.into_iter().collect(),
        },
    );
    if check_failed && code == ExitCode::SUCCESS {
        return ExitCode::from(1);
    }
    code
}
