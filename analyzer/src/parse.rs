//! Parsing one file with `syn`, safely. syn's recursive descent needs a few
//! KB of stack per nested bracket and aborts the process (no panic to catch)
//! when the stack runs out, so every file's bracket depth (and its longest run
//! of prefix operators, `!!!!x`, `&&&&x`, which syn also parses recursively)
//! is counted first and a file nested deeper than [`MAX_DEPTH`] becomes a
//! diagnostic instead. Some nesting needs no bracket at all (`a+a+…+a`,
//! `x.f().f()…`, `x = x = … = 1`), and the analysis recurses once per level
//! and measures spans by printing subtrees, which is quadratic in the depth:
//! after parsing, a file whose syntax tree (macro arguments the analysis
//! re-parses included) nests deeper than [`MAX_SYNTAX_DEPTH`] becomes a
//! diagnostic too. Parsing runs on the analysis worker threads, which have
//! large stacks (see `driver`). This module also converts spans into
//! [`Location`]s.

use crate::diag::{builtin, Diagnostic, Level, Location};
use crate::source::SourceFile;
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::Visit;

/// The deepest bracket nesting that is parsed. Real code stays far below
/// (rustc's own default recursion limit for macros is 128).
pub const MAX_DEPTH: usize = 1000;

/// The deepest nesting of expressions, types, patterns and items that is
/// analysed. Real code stays far below (the deepest file in the benchmark
/// corpus of popular crates nests 61 levels); a file beyond it is
/// generated or hostile, and analysing it would cost time quadratic in its
/// depth.
pub const MAX_SYNTAX_DEPTH: usize = 1000;

