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
/// Real code stays far below: over the 7,700 source files of this
/// machine's cargo registry (235 crates) the deepest measures 229 (a
/// parser's test file of odd expressions; syn's own `expr.rs` 168); a
/// 1,200-branch `else if x == i` chain about 2,400.
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
        /// The previous tokens at this level were `#` (1) or `#!` (2): an
        /// attribute (each doc comment line is one), which adds no depth of
        /// its own.
        after_hash: u8,
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
                after_hash: 0,
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
        let (after_brace, after_dot, after_joint, after_hash) = (
            level.after_brace,
            level.after_dot,
            level.after_joint,
            level.after_hash,
        );
        level.after_brace = false;
        level.after_dot = false;
        level.after_joint = false;
        level.after_hash = 0;
        let mut count = 0;
        match &token {
            TokenTree::Group(g) => {
                if g.delimiter() != Delimiter::Brace && after_hash == 0 {
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
                // Compared in place: `to_string` would allocate per identifier.
                let continues = i == "as" || i == "else" || i == "in";
                if after_brace && !continues {
                    level.open = 0;
                    level.angles = 0;
                }
                if KEYWORDS.iter().any(|k| i == k) {
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
                        level.after_hash = u8::from(p.as_char() == '#');
                    }
                    // `#![..]`: an inner attribute.
                    '!' if after_hash == 1 => level.after_hash = 2,
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

/// Parses a file written for the current edition, or returns the
/// diagnostic that replaces it (see [`parse_file_edition`]).
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn parse_file(file: &SourceFile) -> Result<syn::File, Diagnostic> {
    parse_file_edition(file, Edition::E2021)
}

/// The Rust edition of a crate, as far as parsing is concerned: syn parses
/// the current grammar, and rustc still accepts some older syntax in the
/// older editions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edition {
    E2015,
    E2018,
    E2021,
}

impl Edition {
    /// A package's edition from its `Cargo.toml` text: `2015` when the key
    /// is absent (cargo's default) or the manifest is missing or unreadable
    /// as TOML it is taken as current, and so is an edition inherited from
    /// the workspace (`edition.workspace = true`): older syntax is then
    /// reported as the error it would be.
    pub fn of_manifest(manifest: Option<&str>) -> Edition {
        let Some(doc) = manifest.and_then(|t| t.parse::<toml::Table>().ok()) else {
            return if manifest.is_none() {
                Edition::E2015
            } else {
                Edition::E2021
            };
        };
        match doc.get("package").and_then(|p| p.get("edition")) {
            None => Edition::E2015,
            Some(toml::Value::String(e)) if e == "2015" => Edition::E2015,
            Some(toml::Value::String(e)) if e == "2018" => Edition::E2018,
            Some(_) => Edition::E2021,
        }
    }
}

/// Older syntax rustc accepts in older editions that syn 2 does not parse,
/// and the edition up to which rustc accepts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OldSyntax {
    /// A trait object without `dyn` written with `Fn`-sugar (`&Fn(u8)`,
    /// `Box<FnMut() + Send>`, `type A = Fn(&T) + Send;`): syn parses bare
    /// trait objects elsewhere, not these. Accepted (with a warning) up to
    /// 2018.
    BareFnTraitObject,
    /// A trait method parameter without a name (`fn f(u8);`): 2015.
    AnonymousParameter,
    /// `async`, `await`, `dyn` or `try` as a name: keywords since 2018.
    KeywordAsName,
}

impl OldSyntax {
    fn describe(self) -> &'static str {
        match self {
            OldSyntax::BareFnTraitObject => {
                "a trait object without `dyn` (`&Fn()`, `Box<FnMut() + Send>`)"
            }
            OldSyntax::AnonymousParameter => {
                "a trait method parameter without a name (`fn f(u8);`)"
            }
            OldSyntax::KeywordAsName => {
                "a 2018 keyword used as a name (`async`, `await`, `dyn`, `try`)"
            }
        }
    }

    fn accepted_in(self, edition: Edition) -> bool {
        match self {
            OldSyntax::BareFnTraitObject => edition <= Edition::E2018,
            OldSyntax::AnonymousParameter | OldSyntax::KeywordAsName => edition == Edition::E2015,
        }
    }
}

