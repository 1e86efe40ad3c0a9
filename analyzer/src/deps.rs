//! Crates that use each other. It owns three things: which crates of a run
//! a crate depends on (path dependencies its `Cargo.toml` declares, renamed
//! or inherited from the workspace: [`declared`], [`link`]), the order that
//! analyses every crate after the crates it uses ([`waves`]), and what a
//! crate hands its dependents — its functions' summaries and its guard
//! types by path, through its `pub use` re-exports ([`Exports`], and
//! [`DepSummaries`], the `walk::ExternalSummaries` of one dependent). It
//! reads manifests it is given (never a file of its own choosing) and
//! knows nothing of how crates are analysed.

use crate::index::CrateIndex;
use crate::walk::{Effect, ExternalSummaries, Summary};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A dependency a manifest declares, from any of its dependency tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The name the dependent's code writes it under: the table key, `-`
    /// made `_` (`sec` for `sec = { package = "win-security", .. }`).
    pub name: String,
    /// The package's name (`win-security`), as the key says or `package`.
    pub package: String,
    /// Its folder, for a path dependency (relative paths joined to the
    /// manifest's folder, or to the workspace's for `workspace = true`).
    pub path: Option<PathBuf>,
}

/// The dependencies `manifest` (the text of `dir/Cargo.toml`) declares,
/// in every table (`dependencies`, `dev-dependencies`,
/// `build-dependencies`, and the `target.'cfg(..)'.*` ones).
/// `workspace` is the workspace's manifest (its folder and text), for
/// `name = { workspace = true }` / `name.workspace = true`.
pub fn declared(dir: &Path, manifest: &str, workspace: Option<(&Path, &str)>) -> Vec<Declared> {
    let Ok(value) = manifest.parse::<toml::Table>() else {
        return Vec::new();
    };
    let inherited: Option<(PathBuf, toml::Table)> = workspace.and_then(|(wdir, text)| {
        let t = text.parse::<toml::Table>().ok()?;
        let deps = t.get("workspace")?.get("dependencies")?.as_table()?.clone();
        Some((wdir.to_path_buf(), deps))
    });
    let mut tables: Vec<&toml::Table> = Vec::new();
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    for key in kinds {
        tables.extend(value.get(key).and_then(|v| v.as_table()));
    }
    if let Some(target) = value.get("target").and_then(|v| v.as_table()) {
        for cfg in target.values() {
            for key in kinds {
                tables.extend(cfg.get(key).and_then(|v| v.as_table()));
            }
        }
    }
    let mut out: Vec<Declared> = Vec::new();
    for t in tables {
        for (key, spec) in t {
            let inherits = spec
                .get("workspace")
                .and_then(|w| w.as_bool())
                .unwrap_or(false);
            // `workspace = true`: the workspace's entry says where and what.
            let (spec, base): (&toml::Value, &Path) = match (&inherited, inherits) {
                (Some((wdir, deps)), true) => match deps.get(key) {
                    Some(s) => (s, wdir.as_path()),
                    None => continue,
                },
                (None, true) => continue,
                _ => (spec, dir),
            };
            let package = spec
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(key)
                .to_string();
            let path = spec
                .get("path")
                .and_then(|p| p.as_str())
                .map(|p| base.join(p));
            let d = Declared {
                name: key.replace('-', "_"),
                package,
                path,
            };
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// The name a package's library is written under in code: its `[lib]
/// name`, or the package's name with `-` made `_`.
pub fn lib_name(manifest: &str) -> Option<String> {
    let value = manifest.parse::<toml::Table>().ok()?;
    if let Some(n) = value
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
    {
        return Some(n.to_string());
    }
    let name = value.get("package")?.get("name")?.as_str()?;
    Some(name.replace('-', "_"))
}

/// A dependency of a crate among the crates of the run: which one, and the
/// names the dependent's code may write it under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Index of the crate used.
    pub unit: usize,
    /// The dependency key (`sec`), and the library's name (`win_security`,
    /// what `CrateIndex::full_path` makes of a renamed key).
    pub names: Vec<String>,
}

/// The crates of the run each crate's declared dependencies are:
/// `declared[i]` are crate `i`'s declarations, `dirs[j]` crate `j`'s
/// manifest folder (canonical) and `libs[j]` its library's name.
/// Dependencies on folders no crate of the run has are returned apart
/// (`(crate, declaration)`): their sources were not read.
pub fn link(
    declared: &[Vec<Declared>],
    dirs: &[Option<PathBuf>],
    libs: &[Option<String>],
) -> (Vec<Vec<Link>>, Vec<(usize, Declared)>) {
    let by_dir: HashMap<&Path, usize> = dirs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((d.as_deref()?, i)))
        .collect();
    let mut links = vec![Vec::new(); declared.len()];
    let mut unread = Vec::new();
    for (i, decls) in declared.iter().enumerate() {
        for d in decls {
            let Some(path) = &d.path else { continue };
            let canon = path.canonicalize().unwrap_or_else(|_| path.clone());
            match by_dir.get(canon.as_path()) {
                Some(&j) if j != i => {
                    let mut names = vec![d.name.clone()];
                    if let Some(lib) = &libs[j] {
                        names.push(lib.clone());
                    }
                    names.sort();
                    names.dedup();
                    links[i].push(Link { unit: j, names });
                }
                Some(_) => {}
                None => unread.push((i, d.clone())),
            }
        }
    }
    (links, unread)
}

/// The crates in waves: each crate comes in a wave after every crate it
/// uses, so a wave's crates can be analysed in parallel once the earlier
/// waves are done. A cycle (a dev-dependency back on a dependent) is cut:
/// its crates come together in the last wave, without each other's
/// summaries.
pub fn waves(links: &[Vec<Link>]) -> Vec<Vec<usize>> {
    let n = links.len();
    let mut done = vec![false; n];
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut left = n;
    while left > 0 {
        let wave: Vec<usize> = (0..n)
            .filter(|&i| !done[i] && links[i].iter().all(|l| done[l.unit]))
            .collect();
        let wave = if wave.is_empty() {
            (0..n).filter(|&i| !done[i]).collect()
        } else {
            wave
        };
        for &i in &wave {
            done[i] = true;
        }
        left -= wave.len();
        out.push(wave);
    }
    out
}

/// A package of a `Cargo.lock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    /// Its dependencies, as the lock writes them: `name`, or `name version`
    /// when several versions of `name` are locked.
    pub deps: Vec<String>,
}

