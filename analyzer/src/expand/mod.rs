//! Expansion of the crate's own `macro_rules!`, before its items are
//! collected. Items a local macro generates (a guard struct and its
//! `impl Drop`, wrapper functions, handlers, methods) are analysed like
//! hand-written ones, and so are statements a local macro writes into a
//! function body.
//!
//! The first pass records, per file ([`FileMacros`]), the definitions, the
//! `mod` declarations (for textual scope, see `scope`) and the invocations
//! that may name a local macro: items in modules and `impl` blocks, and
//! the macro names a function body invokes. After the first pass, the
//! driver hands the crate's files to [`CrateMacros`], which expands, per
//! file, every invocation that resolves to a local definition, nested
//! invocations included ([`Expander`]): an item invocation becomes the items
//! it generates, an `impl` block's invocations its generated methods, a
//! function whose body invokes a local macro the same function with the
//! invocations replaced. Each such unit is printed ([`text::print`]) into a
//! text of its own ([`Expansion`]) that the collector and the second pass
//! parse like a file's; every span of it maps back to the file: a token the
//! invocation wrote to its own place, a token the macro's rules wrote to
//! the macro's name at the invocation (`MacroSite`, where the driver adds a
//! note at the definition).
//!
//! Bounds (recursion depth, expansions per unit, matching steps, output
//! size, nesting) are reported as `analysis_incomplete` at the invocation,
//! and so is an invocation no rule matches; never a silent answer.
//!
//! A dependency's `#[macro_export]` macros come with its summaries
//! ([`DepMacros`], from `deps::Exports`): they are definitions after the
//! crate's own, reached by `dep::name!`, a `use dep::name;` or
//! `#[macro_use] extern crate dep;`, and their `$crate` writes the name the
//! dependent gives the dependency. What is not expanded: macros of other
//! crates whose source is not read, macros defined by a macro, macros
//! in expression position outside function bodies (constants, statics,
//! array lengths), in types and patterns, and items a macro generates
//! inside a function body (its statements are).
//!
//! Matching and transcription are `rules`; the text and its map `text`;
//! which definition an invocation names `scope`.

pub(crate) mod rules;
pub(crate) mod scope;
pub mod text;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use rules::{Failure, MacroRules};
use scope::Scopes;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;
use syn::visit_mut::VisitMut;
pub use text::Expansion;

/// How deep invocations nest in one unit (rustc's default recursion limit).
pub const MAX_RECURSION: u32 = 128;

/// How many invocations one unit may expand (a macro that invokes itself
/// twice per level would otherwise double its work 128 times).
pub const MAX_EXPANSIONS: u32 = 4096;

/// The largest text one unit may print to.
pub const MAX_TEXT: usize = 16 << 20;

/// A `macro_rules!` definition, as the first pass records it.
#[derive(Clone, Debug, Default)]
pub struct MacroDef {
    pub name: String,
    /// Its first byte (attributes included): where its textual scope starts.
    pub at: usize,
    /// The bytes of its name.
    pub name_bytes: Range<usize>,
    /// The bytes of its rules, inside the delimiters.
    pub body: Range<usize>,
    /// `#[macro_export]`: reachable as `crate::name!` anywhere.
    pub exported: bool,
    /// Defined in a function body: the body's bytes (its scope).
    pub in_fn: Option<Range<usize>>,
}

/// A `mod` item.
#[derive(Clone, Debug, Default)]
pub struct ModDecl {
    pub name: String,
    /// Its first byte (attributes included).
    pub at: usize,
    pub macro_use: bool,
    /// An inline module's bytes inside its braces.
    pub inline: Option<Range<usize>>,
    /// A `#[path = ".."]` attribute's value.
    pub path: Option<String>,
}

/// Where an item-position invocation stands.
#[derive(Clone, Debug)]
pub enum CallCx {
    /// Among a module's items.
    Module(Arc<[String]>),
    /// Among an `impl` block's items: the block's bytes.
    Impl(Arc<[String]>, Range<usize>),
}

