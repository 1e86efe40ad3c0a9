//! Parsing one file with `syn`, safely. syn's recursive descent needs a few
//! KB of stack per level of nesting and aborts the process (no panic to
//! catch) when the stack runs out, and every pass over the tree it builds
//! (the analysis, dropping it) recurses once per level too. So a file is
//! tokenized first (`proc_macro2`'s lexer recurses on nothing), its
//! [`nesting`] is measured on the tokens, and a file nested deeper than
//! [`MAX_NESTING`] becomes an `analysis_incomplete` warning instead of
//! reaching syn; the same tokens are then parsed. Parsing runs on the
//! analysis worker threads, which have large stacks (see `driver`). This
//! module also converts spans into [`Location`]s.

use crate::diag::{builtin, Diagnostic, Level, Location};
use crate::source::SourceFile;
use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};

/// The deepest [`nesting`] that is parsed and analysed. Measured (README,
/// Robustness): every recursion path at twice this depth parses and is
/// analysed within the analysis threads' stack in an unoptimised build,
/// and in a fraction of a second in an optimised one, except nested inline
/// modules and `let` chains, which take seconds there and so set the limit.
/// Real code stays far below: the deepest file of the benchmark corpus
/// measures TODO; a 1,200-branch `else if x == i` chain about 2,400.
pub const MAX_NESTING: usize = 5_000;

/// An upper bound on how deep syn (and every pass over the tree it builds)
/// recurses on `tokens`, measured on the tokens alone, with no recursion,
/// before syn sees them; and the token where the bound is reached.
///
/// syn recurses on brackets, prefix operators (`!`, `-`, `*`, `&`),
/// right-associative operators (`x = x = ..`), closures (`|| || ..`),
/// `return`/`break`/`yield`, generics (`Option<Option<..`), function
/// pointer and `impl`/`dyn` types (`fn() -> fn() -> ..`), casts, ranges;
/// and left-associative chains it parses in a loop (`a || a || ..`,
/// `x.f().f()..`, `else if ..`) still build a tree as deep as the chain,
/// which every later pass (and dropping it) recurses through. Each bracket
/// opens a level; within a level every operator character, `.`, `(`/`[`
/// group, and keyword that starts or continues an expression or a type
/// counts one more, until a token that ends every construct open at that
/// level: `;`, `=>`, or a `}` followed by what can only start a new
/// statement, item or arm (an identifier other than `as`, `else`, `in`; a
/// literal; a lifetime; `#`). A `,` ends the expressions open at its level
/// but not the generic arguments (`A<B, A<B, ..`): those `<` are counted
/// apart and only a `>` closes one. The bound is the sum over the open
/// levels, so it over-counts (each character of `&&`, comparisons as
/// generics; only the `=` that ends `==`, `+=` and the like is not counted
/// again) and never under-counts.
pub fn nesting(tokens: &TokenStream) -> (usize, Option<Span>) {
    struct Level {
        tokens: std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
        /// The depth where this level began (its bracket included).
        base: usize,
        /// Expression and type constructs open at this level since the last reset.
        open: usize,
        /// `<` not closed by a `>` at this level since the last full reset.
        angles: usize,
        /// The previous token at this level was a `}` group.
        after_brace: bool,
        /// The previous token at this level was a `.`.
        after_dot: bool,
        /// The previous token at this level was a punctuation character
        /// joined to the next (`=` `=` in `==`).
        after_joint: bool,
    }
    impl Level {
        fn new(tokens: TokenStream, base: usize) -> Level {
            Level {
                tokens: tokens.into_iter().peekable(),
                base,
                open: 0,
                angles: 0,
                after_brace: false,
                after_dot: false,
                after_joint: false,
            }
        }
        fn depth(&self) -> usize {
            self.base + self.open + self.angles
        }
    }
    let mut max = 0;
    let mut at = None;
    let mut stack = vec![Level::new(tokens.clone(), 0)];
    while let Some(level) = stack.last_mut() {
        let Some(token) = level.tokens.next() else {
            stack.pop();
            continue;
        };
        let (after_brace, after_dot, after_joint) =
            (level.after_brace, level.after_dot, level.after_joint);
        level.after_brace = false;
        level.after_dot = false;
        level.after_joint = false;
        let mut count = 0;
        match &token {
            TokenTree::Group(g) => {
                if g.delimiter() != Delimiter::Brace {
                    count = 1;
                }
                level.open += count;
                level.after_brace = g.delimiter() == Delimiter::Brace;
                let base = level.depth() + 1;
                if base > max {
                    max = base;
                    at = Some(g.span_open());
                }
                stack.push(Level::new(g.stream(), base));
                continue;
            }
            TokenTree::Ident(i) => {
                let word = i.to_string();
                let continues = matches!(word.as_str(), "as" | "else" | "in");
                if after_brace && !continues {
                    level.open = 0;
                    level.angles = 0;
                }
                if KEYWORDS.contains(&word.as_str()) {
                    count = 1;
                }
            }
            TokenTree::Literal(_) => {
                if after_brace {
                    level.open = 0;
                    level.angles = 0;
                }
                // `x.0.0` is one float literal for two levels of fields.
                if after_dot {
                    count = 1;
                }
            }
            TokenTree::Punct(p) => {
                level.after_joint = p.spacing() == Spacing::Joint;
                let joint_next = |level: &mut Level, c: char| {
                    p.spacing() == Spacing::Joint
                        && matches!(level.tokens.peek(), Some(TokenTree::Punct(n)) if n.as_char() == c)
                };
                match p.as_char() {
                    ';' => {
                        level.open = 0;
                        level.angles = 0;
                    }
                    ',' => level.open = 0,
                    '=' if joint_next(level, '>') => {
                        level.tokens.next();
                        level.after_joint = false;
                        level.open = 0;
                        level.angles = 0;
                    }
                    '-' if joint_next(level, '>') => {
                        level.tokens.next();
                        level.after_joint = false;
                        count = 1;
                    }
                    '<' => {
                        level.angles += 1;
                        count = 1;
                    }
                    '>' => level.angles = level.angles.saturating_sub(1),
                    '#' | '\'' => {
                        if after_brace {
                            level.open = 0;
                            level.angles = 0;
                        }
                    }
                    // The `=` of `==`, `<=`, `+=`: one operator, counted once.
                    '=' if after_joint => {}
                    ':' | '$' => {}
                    '.' => {
                        level.after_dot = true;
                        count = 1;
                    }
                    _ => count = 1,
                }
            }
        }
        level.open += count;
        if level.depth() > max {
            max = level.depth();
            at = Some(token.span());
        }
    }
    (max, at)
}