/// The packages of a `Cargo.lock`'s text (none when it does not parse).
pub fn locked(text: &str) -> Vec<Locked> {
    let Ok(t) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(packages) = t.get("package").and_then(|p| p.as_array()) else {
        return Vec::new();
    };
    packages
        .iter()
        .filter_map(|p| {
            let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let deps = p
                .get("dependencies")
                .and_then(|d| d.as_array())
                .map(|d| {
                    d.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Some(Locked {
                name: s("name")?,
                version: s("version")?,
                deps,
            })
        })
        .collect()
}

/// The version of package `dep` that package `dependent` is locked to.
pub fn locked_version(lock: &[Locked], dependent: &str, dep: &str) -> Option<String> {
    let versions: Vec<&Locked> = lock.iter().filter(|p| p.name == dep).collect();
    // Only the dependent's own entry says which version it uses, and that
    // it uses the dependency at all (an optional dependency that no feature
    // turns on is not in it). A lock that does not list the dependent is
    // another workspace's (a package in a folder of a workspace it is no
    // member of): it pins nothing for this package.
    let from_dependent = lock
        .iter()
        .filter(|p| p.name == dependent)
        .flat_map(|p| &p.deps)
        .find_map(|d| {
            let mut words = d.split_whitespace();
            (words.next() == Some(dep)).then(|| words.next().map(str::to_string))
        })?;
    match (from_dependent, versions.as_slice()) {
        (Some(v), _) => Some(v),
        // cargo writes the bare name when the lock holds one version.
        (None, [one]) => Some(one.version.clone()),
        (None, _) => None,
    }
}

/// cargo's registry source folders, `$CARGO_HOME/registry/src/*`
/// (`~/.cargo` when `CARGO_HOME` is not set): where cargo unpacks the
/// packages it downloaded, after checking their checksums.
pub fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(&src)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether `dir` is a package `cargo vendor` wrote: its checksums beside
/// its manifest.
pub fn is_vendored(dir: &Path) -> bool {
    dir.join(".cargo-checksum.json").is_file()
}

/// Where the source of package `name` `version` is on disk: in `vendor`
/// (`cargo vendor`'s layout: `name/`, or `name-version/` when several
/// versions are vendored; its manifest must say `version`), else in one
/// of the `registries` source folders (`name-version/`).
pub fn source_dir(
    name: &str,
    version: &str,
    vendor: Option<&Path>,
    registries: &[PathBuf],
    read: &dyn Fn(&Path) -> Option<String>,
) -> Option<PathBuf> {
    let versioned = format!("{name}-{version}");
    if let Some(v) = vendor {
        for dir in [v.join(name), v.join(&versioned)] {
            let Some(text) = read(&dir) else { continue };
            let found = text
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| Some(t.get("package")?.get("version")?.as_str()? == version));
            if found == Some(true) && is_vendored(&dir) {
                return Some(dir);
            }
        }
    }
    registries
        .iter()
        .map(|r| r.join(&versioned))
        .find(|d| d.join("Cargo.toml").is_file())
}

/// A package's library root: its manifest's `[lib] path`, or `src/lib.rs`.
pub fn lib_root(dir: &Path, manifest: &str) -> Option<PathBuf> {
    let t = manifest.parse::<toml::Table>().ok()?;
    let rel = t
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .unwrap_or("src/lib.rs");
    let root = dir.join(rel);
    root.is_file().then_some(root)
}

/// A package's name, as its manifest says.
pub fn package_name(manifest: &str) -> Option<String> {
    let t = manifest.parse::<toml::Table>().ok()?;
    Some(t.get("package")?.get("name")?.as_str()?.to_string())
}

/// A `pub use` of a crate: the name it makes visible in its module, and
/// what that name stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reexport {
    /// The module the `use` is in (`[]` for the crate root).
    pub module: Vec<String>,
    /// The name it exports (`None`: a glob, every name of `target`).
    pub name: Option<String>,
    /// The path it names: from the crate's root after `crate`, `self` and
    /// `super` are read (`rooted`), or as written (a child module of
    /// `module`, or another crate).
    pub target: Vec<String>,
    pub rooted: bool,
}

