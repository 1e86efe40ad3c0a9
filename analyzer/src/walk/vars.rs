//! The local variables of the walk's state, in a persistent store: a copy
//! of the state (each branch, loop round, exit, closure) costs nothing until
//! it differs, and where two states meet only what differs is visited.
//!
//! The variables are a stack in declaration order (the end of a scope drops
//! the deeper ones, last declared first) with lookups by name (the
//! innermost binding). The stack is a persistent vector ([`PVec`]): a tree
//! of reference-counted nodes of 16, shared between the states that hold
//! them, where a change copies only the path to what it changes. Copying a
//! state is O(1); reading, binding or changing a variable is O(log n);
//! joining or comparing two states skips every subtree they share, so a
//! branch that changes k variables costs O(k log n) where it meets the
//! other, not O(n). Names are numbered once per walk; the index from a
//! name's number to the slot of its innermost binding is a persistent
//! vector too. Each variable that opens a scope (deeper than the one
//! before it) keeps the index as it was before it, so dropping a scope
//! restores the index in O(log n) (an `if` inside a 10,000-line function
//! does not rebuild it), and every variable remembers the binding of its
//! name that it shadows, for the rare cut elsewhere (`truncate`).
//!
//! Each subtree also records what the scans of the walk look for (a guard,
//! an open handle, a stored or a saved token among its variables, and its
//! shallowest scope depth), so the end of a scope, an exit, a spawn or a
//! begin visit only the variables that matter and find where a scope
//! starts in O(log n).
//!
//! The work done here is counted ([`tick`]), with the expressions and
//! statements the walk visits: the tests of linearity compare it between
//! functions of two sizes (`tests/linearity.rs`).

use super::{Fact, Var};
use crate::index::names::NameHasher;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

thread_local! {
    /// The walk steps made on this thread (see [`tick`]).
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Counts `n` steps of work of the walk on this thread: an expression or
/// statement visited, a node of a variable store visited or copied.
pub(super) fn tick(n: u64) {
    STEPS.with(|s| s.set(s.get().wrapping_add(n)));
}

/// The walk steps counted on this thread so far: the work of a crate's
/// analysis, which runs on one thread, is the difference between its end
/// and its start (`driver::Outcome::walk_steps`).
pub(crate) fn steps() -> u64 {
    STEPS.with(Cell::get)
}

const BITS: u32 = 4;
const WIDTH: usize = 1 << BITS;
const MASK: usize = WIDTH - 1;

/// What a variable holds that a scan of the walk looks for.
pub(super) const GUARD: u8 = 1;
/// A handle opened while impersonating and not closed.
pub(super) const OPEN_HANDLE: u8 = 2;
/// A token stored somewhere lasting and not closed.
pub(super) const STORED_TOKEN: u8 = 4;
/// A saved token (the identity a begin replaces) not closed.
pub(super) const SAVED_TOKEN: u8 = 8;

/// What a subtree's elements hold, for the scans that skip what cannot
/// match: the union of their flags and their least scope depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    flags: u8,
    min_depth: u32,
}

impl Marks {
    const NONE: Marks = Marks {
        flags: 0,
        min_depth: u32::MAX,
    };

    fn with(self, other: Marks) -> Marks {
        Marks {
            flags: self.flags | other.flags,
            min_depth: self.min_depth.min(other.min_depth),
        }
    }
}

/// An element of a [`PVec`].
trait Element: Clone {
    fn marks(&self) -> Marks;
    /// The same element, not only an equal one (shared, or a copy of a
    /// plain value): what joins keep to share the result's nodes.
    fn same(&self, other: &Self) -> bool;
}