/// Keywords that start or continue an expression or a type that syn
/// parses recursively, or that deepen the tree (`x as T as T`, `else if`
/// is counted by its `if`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "become", "box", "break", "const", "dyn", "fn", "for", "if", "impl",
    "let", "loop", "match", "move", "raw", "return", "static", "try", "unsafe", "while", "yield",
];

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

/// Parses a file, or returns the diagnostic that replaces it: a
/// `parse_error` for text rustc would not parse either, an
/// `analysis_incomplete` warning for a file nested too deeply to parse
/// safely ([`nesting`]).
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn parse_file(file: &SourceFile) -> Result<syn::File, Diagnostic> {
    let tokens = tokenize_file(file)?;
    syn::parse2(tokens).map_err(|e| syn_error(file, e))
}

/// Tokenizes a file the way [`parse_file`] starts (byte-order mark and `#!`
/// line blanked, `proc_macro2`'s lexer, which recurses on nothing) and
/// measures its [`nesting`], without building a syntax tree: the same
/// diagnostic for a file with a lexical error (unbalanced brackets,
/// unterminated literals) or nested too deeply, none for a grammar error.
/// Alone, for crates the prefilter rules out.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn tokenize_file(file: &SourceFile) -> Result<TokenStream, Diagnostic> {
    let tokens: TokenStream = aligned_text(&file.text)
        .parse()
        .map_err(|e: proc_macro2::LexError| syn_error(file, e.into()))?;
    let (depth, at) = nesting(&tokens);
    if depth > MAX_NESTING {
        let location = at
            .map(|span| location(&file.display, span))
            .filter(|l| l.line > 0)
            .unwrap_or_else(|| Location::file_start(file.display.clone()));
        return Err(too_deep(depth, location));
    }
    Ok(tokens)
}