/// The `pub use` items of a file whose module is `module` (its inline
/// `mod` blocks' too): what the crate exports under other paths.
#[cfg(test)]
pub fn reexports(file: &syn::File, module: &[String]) -> Vec<Reexport> {
    let mut out = Vec::new();
    items_reexports(&file.items, module, &mut out);
    out
}

/// The `pub use` items of one item of a module `module` (an inline `mod`
/// block's too), added to `out`.
pub fn item_reexports(item: &syn::Item, module: &[String], out: &mut Vec<Reexport>) {
    items_reexports(std::slice::from_ref(item), module, out);
}

fn items_reexports(items: &[syn::Item], module: &[String], out: &mut Vec<Reexport>) {
    for item in items {
        match item {
            syn::Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => {
                use_tree(&u.tree, module, Vec::new(), out);
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let mut sub = module.to_vec();
                    sub.push(m.ident.to_string());
                    items_reexports(inner, &sub, out);
                }
            }
            _ => {}
        }
    }
}

fn use_tree(tree: &syn::UseTree, module: &[String], prefix: Vec<String>, out: &mut Vec<Reexport>) {
    let mut push = |name: Option<String>, path: Vec<String>| {
        let (target, rooted) = normalise(module, path);
        out.push(Reexport {
            module: module.to_vec(),
            name,
            target,
            rooted,
        });
    };
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            use_tree(&p.tree, module, next, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last().cloned() {
                    push(Some(last), prefix);
                }
            } else {
                let mut path = prefix;
                path.push(name.clone());
                push(Some(name), path);
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix;
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            if r.rename != "_" {
                push(Some(r.rename.to_string()), path);
            }
        }
        syn::UseTree::Glob(_) => push(None, prefix),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree(t, module, prefix.clone(), out);
            }
        }
    }
}