/// How many constructs of older syntax one file may have rewritten before
/// it is given up (each costs a parse of the file).
const MAX_REWRITES: usize = 64;

/// Parses a file of a crate of `edition`, or returns the diagnostic that
/// replaces it: a `parse_error` for text rustc would not parse either, an
/// `analysis_incomplete` warning for a file nested too deeply to parse
/// safely ([`nesting`]). Where syn stops at older syntax that rustc accepts
/// in `edition` ([`OldSyntax`]), the construct is rewritten in the tokens
/// to its current form (`dyn Fn()`, `_: u8`, `r#async`; each new token
/// takes the span of the one it stands before, so every place stays true
/// to the file) and the file parsed again; when that does not succeed, the
/// file is an `analysis_incomplete` warning naming the construct, never a
/// deny-level `parse_error`. Any other error is a `parse_error`.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn parse_file_edition(file: &SourceFile, edition: Edition) -> Result<syn::File, Diagnostic> {
    with_rewrites(file, edition, syn::parse2::<syn::File>)
}

/// [`parse_file_edition`], one item at a time: each top-level item is
/// handed to `add` (with the state `init` made) as soon as it is parsed,
/// and dropped after, so that at most one item's syntax tree is alive,
/// not the file's (a 50 MB generated file's tree is about 4.8 GB). The
/// items, the errors and the rewrites of older syntax are those of
/// [`parse_file_edition`]; when the file is parsed again (an item that
/// does not parse alone, a rewrite), the state starts over from `init`.
/// The file's inner attributes are not handed over.
///
/// The file's tokens are cut into items where an item can end (a `;` or
/// a `{..}` group at the top level) and each piece parsed alone, so that
/// syn's buffer holds one item's tokens, not the file's, and each item's
/// tokens are freed once it is parsed. A piece that does not parse as an
/// item (`use a::{b, c};` ends at its `;`, not at its group) takes the
/// next one too; when that fails 16 times in a row, or at the end of the
/// file, the file is parsed whole as syn parses a file, for its error.
#[allow(clippy::result_large_err)]
pub fn parse_items_edition<S>(
    file: &SourceFile,
    edition: Edition,
    init: impl Fn() -> S,
    mut add: impl FnMut(&mut S, syn::Item),
) -> Result<S, Diagnostic> {
    let mut state = init();
    if each_item(tokenize_file(file)?, &mut |item| add(&mut state, item)) {
        return Ok(state);
    }
    drop(state);
    with_rewrites(file, edition, |tokens| {
        // What `syn::File`'s parser does, with each item handed over.
        let items = |input: syn::parse::ParseStream| -> syn::Result<S> {
            input.call(syn::Attribute::parse_inner)?;
            let mut state = init();
            while !input.is_empty() {
                add(&mut state, input.parse()?);
            }
            Ok(state)
        };
        syn::parse::Parser::parse2(items, tokens)
    })
}

/// Parses a file's `tokens` item by item (see [`parse_items_edition`]):
/// false when a piece could not be parsed as an item.
fn each_item(tokens: TokenStream, add: &mut impl FnMut(syn::Item)) -> bool {
    const MAX_JOINED: usize = 16;
    let mut piece: Vec<TokenTree> = Vec::new();
    let mut failed = 0;
    // Inner attributes (`#![..]`, `//!`) come first, and only there.
    let mut at_start = true;
    for tt in tokens {
        let ends = match &tt {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
            _ => false,
        };
        piece.push(tt);
        if at_start {
            match piece.as_slice() {
                [TokenTree::Punct(h), TokenTree::Punct(b), TokenTree::Group(g)]
                    if h.as_char() == '#'
                        && b.as_char() == '!'
                        && g.delimiter() == Delimiter::Bracket =>
                {
                    piece.clear();
                    continue;
                }
                [TokenTree::Punct(h)] if h.as_char() == '#' => continue,
                [TokenTree::Punct(h), TokenTree::Punct(b)]
                    if h.as_char() == '#' && b.as_char() == '!' =>
                {
                    continue
                }
                _ => at_start = false,
            }
        }
        if !ends {
            continue;
        }
        match syn::parse2::<syn::Item>(piece.iter().cloned().collect()) {
            Ok(item) => {
                piece.clear();
                failed = 0;
                add(item);
            }
            Err(_) if failed < MAX_JOINED => failed += 1,
            Err(_) => return false,
        }
    }
    piece.is_empty()
}

