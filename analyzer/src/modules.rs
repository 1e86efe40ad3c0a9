//! Which files a crate's module tree pulls in, from the syntax: `mod x;`
//! (with `#[path = ".."]`, also under `#[cfg_attr(.., path = "..")]`),
//! inline `mod a { .. }` blocks (they add a folder), and item-level
//! `include!("..")`. This module owns the scan and rustc's rules for where
//! each of these points; it does not touch the file system (`source` does,
//! and normalises and bounds every path it follows).
//!
//! The scan is a small lexer, not a parser: it skips comments and every
//! kind of string and character literal, tracks brackets, and reads only
//! the tokens of items at module level: the file's top level, an inline
//! module's body, and the arguments of a macro invoked there (`cfg_if!`,
//! `cfg_net! { pub mod net; }`: the items they pass through are loaded once
//! expanded). So a `mod x;` or `include!("..")` written in a comment, a doc
//! comment, a string, a function body or a `macro_rules!` body is never
//! followed, and the driver and the prefilter see the same files because
//! both take them from here. It is linear in the text and never fails: on
//! broken text it follows what it can read (the parse reports the error).
//!
//! Where a declaration points (the Rust Reference, "Modules"): a crate root,
//! a `mod.rs` and a file loaded through `#[path]` own their folder (their
//! `mod x;` is `x.rs` or `x/mod.rs` beside them); any other file `a.rs`
//! looks in `a/`. A `#[path]` outside inline modules is relative to the
//! file's folder; inside inline modules, to the folder they add; on an
//! inline module, it names that folder. `include!` is relative to the
//! including file's folder; the included file's items belong to the
//! including module, and its own `mod x;` are relative to its folder (as in
//! `windows`, whose `src/lib.rs` includes `Windows/mod.rs`).

use std::path::{Path, PathBuf};

/// An inline module a declaration sits in: `mod name { .. }`, or
/// `#[path = "dir"] mod name { .. }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inline {
    pub name: String,
    pub path: Option<String>,
}

/// A file a file pulls in, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// `mod name;` inside `inline`, with the `#[path]` values of its
    /// attributes (several only under `cfg_attr`: each is followed), and
    /// whether the default place (`name.rs`, `name/mod.rs`) counts too: when
    /// there is no `#[path]`, or only under `cfg_attr`.
    Module {
        inline: Vec<Inline>,
        name: String,
        paths: Vec<String>,
        default_too: bool,
    },
    /// Item-level `include!("path")` inside `inline`; with `from_manifest`,
    /// `include!(concat!(env!("CARGO_MANIFEST_DIR"), "path"..))`, relative
    /// to the package's folder.
    Include {
        inline: Vec<Inline>,
        path: String,
        from_manifest: bool,
    },
}

/// A module's place: the folder its declarations are relative to, and
/// whether its own name is still to be added for plain `mod x;` (rustc's
/// `DirOwnership::Owned { relative }`: `Some("a")` for a file `a.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModCx {
    pub dir: PathBuf,
    pub relative: Option<String>,
    /// The module path from the crate root (`[]` for the root).
    pub module: Vec<String>,
}

impl ModCx {
    /// The place of a crate root (or of any file that owns its folder).
    pub fn root(file: &Path) -> ModCx {
        ModCx {
            dir: parent(file),
            relative: None,
            module: Vec::new(),
        }
    }

    /// The place of a file found without a crate root (a folder with no
    /// `Cargo.toml`): `lib.rs`, `main.rs` and `mod.rs` own their folder,
    /// any other `a.rs` looks in `a/`.
    pub fn loose(file: &Path) -> ModCx {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        ModCx {
            dir: parent(file),
            relative: (!matches!(stem.as_str(), "lib" | "main" | "mod")).then_some(stem),
            module: Vec::new(),
        }
    }

    /// The place inside `inline`.
    fn enter(&self, inline: &[Inline]) -> ModCx {
        let mut cx = self.clone();
        for m in inline {
            match &m.path {
                Some(p) => cx.dir = cx.dir.join(p),
                None => {
                    if let Some(rel) = cx.relative.take() {
                        cx.dir.push(rel);
                    }
                    cx.dir.push(&m.name);
                }
            }
            cx.relative = None;
            cx.module.push(m.name.clone());
        }
        cx
    }
}

