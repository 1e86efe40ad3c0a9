//! The item collector: what one file defines ([`FileItems`]), collected
//! on the thread that parsed it, and the syntax of its functions
//! ([`FileSyntax`]) for the few files the analysis parses again. It records
//! functions and methods with what their bodies mention ([`Mentions`]),
//! types and aliases with where their text is, declared auto traits
//! (`unsafe impl Send`, `impl !Sync`, `assert_not_impl_any!`), `impl Drop` blocks, statics (caches,
//! lazy initializers), constants that hold pipe paths, `extern` and `link!`
//! declarations, and the names of imports that hold a prefilter pattern.

use super::file::FileCx;
use super::names::{ident_hash, ident_hash_seen, name_hash};
use super::syntax::{is_debug_cfg, is_pipe_text, mentions_flag, string_value, type_path};
use super::text::{FnKind, FnSyntax, FnText, ParsedFn, SpanBase, SpanMap};
use super::{
    AutoTrait, Declared, Extra, FileItems, FileSyntax, FnDef, ItemText, StaticDef, TypeDef,
};
use crate::catalog::{self, Role};
use crate::diag::Location;
use crate::expand::{CallCx, Expansion, MacroCall, MacroDef, ModDecl};
use crate::parse::location;
use proc_macro2::Span;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use syn::visit::Visit;

/// Collects a file's items (the first pass), with what expansion needs
/// of its macros ([`FileItems::macros`]). The first pass itself collects
/// item by item ([`FileCollector`]), from a file it never holds whole.
#[cfg(test)]
pub fn collect_file(file: &FileCx, ast: &syn::File, extra: &Extra, hits: &[usize]) -> FileItems {
    let mut c = FileCollector::new(file);
    for item in &ast.items {
        c.add(file, item, extra, hits);
    }
    c.finish()
}

/// [`collect_file`] one top-level item at a time, for a file parsed item
/// by item (`parse::parse_items_edition`): the same facts, in the same
/// order, without the file's syntax tree.
pub struct FileCollector {
    module: Arc<[String]>,
    com_file: bool,
    items: FileItems,
    returns: HashMap<Vec<String>, Arc<[String]>>,
    mentions: Mentions,
}

impl FileCollector {
    pub fn new(file: &FileCx) -> FileCollector {
        FileCollector {
            module: file.module.clone().into(),
            com_file: names_com_api(&file.src.text),
            items: FileItems::default(),
            returns: HashMap::new(),
            mentions: Mentions::of(file.src.text.clone(), false),
        }
    }

    /// Collects one of `file`'s top-level items.
    pub fn add(&mut self, file: &FileCx, item: &syn::Item, extra: &Extra, hits: &[usize]) {
        let mut c = Collector {
            file,
            source: Source::File,
            extra,
            hits,
            syntax_only: false,
            com_file: self.com_file,
            in_fn: None,
            items: std::mem::take(&mut self.items),
            syntax: FileSyntax::default(),
            returns: std::mem::take(&mut self.returns),
            mentions: std::mem::take(&mut self.mentions),
        };
        c.collect_items(
            std::slice::from_ref(item),
            &Module::root(self.module.clone()),
        );
        self.items = c.items;
        self.returns = c.returns;
        self.mentions = c.mentions;
    }

    pub fn finish(self) -> FileItems {
        let mut items = self.items;
        items.own_fns = items.fns.len();
        items
    }
}

/// The text names a COM security API (`CoInitializeSecurity`, `SetBlanket`).
fn names_com_api(text: &str) -> bool {
    catalog::APIS
        .iter()
        .any(|a| a.role == Role::ComSecurity && text.contains(a.name))
}

/// The syntax of a file whose [`FileItems`] are already known: the same
/// walk over the items as [`collect_file`], so its functions come in the
/// same order, without the facts.
pub fn collect_syntax<'a>(file: &FileCx, ast: &'a syn::File, extra: &Extra) -> FileSyntax<'a> {
    let module: Arc<[String]> = file.module.clone().into();
    collect(file, Source::File, ast, &module, extra, &[], true).1
}

/// Collects the items of an expanded unit of `file` (its text parsed as
/// `ast`; `hits`: the prefilter's matches in that text), as if they stood
/// at the invocation, in `module`.
pub fn collect_expansion(
    file: &FileCx,
    exp: &Expansion,
    unit: u32,
    ast: &syn::File,
    module: &Arc<[String]>,
    extra: &Extra,
    hits: &[usize],
) -> FileItems {
    collect(
        file,
        Source::Expansion(exp, unit),
        ast,
        module,
        extra,
        hits,
        false,
    )
    .0
}

/// The syntax of an expanded unit's functions, in the order
/// [`collect_expansion`] found them.
pub fn collect_expansion_syntax<'a>(
    file: &FileCx,
    exp: &'a Expansion,
    unit: u32,
    ast: &'a syn::File,
    extra: &Extra,
) -> Vec<FnSyntax<'a>> {
    let module: Arc<[String]> = Arc::new([]);
    collect(
        file,
        Source::Expansion(exp, unit),
        ast,
        &module,
        extra,
        &[],
        true,
    )
    .1
    .fns
}

