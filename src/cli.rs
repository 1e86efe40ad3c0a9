//! The command line shared by `imperlint` and `cargo imperlint`: argument
//! parsing (clap), configuration and level overrides, running the analysis,
//! writing the chosen format, and the exit code. Exit codes: 0 when nothing
//! is reported at `deny`, 1 when something is, 2 for a usage or
//! configuration error or when nothing could be analysed.

use crate::args::{CheckArgs, Cli, ColorChoice, Command, CommonArgs};
use clap::Parser;
use imperlint_analyzer::config::{self, Config};
use imperlint_analyzer::diag::{Level, LintInfo};
use imperlint_analyzer::driver::{self, Options};
use imperlint_analyzer::emit::{self, EmitContext};
use imperlint_analyzer::lint::Lint;
use imperlint_lints::registry;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code: a usage, configuration or input error, or nothing analysed.
pub const EXIT_ERROR: u8 = 2;

/// Every lint, in registry order.
pub fn lints() -> Vec<&'static Lint> {
    registry::LINTS.to_vec()
}

fn infos() -> Vec<&'static LintInfo> {
    registry::LINTS.iter().map(|l| l.info).collect()
}

fn known_names() -> Vec<&'static str> {
    registry::LINTS.iter().map(|l| l.info.name).collect()
}

/// Prints an error and returns exit code 2.
pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_ERROR)
}

/// `imperlint lints`.
pub fn print_lints() -> ExitCode {
    let mut out = String::new();
    let width = registry::LINTS
        .iter()
        .map(|l| l.info.name.len())
        .max()
        .unwrap_or(0);
    for l in registry::LINTS {
        out.push_str(&format!(
            "{:width$}  {:5}  {}\n",
            l.info.name,
            l.info.default_level.as_str(),
            l.info.summary,
            width = width
        ));
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// `imperlint explain LINT`.
pub fn explain(name: &str) -> ExitCode {
    match registry::find(name) {
        Some(l) => {
            println!(
                "# {} (default: {})\n\n{}\n\n{}",
                l.info.name,
                l.info.default_level,
                l.info.summary,
                l.info.docs.trim_end()
            );
            ExitCode::SUCCESS
        }
        None => {
            let names = known_names();
            let hint = config::closest_name(name, names.iter().copied())
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            fail(format!(
                "no lint named `{name}`{hint} (see `imperlint lints`)"
            ))
        }
    }
}

/// Applies `-A/-W/-D` on top of a configuration, validating names.
pub fn apply_levels(cfg: &mut Config, args: &CommonArgs) -> Result<(), String> {
    let known = known_names();
    for (names, level) in [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
    ] {
        for n in names {
            if n != config::WARNINGS {
                config::check_lint_name(n, &known).map_err(|e| {
                    format!("`{n}`: {e} (in `-{}`)", &level.as_str()[..1].to_uppercase())
                })?;
            }
            cfg.set_level(n, level);
        }
    }
    Ok(())
}

/// Loads configuration: `--config FILE`, or discovered from `root`.
pub fn load_config(
    args: &CommonArgs,
    root: &Path,
    manifests: &[PathBuf],
) -> Result<Config, String> {
    let known = known_names();
    let mut cfg = match &args.config {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read configuration `{}`: {e}", file.display()))?;
            let mut c = Config::from_toml_str(&text, file, &known).map_err(|e| e.to_string())?;
            if let Some(dir) = file.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                if let (Ok(d), Ok(r)) = (dir.canonicalize(), root.canonicalize()) {
                    if let Ok(rel) = d.strip_prefix(&r) {
                        c.rebase_excludes(rel);
                    }
                }
            }
            c
        }
        None => Config::discover(root, manifests, &known).map_err(|e| e.to_string())?,
    };
    apply_levels(&mut cfg, args)?;
    Ok(cfg)
}

/// Context for rendering: where paths are relative to, and per-file packages.
pub struct RenderCx<'a> {
    pub root: &'a Path,
    pub package_of: &'a dyn Fn(&str) -> Option<emit::PackageTarget>,
}

/// Runs the analysis over whole packages (their folders), keeping only the
/// crates whose manifest is one of `manifests`.
pub fn run_check_units(
    paths: Vec<PathBuf>,
    manifests: &[PathBuf],
    args: &CommonArgs,
    cfg: Config,
    rcx: &RenderCx,
) -> ExitCode {
    let dirs = manifests
        .iter()
        .filter_map(|m| m.parent().map(Path::to_path_buf))
        .collect();
    run(paths, Some(dirs), args, cfg, rcx)
}

/// Runs the analysis and writes the output; returns the exit code.
pub fn run_check(paths: Vec<PathBuf>, args: &CommonArgs, cfg: Config, rcx: &RenderCx) -> ExitCode {
    run(paths, None, args, cfg, rcx)
}