impl Element for u32 {
    fn marks(&self) -> Marks {
        Marks::NONE
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

#[derive(Clone, Debug)]
struct Node<T> {
    marks: Marks,
    kind: Kind<T>,
}

#[derive(Clone, Debug)]
enum Kind<T> {
    /// Up to [`WIDTH`] elements.
    Leaf(Vec<T>),
    /// Up to [`WIDTH`] children, every one but the last full.
    Inner(Vec<Rc<Node<T>>>),
}

impl<T: Element> Node<T> {
    fn leaf(items: Vec<T>) -> Node<T> {
        let mut n = Node {
            marks: Marks::NONE,
            kind: Kind::Leaf(items),
        };
        n.remark();
        n
    }

    fn inner(children: Vec<Rc<Node<T>>>) -> Node<T> {
        let mut n = Node {
            marks: Marks::NONE,
            kind: Kind::Inner(children),
        };
        n.remark();
        n
    }

    /// A path down to a leaf holding `x` alone, at `level`.
    fn path(level: u32, x: T) -> Node<T> {
        if level == 0 {
            Node::leaf(vec![x])
        } else {
            Node::inner(vec![Rc::new(Node::path(level - 1, x))])
        }
    }

    fn remark(&mut self) {
        self.marks = match &self.kind {
            Kind::Leaf(v) => v.iter().fold(Marks::NONE, |m, x| m.with(x.marks())),
            Kind::Inner(c) => c.iter().fold(Marks::NONE, |m, x| m.with(x.marks)),
        };
    }
}

/// How many elements a node at `level` covers (leaves are level 0).
fn span(level: u32) -> usize {
    1usize << (BITS * (level + 1))
}

/// The child of a node at `level` (above 0) that holds index `i`.
fn child(level: u32, i: usize) -> usize {
    (i >> (BITS * level)) & MASK
}

/// A persistent vector (see the module documentation). Its height is the
/// least that holds its elements, so two vectors of the same length have
/// the same shape.
#[derive(Clone, Debug)]
struct PVec<T> {
    root: Option<Rc<Node<T>>>,
    len: usize,
    /// The root's level.
    height: u32,
}

impl<T> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            root: None,
            len: 0,
            height: 0,
        }
    }
}

