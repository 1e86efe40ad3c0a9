//! The crate index: what a crate defines and imports. Each file's items
//! are collected on the thread that parsed it (`collect`, owned
//! [`FileItems`]) and merged per crate ([`CrateIndex::build`]) with the
//! syntax of the functions the analysis walks (parsed alone: `text`).
//! This file holds the model: functions, types, statics, the crate index
//! and its lookups by name. Its rooms: `file` (a file's `use` map, markers
//! and module path), `names` (identifiers as hashes), `text` (a function's
//! text and its syntax parsed alone), `collect` (the item collector),
//! `resolve` (paths to local functions and catalog APIs), `syntax` (small
//! readers of syntax). It does not walk function bodies for impersonation
//! state (that is `walk`), nor read what particular lints need of the
//! crate (that is `facts`).

use crate::diag::Location;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub mod collect;
pub mod expanded;
pub mod file;
pub mod names;
pub mod resolve;
pub mod syntax;
pub mod text;

use file::FileCx;
use names::{name_hash, NameMap, NameSet};
use text::{FnSyntax, FnText};

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
    /// Compiled only in debug builds (`#[cfg(debug_assertions)]`): what it
    /// checks, release builds do not.
    pub debug_only: bool,
    /// The bytes of the function's name in its file: its line and column
    /// are placed when needed ([`CrateIndex::name_loc`], by the file's line index).
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
    /// The identifiers its body and its parameters' types mention (path
    /// segments, method names, macro tokens), as [`name_hash`]es, sorted.
    /// Not those of items nested in it (they are functions of their own).
    pub mentions: Box<[u64]>,
    /// Those of its mentions it may call (see `Mentions`), sorted.
    pub calls: Box<[u64]>,
    /// Its text (attributes, signature, body) holds a prefilter pattern.
    pub text_hit: bool,
    /// Its body holds a pipe path's pattern (a `\\.\pipe\` literal, in a
    /// macro too): it may make a pipe path (value flow starts there).
    pub pipe_text: bool,
    /// It, its type or its module, or an identifier its body names, is
    /// named for a pipe (`open_pipe`, `PipeClient`, `ipc::pipe`,
    /// `pipe_name`): names may show a path it opens is a pipe.
    pub pipe_named: bool,
    /// For `Drop::drop`: the body closes a handle.
    pub closes_handle: bool,
    /// Its text names a COM security API (the cloaking scan reads it).
    pub com_hit: bool,
    /// Where its text is in the file, to parse it alone ([`FnText::parse`]).
    pub text: FnText,
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
    pub fn returns_type(&self, mut pred: impl FnMut(&str) -> bool) -> bool {
        self.ret_idents
            .iter()
            .any(|w| pred(w) || (w == "Self" && self.self_ty.as_deref().is_some_and(&mut pred)))
    }

    /// Whether the function returns a `Result` or an `Option`.
    pub fn returns_fallible(&self) -> bool {
        self.ret_idents
            .iter()
            .any(|w| w.contains("Result") || w == "Option")
    }
}

/// A struct, enum or union of the crate.
#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    pub loc: Location,
    /// Field name (or index) → the type's path segments (`type_path`).
    pub fields: Vec<(String, Option<Vec<String>>)>,
    /// Where its text is, to parse it again when a fact needs its field
    /// types (`auto_traits`): few types ever need them.
    pub text: ItemText,
}

/// Where an item's text is in its file: the item parsed alone, from its
/// keyword (`struct`, `enum`, `union`, `type`) to its end, gives its syntax
/// back without keeping the file's tree.
#[derive(Clone, Copy, Debug, Default)]
pub struct ItemText {
    pub file: usize,
    /// The file's expanded unit the item is in (a type the crate's own
    /// macro defines), as [`text::FnText::unit`].
    pub unit: Option<u32>,
    pub start: usize,
    pub end: usize,
}

impl ItemText {
    /// The item's text, in its file or the expansion that made it.
    pub fn text<'f>(&self, files: &'f [file::FileCx]) -> Option<&'f str> {
        let f = files.get(self.file)?;
        let whole = match self.unit {
            Some(u) => f.expansions.get(u as usize)?.text.as_str(),
            None => &f.src.text,
        };
        whole.get(self.start..self.end)
    }

    /// The item's syntax, parsed from its text (`None` when the text does
    /// not parse as `T`).
    pub fn parse<T: syn::parse::Parse>(&self, files: &[file::FileCx]) -> Option<T> {
        syn::parse_str(self.text(files)?).ok()
    }
}

