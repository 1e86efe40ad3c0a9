//! The items of a crate's macro expansions, between the first pass and
//! the second: for each file whose invocations name a local
//! `macro_rules!` (in parallel over files), the units `expand` makes are
//! parsed from their text and collected like the file's own items — the
//! items an invocation generates are added to the file's
//! ([`FileItems::absorb`]), a function whose body invoked a local macro is
//! collected again from its expanded text ([`collect::refresh_fn`]) — and
//! their texts and invocation sites are kept with the file ([`FileCx`]).
//!
//! Only invocations whose expansion can change a result are expanded
//! ([`Wanted`]): most crates' macros generate code the analysis never
//! walks (bindings, trait impls, constants). The driver calls
//! [`expand_crate`] again while expansions add functions that make more
//! invocations matter.

use super::collect::{self, collect_expansion};
use super::file::FileCx;
use super::names::NameSet;
use super::text::ParsedFn;
use super::{Extra, FileItems, FnDef};
use crate::expand::scope::Parent;
use crate::expand::{
    CallCx, CrateMacros, DepMacros, Expander, FileRef, Incomplete, Unit, UnitKind,
};
use crate::parse;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What expanding one file produced.
struct FileResult {
    units: Vec<(Unit, Collected)>,
    incomplete: Vec<Incomplete>,
}

/// A unit's items, or its function collected again.
enum Collected {
    Items(Box<FileItems>),
    Fn(usize, Box<FnDef>),
}

/// Which units an expansion round expands: those whose code can name
/// what the analysis may walk (see `analyze::interest`).
pub struct Wanted<'w> {
    /// The names code the analysis may walk uses.
    pub names: &'w NameSet,
    /// Whether function `k` of file `f` (`walked(f, k)`) may be walked.
    pub walked: &'w (dyn Fn(usize, usize) -> bool + Sync),
}

/// What an invocation may name besides the crate's own definitions'
/// textual scope: how each file is declared (`mod x;`), and the
/// dependencies' exported macros.
pub struct Resolution<'d> {
    pub parents: Vec<Option<Parent>>,
    pub deps: &'d DepMacros,
}

/// The units already expanded (or given up on), by file: item invocations
/// and `impl` blocks by their first byte, functions by index.
#[derive(Default)]
pub struct Done {
    calls: BTreeSet<(usize, usize)>,
    fns: BTreeSet<(usize, usize)>,
}