/// Recomputes what a function's body says (mentions, calls, prefilter and
/// COM hits, a `Drop` that closes a handle) from its expanded text
/// (`unit` of its file, parsed as `parsed`; `hit`: the text holds a
/// prefilter match).
pub fn refresh_fn(def: &mut FnDef, parsed: &ParsedFn, text: &str, unit: u32, hit: bool) {
    let Some(body) = parsed.body() else {
        return;
    };
    let mut m = Mentions {
        text: Arc::from(text),
        pipe_words: super::syntax::has_pipe_word(text),
        ..Mentions::default()
    };
    m.visit_params(parsed.sig());
    m.visit_block(body);
    let (mentions, calls, names_pipe) = m.take();
    def.mentions = mentions;
    def.calls = calls;
    def.text_hit = hit;
    def.pipe_text = hit && super::syntax::has_pipe_pattern(text);
    def.pipe_named |= names_pipe;
    def.com_hit = catalog::APIS
        .iter()
        .any(|a| a.role == Role::ComSecurity && text.contains(a.name));
    def.closes_handle = def.is_drop && names_any(body, catalog::HANDLE_CLOSERS);
    def.text = FnText {
        start: 0,
        end: text.len(),
        kind: def.text.kind,
        unit: Some(unit),
    };
}

/// Where the spans a collector reads are: the file's text, or an
/// expansion's (mapped back to the file).
#[derive(Clone, Copy)]
enum Source<'x> {
    File,
    Expansion(&'x Expansion, u32),
}

fn collect<'a>(
    file: &FileCx,
    source: Source<'a>,
    ast: &'a syn::File,
    module: &Arc<[String]>,
    extra: &Extra,
    hits: &[usize],
    syntax_only: bool,
) -> (FileItems, FileSyntax<'a>) {
    let text: &str = match source {
        Source::File => &file.src.text,
        Source::Expansion(e, _) => &e.text,
    };
    let com_file = !syntax_only && names_com_api(text);
    let mut c = Collector {
        file,
        source,
        extra,
        hits,
        syntax_only,
        com_file,
        in_fn: None,
        items: FileItems::default(),
        syntax: FileSyntax::default(),
        returns: HashMap::new(),
        mentions: Mentions::of(
            match source {
                Source::File => file.src.text.clone(),
                Source::Expansion(e, _) => Arc::from(e.text.as_str()),
            },
            syntax_only,
        ),
    };
    c.collect_items(&ast.items, &Module::root(module.clone()));
    (c.items, c.syntax)
}

/// String constants longer than this are not kept for the walk (pipe names
/// and path prefixes are short).
const MAX_CONST_TEXT: usize = 512;

/// The module items are collected in. Its path (an `Arc` its items
/// share) is made only when an item needs it, from the names of the
/// modules around it: `mod` blocks nested d deep cost O(d), where copying
/// the path at each level cost O(d²) (490 MB for 4,000 levels).
struct Module<'m> {
    parent: Option<&'m Module<'m>>,
    name: String,
    path: std::cell::OnceCell<Arc<[String]>>,
}

impl<'m> Module<'m> {
    fn root(path: Arc<[String]>) -> Module<'m> {
        Module {
            parent: None,
            name: String::new(),
            path: path.into(),
        }
    }

    fn child(&'m self, name: String) -> Module<'m> {
        Module {
            parent: Some(self),
            name,
            path: std::cell::OnceCell::new(),
        }
    }

    fn path(&self) -> Arc<[String]> {
        self.path
            .get_or_init(|| {
                // The names up to the nearest module whose path is made.
                let mut names = vec![self.name.as_str()];
                let mut at = self.parent;
                let base = loop {
                    match at {
                        Some(m) => match m.path.get() {
                            Some(p) => break p.clone(),
                            None => {
                                names.push(m.name.as_str());
                                at = m.parent;
                            }
                        },
                        None => break Arc::from([]),
                    }
                };
                base.iter()
                    .cloned()
                    .chain(names.into_iter().rev().map(str::to_string))
                    .collect()
            })
            .clone()
    }
}

/// A function item's parts, as `Collector::push_fn` takes them.
struct FnItem<'a> {
    attrs: &'a [syn::Attribute],
    vis: Option<&'a syn::Visibility>,
    sig: &'a syn::Signature,
    body: &'a syn::Block,
    kind: FnKind,
}

struct Collector<'a, 'x> {
    file: &'x FileCx,
    /// Where the spans are (the file, or an expansion of it).
    source: Source<'a>,
    extra: &'x Extra,
    /// Inside a function's body: the body's bytes (a macro defined there
    /// is visible there only).
    in_fn: Option<Range<usize>>,
    /// Only the syntax is wanted ([`collect_syntax`]): the functions' facts
    /// that cost a walk of their bodies are left out. Otherwise only the
    /// facts are.
    syntax_only: bool,
    /// The file names a COM security API (`CoInitializeSecurity`,
    /// `SetBlanket`): its functions that do are marked for the cloaking scan.
    com_file: bool,
    /// Sorted byte offsets of prefilter matches in the file.
    hits: &'x [usize],
    items: FileItems,
    syntax: FileSyntax<'a>,
    /// The return types' identifiers seen so far, shared by the functions
    /// that return the same type (most of a file's do).
    returns: HashMap<Vec<String>, Arc<[String]>>,
    /// Reused for every function's mentions.
    mentions: Mentions,
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => last_ident(&r.elem),
        syn::Type::Paren(p) => last_ident(&p.elem),
        syn::Type::Group(g) => last_ident(&g.elem),
        _ => None,
    }
}

/// The identifiers of a type, in order (`io::Result<Self>` → `io`,
/// `Result`, `Self`), macro tokens included.
fn type_idents(ty: &syn::Type) -> Vec<String> {
    struct V(Vec<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.0.push(i.to_string());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            syn::visit::visit_path(self, &m.path);
            each_ident(m.tokens.clone(), &mut |i| self.0.push(i.to_string()));
        }
    }
    let mut v = V(Vec::new());
    v.visit_type(ty);
    v.0
}

