//! The items of a crate's macro expansions, between the first pass and
//! the second: for each file whose invocations name a local
//! `macro_rules!` (in parallel over files), the units `expand` makes are
//! parsed from their text and collected like the file's own items — the
//! items an invocation generates are added to the file's
//! ([`FileItems::absorb`]), a function whose body invoked a local macro is
//! collected again from its expanded text ([`collect::refresh_fn`]) — and
//! their texts and invocation sites are kept with the file ([`FileCx`]).

use super::collect::{self, collect_expansion};
use super::file::FileCx;
use super::text::ParsedFn;
use super::{Extra, FileItems, FnDef};
use crate::expand::scope::Parent;
use crate::expand::{CallCx, CrateMacros, Expander, FileRef, Incomplete, Unit, UnitKind};
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

/// Expands the crate's local macros and collects what they generate.
/// `parents[f]` says how file `f` is declared (`mod x;`); `hits` finds the
/// prefilter's matches in a text. Returns the invocations that could not
/// be expanded: the file, where, and why.
pub fn expand_crate(
    files: &mut [FileCx],
    items: &mut [FileItems],
    parents: Vec<Option<Parent>>,
    extra: &Extra,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
) -> Vec<(usize, Incomplete)> {
    if items.iter().all(|it| it.macros.defs.is_empty()) {
        return Vec::new();
    }
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
        })
        .collect();
    let Some(cx) = CrateMacros::new(refs, parents) else {
        return Vec::new();
    };
    let names = cx.name_hashes();
    // Per file: the units to expand.
    let work: Vec<usize> = (0..items.len())
        .filter(|&f| {
            let m = &items[f].macros;
            m.calls.iter().any(|c| cx.resolves(f, c))
                || m.fn_calls
                    .iter()
                    .any(|(_, h)| names.binary_search(h).is_ok())
        })
        .collect();
    if work.is_empty() {
        return Vec::new();
    }
    let results: Vec<(usize, FileResult)> = {
        let files: &[FileCx] = files;
        let items: &[FileItems] = items;
        work.par_iter()
            .with_max_len(1)
            .map(|&f| {
                let r = expand_file(&cx, f, &files[f], &items[f], &names, extra, hits);
                proc_macro2::extra::invalidate_current_thread_spans();
                (f, r)
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
    incomplete
}

/// Expands file `f`'s units: item invocations, `impl` blocks with
/// invocations among their items, functions whose bodies invoke a local
/// macro. Unit `i` of the result becomes expansion `i` of the file.
fn expand_file(
    cx: &CrateMacros<'_>,
    f: usize,
    file: &FileCx,
    items: &FileItems,
    names: &[u64],
    extra: &Extra,
    hits: &(dyn Fn(&str) -> Vec<usize> + Sync),
) -> FileResult {
    let mut ex = Expander::new(cx, f);
    let mut out = FileResult {
        units: Vec::new(),
        incomplete: Vec::new(),
    };
    let mut impls: BTreeSet<(usize, usize)> = BTreeSet::new();
    for call in &items.macros.calls {
        if !cx.resolves(f, call) {
            continue;
        }
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
                let u = out.units.len() as u32;
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
    let mut fns: Vec<usize> = items
        .macros
        .fn_calls
        .iter()
        .filter(|(_, h)| names.binary_search(h).is_ok())
        .map(|&(k, _)| k as usize)
        .collect();
    fns.dedup();
    for k in fns {
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
                let u = out.units.len() as u32;
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
