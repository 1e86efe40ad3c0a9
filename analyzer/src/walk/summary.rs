//! What a walk reads of other functions: their summaries (`Summary`, of
//! this crate's functions, computed by `analyze`) and whether a type is a
//! guard ([`GuardTypes`]), and the summaries of functions outside the crate
//! ([`ExternalSummaries`]: a dependency's, which `deps` hands on).
//!
//! A walk records which of the crate's functions it read ([`Reads`]): the
//! callees whose summary it applied and the `Drop::drop` functions that
//! decide whether a type it met is a guard. `analyze` walks a function again
//! exactly when one of those changed, which is what lets it compute
//! summaries callee first and still reach the fixed point whatever the
//! order (see `analyze`).

use super::Summary;
use std::collections::{HashMap, HashSet};

/// Summaries of functions outside the crate being analysed, looked up by
/// the path a call resolves to (`crate::module::function`, the crate's
/// name first, as `CrateIndex::full_path` gives it). A dependency's
/// summaries, computed when that crate was analysed, plug in here; a call
/// that the catalog knows is never looked up.
pub trait ExternalSummaries: Sync {
    /// The summary of the function at `path`, when known.
    fn function(&self, path: &[String]) -> Option<Summary>;
    /// The last segments of the functions whose summary says they begin,
    /// end or run a closure impersonated: a function that calls one may
    /// have a summary of its own, and is walked (`analyze`).
    fn lifecycle_names(&self) -> Vec<String>;
    /// Types of other crates whose `Drop` reverts (full paths).
    fn guard_types(&self) -> Vec<String>;
}

/// No summaries from outside the crate (the engine's unit tests).
#[cfg(test)]
pub struct NoExternal;

#[cfg(test)]
impl ExternalSummaries for NoExternal {
    fn function(&self, _: &[String]) -> Option<Summary> {
        None
    }

    fn lifecycle_names(&self) -> Vec<String> {
        Vec::new()
    }

    fn guard_types(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The crate functions whose summaries a walk read, in the order it read
/// them (with repeats; `analyze` sorts them).
pub type Reads = Vec<usize>;

/// Which types are guards: a type whose `Drop` reverts. Types are known by
/// the last segment of their name, as the walk meets them.
pub struct GuardTypes {
    /// Type name → the crate's `Drop::drop` functions that may make it a
    /// guard (it is one when one of them reverts:
    /// `Summary::reverts_on_drop`), or `None` for a guard whatever the
    /// crate's summaries say: configured (`[impersonation] guards`) or
    /// another crate's (`ExternalSummaries`). One table: the walk asks for
    /// every path it meets.
    types: HashMap<String, Option<Vec<usize>>>,
}

impl GuardTypes {
    /// Guard types from `fixed` names (paths or last segments), and the
    /// crate's `Drop::drop` functions `drops` (type name, function id).
    pub fn new<'s>(
        fixed: impl IntoIterator<Item = &'s str>,
        drops: impl IntoIterator<Item = (String, usize)>,
    ) -> GuardTypes {
        let mut types: HashMap<String, Option<Vec<usize>>> = HashMap::new();
        for (t, id) in drops {
            if let Some(ids) = types.entry(t).or_insert_with(|| Some(Vec::new())) {
                ids.push(id);
            }
        }
        for g in fixed {
            if let Some(last) = g.rsplit("::").next() {
                types.insert(last.to_string(), None);
            }
        }
        GuardTypes { types }
    }

    /// Whether the type named `name` is a guard with the summaries `sums`;
    /// the `Drop::drop` functions that decide it are recorded in `reads`.
    pub fn is_guard(&self, name: &str, sums: &[Summary], reads: &mut Reads) -> bool {
        match self.types.get(name) {
            None => false,
            Some(None) => true,
            Some(Some(drops)) => {
                reads.extend(drops);
                drops.iter().any(|&id| sums[id].reverts_on_drop)
            }
        }
    }

    /// Every guard type's name with the summaries `sums`.
    pub fn names(&self, sums: &[Summary]) -> HashSet<String> {
        self.types
            .iter()
            .filter(|(_, d)| {
                d.as_ref()
                    .is_none_or(|d| d.iter().any(|&id| sums[id].reverts_on_drop))
            })
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// The names of the types whose guard-ness depends on the crate's
    /// summaries, with their `Drop::drop` functions.
    pub fn undecided(&self) -> impl Iterator<Item = (&str, &[usize])> {
        self.types
            .iter()
            .filter_map(|(t, d)| Some((t.as_str(), d.as_deref()?)))
    }
}
