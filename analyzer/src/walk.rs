//! The impersonation-state walk of one function body. It interprets the
//! body's syntax over a small abstract state (impersonating or not, where it
//! began, whether a guard holds it, what each local variable carries) and
//! records what happens: begin/end calls and how their results are checked,
//! exits, awaits, catalog calls, handle and token flows, cache writes. The
//! same walk serves the summaries (what a function does to its caller's
//! state) and, with `emit` on, the events lints read. Control flow is
//! handled structurally: branches join, loops iterate to a fixed point,
//! `break`/`continue`/`return`/`?` carry their state to where they go.

use crate::catalog::{self, Api, ResultKind, Role};
use crate::diag::Location;
use crate::event::{
    CallFacts, CallerNote, Check, Escape, Event, EventKind, ExitKind, Imp, StateInfo,
};
use crate::index::{self, CrateIndex, Target};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// What a function does to its caller's impersonation state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Effect {
    #[default]
    None,
    /// Returns (normally) impersonating, having begun.
    Begins,
    /// Returns reverted, having been entered impersonating.
    Ends,
}

/// A function's summary, computed to a fixed point over the crate.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    pub effect: Effect,
    /// The function returns the result of its begin/end call, so its
    /// callers must check it; the kind says how it reads.
    pub ret_kind: Option<ResultKind>,
    /// Returns a guard (a value whose `Drop` reverts).
    pub returns_guard: bool,
    /// Parameter positions (closures) the function calls while impersonating.
    pub runs_closure: Vec<usize>,
}

/// The entry state of a function: how its callers (or a declaration) leave it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    pub imp: Imp,
    pub began: Option<Location>,
    pub began_by: Option<String>,
    pub via: Option<CallerNote>,
}

/// A call of a local function, with the state at the call.
#[derive(Clone, Debug)]
pub struct CallSite {
    pub callee: usize,
    pub imp: Imp,
    pub began: Option<Location>,
    pub began_by: Option<String>,
    pub at: Location,
}

/// Shared, read-only inputs of every walk in a crate.
pub struct Cx<'i, 'a> {
    pub ix: &'i CrateIndex<'a>,
    pub sums: &'i [Summary],
    pub guard_types: &'i HashSet<String>,
    /// Types whose `Drop` closes a handle (owning wrappers).
    pub closing_types: &'i HashSet<String>,
    /// Re-parsed macro arguments of the crate.
    pub macros: &'a crate::macros::MacroArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Snap {
    imp: Imp,
    origin: Option<u32>,
    guarded: bool,
    work: bool,
    saved: bool,
}

impl Snap {
    const NONE: Snap = Snap {
        imp: Imp::No,
        origin: None,
        guarded: false,
        work: false,
        saved: false,
    };
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    calls: Vec<usize>,
    err: Snap,
    kind: ResultKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct HandleFact {
    open: Location,
    closed: bool,
    reported: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct TokenFact {
    open: Location,
    stored: Option<(Location, Escape)>,
    closed: bool,
}

/// What a value or variable carries.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Fact {
    outcome: Option<Outcome>,
    /// `Some((outcome, true))`: this boolean is true iff the call succeeded.
    test: Option<(Outcome, bool)>,
    guard: bool,
    handle: Option<HandleFact>,
    token: Option<TokenFact>,
    ty: Option<Vec<String>>,
    pipe: bool,
    null: bool,
    saved: Option<Snap>,
    /// Aliases a static (thread-local `with` closure parameter, lock guard).
    static_alias: Option<String>,
    sqos: bool,
    /// A closure bound to a variable (index into the walker's closure list).
    closure: Option<usize>,
    /// Plain read of this variable.
    var: Option<String>,
    /// A string literal's value.
    text: Option<String>,
    /// An `Err(..)` value: returning it is an error exit.
    is_err: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Var {
    name: String,
    depth: u32,
    fact: Fact,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    imp: Imp,
    origin: Option<u32>,
    guarded: bool,
    work: bool,
    saved: bool,
    dead: bool,
    vars: Vec<Var>,
}

impl State {
    fn new() -> State {
        State {
            imp: Imp::No,
            origin: None,
            guarded: false,
            work: false,
            saved: false,
            dead: false,
            vars: Vec::new(),
        }
    }

    fn dead() -> State {
        State {
            dead: true,
            ..State::new()
        }
    }

    fn snap(&self) -> Snap {
        Snap {
            imp: self.imp,
            origin: self.origin,
            guarded: self.guarded,
            work: self.work,
            saved: self.saved,
        }
    }

    fn apply(&mut self, s: Snap) {
        self.imp = s.imp;
        self.origin = s.origin;
        self.guarded = s.guarded;
        self.work = s.work;
        self.saved = s.saved;
    }

    fn var(&self, name: &str) -> Option<&Var> {
        self.vars.iter().rev().find(|v| v.name == name)
    }

    fn var_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.vars.iter_mut().rev().find(|v| v.name == name)
    }

    fn revert(&mut self) {
        self.imp = Imp::No;
        self.origin = None;
        self.guarded = false;
        self.work = false;
        self.saved = false;
    }

    fn join(&self, other: &State) -> State {
        if self.dead {
            return other.clone();
        }
        if other.dead {
            return self.clone();
        }
        let (ai, bi) = (self.imp != Imp::No, other.imp != Imp::No);
        let vars = self
            .vars
            .iter()
            .filter_map(|a| {
                let b = other
                    .vars
                    .iter()
                    .rev()
                    .find(|b| b.name == a.name && b.depth == a.depth)?;
                Some(Var {
                    name: a.name.clone(),
                    depth: a.depth,
                    fact: join_fact(&a.fact, &b.fact),
                })
            })
            .collect();
        State {
            imp: self.imp.join(other.imp),
            origin: if ai { self.origin } else { other.origin },
            guarded: match (ai, bi) {
                (true, true) => self.guarded && other.guarded,
                (true, false) => self.guarded,
                (false, true) => other.guarded,
                _ => false,
            },
            work: self.work || other.work,
            saved: self.saved && other.saved,
            dead: false,
            vars,
        }
    }
}

fn join_fact(a: &Fact, b: &Fact) -> Fact {
    if a == b {
        return a.clone();
    }
    let handle = match (&a.handle, &b.handle) {
        (Some(x), Some(y)) => Some(HandleFact {
            open: x.open.clone(),
            closed: x.closed || y.closed,
            reported: x.reported || y.reported,
        }),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        _ => None,
    };
    let token = match (&a.token, &b.token) {
        (Some(x), Some(y)) => Some(TokenFact {
            open: x.open.clone(),
            stored: x.stored.clone().or(y.stored.clone()),
            closed: x.closed && y.closed,
        }),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        _ => None,
    };
    Fact {
        outcome: a.outcome.clone().or(b.outcome.clone()),
        test: a.test.clone().or(b.test.clone()),
        guard: a.guard && b.guard,
        handle,
        token,
        ty: if a.ty == b.ty {
            a.ty.clone()
        } else {
            a.ty.clone().or(b.ty.clone())
        },
        pipe: a.pipe || b.pipe,
        null: a.null && b.null,
        // A saved token closed on either path cannot restore the state after the join.
        saved: if a.token.as_ref().is_some_and(|t| t.closed)
            || b.token.as_ref().is_some_and(|t| t.closed)
        {
            None
        } else {
            a.saved.or(b.saved)
        },
        static_alias: a.static_alias.clone().or(b.static_alias.clone()),
        sqos: a.sqos && b.sqos,
        closure: a.closure.or(b.closure),
        var: None,
        text: if a.text == b.text {
            a.text.clone()
        } else {
            None
        },
        is_err: a.is_err && b.is_err,
    }
}

struct Origin {
    loc: Location,
    by: String,
    local: bool,
    via: Option<CallerNote>,
}

struct Frame<'a> {
    /// Scope depth outside the loop or block: locals deeper drop on leaving it.
    depth: u32,
    label: Option<String>,
    is_loop: bool,
    /// The loop or labeled block, to tell regions begun inside it (its byte
    /// range is only worked out when a jump leaves a region).
    node: &'a syn::Expr,
    breaks: Vec<State>,
    continues: Vec<State>,
}

/// A function-like context: the function itself or a closure/async block.
struct Ctx {
    is_async: bool,
    /// Exits leave the function (not a closure or async block run in place,
    /// whose exits return to code that goes on).
    report_exits: bool,
    /// Origins with an index at or above this began in this context.
    origin_base: usize,
    /// States at `return`/tail (normal exits).
    returns: Vec<State>,
    returned_outcome: Option<ResultKind>,
    returns_guard_value: bool,
    depth_base: u32,
}

struct PendingCheck {
    event: Option<usize>,
    check: Check,
    /// Examined only in debug-only macros so far.
    debug_only: bool,
}

/// Walks one function (and the closures it runs) with a given entry state.
pub struct Walker<'c, 'i, 'a> {
    cx: &'c Cx<'i, 'a>,
    fid: usize,
    fi: usize,
    /// Places the function's spans in its file (it may have been parsed alone).
    base: crate::index::SpanBase,
    file: String,
    emit: bool,
    pub events: Vec<Event>,
    pub call_sites: Vec<CallSite>,
    /// Parameter positions called while impersonating (closure helpers).
    pub called_params: Vec<usize>,
    params: Vec<String>,
    origins: Vec<Origin>,
    frames: Vec<Frame<'a>>,
    ctxs: Vec<Ctx>,
    checks: HashMap<usize, PendingCheck>,
    depth: u32,
    closures: Vec<&'a syn::ExprClosure>,
    in_debug_macro: u32,
    /// Inside the arguments of a handle-closing call.
    closing: u32,
    /// Closures being run through a variable call (never re-entered).
    running_closures: Vec<usize>,
    call_stack: Vec<Location>,
    reported_stores: HashSet<usize>,
    reported_delegation: HashSet<usize>,
    loop_depth: u32,
    fn_display: String,
    /// A begin happened somewhere in this walk.
    began_any: bool,
    /// Current expression nesting, and where analysis stopped for depth.
    expr_depth: u32,
    too_deep: Option<Location>,
    is_main: bool,
    returns_guard_type: bool,
}

/// The result of walking a function.
#[derive(Default)]
pub struct WalkResult {
    pub events: Vec<Event>,
    pub call_sites: Vec<CallSite>,
    /// Join of the states at normal exits (`return`, tail), after locals drop.
    pub exit_imp: Imp,
    pub exit_local: bool,
    /// Work was done after the begin on some path to a normal exit.
    pub exit_work: bool,
    pub ret_kind: Option<ResultKind>,
    pub called_params: Vec<usize>,
    /// Some path begins impersonation.
    pub began_any: bool,
    /// Where an expression was too deeply nested to analyse.
    pub too_deep: Option<Location>,
}

/// How deep expressions are followed (see [`Walker::expr`]).
pub const MAX_EXPR_DEPTH: u32 = 1500;

fn is_null_expr(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(l) => matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"),
        syn::Expr::Path(p) => {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            last == "None" || last == "NULL" || last == "null_mut" || last == "NULL_HANDLE"
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segs.last().map(String::as_str).unwrap_or("");
            match last {
                "null" | "null_mut" | "default" => true,
                "HANDLE" | "HKEY" | "HWND" => c.args.len() == 1 && c.args.iter().all(is_null_expr),
                "Some" => false,
                _ => false,
            }
        }
        syn::Expr::Cast(c) => is_null_expr(&c.expr),
        syn::Expr::Paren(p) => is_null_expr(&p.expr),
        syn::Expr::Group(g) => is_null_expr(&g.expr),
        syn::Expr::Reference(r) => is_null_expr(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => false,
        _ => false,
    }
}

fn call_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        syn::Expr::Paren(p) => call_name(&p.expr),
        _ => None,
    }
}

/// Whether a thread argument names the current thread.
fn is_current_thread(e: &syn::Expr) -> bool {
    if is_null_expr(e) {
        return true;
    }
    match e {
        syn::Expr::Call(_) => call_name(e).is_some_and(|n| {
            catalog::CURRENT_THREAD.contains(&n.as_str()) || n == "null" || n == "null_mut"
        }),
        syn::Expr::Reference(r) => is_current_thread(&r.expr),
        syn::Expr::Cast(c) => is_current_thread(&c.expr),
        syn::Expr::Paren(p) => is_current_thread(&p.expr),
        syn::Expr::Unsafe(u) => {
            u.block.stmts.len() == 1
                && matches!(&u.block.stmts[0], syn::Stmt::Expr(e, None) if is_current_thread(e))
        }
        syn::Expr::Path(p) => {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            last == "None" || catalog::CURRENT_THREAD.contains(&last.as_str())
        }
        syn::Expr::Lit(l) => matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            // -2 is the pseudo-handle of the current thread.
            matches!(&*u.expr, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "2"))
        }
        _ => false,
    }
}

/// The first plain variable named in an expression (through `&x as *const _`).
fn first_var(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        syn::Expr::Reference(r) => first_var(&r.expr),
        syn::Expr::Cast(c) => first_var(&c.expr),
        syn::Expr::Paren(p) => first_var(&p.expr),
        syn::Expr::Group(g) => first_var(&g.expr),
        syn::Expr::Field(f) => first_var(&f.base),
        syn::Expr::MethodCall(m) => first_var(&m.receiver),
        syn::Expr::Call(c) if c.args.len() == 1 => first_var(&c.args[0]),
        syn::Expr::Unary(u) => first_var(&u.expr),
        _ => None,
    }
}