/// Parses the file's tokens with `parse`, rewriting older syntax rustc
/// accepts in `edition` and parsing again (see [`parse_file_edition`]).
#[allow(clippy::result_large_err)]
fn with_rewrites<T>(
    file: &SourceFile,
    edition: Edition,
    mut parse: impl FnMut(TokenStream) -> syn::Result<T>,
) -> Result<T, Diagnostic> {
    let mut tokens = tokenize_file(file)?;
    // The first parse takes the file's tokens (syn copies them into its
    // buffer: a second copy kept for a rewrite would be half a gigabyte
    // for a 50 MB file); they are made again only if it fails.
    let mut first = true;
    let mut seen: Option<(OldSyntax, syn::Error)> = None;
    for _ in 0..=MAX_REWRITES {
        let attempt = if first {
            std::mem::take(&mut tokens)
        } else {
            tokens.clone()
        };
        let e = match parse(attempt) {
            Ok(ast) => return Ok(ast),
            Err(e) => e,
        };
        if first {
            first = false;
            tokens = tokenize_file(file)?;
        }
        match rewrite_old_syntax(&tokens, &e, edition) {
            Some((kind, rewritten)) => {
                tokens = rewritten;
                seen.get_or_insert((kind, e));
            }
            None => {
                return Err(match seen {
                    None => syn_error(file, e),
                    Some((kind, first)) => old_syntax(file, kind, first),
                })
            }
        }
    }
    let (kind, first) = seen.expect("rewritten at least once");
    Err(old_syntax(file, kind, first))
}

/// The warning for a file in older syntax that could not be parsed even
/// with it rewritten.
fn old_syntax(file: &SourceFile, kind: OldSyntax, first: syn::Error) -> Diagnostic {
    let mut location = location(&file.display, first.span());
    if location.line == 0 {
        location = Location::file_start(file.display.clone());
    }
    Diagnostic {
        lint: builtin::ANALYSIS_INCOMPLETE,
        level: Level::Warn,
        message: format!(
            "`{}` uses older syntax that rustc accepts in its edition but imperlint's parser does not: {}; the file was not analysed",
            file.display,
            kind.describe()
        ),
        location,
        label: "this syntax".to_string(),
        related: Vec::new(),
        notes: vec![
            "imperlint rewrites a few such constructs to their current form; this file has more, or others".to_string(),
        ],
        help: Some("write it the current way (`dyn Trait`, named parameters, `r#async`), which every edition accepts".to_string()),
        fix: None,
    }
}

