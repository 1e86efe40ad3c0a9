//! Discovery and reading: which crates a run covers, each as one cargo
//! target (lib, bin, example, test, bench, build script) with its root
//! file; the checked roots a run may read in; the module tree of each
//! crate (the files its root reaches through `mod`, `#[path]` and
//! `include!`, see `modules`), every path normalised and bounded; and the
//! text of each file, or the diagnostic that replaces it. It does not
//! parse.
//!
//! Targets are found as cargo finds them, from `Cargo.toml` alone (no cargo
//! is run): `[lib]`, `[[bin]]`, `[[example]]`, `[[test]]`, `[[bench]]` and
//! `build`, plus auto-discovery (`src/lib.rs`, `src/main.rs`,
//! `src/bin/*.rs`, `src/bin/*/main.rs`, `examples/`, `tests/`, `benches/`,
//! `build.rs`) unless `autobins`-style switches turn it off. `.gitignore`
//! and hidden folders never hide a target. `cargo imperlint` gives the
//! targets of `cargo metadata` instead ([`Discovery::of_targets`]). A
//! folder with no `Cargo.toml` at or above it keeps the older rule: its
//! `.rs` files (walked honouring `.gitignore`) are one crate.
//!
//! The checked roots (README, "Running on untrusted code"): the workspace
//! root (or package root) of each named path, found by its `Cargo.toml`, or
//! the named folder itself when there is none. A followed path (module,
//! `#[path]`, `include!`, symbolic link, target root) is made canonical and
//! read only when it lies inside a root, unless the run allows it
//! ([`Policy::allow_outside_roots`]); otherwise a note says so, once per
//! path. Only regular files are read, each up to [`Policy::max_file_size`].

use crate::diag::{builtin, Diagnostic, Level, Location};
use crate::fsx::{self, ReadError};
use crate::modules::{self, ModCx};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One source file's text, as read.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Canonical path on disk (or as given, for text that never was on disk).
    pub path: PathBuf,
    /// Path shown to users: relative to the run's root, forward slashes.
    pub display: String,
    pub text: Arc<str>,
}

/// One crate cargo builds from a package: its kind, names and root file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The package's name, as in `Cargo.toml`.
    pub package: String,
    /// The target's name (a library's with `_` for `-`, as cargo names it).
    pub name: String,
    /// cargo's kinds: `lib` (or the crate types, `proc-macro`), `bin`,
    /// `example`, `test`, `bench`, `custom-build`.
    pub kind: Vec<String>,
    pub manifest_path: PathBuf,
    /// The root file, as the manifest (or `cargo metadata`) names it.
    pub src_path: PathBuf,
}

impl Target {
    /// A program whose `main` ends the process: a bin, an example, a build script.
    pub fn is_program(&self) -> bool {
        self.kind
            .iter()
            .any(|k| matches!(k.as_str(), "bin" | "example" | "custom-build"))
    }

    /// A library other targets of its package can use.
    pub fn is_lib(&self) -> bool {
        self.kind.iter().any(|k| {
            matches!(
                k.as_str(),
                "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
            )
        })
    }

    /// `package` target `name` (kind), for messages.
    pub fn describe(&self) -> String {
        format!(
            "`{}` {} `{}`",
            self.package,
            self.kind.first().map(String::as_str).unwrap_or("target"),
            self.name
        )
    }
}

/// A unit of analysis: one crate. For a cargo package, one target; for a
/// folder without `Cargo.toml`, its `.rs` files together; for a named file
/// no target reaches, that file alone.
#[derive(Clone, Debug, Default)]
pub struct CrateUnit {
    /// The folder holding the package's `Cargo.toml`, if any.
    pub manifest_dir: Option<PathBuf>,
    /// The cargo target this crate is (`None`: a folder without
    /// `Cargo.toml`, or a named file no target reaches).
    pub target: Option<Target>,
    /// The crate's root files: the target's root, or every file of a folder
    /// without `Cargo.toml`. The rest is found by following modules.
    pub files: Vec<PathBuf>,
    /// When the user named files or folders inside the package: those
    /// (canonical), and only findings in files at or under them are
    /// reported (the rest of the crate gives context). `None`: all.
    pub report: Option<Vec<PathBuf>>,
    /// Indices (in [`Discovery::crates`]) of the crates this one uses as
    /// dependencies: a bin, example, test or bench uses its package's
    /// library. Recorded for cross-crate summaries; the analysis does not
    /// read it yet.
    pub deps: Vec<usize>,
}

