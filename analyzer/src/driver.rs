//! One run of imperlint: discover the crates (one per cargo target, see
//! `source`), then for each crate (in parallel, on threads with large
//! stacks) read its module tree (`source::load_tree`), parse and index its
//! files (in parallel, dropping each syntax tree: `first_pass`), parse the
//! functions the analysis walks and analyse (`second_pass`), run the lints,
//! apply suppressions; then merge (a file several crates share is reported
//! once) and sort. It owns failure isolation: a file that cannot be read or
//! parsed becomes a diagnostic, and a panic in one crate's analysis becomes
//! an `internal_error` for that crate while every other crate's results are
//! kept.

use crate::analyze::{self, analyze_crate, Analysis, CrateAnalysis, Incomplete};
use crate::config::Config;
use crate::deps::{self, DepSummaries, Exports, Link};
use crate::diag::{builtin, sort_diagnostics, Diagnostic, Level, Location};
use crate::expand::scope::Parent;
use crate::expand::UnitKind;
use crate::facts::CrateFacts;
use crate::fsx;
use crate::index::collect::{collect_expansion_syntax, collect_syntax, FileCollector};
use crate::index::expanded::{expand_crate, Done, Resolution, Wanted};
use crate::index::file::{FileCx, UseMap};
use crate::index::resolve::Manifest;
use crate::index::text::ParsedFn;
use crate::index::{self, CrateIndex, Extra, FileItems, FileSyntax};
use crate::lint::{Lint, Sink};
use crate::macros::MacroArgs;
use crate::parse;
use crate::prefilter::{self, Prefilter};
use crate::progress;
use crate::source::{self, CrateUnit, Discovery, Policy, Reached, Target, Tree};
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use syn::visit::Visit;

/// The module path of a file found without a crate root (a folder with no
/// `Cargo.toml`), as [`source::load_tree`] asks for it: for the benchmark's
/// parse floor, which reads the same trees.
pub use crate::index::file::file_module;

/// Stack size of analysis threads: syn and the walk recurse once per nesting level.
pub const STACK_SIZE: usize = 512 << 20;

/// What a run needs. `Options { paths, root, ..Options::default() }` is a
/// run with the default configuration, prefilter on, no progress bar.
#[derive(Default)]
pub struct Options {
    /// Files and folders to check.
    pub paths: Vec<PathBuf>,
    /// Paths in diagnostics are shown relative to this folder.
    pub root: PathBuf,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    pub config: Config,
    /// The crates to check, as `cargo metadata` lists the selected
    /// packages' targets (`cargo imperlint`); `paths` is then not walked.
    /// `None`: discovered from `paths`.
    pub targets: Option<Vec<Target>>,
    /// The checked roots when `targets` is set (the workspace root); with
    /// `paths`, they are found from the paths (see `source`).
    pub roots: Vec<PathBuf>,
    /// Read followed paths outside the checked roots too
    /// (`--allow-outside-roots`, for monorepos that need it).
    pub allow_outside_roots: bool,
    /// The size limit of a source file, in bytes (`--max-file-size`;
    /// `None`: [`fsx::DEFAULT_SOURCE_LIMIT`]).
    pub max_file_size: Option<u64>,
    /// Parse and analyse every crate, even those the prefilter shows cannot
    /// produce a finding (`--no-prefilter`; see `prefilter`).
    pub no_prefilter: bool,
    /// Walk every function of every analysed crate, not only those that
    /// can lead to a finding (`--walk-all`; see `analyze`). Slower, same
    /// results: it exists to check that.
    pub walk_all: bool,
    /// Draw a progress bar on standard error once the run takes longer than
    /// a second (the CLI sets it when standard error is a terminal).
    pub progress: bool,
}

/// Test hook: when this environment variable names a file (as displayed,
/// relative to the run's root), the analysis of the crate holding it panics.
/// It exists so that the tests can check, through the real binary, that a
/// panic in one crate becomes an `internal_error` and every other crate's
/// results are kept; nothing else reads or sets it.
pub const INJECT_PANIC_ENV: &str = "IMPERLINT_TEST_INJECT_PANIC";

/// What a run produced.
#[derive(Default)]
pub struct Outcome {
    /// Sorted findings and problems, after levels and suppressions.
    pub diagnostics: Vec<Diagnostic>,
    /// Source text by displayed path, for snippets.
    pub sources: HashMap<String, Arc<str>>,
    /// Files that were parsed and analysed.
    pub files_analyzed: usize,
    /// Files of crates the prefilter ruled out: read and tokenized only.
    pub files_skipped: usize,
    /// Findings hidden by suppression comments.
    pub suppressed: usize,
    /// Every crate checked, sorted by name (the closing summary, `-v`).
    pub crates: Vec<CrateReport>,
    /// Named paths that do not exist.
    pub missing: Vec<PathBuf>,
    /// Crates whose analysis failed with an internal error.
    pub internal_errors: usize,
    /// What was not read and why (a path outside the checked roots), one
    /// line per path, sorted.
    pub notes: Vec<String>,
    /// The cargo target of each file a crate reached, by displayed path:
    /// the first in discovery order (a library before its binaries) when
    /// several share the file.
    pub targets: HashMap<String, Target>,
    /// The checked roots, canonical: writes never go through a link inside them.
    pub roots: Vec<PathBuf>,
    /// The work the walks of functions did, counted (expressions and
    /// statements visited, nodes of the variable stores visited or copied):
    /// it grows linearly with a function's size whatever its shape, which
    /// the tests check by comparing it between two sizes (`tests/linearity.rs`).
    pub walk_steps: u64,
}

/// One crate of a run, as the summary and `-v` describe it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct CrateReport {
    /// Its folder (where its `Cargo.toml` is) or, without one, its first
    /// file, as displayed.
    pub name: String,
    /// Its files: those read (`mod` items pull in included), and those
    /// that could not be read or parsed.
    pub files: usize,
    /// The prefilter ruled it out: its files were only read and tokenized.
    pub skipped: bool,
}