fn tokens_text(t: &impl quote::ToTokens) -> String {
    t.to_token_stream().to_string()
}

/// The last token of a struct: its closing brace, or the `;` of a tuple or
/// unit struct.
fn struct_end(s: &syn::ItemStruct) -> Span {
    match (&s.fields, s.semi_token) {
        (_, Some(semi)) => semi.span,
        (syn::Fields::Named(n), None) => n.brace_token.span.close(),
        (syn::Fields::Unnamed(u), None) => u.paren_token.span.close(),
        (syn::Fields::Unit, None) => s.ident.span(),
    }
}

/// Parses `static ref NAME: TYPE = EXPR;` items of a `lazy_static!` body
/// and `static NAME: TYPE = EXPR;` items of a `thread_local!` body.
struct MacroStatic {
    name: syn::Ident,
    ty: syn::Type,
    init: syn::Expr,
}

fn parse_macro_statics(tokens: proc_macro2::TokenStream) -> Vec<MacroStatic> {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream| {
        let mut out = Vec::new();
        while !input.is_empty() {
            let _attrs = input.call(syn::Attribute::parse_outer)?;
            let _vis: syn::Visibility = input.parse()?;
            input.parse::<syn::Token![static]>()?;
            if input.peek(syn::Token![ref]) {
                input.parse::<syn::Token![ref]>()?;
            }
            let name: syn::Ident = input.parse()?;
            input.parse::<syn::Token![:]>()?;
            let ty: syn::Type = input.parse()?;
            input.parse::<syn::Token![=]>()?;
            let init: syn::Expr = input.parse()?;
            if input.peek(syn::Token![;]) {
                input.parse::<syn::Token![;]>()?;
            }
            out.push(MacroStatic { name, ty, init });
        }
        Ok(out)
    };
    parser.parse2(tokens).unwrap_or_default()
}