fn parent(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A file a reference may point to, and the place its own declarations
/// take. A `mod x;` without `#[path]` has two candidates (`x.rs`,
/// `x/mod.rs`): the caller keeps those that exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub cx: ModCx,
}

/// Where `reference`, found in `file` whose place is `cx`, may point;
/// `manifest_dir` is the package's folder, if any.
pub fn candidates(
    file: &Path,
    cx: &ModCx,
    reference: &Reference,
    manifest_dir: Option<&Path>,
) -> Vec<Candidate> {
    match reference {
        Reference::Module {
            inline,
            name,
            paths,
            default_too,
        } => {
            let here = cx.enter(inline);
            let mut module = here.module.clone();
            module.push(name.clone());
            let mut out = Vec::new();
            for p in paths {
                // Outside inline modules, relative to the file's folder
                // (for `a.rs`, not `a/`); inside, to the folder they add.
                let base = if inline.is_empty() {
                    &cx.dir
                } else {
                    &here.dir
                };
                let path = base.join(p);
                out.push(Candidate {
                    cx: ModCx {
                        dir: parent(&path),
                        relative: None,
                        module: module.clone(),
                    },
                    path,
                });
            }
            if *default_too {
                let mut dir = here.dir.clone();
                if let Some(rel) = &here.relative {
                    dir.push(rel);
                }
                out.push(Candidate {
                    path: dir.join(format!("{name}.rs")),
                    cx: ModCx {
                        dir: dir.clone(),
                        relative: Some(name.clone()),
                        module: module.clone(),
                    },
                });
                out.push(Candidate {
                    path: dir.join(name).join("mod.rs"),
                    cx: ModCx {
                        dir: dir.join(name),
                        relative: None,
                        module,
                    },
                });
            }
            out
        }
        Reference::Include {
            inline,
            path,
            from_manifest,
        } => {
            // The included file's declarations are relative to its own
            // folder (rustc's `expand_include`), its items belong to the
            // including module.
            let path = match (from_manifest, manifest_dir) {
                (false, _) => parent(file).join(path),
                // `concat!` glues the folder and the rest as text.
                (true, Some(dir)) => PathBuf::from(format!("{}{path}", dir.display())),
                (true, None) => return Vec::new(),
            };
            vec![Candidate {
                cx: ModCx {
                    dir: parent(&path),
                    relative: None,
                    module: cx.enter(inline).module,
                },
                path,
            }]
        }
    }
}

/// A token of the scan. Literals other than plain and raw strings (byte
/// and C strings, characters, numbers) and punctuation the scan does not
/// use are `Other`. Tokens borrow the text: a file's tokens are never all
/// in memory (see [`Stream`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    /// `r#name`: a name, never a keyword.
    Raw(&'a str),
    /// A string literal's body as written: plain (`cooked`: escapes to
    /// decode) or raw.
    Str {
        body: &'a str,
        cooked: bool,
    },
    Punct(u8),
    Other,
}

impl Tok<'_> {
    /// A string literal's value (escapes decoded; an unknown escape is kept
    /// as written).
    fn value(&self) -> Option<String> {
        let Tok::Str { body, cooked } = *self else {
            return None;
        };
        if !cooked || !body.contains('\\') {
            return Some(body.to_string());
        }
        let mut value = String::new();
        let mut j = 0;
        let mut run = 0;
        while let Some(k) = body[j..].find('\\') {
            let at = j + k;
            value.push_str(&body[run..at]);
            let (next, decoded) = escape(body, at);
            value.push_str(&decoded);
            j = next;
            run = next;
        }
        value.push_str(&body[run..]);
        Some(value)
    }
}