impl<T: Element> PVec<T> {
    fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let mut node = self.root.as_deref()?;
        let mut level = self.height;
        let mut visited = 1;
        loop {
            match &node.kind {
                Kind::Leaf(v) => {
                    tick(visited);
                    return v.get(i & MASK);
                }
                Kind::Inner(c) => {
                    node = c.get(child(level, i))?;
                    level -= 1;
                    visited += 1;
                }
            }
        }
    }

    fn push(&mut self, x: T) {
        let Some(root) = self.root.as_mut() else {
            self.root = Some(Rc::new(Node::leaf(vec![x])));
            self.len = 1;
            self.height = 0;
            tick(1);
            return;
        };
        if self.len == span(self.height) {
            let old = root.clone();
            *root = Rc::new(Node::inner(vec![old]));
            self.height += 1;
        }
        push_in(root, self.height, self.len, x);
        self.len += 1;
    }

    /// Replaces element `i` (which exists).
    fn set(&mut self, i: usize, x: T) {
        if let Some(root) = self.root.as_mut() {
            set_in(root, self.height, i, x);
        }
    }

    /// Sets element `i`, growing the vector with `fill` up to it.
    fn set_grow(&mut self, i: usize, x: T, fill: T) {
        while self.len <= i {
            self.push(fill.clone());
        }
        self.set(i, x);
    }

    /// Keeps the first `len` elements.
    fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        if len == 0 {
            *self = PVec::default();
            return;
        }
        if let Some(root) = self.root.as_mut() {
            trunc_in(root, self.height, 0, len - 1, self.len - 1);
        }
        self.len = len;
        // The least height that holds them: drop roots of one child.
        while self.height > 0 {
            let only = match self.root.as_deref().map(|r| &r.kind) {
                Some(Kind::Inner(c)) if c.len() == 1 => c[0].clone(),
                _ => break,
            };
            self.root = Some(only);
            self.height -= 1;
        }
    }

    /// The last index whose element satisfies `el`, looking only into
    /// subtrees whose marks satisfy `node` (which must hold for the marks
    /// of any subtree that holds such an element).
    fn rfind(&self, node: impl Fn(Marks) -> bool, el: impl Fn(&T) -> bool) -> Option<usize> {
        fn go<T: Element>(
            n: &Node<T>,
            level: u32,
            base: usize,
            node: &impl Fn(Marks) -> bool,
            el: &impl Fn(&T) -> bool,
        ) -> Option<usize> {
            tick(1);
            if !node(n.marks) {
                return None;
            }
            match &n.kind {
                Kind::Leaf(v) => v.iter().rposition(el).map(|k| base + k),
                Kind::Inner(c) => c
                    .iter()
                    .enumerate()
                    .rev()
                    .find_map(|(k, x)| go(x, level - 1, base + k * span(level - 1), node, el)),
            }
        }
        go(self.root.as_deref()?, self.height, 0, &node, &el)
    }

    /// Calls `f` with each element at `from` or after whose marks have a
    /// flag of `mask`, in order (or in reverse), skipping subtrees that
    /// have none.
    fn each_marked(&self, from: usize, mask: u8, reverse: bool, f: &mut impl FnMut(usize, &T)) {
        fn go<T: Element>(
            n: &Node<T>,
            level: u32,
            base: usize,
            from: usize,
            mask: u8,
            reverse: bool,
            f: &mut impl FnMut(usize, &T),
        ) {
            tick(1);
            if n.marks.flags & mask == 0 || base + span(level) <= from {
                return;
            }
            match &n.kind {
                Kind::Leaf(v) => {
                    let mut visit = |k: usize, x: &T| {
                        if base + k >= from && x.marks().flags & mask != 0 {
                            f(base + k, x);
                        }
                    };
                    if reverse {
                        v.iter().enumerate().rev().for_each(|(k, x)| visit(k, x));
                    } else {
                        v.iter().enumerate().for_each(|(k, x)| visit(k, x));
                    }
                }
                Kind::Inner(c) => {
                    let child_span = span(level - 1);
                    if reverse {
                        for (k, x) in c.iter().enumerate().rev() {
                            go(x, level - 1, base + k * child_span, from, mask, reverse, f);
                        }
                    } else {
                        for (k, x) in c.iter().enumerate() {
                            go(x, level - 1, base + k * child_span, from, mask, reverse, f);
                        }
                    }
                }
            }
        }
        if let Some(r) = self.root.as_deref() {
            go(r, self.height, 0, from, mask, reverse, f);
        }
    }

    /// The root of the subtree of `self` that covers the first `span(level)`
    /// elements, at `level` (at most the height).
    fn root_at(&self, level: u32) -> Option<&Rc<Node<T>>> {
        let mut n = self.root.as_ref()?;
        for _ in level..self.height {
            match &n.kind {
                Kind::Inner(c) => n = c.first()?,
                Kind::Leaf(_) => return None,
            }
        }
        Some(n)
    }

    /// How many first elements of `self` and `other` are `same`, visiting
    /// only the subtrees they do not share.
    fn common_prefix(&self, other: &PVec<T>, same: impl Fn(&T, &T) -> bool) -> usize {
        fn go<T: Element>(
            a: &Rc<Node<T>>,
            b: &Rc<Node<T>>,
            level: u32,
            base: usize,
            n: usize,
            same: &impl Fn(&T, &T) -> bool,
        ) -> Option<usize> {
            tick(1);
            if base >= n || Rc::ptr_eq(a, b) {
                return None;
            }
            match (&a.kind, &b.kind) {
                (Kind::Leaf(u), Kind::Leaf(v)) => u
                    .iter()
                    .zip(v)
                    .take(n - base)
                    .position(|(x, y)| !same(x, y))
                    .map(|k| base + k),
                (Kind::Inner(u), Kind::Inner(v)) => {
                    u.iter().zip(v).enumerate().find_map(|(k, (x, y))| {
                        go(x, y, level - 1, base + k * span(level - 1), n, same)
                    })
                }
                // Same level, same shape: never.
                _ => Some(base),
            }
        }
        let n = self.len.min(other.len);
        let level = self.height.min(other.height);
        match (self.root_at(level), other.root_at(level)) {
            (Some(a), Some(b)) => go(a, b, level, 0, n, &same).unwrap_or(n),
            _ => 0,
        }
    }

    /// Element by element, `join` of `self` and `other` (of the same
    /// length); shared subtrees, and subtrees whose elements `join` returns
    /// unchanged (`same` as `self`'s, or else as `other`'s), keep that
    /// side's nodes, so that a join after a branch shares the state from
    /// before it.
    fn zip_join(&self, other: &PVec<T>, join: &mut impl FnMut(&T, &T) -> T) -> PVec<T> {
        fn go<T: Element>(
            a: &Rc<Node<T>>,
            b: &Rc<Node<T>>,
            join: &mut impl FnMut(&T, &T) -> T,
        ) -> Rc<Node<T>> {
            tick(1);
            if Rc::ptr_eq(a, b) {
                return a.clone();
            }
            match (&a.kind, &b.kind) {
                (Kind::Leaf(u), Kind::Leaf(v)) => {
                    let out: Vec<T> = u.iter().zip(v).map(|(x, y)| join(x, y)).collect();
                    if out.iter().zip(u).all(|(x, y)| x.same(y)) {
                        a.clone()
                    } else if out.iter().zip(v).all(|(x, y)| x.same(y)) {
                        b.clone()
                    } else {
                        Rc::new(Node::leaf(out))
                    }
                }
                (Kind::Inner(u), Kind::Inner(v)) => {
                    let out: Vec<Rc<Node<T>>> =
                        u.iter().zip(v).map(|(x, y)| go(x, y, join)).collect();
                    if out.iter().zip(u).all(|(x, y)| Rc::ptr_eq(x, y)) {
                        a.clone()
                    } else if out.iter().zip(v).all(|(x, y)| Rc::ptr_eq(x, y)) {
                        b.clone()
                    } else {
                        Rc::new(Node::inner(out))
                    }
                }
                _ => a.clone(),
            }
        }
        debug_assert_eq!(self.len, other.len);
        match (&self.root, &other.root) {
            (Some(a), Some(b)) if self.len == other.len => PVec {
                root: Some(go(a, b, join)),
                len: self.len,
                height: self.height,
            },
            _ => self.clone(),
        }
    }

    /// Equal element by element (`eq`), visiting only what is not shared.
    fn equal(&self, other: &PVec<T>, eq: &impl Fn(&T, &T) -> bool) -> bool {
        fn go<T: Element>(a: &Rc<Node<T>>, b: &Rc<Node<T>>, eq: &impl Fn(&T, &T) -> bool) -> bool {
            tick(1);
            if Rc::ptr_eq(a, b) {
                return true;
            }
            match (&a.kind, &b.kind) {
                (Kind::Leaf(u), Kind::Leaf(v)) => {
                    u.len() == v.len() && u.iter().zip(v).all(|(x, y)| eq(x, y))
                }
                (Kind::Inner(u), Kind::Inner(v)) => {
                    u.len() == v.len() && u.iter().zip(v).all(|(x, y)| go(x, y, eq))
                }
                _ => false,
            }
        }
        self.len == other.len
            && match (&self.root, &other.root) {
                (Some(a), Some(b)) => go(a, b, eq),
                (None, None) => true,
                _ => false,
            }
    }

    /// Every element, in order (for what is not on a hot path).
    fn for_each(&self, f: &mut impl FnMut(&T)) {
        fn go<T>(n: &Node<T>, f: &mut impl FnMut(&T)) {
            tick(1);
            match &n.kind {
                Kind::Leaf(v) => v.iter().for_each(&mut *f),
                Kind::Inner(c) => c.iter().for_each(|x| go(x, f)),
            }
        }
        if let Some(r) = self.root.as_deref() {
            go(r, f);
        }
    }
}