impl<'a> Collector<'a, '_> {
    fn display(&self) -> &str {
        &self.file.src.display
    }

    /// The place in the file of a span.
    fn loc(&self, span: Span) -> Location {
        match self.source {
            Source::File => location(self.display(), span),
            Source::Expansion(e, _) => self
                .file
                .location_of(e.file_range(span.byte_range()).unwrap_or(0..0)),
        }
    }

    /// Where an item's text is, from its keyword to its last token, in the
    /// file or in the expansion being collected (the file index is set with
    /// the file's: [`FileItems::set_file`]).
    fn item_text(&self, first: Span, last: Span) -> ItemText {
        ItemText {
            file: 0,
            unit: match self.source {
                Source::File => None,
                Source::Expansion(_, u) => Some(u),
            },
            start: first.byte_range().start,
            end: last.byte_range().end,
        }
    }

    /// The bytes in the file of a span.
    fn file_bytes(&self, span: Span) -> Range<usize> {
        match self.source {
            Source::File => span.byte_range(),
            Source::Expansion(e, _) => e.file_range(span.byte_range()).unwrap_or(0..0),
        }
    }

    /// The 1-based line in the file of a span's start.
    fn file_line(&self, span: Span) -> u32 {
        match self.source {
            Source::File => span.start().line as u32,
            Source::Expansion(..) => self.loc(span).line,
        }
    }

    /// Whether what is collected is the file's own text (its macros are
    /// recorded then).
    fn records_macros(&self) -> bool {
        matches!(self.source, Source::File) && !self.syntax_only
    }

    /// The first byte of an item: its first attribute's, or `first`'s.
    fn item_start(attrs: &[syn::Attribute], first: Span) -> usize {
        attrs
            .iter()
            .map(|a| a.pound_token.span.byte_range().start)
            .chain(std::iter::once(first.byte_range().start))
            .min()
            .unwrap_or(0)
    }

    /// Whether the bytes `start..end` of the file hold a prefilter match.
    fn hit_in(&self, start: usize, end: usize) -> bool {
        let i = self.hits.partition_point(|&h| h < start);
        self.hits.get(i).is_some_and(|&h| h < end)
    }

    /// Whether an item's text, from its first attribute (or `first`) to
    /// `last`, holds a prefilter match. Most files hold none: no span is
    /// measured then.
    fn hit_between(&self, attrs: &[syn::Attribute], first: Span, last: Span) -> bool {
        if self.hits.is_empty() {
            return false;
        }
        let start = attrs
            .iter()
            .map(|a| a.pound_token.span.byte_range().start)
            .chain(std::iter::once(first.byte_range().start))
            .min()
            .unwrap_or(0);
        self.hit_in(start, last.byte_range().end)
    }

    fn collect_items(&mut self, items: &'a [syn::Item], module: &Module<'_>) {
        for item in items {
            match item {
                syn::Item::Fn(f) => {
                    let name = f.sig.ident.to_string();
                    let is_main = name == "main" && self.file.is_bin_root;
                    let item = FnItem {
                        attrs: &f.attrs,
                        vis: Some(&f.vis),
                        sig: &f.sig,
                        body: &f.block,
                        kind: FnKind::Free,
                    };
                    self.push_fn(item, None, false, is_main, &module.path());
                    self.collect_nested(&f.block, module);
                }
                syn::Item::Impl(imp) => {
                    let Some(self_ty) = last_ident(&imp.self_ty) else {
                        continue;
                    };
                    let shared_ty: Arc<str> = self_ty.as_str().into();
                    let trait_name = imp.trait_.as_ref().and_then(|(neg, p, _)| {
                        if neg.is_some() {
                            None
                        } else {
                            p.segments.last().map(|s| s.ident.to_string())
                        }
                    });
                    // `unsafe impl Send for T {}`, `impl !Sync for T {}`.
                    if let Some((neg, p, _)) = &imp.trait_ {
                        let tr = match p.segments.last() {
                            Some(s) if s.ident == "Send" => Some(AutoTrait::Send),
                            Some(s) if s.ident == "Sync" => Some(AutoTrait::Sync),
                            _ => None,
                        };
                        let bounded = imp.generics.where_clause.is_some()
                            || imp.generics.type_params().any(|p| !p.bounds.is_empty());
                        let declared = match (neg.is_some(), bounded) {
                            (true, _) => Declared::Never,
                            (false, false) => Declared::Always,
                            (false, true) => Declared::Conditional,
                        };
                        if let Some(tr) = tr {
                            self.items.auto_impls.push((self_ty.clone(), tr, declared));
                        }
                    }
                    let is_drop_impl = trait_name.as_deref() == Some("Drop");
                    if self.records_macros() {
                        self.record_impl_calls(imp, module);
                    }
                    for ii in &imp.items {
                        if let syn::ImplItem::Fn(m) = ii {
                            let is_drop = is_drop_impl && m.sig.ident == "drop";
                            self.items.local_methods.push(m.sig.ident.to_string());
                            let item = FnItem {
                                attrs: &m.attrs,
                                vis: Some(&m.vis),
                                sig: &m.sig,
                                body: &m.block,
                                kind: FnKind::Impl,
                            };
                            let k = self.push_fn(
                                item,
                                Some(shared_ty.clone()),
                                is_drop,
                                false,
                                &module.path(),
                            );
                            if is_drop {
                                self.items.drops.push((self_ty.clone(), k));
                            }
                            self.collect_nested(&m.block, module);
                        }
                    }
                }
                syn::Item::Trait(t) => {
                    self.items.local_types.push(t.ident.to_string());
                    for ti in &t.items {
                        if let syn::TraitItem::Fn(m) = ti {
                            self.items.local_methods.push(m.sig.ident.to_string());
                            if let Some(body) = &m.default {
                                let item = FnItem {
                                    attrs: &m.attrs,
                                    vis: None,
                                    sig: &m.sig,
                                    body,
                                    kind: FnKind::Trait,
                                };
                                self.push_fn(
                                    item,
                                    Some(t.ident.to_string().into()),
                                    false,
                                    false,
                                    &module.path(),
                                );
                            }
                        }
                    }
                }
                syn::Item::Struct(s) => {
                    let fields: Vec<(String, Option<Vec<String>>)> = s
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            (
                                f.ident
                                    .as_ref()
                                    .map(|x| x.to_string())
                                    .unwrap_or_else(|| i.to_string()),
                                type_path(&f.ty),
                            )
                        })
                        .collect();
                    self.items.local_types.push(s.ident.to_string());
                    let loc = self.loc(s.ident.span());
                    self.items.types.push(TypeDef {
                        name: s.ident.to_string(),
                        loc,
                        fields,
                        text: self.item_text(s.struct_token.span, struct_end(s)),
                    });
                }
                syn::Item::Enum(e) => {
                    self.items.local_types.push(e.ident.to_string());
                    let loc = self.loc(e.ident.span());
                    self.items.types.push(TypeDef {
                        name: e.ident.to_string(),
                        loc,
                        fields: Vec::new(),
                        text: self.item_text(e.enum_token.span, e.brace_token.span.close()),
                    });
                }
                syn::Item::Type(t) => {
                    self.items.local_types.push(t.ident.to_string());
                    self.items.aliases.push((
                        t.ident.to_string(),
                        self.item_text(t.type_token.span, t.semi_token.span),
                    ));
                }
                syn::Item::Union(u) => {
                    self.items.local_types.push(u.ident.to_string());
                    let loc = location(self.display(), u.ident.span());
                    self.items.types.push(TypeDef {
                        name: u.ident.to_string(),
                        loc,
                        fields: Vec::new(),
                        text: self.item_text(u.union_token.span, u.fields.brace_token.span.close()),
                    });
                }
                syn::Item::Const(c) => {
                    self.string_const(&c.ident, &c.expr);
                    if mentions_flag(&c.expr, &[catalog::SQOS_PRESENT]) {
                        self.items.sqos_consts.push(c.ident.to_string());
                    }
                    if self.hit_between(&c.attrs, c.const_token.span, c.semi_token.span) {
                        self.items.hit_items.push(c.ident.to_string());
                    }
                }
                syn::Item::Static(s) => {
                    self.string_const(&s.ident, &s.expr);
                    if self.hit_between(&s.attrs, s.static_token.span, s.semi_token.span) {
                        self.items.hit_items.push(s.ident.to_string());
                    }
                    self.add_static(&s.ident, &s.ty, &s.expr, false);
                }
                syn::Item::Use(u)
                    if self.hit_between(&u.attrs, u.use_token.span, u.semi_token.span) =>
                {
                    // `use ..::RevertToSelf as revert;`: the names it brings
                    // in, and the new names of begin and end APIs.
                    fn names(t: &syn::UseTree, items: &mut FileItems) {
                        match t {
                            syn::UseTree::Path(p) => names(&p.tree, items),
                            syn::UseTree::Name(n) => items.hit_items.push(n.ident.to_string()),
                            syn::UseTree::Rename(r) => {
                                let rename = r.rename.to_string();
                                if catalog::APIS
                                    .iter()
                                    .any(|a| r.ident == a.name && a.role.is_lifecycle())
                                {
                                    items.lifecycle_aliases.push(rename.clone());
                                }
                                items.hit_items.push(rename);
                            }
                            syn::UseTree::Glob(_) => {}
                            syn::UseTree::Group(g) => g.items.iter().for_each(|t| names(t, items)),
                        }
                    }
                    names(&u.tree, &mut self.items);
                }
                syn::Item::ForeignMod(fm) => {
                    for fi in &fm.items {
                        if let syn::ForeignItem::Fn(f) = fi {
                            self.items.extern_fns.push(f.sig.ident.to_string());
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if self.records_macros() {
                        self.record_mod(m);
                    }
                    if let Some((_, items)) = &m.content {
                        self.collect_items(items, &module.child(m.ident.to_string()));
                    }
                }
                syn::Item::Macro(m) => {
                    if self.records_macros() {
                        self.record_macro_item(m, module);
                    }
                    self.collect_macro_item(m);
                }
                _ => {}
            }
        }
    }

    /// A constant or static whose value is a string literal: its text (the
    /// walk reads it where the name is used), and whether it holds a pipe path.
    fn string_const(&mut self, name: &syn::Ident, value: &syn::Expr) {
        let Some(text) = string_value(value) else {
            return;
        };
        if is_pipe_text(&text) {
            self.items.pipe_consts.push(name.to_string());
        }
        if text.len() <= MAX_CONST_TEXT {
            self.items.str_consts.push((name.to_string(), text));
        }
    }

    /// Items nested in function bodies (helper fns, statics).
    fn collect_nested(&mut self, block: &'a syn::Block, module: &Module<'_>) {
        let body = block.brace_token.span.open().byte_range().end
            ..block.brace_token.span.close().byte_range().start;
        let outer = self.in_fn.replace(body);
        for s in &block.stmts {
            if let syn::Stmt::Item(i) = s {
                self.collect_items(std::slice::from_ref(i), module);
            }
        }
        self.in_fn = outer;
    }

    /// A `mod` item, for the macros' textual scope.
    fn record_mod(&mut self, m: &syn::ItemMod) {
        let path = m.attrs.iter().find_map(|a| {
            if !a.path().is_ident("path") {
                return None;
            }
            match &a.meta {
                syn::Meta::NameValue(nv) => string_value(&nv.value),
                _ => None,
            }
        });
        let inline = m
            .content
            .as_ref()
            .map(|(b, _)| b.span.open().byte_range().end..b.span.close().byte_range().start);
        self.items.macros.mods.push(ModDecl {
            name: m.ident.to_string(),
            at: Self::item_start(&m.attrs, m.mod_token.span),
            macro_use: m.attrs.iter().any(|a| a.path().is_ident("macro_use")),
            inline,
            path,
        });
    }

    /// A `macro_rules!` definition, or an invocation among items that may
    /// name a local macro.
    fn record_macro_item(&mut self, m: &syn::ItemMacro, module: &Module<'_>) {
        let first = m
            .mac
            .path
            .segments
            .first()
            .map_or(m.mac.bang_token.span, |s| s.ident.span());
        let start = Self::item_start(&m.attrs, first);
        let close = match &m.mac.delimiter {
            syn::MacroDelimiter::Paren(d) => d.span,
            syn::MacroDelimiter::Brace(d) => d.span,
            syn::MacroDelimiter::Bracket(d) => d.span,
        };
        if let Some(name) = &m.ident {
            if m.mac.path.is_ident("macro_rules") {
                self.items.macros.defs.push(MacroDef {
                    name: name.to_string(),
                    at: start,
                    name_bytes: name.span().byte_range(),
                    body: close.open().byte_range().end..close.close().byte_range().start,
                    exported: m.attrs.iter().any(|a| a.path().is_ident("macro_export")),
                    in_fn: self.in_fn.clone(),
                });
            }
            return;
        }
        let Some(call) = macro_call(&m.mac) else {
            return;
        };
        let end = m
            .semi_token
            .map_or(close.close().byte_range().end, |s| s.span.byte_range().end);
        self.items.macros.calls.push(MacroCall {
            bytes: start..end,
            cx: CallCx::Module(module.path()),
            ..call
        });
    }

    /// The invocations among an `impl` block's items.
    fn record_impl_calls(&mut self, imp: &syn::ItemImpl, module: &Module<'_>) {
        let mut bytes: Option<Range<usize>> = None;
        for ii in &imp.items {
            let syn::ImplItem::Macro(m) = ii else {
                continue;
            };
            let Some(call) = macro_call(&m.mac) else {
                continue;
            };
            let bytes = bytes
                .get_or_insert_with(|| {
                    Self::item_start(&imp.attrs, imp.impl_token.span)
                        ..imp.brace_token.span.close().byte_range().end
                })
                .clone();
            self.items.macros.calls.push(MacroCall {
                bytes: bytes.clone(),
                cx: CallCx::Impl(module.path(), bytes),
                ..call
            });
        }
    }

    fn collect_macro_item(&mut self, m: &'a syn::ItemMacro) {
        let Some(name) = m.mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        match name.as_str() {
            "lazy_static" => {
                for s in parse_macro_statics(m.mac.tokens.clone()) {
                    self.add_static(&s.name, &s.ty, &s.init, true);
                }
            }
            "thread_local" => {
                for s in parse_macro_statics(m.mac.tokens.clone()) {
                    self.add_static(&s.name, &s.ty, &s.init, false);
                }
            }
            "link" => {
                // windows_targets::link!("advapi32.dll" "system" fn RevertToSelf() -> i32);
                let text = m.mac.tokens.to_string();
                if let Some(pos) = text.find(" fn ") {
                    let rest = &text[pos + 4..];
                    let ident: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !ident.is_empty() {
                        self.items.extern_fns.push(ident);
                    }
                }
            }
            "assert_not_impl_any" | "assert_not_impl_all" => {
                // `assert_not_impl_any!(T: Send)`: a compile-time proof that
                // `T` is not `Send` (for `_all`, with one trait listed).
                let text = m.mac.tokens.to_string();
                if let Some((ty, traits)) = text.split_once(':') {
                    let traits: Vec<&str> = traits.split(',').map(str::trim).collect();
                    let single = name == "assert_not_impl_any" || traits.len() == 1;
                    let Some(last) = ty.trim().rsplit("::").next() else {
                        return;
                    };
                    for (tn, tr) in [("Send", AutoTrait::Send), ("Sync", AutoTrait::Sync)] {
                        if single && traits.contains(&tn) {
                            let ty = last.trim().to_string();
                            self.items.auto_impls.push((ty, tr, Declared::Never));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn add_static(
        &mut self,
        name: &syn::Ident,
        ty: &syn::Type,
        init: &syn::Expr,
        lazy_macro: bool,
    ) {
        let ty_text = tokens_text(ty).replace(' ', "");
        let is_cache = catalog::CACHE_TYPES
            .iter()
            .any(|c| ty_text.contains(&format!("{c}<")) || ty_text == *c)
            || ty_text.contains("HashMap<")
            || ty_text.contains("BTreeMap<")
            || ty_text.contains("Vec<")
            || lazy_macro;
        let lazy = lazy_macro
            || ty_text.starts_with("Lazy<")
            || ty_text.starts_with("LazyLock<")
            || ty_text.contains("::Lazy<");
        if lazy && self.syntax_only {
            self.syntax
                .lazy_inits
                .push((name.to_string(), init.clone()));
        } else if lazy {
            self.mentions.visit_expr(init);
            let (mentions, _, _) = self.mentions.take();
            self.items.lazy_inits.push((name.to_string(), mentions));
        }
        let loc = self.loc(name.span());
        self.items.statics.push(StaticDef {
            name: name.to_string(),
            loc,
            is_cache,
        });
    }

    /// Records a function; returns its index in the file's functions.
    #[allow(clippy::too_many_arguments)]
    fn push_fn(
        &mut self,
        item: FnItem<'a>,
        self_ty: Option<Arc<str>>,
        is_drop: bool,
        is_main: bool,
        module: &Arc<[String]>,
    ) -> usize {
        let FnItem {
            attrs,
            vis,
            sig,
            body,
            kind,
        } = item;
        if self.syntax_only {
            let base = match self.source {
                Source::File => SpanMap::File(SpanBase::default()),
                Source::Expansion(exp, _) => SpanMap::Expansion { exp, start: 0 },
            };
            self.syntax.fns.push(FnSyntax { sig, body, base });
            return self.syntax.fns.len() - 1;
        }
        let name = sig.ident.to_string();
        // The marker comment sits on a line before the item (before its
        // attributes). Most files have none: no line is looked up then.
        let marked = !self.file.impersonated_markers.is_empty() && {
            let first_line = attrs
                .iter()
                .map(|a| self.file_line(a.pound_token.span))
                .chain(std::iter::once(self.file_line(sig.fn_token.span)))
                .min()
                .unwrap_or(0);
            let vis_line = self.file_line(sig.fn_token.span);
            self.file.impersonated_markers.iter().any(|&l| {
                (l < first_line && first_line - l <= 3) || (l < vis_line && l >= first_line)
            })
        };
        let configured = self.extra.entry_points.iter().any(|e| {
            let tail: Vec<&str> = e.split("::").collect();
            match tail.as_slice() {
                [.., ty, f] if Some(*ty) == self_ty.as_deref() => *f == name,
                [.., f] if self_ty.is_none() || tail.len() == 1 => *f == name,
                _ => false,
            }
        });
        let first = attrs
            .first()
            .map(|a| a.pound_token.span)
            .or(match vis {
                Some(syn::Visibility::Public(p)) => Some(p.span),
                Some(syn::Visibility::Restricted(r)) => Some(r.pub_token.span),
                _ => None,
            })
            .or(sig.constness.map(|t| t.span))
            .or(sig.asyncness.map(|t| t.span))
            .or(sig.unsafety.map(|t| t.span))
            .or(sig.abi.as_ref().map(|a| a.extern_token.span))
            .unwrap_or(sig.fn_token.span);
        let text = FnText {
            start: first.byte_range().start,
            end: body.brace_token.span.close().byte_range().end,
            kind,
            unit: match self.source {
                Source::File => None,
                Source::Expansion(_, u) => Some(u),
            },
        };
        let text_hit = self.hit_in(text.start, text.end);
        let src_text: &str = match self.source {
            Source::File => &self.file.src.text,
            Source::Expansion(e, _) => &e.text,
        };
        let body_bytes = body.brace_token.span.join().byte_range();
        let pipe_text = self.hit_in(body_bytes.start, body_bytes.end)
            && src_text
                .get(body_bytes)
                .is_some_and(super::syntax::has_pipe_pattern);
        let com_hit = self.com_file
            && src_text.get(text.start..text.end).is_some_and(|t| {
                catalog::APIS
                    .iter()
                    .any(|a| a.role == Role::ComSecurity && t.contains(a.name))
            });
        self.mentions.visit_params(sig);
        self.mentions.visit_block(body);
        let (mentions, calls, body_names_pipe) = self.mentions.take();
        // Named for a pipe: the function, its type, its module, or what its
        // body names (a `pipe_name` parameter it uses, a field).
        let pipe_named = body_names_pipe
            || super::syntax::names_a_pipe(&name)
            || self_ty.as_deref().is_some_and(super::syntax::names_a_pipe)
            || module.iter().any(|m| super::syntax::names_a_pipe(m));
        let invoked = std::mem::take(&mut self.mentions.macros);
        if self.records_macros() {
            let k = self.items.fns.len() as u32;
            self.items
                .macros
                .fn_calls
                .extend(invoked.into_iter().map(|h| (k, h)));
        }
        let closes_handle = is_drop && names_any(body, catalog::HANDLE_CLOSERS);
        let ret = match &sig.output {
            syn::ReturnType::Type(_, t) => type_idents(t),
            syn::ReturnType::Default => Vec::new(),
        };
        let ret_idents = match self.returns.get(&ret) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<[String]> = ret.as_slice().into();
                self.returns.insert(ret, shared.clone());
                shared
            }
        };
        self.items.fns.push(FnDef {
            name,
            file: 0,
            self_ty,
            is_drop,
            is_main,
            impersonated: marked || configured,
            debug_only: is_debug_cfg(attrs),
            name_bytes: self.file_bytes(sig.ident.span()),
            module: module.clone(),
            has_receiver: sig.receiver().is_some(),
            self_by_value: matches!(sig.receiver(), Some(r) if r.reference.is_none() && matches!(&*r.ty, syn::Type::Path(_))),
            ret_idents,
            mentions,
            calls,
            text_hit,
            pipe_text,
            pipe_named,
            closes_handle,
            com_hit,
            text,
        });
        self.items.fns.len() - 1
    }
}

/// Calls `f` on every identifier of a macro body's tokens, in groups too.
fn each_ident(ts: proc_macro2::TokenStream, f: &mut impl FnMut(&proc_macro2::Ident)) {
    each_leaf(ts, &mut |t| {
        if let proc_macro2::TokenTree::Ident(i) = t {
            f(i);
        }
    });
}

/// Calls `f` on every literal of a macro body's tokens, in groups too.
fn each_literal(ts: proc_macro2::TokenStream, f: &mut impl FnMut(&proc_macro2::Literal)) {
    each_leaf(ts, &mut |t| {
        if let proc_macro2::TokenTree::Literal(l) = t {
            f(l);
        }
    });
}

/// Calls `f` on every token of a macro body that is not a group, in groups too.
fn each_leaf(ts: proc_macro2::TokenStream, f: &mut impl FnMut(&proc_macro2::TokenTree)) {
    for t in ts {
        match t {
            proc_macro2::TokenTree::Group(g) => each_leaf(g.stream(), f),
            leaf => f(&leaf),
        }
    }
}

/// Whether a block names one of `names` (an identifier, or a token of a
/// macro body).
fn names_any(block: &syn::Block, names: &[&str]) -> bool {
    struct V<'n> {
        names: &'n [&'n str],
        found: bool,
    }
    impl V<'_> {
        fn ident(&mut self, i: &proc_macro2::Ident) {
            self.found |= self.names.iter().any(|n| i == n);
        }
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.ident(i);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            each_ident(m.tokens.clone(), &mut |i| self.ident(i));
            syn::visit::visit_macro(self, m);
        }
    }
    let mut v = V {
        names,
        found: false,
    };
    v.visit_block(block);
    v.found
}