/// Runs imperlint over `opts.paths` (or `opts.targets`) with `lints`.
pub fn run(opts: &Options, lints: &[&'static Lint]) -> Outcome {
    let exclusions = opts.config.exclusions();
    let root = source::canonical(&opts.root);
    // Patterns from files are absolute (`Config::discover`); one set by
    // hand may be relative to the root.
    let exclude = |p: &Path| {
        if exclusions.is_empty() {
            return false;
        }
        let abs = crate::config::lexical(&root.join(p));
        exclusions.is_excluded(&abs)
            || exclusions.is_excluded(abs.strip_prefix(&root).unwrap_or(&abs))
    };
    let mut disc = match &opts.targets {
        Some(targets) => Discovery::of_targets(
            targets.clone(),
            opts.roots.iter().map(|r| source::canonical(r)).collect(),
        ),
        None => source::discover(&opts.paths, &exclude),
    };
    let policy = Policy {
        roots: disc.roots.clone(),
        allow_outside_roots: opts.allow_outside_roots,
        max_file_size: opts.max_file_size.unwrap_or(fsx::DEFAULT_SOURCE_LIMIT),
    };
    let mut out = Outcome {
        missing: std::mem::take(&mut disc.missing),
        roots: disc.roots.clone(),
        ..Outcome::default()
    };
    out.diagnostics
        .extend(std::mem::take(&mut disc.diagnostics));
    let mut notes: BTreeMap<PathBuf, String> =
        std::mem::take(&mut disc.notes).into_iter().collect();
    let prefilter = Prefilter::new(&opts.config);
    let inject_panic = std::env::var(INJECT_PANIC_ENV).ok();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .stack_size(STACK_SIZE)
        .thread_name(|i| format!("imperlint-{i}"))
        .build();
    let cx = UnitCx {
        opts,
        root: &root,
        policy: &policy,
        exclude: &exclude,
        lints,
        filter: &prefilter,
        inject_panic: inject_panic.as_deref(),
    };
    let mut trees: Vec<Option<Tree>> = disc.crates.iter().map(|_| None).collect();
    select_reaching(&mut disc, &mut trees, &cx, &pool);
    // Crates that use each other: analysed in waves, a crate after the
    // crates it uses, with their summaries (most runs are one wave).
    let mut checked: Vec<bool> = vec![true; disc.crates.len()];
    // The crates analysed: those whose tree reaches what was named (see
    // `select_reaching`), and the crates they use.
    let mut active: Vec<bool> = (0..disc.crates.len())
        .map(|i| {
            let c = &disc.crates[i];
            trees[i].is_some() || c.report.is_none() || c.target.is_none()
        })
        .collect();
    let graph = crate_graph(&mut disc.crates, &mut checked, &mut active, &policy, &root);
    trees.resize_with(disc.crates.len(), || None);
    for (path, note) in &graph.notes {
        notes.entry(path.clone()).or_insert_with(|| note.clone());
    }
    let mut sizes = SizeHints::default();
    let keep = active;
    let bar = progress::Bar::start(
        opts.progress,
        graph.waves.iter().flatten().filter(|&&i| keep[i]).count(),
    );
    let units = &disc.crates;
    let mut exports: HashMap<usize, Arc<Exports>> = HashMap::new();
    let mut results: Vec<(usize, CrateResult)> = Vec::new();
    for wave in &graph.waves {
        // Largest crates first, one task each: a big crate started last
        // would leave the other threads idle at the end. Output order does
        // not depend on it (diagnostics are sorted).
        let mut order: Vec<(u64, usize)> = wave
            .iter()
            .copied()
            .filter(|&i| keep[i])
            .map(|i| {
                let size = match &trees[i] {
                    Some(t) => t.files.iter().map(text_len).sum(),
                    None => sizes.of(&units[i]),
                };
                (size, i)
            })
            .collect();
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let tasks: Vec<(usize, Option<Tree>, Uses)> = order
            .iter()
            .map(|&(_, i)| {
                let deps = DepSummaries::new(&graph.links[i], &exports);
                let filter =
                    (!deps.is_empty()).then(|| Prefilter::with_names(&opts.config, &deps.names()));
                let policy = units[i]
                    .manifest_dir
                    .as_deref()
                    .map(source::canonical)
                    .filter(|d| !checked[i] && !policy.admits(d))
                    .map(|d| Policy {
                        roots: vec![d],
                        ..policy.clone()
                    });
                let uses = Uses {
                    deps,
                    filter,
                    export: graph.has_dependents[i]
                        .then(|| graph.libs[i].clone().unwrap_or_default()),
                    checked: checked[i],
                    policy,
                };
                (i, trees[i].take(), uses)
            })
            .collect();
        let done: Vec<(usize, CrateResult)> = in_pool(&pool, || {
            tasks
                .into_par_iter()
                .with_max_len(1)
                .map(|(i, tree, uses)| {
                    let r = analyse_guarded(&units[i], tree, &cx, &uses);
                    bar.crate_done();
                    (i, r)
                })
                .collect()
        });
        for (i, mut r) in done {
            if let Some(e) = r.exports.take() {
                exports.insert(i, Arc::new(e));
            }
            // A crate analysed only for its summaries reports nothing.
            if checked[i] {
                results.push((i, r));
            }
        }
    }
    bar.finish();
    // Discovery order: a library's findings come before its binaries'.
    results.sort_by_key(|(i, _)| *i);
    merge(&mut out, &mut notes, results, units);
    out.notes = notes.into_values().collect();
    out.crates.sort();
    sort_diagnostics(&mut out.diagnostics);
    out
}

/// The analysis threads (or none, when the pool could not be built).
type Pool = Result<rayon::ThreadPool, rayon::ThreadPoolBuildError>;

/// Runs `f` on the pool's threads (on this one without a pool).
fn in_pool<R: Send>(pool: &Pool, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// What every crate's analysis shares.
struct UnitCx<'a> {
    opts: &'a Options,
    /// The run's root, canonical: paths are shown relative to it.
    root: &'a Path,
    policy: &'a Policy,
    exclude: &'a (dyn Fn(&Path) -> bool + Sync),
    lints: &'a [&'static Lint],
    filter: &'a Prefilter,
    inject_panic: Option<&'a str>,
}

impl UnitCx<'_> {
    fn load_tree(&self, unit: &CrateUnit) -> Tree {
        self.load_tree_in(unit, self.policy)
    }

    /// The tree of a crate read under `policy` (a dependency's source
    /// folder is its own read-only root).
    fn load_tree_in(&self, unit: &CrateUnit, policy: &Policy) -> Tree {
        source::load_tree(unit, policy, self.root, self.exclude, &|p| {
            index::file::file_module(p)
        })
    }
}

/// What one crate's analysis knows of the crates it uses, and of its own
/// dependents.
struct Uses {
    /// The summaries of the crates it uses.
    deps: DepSummaries,
    /// Its prefilter, when its dependencies add names to the run's.
    filter: Option<Prefilter>,
    /// Its library's name, when a crate analysed later uses it: its
    /// summaries are then kept ([`Exports`]).
    export: Option<String>,
    /// Findings in it are reported (not a dependency read for its summaries).
    checked: bool,
    /// Its own read policy: a dependency outside the checked roots
    /// (`vendor/`, cargo's registry folder).
    policy: Option<Policy>,
}

fn text_len(r: &Reached) -> u64 {
    r.source.as_ref().map_or(0, |s| s.text.len() as u64)
}

/// When the user named files or folders inside a package, only the crates
/// whose module tree reaches one of them are analysed (their trees are read
/// here, and kept); a named file that no target reaches is analysed as a
/// crate of its own, reported alone.
fn select_reaching(
    disc: &mut Discovery,
    trees: &mut Vec<Option<Tree>>,
    cx: &UnitCx<'_>,
    pool: &Pool,
) {
    let filtered: Vec<usize> = (0..disc.crates.len())
        .filter(|&i| disc.crates[i].report.is_some() && disc.crates[i].target.is_some())
        .collect();
    if filtered.is_empty() {
        return;
    }
    let crates = &disc.crates;
    let loaded: Vec<(usize, Tree)> = in_pool(pool, || {
        filtered
            .par_iter()
            .map(|&i| (i, cx.load_tree(&crates[i])))
            .collect()
    });
    let mut reached: BTreeSet<PathBuf> = BTreeSet::new();
    let mut named: BTreeMap<PathBuf, Option<PathBuf>> = BTreeMap::new();
    for (i, tree) in loaded {
        let unit = &disc.crates[i];
        for n in unit.report.iter().flatten() {
            named.insert(n.clone(), unit.manifest_dir.clone());
        }
        let paths: BTreeSet<&Path> = tree.files.iter().map(|r| r.path.as_path()).collect();
        if paths.iter().any(|p| unit.reports(p)) {
            for n in unit.report.iter().flatten() {
                if paths.iter().any(|p| p.starts_with(n)) {
                    reached.insert(n.clone());
                }
            }
            trees[i] = Some(tree);
        }
    }
    for (file, manifest_dir) in named {
        if reached.contains(&file) || file.is_dir() {
            continue;
        }
        disc.crates.push(CrateUnit {
            manifest_dir,
            target: None,
            files: vec![file.clone()],
            report: Some(vec![file]),
            deps: Vec::new(),
        });
        trees.push(None);
    }
}