/// An invocation among items (`name! { .. }`, `name!(..);`).
#[derive(Clone, Debug)]
pub struct MacroCall {
    pub name: String,
    /// The path names `crate::name!` (or `$crate::name!`), not a textual scope.
    pub by_path: bool,
    /// `dep::name!`: the crate the path names (a dependency's macro).
    pub root: Option<String>,
    /// Its bytes (attributes included).
    pub bytes: Range<usize>,
    pub cx: CallCx,
}

/// What the first pass records of a file's macros (empty for most files).
#[derive(Debug, Default)]
pub struct FileMacros {
    pub defs: Vec<MacroDef>,
    pub mods: Vec<ModDecl>,
    /// Invocations among items whose path may name a local macro.
    pub calls: Vec<MacroCall>,
    /// Functions (index in the file) and the name hashes of the macros
    /// their bodies invoke by a plain name or a `crate::` path.
    pub fn_calls: Vec<(u32, u64)>,
}

/// An invocation whose expansion the analysis holds: the macro's name at
/// the invocation (every token the rules wrote maps there) and where the
/// macro is defined, for the note findings inside it get.
#[derive(Clone, Debug)]
pub struct MacroSite {
    pub name_bytes: Range<usize>,
    pub name: String,
    pub def: crate::diag::Location,
}

/// A `#[macro_export]` macro of a dependency (or one it re-exports under
/// another name), as a dependent sees it.
#[derive(Clone, Debug)]
pub struct DepMacro {
    /// The name the dependent writes the dependency under (its
    /// `Cargo.toml` key, renames included): `$crate` in its rules.
    pub krate: String,
    /// The name the dependency exports it under.
    pub name: String,
    /// Its rules (the text inside the definition's delimiters).
    pub body: Arc<str>,
    /// Where it is defined, in the dependency's file, for notes.
    pub def: crate::diag::Location,
}

/// The dependencies' macros a crate may invoke.
#[derive(Clone, Debug, Default)]
pub struct DepMacros {
    pub macros: Vec<DepMacro>,
    /// Crates `#[macro_use] extern crate` brings all exported macros of.
    pub macro_use: Vec<String>,
}

impl DepMacros {
    fn find(&self, krate: &str, name: &str) -> Option<usize> {
        self.macros
            .iter()
            .position(|m| m.krate == krate && m.name == name)
    }
}

/// A unit that could not be expanded: where, and why.
#[derive(Clone, Debug)]
pub struct Incomplete {
    pub at: Range<usize>,
    pub name: String,
    pub why: String,
}

/// What a unit is, and so how its text parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// Items (a module-level invocation's, or an `impl` block with its
    /// generated items): parsed as a file.
    Items,
    /// One function whose body invoked local macros: parsed as a function.
    Fn,
}

/// An expanded unit: its text and the invocations it expanded.
#[derive(Debug)]
pub struct Unit {
    pub expansion: Expansion,
    pub kind: UnitKind,
    pub sites: Vec<MacroSite>,
}

/// The crate's macros: its files' texts, their definitions and scopes.
pub struct CrateMacros<'f> {
    pub(crate) scopes: Scopes,
    files: Vec<FileRef<'f>>,
    /// By definition: what the code it can write may name.
    vocab: Vec<Vocab>,
    /// The names an invocation of a local macro may use: the macros', and
    /// the aliases `use` gives them.
    names: std::collections::HashSet<String>,
    /// The dependencies' macros: definitions `scopes.defs.len()..` are these.
    deps: DepMacros,
}

/// What expansion reads of a file.
pub struct FileRef<'f> {
    pub display: &'f str,
    pub text: &'f str,
    pub macros: &'f FileMacros,
    /// Names the file imports from this crate (`use crate::name;`,
    /// `use crate::macros::name as alias;`): the name used, and the name
    /// imported.
    pub crate_imports: Vec<(String, String)>,
    /// Names the file imports from another crate (`use dep::name;`): the
    /// name used, the crate, and the name imported.
    pub dep_imports: Vec<(String, String, String)>,
}

