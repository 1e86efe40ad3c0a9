//! Which functions can matter, before anything is walked: those that may
//! begin or end impersonation (`lifecycle_relevant`), those walked for
//! value flow (`flow_relevant`, `walk::flow`), and the functions that may
//! write fields whose values reached an open (`fns_touching`). All are
//! closures over the names in call position (`callers_closure`).

use super::ExternalSummaries;
use crate::index::names::{name_hash, NameSet};
use crate::index::CrateIndex;
use std::collections::{BTreeSet, HashSet};

/// Which functions may begin, end, save or restore impersonation, directly
/// or through functions they call (by the names in call position): a
/// worklist over names.
pub(super) fn lifecycle_relevant(
    ix: &CrateIndex<'_>,
    external: &dyn ExternalSummaries,
) -> Vec<bool> {
    use crate::catalog::APIS;
    let mut names: NameSet = APIS
        .iter()
        .filter(|a| a.role.is_lifecycle())
        .map(|a| name_hash(a.name))
        .collect();
    names.extend(&ix.lifecycle_aliases);
    let external = external.lifecycle_names();
    for extra in ix.extra.begin.iter().chain(&ix.extra.end).chain(&external) {
        if let Some(last) = extra.rsplit("::").next() {
            names.insert(name_hash(last));
        }
    }
    callers_closure(ix, names, vec![false; ix.fns.len()], Reach::Name)
}

/// The functions that may write the fields of these types: their methods,
/// and the functions that name the type (constructing it, calling its
/// associated functions).
pub(super) fn fns_touching(
    ix: &CrateIndex<'_>,
    types: &BTreeSet<std::sync::Arc<str>>,
) -> Vec<usize> {
    if types.is_empty() {
        return Vec::new();
    }
    let hashes: NameSet = types.iter().map(|t| name_hash(t)).collect();
    (0..ix.fns.len())
        .filter(|&id| {
            let f = &ix.fns[id];
            f.self_ty.as_deref().is_some_and(|t| types.contains(t))
                || f.mentions.iter().any(|h| hashes.contains(h))
        })
        .collect()
}

/// Which functions are walked for value flow (`walk::flow`). None, when
/// the crate has no pipe source: no pipe literal or constant, no API that
/// takes only named pipes, nothing named for a pipe (most crates). Else
/// the functions that make a pipe path, use a pipe-only API, name SQOS
/// flags or are named for a pipe, with those that call them (a path may be
/// returned to them); and the functions that open a file as a pipe client,
/// with those that call them (a path may be passed down). Both by the
/// names in call position, a method's name only where its type is named
/// ([`Reach::Typed`]).
pub(super) fn flow_relevant(ix: &CrateIndex<'_>) -> Vec<bool> {
    use crate::catalog::{Role, SQOS_METHODS, SQOS_PRESENT};
    let n = ix.fns.len();
    let pipe_consts: NameSet = ix.pipe_consts.iter().map(|c| name_hash(c)).collect();
    let mut sqos: NameSet = ix.sqos_consts.iter().map(|c| name_hash(c)).collect();
    sqos.extend([SQOS_PRESENT.0, SQOS_METHODS.0, SQOS_METHODS.1].map(name_hash));
    let pipe_apis = [Role::PipeOnly, Role::PipeCreate, Role::PipeCall];
    // Where a pipe path or SQOS flags are made (names alone make none: the
    // functions named for a pipe matter where they open, below).
    let sources: Vec<bool> = ix
        .fns
        .iter()
        .map(|f| {
            f.pipe_text
                || f.mentions.iter().any(|h| pipe_consts.contains(h))
                || calls_api(f, &pipe_apis)
        })
        .collect();
    if !sources.iter().zip(&ix.fns).any(|(s, f)| *s || f.pipe_named) {
        return vec![false; n];
    }
    let seeds: Vec<bool> = (0..n)
        .map(|id| sources[id] || ix.fns[id].mentions.iter().any(|h| sqos.contains(h)))
        .collect();
    let opens: Vec<bool> = ix
        .fns
        .iter()
        .map(|f| calls_api(f, &[Role::PipeClientOpen]))
        .collect();
    let makers = callers_closure(ix, NameSet::default(), seeds, Reach::Typed);
    let openers = callers_closure(ix, NameSet::default(), opens, Reach::Typed);
    makers.iter().zip(&openers).map(|(a, b)| *a || *b).collect()
}