/// Estimated sizes of crates, for scheduling the largest first: a library
/// by the `.rs` files beside and under its root, any other crate by its
/// root file (binaries, tests and examples are small).
#[derive(Default)]
struct SizeHints(HashMap<PathBuf, u64>);

impl SizeHints {
    fn of(&mut self, unit: &CrateUnit) -> u64 {
        let file = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        match &unit.target {
            Some(t) if t.is_lib() => {
                let dir = t
                    .src_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                *self
                    .0
                    .entry(dir.clone())
                    .or_insert_with(|| dir_size(&dir, 8))
            }
            _ => unit.files.iter().map(|f| file(f)).sum(),
        }
    }
}

/// The bytes of `.rs` files in `dir` and its folders, `depth` levels down,
/// links, `target/` and hidden folders not followed.
fn dir_size(dir: &Path, depth: usize) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() && depth > 0 => {
                let name = e.file_name();
                let skipped = name == "target" || name.to_string_lossy().starts_with('.');
                if skipped {
                    0
                } else {
                    dir_size(&e.path(), depth - 1)
                }
            }
            Ok(t) if t.is_file() && e.path().extension().is_some_and(|x| x == "rs") => {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            }
            _ => 0,
        })
        .sum()
}

/// Analyses one crate, turning a panic into an `internal_error` for it.
fn analyse_guarded(
    unit: &CrateUnit,
    tree: Option<Tree>,
    cx: &UnitCx<'_>,
    uses: &Uses,
) -> CrateResult {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let tree = tree.unwrap_or_else(|| match &uses.policy {
            Some(p) => cx.load_tree_in(unit, p),
            None => cx.load_tree(unit),
        });
        if let Some(file) = cx.inject_panic {
            if tree
                .files
                .iter()
                .any(|r| source::display_path(&r.path, cx.root) == file)
            {
                panic!("injected by {INJECT_PANIC_ENV}");
            }
        }
        analyse_unit(unit, tree, cx, uses)
    }));
    match result {
        Ok(mut r) => {
            r.report.name = crate_name(unit, cx.root);
            r
        }
        Err(panic) => {
            // The unwound crate's spans are dead; free this thread's map.
            release_spans();
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            let first = unit
                .files
                .first()
                .map(|f| source::display_path(&source::canonical(f), cx.root))
                .unwrap_or_default();
            CrateResult {
                diagnostics: vec![Diagnostic {
                    lint: builtin::INTERNAL_ERROR,
                    level: Level::Deny,
                    message: format!(
                        "imperlint failed while analysing {} (root `{first}`): {what}",
                        unit.describe(cx.root)
                    ),
                    location: Location::file_start(first),
                    label: "analysis failed here".to_string(),
                    related: Vec::new(),
                    notes: vec!["this is a bug in imperlint; please report it with the file that triggers it".to_string()],
                    help: None,
                    fix: None,
                }],
                internal_error: true,
                report: CrateReport {
                    name: crate_name(unit, cx.root),
                    files: unit.files.len(),
                    skipped: false,
                },
                ..CrateResult::default()
            }
        }
    }
}

/// Merges the crates' results (in discovery order) into `out`. A file that
/// several crates reach (a module shared through `#[path]`) is reported
/// once: of the findings with the same lint and place, the first crate's
/// is kept.
fn merge(
    out: &mut Outcome,
    notes: &mut BTreeMap<PathBuf, String>,
    results: Vec<(usize, CrateResult)>,
    units: &[CrateUnit],
) {
    let mut reached_by: HashMap<&str, usize> = HashMap::new();
    for (_, r) in &results {
        for f in &r.reached {
            *reached_by.entry(f.as_str()).or_default() += 1;
        }
    }
    let shared: BTreeSet<String> = reached_by
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(f, _)| f.to_string())
        .collect();
    let mut seen: BTreeSet<(&'static str, Location)> = BTreeSet::new();
    for (i, r) in results {
        for d in r.diagnostics {
            if shared.contains(&d.location.file) && !seen.insert((d.lint, d.location.clone())) {
                continue;
            }
            out.diagnostics.push(d);
        }
        if let Some(t) = &units[i].target {
            for f in &r.reached {
                out.targets.entry(f.clone()).or_insert_with(|| t.clone());
            }
        }
        out.sources.extend(r.sources);
        out.files_analyzed += r.files_analyzed;
        out.files_skipped += r.files_skipped;
        out.suppressed += r.suppressed;
        out.crates.push(r.report);
        out.internal_errors += usize::from(r.internal_error);
        for (path, note) in r.notes {
            notes.entry(path).or_insert(note);
        }
        out.walk_steps += r.walk_steps;
    }
}

#[derive(Default)]
struct CrateResult {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<(String, Arc<str>)>,
    files_analyzed: usize,
    files_skipped: usize,
    suppressed: usize,
    report: CrateReport,
    internal_error: bool,
    /// The displayed paths of the files the crate's module tree reached.
    reached: Vec<String>,
    /// Paths not read (outside the roots), with the note saying so.
    notes: Vec<(PathBuf, String)>,
    walk_steps: u64,
    /// What the crate hands its dependents (only made when it has some).
    exports: Option<Exports>,
}

/// How the run's crates use each other (see `deps`).
struct CrateGraph {
    /// By crate: the crates of the run it uses.
    links: Vec<Vec<Link>>,
    /// By crate: its library's name, as dependents write it.
    libs: Vec<Option<String>>,
    /// By crate: a crate to analyse uses it (its summaries are kept).
    has_dependents: Vec<bool>,
    /// The crates to analyse (the checked ones and the crates they use),
    /// wave by wave: a crate after the crates it uses.
    waves: Vec<Vec<usize>>,
    /// Dependencies of checked crates that were not read, and why.
    notes: Vec<(PathBuf, String)>,
}

/// What the dependency graph knows of each crate of a run (by index, as
/// the run's crates).
#[derive(Default)]
struct Known {
    /// Its manifest's folder (canonical), and the manifest's text.
    dirs: Vec<Option<PathBuf>>,
    /// It is its package's library (or a crate of no target): what a
    /// dependency on the package means.
    lib: Vec<bool>,
    manifests: Vec<Option<String>>,
    /// Its package's name.
    names: Vec<Option<String>>,
    /// The dependencies its manifest declares.
    declared: Vec<Vec<deps::Declared>>,
    /// The folder whose `Cargo.lock` pins its registry dependencies (its
    /// workspace's, or its own).
    lock_dir: Vec<Option<PathBuf>>,
}

