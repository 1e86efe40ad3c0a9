//! The crate index: what a crate defines and imports. Each file's facts are
//! collected on the thread that parsed it ([`collect_file`], owned
//! [`FileItems`]) and merged per crate ([`CrateIndex::build`]) with the
//! syntax of the functions the analysis walks (parsed alone: [`parse_fn`]).
//! It owns name resolution (per-file `use` maps with
//! aliases, groups and globs; `extern crate x as y`; cargo renames;
//! hand-written `extern "system"` and `link!` declarations) and the facts the
//! analysis needs about items: functions and methods, guard candidates
//! (`impl Drop`), statics that are caches, string constants that hold pipe
//! paths, and whether the crate enables COM cloaking. It does not walk
//! function bodies for impersonation state (that is `walk`).

use crate::catalog::{self, Api, Role};
use crate::diag::Location;
use crate::parse::location;
use crate::source::SourceFile;
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use syn::visit::Visit;

/// A parsed file and what resolution needs from it. Owned (and `Send`):
/// it is made on the thread that parsed the file, which then drops the
/// syntax tree (see `driver`).
pub struct FileCx {
    pub src: SourceFile,
    pub uses: UseMap,
    /// 1-based lines that hold a `// imperlint: impersonated` marker.
    pub impersonated_markers: Vec<u32>,
    /// `src/main.rs` or `src/bin/*.rs`: its `main` ends the process.
    pub is_bin_root: bool,
    /// 1-based line ranges of every item, impl item and trait item, for
    /// suppressions (only filled when the file mentions `imperlint`).
    pub item_ranges: Vec<(u32, u32)>,
}

/// Names imported into a file.
#[derive(Default, Debug)]
pub struct UseMap {
    /// Imported name → full path.
    pub names: HashMap<String, Vec<String>>,
    /// Glob-imported module paths.
    pub globs: Vec<Vec<String>>,
}

impl UseMap {
    pub fn build(file: &syn::File) -> UseMap {
        struct V<'m>(&'m mut UseMap);
        impl<'ast> Visit<'ast> for V<'_> {
            fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
                add_tree(self.0, Vec::new(), &u.tree);
            }
            // A `use` is an item, in a module or a block: types and
            // attributes hold none (a block in an array type's length
            // could; it is not looked into).
            fn visit_type(&mut self, _: &'ast syn::Type) {}
            fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
            fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
                if let Some((_, alias)) = &e.rename {
                    self.0
                        .names
                        .insert(alias.to_string(), vec![e.ident.to_string()]);
                }
            }
        }
        fn add_tree(m: &mut UseMap, prefix: Vec<String>, tree: &syn::UseTree) {
            match tree {
                syn::UseTree::Path(p) => {
                    let mut next = prefix;
                    next.push(p.ident.to_string());
                    add_tree(m, next, &p.tree);
                }
                syn::UseTree::Name(n) => {
                    let name = n.ident.to_string();
                    if name == "self" {
                        if let Some(last) = prefix.last() {
                            m.names.insert(last.clone(), prefix.clone());
                        }
                    } else {
                        let mut full = prefix;
                        full.push(name.clone());
                        m.names.insert(name, full);
                    }
                }
                syn::UseTree::Rename(r) => {
                    let mut full = prefix.clone();
                    let name = r.ident.to_string();
                    if name != "self" {
                        full.push(name);
                    }
                    if r.rename != "_" {
                        m.names.insert(r.rename.to_string(), full);
                    }
                }
                syn::UseTree::Glob(_) => m.globs.push(prefix),
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        add_tree(m, prefix.clone(), t);
                    }
                }
            }
        }
        let mut m = UseMap::default();
        V(&mut m).visit_file(file);
        m
    }
}

/// A function or method with a body: what the analysis knows of it without
/// its syntax (which only functions that are walked need: `FnSyntax`).
#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: String,
    pub file: usize,
    /// The `impl` block's self type (last segment), for methods: shared by
    /// the block's methods.
    pub self_ty: Option<Arc<str>>,
    /// `fn drop(&mut self)` of an `impl Drop for T`.
    pub is_drop: bool,
    /// The program's `main` (process exit ends impersonation).
    pub is_main: bool,
    /// Declared to always run impersonated (marker comment or configuration).
    pub impersonated: bool,
    /// The bytes of the function's name in its file: its line and column
    /// are counted when needed ([`CrateIndex::name_loc`]), for few functions.
    name_bytes: std::ops::Range<usize>,
    /// The module the function is in (`["util", "tests"]`), from the file's
    /// place under `src/` and inline `mod` blocks: shared by the module's
    /// functions.
    pub module: Arc<[String]>,
    /// The identifiers of the return type (`io::Result<Self>` → `io`, `Result`, `Self`):
    /// shared by the file's functions that return the same type.
    pub ret_idents: Arc<[String]>,
    /// A method with a `self` receiver.
    pub has_receiver: bool,
    /// A method that takes `self` by value (calling it consumes the receiver).
    pub self_by_value: bool,
    /// The identifiers its body mentions (path segments, method names,
    /// macro tokens), as [`name_hash`]es, sorted. Not those of items nested
    /// in it (they are functions of their own).
    pub mentions: Box<[u64]>,
    /// Those of its mentions it may call (see `Mentions`), sorted.
    pub calls: Box<[u64]>,
    /// Its text (attributes, signature, body) holds a prefilter pattern.
    pub text_hit: bool,
    /// For `Drop::drop`: the body closes a handle.
    pub closes_handle: bool,
    /// Its text names a COM security API (the cloaking scan reads it).
    pub com_hit: bool,
    /// Where its text is in the file, to parse it alone ([`parse_fn`]).
    pub text: FnText,
}

/// Where a function's text (attributes to closing brace) is in its file,
/// and what kind of item it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct FnText {
    pub start: usize,
    pub end: usize,
    pub kind: FnKind,
}

impl FnText {
    /// What places the spans of this text, parsed alone, in `file` (the
    /// file's text): counted here, for the few functions parsed alone,
    /// rather than measured for every function of the first pass.
    pub fn base(&self, file: &str) -> SpanBase {
        SpanBase::at(file, self.start)
    }
}