/// A `use` path from `module`, with `crate`, `self` and `super` read:
/// the path from the crate's root and `true`, or the path as written and
/// `false` (`::x` and 2018's `x::..`: another crate, or a child module).
fn normalise(module: &[String], path: Vec<String>) -> (Vec<String>, bool) {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path.as_slice();
    let mut rooted = false;
    while let Some(first) = rest.first() {
        match first.as_str() {
            "crate" => base.clear(),
            "self" => {}
            "super" => {
                base.pop();
            }
            _ => break,
        }
        rooted = true;
        rest = &rest[1..];
    }
    if rooted {
        base.extend(rest.iter().cloned());
        (base, true)
    } else {
        (path, false)
    }
}

/// Paths tried in one lookup through re-exports, at most: a longer chain
/// (or a cycle of `pub use`s) is not followed further.
const MAX_HOPS: usize = 64;

/// The paths a lookup has tried (crate name, path inside it).
type Tried = Vec<(String, Vec<String>)>;

/// What a crate hands its dependents: the summaries of its functions that
/// do something to their callers' impersonation (begin, end, return a
/// guard, run a closure impersonated), by their path inside the crate, its
/// guard types, and its `pub use` re-exports to find them under other
/// paths.
#[derive(Debug, Default)]
pub struct Exports {
    /// The crate's library name (what dependents write by default).
    pub name: String,
    /// Path inside the crate (module, then `Type` for an associated
    /// function, then the name) → summary.
    fns: HashMap<Vec<String>, Summary>,
    /// (`Type`, name) → the summary of the one associated function of
    /// that name on a type of that name (`None` when several differ): a
    /// type re-exported from a module other than its `impl` block's.
    methods: HashMap<(String, String), Option<Summary>>,
    /// Names (last segments) of the crate's guard types (its
    /// dependencies' too: it may re-export them).
    guard_types: Vec<String>,
    reexports: Vec<Reexport>,
    /// The names its own dependencies' wrappers are called by, for its
    /// re-exports of them.
    dep_names: BTreeSet<String>,
    /// Its `#[macro_export]` macros, under every name it exports them by
    /// (`krate` is the crate's library name until a dependent names it).
    pub macros: Vec<crate::expand::DepMacro>,
}

/// Whether a summary is worth handing on: calling the function changes
/// something for its caller.
fn matters(s: &Summary) -> bool {
    s.effect != Effect::None || s.returns_guard || !s.runs_closure.is_empty()
}

impl Exports {
    /// What `ix` (analysed, with `sums` by function id and the names of its
    /// guard types) exports under the library name `name`; `reexports` are
    /// its files' `pub use` items, `deps` what it saw of its dependencies.
    pub fn new(
        name: String,
        ix: &CrateIndex<'_>,
        sums: &[Summary],
        guard_types: &[String],
        reexports: Vec<Reexport>,
        deps: &dyn ExternalSummaries,
    ) -> Exports {
        let mut fns = HashMap::new();
        let mut methods: HashMap<(String, String), Option<Summary>> = HashMap::new();
        for (id, f) in ix.fns.iter().enumerate() {
            let Some(s) = sums.get(id).filter(|s| matters(s)) else {
                continue;
            };
            let mut path: Vec<String> = f.module.to_vec();
            if let Some(t) = &f.self_ty {
                path.push(t.to_string());
                let key = (t.to_string(), f.name.clone());
                let entry = methods.entry(key).or_insert_with(|| Some(s.clone()));
                if entry.as_ref() != Some(s) {
                    *entry = None;
                }
            }
            path.push(f.name.clone());
            fns.insert(path, s.clone());
        }
        Exports {
            name,
            fns,
            methods,
            guard_types: guard_types.to_vec(),
            reexports,
            dep_names: deps.lifecycle_names().into_iter().collect(),
            macros: Vec::new(),
        }
    }