impl CrateUnit {
    /// Whether findings in `path` (canonical) are reported.
    pub fn reports(&self, path: &Path) -> bool {
        match &self.report {
            None => true,
            Some(named) => named.iter().any(|n| path.starts_with(n)),
        }
    }

    /// A name for messages: the target, else the first file.
    pub fn describe(&self, root: &Path) -> String {
        match &self.target {
            Some(t) => t.describe(),
            None => format!(
                "`{}`",
                self.files
                    .first()
                    .map(|f| display_path(f, root))
                    .unwrap_or_default()
            ),
        }
    }
}

/// What a run may read.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The checked roots, canonical.
    pub roots: Vec<PathBuf>,
    /// Read followed paths outside the roots too (`--allow-outside-roots`).
    pub allow_outside_roots: bool,
    /// The size limit of a source file, in bytes.
    pub max_file_size: u64,
}

impl Policy {
    /// Whether the canonical `path` may be read.
    pub fn admits(&self, path: &Path) -> bool {
        self.allow_outside_roots || self.roots.iter().any(|r| path.starts_with(r))
    }

    fn roots_text(&self) -> String {
        self.roots
            .iter()
            .map(|r| format!("`{}`", r.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub struct Discovery {
    pub crates: Vec<CrateUnit>,
    /// Problems met while discovering (a named file that is a dangling link).
    pub diagnostics: Vec<Diagnostic>,
    /// Paths that were named but do not exist.
    pub missing: Vec<PathBuf>,
    /// The checked roots, canonical.
    pub roots: Vec<PathBuf>,
    /// What was not read and why, one line per path (see [`Tree::notes`]).
    pub notes: Vec<(PathBuf, String)>,
}

/// Turns a path into the form shown to users: relative to `root` when
/// inside it, with forward slashes.
pub fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// `path` made canonical, or as given when that fails.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn io_diag(display: String, message: String) -> Diagnostic {
    Diagnostic {
        lint: builtin::IO_ERROR,
        level: Level::Deny,
        message,
        location: Location::file_start(display),
        label: "could not be read".to_string(),
        related: Vec::new(),
        notes: Vec::new(),
        help: None,
        fix: None,
    }
}

/// Finds the folder of the nearest `Cargo.toml` at or above `start`.
pub fn nearest_manifest_dir(start: &Path) -> Option<PathBuf> {
    // A relative path's parents stop at the current folder (`src/x.rs` →
    // `src` → ``): look from the absolute path so the package above is found.
    let start = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(start))
            .unwrap_or_else(|_| start.to_path_buf())
    };
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// Reads and parses a `Cargo.toml` (bounded, regular files only).
pub fn read_manifest(path: &Path) -> Result<toml::Table, String> {
    let text = fsx::read_text_bounded(path, fsx::CONFIG_LIMIT)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    text.parse::<toml::Table>().map_err(|e| {
        format!(
            "`{}` is not valid TOML: {}",
            path.display(),
            e.message().trim_end()
        )
    })
}

/// Parsed manifests, read once per run.
#[derive(Default)]
struct Manifests(HashMap<PathBuf, Option<Arc<toml::Table>>>);

impl Manifests {
    fn get(&mut self, dir: &Path) -> Option<Arc<toml::Table>> {
        self.0
            .entry(dir.to_path_buf())
            .or_insert_with(|| read_manifest(&dir.join("Cargo.toml")).ok().map(Arc::new))
            .clone()
    }
}

/// The checked root of a named (canonical) path: the workspace root of its
/// package, the package's folder, or the named folder (a file's folder)
/// when no `Cargo.toml` is at or above it.
fn check_root(named: &Path, manifests: &mut Manifests) -> PathBuf {
    let own = if named.is_dir() {
        named.to_path_buf()
    } else {
        named.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    match nearest_manifest_dir(named) {
        Some(pkg) => workspace_root(&pkg, manifests),
        None => own,
    }
}

/// The workspace root of the package in `pkg`: the package itself when its
/// manifest has `[workspace]`, else the first folder above with a
/// `[workspace]` manifest, unless that workspace excludes the package (as
/// cargo decides; `package.workspace` is not read: the search stays above
/// the package).
fn workspace_root(pkg: &Path, manifests: &mut Manifests) -> PathBuf {
    if manifests
        .get(pkg)
        .is_some_and(|m| m.contains_key("workspace"))
    {
        return pkg.to_path_buf();
    }
    let mut dir = pkg.parent();
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            if let Some(m) = manifests.get(d) {
                if let Some(ws) = m.get("workspace").and_then(|w| w.as_table()) {
                    let rel = pkg.strip_prefix(d).unwrap_or(pkg);
                    let excluded = string_list(ws.get("exclude"))
                        .iter()
                        .any(|e| rel.starts_with(normalise_lexically(Path::new(e))));
                    return if excluded {
                        pkg.to_path_buf()
                    } else {
                        d.to_path_buf()
                    };
                }
            }
        }
        dir = d.parent();
    }
    pkg.to_path_buf()
}

/// `path` without `.` and with `a/..` removed, without touching the disk.
fn normalise_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn string_list(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What a named folder holds: package manifests and `.rs` files, walked
/// honouring `.gitignore`, skipping `target/` and `.git/`, never through a
/// symbolic link to a folder (a link to a file is kept; it is resolved and
/// checked against the roots when read). Walk errors (an unreadable folder,
/// a dangling link) are not problems of any crate: skipped.
fn walk(dir: &Path, manifests: &mut BTreeSet<PathBuf>, rs: &mut BTreeSet<PathBuf>) {
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(false)
        .require_git(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir()) && (name == "target" || name == ".git"))
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if entry.file_name() == "Cargo.toml" {
            if let Some(parent) = path.parent() {
                manifests.insert(parent.to_path_buf());
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            rs.insert(path.to_path_buf());
        }
    }
}

/// The member folders of the workspace whose manifest is `ws` in `dir`:
/// its `members` globs expanded on disk, less `exclude`. A member hidden
/// from the walk (git-ignored, hidden) is still a package cargo builds; one
/// outside the roots is not read, and a note says so.
fn workspace_members(
    dir: &Path,
    ws: &toml::Table,
    policy: &Policy,
    notes: &mut Vec<(PathBuf, String)>,
) -> Vec<PathBuf> {
    let excluded: Vec<PathBuf> = string_list(ws.get("exclude"))
        .iter()
        .map(|e| normalise_lexically(Path::new(e)))
        .collect();
    let mut out = Vec::new();
    for pattern in string_list(ws.get("members")) {
        let pattern = normalise_lexically(Path::new(&pattern));
        let mut found = vec![dir.to_path_buf()];
        for part in pattern.components() {
            let part = part.as_os_str().to_string_lossy().into_owned();
            let glob = globset::Glob::new(&part).map(|g| g.compile_matcher()).ok();
            let has_meta = part.contains(['*', '?', '[', '{']);
            let mut next = Vec::new();
            for base in found {
                if !has_meta {
                    next.push(base.join(&part));
                    continue;
                }
                let (Some(glob), Ok(entries)) = (&glob, std::fs::read_dir(&base)) else {
                    continue;
                };
                let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
                names.sort();
                for name in names {
                    if glob.is_match(&name) {
                        next.push(base.join(name));
                    }
                }
            }
            found = next;
            // A pattern cannot make the expansion grow without bound: each
            // step lists one folder level.
            if found.len() > 100_000 {
                break;
            }
        }
        for m in found {
            let rel = m.strip_prefix(dir).unwrap_or(&m).to_path_buf();
            if excluded.iter().any(|e| rel.starts_with(e)) || !m.join("Cargo.toml").is_file() {
                continue;
            }
            let m = canonical(&m);
            if policy.admits(&m) {
                out.push(m);
            } else {
                notes.push((
                    m.clone(),
                    format!(
                        "the workspace `{}` has the member `{}`, outside the checked roots ({}); not read",
                        dir.join("Cargo.toml").display(),
                        m.display(),
                        policy.roots_text()
                    ),
                ));
            }
        }
    }
    out
}

/// The targets of the package in `dir` with manifest `m`, as cargo finds
/// them (see the module documentation). A virtual manifest has none.
pub fn package_targets(dir: &Path, m: &toml::Table) -> Vec<Target> {
    let Some(package) = m
        .get("package")
        .or_else(|| m.get("project"))
        .and_then(|p| p.as_table())
    else {
        return Vec::new();
    };
    let Some(pkg_name) = package.get("name").and_then(|n| n.as_str()) else {
        return Vec::new();
    };
    let edition_2015 = match package.get("edition") {
        None => true,
        Some(v) => v.as_str() == Some("2015"),
    };
    let auto = |key: &str| package.get(key).and_then(|v| v.as_bool());
    let manifest_path = dir.join("Cargo.toml");
    let target = |name: &str, kind: Vec<String>, path: PathBuf| Target {
        package: pkg_name.to_string(),
        name: name.to_string(),
        kind,
        manifest_path: manifest_path.clone(),
        src_path: path,
    };
    let mut out = Vec::new();

    // The library.
    let lib_table = m.get("lib").and_then(|l| l.as_table());
    let inferred_lib = dir.join("src/lib.rs");
    let lib_path = match lib_table
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
    {
        Some(p) => Some(dir.join(p)),
        None if exists(&inferred_lib) && auto("autolib") != Some(false) => Some(inferred_lib),
        None if lib_table.is_some() => {
            let name = lib_name(lib_table, pkg_name);
            let legacy = dir.join(format!("src/{name}.rs"));
            (edition_2015 && exists(&legacy)).then_some(legacy)
        }
        None => None,
    };
    if let Some(path) = lib_path {
        let kind = if lib_table
            .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            vec!["proc-macro".to_string()]
        } else {
            let types = string_list(
                lib_table.and_then(|l| l.get("crate-type").or_else(|| l.get("crate_type"))),
            );
            if types.is_empty() {
                vec!["lib".to_string()]
            } else {
                types
            }
        };
        out.push(target(&lib_name(lib_table, pkg_name), kind, path));
    }