/// The [`name_hash`]es of the identifiers a function body and its
/// parameters' types mention (path segments, method names, the tokens of
/// macro bodies), and of those it may
/// call: callee paths' last segments, method names, functions passed by
/// name as arguments (in-place runners call them), and every identifier in
/// a macro body. Items nested in the body are functions of their own.
#[derive(Default)]
struct Mentions {
    all: Vec<u64>,
    calls: Vec<u64>,
    /// The name hashes of the macros invoked by a plain name or a
    /// `crate::` path (local macros among them are expanded).
    macros: Vec<u64>,
    /// The file's text: format strings in macro bodies are read from it
    /// for the names they capture (`format!("{PIPE_PREFIX}{id}")`).
    text: std::sync::Arc<str>,
    /// The file holds the word `pipe`: identifiers are read for pipe names.
    pipe_words: bool,
    /// An identifier of the body names a pipe (`pipe_name`, `PipeClient`).
    names_pipe: bool,
}

impl Mentions {
    /// For the functions of `text` (a file's, or an expansion's); with
    /// `syntax_only`, pipe names are not looked for.
    fn of(text: Arc<str>, syntax_only: bool) -> Mentions {
        Mentions {
            pipe_words: !syntax_only && super::syntax::has_pipe_word(&text),
            text,
            ..Mentions::default()
        }
    }
}

