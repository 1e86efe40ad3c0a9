//! Whole-crate analysis: from the crate index to events. It owns the
//! interprocedural part — function summaries (begins, reverts, runs a
//! closure impersonated, returns a guard) computed to a fixed point over the
//! crate's call graph, guard types (an `impl Drop` that reverts), and each
//! function's entry state (the join over its call sites) — and which
//! functions are walked at all. The per-function walk itself is `walk`.
//!
//! # Which functions are walked
//!
//! Most functions of most crates cannot produce an event a lint reports:
//! every finding needs either impersonating state, which only a begin starts
//! (see `prefilter`), or a call whose name is a prefilter pattern. So a
//! function is walked when it is *active*:
//!
//! - its text holds a prefilter pattern (`FnDef::text_hit`), or its body
//!   names an import, constant or static whose text holds one
//!   (`CrateIndex::hit_names`: `use ..::RevertToSelf as revert`);
//! - it may begin or end impersonation through the functions it calls
//!   (`lifecycle_relevant`);
//! - it is declared impersonated (marker, `entry_points`);
//! - a walked function calls it while impersonating; then every function
//!   that names it is activated too, so its entry state still joins the
//!   calls made while not impersonating (`Maybe`, not `Yes`).
//!
//! A function that is not active starts not impersonating and cannot
//! begin, so its walk would have no event a lint reports and only call
//! sites that do not impersonate; not walking it changes no result. The
//! tests check this on every fixture against walking every function
//! (`Options::walk_all`). Only active functions need syntax: when one has
//! none, [`analyze_crate`] asks the driver for it.

use crate::diag::Location;
use crate::event::{CallerNote, Event, Imp};
use crate::facts::{self, CrateFacts};
use crate::index::names::{name_hash, NameMap, NameSet};
use crate::index::CrateIndex;
use crate::macros::MacroArgs;
use crate::walk::flow::FieldFacts;
use crate::walk::{CallSite, Cx, Effect, Entry, Summary, Walker};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Rounds of summary and entry-state iteration before giving up on a fixed
/// point (the lattices are tiny; real crates settle in two or three).
const MAX_ROUNDS: usize = 8;

/// What the analysis of a crate produced.
pub struct CrateAnalysis {
    pub events: Vec<Event>,
    /// Functions that were only partly analysed (an expression nested too
    /// deeply): where analysis stopped, and the function's name.
    pub incomplete: Vec<(Location, String)>,
}

/// What [`analyze_crate`] needs or found.
pub enum Analysis {
    Done(CrateAnalysis),
    /// The syntax of these functions (ids) and files (indices) is needed first.
    NeedSyntax {
        fns: BTreeSet<usize>,
        files: BTreeSet<usize>,
    },
}

