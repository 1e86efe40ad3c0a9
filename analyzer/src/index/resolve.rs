//! Name resolution: a path, through its file's imports, the crate's
//! renames (`Cargo.toml`, `extern crate`) and the configured wrappers, to a
//! local function, a catalog API or nothing known ([`Target`]).

use super::CrateIndex;
use crate::catalog::{self, Api};
use std::collections::HashMap;

/// What resolution found for a called or used path.
#[derive(Clone, Debug)]
pub enum Target {
    /// A function of this crate (candidates by id).
    Local(Vec<usize>),
    /// A catalog API.
    Api(&'static Api),
    /// A configured begin/end wrapper from another crate.
    ExtraBegin(String),
    ExtraEnd(String),
    Unknown,
}

impl CrateIndex<'_> {
    /// Resolves a path through the file's imports and the crate's renames.
    pub fn full_path(&self, fi: usize, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.full_segments(fi, segs)
    }

    pub fn full_segments(&self, fi: usize, segs: Vec<String>) -> Vec<String> {
        let mut out = self.import_path(fi, segs);
        if let Some(first) = out.first_mut() {
            if let Some(real) = self.crate_renames.get(first.as_str()) {
                *first = real.clone();
            }
        }
        out
    }

    /// A path through the file's imports only: its crate root as the code
    /// names it, before `Cargo.toml` renames (which [`Self::full_segments`]
    /// applies), so the root still tells which dependency it is.
    pub fn import_path(&self, fi: usize, segs: Vec<String>) -> Vec<String> {
        let Some(first) = segs.first() else {
            return segs;
        };
        let mut out = match self.files[fi].uses.names.get(first) {
            Some(full) if !matches!(first.as_str(), "crate" | "self" | "super" | "Self") => {
                let mut v = full.clone();
                v.extend(segs[1..].iter().cloned());
                v
            }
            _ => segs,
        };
        // A second hop through the same file's imports (`use windows::Win32; use Win32::Security::*`).
        if out.len() > 1 {
            if let Some(full) = self.files[fi].uses.names.get(&out[0]) {
                if full.len() > 1 || full[0] != out[0] {
                    let mut v = full.clone();
                    v.extend(out[1..].iter().cloned());
                    out = v;
                }
            }
        }
        out
    }

    fn is_windows_root(&self, root: &str) -> bool {
        catalog::WINDOWS_CRATES.contains(&root)
    }

    /// Resolves a called or used path to a local function, a catalog API,
    /// or nothing known.
    pub fn resolve_path(&self, fi: usize, path: &syn::Path) -> Target {
        self.resolve_path_in(fi, path, None)
    }

    /// Like [`CrateIndex::resolve_path`], from code in module `from` (for
    /// module-relative lookups of local functions).
    pub fn resolve_path_in(&self, fi: usize, path: &syn::Path, from: Option<&[String]>) -> Target {
        let segs = self.full_path(fi, path);
        let Some(last) = segs.last().cloned() else {
            return Target::Unknown;
        };
        for b in &self.extra.begin {
            if extra_matches(b, &segs) {
                return Target::ExtraBegin(last);
            }
        }
        for e in &self.extra.end {
            if extra_matches(e, &segs) {
                return Target::ExtraEnd(last);
            }
        }
        let root = segs[0].as_str();
        let windows_rooted = segs.len() > 1 && self.is_windows_root(root);
        let local_root = matches!(root, "crate" | "self" | "super" | "Self");
        // Local functions shadow the catalog unless the path names a Windows crate.
        if !windows_rooted {
            if let Some(ids) = self.local_candidates(fi, &segs, from) {
                return Target::Local(ids);
            }
        }
        if local_root && !self.extern_fns.contains(last.as_str()) {
            return Target::Unknown;
        }
        if windows_rooted || self.extern_fns.contains(last.as_str()) {
            if let Some(api) = catalog::win32(&last) {
                return Target::Api(api);
            }
        }
        if let Some(api) = catalog::by_path(&segs) {
            return Target::Api(api);
        }
        if segs.len() == 1 {
            // A bare name: imported by glob from a Windows crate (or a local
            // re-export of one), or declared by hand.
            if let Some(api) = catalog::win32(&last) {
                let globbed = self.files[fi].uses.globs.iter().any(|g| {
                    g.first().is_some_and(|r| {
                        self.is_windows_root(&self.full_segments(fi, g.clone())[0])
                            || !self.crate_renames.is_empty() && self.crate_renames.contains_key(r)
                    })
                });
                let any_glob = !self.files[fi].uses.globs.is_empty();
                if globbed || any_glob || self.extern_fns.contains(last.as_str()) {
                    return Target::Api(api);
                }
            }
            // A glob-imported std/ecosystem item: try each glob's path.
            for g in &self.files[fi].uses.globs {
                let mut full = self.full_segments(fi, g.clone());
                full.push(last.clone());
                if let Some(api) = catalog::by_path(&full) {
                    return Target::Api(api);
                }
            }
        } else if !local_root {
            // A module path into a Windows crate via a local alias module
            // (`mod ffi { pub use windows_sys::Win32::Security::*; }`): the
            // last segment is a Win32 name and no local function has it.
            if let Some(api) = catalog::win32(&last) {
                if !self.defines_fn(&last)
                    && self.files.iter().any(|f| {
                        f.uses
                            .globs
                            .iter()
                            .any(|g| g.first().is_some_and(|r| self.is_windows_root(r)))
                    })
                {
                    return Target::Api(api);
                }
            }
        }
        Target::Unknown
    }

