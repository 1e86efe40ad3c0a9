//! Which files a crate's module tree pulls in, from the syntax: `mod x;`
//! (with `#[path = ".."]`, also under `#[cfg_attr(.., path = "..")]`),
//! inline `mod a { .. }` blocks (they add a folder), and item-level
//! `include!("..")`. This module owns the scan and rustc's rules for where
//! each of these points; it does not touch the file system (`source` does,
//! and normalises and bounds every path it follows).
//!
//! The scan is a small lexer, not a parser: it skips comments and every
//! kind of string and character literal, tracks brackets, and reads only
//! the tokens of items at module level (the file's top level or an inline
//! module's body). So a `mod x;` or `include!("..")` written in a comment, a
//! doc comment, a string, a function body or a `macro_rules!` body is never
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
//! including file's folder, and what the included file declares belongs to
//! the including module.

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
    /// attributes (several only under `cfg_attr`: each is followed).
    Module {
        inline: Vec<Inline>,
        name: String,
        paths: Vec<String>,
    },
    /// Item-level `include!("path")` inside `inline`.
    Include { inline: Vec<Inline>, path: String },
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

/// Where `reference`, found in `file` whose place is `cx`, may point.
pub fn candidates(file: &Path, cx: &ModCx, reference: &Reference) -> Vec<Candidate> {
    match reference {
        Reference::Module {
            inline,
            name,
            paths,
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
            if paths.is_empty() {
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
        Reference::Include { inline, path } => {
            let path = parent(file).join(path);
            vec![Candidate {
                path,
                cx: cx.enter(inline),
            }]
        }
    }
}

/// A token of the scan. Literals other than plain and raw strings (byte
/// and C strings, characters, numbers) and punctuation the scan does not
/// use are `Other`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    /// `r#name`: a name, never a keyword.
    Raw(&'a str),
    Str(String),
    Punct(u8),
    Other,
}

/// The tokens of `text`, without comments and whitespace.
fn lex(text: &str) -> Vec<Tok<'_>> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    while i < n {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = text[i..].find('\n').map_or(n, |e| i + e + 1);
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            // Block comments nest.
            let mut depth = 0usize;
            while i < n {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        // String-like literals with a prefix: r"..", r#".."#, b"..", br"..",
        // c"..", cr"..", b'..'.
        let (prefix, raw) = match (c, b.get(i + 1), b.get(i + 2)) {
            (b'r', Some(b'"' | b'#'), _) if raw_string_at(b, i + 1) => (1, true),
            (b'b' | b'c', Some(b'r'), Some(b'"' | b'#')) if raw_string_at(b, i + 2) => (2, true),
            (b'b' | b'c', Some(b'"'), _) => (1, false),
            (b'b', Some(b'\''), _) => {
                i = skip_char_literal(b, i + 1);
                out.push(Tok::Other);
                continue;
            }
            _ => (0, false),
        };
        if raw {
            let (end, value) = raw_string(text, i + prefix);
            out.push(if prefix == 1 {
                Tok::Str(value)
            } else {
                Tok::Other
            });
            i = end;
            continue;
        }
        if prefix == 1 {
            // b".." or c"..": not a path.
            i = cooked_string(text, i + 1).0;
            out.push(Tok::Other);
            continue;
        }
        if c == b'"' {
            let (end, value) = cooked_string(text, i);
            out.push(Tok::Str(value));
            i = end;
            continue;
        }
        if c == b'\'' {
            i = skip_char_or_lifetime(text, i);
            out.push(Tok::Other);
            continue;
        }
        if c.is_ascii_digit() {
            while i < n
                && (is_ident(b[i])
                    || (b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
            {
                i += 1;
            }
            out.push(Tok::Other);
            continue;
        }
        if is_ident(c) {
            let raw = c == b'r'
                && b.get(i + 1) == Some(&b'#')
                && b.get(i + 2).is_some_and(|&c| is_ident(c));
            if raw {
                i += 2;
            }
            let start = i;
            while i < n && is_ident(b[i]) {
                i += 1;
            }
            // `i` only stops at an ASCII byte or the end: a char boundary.
            let word = &text[start..i];
            out.push(if raw {
                Tok::Raw(word)
            } else {
                Tok::Ident(word)
            });
            continue;
        }
        out.push(match c {
            b'{' | b'}' | b'(' | b')' | b'[' | b']' | b';' | b'#' | b'!' | b'=' | b',' => {
                Tok::Punct(c)
            }
            _ => Tok::Other,
        });
        i += 1;
    }
    out
}

/// Whether `b[i..]` starts a raw string's hashes and quote (`#*"`).
fn raw_string_at(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    b.get(j) == Some(&b'"')
}

/// A raw string starting at its `#*"`: (the index after it, its value).
fn raw_string(text: &str, i: usize) -> (usize, String) {
    let b = text.as_bytes();
    let mut j = i;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    let hashes = j - i;
    let body = j + 1;
    let closing = format!("\"{}", "#".repeat(hashes));
    match text[body..].find(&closing) {
        Some(e) => (body + e + closing.len(), text[body..body + e].to_string()),
        None => (text.len(), String::new()),
    }
}

/// A plain string starting at its quote: (the index after it, its value
/// with escapes decoded; an unknown escape is kept as written).
fn cooked_string(text: &str, i: usize) -> (usize, String) {
    let b = text.as_bytes();
    let mut value = String::new();
    let mut j = i + 1;
    let mut run = j;
    while j < b.len() {
        match b[j] {
            b'"' => {
                value.push_str(&text[run..j]);
                return (j + 1, value);
            }
            b'\\' => {
                value.push_str(&text[run..j]);
                let (next, decoded) = escape(text, j);
                value.push_str(&decoded);
                j = next;
                run = j;
            }
            _ => j += 1,
        }
    }
    (b.len(), value)
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
    Module,
    /// Anything else: a function body, an `impl`, a macro's arguments, a
    /// parenthesis, an attribute. Nothing inside is read.
    Other,
}

/// The files `text` pulls in, in order (see the module documentation).
pub fn references(text: &str) -> Vec<Reference> {
    // Most files declare nothing: no need to lex them.
    if !text.contains("mod") && !text.contains("include") {
        return Vec::new();
    }
    let toks = lex(text);
    let mut out = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut inline: Vec<Inline> = Vec::new();
    // `#[path]` values of the outer attributes before the next item.
    let mut pending: Vec<String> = Vec::new();
    // The token before the current one at module level, to tell an item
    // (`include!` after `;`, `}`, `]`, `{` or at the start) from an
    // expression (`= include!(..)`).
    let mut at_item_start = true;
    let mut i = 0;
    while i < toks.len() {
        let at_module_level = frames.iter().all(|f| matches!(f, Frame::Module));
        let tok = &toks[i];
        if !at_module_level {
            match tok {
                Tok::Punct(b'{' | b'(' | b'[') => frames.push(Frame::Other),
                Tok::Punct(b'}' | b')' | b']') => {
                    frames.pop();
                    if frames.iter().all(|f| matches!(f, Frame::Module)) {
                        // Back at module level: a braced item ended (or a
                        // parenthesis inside an item's header did).
                        at_item_start = matches!(tok, Tok::Punct(b'}'));
                        if at_item_start {
                            pending.clear();
                        }
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match tok {
            Tok::Punct(b'#') => {
                // `#[..]` or `#![..]`: read the attribute, keep its paths
                // when it is an outer one.
                let inner = toks.get(i + 1) == Some(&Tok::Punct(b'!'));
                let open = i + 1 + usize::from(inner);
                if toks.get(open) == Some(&Tok::Punct(b'[')) {
                    let (end, paths) = attribute(&toks, open);
                    if !inner {
                        pending.extend(paths);
                    }
                    i = end;
                    at_item_start = true;
                    continue;
                }
                at_item_start = false;
            }
            Tok::Ident("mod") => {
                if let Some(Tok::Ident(name) | Tok::Raw(name)) = toks.get(i + 1) {
                    match toks.get(i + 2) {
                        Some(Tok::Punct(b';')) => {
                            out.push(Reference::Module {
                                inline: inline.clone(),
                                name: name.to_string(),
                                paths: std::mem::take(&mut pending),
                            });
                            i += 3;
                            at_item_start = true;
                            continue;
                        }
                        Some(Tok::Punct(b'{')) => {
                            inline.push(Inline {
                                name: name.to_string(),
                                path: pending.first().cloned(),
                            });
                            pending.clear();
                            frames.push(Frame::Module);
                            i += 3;
                            at_item_start = true;
                            continue;
                        }
                        _ => {}
                    }
                }
                at_item_start = false;
            }
            Tok::Ident("include") if at_item_start => {
                if let (
                    Some(Tok::Punct(b'!')),
                    Some(Tok::Punct(b'(' | b'[' | b'{')),
                    Some(Tok::Str(path)),
                ) = (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
                {
                    if matches!(toks.get(i + 4), Some(Tok::Punct(b')' | b']' | b'}'))) {
                        out.push(Reference::Include {
                            inline: inline.clone(),
                            path: path.clone(),
                        });
                        pending.clear();
                        i += 5;
                        at_item_start = false;
                        continue;
                    }
                }
                at_item_start = false;
            }
            Tok::Punct(b'{') => {
                frames.push(Frame::Other);
            }
            Tok::Punct(b'(' | b'[') => {
                frames.push(Frame::Other);
            }
            Tok::Punct(b'}') => {
                // The end of an inline module.
                if frames.pop().is_some() {
                    inline.pop();
                }
                pending.clear();
                at_item_start = true;
            }
            Tok::Punct(b';') => {
                pending.clear();
                at_item_start = true;
            }
            _ => at_item_start = false,
        }
        i += 1;
    }
    out
}

/// The attribute whose `[` is at `open`: the index after its `]`, and the
/// values of `path = ".."` in it when it is `#[path = ..]` or
/// `#[cfg_attr(.., path = ..)]`.
fn attribute(toks: &[Tok<'_>], open: usize) -> (usize, Vec<String>) {
    let mut depth = 0usize;
    let mut j = open;
    let mut paths = Vec::new();
    let kind = match toks.get(open + 1) {
        Some(Tok::Ident(k)) => *k,
        _ => "",
    };
    while j < toks.len() {
        match &toks[j] {
            Tok::Punct(b'[' | b'(' | b'{') => depth += 1,
            Tok::Punct(b']' | b')' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return (j + 1, paths);
                }
            }
            Tok::Ident("path") if matches!(kind, "path" | "cfg_attr") => {
                // `path` at the attribute's top, or a direct argument of
                // `cfg_attr` (after its predicate).
                let direct = (kind == "path" && depth == 1)
                    || (kind == "cfg_attr"
                        && depth == 2
                        && toks.get(j - 1) == Some(&Tok::Punct(b',')));
                if direct {
                    if let (Some(Tok::Punct(b'=')), Some(Tok::Str(v))) =
                        (toks.get(j + 1), toks.get(j + 2))
                    {
                        paths.push(v.clone());
                    }
                }
            }
            _ => {}
        }
        j += 1;
    }
    (toks.len(), paths)
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
        }
    }

    fn include(path: &str) -> Reference {
        Reference::Include {
            inline: Vec::new(),
            path: path.into(),
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
            static T: [u8; 3] = include!("expr.rs");
            const S: &str = "mod in_string; include!(\"s.rs\")";
            /* mod in_comment; /* nested */ include!("c.rs"); */
            fn body() { include!("body.rs"); }
            macro_rules! m { () => { mod in_macro; } }
            impl X { const Y: () = (); }
            mod after;
        "#;
        assert_eq!(
            references(text),
            [
                module(&[], "a", &[]),
                module(&[], "b", &[]),
                module(&[], "c", &[]),
                module(&[], "x", &["gen/x.rs"]),
                module(&[], "os", &["u.rs", "w.rs"]),
                module(&["inner"], "deep", &[]),
                include("items.rs"),
                include("braced.rs"),
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
        candidates(Path::new(file), cx, r)
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
        let a = &candidates(Path::new("p/src/lib.rs"), &root, &module(&[], "a", &[]))[0].cx;
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
        };
        assert_eq!(cand("p/src/lib.rs", &root, &inline)[0].0, "p/src/gen/d.rs");
        // A bin root owns its folder; `include!` is beside the including file.
        let bin = ModCx::root(Path::new("p/src/bin/tool.rs"));
        assert_eq!(
            cand("p/src/bin/tool.rs", &bin, &module(&[], "cli", &[]))[0].0,
            "p/src/bin/cli.rs"
        );
        assert_eq!(
            cand("p/src/a.rs", a, &include("gen.rs")),
            [(
                "p/src/gen.rs".into(),
                Some("a".into()),
                vec!["a".to_string()]
            )]
        );
    }
}
