//! What a run of `imperlint` or `cargo imperlint` does with its arguments:
//! configuration (discovered or `--config`) with the `-A/-W/-D` overlay in
//! command-line order, the `--fix` guard, the analysis, `--fix`/`--diff`,
//! baselines, the chosen format with its closing summary, and the exit code.
//! Exit codes: 0 when nothing is reported at `deny`, 1 when something is, 2
//! for a usage, configuration or input error or when nothing could be
//! analysed, 130 when interrupted (Ctrl-C). It owns the wording of the
//! command line's own messages; what is analysed and how is the analyzer's.

use crate::args::{self, CheckArgs, Cli, ColorChoice, Command, CommonArgs};
use crate::{fix, git, interrupt};
use clap::{CommandFactory, FromArgMatches};
use imperlint_analyzer::config::{self, Config};
use imperlint_analyzer::diag::{builtin, Level, LintInfo};
use imperlint_analyzer::driver::{self, Options, Outcome};
use imperlint_analyzer::emit::{self, EmitContext, Format, PackageTarget, RunSummary};
use imperlint_analyzer::fsx;
use imperlint_analyzer::lint::Lint;
use imperlint_analyzer::source::Target;
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

/// Prints clap's message; exit 0 for `--help`/`--version`, else 2.
pub fn usage_error(e: clap::Error) -> ExitCode {
    let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
    let _ = e.print();
    ExitCode::from(code)
}

/// `imperlint ARGS…`: parses the command line and runs the command.
pub fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let parsed = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    match parsed.command {
        Command::Check(mut args) => {
            if let Some(m) = matches.subcommand_matches("check") {
                args.common.levels = args::level_flags(m);
            }
            check(args)
        }
        Command::Lints => print_lints(),
        Command::Explain { lint } => explain(&lint),
    }
}

/// `imperlint lints`: every lint, then the built-in diagnostics.
pub fn print_lints() -> ExitCode {
    let builtins = builtin::INFOS;
    let width = registry::LINTS
        .iter()
        .map(|l| l.info)
        .chain(builtins.iter().copied())
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0);
    let line = |info: &LintInfo| {
        format!(
            "{:width$}  {:5}  {}\n",
            info.name,
            info.default_level.as_str(),
            info.summary,
        )
    };
    let mut out = String::new();
    for l in registry::LINTS {
        out.push_str(&line(l.info));
    }
    out.push_str("\nbuilt-in diagnostics:\n");
    for info in builtins {
        out.push_str(&line(info));
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// `imperlint explain NAME`, for a lint or a built-in diagnostic, named as
/// Rust users write lint names.
pub fn explain(name: &str) -> ExitCode {
    let canonical = config::canonical_lint_name(name);
    let info = registry::find(&canonical)
        .map(|l| l.info)
        .or_else(|| builtin::find(&canonical));
    match info {
        Some(info) => {
            println!(
                "# {} (default: {})\n\n{}\n\n{}\n\n{}",
                info.name,
                info.default_level,
                info.summary,
                info.docs.trim_end(),
                info.help_uri()
            );
            ExitCode::SUCCESS
        }
        None => {
            let names: Vec<&str> = known_names()
                .into_iter()
                .chain(builtin::INFOS.iter().map(|i| i.name))
                .collect();
            let hint = config::closest_name(&canonical, names.iter().copied())
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            fail(format!(
                "no lint or built-in diagnostic named `{name}`{hint} (see `imperlint lints`)"
            ))
        }
    }
}

/// Applies `-A/-W/-D` on top of a configuration, in command-line order
/// (the last flag for a lint wins, as with rustc), validating names.
pub fn apply_levels(cfg: &mut Config, args: &CommonArgs) -> Result<(), String> {
    let known = known_names();
    for (level, name) in &args.levels {
        let flag = match level {
            Level::Allow => "-A",
            Level::Warn => "-W",
            Level::Deny => "-D",
        };
        let name = config::check_lint_name(name, &known)
            .map_err(|e| format!("`{name}`: {e} (in `{flag}`)"))?;
        cfg.set_level(&name, *level);
    }
    Ok(())
}

/// Loads configuration: `--config FILE`, or discovered from each of
/// `starts` up to its workspace root (`bound`, when cargo says where it
/// is). Says what was read with `-v`, and warns about files ignored.
pub fn load_config(
    args: &CommonArgs,
    starts: &[PathBuf],
    bound: Option<&Path>,
    manifests: &[PathBuf],
) -> Result<Config, String> {
    let known = known_names();
    let (mut cfg, sources) = match &args.config {
        Some(file) => {
            let text = fsx::read_text_bounded(file, fsx::CONFIG_LIMIT)
                .map_err(|e| format!("cannot read configuration `{}`: {e}", file.display()))?;
            let mut c = Config::from_toml_str(&text, file, &known).map_err(|e| e.to_string())?;
            // Patterns are relative to the file's folder.
            let dir = config::lexical(file);
            c.rebase_excludes(dir.parent().unwrap_or(&dir));
            (c, vec![format!("{} (--config)", file.display())])
        }
        None => {
            let found =
                Config::discover(starts, bound, manifests, &known).map_err(|e| e.to_string())?;
            for (ignored, used) in &found.ignored {
                eprintln!(
                    "warning: ignoring `{}`: `{}` in the same folder is read instead",
                    ignored.display(),
                    used.display()
                );
            }
            (found.config, found.sources)
        }
    };
    if args.verbose > 0 {
        if sources.is_empty() {
            eprintln!(
                "configuration: none found ({} from the checked paths up to the \
                 workspace root, `[workspace.metadata.imperlint]`, \
                 `[package.metadata.imperlint]`): defaults",
                config::CONFIG_FILE_NAMES.join(", ")
            );
        }
        for source in &sources {
            eprintln!("configuration: {source}");
        }
    }
    apply_levels(&mut cfg, args)?;
    Ok(cfg)
}

/// What a run needs besides its arguments: where paths are relative to,
/// the cargo package of each file (from the target that reached it, when
/// known), and what `cargo imperlint` selected.
pub struct RunCx<'a> {
    pub root: &'a Path,
    pub package_of: &'a dyn Fn(&str, Option<&Target>) -> Option<PackageTarget>,
    /// Packages selected (`cargo imperlint`), for the summary.
    pub packages: Option<usize>,
    /// Notes for the end of the summary (the `--workspace` hint).
    pub notes: Vec<String>,
}