impl Known {
    /// A crate in `dir` with `manifest`, in the workspace `ws` (folder and
    /// manifest) when it has one.
    fn add(
        &mut self,
        dir: Option<PathBuf>,
        manifest: Option<String>,
        ws: Option<(PathBuf, String)>,
        lib: bool,
    ) {
        self.lib.push(lib);
        let declared = match (&dir, &manifest) {
            (Some(d), Some(m)) => {
                deps::declared(d, m, ws.as_ref().map(|(p, t)| (p.as_path(), t.as_str())))
            }
            _ => Vec::new(),
        };
        self.declared.push(declared);
        self.names
            .push(manifest.as_deref().and_then(deps::package_name));
        self.lock_dir
            .push(ws.map(|(p, _)| p).or_else(|| dir.clone()));
        self.dirs.push(dir);
        self.manifests.push(manifest);
    }
}

/// A dependency read for its summaries: its library, from its root file.
fn library_unit(dir: PathBuf, root: PathBuf) -> CrateUnit {
    CrateUnit {
        manifest_dir: Some(dir),
        target: None,
        files: vec![root],
        report: None,
        deps: Vec::new(),
    }
}

/// A package's manifest, `dir/Cargo.toml` (bounded).
fn read_manifest(dir: &Path) -> Option<String> {
    fsx::read_text_bounded(&dir.join("Cargo.toml"), fsx::CONFIG_LIMIT).ok()
}

/// The workspace manifest above `dir` (its folder and text): the nearest
/// `Cargo.toml` with a `[workspace]` table, at `dir` or above it but
/// inside `roots` (nothing outside the checked folders is read).
fn workspace_manifest(dir: &Path, roots: &[PathBuf]) -> Option<(PathBuf, String)> {
    let mut at = Some(dir);
    while let Some(d) = at {
        if !roots.iter().any(|r| d.starts_with(r)) {
            return None;
        }
        if let Some(text) = read_manifest(d) {
            let is_ws = text
                .parse::<toml::Table>()
                .is_ok_and(|t| t.contains_key("workspace"));
            if is_ws {
                return Some((d.to_path_buf(), text));
            }
        }
        at = d.parent();
    }
    None
}

/// Dependency crates read from the registry or `vendor/` in one run, at
/// most (each is read and searched by the prefilter; most stop there).
const MAX_DEPENDENCY_CRATES: usize = 1024;

