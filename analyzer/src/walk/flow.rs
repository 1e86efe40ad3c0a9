//! Value flow across functions, as data: what a function does with each of
//! its parameters ([`ParamFacts`]), what the value it returns carries
//! ([`RetFacts`]), and what the crate stores in each field of its types
//! ([`FieldFacts`], joined over every write). The walk records these facts
//! (`Walker::returning`, parameter and field writes) and reads them at call
//! sites and field reads; `analyze` computes them with the other summaries,
//! callee before caller, to a fixed point. Every join here only adds
//! (unions, `or`, the first place by location), so a fixed point exists and
//! the order of the joins does not change it.
//!
//! Parameter positions are those of the signature, the receiver first:
//! `fn connect(&self, name: &str)` has `self` at 0 and `name` at 1; a
//! free function's first parameter is at 0.
//!
//! How a new fact is added is written down in the project's
//! `coord/summaries.md`: a field here with its join, the walk code that
//! records it, and the call-site code that applies it.

use crate::catalog::Api;
use crate::diag::Location;
use std::collections::BTreeMap;
use std::sync::Arc;

/// At most this many opens are kept per parameter (a helper that opens its
/// parameter in many places is reported at the first few).
const MAX_OPENS: usize = 8;

/// The first of two optional places, by location (a join that does not
/// depend on the order its sides come in).
fn first<T: Clone>(a: &Option<T>, b: &Option<T>, at: impl Fn(&T) -> &Location) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if at(y) < at(x) { y.clone() } else { x.clone() }),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    }
}

/// A file or pipe-client open (`CreateFileW`, `File::open`,
/// `OpenOptions::open`) of a path the opening function does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Open {
    pub api: &'static Api,
    /// The open as the code writes it (`OpenOptions::open`), for messages.
    pub written: String,
    /// The open call: where a finding about it is reported (the place to fix).
    pub at: Location,
    /// The function whose body holds the open (`PipeClient::connect`).
    pub function: String,
    /// Security quality-of-service flags are set on it.
    pub sqos: bool,
    /// It only opens what exists (`OPEN_EXISTING`, `File::open`,
    /// `OpenOptions` without `create`), as a pipe client does.
    pub existing: bool,
}

/// A value given to an API that only takes a named pipe (its path or a
/// handle to it): `WaitNamedPipeW`, `SetNamedPipeHandleState`, ...,
/// `CreateNamedPipeW`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipeUse {
    pub api: &'static str,
    pub at: Location,
    /// The API creates the pipe (`CreateNamedPipeW`): this code holds the
    /// server end of the name.
    pub creates: bool,
}

impl PipeUse {
    /// The first of two, by location; a pipe created here wins (it decides
    /// more).
    pub fn join(a: &Option<PipeUse>, b: &Option<PipeUse>) -> Option<PipeUse> {
        match (a, b) {
            (Some(x), Some(y)) if x.creates != y.creates => {
                Some(if x.creates { x.clone() } else { y.clone() })
            }
            _ => first(a, b, |u| &u.at),
        }
    }
}

/// A field of one of the crate's types: `(PipeClient, path)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldKey {
    pub ty: Arc<str>,
    pub field: Arc<str>,
}

impl FieldKey {
    pub fn new(ty: &str, field: &str) -> FieldKey {
        FieldKey {
            ty: ty.into(),
            field: field.into(),
        }
    }
}

/// What a function does with one parameter, here or in the callees it
/// passes the parameter (or a value made from it) to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ParamFacts {
    /// Opened as a file or pipe client, sorted by place, at most
    /// [`MAX_OPENS`].
    pub opens: Vec<Open>,
    /// Given to a named-pipe-only API: the argument is a pipe.
    pub pipe_use: Option<PipeUse>,
    /// Stored in these fields, sorted.
    pub stored_in: Vec<FieldKey>,
    /// How it is checked as a result (of a begin or end call).
    pub check: ParamCheck,
}

/// How a function checks a result it is given (`check_revert(RevertToSelf())`,
/// `RevertToSelf().debug_expect(..)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum ParamCheck {
    /// Not examined (or only passed on: see [`RetFacts::result_from`]).
    #[default]
    None,
    /// Examined only in debug builds (`debug_assert!`, `cfg!(debug_assertions)`,
    /// `#[cfg(debug_assertions)]`): release builds do not check it.
    Debug,
    /// Examined in release builds (`expect`, `?`, a comparison that branches).
    Release,
}