fn push_in<T: Element>(node: &mut Rc<Node<T>>, level: u32, i: usize, x: T) {
    tick(1);
    let n = Rc::make_mut(node);
    n.marks = n.marks.with(x.marks());
    match &mut n.kind {
        Kind::Leaf(v) => v.push(x),
        Kind::Inner(c) => {
            let k = child(level, i);
            if k == c.len() {
                c.push(Rc::new(Node::path(level - 1, x)));
            } else {
                push_in(&mut c[k], level - 1, i, x);
            }
        }
    }
}

fn set_in<T: Element>(node: &mut Rc<Node<T>>, level: u32, i: usize, x: T) {
    tick(1);
    let n = Rc::make_mut(node);
    match &mut n.kind {
        Kind::Leaf(v) => v[i & MASK] = x,
        Kind::Inner(c) => set_in(&mut c[child(level, i)], level - 1, i, x),
    }
    n.remark();
}

/// Cuts the subtree at `level`, which covers the elements from `base`,
/// after element `last` (its elements went to `old_last`); a subtree that
/// ends at `last` already is left shared.
fn trunc_in<T: Element>(
    node: &mut Rc<Node<T>>,
    level: u32,
    base: usize,
    last: usize,
    old_last: usize,
) {
    tick(1);
    if old_last.min(base + span(level) - 1) == last {
        return;
    }
    let n = Rc::make_mut(node);
    match &mut n.kind {
        Kind::Leaf(v) => v.truncate((last & MASK) + 1),
        Kind::Inner(c) => {
            let k = child(level, last);
            c.truncate(k + 1);
            let b = base + k * span(level - 1);
            trunc_in(&mut c[k], level - 1, b, last, old_last);
        }
    }
    n.remark();
}