/// Which syntax a function's text parses as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FnKind {
    /// `fn` item (in a module or a block).
    #[default]
    Free,
    /// Method of an `impl` block.
    Impl,
    /// Provided method of a trait.
    Trait,
}

/// How to turn spans of a text parsed on its own (a function cut out of its
/// file) into places in the file: lines, columns on the first line, and
/// bytes are shifted. Zero for a whole file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanBase {
    /// Lines before the text.
    pub line: u32,
    /// Characters before the text on its first line.
    pub column: u32,
    /// Bytes before the text.
    pub byte: usize,
}

impl SpanBase {
    /// The lines, and characters on its line, before byte `byte` of `file`
    /// (counted: for the few places that need it).
    pub fn at(file: &str, byte: usize) -> SpanBase {
        let before = file.get(..byte).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        SpanBase {
            line: before.bytes().filter(|&b| b == b'\n').count() as u32,
            column: before[line_start..].chars().count() as u32,
            byte,
        }
    }

    /// The bytes in the file of a span of the text.
    pub fn byte_range(&self, span: Span) -> std::ops::Range<usize> {
        let r = span.byte_range();
        r.start + self.byte..r.end + self.byte
    }

    /// The place in the file of a span of the text.
    pub fn location(&self, file: &str, span: Span) -> Location {
        let mut l = location(file, span);
        if l.line == 1 {
            l.column += self.column;
        }
        if l.end_line == 1 {
            l.end_column += self.column;
        }
        l.line += self.line;
        l.end_line += self.line;
        l.byte_start += self.byte;
        l.byte_end += self.byte;
        l
    }
}

/// A function parsed from its own text (see [`parse_fn`]).
pub enum ParsedFn {
    Free(syn::ItemFn),
    Impl(syn::ImplItemFn),
    Trait(syn::TraitItemFn),
}

impl ParsedFn {
    /// Its body (a trait method parsed alone has one: it was collected
    /// only with its default body).
    pub fn body(&self) -> Option<&syn::Block> {
        match self {
            ParsedFn::Free(f) => Some(&f.block),
            ParsedFn::Impl(f) => Some(&f.block),
            ParsedFn::Trait(f) => f.default.as_ref(),
        }
    }

    /// Its syntax, with the base that places its spans in the file.
    pub fn syntax(&self, base: SpanBase) -> Option<FnSyntax<'_>> {
        let sig = match self {
            ParsedFn::Free(f) => &f.sig,
            ParsedFn::Impl(f) => &f.sig,
            ParsedFn::Trait(f) => &f.sig,
        };
        Some(FnSyntax {
            sig,
            body: self.body()?,
            base,
        })
    }
}

/// Parses one function from its file's text, alone: the analysis walks a
/// few functions of most files, and parsing just those is cheaper in time
/// and memory than parsing (and keeping) their files. `None` when the text
/// does not parse as what it was (the caller then parses the whole file).
pub fn parse_fn(text: &str, f: &FnDef) -> Option<ParsedFn> {
    let src = text.get(f.text.start..f.text.end)?;
    match f.text.kind {
        FnKind::Free => syn::parse_str(src).ok().map(ParsedFn::Free),
        FnKind::Impl => syn::parse_str(src).ok().map(ParsedFn::Impl),
        FnKind::Trait => syn::parse_str(src).ok().map(ParsedFn::Trait),
    }
}

/// The syntax of a function the analysis walks.
#[derive(Clone, Copy)]
pub struct FnSyntax<'a> {
    pub sig: &'a syn::Signature,
    pub body: &'a syn::Block,
    /// Places its spans in the file (zero when its whole file was parsed).
    pub base: SpanBase,
}