    // Binaries, examples, tests, benches: declared, then inferred.
    let mut bins_inferred = Vec::new();
    if exists(&dir.join("src/main.rs")) {
        bins_inferred.push((pkg_name.to_string(), dir.join("src/main.rs")));
    }
    bins_inferred.extend(infer_from_directory(&dir.join("src/bin")));
    let kinds: [(&str, &str, Inferred, &str); 4] = [
        ("bin", "bin", bins_inferred, "autobins"),
        (
            "example",
            "example",
            infer_from_directory(&dir.join("examples")),
            "autoexamples",
        ),
        (
            "test",
            "test",
            infer_from_directory(&dir.join("tests")),
            "autotests",
        ),
        (
            "bench",
            "bench",
            infer_from_directory(&dir.join("benches")),
            "autobenches",
        ),
    ];
    for (key, kind, inferred, switch) in kinds {
        let declared = m.get(key).and_then(|v| v.as_array());
        let mut names = BTreeSet::new();
        let mut paths = BTreeSet::new();
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        for t in declared.into_iter().flatten().filter_map(|t| t.as_table()) {
            let Some(name) = t.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let path = match t.get("path").and_then(|p| p.as_str()) {
                Some(p) => Some(dir.join(p)),
                None => inferred
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, p)| p.clone())
                    .or_else(|| {
                        // Edition 2015 also accepted `src/NAME.rs` and `src/main.rs`.
                        let legacy = [dir.join(format!("src/{name}.rs")), dir.join("src/main.rs")];
                        edition_2015
                            .then(|| legacy.into_iter().find(|p| exists(p)))
                            .flatten()
                    }),
            };
            let Some(path) = path else { continue };
            names.insert(name.to_string());
            paths.insert(path.clone());
            found.push((name.to_string(), path));
        }
        let discover = match auto(switch) {
            Some(on) => on,
            // Edition 2015 stops inferring a kind once one is declared.
            None => !(edition_2015 && declared.is_some_and(|d| !d.is_empty())),
        };
        if discover {
            for (name, path) in inferred {
                if !names.contains(&name) && !paths.contains(&path) {
                    found.push((name, path));
                }
            }
        }
        for (name, path) in found {
            out.push(target(&name, vec![kind.to_string()], path));
        }
    }

    // The build script.
    let build = match package.get("build") {
        Some(toml::Value::Boolean(false)) => None,
        Some(toml::Value::Boolean(true)) => Some(dir.join("build.rs")),
        Some(toml::Value::String(s)) => Some(dir.join(s)),
        _ => Some(dir.join("build.rs")).filter(|p| p.is_file()),
    };
    if let Some(path) = build {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(target(
            &format!("build-script-{stem}"),
            vec!["custom-build".to_string()],
            path,
        ));
    }
    out
}