/// What to check: paths (`imperlint check`), or the targets of `cargo
/// metadata` inside the workspace root (`cargo imperlint`).
pub enum Input {
    Paths(Vec<PathBuf>),
    Targets { targets: Vec<Target>, root: PathBuf },
}

/// `parent` of a file the run will write, when it is not an existing folder.
fn missing_folder(file: &Path) -> Option<&Path> {
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty())?;
    (!parent.is_dir()).then_some(parent)
}

/// Refuses to let `--fix` edit files with uncommitted changes (as `cargo
/// fix` does), unless allowed.
fn fix_guard(paths: &[PathBuf], root: &Path, args: &CommonArgs) -> Result<(), String> {
    if !args.fix || args.diff || args.allow_dirty {
        return Ok(());
    }
    let Some(status) = git::status(root, paths) else {
        if args.allow_no_vcs {
            return Ok(());
        }
        return Err(
            "`--fix` would edit files that no git repository holds, so its \
             edits could not be told apart from yours or undone: see the fixes with \
             `--diff`, or pass `--allow-no-vcs` to fix anyway"
                .to_string(),
        );
    };
    let (what, files, allow) = if !status.dirty.is_empty() {
        ("uncommitted changes", status.dirty, "--allow-dirty")
    } else if !status.staged.is_empty() && !args.allow_staged {
        ("staged changes", status.staged, "--allow-staged")
    } else {
        return Ok(());
    };
    const SHOWN: usize = 10;
    let mut list: Vec<String> = files.iter().take(SHOWN).map(|f| format!("  {f}")).collect();
    if files.len() > SHOWN {
        list.push(format!("  … and {} more", files.len() - SHOWN));
    }
    Err(format!(
        "`--fix` would edit files in a working tree with {what}:\n{}\n\
         commit or stash them first, see the fixes with `--diff`, or pass `{allow}` \
         to fix anyway",
        list.join("\n")
    ))
}

/// `N fixes` / `1 fix`.
fn fixes(n: usize) -> String {
    if n == 1 {
        "1 fix".to_string()
    } else {
        format!("{n} fixes")
    }
}