/// A stable hash of an identifier (the same in every run and thread), for
/// the sets of names function bodies mention. A collision can only make a
/// function look related to one it is not, which costs a walk, never a
/// result.
pub fn name_hash(name: &str) -> u64 {
    // FNV-1a: identifiers are short, and this is hashed for every one a
    // function body mentions (SipHash was a visible part of the first pass).
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Hashes the keys of [`NameMap`]s and [`NameSet`]s, which are
/// [`name_hash`]es already: one multiply spreads them over the table's bits
/// (SipHash on them was a visible part of a big crate's sequential pass).
#[derive(Clone, Copy, Default)]
pub struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        let x = (n ^ (n >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
}

/// A map keyed by [`name_hash`].
pub type NameMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<NameHasher>>;
/// A set of [`name_hash`]es.
pub type NameSet = HashSet<u64, std::hash::BuildHasherDefault<NameHasher>>;

/// [`name_hash`] of an identifier, without allocating its text.
fn ident_hash(i: &proc_macro2::Ident) -> u64 {
    struct W(String);
    impl std::fmt::Write for W {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.push_str(s);
            Ok(())
        }
    }
    thread_local! {
        static BUF: std::cell::RefCell<W> = const { std::cell::RefCell::new(W(String::new())) };
    }
    BUF.with(|b| {
        let mut b = b.borrow_mut();
        b.0.clear();
        let _ = std::fmt::Write::write_fmt(&mut *b, format_args!("{i}"));
        name_hash(&b.0)
    })
}

impl FnDef {
    /// Walked whatever the rest of the crate holds: its text holds a
    /// prefilter pattern, or it is declared impersonated (see `analyze`).
    pub fn walked_in_any_case(&self) -> bool {
        self.text_hit || self.impersonated
    }

    /// `Type::name` for methods, `name` for free functions.
    pub fn display(&self) -> String {
        match &self.self_ty {
            Some(t) => format!("{t}::{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether the return type names `ty` (or `Self` inside `impl ty`).
    pub fn returns_type(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.ret_idents
            .iter()
            .any(|w| pred(w) || (w == "Self" && self.self_ty.as_deref().is_some_and(&pred)))
    }

    /// Whether the function returns a `Result` or an `Option`.
    pub fn returns_fallible(&self) -> bool {
        self.ret_idents
            .iter()
            .any(|w| w.contains("Result") || w == "Option")
    }
}

/// A struct or enum of the crate.
#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    pub loc: Location,
    /// Field name (or index) → the type's path segments (`type_path`).
    pub fields: Vec<(String, Option<Vec<String>>)>,
    /// Has a marker that makes it `!Send`: a raw pointer or `Rc` in a field
    /// or `PhantomData`.
    pub not_send_marker: bool,
}

/// A `static`, `thread_local!` or `lazy_static!` item.
#[derive(Clone, Debug)]
pub struct StaticDef {
    pub name: String,
    pub loc: Location,
    /// The type's text, for cache detection.
    pub ty: String,
    /// A cache: a cell, lock or map type that is written after start-up.
    pub is_cache: bool,
}

/// Configuration the analysis takes from outside the crate.
#[derive(Default, Clone, Debug)]
pub struct Extra {
    /// Additional begin functions (paths or names).
    pub begin: Vec<String>,
    /// Additional end functions.
    pub end: Vec<String>,
    /// Additional guard types.
    pub guards: Vec<String>,
    /// Functions that always run impersonated (`name` or `Type::name`, with optional module path).
    pub entry_points: Vec<String>,
}

/// What resolution found for a called or used path.
#[derive(Clone, Debug)]
pub enum Target {
    /// A function of this crate (candidates by id).
    Local(Vec<usize>),
    /// A catalog API.
    Api(&'static Api),
    /// A configured begin/end wrapper from another crate.
    ExtraBegin(String),
    ExtraEnd(String),
    Unknown,
}

/// Everything known about one crate.
pub struct CrateIndex<'a> {
    pub files: &'a [FileCx],
    pub fns: Vec<&'a FnDef>,
    /// The syntax of each function whose file was parsed for the walk.
    pub syntax: Vec<Option<FnSyntax<'a>>>,
    /// Function ids by [`name_hash`] of their name (by name:
    /// [`CrateIndex::fns_named`]).
    pub fns_by_hash: NameMap<Vec<usize>>,
    pub types: HashMap<&'a str, &'a TypeDef>,
    /// Type name → its `Drop::drop` function id.
    pub drops: HashMap<&'a str, usize>,
    /// Types asserted `!Send` (`assert_not_impl_any!(T: Send)`, `impl !Send for T`).
    pub asserted_not_send: HashSet<&'a str>,
    pub statics: HashMap<&'a str, &'a StaticDef>,
    /// Lazily initialised statics whose initializer does identity-sensitive work.
    pub lazy_identity_statics: HashSet<&'a str>,
    /// Constants and statics whose string value holds a pipe path.
    pub pipe_consts: HashSet<&'a str>,
    /// Names declared in `extern` blocks or `link!` macros.
    pub extern_fns: HashSet<&'a str>,
    /// Every type, trait and alias name the crate defines.
    pub local_types: HashSet<&'a str>,
    /// Method names defined in the crate's `impl` blocks.
    pub local_methods: HashSet<&'a str>,
    /// [`name_hash`]es of names that stand for a prefilter pattern in this
    /// crate: imports whose path holds one (`use ..::RevertToSelf as revert`)
    /// and constants and statics whose text holds one.
    pub hit_names: NameSet,
    /// [`name_hash`]es of the new names of begin, end and token-saving APIs
    /// in `use` renames: calling one may begin or end impersonation.
    pub lifecycle_aliases: NameSet,
    /// Crate-root renames from `Cargo.toml` (`win = { package = "windows" }`).
    pub crate_renames: HashMap<String, String>,
    /// The crate enables COM cloaking somewhere.
    pub cloaking: bool,
    /// A `CoInitializeSecurity` call without cloaking.
    pub com_setup: Option<Location>,
    pub extra: Extra,
    /// Files whose syntax the index needs and was not given (lazy
    /// statics' initializers).
    pub need_files: std::collections::BTreeSet<usize>,
    /// Functions whose syntax the index needs and was not given (those a
    /// lazy initializer calls, those that name a COM security API).
    pub need_fns: std::collections::BTreeSet<usize>,
}

/// What one file defines, collected on the thread that parsed it: owned,
/// so the syntax tree can be dropped (see `driver`). [`CrateIndex::build`]
/// merges the files' items in file order.
#[derive(Default, Debug)]
pub struct FileItems {
    pub fns: Vec<FnDef>,
    types: Vec<TypeDef>,
    /// Type name → index of its `Drop::drop` in `fns`.
    drops: Vec<(String, usize)>,
    asserted_not_send: Vec<String>,
    statics: Vec<StaticDef>,
    pipe_consts: Vec<String>,
    extern_fns: Vec<String>,
    local_types: Vec<String>,
    local_methods: Vec<String>,
    /// Lazily initialised statics: name and the names their initializer mentions.
    lazy_inits: Vec<(String, Box<[u64]>)>,
    /// Constants and statics whose text holds a prefilter pattern, and the
    /// names imported by a `use` whose text holds one.
    hit_items: Vec<String>,
    /// New names of begin, end and token-saving APIs (`RevertToSelf as revert`).
    lifecycle_aliases: Vec<String>,
}

impl FileItems {
    /// Sets the file index of the file's functions (known once every file
    /// of the crate is loaded and sorted).
    pub fn set_file(&mut self, fi: usize) {
        for f in &mut self.fns {
            f.file = fi;
        }
    }
}

/// What the analysis needs of a parsed file beyond its [`FileItems`]: the
/// syntax of its functions (in the same order) and the initializers of its
/// lazy statics.
#[derive(Default)]
pub struct FileSyntax<'a> {
    fns: Vec<FnSyntax<'a>>,
    lazy_inits: Vec<(String, syn::Expr)>,
}

/// Collects a file's items (the first pass).
pub fn collect_file(file: &FileCx, ast: &syn::File, extra: &Extra, hits: &[usize]) -> FileItems {
    collect(file, ast, extra, hits, false).0
}

/// The syntax of a file whose [`FileItems`] are already known: the same
/// walk over the items as [`collect_file`], so its functions come in the
/// same order, without the facts.
pub fn collect_syntax<'a>(file: &FileCx, ast: &'a syn::File, extra: &Extra) -> FileSyntax<'a> {
    collect(file, ast, extra, &[], true).1
}

