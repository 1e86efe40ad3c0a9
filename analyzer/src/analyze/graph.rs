//! The order the analysis computes in: the strongly connected components
//! of the crate's call graph (Tarjan's algorithm), callees' components
//! before their callers'.
//!
//! The graph is over a set of the crate's functions (those that get
//! summaries, or those that are walked), with an edge from a function to
//! each function of the set it may call by name (`FnDef::calls`: callee
//! paths' last segments, method names, functions passed by name, the
//! identifiers of macro bodies). For summaries, a function also depends on
//! the `Drop::drop` functions of the types it names (whether a type is a
//! guard is part of its drop's summary), so it has an edge to those too.
//! Names stand between functions as nodes of their own (function → name →
//! each function of that name): the graph is linear in the calls, not in
//! calls times namesakes (`new`, `from`).
//!
//! An edge means "may call": a name may resolve to a function of another
//! type or module. An extra edge only merges components (more rounds
//! inside one, the same fixed point); a call the names miss costs a walk
//! again, since the analysis walks a function again whenever something it
//! read changed, whatever the order. The order makes the usual case one
//! walk per function; it never decides a result.

use crate::index::names::{name_hash, NameMap};
use crate::index::CrateIndex;
use crate::walk::GuardTypes;
use std::collections::HashMap;

/// Where each function of the set comes in the order.
pub(super) struct Order {
    /// Function id → its component, numbered callees first: a function's
    /// callees outside its component have smaller numbers. `u32::MAX` for
    /// functions outside the set.
    comp: Vec<u32>,
}

impl Order {
    /// The call graph of the functions `members` (ids, ascending) of `ix`,
    /// in components; with `guards`, a function also depends on the
    /// `Drop::drop` functions (among `members`) of the types it names.
    pub(super) fn new(
        ix: &CrateIndex<'_>,
        members: &[usize],
        guards: Option<&GuardTypes>,
    ) -> Order {
        let m = members.len();
        let mut node_of_fn: Vec<u32> = vec![u32::MAX; ix.fns.len()];
        for (i, &id) in members.iter().enumerate() {
            node_of_fn[id] = i as u32;
        }
        // Name nodes after the function nodes: the names of the set's
        // functions (call targets) and, for summaries, of its guard
        // candidates' types (named by users of the type).
        let mut call_names: NameMap<u32> = NameMap::default();
        let mut next = m as u32;
        for &id in members {
            call_names
                .entry(name_hash(&ix.fns[id].name))
                .or_insert_with(|| {
                    next += 1;
                    next - 1
                });
        }
        let mut type_names: NameMap<(u32, Vec<u32>)> = NameMap::default();
        for (t, drops) in guards.into_iter().flat_map(GuardTypes::undecided) {
            let drops: Vec<u32> = drops
                .iter()
                .map(|&d| node_of_fn[d])
                .filter(|&n| n != u32::MAX)
                .collect();
            if !drops.is_empty() {
                let node = type_names.entry(name_hash(t)).or_insert_with(|| {
                    next += 1;
                    (next - 1, Vec::new())
                });
                node.1.extend(drops);
            }
        }
        // Adjacency, node by node (compressed rows).
        let mut offsets: Vec<u32> = Vec::with_capacity(next as usize + 1);
        let mut edges: Vec<u32> = Vec::new();
        for &id in members {
            offsets.push(edges.len() as u32);
            let f = &ix.fns[id];
            edges.extend(f.calls.iter().filter_map(|h| call_names.get(h)));
            if !type_names.is_empty() {
                let self_ty = f.self_ty.as_deref().map(name_hash);
                let named = f
                    .mentions
                    .iter()
                    .copied()
                    .chain(f.ret_idents.iter().map(|w| name_hash(w)))
                    .chain(self_ty);
                edges.extend(named.filter_map(|h| type_names.get(&h).map(|t| t.0)));
            }
        }
        // Call names' rows (nodes `m..first_type`): the set's functions of that name.
        let first_type = (m + call_names.len()) as u32;
        let mut by_name: Vec<(u32, u32)> = members
            .iter()
            .enumerate()
            .map(|(i, &id)| (call_names[&name_hash(&ix.fns[id].name)], i as u32))
            .collect();
        by_name.sort_unstable();
        let mut named = by_name.iter().peekable();
        for node in m as u32..first_type {
            offsets.push(edges.len() as u32);
            while let Some(&&(_, f)) = named.peek().filter(|(n, _)| *n == node) {
                edges.push(f);
                named.next();
            }
        }
        // Type names' rows (nodes `first_type..`): their `Drop::drop` functions.
        let mut types: Vec<&(u32, Vec<u32>)> = type_names.values().collect();
        types.sort_unstable_by_key(|t| t.0);
        for t in types {
            offsets.push(edges.len() as u32);
            edges.extend(&t.1);
        }
        offsets.push(edges.len() as u32);
        let comp_of_node = components(&offsets, &edges);
        let mut comp = vec![u32::MAX; ix.fns.len()];
        for (i, &id) in members.iter().enumerate() {
            comp[id] = comp_of_node[i];
        }
        Order { comp }
    }

    /// Function `id`'s component (callees first).
    pub(super) fn comp(&self, id: usize) -> u32 {
        self.comp[id]
    }
}