impl ParamFacts {
    pub fn add_open(&mut self, open: Open) {
        // One place is one open; were it seen twice with different flags
        // (a loop's rounds), the weaker reading is kept.
        if let Some(o) = self.opens.iter_mut().find(|o| o.at == open.at) {
            o.sqos &= open.sqos;
            o.existing &= open.existing;
            return;
        }
        let at = self.opens.partition_point(|o| o.at < open.at);
        self.opens.insert(at, open);
        self.opens.truncate(MAX_OPENS);
    }

    pub fn add_stored(&mut self, key: &FieldKey) {
        if let Err(at) = self.stored_in.binary_search(key) {
            self.stored_in.insert(at, key.clone());
        }
    }

    /// The facts of two walks together (the order the facts form; the walk
    /// adds them one by one through [`ParamFacts::add_open`] and the like).
    #[cfg(test)]
    pub fn join(&self, other: &ParamFacts) -> ParamFacts {
        let mut out = self.clone();
        for o in &other.opens {
            out.add_open(o.clone());
        }
        out.pipe_use = PipeUse::join(&self.pipe_use, &other.pipe_use);
        for k in &other.stored_in {
            out.add_stored(k);
        }
        out.check = self.check.max(other.check);
        out
    }
}

/// What a function's return value carries, joined over its normal returns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RetFacts {
    /// A named-pipe path: a pipe literal or constant, formatted, converted
    /// (wide strings, `HSTRING`, `PCWSTR`), or from a function returning one.
    pub pipe: bool,
    /// A value the code showed to be a pipe (given to a pipe-only API).
    pub pipe_use: Option<PipeUse>,
    /// Made from these parameters (bit i: position i): the caller's
    /// arguments there decide what the result is.
    pub from_params: u32,
    /// A handle from an open without SQOS flags of a path not known to be a
    /// pipe: the caller may show it is one.
    pub open: Option<Open>,
    /// Flags that hold `SECURITY_SQOS_PRESENT` (a flags helper), or an
    /// `OpenOptions` with `security_qos_flags` set.
    pub sqos: bool,
    /// The value of this field (a getter).
    pub field: Option<FieldKey>,
    /// The result (of a begin or end call) given in these parameters is
    /// returned as it is, or tested (bit i: position i): the caller's use
    /// of the returned value checks it.
    pub result_from: u32,
}

/// A function's value-flow summary.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FnFlow {
    /// By signature position (the receiver first); trailing positions
    /// with no fact may be missing.
    pub params: Vec<ParamFacts>,
    pub ret: RetFacts,
}

impl FnFlow {
    /// The facts of parameter `pos`, created if missing.
    pub fn param_mut(&mut self, pos: usize) -> &mut ParamFacts {
        if self.params.len() <= pos {
            self.params.resize(pos + 1, ParamFacts::default());
        }
        &mut self.params[pos]
    }

    pub fn param(&self, pos: usize) -> Option<&ParamFacts> {
        self.params.get(pos)
    }
}

/// What the crate stores in one field, joined over every write.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldFact {
    /// A named-pipe path is written to it: the first such write, by place.
    pub pipe: Option<Location>,
    /// Its value is given to a pipe-only API somewhere.
    pub pipe_use: Option<PipeUse>,
    /// Some write stores flags that hold `SECURITY_SQOS_PRESENT`.
    pub sqos: bool,
    /// Some write stores a value without them.
    pub plain: bool,
}

impl FieldFact {
    pub fn join(&self, other: &FieldFact) -> FieldFact {
        FieldFact {
            pipe: first(&self.pipe, &other.pipe, |l| l),
            pipe_use: PipeUse::join(&self.pipe_use, &other.pipe_use),
            sqos: self.sqos || other.sqos,
            plain: self.plain || other.plain,
        }
    }

    /// Every write stores SQOS flags (`ClientOptions { security_qos_flags:
    /// SECURITY_IDENTIFICATION | SECURITY_SQOS_PRESENT, .. }` and a setter
    /// that adds `SECURITY_SQOS_PRESENT`).
    pub fn always_sqos(&self) -> bool {
        self.sqos && !self.plain
    }

    pub fn is_empty(&self) -> bool {
        *self == FieldFact::default()
    }
}

/// A write into a field, as one walk saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldWrite {
    pub key: FieldKey,
    pub fact: FieldFact,
}

