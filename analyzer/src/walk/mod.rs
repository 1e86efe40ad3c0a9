//! The impersonation-state walk of one function body. It interprets the
//! body's syntax over a small abstract state (impersonating or not, where it
//! began, whether a guard holds it, what each local variable carries) and
//! records what happens: begin/end calls and how their results are checked,
//! exits, awaits, catalog calls, handle and token flows, cache writes. The
//! same walk serves the summaries (what a function does to its caller's
//! state) and, with `emit` on, the events lints read. Control flow is
//! handled structurally: branches join, loops iterate to a fixed point,
//! `break`/`continue`/`return`/`?` carry their state to where they go.
//!
//! This module holds the state, the facts values carry and the walker's
//! entry points; the lattice of the thread's impersonation, with its order
//! and join, is `region`; its parts walk statements and control flow (`control`),
//! expressions (`exprs`), calls of paths (`calls`), and method calls and
//! macros (`methods`).

use crate::catalog::{self, Api, ResultKind, Role};
use crate::diag::Location;
use crate::event::{
    CallFacts, CallerNote, Check, Escape, Event, EventKind, ExitKind, Imp, LintFact, StateInfo,
};
use crate::facts::{self, CrateFacts};
use crate::index::resolve::Target;
use crate::index::{self, syntax, CrateIndex};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;

mod calls;
mod control;
mod exprs;
pub(crate) mod flow;
mod methods;
mod paths;
mod region;
mod summary;
mod vars;

use flow::{FieldKey, FieldWrite, FnFlow, PipeUse};
use region::Region;
#[cfg(test)]
pub use summary::NoExternal;
pub use summary::{ExternalSummaries, GuardTypes, Reads};
pub(crate) use vars::steps;
use vars::{VarMut, Vars};

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
    /// What it does with its parameters and what it returns, as values
    /// (`flow`); `None` when it was not walked for that (a call then
    /// returns what its arguments carry).
    pub flow: Option<Box<FnFlow>>,
    /// A `Drop::drop` that reverts (on some path: a flag guard): its type
    /// is a guard ([`GuardTypes`]).
    pub reverts_on_drop: bool,
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    pub callee: usize,
    pub imp: Imp,
    pub began: Option<Location>,
    pub began_by: Option<String>,
    pub at: Location,
}

/// Shared, read-only inputs of every walk in a crate.
#[derive(Clone, Copy)]
pub struct Cx<'i, 'a> {
    pub ix: &'i CrateIndex<'a>,
    /// What particular lints need to know of the crate (COM cloaking, lazy
    /// statics that do identity-sensitive work).
    pub facts: &'i CrateFacts<'a>,
    pub sums: &'i [Summary],
    /// Which types are guards (with `sums`).
    pub guards: &'i GuardTypes,
    /// Summaries of functions of other crates.
    pub external: &'i dyn ExternalSummaries,
    /// Types whose `Drop` closes a handle (owning wrappers).
    pub closing_types: &'i HashSet<String>,
    /// Re-parsed macro arguments of the crate.
    pub macros: &'a crate::macros::MacroArgs,
    /// What the crate stores in its types' fields (`flow`).
    pub fields: &'i flow::FieldFacts,
}

/// A result to check: the begin or end calls it comes from (their keys),
/// the region on their failure path, and how it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    calls: Vec<usize>,
    /// The region if the call failed; `None` when failure leaves the
    /// region as it is (a result handed in as a parameter).
    err: Option<Region>,
    kind: ResultKind,
}

impl Outcome {
    /// Moves `region` to the failure path's.
    fn fail(&self, region: &mut Region) {
        if let Some(r) = self.err {
            *region = r;
        }
    }

    /// The result of either of two calls (`if a { X() } else { Y() }`):
    /// checking it checks both.
    fn join(&self, other: &Outcome) -> Outcome {
        let mut calls = self.calls.clone();
        for c in &other.calls {
            if !calls.contains(c) {
                calls.push(*c);
            }
        }
        Outcome {
            calls,
            err: match (self.err, other.err) {
                (Some(a), Some(b)) => Some(a.join(b)),
                (a, b) => a.or(b),
            },
            kind: self.kind,
        }
    }
}

