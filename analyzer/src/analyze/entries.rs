//! Entry states, caller first: how each walked function is entered (the
//! join of the states at its call sites, `Entry`), and its events, from a
//! walk with that entry.
//!
//! # The fixed point
//!
//! An entry is a value of the three-point lattice with a bottom below it:
//! *not called yet* (`None` here). A function's entry is the join of the
//! states at the call sites of its callers that are called themselves (a
//! caller that is not called yet calls nothing); a function nothing in the
//! crate calls is a *root*, entered from outside, not impersonating; one
//! declared impersonated is entered impersonating; begin and end wrappers
//! and `Drop`s are judged at their call sites and entered not
//! impersonating. That is a system of joins whose least solution is the
//! answer, and it is computed from the bottom up: roots and declared
//! functions first, then every function once a caller reaches it, and again
//! when its entry rises. Starting from "not impersonating" everywhere
//! instead would let a cycle keep a state nothing enters it with (two
//! functions that call each other, called only while impersonating, would
//! stay "maybe").
//!
//! Functions that only a cycle reaches, with nothing entering the cycle
//! (recursion called from other crates only), are still not called when
//! the rest has settled: the cycles among them that nothing else of them
//! calls (the source components) are entered from outside, not
//! impersonating, and the fixed point goes on from there, until every
//! function is reached.
//!
//! The order is that of the components of the call graph the walks record
//! (callers first), so a function outside cycles is walked once with its
//! final entry; the order decides no result: the least solution is unique.
//! Every function is walked once before the fixed point, which records
//! whom it calls (the graph; the callees do not depend on the entry): from
//! the entry it had in the last solution when it was made active by being
//! called impersonating, else from the one it has before any caller is
//! known. A walk is made once per function and entry, so a function whose
//! final entry is the one it was first walked from is not walked again.
//!
//! Why it ends: entries only rise, the lattice has height three, and each
//! entry's witness (where its region began, one calling path: the first
//! impersonating call site by caller) moves only when a caller's does or a
//! caller starts impersonating. An entry that comes back to a value it had
//! is not settling (a bug): the function keeps its latest, is not walked
//! again, and is reported (`analysis_incomplete` at its name).
//!
//! # Which functions are walked
//!
//! The set grows here (see the parent module): a function called while
//! impersonating is walked, and so is every function that names it. Then
//! the fixed point is computed again over the larger set, from the walks
//! already made (a walk depends only on the function and its entry). When
//! one of the new functions has no syntax yet, the analysis asks the driver
//! for it, with the syntax of what it may call in turn (a chain of helpers
//! called while impersonating asks once, not once per link).

use super::graph::components_of;
use crate::event::{CallerNote, Event, Imp};
use crate::index::names::{name_hash, NameMap};
use crate::walk::{CallSite, Cx, Effect, Entry, Stopped, Walker};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many functions' syntax one request asks for beyond those it needs
/// (what they may call, and what names those): a prefetch, so it is
/// bounded; past it, later requests ask for the rest.
const PREFETCH: usize = 4096;

/// What [`propagate`] found.
pub(super) struct Walked {
    /// Each walked function's events, by function id.
    pub(super) events: BTreeMap<usize, Vec<Event>>,
    /// Where each function's final walk stopped following it.
    pub(super) stopped: BTreeMap<usize, Stopped>,
    /// Functions whose entry did not settle.
    pub(super) unsettled: BTreeSet<usize>,
    /// How many walks were made.
    pub(super) walks: usize,
}

/// One walk's results.
struct WalkOut {
    events: Vec<Event>,
    /// Call sites by callee.
    sites: BTreeMap<usize, Vec<CallSite>>,
    stopped: Option<Stopped>,
}

/// The entry-state propagation of one crate (see the module documentation).
struct Propagation<'c, 'i, 'a> {
    cx: &'c Cx<'i, 'a>,
    active: Vec<bool>,
    /// Function → its walks, by entry (a walk depends only on both).
    walks: HashMap<usize, Vec<(Entry, WalkOut)>>,
    walk_count: usize,
    /// Callee → the walked functions that call it.
    callers: HashMap<usize, BTreeSet<usize>>,
    /// Functions found called while impersonating (their namers are active).
    called_impersonating: Vec<bool>,
    /// Name hash → the functions that mention it, made at the first need.
    mentioned_by: Option<NameMap<Vec<usize>>>,
    /// Functions to walk that have no syntax yet.
    need: BTreeSet<usize>,
}

