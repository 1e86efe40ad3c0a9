//! Auto traits (`Send`, `Sync`) of the crate's types, worked out the way
//! the compiler does: a type has an auto trait when every field has it,
//! unless it declares otherwise (`unsafe impl Send for T {}`,
//! `impl !Send for T {}`, `assert_not_impl_any!(T: Send)`). Field types
//! follow the language's rules (`&T: Send` iff `T: Sync`, `&mut T: Send`
//! iff `T: Send`, raw pointers neither, tuples, arrays and slices by their
//! parts, trait objects by their bounds), the crate's own types recursively
//! (generic arguments substituted, cycles assumed to have the trait, as the
//! compiler's coinductive solver does), and types from outside the crate by
//! the catalog's table ([`catalog::OUTSIDE_TYPES`], per dependency version).
//!
//! A type the table does not know, a generic parameter nobody binds, a
//! macro in type position or an `impl Trait` is [`Tri::Unknown`], and so is
//! every type built from one unless another part already decides: an
//! unknown answer must not produce a finding.
//!
//! A type's syntax is parsed again from its text ([`ItemText`]) when it is
//! first asked about: only guard types and what they hold ever are.

use crate::catalog::{self, AutoRule};
use crate::index::{AutoTrait, CrateIndex, Declared, ItemText};
use std::collections::HashMap;
use std::rc::Rc;

/// A three-valued answer: known to hold, known not to, or not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    /// Both hold: `No` if either is, else `Unknown` if either is.
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::Yes,
        }
    }

    fn all(it: impl IntoIterator<Item = Tri>) -> Tri {
        it.into_iter().fold(Tri::Yes, Tri::and)
    }
}

/// What a generic parameter stands for: whether it is `Send`, `Sync`.
type Bound = [Tri; 2];

fn slot(tr: AutoTrait) -> usize {
    match tr {
        AutoTrait::Send => 0,
        AutoTrait::Sync => 1,
    }
}

/// A question about one of the crate's types with its arguments' bounds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    name: String,
    tr: AutoTrait,
    args: Vec<Bound>,
}

/// A crate type's syntax, as far as auto traits go.
struct Parsed {
    file: usize,
    /// Its text, to quote field types in messages.
    text: String,
    /// Names of its type parameters, in order.
    params: Vec<String>,
    /// Its fields (every variant's, for an enum), with their names; for a
    /// type alias, the aliased type, unnamed.
    fields: Vec<(String, syn::Type)>,
}

/// Where a type is evaluated: its file (for imports) and what its
/// generic parameters stand for.
struct Env<'e> {
    file: usize,
    params: &'e HashMap<String, Bound>,
}

/// Why a type has an auto trait, for messages.
pub(crate) enum Why {
    /// `unsafe impl Send for T {}`.
    Declared,
    /// Every field has it: their names and types as written.
    Fields(Vec<String>),
}

/// Answers auto-trait questions about one crate's types, remembering what
/// it worked out.
pub(crate) struct AutoTraits<'i, 'a> {
    ix: &'i CrateIndex<'a>,
    parsed: HashMap<String, Option<Rc<Parsed>>>,
    memo: HashMap<Key, Tri>,
    /// The questions being answered (a question met again is a cycle).
    stack: Vec<Key>,
    /// The lowest frame of `stack` whose assumption the current answer
    /// used: an answer that leans on a frame still open is not remembered.
    low: usize,
}

impl<'i, 'a> AutoTraits<'i, 'a> {
    pub(crate) fn new(ix: &'i CrateIndex<'a>) -> Self {
        AutoTraits {
            ix,
            parsed: HashMap::new(),
            memo: HashMap::new(),
            stack: Vec::new(),
            low: usize::MAX,
        }
    }

    /// Whether the crate's type `name` (used without arguments) has `tr`.
    pub(crate) fn local(&mut self, name: &str, tr: AutoTrait) -> Tri {
        let n = self.parse(name).map_or(0, |p| p.params.len());
        self.adt(name, tr, vec![[Tri::Unknown; 2]; n])
    }

