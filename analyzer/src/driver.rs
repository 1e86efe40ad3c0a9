//! One run of imperlint: discover, then for each crate (in parallel, on
//! threads with large stacks) read, parse, index, analyse, run the lints,
//! apply suppressions; then merge and sort. It owns failure isolation: a file
//! that cannot be read or parsed becomes a diagnostic, and a panic in one
//! crate's analysis becomes an `internal_error` for that crate while every
//! other crate's results are kept.

use crate::analyze::analyze_crate;
use crate::config::Config;
use crate::diag::{builtin, sort_diagnostics, Diagnostic, Level, Location};
use crate::index::{self, CrateIndex, Extra, FileCx, UseMap};
use crate::lint::{Lint, Sink};
use crate::parse;
use crate::source::{self, CrateUnit, SourceFile};
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use syn::visit::Visit;

/// Stack size of analysis threads: syn and the walk recurse once per nesting level.
pub const STACK_SIZE: usize = 512 << 20;

/// What a run needs.
pub struct Options {
    /// Files and folders to check.
    pub paths: Vec<PathBuf>,
    /// Paths in diagnostics are shown relative to this folder.
    pub root: PathBuf,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    pub config: Config,
    /// When set, only crates whose manifest folder is listed are analysed
    /// (`cargo imperlint` selects packages; nested packages are left out).
    pub only_crates: Option<Vec<PathBuf>>,
}

/// What a run produced.
#[derive(Default)]
pub struct Outcome {
    /// Sorted findings and problems, after levels and suppressions.
    pub diagnostics: Vec<Diagnostic>,
    /// Source text by displayed path, for snippets.
    pub sources: HashMap<String, Arc<str>>,
    /// Files that were parsed and analysed.
    pub files_analyzed: usize,
    /// Named paths that do not exist.
    pub missing: Vec<PathBuf>,
    /// Crates whose analysis failed with an internal error.
    pub internal_errors: usize,
}

/// Runs imperlint over `opts.paths` with `lints`.
pub fn run(opts: &Options, lints: &[&'static Lint]) -> Outcome {
    let exclusions = opts.config.exclusions();
    let root = opts.root.clone();
    let exclude = |p: &Path| {
        let rel = p.strip_prefix(&root).unwrap_or(p);
        exclusions.is_excluded(rel)
    };
    let mut disc = source::discover(&opts.paths, &opts.root, &exclude);
    if let Some(only) = &opts.only_crates {
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let only: Vec<PathBuf> = only.iter().map(|p| canon(p)).collect();
        disc.crates.retain(|c| {
            c.manifest_dir
                .as_ref()
                .is_some_and(|m| only.contains(&canon(m)))
        });
    }
    let mut out = Outcome {
        missing: disc.missing,
        ..Outcome::default()
    };
    out.diagnostics.extend(disc.diagnostics);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .stack_size(STACK_SIZE)
        .thread_name(|i| format!("imperlint-{i}"))
        .build();
    let analyse = |unit: &CrateUnit| -> CrateResult {
        match catch_unwind(AssertUnwindSafe(|| analyse_unit(unit, opts, lints))) {
            Ok(r) => r,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".to_string());
                let first = unit
                    .files
                    .first()
                    .map(|f| source::display_path(f, &opts.root))
                    .unwrap_or_default();
                let crate_name = unit
                    .manifest_dir
                    .as_ref()
                    .map(|m| source::display_path(m, &opts.root))
                    .unwrap_or_else(|| first.clone());
                CrateResult {
                    diagnostics: vec![Diagnostic {
                        lint: builtin::INTERNAL_ERROR,
                        level: Level::Deny,
                        message: format!("imperlint failed while analysing `{crate_name}` ({} files, first `{first}`): {what}", unit.files.len()),
                        location: Location::file_start(first),
                        label: "analysis failed here".to_string(),
                        related: Vec::new(),
                        notes: vec!["this is a bug in imperlint; please report it with the file that triggers it".to_string()],
                        help: None,
                        fix: None,
                    }],
                    internal_error: true,
                    ..CrateResult::default()
                }
            }
        }
    };
    let results: Vec<CrateResult> = match pool {
        Ok(pool) => pool.install(|| disc.crates.par_iter().map(analyse).collect()),
        Err(_) => disc.crates.iter().map(analyse).collect(),
    };
    // Proc-macro2 keeps a per-thread source map of every parsed file.
    for r in results {
        out.diagnostics.extend(r.diagnostics);
        out.sources.extend(r.sources);
        out.files_analyzed += r.files_analyzed;
        out.internal_errors += usize::from(r.internal_error);
    }
    sort_diagnostics(&mut out.diagnostics);
    out
}

#[derive(Default)]
struct CrateResult {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<(String, Arc<str>)>,
    files_analyzed: usize,
    internal_error: bool,
}

