//! What a walk reads of other functions: their summaries (`Summary`, of
//! this crate's functions, computed by `analyze`) and whether a type is a
//! guard ([`GuardTypes`]), and the summaries of functions outside the crate
//! ([`ExternalSummaries`], pluggable: none today, a dependency's once crates
//! export them).
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

/// No summaries from outside the crate: what every run uses until crates
/// export theirs.
pub struct NoExternal;

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
    /// Guards whatever the crate's summaries say: configured
    /// (`[impersonation] guards`) and other crates' (`ExternalSummaries`).
    fixed: HashSet<String>,
    /// The crate's `Drop::drop` functions that may revert, by their type's
    /// name: the type is a guard when one of them does
    /// (`Summary::reverts_on_drop`).
    drops: HashMap<String, Vec<usize>>,
}

impl GuardTypes {
    /// Guard types from `fixed` names (paths or last segments), and the
    /// crate's `Drop::drop` functions `drops` (type name, function id).
    pub fn new<'s>(
        fixed: impl IntoIterator<Item = &'s str>,
        drops: impl IntoIterator<Item = (String, usize)>,
    ) -> GuardTypes {
        let fixed = fixed
            .into_iter()
            .filter_map(|g| g.rsplit("::").next().map(str::to_string))
            .collect();
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for (t, id) in drops {
            by_type.entry(t).or_default().push(id);
        }
        GuardTypes {
            fixed,
            drops: by_type,
        }
    }

    /// Whether the type named `name` is a guard with the summaries `sums`;
    /// the `Drop::drop` functions that decide it are recorded in `reads`.
    pub fn is_guard(&self, name: &str, sums: &[Summary], reads: &mut Reads) -> bool {
        if self.fixed.contains(name) {
            return true;
        }
        let Some(drops) = self.drops.get(name) else {
            return false;
        };
        reads.extend(drops);
        drops.iter().any(|&id| sums[id].reverts_on_drop)
    }

    /// Every guard type's name with the summaries `sums`.
    pub fn names(&self, sums: &[Summary]) -> HashSet<String> {
        let mut out = self.fixed.clone();
        for (t, drops) in &self.drops {
            if drops.iter().any(|&id| sums[id].reverts_on_drop) {
                out.insert(t.clone());
            }
        }
        out
    }

    /// The names of the types whose guard-ness depends on the crate's
    /// summaries, with their `Drop::drop` functions.
    pub fn undecided(&self) -> impl Iterator<Item = (&str, &[usize])> {
        self.drops
            .iter()
            .filter(|(t, _)| !self.fixed.contains(t.as_str()))
            .map(|(t, d)| (t.as_str(), d.as_slice()))
    }
}