/// A variable in its slot.
#[derive(Clone, Debug)]
struct Slot {
    /// The walk's number for its name.
    id: u32,
    var: Var,
    /// The slot (plus one; 0: none) of the binding of the same name that
    /// this one shadows.
    shadows: u32,
    /// The index before this variable was bound, when it opens a scope
    /// (is deeper than the variable before it): what dropping the scope
    /// restores.
    index_before: Option<PVec<u32>>,
}

impl Element for Rc<Slot> {
    fn marks(&self) -> Marks {
        let f = &self.var.fact;
        let open_token = !f.token.as_ref().is_some_and(|t| t.closed);
        let flags = if f.guard { GUARD } else { 0 }
            | if f.handle.as_ref().is_some_and(|h| !h.closed) {
                OPEN_HANDLE
            } else {
                0
            }
            | if f
                .token
                .as_ref()
                .is_some_and(|t| t.stored.is_some() && !t.closed)
            {
                STORED_TOKEN
            } else {
                0
            }
            | if f.saved.is_some() && open_token {
                SAVED_TOKEN
            } else {
                0
            };
        Marks {
            flags,
            min_depth: self.var.depth,
        }
    }

    fn same(&self, other: &Self) -> bool {
        Rc::ptr_eq(self, other)
    }
}

/// The walk's numbers for names, shared by the states of one walk.
#[derive(Default)]
struct Names {
    ids: HashMap<Box<str>, u32, BuildHasherDefault<NameHasher>>,
}

impl Names {
    fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(name.into(), id);
        id
    }
}

/// The variables of a state (see the module documentation).
#[derive(Clone, Default)]
pub(super) struct Vars {
    list: PVec<Rc<Slot>>,
    /// Name number → slot of its innermost binding, plus one (0: none).
    index: PVec<u32>,
    /// Shared by every state copied from the same one (`None` until a
    /// variable is bound).
    names: Option<Rc<RefCell<Names>>>,
}

impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_list();
        self.list.for_each(&mut |s: &Rc<Slot>| {
            l.entry(&s.var);
        });
        l.finish()
    }
}

impl PartialEq for Vars {
    fn eq(&self, other: &Vars) -> bool {
        self.list
            .equal(&other.list, &|a: &Rc<Slot>, b: &Rc<Slot>| a.var == b.var)
    }
}

impl Eq for Vars {}

/// A variable being changed ([`Vars::get_mut`]): it is written back when
/// this is dropped, if it changed.
pub(super) struct VarMut<'v> {
    vars: &'v mut Vars,
    at: usize,
    slot: Slot,
}

impl std::ops::Deref for VarMut<'_> {
    type Target = Var;
    fn deref(&self) -> &Var {
        &self.slot.var
    }
}

impl std::ops::DerefMut for VarMut<'_> {
    fn deref_mut(&mut self) -> &mut Var {
        &mut self.slot.var
    }
}

impl Drop for VarMut<'_> {
    fn drop(&mut self) {
        let unchanged = self
            .vars
            .list
            .get(self.at)
            .is_some_and(|s| s.var == self.slot.var);
        if !unchanged {
            debug_assert!(self
                .vars
                .list
                .get(self.at)
                .is_some_and(|s| s.var.name == self.slot.var.name));
            let slot = self.slot.clone();
            self.vars.list.set(self.at, Rc::new(slot));
        }
    }
}