    /// Why the crate's type `name` has `tr` (call when [`Self::local`] says `Yes`).
    pub(crate) fn why(&mut self, name: &str, tr: AutoTrait) -> Why {
        if self.ix.auto_impls.get(&(name, tr)) == Some(&Declared::Always) {
            return Why::Declared;
        }
        let Some(p) = self.parse(name) else {
            return Why::Fields(Vec::new());
        };
        let fields = p
            .fields
            .iter()
            .map(|(n, t)| {
                let r = syn::spanned::Spanned::span(t).byte_range();
                let ty = p.text.get(r).unwrap_or("").trim();
                if n.is_empty() {
                    format!("`{ty}`")
                } else {
                    format!("`{n}: {ty}`")
                }
            })
            .collect();
        Why::Fields(fields)
    }

    fn parse(&mut self, name: &str) -> Option<Rc<Parsed>> {
        if let Some(p) = self.parsed.get(name) {
            return p.clone();
        }
        let p = self.parse_uncached(name).map(Rc::new);
        self.parsed.insert(name.to_string(), p.clone());
        p
    }

    fn parse_uncached(&self, name: &str) -> Option<Parsed> {
        let files = self.ix.files;
        let params = |g: &syn::Generics| -> Vec<String> {
            g.type_params().map(|p| p.ident.to_string()).collect()
        };
        let named = |fields: &syn::Fields| -> Vec<(String, syn::Type)> {
            fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let n = f
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), |x| x.to_string());
                    (n, f.ty.clone())
                })
                .collect()
        };
        let text_of = |t: &ItemText| t.text(files).unwrap_or("").to_string();
        if let Some(t) = self.ix.types.get(name) {
            let text = &t.text;
            let (params, fields) = if let Some(s) = text.parse::<syn::ItemStruct>(files) {
                (params(&s.generics), named(&s.fields))
            } else if let Some(e) = text.parse::<syn::ItemEnum>(files) {
                let fields = e
                    .variants
                    .iter()
                    .flat_map(|v| {
                        named(&v.fields)
                            .into_iter()
                            .map(move |(n, t)| (format!("{}::{n}", v.ident), t))
                    })
                    .collect();
                (params(&e.generics), fields)
            } else if let Some(u) = text.parse::<syn::ItemUnion>(files) {
                let fields = u
                    .fields
                    .named
                    .iter()
                    .map(|f| {
                        let n = f.ident.as_ref().map(|x| x.to_string()).unwrap_or_default();
                        (n, f.ty.clone())
                    })
                    .collect();
                (params(&u.generics), fields)
            } else {
                return None;
            };
            return Some(Parsed {
                file: text.file,
                text: text_of(text),
                params,
                fields,
            });
        }
        let text = self.ix.aliases.get(name)?;
        let a = text.parse::<syn::ItemType>(files)?;
        Some(Parsed {
            file: text.file,
            text: text_of(text),
            params: params(&a.generics),
            fields: vec![(String::new(), *a.ty)],
        })
    }

    /// One of the crate's types with its arguments' bounds.
    fn adt(&mut self, name: &str, tr: AutoTrait, args: Vec<Bound>) -> Tri {
        match self.ix.auto_impls.get(&(name, tr)) {
            Some(Declared::Always) => return Tri::Yes,
            Some(Declared::Never) => return Tri::No,
            Some(Declared::Conditional) => return Tri::Unknown,
            None => {}
        }
        let key = Key {
            name: name.to_string(),
            tr,
            args,
        };
        if let Some(&t) = self.memo.get(&key) {
            return t;
        }
        if let Some(i) = self.stack.iter().position(|k| *k == key) {
            // A cycle: assumed to hold, as the compiler does for auto traits.
            self.low = self.low.min(i);
            return Tri::Yes;
        }
        let Some(p) = self.parse(name) else {
            return Tri::Unknown;
        };
        let params: HashMap<String, Bound> = p
            .params
            .iter()
            .cloned()
            .zip(key.args.iter().copied())
            .collect();
        let me = self.stack.len();
        self.stack.push(key.clone());
        let outer_low = std::mem::replace(&mut self.low, usize::MAX);
        let env = Env {
            file: p.file,
            params: &params,
        };
        let answer = Tri::all(
            p.fields
                .iter()
                .map(|(_, t)| self.ty(t, tr, &env))
                .collect::<Vec<_>>(),
        );
        self.stack.pop();
        let low = if self.low >= me { usize::MAX } else { self.low };
        if low == usize::MAX {
            self.memo.insert(key, answer);
        }
        self.low = outer_low.min(low);
        answer
    }

    /// Whether a field type has `tr`.
    fn ty(&mut self, t: &syn::Type, tr: AutoTrait, env: &Env<'_>) -> Tri {
        match t {
            syn::Type::Paren(p) => self.ty(&p.elem, tr, env),
            syn::Type::Group(g) => self.ty(&g.elem, tr, env),
            syn::Type::Never(_) | syn::Type::BareFn(_) => Tri::Yes,
            syn::Type::Ptr(_) => Tri::No,
            syn::Type::Reference(r) => {
                // `&T: Send` iff `T: Sync`; `&mut T: Send` iff `T: Send`;
                // either is `Sync` iff `T: Sync`.
                let inner = if r.mutability.is_some() {
                    tr
                } else {
                    AutoTrait::Sync
                };
                self.ty(&r.elem, inner, env)
            }
            syn::Type::Tuple(t) => Tri::all(
                t.elems
                    .iter()
                    .map(|e| self.ty(e, tr, env))
                    .collect::<Vec<_>>(),
            ),
            syn::Type::Array(a) => self.ty(&a.elem, tr, env),
            syn::Type::Slice(s) => self.ty(&s.elem, tr, env),
            syn::Type::TraitObject(o) => trait_object(o, tr),
            syn::Type::Path(p) if p.qself.is_none() => self.path(&p.path, tr, env),
            _ => Tri::Unknown,
        }
    }

    fn path(&mut self, path: &syn::Path, tr: AutoTrait, env: &Env<'_>) -> Tri {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let Some(last) = path.segments.last() else {
            return Tri::Unknown;
        };
        let args: Vec<&syn::Type> = match &last.arguments {
            syn::PathArguments::AngleBracketed(a) => a
                .args
                .iter()
                .filter_map(|g| match g {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if segs.len() == 1 {
            if let Some(b) = env.params.get(&segs[0]) {
                return b[slot(tr)];
            }
        }
        match self.resolve(env.file, segs) {
            Resolved::Local(name) => {
                let bounds = args
                    .iter()
                    .map(|a| {
                        [
                            self.ty(a, AutoTrait::Send, env),
                            self.ty(a, AutoTrait::Sync, env),
                        ]
                    })
                    .collect::<Vec<_>>();
                let n = self.parse(&name).map_or(0, |p| p.params.len());
                let mut bounds = bounds;
                bounds.resize(n, [Tri::Unknown; 2]);
                bounds.truncate(n);
                self.adt(&name, tr, bounds)
            }
            Resolved::Primitive => Tri::Yes,
            Resolved::Outside(rule) => {
                let rule = match tr {
                    AutoTrait::Send => rule.0,
                    AutoTrait::Sync => rule.1,
                };
                let each = |this: &mut Self, want: &[AutoTrait]| {
                    let mut out = Tri::Yes;
                    for a in &args {
                        for &w in want {
                            out = out.and(this.ty(a, w, env));
                        }
                    }
                    out
                };
                match rule {
                    AutoRule::Yes => Tri::Yes,
                    AutoRule::No => Tri::No,
                    AutoRule::Same => each(self, &[tr]),
                    AutoRule::ArgsSend => each(self, &[AutoTrait::Send]),
                    AutoRule::ArgsSync => each(self, &[AutoTrait::Sync]),
                    AutoRule::ArgsSendSync => each(self, &[AutoTrait::Send, AutoTrait::Sync]),
                }
            }
            Resolved::Unknown => Tri::Unknown,
        }
    }

    /// What a type path names, from file `fi`.
    fn resolve(&self, fi: usize, segs: Vec<String>) -> Resolved {
        let ix = self.ix;
        let is_local = |n: &str| ix.types.contains_key(n) || ix.aliases.contains_key(n);
        let Some(first) = segs.first().cloned() else {
            return Resolved::Unknown;
        };
        let last = segs.last().cloned().unwrap_or_default();
        if matches!(first.as_str(), "crate" | "self" | "super" | "Self") {
            return if is_local(&last) {
                Resolved::Local(last)
            } else {
                Resolved::Unknown
            };
        }
        let imported = ix.files[fi].uses.names.contains_key(&first);
        if segs.len() == 1 && !imported {
            if is_local(&last) {
                return Resolved::Local(last);
            }
            if PRIMITIVES.contains(&last.as_str()) {
                return Resolved::Primitive;
            }
            if PRELUDE.contains(&last.as_str()) {
                return self.outside(&["std".to_string(), last]);
            }
            return self.glob_imported(fi, &last);
        }
        let full = ix.import_path(fi, segs);
        let root = &full[0];
        if matches!(root.as_str(), "crate" | "self" | "super") {
            return if is_local(&last) {
                Resolved::Local(last)
            } else {
                Resolved::Unknown
            };
        }
        if self.is_outside_crate(root) {
            return self.outside(&full);
        }
        // A path through the crate's own modules (`tokens::Token`).
        if is_local(&last) {
            Resolved::Local(last)
        } else {
            Resolved::Unknown
        }
    }

    /// Whether `root` names another crate: std, a dependency, or one of the
    /// crates the catalog describes.
    fn is_outside_crate(&self, root: &str) -> bool {
        matches!(root, "std" | "core" | "alloc")
            || self.ix.dep_versions.contains_key(root)
            || self.ix.crate_renames.contains_key(root)
            || catalog::OUTSIDE_TYPES
                .iter()
                .any(|t| t.crates.contains(&root))
    }

    /// A type of another crate, by its full path (root as the code names it).
    fn outside(&self, full: &[String]) -> Resolved {
        let root = &full[0];
        let krate = self
            .ix
            .crate_renames
            .get(root)
            .map_or(root.as_str(), String::as_str);
        let version = self.ix.dep_versions.get(root).copied();
        let last = full.last().map(String::as_str).unwrap_or("");
        let (com_crate, com_module) = catalog::WIN32_COM_INTERFACES;
        if krate == com_crate && full.iter().any(|s| s == com_module) && is_interface_name(last) {
            return Resolved::Outside((AutoRule::No, AutoRule::No));
        }
        match catalog::outside_type(krate, full, version) {
            catalog::Outside::Known(t) => Resolved::Outside((t.send, t.sync)),
            _ => Resolved::Unknown,
        }
    }

    /// A name that is neither local nor imported by name: the file's glob
    /// imports decide, when exactly one of them knows it.
    fn glob_imported(&self, fi: usize, name: &str) -> Resolved {
        let mut found: Option<(AutoRule, AutoRule)> = None;
        for g in &self.ix.files[fi].uses.globs {
            let mut full = self.ix.import_path(fi, g.clone());
            if !full.first().is_some_and(|r| self.is_outside_crate(r)) {
                continue;
            }
            full.push(name.to_string());
            if let Resolved::Outside(r) = self.outside(&full) {
                if found.is_some_and(|f| f != r) {
                    return Resolved::Unknown;
                }
                found = Some(r);
            }
        }
        found.map_or(Resolved::Unknown, Resolved::Outside)
    }
}

/// What a type path names.
enum Resolved {
    /// One of the crate's types, by name.
    Local(String),
    Primitive,
    /// A type of another crate, with its `Send` and `Sync` rules.
    Outside((AutoRule, AutoRule)),
    Unknown,
}

/// The language's primitive types: `Send` and `Sync`.
const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64",
];