/// Which crates of the run use which (path dependencies, renamed or
/// inherited from the workspace; registry dependencies whose source is in
/// the workspace's `vendor/` or cargo's registry folder, added to `units`
/// as crates read for their summaries only), and the order to analyse
/// them in. Vendored packages found in the tree are not checked.
fn crate_graph(
    units: &mut Vec<CrateUnit>,
    checked: &mut Vec<bool>,
    active: &mut Vec<bool>,
    policy: &Policy,
    root: &Path,
) -> CrateGraph {
    let canon = |p: &Path| source::canonical(p);
    let dirs: Vec<Option<PathBuf>> = units
        .iter()
        .map(|u| u.manifest_dir.as_deref().map(canon))
        .collect();
    // A workspace manifest is read inside the checked roots.
    let roots: Vec<PathBuf> = if policy.allow_outside_roots {
        vec![PathBuf::from("/")]
    } else {
        policy.roots.clone()
    };
    let is_lib: Vec<bool> = units
        .iter()
        .map(|u| u.target.as_ref().is_none_or(|t| t.is_lib()))
        .collect();
    let manifests: Vec<Option<String>> = dirs
        .iter()
        .map(|d| d.as_deref().and_then(read_manifest))
        .collect();
    for (i, d) in dirs.iter().enumerate() {
        if d.as_deref().is_some_and(deps::is_vendored) {
            checked[i] = false;
        }
    }
    let mut known = Known::default();
    for ((d, m), lib) in dirs.into_iter().zip(manifests).zip(is_lib) {
        let ws = d.as_deref().and_then(|d| workspace_manifest(d, &roots));
        known.add(d, m, ws, lib);
    }
    // Registry dependencies: through the workspace's `Cargo.lock`, from
    // its `vendor/` folder or cargo's registry folder.
    let mut registries: Option<Vec<PathBuf>> = None;
    let mut locks: HashMap<PathBuf, Arc<Vec<deps::Locked>>> = HashMap::new();
    let mut unread: BTreeSet<String> = BTreeSet::new();
    // A crate of the run read as a dependency, by package name.
    let dependency = |known: &Known, checked: &[bool], i: usize, package: &str| {
        (0..known.dirs.len()).find(|&j| {
            j != i && !checked[j] && known.lib[j] && known.names[j].as_deref() == Some(package)
        })
    };
    let mut i = 0;
    while i < units.len() {
        // Only what an analysed crate uses is looked for.
        if !active[i] {
            i += 1;
            continue;
        }
        // Path dependencies inside the checked roots whose library no
        // crate of the run is: read for their summaries (their library only).
        let siblings: Vec<PathBuf> = known.declared[i]
            .iter()
            .filter_map(|d| d.path.as_deref().map(canon))
            .filter(|d| policy.admits(d))
            .collect();
        for dir in siblings {
            let present = (0..known.dirs.len())
                .any(|j| known.lib[j] && known.dirs[j].as_deref() == Some(dir.as_path()));
            if present {
                continue;
            }
            let manifest = read_manifest(&dir);
            let Some(root) = manifest.as_deref().and_then(|m| deps::lib_root(&dir, m)) else {
                continue;
            };
            let ws = workspace_manifest(&dir, &roots);
            units.push(library_unit(dir.clone(), root));
            checked.push(false);
            active.push(true);
            known.add(Some(dir), manifest, ws, true);
        }
        let (Some(ws), Some(name)) = (known.lock_dir[i].clone(), known.names[i].clone()) else {
            i += 1;
            continue;
        };
        let lock = locks
            .entry(ws.clone())
            .or_insert_with(|| {
                let text = fsx::read_text_bounded(&ws.join("Cargo.lock"), fsx::CONFIG_LIMIT)
                    .unwrap_or_default();
                Arc::new(deps::locked(&text))
            })
            .clone();
        if lock.is_empty() {
            i += 1;
            continue;
        }
        let wanted: Vec<deps::Declared> = known.declared[i]
            .iter()
            .filter(|d| d.path.is_none() && !crate::catalog::describes_crate(&d.package))
            .cloned()
            .collect();
        for d in wanted {
            if dependency(&known, checked, i, &d.package).is_some() {
                continue;
            }
            let Some(version) = deps::locked_version(&lock, &name, &d.package) else {
                continue;
            };
            let regs = registries.get_or_insert_with(deps::registry_sources);
            let vendor = ws.join("vendor");
            let found = deps::source_dir(&d.package, &version, Some(&vendor), regs, &read_manifest)
                .map(|dir| canon(&dir));
            let Some(dir) = found else {
                if checked[i] {
                    unread.insert(format!("`{}` {version}", d.package));
                }
                continue;
            };
            if known.dirs.contains(&Some(dir.clone())) {
                continue;
            }
            if units.len() >= MAX_DEPENDENCY_CRATES + checked.iter().filter(|c| **c).count() {
                unread.insert(format!("`{}` {version}", d.package));
                continue;
            }
            let manifest = read_manifest(&dir);
            let Some(root) = manifest.as_deref().and_then(|m| deps::lib_root(&dir, m)) else {
                continue;
            };
            units.push(library_unit(dir.clone(), root));
            checked.push(false);
            active.push(true);
            // A published manifest inherits nothing; its lock is its
            // dependent's.
            known.add(Some(dir), manifest, None, true);
            *known.lock_dir.last_mut().expect("just added") = Some(ws.clone());
        }
        i += 1;
    }
    // Registry dependencies found in the run: linked by package name.
    let mut declared = std::mem::take(&mut known.declared);
    for (i, decls) in declared.iter_mut().enumerate() {
        for d in decls.iter_mut().filter(|d| d.path.is_none()) {
            let found = dependency(&known, checked, i, &d.package);
            d.path = found.and_then(|j| known.dirs[j].clone());
        }
    }
    let Known {
        dirs,
        manifests,
        lib,
        ..
    } = known;
    // What a path dependency names: the package's library.
    let lib_dirs: Vec<Option<PathBuf>> = dirs
        .iter()
        .zip(&lib)
        .map(|(d, l)| d.clone().filter(|_| *l))
        .collect();
    let libs: Vec<Option<String>> = manifests
        .iter()
        .map(|m| m.as_deref().and_then(deps::lib_name))
        .collect();
    let (mut links, unread_paths) = deps::link(&declared, &lib_dirs, &libs);
    // A bin, example, test, bench or build script uses its package's
    // library (`source` records which).
    for (i, u) in units.iter().enumerate() {
        for &j in &u.deps {
            if j < links.len() && !links[i].iter().any(|l| l.unit == j) {
                let names = libs[j].iter().cloned().collect();
                links[i].push(Link { unit: j, names });
            }
        }
    }
    // The checked crates and, transitively, the crates they use.
    let mut wanted: Vec<bool> = (0..units.len()).map(|i| checked[i] && active[i]).collect();
    let mut work: Vec<usize> = (0..units.len()).filter(|&i| wanted[i]).collect();
    while let Some(i) = work.pop() {
        for l in &links[i] {
            if !wanted[l.unit] {
                wanted[l.unit] = true;
                work.push(l.unit);
            }
        }
    }
    let mut has_dependents = vec![false; units.len()];
    for i in (0..units.len()).filter(|&i| wanted[i]) {
        for l in &links[i] {
            has_dependents[l.unit] = true;
        }
    }
    let waves: Vec<Vec<usize>> = deps::waves(&links)
        .into_iter()
        .map(|w| w.into_iter().filter(|&i| wanted[i]).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let mut notes: Vec<(PathBuf, String)> = unread_paths
        .into_iter()
        // A crate the catalog describes is not needed (a stub of
        // `windows-sys` beside the package, say).
        .filter(|(i, d)| {
            checked[*i] && active[*i] && !crate::catalog::describes_crate(&d.package)
        })
        .filter_map(|(_, d)| {
            let path = crate::config::lexical(&d.path?);
            let text = format!(
                "the path dependency `{}` ({}) was not read: it is outside the checked roots (`--allow-outside-roots` reads it), so the impersonation its functions begin is not followed",
                d.package,
                source::display_path(&path, root)
            );
            Some((path, text))
        })
        .collect();
    notes.sort();
    notes.dedup();
    if !unread.is_empty() {
        let list: Vec<String> = unread.into_iter().collect();
        notes.push((PathBuf::from("Cargo.lock"), format!(
            "{} not read: no source in `vendor/` or cargo's registry folder (run `cargo fetch` to read them), so the impersonation their functions begin is not followed: {}",
            if list.len() == 1 { "1 dependency was".to_string() } else { format!("{} dependencies were", list.len()) },
            list.join(", ")
        )));
    }
    CrateGraph {
        links,
        libs,
        has_dependents,
        waves,
        notes,
    }
}

/// The name a crate is shown by: its package's folder (`.` for the root)
/// and which target it is (`server (lib)`, `server (test pipe)`,
/// `server (build script)`), or, for a crate that is no target, its first
/// file.
fn crate_name(unit: &CrateUnit, root: &Path) -> String {
    match (&unit.manifest_dir, &unit.target) {
        (Some(dir), Some(t)) => {
            let folder = match source::display_path(dir, root) {
                name if name.is_empty() => ".".to_string(),
                name => name,
            };
            let kind = t.kind.first().map(String::as_str).unwrap_or("target");
            let which = if t.is_lib() {
                "lib".to_string()
            } else if kind == "custom-build" {
                "build script".to_string()
            } else {
                format!("{kind} {}", t.name)
            };
            format!("{folder} ({which})")
        }
        _ => unit
            .files
            .first()
            .map(|f| source::display_path(f, root))
            .unwrap_or_default(),
    }
}

/// A file after the first pass: what the crate's analysis needs of it,
/// without its syntax tree.
struct Loaded {
    cx: FileCx,
    items: FileItems,
    /// The file's `pub use` items (what the crate exports under other paths).
    reexports: Vec<deps::Reexport>,
}

/// Frees this thread's span map: `proc_macro2` keeps the text and line
/// starts of every file parsed on a thread for as long as the thread lives.
/// Called where the thread holds no syntax tree: after each file of the
/// first pass, and when a crate is done (its second pass runs no parallel
/// work, so no other crate's work runs on its thread meanwhile).
fn release_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// The first pass over a crate, in parallel over the files of its module
/// tree (already read): each file is parsed item by item, each item
/// indexed into owned facts (`index::collect::FileCollector`) and its
/// syntax tree dropped on the thread that parsed it (syn's trees are not
/// `Send`), so a crate's trees, or even a file's, are never all in memory.
/// Sorted by displayed path.
fn first_pass(
    unit: &CrateUnit,
    files: Vec<Reached>,
    cx: &UnitCx<'_>,
    filter: &Prefilter,
    diags: &mut Vec<Diagnostic>,
    edition: parse::Edition,
) -> Vec<Loaded> {
    let extra = extra_of(cx.opts);
    let mut files = files;
    // Largest files first: one started last would leave the other threads
    // idle at the end.
    files.sort_by_key(|r| std::cmp::Reverse(text_len(r)));
    // The error is the diagnostic itself, made once per bad file.
    #[allow(clippy::result_large_err)]
    let done: Vec<Result<Loaded, Diagnostic>> = files
        .into_par_iter()
        .with_max_len(1)
        .map(|reached| {
            let res = first_pass_file(reached, unit, &extra, filter, edition);
            release_spans();
            res
        })
        .collect();
    let mut out = Vec::new();
    for d in done {
        match d {
            Ok(loaded) => out.push(loaded),
            Err(d) => diags.push(d),
        }
    }
    out.sort_by(|a, b| a.cx.src.display.cmp(&b.cx.src.display));
    for (fi, l) in out.iter_mut().enumerate() {
        l.items.set_file(fi);
    }
    out
}

// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
fn first_pass_file(
    reached: Reached,
    unit: &CrateUnit,
    extra: &Extra,
    filter: &Prefilter,
    edition: parse::Edition,
) -> Result<Loaded, Diagnostic> {
    let is_bin_root = reached.is_root
        && match &unit.target {
            Some(t) => t.is_program(),
            None => is_loose_bin_root(&reached.path),
        };
    let src = reached.source?;
    let module = reached.module.clone();
    let mut cx = FileCx::new(src, reached.module, is_bin_root);
    // Most files hold no prefilter match: only the ones that do are searched for where.
    let hits = if filter.hits(&cx.src.text) {
        filter.match_starts(&cx.src.text)
    } else {
        Vec::new()
    };
    cx.prefilter_hit = !hits.is_empty();
    // Most files have no suppression at all: their items' lines are not needed.
    let ranges = cx.src.text.contains(prefilter::COMMENT_WORD);
    // Item by item: each item's facts are taken and its tree dropped at
    // once, so that only one item's tree is alive (a file's whole tree is
    // about 50 bytes per byte of source: 4.8 GB for a 50 MB file).
    let facts = parse::parse_items_edition(
        &cx.src,
        edition,
        || FirstPass {
            collector: FileCollector::new(&cx),
            uses: UseMap::default(),
            item_ranges: Vec::new(),
            reexports: Vec::new(),
        },
        |f, item| {
            f.uses.add_item(&item);
            if ranges {
                item_ranges(&item, &mut f.item_ranges);
            }
            deps::item_reexports(&item, &module, &mut f.reexports);
            f.collector.add(&cx, &item, extra, &hits);
        },
    )?;
    let items = facts.collector.finish();
    cx.uses = facts.uses;
    cx.item_ranges = facts.item_ranges;
    Ok(Loaded {
        cx,
        items,
        reexports: facts.reexports,
    })
}

/// What the first pass takes from a file's items (see [`first_pass_file`]).
struct FirstPass {
    collector: FileCollector,
    uses: UseMap,
    item_ranges: Vec<(u32, u32)>,
    /// Its `pub use` items (see `deps`).
    reexports: Vec<deps::Reexport>,
}

fn extra_of(opts: &Options) -> Extra {
    Extra {
        begin: opts.config.begin.clone(),
        end: opts.config.end.clone(),
        guards: opts.config.guards.clone(),
        entry_points: opts.config.entry_points.clone(),
    }
}

/// The second pass, on the crate's thread: parses the functions the
/// analysis walks, alone (few in most crates: those whose text holds a
/// prefilter match, or that are declared impersonated, to begin with),
/// builds the index and analyses; when the analysis needs the syntax of
/// other functions (one it walks calls them while impersonating) or files
/// (lazy statics), parses them and starts over. A function whose text does
/// not parse alone is read from its whole file.
fn second_pass(
    files: &[FileCx],
    items: &[FileItems],
    manifest: &Manifest,
    opts: &Options,
    edition: parse::Edition,
    deps: &DepSummaries,
    export: Option<(String, Vec<deps::Reexport>)>,
) -> (CrateAnalysis, Option<Exports>) {
    let extra = extra_of(opts);
    let fns: Vec<&index::FnDef> = items.iter().flat_map(|it| it.fns.iter()).collect();
    // Boxed: most functions are never parsed alone, and a parsed one is large.
    let mut alone: Vec<Option<Box<ParsedFn>>> = fns.iter().map(|_| None).collect();
    let mut asts: Vec<Option<syn::File>> = files.iter().map(|_| None).collect();
    // Those the analysis walks in any case, and those the cloaking scan
    // reads: parsed before the first round, which would ask for them.
    let mut wanted_fns: BTreeSet<usize> = (0..fns.len())
        .filter(|&id| fns[id].walked_in_any_case() || fns[id].com_hit)
        .collect();
    let mut wanted_files: BTreeSet<usize> = BTreeSet::new();
    // Expanded units parsed whole: for a function a macro made whose text
    // does not parse alone (as a file's function is read from its file).
    let mut wanted_units: BTreeSet<(usize, u32)> = BTreeSet::new();
    let mut unit_asts: BTreeMap<(usize, u32), syn::File> = BTreeMap::new();
    let mut first_fn = Vec::with_capacity(items.len());
    let mut n = 0;
    for it in items {
        first_fn.push(n);
        n += it.fns.len();
    }
    loop {
        for &id in &wanted_fns {
            let f = fns[id];
            let cx = &files[f.file];
            let whole = match f.text.unit {
                Some(u) if cx.unit_kinds.get(u as usize) == Some(&UnitKind::Items) => {
                    unit_asts.contains_key(&(f.file, u))
                }
                _ => asts[f.file].is_some(),
            };
            if alone[id].is_none() && !whole {
                alone[id] = f.text.parse(cx.fn_text(&f.text)).map(Box::new);
                if alone[id].is_none() {
                    match f.text.unit {
                        Some(u) if cx.unit_kinds.get(u as usize) == Some(&UnitKind::Items) => {
                            wanted_units.insert((f.file, u));
                        }
                        // A function whose expanded body does not parse
                        // alone is read, unexpanded, from its file.
                        _ => {
                            wanted_files.insert(f.file);
                        }
                    }
                }
            }
        }
        for &fi in &wanted_files {
            if asts[fi].is_none() {
                // It parsed in the first pass: the same text parses again.
                asts[fi] = parse::parse_file_edition(&files[fi].src, edition).ok();
            }
        }
        for &(fi, u) in &wanted_units {
            if let Some(exp) = files[fi].expansions.get(u as usize) {
                // It parsed when it was collected: it parses again.
                if let Ok(ast) = syn::parse_str::<syn::File>(&exp.text) {
                    unit_asts.entry((fi, u)).or_insert(ast);
                }
            }
        }
        let syntax: Vec<Option<FileSyntax<'_>>> = asts
            .iter()
            .zip(files)
            .map(|(ast, f)| ast.as_ref().map(|ast| collect_syntax(f, ast, &extra)))
            .collect();
        let mut from_units: HashMap<usize, index::text::FnSyntax<'_>> = HashMap::new();
        for (&(fi, u), ast) in &unit_asts {
            let Some(range) = items[fi].units.iter().find(|r| r.unit == u) else {
                continue;
            };
            let exp = &files[fi].expansions[u as usize];
            let found = collect_expansion_syntax(&files[fi], exp, u, ast, &extra);
            if found.len() == range.count {
                for (j, s) in found.into_iter().enumerate() {
                    from_units.insert(first_fn[fi] + range.first + j, s);
                }
            }
        }
        let fn_syntax = alone
            .iter()
            .zip(&fns)
            .enumerate()
            .map(|(id, (p, f))| {
                p.as_ref()
                    .and_then(|p| p.syntax(files[f.file].span_map(&f.text)))
                    .or_else(|| from_units.get(&id).copied())
            })
            .collect();
        let bodies: Vec<&syn::Block> = alone.iter().flatten().filter_map(|p| p.body()).collect();
        let ix = CrateIndex::build(files, items, &syntax, fn_syntax, manifest, extra.clone());
        let facts = CrateFacts::scan(&ix, items, &syntax);
        let macros = MacroArgs::collect(asts.iter().flatten().chain(unit_asts.values()), bodies);
        match analyze_crate(&ix, &facts, &macros, deps, opts.walk_all) {
            Analysis::Done(a) => {
                // What dependents see of this crate.
                let exports = export.map(|(name, reexports)| {
                    Exports::new(name, &ix, &a.summaries, &a.guard_types, reexports, deps)
                });
                return (a, exports);
            }
            Analysis::NeedSyntax {
                fns: more_fns,
                files: more_files,
            } => {
                let before = wanted_fns.len() + wanted_files.len() + wanted_units.len();
                wanted_fns.extend(more_fns);
                wanted_files.extend(more_files);
                // Each round asks for syntax it was not given: more than before.
                assert!(
                    wanted_fns.len() + wanted_files.len() + wanted_units.len() > before,
                    "the analysis needs syntax it was given"
                );
            }
        }
    }
}

/// The crate's `#[macro_export]` macros, for its dependents (`krate` is
/// set to the name each dependent writes the crate by).
fn exported_macros(files: &[FileCx], items: &[FileItems]) -> Vec<crate::expand::DepMacro> {
    let mut out = Vec::new();
    for (f, it) in files.iter().zip(items) {
        for d in it.macros.defs.iter().filter(|d| d.exported) {
            let Some(body) = f.src.text.get(d.body.clone()) else {
                continue;
            };
            out.push(crate::expand::DepMacro {
                krate: String::new(),
                name: d.name.clone(),
                body: body.into(),
                def: crate::expand::text::location(
                    &f.src.display,
                    &f.src.text,
                    d.name_bytes.clone(),
                ),
            });
        }
    }
    out
}

/// The warning for an invocation that was not expanded.
fn not_expanded(f: &FileCx, i: &crate::expand::Incomplete) -> Diagnostic {
    let at = if i.at.is_empty() {
        i.at.start..i.at.start + 1
    } else {
        i.at.clone()
    };
    let mut loc = f.location_of(at);
    // One line is enough to point at an invocation.
    if loc.end_line != loc.line {
        loc.end_line = loc.line;
        loc.end_column = loc.column + i.name.chars().count() as u32;
        loc.byte_end = loc.byte_start + i.name.len();
    }
    Diagnostic {
        lint: builtin::ANALYSIS_INCOMPLETE,
        level: Level::Warn,
        message: format!(
            "`{}!` was not expanded: {}; the code it generates is not checked",
            i.name, i.why
        ),
        location: loc,
        label: "not expanded".to_string(),
        related: Vec::new(),
        notes: vec![format!(
            "imperlint expands the crate's own `macro_rules!` up to {} nested invocations and {} invocations per item",
            crate::expand::MAX_RECURSION,
            crate::expand::MAX_EXPANSIONS
        )],
        help: Some("if the macro is generated or unusual, write the impersonation code it hides without it, or exclude the file with `[paths] exclude`".to_string()),
        fix: None,
    }
}

/// A finding in code a local macro's rules wrote points at the
/// invocation (the macro's name there); it says so, and where the macro is
/// defined (as rustc's "in this macro invocation").
fn note_macro(d: &mut Diagnostic, sites: &[crate::expand::MacroSite]) {
    let at = d.location.byte_start;
    let Some(site) = sites
        .iter()
        .find(|s| s.name_bytes.start <= at && at < s.name_bytes.end)
    else {
        return;
    };
    d.notes.push(format!(
        "in this macro invocation: the code reported is written by the rules of `{}!`",
        site.name
    ));
    d.related.push(crate::diag::Related {
        location: site.def.clone(),
        message: format!("`{}!` is defined here", site.name),
    });
}

/// How each file is declared in the crate (`mod x;` in its parent, with
/// `#[macro_use]` or not), for the textual scope of macros: the files a
/// declaration names, as `source::load_tree` follows them, first declaration
/// first; a crate root, or a file no declaration names, has none.
fn module_parents(files: &[FileCx], items: &[FileItems]) -> Vec<Option<Parent>> {
    let index: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.src.path.as_path(), i))
        .collect();
    let mut parents: Vec<Option<Parent>> = vec![None; files.len()];
    for (fi, (f, it)) in files.iter().zip(items).enumerate() {
        let (dir, mod_dir) = module_dirs(&f.src.path);
        let inline: Vec<&std::ops::Range<usize>> = it
            .macros
            .mods
            .iter()
            .filter_map(|m| m.inline.as_ref())
            .collect();
        for m in &it.macros.mods {
            // `mod x;` at the top of the file (inline modules' own are not taken here).
            if m.inline.is_some() || inline.iter().any(|r| r.contains(&m.at)) {
                continue;
            }
            let candidates = match &m.path {
                Some(p) => vec![dir.join(p)],
                None => vec![
                    mod_dir.join(format!("{}.rs", m.name)),
                    mod_dir.join(&m.name).join("mod.rs"),
                ],
            };
            for c in candidates {
                let Some(&child) = index.get(c.as_path()) else {
                    continue;
                };
                // A cycle of `#[path]` declarations: the first one stands.
                let mut up = Some(fi);
                let mut cycle = false;
                for _ in 0..files.len() {
                    match up {
                        Some(u) if u == child => {
                            cycle = true;
                            break;
                        }
                        Some(u) => up = parents[u].map(|p| p.file),
                        None => break,
                    }
                }
                if parents[child].is_none() && !cycle {
                    parents[child] = Some(Parent {
                        file: fi,
                        at: m.at,
                        macro_use: m.macro_use,
                    });
                }
            }
        }
    }
    parents
}