/// What the code a definition can write may name: the identifiers of its
/// rules and of the rules of the crate's macros they invoke (as name
/// hashes, sorted), and whether any of those rules holds a prefilter
/// pattern.
#[derive(Clone, Debug, Default)]
struct Vocab {
    idents: Vec<u64>,
    hit: bool,
}

/// The [`name_hash`](crate::index::names::name_hash)es of the words of a
/// text that look like identifiers (comments and strings included: more
/// words than the code's is fine here).
pub fn idents(text: &str) -> impl Iterator<Item = u64> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if b[i].is_ascii_alphabetic() || b[i] == b'_' {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                return Some(crate::index::names::name_hash(&text[start..i]));
            }
            i += 1;
        }
        None
    })
}

impl<'f> CrateMacros<'f> {
    /// `None` when the crate defines no macro (most crates: nothing to do).
    /// `hit` says whether a text holds a prefilter pattern.
    /// `deps` are the dependencies' macros it may invoke.
    pub fn new(
        files: Vec<FileRef<'f>>,
        parents: Vec<Option<scope::Parent>>,
        hit: &dyn Fn(&str) -> bool,
        deps: DepMacros,
    ) -> Option<Self> {
        if files.iter().all(|f| f.macros.defs.is_empty()) && deps.macros.is_empty() {
            return None;
        }
        let macros: Vec<&FileMacros> = files.iter().map(|f| f.macros).collect();
        let lens: Vec<usize> = files.iter().map(|f| f.text.len()).collect();
        let scopes = Scopes::new(&macros, &lens, parents);
        let mut names: std::collections::HashSet<String> =
            scopes.defs.iter().map(|d| d.name.clone()).collect();
        for f in &files {
            for (alias, target) in &f.crate_imports {
                if scopes.defines(target) {
                    names.insert(alias.clone());
                }
            }
            for (alias, krate, target) in &f.dep_imports {
                if deps.find(krate, target).is_some() {
                    names.insert(alias.clone());
                }
            }
        }
        names.extend(deps.macros.iter().map(|m| m.name.clone()));
        let vocab = Self::vocabularies(&scopes, &files, &deps, hit);
        Some(CrateMacros {
            scopes,
            files,
            vocab,
            names,
            deps,
        })
    }

    /// The name and rules text of definition `def` (local or a dependency's).
    fn def_body(&self, def: usize) -> Option<(&str, &str)> {
        match self.scopes.defs.get(def) {
            Some(d) => {
                let f = &self.files[d.file];
                Some((&d.name, f.text.get(f.macros.defs[d.index].body.clone())?))
            }
            None => {
                let m = self.deps.macros.get(def - self.scopes.defs.len())?;
                Some((&m.name, &m.body))
            }
        }
    }