/// The next token of `text` from `*i` (skipping whitespace and comments),
/// and `*i` moved past it; `None` at the end.
fn next_token<'a>(text: &'a str, i: &mut usize) -> Option<Tok<'a>> {
    let b = text.as_bytes();
    let n = b.len();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    while *i < n {
        let c = b[*i];
        if c.is_ascii_whitespace() {
            *i += 1;
            continue;
        }
        if c == b'/' && b.get(*i + 1) == Some(&b'/') {
            *i = text[*i..].find('\n').map_or(n, |e| *i + e + 1);
            continue;
        }
        if c == b'/' && b.get(*i + 1) == Some(&b'*') {
            // Block comments nest.
            let mut depth = 0usize;
            while *i < n {
                if b[*i] == b'/' && b.get(*i + 1) == Some(&b'*') {
                    depth += 1;
                    *i += 2;
                } else if b[*i] == b'*' && b.get(*i + 1) == Some(&b'/') {
                    depth -= 1;
                    *i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    *i += 1;
                }
            }
            continue;
        }
        // String-like literals with a prefix: r"..", r#".."#, b"..", br"..",
        // c"..", cr"..", b'..'.
        let (prefix, raw) = match (c, b.get(*i + 1), b.get(*i + 2)) {
            (b'r', Some(b'"' | b'#'), _) if raw_string_at(b, *i + 1) => (1, true),
            (b'b' | b'c', Some(b'r'), Some(b'"' | b'#')) if raw_string_at(b, *i + 2) => (2, true),
            (b'b' | b'c', Some(b'"'), _) => (1, false),
            (b'b', Some(b'\''), _) => {
                *i = skip_char_literal(b, *i + 1);
                return Some(Tok::Other);
            }
            _ => (0, false),
        };
        if raw {
            let (end, body) = raw_string(text, *i + prefix);
            *i = end;
            // br".." and cr"..": not a path.
            return Some(if prefix == 1 {
                Tok::Str {
                    body,
                    cooked: false,
                }
            } else {
                Tok::Other
            });
        }
        if prefix == 1 {
            // b".." or c"..": not a path.
            *i = cooked_string(text, *i + 1).0;
            return Some(Tok::Other);
        }
        if c == b'"' {
            let (end, body) = cooked_string(text, *i);
            *i = end;
            return Some(Tok::Str { body, cooked: true });
        }
        if c == b'\'' {
            *i = skip_char_or_lifetime(text, *i);
            return Some(Tok::Other);
        }
        if c.is_ascii_digit() {
            while *i < n
                && (is_ident(b[*i])
                    || (b[*i] == b'.' && b.get(*i + 1).is_some_and(u8::is_ascii_digit)))
            {
                *i += 1;
            }
            return Some(Tok::Other);
        }
        if is_ident(c) {
            let raw = c == b'r'
                && b.get(*i + 1) == Some(&b'#')
                && b.get(*i + 2).is_some_and(|&c| is_ident(c));
            if raw {
                *i += 2;
            }
            let start = *i;
            while *i < n && is_ident(b[*i]) {
                *i += 1;
            }
            // `*i` only stops at an ASCII byte or the end: a char boundary.
            let word = &text[start..*i];
            return Some(if raw {
                Tok::Raw(word)
            } else {
                Tok::Ident(word)
            });
        }
        *i += 1;
        return Some(match c {
            b'{' | b'}' | b'(' | b')' | b'[' | b']' | b';' | b'#' | b'!' | b'=' | b',' | b':' => {
                Tok::Punct(c)
            }
            _ => Tok::Other,
        });
    }
    None
}

/// The tokens of a text, lexed as they are looked at, with as much
/// lookahead as the scan asks for (a handful of tokens).
struct Stream<'a> {
    text: &'a str,
    pos: usize,
    ahead: std::collections::VecDeque<Tok<'a>>,
}

impl<'a> Stream<'a> {
    fn new(text: &'a str) -> Stream<'a> {
        Stream {
            text,
            pos: 0,
            ahead: std::collections::VecDeque::new(),
        }
    }

    /// The token `k` places ahead (0: the current one).
    fn peek(&mut self, k: usize) -> Option<Tok<'a>> {
        while self.ahead.len() <= k {
            let t = next_token(self.text, &mut self.pos)?;
            self.ahead.push_back(t);
        }
        Some(self.ahead[k])
    }

    /// Moves `n` tokens on.
    fn bump(&mut self, n: usize) {
        for _ in 0..n {
            if self.ahead.pop_front().is_none() && next_token(self.text, &mut self.pos).is_none() {
                return;
            }
        }
    }
}

/// Whether `b[i..]` starts a raw string's hashes and quote (`#*"`).
fn raw_string_at(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    b.get(j) == Some(&b'"')
}