/// An invocation whose path may name a local macro (`name!`,
/// `crate::name!`) or a dependency's (`dep::name!`), without its place.
fn macro_call(mac: &syn::Macro) -> Option<MacroCall> {
    let segs = &mac.path.segments;
    let (by_path, root) = match segs.len() {
        1 if mac.path.leading_colon.is_none() => (false, None),
        2 if segs[0].ident == "crate" => (true, None),
        2 if segs[0].ident != "self" && segs[0].ident != "super" => {
            (true, Some(segs[0].ident.to_string()))
        }
        _ => return None,
    };
    Some(MacroCall {
        name: segs.last()?.ident.to_string(),
        by_path,
        root,
        bytes: 0..0,
        cx: CallCx::Module(Arc::new([])),
    })
}

/// Sorted, without duplicates, in an allocation of its own size; `v` is
/// left empty for reuse.
fn sorted(v: &mut Vec<u64>) -> Box<[u64]> {
    v.sort_unstable();
    v.dedup();
    let out = v.as_slice().into();
    v.clear();
    out
}

impl Mentions {
    /// Both lists, sorted, without duplicates, and whether an identifier
    /// named a pipe; leaves `self` empty for the next function.
    fn take(&mut self) -> (Box<[u64]>, Box<[u64]>, bool) {
        let names_pipe = std::mem::take(&mut self.names_pipe);
        (sorted(&mut self.all), sorted(&mut self.calls), names_pipe)
    }

