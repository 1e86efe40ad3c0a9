//! The lattice the walk computes over: the thread's impersonation at a
//! program point ([`Region`]), one type shared by the walk's state (`State`
//! adds reachability and the local variables) and its snapshots (the state
//! an error path or a restored token goes back to).
//!
//! # Values and order
//!
//! `imp` is the value; the other fields describe it:
//!
//! - `Imp::No` (reverted): the thread runs with the process token on every
//!   path here. `origin` is `None` and `guarded` is `false`.
//! - `Imp::Yes` (impersonating since `origin`) on every path here.
//! - `Imp::Maybe` (impersonating since `origin` on some paths, not on others).
//!
//! The order is `No < Maybe` and `Yes < Maybe`; `No` and `Yes` are not
//! comparable, so the join of two different values is `Maybe`, the top.
//! Below every value is *dead*: an unreachable point (after a `return`,
//! `break`, `continue`, `?` that always leaves, or a call that never
//! returns). Joining dead with anything gives the other side unchanged: it
//! is the identity of the join. Dead is `State::dead`, not a `Region`,
//! because a snapshot restores a region, never reachability.
//!
//! # What a value carries, and how each joins
//!
//! - `origin`: where impersonation began (an index into the walker's list of
//!   origins, in the order the walk created them), the place diagnostics
//!   point at. When both operands impersonate since different places, the
//!   join keeps the origin created *last*: whatever order the operands come
//!   in, so the join is commutative, associative and idempotent in full.
//!   Created last means innermost: the origin a function inherits (its
//!   entry, a closure helper's region) is created before any begin the
//!   walk meets in it, and a closure's own begins after those of the code
//!   around it. So a joined region began in the current function or
//!   closure (`Walker::is_local_origin`) exactly when one of the
//!   impersonating operands did: a function that begins on one path and
//!   inherits its caller's region on another returns a region of its own
//!   (a leak, or a begin wrapper), whichever branch came first in the text.
//!   Between two begins of the same function, the diagnostic points at the
//!   one the walk met last.
//! - `guarded`: a guard holds the region on every impersonating path (and
//!   over the impersonating operands). It is normalised: always `false`
//!   while reverted (a guard bound while not impersonating holds nothing;
//!   the next begin looks at the variables again), so two regions are the
//!   same value exactly when they are equal, and the walk's fixed points
//!   compare states with `==`.
//! - `work`: some path did work after its begin (or): a function that only
//!   begins and returns is a begin wrapper, one that works on leaks.
//! - `saved`: the token before the begin was saved on every path (and), so
//!   a second begin is not a nested impersonation.
//!
//! # Height
//!
//! A chain of ever larger regions is short: `imp` rises at most twice
//! (`No`/`Yes` to `Maybe`), `guarded` and `saved` fall at most once, `work`
//! rises at most once, and `origin` moves only to an origin created later,
//! of which a walk has one per begin place (`Walker::origin` reuses them).
//! This is what makes the walk's loops and the analysis's fixed points
//! terminate (see `walk::control` and `analyze`).

use crate::event::Imp;

/// The thread's impersonation at a reachable program point (see the module
/// documentation for its order and join). Its fields are read directly and
/// written through its methods, which keep the invariants: `origin` is
/// `Some` exactly when impersonating, `guarded` only then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Region {
    pub(super) imp: Imp,
    /// Where impersonation began: `Some` exactly when `imp` is not `No`.
    pub(super) origin: Option<u32>,
    guarded: bool,
    pub(super) work: bool,
    pub(super) saved: bool,
}

impl Region {
    /// Reverted, with nothing saved: where a function starts, and what a
    /// revert leaves.
    pub(super) const REVERTED: Region = Region {
        imp: Imp::No,
        origin: None,
        guarded: false,
        work: false,
        saved: false,
    };

    /// Entered `imp` (not `No`) since `origin`, held by the caller (a
    /// function entered impersonating does not revert what it inherits).
    pub(super) fn entered(imp: Imp, origin: u32) -> Region {
        debug_assert!(imp != Imp::No);
        Region {
            imp,
            origin: Some(origin),
            guarded: true,
            ..Region::REVERTED
        }
    }

    /// Impersonating since `origin` on every path, with no work done since;
    /// what was saved stays saved.
    pub(super) fn begin(&mut self, origin: u32, guarded: bool) {
        self.imp = Imp::Yes;
        self.origin = Some(origin);
        self.guarded = guarded;
        self.work = false;
    }

    /// A guard holds the region on every impersonating path.
    pub(super) fn guarded(self) -> bool {
        self.guarded
    }

    /// Whether a guard holds the region: meaningful (and kept) only while
    /// impersonating.
    pub(super) fn set_guarded(&mut self, guarded: bool) {
        self.guarded = guarded && self.imp != Imp::No;
    }

