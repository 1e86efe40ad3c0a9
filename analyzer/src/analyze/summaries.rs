//! Function summaries, callee first: what each function that may begin or
//! end impersonation does to its caller's state (`Summary`), and with the
//! summaries of `Drop::drop` functions, which types are guards.
//!
//! A summary is read off two walks of the function, one entered not
//! impersonating and one entered impersonating ([`summarize_one`]); a walk
//! applies the summaries of the callees it meets, and records which it
//! read (`Walker::summary_of`, `GuardTypes::is_guard`). Functions are
//! taken in the order of the call graph's components, callees first
//! ([`Order`]), from a worklist: a function is walked once at first, and
//! again exactly when a summary it read changes. In a chain of wrappers
//! each is walked once, after the one it wraps, however long the chain; in
//! a cycle (recursion) the members are walked again until none changes.
//!
//! Why a cycle settles: a summary is a few small values (an effect, how
//! its result reads, whether it returns a guard, which closure parameters
//! it runs, whether a drop reverts), and each walk that produces one
//! climbs the walk's lattice from the same entry with what its callees'
//! summaries say. In practice a member's summary changes once or twice
//! (from nothing to what it does); nothing in the order of walks can
//! decide a result, since the worklist stops only when every function's
//! summary is what a walk with everyone's final summaries gives. What the
//! argument does not cover is a summary that depends on its callees the
//! wrong way round (a function that begins only if its callee does not):
//! such a summary would go back to a value it had before. That is
//! detected, the function keeps the value it has, is not walked again, and
//! is reported (`analysis_incomplete` at its name); every other summary
//! still reaches its fixed point with it.

use super::graph::Order;
use crate::catalog::ResultKind;
use crate::event::Imp;
use crate::index::CrateIndex;
use crate::walk::flow::FieldWrite;
use crate::walk::{Cx, Effect, Entry, Reads, Stopped, Summary, Walker};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What [`summarize`] computed.
pub(super) struct Summaries {
    /// By function id (the default for functions without a summary).
    pub(super) sums: Vec<Summary>,
    /// Functions whose summary did not settle (it came back to a value it
    /// had before): they keep their latest.
    pub(super) unsettled: BTreeSet<usize>,
    /// Where a summary's walk stopped following its function (the last
    /// walk of each).
    pub(super) stopped: BTreeMap<usize, Stopped>,
    /// How many functions were summarised (two walks each).
    pub(super) walks: usize,
    /// The field writes of each function's last walk (`walk::flow`).
    pub(super) field_writes: Vec<Vec<FieldWrite>>,
    /// Types whose field values reached an open or a pipe-only API in the
    /// last walks.
    pub(super) field_demands: BTreeSet<Arc<str>>,
    /// Functions given a result, a token or a handle in the last walks
    /// that were not summarised for value flow: their flow matters.
    pub(super) flow_demands: BTreeSet<usize>,
}

/// Computes the summaries of the functions `members` (ids, ascending) to
/// their fixed point: the whole summary of those that may begin or end
/// impersonation (`lifecycle`), the value flow alone of the others. `cx`
/// gives everything but the summaries themselves.
pub(super) fn summarize(
    ix: &CrateIndex<'_>,
    members: &[usize],
    lifecycle: &[bool],
    cx: Cx<'_, '_>,
) -> Summaries {
    let order = Order::new(ix, members, Some(cx.guards));
    let mut out = Summaries {
        sums: vec![Summary::default(); ix.fns.len()],
        unsettled: BTreeSet::new(),
        stopped: BTreeMap::new(),
        walks: 0,
        field_writes: Vec::new(),
        field_demands: BTreeSet::new(),
        flow_demands: BTreeSet::new(),
    };
    type Writes = (Vec<FieldWrite>, Vec<Arc<str>>, Vec<usize>);
    let mut writes: HashMap<usize, Writes> = HashMap::new();
    let mut queue: BTreeSet<(u32, usize)> =
        members.iter().map(|&id| (order.comp(id), id)).collect();
    // Function → the functions whose last walk read it; function → what
    // its last walk read.
    let mut readers: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    let mut read: HashMap<usize, Reads> = HashMap::new();
    // Function → the values its summary had before its current one.
    let mut history: HashMap<usize, Vec<Summary>> = HashMap::new();
    while let Some((_, id)) = queue.pop_first() {
        let walk_cx = Cx {
            sums: &out.sums,
            ..cx
        };
        let one = summarize_one(&walk_cx, id, lifecycle[id]);
        let (sum, reads, stopped) = (one.sum, one.reads, one.stopped);
        writes.insert(id, (one.field_writes, one.field_demands, one.flow_demands));
        out.walks += 1;
        match stopped {
            Some(s) => out.stopped.insert(id, s),
            None => out.stopped.remove(&id),
        };
        let old = read.insert(id, reads).unwrap_or_default();
        for g in &old {
            if let Some(r) = readers.get_mut(g) {
                r.remove(&id);
            }
        }
        for &g in &read[&id] {
            readers.entry(g).or_default().insert(id);
        }
        if sum == out.sums[id] {
            continue;
        }
        let past = history.entry(id).or_default();
        if past.contains(&sum) {
            out.unsettled.insert(id);
            continue;
        }
        past.push(std::mem::replace(&mut out.sums[id], sum));
        for &r in readers.get(&id).into_iter().flatten() {
            if !out.unsettled.contains(&r) {
                queue.insert((order.comp(r), r));
            }
        }
    }
    for (_, (w, d, f)) in writes.into_iter().collect::<BTreeMap<_, _>>() {
        out.field_writes.push(w);
        out.field_demands.extend(d);
        out.flow_demands.extend(f);
    }
    out
}

