//! One `macro_rules!` definition: its rules parsed from tokens
//! ([`MacroRules::parse`]), an invocation's tokens matched against them
//! (fragments parsed with syn, repetitions with backtracking over their
//! counts) and the first matching rule's transcriber filled in
//! ([`MacroRules::expand`]). It works on `proc_macro2` tokens and knows
//! nothing of files, scopes or where an expansion goes (that is the
//! parent module): tokens copied from the transcriber take the span the
//! caller gives (the invocation's), tokens bound to fragments keep their
//! own (the invocation's arguments).

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};

/// How much matching one invocation may cost (tokens and fragments tried,
/// backtracking included): real macros need a few thousand steps; a
/// pathological matcher stops here instead of running for minutes.
pub(crate) const MAX_MATCH_STEPS: u32 = 200_000;

/// The most tokens one transcription may produce (groups count as one
/// token each, and so do their contents).
pub(crate) const MAX_OUTPUT_TOKENS: usize = 1 << 20;

/// Why an invocation was not expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No rule matches the invocation's tokens.
    NoMatch,
    /// A bound was hit (matching steps, output size): the expansion may be
    /// valid but is not worked out.
    Limit(&'static str),
    /// The transcriber cannot be filled in (a repetition without a
    /// repeating variable, counts that disagree, a variable still repeating).
    Transcribe(String),
}

/// A parsed `macro_rules!` definition.
#[derive(Debug)]
pub(crate) struct MacroRules {
    rules: Vec<Rule>,
    /// What `$crate` writes: `crate` for the crate's own macros, the
    /// name the dependent gives the dependency for a dependency's.
    pub(crate) krate: Option<String>,
}

#[derive(Debug)]
struct Rule {
    matcher: Vec<Matcher>,
    template: Vec<Template>,
}

/// A fragment specifier (`$x:expr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fragment {
    Ident,
    Lifetime,
    Tt,
    Literal,
    Block,
    Expr,
    Ty,
    Path,
    Pat,
    PatParam,
    Stmt,
    Item,
    Meta,
    Vis,
}

impl Fragment {
    fn from_name(name: &str) -> Option<Fragment> {
        Some(match name {
            "ident" => Fragment::Ident,
            "lifetime" => Fragment::Lifetime,
            "tt" => Fragment::Tt,
            "literal" => Fragment::Literal,
            "block" => Fragment::Block,
            "expr" | "expr_2021" => Fragment::Expr,
            "ty" => Fragment::Ty,
            "path" => Fragment::Path,
            "pat" => Fragment::Pat,
            "pat_param" => Fragment::PatParam,
            "stmt" => Fragment::Stmt,
            "item" => Fragment::Item,
            "meta" => Fragment::Meta,
            "vis" => Fragment::Vis,
            _ => return None,
        })
    }
}

/// `*`, `+` or `?` after a repetition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RepOp {
    ZeroOrMore,
    OneOrMore,
    ZeroOrOne,
}

/// A token the matcher requires as it is (spacing is not compared).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(char),
    Literal(String),
}

impl Tok {
    fn of(tt: &TokenTree) -> Option<Tok> {
        match tt {
            TokenTree::Ident(i) => Some(Tok::Ident(i.to_string())),
            TokenTree::Punct(p) => Some(Tok::Punct(p.as_char())),
            TokenTree::Literal(l) => Some(Tok::Literal(l.to_string())),
            TokenTree::Group(_) => None,
        }
    }
}

#[derive(Debug)]
enum Matcher {
    Token(Tok),
    Group(Delimiter, Vec<Matcher>),
    Var(String, Fragment),
    Repeat(Box<Repeat<Matcher>>),
}

#[derive(Debug)]
enum Template {
    Token(TokenTree),
    Group(Delimiter, Vec<Template>),
    Var(String),
    /// `$crate`: the defining crate's root (`crate`, or the dependency's name).
    Crate,
    Repeat(Box<Repeat<Template>>),
}

