//! Small readers of syntax shared by the collector, the walk and the
//! facts: a type's path, a string literal's text (and whether it names a
//! pipe), whether an expression names a flag. They know nothing of the crate.

use crate::catalog;
use quote::ToTokens;
use syn::visit::Visit;

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

/// The pipe word of `catalog::PIPE_PREFIX` (`pipe`) after each way of
/// writing the backslash before it in source, or the quote that starts a
/// literal with it (the prefilter's patterns: see `prefilter`).
pub fn pipe_patterns() -> Vec<String> {
    let prefix = catalog::PIPE_PREFIX.trim_end_matches('\\');
    let word = &prefix[prefix.rfind('\\').map_or(0, |i| i + 1)..];
    ["\\", "x5c", "5c}", "\""]
        .iter()
        .map(|before| format!("{before}{word}"))
        .collect()
}

/// Whether source text holds a pipe path's pattern (see
/// [`pipe_patterns`]), as the prefilter finds it.
pub fn has_pipe_pattern(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    pipe_patterns().iter().any(|p| lower.contains(p.as_str()))
}

/// Whether text holds the word of `catalog::PIPE_WORDS` (`pipe`, any case)
/// anywhere: the few files that do are the ones whose identifiers are read
/// for pipe names ([`names_a_pipe`]).
pub fn has_pipe_word(text: &str) -> bool {
    use std::sync::OnceLock;
    static WORD: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    WORD.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([catalog::PIPE_WORDS[0]])
            .expect("one short literal")
    })
    .is_match(text)
}

/// A piece of a composed string whose text is not known (an argument of
/// `format!`, the right side of a `+`): it stands for any text without a
/// backslash, such as a host name.
pub const UNKNOWN: char = '\u{1}';

/// `#[cfg(debug_assertions)]` (or `cfg(all(debug_assertions, ..))`): what it
/// is on exists only in debug builds.
pub fn is_debug_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let t = a.meta.to_token_stream().to_string();
            t.contains("debug_assertions") && !t.contains("not") && !t.contains("any")
        }
    })
}

/// The outer attributes of an expression (`#[cfg(..)] call();`), for the
/// kinds a statement starts with.
pub fn expr_attrs(e: &syn::Expr) -> Option<&[syn::Attribute]> {
    use syn::Expr::*;
    Some(match e {
        Call(x) => &x.attrs,
        MethodCall(x) => &x.attrs,
        Macro(x) => &x.attrs,
        Block(x) => &x.attrs,
        Unsafe(x) => &x.attrs,
        If(x) => &x.attrs,
        Match(x) => &x.attrs,
        Assign(x) => &x.attrs,
        Binary(x) => &x.attrs,
        Try(x) => &x.attrs,
        Unary(x) => &x.attrs,
        Path(x) => &x.attrs,
        Paren(x) => &x.attrs,
        Await(x) => &x.attrs,
        Field(x) => &x.attrs,
        _ => return None,
    })
}

/// `cfg!(debug_assertions)`: true in debug builds only.
pub fn is_debug_cfg_macro(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Macro(m) => {
            m.mac.path.is_ident("cfg") && m.mac.tokens.to_string().trim() == "debug_assertions"
        }
        syn::Expr::Paren(p) => is_debug_cfg_macro(&p.expr),
        _ => false,
    }
}

/// Text that names a pipe path, case-insensitively: `\\.\pipe\` (see
/// `catalog::PIPE_PREFIX`), `\\?\pipe\`, or a remote `\\server\pipe\`
/// (`catalog::PIPE_FOLDER` right after a `\\host` with no other backslash),
/// in a literal or in the shape of a composed string whose unknown pieces
/// are [`UNKNOWN`] (`format!(r"\\{}\pipe\{}", host, name)`).
pub fn is_pipe_text(s: &str) -> bool {
    if s.len() < catalog::PIPE_FOLDER.len() + 3 {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    lower.match_indices(catalog::PIPE_FOLDER).any(|(i, _)| {
        let before = &lower[..i];
        before.rfind(r"\\").is_some_and(|j| {
            let host = &before[j + 2..];
            !host.is_empty() && !host.contains('\\')
        })
    })
}

/// The lower-case words of an identifier: `NamedPipeClient` → `named`,
/// `pipe`, `client`; `open_pipe` → `open`, `pipe`; `PIPE_NAME` → `pipe`,
/// `name`.
pub fn ident_words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut word = String::new();
        let mut prev_lower = false;
        for c in part.chars() {
            if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// Whether an identifier names a named pipe itself: a pipe word
/// (`catalog::PIPE_WORDS`) followed only by words of a pipe's role
/// (`catalog::PIPE_ROLE_WORDS`): `open_pipe`, `PipeClient`, `pipe_name`,
/// `named_pipe`; not `pipeline`, `pipe_config`, `PipeStats`, nor
/// `BrokenPipe` or `anon_pipe` (`catalog::NOT_NAMED_PIPE_WORDS`).
pub fn names_a_pipe(name: &str) -> bool {
    // Every pipe word holds `pipe`: most names are out without splitting.
    let word = catalog::PIPE_WORDS[0].as_bytes();
    if !name
        .as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word))
    {
        return false;
    }
    let words = ident_words(name);
    words.iter().enumerate().any(|(i, w)| {
        catalog::PIPE_WORDS.contains(&w.as_str())
            && !(i > 0 && catalog::NOT_NAMED_PIPE_WORDS.contains(&words[i - 1].as_str()))
            && words[i + 1..]
                .iter()
                .all(|r| catalog::PIPE_ROLE_WORDS.contains(&r.as_str()))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_paths_local_remote_and_composed() {
        for yes in [
            r"\\.\pipe\contoso-agent",
            r"\\.\PIPE\x",
            r"\\?\pipe\x",
            r"\\fileserver\pipe\spoolss",
            "\\\\\u{1}\\pipe\\\u{1}",
            r"\\.\pipe\",
        ] {
            assert!(is_pipe_text(yes), "{yes:?}");
        }
        for no in [
            r"C:\pipe\x",
            r"\\server\share\pipe\x",
            r"\pipe\",
            "\u{1}\\pipe\\\u{1}",
            r"C:\ProgramData\Contoso\pipe_config.toml",
            "pipeline",
            "",
        ] {
            assert!(!is_pipe_text(no), "{no:?}");
        }
    }

    #[test]
    fn words_of_identifiers() {
        assert_eq!(ident_words("NamedPipeClient"), ["named", "pipe", "client"]);
        assert_eq!(ident_words("open_pipe"), ["open", "pipe"]);
        assert_eq!(ident_words("PIPE_NAME"), ["pipe", "name"]);
        assert_eq!(ident_words("pipeline"), ["pipeline"]);
    }

    #[test]
    fn names_of_pipes_and_lookalikes() {
        for yes in [
            "open_pipe",
            "PipeClient",
            "pipe_name",
            "named_pipe",
            "NamedPipe",
            "connect_to_pipe",
            "pipe",
            "pipes",
            "PIPE_PATH",
        ] {
            assert!(names_a_pipe(yes), "{yes}");
        }
        for no in [
            "pipeline",
            "pipe_config",
            "PipeStats",
            "open_file",
            "load_pipe_settings",
            "pipelines",
            "BrokenPipe",
            "anon_pipe",
        ] {
            assert!(!names_a_pipe(no), "{no}");
        }
    }
}
