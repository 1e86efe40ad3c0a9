//! Which `macro_rules!` an invocation names, as rustc decides it. A macro
//! is visible after its definition, to the end of the module that holds
//! it, in the modules declared there after it too; a `#[macro_use]`
//! module's macros stay visible in its parent after the module (and so on
//! up while the parents are `#[macro_use]` too); a macro defined in a
//! function body is visible in that body only; a later definition of the
//! same name shadows an earlier one. `#[macro_export]` macros are also
//! reached by path from anywhere in the crate (`crate::name!`,
//! `$crate::name!`, or a `use crate::name;`).
//!
//! Places are compared in the crate's textual order: a file's text stands
//! where its `mod x;` declaration is, so a place is the list of offsets of
//! the declarations leading to its file, then its own offset.

use super::{FileMacros, ModDecl};
use std::ops::Range;

/// How a file is declared in its parent (`mod x;`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parent {
    pub file: usize,
    /// The declaration's first byte in the parent.
    pub at: usize,
    pub macro_use: bool,
}

/// A region of a file where a definition is visible (a module's text, or
/// a function's body).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Container {
    file: usize,
    range: Range<usize>,
}

/// One `macro_rules!` of the crate.
#[derive(Debug)]
pub(crate) struct Def {
    pub name: String,
    pub file: usize,
    /// Index in its file's [`FileMacros::defs`].
    pub index: usize,
    pub exported: bool,
    place: Vec<u32>,
    scope: Container,
}

/// The crate's macro definitions and how its files nest.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    parents: Vec<Option<Parent>>,
    /// Each file's place prefix (see the module documentation).
    keys: Vec<Vec<u32>>,
    pub defs: Vec<Def>,
}

/// How deep `mod` declarations are followed up (a cycle of `#[path]`
/// declarations stops here).
const MAX_NESTING: usize = 256;

impl Scopes {
    /// `macros[f]` are file `f`'s macro facts, `lens[f]` its length,
    /// `parents[f]` how it is declared (`None`: a crate root, or a file no
    /// `mod` reaches).
    pub(crate) fn new(
        macros: &[&FileMacros],
        lens: &[usize],
        parents: Vec<Option<Parent>>,
    ) -> Scopes {
        let mut keys = Vec::with_capacity(parents.len());
        for f in 0..parents.len() {
            let mut chain = Vec::new();
            let mut cur = f;
            while let Some(p) = parents[cur] {
                if chain.len() >= MAX_NESTING {
                    break;
                }
                chain.push(p.at as u32);
                cur = p.file;
            }
            let mut key = vec![cur as u32];
            key.extend(chain.into_iter().rev());
            keys.push(key);
        }
        let mut s = Scopes {
            parents,
            keys,
            defs: Vec::new(),
        };
        for (f, m) in macros.iter().enumerate() {
            for (index, d) in m.defs.iter().enumerate() {
                let scope = match &d.in_fn {
                    Some(body) => Container {
                        file: f,
                        range: body.clone(),
                    },
                    None => s.scope_of(macros, lens, f, d.at),
                };
                s.defs.push(Def {
                    name: d.name.clone(),
                    file: f,
                    index,
                    exported: d.exported,
                    place: s.place(f, d.at),
                    scope,
                });
            }
        }
        s
    }

    /// A place in the crate's textual order.
    fn place(&self, file: usize, at: usize) -> Vec<u32> {
        let mut p = self.keys[file].clone();
        p.push(at as u32);
        p
    }

    /// The innermost inline module of `file` that holds byte `at`.
    fn inline_mod(mods: &[ModDecl], at: usize) -> Option<&ModDecl> {
        mods.iter()
            .filter(|m| m.inline.as_ref().is_some_and(|r| r.contains(&at)))
            .min_by_key(|m| m.inline.as_ref().map_or(usize::MAX, |r| r.len()))
    }

    /// Where a definition at byte `at` of `file` is visible: its module,
    /// widened to the parent module while the module is `#[macro_use]`.
    fn scope_of(
        &self,
        macros: &[&FileMacros],
        lens: &[usize],
        file: usize,
        at: usize,
    ) -> Container {
        let (mut file, mut at) = (file, at);
        for _ in 0..MAX_NESTING {
            match Self::inline_mod(&macros[file].mods, at) {
                Some(m) => {
                    let range = m.inline.clone().unwrap_or_default();
                    if !m.macro_use {
                        return Container { file, range };
                    }
                    at = m.at;
                }
                None => match self.parents[file] {
                    Some(p) if p.macro_use => {
                        file = p.file;
                        at = p.at;
                    }
                    _ => {
                        return Container {
                            file,
                            range: 0..lens[file],
                        }
                    }
                },
            }
        }
        Container {
            file,
            range: 0..lens[file],
        }
    }

    /// Whether byte `at` of `file` lies in `c` (in its file, or in a file
    /// declared inside it).
    fn inside(&self, c: &Container, file: usize, at: usize) -> bool {
        let (mut file, mut at) = (file, at);
        for _ in 0..MAX_NESTING {
            if file == c.file {
                return c.range.contains(&at);
            }
            match self.parents[file] {
                Some(p) => {
                    file = p.file;
                    at = p.at;
                }
                None => return false,
            }
        }
        false
    }