    /// The types the parameters are declared with (`link: &mut Link`):
    /// a method call on one names its type there (see `analyze`'s
    /// `Reach::Typed`).
    fn visit_params(&mut self, sig: &syn::Signature) {
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                self.visit_type(&t.ty);
            }
        }
    }

    fn callee(&mut self, e: &syn::Expr) {
        if let syn::Expr::Path(p) = e {
            if let Some(last) = p.path.segments.last() {
                self.calls.push(ident_hash(&last.ident));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Mentions {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        if self.pipe_words && !self.names_pipe {
            let mut names_pipe = false;
            self.all.push(ident_hash_seen(i, |s| {
                names_pipe = super::syntax::names_a_pipe(s);
            }));
            self.names_pipe = names_pipe;
        } else {
            self.all.push(ident_hash(i));
        }
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.callee(&c.func);
        c.args.iter().for_each(|a| self.callee(a));
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.calls.push(ident_hash(&m.method));
        m.args.iter().for_each(|a| self.callee(a));
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let segs = &m.path.segments;
        // `name!`, `crate::name!`, or a dependency's `dep::name!`.
        let local_path = match segs.len() {
            1 => m.path.leading_colon.is_none(),
            2 => segs[0].ident != "self" && segs[0].ident != "super",
            _ => false,
        };
        if let (true, Some(last)) = (local_path, segs.last()) {
            self.macros.push(ident_hash(&last.ident));
        }
        // Macro bodies are tokens: their identifiers count too, and so do
        // the names a format string captures (`{PIPE_PREFIX}`).
        each_ident(m.tokens.clone(), &mut |i| {
            let h = ident_hash(i);
            self.all.push(h);
            self.calls.push(h);
        });
        let formats = m
            .path
            .segments
            .last()
            .is_some_and(|s| catalog::FORMAT_MACROS.iter().any(|f| s.ident == f));
        if formats {
            let text = self.text.clone();
            each_literal(m.tokens.clone(), &mut |l| {
                let Some(lit) = text.get(l.span().byte_range()) else {
                    return;
                };
                if lit.contains('{') {
                    for name in format_captures(lit) {
                        self.all.push(name_hash(name));
                    }
                }
            });
        }
        syn::visit::visit_macro(self, m);
    }
}

/// The names a format string captures inline: `{name}`, `{name:?}` (not
/// `{}`, `{0}` or `{{`).
fn format_captures(lit: &str) -> impl Iterator<Item = &str> {
    lit.split('{').skip(1).filter_map(|rest| {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        let name = &rest[..end];
        let closes = rest[end..].starts_with('}') || rest[end..].starts_with(':');
        (closes
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_'))
        .then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collected(text: &str) -> FileItems {
        let (cx, ast) = FileCx::parsed_for_test(text);
        collect_file(&cx, &ast, &Extra::default(), &[])
    }

    /// Each function's module is the path of the `mod` blocks around it
    /// (those in bodies too), made once per module and shared by its
    /// functions, also past modules that hold none.
    #[test]
    fn functions_get_the_path_of_their_modules() {
        let items = collected(
            "fn a() {}\nmod m1 { fn b() {} mod m2 { mod m3 { fn c() {} fn c2() {} } fn d() {} } }\n\
             mod m4 { fn e() { mod inner { fn g() {} } } }\n",
        );
        let path = |name: &str| {
            let f = items.fns.iter().find(|f| f.name == name).unwrap();
            f.module.to_vec()
        };
        assert_eq!(path("a"), Vec::<String>::new());
        assert_eq!(path("b"), ["m1"]);
        assert_eq!(path("c"), ["m1", "m2", "m3"]);
        assert_eq!(path("d"), ["m1", "m2"]);
        assert_eq!(path("e"), ["m4"]);
        assert_eq!(path("g"), ["m4", "inner"]);
        let module = |name: &str| &items.fns.iter().find(|f| f.name == name).unwrap().module;
        assert!(Arc::ptr_eq(module("c"), module("c2")));
        // 2,000 levels deep, a function at the bottom only (syn recurses
        // per level: on the analysis threads' stack).
        std::thread::Builder::new()
            .stack_size(crate::driver::STACK_SIZE)
            .spawn(|| {
                let deep = format!(
                    "{}fn z() {{}}{}",
                    (0..2000)
                        .map(|i| format!("mod l{i} {{ "))
                        .collect::<String>(),
                    " }".repeat(2000)
                );
                let items = collected(&deep);
                let z = &items.fns[0].module;
                assert_eq!(z.len(), 2000);
                assert_eq!((z[0].as_str(), z[1999].as_str()), ("l0", "l1999"));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