/// The components of the graph over `members` (function ids) whose edges
/// are `succ(id)` (ids outside `members` are left out): function id →
/// component, successors' components first.
pub(super) fn components_of<I: IntoIterator<Item = usize>>(
    members: &[usize],
    mut succ: impl FnMut(usize) -> I,
) -> HashMap<usize, u32> {
    let node: HashMap<usize, u32> = members
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    let mut offsets: Vec<u32> = Vec::with_capacity(members.len() + 1);
    let mut edges: Vec<u32> = Vec::new();
    for &id in members {
        offsets.push(edges.len() as u32);
        edges.extend(succ(id).into_iter().filter_map(|s| node.get(&s).copied()));
    }
    offsets.push(edges.len() as u32);
    let comp = components(&offsets, &edges);
    members.iter().copied().zip(comp).collect()
}

/// The strongly connected components of the graph whose node `v` has the
/// successors `edges[offsets[v]..offsets[v + 1]]` (Tarjan's algorithm,
/// iterative: call chains can be as long as the crate). Components are
/// numbered in the order they complete, which puts every component after
/// those it reaches: successors first.
pub(super) fn components(offsets: &[u32], edges: &[u32]) -> Vec<u32> {
    let n = offsets.len().saturating_sub(1);
    let mut t = Tarjan {
        offsets,
        index: vec![UNSEEN; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        comp: vec![UNSEEN; n],
        stack: Vec::new(),
        path: Vec::new(),
        next_index: 0,
        next_comp: 0,
    };
    for root in 0..n as u32 {
        if t.index[root as usize] == UNSEEN {
            t.enter(root);
            t.run(edges);
        }
    }
    t.comp
}

const UNSEEN: u32 = u32::MAX;

/// Tarjan's algorithm's state, for [`components`].
struct Tarjan<'g> {
    offsets: &'g [u32],
    /// Node → the order it was entered in (`UNSEEN` before).
    index: Vec<u32>,
    /// Node → the smallest index it reaches through its subtree and one
    /// edge back to the stack.
    low: Vec<u32>,
    on_stack: Vec<bool>,
    comp: Vec<u32>,
    /// Entered nodes whose component is not complete yet.
    stack: Vec<u32>,
    /// The depth-first path: each node with the position of its next edge.
    path: Vec<(u32, u32)>,
    next_index: u32,
    next_comp: u32,
}

impl Tarjan<'_> {
    fn enter(&mut self, v: u32) {
        let vu = v as usize;
        self.index[vu] = self.next_index;
        self.low[vu] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[vu] = true;
        self.path.push((v, self.offsets[vu]));
    }

    /// Runs the depth-first search from the node just entered.
    fn run(&mut self, edges: &[u32]) {
        while let Some(&(v, e)) = self.path.last() {
            let vu = v as usize;
            if e < self.offsets[vu + 1] {
                self.path.last_mut().expect("non-empty").1 += 1;
                let w = edges[e as usize];
                if self.index[w as usize] == UNSEEN {
                    self.enter(w);
                } else if self.on_stack[w as usize] {
                    self.low[vu] = self.low[vu].min(self.index[w as usize]);
                }
                continue;
            }
            self.path.pop();
            if let Some(&(p, _)) = self.path.last() {
                self.low[p as usize] = self.low[p as usize].min(self.low[vu]);
            }
            if self.low[vu] == self.index[vu] {
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w as usize] = false;
                    self.comp[w as usize] = self.next_comp;
                    if w == v {
                        break;
                    }
                }
                self.next_comp += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::components;

    /// Compressed rows from adjacency lists.
    fn rows(adj: &[&[u32]]) -> (Vec<u32>, Vec<u32>) {
        let mut offsets = vec![0];
        let mut edges = Vec::new();
        for a in adj {
            edges.extend_from_slice(a);
            offsets.push(edges.len() as u32);
        }
        (offsets, edges)
    }

    #[test]
    fn a_chain_is_numbered_callee_first() {
        // 0 → 1 → 2 → 3
        let (o, e) = rows(&[&[1], &[2], &[3], &[]]);
        let c = components(&o, &e);
        assert!(c[3] < c[2] && c[2] < c[1] && c[1] < c[0], "{c:?}");
    }

    #[test]
    fn a_cycle_is_one_component_after_what_it_calls() {
        // 0 → 1 → 2 → 0, 2 → 3, 4 → 0
        let (o, e) = rows(&[&[1], &[2], &[0, 3], &[], &[0]]);
        let c = components(&o, &e);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert!(c[3] < c[0]);
        assert!(c[0] < c[4]);
        let distinct: std::collections::BTreeSet<u32> = c.iter().copied().collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn a_deep_chain_needs_no_deep_stack() {
        let n = 200_000u32;
        let adj: Vec<Vec<u32>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let refs: Vec<&[u32]> = adj.iter().map(Vec::as_slice).collect();
        let (o, e) = rows(&refs);
        let c = components(&o, &e);
        assert_eq!(c[n as usize - 1], 0);
        assert_eq!(c[0], n - 1);
    }

    #[test]
    fn self_loops_and_empty_graphs() {
        let (o, e) = rows(&[&[0]]);
        assert_eq!(components(&o, &e), vec![0]);
        assert!(components(&[0], &[]).is_empty());
        assert!(components(&[], &[]).is_empty());
    }
}