/// Expands the crate's local macros whose expansion is [`Wanted`] and not
/// [`Done`], and collects what they generate. `macros.parents[f]` says how file
/// `f` is declared (`mod x;`); `hits` finds the prefilter's matches in a
/// text. Returns the invocations that could not be expanded (the file,
/// where, and why) and whether anything was expanded.
pub fn expand_crate(
    files: &mut [FileCx],
    items: &mut [FileItems],
    macros: Resolution<'_>,
    extra: &Extra,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
    wanted: &Wanted<'_>,
    done: &mut Done,
) -> (Vec<(usize, Incomplete)>, bool) {
    let Resolution { parents, deps } = macros;
    if items.iter().all(|it| it.macros.defs.is_empty()) && deps.macros.is_empty() {
        return (Vec::new(), false);
    }
    let mut deps = deps.clone();
    deps.macro_use = files
        .iter()
        .flat_map(|f| f.uses.macro_use.iter().cloned())
        .collect();
    let refs: Vec<FileRef<'_>> = files
        .iter()
        .zip(items.iter())
        .map(|(f, it)| FileRef {
            display: &f.src.display,
            text: &f.src.text,
            macros: &it.macros,
            crate_imports: f
                .uses
                .names
                .iter()
                .filter(|(_, p)| {
                    p.len() >= 2 && matches!(p[0].as_str(), "crate" | "self" | "super")
                })
                .filter_map(|(n, p)| Some((n.clone(), p.last()?.clone())))
                .collect(),
            dep_imports: f
                .uses
                .names
                .iter()
                .filter_map(|(n, p)| match p.as_slice() {
                    [krate, name] if !matches!(krate.as_str(), "crate" | "self" | "super") => {
                        Some((n.clone(), krate.clone(), name.clone()))
                    }
                    _ => None,
                })
                .collect(),
        })
        .collect();
    let hit = |text: &str| !hits(text).is_empty();
    let Some(cx) = CrateMacros::new(refs, parents, &hit, deps) else {
        return (Vec::new(), false);
    };
    let names = cx.name_hashes();
    // Per file: the units to expand.
    let mut work: Vec<(usize, Units)> = Vec::new();
    for (f, it) in items.iter().enumerate() {
        let m = &it.macros;
        let mut units = Units::default();
        for (i, c) in m.calls.iter().enumerate() {
            let key = (f, c.bytes.start);
            if done.calls.contains(&key) || !cx.resolves(f, c) {
                continue;
            }
            if marked_before(&files[f], c.bytes.start) || cx.call_matters(f, c, wanted.names, &hit)
            {
                done.calls.insert(key);
                units.calls.push(i);
            }
        }
        let mut fns: Vec<usize> = m
            .fn_calls
            .iter()
            .filter(|(_, h)| names.binary_search(h).is_ok())
            .map(|&(k, _)| k as usize)
            .collect();
        fns.dedup();
        for k in fns {
            if done.fns.contains(&(f, k)) {
                continue;
            }
            let invoked = m
                .fn_calls
                .iter()
                .filter(|(j, _)| *j as usize == k)
                .map(|&(_, h)| h);
            if (wanted.walked)(f, k) || cx.macros_matter(invoked, wanted.names) {
                done.fns.insert((f, k));
                units.fns.push(k);
            }
        }
        if !units.calls.is_empty() || !units.fns.is_empty() {
            work.push((f, units));
        }
    }
    if work.is_empty() {
        return (Vec::new(), false);
    }
    let results: Vec<(usize, FileResult)> = {
        let files: &[FileCx] = files;
        let items: &[FileItems] = items;
        work.par_iter()
            .with_max_len(1)
            .map(|(f, units)| {
                let r = expand_file(&cx, *f, &files[*f], &items[*f], units, extra, hits);
                proc_macro2::extra::invalidate_current_thread_spans();
                (*f, r)
            })
            .collect()
    };
    drop(cx);
    let mut incomplete = Vec::new();
    for (f, r) in results {
        for (unit, collected) in r.units {
            let u = files[f].expansions.len() as u32;
            files[f].expansions.push(unit.expansion);
            files[f].unit_kinds.push(unit.kind);
            files[f].macro_sites.extend(unit.sites);
            match collected {
                Collected::Items(new) => {
                    items[f].absorb(u, *new);
                    items[f].set_file(f);
                }
                Collected::Fn(k, def) => {
                    let mut def = *def;
                    def.text.unit = Some(u);
                    def.file = items[f].fns[k].file;
                    items[f].fns[k] = def;
                }
            }
        }
        incomplete.extend(r.incomplete.into_iter().map(|i| (f, i)));
    }
    (incomplete, true)
}

/// The units of one file an expansion round expands: item invocations
/// (index in the file's calls) and functions (index in its functions).
#[derive(Default)]
struct Units {
    calls: Vec<usize>,
    fns: Vec<usize>,
}

/// Whether an `imperlint: impersonated` marker stands on one of the three
/// lines before byte `at` (the functions an invocation there makes are
/// declared impersonated).
fn marked_before(file: &FileCx, at: usize) -> bool {
    if file.impersonated_markers.is_empty() {
        return false;
    }
    let line = file.location_of(at..at).line;
    file.impersonated_markers
        .iter()
        .any(|&l| l < line && line - l <= 3)
}