/// Targets cargo infers from the layout: (name, root file).
type Inferred = Vec<(String, PathBuf)>;

fn lib_name(lib: Option<&toml::Table>, package: &str) -> String {
    lib.and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| package.replace('-', "_"))
}

/// Whether something is at `path` (a dangling link counts: reading it is
/// then reported).
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// cargo's inference in one folder: `NAME.rs`, and `NAME/main.rs`; names
/// starting with a dot are skipped, as cargo skips them. Neither
/// `.gitignore` nor hidden parents matter.
fn infer_from_directory(dir: &Path) -> Inferred {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Inferred = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if name.starts_with('.') {
                return None;
            }
            let path = e.path();
            if path.is_dir() {
                let main = path.join("main.rs");
                exists(&main).then_some((name, main))
            } else {
                let stem = name.strip_suffix(".rs")?;
                Some((stem.to_string(), path))
            }
        })
        .collect();
    out.sort();
    out
}

/// Collects the crates under `paths` (see the module documentation).
///
/// A named folder that is or holds packages checks all their targets; a
/// named file (or a folder inside a package) checks the targets of its
/// package but reports only on what was named. `exclude` says which files
/// (canonical) are left out.
pub fn discover(paths: &[PathBuf], exclude: &dyn Fn(&Path) -> bool) -> Discovery {
    let mut disc = Discovery::default();
    let mut manifests = Manifests::default();
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    // Package folder → the named paths inside it (`None`: report all).
    let mut packages: BTreeMap<PathBuf, Option<Vec<PathBuf>>> = BTreeMap::new();
    // Folders without `Cargo.toml` → their `.rs` files.
    let mut loose: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    let mut named: Vec<PathBuf> = Vec::new();
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            disc.missing.push(p.clone());
            continue;
        }
        let Ok(canon) = p.canonicalize() else {
            // A named dangling link or loop: it is a file the user asked about.
            let shown = p.to_string_lossy().replace('\\', "/");
            disc.diagnostics.push(io_diag(
                shown.clone(),
                format!("cannot read `{shown}`: a dangling symbolic link or a link loop"),
            ));
            continue;
        };
        roots.insert(check_root(&canon, &mut manifests));
        named.push(canon);
    }
    disc.roots = roots.into_iter().collect();
    let policy = Policy {
        roots: disc.roots.clone(),
        allow_outside_roots: false,
        max_file_size: fsx::DEFAULT_SOURCE_LIMIT,
    };
    for canon in named {
        let add_filtered = |packages: &mut BTreeMap<PathBuf, Option<Vec<PathBuf>>>,
                            pkg: PathBuf| {
            let entry = packages.entry(pkg).or_insert_with(|| Some(Vec::new()));
            if let Some(list) = entry {
                list.push(canon.clone());
            }
        };
        if canon.is_dir() {
            let mut found_manifests = BTreeSet::new();
            let mut rs = BTreeSet::new();
            walk(&canon, &mut found_manifests, &mut rs);
            match nearest_manifest_dir(&canon) {
                Some(pkg) if pkg != canon => add_filtered(&mut packages, pkg),
                _ => {}
            }
            for dir in found_manifests {
                let dir = canonical(&dir);
                if !policy.admits(&dir) {
                    continue;
                }
                if let Some(m) = manifests.get(&dir) {
                    if let Some(ws) = m.get("workspace").and_then(|w| w.as_table()) {
                        for member in workspace_members(&dir, ws, &policy, &mut disc.notes) {
                            packages.insert(member, None);
                        }
                    }
                }
                packages.insert(dir, None);
            }
            for f in rs {
                if exclude(&canonical(&f)) {
                    continue;
                }
                if nearest_manifest_dir(&f).is_none() {
                    loose.entry(canon.clone()).or_default().insert(f);
                }
            }
        } else {
            match nearest_manifest_dir(&canon) {
                Some(pkg) => add_filtered(&mut packages, pkg),
                None => {
                    let parent = canon.parent().map(Path::to_path_buf).unwrap_or_default();
                    loose.entry(parent).or_default().insert(canon.clone());
                }
            }
        }
    }
    for (dir, report) in packages {
        let targets = match manifests.get(&dir) {
            Some(m) => package_targets(&dir, &m),
            None => {
                // An unreadable or invalid manifest: cargo's conventions.
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut fallback = toml::Table::new();
                let mut package = toml::Table::new();
                package.insert("name".into(), toml::Value::String(name));
                package.insert("edition".into(), toml::Value::String("2021".into()));
                fallback.insert("package".into(), toml::Value::Table(package));
                disc.notes.push((
                    dir.join("Cargo.toml"),
                    format!(
                        "`{}` could not be read as a manifest; its targets are taken from cargo's conventions",
                        dir.join("Cargo.toml").display()
                    ),
                ));
                package_targets(&dir, &fallback)
            }
        };
        disc.add_package(&dir, targets, report, exclude);
    }
    for (_, files) in loose {
        disc.crates.push(CrateUnit {
            files: files.into_iter().collect(),
            ..CrateUnit::default()
        });
    }
    disc
}