/// The crate's field facts: every write joined, per (type, field).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldFacts {
    map: BTreeMap<FieldKey, FieldFact>,
}

impl FieldFacts {
    pub fn get(&self, key: &FieldKey) -> Option<&FieldFact> {
        self.map.get(key)
    }

    /// Joins a write in; true when that changed anything.
    pub fn add(&mut self, w: &FieldWrite) -> bool {
        if w.fact.is_empty() {
            return false;
        }
        match self.map.get_mut(&w.key) {
            Some(f) => {
                let j = f.join(&w.fact);
                let changed = j != *f;
                *f = j;
                changed
            }
            None => {
                self.map.insert(w.key.clone(), w.fact.clone());
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::APIS;
    use proptest::prelude::*;

    fn loc(byte: usize) -> Location {
        Location {
            file: "src/lib.rs".into(),
            line: byte as u32 + 1,
            column: 1,
            end_line: byte as u32 + 1,
            end_column: 2,
            byte_start: byte,
            byte_end: byte + 1,
        }
    }

    fn pipe_use() -> impl Strategy<Value = Option<PipeUse>> {
        proptest::option::of((0usize..4, any::<bool>())).prop_map(|o| {
            o.map(|(b, creates)| PipeUse {
                api: "WaitNamedPipeW",
                at: loc(b),
                creates,
            })
        })
    }

    fn param() -> impl Strategy<Value = ParamFacts> {
        let open = (0usize..12, any::<bool>()).prop_map(|(b, sqos)| Open {
            api: &APIS[0],
            written: "CreateFileW".into(),
            at: loc(b),
            function: "f".into(),
            sqos,
            existing: true,
        });
        let key = (0usize..3).prop_map(|i| FieldKey::new("T", ["a", "b", "c"][i]));
        (
            proptest::collection::vec(open, 0..10),
            pipe_use(),
            proptest::collection::vec(key, 0..3),
        )
            .prop_map(|(opens, pipe_use, keys)| {
                let mut p = ParamFacts {
                    pipe_use,
                    ..ParamFacts::default()
                };
                for o in opens {
                    p.add_open(o);
                }
                for k in &keys {
                    p.add_stored(k);
                }
                p
            })
    }

    fn field() -> impl Strategy<Value = FieldFact> {
        (
            proptest::option::of(0usize..4),
            pipe_use(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(p, pipe_use, sqos, plain)| FieldFact {
                pipe: p.map(loc),
                pipe_use,
                sqos,
                plain,
            })
    }

    proptest! {
        #[test]
        fn param_join_is_a_join(a in param(), b in param(), c in param()) {
            prop_assert_eq!(a.join(&b), b.join(&a));
            prop_assert_eq!(a.join(&b).join(&c), a.join(&b.join(&c)));
            prop_assert_eq!(a.join(&a), a.clone());
            // It only adds: `a` is below the join.
            prop_assert_eq!(a.join(&a.join(&b)), a.join(&b));
        }

        #[test]
        fn field_join_is_a_join(a in field(), b in field(), c in field()) {
            prop_assert_eq!(a.join(&b), b.join(&a));
            prop_assert_eq!(a.join(&b).join(&c), a.join(&b.join(&c)));
            prop_assert_eq!(a.join(&a), a.clone());
        }

        #[test]
        fn field_facts_do_not_depend_on_write_order(ws in proptest::collection::vec(field(), 0..6)) {
            let key = FieldKey::new("Client", "path");
            let writes: Vec<FieldWrite> = ws.into_iter().map(|fact| FieldWrite { key: key.clone(), fact }).collect();
            let mut fwd = FieldFacts::default();
            let mut back = FieldFacts::default();
            for w in &writes {
                fwd.add(w);
            }
            for w in writes.iter().rev() {
                back.add(w);
            }
            prop_assert_eq!(fwd, back);
        }
    }

    #[test]
    fn opens_are_kept_sorted_and_bounded() {
        let mut p = ParamFacts::default();
        for b in (0..20).rev() {
            p.add_open(Open {
                api: &APIS[0],
                written: "CreateFileW".into(),
                at: loc(b),
                function: "f".into(),
                sqos: false,
                existing: true,
            });
        }
        assert_eq!(p.opens.len(), MAX_OPENS);
        assert!(p.opens.windows(2).all(|w| w[0].at < w[1].at));
        assert_eq!(p.opens[0].at, loc(0));
    }
}