    /// Adds the crate's exported macros (`defs`), and the names its
    /// `pub use crate::name as other;` items give them.
    pub fn with_macros(mut self, defs: Vec<crate::expand::DepMacro>) -> Exports {
        let mut out = defs.clone();
        for r in &self.reexports {
            let (Some(name), [.., last]) = (&r.name, r.target.as_slice()) else {
                continue;
            };
            if !r.rooted || name == last {
                continue;
            }
            if let Some(m) = defs.iter().find(|m| &m.name == last) {
                out.push(crate::expand::DepMacro {
                    name: name.clone(),
                    ..m.clone()
                });
            }
        }
        self.macros = out;
        self
    }

    /// Whether the crate hands nothing on: no summary, no guard type, and
    /// nothing it re-exports can be one.
    pub fn is_empty(&self) -> bool {
        self.fns.is_empty()
            && self.guard_types.is_empty()
            && self.macros.is_empty()
            && (self.reexports.is_empty() || self.dep_names.is_empty())
    }

    /// The summary of the function at `path` inside the crate (after the
    /// crate's name), through re-exports; `others` are the crates a
    /// re-export may name (`pub use winsec_core::impersonate;`).
    fn lookup(&self, path: &[String], others: &Registry, tried: &mut Tried) -> Option<Summary> {
        if let Some(s) = self.fns.get(path) {
            return Some(s.clone());
        }
        let key = (self.name.clone(), path.to_vec());
        if tried.len() >= MAX_HOPS || tried.contains(&key) {
            return None;
        }
        tried.push(key);
        for r in &self.reexports {
            let Some(rest) = path.strip_prefix(r.module.as_slice()) else {
                continue;
            };
            let rest = match &r.name {
                Some(n) => match rest.split_first() {
                    Some((first, rest)) if first == n => rest,
                    _ => continue,
                },
                None if rest.is_empty() => continue,
                None => rest,
            };
            let mut to = r.target.clone();
            to.extend(rest.iter().cloned());
            if r.rooted {
                if let Some(s) = self.lookup(&to, others, tried) {
                    return Some(s);
                }
                continue;
            }
            // As written: a child module of the `use`'s module, or
            // another crate.
            let mut local = r.module.clone();
            local.extend(to.iter().cloned());
            if let Some(s) = self.lookup(&local, others, tried) {
                return Some(s);
            }
            if let Some((krate, inner)) = to.split_first() {
                let dep = others.get(krate).filter(|e| e.name != self.name);
                if let Some(s) = dep.and_then(|e| e.lookup(inner, others, tried)) {
                    return Some(s);
                }
            }
        }
        // `Type::f` where `Type` is re-exported from a module other than
        // its `impl` block's: the one function of that name on that type.
        if let [.., ty, name] = path {
            if ty.starts_with(|c: char| c.is_uppercase()) {
                return self
                    .methods
                    .get(&(ty.clone(), name.clone()))
                    .cloned()
                    .flatten();
            }
        }
        None
    }

    /// The names dependents may call the crate's functions by, when
    /// calling one may begin, end or run a closure impersonated: the
    /// functions' own names and the names re-exports give them.
    fn lifecycle_names(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.fns.keys().filter_map(|p| p.last().cloned()).collect();
        for r in &self.reexports {
            let (Some(name), Some(last)) = (&r.name, r.target.last()) else {
                continue;
            };
            if out.contains(last) || self.dep_names.contains(last) {
                out.insert(name.clone());
            }
        }
        out
    }
}

/// Every crate's exports, by library name (as `CrateIndex::full_path`
/// writes a dependency's path).
pub type Registry = HashMap<String, Arc<Exports>>;

/// The summaries a crate sees of the crates it depends on: each
/// dependency's [`Exports`] under the names its code may write.
#[derive(Default)]
pub struct DepSummaries {
    by_name: Registry,
    /// The dependencies' own dependencies, for re-export chains.
    all: Registry,
    /// The dependent's own `pub use` items, as exports with no function:
    /// `crate::x` where `pub use dep::x;` is a dependency's `x`.
    own: Option<Exports>,
    /// The dependencies' exported macros, under each name the dependent
    /// writes a dependency by.
    macros: crate::expand::DepMacros,
}