#[derive(Debug)]
struct Repeat<T> {
    body: Vec<T>,
    /// The separator's tokens (one token to rustc: `,`, `;`, `=>`).
    sep: Vec<Tok>,
    sep_tokens: Vec<TokenTree>,
    op: RepOp,
    /// The variables bound (matcher) or used (template) inside, nested ones included.
    vars: Vec<String>,
}

/// What a matched rule bound: each variable's tokens, per repetition.
#[derive(Clone, Debug)]
enum Binding {
    One(Fragment, Vec<TokenTree>),
    Many(Vec<Binding>),
}

type Bindings = Vec<(String, Binding)>;

fn is_dollar(tt: &TokenTree) -> bool {
    matches!(tt, TokenTree::Punct(p) if p.as_char() == '$')
}

/// The punctuation rustc lexes as one token, longest first.
const MULTI_PUNCT: &[&str] = &[
    "<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=",
    "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", "..",
];

/// How many `proc_macro2` tokens from `i` make one rustc token: a joint
/// run of punctuation that spells an operator, a lifetime (`'a`), or one.
fn token_len(tts: &[TokenTree], i: usize) -> usize {
    let TokenTree::Punct(p) = &tts[i] else {
        return 1;
    };
    if p.as_char() == '\'' && matches!(tts.get(i + 1), Some(TokenTree::Ident(_))) {
        return 2;
    }
    let mut run = String::new();
    let mut j = i;
    while let Some(TokenTree::Punct(q)) = tts.get(j) {
        run.push(q.as_char());
        j += 1;
        if q.spacing() == Spacing::Alone || run.len() == 3 {
            break;
        }
    }
    MULTI_PUNCT
        .iter()
        .find(|op| run.starts_with(*op))
        .map_or(1, |op| op.len())
}

/// Reads the separator and operator after `$( ... )` at `tts[i..]`;
/// returns them and the index after them.
fn repetition_tail(tts: &[TokenTree], i: usize) -> Option<(Vec<TokenTree>, RepOp, usize)> {
    let op_at = |j: usize| -> Option<RepOp> {
        match tts.get(j)? {
            TokenTree::Punct(p) => match p.as_char() {
                '*' => Some(RepOp::ZeroOrMore),
                '+' => Some(RepOp::OneOrMore),
                '?' => Some(RepOp::ZeroOrOne),
                _ => None,
            },
            _ => None,
        }
    };
    // A Kleene operator first is the operator (rustc reads `$(..)+*` as
    // `+` and then a token `*`); otherwise a separator comes first.
    if let Some(op) = op_at(i) {
        return Some((Vec::new(), op, i + 1));
    }
    if matches!(tts.get(i), Some(TokenTree::Group(_)) | None) {
        return None;
    }
    let n = token_len(tts, i);
    let mut sep: Vec<TokenTree> = tts[i..i + n].to_vec();
    // The separator's last character is joint to the operator in the definition only.
    if let Some(TokenTree::Punct(p)) = sep.last_mut() {
        *p = proc_macro2::Punct::new(p.as_char(), Spacing::Alone);
    }
    let op = op_at(i + n).filter(|op| *op != RepOp::ZeroOrOne)?;
    Some((sep, op, i + n + 1))
}

/// The repetition `$( g ) sep op` at `tts[i..]`, its body read by
/// `parse`; returns it and the index after it.
fn repetition<T>(
    tts: &[TokenTree],
    i: usize,
    g: &Group,
    vars: &mut Vec<String>,
    parse: fn(TokenStream, &mut Vec<String>) -> Result<Vec<T>, String>,
) -> Result<(Repeat<T>, usize), String> {
    let mut inner_vars = Vec::new();
    let body = parse(g.stream(), &mut inner_vars)?;
    let (sep_tokens, op, next) =
        repetition_tail(tts, i + 2).ok_or("a repetition without `*`, `+` or `?`")?;
    vars.extend(inner_vars.iter().cloned());
    let rep = Repeat {
        body,
        sep: sep_tokens.iter().filter_map(Tok::of).collect(),
        sep_tokens,
        op,
        vars: inner_vars,
    };
    Ok((rep, next))
}