/// `&mut x` (or `&mut x as *mut _`, `addr_of_mut!(x)`) → `x`.
fn out_param(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Reference(r) if r.mutability.is_some() => first_var(&r.expr),
        syn::Expr::Cast(c) => out_param(&c.expr),
        syn::Expr::Paren(p) => out_param(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "as_mut_ptr" => first_var(&m.receiver),
        syn::Expr::RawAddr(r) => first_var(&r.expr),
        syn::Expr::Macro(m)
            if m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "addr_of_mut") =>
        {
            let inner: syn::Expr = m.mac.parse_body().ok()?;
            first_var(&inner)
        }
        _ => None,
    }
}

/// The root of a place expression: `self.a.b` → `self`, `X.lock()` → `X`.
fn place_root(e: &syn::Expr) -> Option<(String, bool)> {
    match e {
        syn::Expr::Path(p) if p.path.segments.len() == 1 => {
            Some((p.path.segments[0].ident.to_string(), false))
        }
        syn::Expr::Path(p) => p.path.segments.last().map(|s| (s.ident.to_string(), true)),
        syn::Expr::Field(f) => place_root(&f.base).map(|(n, _)| (n, true)),
        syn::Expr::MethodCall(m) => place_root(&m.receiver).map(|(n, _)| (n, true)),
        syn::Expr::Index(i) => place_root(&i.expr).map(|(n, _)| (n, true)),
        syn::Expr::Unary(u) => place_root(&u.expr),
        syn::Expr::Paren(p) => place_root(&p.expr),
        syn::Expr::Reference(r) => place_root(&r.expr),
        syn::Expr::Try(t) => place_root(&t.expr),
        _ => None,
    }
}

fn pattern_ident(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pattern_ident(&t.pat),
        syn::Pat::Reference(r) => pattern_ident(&r.pat),
        syn::Pat::Paren(p) => pattern_ident(&p.pat),
        _ => None,
    }
}

/// Identifiers bound by a pattern.
fn pattern_bindings(p: &syn::Pat, out: &mut Vec<String>) {
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    V(out).visit_pat(p);
}

/// Whether a pattern tests for success (`Ok(..)`, `Some(..)`, a success
/// constant), failure, or neither (bindings, wildcards).
fn pattern_polarity(p: &syn::Pat, kind: ResultKind) -> Option<bool> {
    match p {
        syn::Pat::TupleStruct(ts) => {
            let last = ts.path.segments.last()?.ident.to_string();
            match last.as_str() {
                "Ok" | "Some" => Some(true),
                "Err" => Some(false),
                _ => None,
            }
        }
        syn::Pat::Path(pp) => {
            let last = pp.path.segments.last()?.ident.to_string();
            constant_polarity(&last, kind)
        }
        syn::Pat::Ident(i) if i.subpat.is_none() => {
            let n = i.ident.to_string();
            if n == "None" {
                Some(false)
            } else if n.chars().all(|c| c.is_ascii_uppercase() || c == '_') && n.len() > 1 {
                constant_polarity(&n, kind)
            } else {
                None
            }
        }
        syn::Pat::Lit(l) => match &l.lit {
            syn::Lit::Int(i) if i.base10_digits() == "0" => Some(kind != ResultKind::Bool),
            syn::Lit::Bool(b) => Some(b.value),
            _ => None,
        },
        syn::Pat::Paren(p) => pattern_polarity(&p.pat, kind),
        _ => None,
    }
}

/// `X == CONST` is a success test for these constants (None: unknown constant).
fn constant_polarity(name: &str, kind: ResultKind) -> Option<bool> {
    if name == "FALSE" {
        return Some(false);
    }
    if catalog::TRUE_CONSTANTS.contains(&name) {
        return Some(true);
    }
    if catalog::ZERO_CONSTANTS.contains(&name) {
        return Some(kind != ResultKind::Bool);
    }
    None
}

enum Operand {
    Zero,
    One,
    Const(String),
    Other,
}

fn operand(e: &syn::Expr) -> Operand {
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) if i.base10_digits() == "0" => Operand::Zero,
            syn::Lit::Int(i) if i.base10_digits() == "1" => Operand::One,
            syn::Lit::Bool(b) => {
                if b.value {
                    Operand::One
                } else {
                    Operand::Zero
                }
            }
            _ => Operand::Other,
        },
        syn::Expr::Path(p) => match p.path.segments.last() {
            Some(s) => Operand::Const(s.ident.to_string()),
            None => Operand::Other,
        },
        syn::Expr::Call(c) if c.args.len() == 1 => {
            // BOOL(0), NTSTATUS(0), HRESULT(0)
            match operand(&c.args[0]) {
                Operand::Zero => Operand::Zero,
                Operand::One => Operand::One,
                _ => Operand::Other,
            }
        }
        syn::Expr::Cast(c) => operand(&c.expr),
        syn::Expr::Field(f) => operand(&f.base),
        syn::Expr::Paren(p) => operand(&p.expr),
        syn::Expr::Group(g) => operand(&g.expr),
        _ => Operand::Other,
    }
}

/// For `result OP constant`: whether true means success.
fn comparison_polarity(op: &syn::BinOp, other: &syn::Expr, kind: ResultKind) -> Option<bool> {
    use syn::BinOp::*;
    let zero_means_success = match operand(other) {
        Operand::Zero => kind != ResultKind::Bool,
        Operand::One => {
            return match op {
                Eq(_) | Ge(_) => Some(kind == ResultKind::Bool),
                Ne(_) | Lt(_) => Some(kind != ResultKind::Bool),
                _ => None,
            }
        }
        Operand::Const(c) => constant_polarity(&c, kind)?,
        Operand::Other => return None,
    };
    match op {
        Eq(_) => Some(zero_means_success),
        Ne(_) => Some(!zero_means_success),
        // status >= 0 is success, < 0 failure; for BOOL, > 0 is TRUE
        Ge(_) => Some(true),
        Lt(_) => Some(false),
        Gt(_) => Some(kind == ResultKind::Bool),
        // `x <= 0`: a failed BOOL; for a status 0 is success, so it says nothing.
        Le(_) => (kind == ResultKind::Bool).then_some(false),
        _ => None,
    }
}

fn flip(op: &syn::BinOp) -> syn::BinOp {
    use syn::BinOp::*;
    match op {
        Lt(t) => Gt(syn::Token![>](t.spans[0])),
        Gt(t) => Lt(syn::Token![<](t.spans[0])),
        Le(t) => Ge(syn::Token![>=](t.spans)),
        Ge(t) => Le(syn::Token![<=](t.spans)),
        other => *other,
    }
}

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    pub fn new(cx: &'c Cx<'i, 'a>, fid: usize, emit: bool) -> Self {
        let f = &cx.ix.fns[fid];
        let params = cx.ix.syntax[fid]
            .iter()
            .flat_map(|s| s.sig.inputs.iter())
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(pattern_ident(&t.pat).unwrap_or_default()),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let returns_guard_type = f.returns_type(|w| cx.guard_types.contains(w));
        Walker {
            cx,
            fid,
            fi: f.file,
            base: cx.ix.syntax[fid].map(|s| s.base).unwrap_or_default(),
            file: cx.ix.files[f.file].src.display.clone(),
            emit,
            events: Vec::new(),
            call_sites: Vec::new(),
            called_params: Vec::new(),
            params,
            origins: Vec::new(),
            frames: Vec::new(),
            ctxs: Vec::new(),
            checks: HashMap::new(),
            depth: 0,
            closures: Vec::new(),
            in_debug_macro: 0,
            closing: 0,
            running_closures: Vec::new(),
            call_stack: Vec::new(),
            reported_stores: HashSet::new(),
            reported_delegation: HashSet::new(),
            loop_depth: 0,
            fn_display: f.display(),
            began_any: false,
            expr_depth: 0,
            too_deep: None,
            is_main: f.is_main,
            returns_guard_type,
        }
    }

    fn loc(&self, span: Span) -> Location {
        self.base.location(&self.file, span)
    }

    fn origin(&mut self, loc: Location, by: &str, local: bool, via: Option<CallerNote>) -> u32 {
        if let Some(i) = self
            .origins
            .iter()
            .position(|o| o.loc == loc && o.local == local)
        {
            return i as u32;
        }
        self.origins.push(Origin {
            loc,
            by: by.to_string(),
            local,
            via,
        });
        (self.origins.len() - 1) as u32
    }

    fn is_local_origin(&self, st: &State) -> bool {
        let base = self.ctxs.last().map(|c| c.origin_base).unwrap_or(0);
        st.origin
            .is_some_and(|o| (o as usize) >= base && self.origins[o as usize].local)
    }

    fn info(&self, st: &State) -> StateInfo {
        let o = st.origin.map(|o| &self.origins[o as usize]);
        StateInfo {
            imp: st.imp,
            began: o.map(|o| o.loc.clone()),
            began_by: o.map(|o| o.by.clone()),
            guarded: st.guarded,
            local: self.is_local_origin(st),
            via: o.and_then(|o| o.via.clone()),
        }
    }

    fn event(&mut self, kind: EventKind, loc: Location, st: &State) -> Option<usize> {
        if !self.emit || st.dead {
            return None;
        }
        let state = self.info(st);
        self.events.push(Event {
            kind,
            location: loc,
            state,
            function: self.fn_display.clone(),
        });
        Some(self.events.len() - 1)
    }

    // ----- checks -----

    fn register_call(&mut self, key: usize, kind: ResultKind, event: Option<usize>) {
        let checkable = !matches!(kind, ResultKind::Unit);
        let e = self.checks.entry(key).or_insert(PendingCheck {
            event: None,
            check: if checkable {
                Check::Dropped
            } else {
                Check::NotCheckable
            },
            debug_only: false,
        });
        if event.is_some() {
            e.event = event;
        }
    }

    fn mark(&mut self, f: &Fact, how: Check) {
        let mut calls: Vec<usize> = Vec::new();
        if let Some(o) = &f.outcome {
            calls.extend(&o.calls);
        }
        if let Some((o, _)) = &f.test {
            calls.extend(&o.calls);
        }
        for c in calls {
            self.mark_call(c, how);
        }
    }

    fn mark_call(&mut self, c: usize, how: Check) {
        let debug = self.in_debug_macro > 0;
        if let Some(p) = self.checks.get_mut(&c) {
            if p.check == Check::NotCheckable {
                return;
            }
            match how {
                Check::Checked if debug && p.check != Check::Checked => p.debug_only = true,
                Check::Checked if debug => {}
                Check::Checked => p.check = Check::Checked,
                Check::UnusedVariable if p.check == Check::Dropped => {
                    p.check = Check::UnusedVariable
                }
                _ => {}
            }
        }
    }

    // ----- entry points -----

    /// Walks the function from `entry`.
    pub fn run(mut self, entry: &Entry) -> WalkResult {
        let Some(syntax) = self.cx.ix.syntax[self.fid] else {
            // Functions are walked only once their file is parsed (see `analyze`).
            return WalkResult::default();
        };
        let mut st = State::new();
        if entry.imp != Imp::No {
            let loc = entry
                .began
                .clone()
                .unwrap_or_else(|| self.cx.ix.name_loc(self.fid));
            let by = entry
                .began_by
                .clone()
                .unwrap_or_else(|| "declared `imperlint: impersonated`".to_string());
            let o = self.origin(loc, &by, false, entry.via.clone());
            st.imp = entry.imp;
            st.origin = Some(o);
            st.guarded = true;
        }
        // Parameters: types from annotations.
        for input in &syntax.sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let Some(name) = pattern_ident(&t.pat) {
                    let ty = index::type_path(&t.ty).map(|p| self.cx.ix.full_segments(self.fi, p));
                    st.vars.push(Var {
                        name,
                        depth: 0,
                        fact: Fact {
                            ty,
                            ..Fact::default()
                        },
                    });
                }
            }
        }
        let is_async = syntax.sig.asyncness.is_some();
        let body = syntax.body;
        let (ret, exit_state) = self.body(body, st, is_async, true);
        // Fill in how each begin/end result was treated.
        for (_, p) in self.checks.drain() {
            if let Some(ev) = p.event {
                let check = if p.check == Check::Checked {
                    Check::Checked
                } else if p.debug_only {
                    Check::DebugOnly
                } else {
                    p.check
                };
                match &mut self.events[ev].kind {
                    EventKind::Begin { check: c, .. } | EventKind::End { check: c, .. } => {
                        *c = check
                    }
                    _ => {}
                }
            }
        }
        let exit_local = exit_state
            .origin
            .is_some_and(|o| self.origins[o as usize].local);
        WalkResult {
            events: self.events,
            call_sites: self.call_sites,
            exit_imp: if exit_state.dead {
                Imp::No
            } else {
                exit_state.imp
            },
            exit_local,
            exit_work: exit_state.work,
            ret_kind: ret,
            called_params: self.called_params,
            began_any: self.began_any,
            too_deep: self.too_deep,
        }
    }

    /// Walks a function-like body (fn, closure, async block): returns the
    /// kind of outcome it returns and its normal-exit state after locals drop.
    fn body(
        &mut self,
        block: &'a syn::Block,
        st: State,
        is_async: bool,
        report_exits: bool,
    ) -> (Option<ResultKind>, State) {
        self.ctxs.push(Ctx {
            is_async,
            report_exits,
            origin_base: self.origins.len(),
            returns: Vec::new(),
            returned_outcome: None,
            returns_guard_value: false,
            depth_base: self.depth,
        });
        let mut st = st;
        self.depth += 1;
        let n = block.stmts.len();
        let mut tail: Option<Fact> = None;
        for (i, s) in block.stmts.iter().enumerate() {
            let last = i + 1 == n;
            if last {
                if let syn::Stmt::Expr(e, None) = s {
                    let v = self.expr(e, &mut st);
                    tail = Some(v);
                    continue;
                }
            }
            self.stmt(s, &mut st);
        }
        // Locations are worked out only when something may be reported
        // (a span covering a large statement is costly to compute).
        let reportable = !st.dead
            && (st.imp != Imp::No
                || tail
                    .as_ref()
                    .is_some_and(|v| v.handle.is_some() || v.outcome.is_some()));
        if let (true, Some(v), Some(syn::Stmt::Expr(e, None))) =
            (reportable, &tail, block.stmts.last())
        {
            let loc = self.loc(e.span());
            self.returning(v, &st, loc);
        } else if let Some(v) = &tail {
            self.mark(v, Check::Checked);
        }
        // End of body exit.
        if let (true, Some(last)) = (reportable, block.stmts.last()) {
            let loc = self.loc(last.span());
            self.exit(ExitKind::EndOfBody, loc, &st, tail.as_ref());
        }
        self.finish_tokens(&st);
        let end = self.pop_scope(st, self.depth - 1);
        self.depth -= 1;
        let ctx = self.ctxs.pop().expect("context pushed above");
        let mut out = end;
        for r in &ctx.returns {
            out = out.join(r);
        }
        let _ = ctx.returns_guard_value;
        (ctx.returned_outcome, out)
    }

    /// Emits an exit event while impersonating.
    fn exit(&mut self, kind: ExitKind, loc: Location, st: &State, value: Option<&Fact>) {
        if st.dead || st.imp == Imp::No || !self.ctxs.last().is_none_or(|c| c.report_exits) {
            return;
        }
        let is_async = self.ctxs.last().is_some_and(|c| c.is_async);
        let in_closure = self.ctxs.len() > 1;
        let returns_guard =
            value.is_some_and(|v| v.guard) || (!in_closure && self.returns_guard_type);
        let begin_wrapper = !st.work || returns_guard;
        // A guard constructor whose failure path still reaches here returns a guard anyway.
        if value.is_some_and(|v| v.guard)
            && st.imp == Imp::Maybe
            && kind != ExitKind::Question
            && self.is_local_origin(st)
        {
            if let Some(o) = st.origin {
                let at = self.origins[o as usize].loc.clone();
                let guard = self.cx.ix.fns[self.fid]
                    .self_ty
                    .as_ref()
                    .map_or_else(|| self.fn_display.clone(), |t| t.to_string());
                self.event(EventKind::FailOpenGuard { guard }, at, st);
            }
        }
        let is_main = self.is_main && !in_closure;
        self.event(
            EventKind::Exit {
                kind,
                is_main,
                is_async,
                begin_wrapper,
            },
            loc,
            st,
        );
    }

    /// Records what a returned value does: checks a result, escapes a handle.
    fn returning(&mut self, v: &Fact, st: &State, loc: Location) {
        self.mark(v, Check::Checked);
        if let Some(ctx) = self.ctxs.last_mut() {
            if let Some(o) = &v.outcome {
                ctx.returned_outcome = Some(o.kind);
            }
            if v.guard {
                ctx.returns_guard_value = true;
            }
        }
        if let Some(h) = &v.handle {
            if !h.closed && (st.imp == Imp::No || st.guarded || self.is_local_origin(st)) {
                let name = v.var.clone().unwrap_or_else(|| "the handle".to_string());
                self.event(
                    EventKind::HandleEscape {
                        open: h.open.clone(),
                        name,
                        how: Escape::Returned,
                    },
                    loc,
                    st,
                );
            }
        }
    }
}