/// Loads a crate's files, following `mod x;` (with `#[path]`) and
/// item-level `include!` to files outside the discovered set.
fn load_files(
    unit: &CrateUnit,
    root: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(SourceFile, syn::File)> {
    let mut seen: BTreeSet<PathBuf> = unit.files.iter().cloned().collect();
    let mut queue: Vec<PathBuf> = unit.files.clone();
    let mut out = Vec::new();
    while let Some(p) = queue.pop() {
        let src = match source::read_source(&p, root) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match parse::parse_file(&src) {
            Ok(ast) => {
                for next in referenced_files(&p, &ast) {
                    let canon = next.clone();
                    if canon.is_file() && seen.insert(canon.clone()) {
                        queue.push(canon);
                    }
                }
                out.push((src, ast));
            }
            Err(d) => diags.push(d),
        }
    }
    out.sort_by(|a, b| a.0.display.cmp(&b.0.display));
    out
}

/// Files a parsed file pulls in: `mod x;` and `include!("..")`.
fn referenced_files(path: &Path, ast: &syn::File) -> Vec<PathBuf> {
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
    let mut out = Vec::new();
    for item in &ast.items {
        match item {
            syn::Item::Mod(m) if m.content.is_none() => {
                let explicit = m.attrs.iter().find_map(|a| {
                    if !a.path().is_ident("path") {
                        return None;
                    }
                    match &a.meta {
                        syn::Meta::NameValue(nv) => match &nv.value {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) => Some(s.value()),
                            _ => None,
                        },
                        _ => None,
                    }
                });
                match explicit {
                    Some(p) => out.push(dir.join(p)),
                    None => {
                        let name = m.ident.to_string();
                        out.push(mod_dir.join(format!("{name}.rs")));
                        out.push(mod_dir.join(&name).join("mod.rs"));
                    }
                }
            }
            syn::Item::Macro(m) if m.mac.path.is_ident("include") => {
                if let Ok(lit) = m.mac.parse_body::<syn::LitStr>() {
                    out.push(dir.join(lit.value()));
                }
            }
            _ => {}
        }
    }
    out
}

/// 1-based line ranges of every item, impl item and trait item (for suppressions).
fn item_ranges(ast: &syn::File) -> Vec<(u32, u32)> {
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
    let mut v = V(Vec::new());
    v.visit_file(ast);
    v.0
}

fn is_bin_root(path: &Path, manifest_dir: Option<&Path>) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = manifest_dir;
    name == "main.rs" || parent == "bin" || parent == "examples" || name == "build.rs"
}

fn analyse_unit(unit: &CrateUnit, opts: &Options, lints: &[&'static Lint]) -> CrateResult {
    let mut res = CrateResult::default();
    let loaded = load_files(unit, &opts.root, &mut res.diagnostics);
    let files: Vec<FileCx> = loaded
        .into_iter()
        .map(|(src, ast)| {
            let uses = UseMap::build(&ast);
            let impersonated_markers = index::impersonated_markers(&src.text);
            let is_bin_root = is_bin_root(&src.path, unit.manifest_dir.as_deref());
            FileCx {
                src,
                ast,
                uses,
                impersonated_markers,
                is_bin_root,
            }
        })
        .collect();
    res.files_analyzed = files.len();
    let renames = unit
        .manifest_dir
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join("Cargo.toml")).ok())
        .map(|t| index::cargo_renames(&t))
        .unwrap_or_default();
    let extra = Extra {
        begin: opts.config.begin.clone(),
        end: opts.config.end.clone(),
        guards: opts.config.guards.clone(),
        entry_points: opts.config.entry_points.clone(),
    };
    let ix = CrateIndex::build(&files, renames, extra);
    let analysis = analyze_crate(&files, &ix);
    let events = analysis.events;
    for (loc, function) in analysis.incomplete {
        res.diagnostics.push(Diagnostic {
            lint: builtin::ANALYSIS_INCOMPLETE,
            level: Level::Warn,
            message: format!("an expression in `{function}` nests too deeply to analyse; the rest of it was not checked"),
            location: loc,
            label: "analysis stops here".to_string(),
            related: Vec::new(),
            notes: vec![format!("imperlint follows expressions {} levels deep", crate::walk::MAX_EXPR_DEPTH)],
            help: Some("split the expression (generated code can be excluded with `[paths] exclude`)".to_string()),
            fix: None,
        });
    }
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
    let report = |display: &str, path: &Path| -> bool {
        match &unit.report {
            None => true,
            Some(set) => {
                set.contains(path)
                    || set
                        .iter()
                        .any(|p| source::display_path(p, &opts.root) == display)
            }
        }
    };
    for f in &files {
        let display = f.src.display.clone();
        let diags = by_file.remove(&display).unwrap_or_default();
        // Most files have no suppression at all: skip the scan for them.
        let (sups, mut invalid) = if f.src.text.contains("imperlint") {
            suppress::parse(&display, &f.src.text, &known)
        } else {
            (Vec::new(), Vec::new())
        };
        let ranges = item_ranges(&f.ast);
        let (kept, unused) = suppress::apply(diags, &sups, &ranges, unused_level);
        if report(&display, &f.src.path) {
            res.diagnostics.extend(kept);
            res.diagnostics.extend(unused);
            if invalid_level != Level::Allow {
                for d in &mut invalid {
                    d.level = invalid_level;
                }
                res.diagnostics.extend(invalid);
            }
            res.sources.push((display, f.src.text.clone()));
        }
    }
    // Findings in files outside the crate's own list (none expected) are kept.
    for (_, diags) in by_file {
        res.diagnostics.extend(diags);
    }
    if let Some(set) = &unit.report {
        res.diagnostics.retain(|d| {
            d.lint != builtin::PARSE_ERROR && d.lint != builtin::IO_ERROR
                || set
                    .iter()
                    .any(|p| source::display_path(p, &opts.root) == d.location.file)
        });
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    res
}