fn parse_matcher(ts: TokenStream, vars: &mut Vec<String>) -> Result<Vec<Matcher>, String> {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            t if is_dollar(t) => match tts.get(i + 1) {
                Some(TokenTree::Ident(name)) => {
                    let is_colon = |j: usize| matches!(tts.get(j), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                    if name == "crate" && !is_colon(i + 2) {
                        out.push(Matcher::Token(Tok::Punct('$')));
                        out.push(Matcher::Token(Tok::Ident("crate".into())));
                        i += 2;
                        continue;
                    }
                    let kind = match (is_colon(i + 2), tts.get(i + 3)) {
                        (true, Some(TokenTree::Ident(k))) => Fragment::from_name(&k.to_string())
                            .ok_or_else(|| format!("unknown fragment specifier `{k}`"))?,
                        _ => return Err(format!("`${name}` without a fragment specifier")),
                    };
                    let name = name.to_string();
                    vars.push(name.clone());
                    out.push(Matcher::Var(name, kind));
                    i += 4;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let (rep, next) = repetition(&tts, i, g, vars, parse_matcher)?;
                    out.push(Matcher::Repeat(Box::new(rep)));
                    i = next;
                }
                _ => {
                    out.push(Matcher::Token(Tok::Punct('$')));
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                out.push(Matcher::Group(
                    g.delimiter(),
                    parse_matcher(g.stream(), vars)?,
                ));
                i += 1;
            }
            t => {
                out.push(Matcher::Token(Tok::of(t).expect("not a group")));
                i += 1;
            }
        }
    }
    Ok(out)
}

fn parse_template(ts: TokenStream, vars: &mut Vec<String>) -> Result<Vec<Template>, String> {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            t if is_dollar(t) => match tts.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.push(Template::Crate);
                    i += 2;
                }
                Some(TokenTree::Ident(name)) => {
                    vars.push(name.to_string());
                    out.push(Template::Var(name.to_string()));
                    i += 2;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let (rep, next) = repetition(&tts, i, g, vars, parse_template)?;
                    out.push(Template::Repeat(Box::new(rep)));
                    i = next;
                }
                _ => {
                    out.push(Template::Token(tts[i].clone()));
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                out.push(Template::Group(
                    g.delimiter(),
                    parse_template(g.stream(), vars)?,
                ));
                i += 1;
            }
            t => {
                let mut t = t.clone();
                // Joint to a `$` in the definition, not to what replaces it.
                if let TokenTree::Punct(p) = &t {
                    if p.spacing() == Spacing::Joint && tts.get(i + 1).is_some_and(is_dollar) {
                        t = TokenTree::Punct(proc_macro2::Punct::new(p.as_char(), Spacing::Alone));
                    }
                }
                out.push(Template::Token(t));
                i += 1;
            }
        }
    }
    Ok(out)
}

impl MacroRules {
    /// Parses the rules of a `macro_rules!` body (what is inside its
    /// braces): `(matcher) => { transcriber };`, one or more.
    pub(crate) fn parse(body: TokenStream) -> Result<MacroRules, String> {
        let tts: Vec<TokenTree> = body.into_iter().collect();
        let mut rules = Vec::new();
        let mut i = 0;
        while i < tts.len() {
            let Some(TokenTree::Group(lhs)) = tts.get(i) else {
                return Err("expected a rule's matcher in brackets".to_string());
            };
            let arrow = matches!(
                (tts.get(i + 1), tts.get(i + 2)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '=' && b.as_char() == '>'
            );
            let (true, Some(TokenTree::Group(rhs))) = (arrow, tts.get(i + 3)) else {
                return Err("expected `=> { .. }` after a rule's matcher".to_string());
            };
            let matcher = parse_matcher(lhs.stream(), &mut Vec::new())?;
            let template = parse_template(rhs.stream(), &mut Vec::new())?;
            rules.push(Rule { matcher, template });
            i += 4;
            if matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                i += 1;
            }
        }
        if rules.is_empty() {
            return Err("a macro without rules".to_string());
        }
        Ok(MacroRules { rules, krate: None })
    }