// ----- statements, scopes, control flow -----
impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    /// Drops the variables declared deeper than `depth`; a dropped guard reverts.
    fn pop_scope(&mut self, mut st: State, depth: u32) -> State {
        if st.dead {
            st.vars.retain(|v| v.depth <= depth);
            return st;
        }
        while st.vars.last().is_some_and(|v| v.depth > depth) {
            let v = st.vars.pop().expect("checked non-empty");
            if v.fact.guard {
                st.revert();
            }
            if let Some(t) = v.fact.token.as_ref().filter(|t| !t.closed) {
                if let Some((loc, how)) = t.stored.clone() {
                    if self.emit && !st.dead && self.reported_stores.insert(loc.byte_start) {
                        self.event(
                            EventKind::TokenStore {
                                open: t.open.clone(),
                                name: v.name.clone(),
                                how,
                            },
                            loc,
                            &st,
                        );
                    }
                }
            }
        }
        st
    }

    /// At a function's exits: tokens stored somewhere lasting and never closed.
    fn finish_tokens(&mut self, st: &State) {
        if st.dead {
            return;
        }
        let stores: Vec<(String, TokenFact)> = st
            .vars
            .iter()
            .filter_map(|v| {
                v.fact
                    .token
                    .clone()
                    .filter(|t| t.stored.is_some() && !t.closed)
                    .map(|t| (v.name.clone(), t))
            })
            .collect();
        for (name, t) in stores {
            let (loc, how) = t.stored.clone().expect("filtered on stored");
            if self.emit && !st.dead && self.reported_stores.insert(loc.byte_start) {
                self.event(
                    EventKind::TokenStore {
                        open: t.open.clone(),
                        name,
                        how,
                    },
                    loc,
                    st,
                );
            }
        }
    }

    fn block(&mut self, b: &'a syn::Block, st: &mut State) -> Fact {
        self.depth += 1;
        let depth = self.depth;
        let mut value = Fact::default();
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            if i + 1 == n {
                if let syn::Stmt::Expr(e, None) = s {
                    value = self.expr(e, st);
                    continue;
                }
            }
            self.stmt(s, st);
        }
        let out = self.pop_scope(std::mem::replace(st, State::new()), depth - 1);
        *st = out;
        self.depth -= 1;
        value
    }

    fn bind(&mut self, name: String, mut fact: Fact, st: &mut State) {
        fact.var = None;
        fact.test = fact.test.take();
        st.vars.push(Var {
            name,
            depth: self.depth,
            fact,
        });
    }

    fn stmt(&mut self, s: &'a syn::Stmt, st: &mut State) {
        match s {
            syn::Stmt::Local(l) => self.local(l, st),
            syn::Stmt::Expr(e, _) => {
                let v = self.expr(e, st);
                // A guard made and not bound is dropped at the end of the statement.
                if v.guard && v.var.is_none() {
                    st.revert();
                }
            }
            syn::Stmt::Macro(m) => {
                let v = self.mac(&m.mac, st);
                if v.guard {
                    st.revert();
                }
            }
            syn::Stmt::Item(_) => {}
        }
    }

    fn local(&mut self, l: &'a syn::Local, st: &mut State) {
        let Some(init) = &l.init else {
            let mut names = Vec::new();
            pattern_bindings(&l.pat, &mut names);
            for n in names {
                self.bind(n, Fact::default(), st);
            }
            return;
        };
        let mut v = self.expr(&init.expr, st);
        // A declared type tells the variable's type.
        if let syn::Pat::Type(t) = &l.pat {
            if let Some(p) = index::type_path(&t.ty) {
                v.ty = Some(self.cx.ix.full_segments(self.fi, p));
            }
        }
        if let Some((_, diverge)) = &init.diverge {
            // let PAT = EXPR else { DIVERGE };
            let pol = v
                .outcome
                .as_ref()
                .and_then(|o| pattern_polarity(&l.pat, o.kind).map(|p| (o.clone(), p)));
            self.mark(&v, Check::Checked);
            let mut else_st = st.clone();
            if let Some((o, success)) = &pol {
                if *success {
                    else_st.apply(o.err);
                }
            }
            self.expr(diverge, &mut else_st);
            // The else block diverges; its state does not flow on.
            v.outcome = None;
        }
        match &l.pat {
            syn::Pat::Wild(_) => {
                // `let _ = x;` drops the value now.
                if v.guard && v.var.is_none() {
                    st.revert();
                }
            }
            p => {
                if let Some(name) = pattern_ident(p) {
                    if v.outcome.is_some() || v.test.is_some() {
                        self.mark(&v, Check::UnusedVariable);
                    }
                    if v.var.is_some() && v.guard {
                        // Moving a guard into a new binding keeps it alive.
                        if let Some(old) = v.var.clone() {
                            if let Some(ov) = st.var_mut(&old) {
                                ov.fact.guard = false;
                            }
                        }
                    }
                    if v.guard {
                        st.guarded = true;
                    }
                    self.bind(name, v, st);
                } else {
                    let mut names = Vec::new();
                    pattern_bindings(p, &mut names);
                    let polarity_ok =
                        matches!(p, syn::Pat::TupleStruct(_)) || matches!(p, syn::Pat::Tuple(_));
                    if v.outcome.is_some() {
                        self.mark(&v, Check::Checked);
                    }
                    for n in names {
                        let mut f = if polarity_ok {
                            v.clone()
                        } else {
                            Fact::default()
                        };
                        f.outcome = None;
                        if f.guard {
                            st.guarded = true;
                        }
                        self.bind(n, f, st);
                    }
                }
            }
        }
    }

    /// Evaluates a condition, returning the states where it is true and false.
    fn cond(&mut self, e: &'a syn::Expr, st: &mut State) -> (State, State) {
        match e {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                let (t, f) = self.cond(&u.expr, st);
                (f, t)
            }
            syn::Expr::Paren(p) => self.cond(&p.expr, st),
            syn::Expr::Group(g) => self.cond(&g.expr, st),
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                let (mut ta, fa) = self.cond(&b.left, st);
                let (tb, fb) = self.cond(&b.right, &mut ta);
                (tb, fa.join(&fb))
            }
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Or(_)) => {
                let (ta, mut fa) = self.cond(&b.left, st);
                let (tb, fb) = self.cond(&b.right, &mut fa);
                (ta.join(&tb), fb)
            }
            syn::Expr::Let(l) => {
                let v = self.expr(&l.expr, st);
                let pol = v
                    .outcome
                    .as_ref()
                    .and_then(|o| pattern_polarity(&l.pat, o.kind).map(|p| (o.clone(), p)));
                self.mark(&v, Check::Checked);
                let mut t = st.clone();
                let mut f = st.clone();
                if let Some((o, success)) = pol {
                    if success {
                        f.apply(o.err);
                    } else {
                        t.apply(o.err);
                    }
                }
                // Bindings of the pattern live in the true branch.
                let mut names = Vec::new();
                pattern_bindings(&l.pat, &mut names);
                for n in names {
                    let mut fact = v.clone();
                    fact.outcome = None;
                    fact.test = None;
                    t.vars.push(Var {
                        name: n,
                        depth: self.depth + 1,
                        fact,
                    });
                }
                (t, f)
            }
            _ => {
                let v = self.expr(e, st);
                self.mark(&v, Check::Checked);
                let mut t = st.clone();
                let mut f = st.clone();
                if let Some((o, success_if_true)) = &v.test {
                    if *success_if_true {
                        f.apply(o.err);
                    } else {
                        t.apply(o.err);
                    }
                }
                (t, f)
            }
        }
    }

    /// Runs a loop body to a fixed point, then once more to emit events.
    fn run_loop(
        &mut self,
        label: Option<String>,
        node: &'a syn::Expr,
        st: &mut State,
        mut iteration: impl FnMut(&mut Self, &mut State) -> State,
        exits_normally: bool,
    ) {
        let emit = self.emit;
        let rounds = if self.loop_depth > 4 { 1 } else { 4 };
        self.loop_depth += 1;
        let mut entry = st.clone();
        self.emit = false;
        for _ in 0..rounds {
            self.frames.push(Frame {
                depth: self.depth,
                label: label.clone(),
                is_loop: true,
                node,
                breaks: Vec::new(),
                continues: Vec::new(),
            });
            let mut s = entry.clone();
            let end = iteration(self, &mut s);
            let frame = self.frames.pop().expect("pushed above");
            let mut next = entry.join(&end);
            for c in &frame.continues {
                next = next.join(c);
            }
            if next == entry {
                break;
            }
            entry = next;
        }
        self.emit = emit;
        self.frames.push(Frame {
            depth: self.depth,
            label,
            is_loop: true,
            node,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let mut s = entry.clone();
        let end = iteration(self, &mut s);
        let frame = self.frames.pop().expect("pushed above");
        self.loop_depth -= 1;
        let _ = end;
        let mut out = if exits_normally { s } else { State::dead() };
        for b in &frame.breaks {
            out = out.join(b);
        }
        *st = out;
    }

    fn label_name(l: &Option<syn::Label>) -> Option<String> {
        l.as_ref().map(|l| l.name.ident.to_string())
    }

    fn jump(&mut self, label: Option<String>, is_continue: bool, loc: Location, st: &mut State) {
        let idx = self.frames.iter().rposition(|f| match &label {
            Some(l) => f.label.as_deref() == Some(l.as_str()),
            None => f.is_loop,
        });
        if let Some(i) = idx {
            // Leaving a region begun inside the loop or block without its revert.
            let began_inside = st.imp != Imp::No
                && st.origin.is_some_and(|o| {
                    let b = self.origins[o as usize].loc.byte_start;
                    let r = self.base.byte_range(self.frames[i].node.span());
                    r.contains(&b)
                });
            let leaks =
                began_inside && !st.guarded && st.imp != Imp::No && self.is_local_origin(st);
            if leaks {
                self.exit(ExitKind::Break, loc, st, None);
            }
            // Guards declared inside the frame drop on the way out.
            let depth = self.frames[i].depth;
            let mut left = self.pop_scope(st.clone(), depth);
            if leaks {
                // Reported once here; what follows is judged as if it were fixed.
                left.revert();
            }
            let f = &mut self.frames[i];
            if is_continue {
                f.continues.push(left);
            } else {
                f.breaks.push(left);
            }
        }
        *st = State::dead();
    }

    fn ret(&mut self, value: Option<Fact>, kind: ExitKind, loc: Location, st: &mut State) {
        if let Some(v) = &value {
            self.returning(v, st, loc.clone());
        }
        self.exit(kind, loc, st, value.as_ref());
        self.finish_tokens(st);
        let depth_base = self.ctxs.last().map(|c| c.depth_base).unwrap_or(0);
        let after = self.pop_scope(st.clone(), depth_base);
        if kind != ExitKind::Question && !value.as_ref().is_some_and(|v| v.is_err) {
            if let Some(ctx) = self.ctxs.last_mut() {
                ctx.returns.push(after);
            }
        }
        *st = State::dead();
    }
}

// ----- expressions -----
impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    fn expr(&mut self, e: &'a syn::Expr, st: &mut State) -> Fact {
        // Operator and method chains nest without brackets; past this depth
        // the rest of the expression is not analysed (and the run says so),
        // rather than exhausting the thread's stack.
        if self.expr_depth >= MAX_EXPR_DEPTH {
            if self.too_deep.is_none() {
                self.too_deep = Some(self.loc(e.span()));
            }
            return Fact::default();
        }
        self.expr_depth += 1;
        let v = self.expr_inner(e, st);
        self.expr_depth -= 1;
        v
    }

    fn expr_inner(&mut self, e: &'a syn::Expr, st: &mut State) -> Fact {
        match e {
            syn::Expr::Paren(p) => self.expr(&p.expr, st),
            syn::Expr::Group(g) => self.expr(&g.expr, st),
            syn::Expr::Unsafe(u) => self.block(&u.block, st),
            syn::Expr::Block(b) => {
                if let Some(label) = &b.label {
                    self.frames.push(Frame {
                        depth: self.depth,
                        label: Some(label.name.ident.to_string()),
                        is_loop: false,
                        node: e,
                        breaks: Vec::new(),
                        continues: Vec::new(),
                    });
                    let v = self.block(&b.block, st);
                    let frame = self.frames.pop().expect("pushed above");
                    for br in &frame.breaks {
                        *st = st.join(br);
                    }
                    v
                } else {
                    self.block(&b.block, st)
                }
            }
            syn::Expr::Const(c) => self.block(&c.block, st),
            syn::Expr::TryBlock(t) => self.block(&t.block, st),
            syn::Expr::Lit(l) => {
                let text = match &l.lit {
                    syn::Lit::Str(s) => Some(s.value()),
                    _ => None,
                };
                Fact {
                    pipe: text.as_deref().is_some_and(index::is_pipe_text),
                    null: is_null_expr(e),
                    text,
                    ..Fact::default()
                }
            }
            syn::Expr::Path(p) => self.path_expr(p, st),
            syn::Expr::Reference(r) => self.expr(&r.expr, st),
            syn::Expr::RawAddr(r) => self.expr(&r.expr, st),
            syn::Expr::Cast(c) => {
                let mut v = self.expr(&c.expr, st);
                v.test = None;
                v
            }
            syn::Expr::Unary(u) => {
                let mut v = self.expr(&u.expr, st);
                if matches!(u.op, syn::UnOp::Not(_)) {
                    if let Some((o, p)) = v.test.take() {
                        v.test = Some((o, !p));
                    } else if let Some(o) = v.outcome.take() {
                        // `!X()` on a BOOL-returning call: true means failure.
                        v.test = Some((o, false));
                    }
                }
                v
            }
            syn::Expr::Binary(b) => self.binary(e, b, st),
            syn::Expr::Field(f) => {
                let base = self.expr(&f.base, st);
                let mut v = Fact::default();
                // `.0` of a status newtype keeps its meaning.
                if matches!(f.member, syn::Member::Unnamed(_)) {
                    v.outcome = base.outcome.clone();
                }
                if let syn::Member::Named(n) = &f.member {
                    if let Some(ty) = self.field_owner_type(&f.base, &base, st) {
                        if let Some(t) = self.cx.ix.field_type(&ty, &n.to_string()) {
                            v.ty = Some(self.cx.ix.full_segments(self.fi, t.to_vec()));
                        }
                    }
                }
                v.static_alias = base.static_alias.clone();
                v
            }
            syn::Expr::Index(i) => {
                let base = self.expr(&i.expr, st);
                self.expr(&i.index, st);
                Fact {
                    static_alias: base.static_alias,
                    ..Fact::default()
                }
            }
            syn::Expr::Tuple(t) => self.composite(t.elems.iter(), st),
            syn::Expr::Array(a) => self.composite(a.elems.iter(), st),
            syn::Expr::Repeat(r) => {
                self.expr(&r.expr, st);
                Fact::default()
            }
            syn::Expr::Struct(s) => {
                let mut out = Fact::default();
                for f in &s.fields {
                    let v = self.expr(&f.expr, st);
                    self.mark(&v, Check::Checked);
                    merge_carried(&mut out, &v);
                }
                if let Some(r) = &s.rest {
                    self.expr(r, st);
                }
                let name = s
                    .path
                    .segments
                    .last()
                    .map(|x| x.ident.to_string())
                    .unwrap_or_default();
                let ty = if name == "Self" {
                    self.cx.ix.fns[self.fid]
                        .self_ty
                        .as_deref()
                        .map(str::to_string)
                } else {
                    Some(name)
                };
                if let Some(t) = ty {
                    out.guard = self.cx.guard_types.contains(&t);
                    out.ty = Some(vec![t]);
                }
                out
            }
            syn::Expr::Range(r) => {
                if let Some(s) = &r.start {
                    self.expr(s, st);
                }
                if let Some(x) = &r.end {
                    self.expr(x, st);
                }
                Fact::default()
            }
            syn::Expr::Let(l) => {
                // Outside a condition (rare): evaluate the scrutinee.
                let v = self.expr(&l.expr, st);
                self.mark(&v, Check::Checked);
                Fact::default()
            }
            syn::Expr::If(i) => self.if_expr(i, st),
            syn::Expr::Match(m) => self.match_expr(m, st),
            syn::Expr::While(w) => {
                let label = Self::label_name(&w.label);
                self.run_loop(
                    label,
                    e,
                    st,
                    |this, s| {
                        let (mut t, f) = this.cond(&w.cond, s);
                        this.depth += 1;
                        this.block(&w.body, &mut t);
                        this.depth -= 1;
                        *s = f;
                        t
                    },
                    true,
                );
                Fact::default()
            }
            syn::Expr::ForLoop(fl) => {
                let it = self.expr(&fl.expr, st);
                self.mark(&it, Check::Checked);
                let label = Self::label_name(&fl.label);
                let mut names = Vec::new();
                pattern_bindings(&fl.pat, &mut names);
                self.run_loop(
                    label,
                    e,
                    st,
                    |this, s| {
                        let mut b = s.clone();
                        this.depth += 1;
                        for n in &names {
                            b.vars.push(Var {
                                name: n.clone(),
                                depth: this.depth,
                                fact: Fact::default(),
                            });
                        }
                        this.block(&fl.body, &mut b);
                        let b = this.pop_scope(b, this.depth - 1);
                        this.depth -= 1;
                        b
                    },
                    true,
                );
                Fact::default()
            }
            syn::Expr::Loop(l) => {
                let label = Self::label_name(&l.label);
                self.run_loop(
                    label,
                    e,
                    st,
                    |this, s| {
                        let mut b = s.clone();
                        this.block(&l.body, &mut b);
                        b
                    },
                    false,
                );
                Fact::default()
            }
            syn::Expr::Break(b) => {
                if let Some(v) = &b.expr {
                    let v = self.expr(v, st);
                    self.mark(&v, Check::Checked);
                }
                let loc = self.loc(b.break_token.span);
                self.jump(
                    b.label.as_ref().map(|l| l.ident.to_string()),
                    false,
                    loc,
                    st,
                );
                Fact::default()
            }
            syn::Expr::Continue(c) => {
                let loc = self.loc(c.continue_token.span);
                self.jump(c.label.as_ref().map(|l| l.ident.to_string()), true, loc, st);
                Fact::default()
            }
            syn::Expr::Return(r) => {
                let v = r.expr.as_ref().map(|x| self.expr(x, st));
                let loc = self.loc(r.return_token.span);
                self.ret(v, ExitKind::Return, loc, st);
                Fact::default()
            }
            syn::Expr::Try(t) => {
                let v = self.expr(&t.expr, st);
                self.mark(&v, Check::Checked);
                let loc = self.loc(t.question_token.span);
                let mut err = st.clone();
                if let Some(o) = &v.outcome {
                    err.apply(o.err);
                }
                self.ret(None, ExitKind::Question, loc, &mut err);
                let mut out = v;
                out.outcome = None;
                out.test = None;
                out
            }
            syn::Expr::Await(a) => {
                let v = self.expr(&a.base, st);
                let loc = self.loc(a.await_token.span);
                self.event(EventKind::Await, loc, st);
                // An awaited future's result is a value like any other.
                v
            }
            syn::Expr::Async(a) => {
                // Awaited where it is made (the common case): runs in place.
                let inner = st.clone();
                let (_, _) = self.body(&a.block, inner, true, false);
                Fact::default()
            }
            syn::Expr::Closure(c) => {
                // A closure value: walked where it is called or handed over.
                self.closures.push(c);
                Fact {
                    closure: Some(self.closures.len() - 1),
                    ..Fact::default()
                }
            }
            syn::Expr::Assign(a) => self.assign(a, st),
            syn::Expr::Call(c) => {
                let mut v = self.call(c, st);
                v.null |= is_null_expr(e);
                v
            }
            syn::Expr::MethodCall(m) => self.method_call(m, st),
            syn::Expr::Macro(m) => self.mac(&m.mac, st),
            syn::Expr::Yield(y) => {
                if let Some(x) = &y.expr {
                    self.expr(x, st);
                }
                Fact::default()
            }
            _ => Fact::default(),
        }
    }

    /// A tuple or array: each part is examined, and the handles, tokens and
    /// guards it carries are carried by the whole.
    fn composite(&mut self, parts: impl Iterator<Item = &'a syn::Expr>, st: &mut State) -> Fact {
        let mut out = Fact::default();
        for x in parts {
            let v = self.expr(x, st);
            self.mark(&v, Check::Checked);
            merge_carried(&mut out, &v);
        }
        out
    }

    fn field_owner_type(&self, base_expr: &syn::Expr, base: &Fact, st: &State) -> Option<String> {
        if let syn::Expr::Path(p) = base_expr {
            if p.path.is_ident("self") {
                return self.cx.ix.fns[self.fid]
                    .self_ty
                    .as_deref()
                    .map(str::to_string);
            }
            if let Some(v) = p.path.get_ident().and_then(|i| st.var(&i.to_string())) {
                return v.fact.ty.as_ref().and_then(|t| t.last().cloned());
            }
        }
        base.ty.as_ref().and_then(|t| t.last().cloned())
    }

    fn path_expr(&mut self, p: &'a syn::ExprPath, st: &mut State) -> Fact {
        let path = &p.path;
        if path.segments.len() == 1 && p.qself.is_none() {
            let name = path.segments[0].ident.to_string();
            if let Some(v) = st.var(&name).cloned() {
                let mut fact = v.fact.clone();
                // Reading a result variable examines it.
                if fact.outcome.is_some() || fact.test.is_some() {
                    self.mark(&fact, Check::Checked);
                }
                // A handle opened while impersonating, used after the revert.
                if let Some(h) = &fact.handle {
                    if !h.closed
                        && !h.reported
                        && st.imp == Imp::No
                        && !st.dead
                        && self.closing == 0
                    {
                        let loc = self.loc(path.span());
                        let open = h.open.clone();
                        if self.emit {
                            self.event(
                                EventKind::HandleUseAfterRevert {
                                    open,
                                    name: name.clone(),
                                },
                                loc,
                                st,
                            );
                        }
                        if let Some(var) = st.var_mut(&name) {
                            if let Some(h) = var.fact.handle.as_mut() {
                                h.reported = true;
                            }
                        }
                    }
                }
                fact.var = Some(name);
                return fact;
            }
        }
        let last = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let mut fact = Fact {
            null: is_null_expr(&syn::Expr::Path(p.clone())),
            sqos: last == catalog::SQOS_PRESENT.0,
            ..Fact::default()
        };
        // A unit-struct guard value (`let _revert = RevertOnDrop;`).
        if self.cx.guard_types.contains(&last) {
            fact.guard = true;
            fact.ty = Some(vec![last.clone()]);
        }
        if catalog::DELEGATION_LEVELS.contains(&last.as_str()) {
            let loc = self.call_stack.last().cloned().unwrap_or_else(|| {
                self.loc(
                    path.segments
                        .last()
                        .map(|s| s.ident.span())
                        .unwrap_or_else(|| path.span()),
                )
            });
            if self.emit && !st.dead && self.reported_delegation.insert(loc.byte_start) {
                self.event(
                    EventKind::DelegationRequested {
                        constant: last.clone(),
                    },
                    loc,
                    st,
                );
            }
        }
        if self.cx.ix.pipe_consts.contains(last.as_str()) {
            fact.pipe = true;
        }
        if let Some(s) = self.cx.ix.statics.get(last.as_str()) {
            fact.static_alias = Some(last.clone());
            if self.cx.ix.lazy_identity_statics.contains(s.name.as_str()) && st.imp != Imp::No {
                let loc = self.loc(path.span());
                self.event(
                    EventKind::CacheWrite {
                        cache: last.clone(),
                        declared: s.loc.clone(),
                    },
                    loc,
                    st,
                );
            }
        }
        if let Target::Api(api) = self.cx.ix.resolve_path(self.fi, path) {
            if api.role == Role::PerUserRegistryRoot {
                let loc = self.loc(
                    path.segments
                        .last()
                        .map(|s| s.ident.span())
                        .unwrap_or_else(|| path.span()),
                );
                self.event(EventKind::PathUse { api }, loc, st);
            }
        }
        fact
    }

    fn binary(&mut self, e: &'a syn::Expr, b: &'a syn::ExprBinary, st: &mut State) -> Fact {
        use syn::BinOp::*;
        match b.op {
            And(_) | Or(_) => {
                let (t, f) = self.cond(e, st);
                let _ = (&t, &f);
                // Evaluated for its value: continue on the join.
                *st = t.join(&f);
                return Fact::default();
            }
            _ => {}
        }
        let l = self.expr(&b.left, st);
        let r = self.expr(&b.right, st);
        if matches!(b.op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_)) {
            let pick = if let Some(o) = &l.outcome {
                Some((o.clone(), b.op, &*b.right))
            } else {
                r.outcome
                    .as_ref()
                    .map(|o| (o.clone(), flip(&b.op), &*b.left))
            };
            self.mark(&l, Check::Checked);
            self.mark(&r, Check::Checked);
            if let Some((o, op, other)) = pick {
                if let Some(p) = comparison_polarity(&op, other, o.kind) {
                    return Fact {
                        test: Some((o, p)),
                        ..Fact::default()
                    };
                }
            }
            return Fact::default();
        }
        if matches!(b.op, AddAssign(_) | BitOrAssign(_)) {
            // `path += PIPE` keeps pipe-ness on the target.
            if r.pipe {
                if let Some(name) = first_var(&b.left) {
                    if let Some(v) = st.var_mut(&name) {
                        v.fact.pipe = true;
                    }
                }
            }
        }
        self.mark(&l, Check::Checked);
        self.mark(&r, Check::Checked);
        Fact {
            pipe: l.pipe || r.pipe,
            sqos: l.sqos || r.sqos,
            ..Fact::default()
        }
    }

    fn if_expr(&mut self, i: &'a syn::ExprIf, st: &mut State) -> Fact {
        let (mut t, mut f) = self.cond(&i.cond, st);
        self.depth += 1;
        let tv = self.block(&i.then_branch, &mut t);
        self.depth -= 1;
        let t = self.pop_scope(t, self.depth);
        let fv = match &i.else_branch {
            Some((_, e)) => self.expr(e, &mut f),
            None => Fact::default(),
        };
        *st = t.join(&f);
        join_fact(&tv, &fv)
    }

    fn match_expr(&mut self, m: &'a syn::ExprMatch, st: &mut State) -> Fact {
        let v = self.expr(&m.expr, st);
        self.mark(&v, Check::Checked);
        let outcome = v
            .outcome
            .clone()
            .or(v.test.as_ref().map(|(o, _)| o.clone()));
        let kind = outcome.as_ref().map(|o| o.kind);
        let pols: Vec<Option<bool>> = m
            .arms
            .iter()
            .map(|a| {
                let base = kind.and_then(|k| pattern_polarity(&a.pat, k));
                // `match x.is_ok() { true => .. }` and tests
                match (&v.test, &a.pat) {
                    (Some((_, succ_if_true)), syn::Pat::Lit(l)) => match &l.lit {
                        syn::Lit::Bool(b) => Some(b.value == *succ_if_true),
                        _ => base,
                    },
                    _ => base,
                }
            })
            .collect();
        let all_known: Vec<bool> = pols.iter().flatten().copied().collect();
        let mut out_state: Option<State> = None;
        let mut out_val = Fact::default();
        for (arm, pol) in m.arms.iter().zip(&pols) {
            let pol = pol.or_else(|| {
                if !all_known.is_empty() && all_known.iter().all(|p| *p) {
                    Some(false)
                } else if !all_known.is_empty() && all_known.iter().all(|p| !*p) {
                    Some(true)
                } else {
                    None
                }
            });
            let mut s = st.clone();
            if let (Some(o), Some(false)) = (&outcome, pol) {
                s.apply(o.err);
            }
            self.depth += 1;
            let mut names = Vec::new();
            pattern_bindings(&arm.pat, &mut names);
            for n in names {
                let mut f = v.clone();
                f.outcome = None;
                f.test = None;
                s.vars.push(Var {
                    name: n,
                    depth: self.depth,
                    fact: f,
                });
            }
            if let Some((_, g)) = &arm.guard {
                let gv = self.expr(g, &mut s);
                self.mark(&gv, Check::Checked);
            }
            let av = self.expr(&arm.body, &mut s);
            let s = self.pop_scope(s, self.depth - 1);
            self.depth -= 1;
            out_val = join_fact(&out_val, &av);
            out_state = Some(match out_state {
                None => s,
                Some(prev) => prev.join(&s),
            });
        }
        *st = out_state.unwrap_or_else(State::dead);
        out_val
    }

    fn assign(&mut self, a: &'a syn::ExprAssign, st: &mut State) -> Fact {
        let v = self.expr(&a.right, st);
        let loc = self.loc(a.span());
        match &*a.left {
            // `_ = x;` drops the value.
            syn::Expr::Infer(_) => {
                if v.guard && v.var.is_none() {
                    st.revert();
                }
                return Fact::default();
            }
            syn::Expr::Path(p)
                if p.path.segments.len() == 1
                    && st.var(&p.path.segments[0].ident.to_string()).is_some() => {}
            _ => self.mark(&v, Check::Checked),
        }
        match &*a.left {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if let Some(var) = st.var(&name).cloned() {
                    if var.fact.guard {
                        // Reassigning a guard drops the old one.
                        st.revert();
                    }
                    let depth = var.depth;
                    if let Some(slot) = st.var_mut(&name) {
                        *slot = Var {
                            name: name.clone(),
                            depth,
                            fact: Fact {
                                var: None,
                                ..v.clone()
                            },
                        };
                    }
                    if v.outcome.is_some() {
                        self.mark(&v, Check::UnusedVariable);
                    }
                } else if self.cx.ix.statics.contains_key(name.as_str()) {
                    self.store(&v, Escape::StoredInStatic, loc, st);
                }
            }
            syn::Expr::Path(_) => {}
            left => {
                let root = place_root(left);
                self.expr_place(left, st);
                match root {
                    Some((r, _)) if self.cx.ix.statics.contains_key(r.as_str()) => {
                        if let Some(s) = self.cx.ix.statics.get(r.as_str()) {
                            if s.is_cache && st.imp != Imp::No {
                                let declared = s.loc.clone();
                                self.event(
                                    EventKind::CacheWrite {
                                        cache: r.clone(),
                                        declared,
                                    },
                                    loc.clone(),
                                    st,
                                );
                            }
                        }
                        self.store(&v, Escape::StoredInStatic, loc, st);
                    }
                    Some((r, _)) => {
                        let alias = st.var(&r).and_then(|x| x.fact.static_alias.clone());
                        if let Some(s) = alias
                            .as_ref()
                            .and_then(|a| self.cx.ix.statics.get(a.as_str()))
                        {
                            if s.is_cache && st.imp != Imp::No {
                                let declared = s.loc.clone();
                                self.event(
                                    EventKind::CacheWrite {
                                        cache: s.name.clone(),
                                        declared,
                                    },
                                    loc.clone(),
                                    st,
                                );
                            }
                            self.store(&v, Escape::StoredInStatic, loc, st);
                        } else if r == "self" || self.params.contains(&r) {
                            self.store(&v, Escape::StoredInField, loc, st);
                        }
                    }
                    None => {}
                }
            }
        }
        Fact::default()
    }

    /// Evaluates a place expression for its reads (without treating it as a value use).
    fn expr_place(&mut self, e: &'a syn::Expr, st: &mut State) {
        match e {
            syn::Expr::Field(f) => self.expr_place(&f.base, st),
            syn::Expr::Index(i) => {
                self.expr_place(&i.expr, st);
                self.expr(&i.index, st);
            }
            syn::Expr::Unary(u) => self.expr_place(&u.expr, st),
            syn::Expr::Path(_) => {}
            other => {
                self.expr(other, st);
            }
        }
    }

    /// A value stored somewhere that outlives the function.
    fn store(&mut self, v: &Fact, how: Escape, loc: Location, st: &mut State) {
        if let Some(h) = &v.handle {
            if !h.closed && !h.reported {
                let name = v.var.clone().unwrap_or_else(|| "the handle".to_string());
                self.event(
                    EventKind::HandleEscape {
                        open: h.open.clone(),
                        name,
                        how,
                    },
                    loc.clone(),
                    st,
                );
            }
        }
        if v.token.is_some() {
            if let Some(name) = &v.var {
                if let Some(var) = st.var_mut(name) {
                    if let Some(t) = var.fact.token.as_mut() {
                        if t.stored.is_none() {
                            t.stored = Some((loc, how));
                        }
                    }
                }
            }
        }
    }
}