/// A raw string starting at its `#*"`: (the index after it, its body).
fn raw_string(text: &str, i: usize) -> (usize, &str) {
    let b = text.as_bytes();
    let mut j = i;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    let hashes = j - i;
    let body = j + 1;
    let closing = format!("\"{}", "#".repeat(hashes));
    match text.get(body..).and_then(|rest| rest.find(&closing)) {
        Some(e) => (body + e + closing.len(), &text[body..body + e]),
        None => (text.len(), ""),
    }
}

/// A plain string starting at its quote: (the index after it, its body as
/// written).
fn cooked_string(text: &str, i: usize) -> (usize, &str) {
    let b = text.as_bytes();
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return (j + 1, &text[i + 1..j]),
            // An escape: whatever follows cannot end the string.
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    (b.len(), text.get(i + 1..).unwrap_or(""))
}

/// The escape at `text[i] == '\\'`: (the index after it, what it stands for).
fn escape(text: &str, i: usize) -> (usize, String) {
    let b = text.as_bytes();
    let Some(&c) = b.get(i + 1) else {
        return (b.len(), String::new());
    };
    let simple = |s: &str| (i + 2, s.to_string());
    match c {
        b'n' => simple("\n"),
        b'r' => simple("\r"),
        b't' => simple("\t"),
        b'0' => simple("\0"),
        b'\\' => simple("\\"),
        b'"' => simple("\""),
        b'\'' => simple("'"),
        b'\n' => {
            // A continued line: the newline and the next line's indentation go.
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            (j, String::new())
        }
        b'x' => {
            let hex = text.get(i + 2..i + 4).unwrap_or("");
            match u8::from_str_radix(hex, 16) {
                Ok(v) if v < 0x80 => (i + 4, char::from(v).to_string()),
                _ => (i + 2, "\\x".to_string()),
            }
        }
        b'u' if b.get(i + 2) == Some(&b'{') => {
            let close = text[i..].find('}').map(|e| i + e);
            let decoded = close.and_then(|e| {
                let digits: String = text[i + 3..e].chars().filter(|&c| c != '_').collect();
                u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
            });
            match (close, decoded) {
                (Some(e), Some(ch)) => (e + 1, ch.to_string()),
                _ => (i + 2, "\\u".to_string()),
            }
        }
        _ => {
            // Keep the character after the backslash whole.
            let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
            (i + 1 + len, text[i..i + 1 + len].to_string())
        }
    }
}

/// A byte-character literal after its `b`, at the quote: the index after it.
fn skip_char_literal(b: &[u8], quote: usize) -> usize {
    let mut j = quote + 1;
    if b.get(j) == Some(&b'\\') {
        j += 2;
    }
    while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
        j += 1;
    }
    (j + 1).min(b.len())
}

/// A character literal or a lifetime (or label) at a quote: the index
/// after it.
fn skip_char_or_lifetime(text: &str, quote: usize) -> usize {
    let b = text.as_bytes();
    if b.get(quote + 1) == Some(&b'\\') {
        return skip_char_literal(b, quote);
    }
    let Some(ch) = text[quote + 1..].chars().next() else {
        return b.len();
    };
    let after = quote + 1 + ch.len_utf8();
    if b.get(after) == Some(&b'\'') {
        return after + 1;
    }
    // A lifetime: `'a`, `'static`, `'r#a`. Its name is not needed.
    let mut j = quote + 1;
    while j < b.len()
        && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'#' || b[j] >= 0x80)
    {
        j += 1;
    }
    j.max(quote + 1)
}

/// What an open bracket began.
enum Frame {
    /// The body of an inline module: items are read there.
    Module(Inline),
    /// The arguments of a macro invoked at item level (`cfg_if! { .. }`,
    /// `cfg_net! { pub mod net; }`): the items they pass through are read,
    /// in nested brackets too, as rustc loads them once expanded.
    Macro,
    /// Anything else: a function body, an `impl`, a `macro_rules!` body, a
    /// parenthesis, an expression. Nothing inside is read.
    Other,
}