    /// Each definition's [`Vocab`], through the macros its rules invoke.
    fn vocabularies(
        scopes: &Scopes,
        files: &[FileRef<'_>],
        deps: &DepMacros,
        hit: &dyn Fn(&str) -> bool,
    ) -> Vec<Vocab> {
        let bodies: Vec<(&str, &str)> = scopes
            .defs
            .iter()
            .map(|d| {
                let f = &files[d.file];
                let body = f
                    .text
                    .get(f.macros.defs[d.index].body.clone())
                    .unwrap_or("");
                (d.name.as_str(), body)
            })
            .chain(deps.macros.iter().map(|m| (m.name.as_str(), &*m.body)))
            .collect();
        let own: Vec<Vocab> = bodies
            .iter()
            .map(|&(_, body)| {
                let mut idents: Vec<u64> = idents(body).collect();
                idents.sort_unstable();
                idents.dedup();
                Vocab {
                    idents,
                    hit: hit(body),
                }
            })
            .collect();
        let by_name: Vec<u64> = bodies
            .iter()
            .map(|(name, _)| crate::index::names::name_hash(name))
            .collect();
        (0..own.len())
            .map(|d| {
                let mut seen = vec![false; own.len()];
                seen[d] = true;
                let mut work = vec![d];
                let mut out = Vocab::default();
                while let Some(x) = work.pop() {
                    out.hit |= own[x].hit;
                    out.idents.extend(&own[x].idents);
                    for (y, h) in by_name.iter().enumerate() {
                        if !seen[y] && own[x].idents.binary_search(h).is_ok() {
                            seen[y] = true;
                            work.push(y);
                        }
                    }
                }
                out.idents.sort_unstable();
                out.idents.dedup();
                out
            })
            .collect()
    }

    /// Whether the code an item invocation of `file` can generate may
    /// name a prefilter pattern (`hit`) or one of `names`: only then can
    /// its expansion change a result (see `analyze::interest`).
    pub fn call_matters(
        &self,
        file: usize,
        call: &MacroCall,
        names: &crate::index::names::NameSet,
        hit: &dyn Fn(&str) -> bool,
    ) -> bool {
        let Some(def) = self.resolve(
            file,
            &call.name,
            call.root.as_deref(),
            call.by_path,
            call.bytes.start,
        ) else {
            return false;
        };
        let v = &self.vocab[def];
        let args = self.files[file].text.get(call.bytes.clone()).unwrap_or("");
        v.hit
            || v.idents.iter().any(|h| names.contains(h))
            || hit(args)
            || idents(args).any(|h| names.contains(&h))
    }

    /// Whether the crate's macros named by `invoked` (name hashes) can
    /// write a prefilter pattern or one of `names`.
    pub fn macros_matter(
        &self,
        invoked: impl Iterator<Item = u64>,
        names: &crate::index::names::NameSet,
    ) -> bool {
        let invoked: Vec<u64> = invoked.collect();
        let defs = self.scopes.defs.iter().map(|d| d.name.as_str());
        let deps = self.deps.macros.iter().map(|m| m.name.as_str());
        defs.chain(deps).zip(&self.vocab).any(|(name, v)| {
            invoked.contains(&crate::index::names::name_hash(name))
                && (v.hit || v.idents.iter().any(|h| names.contains(h)))
        })
    }

    /// The hashes of the names an invocation of one of the crate's macros
    /// may use: theirs, and the aliases `use` gives them.
    pub fn name_hashes(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .names
            .iter()
            .map(|n| crate::index::names::name_hash(n))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether `tokens` may invoke one of the crate's macros (a name of
    /// one, or an alias of one, followed by `!`).
    fn invokes_local(&self, tokens: &TokenStream) -> bool {
        let mut prev_ident: Option<String> = None;
        for tt in tokens.clone() {
            match tt {
                proc_macro2::TokenTree::Ident(i) => prev_ident = Some(i.to_string()),
                proc_macro2::TokenTree::Punct(p) => {
                    if p.as_char() == '!' {
                        if let Some(name) = &prev_ident {
                            if self.names.contains(name) {
                                return true;
                            }
                        }
                    }
                    prev_ident = None;
                }
                proc_macro2::TokenTree::Group(g) => {
                    if self.invokes_local(&g.stream()) {
                        return true;
                    }
                    prev_ident = None;
                }
                proc_macro2::TokenTree::Literal(_) => prev_ident = None,
            }
        }
        false
    }

    /// Whether an item invocation of `file` names a local macro.
    pub fn resolves(&self, file: usize, call: &MacroCall) -> bool {
        self.resolve(
            file,
            &call.name,
            call.root.as_deref(),
            call.by_path,
            call.bytes.start,
        )
        .is_some()
    }

    /// The definition `name!` names at byte `at` of `file`: `root` is the
    /// crate a `dep::name!` path names; `by_path`, a `crate::name!` path.
    /// Definitions from `scopes.defs.len()` on are the dependencies'.
    fn resolve(
        &self,
        file: usize,
        name: &str,
        root: Option<&str>,
        by_path: bool,
        at: usize,
    ) -> Option<usize> {
        let dep = |krate: &str, name: &str| {
            self.deps
                .find(krate, name)
                .map(|i| self.scopes.defs.len() + i)
        };
        if let Some(krate) = root {
            return dep(krate, name);
        }
        self.resolve_local(file, name, by_path, at).or_else(|| {
            if by_path {
                return None;
            }
            // `use dep::name;`, then `#[macro_use] extern crate dep;`.
            let imported = self.files[file]
                .dep_imports
                .iter()
                .find(|(alias, _, _)| alias == name);
            match imported {
                Some((_, krate, target)) => dep(krate, target),
                None => self.deps.macro_use.iter().find_map(|k| dep(k, name)),
            }
        })
    }

    fn resolve_local(&self, file: usize, name: &str, by_path: bool, at: usize) -> Option<usize> {
        let imported = || {
            self.files[file]
                .crate_imports
                .iter()
                .any(|(alias, _)| alias == name)
        };
        if !self.scopes.defines(name) && !imported() {
            return None;
        }
        if by_path {
            return self.scopes.exported(name);
        }
        // Textual scope first; then a `use` of the crate's macro (exported
        // at the root, or re-exported by `pub(crate) use name;` where it is
        // defined).
        self.scopes.textual(name, file, at).or_else(|| {
            let (_, target) = self.files[file]
                .crate_imports
                .iter()
                .find(|(alias, _)| alias == name)?;
            self.scopes
                .exported(target)
                .or_else(|| self.scopes.last(target))
        })
    }

    /// Where definition `def` is, for notes.
    fn def_location(&self, def: usize) -> crate::diag::Location {
        let Some(d) = self.scopes.defs.get(def) else {
            return self.deps.macros[def - self.scopes.defs.len()].def.clone();
        };
        let f = &self.files[d.file];
        let m = &f.macros.defs[d.index];
        text::location(f.display, f.text, m.name_bytes.clone())
    }
}

/// Expands the units of one file (on one thread: macro rules hold
/// `proc_macro2` tokens, which are not `Send`).
pub struct Expander<'c, 'f> {
    cx: &'c CrateMacros<'f>,
    file: usize,
    /// Parsed definitions, by definition index (`None`: not understood).
    rules: HashMap<usize, Option<Rc<MacroRules>>>,
}

/// The path of a macro invocation as resolution reads it: its last
/// segment, whether it goes through a crate's root, and which crate's
/// when it is another crate's (`dep::name!`).
fn macro_path(path: &syn::Path) -> Option<(String, bool, Option<String>)> {
    let last = path.segments.last()?.ident.to_string();
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.as_slice() {
        [_] if path.leading_colon.is_none() => Some((last, false, None)),
        [root, _] if root == "crate" || root == "$crate" => Some((last, true, None)),
        [root, _] if root != "self" && root != "super" => Some((last, true, Some(root.clone()))),
        _ => None,
    }
}

impl<'c, 'f> Expander<'c, 'f> {
    pub fn new(cx: &'c CrateMacros<'f>, file: usize) -> Self {
        Expander {
            cx,
            file,
            rules: HashMap::new(),
        }
    }

    fn rules(&mut self, def: usize) -> Option<Rc<MacroRules>> {
        let cx = self.cx;
        self.rules
            .entry(def)
            .or_insert_with(|| {
                let (_, body) = cx.def_body(def)?;
                let tokens: TokenStream = body.parse().ok()?;
                let mut rules = MacroRules::parse(tokens).ok()?;
                // A dependency's `$crate` is the dependency, by the
                // dependent's name for it.
                if let Some(m) = def
                    .checked_sub(cx.scopes.defs.len())
                    .and_then(|i| cx.deps.macros.get(i))
                {
                    rules.krate = Some(m.krate.clone());
                }
                Some(Rc::new(rules))
            })
            .clone()
    }

    fn text(&self) -> &'f str {
        self.cx.files[self.file].text
    }

    /// Expands an item invocation of the file into the items it generates.
    pub fn items(&mut self, call: &MacroCall) -> Result<Option<Unit>, Incomplete> {
        let base = call.bytes.start;
        let src = self.text().get(call.bytes.clone()).unwrap_or("");
        let fail = |why: &str| Incomplete {
            at: call.bytes.clone(),
            name: call.name.clone(),
            why: why.to_string(),
        };
        let tokens: TokenStream = src
            .parse()
            .map_err(|_| fail("its text does not tokenize"))?;
        let item: syn::ItemMacro =
            syn::parse2(tokens).map_err(|_| fail("its text does not parse"))?;
        let mut n = Nested::new(self, base, true);
        let mut file = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: vec![syn::Item::Macro(item)],
        };
        n.visit_file_mut(&mut file);
        n.finish(file.into_token_stream(), UnitKind::Items)
    }