/// What a type declares about an auto trait, instead of the compiler
/// working it out from its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declared {
    /// `unsafe impl Send for T {}` (no bounds): it has the trait.
    Always,
    /// `impl !Send for T {}`, `assert_not_impl_any!(T: Send)`: it has not.
    Never,
    /// `unsafe impl<U: Send> Send for T<U> {}`: it depends on the arguments.
    Conditional,
}

impl Declared {
    /// Two declarations of one type: a proof that it has not the trait
    /// wins; otherwise a condition makes the answer depend on the arguments.
    pub fn meet(self, other: Declared) -> Declared {
        match (self, other) {
            (Declared::Never, _) | (_, Declared::Never) => Declared::Never,
            (Declared::Always, Declared::Always) => Declared::Always,
            _ => Declared::Conditional,
        }
    }
}

/// An auto trait the compiler works out from a type's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AutoTrait {
    Send,
    Sync,
}

impl AutoTrait {
    pub fn name(self) -> &'static str {
        match self {
            AutoTrait::Send => "Send",
            AutoTrait::Sync => "Sync",
        }
    }
}

/// A `static`, `thread_local!` or `lazy_static!` item.
#[derive(Clone, Debug)]
pub struct StaticDef {
    pub name: String,
    pub loc: Location,
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
    /// Auto traits a type declares itself (`unsafe impl Send for T`,
    /// `impl !Send for T`, `assert_not_impl_any!(T: Send)`); where a type
    /// has several declarations, the least certain wins
    /// ([`Declared::meet`]).
    pub auto_impls: HashMap<(&'a str, AutoTrait), Declared>,
    /// Type aliases (`type Token = *mut c_void;`): where their text is.
    pub aliases: HashMap<&'a str, ItemText>,
    pub statics: HashMap<&'a str, &'a StaticDef>,
    /// Constants and statics whose string value holds a pipe path.
    pub pipe_consts: HashSet<&'a str>,
    /// Constants and statics whose value is a (short) string literal: their text.
    pub str_consts: HashMap<&'a str, &'a str>,
    /// Constants whose value holds `SECURITY_SQOS_PRESENT` (pipe-client flags).
    pub sqos_consts: HashSet<&'a str>,
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
    /// The `(major, minor)` version `Cargo.toml` pins for a dependency, by
    /// the name the code uses (`win`, not `windows`): bindings changed
    /// their types between versions (`HANDLE` was an `isize`, then a pointer).
    pub dep_versions: HashMap<String, (u64, u64)>,
    pub extra: Extra,
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
    /// Declared auto traits: type name, trait, positive (see
    /// [`CrateIndex::auto_impls`]).
    auto_impls: Vec<(String, AutoTrait, Declared)>,
    aliases: Vec<(String, ItemText)>,
    statics: Vec<StaticDef>,
    pipe_consts: Vec<String>,
    str_consts: Vec<(String, String)>,
    sqos_consts: Vec<String>,
    extern_fns: Vec<String>,
    local_types: Vec<String>,
    local_methods: Vec<String>,
    /// Lazily initialised statics: name and the names their initializer
    /// mentions (read by `facts`).
    pub(crate) lazy_inits: Vec<(String, Box<[u64]>)>,
    /// Constants and statics whose text holds a prefilter pattern, and the
    /// names imported by a `use` whose text holds one.
    hit_items: Vec<String>,
    /// New names of begin, end and token-saving APIs (`RevertToSelf as revert`).
    lifecycle_aliases: Vec<String>,
    /// The file's macro definitions, `mod` items and invocations that may
    /// name a local macro (see `expand`).
    pub macros: crate::expand::FileMacros,
    /// How many of `fns` the file's own text holds (the first ones; those
    /// after are made by macros, parsed from their expansion's text).
    pub own_fns: usize,
    /// The expanded units of the file whose text is parsed as items, and
    /// the functions in `fns` collected from each (in collection order).
    pub units: Vec<UnitFns>,
}

/// The functions collected from an expanded unit parsed as items.
#[derive(Clone, Debug)]
pub struct UnitFns {
    /// The unit (index in the file's expansions).
    pub unit: u32,
    /// Its functions: `fns[first..first + count]`.
    pub first: usize,
    pub count: usize,
}

impl FileItems {
    /// Sets the file index of the file's functions and item texts (known
    /// once every file of the crate is loaded and sorted).
    pub fn set_file(&mut self, fi: usize) {
        for f in &mut self.fns {
            f.file = fi;
        }
        for t in &mut self.types {
            t.text.file = fi;
        }
        for (_, t) in &mut self.aliases {
            t.file = fi;
        }
    }