/// When syn's error `e` on `tokens` is at a construct of [`OldSyntax`]
/// rustc accepts in `edition`, the tokens with that one construct written
/// the current way.
fn rewrite_old_syntax(
    tokens: &TokenStream,
    e: &syn::Error,
    edition: Edition,
) -> Option<(OldSyntax, TokenStream)> {
    let at = e.span().byte_range().start;
    let message = e.to_string();
    let mut found = None;
    let rewritten = rewrite_at(tokens, None, &mut |level: &mut Vec<TokenTree>, close| {
        // The token syn stopped at, or the end of the list (its closing bracket).
        let i = level
            .iter()
            .position(|t| t.span().byte_range().start == at)
            .or_else(|| (close == Some(at)).then_some(level.len()))?;
        let (kind, insert_at, replace): (OldSyntax, usize, Option<TokenTree>) = match level.get(i) {
            // `Fn(..)` where a type without `dyn` is parsed: `dyn` before its path.
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis && i > 0 => {
                let is_fn = matches!(&level[i - 1], TokenTree::Ident(id) if id == "Fn" || id == "FnMut" || id == "FnOnce");
                if !is_fn {
                    return None;
                }
                let mut start = i - 1;
                // Back over `a::b::` (and a leading `::`).
                while start >= 2
                    && matches!(&level[start - 1], TokenTree::Punct(p) if p.as_char() == ':')
                    && matches!(&level[start - 2], TokenTree::Punct(p) if p.as_char() == ':')
                {
                    if start >= 3 && matches!(&level[start - 3], TokenTree::Ident(_)) {
                        start -= 3;
                    } else {
                        start -= 2;
                        break;
                    }
                }
                (OldSyntax::BareFnTraitObject, start, None)
            }
            // A keyword of 2018 where a name is expected: a raw identifier.
            Some(TokenTree::Ident(id))
                if ["async", "await", "dyn", "try"].contains(&id.to_string().as_str())
                    && (message.contains("expected identifier")
                        || message.starts_with("expected one of")) =>
            {
                let raw = proc_macro2::Ident::new_raw(&id.to_string(), id.span());
                (OldSyntax::KeywordAsName, i, Some(TokenTree::Ident(raw)))
            }
            // `fn f(u8);`: the parameter list of a method without a body,
            // and syn wanted the `:` after a pattern: `_:` before it.
            _ if message == "expected `:`" => {
                let start = level[..i]
                    .iter()
                    .rposition(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                    .map_or(0, |c| c + 1);
                (OldSyntax::AnonymousParameter, start, None)
            }
            _ => return None,
        };
        if !kind.accepted_in(edition) {
            return None;
        }
        found = Some(kind);
        let span = level[insert_at].span();
        match (kind, replace) {
            (_, Some(token)) => level[insert_at] = token,
            (OldSyntax::BareFnTraitObject, None) => level.insert(
                insert_at,
                TokenTree::Ident(proc_macro2::Ident::new("dyn", span)),
            ),
            (_, None) => {
                let mut colon = proc_macro2::Punct::new(':', Spacing::Alone);
                colon.set_span(span);
                level.splice(
                    insert_at..insert_at,
                    [
                        TokenTree::Ident(proc_macro2::Ident::new("_", span)),
                        TokenTree::Punct(colon),
                    ],
                );
            }
        }
        Some(())
    })?;
    // An anonymous parameter is only taken for one in a declaration without
    // a body (`fn f(u8);`), where rustc 2015 accepts it.
    if found == Some(OldSyntax::AnonymousParameter) && !declaration_has_no_body(tokens, at) {
        return None;
    }
    found.map(|kind| (kind, rewritten))
}

/// Whether byte `at` is in the parameter list of a function declared
/// without a body (`fn name(..) -> T;`, generics allowed): a trait method
/// declaration.
fn declaration_has_no_body(tokens: &TokenStream, at: usize) -> bool {
    let mut answer = false;
    let _ = rewrite_at(tokens, None, &mut |level: &mut Vec<TokenTree>, _| {
        let i = level.iter().position(|t| {
            matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis
                && g.span().byte_range().contains(&at))
        })?;
        let is_kw = |t: &TokenTree, w: &str| matches!(t, TokenTree::Ident(id) if id == w);
        let after_fn = level[..i]
            .iter()
            .rev()
            .take_while(|t| {
                !matches!(t, TokenTree::Group(_))
                    && !matches!(t, TokenTree::Punct(p) if p.as_char() == ';')
            })
            .any(|t| is_kw(t, "fn"));
        let no_body = level[i + 1..]
            .iter()
            .find(|t| {
                matches!(t, TokenTree::Punct(p) if p.as_char() == ';')
                    || matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
            })
            .is_some_and(|t| matches!(t, TokenTree::Punct(_)));
        answer = after_fn && no_body;
        None
    });
    answer
}