/// Expands file `f`'s units: item invocations, `impl` blocks with
/// invocations among their items, functions whose bodies invoke a local
/// macro. Unit `i` of the result becomes expansion `i` of the file.
fn expand_file(
    cx: &CrateMacros<'_>,
    f: usize,
    file: &FileCx,
    items: &FileItems,
    units: &Units,
    extra: &Extra,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
) -> FileResult {
    let mut ex = Expander::new(cx, f);
    let mut out = FileResult {
        units: Vec::new(),
        incomplete: Vec::new(),
    };
    let mut impls: BTreeSet<(usize, usize)> = BTreeSet::new();
    for call in units.calls.iter().map(|&i| &items.macros.calls[i]) {
        let (module, unit) = match &call.cx {
            CallCx::Module(m) => (m.clone(), ex.items(call)),
            CallCx::Impl(m, bytes) => {
                if !impls.insert((bytes.start, bytes.end)) {
                    continue;
                }
                (m.clone(), ex.impl_items(bytes.clone()))
            }
        };
        match unit {
            Ok(Some(unit)) => {
                let u = (file.expansions.len() + out.units.len()) as u32;
                match collect_items(file, &unit, u, &module, extra, hits) {
                    Ok(new) => out.units.push((unit, Collected::Items(Box::new(new)))),
                    Err(why) => out.incomplete.push(Incomplete {
                        at: call.bytes.clone(),
                        name: call.name.clone(),
                        why,
                    }),
                }
            }
            Ok(None) => {}
            Err(i) => out.incomplete.push(i),
        }
    }
    for &k in &units.fns {
        let Some(def) = items.fns.get(k) else {
            continue;
        };
        let text = file
            .src
            .text
            .get(def.text.start..def.text.end)
            .unwrap_or("");
        match ex.function(text, def.text.start, def.text.kind) {
            Ok(Some(unit)) => {
                let u = (file.expansions.len() + out.units.len()) as u32;
                match refresh(def, &unit, u, hits) {
                    Some(new) => out.units.push((unit, Collected::Fn(k, Box::new(new)))),
                    None => out.incomplete.push(Incomplete {
                        at: def.text.start..def.text.start,
                        name: def.name.clone(),
                        why: "its expanded text does not parse".to_string(),
                    }),
                }
            }
            Ok(None) => {}
            Err(i) => out.incomplete.push(i),
        }
    }
    out
}

/// Parses a unit of items from its text and collects them.
fn collect_items(
    file: &FileCx,
    unit: &Unit,
    u: u32,
    module: &Arc<[String]>,
    extra: &Extra,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
) -> Result<FileItems, String> {
    let text = &unit.expansion.text;
    let ast: syn::File = parse_unit(text)?;
    let h = hits(text);
    Ok(collect_expansion(
        file,
        &unit.expansion,
        u,
        &ast,
        module,
        extra,
        &h,
    ))
}

/// An expansion's text parsed as items, its nesting measured first (as a
/// file's: syn must not run out of stack).
fn parse_unit(text: &str) -> Result<syn::File, String> {
    let tokens: proc_macro2::TokenStream = text
        .parse()
        .map_err(|_| "its expansion does not tokenize".to_string())?;
    if parse::nesting(&tokens).0 > parse::MAX_NESTING {
        return Err("its expansion nests too deeply".to_string());
    }
    syn::parse2(tokens).map_err(|_| "its expansion does not parse as items".to_string())
}

/// A function collected again from its expanded text.
fn refresh(
    def: &FnDef,
    unit: &Unit,
    u: u32,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
) -> Option<FnDef> {
    debug_assert_eq!(unit.kind, UnitKind::Fn);
    let text = &unit.expansion.text;
    let tokens: proc_macro2::TokenStream = text.parse().ok()?;
    if parse::nesting(&tokens).0 > parse::MAX_NESTING {
        return None;
    }
    let whole = super::text::FnText {
        start: 0,
        end: text.len(),
        kind: def.text.kind,
        unit: Some(u),
    };
    let parsed: ParsedFn = whole.parse(text)?;
    let mut new = def.clone();
    collect::refresh_fn(&mut new, &parsed, text, u, !hits(text).is_empty());
    Some(new)
}
