//! Whole-crate analysis: from the crate index to events. It owns the
//! interprocedural part — function summaries (begins, reverts, runs a
//! closure impersonated, returns a guard, a `Drop` that reverts) and each
//! function's entry state (the join over its call sites) — and which
//! functions are walked at all. The per-function walk itself is `walk`.
//!
//! # Summaries, callee first; entry states, caller first
//!
//! Both are fixed points over the crate's call graph, computed in the order
//! of its strongly connected components (`graph`): summaries callees first
//! (`summaries`: a wrapper's summary is known before its callers are
//! walked), entry states callers first (`entries`: a function is walked
//! once its callers' call sites are known). Each is a worklist that walks
//! a function again exactly when something its last walk read changed (a
//! callee's summary; its own entry), so the order makes the usual case one
//! walk per function and a cycle iterate until nothing changes, and no
//! round count limits anything: a chain of wrappers or of helpers called
//! while impersonating is followed however deep it goes. Both start from
//! the bottom of their lattice (no effect; not called yet), so what they
//! reach is the least solution, which no order of walks can change. Why
//! the fixed points are reached, and what is reported when the argument
//! does not hold, is in each module's documentation; every place where the
//! analysis stops short is reported as `analysis_incomplete`
//! ([`Incomplete`]).
//!
//! # Value flow and field facts
//!
//! The summaries carry value flow too (`walk::flow`: what a function does
//! with its parameters and returns), computed in the same order and read
//! like the rest (a caller is walked again when a callee's flow changes);
//! functions walked for value flow alone (`relevant::flow_relevant`) get
//! that part only, from one walk. What the crate stores in its fields is
//! not a call-graph fact: it is the join over every write the summary
//! walks see, read wherever a field is. So the summaries' fixed point is
//! computed again, with the larger field facts, while a walk writes a
//! field value not yet known or a field value reaching an open makes more
//! functions walked (`relevant::fns_touching`); field facts only grow,
//! each a join of finite height, so this ends.
//!
//! # What goes in and comes out
//!
//! [`analyze_crate`] takes the crate's index and facts, and the summaries
//! of functions of other crates (`walk::ExternalSummaries`: the crate's
//! dependencies', see `deps`). It gives the crate's events,
//! the places analysis stopped short, and the crate's own summaries and
//! guard types ([`CrateAnalysis`]), which is what a dependent crate needs.
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

mod entries;
mod graph;
mod relevant;
mod summaries;
#[cfg(test)]
mod tests;

use crate::diag::{builtin, Diagnostic, Level, Location};
use crate::event::Event;
use crate::facts::{self, CrateFacts};
use crate::index::names::{name_hash, NameSet};
use crate::index::CrateIndex;
use crate::macros::MacroArgs;
use crate::walk::flow::FieldFacts;
use crate::walk::{Cx, ExternalSummaries, GuardTypes, Stop, Summary};
use relevant::{flow_relevant, fns_touching, lifecycle_relevant};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What the analysis of a crate produced.
pub struct CrateAnalysis {
    pub events: Vec<Event>,
    /// Where the analysis stopped short of following the code to the end,
    /// in function order.
    pub incomplete: Vec<Incomplete>,
    /// The crate's function summaries, by function id (the index's
    /// numbering): what its functions do to their callers' state. With
    /// `guard_types`, what a dependent crate needs of this one (through
    /// `walk::ExternalSummaries`; `deps::Exports` is made from them).
    pub summaries: Vec<Summary>,
    /// The names of the crate's guard types (and the configured ones), sorted.
    pub guard_types: Vec<String>,
    /// Walks made for summaries (two per summary) and for entry states:
    /// the tests check what the order saves.
    #[cfg_attr(not(test), allow(dead_code))]
    pub summary_walks: usize,
    #[cfg_attr(not(test), allow(dead_code))]
    pub entry_walks: usize,
}