/// The files `text` pulls in, in order (see the module documentation).
pub fn references(text: &str) -> Vec<Reference> {
    // Most files declare nothing: no need to lex them.
    if !may_reference(text) {
        return Vec::new();
    }
    let mut s = Stream::new(text);
    let mut out = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let inline = |frames: &[Frame]| -> Vec<Inline> {
        frames
            .iter()
            .filter_map(|f| match f {
                Frame::Module(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    };
    // `#[path]` values of the outer attributes before the next item, and
    // whether one was under `cfg_attr` (then the default place counts too).
    let mut pending: Vec<String> = Vec::new();
    let mut conditional = false;
    // Whether an item may start here (after `;`, `}`, an attribute, an
    // opening brace, or at the start), to tell an item-level `include!`
    // from an expression (`= include!(..)`).
    let mut at_item_start = true;
    while let Some(tok) = s.peek(0) {
        let readable = frames.iter().all(|f| !matches!(f, Frame::Other));
        if !readable {
            match tok {
                Tok::Punct(b'{' | b'(' | b'[') => frames.push(Frame::Other),
                Tok::Punct(b'}' | b')' | b']') => {
                    frames.pop();
                    if frames.iter().all(|f| !matches!(f, Frame::Other)) {
                        // Back where items are read: a braced item ended
                        // (or a parenthesis in an item's header did).
                        at_item_start = tok == Tok::Punct(b'}');
                        if at_item_start {
                            pending.clear();
                            conditional = false;
                        }
                    }
                }
                _ => {}
            }
            s.bump(1);
            continue;
        }
        let in_macro = matches!(frames.last(), Some(Frame::Macro));
        match tok {
            Tok::Punct(b'#') => {
                // `#[..]` or `#![..]`: read the attribute, keep its paths
                // when it is an outer one.
                let inner = s.peek(1) == Some(Tok::Punct(b'!'));
                let open = 1 + usize::from(inner);
                if s.peek(open) == Some(Tok::Punct(b'[')) {
                    s.bump(open);
                    let (paths, under_cfg) = attribute(&mut s);
                    if !inner {
                        conditional |= under_cfg && !paths.is_empty();
                        pending.extend(paths);
                    }
                    at_item_start = true;
                    continue;
                }
                at_item_start = false;
            }
            Tok::Ident("mod") => {
                if let Some(Tok::Ident(name) | Tok::Raw(name)) = s.peek(1) {
                    match s.peek(2) {
                        Some(Tok::Punct(b';')) => {
                            let paths = std::mem::take(&mut pending);
                            out.push(Reference::Module {
                                inline: inline(&frames),
                                name: name.to_string(),
                                default_too: paths.is_empty() || conditional,
                                paths,
                            });
                            conditional = false;
                            s.bump(3);
                            at_item_start = true;
                            continue;
                        }
                        Some(Tok::Punct(b'{')) => {
                            frames.push(Frame::Module(Inline {
                                name: name.to_string(),
                                path: pending.first().cloned(),
                            }));
                            pending.clear();
                            conditional = false;
                            s.bump(3);
                            at_item_start = true;
                            continue;
                        }
                        _ => {}
                    }
                }
                at_item_start = false;
            }
            Tok::Ident("include") if at_item_start => {
                if let Some((path, from_manifest, used)) = include_argument(&mut s) {
                    out.push(Reference::Include {
                        inline: inline(&frames),
                        path,
                        from_manifest,
                    });
                    pending.clear();
                    conditional = false;
                    s.bump(used);
                    at_item_start = false;
                    continue;
                }
                at_item_start = false;
            }
            // `::` and the path segments before it at an item's start
            // (`core::include!`, `::std::include!`): still the item's start.
            Tok::Punct(b':') if at_item_start => {}
            Tok::Ident(_)
                if at_item_start
                    && s.peek(1) == Some(Tok::Punct(b':'))
                    && s.peek(2) == Some(Tok::Punct(b':')) => {}
            Tok::Ident(name)
                if name != "macro_rules"
                    && s.peek(1) == Some(Tok::Punct(b'!'))
                    && matches!(s.peek(2), Some(Tok::Punct(b'(' | b'[' | b'{'))) =>
            {
                // An item-level macro invocation: read what it passes through.
                frames.push(Frame::Macro);
                s.bump(3);
                at_item_start = true;
                continue;
            }
            Tok::Punct(b'{' | b'(' | b'[') => {
                // Inside a macro's arguments, nested brackets are read too
                // (`cfg_if! { if #[cfg(unix)] { mod unix; } }`).
                frames.push(if in_macro { Frame::Macro } else { Frame::Other });
                at_item_start = true;
            }
            Tok::Punct(b'}' | b')' | b']') => {
                // The end of an inline module or of a macro's brackets.
                frames.pop();
                pending.clear();
                conditional = false;
                at_item_start = true;
            }
            Tok::Punct(b';') => {
                pending.clear();
                conditional = false;
                at_item_start = true;
            }
            _ => at_item_start = false,
        }
        s.bump(1);
    }
    out
}

/// Whether `text` holds the word `mod` or `include` anywhere (comments and
/// strings too): a quick search that rules out the many files with no
/// module of their own (most generated bindings) before any lexing.
fn may_reference(text: &str) -> bool {
    let b = text.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let word = |w: &str| {
        text.match_indices(w).any(|(i, _)| {
            let starts = i == 0 || !is_ident(b[i - 1]);
            let ends = !b.get(i + w.len()).is_some_and(|&c| is_ident(c));
            starts && ends
        })
    };
    word("mod") || word("include")
}

/// At `include` (followed by `!` and a bracket): its argument, a string
/// literal or `concat!(env!("CARGO_MANIFEST_DIR"), "lit", ..)` (macros may
/// be written with their paths, `core::concat!`), whether it is the latter,
/// and the number of tokens up to the invocation's closing bracket.
fn include_argument(s: &mut Stream<'_>) -> Option<(String, bool, usize)> {
    let is_open = |t: Option<Tok<'_>>| matches!(t, Some(Tok::Punct(b'(' | b'[' | b'{')));
    let is_close = |t: Option<Tok<'_>>| matches!(t, Some(Tok::Punct(b')' | b']' | b'}')));
    // After the macro `name` (with its path) at `j`: the index after its
    // opening bracket.
    let invocation = |s: &mut Stream<'_>, mut j: usize, name: &str| -> Option<usize> {
        while s.peek(j) == Some(Tok::Punct(b':')) {
            j += 1;
        }
        while let (Some(Tok::Ident(_)), Some(Tok::Punct(b':'))) = (s.peek(j), s.peek(j + 1)) {
            j += 3;
        }
        let named = s.peek(j) == Some(Tok::Ident(name)) && s.peek(j + 1) == Some(Tok::Punct(b'!'));
        (named && is_open(s.peek(j + 2))).then_some(j + 3)
    };
    if s.peek(1) != Some(Tok::Punct(b'!')) || !is_open(s.peek(2)) {
        return None;
    }
    if let Some(value) = s.peek(3).and_then(|t| t.value()) {
        return is_close(s.peek(4)).then_some((value, false, 5));
    }
    let j = invocation(s, 3, "concat")?;
    let j = invocation(s, j, "env")?;
    let var = s.peek(j).and_then(|t| t.value());
    if var.as_deref() != Some("CARGO_MANIFEST_DIR") || !is_close(s.peek(j + 1)) {
        return None;
    }
    let mut j = j + 2;
    let mut path = String::new();
    while s.peek(j) == Some(Tok::Punct(b',')) {
        match s.peek(j + 1).and_then(|t| t.value()) {
            Some(part) => path.push_str(&part),
            None => break,
        }
        j += 2;
    }
    if s.peek(j) == Some(Tok::Punct(b',')) {
        j += 1;
    }
    (is_close(s.peek(j)) && is_close(s.peek(j + 1))).then_some((path, true, j + 2))
}

/// At an attribute's `[`: reads it to its `]` and gives the values of
/// `path = ".."` in it when it is `#[path = ..]` or
/// `#[cfg_attr(.., path = ..)]`, and whether it is the latter.
fn attribute(s: &mut Stream<'_>) -> (Vec<String>, bool) {
    let mut depth = 0usize;
    let mut paths = Vec::new();
    let kind = match s.peek(1) {
        Some(Tok::Ident(k)) => k,
        _ => "",
    };
    let mut previous = None;
    while let Some(tok) = s.peek(0) {
        s.bump(1);
        match tok {
            Tok::Punct(b'[' | b'(' | b'{') => depth += 1,
            Tok::Punct(b']' | b')' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Tok::Ident("path") if matches!(kind, "path" | "cfg_attr") => {
                // `path` at the attribute's top, or a direct argument of
                // `cfg_attr` (after its predicate).
                let direct = (kind == "path" && depth == 1)
                    || (kind == "cfg_attr" && depth == 2 && previous == Some(Tok::Punct(b',')));
                if direct && s.peek(0) == Some(Tok::Punct(b'=')) {
                    if let Some(v) = s.peek(1).and_then(|t| t.value()) {
                        paths.push(v);
                    }
                }
            }
            _ => {}
        }
        previous = Some(tok);
    }
    (paths, kind == "cfg_attr")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(inline: &[&str], name: &str, paths: &[&str]) -> Reference {
        Reference::Module {
            inline: inline
                .iter()
                .map(|n| Inline {
                    name: n.to_string(),
                    path: None,
                })
                .collect(),
            name: name.into(),
            paths: paths.iter().map(|p| p.to_string()).collect(),
            default_too: paths.is_empty(),
        }
    }

    fn include(path: &str) -> Reference {
        Reference::Include {
            inline: Vec::new(),
            path: path.into(),
            from_manifest: false,
        }
    }

    #[test]
    fn declarations_are_read_from_items() {
        let text = r#"
            //! Crate docs: `include!("docs.rs")` and `mod doc;` are prose.
            mod a;
            pub(crate) mod b ;
            #[cfg(windows)] pub mod r#c;
            #[path = "gen/x.rs"] mod x;
            #[cfg_attr(unix, path = "u.rs")] #[cfg_attr(windows, path = r"w.rs")] mod os;
            mod inner { mod deep; fn f() { mod not_followed; } }
            include!("items.rs");
            include! { "braced.rs" }
            #[cfg(feature = "implement")]
            core::include!("impl.rs");
            ::std::include!("std.rs");
            core::include!(core::concat!(core::env!("CARGO_MANIFEST_DIR"), "/src/includes/", "w.rs"));
            include!(concat!(env!("OUT_DIR"), "/generated.rs"));
            static T: [u8; 3] = include!("expr.rs");
            const S: &str = "mod in_string; include!(\"s.rs\")";
            /* mod in_comment; /* nested */ include!("c.rs"); */
            fn body() { include!("body.rs"); }
            macro_rules! m { () => { mod in_macro_rules; } }
            impl X { const Y: () = (); }
            cfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } else { #[path = "w.rs"] mod win; } }
            cfg_net! { pub mod net; }
            mod after;
        "#;
        assert_eq!(
            references(text),
            [
                module(&[], "a", &[]),
                module(&[], "b", &[]),
                module(&[], "c", &[]),
                module(&[], "x", &["gen/x.rs"]),
                Reference::Module {
                    inline: Vec::new(),
                    name: "os".into(),
                    paths: vec!["u.rs".into(), "w.rs".into()],
                    default_too: true,
                },
                module(&["inner"], "deep", &[]),
                include("items.rs"),
                include("braced.rs"),
                include("impl.rs"),
                include("std.rs"),
                Reference::Include {
                    inline: Vec::new(),
                    path: "/src/includes/w.rs".into(),
                    from_manifest: true,
                },
                module(&[], "unix", &[]),
                module(&[], "win", &["w.rs"]),
                module(&[], "net", &[]),
                module(&[], "after", &[]),
            ]
        );
    }

    #[test]
    fn literals_and_lifetimes_do_not_derail_the_scan() {
        let text = r##"
            fn f<'a>(x: &'a str) -> char { let _ = '"'; let _ = '\''; let _ = b'"'; 'x' }
            const R: &str = r#"a " mod no; "#;
            const B: &[u8] = br"mod no;";
            const E: &str = "\"mod no;\\";
            mod yes;
            #[path = "a\x2fb.rs"] mod escaped;
            #[path = "caf\u{e9}.rs"] mod unicode;
        "##;
        assert_eq!(
            references(text),
            [
                module(&[], "yes", &[]),
                module(&[], "escaped", &["a/b.rs"]),
                module(&[], "unicode", &["café.rs"]),
            ]
        );
    }

    #[test]
    fn files_that_declare_nothing_are_not_lexed() {
        assert!(!may_reference(
            "// the model module\nfn include_all() { include_str!(\"x\"); }"
        ));
        assert!(may_reference("pub mod/* odd */r#async ;"));
        assert!(may_reference("core::include/**/!(\"x.rs\");"));
    }

    #[test]
    fn broken_text_is_read_as_far_as_it_goes() {
        for text in [
            "mod a",
            "mod",
            "#[path = ",
            "include!(\"x",
            "/* mod a;",
            "} } mod b;",
            "'",
            "r#\"",
            "\"\\u{",
        ] {
            let _ = references(text);
        }
        assert_eq!(references("} } mod b;"), [module(&[], "b", &[])]);
    }

    fn cand(file: &str, cx: &ModCx, r: &Reference) -> Vec<(String, Option<String>, Vec<String>)> {
        candidates(Path::new(file), cx, r, Some(Path::new("p")))
            .into_iter()
            .map(|c| {
                (
                    c.path.to_string_lossy().into_owned(),
                    c.cx.relative,
                    c.cx.module,
                )
            })
            .collect()
    }

    #[test]
    fn declarations_point_where_rustc_looks() {
        let root = ModCx::root(Path::new("p/src/lib.rs"));
        assert_eq!(
            cand("p/src/lib.rs", &root, &module(&[], "a", &[])),
            [
                ("p/src/a.rs".into(), Some("a".into()), vec!["a".to_string()]),
                ("p/src/a/mod.rs".into(), None, vec!["a".to_string()]),
            ]
        );
        // In `src/a.rs`: plain modules in `src/a/`, `#[path]` beside the file.
        let a = &candidates(
            Path::new("p/src/lib.rs"),
            &root,
            &module(&[], "a", &[]),
            None,
        )[0]
        .cx;
        assert_eq!(
            cand("p/src/a.rs", a, &module(&[], "b", &[]))[0].0,
            "p/src/a/b.rs"
        );
        assert_eq!(
            cand("p/src/a.rs", a, &module(&[], "b", &["p.rs"]))[0],
            (
                "p/src/p.rs".into(),
                None,
                vec!["a".to_string(), "b".to_string()]
            )
        );
        // Inside an inline module of `src/a.rs`: `src/a/c/`.
        assert_eq!(
            cand("p/src/a.rs", a, &module(&["c"], "d", &["p.rs"]))[0].0,
            "p/src/a/c/p.rs"
        );
        assert_eq!(
            cand("p/src/a.rs", a, &module(&["c"], "d", &[]))[0].0,
            "p/src/a/c/d.rs"
        );
        // `#[path]` on an inline module names its folder.
        let inline = Reference::Module {
            inline: vec![Inline {
                name: "c".into(),
                path: Some("gen".into()),
            }],
            name: "d".into(),
            paths: vec![],
            default_too: true,
        };
        assert_eq!(cand("p/src/lib.rs", &root, &inline)[0].0, "p/src/gen/d.rs");
        // A bin root owns its folder; `include!` is beside the including file.
        let bin = ModCx::root(Path::new("p/src/bin/tool.rs"));
        assert_eq!(
            cand("p/src/bin/tool.rs", &bin, &module(&[], "cli", &[]))[0].0,
            "p/src/bin/cli.rs"
        );
        assert_eq!(
            cand("p/src/a.rs", a, &include("gen/all.rs")),
            [("p/src/gen/all.rs".into(), None, vec!["a".to_string()])]
        );
        // A `#[path]` under `cfg_attr` may be off: the default place counts too.
        let conditional = Reference::Module {
            inline: Vec::new(),
            name: "os".into(),
            paths: vec!["w.rs".into()],
            default_too: true,
        };
        let paths: Vec<String> = cand("p/src/lib.rs", &root, &conditional)
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(paths, ["p/src/w.rs", "p/src/os.rs", "p/src/os/mod.rs"]);
        let manifest = Reference::Include {
            inline: Vec::new(),
            path: "/src/includes/w.rs".into(),
            from_manifest: true,
        };
        assert_eq!(cand("p/src/a.rs", a, &manifest)[0].0, "p/src/includes/w.rs");
        let included = &candidates(Path::new("p/src/a.rs"), a, &include("gen/all.rs"), None)[0].cx;
        assert_eq!(
            cand("p/src/gen/all.rs", included, &module(&[], "x", &[]))[0].0,
            "p/src/gen/x.rs"
        );
    }
}