/// Counts the maximum nesting of `(`, `[` and `{` outside comments, string
/// and character literals, a run of prefix operators (`!`, `-`, `*`, `&`)
/// adding its length to the bracket depth where it stands. Raw strings are
/// handled; a lifetime is not mistaken for a character literal.
pub fn bracket_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut i, mut depth, mut max) = (0usize, 0usize, 0usize);
    // Consecutive prefix operators (`!`, `-`, `*`, `&`, blanks between them
    // allowed) nest like brackets in syn's parser.
    let mut run = 0usize;
    while i < b.len() {
        match b[i] {
            b'!' | b'-' | b'*' | b'&' => {
                run += 1;
                max = max.max(depth + run);
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            _ => run = 0,
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1;
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 1;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
                && (i == 0 || !is_ident(b[i - 1])) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) == Some(&b'"') {
                    j += 1;
                    'raw: while j < b.len() {
                        if b[j] == b'"' {
                            let mut k = 0;
                            while k < hashes && b.get(j + 1 + k) == Some(&b'#') {
                                k += 1;
                            }
                            if k == hashes {
                                j += 1 + hashes;
                                break 'raw;
                            }
                        }
                        j += 1;
                    }
                    i = j;
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // 'x', '\n', '\u{..}' are chars; 'a (no closing quote soon) is a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                } else if let Some(end) = text[i + 1..].char_indices().nth(1) {
                    if b.get(i + 1 + end.0) == Some(&b'\'') {
                        i += 1 + end.0;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Converts a span of a file parsed on this thread into a [`Location`].
pub fn location(file: &str, span: Span) -> Location {
    let start = span.start();
    let end = span.end();
    let range = span.byte_range();
    Location {
        file: file.to_string(),
        line: start.line as u32,
        column: start.column as u32 + 1,
        end_line: end.line as u32,
        end_column: end.column as u32 + 1,
        byte_start: range.start,
        byte_end: range.end,
    }
}

/// The diagnostic for a file that cannot be parsed.
pub fn parse_error(file: &SourceFile, message: String, loc: Location) -> Diagnostic {
    let _ = file;
    Diagnostic {
        lint: builtin::PARSE_ERROR,
        level: Level::Deny,
        message,
        location: loc,
        label: "here".to_string(),
        related: Vec::new(),
        notes: Vec::new(),
        help: Some(
            "imperlint checks only files that rustc would parse; fix the syntax error".to_string(),
        ),
        fix: None,
    }
}

/// Parses a file, or returns the diagnostic that replaces it.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn parse_file(file: &SourceFile) -> Result<syn::File, Diagnostic> {
    check_bracket_depth(file)?;
    let ast = syn::parse_file(&aligned_text(&file.text)).map_err(|e| syn_error(file, e))?;
    let depth = syntax_depth(&ast);
    if depth > MAX_SYNTAX_DEPTH {
        return Err(parse_error(
            file,
            format!("expressions, types or patterns nest {depth} levels deep, more than the {MAX_SYNTAX_DEPTH} imperlint analyses; file skipped"),
            Location::file_start(file.display.clone()),
        ));
    }
    Ok(ast)
}

// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
fn check_bracket_depth(file: &SourceFile) -> Result<(), Diagnostic> {
    let depth = bracket_depth(&file.text);
    if depth > MAX_DEPTH {
        return Err(parse_error(
            file,
            format!("brackets and prefix operators nest {depth} levels deep, more than the {MAX_DEPTH} imperlint parses safely; file skipped"),
            Location::file_start(file.display.clone()),
        ));
    }
    Ok(())
}

fn syn_error(file: &SourceFile, e: syn::Error) -> Diagnostic {
    let mut loc = location(&file.display, e.span());
    if loc.line == 0 {
        loc = Location::file_start(file.display.clone());
    }
    parse_error(file, format!("cannot parse `{}`: {e}", file.display), loc)
}

/// The text handed to syn. `syn::parse_file` drops a leading byte-order mark
/// and a `#!` line before parsing, which would shift every byte offset in
/// the file; blanking them with spaces of the same byte length keeps offsets
/// (and line numbers) true to the file on disk.
fn aligned_text(text: &str) -> std::borrow::Cow<'_, str> {
    let bom = text.starts_with('\u{feff}');
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shebang = body
        .strip_prefix("#!")
        .is_some_and(|rest| !rest.trim_start().starts_with('['));
    if !bom && !shebang {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    if bom {
        out.push_str("   ");
    }
    if shebang {
        let end = body.find('\n').unwrap_or(body.len());
        out.push_str(&" ".repeat(end));
        out.push_str(&body[end..]);
    } else {
        out.push_str(body);
    }
    std::borrow::Cow::Owned(out)
}

/// Tokenizes a file the way [`parse_file`] starts (depth check, byte-order
/// mark and `#!` line skipped, `proc_macro2`'s lexer), without building a
/// syntax tree: the same diagnostic for a file too deep or with a lexical
/// error (unbalanced brackets, unterminated literals), none for a grammar
/// error. For crates the prefilter rules out.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn tokenize_file(file: &SourceFile) -> Result<(), Diagnostic> {
    check_bracket_depth(file)?;
    let mut text: &str = &file.text;
    text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(rest) = text.strip_prefix("#!") {
        if !rest.trim_start().starts_with('[') {
            text = text.find('\n').map_or("", |i| &text[i..]);
        }
    }
    text.parse::<TokenStream>()
        .map(drop)
        .map_err(|e| syn_error(file, e.into()))
}

/// The deepest nesting of expressions, types, patterns and items in `ast`,
/// counting the arguments of the macros the analysis re-parses
/// (`macros::parse_args`). A macro body with fewer tokens than
/// [`MAX_SYNTAX_DEPTH`] cannot nest deeper than that and is not re-parsed.
pub fn syntax_depth(ast: &syn::File) -> usize {
    #[derive(Default)]
    struct Depth {
        current: usize,
        max: usize,
    }
    impl Depth {
        fn nested(&mut self, f: impl FnOnce(&mut Self)) {
            self.current += 1;
            self.max = self.max.max(self.current);
            f(self);
            self.current -= 1;
        }
    }
    impl<'ast> Visit<'ast> for Depth {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            self.nested(|d| syn::visit::visit_expr(d, e));
        }
        fn visit_type(&mut self, t: &'ast syn::Type) {
            self.nested(|d| syn::visit::visit_type(d, t));
        }
        fn visit_pat(&mut self, p: &'ast syn::Pat) {
            self.nested(|d| syn::visit::visit_pat(d, p));
        }
        fn visit_item(&mut self, i: &'ast syn::Item) {
            self.nested(|d| syn::visit::visit_item(d, i));
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            // A body of fewer bytes than the limit has fewer tokens: most
            // macros are told apart by their span, without copying tokens.
            // On one line its characters are counted from the columns (a
            // byte range costs more in a file with non-ASCII text).
            let span = m.delimiter.span();
            let (open, close) = (span.open().start(), span.close().end());
            let short = if open.line == close.line {
                close.column.saturating_sub(open.column) < MAX_SYNTAX_DEPTH
            } else {
                let bytes = span.close().byte_range().end;
                bytes.saturating_sub(span.open().byte_range().start) < MAX_SYNTAX_DEPTH
            };
            if short || token_count(&m.tokens, MAX_SYNTAX_DEPTH) < MAX_SYNTAX_DEPTH {
                return;
            }
            for e in crate::macros::parse_args(m) {
                self.visit_expr(&e);
            }
        }
    }
    let mut d = Depth::default();
    d.visit_file(ast);
    d.max
}