/// Runs the analysis and writes the output; returns the exit code.
pub fn run(input: Input, args: &CommonArgs, cfg: Config, rcx: &RunCx) -> ExitCode {
    let (paths, targets, roots) = match input {
        Input::Paths(paths) => (paths, None, Vec::new()),
        Input::Targets { targets, root } => (Vec::new(), Some(targets), vec![root]),
    };
    let format = args.format.0;
    if args.jobs == Some(0) {
        return fail("`--jobs` must be at least 1");
    }
    for (flag, file) in [
        ("--output", &args.output),
        ("--write-baseline", &args.write_baseline),
    ] {
        if let Some(folder) = file.as_deref().and_then(missing_folder) {
            return fail(format!(
                "cannot write `{}` (`{flag}`): the folder `{}` does not exist",
                file.as_deref().unwrap_or(folder).display(),
                folder.display()
            ));
        }
    }
    // The files `--fix` may edit: those under the named paths, or the
    // selected packages' folders.
    let fixed_under: Vec<PathBuf> = match &targets {
        None => paths.clone(),
        Some(targets) => {
            let mut dirs: Vec<PathBuf> = targets
                .iter()
                .filter_map(|t| t.manifest_path.parent().map(Path::to_path_buf))
                .collect();
            dirs.sort();
            dirs.dedup();
            dirs
        }
    };
    if let Err(e) = fix_guard(&fixed_under, rcx.root, args) {
        return fail(e);
    }
    let terminal = std::io::stderr().is_terminal();
    interrupt::install(terminal);
    let opts = Options {
        paths,
        root: rcx.root.to_path_buf(),
        jobs: args.jobs,
        config: cfg,
        targets,
        roots,
        allow_outside_roots: args.allow_outside_roots,
        max_file_size: args.max_file_size.map(|mib| mib << 20),
        no_prefilter: args.no_prefilter,
        walk_all: args.walk_all,
        progress: terminal && !args.quiet,
    };
    let lints = lints();
    let mut outcome = driver::run(&opts, &lints);
    let mut errors: Vec<String> = Vec::new();
    if args.fix || args.diff {
        let mut reported = outcome.diagnostics.clone();
        if let Some(file) = &args.baseline {
            let text = fsx::read_text_bounded(file, fsx::CONFIG_LIMIT).unwrap_or_default();
            if let Ok(kept) =
                imperlint_analyzer::baseline::filter(reported.clone(), &text, &outcome.sources)
            {
                reported = kept;
            }
        }
        let planned = fix::plan(&reported, &outcome.sources, rcx.root, &outcome.roots);
        if args.diff {
            return show_diff(&planned, args, &outcome.roots);
        }
        let applied = fix::write(planned, &outcome.roots);
        for (file, n) in &applied.fixed {
            eprintln!("fixed {file} ({})", fixes(*n));
        }
        for why in &applied.skipped {
            eprintln!("warning: {why}");
        }
        errors.extend(applied.errors);
        if !applied.fixed.is_empty() {
            // Report what remains, at the positions the edits moved it to.
            outcome = driver::run(&opts, &lints);
        }
    }
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    for m in &outcome.missing {
        errors.push(format!("path `{}` does not exist", m.display()));
    }
    if outcome.internal_errors > 0 {
        errors.push(format!(
            "imperlint failed on {} (see `internal_error` above)",
            plural(outcome.internal_errors, "crate")
        ));
    }
    let mut diags = std::mem::take(&mut outcome.diagnostics);
    let has_deny =
        |d: &[imperlint_analyzer::diag::Diagnostic]| d.iter().any(|d| d.level == Level::Deny);
    if outcome.files_analyzed + outcome.files_skipped == 0 && !has_deny(&diags) {
        errors.push("no Rust files could be analysed".to_string());
    }
    if let Some(file) = &args.write_baseline {
        return write_baseline(file, &diags, &outcome, &errors, args);
    }
    let mut baselined = 0;
    if let Some(file) = &args.baseline {
        let text = match fsx::read_text_bounded(file, fsx::CONFIG_LIMIT) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot read baseline `{}`: {e}", file.display())),
        };
        let before = diags.len();
        match imperlint_analyzer::baseline::filter(diags, &text, &outcome.sources) {
            Ok(kept) => diags = kept,
            Err(e) => return fail(format!("baseline `{}`: {e}", file.display())),
        }
        baselined = before - diags.len();
    }
    if args.verbose > 0 {
        for c in &outcome.crates {
            let what = if c.skipped {
                "skipped by the prefilter (it names no impersonation API)"
            } else {
                "analysed"
            };
            eprintln!("crate `{}`: {}, {what}", c.name, plural(c.files, "file"));
        }
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    let summary = RunSummary {
        packages: rcx.packages,
        crates: outcome.crates.len(),
        files_analyzed: outcome.files_analyzed,
        files_skipped: outcome.files_skipped,
        baselined,
        suppressed: outcome.suppressed,
        failure: match errors.len() {
            0 => None,
            1 => Some(errors[0].clone()),
            n => Some(format!("{n} errors (above)")),
        },
        notes: rcx.notes.clone(),
    };
    let sources = outcome.sources;
    let lookup = |f: &str| sources.get(f).cloned();
    let rules = infos();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            format != Format::CargoJson
                && args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let abs_root = rcx
        .root
        .canonicalize()
        .unwrap_or_else(|_| rcx.root.to_path_buf());
    let targets = &outcome.targets;
    let package_of = |file: &str| (rcx.package_of)(file, targets.get(file));
    let ecx = EmitContext {
        root: &abs_root,
        sources: &lookup,
        rules: &rules,
        tool_version: env!("CARGO_PKG_VERSION"),
        color,
        package_of: &package_of,
        summary: (!args.quiet).then_some(&summary),
    };
    let text = emit::render(format, &diags, &ecx);
    if let Err(e) = write_output(args.output.as_deref(), &text, &outcome.roots) {
        return fail(e);
    }
    if !errors.is_empty() {
        return ExitCode::from(EXIT_ERROR);
    }
    if has_deny(&diags) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--diff`: the unified diff on standard output, a line saying what it
/// holds on standard error; exit 1 when there is something to fix (as
/// `cargo fmt --check` does), 0 when not, 2 when a file could not be read.
fn show_diff(planned: &fix::Planned, args: &CommonArgs, roots: &[PathBuf]) -> ExitCode {
    let text = fix::diff(planned);
    if let Err(e) = write_output(args.output.as_deref(), &text, roots) {
        return fail(e);
    }
    for why in &planned.skipped {
        eprintln!("warning: {why}");
    }
    for e in &planned.errors {
        eprintln!("error: {e}");
    }
    let count: usize = planned.files.iter().map(|f| f.count).sum();
    if !args.quiet {
        if count == 0 {
            eprintln!("nothing to fix");
        } else {
            eprintln!(
                "{} in {} (nothing written; `--fix` applies them)",
                fixes(count),
                plural(planned.files.len(), "file")
            );
        }
    }
    if !planned.errors.is_empty() {
        ExitCode::from(EXIT_ERROR)
    } else if count > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--write-baseline FILE`: records the findings, says so in one line and
/// exits 0; writes nothing when the run failed (its baseline would miss
/// what could not be checked).
fn write_baseline(
    file: &Path,
    diags: &[imperlint_analyzer::diag::Diagnostic],
    outcome: &Outcome,
    errors: &[String],
    args: &CommonArgs,
) -> ExitCode {
    if !errors.is_empty() {
        for e in errors {
            eprintln!("error: {e}");
        }
        return fail(format!(
            "`{}` not written: the run failed, so it would miss what could not be checked",
            file.display()
        ));
    }
    let text = imperlint_analyzer::baseline::write(diags, &outcome.sources);
    if let Err(e) = fsx::write_replacing(file, text.as_bytes(), &outcome.roots) {
        return fail(format!("baseline not written: {e}"));
    }
    if !args.quiet {
        eprintln!(
            "wrote {} to `{}`",
            plural(diags.len(), "finding"),
            file.display()
        );
    }
    ExitCode::SUCCESS
}

/// Writes the report to `file` (a temporary file renamed into place, never
/// through a link inside the checked `roots`: `fsx::write_replacing`), or
/// to standard output (a closed pipe is not an error: the reader has what
/// it wanted).
fn write_output(file: Option<&Path>, text: &str, roots: &[PathBuf]) -> Result<(), String> {
    match file {
        Some(file) => fsx::write_replacing(file, text.as_bytes(), roots)
            .map_err(|e| format!("output not written: {e}")),
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(text.as_bytes())
                .and_then(|_| so.flush())
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::BrokenPipe => Ok(()),
                    _ => Err(e),
                })
                .map_err(|e| format!("cannot write the output: {e}"))
        }
    }
}

/// `n thing` / `n things`.
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
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
    // so that a pre-commit hook naming files configures the run as
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
    let starts: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
    let cfg = match load_config(&args.common, &starts, None, &manifests) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let none = |_: &str, _: Option<&Target>| None;
    run(
        Input::Paths(paths),
        &args.common,
        cfg,
        &RunCx {
            root: &root,
            package_of: &none,
            packages: None,
            notes: Vec::new(),
        },
    )
}