/// Types of the std prelude, named without an import.
const PRELUDE: &[&str] = &["String", "Vec", "Box", "Option", "Result"];

/// Traits whose objects are neither `Send` nor `Sync` unless a bound says so.
const PLAIN_TRAITS: &[&str] = &[
    "Fn", "FnMut", "FnOnce", "Any", "Debug", "Display", "Error", "Iterator", "Read", "Write",
    "Future",
];

/// A `COM` interface name: `I` and an upper-case letter (`IServerSecurity`).
fn is_interface_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next() == Some('I') && c.next().is_some_and(|x| x.is_ascii_uppercase())
}

/// `dyn Trait + Send`: the trait object has an auto trait only through a
/// bound (or a supertrait, which is not looked up: unknown).
fn trait_object(o: &syn::TypeTraitObject, tr: AutoTrait) -> Tri {
    let mut plain = true;
    for b in &o.bounds {
        if let syn::TypeParamBound::Trait(t) = b {
            let Some(last) = t.path.segments.last() else {
                continue;
            };
            if last.ident == tr.name() {
                return Tri::Yes;
            }
            plain &= PLAIN_TRAITS.contains(&last.ident.to_string().as_str())
                || last.ident == "Send"
                || last.ident == "Sync";
        }
    }
    if plain {
        Tri::No
    } else {
        Tri::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::collect::collect_file;
    use crate::index::file::FileCx;
    use crate::index::resolve::Manifest;
    use crate::index::{Extra, FileItems};

    /// The answers for `names` in a one-file crate whose `Cargo.toml` is `manifest`.
    fn answers(code: &str, manifest: &str, names: &[(&str, AutoTrait)]) -> Vec<Tri> {
        let (cx, ast) = FileCx::parsed_for_test(code);
        let mut items: FileItems = collect_file(&cx, &ast, &Extra::default(), &[]);
        items.set_file(0);
        let files = [cx];
        let items = [items];
        let ix = CrateIndex::build(
            &files,
            &items,
            &[],
            Vec::new(),
            &Manifest::read(manifest),
            Extra::default(),
        );
        let mut auto = AutoTraits::new(&ix);
        names.iter().map(|(n, tr)| auto.local(n, *tr)).collect()
    }

    fn send(code: &str, names: &[&str]) -> Vec<Tri> {
        let q: Vec<(&str, AutoTrait)> = names.iter().map(|n| (*n, AutoTrait::Send)).collect();
        answers(code, "", &q)
    }

    #[test]
    fn references_follow_sync_and_mutable_references_follow_send() {
        let code = "use std::cell::Cell;\n\
            pub struct Shared(u32);\n\
            pub struct A<'a> { x: &'a Shared }\n\
            pub struct B<'a> { x: &'a Cell<u32> }\n\
            pub struct C<'a> { x: &'a mut Cell<u32> }\n\
            pub struct D<'a> { x: &'a std::cell::RefCell<u32> }\n";
        assert_eq!(
            send(code, &["A", "B", "C", "D"]),
            [Tri::Yes, Tri::No, Tri::Yes, Tri::No]
        );
    }

    #[test]
    fn declarations_win_over_fields() {
        let code = "pub struct Raw(*mut u8);\n\
            unsafe impl Send for Raw {}\n\
            pub struct Plain(u8);\n\
            impl !Send for Plain {}\n\
            pub struct Asserted(u8);\n\
            static_assertions::assert_not_impl_any!(Asserted: Send);\n\
            pub struct Wrap<T>(T);\n\
            unsafe impl<T: Send> Send for Wrap<T> {}\n";
        assert_eq!(
            send(code, &["Raw", "Plain", "Asserted", "Wrap"]),
            [Tri::Yes, Tri::No, Tri::No, Tri::Unknown]
        );
    }

    #[test]
    fn sync_declared_makes_references_send() {
        let code = "pub struct Tok { raw: *mut u8 }\n\
            unsafe impl Sync for Tok {}\n\
            pub struct G<'a> { t: &'a Tok, owned: Tok }\n\
            pub struct H<'a> { t: &'a Tok }\n";
        assert_eq!(send(code, &["G", "H"]), [Tri::No, Tri::Yes]);
    }

    #[test]
    fn cycles_are_assumed_to_hold_and_not_remembered_early() {
        // `B` is asked inside `A`'s question, under the assumption that `A`
        // is `Send`; `A` turns out not to be, and so `B` is not either.
        let code = "pub struct A { b: Option<Box<B>>, p: *const u8 }\n\
            pub struct B { a: Box<A> }\n\
            pub struct List { next: Option<Box<List>>, v: u32 }\n";
        assert_eq!(
            send(code, &["A", "B", "List"]),
            [Tri::No, Tri::No, Tri::Yes]
        );
    }

    #[test]
    fn generic_arguments_are_substituted() {
        let code = "use std::rc::Rc;\n\
            pub struct Holder<T> { v: Vec<T> }\n\
            pub struct Good { h: Holder<u32> }\n\
            pub struct Bad { h: Holder<Rc<u32>> }\n\
            pub struct Open<T> { h: Holder<T> }\n\
            pub struct Marked<T> { _p: std::marker::PhantomData<*const T> }\n";
        assert_eq!(
            send(code, &["Good", "Bad", "Open", "Marked"]),
            [Tri::Yes, Tri::No, Tri::Unknown, Tri::No]
        );
    }

    #[test]
    fn unknown_types_decide_nothing_unless_another_field_does() {
        let code = "pub struct U { x: other::Thing }\n\
            pub struct V { x: other::Thing, y: std::rc::Rc<u8> }\n\
            pub struct W { x: impl_trait_is_not_a_field!() }\n";
        assert_eq!(
            send(code, &["U", "V", "W"]),
            [Tri::Unknown, Tri::No, Tri::Unknown]
        );
    }

    #[test]
    fn handles_follow_the_binding_crate_and_its_version() {
        let code = "use windows::Win32::Foundation::HANDLE;\n\
            pub struct G { h: HANDLE }\n\
            pub struct S { h: windows_sys::Win32::Foundation::HANDLE }\n\
            pub struct W { h: winapi::um::winnt::HANDLE }\n\
            pub struct O { h: old::Win32::Foundation::HANDLE }\n";
        let q = [
            ("G", AutoTrait::Send),
            ("S", AutoTrait::Send),
            ("W", AutoTrait::Send),
            ("O", AutoTrait::Send),
        ];
        let manifest = "[dependencies]\nwindows = \"0.58\"\nwindows-sys = \"0.52\"\n\
                        old = { package = \"windows\", version = \"0.48\" }\n";
        assert_eq!(
            answers(code, manifest, &q),
            [Tri::No, Tri::Yes, Tri::No, Tri::Yes]
        );
        // Without a manifest the versions are not known: neither is `Send`.
        assert_eq!(
            answers(code, "", &q),
            [Tri::Unknown, Tri::Unknown, Tri::No, Tri::Unknown]
        );
    }

    #[test]
    fn locks_cells_and_shared_pointers_follow_std() {
        let code = "use std::sync::{Arc, Mutex, MutexGuard};\nuse std::cell::Cell;\n\
            pub struct M { m: Arc<Mutex<Cell<u8>>> }\n\
            pub struct N { m: Arc<Cell<u8>> }\n\
            pub struct G<'a> { g: MutexGuard<'a, u8> }\n\
            pub struct D { f: Box<dyn Fn() + Send>, g: fn() }\n\
            pub struct E { f: Box<dyn Fn()> }\n\
            pub struct T { t: (u8, [String; 2], &'static str) }\n";
        assert_eq!(
            send(code, &["M", "N", "G", "D", "E", "T"]),
            [Tri::Yes, Tri::No, Tri::No, Tri::Yes, Tri::No, Tri::Yes]
        );
        let sync = answers(code, "", &[("G", AutoTrait::Sync), ("M", AutoTrait::Sync)]);
        assert_eq!(sync, [Tri::Yes, Tri::Yes]);
    }

    #[test]
    fn glob_imports_resolve_when_one_crate_knows_the_name() {
        let code = "use winapi::um::winnt::*;\n\
            pub struct G { h: HANDLE }\n\
            pub struct A { t: Token }\n\
            pub type Token = *mut u8;\n\
            pub enum E { A(u8), B { p: Token } }\n";
        assert_eq!(send(code, &["G", "A", "E"]), [Tri::No, Tri::No, Tri::No]);
    }
}