/// A place where the analysis did not follow the code to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomplete {
    pub at: Location,
    /// The function it is in (`Type::name` for methods).
    pub function: String,
    pub why: Why,
}

/// Why the analysis stopped short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The walk of the function stopped following part of it.
    Walk(Stop),
    /// The function's summary came back to a value it had before: it keeps
    /// its latest (see `summaries`).
    SummaryUnsettled,
    /// The function's entry state came back to one it had before: it keeps
    /// its latest (see `entries`).
    EntryUnsettled,
}

impl Incomplete {
    /// The `analysis_incomplete` warning that reports it.
    pub fn diagnostic(&self) -> Diagnostic {
        let f = &self.function;
        let (message, label, note, help) = match self.why {
            Why::Walk(Stop::TooDeep) => (
                format!("an expression in `{f}` nests too deeply to analyse; the rest of it was not checked"),
                "analysis stops here",
                format!("imperlint follows expressions {} levels deep", crate::walk::MAX_EXPR_DEPTH),
                "split the expression (generated code can be excluded with `[paths] exclude`)",
            ),
            Why::Walk(Stop::LoopRounds) => (
                format!("the loops of `{f}` nest too deeply to follow to their fixed points; from this loop on, each loop body was checked once"),
                "loops followed once from here",
                format!("imperlint follows one function's loops for {} rounds in all; each level of nesting multiplies the rounds of the loops inside it", crate::walk::MAX_LOOP_ROUNDS),
                "move inner loops into functions of their own (generated code can be excluded with `[paths] exclude`)",
            ),
            Why::Walk(Stop::LoopUnsettled) => (
                format!("the impersonation state of this loop in `{f}` does not settle; findings after it may be missing"),
                "the state at the loop's start changes from round to round",
                "a loop's state should only grow from round to round; this is a bug in imperlint".to_string(),
                "please report it with the loop; the rest of the function was checked from the loop's last state",
            ),
            Why::SummaryUnsettled => (
                format!("what `{f}` does to its callers' impersonation does not settle; its callers were checked with the last result"),
                "the summary of this function changes with those of the functions it calls",
                "a function that begins or reverts only if a function in the same cycle of calls does not is not followed to a fixed point".to_string(),
                "break the cycle of calls, or declare the wrapper in `[impersonation] begin`/`end`",
            ),
            Why::EntryUnsettled => (
                format!("the impersonation state `{f}` is called in does not settle; it was checked with the last one"),
                "the state its callers call it in changes with its own",
                "a function called in a cycle whose state at the calls depends on itself the wrong way round is not followed to a fixed point".to_string(),
                "declare the function impersonated (`// imperlint: impersonated`) if it always is",
            ),
        };
        Diagnostic {
            lint: builtin::ANALYSIS_INCOMPLETE,
            level: Level::Warn,
            message,
            location: self.at.clone(),
            label: label.to_string(),
            related: Vec::new(),
            notes: vec![note],
            help: Some(help.to_string()),
            fix: None,
        }
    }
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
/// `external` gives the summaries of other crates' functions.
pub fn analyze_crate(
    ix: &CrateIndex<'_>,
    facts: &CrateFacts<'_>,
    macros: &MacroArgs,
    external: &dyn ExternalSummaries,
    walk_all: bool,
) -> Analysis {
    let n = ix.fns.len();
    let mut need = facts.need_fns.clone();
    let closing: HashSet<String> = ix
        .drops
        .iter()
        .filter(|(_, &id)| ix.fns[id].closes_handle)
        .map(|(t, _)| t.to_string())
        .collect();

    // Only functions that (transitively) call a begin, end or save API can
    // have a summary other than the default: the others are not walked for
    // summaries at all.
    let relevant = lifecycle_relevant(ix, external);
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

    // 1. Summaries, callees first, to their fixed point; with them, what
    // the crate stores in its fields (joined over every write the walks
    // see). Field facts only grow (each is a join, of finite height), so
    // the outer loop ends: it runs again only when a walk wrote a field
    // value not yet known, or a field value reached an open and more
    // functions are walked for value flow.
    let external_guards = external.guard_types();
    let drops = (0..n)
        .filter(|&id| relevant[id] && ix.fns[id].is_drop)
        .filter_map(|id| Some((ix.fns[id].self_ty.as_deref()?.to_string(), id)));
    let guards = GuardTypes::new(
        ix.extra
            .guards
            .iter()
            .chain(&external_guards)
            .map(String::as_str),
        drops,
    );
    let mut fields = FieldFacts::default();
    let sums = loop {
        let members: Vec<usize> = (0..n).filter(|&id| relevant[id] || flows[id]).collect();
        let cx = Cx {
            ix,
            facts,
            sums: &[],
            guards: &guards,
            external,
            closing_types: &closing,
            macros,
            fields: &fields,
        };
        let mut sums = summaries::summarize(ix, &members, &relevant, cx);
        let mut changed = false;
        let mut grown = fields.clone();
        for w in sums.field_writes.iter().flatten() {
            changed |= grown.add(w);
        }
        // Field values that reached an open or a pipe-only API: what the
        // functions that touch their types write there matters.
        let demands = std::mem::take(&mut sums.field_demands);
        // Callees given results, tokens or handles: their flow matters.
        let flow_demands = std::mem::take(&mut sums.flow_demands);
        for id in fns_touching(ix, &demands).into_iter().chain(flow_demands) {
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
        fields = grown;
        if !changed {
            break sums;
        }
    };

    // 2. Entry states, callers first, to their fixed point; the events.
    let cx = Cx {
        ix,
        facts,
        sums: &sums.sums,
        guards: &guards,
        external,
        closing_types: &closing,
        macros,
        fields: &fields,
    };
    let walked = match entries::propagate(&cx, active, walk_all) {
        Ok(w) => w,
        Err(fns) => {
            return Analysis::NeedSyntax {
                fns,
                files: BTreeSet::new(),
            }
        }
    };

    let guard_names = guards.names(&sums.sums);
    let mut events: Vec<Event> = walked.events.into_values().flatten().collect();
    strongest_pipe_evidence(&mut events);
    // Items: guard types that can be sent to another thread.
    events.extend(facts::send_guards(ix, &guard_names));
    let mut incomplete: Vec<(usize, Incomplete)> = Vec::new();
    let mut report = |id: usize, at: Location, why: Why| {
        incomplete.push((
            id,
            Incomplete {
                at,
                function: ix.fns[id].display(),
                why,
            },
        ))
    };
    // A walk that stopped short: the emitting walk's, or else a summary's
    // (which decided what the function does for its callers).
    for (&id, s) in walked.stopped.iter() {
        report(id, s.at.clone(), Why::Walk(s.why));
    }
    for (&id, s) in sums.stopped.iter() {
        if !walked.stopped.contains_key(&id) {
            report(id, s.at.clone(), Why::Walk(s.why));
        }
    }
    for &id in &sums.unsettled {
        report(id, ix.name_loc(id), Why::SummaryUnsettled);
    }
    for &id in &walked.unsettled {
        report(id, ix.name_loc(id), Why::EntryUnsettled);
    }
    incomplete.sort_by_key(|(id, i)| (*id, i.at.byte_start));
    let mut guard_types: Vec<String> = guard_names.into_iter().collect();
    guard_types.sort();
    Analysis::Done(CrateAnalysis {
        events,
        incomplete: incomplete.into_iter().map(|(_, i)| i).collect(),
        summaries: sums.sums,
        guard_types,
        summary_walks: sums.walks * 2,
        entry_walks: walked.walks,
    })
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

/// The [`Interest`] of a crate whose dependencies' summaries are `external`.
pub(crate) fn interest(ix: &CrateIndex<'_>, external: &dyn ExternalSummaries) -> Interest {
    let relevant = lifecycle_relevant(ix, external);
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