impl DepSummaries {
    /// What a crate with `links` sees, given the exports of the crates of
    /// the run analysed so far (by crate index).
    pub fn new(links: &[Link], exports: &HashMap<usize, Arc<Exports>>) -> DepSummaries {
        let mut by_name = Registry::new();
        let mut macros = crate::expand::DepMacros::default();
        for l in links {
            let Some(e) = exports.get(&l.unit).filter(|e| !e.is_empty()) else {
                continue;
            };
            for n in &l.names {
                by_name.insert(n.clone(), e.clone());
                macros
                    .macros
                    .extend(e.macros.iter().map(|m| crate::expand::DepMacro {
                        krate: n.clone(),
                        ..m.clone()
                    }));
            }
        }
        let all = exports
            .values()
            .map(|e| (e.name.clone(), e.clone()))
            .collect();
        DepSummaries {
            by_name,
            all,
            own: None,
            macros,
        }
    }

    /// The dependencies' exported macros the crate may invoke.
    pub fn macros(&self) -> &crate::expand::DepMacros {
        &self.macros
    }

    /// The same, for a crate whose `pub use` items are `reexports`.
    pub fn with_own(&self, reexports: Vec<Reexport>) -> DepSummaries {
        DepSummaries {
            by_name: self.by_name.clone(),
            all: self.all.clone(),
            own: (!self.by_name.is_empty()).then(|| Exports {
                name: "crate".to_string(),
                reexports,
                ..Exports::default()
            }),
            macros: self.macros.clone(),
        }
    }

    /// Nothing to see: no dependency hands anything on.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Names a dependent's text must hold for a dependency's summary to
    /// matter to it (see `prefilter`): the dependencies' wrappers and
    /// closure runners under every name they are exported by, and their
    /// guard types.
    pub fn names(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for e in self.by_name.values() {
            out.extend(e.lifecycle_names());
            out.extend(e.guard_types.iter().cloned());
        }
        // Their macros, whose expansions may call them.
        out.extend(self.macros.macros.iter().map(|m| m.name.clone()));
        out.into_iter().collect()
    }
}

impl ExternalSummaries for DepSummaries {
    fn function(&self, path: &[String]) -> Option<Summary> {
        let (krate, inner) = path.split_first()?;
        match (krate.as_str(), &self.own) {
            // The crate's own re-export of a dependency's function.
            ("crate", Some(own)) => own.lookup(inner, &self.by_name, &mut Vec::new()),
            _ => self
                .by_name
                .get(krate)?
                .lookup(inner, &self.all, &mut Vec::new()),
        }
    }