fn collect<'a>(
    file: &FileCx,
    ast: &'a syn::File,
    extra: &Extra,
    hits: &[usize],
    syntax_only: bool,
) -> (FileItems, FileSyntax<'a>) {
    let com_file = !syntax_only
        && catalog::APIS
            .iter()
            .any(|a| a.role == Role::ComSecurity && file.src.text.contains(a.name));
    let mut c = Collector {
        file,
        extra,
        hits,
        syntax_only,
        com_file,
        items: FileItems::default(),
        syntax: FileSyntax::default(),
        returns: HashMap::new(),
        mentions: Mentions::default(),
    };
    let module: Arc<[String]> = file_module(&file.src.path).into();
    c.collect_items(&ast.items, &module);
    (c.items, c.syntax)
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
    extra: &'x Extra,
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

/// The path segments of a type (`std::process::Command`), looking through references.
pub fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Path(p) => Some(
            p.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        ),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Ptr(p) => type_path(&p.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
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

/// A type that is not `Send`: raw pointers, `Rc`, `NonNull`, `MutexGuard`
/// anywhere in it (`PhantomData<*const ()>` is the usual marker).
fn type_not_send(ty: &syn::Type) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_type_ptr(&mut self, _: &'ast syn::TypePtr) {
            self.0 = true;
        }
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            if matches!(
                s.ident.to_string().as_str(),
                "Rc" | "NonNull" | "MutexGuard" | "RwLockReadGuard" | "RwLockWriteGuard"
            ) {
                self.0 = true;
            }
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut v = V(false);
    v.visit_type(ty);
    v.0
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

/// The text of a string literal expression, following `concat!`, `w!`-style macros.
pub fn string_value(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::ByteStr(s) => Some(String::from_utf8_lossy(&s.value()).into_owned()),
            syn::Lit::CStr(s) => Some(s.value().to_string_lossy().into_owned()),
            _ => None,
        },
        syn::Expr::Reference(r) => string_value(&r.expr),
        syn::Expr::Paren(p) => string_value(&p.expr),
        syn::Expr::Group(g) => string_value(&g.expr),
        syn::Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            if catalog::STRING_MACROS.contains(&name.as_str()) || name == "concat" {
                let lits: syn::punctuated::Punctuated<syn::Expr, syn::Token![,]> = m
                    .mac
                    .parse_body_with(syn::punctuated::Punctuated::parse_terminated)
                    .ok()?;
                let mut s = String::new();
                for l in &lits {
                    s.push_str(&string_value(l)?);
                }
                Some(s)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Text that names a pipe path (`\\.\pipe\`), case-insensitively.
pub fn is_pipe_text(s: &str) -> bool {
    s.to_ascii_lowercase()
        .contains(&catalog::PIPE_PREFIX.to_ascii_lowercase())
}

impl<'a> CrateIndex<'a> {
    /// Merges the files' items into the crate's index. A function's syntax
    /// is `fn_syntax[id]` (parsed alone) or comes from `syntax[fi]` (its
    /// whole file parsed); functions with neither are not walked, and what
    /// needs syntax it was not given is recorded in `need_fns` and
    /// `need_files` (the driver parses those and builds again).
    pub fn build(
        files: &'a [FileCx],
        items: &'a [FileItems],
        syntax: &[Option<FileSyntax<'a>>],
        mut fn_syntax: Vec<Option<FnSyntax<'a>>>,
        crate_renames: HashMap<String, String>,
        extra: Extra,
    ) -> CrateIndex<'a> {
        let mut ix = CrateIndex {
            files,
            fns: Vec::new(),
            syntax: Vec::new(),
            fns_by_hash: NameMap::default(),
            types: HashMap::new(),
            drops: HashMap::new(),
            asserted_not_send: HashSet::new(),
            statics: HashMap::new(),
            lazy_identity_statics: HashSet::new(),
            pipe_consts: HashSet::new(),
            extern_fns: HashSet::new(),
            local_types: HashSet::new(),
            local_methods: HashSet::new(),
            hit_names: NameSet::default(),
            lifecycle_aliases: NameSet::default(),
            crate_renames,
            cloaking: false,
            com_setup: None,
            extra,
            need_files: Default::default(),
            need_fns: Default::default(),
        };
        // Sized once: growing tables of a big crate's names rehash them
        // again and again, on the crate's one thread.
        let total = |n: fn(&FileItems) -> usize| items.iter().map(n).sum::<usize>();
        ix.fns.reserve(total(|it| it.fns.len()));
        ix.syntax.reserve(total(|it| it.fns.len()));
        ix.types.reserve(total(|it| it.types.len()));
        ix.local_types.reserve(total(|it| it.local_types.len()));
        ix.local_methods.reserve(total(|it| it.local_methods.len()));
        ix.extern_fns.reserve(total(|it| it.extern_fns.len()));
        for (fi, it) in items.iter().enumerate() {
            let base = ix.fns.len();
            let fs = syntax.get(fi).and_then(Option::as_ref);
            let aligned = fs.is_some_and(|s| s.fns.len() == it.fns.len());
            for (k, f) in it.fns.iter().enumerate() {
                let id = ix.fns.len();
                ix.fns.push(f);
                let alone = fn_syntax.get_mut(id).and_then(Option::take);
                ix.syntax
                    .push(fs.filter(|_| aligned).map(|s| s.fns[k]).or(alone));
            }
            for t in &it.types {
                ix.types.insert(&t.name, t);
            }
            for (t, k) in &it.drops {
                ix.drops.insert(t, base + k);
            }
            ix.asserted_not_send
                .extend(it.asserted_not_send.iter().map(String::as_str));
            for s in &it.statics {
                ix.statics.insert(&s.name, s);
            }
            ix.pipe_consts
                .extend(it.pipe_consts.iter().map(String::as_str));
            ix.extern_fns
                .extend(it.extern_fns.iter().map(String::as_str));
            ix.local_types
                .extend(it.local_types.iter().map(String::as_str));
            ix.local_methods
                .extend(it.local_methods.iter().map(String::as_str));
            ix.hit_names
                .extend(it.hit_items.iter().map(|n| name_hash(n)));
            ix.lifecycle_aliases
                .extend(it.lifecycle_aliases.iter().map(|n| name_hash(n)));
        }
        ix.fns_by_hash.reserve(ix.fns.len());
        for (i, f) in ix.fns.iter().enumerate() {
            ix.fns_by_hash
                .entry(name_hash(&f.name))
                .or_default()
                .push(i);
        }
        // Lazy initializers are read from their file's syntax, with the
        // functions they call (two calls deep); the COM scan reads the
        // functions that name a COM security API.
        for (fi, it) in items.iter().enumerate() {
            if it.lazy_inits.is_empty() {
                continue;
            }
            if !syntax.get(fi).is_some_and(Option::is_some) {
                ix.need_files.insert(fi);
            }
            for (_, mentions) in &it.lazy_inits {
                for id in ix.fns_mentioned(mentions) {
                    for id in std::iter::once(id).chain(ix.fns_mentioned(&ix.fns[id].mentions)) {
                        if ix.syntax[id].is_none() {
                            ix.need_fns.insert(id);
                        }
                    }
                }
            }
        }
        for id in 0..ix.fns.len() {
            if ix.fns[id].com_hit && ix.syntax[id].is_none() {
                ix.need_fns.insert(id);
            }
        }
        ix.scan_com_security();
        for (fi, fs) in syntax.iter().enumerate() {
            let Some(fs) = fs else { continue };
            for (name, init) in &fs.lazy_inits {
                let sensitive = ix.expr_has_identity_api(fi, init, 2);
                if sensitive {
                    if let Some((&name, _)) = ix.statics.get_key_value(name.as_str()) {
                        ix.lazy_identity_statics.insert(name);
                    }
                }
            }
        }
        ix
    }

    /// Where function `id`'s name is.
    pub fn name_loc(&self, id: usize) -> Location {
        let f = self.fns[id];
        let src = &self.files[f.file].src;
        let start = SpanBase::at(&src.text, f.name_bytes.start);
        // A name is on one line: its end is counted from its start.
        let width = src
            .text
            .get(f.name_bytes.clone())
            .map_or(0, |t| t.chars().count());
        Location {
            file: src.display.clone(),
            line: start.line + 1,
            column: start.column + 1,
            end_line: start.line + 1,
            end_column: start.column + 1 + width as u32,
            byte_start: f.name_bytes.start,
            byte_end: f.name_bytes.end,
        }
    }

    /// The functions whose name is among `mentions` (name hashes).
    pub fn fns_mentioned(&self, mentions: &[u64]) -> Vec<usize> {
        let mut out: Vec<usize> = mentions
            .iter()
            .filter_map(|h| self.fns_by_hash.get(h))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether an initializer calls an identity-sensitive catalog API,
    /// directly or through local functions up to `depth` calls deep.
    fn expr_has_identity_api(&self, fi: usize, e: &syn::Expr, depth: u32) -> bool {
        struct V<'i, 'a> {
            ix: &'i CrateIndex<'a>,
            fi: usize,
            depth: u32,
            found: bool,
        }
        impl<'ast> Visit<'ast> for V<'_, '_> {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                match self.ix.resolve_path(self.fi, p) {
                    Target::Api(api) => {
                        if matches!(
                            api.role,
                            Role::ProfileLookup
                                | Role::ProfileWithToken
                                | Role::EnvRead
                                | Role::PerUserRegistryRoot
                                | Role::HandleOpen
                                | Role::PipeClientOpen
                                | Role::IdentityQuery
                                | Role::SaveToken
                        ) {
                            self.found = true;
                        }
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
            ix: self,
            fi,
            depth,
            found: false,
        };
        v.visit_expr(e);
        v.found
    }

    /// Finds COM security setup calls (in the functions that name a COM
    /// security API) and whether any enables cloaking.
    fn scan_com_security(&mut self) {
        struct V<'i, 'a> {
            ix: &'i CrateIndex<'a>,
            fi: usize,
            base: SpanBase,
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
                            if !cloaks && api.name == "CoInitializeSecurity" && self.setup.is_none()
                            {
                                let last = p
                                    .path
                                    .segments
                                    .last()
                                    .map(|s| s.ident.span())
                                    .unwrap_or_else(proc_macro2::Span::call_site);
                                let file = &self.ix.files[self.fi].src.display;
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
        for id in 0..self.fns.len() {
            let Some(fx) = self.syntax[id].filter(|_| self.fns[id].com_hit) else {
                continue;
            };
            let mut v = V {
                ix: self,
                fi: self.fns[id].file,
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
        self.cloaking = cloaking;
        self.com_setup = setup;
    }

    /// Resolves a path through the file's imports and the crate's renames.
    pub fn full_path(&self, fi: usize, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.full_segments(fi, segs)
    }

    pub fn full_segments(&self, fi: usize, segs: Vec<String>) -> Vec<String> {
        let Some(first) = segs.first() else {
            return segs;
        };
        let mut out = match self.files[fi].uses.names.get(first) {
            Some(full) if !matches!(first.as_str(), "crate" | "self" | "super" | "Self") => {
                let mut v = full.clone();
                v.extend(segs[1..].iter().cloned());
                v
            }
            _ => segs,
        };
        // A second hop through the same file's imports (`use windows::Win32; use Win32::Security::*`).
        if out.len() > 1 {
            if let Some(full) = self.files[fi].uses.names.get(&out[0]) {
                if full.len() > 1 || full[0] != out[0] {
                    let mut v = full.clone();
                    v.extend(out[1..].iter().cloned());
                    out = v;
                }
            }
        }
        if let Some(first) = out.first_mut() {
            if let Some(real) = self.crate_renames.get(first.as_str()) {
                *first = real.clone();
            }
            if first == "windows48" {
                // handled by crate_renames when Cargo.toml is read; nothing to do here
            }
        }
        out
    }

    fn is_windows_root(&self, root: &str) -> bool {
        catalog::WINDOWS_CRATES.contains(&root)
    }

    /// The functions and methods named `name`, in id order.
    pub fn fns_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        self.fns_by_hash
            .get(&name_hash(name))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| self.fns[i].name == name)
    }

    /// Whether `name` is defined in this crate as a function with a body.
    pub fn defines_fn(&self, name: &str) -> bool {
        self.fns_named(name).any(|i| self.fns[i].self_ty.is_none())
    }

    /// Resolves a called or used path to a local function, a catalog API,
    /// or nothing known.
    pub fn resolve_path(&self, fi: usize, path: &syn::Path) -> Target {
        self.resolve_path_in(fi, path, None)
    }

    /// Like [`CrateIndex::resolve_path`], from code in module `from` (for
    /// module-relative lookups of local functions).
    pub fn resolve_path_in(&self, fi: usize, path: &syn::Path, from: Option<&[String]>) -> Target {
        let segs = self.full_path(fi, path);
        let Some(last) = segs.last().cloned() else {
            return Target::Unknown;
        };
        for b in &self.extra.begin {
            if extra_matches(b, &segs) {
                return Target::ExtraBegin(last);
            }
        }
        for e in &self.extra.end {
            if extra_matches(e, &segs) {
                return Target::ExtraEnd(last);
            }
        }
        let root = segs[0].as_str();
        let windows_rooted = segs.len() > 1 && self.is_windows_root(root);
        let local_root = matches!(root, "crate" | "self" | "super" | "Self");
        // Local functions shadow the catalog unless the path names a Windows crate.
        if !windows_rooted {
            if let Some(ids) = self.local_candidates(fi, &segs, from) {
                return Target::Local(ids);
            }
        }
        if local_root && !self.extern_fns.contains(last.as_str()) {
            return Target::Unknown;
        }
        if windows_rooted || self.extern_fns.contains(last.as_str()) {
            if let Some(api) = catalog::win32(&last) {
                return Target::Api(api);
            }
        }
        if let Some(api) = catalog::by_path(&segs) {
            return Target::Api(api);
        }
        if segs.len() == 1 {
            // A bare name: imported by glob from a Windows crate (or a local
            // re-export of one), or declared by hand.
            if let Some(api) = catalog::win32(&last) {
                let globbed = self.files[fi].uses.globs.iter().any(|g| {
                    g.first().is_some_and(|r| {
                        self.is_windows_root(&self.full_segments(fi, g.clone())[0])
                            || !self.crate_renames.is_empty() && self.crate_renames.contains_key(r)
                    })
                });
                let any_glob = !self.files[fi].uses.globs.is_empty();
                if globbed || any_glob || self.extern_fns.contains(last.as_str()) {
                    return Target::Api(api);
                }
            }
            // A glob-imported std/ecosystem item: try each glob's path.
            for g in &self.files[fi].uses.globs {
                let mut full = self.full_segments(fi, g.clone());
                full.push(last.clone());
                if let Some(api) = catalog::by_path(&full) {
                    return Target::Api(api);
                }
            }
        } else if !local_root {
            // A module path into a Windows crate via a local alias module
            // (`mod ffi { pub use windows_sys::Win32::Security::*; }`): the
            // last segment is a Win32 name and no local function has it.
            if let Some(api) = catalog::win32(&last) {
                if !self.defines_fn(&last)
                    && self.files.iter().any(|f| {
                        f.uses
                            .globs
                            .iter()
                            .any(|g| g.first().is_some_and(|r| self.is_windows_root(r)))
                    })
                {
                    return Target::Api(api);
                }
            }
        }
        Target::Unknown
    }

    /// Local functions a path may name: by last segment, narrowed by the
    /// type before it (`Type::f`) or by the module path (`util::f`,
    /// `crate::util::f`, `self::f`, `super::f`); a bare `f` names a function
    /// of the caller's own module or of a glob-imported local module.
    fn local_candidates(
        &self,
        fi: usize,
        segs: &[String],
        from: Option<&[String]>,
    ) -> Option<Vec<usize>> {
        let last = segs.last()?;
        let ids: Vec<usize> = self.fns_named(last).collect();
        if ids.is_empty() {
            return None;
        }
        let qualifier = if segs.len() >= 2 {
            Some(segs[segs.len() - 2].as_str())
        } else {
            None
        };
        let upper = |s: &str| s.chars().next().is_some_and(|c| c.is_uppercase());
        let chosen: Vec<usize> = match qualifier {
            Some(q) if q != "Self" && upper(q) => ids
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.as_deref() == Some(q))
                .collect(),
            Some("Self") => ids
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.is_some())
                .collect(),
            _ => {
                let free: Vec<usize> = ids
                    .iter()
                    .copied()
                    .filter(|&i| self.fns[i].self_ty.is_none())
                    .collect();
                let Some(from) = from else {
                    return if free.is_empty() { None } else { Some(free) };
                };
                let module_wanted: Option<Vec<String>> = if segs.len() == 1 {
                    Some(from.to_vec())
                } else {
                    let mut base: Vec<String> = from.to_vec();
                    let mut rest = &segs[..segs.len() - 1];
                    let mut anchored = false;
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "crate" => {
                                base.clear();
                                anchored = true;
                            }
                            "self" => anchored = true,
                            "super" => {
                                base.pop();
                                anchored = true;
                            }
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                    if anchored {
                        base.extend(rest.iter().cloned());
                        Some(base)
                    } else {
                        // `util::f`: a module path relative to here or to the crate root.
                        let suffix = rest.to_vec();
                        let found: Vec<usize> = free
                            .iter()
                            .copied()
                            .filter(|&i| self.fns[i].module.ends_with(&suffix))
                            .collect();
                        return if found.is_empty() { None } else { Some(found) };
                    }
                };
                let wanted = module_wanted.unwrap_or_default();
                let mut found: Vec<usize> = free
                    .iter()
                    .copied()
                    .filter(|&i| *self.fns[i].module == wanted[..])
                    .collect();
                if found.is_empty() && segs.len() == 1 {
                    // Glob imports of local modules (`use crate::util::*;`).
                    for g in &self.files[fi].uses.globs {
                        let g: Vec<String> = g
                            .iter()
                            .filter(|s| !matches!(s.as_str(), "crate" | "self" | "super"))
                            .cloned()
                            .collect();
                        found.extend(
                            free.iter()
                                .copied()
                                .filter(|&i| self.fns[i].module.ends_with(&g) && !g.is_empty()),
                        );
                    }
                }
                found
            }
        };
        if chosen.is_empty() {
            None
        } else {
            Some(chosen)
        }
    }

    /// Local methods named `name`, narrowed by the receiver's type when known.
    pub fn local_methods_named(&self, name: &str, receiver_ty: Option<&str>) -> Vec<usize> {
        let ids: Vec<usize> = self.fns_named(name).collect();
        let methods: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|&i| self.fns[i].self_ty.is_some() && self.fns[i].has_receiver)
            .collect();
        if let Some(t) = receiver_ty {
            let typed: Vec<usize> = methods
                .iter()
                .copied()
                .filter(|&i| self.fns[i].self_ty.as_deref() == Some(t))
                .collect();
            if !typed.is_empty() {
                return typed;
            }
            if self.local_types.contains(t) {
                return Vec::new();
            }
        }
        if methods.len() == 1 {
            methods
        } else {
            Vec::new()
        }
    }

    /// The type of a field of a local struct.
    pub fn field_type(&self, ty: &str, field: &str) -> Option<&[String]> {
        self.types
            .get(ty)?
            .fields
            .iter()
            .find(|(n, _)| n == field)
            .and_then(|(_, t)| t.as_deref())
    }

    /// A COM interface type: `I` + upper-case letter, not defined locally.
    pub fn is_com_interface(&self, ty: &str) -> bool {
        let mut c = ty.chars();
        c.next() == Some('I')
            && c.next().is_some_and(|x| x.is_ascii_uppercase())
            && !self.local_types.contains(ty)
    }
}

impl<'a> Collector<'a, '_> {
    fn display(&self) -> &str {
        &self.file.src.display
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

    fn collect_items(&mut self, items: &'a [syn::Item], module: &Arc<[String]>) {
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
                    self.push_fn(item, None, false, is_main, module);
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
                    if let Some((Some(_), p, _)) = &imp.trait_ {
                        if p.segments.last().is_some_and(|s| s.ident == "Send") {
                            self.items.asserted_not_send.push(self_ty.clone());
                        }
                    }
                    let is_drop_impl = trait_name.as_deref() == Some("Drop");
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
                            let k =
                                self.push_fn(item, Some(shared_ty.clone()), is_drop, false, module);
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
                                    module,
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
                    let not_send_marker = s.fields.iter().any(|f| type_not_send(&f.ty));
                    self.items.local_types.push(s.ident.to_string());
                    let loc = location(self.display(), s.ident.span());
                    self.items.types.push(TypeDef {
                        name: s.ident.to_string(),
                        loc,
                        fields,
                        not_send_marker,
                    });
                }
                syn::Item::Enum(e) => {
                    let not_send_marker = e
                        .variants
                        .iter()
                        .flat_map(|v| v.fields.iter())
                        .any(|f| type_not_send(&f.ty));
                    self.items.local_types.push(e.ident.to_string());
                    let loc = location(self.display(), e.ident.span());
                    self.items.types.push(TypeDef {
                        name: e.ident.to_string(),
                        loc,
                        fields: Vec::new(),
                        not_send_marker,
                    });
                }
                syn::Item::Type(t) => {
                    self.items.local_types.push(t.ident.to_string());
                }
                syn::Item::Union(u) => {
                    self.items.local_types.push(u.ident.to_string());
                }
                syn::Item::Const(c) => {
                    if string_value(&c.expr).is_some_and(|s| is_pipe_text(&s)) {
                        self.items.pipe_consts.push(c.ident.to_string());
                    }
                    if self.hit_between(&c.attrs, c.const_token.span, c.semi_token.span) {
                        self.items.hit_items.push(c.ident.to_string());
                    }
                }
                syn::Item::Static(s) => {
                    if string_value(&s.expr).is_some_and(|v| is_pipe_text(&v)) {
                        self.items.pipe_consts.push(s.ident.to_string());
                    }
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
                    if let Some((_, items)) = &m.content {
                        let mut inner = module.to_vec();
                        inner.push(m.ident.to_string());
                        self.collect_items(items, &inner.into());
                    }
                }
                syn::Item::Macro(m) => self.collect_macro_item(m),
                _ => {}
            }
        }
    }

    /// Items nested in function bodies (helper fns, statics).
    fn collect_nested(&mut self, block: &'a syn::Block, module: &Arc<[String]>) {
        for s in &block.stmts {
            if let syn::Stmt::Item(i) = s {
                self.collect_items(std::slice::from_ref(i), module);
            }
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
                let text = m.mac.tokens.to_string();
                if let Some((ty, traits)) = text.split_once(':') {
                    if traits.split(',').any(|t| t.trim() == "Send") {
                        if let Some(last) = ty.trim().rsplit("::").next() {
                            self.items.asserted_not_send.push(last.trim().to_string());
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
            let (mentions, _) = self.mentions.take();
            self.items.lazy_inits.push((name.to_string(), mentions));
        }
        let loc = location(self.display(), name.span());
        self.items.statics.push(StaticDef {
            name: name.to_string(),
            loc,
            ty: ty_text,
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
            self.syntax.fns.push(FnSyntax {
                sig,
                body,
                base: SpanBase::default(),
            });
            return self.syntax.fns.len() - 1;
        }
        let name = sig.ident.to_string();
        // The marker comment sits on a line before the item (before its
        // attributes). Most files have none: no line is looked up then.
        let marked = !self.file.impersonated_markers.is_empty() && {
            let first_line = attrs
                .iter()
                .map(|a| a.pound_token.span.start().line)
                .chain(std::iter::once(sig.fn_token.span.start().line))
                .min()
                .unwrap_or(0) as u32;
            let vis_line = sig.fn_token.span.start().line as u32;
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
        };
        let text_hit = self.hit_in(text.start, text.end);
        let com_hit = self.com_file
            && self
                .file
                .src
                .text
                .get(text.start..text.end)
                .is_some_and(|t| {
                    catalog::APIS
                        .iter()
                        .any(|a| a.role == Role::ComSecurity && t.contains(a.name))
                });
        self.mentions.visit_block(body);
        let (mentions, calls) = self.mentions.take();
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
            name_bytes: sig.ident.span().byte_range(),
            module: module.clone(),
            has_receiver: sig.receiver().is_some(),
            self_by_value: matches!(sig.receiver(), Some(r) if r.reference.is_none() && matches!(&*r.ty, syn::Type::Path(_))),
            ret_idents,
            mentions,
            calls,
            text_hit,
            closes_handle,
            com_hit,
            text,
        });
        self.items.fns.len() - 1
    }
}

/// Calls `f` on every identifier of a macro body's tokens, in groups too.
fn each_ident(ts: proc_macro2::TokenStream, f: &mut impl FnMut(&proc_macro2::Ident)) {
    for t in ts {
        match t {
            proc_macro2::TokenTree::Ident(i) => f(&i),
            proc_macro2::TokenTree::Group(g) => each_ident(g.stream(), f),
            _ => {}
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

/// The [`name_hash`]es of the identifiers a function body mentions (path
/// segments, method names, the tokens of macro bodies), and of those it may
/// call: callee paths' last segments, method names, functions passed by
/// name as arguments (in-place runners call them), and every identifier in
/// a macro body. Items nested in the body are functions of their own.
#[derive(Default)]
struct Mentions {
    all: Vec<u64>,
    calls: Vec<u64>,
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
    /// Both lists, sorted, without duplicates; leaves `self` empty for the
    /// next function.
    fn take(&mut self) -> (Box<[u64]>, Box<[u64]>) {
        (sorted(&mut self.all), sorted(&mut self.calls))
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
        self.all.push(ident_hash(i));
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
        // Macro bodies are tokens: their identifiers count too.
        each_ident(m.tokens.clone(), &mut |i| {
            let h = ident_hash(i);
            self.all.push(h);
            self.calls.push(h);
        });
        syn::visit::visit_macro(self, m);
    }
}

fn extra_matches(configured: &str, segs: &[String]) -> bool {
    let parts: Vec<&str> = configured.split("::").collect();
    let n = parts.len().min(segs.len());
    n > 0
        && parts[parts.len() - n..]
            .iter()
            .zip(&segs[segs.len() - n..])
            .all(|(a, b)| *a == b)
        && parts.last() == segs.last().map(String::as_str).as_ref()
}

/// Whether an expression mentions one of the named flags, by name or value.
pub fn mentions_flag(e: &syn::Expr, flags: &[(&str, u64)]) -> bool {
    struct V<'f>(&'f [(&'f str, u64)], bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if self.0.iter().any(|(n, _)| i == n) {
                self.1 = true;
            }
        }
        fn visit_lit_int(&mut self, l: &'ast syn::LitInt) {
            if let Ok(v) = l.base10_parse::<u64>() {
                if self.0.iter().any(|(_, x)| *x == v) {
                    self.1 = true;
                }
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let t = m.tokens.to_string();
            if self.0.iter().any(|(n, _)| t.contains(n)) {
                self.1 = true;
            }
        }
    }
    let mut v = V(flags, false);
    v.visit_expr(e);
    v.1
}

/// Reads `[dependencies]`-style renames from a Cargo.toml
/// (`win = { package = "windows", … }` → `win` means `windows`), with
/// dashes turned into underscores as rustc does.
pub fn cargo_renames(manifest: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(value) = manifest.parse::<toml::Table>() else {
        return out;
    };
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = value.get(key).and_then(|v| v.as_table()) {
            tables.push(t);
        }
    }
    if let Some(target) = value.get("target").and_then(|v| v.as_table()) {
        for (_, cfg) in target {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = cfg.get(key).and_then(|v| v.as_table()) {
                    tables.push(t);
                }
            }
        }
    }
    for t in tables {
        for (name, spec) in t {
            if let Some(pkg) = spec.get("package").and_then(|p| p.as_str()) {
                out.insert(name.replace('-', "_"), pkg.replace('-', "_"));
            }
        }
    }
    out
}

/// Lines holding `// imperlint: impersonated` markers.
pub fn impersonated_markers(text: &str) -> Vec<u32> {
    // Most files hold none: one substring search instead of a pass per line.
    if !text.contains("imperlint: impersonated") {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            t.starts_with("//")
                && t.trim_start_matches('/')
                    .trim_start()
                    .starts_with("imperlint: impersonated")
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

/// The module path of a file from its place under `src/` (or the folder of
/// its crate root): `src/lib.rs` → `[]`, `src/a/b.rs` → `[a, b]`,
/// `src/a/mod.rs` → `[a]`; `src/bin/x.rs`, `tests/x.rs` → `[]` (own crates).
pub fn file_module(path: &std::path::Path) -> Vec<String> {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(src) = comps.iter().rposition(|c| c == "src") else {
        return Vec::new();
    };
    let mut rest: Vec<String> = comps[src + 1..].to_vec();
    if rest.first().is_some_and(|f| f == "bin") {
        return Vec::new();
    }
    if let Some(last) = rest.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if !matches!(stem.as_str(), "mod" | "lib" | "main") {
            rest.push(stem);
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_resolve_aliases_groups_and_globs() {
        let f: syn::File = syn::parse_str(
            "use windows::Win32::{Foundation::{HANDLE, CloseHandle as close}, System::Pipes::*}; use windows_sys as ws; extern crate winapi as wa;",
        )
        .unwrap();
        let m = UseMap::build(&f);
        assert_eq!(
            m.names["close"],
            vec!["windows", "Win32", "Foundation", "CloseHandle"]
        );
        assert_eq!(m.names["ws"], vec!["windows_sys"]);
        assert_eq!(m.names["wa"], vec!["winapi"]);
        assert_eq!(
            m.globs,
            vec![vec![
                "windows".to_string(),
                "Win32".into(),
                "System".into(),
                "Pipes".into()
            ]]
        );
    }

    #[test]
    fn cargo_renames_are_read() {
        let r = cargo_renames(
            "[dependencies]\nwin = { package = \"windows\", version = \"0.48\" }\nserde = \"1\"\n",
        );
        assert_eq!(r.get("win").map(String::as_str), Some("windows"));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn markers_are_found() {
        assert_eq!(
            impersonated_markers("fn a() {}\n// imperlint: impersonated\nfn b() {}"),
            vec![2]
        );
    }
}