/// Analyses one crate and returns its events, in function order. With
/// `walk_all`, every function is walked (see the module documentation).
pub fn analyze_crate(
    ix: &CrateIndex<'_>,
    facts: &CrateFacts<'_>,
    macros: &MacroArgs,
    walk_all: bool,
) -> Analysis {
    let n = ix.fns.len();
    let mut need = facts.need_fns.clone();
    let mut sums = vec![Summary::default(); n];
    let mut guards: HashSet<String> = ix
        .extra
        .guards
        .iter()
        .filter_map(|g| g.rsplit("::").next().map(str::to_string))
        .collect();
    let closing: HashSet<String> = ix
        .drops
        .iter()
        .filter(|(_, &id)| ix.fns[id].closes_handle)
        .map(|(t, _)| t.to_string())
        .collect();

    // Only functions that (transitively) call a begin, end or save API can
    // have a summary other than the default: the others are not walked for
    // summaries at all.
    let relevant = lifecycle_relevant(ix);
    // Functions walked for value flow (paths, opens, fields: `walk::flow`),
    // and for events too (a pipe finding needs no impersonation).
    let mut flows = flow_relevant(ix);
    let mut active: Vec<bool> = (0..n)
        .map(|id| {
            let f = &ix.fns[id];
            walk_all
                || relevant[id]
                || flows[id]
                || f.walked_in_any_case()
                || (!ix.hit_names.is_empty() && f.mentions.iter().any(|h| ix.hit_names.contains(h)))
        })
        .collect();
    need.extend((0..n).filter(|&id| active[id] && ix.syntax[id].is_none()));
    if !need.is_empty() || !facts.need_files.is_empty() {
        return Analysis::NeedSyntax {
            fns: need,
            files: facts.need_files.clone(),
        };
    }

    // 1. Summaries, bottom-up to a fixed point; with them, what the crate
    // stores in its fields (joined over every write the walks see).
    let mut fields = FieldFacts::default();
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        let snapshot = sums.clone();
        let snapshot_guards = guards.clone();
        let snapshot_fields = fields.clone();
        let cx = Cx {
            ix,
            facts,
            sums: &snapshot,
            guard_types: &snapshot_guards,
            closing_types: &closing,
            macros,
            fields: &snapshot_fields,
        };
        let mut new_guards = guards.clone();
        let mut demands: BTreeSet<std::sync::Arc<str>> = BTreeSet::new();
        for (id, f) in ix.fns.iter().enumerate() {
            if !relevant[id] && !flows[id] {
                continue;
            }
            let mut from_no = Walker::new(&cx, id, false).run(&Entry::default());
            for w in &from_no.field_writes {
                changed |= fields.add(w);
            }
            demands.extend(from_no.field_demands.drain(..));
            let flow = Some(Box::new(std::mem::take(&mut from_no.flow)));
            if !relevant[id] {
                if sums[id].flow != flow {
                    sums[id].flow = flow;
                    changed = true;
                }
                continue;
            }
            let entered = Entry {
                imp: Imp::Yes,
                began: None,
                began_by: Some("caller".into()),
                via: None,
            };
            let from_yes = Walker::new(&cx, id, false).run(&entered);
            let names_guard = f.returns_type(|w| snapshot_guards.contains(w));
            // A begin wrapper does nothing after its begin but return (or
            // returns a guard); a function that works on and then returns
            // impersonating leaks, which is reported in it, not at its callers.
            // Success exits impersonate; for a `Result`-returning function a
            // path that does not is its error path (`Err` built elsewhere).
            let fallible = names_guard || f.returns_fallible();
            let begins =
                from_no.exit_imp == Imp::Yes || (from_no.exit_imp == Imp::Maybe && fallible);
            let effect = if begins && from_no.exit_local && (!from_no.exit_work || names_guard) {
                Effect::Begins
            } else if !from_no.began_any
                && (from_yes.exit_imp == Imp::No || (f.is_drop && from_yes.exit_imp == Imp::Maybe))
            {
                // A `Drop` that reverts on some path (a flag guard) is a guard.
                Effect::Ends
            } else {
                Effect::None
            };
            if f.is_drop && effect == Effect::Ends {
                if let Some(t) = &f.self_ty {
                    new_guards.insert(t.to_string());
                }
            }
            let returns_guard = effect == Effect::Begins && names_guard;
            let mut runs: Vec<usize> = from_no.called_params.clone();
            runs.sort_unstable();
            let s = Summary {
                effect: if f.is_drop { Effect::None } else { effect },
                ret_kind: if effect == Effect::None {
                    None
                } else {
                    // A wrapper returning `Result`/`Option` hands its begin's failure to its callers.
                    from_no.ret_kind.or(from_yes.ret_kind).or_else(|| {
                        f.returns_fallible()
                            .then_some(crate::catalog::ResultKind::Result)
                    })
                },
                returns_guard,
                runs_closure: runs,
                flow,
            };
            if s != sums[id] {
                sums[id] = s;
                changed = true;
            }
        }
        if new_guards != guards {
            guards = new_guards;
            changed = true;
        }
        // Field values that reached an open or a pipe-only API: what the
        // functions that touch their types write there matters.
        for id in fns_touching(ix, &demands) {
            if !flows[id] {
                flows[id] = true;
                active[id] = true;
                changed = true;
                if ix.syntax[id].is_none() {
                    need.insert(id);
                }
            }
        }
        if !need.is_empty() {
            return Analysis::NeedSyntax {
                fns: need,
                files: BTreeSet::new(),
            };
        }
        if !changed {
            break;
        }
    }

    let cx = Cx {
        ix,
        facts,
        sums: &sums,
        guard_types: &guards,
        closing_types: &closing,
        macros,
        fields: &fields,
    };

    // 2. Entry states, top-down to a fixed point.
    // Only the functions entered impersonating have an entry of their own
    // (the others start from `not_entered`): few of a big crate's.
    let not_entered = Entry::default();
    let mut entries: HashMap<usize, Entry> = ix
        .fns
        .iter()
        .enumerate()
        .filter(|(_, f)| f.impersonated)
        .map(|(id, _)| {
            let e = Entry {
                imp: Imp::Yes,
                began: Some(ix.name_loc(id)),
                began_by: Some("declared impersonated".to_string()),
                via: None,
            };
            (id, e)
        })
        .collect();
    // Every walk here emits events: a function's events are those of its
    // last walk, made with its final entry state.
    let mut sites: Vec<Vec<CallSite>> = vec![Vec::new(); n];
    let mut fn_events: Vec<Vec<Event>> = vec![Vec::new(); n];
    let mut dirty: Vec<bool> = active.clone();
    let mut callers_active: Vec<bool> = vec![walk_all; n];
    // Name hash → the functions that mention it, made at the first need.
    let mut mentioned_by: Option<NameMap<Vec<usize>>> = None;
    let mut too_deep: BTreeMap<usize, Location> = BTreeMap::new();
    // Rounds that activate functions do not count towards the limit: they
    // are bounded by the number of functions.
    let mut rounds = 0;
    while rounds < MAX_ROUNDS {
        if !dirty.iter().any(|d| *d) {
            break;
        }
        for id in 0..n {
            if dirty[id] {
                let r = Walker::new(&cx, id, true).run(entries.get(&id).unwrap_or(&not_entered));
                sites[id] = r.call_sites;
                fn_events[id] = r.events;
                match r.too_deep {
                    Some(l) => too_deep.insert(id, l),
                    None => too_deep.remove(&id),
                };
                dirty[id] = false;
            }
        }
        let mut activated = false;
        let mut incoming: Vec<Vec<(usize, &CallSite)>> = vec![Vec::new(); n];
        for (caller, ss) in sites.iter().enumerate() {
            for s in ss {
                incoming[s.callee].push((caller, s));
            }
        }
        for id in 0..n {
            let f = &ix.fns[id];
            // Wrappers (begin/end functions) are about the region itself:
            // their callers' state is judged at the call site.
            if f.impersonated
                || f.is_drop
                || incoming[id].is_empty()
                || sums[id].effect != Effect::None
            {
                continue;
            }
            let mut imp: Option<Imp> = None;
            let mut first: Option<(usize, &CallSite)> = None;
            for &(caller, s) in &incoming[id] {
                imp = Some(match imp {
                    None => s.imp,
                    Some(i) => i.join(s.imp),
                });
                if s.imp != Imp::No && first.is_none() {
                    first = Some((caller, s));
                }
            }
            let imp = imp.unwrap_or_default();
            let e = match (imp, first) {
                (Imp::No, _) | (_, None) => Entry::default(),
                (imp, Some((caller, s))) => Entry {
                    imp,
                    began: s.began.clone(),
                    began_by: s.began_by.clone(),
                    via: Some(CallerNote {
                        caller: ix.fns[caller].display(),
                        at: s.at.clone(),
                    }),
                },
            };
            if e.imp != Imp::No && !callers_active[id] {
                callers_active[id] = true;
                // Called impersonating: walk it, and every function that
                // names it (their calls join its entry state).
                let by_name = mentioned_by.get_or_insert_with(|| {
                    let mut m: NameMap<Vec<usize>> = NameMap::default();
                    for (o, g) in ix.fns.iter().enumerate() {
                        for &h in &g.mentions {
                            m.entry(h).or_default().push(o);
                        }
                    }
                    m
                });
                let callers = by_name
                    .get(&name_hash(&f.name))
                    .cloned()
                    .unwrap_or_default();
                for other in std::iter::once(id).chain(callers) {
                    if !active[other] {
                        active[other] = true;
                        dirty[other] = true;
                        activated = true;
                        if ix.syntax[other].is_none() {
                            need.insert(other);
                        }
                    }
                }
            }
            if e != *entries.get(&id).unwrap_or(&not_entered) {
                if e == not_entered {
                    entries.remove(&id);
                } else {
                    entries.insert(id, e);
                }
                dirty[id] = true;
            }
        }
        if !need.is_empty() {
            return Analysis::NeedSyntax {
                fns: need,
                files: BTreeSet::new(),
            };
        }
        if !activated {
            rounds += 1;
        }
    }

    // Entries still changing after the last round: their latest state wins.
    for id in 0..n {
        if dirty[id] {
            fn_events[id] = Walker::new(&cx, id, true)
                .run(entries.get(&id).unwrap_or(&not_entered))
                .events;
        }
    }
    let mut events: Vec<Event> = fn_events.into_iter().flatten().collect();
    strongest_pipe_evidence(&mut events);
    // Items: guard types that can be sent to another thread.
    events.extend(facts::send_guards(ix, &guards));
    let incomplete = too_deep
        .into_iter()
        .map(|(id, l)| (l, ix.fns[id].display()))
        .collect();
    Analysis::Done(CrateAnalysis { events, incomplete })
}