impl Vars {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.list.len
    }

    /// The slot of the innermost binding of `name`.
    fn find(&self, name: &str) -> Option<usize> {
        let id = self.names.as_ref()?.borrow().id(name)?;
        self.find_id(id)
    }

    fn find_id(&self, id: u32) -> Option<usize> {
        let at = *self.index.get(id as usize)?;
        (at > 0).then(|| at as usize - 1)
    }

    /// The innermost variable named `name`.
    pub(super) fn get(&self, name: &str) -> Option<&Var> {
        let at = self.find(name)?;
        self.list.get(at).map(|s| &s.var)
    }

    /// The innermost variable named `name`, to change.
    pub(super) fn get_mut(&mut self, name: &str) -> Option<VarMut<'_>> {
        let at = self.find(name)?;
        let slot = Slot::clone(self.list.get(at)?);
        Some(VarMut {
            vars: self,
            at,
            slot,
        })
    }

    /// Binds a variable, innermost.
    pub(super) fn push(&mut self, var: Var) {
        let names = self.names.get_or_insert_with(Default::default).clone();
        let id = names.borrow_mut().intern(&var.name);
        let at = self.list.len;
        let opens_scope = at
            .checked_sub(1)
            .and_then(|p| self.list.get(p))
            .is_none_or(|p| p.var.depth < var.depth);
        let shadows = self.index.get(id as usize).copied().unwrap_or(0);
        let index_before = opens_scope.then(|| self.index.clone());
        self.index.set_grow(id as usize, at as u32 + 1, 0);
        self.list.push(Rc::new(Slot {
            id,
            var,
            shadows,
            index_before,
        }));
    }

    /// Keeps the first `len` variables (the index forgets the others).
    pub(super) fn truncate(&mut self, len: usize) {
        if len >= self.list.len {
            return;
        }
        match self.list.get(len).and_then(|s| s.index_before.clone()) {
            Some(before) => self.index = before,
            None => {
                // Not a scope's start: unbind the names one by one.
                for at in (len..self.list.len).rev() {
                    if let Some(s) = self.list.get(at).cloned() {
                        self.index.set(s.id as usize, s.shadows);
                    }
                }
            }
        }
        self.list.truncate(len);
    }

    /// How many variables are left when those deeper than `depth` at the
    /// end (the scopes being left) are dropped.
    pub(super) fn kept(&self, depth: u32) -> usize {
        self.list
            .rfind(|m| m.min_depth <= depth, |s| s.var.depth <= depth)
            .map_or(0, |at| at + 1)
    }

    /// The variables from slot `from` on that hold one of the `mask`
    /// flags, last declared first.
    pub(super) fn marked_rev(&self, from: usize, mask: u8) -> Vec<Var> {
        let mut out = Vec::new();
        self.list
            .each_marked(from, mask, true, &mut |_, s: &Rc<Slot>| {
                out.push(s.var.clone())
            });
        out
    }

    /// The variables that hold one of the `mask` flags, in order.
    pub(super) fn marked(&self, mask: u8) -> Vec<Var> {
        let mut out = Vec::new();
        self.list
            .each_marked(0, mask, false, &mut |_, s: &Rc<Slot>| {
                out.push(s.var.clone())
            });
        out
    }

    /// Some variable holds one of the `mask` flags.
    pub(super) fn any(&self, mask: u8) -> bool {
        self.list
            .root
            .as_ref()
            .is_some_and(|r| r.marks.flags & mask != 0)
    }

    /// The variables both hold (by name and scope depth), their facts
    /// joined with `join`. Where both hold the same variables in the same
    /// slots (the variables of the scopes around a branch), only what is
    /// not shared is visited; the rest of `self`'s (rare: bindings of an
    /// `if let` chain on one side) are looked up in `other` by name.
    pub(super) fn join(&self, other: &Vars, join: &impl Fn(&Fact, &Fact) -> Fact) -> Vars {
        let shared_names = match (&self.names, &other.names) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            _ => true,
        };
        if !shared_names {
            return self.join_by_name(other, join);
        }
        let p = self.list.common_prefix(&other.list, |a, b| {
            a.id == b.id && a.var.depth == b.var.depth
        });
        let mut out = self.clone();
        out.truncate(p);
        let mut theirs = other.list.clone();
        theirs.truncate(p);
        out.list = out
            .list
            .zip_join(&theirs, &mut |a: &Rc<Slot>, b: &Rc<Slot>| {
                join_slot(a, b, join)
            });
        for at in p..self.list.len {
            let Some(a) = self.list.get(at) else { break };
            if let Some(b) = other.binding(a.id, a.var.depth) {
                out.push(Var {
                    name: a.var.name.clone(),
                    depth: a.var.depth,
                    fact: join(&a.var.fact, &b.fact),
                });
            }
        }
        out
    }

    /// The binding of name number `id` at scope depth `depth`, the
    /// innermost first.
    fn binding(&self, id: u32, depth: u32) -> Option<&Var> {
        let mut at = self.find_id(id)?;
        loop {
            let s = self.list.get(at)?;
            if s.var.depth == depth {
                return Some(&s.var);
            }
            at = (s.shadows as usize).checked_sub(1)?;
        }
    }

    /// [`Vars::join`] of states that do not share their names' numbers
    /// (never from one walk's states; kept correct for any).
    fn join_by_name(&self, other: &Vars, join: &impl Fn(&Fact, &Fact) -> Fact) -> Vars {
        let mut mine: Vec<Var> = Vec::new();
        self.list
            .for_each(&mut |s: &Rc<Slot>| mine.push(s.var.clone()));
        let mut out = Vars {
            names: self.names.clone(),
            ..Vars::default()
        };
        for a in mine {
            let id = other.names.as_ref().and_then(|n| n.borrow().id(&a.name));
            if let Some(b) = id.and_then(|id| other.binding(id, a.depth)) {
                let fact = join(&a.fact, &b.fact);
                out.push(Var { fact, ..a });
            }
        }
        out
    }
}