    /// Local functions a path may name: by last segment, narrowed by the
    /// type before it (`Type::f`) or by the module path (`util::f`,
    /// `crate::util::f`, `self::f`, `super::f`); a bare `f` names a function
    /// of the caller's own module or of a glob-imported local module.
    fn local_candidates(
        &self,
        fi: usize,
        segs: &[String],
        from: Option<&[String]>,
    ) -> Option<Vec<usize>> {
        let last = segs.last()?;
        let ids: Vec<usize> = self.fns_named(last).collect();
        if ids.is_empty() {
            return None;
        }
        let qualifier = if segs.len() >= 2 {
            Some(segs[segs.len() - 2].as_str())
        } else {
            None
        };
        let upper = |s: &str| s.chars().next().is_some_and(|c| c.is_uppercase());
        let chosen: Vec<usize> = match qualifier {
            Some(q) if q != "Self" && upper(q) => ids
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.as_deref() == Some(q))
                .collect(),
            Some("Self") => ids
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.is_some())
                .collect(),
            _ => {
                let free: Vec<usize> = ids
                    .iter()
                    .copied()
                    .filter(|&i| self.fns[i].self_ty.is_none())
                    .collect();
                let Some(from) = from else {
                    return if free.is_empty() { None } else { Some(free) };
                };
                let module_wanted: Option<Vec<String>> = if segs.len() == 1 {
                    Some(from.to_vec())
                } else {
                    let mut base: Vec<String> = from.to_vec();
                    let mut rest = &segs[..segs.len() - 1];
                    let mut anchored = false;
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "crate" => {
                                base.clear();
                                anchored = true;
                            }
                            "self" => anchored = true,
                            "super" => {
                                base.pop();
                                anchored = true;
                            }
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                    if anchored {
                        base.extend(rest.iter().cloned());
                        Some(base)
                    } else {
                        // `util::f`: a module path relative to here or to the crate root.
                        let suffix = rest.to_vec();
                        let found: Vec<usize> = free
                            .iter()
                            .copied()
                            .filter(|&i| self.fns[i].module.ends_with(&suffix))
                            .collect();
                        return if found.is_empty() { None } else { Some(found) };
                    }
                };
                let wanted = module_wanted.unwrap_or_default();
                let mut found: Vec<usize> = free
                    .iter()
                    .copied()
                    .filter(|&i| *self.fns[i].module == wanted[..])
                    .collect();
                if found.is_empty() && segs.len() == 1 {
                    // Glob imports of local modules (`use crate::util::*;`).
                    for g in &self.files[fi].uses.globs {
                        let g: Vec<String> = g
                            .iter()
                            .filter(|s| !matches!(s.as_str(), "crate" | "self" | "super"))
                            .cloned()
                            .collect();
                        found.extend(
                            free.iter()
                                .copied()
                                .filter(|&i| self.fns[i].module.ends_with(&g) && !g.is_empty()),
                        );
                    }
                }
                found
            }
        };
        if chosen.is_empty() {
            None
        } else {
            Some(chosen)
        }
    }

    /// Local methods named `name`, narrowed by the receiver's type when known.
    pub fn local_methods_named(&self, name: &str, receiver_ty: Option<&str>) -> Vec<usize> {
        let ids: Vec<usize> = self.fns_named(name).collect();
        let methods: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|&i| self.fns[i].self_ty.is_some() && self.fns[i].has_receiver)
            .collect();
        if let Some(t) = receiver_ty {
            let typed: Vec<usize> = methods
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.as_deref() == Some(t))
                .collect();
            if !typed.is_empty() {
                return typed;
            }
            if self.local_types.contains(t) {
                return Vec::new();
            }
        }
        if methods.len() == 1 {
            methods
        } else {
            Vec::new()
        }
    }
}

fn extra_matches(configured: &str, segs: &[String]) -> bool {
    let parts: Vec<&str> = configured.split("::").collect();
    let n = parts.len().min(segs.len());
    n > 0
        && parts[parts.len() - n..]
            .iter()
            .zip(&segs[segs.len() - n..])
            .all(|(a, b)| *a == b)
        && parts.last() == segs.last().map(String::as_str).as_ref()
}