/// What a macro invocation's code must name for its expansion to be able
/// to change a result, beyond a prefilter pattern (see `expand`): a
/// finding needs code that runs impersonated, and that is code of a
/// function that may begin or end impersonation, of one declared
/// impersonated, or of one such functions call (transitively). Their
/// names, their `impl` types (a guard's, for its `Drop`), the names they
/// call (functions, methods, functions passed by name), the new names of
/// begin and end APIs, constants holding pipe paths and the configured
/// wrappers, guards and entry points are [`Interest::names`]; whether
/// each function is among them is [`Interest::walked`].
pub(crate) struct Interest {
    pub names: NameSet,
    /// By function id: the function may run impersonated.
    pub walked: Vec<bool>,
}

pub(crate) fn interest(ix: &CrateIndex<'_>) -> Interest {
    let relevant = lifecycle_relevant(ix);
    let n = ix.fns.len();
    let mut walked = vec![false; n];
    let mut work: Vec<usize> = (0..n)
        .filter(|&id| relevant[id] || ix.fns[id].impersonated)
        .collect();
    for &id in &work {
        walked[id] = true;
    }
    let mut names: NameSet = ix.lifecycle_aliases.clone();
    names.extend(ix.pipe_consts.iter().map(|c| name_hash(c)));
    let extra = &ix.extra;
    let configured = extra
        .begin
        .iter()
        .chain(&extra.end)
        .chain(&extra.guards)
        .chain(&extra.entry_points);
    names.extend(
        configured
            .flat_map(|e| e.rsplit("::").next())
            .map(name_hash),
    );
    while let Some(id) = work.pop() {
        let f = ix.fns[id];
        names.insert(name_hash(&f.name));
        if let Some(t) = &f.self_ty {
            names.insert(name_hash(t));
        }
        names.extend(f.calls.iter().copied());
        for h in f.calls.iter() {
            for &callee in ix.fns_by_hash.get(h).into_iter().flatten() {
                if !walked[callee] {
                    walked[callee] = true;
                    work.push(callee);
                }
            }
        }
    }
    Interest { names, walked }
}