/// Whether a function may call a catalog API of one of `roles`, by the
/// names in call position; a method or associated function of a type
/// (`OpenOptions::open`, `File::open`, `ServerOptions::create`) only when
/// the function also names the type (`open` and `create` are common names).
fn calls_api(f: &crate::index::FnDef, roles: &[crate::catalog::Role]) -> bool {
    use crate::catalog::{Family, APIS};
    let names = |h: u64| f.mentions.binary_search(&h).is_ok();
    APIS.iter().filter(|a| roles.contains(&a.role)).any(|a| {
        f.calls.binary_search(&name_hash(a.name)).is_ok()
            && match a.family {
                Family::Win32 | Family::AnyMethod => true,
                Family::Paths(paths) => paths
                    .iter()
                    .any(|p| p.rsplit("::").nth(1).is_some_and(|t| names(name_hash(t)))),
                Family::Method(types) => types
                    .iter()
                    .any(|t| t.rsplit("::").next().is_some_and(|t| names(name_hash(t)))),
            }
    })
}

/// How far a function that becomes relevant makes its callers relevant.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Every function that calls its name.
    Name,
    /// For a method whose name the crate defines more than once (`new`,
    /// `open`), only the callers that name its type or are its type's
    /// methods: a cheap stand-in for resolving the call, so that `new`
    /// does not make every constructor's caller relevant.
    Typed,
}

/// Whether a type has a field of the type whose name hashes to `t`
/// (`link: Link`: its methods may call `self.link.connect(..)`).
fn has_field_of(d: &crate::index::TypeDef, t: u64) -> bool {
    d.fields.iter().any(|(_, p)| {
        p.as_ref()
            .and_then(|p| p.last())
            .is_some_and(|l| name_hash(l) == t)
    })
}

/// The functions in `seeds`, those that call one of `names`, and, over and
/// over, those that call a function already in (see [`Reach`]): a
/// worklist over names (with a type, for [`Reach::Typed`]).
fn callers_closure(
    ix: &CrateIndex<'_>,
    names: NameSet,
    seeds: Vec<bool>,
    reach: Reach,
) -> Vec<bool> {
    let mut relevant = seeds;
    // A relevant name, and the type its callers must name (`None`: any caller).
    let item = |id: usize| -> (u64, Option<u64>) {
        let f = &ix.fns[id];
        let name = name_hash(&f.name);
        let shared = ix.fns_by_hash.get(&name).is_some_and(|ids| ids.len() > 1);
        match (&f.self_ty, reach) {
            (Some(t), Reach::Typed) if shared => (name, Some(name_hash(t))),
            _ => (name, None),
        }
    };
    let mut work: Vec<(u64, Option<u64>)> = names.iter().map(|&h| (h, None)).collect();
    work.extend((0..ix.fns.len()).filter(|&id| relevant[id]).map(item));
    let mut done: HashSet<(u64, Option<u64>)> = HashSet::new();
    // Who may call each name, sorted by name: one worklist pass over the
    // names that become relevant (no round over every function per step).
    // Only names that can become relevant: the seeds and the crate's own
    // functions (most calls of a big crate are of other crates).
    let mut callers: Vec<(u64, usize)> = ix
        .fns
        .iter()
        .enumerate()
        .flat_map(|(id, f)| {
            f.calls
                .iter()
                .filter(|h| names.contains(h) || ix.fns_by_hash.contains_key(h))
                .map(move |&h| (h, id))
        })
        .collect();
    callers.sort_unstable();
    while let Some((h, ty)) = work.pop() {
        if !done.insert((h, ty)) {
            continue;
        }
        let from = callers.partition_point(|&(c, _)| c < h);
        for &(c, id) in &callers[from..] {
            if c != h {
                break;
            }
            let f = &ix.fns[id];
            let names_type = ty.is_none_or(|t| {
                f.self_ty.as_deref().is_some_and(|s| {
                    name_hash(s) == t || ix.types.get(s).is_some_and(|d| has_field_of(d, t))
                }) || f.mentions.binary_search(&t).is_ok()
            });
            if names_type && !relevant[id] {
                relevant[id] = true;
                work.push(item(id));
            }
        }
    }
    relevant
}