/// An edit of one token list, given where its group's closing bracket
/// starts; `None` when it does not apply there.
type Edit<'e> = dyn FnMut(&mut Vec<TokenTree>, Option<usize>) -> Option<()> + 'e;

/// Applies `edit` to the innermost token list (the file's, or a group's
/// contents, with where the group's closing bracket starts) for which it
/// returns `Some`, and rebuilds the stream; `None` when it returns `None`
/// everywhere. Recursion is bounded
/// by the nesting [`tokenize_file`] has already checked.
fn rewrite_at(
    tokens: &TokenStream,
    close: Option<usize>,
    edit: &mut Edit<'_>,
) -> Option<TokenStream> {
    let mut level: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for i in 0..level.len() {
        if let TokenTree::Group(g) = &level[i] {
            let close = Some(g.span_close().byte_range().start);
            if let Some(inner) = rewrite_at(&g.stream(), close, edit) {
                let mut group = proc_macro2::Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                level[i] = TokenTree::Group(group);
                return Some(level.into_iter().collect());
            }
        }
    }
    edit(&mut level, close)?;
    Some(level.into_iter().collect())
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
            format!(
                "{}pub fn f() {{}}",
                many("//! Crate docs, `code`, [links](x).\n")
            ),
            format!("{}pub fn f() {{}}", many("#[doc = \"x\"] #![allow(x)]\n")),
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

    /// Item by item, a file gives the items, in order, and the errors that
    /// parsing it whole gives: items whose `{..}` groups are not their end
    /// (a `use` group, a block or closure in a constant, a const generic
    /// argument), inner attributes and doc comments, macros, older syntax
    /// rewritten, and broken files.
    #[test]
    #[allow(clippy::result_large_err)]
    fn item_by_item_is_the_whole_file_parse() {
        let items = |text: &str, edition| {
            parse_items_edition(&source(text), edition, Vec::new, |v, i| v.push(i))
        };
        let whole = |text: &str, edition| parse_file_edition(&source(text), edition);
        for text in [
            "//! Crate docs.\n#![allow(dead_code)]\n#![doc = \"x\"]\nuse a::{b, c::{d, e}};\nfn f() {}\n",
            "const X: u32 = { 1 + 2 };\nstatic F: fn() = || {};\nconst S: S = S { a: 1 };\n",
            "fn g<const N: usize>() -> Foo<{ N + 1 }> where [(); { N }]: Sized { }\nimpl<T> Tr<{ 3 }> for T {}\n",
            "macro_rules! m { ($x:expr) => { $x }; }\nm! { a }\nm!(b);\nmod inner { fn h() { m!(1); } }\n",
            "#[cfg(test)]\nmod t;\nextern crate core as c;\nunsafe extern \"C\" { fn ext(); }\ntrait T { fn d(&self) {} }\n",
            "struct S(u8);\nenum E { A = { 1 }, B }\nunion U { a: u8 }\ntype A = [u8; { 2 }];\n",
            "",
        ] {
            let got = items(text, Edition::E2021).unwrap();
            let want = whole(text, Edition::E2021).unwrap().items;
            assert_eq!(got, want, "{text}");
        }
        // Older syntax, rewritten: the same items in its edition, the same
        // warning in a later one.
        let old = "trait T { fn f(&self, u8) -> u8; }\npub fn run(f: &Fn()) {}\n";
        assert_eq!(
            items(old, Edition::E2015).unwrap(),
            whole(old, Edition::E2015).unwrap().items
        );
        // Broken files: the error of the whole file's parse.
        for bad in [
            "fn f() {}\nfn g( {}\n",
            "fn f() {}\n#![late]\n",
            "fn f() {};\n",
            "fn f() {}\n#[dangling]\n",
            "struct S { a: u8 }\nuse a::{b, c}\n",
            old,
        ] {
            for edition in [Edition::E2015, Edition::E2021] {
                // (Items compare without their spans, which differ
                // between two tokenizations; diagnostics by their places.)
                match (items(bad, edition), whole(bad, edition)) {
                    (Ok(got), Ok(want)) => assert_eq!(got, want.items, "{bad} ({edition:?})"),
                    (Err(got), Err(want)) => {
                        assert_eq!(
                            format!("{got:?}"),
                            format!("{want:?}"),
                            "{bad} ({edition:?})"
                        )
                    }
                    (got, want) => panic!("{bad} ({edition:?}): {got:?} / {want:?}"),
                }
            }
        }
    }

    fn source(text: &str) -> SourceFile {
        SourceFile {
            path: "old.rs".into(),
            display: "old.rs".into(),
            text: text.into(),
        }
    }

    #[test]
    fn editions_are_read_from_the_manifest() {
        let of = |t: &str| Edition::of_manifest(Some(t));
        assert_eq!(of("[package]\nname = \"a\"\n"), Edition::E2015);
        assert_eq!(of("[package]\nedition = \"2018\"\n"), Edition::E2018);
        assert_eq!(of("[package]\nedition = \"2024\"\n"), Edition::E2021);
        assert_eq!(of("[package]\nedition.workspace = true\n"), Edition::E2021);
        assert_eq!(of("not toml ["), Edition::E2021);
        assert_eq!(Edition::of_manifest(None), Edition::E2015);
    }

    /// Older syntax rustc accepts in its edition is parsed, with every span
    /// still true to the file; the same text in a later edition, and real
    /// errors next to it, are parse errors.
    #[test]
    fn older_syntax_is_parsed_in_its_edition_only() {
        let old = "pub type Cb<T> = Fn(&T) + Send;\n\
                   pub struct S { f: Box<::std::ops::FnMut(u8) -> u8 + Send> }\n\
                   pub fn run(f: &Fn()) { let dyn = 1; }\n\
                   trait T { fn f(&self, u8, &str) -> u8; }\n";
        let ast = parse_file_edition(&source(old), Edition::E2015).unwrap();
        let syn::Item::Fn(run) = &ast.items[2] else {
            panic!("not a fn")
        };
        let loc = location("old.rs", run.sig.ident.span());
        assert_eq!(&old[loc.byte_start..loc.byte_end], "run");
        assert_eq!(ast.items.len(), 4);
        // 2018 accepts the trait objects, not the 2015 parameter and name.
        let bare = "pub fn run(f: &Fn(), g: Box<FnOnce() + Send>) {}\n";
        assert!(parse_file_edition(&source(bare), Edition::E2018).is_ok());
        for (text, edition) in [
            (bare, Edition::E2021),
            ("trait T { fn f(u8); }", Edition::E2018),
            ("fn f() { let dyn = 1; }", Edition::E2018),
            // Not a declaration without a body: rustc refuses it in 2015 too.
            ("fn f(u8) {}", Edition::E2015),
            ("fn f() { let = 1; }", Edition::E2015),
        ] {
            let err = parse_file_edition(&source(text), edition).unwrap_err();
            assert_eq!(err.lint, builtin::PARSE_ERROR, "{text} in {edition:?}");
        }
    }

    /// Older syntax that stays unparsed after the rewrites is a warning
    /// naming the construct, not a deny-level parse error.
    #[test]
    fn older_syntax_beyond_the_rewrites_is_a_warning() {
        let text = "pub fn async() {}\nfn g() { async(); }\n";
        let err = parse_file_edition(&source(text), Edition::E2015).unwrap_err();
        assert_eq!(err.lint, builtin::ANALYSIS_INCOMPLETE);
        assert_eq!(err.level, Level::Warn);
        assert!(
            err.message.contains("2018 keyword used as a name"),
            "{}",
            err.message
        );
        let many = "pub fn f(x: &Fn()) {}\n".repeat(MAX_REWRITES + 1);
        let err = parse_file_edition(&source(&many), Edition::E2015).unwrap_err();
        assert_eq!(err.lint, builtin::ANALYSIS_INCOMPLETE);
        assert!(err.message.contains("without `dyn`"), "{}", err.message);
    }
}