/// One finding per pipe open: when several walks report the same open
/// (two callers pass it pipe paths; names and a caller both say so), the
/// strongest evidence is kept, the first in function order among equals.
fn strongest_pipe_evidence(events: &mut Vec<Event>) {
    use crate::event::{EventKind, LintFact};
    let mut best: HashMap<(String, usize), (u8, usize)> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if let EventKind::Fact(LintFact::PipeOpenWithoutSqos { evidence, .. }) = &e.kind {
            let key = (e.location.file.clone(), e.location.byte_start);
            let rank = evidence.rank();
            let slot = best.entry(key).or_insert((rank, i));
            if rank < slot.0 {
                *slot = (rank, i);
            }
        }
    }
    if best.is_empty() {
        return;
    }
    let keep: HashSet<usize> = best.values().map(|&(_, i)| i).collect();
    let mut i = 0;
    events.retain(|e| {
        let kept = !matches!(
            e.kind,
            EventKind::Fact(LintFact::PipeOpenWithoutSqos { .. })
        ) || keep.contains(&i);
        i += 1;
        kept
    });
}

/// The functions that may write the fields of these types: their methods,
/// and the functions that name the type (constructing it, calling its
/// associated functions).
fn fns_touching(ix: &CrateIndex<'_>, types: &BTreeSet<std::sync::Arc<str>>) -> Vec<usize> {
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
fn flow_relevant(ix: &CrateIndex<'_>) -> Vec<bool> {
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

/// Which functions may begin, end, save or restore impersonation, directly
/// or through functions they call (by the names in call position): a
/// worklist over names.
fn lifecycle_relevant(ix: &CrateIndex<'_>) -> Vec<bool> {
    use crate::catalog::APIS;
    let mut names: NameSet = APIS
        .iter()
        .filter(|a| a.role.is_lifecycle())
        .map(|a| name_hash(a.name))
        .collect();
    names.extend(&ix.lifecycle_aliases);
    for extra in ix.extra.begin.iter().chain(&ix.extra.end) {
        if let Some(last) = extra.rsplit("::").next() {
            names.insert(name_hash(last));
        }
    }
    callers_closure(ix, names, vec![false; ix.fns.len()], Reach::Name)
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