    /// Expands an invocation whose tokens (inside its delimiters) are
    /// `input`: the first rule that matches, transcribed. Tokens of the
    /// transcriber get `call` as their span; bound tokens keep theirs.
    pub(crate) fn expand(&self, input: &TokenStream, call: Span) -> Result<TokenStream, Failure> {
        let steps = std::cell::Cell::new(0u32);
        for rule in &self.rules {
            let m = Match { steps: &steps };
            let matched = (|s: ParseStream| -> syn::Result<Option<Bindings>> {
                let mut b = Bindings::new();
                let ok = m.seq(&rule.matcher, s, &mut b, true);
                // What a failed match left unread is not an error here.
                let _: TokenStream = s.parse()?;
                Ok(ok.then_some(b))
            })
            .parse2(input.clone());
            if steps.get() > MAX_MATCH_STEPS {
                return Err(Failure::Limit("matching steps"));
            }
            if let Ok(Some(b)) = matched {
                let mut out = Vec::new();
                let mut t = Transcriber {
                    binds: &b,
                    call,
                    krate: self.krate.as_deref().unwrap_or("crate"),
                    idx: Vec::new(),
                    produced: 0,
                };
                t.seq(&rule.template, &mut out)?;
                return Ok(out.into_iter().collect());
            }
        }
        Err(Failure::NoMatch)
    }
}

/// The matcher of one invocation against one rule.
struct Match<'s> {
    steps: &'s std::cell::Cell<u32>,
}

impl Match<'_> {
    /// Counts a step; false once over budget (everything then fails).
    fn step(&self) -> bool {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        n <= MAX_MATCH_STEPS
    }

    /// Matches `ms` at the start of `input` (all of it when `to_end`),
    /// adding bindings to `b`. On failure `input` and `b` are left in any
    /// state: callers match on forks and truncate.
    fn seq(&self, ms: &[Matcher], input: ParseStream, b: &mut Bindings, to_end: bool) -> bool {
        for (k, m) in ms.iter().enumerate() {
            if !self.step() {
                return false;
            }
            match m {
                Matcher::Token(t) => {
                    let ok = input.step(|c| match c.token_tree() {
                        Some((tt, next)) if Tok::of(&tt).as_ref() == Some(t) => Ok(((), next)),
                        _ => Err(c.error("")),
                    });
                    if ok.is_err() {
                        return false;
                    }
                }
                Matcher::Group(delim, inner) => {
                    let group = input.step(|c| match c.token_tree() {
                        Some((TokenTree::Group(g), next)) if g.delimiter() == *delim => {
                            Ok((g, next))
                        }
                        _ => Err(c.error("")),
                    });
                    let Ok(g) = group else {
                        return false;
                    };
                    let inner_ok = (|s: ParseStream| -> syn::Result<bool> {
                        let ok = self.seq(inner, s, b, true);
                        let _: TokenStream = s.parse()?;
                        Ok(ok)
                    })
                    .parse2(g.stream());
                    if !matches!(inner_ok, Ok(true)) {
                        return false;
                    }
                }
                Matcher::Var(name, kind) => match fragment(input, *kind) {
                    Some(tokens) => b.push((name.clone(), Binding::One(*kind, tokens))),
                    None => return false,
                },
                Matcher::Repeat(rep) => return self.repeat(rep, &ms[k + 1..], input, b, to_end),
            }
        }
        !to_end || input.is_empty()
    }

    /// A repetition followed by `rest`: as many iterations as match, then
    /// fewer until `rest` matches after them (rustc's matcher explores
    /// every count; a greedy one with this fallback accepts what real
    /// macros write).
    fn repeat(
        &self,
        rep: &Repeat<Matcher>,
        rest: &[Matcher],
        input: ParseStream,
        b: &mut Bindings,
        to_end: bool,
    ) -> bool {
        let max = if rep.op == RepOp::ZeroOrOne {
            1
        } else {
            usize::MAX
        };
        // After each iteration: where the input is, and that iteration's bindings.
        let mut iters: Vec<(syn::parse::ParseBuffer<'_>, Bindings)> = Vec::new();
        loop {
            if iters.len() >= max || !self.step() {
                break;
            }
            let from = match iters.last() {
                Some((f, _)) => f.fork(),
                None => input.fork(),
            };
            if !iters.is_empty() && !rep.sep.is_empty() && !separator(&from, &rep.sep) {
                break;
            }
            let before = from.cursor();
            let mut ib = Bindings::new();
            if !self.seq(&rep.body, &from, &mut ib, false) {
                break;
            }
            // A body that matches nothing would repeat forever.
            if from.cursor() == before {
                iters.push((from, ib));
                break;
            }
            iters.push((from, ib));
        }
        let min = usize::from(rep.op == RepOp::OneOrMore);
        while iters.len() >= min {
            let after = match iters.last() {
                Some((f, _)) => f.fork(),
                None => input.fork(),
            };
            let mark = b.len();
            let mut rb = Bindings::new();
            if self.seq(rest, &after, &mut rb, to_end) {
                for var in &rep.vars {
                    let each = iters
                        .iter_mut()
                        .map(|(_, ib)| take_binding(ib, var))
                        .collect::<Vec<_>>();
                    b.push((var.clone(), Binding::Many(each)));
                }
                b.extend(rb);
                input.advance_to(&after);
                return true;
            }
            b.truncate(mark);
            if iters.pop().is_none() || !self.step() {
                break;
            }
        }
        false
    }
}