impl Discovery {
    /// One crate per target (the targets of `cargo metadata`), inside
    /// `roots`.
    pub fn of_targets(targets: Vec<Target>, roots: Vec<PathBuf>) -> Discovery {
        let mut disc = Discovery {
            roots,
            ..Discovery::default()
        };
        let mut by_package: BTreeMap<PathBuf, Vec<Target>> = BTreeMap::new();
        for t in targets {
            by_package
                .entry(t.manifest_path.clone())
                .or_default()
                .push(t);
        }
        for (manifest, targets) in by_package {
            let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
            disc.add_package(&dir, targets, None, &|_| false);
        }
        disc
    }

    /// Adds one crate per target of the package in `dir`, the others
    /// depending on its library.
    fn add_package(
        &mut self,
        dir: &Path,
        targets: Vec<Target>,
        report: Option<Vec<PathBuf>>,
        exclude: &dyn Fn(&Path) -> bool,
    ) {
        let first = self.crates.len();
        let mut lib = None;
        for t in targets {
            if exclude(&canonical(&t.src_path)) {
                continue;
            }
            if t.is_lib() && lib.is_none() {
                lib = Some(self.crates.len());
            }
            self.crates.push(CrateUnit {
                manifest_dir: Some(dir.to_path_buf()),
                files: vec![t.src_path.clone()],
                target: Some(t),
                report: report.clone(),
                deps: Vec::new(),
            });
        }
        if let Some(lib) = lib {
            for (i, unit) in self.crates.iter_mut().enumerate().skip(first) {
                let is_user = unit
                    .target
                    .as_ref()
                    .is_some_and(|t| !t.is_lib() && !t.kind.iter().any(|k| k == "custom-build"));
                if i != lib && is_user {
                    unit.deps.push(lib);
                }
            }
        }
    }
}