/// The folder of a file, and the folder its `mod x;` items are looked up in
/// (`x.rs` or `x/mod.rs` there).
fn module_dirs(path: &Path) -> (PathBuf, PathBuf) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mod_dir = if matches!(stem.as_str(), "mod" | "lib" | "main") {
        dir.clone()
    } else {
        dir.join(&stem)
    };
    (dir, mod_dir)
}

/// 1-based line ranges of a top-level item and of every item, impl item
/// and trait item in it (for suppressions), added to `out`.
fn item_ranges(item: &syn::Item, out: &mut Vec<(u32, u32)>) {
    use syn::spanned::Spanned;
    struct V(Vec<(u32, u32)>);
    impl<'ast> Visit<'ast> for V {
        fn visit_item(&mut self, i: &'ast syn::Item) {
            let s = i.span();
            self.0.push((s.start().line as u32, s.end().line as u32));
            syn::visit::visit_item(self, i);
        }
        fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
            let s = i.span();
            self.0.push((s.start().line as u32, s.end().line as u32));
            syn::visit::visit_impl_item(self, i);
        }
        fn visit_trait_item(&mut self, i: &'ast syn::TraitItem) {
            let s = i.span();
            self.0.push((s.start().line as u32, s.end().line as u32));
            syn::visit::visit_trait_item(self, i);
        }
    }
    let mut v = V(std::mem::take(out));
    v.visit_item(item);
    *out = v.0;
}