/// Removes and returns `var`'s binding of one iteration (a nested
/// repetition that did not run binds nothing: an empty list).
fn take_binding(b: &mut Bindings, var: &str) -> Binding {
    match b.iter().position(|(n, _)| n == var) {
        Some(i) => b.remove(i).1,
        None => Binding::Many(Vec::new()),
    }
}

/// Consumes a separator's tokens, if they come next.
fn separator(input: ParseStream, sep: &[Tok]) -> bool {
    for t in sep {
        let ok = input.step(|c| match c.token_tree() {
            Some((tt, next)) if Tok::of(&tt).as_ref() == Some(t) => Ok(((), next)),
            _ => Err(c.error("")),
        });
        if ok.is_err() {
            return false;
        }
    }
    true
}

/// Parses one fragment of `kind` from `input`; returns its tokens.
fn fragment(input: ParseStream, kind: Fragment) -> Option<Vec<TokenTree>> {
    let fork = input.fork();
    let start = fork.cursor();
    let parsed = match kind {
        Fragment::Ident => fork.step(|c| match c.token_tree() {
            Some((TokenTree::Ident(i), next)) if i != "_" => Ok(((), next)),
            _ => Err(c.error("")),
        }),
        Fragment::Lifetime => fork.parse::<syn::Lifetime>().map(drop),
        Fragment::Tt => fork.step(|c| {
            // One rustc token: a group, or a joint operator, or a lifetime.
            let mut rest: syn::buffer::Cursor = *c;
            let mut seen = Vec::new();
            for _ in 0..3 {
                let Some((tt, next)) = rest.token_tree() else {
                    break;
                };
                let more = matches!(&tt, TokenTree::Punct(p) if p.spacing() == Spacing::Joint || p.as_char() == '\'');
                seen.push((tt, next));
                if !more {
                    break;
                }
                rest = next;
            }
            if seen.is_empty() {
                return Err(c.error(""));
            }
            let tts: Vec<TokenTree> = seen.iter().map(|(t, _)| t.clone()).collect();
            let n = token_len(&tts, 0).min(seen.len());
            Ok(((), seen[n - 1].1))
        }),
        Fragment::Literal => {
            let neg = fork.peek(syn::Token![-]);
            if neg {
                let _ = fork.parse::<syn::Token![-]>();
            }
            match fork.parse::<syn::Lit>() {
                Ok(syn::Lit::Bool(_)) if neg => Err(fork.error("")),
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            }
        }
        Fragment::Block => fork.parse::<syn::Block>().map(drop),
        Fragment::Expr => fork.parse::<syn::Expr>().map(drop),
        Fragment::Ty => fork.parse::<syn::Type>().map(drop),
        Fragment::Path => fork.parse::<syn::Path>().map(drop),
        Fragment::Pat => syn::Pat::parse_multi_with_leading_vert(&fork).map(drop),
        Fragment::PatParam => syn::Pat::parse_single(&fork).map(drop),
        Fragment::Stmt => fork.parse::<syn::Stmt>().map(drop),
        Fragment::Item => fork.parse::<syn::Item>().map(drop),
        Fragment::Meta => fork.parse::<syn::Meta>().map(drop),
        Fragment::Vis => fork.parse::<syn::Visibility>().map(drop),
    };
    parsed.ok()?;
    let end = fork.cursor();
    let mut out = Vec::new();
    let mut c = start;
    while c < end {
        let (tt, next) = c.token_tree()?;
        out.push(tt);
        c = next;
    }
    // rustc's `stmt` fragment stops before the statement's `;`.
    if kind == Fragment::Stmt && out.len() > 1 {
        if let Some(TokenTree::Punct(p)) = out.last() {
            if p.as_char() == ';' {
                out.pop();
            }
        }
    }
    for _ in 0..out.len() {
        input
            .step(|c| {
                c.token_tree()
                    .map(|(_, next)| ((), next))
                    .ok_or_else(|| c.error(""))
            })
            .ok()?;
    }
    Some(out)
}