    /// Adds the items collected from expanded unit `unit` of this file.
    pub fn absorb(&mut self, unit: u32, other: FileItems) {
        let first = self.fns.len();
        self.units.push(UnitFns {
            unit,
            first,
            count: other.fns.len(),
        });
        self.fns.extend(other.fns);
        self.types.extend(other.types);
        self.drops
            .extend(other.drops.into_iter().map(|(t, k)| (t, k + first)));
        self.auto_impls.extend(other.auto_impls);
        self.aliases.extend(other.aliases);
        self.statics.extend(other.statics);
        self.pipe_consts.extend(other.pipe_consts);
        self.extern_fns.extend(other.extern_fns);
        self.local_types.extend(other.local_types);
        self.local_methods.extend(other.local_methods);
        self.lazy_inits.extend(other.lazy_inits);
        self.hit_items.extend(other.hit_items);
        self.lifecycle_aliases.extend(other.lifecycle_aliases);
    }
}

/// What the analysis needs of a parsed file beyond its [`FileItems`]: the
/// syntax of its functions (in the same order) and the initializers of its
/// lazy statics.
#[derive(Default)]
pub struct FileSyntax<'a> {
    fns: Vec<FnSyntax<'a>>,
    /// Lazy statics' names and initializers (read by `facts`).
    pub(crate) lazy_inits: Vec<(String, syn::Expr)>,
}

impl<'a> CrateIndex<'a> {
    /// Merges the files' items into the crate's index. A function's syntax
    /// is `fn_syntax[id]` (parsed alone) or comes from `syntax[fi]` (its
    /// whole file parsed); functions with neither are not walked (the
    /// analysis asks the driver for the syntax it needs, which builds again).
    pub fn build(
        files: &'a [FileCx],
        items: &'a [FileItems],
        syntax: &[Option<FileSyntax<'a>>],
        mut fn_syntax: Vec<Option<FnSyntax<'a>>>,
        manifest: &resolve::Manifest,
        extra: Extra,
    ) -> CrateIndex<'a> {
        let mut ix = CrateIndex {
            files,
            fns: Vec::new(),
            syntax: Vec::new(),
            fns_by_hash: NameMap::default(),
            types: HashMap::new(),
            drops: HashMap::new(),
            auto_impls: HashMap::new(),
            aliases: HashMap::new(),
            statics: HashMap::new(),
            pipe_consts: HashSet::new(),
            str_consts: HashMap::new(),
            sqos_consts: HashSet::new(),
            extern_fns: HashSet::new(),
            local_types: HashSet::new(),
            local_methods: HashSet::new(),
            hit_names: NameSet::default(),
            lifecycle_aliases: NameSet::default(),
            crate_renames: manifest.renames.clone(),
            dep_versions: manifest.versions.clone(),
            extra,
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
            // The file's syntax holds its own functions; a function whose
            // body was expanded prefers its expanded text's.
            let aligned = fs.is_some_and(|s| s.fns.len() == it.own_fns);
            for (k, f) in it.fns.iter().enumerate() {
                let id = ix.fns.len();
                ix.fns.push(f);
                let alone = fn_syntax.get_mut(id).and_then(Option::take);
                let own = fs.filter(|_| aligned && k < it.own_fns).map(|s| s.fns[k]);
                ix.syntax.push(if f.text.unit.is_some() {
                    alone.or(own)
                } else {
                    own.or(alone)
                });
            }
            for t in &it.types {
                ix.types.insert(&t.name, t);
            }
            for (t, k) in &it.drops {
                ix.drops.insert(t, base + k);
            }
            for (t, tr, d) in &it.auto_impls {
                let e = ix.auto_impls.entry((t.as_str(), *tr)).or_insert(*d);
                *e = e.meet(*d);
            }
            for (a, t) in &it.aliases {
                ix.aliases.insert(a, *t);
            }
            for s in &it.statics {
                ix.statics.insert(&s.name, s);
            }
            ix.pipe_consts
                .extend(it.pipe_consts.iter().map(String::as_str));
            ix.str_consts
                .extend(it.str_consts.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            ix.sqos_consts
                .extend(it.sqos_consts.iter().map(String::as_str));
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
        ix
    }

    /// Where function `id`'s name is.
    pub fn name_loc(&self, id: usize) -> Location {
        let f = self.fns[id];
        self.files[f.file].location_of(f.name_bytes.clone())
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

    /// The type of a field of a local struct.
    pub fn field_type(&self, ty: &str, field: &str) -> Option<&[String]> {
        self.types
            .get(ty)?
            .fields
            .iter()
            .find(|(n, _)| n == field)
            .and_then(|(_, t)| t.as_deref())
    }
}