/// The least solution over the active functions, and the entries of the
/// functions they call.
struct Solution {
    /// Function → its entry (every active function, and the inactive
    /// functions active ones call).
    entries: HashMap<usize, Entry>,
    unsettled: BTreeSet<usize>,
}

/// Walks the `active` functions with their entry states to the fixed
/// point; `Err` with the functions whose syntax is needed first.
pub(super) fn propagate(
    cx: &Cx<'_, '_>,
    active: Vec<bool>,
    walk_all: bool,
) -> Result<Walked, BTreeSet<usize>> {
    let n = cx.ix.fns.len();
    let mut p = Propagation {
        cx,
        active,
        walks: HashMap::new(),
        walk_count: 0,
        callers: HashMap::new(),
        called_impersonating: vec![walk_all; n],
        mentioned_by: None,
        need: BTreeSet::new(),
    };
    // The entries of the last solution: a function made active because it
    // is called impersonating is first walked with the entry it had there.
    let mut last: HashMap<usize, Entry> = HashMap::new();
    loop {
        let members: Vec<usize> = (0..n).filter(|&id| p.active[id]).collect();
        // Each function walked once before the fixed point, which records
        // whom it calls (whatever the entry).
        for &id in &members {
            if !p.walks.contains_key(&id) {
                let e = match last.get(&id) {
                    Some(e) if !p.fixed(id) => e.clone(),
                    _ => p.start(id),
                };
                p.walk_at(id, &e);
            }
        }
        let solution = p.solve(&members);
        let mut called: Vec<usize> = solution
            .entries
            .iter()
            .filter(|(&g, e)| e.imp != Imp::No && !p.called_impersonating[g])
            .map(|(&g, _)| g)
            .collect();
        called.sort_unstable();
        let mut grew = false;
        for g in called {
            p.called_impersonating[g] = true;
            grew |= p.activate_namers(g);
        }
        if !p.need.is_empty() {
            p.prefetch();
            return Err(p.need);
        }
        if !grew {
            return Ok(p.finish(&members, solution));
        }
        last = solution.entries;
    }
}