    /// The definition `name!` names at byte `at` of `file` by textual
    /// scope: the last one before it whose scope holds it.
    pub(crate) fn textual(&self, name: &str, file: usize, at: usize) -> Option<usize> {
        let here = self.place(file, at);
        self.defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name == name && d.place < here && self.inside(&d.scope, file, at))
            .max_by(|a, b| a.1.place.cmp(&b.1.place))
            .map(|(i, _)| i)
    }

    /// The `#[macro_export]` definition named `name` (the last one).
    pub(crate) fn exported(&self, name: &str) -> Option<usize> {
        self.defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.exported && d.name == name)
            .max_by(|a, b| a.1.place.cmp(&b.1.place))
            .map(|(i, _)| i)
    }

    /// The last definition named `name`, wherever it is (one a `use`
    /// re-exports).
    pub(crate) fn last(&self, name: &str) -> Option<usize> {
        self.defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name == name)
            .max_by(|a, b| a.1.place.cmp(&b.1.place))
            .map(|(i, _)| i)
    }

    /// Whether the crate defines a macro named `name` at all.
    pub(crate) fn defines(&self, name: &str) -> bool {
        self.defs.iter().any(|d| d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::MacroDef;
    use super::*;

    fn def(name: &str, at: usize) -> MacroDef {
        MacroDef {
            name: name.to_string(),
            at,
            name_bytes: at..at + 1,
            body: at..at + 1,
            exported: false,
            in_fn: None,
        }
    }

    fn parent(file: usize, at: usize, macro_use: bool) -> Option<Parent> {
        Some(Parent {
            file,
            at,
            macro_use,
        })
    }

    fn inline(name: &str, at: usize, range: Range<usize>, macro_use: bool) -> ModDecl {
        ModDecl {
            name: name.to_string(),
            at,
            macro_use,
            inline: Some(range),
            path: None,
        }
    }

    #[test]
    fn visible_after_the_definition_in_its_module_and_later_children() {
        // lib.rs (file 0): `mod early;` at 5, the definition at 10,
        // `mod late;` at 50; early.rs is file 1, late.rs file 2.
        let root = FileMacros {
            defs: vec![def("guard", 10)],
            ..FileMacros::default()
        };
        let none = FileMacros::default();
        let parents = vec![None, parent(0, 5, false), parent(0, 50, false)];
        let s = Scopes::new(&[&root, &none, &none], &[100, 100, 100], parents);
        assert_eq!(s.textual("guard", 0, 9), None);
        assert_eq!(s.textual("guard", 0, 20), Some(0));
        assert_eq!(
            s.textual("guard", 1, 80),
            None,
            "declared before the definition"
        );
        assert_eq!(s.textual("guard", 2, 0), Some(0));
        assert_eq!(s.textual("other", 0, 20), None);
    }

    #[test]
    fn macro_use_modules_lend_their_macros_to_the_parent() {
        // lib.rs: `#[macro_use] mod macros;` at 0, `mod a;` at 30.
        // macros.rs defines `guard`, which a.rs and the rest of lib.rs see;
        // an inline `mod inner { macro_rules! local .. }` in a.rs keeps
        // `local` inside.
        let macros = FileMacros {
            defs: vec![def("guard", 3)],
            ..FileMacros::default()
        };
        let a = FileMacros {
            defs: vec![def("local", 15)],
            mods: vec![inline("inner", 10, 12..40, false)],
            ..FileMacros::default()
        };
        let none = FileMacros::default();
        let parents = vec![None, parent(0, 0, true), parent(0, 30, false)];
        let s = Scopes::new(&[&none, &macros, &a], &[100, 50, 100], parents);
        assert_eq!(s.textual("guard", 2, 5), Some(0));
        assert_eq!(s.textual("guard", 0, 90), Some(0));
        assert_eq!(s.textual("local", 2, 30), Some(1));
        assert_eq!(s.textual("local", 2, 60), None, "outside the inline module");
    }

    #[test]
    fn later_definitions_shadow_and_function_bodies_keep_theirs() {
        let mut in_fn = def("m", 40);
        in_fn.in_fn = Some(30..60);
        let f = FileMacros {
            defs: vec![def("m", 10), def("m", 20), in_fn],
            ..FileMacros::default()
        };
        let s = Scopes::new(&[&f], &[100], vec![None]);
        assert_eq!(s.textual("m", 0, 15), Some(0));
        assert_eq!(s.textual("m", 0, 25), Some(1));
        assert_eq!(s.textual("m", 0, 50), Some(2));
        assert_eq!(
            s.textual("m", 0, 70),
            Some(1),
            "the body's macro is gone after it"
        );
        let mut exported = def("e", 90);
        exported.exported = true;
        let g = FileMacros {
            defs: vec![exported],
            ..FileMacros::default()
        };
        let s = Scopes::new(&[&g], &[100], vec![None]);
        assert_eq!(s.textual("e", 0, 10), None);
        assert_eq!(s.exported("e"), Some(0));
        assert!(s.defines("e") && !s.defines("f"));
    }
}