/// In a folder without `Cargo.toml` (no targets known): `main.rs`, a file
/// in `bin/` or `examples/`, or `build.rs` is taken for a program's root.
fn is_loose_bin_root(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name == "main.rs" || parent == "bin" || parent == "examples" || name == "build.rs"
}

/// A crate the prefilter ruled out: its files are tokenized (so I/O,
/// encoding and lexical errors are reported as when parsing), not parsed
/// or analysed.
fn tokenize_unit(unit: &CrateUnit, files: Vec<Reached>, cx: &UnitCx<'_>, res: &mut CrateResult) {
    res.report.skipped = true;
    res.report.files = files.len();
    for r in files {
        let tokenized = match r.source {
            Ok(src) => parse::tokenize_file(&src),
            Err(d) => Err(d),
        };
        match tokenized {
            Ok(_) => res.files_skipped += 1,
            Err(d) => res.diagnostics.push(d),
        }
    }
    keep_reported_errors(unit, cx, res);
    release_spans();
}

/// When the user named files or folders inside a package, problems in the
/// other files of its crates (read for context) are not reported.
fn keep_reported_errors(unit: &CrateUnit, cx: &UnitCx<'_>, res: &mut CrateResult) {
    if unit.report.is_some() {
        let reported: BTreeSet<String> = unit
            .report
            .iter()
            .flatten()
            .map(|p| source::display_path(p, cx.root))
            .collect();
        res.diagnostics.retain(|d| {
            !matches!(
                d.lint,
                builtin::PARSE_ERROR | builtin::IO_ERROR | builtin::ANALYSIS_INCOMPLETE
            ) || reported
                .iter()
                .any(|r| d.location.file == *r || d.location.file.starts_with(&format!("{r}/")))
        });
    }
}

