//! Facts about a crate that particular lints need, beyond its items and the
//! impersonation state: whether the crate enables COM cloaking and where it
//! sets COM security up without it (`com_call_without_cloaking`), which lazy
//! statics do identity-sensitive work in their initializers
//! (`identity_blind_cache`), which types look like COM interfaces, and which
//! guard types can be sent to another thread (`send_impersonation_guard`).
//!
//! They are read from the crate index ([`CrateIndex`]) once it is built, and
//! from the syntax it was given (a guard's `Send` is `auto_traits`'); the
//! item markers they start from (a function's text names a COM security
//! API, a lazy initializer's mentions) are recorded by the collector
//! (`index::collect`), since a file's syntax is dropped after collection.
//! The index knows nothing of this module; the walk and the analysis read it.

use crate::auto_traits::{AutoTraits, Tri, Why};
use crate::catalog::{self, Role};
use crate::diag::Location;
use crate::event::{Event, LintFact};
use crate::index::resolve::Target;
use crate::index::syntax::mentions_flag;
use crate::index::text::SpanMap;
use crate::index::{AutoTrait, CrateIndex, FileItems, FileSyntax};
use std::collections::{BTreeSet, HashSet};
use syn::visit::Visit;

/// What [`CrateFacts::scan`] found.
pub struct CrateFacts<'a> {
    /// The crate enables COM cloaking somewhere.
    pub cloaking: bool,
    /// A `CoInitializeSecurity` call without cloaking.
    pub com_setup: Option<Location>,
    /// Lazily initialised statics whose initializer does identity-sensitive work.
    pub lazy_identity_statics: HashSet<&'a str>,
    /// Files whose syntax the scans need and were not given (lazy
    /// statics' initializers): the analysis asks the driver for them.
    pub need_files: BTreeSet<usize>,
    /// Functions whose syntax the scans need and were not given (those a
    /// lazy initializer calls, those that name a COM security API).
    pub need_fns: BTreeSet<usize>,
}

impl<'a> CrateFacts<'a> {
    /// Reads the facts of the crate `ix` indexes from `items` (its files'
    /// items) and `syntax` (the files parsed for the analysis).
    pub fn scan(
        ix: &CrateIndex<'a>,
        items: &[FileItems],
        syntax: &[Option<FileSyntax<'_>>],
    ) -> CrateFacts<'a> {
        let mut facts = CrateFacts {
            cloaking: false,
            com_setup: None,
            lazy_identity_statics: HashSet::new(),
            need_files: BTreeSet::new(),
            need_fns: BTreeSet::new(),
        };
        // Lazy initializers are read from their file's syntax, with the
        // functions they call (two calls deep); the COM scan reads the
        // functions that name a COM security API.
        for (fi, it) in items.iter().enumerate() {
            if it.lazy_inits.is_empty() {
                continue;
            }
            if !syntax.get(fi).is_some_and(Option::is_some) {
                facts.need_files.insert(fi);
            }
            for (_, mentions) in &it.lazy_inits {
                for id in ix.fns_mentioned(mentions) {
                    for id in std::iter::once(id).chain(ix.fns_mentioned(&ix.fns[id].mentions)) {
                        if ix.syntax[id].is_none() {
                            facts.need_fns.insert(id);
                        }
                    }
                }
            }
        }
        for id in 0..ix.fns.len() {
            if ix.fns[id].com_hit && ix.syntax[id].is_none() {
                facts.need_fns.insert(id);
            }
        }
        (facts.cloaking, facts.com_setup) = scan_com_security(ix);
        for (fi, fs) in syntax.iter().enumerate() {
            let Some(fs) = fs else { continue };
            for (name, init) in &fs.lazy_inits {
                let sensitive = expr_has_identity_api(ix, fi, init, 2);
                if sensitive {
                    if let Some((&name, _)) = ix.statics.get_key_value(name.as_str()) {
                        facts.lazy_identity_statics.insert(name);
                    }
                }
            }
        }
        facts
    }
}

/// A COM interface type: `I` + upper-case letter, not defined locally.
pub fn is_com_interface(ix: &CrateIndex<'_>, ty: &str) -> bool {
    let mut c = ty.chars();
    c.next() == Some('I')
        && c.next().is_some_and(|x| x.is_ascii_uppercase())
        && !ix.local_types.contains(ty)
}