    /// Expands the item invocations of an `impl` block (its bytes):
    /// the block with only the items they generate.
    pub fn impl_items(&mut self, bytes: Range<usize>) -> Result<Option<Unit>, Incomplete> {
        let base = bytes.start;
        let src = self.text().get(bytes.clone()).unwrap_or("");
        let fail = |why: &str| Incomplete {
            at: bytes.clone(),
            name: "impl".to_string(),
            why: why.to_string(),
        };
        let tokens: TokenStream = src
            .parse()
            .map_err(|_| fail("its text does not tokenize"))?;
        let mut imp: syn::ItemImpl =
            syn::parse2(tokens).map_err(|_| fail("its text does not parse"))?;
        let cx = self.cx;
        let file = self.file;
        imp.items.retain(|i| match i {
            syn::ImplItem::Macro(m) => {
                macro_path(&m.mac.path).is_some_and(|(name, by_path, root)| {
                    let at = base + m.mac.path.segments[0].ident.span().byte_range().start;
                    cx.resolve(file, &name, root.as_deref(), by_path, at)
                        .is_some()
                })
            }
            _ => false,
        });
        let mut n = Nested::new(self, base, true);
        n.visit_item_impl_mut(&mut imp);
        n.finish(imp.into_token_stream(), UnitKind::Items)
    }