    /// The least region above both (see the module documentation).
    pub(super) fn join(self, other: Region) -> Region {
        let (ai, bi) = (self.imp != Imp::No, other.imp != Imp::No);
        Region {
            imp: self.imp.join(other.imp),
            // Both `None` when neither impersonates; `None < Some`.
            origin: self.origin.max(other.origin),
            guarded: match (ai, bi) {
                (true, true) => self.guarded && other.guarded,
                (true, false) => self.guarded,
                (false, true) => other.guarded,
                _ => false,
            },
            work: self.work || other.work,
            saved: self.saved && other.saved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::State;
    use super::*;
    use proptest::prelude::*;

    /// Regions as the walk makes them: an origin exactly when impersonating
    /// (a few origins, so that operands share some), guarded only then.
    fn region() -> impl Strategy<Value = Region> {
        (
            prop_oneof![Just(Imp::No), Just(Imp::Yes), Just(Imp::Maybe)],
            0u32..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(imp, o, guarded, work, saved)| {
                let mut r = Region {
                    imp,
                    origin: (imp != Imp::No).then_some(o),
                    work,
                    saved,
                    ..Region::REVERTED
                };
                r.set_guarded(guarded);
                r
            })
    }

    /// The invariants every region keeps.
    fn well_formed(r: Region) -> bool {
        r.origin.is_some() == (r.imp != Imp::No) && (!r.guarded || r.imp != Imp::No)
    }

    proptest! {
        #[test]
        fn join_is_commutative(a in region(), b in region()) {
            // In full: the origin kept does not depend on the order either.
            prop_assert_eq!(a.join(b), b.join(a));
        }

        #[test]
        fn join_is_associative(a in region(), b in region(), c in region()) {
            prop_assert_eq!(a.join(b).join(c), a.join(b.join(c)));
        }

        #[test]
        fn join_is_idempotent(a in region()) {
            prop_assert_eq!(a.join(a), a);
        }

        #[test]
        fn join_is_an_upper_bound(a in region(), b in region()) {
            let j = a.join(b);
            // In the order No < Maybe, Yes < Maybe.
            for x in [a, b] {
                prop_assert!(j.imp == x.imp || j.imp == Imp::Maybe);
            }
            prop_assert!(well_formed(j));
            // The origin kept is one of the operands' (the later one).
            prop_assert!(j.origin == a.origin || j.origin == b.origin);
            prop_assert!(j.origin >= a.origin && j.origin >= b.origin);
        }

        #[test]
        fn guarded_means_nothing_while_reverted(a in region(), g in any::<bool>()) {
            let mut r = a;
            r.set_guarded(g);
            prop_assert!(well_formed(r));
            prop_assert_eq!(r.guarded(), g && a.imp != Imp::No);
        }
    }

    /// Walk states without variables, reachable or dead.
    fn state() -> impl Strategy<Value = State> {
        (region(), any::<bool>()).prop_map(|(region, dead)| State {
            region,
            dead,
            vars: super::super::Vars::default(),
        })
    }

    /// The same state: both dead, or both reachable in the same region.
    fn same_state(a: &State, b: &State) -> bool {
        a.dead == b.dead && (a.dead || a.region == b.region)
    }

    proptest! {
        #[test]
        fn dead_is_the_identity(a in state()) {
            // Every dead state is the bottom, whatever its region says.
            prop_assert!(same_state(&State::dead().join(&a), &a));
            prop_assert!(same_state(&a.join(&State::dead()), &a));
        }

        #[test]
        fn states_join_like_their_regions(a in state(), b in state(), c in state()) {
            prop_assert!(same_state(&a.join(&a), &a));
            prop_assert!(same_state(&a.join(&b).join(&c), &a.join(&b.join(&c))));
            prop_assert!(same_state(&a.join(&b), &b.join(&a)));
        }
    }

    #[test]
    fn fields_join_as_documented() {
        let yes = |guarded, work, saved| {
            let mut r = Region::entered(Imp::Yes, 1);
            r.set_guarded(guarded);
            r.work = work;
            r.saved = saved;
            r
        };
        // Guarded on every impersonating path: a reverted side says nothing.
        assert!(yes(true, false, false).join(Region::REVERTED).guarded());
        assert!(!yes(true, false, false)
            .join(yes(false, false, false))
            .guarded());
        // Work on some path.
        assert!(yes(false, false, false).join(yes(false, true, false)).work);
        // Saved on every path.
        assert!(!yes(false, false, true).join(Region::REVERTED).saved);
        let saved = Region {
            saved: true,
            ..Region::REVERTED
        };
        assert!(saved.join(yes(false, false, true)).saved);
    }

    #[test]
    fn different_values_join_to_maybe() {
        let mut yes = Region::REVERTED;
        yes.begin(0, false);
        assert_eq!(Region::REVERTED.join(yes).imp, Imp::Maybe);
        assert_eq!(yes.join(Region::REVERTED).origin, Some(0));
        assert_eq!(Region::REVERTED.join(yes).origin, Some(0));
        assert_eq!(yes.join(yes), yes);
    }

    #[test]
    fn the_later_origin_is_kept_in_either_order() {
        // Entered impersonating (origin 0, the caller's), and a begin of
        // the function's own on one path (origin 1, created later).
        let inherited = Region::entered(Imp::Yes, 0);
        let mut own = inherited;
        own.begin(1, false);
        assert_eq!(inherited.join(own).origin, Some(1));
        assert_eq!(own.join(inherited).origin, Some(1));
    }
}