/// Whether an initializer calls an identity-sensitive catalog API,
/// directly or through local functions up to `depth` calls deep.
fn expr_has_identity_api(ix: &CrateIndex<'_>, fi: usize, e: &syn::Expr, depth: u32) -> bool {
    struct V<'i, 'a> {
        ix: &'i CrateIndex<'a>,
        fi: usize,
        depth: u32,
        found: bool,
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            match self.ix.resolve_path(self.fi, p) {
                Target::Api(api) if api.role.is_identity_sensitive() => {
                    self.found = true;
                }
                Target::Local(ids) if self.depth > 0 => {
                    for id in ids {
                        let Some(body) = self.ix.syntax[id].map(|s| s.body) else {
                            continue;
                        };
                        let mut inner = V {
                            ix: self.ix,
                            fi: self.ix.fns[id].file,
                            depth: self.depth - 1,
                            found: false,
                        };
                        inner.visit_block(body);
                        self.found |= inner.found;
                    }
                }
                _ => {}
            }
            syn::visit::visit_path(self, p);
        }
    }
    let mut v = V {
        ix,
        fi,
        depth,
        found: false,
    };
    v.visit_expr(e);
    v.found
}

/// Whether any function enables cloaking, and the first COM security setup
/// call without it (read in the functions that name a COM security API).
fn scan_com_security(ix: &CrateIndex<'_>) -> (bool, Option<Location>) {
    struct V<'i, 'a> {
        ix: &'i CrateIndex<'a>,
        fi: usize,
        base: SpanMap<'a>,
        cloaking: bool,
        setup: Option<Location>,
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                if let Target::Api(api) = self.ix.resolve_path(self.fi, &p.path) {
                    if api.role == Role::ComSecurity {
                        let caps = api.args.flags.and_then(|i| c.args.iter().nth(i));
                        let cloaks = caps.is_some_and(|e| mentions_flag(e, catalog::CLOAKING));
                        self.cloaking |= cloaks;
                        if !cloaks && api.name == "CoInitializeSecurity" && self.setup.is_none() {
                            let last = p
                                .path
                                .segments
                                .last()
                                .map(|s| s.ident.span())
                                .unwrap_or_else(proc_macro2::Span::call_site);
                            let file = &self.ix.files[self.fi];
                            self.setup = Some(self.base.location(file, last));
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "SetBlanket"
                && m.args.iter().any(|a| mentions_flag(a, catalog::CLOAKING))
            {
                self.cloaking = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut cloaking = false;
    let mut setup = None;
    for id in 0..ix.fns.len() {
        let Some(fx) = ix.syntax[id].filter(|_| ix.fns[id].com_hit) else {
            continue;
        };
        let mut v = V {
            ix,
            fi: ix.fns[id].file,
            base: fx.base,
            cloaking: false,
            setup: None,
        };
        v.visit_block(fx.body);
        cloaking |= v.cloaking;
        if setup.is_none() {
            setup = v.setup;
        }
    }
    (cloaking, setup)
}

/// The guard types (their `Drop` reverts) that can be sent to another
/// thread, as events in name order: those the compiler makes `Send`
/// ([`AutoTraits`]); a guard whose `Send` is unknown (a field of a type
/// imperlint does not know) is not reported.
pub fn send_guards(ix: &CrateIndex<'_>, guards: &HashSet<String>) -> Vec<Event> {
    let mut guard_list: Vec<&String> = guards.iter().collect();
    guard_list.sort();
    let mut events = Vec::new();
    let mut auto = AutoTraits::new(ix);
    for g in guard_list {
        let Some(t) = ix.types.get(g.as_str()) else {
            continue;
        };
        if auto.local(g, AutoTrait::Send) != Tri::Yes {
            continue;
        }
        let why = match auto.why(g, AutoTrait::Send) {
            Why::Declared => format!("`unsafe impl Send for {g}`"),
            Why::Fields(f) if f.is_empty() => "it has no fields".to_string(),
            Why::Fields(f) => format!("every field is: {}", f.join(", ")),
        };
        events.push(Event {
            kind: LintFact::SendGuard {
                guard: g.clone(),
                why,
            }
            .into(),
            location: t.loc.clone(),
            state: Default::default(),
            function: g.clone(),
        });
    }
    events
}