/// The key of the result parameter `pos` is (see [`Walker::param_checks`]).
fn param_key(pos: usize) -> usize {
    usize::MAX - pos
}

/// The parameter position of a result key, if it is one's.
fn key_param(key: usize) -> Option<usize> {
    let pos = usize::MAX - key;
    (pos < 32).then_some(pos)
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

impl TokenFact {
    /// A token handle opened at `open`, not stored or closed yet.
    fn opened(open: &Location) -> TokenFact {
        TokenFact {
            open: open.clone(),
            stored: None,
            closed: false,
        }
    }
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
    saved: Option<Region>,
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
    // Value flow (`flow`): paths and the handles opened on them.
    /// Made from these parameters of the function (bit i: signature
    /// position i, the receiver first).
    from_params: u32,
    /// A string made of known and unknown pieces (`syntax::UNKNOWN`),
    /// when `text` is not known whole: `\\\u{1}\pipe\\u{1}`.
    shape: Option<Box<str>>,
    /// Read from this field of a crate type.
    field: Option<Box<FieldKey>>,
    /// An open without SQOS flags of a path not known to be a pipe, which
    /// this value (its handle or path) came from: if the code shows the
    /// value is a pipe, the open is reported.
    open: Option<Box<flow::Open>>,
    /// Given to a pipe-only API (or read from a field, or returned by a
    /// function, whose value was); `creates`: a pipe this code created.
    pipe_use: Option<Box<PipeUse>>,
    /// Comes from outside the program (the command line, the environment).
    external: bool,
    /// An `OpenOptions` that may create the file (`create(true)`).
    creates: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Var {
    name: String,
    depth: u32,
    fact: Fact,
}

/// The walk's state at a program point: the thread's impersonation
/// ([`Region`], the lattice: see `region`), whether the point is reachable,
/// and what each local variable carries.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    region: Region,
    /// Unreachable: the bottom, below every region; the identity of
    /// [`State::join`]. `region` means nothing then.
    dead: bool,
    /// Shared between copies until they differ (see `vars`).
    vars: Vars,
}

impl State {
    fn new() -> State {
        State {
            region: Region::REVERTED,
            dead: false,
            vars: Vars::default(),
        }
    }

    fn dead() -> State {
        State {
            dead: true,
            ..State::new()
        }
    }

    fn var(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    fn var_mut(&mut self, name: &str) -> Option<VarMut<'_>> {
        self.vars.get_mut(name)
    }

    fn revert(&mut self) {
        self.region = Region::REVERTED;
    }

    /// The state where two paths meet: dead is the identity; otherwise the
    /// regions join ([`Region::join`]) and so do the facts of the variables
    /// both paths still hold.
    fn join(&self, other: &State) -> State {
        if self.dead {
            return other.clone();
        }
        if other.dead {
            return self.clone();
        }
        State {
            region: self.region.join(other.region),
            dead: false,
            vars: self.vars.join(&other.vars, &join_fact),
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
        // A result chosen on two paths is either call's: checking it checks both.
        outcome: match (&a.outcome, &b.outcome) {
            (Some(x), Some(y)) => Some(x.join(y)),
            (x, y) => x.clone().or(y.clone()),
        },
        test: match (&a.test, &b.test) {
            (Some((x, p)), Some((y, q))) if p == q => Some((x.join(y), *p)),
            (x, y) => x.clone().or(y.clone()),
        },
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
        from_params: a.from_params | b.from_params,
        shape: if a.shape == b.shape {
            a.shape.clone()
        } else {
            None
        },
        field: if a.field == b.field {
            a.field.clone()
        } else {
            a.field.clone().or(b.field.clone())
        },
        open: match (&a.open, &b.open) {
            (Some(x), Some(y)) if y.at < x.at => Some(y.clone()),
            (Some(x), _) | (None, Some(x)) => Some(x.clone()),
            (None, None) => None,
        },
        pipe_use: PipeUse::join(
            &a.pipe_use.as_deref().cloned(),
            &b.pipe_use.as_deref().cloned(),
        )
        .map(Box::new),
        external: a.external || b.external,
        creates: a.creates || b.creates,
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

impl<'a> Frame<'a> {
    /// A loop or labeled block entered at scope depth `depth`, with no
    /// jumps out of it yet.
    fn new(depth: u32, label: Option<String>, is_loop: bool, node: &'a syn::Expr) -> Self {
        Frame {
            depth,
            label,
            is_loop,
            node,
            breaks: Vec::new(),
            continues: Vec::new(),
        }
    }
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
    /// Places the function's spans in its file (it may have been parsed
    /// alone, or from a macro's expansion).
    base: crate::index::text::SpanMap<'a>,
    emit: bool,
    pub events: Vec<Event>,
    pub call_sites: Vec<CallSite>,
    /// Parameter positions called while impersonating (closure helpers).
    pub called_params: Vec<usize>,
    /// Functions of the crate given a result, token or handle here whose
    /// value flow is not summarised: the analysis walks them for it.
    flow_demands: std::collections::BTreeSet<usize>,
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
    fn_display: String,
    /// A begin happened somewhere in this walk.
    began_any: bool,
    /// A token handle was stored somewhere lasting in this walk (until
    /// then, exits have no stored token to report).
    stored_token: bool,
    /// Current expression nesting.
    expr_depth: u32,
    /// Loop rounds this walk may still take before its loops stop
    /// iterating to their fixed points (see `run_loop`).
    loop_fuel: u32,
    /// Where the walk first stopped following the function, and why.
    stopped: Option<Stopped>,
    /// The crate functions whose summaries this walk read.
    reads: Reads,
    is_main: bool,
    returns_guard_type: bool,
    // Value flow (`flow`, `paths`).
    /// Parameter names by signature position (`self` for the receiver).
    sig_params: Vec<String>,
    /// What this walk learnt of the function's parameters and return.
    flow: FnFlow,
    /// The join of the values the function returns.
    ret_value: Option<Fact>,
    field_writes: Vec<FieldWrite>,
    /// Types whose field values reached an open or a pipe-only API.
    field_demands: std::collections::BTreeSet<std::sync::Arc<str>>,
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
    /// Where the walk stopped following part of the function, and why.
    pub stopped: Option<Stopped>,
    /// The crate functions whose summaries the walk read: it must be
    /// walked again when one of them changes.
    pub reads: Reads,
    /// Value flow: what the function does with its parameters and returns.
    pub flow: FnFlow,
    /// Writes into fields of the crate's types this walk saw.
    pub field_writes: Vec<FieldWrite>,
    /// Types whose fields' values reached an open or a pipe-only API here:
    /// what the crate writes into them matters (see `analyze`).
    pub field_demands: Vec<std::sync::Arc<str>>,
    /// Functions given a result, a token or a handle that have no value
    /// flow summary: the analysis walks them for one.
    pub flow_demands: Vec<usize>,
}

/// Why a walk did not follow part of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// An expression nests deeper than [`MAX_EXPR_DEPTH`]: the rest of it
    /// is not analysed.
    TooDeep,
    /// The function's loops took [`MAX_LOOP_ROUNDS`] rounds in all before
    /// reaching their fixed points (loops nested so deep that every level
    /// multiplies the rounds of the levels inside it): from this loop on,
    /// each loop body is walked once, from the state it is entered with.
    LoopRounds,
    /// The loop's state came back to one it had before instead of
    /// settling (which the lattice's order rules out for everything but
    /// the facts of values): the loop is walked from its latest state.
    LoopUnsettled,
}

/// Where and why a walk stopped following part of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub at: Location,
    pub why: Stop,
}

/// How deep expressions are followed (see [`Walker::expr`]).
pub const MAX_EXPR_DEPTH: u32 = 1500;

/// How many loop rounds one walk of a function may take in all (see
/// `Walker::run_loop`). A loop reaches its fixed point in a few rounds;
/// what can exhaust this is loops nested dozens deep, each level
/// multiplying the rounds of those inside it.
pub const MAX_LOOP_ROUNDS: u32 = 1 << 14;

/// The value of a begin or end call at `key` whose result reads as `kind`:
/// an outcome to check when the result can say it failed (`err`: the state
/// if it did).
fn call_outcome(key: usize, err: Region, kind: ResultKind) -> Fact {
    let err = Some(err);
    let checkable = matches!(
        kind,
        ResultKind::Bool | ResultKind::Status | ResultKind::Result
    );
    Fact {
        outcome: checkable.then(|| Outcome {
            calls: vec![key],
            err,
            kind,
        }),
        ..Fact::default()
    }
}

/// The last segment of a path, as text (empty for an empty path).
fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn is_null_expr(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(l) => matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"),
        syn::Expr::Path(p) => {
            let last = last_segment(&p.path);
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
            let last = last_segment(&p.path);
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
        let sig_params = cx.ix.syntax[fid]
            .iter()
            .flat_map(|s| s.sig.inputs.iter())
            .map(|a| match a {
                syn::FnArg::Typed(t) => pattern_ident(&t.pat).unwrap_or_default(),
                syn::FnArg::Receiver(_) => "self".to_string(),
            })
            .collect();
        let mut reads = Vec::new();
        let returns_guard_type = f.returns_type(|w| cx.guards.is_guard(w, cx.sums, &mut reads));
        Walker {
            cx,
            fid,
            fi: f.file,
            base: cx.ix.syntax[fid].map(|s| s.base).unwrap_or_default(),
            emit,
            events: Vec::new(),
            call_sites: Vec::new(),
            called_params: Vec::new(),
            flow_demands: Default::default(),
            params,
            origins: Vec::new(),
            frames: Vec::new(),
            ctxs: Vec::new(),
            checks: HashMap::new(),
            depth: 0,
            closures: Vec::new(),
            // A function compiled only in debug builds checks nothing in release.
            in_debug_macro: u32::from(f.debug_only),
            closing: 0,
            running_closures: Vec::new(),
            call_stack: Vec::new(),
            reported_stores: HashSet::new(),
            reported_delegation: HashSet::new(),
            fn_display: f.display(),
            began_any: false,
            stored_token: false,
            expr_depth: 0,
            loop_fuel: MAX_LOOP_ROUNDS,
            stopped: None,
            reads,
            is_main: f.is_main,
            returns_guard_type,
            sig_params,
            flow: FnFlow::default(),
            ret_value: None,
            field_writes: Vec::new(),
            field_demands: Default::default(),
        }
    }

    fn loc(&self, span: Span) -> Location {
        self.base.location(&self.cx.ix.files[self.fi], span)
    }

    /// What tells a begin or end call from the others of this walk: where
    /// it is in the text parsed (places in the file do not: every call a
    /// macro's rules wrote is at the invocation).
    fn call_key(span: Span) -> usize {
        span.byte_range().start
    }

    /// The summary of the crate's function `id`, recorded as read.
    fn summary_of(&mut self, id: usize) -> Summary {
        self.reads.push(id);
        self.cx.sums[id].clone()
    }

    /// Whether the type named `name` is a guard; what decides it is
    /// recorded as read.
    fn is_guard_type(&mut self, name: &str) -> bool {
        self.cx.guards.is_guard(name, self.cx.sums, &mut self.reads)
    }

    /// Records that the walk stopped following part of the function at
    /// `at` (the first such place is reported).
    fn stop(&mut self, why: Stop, at: impl FnOnce(&Self) -> Location) {
        if self.stopped.is_none() {
            let at = at(self);
            self.stopped = Some(Stopped { at, why });
        }
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
        st.region
            .origin
            .is_some_and(|o| (o as usize) >= base && self.origins[o as usize].local)
    }

    fn info(&self, st: &State) -> StateInfo {
        let o = st.region.origin.map(|o| &self.origins[o as usize]);
        StateInfo {
            imp: st.region.imp,
            began: o.map(|o| o.loc.clone()),
            began_by: o.map(|o| o.by.clone()),
            guarded: st.region.guarded(),
            local: self.is_local_origin(st),
            via: o.and_then(|o| o.via.clone()),
        }
    }

    /// A write, at `at`, into `s`, a static cache (or a lazy static whose
    /// initializer does identity-sensitive work).
    fn cache_write(&mut self, s: &index::StaticDef, at: Location, st: &State) {
        let kind = LintFact::CacheWrite {
            cache: s.name.clone(),
            declared: s.loc.clone(),
        };
        self.event(kind, at, st);
    }

    fn event(&mut self, kind: impl Into<EventKind>, loc: Location, st: &State) -> Option<usize> {
        if !self.emit || st.dead {
            return None;
        }
        let state = self.info(st);
        self.events.push(Event {
            kind: kind.into(),
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
        self.mark_calls(f, how, true);
    }

    /// Marks the results a value carries; those of parameters too when
    /// `params` (a value returned from the function leaves them to its
    /// callers).
    fn mark_calls(&mut self, f: &Fact, how: Check, params: bool) {
        let mut calls: Vec<usize> = Vec::new();
        if let Some(o) = &f.outcome {
            calls.extend(&o.calls);
        }
        if let Some((o, _)) = &f.test {
            calls.extend(&o.calls);
        }
        for c in calls {
            if params || key_param(c).is_none() {
                self.mark_call(c, how);
            }
        }
    }

    /// Marks a value's results as a callee treats the parameter it is
    /// given: checked in release builds, only in debug builds, or not.
    fn mark_as(&mut self, f: &Fact, check: flow::ParamCheck) {
        match check {
            flow::ParamCheck::Release => self.mark(f, Check::Checked),
            flow::ParamCheck::Debug => {
                self.in_debug_macro += 1;
                self.mark(f, Check::Checked);
                self.in_debug_macro -= 1;
            }
            flow::ParamCheck::None => {}
        }
    }

    /// The result parameter `pos` is, to check (see [`Self::param_checks`]).
    fn param_result(&mut self, pos: usize) -> Option<Outcome> {
        (pos < 32).then(|| {
            self.register_call(param_key(pos), ResultKind::Result, None);
            Outcome {
                calls: vec![param_key(pos)],
                err: None,
                kind: ResultKind::Result,
            }
        })
    }

    /// How each parameter's result was treated, once the walk is done.
    fn param_checks(&mut self) {
        for (&key, p) in &self.checks {
            let Some(pos) = key_param(key) else {
                continue;
            };
            let check = if p.check == Check::Checked {
                flow::ParamCheck::Release
            } else if p.debug_only {
                flow::ParamCheck::Debug
            } else {
                continue;
            };
            let slot = self.flow.param_mut(pos);
            slot.check = slot.check.max(check);
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
            st.region = Region::entered(entry.imp, o);
        }
        // Parameters: types from annotations; each value is made from its
        // parameter (by signature position, the receiver first).
        // A result given as a parameter (its type says so): how this
        // function treats it is its callers' to know (`flow::ParamCheck`).
        for (pos, input) in syntax.sig.inputs.iter().enumerate() {
            match input {
                syn::FnArg::Typed(t) => {
                    if let Some(name) = pattern_ident(&t.pat) {
                        let ty =
                            syntax::type_path(&t.ty).map(|p| self.cx.ix.full_segments(self.fi, p));
                        let is_result = ty
                            .as_ref()
                            .and_then(|t| t.last())
                            .is_some_and(|t| catalog::RESULT_TYPES.contains(&t.as_str()));
                        let outcome = is_result.then(|| self.param_result(pos)).flatten();
                        st.vars.push(Var {
                            name,
                            depth: 0,
                            fact: Fact {
                                ty,
                                from_params: paths::param_bit(pos),
                                outcome,
                                ..Fact::default()
                            },
                        });
                    }
                }
                // `fn debug_expect(self, ..)` on a result type: the receiver
                // is the result.
                syn::FnArg::Receiver(r) if r.reference.is_none() => {
                    let f = &self.cx.ix.fns[self.fid];
                    if f.self_ty
                        .as_deref()
                        .is_some_and(|t| catalog::RESULT_TYPES.contains(&t))
                    {
                        let outcome = self.param_result(pos);
                        st.vars.push(Var {
                            name: "self".to_string(),
                            depth: 0,
                            fact: Fact {
                                outcome,
                                ..Fact::default()
                            },
                        });
                    }
                }
                syn::FnArg::Receiver(_) => {}
            }
        }
        let is_async = syntax.sig.asyncness.is_some();
        let body = syntax.body;
        let (ret, exit_state) = self.body(body, st, is_async, true);
        self.param_checks();
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
            .region
            .origin
            .is_some_and(|o| self.origins[o as usize].local);
        self.flow.ret = self.ret_facts();
        WalkResult {
            events: self.events,
            call_sites: self.call_sites,
            exit_imp: if exit_state.dead {
                Imp::No
            } else {
                exit_state.region.imp
            },
            exit_local,
            exit_work: exit_state.region.work,
            ret_kind: ret,
            called_params: self.called_params,
            began_any: self.began_any,
            stopped: self.stopped,
            reads: self.reads,
            flow: self.flow,
            field_writes: self.field_writes,
            field_demands: self.field_demands.into_iter().collect(),
            flow_demands: self.flow_demands.into_iter().collect(),
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
            && (st.region.imp != Imp::No
                || tail
                    .as_ref()
                    .is_some_and(|v| v.handle.is_some() || v.outcome.is_some()));
        if let (Some(v), false) = (&tail, st.dead) {
            self.record_return(v);
        }
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
        if st.dead || st.region.imp == Imp::No || !self.ctxs.last().is_none_or(|c| c.report_exits) {
            return;
        }
        let is_async = self.ctxs.last().is_some_and(|c| c.is_async);
        let in_closure = self.ctxs.len() > 1;
        let returns_guard =
            value.is_some_and(|v| v.guard) || (!in_closure && self.returns_guard_type);
        let begin_wrapper = !st.region.work || returns_guard;
        // A guard constructor whose failure path still reaches here returns a guard anyway.
        if value.is_some_and(|v| v.guard)
            && st.region.imp == Imp::Maybe
            && kind != ExitKind::Question
            && self.is_local_origin(st)
        {
            if let Some(o) = st.region.origin {
                let at = self.origins[o as usize].loc.clone();
                let guard = self.cx.ix.fns[self.fid]
                    .self_ty
                    .as_ref()
                    .map_or_else(|| self.fn_display.clone(), |t| t.to_string());
                self.event(LintFact::FailOpenGuard { guard }, at, st);
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
        // A result handed in and returned is the caller's to check
        // (`RetFacts::result_from`), not checked here.
        self.mark_calls(v, Check::Checked, false);
        if let Some(ctx) = self.ctxs.last_mut() {
            if let Some(o) = v.outcome.as_ref().filter(|o| o.err.is_some()) {
                ctx.returned_outcome = Some(o.kind);
            }
            if v.guard {
                ctx.returns_guard_value = true;
            }
        }
        if let Some(h) = &v.handle {
            if !h.closed
                && (st.region.imp == Imp::No || st.region.guarded() || self.is_local_origin(st))
            {
                let name = v.var.clone().unwrap_or_else(|| "the handle".to_string());
                self.event(
                    LintFact::HandleEscape {
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
    carry_path(out, v);
}

/// Carries what a value says about the path it names (or was made from)
/// into a value made from it: `wide(&name)`, `HSTRING::from(p)`,
/// `name.as_ptr()`, `a + b`.
fn carry_path(out: &mut Fact, v: &Fact) {
    out.pipe |= v.pipe;
    out.from_params |= v.from_params;
    out.external |= v.external;
    if out.pipe_use.is_none() {
        out.pipe_use = v.pipe_use.clone();
    }
    if out.open.is_none() {
        out.open = v.open.clone();
    }
    if out.field.is_none() {
        out.field = v.field.clone();
    }
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
                if let Some(p) = syntax::type_path(t) {
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