fn run(
    paths: Vec<PathBuf>,
    only: Option<Vec<PathBuf>>,
    args: &CommonArgs,
    cfg: Config,
    rcx: &RenderCx,
) -> ExitCode {
    let format = args.format.0;
    if args.jobs == Some(0) {
        return fail("`--jobs` must be at least 1");
    }
    let opts = Options {
        paths,
        root: rcx.root.to_path_buf(),
        jobs: args.jobs,
        config: cfg,
        only_crates: only,
        no_prefilter: args.no_prefilter,
        walk_all: args.walk_all,
        progress: std::io::stderr().is_terminal(),
    };
    let lints = lints();
    let mut outcome = driver::run(&opts, &lints);
    let mut fix_failed = false;
    if args.fix {
        let mut reported = outcome.diagnostics.clone();
        if let Some(file) = &args.baseline {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            if let Ok(kept) =
                imperlint_analyzer::baseline::filter(reported.clone(), &text, &outcome.sources)
            {
                reported = kept;
            }
        }
        let applied = crate::fix::apply(&reported, &outcome.sources, rcx.root);
        for (file, n) in &applied.fixed {
            eprintln!(
                "fixed {file} ({})",
                if *n == 1 {
                    "1 fix".to_string()
                } else {
                    format!("{n} fixes")
                }
            );
        }
        for why in &applied.skipped {
            eprintln!("warning: {why}");
        }
        for e in &applied.errors {
            eprintln!("error: {e}");
        }
        fix_failed = !applied.errors.is_empty();
        if !applied.fixed.is_empty() {
            // Report what remains, at the positions the edits moved it to.
            outcome = driver::run(&opts, &lints);
        }
    }
    let mut diags = outcome.diagnostics;
    if let Some(file) = &args.write_baseline {
        let text = imperlint_analyzer::baseline::write(&diags, &outcome.sources);
        if let Err(e) = std::fs::write(file, text) {
            return fail(format!("cannot write baseline `{}`: {e}", file.display()));
        }
    }
    if let Some(file) = &args.baseline {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot read baseline `{}`: {e}", file.display())),
        };
        match imperlint_analyzer::baseline::filter(diags, &text, &outcome.sources) {
            Ok(kept) => diags = kept,
            Err(e) => return fail(format!("baseline `{}`: {e}", file.display())),
        }
    }
    let sources = outcome.sources;
    let lookup = |f: &str| sources.get(f).cloned();
    let rules = infos();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let abs_root = rcx
        .root
        .canonicalize()
        .unwrap_or_else(|_| rcx.root.to_path_buf());
    let ecx = EmitContext {
        root: &abs_root,
        sources: &lookup,
        rules: &rules,
        tool_version: env!("CARGO_PKG_VERSION"),
        color,
        package_of: rcx.package_of,
    };
    let text = emit::render(format, &diags, &ecx);
    let written = match &args.output {
        Some(file) => std::fs::write(file, text.as_bytes()),
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(text.as_bytes()).and_then(|_| so.flush())
        }
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return fail(format!("cannot write output: {e}"));
        }
    }
    for m in &outcome.missing {
        eprintln!("error: path `{}` does not exist", m.display());
    }
    if !outcome.missing.is_empty() || outcome.internal_errors > 0 || fix_failed {
        return ExitCode::from(EXIT_ERROR);
    }
    if outcome.files_analyzed == 0 && !diags.iter().any(|d| d.level == Level::Deny) {
        eprintln!("error: no Rust files could be analysed");
        return ExitCode::from(EXIT_ERROR);
    }
    if diags.iter().any(|d| d.level == Level::Deny) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `imperlint ARGS…`: parses the command line and runs the command.
pub fn main() -> ExitCode {
    let parsed = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match parsed.command {
        Command::Check(args) => check(args),
        Command::Lints => print_lints(),
        Command::Explain { lint } => explain(&lint),
    }
}

/// `imperlint check`.
pub fn check(args: Box<CheckArgs>) -> ExitCode {
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        // A named file as an absolute path: discovery finds its package (and
        // so the context the rest of the package gives) by walking up its
        // parents, and a relative path's parents end at the current folder
        // (`src/x.rs` in the package's root, `x.rs` in `src/`). Shown paths
        // stay relative to the current folder.
        args.paths
            .iter()
            .map(|p| {
                if p.is_relative() && p.is_file() {
                    root.join(p)
                } else {
                    p.clone()
                }
            })
            .collect()
    };
    // `[package.metadata.imperlint]` of the package each named path lies in,
    // so that a pre-commit hook naming single files configures the run as
    // `cargo imperlint` does.
    let mut manifests: Vec<PathBuf> = Vec::new();
    for p in &paths {
        let dir = imperlint_analyzer::source::nearest_manifest_dir(&root.join(p));
        if let Some(m) = dir.map(|d| d.join("Cargo.toml")) {
            if !manifests.contains(&m) {
                manifests.push(m);
            }
        }
    }
    let cfg = match load_config(&args.common, &root, &manifests) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let none = |_: &str| None;
    run_check(
        paths,
        &args.common,
        cfg,
        &RenderCx {
            root: &root,
            package_of: &none,
        },
    )
}