/// A file of a crate's module tree.
#[derive(Debug)]
pub struct Reached {
    /// Canonical path.
    pub path: PathBuf,
    /// Its module path in the crate (`[]` for the root).
    pub module: Vec<String>,
    /// Whether it is one of the crate's root files.
    pub is_root: bool,
    /// Its text, or the diagnostic that replaces it.
    pub source: Result<SourceFile, Diagnostic>,
}

/// A crate's module tree, read.
#[derive(Debug, Default)]
pub struct Tree {
    /// Sorted by path.
    pub files: Vec<Reached>,
    /// Paths that were not read because they lie outside the checked roots:
    /// (canonical path, the note).
    pub notes: Vec<(PathBuf, String)>,
}

/// Reads a crate's module tree from its root files, round by round (each
/// round's files in parallel), following `mod`, `#[path]` and `include!`
/// (`modules`). Every path is made canonical, read once whatever the number
/// of ways it is reached (so the set is finite), only inside the roots, and
/// skipped when `exclude` says so. A root or module file that is a dangling
/// link or a loop is an `io_error`; one that is simply not there (the other
/// of `x.rs` and `x/mod.rs`) is nothing.
pub fn load_tree(
    unit: &CrateUnit,
    policy: &Policy,
    root: &Path,
    exclude: &dyn Fn(&Path) -> bool,
    module_of_loose: &dyn Fn(&Path) -> Vec<String>,
) -> Tree {
    let mut tree = Tree::default();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    // (path as reached, canonical, place, is a root).
    let mut round: Vec<(PathBuf, PathBuf, ModCx, bool)> = Vec::new();
    let mut admit = |as_reached: &Path,
                     cx: ModCx,
                     is_root: bool,
                     from: Option<&str>,
                     tree: &mut Tree,
                     round: &mut Vec<(PathBuf, PathBuf, ModCx, bool)>| {
        let canon = match as_reached.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                if exists(as_reached) {
                    let canon = as_reached.to_path_buf();
                    if seen.insert(canon.clone()) {
                        let shown = display_path(as_reached, root);
                        tree.files.push(Reached {
                            path: canon,
                            module: cx.module,
                            is_root,
                            source: Err(io_diag(
                                shown.clone(),
                                format!("cannot read `{shown}`: {}", link_error(&e)),
                            )),
                        });
                    }
                }
                return;
            }
        };
        if !policy.admits(&canon) {
            let what = match from {
                Some(f) => format!("`{f}` refers to `{}`", display_path(as_reached, root)),
                None => format!("the crate root `{}`", display_path(as_reached, root)),
            };
            tree.notes.push((
                canon.clone(),
                format!(
                    "{what}, which is `{}`, outside the checked roots ({}); not read (`--allow-outside-roots` reads it)",
                    canon.display(),
                    policy.roots_text()
                ),
            ));
            return;
        }
        if exclude(&canon) || !seen.insert(canon.clone()) {
            return;
        }
        round.push((as_reached.to_path_buf(), canon, cx, is_root));
    };
    for f in &unit.files {
        let cx = if unit.target.is_some() {
            ModCx::root(f)
        } else {
            ModCx {
                module: module_of_loose(f),
                ..ModCx::loose(f)
            }
        };
        admit(f, cx, true, None, &mut tree, &mut round);
    }
    while !round.is_empty() {
        // Largest files first: one started last would leave the other
        // threads idle at the end.
        round.sort_by_cached_key(|(_, canon, _, _)| {
            std::cmp::Reverse(std::fs::metadata(canon).map(|m| m.len()).unwrap_or(0))
        });
        let done: Vec<(Reached, Vec<modules::Candidate>)> = round
            .into_par_iter()
            .with_max_len(1)
            .map(|(as_reached, canon, cx, is_root)| {
                let source = read_source(&canon, root, policy.max_file_size);
                let next = match &source {
                    Ok(src) => modules::references(&src.text)
                        .iter()
                        .flat_map(|r| {
                            modules::candidates(&as_reached, &cx, r, unit.manifest_dir.as_deref())
                        })
                        .collect(),
                    Err(_) => Vec::new(),
                };
                let reached = Reached {
                    path: canon,
                    module: cx.module,
                    is_root,
                    source,
                };
                (reached, next)
            })
            .collect();
        round = Vec::new();
        let mut children = Vec::new();
        for (reached, next) in done {
            let from = display_path(&reached.path, root);
            children.push((from, next));
            tree.files.push(reached);
        }
        // Deterministic whatever the order the round finished in.
        children.sort_by(|a, b| a.0.cmp(&b.0));
        for (from, next) in children {
            for c in next {
                // The other of `x.rs` and `x/mod.rs` is usually absent.
                if !exists(&c.path) {
                    continue;
                }
                admit(&c.path, c.cx, false, Some(&from), &mut tree, &mut round);
            }
        }
    }
    tree.files.sort_by(|a, b| a.path.cmp(&b.path));
    tree
}