/// What the analysis reads of a package's `Cargo.toml`: its dependencies'
/// renames and versions.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// `win = { package = "windows" }` → `win` means `windows` ([`cargo_renames`]).
    pub renames: HashMap<String, String>,
    /// A dependency's name as the code writes it → the `(major, minor)` its
    /// requirement pins ([`dependency_versions`]).
    pub versions: HashMap<String, (u64, u64)>,
}

impl Manifest {
    pub fn read(manifest: &str) -> Manifest {
        Manifest {
            renames: cargo_renames(manifest),
            versions: dependency_versions(manifest),
        }
    }
}

/// The dependency tables of a manifest: `[dependencies]`, dev and build
/// dependencies, and the same under `[target.'cfg(..)']`.
fn dependency_tables(value: &toml::Table) -> Vec<&toml::Table> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = value.get(key).and_then(|v| v.as_table()) {
            tables.push(t);
        }
    }
    if let Some(target) = value.get("target").and_then(|v| v.as_table()) {
        for (_, cfg) in target {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = cfg.get(key).and_then(|v| v.as_table()) {
                    tables.push(t);
                }
            }
        }
    }
    tables
}

/// The `(major, minor)` each dependency's requirement pins, by the name
/// the code uses (dashes as underscores): `"0.52"`, `"^0.58.0"`, `"=0.48.5"`,
/// `"~0.52"` pin a minor version (for `0.x`, the minor is what breaks, so
/// it decides). Ranges (`">=0.52"`, `"*"`), `workspace = true` and paths
/// without a version pin nothing; a dependency listed twice with different
/// pins is left out.
pub fn dependency_versions(manifest: &str) -> HashMap<String, (u64, u64)> {
    let mut out: HashMap<String, Option<(u64, u64)>> = HashMap::new();
    let Ok(value) = manifest.parse::<toml::Table>() else {
        return HashMap::new();
    };
    for t in dependency_tables(&value) {
        for (name, spec) in t {
            let req = match spec {
                toml::Value::String(s) => Some(s.as_str()),
                other => other.get("version").and_then(|v| v.as_str()),
            };
            let Some(pin) = req.and_then(pinned_minor) else {
                continue;
            };
            let e = out.entry(name.replace('-', "_")).or_insert(Some(pin));
            if *e != Some(pin) {
                *e = None;
            }
        }
    }
    out.into_iter().filter_map(|(k, v)| Some((k, v?))).collect()
}

/// `"0.52"`, `"^0.52.1"`, `"=0.52.0"`, `"~0.52"` → `(0, 52)`; anything
/// else (ranges, several requirements, wildcards) → `None`.
fn pinned_minor(req: &str) -> Option<(u64, u64)> {
    let r = req.trim();
    let r = r
        .strip_prefix('^')
        .or_else(|| r.strip_prefix('='))
        .or_else(|| r.strip_prefix('~'))
        .unwrap_or(r)
        .trim();
    let mut parts = r.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    // A patch, if any, must be a number (no `*`, no pre-release ranges).
    if parts
        .clone()
        .any(|p| p.parse::<u64>().is_err() && !p.contains('-'))
        || parts.count() > 1
    {
        return None;
    }
    Some((major, minor))
}

/// Reads `[dependencies]`-style renames from a Cargo.toml
/// (`win = { package = "windows", … }` → `win` means `windows`), with
/// dashes turned into underscores as rustc does.
pub fn cargo_renames(manifest: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(value) = manifest.parse::<toml::Table>() else {
        return out;
    };
    for t in dependency_tables(&value) {
        for (name, spec) in t {
            if let Some(pkg) = spec.get("package").and_then(|p| p.as_str()) {
                out.insert(name.replace('-', "_"), pkg.replace('-', "_"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_renames_are_read() {
        let r = cargo_renames(
            "[dependencies]\nwin = { package = \"windows\", version = \"0.48\" }\nserde = \"1\"\n",
        );
        assert_eq!(r.get("win").map(String::as_str), Some("windows"));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn dependency_versions_are_pinned_minors() {
        let v = dependency_versions(
            "[dependencies]\nwindows-sys = \"0.52\"\nold = { package = \"windows\", version = \"=0.48.5\" }\n\
             winapi = { version = \"^0.3.9\", features = [] }\nloose = \">=0.52\"\nstar = \"*\"\n\
             shared = { workspace = true }\n[target.'cfg(windows)'.dependencies]\nwindows = \"0.58.0\"\n",
        );
        assert_eq!(v.get("windows_sys"), Some(&(0, 52)));
        assert_eq!(v.get("old"), Some(&(0, 48)));
        assert_eq!(v.get("winapi"), Some(&(0, 3)));
        assert_eq!(v.get("windows"), Some(&(0, 58)));
        assert_eq!(v.len(), 4, "{v:?}");
    }

    #[test]
    fn a_dependency_pinned_twice_differently_is_not_pinned() {
        let v = dependency_versions(
            "[dependencies]\nwindows = \"0.48\"\n[dev-dependencies]\nwindows = \"0.58\"\n",
        );
        assert!(v.is_empty());
    }
}
