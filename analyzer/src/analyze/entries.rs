//! Entry states, caller first: how each walked function is entered (the
//! join of the states at its call sites, `Entry`), and its events, from a
//! walk with that entry.
//!
//! Functions are taken in the order of the call graph's components, callers
//! first (the reverse of summaries'), from a worklist: a function is walked
//! once at first, and again exactly when its entry changes; an entry
//! changes only when a caller's walk changes the call sites it records.
//! So a function is walked after all its callers, once, unless it is in a
//! cycle; a cycle's members are walked again until their entries stop
//! changing. A function's events are those of its last walk, which had its
//! final entry.
//!
//! Why a cycle settles: an entry's state is a value of the three-point
//! lattice, and a walk's state at a call rises with its entry (begins and
//! reverts set it, joins keep order), so each entry rises at most twice.
//! With it comes a witness (where the region began, one calling path: the
//! first impersonating call site by caller), which moves only when a
//! caller's does or a caller starts impersonating. An entry that comes back
//! to a value it had before is not settling: the function keeps its
//! latest, is not walked again, and is reported (`analysis_incomplete` at
//! its name).
//!
//! Which functions are walked grows here (see the parent module): a
//! function called while impersonating is walked, and so is every function
//! that names it. When one of them has no syntax yet, the analysis asks the
//! driver for it, with the syntax of what it may call in turn (a chain of
//! helpers called while impersonating asks once, not once per link).

use super::graph::Order;
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
    /// Where each function's last walk stopped following it.
    pub(super) stopped: BTreeMap<usize, Stopped>,
    /// Functions whose entry did not settle.
    pub(super) unsettled: BTreeSet<usize>,
    /// How many walks were made.
    pub(super) walks: usize,
}

/// The entry-state propagation of one crate (see the module documentation).
struct Propagation<'c, 'i, 'a> {
    cx: &'c Cx<'i, 'a>,
    active: Vec<bool>,
    /// Entries of the functions entered impersonating (the others start
    /// from the default entry, not impersonating).
    entries: HashMap<usize, Entry>,
    /// Caller → its last walk's call sites, by callee.
    sites: HashMap<usize, BTreeMap<usize, Vec<CallSite>>>,
    /// Callee → the callers whose last walk calls it.
    callers: HashMap<usize, BTreeSet<usize>>,
    /// Functions found called while impersonating (their namers are active).
    called_impersonating: Vec<bool>,
    /// Name hash → the functions that mention it, made at the first need.
    mentioned_by: Option<NameMap<Vec<usize>>>,
    /// Function → the entries it had before its current one.
    history: HashMap<usize, Vec<Entry>>,
    /// Functions made active since the order was made.
    activated: Vec<usize>,
    /// Functions to walk that have no syntax yet.
    need: BTreeSet<usize>,
    out: Walked,
}

/// Walks the `active` functions with their entry states to the fixed
/// point; `Err` with the functions whose syntax is needed first.
pub(super) fn propagate(
    cx: &Cx<'_, '_>,
    active: Vec<bool>,
    walk_all: bool,
) -> Result<Walked, BTreeSet<usize>> {
    let ix = cx.ix;
    let n = ix.fns.len();
    let entries = ix
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
    let mut p = Propagation {
        cx,
        active,
        entries,
        sites: HashMap::new(),
        callers: HashMap::new(),
        called_impersonating: vec![walk_all; n],
        mentioned_by: None,
        history: HashMap::new(),
        activated: Vec::new(),
        need: BTreeSet::new(),
        out: Walked {
            events: BTreeMap::new(),
            stopped: BTreeMap::new(),
            unsettled: BTreeSet::new(),
            walks: 0,
        },
    };
    let mut members: Vec<usize> = (0..n).filter(|&id| p.active[id]).collect();
    let mut order = Order::new(ix, &members, None);
    // Callers first: larger components (callers) come out first.
    let key = |order: &Order, id: usize| (u32::MAX - order.comp(id), id);
    let mut queue: BTreeSet<(u32, usize)> = members.iter().map(|&id| key(&order, id)).collect();
    while let Some((_, id)) = queue.pop_first() {
        let dirty = p.walk(id);
        if !p.need.is_empty() {
            p.prefetch();
            return Err(p.need);
        }
        if !p.activated.is_empty() {
            // New functions to walk: the order is made again with them.
            members = (0..n).filter(|&id| p.active[id]).collect();
            order = Order::new(ix, &members, None);
            queue = queue.into_iter().map(|(_, id)| key(&order, id)).collect();
            let new = std::mem::take(&mut p.activated);
            queue.extend(new.into_iter().map(|id| key(&order, id)));
        }
        queue.extend(dirty.into_iter().map(|id| key(&order, id)));
    }
    Ok(p.out)
}