    /// Expands the local invocations in a function's body (its text
    /// starts at byte `base` of the file): the function with the
    /// invocations replaced, and its syntax.
    pub fn function(
        &mut self,
        fn_text: &str,
        base: usize,
        kind: crate::index::text::FnKind,
    ) -> Result<Option<Unit>, Incomplete> {
        use crate::index::text::FnKind;
        let fail = |why: &str| Incomplete {
            at: base..base + fn_text.len(),
            name: "fn".to_string(),
            why: why.to_string(),
        };
        let tokens: TokenStream = fn_text
            .parse()
            .map_err(|_| fail("its text does not tokenize"))?;
        let mut n = Nested::new(self, base, false);
        let out = match kind {
            FnKind::Free => {
                let mut f: syn::ItemFn =
                    syn::parse2(tokens).map_err(|_| fail("its text does not parse"))?;
                n.visit_block_mut(&mut f.block);
                f.into_token_stream()
            }
            FnKind::Impl => {
                let mut f: syn::ImplItemFn =
                    syn::parse2(tokens).map_err(|_| fail("its text does not parse"))?;
                n.visit_block_mut(&mut f.block);
                f.into_token_stream()
            }
            FnKind::Trait => {
                let mut f: syn::TraitItemFn =
                    syn::parse2(tokens).map_err(|_| fail("its text does not parse"))?;
                if let Some(b) = &mut f.default {
                    n.visit_block_mut(b);
                }
                f.into_token_stream()
            }
        };
        n.finish(out, UnitKind::Fn)
    }
}

/// The expansion of one unit: replaces local invocations in syntax,
/// recursively, and records where they were.
struct Nested<'e, 'c, 'f> {
    ex: &'e mut Expander<'c, 'f>,
    /// The unit's text starts at this byte of the file.
    base: usize,
    /// Items nested in a function body are functions of their own: a
    /// function's unit leaves them alone; an item unit expands into them.
    into_items: bool,
    depth: u32,
    expansions: u32,
    /// Expanded invocations whose name is written in the file: its bytes
    /// and the definition.
    sites: Vec<(Range<usize>, usize, String)>,
    failed: Option<Incomplete>,
}

/// Where an expansion goes, and so how its tokens parse.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Items,
    ImplItems,
    Stmts,
    Expr,
}

impl<'e, 'c, 'f> Nested<'e, 'c, 'f> {
    fn new(ex: &'e mut Expander<'c, 'f>, base: usize, into_items: bool) -> Self {
        Nested {
            ex,
            base,
            into_items,
            depth: 0,
            expansions: 0,
            sites: Vec::new(),
            failed: None,
        }
    }