/// Carries handle/token/guard/pipe facts of a part into a composite value.
fn merge_carried(out: &mut Fact, v: &Fact) {
    if out.handle.is_none() {
        out.handle = v.handle.clone();
    }
    if out.token.is_none() {
        out.token = v.token.clone();
        if v.token.is_some() {
            out.var = v.var.clone();
        }
    }
    if out.var.is_none() && v.handle.is_some() {
        out.var = v.var.clone();
    }
    out.guard |= v.guard;
    out.pipe |= v.pipe;
}

/// How a closure (or async block) passed somewhere runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// On this thread, now, with the caller's state.
    InPlace,
    /// On another thread or later: starts not impersonating.
    Fresh,
    /// Inside a helper that impersonates around it.
    Helper,
}

/// The last statement or expression of a body, whose place is worked out
/// only when an exit there is reported.
#[derive(Clone, Copy)]
enum EndNode<'a> {
    Stmt(&'a syn::Stmt),
    Expr(&'a syn::Expr),
}

/// A closure-like argument: a closure expression or an async block.
#[derive(Clone, Copy)]
enum Callable<'a> {
    Closure(&'a syn::ExprClosure),
    Async(&'a syn::ExprAsync),
    /// A function of this crate passed by name (`.map(process)`), and where.
    FnItem(&'a syn::ExprPath),
}

// ----- calls -----
impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    fn text_of(&self, span: Span) -> String {
        self.cx.ix.files[self.fi]
            .src
            .text
            .get(self.base.byte_range(span))
            .unwrap_or("")
            .to_string()
    }

    /// Evaluates call arguments, keeping closures and async blocks aside.
    fn args(
        &mut self,
        args: impl Iterator<Item = &'a syn::Expr>,
        st: &mut State,
    ) -> (Vec<Fact>, Vec<(usize, Callable<'a>)>) {
        let mut vals = Vec::new();
        let mut callables = Vec::new();
        for (i, a) in args.enumerate() {
            let inner = strip(a);
            match inner {
                syn::Expr::Closure(c) => {
                    callables.push((i, Callable::Closure(c)));
                    vals.push(Fact::default());
                }
                syn::Expr::Async(x) => {
                    callables.push((i, Callable::Async(x)));
                    vals.push(Fact::default());
                }
                syn::Expr::Path(p)
                    if p.qself.is_none()
                        && st
                            .var(
                                &p.path
                                    .segments
                                    .last()
                                    .map(|s| s.ident.to_string())
                                    .unwrap_or_default(),
                            )
                            .is_none()
                        && matches!(
                            self.cx.ix.resolve_path_in(
                                self.fi,
                                &p.path,
                                Some(&self.cx.ix.fns[self.fid].module)
                            ),
                            Target::Local(_)
                        ) =>
                {
                    callables.push((i, Callable::FnItem(p)));
                    vals.push(Fact::default());
                }
                _ => {
                    let v = self.expr(a, st);
                    if let Some(ci) = v.closure {
                        callables.push((i, Callable::Closure(self.closures[ci])));
                    }
                    vals.push(v);
                }
            }
        }
        (vals, callables)
    }

    /// Runs a closure-like argument; returns the state after it, for in-place runs.
    fn run_callable(
        &mut self,
        c: Callable<'a>,
        mode: Mode,
        st: &State,
        helper: Option<(Location, String)>,
        param_ty: Option<Vec<String>>,
        param_alias: Option<String>,
    ) -> State {
        if let Callable::FnItem(p) = c {
            // A function passed by name runs with the state it is run in:
            // record it as a call from here (not for work sent elsewhere).
            if mode != Mode::Fresh {
                if let Target::Local(ids) = self.cx.ix.resolve_path_in(
                    self.fi,
                    &p.path,
                    Some(&self.cx.ix.fns[self.fid].module),
                ) {
                    let at = self.loc(
                        p.path
                            .segments
                            .last()
                            .map(|s| s.ident.span())
                            .unwrap_or_else(|| p.span()),
                    );
                    let (imp, began) = if mode == Mode::Helper {
                        (Imp::Yes, helper)
                    } else {
                        (
                            if st.dead { Imp::No } else { st.imp },
                            st.origin.map(|o| {
                                (
                                    self.origins[o as usize].loc.clone(),
                                    self.origins[o as usize].by.clone(),
                                )
                            }),
                        )
                    };
                    for callee in ids {
                        self.call_sites.push(CallSite {
                            callee,
                            imp,
                            began: began.as_ref().map(|b| b.0.clone()),
                            began_by: began.as_ref().map(|b| b.1.clone()),
                            at: at.clone(),
                        });
                    }
                }
            }
            return st.clone();
        }
        let mut entry = match mode {
            Mode::Fresh => State {
                vars: st.vars.clone(),
                ..State::new()
            },
            _ => st.clone(),
        };
        if mode == Mode::Helper {
            if let Some((loc, by)) = helper {
                let o = self.origin(loc, &by, false, None);
                entry.imp = Imp::Yes;
                entry.origin = Some(o);
                entry.guarded = true;
                entry.work = false;
            }
        }
        let emit = self.emit;
        let is_async = match c {
            Callable::Closure(cl) => {
                cl.asyncness.is_some() || matches!(&*cl.body, syn::Expr::Async(_))
            }
            Callable::Async(_) => true,
            Callable::FnItem(_) => false,
        };
        self.ctxs.push(Ctx {
            is_async,
            report_exits: mode != Mode::InPlace,
            origin_base: self.origins.len(),
            returns: Vec::new(),
            returned_outcome: None,
            returns_guard_value: false,
            depth_base: self.depth,
        });
        self.depth += 1;
        let mut s = entry;
        if let Callable::Closure(cl) = c {
            for (i, p) in cl.inputs.iter().enumerate() {
                let mut names = Vec::new();
                pattern_bindings(p, &mut names);
                for n in names {
                    let mut f = Fact::default();
                    if i == 0 {
                        f.ty = param_ty.clone();
                        f.static_alias = param_alias.clone();
                    }
                    s.vars.push(Var {
                        name: n,
                        depth: self.depth,
                        fact: f,
                    });
                }
            }
        }
        let (value, end_loc) = match c {
            Callable::Closure(cl) => {
                let inner = match &*cl.body {
                    syn::Expr::Async(a) => {
                        let v = self.block(&a.block, &mut s);
                        (v, a.block.stmts.last().map(EndNode::Stmt))
                    }
                    syn::Expr::Block(b) if b.label.is_none() => {
                        let v = self.block(&b.block, &mut s);
                        (v, b.block.stmts.last().map(EndNode::Stmt))
                    }
                    other => {
                        let v = self.expr(other, &mut s);
                        (v, Some(EndNode::Expr(other)))
                    }
                };
                inner
            }
            Callable::Async(a) => {
                let v = self.block(&a.block, &mut s);
                (v, a.block.stmts.last().map(EndNode::Stmt))
            }
            Callable::FnItem(_) => (Fact::default(), None),
        };
        let reportable =
            !s.dead && (s.imp != Imp::No || value.handle.is_some() || value.outcome.is_some());
        match end_loc {
            Some(node) if reportable => {
                let loc = match node {
                    EndNode::Stmt(x) => self.loc(x.span()),
                    EndNode::Expr(x) => self.loc(x.span()),
                };
                self.returning(&value, &s, loc.clone());
                self.exit(ExitKind::EndOfBody, loc, &s, Some(&value));
            }
            _ => self.mark(&value, Check::Checked),
        }
        let s = self.pop_scope(s, self.depth - 1);
        self.depth -= 1;
        let ctx = self.ctxs.pop().expect("pushed above");
        let mut out = s;
        for r in &ctx.returns {
            out = out.join(r);
        }
        self.emit = emit;
        out
    }

    /// Handles moved into work that runs elsewhere escape the region.
    fn moved_handles(&mut self, c: Callable<'a>, loc: &Location, st: &State) {
        let mut idents = HashSet::new();
        struct V<'s>(&'s mut HashSet<String>);
        impl<'ast> Visit<'ast> for V<'_> {
            fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
                self.0.insert(i.to_string());
            }
        }
        match c {
            Callable::Closure(cl) => V(&mut idents).visit_expr_closure(cl),
            Callable::Async(a) => V(&mut idents).visit_expr_async(a),
            Callable::FnItem(_) => {}
        }
        let moved: Vec<(String, Location)> = st
            .vars
            .iter()
            .filter(|v| idents.contains(&v.name))
            .filter_map(|v| {
                v.fact
                    .handle
                    .as_ref()
                    .filter(|h| !h.closed)
                    .map(|h| (v.name.clone(), h.open.clone()))
            })
            .collect();
        for (name, open) in moved {
            self.event(
                EventKind::HandleEscape {
                    open,
                    name,
                    how: Escape::MovedToThread,
                },
                loc.clone(),
                st,
            );
        }
    }

    fn begin(
        &mut self,
        name: &str,
        loc: Location,
        st: &mut State,
        kind: ResultKind,
        restore: Option<Snap>,
    ) -> Fact {
        let before = st.snap();
        let key = loc.byte_start;
        // The current token counts as saved while a variable holding it is still open.
        let saved = restore.is_some()
            || st.vars.iter().any(|v| {
                v.fact.saved.is_some() && !v.fact.token.as_ref().is_some_and(|t| t.closed)
            });
        self.began_any = true;
        let ev = self.event(
            EventKind::Begin {
                api: name.to_string(),
                check: Check::Checked,
                saved,
            },
            loc.clone(),
            st,
        );
        self.register_call(key, kind, ev);
        match restore {
            Some(s) => st.apply(s),
            None => {
                let o = self.origin(loc, name, true, None);
                st.imp = Imp::Yes;
                st.origin = Some(o);
                st.guarded = st.vars.iter().any(|v| v.fact.guard);
                st.work = false;
            }
        }
        Fact {
            outcome: matches!(
                kind,
                ResultKind::Bool | ResultKind::Status | ResultKind::Result
            )
            .then(|| Outcome {
                calls: vec![key],
                err: before,
                kind,
            }),
            ..Fact::default()
        }
    }

    fn end(&mut self, name: &str, loc: Location, st: &mut State, kind: ResultKind) -> Fact {
        let key = loc.byte_start;
        let in_drop = self.cx.ix.fns[self.fid].is_drop;
        let ev = self.event(
            EventKind::End {
                api: name.to_string(),
                check: Check::Checked,
                in_drop,
            },
            loc,
            st,
        );
        self.register_call(key, kind, ev);
        st.revert();
        Fact {
            outcome: matches!(
                kind,
                ResultKind::Bool | ResultKind::Status | ResultKind::Result
            )
            .then(|| Outcome {
                calls: vec![key],
                err: Snap::NONE,
                kind,
            }),
            ..Fact::default()
        }
    }

    /// How `WT_TRANSFER_IMPERSONATION` can be named at a pool call whose
    /// flags argument is `flags` and whose API resolved to `api_path`.
    fn transfer_flag_name(&self, flags: &syn::Expr, api_path: &[String]) -> Option<String> {
        let name = catalog::TRANSFER_IMPERSONATION.0;
        let uses = &self.cx.ix.files[self.fi].uses;
        let module_of = |root: &str| {
            catalog::TRANSFER_IMPERSONATION_MODULES
                .iter()
                .find(|(c, _)| *c == root)
                .map(|(_, m)| *m)
        };
        if uses.names.contains_key(name) {
            return Some(name.to_string());
        }
        let globbed = uses.globs.iter().any(|g| {
            let full = self.cx.ix.full_segments(self.fi, g.clone()).join("::");
            catalog::TRANSFER_IMPERSONATION_MODULES
                .iter()
                .any(|(_, m)| *m == full)
        });
        if globbed {
            return Some(name.to_string());
        }
        // A `WT_*` constant already in the argument names the right module.
        struct V(Option<syn::Path>);
        impl<'ast> Visit<'ast> for V {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                if self.0.is_none()
                    && p.segments
                        .last()
                        .is_some_and(|s| s.ident.to_string().starts_with("WT_"))
                {
                    self.0 = Some(p.clone());
                }
            }
        }
        let mut v = V(None);
        v.visit_expr(flags);
        let from_flag = v.0.map(|p| self.cx.ix.full_path(self.fi, &p));
        for path in from_flag
            .iter()
            .map(|p| p.as_slice())
            .chain(std::iter::once(api_path))
        {
            if let Some(m) = path.first().and_then(|r| module_of(r)) {
                return Some(format!("{m}::{name}"));
            }
        }
        None
    }

    /// The local type a function returns (`Self`, `Guard`, `io::Result<Guard>`), if any.
    fn return_type(&self, id: usize) -> Option<Vec<String>> {
        let f = &self.cx.ix.fns[id];
        f.ret_idents.iter().find_map(|w| {
            if w == "Self" {
                f.self_ty.as_deref().map(|t| vec![t.to_string()])
            } else if self.cx.ix.types.contains_key(w.as_str()) {
                Some(vec![w.to_string()])
            } else {
                None
            }
        })
    }

    fn set_work(&self, name: &str, st: &mut State) {
        if st.imp != Imp::No && !catalog::NON_WORK.contains(&name) {
            st.work = true;
        }
    }

    fn call(&mut self, c: &'a syn::ExprCall, st: &mut State) -> Fact {
        let func = strip(&c.func);
        let fp = match func {
            syn::Expr::Path(p) => p,
            syn::Expr::Closure(cl) => {
                // Immediately invoked closure: runs here.
                let (vals, _) = self.args(c.args.iter(), st);
                for v in &vals {
                    self.mark(v, Check::Checked);
                }
                let after =
                    self.run_callable(Callable::Closure(cl), Mode::InPlace, st, None, None, None);
                *st = after;
                return Fact::default();
            }
            other => {
                let f = self.expr(other, st);
                self.call_closure_value(f.closure, c, st);
                return Fact::default();
            }
        };
        let path = &fp.path;
        let Some(last_seg) = path.segments.last() else {
            return Fact::default();
        };
        let name = last_seg.ident.to_string();
        let loc = self.loc(last_seg.ident.span());
        // A call through a local variable: a closure or a closure parameter.
        if path.segments.len() == 1 && fp.qself.is_none() {
            if let Some(var) = st.var(&name).cloned() {
                self.set_work(&name, st);
                if let Some(pos) = self.params.iter().position(|p| *p == name) {
                    if st.imp != Imp::No && !self.called_params.contains(&pos) {
                        self.called_params.push(pos);
                    }
                }
                self.call_closure_value(var.fact.closure, c, st);
                return Fact::default();
            }
        }
        self.set_work(&name, st);
        match name.as_str() {
            "drop" if c.args.len() == 1 => {
                if let Some(v) = first_var(&c.args[0]) {
                    if let Some(var) = st.var(&v).cloned() {
                        if var.fact.guard {
                            st.revert();
                        }
                        if let Some(slot) = st.var_mut(&v) {
                            slot.fact.guard = false;
                            if let Some(h) = slot.fact.handle.as_mut() {
                                h.closed = true;
                            }
                            if let Some(t) = slot.fact.token.as_mut() {
                                t.closed = true;
                            }
                        }
                        return Fact::default();
                    }
                }
                let v = self.expr(&c.args[0], st);
                if v.guard {
                    st.revert();
                }
                return Fact::default();
            }
            "forget" if c.args.len() == 1 => {
                if let Some(v) = first_var(&c.args[0]) {
                    if st.var(&v).is_some_and(|x| x.fact.guard) {
                        st.guarded = false;
                        if let Some(slot) = st.var_mut(&v) {
                            slot.fact.guard = false;
                        }
                    }
                }
                return Fact::default();
            }
            _ => {}
        }
        let target =
            self.cx
                .ix
                .resolve_path_in(self.fi, path, Some(&self.cx.ix.fns[self.fid].module));
        // Closing a handle is not a use of it.
        let closing = matches!(target, Target::Api(api) if api.role == Role::HandleClose);
        self.call_stack.push(loc.clone());
        self.closing += u32::from(closing);
        let (vals, callables) = self.args(c.args.iter(), st);
        self.closing -= u32::from(closing);
        self.call_stack.pop();
        if catalog::DIVERGING.contains(&name.as_str()) {
            for v in &vals {
                self.mark(v, Check::Checked);
            }
            *st = State::dead();
            return Fact::default();
        }
        if let Some((_, success)) = catalog::STATUS_TESTS.iter().find(|(n, _)| *n == name) {
            let v = vals.first().cloned().unwrap_or_default();
            self.mark(&v, Check::Checked);
            return match v.outcome {
                Some(o) => Fact {
                    test: Some((o, *success)),
                    ..Fact::default()
                },
                None => Fact::default(),
            };
        }
        match target {
            Target::Local(ids) => self.local_call(&ids, &name, loc, vals, callables, st),
            Target::Api(api) => {
                let full = self.cx.ix.full_path(self.fi, path);
                self.api_call(
                    api,
                    c.args.iter().collect(),
                    &full,
                    loc,
                    vals,
                    callables,
                    st,
                    turbofish_type(path, self.cx.ix, self.fi),
                )
            }
            Target::ExtraBegin(n) => {
                self.run_in_place(callables, st);
                self.begin(&n, loc, st, ResultKind::Result, None)
            }
            Target::ExtraEnd(n) => {
                self.run_in_place(callables, st);
                self.end(&n, loc, st, ResultKind::Result)
            }
            Target::Unknown => {
                self.run_in_place(callables, st);
                self.generic_call(path, &name, vals, st)
            }
        }
    }

    /// A call of a value (`f(..)`, `(self.cb)(..)`): its arguments are
    /// examined, and a known closure runs here with the caller's state.
    fn call_closure_value(&mut self, closure: Option<usize>, c: &'a syn::ExprCall, st: &mut State) {
        let (vals, _) = self.args(c.args.iter(), st);
        for v in &vals {
            self.mark(v, Check::Checked);
        }
        // A closure is never re-entered from its own body: in
        // `let write = |b| write(b);` the inner `write` is an earlier binding.
        if let Some(ci) = closure.filter(|ci| !self.running_closures.contains(ci)) {
            self.running_closures.push(ci);
            *st = self.run_callable(
                Callable::Closure(self.closures[ci]),
                Mode::InPlace,
                st,
                None,
                None,
                None,
            );
            self.running_closures.pop();
        }
    }

    /// Runs closures handed to a call that is not known to run them
    /// elsewhere. A function passed by name to such a call may be kept as a
    /// callback for later, so it is not taken as a call from here.
    fn run_in_place(&mut self, callables: Vec<(usize, Callable<'a>)>, st: &mut State) {
        for (_, c) in callables {
            if !matches!(c, Callable::FnItem(_)) {
                let _ = self.run_callable(c, Mode::InPlace, st, None, None, None);
            }
        }
    }

    /// A call of something unknown: results passed in are examined; a
    /// `Type::new`-style constructor gives the value's type.
    fn generic_call(
        &mut self,
        path: &syn::Path,
        name: &str,
        vals: Vec<Fact>,
        st: &mut State,
    ) -> Fact {
        let full = self.cx.ix.full_path(self.fi, path);
        let wrapper = matches!(
            name,
            "Ok" | "Some" | "Err" | "new" | "from" | "pin" | "Cell" | "RefCell"
        ) && vals.len() == 1;
        let mut out = Fact::default();
        for v in &vals {
            self.mark(v, Check::Checked);
            if out.outcome.is_none() && !matches!(name, "Ok" | "Some") {
                out.outcome = v.outcome.clone();
            }
            out.pipe |= v.pipe;
        }
        out.is_err = name == "Err";
        if wrapper {
            let v = &vals[0];
            merge_carried(&mut out, v);
            if matches!(name, "Ok" | "Some") {
                out.outcome = v.outcome.clone();
            }
            out.ty = v.ty.clone();
        }
        // Owning wrappers take over a raw handle or token.
        if full.len() >= 2 {
            let owner = &full[full.len() - 2];
            if catalog::OWNING_HANDLE_TYPES.contains(&owner.as_str())
                || self.cx.closing_types.contains(owner)
            {
                for v in &vals {
                    if let Some(var) = &v.var {
                        if let Some(slot) = st.var_mut(var) {
                            if let Some(t) = slot.fact.token.as_mut() {
                                t.closed = true;
                            }
                        }
                    }
                }
                out.token = None;
            }
        }
        let first_upper = |s: &str| s.chars().next().is_some_and(|c| c.is_uppercase());
        if full.len() >= 2 && first_upper(&full[full.len() - 2]) && !first_upper(name) {
            out.ty = Some(full[..full.len() - 1].to_vec());
        } else if first_upper(name) && !matches!(name, "Ok" | "Some" | "Err") {
            // Tuple-struct constructor.
            out.ty = Some(full.clone());
            out.guard |= self.cx.guard_types.contains(name);
            if self.cx.closing_types.contains(name) {
                for v in &vals {
                    if let Some(var) = &v.var {
                        if let Some(slot) = st.var_mut(var) {
                            if let Some(t) = slot.fact.token.as_mut() {
                                t.closed = true;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn local_call(
        &mut self,
        ids: &[usize],
        name: &str,
        loc: Location,
        vals: Vec<Fact>,
        callables: Vec<(usize, Callable<'a>)>,
        st: &mut State,
    ) -> Fact {
        let id = ids[0];
        let sum = self.cx.sums[id].clone();
        let began = st.origin.map(|o| {
            (
                self.origins[o as usize].loc.clone(),
                self.origins[o as usize].by.clone(),
            )
        });
        for &callee in ids {
            self.call_sites.push(CallSite {
                callee,
                imp: if st.dead { Imp::No } else { st.imp },
                began: began.as_ref().map(|b| b.0.clone()),
                began_by: began.as_ref().map(|b| b.1.clone()),
                at: loc.clone(),
            });
        }
        let display = self.cx.ix.fns[id].display();
        for (i, c) in callables {
            if sum.runs_closure.contains(&i) {
                self.run_callable(
                    c,
                    Mode::Helper,
                    st,
                    Some((loc.clone(), display.clone())),
                    None,
                    None,
                );
            } else {
                self.run_callable(c, Mode::InPlace, st, None, None, None);
            }
        }
        let mut out = Fact::default();
        for v in &vals {
            self.mark(v, Check::Checked);
            if out.outcome.is_none() {
                out.outcome = v.outcome.clone();
            }
            // A value built from a pipe name (`wide(&name)`) is still one.
            out.pipe |= v.pipe;
        }
        let ret_ty = self.return_type(id);
        if out.ty.is_none() {
            out.ty = ret_ty.clone();
        }
        match sum.effect {
            Effect::Begins => {
                let mut v = self.begin(
                    &display,
                    loc,
                    st,
                    sum.ret_kind.unwrap_or(ResultKind::Unit),
                    None,
                );
                v.ty = ret_ty;
                v.guard = sum.returns_guard;
                if sum.returns_guard {
                    st.guarded = true;
                }
                v
            }
            Effect::Ends => self.end(&display, loc, st, sum.ret_kind.unwrap_or(ResultKind::Unit)),
            Effect::None => {
                let _ = name;
                out
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn api_call(
        &mut self,
        api: &'static Api,
        args: Vec<&'a syn::Expr>,
        full: &[String],
        loc: Location,
        vals: Vec<Fact>,
        callables: Vec<(usize, Callable<'a>)>,
        st: &mut State,
        turbofish: Option<Vec<String>>,
    ) -> Fact {
        let arg = |i: Option<usize>| i.and_then(|i| args.get(i).copied());
        for v in &vals {
            self.mark(v, Check::Checked);
        }
        let mut out = Fact::default();
        match api.role {
            Role::Begin => {
                self.run_in_place(callables, st);
                // Impersonating a token saved earlier restores that state.
                if let Some(tok) = arg(api.args.token) {
                    let var = first_var(tok).and_then(|n| st.var(&n).cloned());
                    if let Some(saved) = var.as_ref().and_then(|v| v.fact.saved) {
                        return self.begin(api.name, loc, st, api.result, Some(saved));
                    }
                    if api.name.starts_with("Ps")
                        && (is_null_expr(tok) || var.is_some_and(|v| v.fact.null))
                    {
                        return self.end(api.name, loc, st, api.result);
                    }
                }
                return self.begin(api.name, loc, st, api.result, None);
            }
            Role::End => {
                self.run_in_place(callables, st);
                return self.end(api.name, loc, st, api.result);
            }
            Role::SetToken => {
                if let Some(t) = arg(api.args.thread) {
                    if !is_current_thread(t) {
                        return out;
                    }
                }
                if api.args.flags.is_some() {
                    let class = arg(api.args.flags);
                    if !class.is_some_and(|c| {
                        quote::ToTokens::to_token_stream(c)
                            .to_string()
                            .contains(catalog::THREAD_IMPERSONATION_TOKEN)
                    }) {
                        return out;
                    }
                }
                let Some(tok) = arg(api.args.token) else {
                    return out;
                };
                let var = first_var(tok).and_then(|n| st.var(&n).cloned());
                let null = is_null_expr(tok) || var.as_ref().is_some_and(|v| v.fact.null);
                if let Some(saved) = var.as_ref().and_then(|v| v.fact.saved) {
                    return self.begin(api.name, loc, st, api.result, Some(saved));
                }
                return if null {
                    self.end(api.name, loc, st, api.result)
                } else {
                    self.begin(api.name, loc, st, api.result, None)
                };
            }
            Role::SaveToken => {
                let snap = st.snap();
                st.saved = true;
                if let Some(name) = arg(api.args.token).and_then(out_param) {
                    if let Some(v) = st.var_mut(&name) {
                        v.fact.saved = Some(snap);
                        v.fact.token = Some(TokenFact {
                            open: loc.clone(),
                            stored: None,
                            closed: false,
                        });
                        v.fact.null = false;
                    }
                } else {
                    out.saved = Some(snap);
                }
                if api.name.starts_with("Ps") {
                    // PsImpersonateClient(thread, saved, ..) restores; a null token reverts.
                    out.saved = Some(snap);
                }
            }
            Role::TokenSource | Role::TokenDuplicate => {
                if let Some(name) = arg(api.args.token).and_then(out_param) {
                    if let Some(v) = st.var_mut(&name) {
                        v.fact.token = Some(TokenFact {
                            open: loc.clone(),
                            stored: None,
                            closed: false,
                        });
                        v.fact.null = false;
                    }
                } else {
                    out.token = Some(TokenFact {
                        open: loc.clone(),
                        stored: None,
                        closed: false,
                    });
                }
            }
            Role::HandleClose => {
                if let Some(name) = args.first().and_then(|a| first_var(a)) {
                    if let Some(v) = st.var_mut(&name) {
                        if let Some(h) = v.fact.handle.as_mut() {
                            h.closed = true;
                        }
                        if let Some(t) = v.fact.token.as_mut() {
                            t.closed = true;
                        }
                    }
                }
            }
            Role::ThreadSpawn | Role::ScopedThreadSpawn | Role::PoolSubmit | Role::AsyncSpawn => {
                let mut facts = CallFacts::default();
                if let Some(f) = arg(api.args.flags) {
                    facts.transfers_impersonation =
                        index::mentions_flag(f, &[catalog::TRANSFER_IMPERSONATION]);
                    facts.flags_arg = Some(self.loc(f.span()));
                    facts.flags_text = Some(self.text_of(f.span()));
                    facts.transfer_flag = self.transfer_flag_name(f, full);
                }
                self.event(EventKind::Call { api, facts }, loc.clone(), st);
                let scope_ty = scope_type(full);
                for (_, c) in callables {
                    self.moved_handles(c, &loc, st);
                    self.run_callable(c, Mode::Fresh, st, None, scope_ty.clone(), None);
                }
            }
            Role::RunsInPlace => {
                let scope_ty = scope_type(full);
                for (_, c) in callables {
                    let after =
                        self.run_callable(c, Mode::InPlace, st, None, scope_ty.clone(), None);
                    *st = after;
                }
            }
            Role::Deferred => {
                for (_, c) in callables {
                    self.run_callable(c, Mode::Fresh, st, None, None, None);
                }
            }
            Role::ProcessCreate | Role::WindowMessage | Role::ProfileLookup => {
                self.run_in_place(callables, st);
                self.event(
                    EventKind::Call {
                        api,
                        facts: CallFacts::default(),
                    },
                    loc,
                    st,
                );
            }
            Role::ProfileWithToken => {
                let null_token = arg(api.args.token).is_some_and(|t| {
                    is_null_expr(t)
                        || first_var(t)
                            .and_then(|n| st.var(&n).map(|v| v.fact.null))
                            .unwrap_or(false)
                });
                self.event(
                    EventKind::Call {
                        api,
                        facts: CallFacts {
                            null_token,
                            ..CallFacts::default()
                        },
                    },
                    loc,
                    st,
                );
            }
            Role::EnvRead => {
                let name = arg(api.args.path).and_then(|a| {
                    index::string_value(a).or_else(|| {
                        vals.get(api.args.path.unwrap_or(0))
                            .and_then(|v| v.text.clone())
                    })
                });
                self.event(
                    EventKind::Call {
                        api,
                        facts: CallFacts {
                            env_var: name,
                            ..CallFacts::default()
                        },
                    },
                    loc,
                    st,
                );
            }
            Role::ComCall => {
                self.run_in_place(callables, st);
                if !self.cx.ix.cloaking {
                    let setup = self.cx.ix.com_setup.clone();
                    self.event(
                        EventKind::ComWithoutCloaking {
                            call: api.name.to_string(),
                            setup,
                        },
                        loc,
                        st,
                    );
                }
                out.ty = turbofish.or(Some(vec!["IUnknown".to_string()]));
            }
            Role::HandleOpen | Role::PipeClientOpen => {
                self.run_in_place(callables, st);
                if api.role == Role::PipeClientOpen {
                    let pipe = api
                        .args
                        .path
                        .and_then(|i| vals.get(i))
                        .is_some_and(|v| v.pipe)
                        || arg(api.args.path)
                            .and_then(index::string_value)
                            .is_some_and(|s| index::is_pipe_text(&s));
                    let sqos = arg(api.args.flags)
                        .is_some_and(|f| index::mentions_flag(f, &[catalog::SQOS_PRESENT]))
                        || api
                            .args
                            .flags
                            .and_then(|i| vals.get(i))
                            .is_some_and(|v| v.sqos);
                    if pipe && !sqos {
                        self.event(EventKind::PipeOpenWithoutSqos { api }, loc.clone(), st);
                    }
                }
                if st.imp != Imp::No {
                    let h = HandleFact {
                        open: loc.clone(),
                        closed: false,
                        reported: false,
                    };
                    if let Some(name) = arg(api.args.token).and_then(out_param) {
                        if let Some(v) = st.var_mut(&name) {
                            v.fact.handle = Some(h);
                        }
                    } else {
                        out.handle = Some(h);
                    }
                }
            }
            Role::PerUserRegistryRoot
            | Role::PerUserRegistryFix
            | Role::ProcessCreateAsUser
            | Role::ComSecurity
            | Role::IdentityQuery => {
                self.run_in_place(callables, st);
            }
        }
        out
    }
}

/// The type a scope API gives its closure's parameter (`std::thread::scope` → `std::thread::Scope`).
fn scope_type(full: &[String]) -> Option<Vec<String>> {
    let last = full.last()?;
    if !matches!(last.as_str(), "scope" | "scope_fifo" | "in_place_scope") {
        return None;
    }
    let mut t: Vec<String> = full[..full.len() - 1].to_vec();
    if t.len() == 1 && (t[0] == "crossbeam" || t[0] == "crossbeam_utils") {
        t.push("thread".to_string());
    }
    t.push("Scope".to_string());
    Some(t)
}

/// `CoCreateInstance::<_, IWbemLocator>(..)` → `IWbemLocator`.
fn turbofish_type(path: &syn::Path, ix: &CrateIndex<'_>, fi: usize) -> Option<Vec<String>> {
    let last = path.segments.last()?;
    if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
        for g in a.args.iter().rev() {
            if let syn::GenericArgument::Type(t) = g {
                if let Some(p) = index::type_path(t) {
                    return Some(ix.full_segments(fi, p));
                }
            }
        }
    }
    None
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        syn::Expr::Reference(r) => strip(&r.expr),
        other => other,
    }
}

// ----- method calls and macros -----
impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    fn method_call(&mut self, m: &'a syn::ExprMethodCall, st: &mut State) -> Fact {
        let name = m.method.to_string();
        let loc = self.loc(m.method.span());
        let mut recv = self.expr(&m.receiver, st);
        if let syn::Expr::Path(p) = strip(&m.receiver) {
            if p.path.is_ident("self") {
                if let Some(t) = &self.cx.ix.fns[self.fid].self_ty {
                    recv.ty = Some(vec![t.to_string()]);
                }
            }
        }
        // Results of begin/end calls: tests, pass-throughs, checks, drops.
        if let Some(o) = recv.outcome.clone() {
            let (vals, callables) = self.args(m.args.iter(), st);
            self.run_in_place(callables, st);
            for v in &vals {
                self.mark(v, Check::Checked);
            }
            return match name.as_str() {
                "is_ok" | "is_some" | "as_bool" | "succeeded" | "is_success" => Fact {
                    test: Some((o, true)),
                    ..Fact::default()
                },
                "is_err" | "is_none" | "is_null" | "is_invalid" | "failed" => Fact {
                    test: Some((o, false)),
                    ..Fact::default()
                },
                n if catalog::RESULT_ADAPTERS.contains(&n) => Fact {
                    outcome: Some(o),
                    guard: recv.guard,
                    handle: recv.handle,
                    ty: recv.ty,
                    ..Fact::default()
                },
                n if catalog::OUTCOME_PASSTHROUGH.contains(&n) => Fact {
                    outcome: Some(o),
                    ..Fact::default()
                },
                "unwrap_or_default" | "unwrap_or" | "ok_or_default" => Fact::default(),
                _ => {
                    self.mark(&recv, Check::Checked);
                    Fact {
                        guard: recv.guard,
                        handle: recv.handle,
                        token: recv.token,
                        ty: recv.ty,
                        ..Fact::default()
                    }
                }
            };
        }
        if let Some((o, p)) = recv.test.clone() {
            // `.then(..)`/`.not()` on a test keep it; anything else examines it.
            self.mark(&recv, Check::Checked);
            if name == "not" {
                return Fact {
                    test: Some((o, !p)),
                    ..Fact::default()
                };
            }
        }
        self.set_work(&name, st);
        // A guard consumed by a `self`-taking method is dropped.
        if recv.guard {
            if let Some(var) = recv.var.clone() {
                let consumes = self
                    .cx
                    .ix
                    .local_methods_named(
                        &name,
                        recv.ty.as_ref().and_then(|t| t.last().map(String::as_str)),
                    )
                    .iter()
                    .any(|&id| self.cx.ix.fns[id].self_by_value);
                if consumes {
                    if let Some(slot) = st.var_mut(&var) {
                        slot.fact.guard = false;
                    }
                    let ids = self.cx.ix.local_methods_named(
                        &name,
                        recv.ty.as_ref().and_then(|t| t.last().map(String::as_str)),
                    );
                    if ids
                        .first()
                        .is_none_or(|&id| self.cx.sums[id].effect == Effect::None)
                    {
                        // Consumed and dropped: the guard's `Drop` reverts.
                        st.revert();
                        let (_vals, callables) = self.args(m.args.iter(), st);
                        self.run_in_place(callables, st);
                        return Fact::default();
                    }
                }
            }
        }
        self.call_stack.push(loc.clone());
        let (vals, callables) = self.args(m.args.iter(), st);
        self.call_stack.pop();
        let recv_ty = recv.ty.clone();
        let recv_last = recv_ty.as_ref().and_then(|t| t.last().cloned());
        // A method of this crate.
        let locals = self.cx.ix.local_methods_named(&name, recv_last.as_deref());
        let shadowed = self.cx.ix.local_methods.contains(name.as_str());
        if !locals.is_empty()
            && (recv_last
                .as_ref()
                .is_some_and(|t| !self.cx.ix.is_com_interface(t))
                || recv_last.is_none())
        {
            let mut v = self.local_call(&locals, &name, loc, vals, callables, st);
            if v.ty.is_none() {
                v.ty = None;
            }
            return v;
        }
        // A catalog method.
        let api = catalog::method(&name, recv_ty.as_deref())
            .filter(|a| !(shadowed && a.family == catalog::Family::AnyMethod));
        if let Some(api) = api {
            let mut args: Vec<&'a syn::Expr> = m.args.iter().collect();
            if matches!(api.role, Role::PipeClientOpen) {
                // `OpenOptions::new()...open(PIPE)`: SQOS comes from the builder chain.
                let pipe = vals.first().is_some_and(|v| v.pipe)
                    || args
                        .first()
                        .and_then(|a| index::string_value(a))
                        .is_some_and(|s| index::is_pipe_text(&s));
                if pipe && !recv.sqos {
                    self.event(EventKind::PipeOpenWithoutSqos { api }, loc.clone(), st);
                }
                args.clear();
                let mut out = Fact::default();
                if st.imp != Imp::No {
                    out.handle = Some(HandleFact {
                        open: loc,
                        closed: false,
                        reported: false,
                    });
                }
                self.run_in_place(callables, st);
                return out;
            }
            let full = recv_ty.clone().unwrap_or_default();
            let mut v = self.api_call(api, args, &full, loc, vals, callables, st, None);
            if api.role == Role::HandleOpen && st.imp == Imp::No {
                v.handle = None;
            }
            return v;
        }
        // A COM interface method.
        if let Some(t) = &recv_last {
            let adapter = catalog::RESULT_ADAPTERS.contains(&name.as_str())
                || catalog::OUTCOME_PASSTHROUGH.contains(&name.as_str())
                || matches!(
                    name.as_str(),
                    "unwrap" | "expect" | "is_ok" | "is_err" | "unwrap_or_default"
                );
            if self.cx.ix.is_com_interface(t)
                && !catalog::COM_HELPER_METHODS.contains(&name.as_str())
                && !adapter
            {
                self.run_in_place(callables, st);
                if !self.cx.ix.cloaking {
                    let setup = self.cx.ix.com_setup.clone();
                    self.event(
                        EventKind::ComWithoutCloaking {
                            call: format!("{t}::{name}"),
                            setup,
                        },
                        loc,
                        st,
                    );
                }
                for v in &vals {
                    self.mark(v, Check::Checked);
                }
                return Fact {
                    ty: Some(vec!["IUnknown".to_string()]),
                    ..Fact::default()
                };
            }
        }
        // Writes into a process-wide cache.
        // (The receiver's value knows the static it reaches through locks,
        // `with` parameters and fields; no walk back up the chain is needed.)
        let root_static = recv.static_alias.clone();
        if let Some(s) = root_static
            .as_ref()
            .and_then(|r| self.cx.ix.statics.get(r.as_str()))
        {
            if s.is_cache
                && catalog::CACHE_WRITE_METHODS.contains(&name.as_str())
                && st.imp != Imp::No
            {
                let declared = s.loc.clone();
                self.event(
                    EventKind::CacheWrite {
                        cache: s.name.clone(),
                        declared,
                    },
                    loc.clone(),
                    st,
                );
            }
        }
        // Stores into something that outlives the function.
        if catalog::STORE_METHODS.contains(&name.as_str()) {
            let lasting = match place_root(&m.receiver) {
                Some((r, _)) if self.cx.ix.statics.contains_key(r.as_str()) => {
                    Some(Escape::StoredInStatic)
                }
                Some((r, _))
                    if st
                        .var(&r)
                        .and_then(|v| v.fact.static_alias.clone())
                        .is_some() =>
                {
                    Some(Escape::StoredInStatic)
                }
                Some((r, nested)) if r == "self" || (self.params.contains(&r) && !nested) => {
                    Some(Escape::StoredInCollection)
                }
                Some((r, true)) if self.params.contains(&r) => Some(Escape::StoredInCollection),
                _ => None,
            };
            if let Some(how) = lasting {
                for v in vals.iter() {
                    if v.handle.is_some() || v.token.is_some() {
                        self.store(v, how, loc.clone(), st);
                    }
                }
            }
        }
        // Closures: thread-locals' `with` gets the static as its parameter.
        let alias = if matches!(name.as_str(), "with" | "with_borrow" | "with_borrow_mut") {
            root_static.clone()
        } else {
            None
        };
        let runs_here = catalog::IN_PLACE_METHODS.contains(&name.as_str());
        for (_, c) in callables {
            if runs_here || !matches!(c, Callable::FnItem(_)) {
                let _ = self.run_callable(c, Mode::InPlace, st, None, None, alias.clone());
            }
        }
        for v in &vals {
            self.mark(v, Check::Checked);
        }
        let mut out = Fact::default();
        if catalog::ALIAS_METHODS.contains(&name.as_str()) {
            out.static_alias = recv.static_alias.clone().or(root_static);
        }
        // Builder chains keep their type; `build()` makes the built type.
        if let Some(t) = &recv_ty {
            let last = t.last().cloned().unwrap_or_default();
            if name == "build" && last.ends_with("Builder") {
                let mut b = t.clone();
                if let Some(l) = b.last_mut() {
                    *l = last.trim_end_matches("Builder").to_string();
                }
                out.ty = Some(b);
            } else if catalog::BUILDER_TYPES.contains(&last.as_str())
                || matches!(name.as_str(), "unwrap" | "expect")
            {
                out.ty = Some(t.clone());
            }
        }
        out.sqos = recv.sqos || name == "security_qos_flags";
        if name == "custom_flags"
            && m.args
                .first()
                .is_some_and(|a| index::mentions_flag(a, &[catalog::SQOS_PRESENT]))
        {
            out.sqos = true;
        }
        out.pipe = recv.pipe || vals.iter().any(|v| v.pipe);
        if matches!(
            name.as_str(),
            "unwrap" | "expect" | "clone" | "as_raw_handle"
        ) || catalog::RESULT_ADAPTERS.contains(&name.as_str())
        {
            out.handle = recv.handle.clone();
            out.token = recv.token.clone();
            out.var = recv.var.clone();
            if name != "clone" {
                out.guard = recv.guard;
                if out.ty.is_none() {
                    out.ty = recv.ty.clone();
                }
            }
        }
        out
    }

    /// Expression and statement macros: the common ones are re-parsed.
    fn mac(&mut self, mac: &'a syn::Macro, st: &mut State) -> Fact {
        let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return Fact::default();
        };
        if catalog::STRING_MACROS.contains(&name.as_str()) || name == "concat" {
            let text = mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()
                .and_then(|p| {
                    let mut s = String::new();
                    for e in &p {
                        s.push_str(&index::string_value(e)?);
                    }
                    Some(s)
                });
            return Fact {
                pipe: text.as_deref().is_some_and(index::is_pipe_text),
                text,
                ..Fact::default()
            };
        }
        let owned: &'a [syn::Expr] = self.cx.macros.get(mac);
        let debug = name.starts_with("debug_assert");
        if debug {
            self.in_debug_macro += 1;
        }
        let mut out = Fact::default();
        match name.as_str() {
            "assert" | "debug_assert" | "ensure" => {
                if let Some(c) = owned.first() {
                    let (t, f) = self.cond(c, st);
                    *st = t;
                    if name == "ensure" {
                        let mut f = f;
                        let loc = self.loc(mac.path.span());
                        self.ret(
                            Some(Fact {
                                is_err: true,
                                ..Fact::default()
                            }),
                            ExitKind::Return,
                            loc,
                            &mut f,
                        );
                    }
                }
                for e in owned.iter().skip(1) {
                    self.expr(e, st);
                }
            }
            _ => {
                for e in owned {
                    let v = self.expr(e, st);
                    self.mark(&v, Check::Checked);
                    out.pipe |= v.pipe;
                }
            }
        }
        if debug {
            self.in_debug_macro -= 1;
        }
        match name.as_str() {
            "panic" | "todo" | "unimplemented" | "unreachable" => *st = State::dead(),
            "bail" => {
                let loc = self.loc(mac.path.span());
                let err = Fact {
                    is_err: true,
                    ..Fact::default()
                };
                self.ret(Some(err), ExitKind::Return, loc, st);
            }
            _ => {}
        }
        out
    }
}