impl Propagation<'_, '_, '_> {
    /// Whether function `g`'s entry is fixed: declared impersonated, or
    /// judged at its call sites (a begin or end wrapper, a `Drop`).
    fn fixed(&self, g: usize) -> bool {
        let f = self.cx.ix.fns[g];
        f.impersonated || f.is_drop || self.cx.sums[g].effect != Effect::None
    }

    /// The entry function `id` has before any caller is known: its fixed
    /// one, or entered from outside, not impersonating.
    fn start(&self, id: usize) -> Entry {
        if self.cx.ix.fns[id].impersonated {
            Entry {
                imp: Imp::Yes,
                began: Some(self.cx.ix.name_loc(id)),
                began_by: Some("declared impersonated".to_string()),
                via: None,
            }
        } else {
            Entry::default()
        }
    }

    /// The walk of function `id` from `entry`, made once.
    fn walk_at(&mut self, id: usize, entry: &Entry) -> &WalkOut {
        let known = self
            .walks
            .get(&id)
            .and_then(|w| w.iter().position(|(e, _)| e == entry));
        let at = match known {
            Some(i) => i,
            None => {
                let r = Walker::new(self.cx, id, true).run(entry);
                self.walk_count += 1;
                let mut sites: BTreeMap<usize, Vec<CallSite>> = BTreeMap::new();
                for s in r.call_sites {
                    sites.entry(s.callee).or_default().push(s);
                }
                for &callee in sites.keys() {
                    self.callers.entry(callee).or_default().insert(id);
                }
                let out = WalkOut {
                    events: r.events,
                    sites,
                    stopped: r.stopped,
                };
                let list = self.walks.entry(id).or_default();
                list.push((entry.clone(), out));
                list.len() - 1
            }
        };
        &self.walks[&id][at].1
    }

    /// The walk of function `id` from `entry`, when it was made.
    fn walked(&self, id: usize, entry: &Entry) -> Option<&WalkOut> {
        let list = self.walks.get(&id)?;
        list.iter().find(|(e, _)| e == entry).map(|(_, w)| w)
    }

    /// The least solution over `members` (see the module documentation).
    fn solve(&mut self, members: &[usize]) -> Solution {
        // Callers first: the components of the call graph the walks
        // recorded, numbered callees first, taken from the largest.
        let comp = components_of(members, |id| {
            self.walks[&id]
                .iter()
                .flat_map(|(_, w)| w.sites.keys().copied())
                .collect::<Vec<usize>>()
        });
        let key = |id: usize| (u32::MAX - comp[&id], id);
        let is_root = |g: usize| {
            self.callers
                .get(&g)
                .is_none_or(|c| c.iter().all(|&c| !self.active[c]))
        };
        // Entries (`None`: not called yet), and the entries callers were
        // last walked with (what their call sites say).
        let mut entry: HashMap<usize, Option<Entry>> = HashMap::new();
        let mut done: HashMap<usize, Entry> = HashMap::new();
        let mut outside: BTreeSet<usize> = BTreeSet::new();
        let mut history: HashMap<usize, Vec<Option<Entry>>> = HashMap::new();
        let mut unsettled: BTreeSet<usize> = BTreeSet::new();
        let mut queue: BTreeSet<(u32, usize)> = BTreeSet::new();
        for &g in members {
            if self.fixed(g) || is_root(g) {
                entry.insert(g, Some(self.start(g)));
                queue.insert(key(g));
            } else {
                entry.insert(g, None);
            }
        }
        loop {
            while let Some((_, g)) = queue.pop_first() {
                let Some(e) = entry[&g].clone() else { continue };
                self.walk_at(g, &e);
                done.insert(g, e.clone());
                let callees: Vec<usize> = self
                    .walked(g, &e)
                    .map_or(Vec::new(), |w| w.sites.keys().copied().collect());
                for h in callees {
                    if self.fixed(h) || unsettled.contains(&h) {
                        continue;
                    }
                    let new = self.entry_of(h, &done, outside.contains(&h));
                    let old = entry.get(&h).cloned().flatten();
                    if new == old {
                        continue;
                    }
                    let past = history.entry(h).or_default();
                    if past.contains(&new) {
                        unsettled.insert(h);
                        continue;
                    }
                    past.push(old);
                    entry.insert(h, new);
                    if self.active[h] {
                        queue.insert(key(h));
                    }
                }
            }
            // What only cycles reach, with nothing entering them: the
            // cycles among them that nothing else of them calls are
            // entered from outside.
            let unreached: Vec<usize> = members
                .iter()
                .copied()
                .filter(|g| entry[g].is_none())
                .collect();
            if unreached.is_empty() {
                break;
            }
            let callers_in = |h: usize| -> Vec<usize> {
                self.callers.get(&h).map_or(Vec::new(), |c| {
                    c.iter()
                        .copied()
                        .filter(|c| entry.get(c) == Some(&None))
                        .collect()
                })
            };
            // The components of callers among them (edges callee →
            // caller); a source is one no other of them calls into.
            let comp_of = components_of(&unreached, callers_in);
            let mut sources: BTreeSet<u32> = comp_of.values().copied().collect();
            for &h in &unreached {
                if callers_in(h).iter().any(|c| comp_of[c] != comp_of[&h]) {
                    sources.remove(&comp_of[&h]);
                }
            }
            for &g in &unreached {
                if sources.contains(&comp_of[&g]) {
                    outside.insert(g);
                    entry.insert(g, self.entry_of(g, &done, true));
                    queue.insert(key(g));
                }
            }
        }
        let mut entries: HashMap<usize, Entry> = entry
            .into_iter()
            .filter_map(|(g, e)| Some((g, e?)))
            .collect();
        for &g in &unsettled {
            if let Some(e) = done.get(&g) {
                entries.insert(g, e.clone());
            }
        }
        Solution { entries, unsettled }
    }

    /// Function `h`'s entry from the call sites of its callers' last walks
    /// (`done`), entered from outside too when `outside`; `None` when
    /// nothing enters it yet.
    fn entry_of(&self, h: usize, done: &HashMap<usize, Entry>, outside: bool) -> Option<Entry> {
        let ix = self.cx.ix;
        let mut imp: Option<Imp> = outside.then_some(Imp::No);
        let mut first: Option<(usize, &CallSite)> = None;
        for &caller in self.callers.get(&h).into_iter().flatten() {
            let Some(w) = done.get(&caller).and_then(|e| self.walked(caller, e)) else {
                continue;
            };
            for s in w.sites.get(&h).into_iter().flatten() {
                imp = Some(imp.map_or(s.imp, |i| i.join(s.imp)));
                if s.imp != Imp::No && first.is_none() {
                    first = Some((caller, s));
                }
            }
        }
        Some(match (imp?, first) {
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
        })
    }

    /// The events of the solution's walks.
    fn finish(&self, members: &[usize], solution: Solution) -> Walked {
        let mut out = Walked {
            events: BTreeMap::new(),
            stopped: BTreeMap::new(),
            unsettled: solution.unsettled,
            walks: self.walk_count,
        };
        for &g in members {
            let e = solution.entries.get(&g).cloned().unwrap_or_default();
            let Some(w) = self.walked(g, &e) else {
                continue;
            };
            out.events.insert(g, w.events.clone());
            if let Some(s) = &w.stopped {
                out.stopped.insert(g, s.clone());
            }
        }
        out
    }

    /// Function `g` is called while impersonating: it is walked, and so is
    /// every function that names it (their calls join its entry state).
    /// Whether that made any function active.
    fn activate_namers(&mut self, g: usize) -> bool {
        let ix = self.cx.ix;
        let by_name = self
            .mentioned_by
            .get_or_insert_with(|| mentioned_by(self.cx));
        let namers = by_name
            .get(&name_hash(&ix.fns[g].name))
            .cloned()
            .unwrap_or_default();
        let mut grew = false;
        for other in std::iter::once(g).chain(namers) {
            if !self.active[other] {
                self.active[other] = true;
                grew = true;
                if ix.syntax[other].is_none() {
                    self.need.insert(other);
                }
            }
        }
        grew
    }

    /// Adds to the syntax needed that of the crate's functions the needed
    /// ones may call, transitively, and of the functions that name those
    /// (asked for next if one turns out to be called while impersonating),
    /// up to [`PREFETCH`] more.
    fn prefetch(&mut self) {
        let ix = self.cx.ix;
        let by_name = self
            .mentioned_by
            .get_or_insert_with(|| mentioned_by(self.cx));
        let mut seen: BTreeSet<usize> = self.need.clone();
        let mut work: Vec<usize> = self.need.iter().copied().collect();
        let mut wanted: Vec<usize> = Vec::new();
        while let Some(id) = work.pop() {
            if wanted.len() >= PREFETCH {
                break;
            }
            for h in ix.fns[id].calls.iter() {
                let Some(callees) = ix.fns_by_hash.get(h) else {
                    continue;
                };
                for &c in callees {
                    if seen.insert(c) {
                        wanted.push(c);
                        work.push(c);
                    }
                }
                wanted.extend(by_name.get(h).into_iter().flatten());
            }
        }
        let missing = wanted.into_iter().filter(|&c| ix.syntax[c].is_none());
        self.need.extend(missing.take(PREFETCH));
    }
}

/// Name hash → the functions that mention it.
fn mentioned_by(cx: &Cx<'_, '_>) -> NameMap<Vec<usize>> {
    let mut m: NameMap<Vec<usize>> = NameMap::default();
    for (o, g) in cx.ix.fns.iter().enumerate() {
        for &h in g.mentions.iter() {
            m.entry(h).or_default().push(o);
        }
    }
    m
}