    /// The bytes in the file of a span of the unit's tokens.
    fn bytes(&self, span: Span) -> Range<usize> {
        let r = span.byte_range();
        r.start + self.base..r.end + self.base
    }

    /// Runs `f` one invocation deeper.
    fn deeper<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn fail(&mut self, at: Range<usize>, name: &str, why: String) {
        if self.failed.is_none() {
            self.failed = Some(Incomplete {
                at,
                name: name.to_string(),
                why,
            });
        }
    }

    /// Expands `mac` if it names a local macro; `None` when it does not
    /// (or expansion failed: `failed` says so).
    fn expand(&mut self, mac: &syn::Macro, pos: Position) -> Option<TokenStream> {
        if self.failed.is_some() {
            return None;
        }
        let (name, by_path, root) = macro_path(&mac.path)?;
        let ident = &mac.path.segments.last()?.ident;
        let call = ident.span();
        let at = self.bytes(call);
        let def = self
            .ex
            .cx
            .resolve(self.ex.file, &name, root.as_deref(), by_path, at.start)?;
        if self.depth >= MAX_RECURSION {
            self.fail(
                at,
                &name,
                format!("invocations nest more than {MAX_RECURSION} deep"),
            );
            return None;
        }
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            self.fail(
                at,
                &name,
                format!("it expands more than {MAX_EXPANSIONS} invocations"),
            );
            return None;
        }
        let Some(rules) = self.ex.rules(def) else {
            self.fail(at, &name, "its definition is not understood".to_string());
            return None;
        };
        let out = match rules.expand(&mac.tokens, call) {
            Ok(ts) => ts,
            Err(f) => {
                let why = match f {
                    Failure::NoMatch => "no rule of the macro matches the invocation".to_string(),
                    Failure::Limit(what) => format!("its {what} exceed what imperlint follows"),
                    Failure::Transcribe(what) => what,
                };
                self.fail(at, &name, why);
                return None;
            }
        };
        // The name is written in the file (not by another macro's rules):
        // a site of its own.
        if !at.is_empty()
            && !self
                .sites
                .iter()
                .any(|(s, _, _)| s.start <= at.start && at.end <= s.end)
        {
            self.sites.push((at.clone(), def, name.clone()));
        }
        if crate::parse::nesting(&out).0 > crate::parse::MAX_NESTING {
            self.fail(at, &name, "its expansion nests too deeply".to_string());
            return None;
        }
        // Most expansions invoke no local macro: their tokens stand as they
        // are (the unit's text is parsed once, whole, when it is collected).
        if pos != Position::Expr && !self.ex.cx.invokes_local(&out) {
            return Some(out);
        }
        let parsed = self.deeper(|n| n.reparse(out, pos, call));
        if parsed.is_none() && self.failed.is_none() {
            self.fail(
                at,
                &name,
                "its expansion does not parse where it stands".to_string(),
            );
        }
        parsed
    }

    /// Parses an expansion for its position, expands what it invokes, and
    /// returns its tokens.
    fn reparse(&mut self, out: TokenStream, pos: Position, call: Span) -> Option<TokenStream> {
        use syn::parse::Parser;
        match pos {
            Position::Items => {
                let mut file: syn::File = syn::parse2(out).ok()?;
                self.visit_file_mut(&mut file);
                Some(file.items.iter().map(|i| i.to_token_stream()).collect())
            }
            Position::ImplItems => {
                let parser = |input: syn::parse::ParseStream| {
                    let mut items = Vec::new();
                    while !input.is_empty() {
                        items.push(input.parse::<syn::ImplItem>()?);
                    }
                    Ok(items)
                };
                let mut items = parser.parse2(out).ok()?;
                for i in &mut items {
                    self.visit_impl_item_mut(i);
                }
                Some(items.iter().map(|i| i.to_token_stream()).collect())
            }
            Position::Stmts => {
                let mut stmts = syn::Block::parse_within.parse2(out).ok()?;
                for s in &mut stmts {
                    self.visit_stmt_mut(s);
                }
                Some(stmts.iter().map(|s| s.to_token_stream()).collect())
            }
            Position::Expr => {
                // An expression if it is one; statements become a block.
                match syn::parse2::<syn::Expr>(out.clone()) {
                    Ok(mut e) => {
                        self.visit_expr_mut(&mut e);
                        let mut g = proc_macro2::Group::new(
                            proc_macro2::Delimiter::Parenthesis,
                            e.into_token_stream(),
                        );
                        g.set_span(call);
                        Some(proc_macro2::TokenTree::Group(g).into())
                    }
                    Err(_) => {
                        let stmts = self.reparse(out, Position::Stmts, call)?;
                        let mut g = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, stmts);
                        g.set_span(call);
                        Some(proc_macro2::TokenTree::Group(g).into())
                    }
                }
            }
        }
    }

    /// The unit's text (`None`: it invokes no local macro), or why there is none.
    fn finish(self, tokens: TokenStream, kind: UnitKind) -> Result<Option<Unit>, Incomplete> {
        if let Some(f) = self.failed {
            return Err(f);
        }
        let Some((first, _, _)) = self.sites.first() else {
            return Ok(None);
        };
        let fallback = first.clone();
        let ranges: Vec<Range<usize>> = self.sites.iter().map(|(r, _, _)| r.clone()).collect();
        let expansion = text::print(tokens, self.base, &ranges, fallback.clone());
        if expansion.text.len() > MAX_TEXT {
            let name = self.sites[0].2.clone();
            return Err(Incomplete {
                at: fallback,
                name,
                why: format!("its expansion is larger than {} MB", MAX_TEXT >> 20),
            });
        }
        let cx = self.ex.cx;
        let sites = self
            .sites
            .iter()
            .map(|(r, def, name)| MacroSite {
                name_bytes: r.clone(),
                name: name.clone(),
                def: cx.def_location(*def),
            })
            .collect();
        Ok(Some(Unit {
            expansion,
            kind,
            sites,
        }))
    }
}

