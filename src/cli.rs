//! The command line shared by `imperlint` and `cargo imperlint`: argument
//! parsing (clap), configuration and level overrides, running the analysis,
//! writing the chosen format, and the exit code. Exit codes: 0 when nothing
//! is reported at `deny`, 1 when something is, 2 for a usage or
//! configuration error or when nothing could be analysed.

use clap::{Args, Parser, Subcommand};
use imperlint_analyzer::config::{self, Config};
use imperlint_analyzer::diag::{Level, LintInfo};
use imperlint_analyzer::driver::{self, Options};
use imperlint_analyzer::emit::{self, EmitContext, Format};
use imperlint_analyzer::lint::Lint;
use imperlint_lints::registry;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code: a usage, configuration or input error, or nothing analysed.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "imperlint",
    version,
    about = "Finds privilege bugs in Rust code that impersonates Windows identities"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files and folders (default: the current folder).
    Check(Box<CheckArgs>),
    /// List every lint with its default level and summary.
    Lints,
    /// Print a lint's documentation.
    Explain {
        /// The lint's name, e.g. `missing_revert`.
        lint: String,
    },
}

/// Options shared by `imperlint check` and `cargo imperlint`.
#[derive(Args, Debug, Default, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = ["human", "json", "sarif", "github", "cargo-json"])]
    pub format: String,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Set a lint (or `warnings`) to `warn`.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    pub warn: Vec<String>,
    /// Set a lint to `allow` (not reported).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    pub allow: Vec<String>,
    /// Set a lint (or `warnings`: every warning) to `deny`.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    pub deny: Vec<String>,
    /// Read configuration from FILE instead of `imperlint.toml` / Cargo metadata.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Hide findings recorded in this baseline file; report only new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (a baseline for `--baseline`).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Number of worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Parse and analyse every crate, even those that name no impersonation
    /// API (by default such crates are only read and tokenized).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Walk every function of the crates it analyses, not only those that
    /// can lead to a finding. Slower, same results: for checking that.
    #[arg(long)]
    pub walk_all: bool,
    /// Color in human output: auto, always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// Apply the mechanical, safe fixes findings carry, then report what remains.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Args, Debug, Default, Clone)]
pub struct CheckArgs {
    /// Files or folders to check.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

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
#[allow(dead_code)]
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
#[allow(dead_code)]
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
    let format: Format = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
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
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => {
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

/// Sets up the binaries' allocator (mimalloc) before any work. A run frees
/// every file's syntax tree and parses the next one at once; by default
/// mimalloc returns freed memory to the system after 10 ms and commits its
/// arenas lazily, and the kernel then zeroes the same pages again and again
/// (`clear_page_erms` was a fifth of the `windows` crate's profile). Freed
/// memory is kept for reuse and arenas are committed when reserved; the
/// peak is unchanged (README, Performance). The process is short-lived.
/// mimalloc is also built without transparent huge pages (the `no_thp`
/// feature in Cargo.toml): a huge-page fault zeroes 2 MB at once, and on
/// the benchmark machine those faults cost more kernel time than the
/// whole parse floor's.
pub fn tune_allocator() {
    // Option indices of mimalloc.h (the same in v2 and v3).
    const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets process-wide options; mimalloc allows it at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 1);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}
