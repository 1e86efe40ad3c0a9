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
//!   path here. `origin` is `None`; `guarded` means nothing.
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
//!   origins), the place diagnostics point at. It is a witness, not part of
//!   the order: the join keeps the first impersonating operand's (the left
//!   one's when it impersonates). So the join is associative and idempotent
//!   in full, and commutative in everything but which of two different
//!   origins it keeps.
//! - `guarded`: a guard holds the region on every impersonating path (and
//!   over the impersonating operands; `false` when neither impersonates).
//! - `work`: some path did work after its begin (or): a function that only
//!   begins and returns is a begin wrapper, one that works on leaks.
//! - `saved`: the token before the begin was saved on every path (and), so
//!   a second begin is not a nested impersonation.
//!
//! Two regions that differ only in `guarded` while reverted are the same
//! value ([`Region::same`]): the join forgets it there.

use crate::event::Imp;

/// The thread's impersonation at a reachable program point (see the module
/// documentation for its order and join).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Region {
    pub(super) imp: Imp,
    /// Where impersonation began: `Some` exactly when `imp` is not `No`.
    pub(super) origin: Option<u32>,
    pub(super) guarded: bool,
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

    /// Impersonating since `origin` on every path, with no work done since;
    /// what was saved stays saved.
    pub(super) fn begin(&mut self, origin: u32, guarded: bool) {
        self.imp = Imp::Yes;
        self.origin = Some(origin);
        self.guarded = guarded;
        self.work = false;
    }

    /// The least region above both (see the module documentation).
    pub(super) fn join(self, other: Region) -> Region {
        let (ai, bi) = (self.imp != Imp::No, other.imp != Imp::No);
        Region {
            imp: self.imp.join(other.imp),
            origin: if ai { self.origin } else { other.origin },
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

    /// The same value: equal, except that `guarded` means nothing while
    /// reverted.
    #[cfg(test)]
    pub(super) fn same(self, other: Region) -> bool {
        let norm = |r: Region| Region {
            guarded: r.guarded && r.imp != Imp::No,
            ..r
        };
        norm(self) == norm(other)
    }
}

#[cfg(test)]
mod tests {
    use super::super::State;
    use super::*;
    use proptest::prelude::*;

    /// Regions as the walk makes them: an origin exactly when impersonating
    /// (a few origins, so that operands share some).
    fn region() -> impl Strategy<Value = Region> {
        (
            prop_oneof![Just(Imp::No), Just(Imp::Yes), Just(Imp::Maybe)],
            0u32..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(imp, o, guarded, work, saved)| Region {
                imp,
                origin: (imp != Imp::No).then_some(o),
                guarded,
                work,
                saved,
            })
    }

    /// A region without its witness (the origin it keeps).
    fn value(r: Region) -> Region {
        Region { origin: None, ..r }
    }

    proptest! {
        #[test]
        fn join_is_commutative_but_for_the_origin_kept(a in region(), b in region()) {
            let (ab, ba) = (a.join(b), b.join(a));
            prop_assert!(value(ab).same(value(ba)));
            // Which origin is kept depends on the order only when both
            // sides impersonate since different places.
            if a.origin.is_none() || b.origin.is_none() || a.origin == b.origin {
                prop_assert_eq!(ab.origin, ba.origin);
            } else {
                prop_assert_eq!(ab.origin, a.origin);
                prop_assert_eq!(ba.origin, b.origin);
            }
        }

        #[test]
        fn join_is_associative(a in region(), b in region(), c in region()) {
            prop_assert!(a.join(b).join(c).same(a.join(b.join(c))));
        }

        #[test]
        fn join_is_idempotent(a in region()) {
            prop_assert!(a.join(a).same(a));
        }

        #[test]
        fn join_is_an_upper_bound(a in region(), b in region()) {
            let j = a.join(b);
            // In the order No < Maybe, Yes < Maybe.
            for x in [a, b] {
                prop_assert!(j.imp == x.imp || j.imp == Imp::Maybe);
            }
            prop_assert_eq!(j.origin.is_some(), j.imp != Imp::No);
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
        a.dead == b.dead && (a.dead || a.region.same(b.region))
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
            let (ab, ba) = (a.join(&b), b.join(&a));
            prop_assert_eq!(ab.dead, ba.dead);
            prop_assert!(ab.dead || value(ab.region).same(value(ba.region)));
        }
    }

    #[test]
    fn fields_join_as_documented() {
        let yes = |guarded, work, saved| Region {
            imp: Imp::Yes,
            origin: Some(1),
            guarded,
            work,
            saved,
        };
        // Guarded on every impersonating path: a reverted side says nothing.
        assert!(yes(true, false, false).join(Region::REVERTED).guarded);
        assert!(
            !yes(true, false, false)
                .join(yes(false, false, false))
                .guarded
        );
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
        let yes = Region {
            imp: Imp::Yes,
            origin: Some(0),
            ..Region::REVERTED
        };
        assert_eq!(Region::REVERTED.join(yes).imp, Imp::Maybe);
        assert_eq!(yes.join(Region::REVERTED).origin, Some(0));
        assert_eq!(yes.join(yes), yes);
    }
}