/// Why a path that exists could not be made canonical.
fn link_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "a dangling symbolic link".to_string()
    } else if e.raw_os_error() == Some(40) || e.to_string().contains("symbolic links") {
        "a symbolic link loop".to_string()
    } else {
        e.to_string()
    }
}

/// Reads a file as UTF-8 text (bounded, regular files only), or gives the
/// diagnostic that replaces it.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn read_source(path: &Path, root: &Path, limit: u64) -> Result<SourceFile, Diagnostic> {
    let display = display_path(path, root);
    let bytes = fsx::read_bounded(path, limit).map_err(|e| {
        let message = match e {
            ReadError::NotRegular => {
                format!("`{display}` is not a regular file (a folder, FIFO, socket or device); skipped")
            }
            ReadError::TooLarge { limit } => format!(
                "`{display}` is larger than the {} limit of a source file; not read (`--max-file-size` raises it)",
                fsx::human_size(limit)
            ),
            other => format!("cannot read `{display}`: {other}"),
        };
        io_diag(display.clone(), message)
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile {
            path: path.to_path_buf(),
            display,
            text: Arc::from(text),
        }),
        Err(e) => {
            let mut d = io_diag(
                display.clone(),
                format!(
                    "`{display}` is not valid UTF-8 (invalid byte at offset {}); skipped",
                    e.utf8_error().valid_up_to()
                ),
            );
            d.lint = builtin::PARSE_ERROR;
            d.label = "not UTF-8".to_string();
            Err(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(targets: &[Target], dir: &Path) -> Vec<String> {
        targets
            .iter()
            .map(|t| {
                format!(
                    "{} {} {}",
                    t.kind.join(","),
                    t.name,
                    display_path(&t.src_path, dir)
                )
            })
            .collect()
    }

    #[test]
    fn targets_are_found_as_cargo_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "src/lib.rs",
            "src/main.rs",
            "src/bin/a.rs",
            "src/bin/b/main.rs",
            "src/bin/b/helper.rs",
            "src/bin/.hidden.rs",
            "examples/ex.rs",
            "tests/it.rs",
            "tests/ui/case.rs",
            "benches/speed.rs",
            "build.rs",
            ".tools/gen.rs",
        ] {
            write(d, f, "");
        }
        let m = table(
            "[package]\nname = \"my-svc\"\nedition = \"2021\"\n\n[[bin]]\nname = \"gen\"\npath = \".tools/gen.rs\"\n",
        );
        assert_eq!(
            names(&package_targets(d, &m), d),
            [
                "lib my_svc src/lib.rs",
                "bin gen .tools/gen.rs",
                "bin my-svc src/main.rs",
                "bin a src/bin/a.rs",
                "bin b src/bin/b/main.rs",
                "example ex examples/ex.rs",
                "test it tests/it.rs",
                "bench speed benches/speed.rs",
                "custom-build build-script-build build.rs",
            ]
        );
        // Switches and edition 2015 stop inference.
        let m = table("[package]\nname = \"p\"\nautobins = false\nautotests = false\nbuild = false\nedition = \"2018\"\n[lib]\nproc-macro = true\n");
        assert_eq!(
            names(&package_targets(d, &m), d),
            [
                "proc-macro p src/lib.rs",
                "example ex examples/ex.rs",
                "bench speed benches/speed.rs",
            ]
        );
        let m = table("[package]\nname = \"p\"\n[[bin]]\nname = \"a\"\n");
        assert_eq!(
            names(&package_targets(d, &m), d)
                .into_iter()
                .filter(|n| n.starts_with("bin"))
                .collect::<Vec<_>>(),
            ["bin a src/bin/a.rs"]
        );
        assert!(package_targets(d, &table("[workspace]\nmembers = []\n")).is_empty());
    }

    #[test]
    fn the_root_is_the_workspace_of_the_named_path() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        write(
            &d,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/own\"]\n",
        );
        write(&d, "crates/a/Cargo.toml", "[package]\nname = \"a\"\n");
        write(&d, "crates/a/src/lib.rs", "");
        write(&d, "crates/own/Cargo.toml", "[package]\nname = \"own\"\n");
        write(&d, "loose/x.rs", "");
        let mut m = Manifests::default();
        assert_eq!(check_root(&d.join("crates/a/src/lib.rs"), &mut m), d);
        assert_eq!(check_root(&d.join("crates/a"), &mut m), d);
        assert_eq!(
            check_root(&d.join("crates/own"), &mut m),
            d.join("crates/own")
        );
        let outside = tempfile::tempdir().unwrap();
        let o = outside.path().canonicalize().unwrap();
        write(&o, "x.rs", "");
        assert_eq!(check_root(&o, &mut m), o);
        assert_eq!(check_root(&o.join("x.rs"), &mut m), o);
    }

    #[test]
    fn module_trees_are_normalised_bounded_and_finite() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        let mut lib = String::from("// include!(\"/etc/hostname\");\nmod a;\n");
        // Each declaration names the crate root again through `..`: without
        // normalisation the paths would grow without end.
        for i in 0..20 {
            lib.push_str(&format!("#[path = \"x{i}/../lib.rs\"] mod again{i};\n"));
        }
        lib.push_str("#[path = \"../../outside.rs\"] mod outside;\n");
        write(&d, "p/src/lib.rs", &lib);
        write(&d, "p/src/a.rs", "mod b;\n");
        write(&d, "p/src/a/b.rs", "include!(\"../../gen/table.rs\");\n");
        write(&d, "p/gen/table.rs", "pub fn t() {}\n");
        write(&d, "outside.rs", "pub fn o() {}\n");
        for i in 0..20 {
            std::fs::create_dir_all(d.join(format!("p/src/x{i}"))).unwrap();
        }
        let unit = CrateUnit {
            target: Some(Target {
                package: "p".into(),
                name: "p".into(),
                kind: vec!["lib".into()],
                manifest_path: d.join("p/Cargo.toml"),
                src_path: d.join("p/src/lib.rs"),
            }),
            files: vec![d.join("p/src/lib.rs")],
            ..CrateUnit::default()
        };
        let policy = Policy {
            roots: vec![d.join("p")],
            allow_outside_roots: false,
            max_file_size: 1 << 20,
        };
        let tree = load_tree(&unit, &policy, &d, &|_| false, &|_| Vec::new());
        let files: Vec<(String, Vec<String>)> = tree
            .files
            .iter()
            .map(|r| (display_path(&r.path, &d), r.module.clone()))
            .collect();
        assert_eq!(
            files,
            [
                (
                    "p/gen/table.rs".to_string(),
                    vec!["a".to_string(), "b".to_string()]
                ),
                (
                    "p/src/a/b.rs".to_string(),
                    vec!["a".to_string(), "b".to_string()]
                ),
                ("p/src/a.rs".to_string(), vec!["a".to_string()]),
                ("p/src/lib.rs".to_string(), vec![]),
            ]
        );
        assert_eq!(tree.notes.len(), 1, "{:?}", tree.notes);
        assert!(
            tree.notes[0].1.contains("outside the checked roots"),
            "{:?}",
            tree.notes
        );
        let policy = Policy {
            allow_outside_roots: true,
            ..policy
        };
        let tree = load_tree(&unit, &policy, &d, &|_| false, &|_| Vec::new());
        assert!(tree.files.iter().any(|r| r.path == d.join("outside.rs")));
    }
}