    fn lifecycle_names(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for e in self.by_name.values() {
            out.extend(e.lifecycle_names());
        }
        // The crate's own names for them (`pub use dep::begin as start;`).
        if let Some(own) = &self.own {
            for r in &own.reexports {
                if let (Some(name), Some(last)) = (&r.name, r.target.last()) {
                    if out.contains(last) {
                        out.insert(name.clone());
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    fn guard_types(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for e in self.by_name.values() {
            out.extend(e.guard_types.iter().cloned());
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_reads_renames_paths_and_workspace_inheritance() {
        let ws = "[workspace]\nmembers = [\"a\"]\n[workspace.dependencies]\nwinsec = { path = \"crates/winsec\" }\nlog = \"0.4\"\n";
        let m = "[package]\nname = \"a\"\n[dependencies]\nsec = { package = \"win-security\", path = \"../sec\" }\nwinsec.workspace = true\nlog = { workspace = true }\nserde = \"1\"\n[target.'cfg(windows)'.dev-dependencies]\nwin-util = { path = \"../util\" }\n";
        let d = declared(Path::new("/w/a"), m, Some((Path::new("/w"), ws)));
        let find = |n: &str| d.iter().find(|x| x.name == n).cloned();
        let sec = find("sec").unwrap();
        assert_eq!(sec.package, "win-security");
        assert_eq!(sec.path, Some(PathBuf::from("/w/a/../sec")));
        assert_eq!(
            find("winsec").unwrap().path,
            Some(PathBuf::from("/w/crates/winsec"))
        );
        assert_eq!(find("log").unwrap().path, None);
        assert_eq!(find("serde").unwrap().path, None);
        assert_eq!(
            find("win_util").unwrap().path,
            Some(PathBuf::from("/w/a/../util"))
        );
        // Without the workspace's manifest, an inherited one is unknown.
        assert!(declared(Path::new("/w/a"), m, None)
            .iter()
            .all(|x| x.name != "winsec"));
    }

    #[test]
    fn lock_versions_follow_the_dependent() {
        let lock = locked(
            r#"
version = 3
[[package]]
name = "svc"
version = "0.1.0"
dependencies = ["pipe-ipc 0.4.2", "serde"]
[[package]]
name = "pipe-ipc"
version = "0.4.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "pipe-ipc"
version = "0.3.0"
[[package]]
name = "serde"
version = "1.0.210"
"#,
        );
        assert_eq!(lock.len(), 4);
        assert_eq!(
            locked_version(&lock, "svc", "pipe-ipc").as_deref(),
            Some("0.4.2")
        );
        assert_eq!(
            locked_version(&lock, "svc", "serde").as_deref(),
            Some("1.0.210")
        );
        // Two versions and no word from the dependent: unknown.
        assert_eq!(locked_version(&lock, "other", "pipe-ipc"), None);
        // A package the lock does not list (another workspace's lock, found
        // above a package that is no member): nothing, even for a
        // dependency the lock holds once.
        assert_eq!(locked_version(&lock, "other", "serde"), None);
        // The dependent does not use it (an optional dependency left off).
        assert_eq!(locked_version(&lock, "pipe-ipc", "serde"), None);
        assert!(locked("not toml [").is_empty());
    }

    #[test]
    fn lib_names() {
        assert_eq!(
            lib_name("[package]\nname = \"win-security\"\n").as_deref(),
            Some("win_security")
        );
        assert_eq!(
            lib_name("[package]\nname = \"win-security\"\n[lib]\nname = \"winsec\"\n").as_deref(),
            Some("winsec")
        );
    }

    fn link_to(unit: usize) -> Link {
        Link {
            unit,
            names: Vec::new(),
        }
    }

    #[test]
    fn waves_put_dependencies_first_and_cut_cycles() {
        // 0 uses 1, 1 uses 2, 3 alone; 4 and 5 use each other.
        let links = vec![
            vec![link_to(1)],
            vec![link_to(2)],
            vec![],
            vec![],
            vec![link_to(5)],
            vec![link_to(4)],
        ];
        assert_eq!(
            waves(&links),
            vec![vec![2, 3], vec![1], vec![0], vec![4, 5]]
        );
    }

    #[test]
    fn reexports_are_read_from_crate_self_super_and_relative_paths() {
        let f: syn::File = syn::parse_str(
            "pub use guard::{impersonate_client, ClientGuard as Guard}; pub use crate::run::*; use hidden::x; pub(crate) use inner::y; pub mod m { pub use super::a::b; pub use self::c::*; }",
        )
        .unwrap();
        let r = reexports(&f, &[]);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(r.len(), 5, "{r:#?}");
        assert_eq!(r[0].name.as_deref(), Some("impersonate_client"));
        assert_eq!(r[0].target, s(&["guard", "impersonate_client"]));
        assert!(!r[0].rooted);
        assert_eq!(r[1].name.as_deref(), Some("Guard"));
        assert_eq!(r[2].name, None);
        assert_eq!((r[2].target.clone(), r[2].rooted), (s(&["run"]), true));
        assert_eq!(r[3].module, s(&["m"]));
        assert_eq!((r[3].target.clone(), r[3].rooted), (s(&["a", "b"]), true));
        assert_eq!((r[4].target.clone(), r[4].rooted), (s(&["m", "c"]), true));
    }

    fn begins() -> Summary {
        Summary {
            effect: Effect::Begins,
            returns_guard: true,
            ..Summary::default()
        }
    }

    fn exports(name: &str, fns: &[(&[&str], Summary)], reexports: Vec<Reexport>) -> Exports {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Exports {
            name: name.to_string(),
            fns: fns.iter().map(|(p, x)| (s(p), x.clone())).collect(),
            methods: HashMap::new(),
            guard_types: vec!["ClientGuard".into()],
            reexports,
            dep_names: BTreeSet::new(),
            macros: Vec::new(),
        }
    }

    #[test]
    fn exported_macros_reach_dependents_under_every_name_and_rename() {
        let def = crate::expand::DepMacro {
            krate: String::new(),
            name: "client_guard".to_string(),
            body: "() => {}".into(),
            def: crate::diag::Location::file_start("crates/winsec/src/macros.rs"),
        };
        // `pub use crate::client_guard as guard;` exports it twice.
        let rename = Reexport {
            module: Vec::new(),
            name: Some("guard".to_string()),
            target: vec!["client_guard".to_string()],
            rooted: true,
        };
        let e = exports("win_security", &[], vec![rename]).with_macros(vec![def]);
        let link = Link {
            unit: 0,
            names: vec!["sec".to_string(), "win_security".to_string()],
        };
        let deps = DepSummaries::new(&[link], &HashMap::from([(0, Arc::new(e))]));
        let mut seen: Vec<(String, String)> = deps
            .macros()
            .macros
            .iter()
            .map(|m| (m.krate.clone(), m.name.clone()))
            .collect();
        seen.sort();
        let pair = |k: &str, n: &str| (k.to_string(), n.to_string());
        assert_eq!(
            seen,
            vec![
                pair("sec", "client_guard"),
                pair("sec", "guard"),
                pair("win_security", "client_guard"),
                pair("win_security", "guard"),
            ]
        );
        assert!(deps.names().contains(&"client_guard".to_string()));
    }

    #[test]
    fn lookups_follow_reexport_chains_renames_and_other_crates() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let core = Arc::new(exports(
            "winsec_core",
            &[(&["pipe", "impersonate_client"], begins())],
            vec![Reexport {
                module: vec![],
                name: None,
                target: s(&["pipe"]),
                rooted: false,
            }],
        ));
        // `pub use winsec_core::impersonate_client as impersonate;`, and a
        // module re-exported whole under another name.
        let mut winsec = exports(
            "winsec",
            &[],
            vec![Reexport {
                module: vec![],
                name: Some("impersonate".into()),
                target: s(&["winsec_core", "impersonate_client"]),
                rooted: false,
            }],
        );
        winsec.dep_names.insert("impersonate_client".into());
        let winsec = Arc::new(winsec);
        let mut all = HashMap::new();
        all.insert(0, core);
        all.insert(1, winsec);
        let deps = DepSummaries::new(
            &[Link {
                unit: 1,
                names: s(&["sec", "winsec"]),
            }],
            &all,
        );
        for name in ["sec", "winsec"] {
            assert_eq!(
                deps.function(&s(&[name, "impersonate"])),
                Some(begins()),
                "{name}"
            );
        }
        assert_eq!(deps.function(&s(&["winsec", "other"])), None);
        // Only declared dependencies are seen (winsec_core is not one).
        assert_eq!(
            deps.function(&s(&["winsec_core", "impersonate_client"])),
            None
        );
        assert!(deps.lifecycle_names().contains(&"impersonate".to_string()));
        assert_eq!(deps.guard_types(), vec!["ClientGuard".to_string()]);
    }

    #[test]
    fn a_cycle_of_reexports_ends() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let e = exports(
            "c",
            &[],
            vec![
                Reexport {
                    module: vec![],
                    name: Some("a".into()),
                    target: s(&["b"]),
                    rooted: true,
                },
                Reexport {
                    module: vec![],
                    name: Some("b".into()),
                    target: s(&["a"]),
                    rooted: true,
                },
            ],
        );
        assert_eq!(
            e.lookup(&s(&["a"]), &Registry::new(), &mut Vec::new()),
            None
        );
    }
}