fn analyse_unit(unit: &CrateUnit, tree: Tree, cx: &UnitCx<'_>, uses: &Uses) -> CrateResult {
    let (opts, lints) = (cx.opts, cx.lints);
    let filter = uses.filter.as_ref().unwrap_or(cx.filter);
    let mut res = CrateResult {
        reached: tree
            .files
            .iter()
            .map(|r| source::display_path(&r.path, cx.root))
            .collect(),
        notes: tree.notes,
        ..CrateResult::default()
    };
    // A pattern in a file, or the two halves of a pipe known by names in
    // any files (see `prefilter::FileHits`).
    let hit = opts.no_prefilter
        || tree
            .files
            .iter()
            .filter_map(|r| r.source.as_ref().ok())
            .fold(prefilter::FileHits::default(), |h, s| {
                h.join(filter.scan(&s.text))
            })
            .crate_hits();
    if !hit {
        // A dependency read for its summaries has none.
        if uses.checked {
            tokenize_unit(unit, tree.files, cx, &mut res);
        }
        return res;
    }
    let manifest = unit.manifest_dir.as_ref().map(|d| {
        fsx::read_text_bounded(&d.join("Cargo.toml"), fsx::CONFIG_LIMIT).unwrap_or_default()
    });
    let edition = parse::Edition::of_manifest(manifest.as_deref());
    let loaded = first_pass(unit, tree.files, cx, filter, &mut res.diagnostics, edition);
    let mut reexports: Vec<deps::Reexport> = Vec::new();
    let (files, items): (Vec<FileCx>, Vec<FileItems>) = loaded
        .into_iter()
        .map(|l| {
            reexports.extend(l.reexports);
            (l.cx, l.items)
        })
        .unzip();
    // Its own re-exports of its dependencies' functions (`crate::x`).
    let deps = &uses.deps.with_own(reexports.clone());
    res.files_analyzed = files.len();
    res.report.files = files.len() + res.diagnostics.len();
    let manifest = manifest.as_deref().map(Manifest::read).unwrap_or_default();
    let (mut files, mut items) = (files, items);
    // The crate's own macros, where they can matter: a crate with no
    // prefilter match anywhere (its macros' bodies included) can produce
    // no finding, expanded or not (see `prefilter`); in the others, the
    // invocations whose code can name what the analysis walks, round by
    // round while expansions make more of them matter.
    let dep_macros = deps.macros();
    let has_macros = items.iter().any(|it| !it.macros.defs.is_empty());
    if files.iter().any(|f| f.prefilter_hit) && (has_macros || !dep_macros.macros.is_empty()) {
        let parents = module_parents(&files, &items);
        let hits = |text: &str| {
            if filter.hits(text) {
                filter.match_starts(text)
            } else {
                Vec::new()
            }
        };
        let extra = extra_of(opts);
        let mut done = Done::default();
        loop {
            let interest = {
                let ix =
                    CrateIndex::build(&files, &items, &[], Vec::new(), &manifest, extra.clone());
                analyze::interest(&ix, deps)
            };
            let mut first_fn = Vec::with_capacity(items.len());
            let mut n = 0;
            for it in &items {
                first_fn.push(n);
                n += it.fns.len();
            }
            let walked = |f: usize, k: usize| interest.walked[first_fn[f] + k];
            let wanted = Wanted {
                names: &interest.names,
                walked: &walked,
            };
            let (incomplete, expanded) = expand_crate(
                &mut files,
                &mut items,
                Resolution {
                    parents: parents.clone(),
                    deps: dep_macros,
                },
                &extra,
                &hits,
                &wanted,
                &mut done,
            );
            for (fi, i) in incomplete {
                res.diagnostics.push(not_expanded(&files[fi], &i));
            }
            if !expanded {
                break;
            }
        }
    }
    let files = files;
    // The analysis runs on this thread alone (no parallel work to steal
    // another crate's in): its walk steps are the counter's difference.
    let steps = crate::walk::steps();
    let export = uses.export.clone().map(|name| (name, reexports));
    let (analysis, exports) = second_pass(&files, &items, &manifest, opts, edition, deps, export);
    res.exports = exports.map(|e| e.with_macros(exported_macros(&files, &items)));
    res.walk_steps = crate::walk::steps().wrapping_sub(steps);
    drop(items);
    let events = analysis.events;
    res.diagnostics
        .extend(analysis.incomplete.iter().map(Incomplete::diagnostic));
    let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for ev in &events {
        for lint in lints {
            let level = opts
                .config
                .level_of(lint.info.name, lint.info.default_level);
            if level == Level::Allow {
                continue;
            }
            let mut found = Vec::new();
            let mut sink = Sink {
                info: lint.info,
                level,
                out: &mut found,
            };
            (lint.check)(ev, &mut sink);
            for d in found {
                by_file.entry(d.location.file.clone()).or_default().push(d);
            }
        }
    }
    // Suppressions, per file.
    let known: Vec<&str> = lints.iter().map(|l| l.info.name).collect();
    let unused_level = opts
        .config
        .level_of(suppress::UNUSED_SUPPRESSION, Level::Warn);
    let invalid_level = opts
        .config
        .level_of(suppress::INVALID_SUPPRESSION, Level::Warn);
    let report = |_display: &str, path: &Path| unit.reports(path);
    for f in &files {
        let display = f.src.display.clone();
        let mut diags = by_file.remove(&display).unwrap_or_default();
        if !f.macro_sites.is_empty() {
            for d in &mut diags {
                note_macro(d, &f.macro_sites);
            }
        }
        // Most files have no suppression at all: skip the scan for them.
        let (sups, mut invalid) = if f.src.text.contains("imperlint") {
            suppress::parse(&display, &f.src.text, &known)
        } else {
            (Vec::new(), Vec::new())
        };
        let before = diags.len();
        let (kept, unused) = suppress::apply(diags, &sups, &f.item_ranges, unused_level);
        if report(&display, &f.src.path) {
            res.suppressed += before - kept.len();
            res.diagnostics.extend(kept);
            res.diagnostics.extend(unused);
            if invalid_level != Level::Allow {
                for d in &mut invalid {
                    d.level = invalid_level;
                }
                res.diagnostics.extend(invalid);
            }
        }
    }
    // Findings in files outside the crate's own list (none expected) are kept.
    for (_, diags) in by_file {
        res.diagnostics.extend(diags);
    }
    keep_reported_errors(unit, cx, &mut res);
    // Sources for snippets, fixes and baselines: those of the reported files
    // a diagnostic points into (the texts of a big tree are not all kept).
    let shown: BTreeSet<&str> = res
        .diagnostics
        .iter()
        .flat_map(|d| {
            std::iter::once(d.location.file.as_str())
                .chain(d.related.iter().map(|r| r.location.file.as_str()))
        })
        .collect();
    let sources: Vec<(String, Arc<str>)> = files
        .iter()
        .filter(|f| shown.contains(f.src.display.as_str()) && report(&f.src.display, &f.src.path))
        .map(|f| (f.src.display.clone(), f.src.text.clone()))
        .collect();
    res.sources = sources;
    release_spans();
    res
}