/// Two slots of the same variable, joined: `a` itself when the join
/// changes nothing.
fn join_slot(a: &Rc<Slot>, b: &Rc<Slot>, join: &impl Fn(&Fact, &Fact) -> Fact) -> Rc<Slot> {
    if Rc::ptr_eq(a, b) || a.var.fact == b.var.fact {
        return a.clone();
    }
    let fact = join(&a.var.fact, &b.var.fact);
    if fact == a.var.fact {
        return a.clone();
    }
    if fact == b.var.fact && a.id == b.id && a.var.depth == b.var.depth {
        return b.clone();
    }
    Rc::new(Slot {
        var: Var {
            fact,
            ..a.var.clone()
        },
        ..Slot::clone(a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a change does to the vector under test and to a plain `Vec`.
    #[derive(Clone, Debug)]
    enum Op {
        Push(u32),
        Set(usize, u32),
        Truncate(usize),
        Fork,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => any::<u32>().prop_map(Op::Push),
            2 => (any::<usize>(), any::<u32>()).prop_map(|(i, x)| Op::Set(i, x)),
            1 => any::<usize>().prop_map(Op::Truncate),
            1 => Just(Op::Fork),
        ]
    }

    fn to_vec(p: &PVec<u32>) -> Vec<u32> {
        let mut v = Vec::new();
        p.for_each(&mut |x: &u32| v.push(*x));
        v
    }

    proptest! {
        #[test]
        fn behaves_like_a_vec(ops in proptest::collection::vec(op(), 0..600)) {
            let mut p: PVec<u32> = PVec::default();
            let mut v: Vec<u32> = Vec::new();
            // Copies taken along the way must not change.
            let mut forks: Vec<(PVec<u32>, Vec<u32>)> = Vec::new();
            for o in ops {
                match o {
                    Op::Push(x) => { p.push(x); v.push(x); }
                    Op::Set(i, x) if !v.is_empty() => {
                        let i = i % v.len();
                        p.set(i, x);
                        v[i] = x;
                    }
                    Op::Truncate(n) => {
                        let n = n % (v.len() + 1);
                        p.truncate(n);
                        v.truncate(n);
                    }
                    Op::Fork => forks.push((p.clone(), v.clone())),
                    Op::Set(..) => {}
                }
                prop_assert_eq!(p.len, v.len());
            }
            prop_assert_eq!(to_vec(&p), v.clone());
            for (i, x) in v.iter().enumerate() {
                prop_assert_eq!(p.get(i), Some(x));
            }
            prop_assert_eq!(p.get(v.len()), None);
            for (fp, fv) in &forks {
                prop_assert_eq!(&to_vec(fp), fv);
                let same = |a: &u32, b: &u32| a == b;
                let prefix = fv.iter().zip(&v).take_while(|(a, b)| a == b).count();
                prop_assert_eq!(fp.common_prefix(&p, same), prefix);
                prop_assert_eq!(fp.equal(&p, &same), *fv == v);
                // The least height that holds the elements.
                let mut h = 0;
                while span(h) < fp.len { h += 1; }
                prop_assert_eq!(fp.height, h);
            }
        }

        #[test]
        fn rfind_and_marked_scans_see_every_match(xs in proptest::collection::vec(0u32..40, 0..300), d in 0u32..40) {
            let mut p: PVec<Rc<Slot>> = PVec::default();
            for (i, &x) in xs.iter().enumerate() {
                let fact = Fact { guard: x % 7 == 0, ..Fact::default() };
                p.push(Rc::new(Slot {
                    id: i as u32,
                    var: Var { name: format!("v{i}"), depth: x, fact },
                    shadows: 0,
                    index_before: None,
                }));
            }
            let want = xs.iter().rposition(|&x| x <= d);
            prop_assert_eq!(p.rfind(|m| m.min_depth <= d, |s| s.var.depth <= d), want);
            let from = d as usize % (xs.len() + 1);
            let mut seen = Vec::new();
            p.each_marked(from, GUARD, true, &mut |i, _| seen.push(i));
            let want: Vec<usize> = (from..xs.len()).rev().filter(|&i| xs[i] % 7 == 0).collect();
            prop_assert_eq!(seen, want);
        }
    }

    fn var(name: &str, depth: u32) -> Var {
        Var {
            name: name.to_string(),
            depth,
            fact: Fact::default(),
        }
    }

    #[test]
    fn lookups_find_the_innermost_binding_and_scopes_restore_the_index() {
        let mut v = Vars::default();
        v.push(var("a", 0));
        v.push(var("b", 1));
        let outer = v.len();
        v.push(var("a", 2));
        v.push(var("c", 2));
        assert_eq!(v.get("a").map(|x| x.depth), Some(2));
        let keep = v.kept(1);
        assert_eq!(keep, outer);
        v.truncate(keep);
        assert_eq!(v.get("a").map(|x| x.depth), Some(0));
        assert!(v.get("c").is_none());
        // A cut inside a scope unbinds one by one.
        v.push(var("b", 1));
        v.truncate(2);
        assert_eq!(v.get("b").map(|x| x.depth), Some(1));
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn joins_keep_what_both_hold_and_share_what_did_not_change() {
        let mut base = Vars::default();
        for i in 0..100 {
            base.push(var(&format!("x{i}"), 1));
        }
        let mut t = base.clone();
        let mut f = base.clone();
        t.get_mut("x5").expect("bound").fact.guard = true;
        t.push(var("only_then", 2));
        f.push(var("only_else", 2));
        let j = t.join(&f, &|a, b| Fact {
            guard: a.guard && b.guard,
            ..a.clone()
        });
        assert_eq!(j.len(), 100);
        assert!(!j.get("x5").expect("kept").fact.guard);
        assert!(j.get("only_then").is_none());
        // Unchanged subtrees are the same nodes as the base's.
        let same = |a: &Rc<Slot>, b: &Rc<Slot>| Rc::ptr_eq(a, b);
        assert_eq!(j.list.common_prefix(&base.list, same), 100);
        assert_eq!(j, base);
        // A variable that only one side binds, deeper, at the end: kept
        // when the other holds it at the same depth.
        let mut a = base.clone();
        a.push(var("x3", 2));
        let mut b = base.clone();
        b.push(var("y", 2));
        b.push(var("x3", 2));
        let k = a.join(&b, &|a, _| a.clone());
        assert_eq!(k.len(), 101);
        assert_eq!(k.get("x3").map(|v| v.depth), Some(2));
    }

    #[test]
    fn scans_visit_only_marked_variables() {
        let mut v = Vars::default();
        for i in 0..10_000 {
            v.push(var(&format!("x{i}"), 1));
        }
        assert!(!v.any(GUARD));
        v.get_mut("x10").expect("bound").fact.guard = true;
        assert!(v.any(GUARD));
        let before = steps();
        let found = v.marked(GUARD);
        let visited = steps() - before;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "x10");
        // A path down (4 levels of at most 16 children), not the 10,000
        // variables nor the 700 nodes holding them.
        assert!(visited < 60, "{visited} steps");
    }
}