impl VisitMut for Nested<'_, '_, '_> {
    fn visit_item_mut(&mut self, i: &mut syn::Item) {
        if let syn::Item::Macro(m) = i {
            // A definition inside an expansion is not followed.
            if m.ident.is_none() {
                if let Some(ts) = self.expand(&m.mac, Position::Items) {
                    *i = syn::Item::Verbatim(ts);
                }
            }
            return;
        }
        if self.into_items || self.depth > 0 {
            syn::visit_mut::visit_item_mut(self, i);
        }
    }

    fn visit_impl_item_mut(&mut self, i: &mut syn::ImplItem) {
        if let syn::ImplItem::Macro(m) = i {
            if let Some(ts) = self.expand(&m.mac, Position::ImplItems) {
                *i = syn::ImplItem::Verbatim(ts);
            }
            return;
        }
        syn::visit_mut::visit_impl_item_mut(self, i);
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        if let syn::Stmt::Macro(m) = s {
            if let Some(mut ts) = self.expand(&m.mac, Position::Stmts) {
                // `m!(..);` whose expansion ends in an expression: keep the `;`.
                let ends_statement = matches!(
                    ts.clone().into_iter().last(),
                    Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ';'
                );
                if let Some(semi) = m.semi_token.filter(|_| !ends_statement) {
                    ts.extend(std::iter::once(proc_macro2::TokenTree::Punct({
                        let mut p = proc_macro2::Punct::new(';', proc_macro2::Spacing::Alone);
                        p.set_span(semi.span);
                        p
                    })));
                }
                *s = syn::Stmt::Expr(syn::Expr::Verbatim(ts), None);
            }
            return;
        }
        syn::visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Macro(m) = e {
            if let Some(ts) = self.expand(&m.mac, Position::Expr) {
                *e = syn::Expr::Verbatim(ts);
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    // Macros in types and patterns are not expanded.
    fn visit_type_mut(&mut self, _: &mut syn::Type) {}
    fn visit_pat_mut(&mut self, _: &mut syn::Pat) {}
}

#[cfg(test)]
mod tests;