/// What one function's summary walks give.
struct One {
    sum: Summary,
    reads: Reads,
    stopped: Option<Stopped>,
    field_writes: Vec<FieldWrite>,
    field_demands: Vec<Arc<str>>,
    flow_demands: Vec<usize>,
}

/// The summary of function `id` with the summaries in `cx`, what its walks
/// read, and where they stopped following it; its value flow alone (one
/// walk) unless it may begin or end impersonation (`lifecycle`).
fn summarize_one(cx: &Cx<'_, '_>, id: usize, lifecycle: bool) -> One {
    let f = &cx.ix.fns[id];
    let mut from_no = Walker::new(cx, id, false).run(&Entry::default());
    let field_writes = std::mem::take(&mut from_no.field_writes);
    let field_demands = std::mem::take(&mut from_no.field_demands);
    let flow_demands = std::mem::take(&mut from_no.flow_demands);
    let flow = Some(Box::new(std::mem::take(&mut from_no.flow)));
    if !lifecycle {
        let mut reads = from_no.reads;
        reads.sort_unstable();
        reads.dedup();
        return One {
            sum: Summary {
                flow,
                ..Summary::default()
            },
            reads,
            stopped: from_no.stopped,
            field_writes,
            field_demands,
            flow_demands,
        };
    }
    let entered = Entry {
        imp: Imp::Yes,
        began: None,
        began_by: Some("caller".into()),
        via: None,
    };
    let from_yes = Walker::new(cx, id, false).run(&entered);
    let mut reads = from_no.reads;
    reads.extend(from_yes.reads);
    let stopped = from_no.stopped.or(from_yes.stopped);
    let names_guard = f.returns_type(|w| cx.guards.is_guard(w, cx.sums, &mut reads));
    reads.sort_unstable();
    reads.dedup();
    // A begin wrapper does nothing after its begin but return (or returns a
    // guard); a function that works on and then returns impersonating
    // leaks, which is reported in it, not at its callers. Success exits
    // impersonate; for a `Result`-returning function a path that does not
    // is its error path (`Err` built elsewhere).
    let fallible = names_guard || f.returns_fallible();
    let begins = from_no.exit_imp == Imp::Yes || (from_no.exit_imp == Imp::Maybe && fallible);
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
    let mut runs: Vec<usize> = from_no.called_params;
    runs.sort_unstable();
    let sum = Summary {
        effect: if f.is_drop { Effect::None } else { effect },
        ret_kind: if effect == Effect::None {
            None
        } else {
            // A wrapper returning `Result`/`Option` hands its begin's failure to its callers.
            from_no
                .ret_kind
                .or(from_yes.ret_kind)
                .or_else(|| f.returns_fallible().then_some(ResultKind::Result))
        },
        returns_guard: effect == Effect::Begins && names_guard,
        runs_closure: runs,
        reverts_on_drop: f.is_drop && f.self_ty.is_some() && effect == Effect::Ends,
        flow,
    };
    One {
        sum,
        reads,
        stopped,
        field_writes,
        field_demands,
        flow_demands,
    }
}