/// The number of tokens in `ts` (groups count their delimiters as one and
/// their contents), counting no further than `limit`.
fn token_count(ts: &TokenStream, limit: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![ts.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(g)) => {
                n += 1;
                stack.push(g.stream().into_iter());
            }
            Some(_) => n += 1,
            None => {
                stack.pop();
            }
        }
        if n >= limit {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_a_bom_and_a_shebang() {
        for prefix in [
            "\u{feff}",
            "#!/usr/bin/env run-cargo-script\n",
            "\u{feff}#!x\n",
        ] {
            let text = format!("{prefix}fn f() {{ g(); }}\n");
            let f = SourceFile {
                path: "a.rs".into(),
                display: "a.rs".into(),
                text: text.clone().into(),
            };
            let ast = parse_file(&f).unwrap();
            let syn::Item::Fn(func) = &ast.items[0] else {
                panic!("not a fn")
            };
            let loc = location("a.rs", func.sig.ident.span());
            assert_eq!(
                &text[loc.byte_start..loc.byte_end],
                "f",
                "prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn depth_ignores_literals_and_comments() {
        assert_eq!(bracket_depth("fn a() { b(c[0]) }"), 3);
        assert_eq!(bracket_depth(r#"fn a() { "((((" } // (((("#), 1);
        // `&` nests the reference type one level inside the parentheses.
        assert_eq!(bracket_depth("fn a<'a>(x: &'a str) -> char { '(' }"), 2);
        assert_eq!(bracket_depth(r####"fn a() { r#"(("# ; r"((" }"####), 1);
        assert_eq!(bracket_depth("/* ((( /* ( */ */ fn a() {}"), 1);
    }

    #[test]
    fn prefix_operator_runs_count_as_depth() {
        assert_eq!(bracket_depth("fn a() { !!!x }"), 4);
        assert_eq!(bracket_depth("fn a() -> i32 { - - *&x && y }"), 5);
        assert_eq!(bracket_depth("fn a() { /* ---- */ \"!!!!\"; '-' }"), 1);
    }

    /// Runs `f` on a thread with the analysis threads' stack.
    fn on_big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(crate::driver::STACK_SIZE)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn deep_syntax_without_brackets_is_refused_after_parsing() {
        on_big_stack(deep_syntax_cases);
    }

    fn deep_syntax_cases() {
        for body in [
            format!("x{}", ".f()".repeat(3000)),
            ["a"; 3000].join(" + "),
            format!("{}1", "x = ".repeat(3000)),
            format!("assert!({})", ["a"; 3000].join(" + ")),
        ] {
            let f = SourceFile {
                path: "chain.rs".into(),
                display: "chain.rs".into(),
                text: format!("fn f() {{ {body}; }}").into(),
            };
            let err = parse_file(&f).unwrap_err();
            assert!(err.message.contains("nest"), "{}", err.message);
        }
        let ok = SourceFile {
            path: "ok.rs".into(),
            display: "ok.rs".into(),
            text: format!("fn f() {{ x{}; }}", ".f()".repeat(100)).into(),
        };
        assert!(parse_file(&ok).is_ok());
    }

    #[test]
    fn deep_files_are_refused_not_parsed() {
        let text = format!("fn f() {}{}", "{".repeat(5000), "}".repeat(5000));
        let f = SourceFile {
            path: "deep.rs".into(),
            display: "deep.rs".into(),
            text: text.into(),
        };
        let err = parse_file(&f).unwrap_err();
        assert_eq!(err.lint, builtin::PARSE_ERROR);
        assert!(err.message.contains("5000 levels"), "{}", err.message);
    }
}