/// Fills in a rule's transcriber.
struct Transcriber<'b> {
    binds: &'b Bindings,
    call: Span,
    /// What `$crate` writes.
    krate: &'b str,
    /// The iteration of each repetition being transcribed, outermost first.
    idx: Vec<usize>,
    produced: usize,
}

impl<'b> Transcriber<'b> {
    /// The binding of `var` at the current iterations: `None` when unbound.
    fn lookup(&self, var: &str) -> Option<&'b Binding> {
        let mut b = &self.binds.iter().rev().find(|(n, _)| n == var)?.1;
        for &i in &self.idx {
            match b {
                Binding::Many(list) => b = list.get(i)?,
                Binding::One(..) => break,
            }
        }
        Some(b)
    }

    fn count(&mut self, n: usize) -> Result<(), Failure> {
        self.produced += n;
        if self.produced > MAX_OUTPUT_TOKENS {
            return Err(Failure::Limit("expansion size"));
        }
        Ok(())
    }

    fn seq(&mut self, tpl: &[Template], out: &mut Vec<TokenTree>) -> Result<(), Failure> {
        for t in tpl {
            match t {
                Template::Token(tt) => {
                    let mut tt = tt.clone();
                    tt.set_span(self.call);
                    self.count(1)?;
                    out.push(tt);
                }
                Template::Crate => {
                    self.count(1)?;
                    out.push(TokenTree::Ident(Ident::new(self.krate, self.call)));
                }
                Template::Group(delim, inner) => {
                    let mut content = Vec::new();
                    self.seq(inner, &mut content)?;
                    let mut g = Group::new(*delim, content.into_iter().collect());
                    g.set_span(self.call);
                    self.count(1)?;
                    out.push(TokenTree::Group(g));
                }
                Template::Var(name) => match self.lookup(name) {
                    Some(Binding::One(kind, tokens)) => {
                        self.count(tokens.len())?;
                        // An expression keeps its precedence where it lands
                        // (rustc passes it as one opaque node).
                        if *kind == Fragment::Expr && tokens.len() > 1 {
                            let mut g = Group::new(
                                Delimiter::Parenthesis,
                                tokens.iter().cloned().collect(),
                            );
                            g.set_span(tokens[0].span());
                            out.push(TokenTree::Group(g));
                        } else {
                            out.extend(tokens.iter().cloned());
                        }
                    }
                    Some(Binding::Many(_)) => {
                        return Err(Failure::Transcribe(format!(
                            "variable `{name}` is still repeating at this depth"
                        )))
                    }
                    // Not a variable of this rule: `$name` stays as written.
                    None => {
                        let mut dollar =
                            TokenTree::Punct(proc_macro2::Punct::new('$', Spacing::Alone));
                        dollar.set_span(self.call);
                        out.push(dollar);
                        out.push(TokenTree::Ident(Ident::new(name, self.call)));
                    }
                },
                Template::Repeat(rep) => {
                    let mut n: Option<usize> = None;
                    for var in &rep.vars {
                        if let Some(Binding::Many(list)) = self.lookup(var) {
                            match n {
                                Some(m) if m != list.len() => {
                                    return Err(Failure::Transcribe(
                                        "meta-variables repeat a different number of times"
                                            .to_string(),
                                    ))
                                }
                                _ => n = Some(list.len()),
                            }
                        }
                    }
                    let Some(n) = n else {
                        return Err(Failure::Transcribe(
                            "a repetition with no variable repeating at this depth".to_string(),
                        ));
                    };
                    for i in 0..n {
                        if i > 0 {
                            for s in &rep.sep_tokens {
                                let mut s = s.clone();
                                s.set_span(self.call);
                                out.push(s);
                            }
                        }
                        self.idx.push(i);
                        let r = self.seq(&rep.body, out);
                        self.idx.pop();
                        r?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(src: &str) -> MacroRules {
        MacroRules::parse(src.parse().unwrap()).unwrap()
    }

    /// Tokens as text, compared without spacing (a `$` in a definition
    /// changes whether the character before it is joint).
    fn flat(ts: TokenStream) -> String {
        ts.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(' ', "")
    }

    fn expand(def: &str, input: &str) -> Result<String, Failure> {
        rules(def)
            .expand(&input.parse().unwrap(), Span::call_site())
            .map(flat)
    }

    fn norm(s: &str) -> String {
        flat(s.parse::<TokenStream>().unwrap())
    }

    /// `def` expands `input` to `out`.
    fn expands(def: &str, input: &str, out: &str) {
        assert_eq!(expand(def, input).unwrap(), norm(out), "{def} on {input}");
    }

    #[test]
    fn simple_fragments() {
        let def = "($name:ident, $t:ty, $e:expr) => { fn $name() -> $t { $e } }";
        expands(
            def,
            "answer, u32, 40 + 2",
            "fn answer() -> u32 { (40 + 2) }",
        );
        // A one-token expression needs no parentheses.
        expands(def, "one, u8, 1", "fn one() -> u8 { 1 }");
    }

    #[test]
    fn every_fragment_kind() {
        let def = r#"
            ($p:path; $l:lifetime; $lit:literal; $b:block; $pat:pat; $v:vis; $m:meta; $s:stmt; $i:item; $t:tt) => {
                $v fn f<$l>() { let $pat = $p; #[$m] $s; $b; $lit; $t } $i
            }"#;
        let out = expand(
            def,
            // An item fragment takes its own `;`.
            "std::mem::drop; 'a; -1; { x() }; Some(y) | None; pub(crate); doc = \"d\"; let z = 1; struct S; ; +",
        )
        .unwrap();
        assert_eq!(
            out,
            norm("pub(crate) fn f<'a>() { let Some(y) | None = std::mem::drop; #[doc = \"d\"] let z = 1; { x() }; -1; + } struct S;")
        );
    }

    #[test]
    fn first_matching_rule_wins() {
        let def = "(begin $t:ident) => { begin_for!($t) }; ($t:ident) => { other($t) }";
        expands(def, "begin Pipe", "begin_for!(Pipe)");
        expands(def, "Pipe", "other(Pipe)");
        assert_eq!(expand(def, "1 2"), Err(Failure::NoMatch));
    }

    #[test]
    fn repetitions_with_separators() {
        let def = "($($t:ident => $f:ident),* $(,)?) => { $(impl Guard for $t { fn end(&self) { $f() } })* }";
        expands(def, "PipeToken => revert, ComToken => co_revert,", "impl Guard for PipeToken { fn end(&self) { revert() } } impl Guard for ComToken { fn end(&self) { co_revert() } }");
        assert_eq!(expand(def, "").unwrap(), "");
        let plus = "($($x:expr);+) => { [$($x),+] }";
        expands(plus, "a; b; c", "[a, b, c]");
        assert_eq!(expand(plus, ""), Err(Failure::NoMatch));
    }

    #[test]
    fn repetition_backtracks_to_what_follows() {
        let def = "($($a:ident),* , $last:ident) => { ($($a)*) $last }";
        expands(def, "a, b, c", "(a b) c");
    }

    #[test]
    fn nested_repetitions_and_outer_variables() {
        let def = "($ty:ident: $($m:ident($($arg:ident),*));*) => { $(fn $m($($arg: $ty),*) {})* }";
        expands(
            def,
            "u8: f(a, b); g(); h(c)",
            "fn f(a: u8, b: u8) {} fn g() {} fn h(c: u8) {}",
        );
    }

    #[test]
    fn tt_munching() {
        // A muncher's input is one token tree at a time.
        let def = "() => {}; ($head:tt $($rest:tt)*) => { one!($head); count!($($rest)*); }";
        expands(def, ":: -> x (y) 'a", "one!(::); count!(-> x (y) 'a);");
    }

    #[test]
    fn multi_char_separator_and_crate() {
        let def = "($($k:ident)=>*) => { $($crate::f($k);)* }";
        expands(def, "a => b", "crate::f(a); crate::f(b);");
    }

    #[test]
    fn transcription_errors() {
        assert!(matches!(
            expand("($($x:ident)*) => { $x }", "a b"),
            Err(Failure::Transcribe(_))
        ));
        assert!(matches!(
            expand("() => { $(x)* }", ""),
            Err(Failure::Transcribe(_))
        ));
        assert!(matches!(
            expand(
                "($($a:ident)* ; $($b:ident)*) => { $(($a $b))* }",
                "x y ; z"
            ),
            Err(Failure::Transcribe(_))
        ));
    }

    #[test]
    fn bad_definitions() {
        for def in ["($x) => {}", "(x) {}", "($x:foo) => {}", "", "($(x)) => {}"] {
            assert!(MacroRules::parse(def.parse().unwrap()).is_err(), "{def}");
        }
    }

    #[test]
    fn spans_of_template_and_bound_tokens() {
        // The invocation's own tokens are parsed from their text, so their
        // spans differ from the call span given to the transcriber.
        let input: TokenStream = "Pipe".parse().unwrap();
        let call = Span::call_site();
        let out = rules("($t:ident) => { struct $t; }")
            .expand(&input, call)
            .unwrap();
        let tts: Vec<TokenTree> = out.into_iter().collect();
        assert_eq!(tts[0].span().byte_range(), call.byte_range());
        assert_eq!(tts[1].span().byte_range(), 0..4);
    }

    #[test]
    fn matching_is_bounded() {
        // Where each repetition stops is tried in every combination before
        // the missing `;` fails the match: the tries grow as the input's
        // length to the fourth.
        let def = "($($a:ident)* $($b:ident)* $($c:ident)* $($d:ident)* ;) => {}";
        let input = "x ".repeat(100);
        assert_eq!(expand(def, &input), Err(Failure::Limit("matching steps")));
    }
}