/// The warning for a file nested deeper than [`MAX_NESTING`].
fn too_deep(depth: usize, location: Location) -> Diagnostic {
    Diagnostic {
        lint: builtin::ANALYSIS_INCOMPLETE,
        level: Level::Warn,
        message: format!(
            "`{}` nests {depth} levels deep, more than the {MAX_NESTING} imperlint parses safely; the file was not analysed",
            location.file
        ),
        location,
        label: "the nesting passes the limit here".to_string(),
        related: Vec::new(),
        notes: vec![
            "brackets, operators, closures, generics and chains of calls, casts or `else if` each count; rustc itself would need a raised recursion limit for code this deep".to_string(),
        ],
        help: Some(
            "split the expression or type (generated code can be excluded with `[paths] exclude`)".to_string(),
        ),
        fix: None,
    }
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

    fn nest(text: &str) -> usize {
        nesting(&text.parse().unwrap()).0
    }

    /// Every recursion path of syn's parser, and every chain that builds a
    /// tree as deep as it is long, counts at least one per level.
    #[test]
    fn every_recursion_path_counts() {
        let n = 50;
        let r = |s: &str| s.repeat(n);
        let list = |s: &str| vec![s; n].join(" ");
        for text in [
            format!("fn f() {{ {}x{} }}", r("{"), r("}")),
            format!("fn f() {{ {}x{} }}", r("("), r(")")),
            format!("fn f() {{ {}x{} }}", r("["), r("]")),
            format!("fn f() {{ {}x }}", r("!")),
            format!("fn f() {{ {}x }}", r("- ")),
            format!("fn f() {{ {}x }}", r("&")),
            format!("fn f() {{ {}x }}", r("&mut ")),
            format!("fn f() {{ {}x }}", r("*")),
            format!("fn f() {{ {}x }}", r("&raw const ")),
            format!("fn f() {{ x{} }}", r(" + x")),
            format!("fn f() {{ a{} }}", r("||a")),
            format!("fn f() {{ x{} }}", r(" == x")),
            format!("fn f() {{ {}1 }}", r("x = ")),
            format!("fn f() {{ {}1 }}", r("x += ")),
            format!("fn f() {{ {}1 }}", r("|| ")),
            format!("fn f() {{ {}1 }}", r("|x| ")),
            format!("fn f() {{ {}1 }}", r("move || ")),
            format!("fn f() {{ {}1 }}", r("return ")),
            format!("fn f() {{ loop {{ {}1 }} }}", r("break ")),
            format!("fn f() {{ {}1 }}", r("yield ")),
            format!("fn f() {{ x{} }}", r(".f()")),
            format!("fn f() {{ x{} }}", r(".a")),
            format!("fn f() {{ x{} }}", r(".0")),
            format!("fn f() {{ x{} }}", r("?")),
            format!("fn f() {{ x{} }}", r("[0]")),
            format!("fn f() {{ x{} }}", r("(1)")),
            format!("fn f() {{ x{} }}", r(" as u8")),
            format!("fn f() {{ x{} }}", r(".await")),
            format!("fn f() {{ if x {{}}{} }}", r(" else if x {}")),
            format!("fn f() {{ if {}x {{}} }}", r("let a = b && ")),
            format!("fn f() {{ {}a{} }}", r("match "), r(" {}")),
            format!("fn f() {{ {}a{} }}", r("while "), r(" {}")),
            format!("fn f() {{ {}1{} }}", r("S { a: "), r(" }")),
            format!("fn f() {{ assert!({}x) }}", r("!")),
            format!("fn f() {{ println!(\"{{}}\", {}1) }}", r("x = ")),
            format!("type T = {}u8{};", r("Option<"), r(">")),
            format!("type T = {}u8{};", r("Result<u8, "), r(">")),
            format!("type T = {}u8;", r("fn() -> ")),
            format!("type T = {}u8;", r("&")),
            format!("type T<'a> = {}u8;", r("&'a ")),
            format!("type T = {}u8;", r("*const ")),
            format!("type T = {}u8{};", r("Box<dyn Fn() -> "), r(">")),
            format!("fn h() -> {}u8 {{ x }}", r("impl Fn() -> ")),
            format!("type T = {}u8{};", r("("), r(",)")),
            format!("type T = {}u8{};", r("["), r("; 1]")),
            format!("type T = {}u8{};", r("<"), r(" as A>::B")),
            format!("fn f() {{ f::<{}u8{}>() }}", r("Vec<"), r(">")),
            format!("fn h<T: {}u8{}>() {{}}", r("A<"), r(">")),
            format!("fn f() {{ let {}a = x; }}", r("&")),
            format!("fn f() {{ let {}_ = x; }}", r("a @ ")),
            format!("fn f() {{ let {} = x; }}", list("A |")),
            format!("fn f() {{ let {}b{} = x; }}", r("S { a: "), r(" }")),
            format!("{}{}", r("mod a { "), r(" }")),
            format!("#[a{}{}] fn h() {{}}", r("(a"), r(")")),
            format!("fn f() {{ {}{} }}", r("'a: { "), r(" }")),
        ] {
            assert!(nest(&text) >= n, "{} for {text}", nest(&text));
        }
    }

    /// What ends the constructs open at a level: statements, arms,
    /// elements and items in their thousands stay shallow.
    #[test]
    fn statements_arms_and_lists_do_not_add_up() {
        let n = 3000;
        let many = |item: &str| item.repeat(n);
        for text in [
            format!("fn f() {{ {} }}", many("let a = !b + -c * d.e(f)?;")),
            format!("fn f() {{ {} }}", many("if a < b {{ c(); }} ")),
            format!(
                "fn f() {{ {} }}",
                many("while !a.b() {{}} for x in y {{}} #[allow(x)] {{}} ")
            ),
            format!(
                "fn f() {{ match x {{ {} }} }}",
                many("A | B if a < b => {{}} ")
            ),
            format!(
                "fn f() {{ match x {{ {} }} }}",
                many("A(a) => a as u8 + 1, ")
            ),
            format!("static T: [i32; {n}] = [{}];", many("-1, ")),
            format!(
                "struct S {{ {} }}",
                many("#[serde(default)] pub a: Option<Vec<u8>>, ")
            ),
            many("#[inline] pub fn f(a: &mut u8) -> Option<&u8> { g(|x| x + 1) } "),
            many("impl<T: Clone> A for B<T> where T: C<D> { fn f() {} } "),
        ] {
            assert!(nest(&text) < 20, "{} for {}", nest(&text), &text[..80]);
        }
    }

    #[test]
    fn a_long_else_if_chain_is_within_the_limit() {
        let chain: String = (1..1200)
            .map(|i| format!(" else if x == {i} {{ {i} }}"))
            .collect();
        let depth = nest(&format!(
            "fn f(x: u32) -> u32 {{ if x == 0 {{ 0 }}{chain} else {{ 1 }} }}"
        ));
        assert!((2400..MAX_NESTING / 2).contains(&depth), "{depth}");
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
    fn files_too_deep_are_incomplete_not_parsed() {
        on_big_stack(|| {
            for body in [
                format!("{}x{}", "{".repeat(20_000), "}".repeat(20_000)),
                format!("{}1", "|| ".repeat(MAX_NESTING)),
                format!("{}1", "x = ".repeat(MAX_NESTING + 1)),
            ] {
                let f = SourceFile {
                    path: "deep.rs".into(),
                    display: "deep.rs".into(),
                    text: format!("fn f() {{\n {body} }}").into(),
                };
                let err = parse_file(&f).unwrap_err();
                assert_eq!(err.lint, builtin::ANALYSIS_INCOMPLETE);
                assert_eq!(err.level, Level::Warn);
                assert!(err.message.contains("levels deep"), "{}", err.message);
                assert_eq!(err.location.line, 2, "points into the deep part");
            }
            // A lexical error is still a parse error.
            let bad = SourceFile {
                path: "bad.rs".into(),
                display: "bad.rs".into(),
                text: "fn f() { \"open }".into(),
            };
            assert_eq!(parse_file(&bad).unwrap_err().lint, builtin::PARSE_ERROR);
        });
    }
}