impl Propagation<'_, '_, '_> {
    /// Walks function `id` with its entry; returns the active functions
    /// whose entry changed.
    fn walk(&mut self, id: usize) -> Vec<usize> {
        let not_entered = Entry::default();
        let entry = self.entries.get(&id).unwrap_or(&not_entered);
        let r = Walker::new(self.cx, id, true).run(entry);
        self.out.walks += 1;
        self.out.events.insert(id, r.events);
        match r.stopped {
            Some(s) => self.out.stopped.insert(id, s),
            None => self.out.stopped.remove(&id),
        };
        let mut by_callee: BTreeMap<usize, Vec<CallSite>> = BTreeMap::new();
        for s in r.call_sites {
            by_callee.entry(s.callee).or_default().push(s);
        }
        let old = self.sites.insert(id, by_callee).unwrap_or_default();
        let new = &self.sites[&id];
        // The callees whose call sites from here changed.
        let mut changed: Vec<usize> = old
            .iter()
            .filter(|&(g, s)| new.get(g) != Some(s))
            .map(|(&g, _)| g)
            .collect();
        changed.extend(
            new.iter()
                .filter(|&(g, s)| old.get(g) != Some(s))
                .map(|(&g, _)| g),
        );
        changed.sort_unstable();
        changed.dedup();
        for &g in &changed {
            if new.contains_key(&g) {
                self.callers.entry(g).or_default().insert(id);
            } else if let Some(c) = self.callers.get_mut(&g) {
                c.remove(&id);
            }
        }
        changed
            .into_iter()
            .filter(|&g| self.update_entry(g) && self.active[g])
            .collect()
    }

    /// Works out function `g`'s entry from its callers' call sites;
    /// whether it changed.
    fn update_entry(&mut self, g: usize) -> bool {
        let ix = self.cx.ix;
        let f = ix.fns[g];
        // Wrappers (begin/end functions) are about the region itself:
        // their callers' state is judged at the call site.
        if f.impersonated
            || f.is_drop
            || self.cx.sums[g].effect != Effect::None
            || self.out.unsettled.contains(&g)
        {
            return false;
        }
        let mut imp: Option<Imp> = None;
        let mut first: Option<(usize, &CallSite)> = None;
        for &caller in self.callers.get(&g).into_iter().flatten() {
            for s in self.sites[&caller].get(&g).into_iter().flatten() {
                imp = Some(imp.map_or(s.imp, |i| i.join(s.imp)));
                if s.imp != Imp::No && first.is_none() {
                    first = Some((caller, s));
                }
            }
        }
        let e = match (imp.unwrap_or_default(), first) {
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
        if e.imp != Imp::No && !self.called_impersonating[g] {
            self.called_impersonating[g] = true;
            self.activate_namers(g);
        }
        let not_entered = Entry::default();
        let current = self.entries.get(&g).unwrap_or(&not_entered);
        if e == *current {
            return false;
        }
        let past = self.history.entry(g).or_default();
        if past.contains(&e) {
            self.out.unsettled.insert(g);
            return false;
        }
        let old = if e == not_entered {
            self.entries.remove(&g)
        } else {
            self.entries.insert(g, e)
        };
        past.push(old.unwrap_or_default());
        true
    }

    /// Function `g` is called while impersonating: it is walked, and so is
    /// every function that names it (their calls join its entry state).
    fn activate_namers(&mut self, g: usize) {
        let ix = self.cx.ix;
        let by_name = self
            .mentioned_by
            .get_or_insert_with(|| mentioned_by(self.cx));
        let namers = by_name
            .get(&name_hash(&ix.fns[g].name))
            .cloned()
            .unwrap_or_default();
        for other in std::iter::once(g).chain(namers) {
            if !self.active[other] {
                self.active[other] = true;
                self.activated.push(other);
                if ix.syntax[other].is_none() {
                    self.need.insert(other);
                }
            }
        }
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
