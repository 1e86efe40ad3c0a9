//! Statements, scopes and control flow: blocks, `let`, branches that join,
//! loops to a fixed point, `break`/`continue`/`return`/`?`.

use super::*;

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    /// Drops the variables declared deeper than `depth` (at the end of the
    /// state: the scopes being left), last declared first; a dropped guard
    /// reverts, a dropped token stored somewhere lasting is reported. Only
    /// those variables are visited (see `vars`).
    pub(super) fn pop_scope(&mut self, mut st: State, depth: u32) -> State {
        let keep = st.vars.kept(depth);
        if !st.dead {
            for v in st.vars.marked_rev(keep, vars::GUARD | vars::STORED_TOKEN) {
                if v.fact.guard {
                    st.revert();
                }
                if let Some(t) = v.fact.token.as_ref().filter(|t| !t.closed) {
                    if let Some((loc, how)) = t.stored.clone() {
                        if self.emit && !st.dead && self.reported_stores.insert(loc.byte_start) {
                            self.event(
                                LintFact::TokenStore {
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
        }
        st.vars.truncate(keep);
        st
    }

    /// At a function's exits: tokens stored somewhere lasting and never closed.
    pub(super) fn finish_tokens(&mut self, st: &State) {
        // Only variables holding a stored token are visited (each exit
        // scanning every variable made a function with many exits quadratic).
        if st.dead || !self.stored_token {
            return;
        }
        for v in st.vars.marked(vars::STORED_TOKEN) {
            let Some(t) = v.fact.token else { continue };
            let Some((loc, how)) = t.stored.clone() else {
                continue;
            };
            if self.emit && self.reported_stores.insert(loc.byte_start) {
                self.event(
                    LintFact::TokenStore {
                        open: t.open.clone(),
                        name: v.name,
                        how,
                    },
                    loc,
                    st,
                );
            }
        }
    }

    pub(super) fn block(&mut self, b: &'a syn::Block, st: &mut State) -> Fact {
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

    pub(super) fn bind(&mut self, name: String, mut fact: Fact, st: &mut State) {
        fact.var = None;
        fact.test = fact.test.take();
        st.vars.push(Var {
            name,
            depth: self.depth,
            fact,
        });
    }

    pub(super) fn stmt(&mut self, s: &'a syn::Stmt, st: &mut State) {
        vars::tick(1);
        // `#[cfg(debug_assertions)] r.expect(..);` exists in debug builds only.
        let debug = match s {
            syn::Stmt::Local(l) => syntax::is_debug_cfg(&l.attrs),
            syn::Stmt::Macro(m) => syntax::is_debug_cfg(&m.attrs),
            syn::Stmt::Expr(e, _) => syntax::expr_attrs(e).is_some_and(syntax::is_debug_cfg),
            syn::Stmt::Item(_) => false,
        };
        self.in_debug_macro += u32::from(debug);
        self.stmt_inner(s, st);
        self.in_debug_macro -= u32::from(debug);
    }

    fn stmt_inner(&mut self, s: &'a syn::Stmt, st: &mut State) {
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

    pub(super) fn local(&mut self, l: &'a syn::Local, st: &mut State) {
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
            if let Some(p) = syntax::type_path(&t.ty) {
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
                    o.fail(&mut else_st.region);
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
                            if let Some(mut ov) = st.var_mut(&old) {
                                ov.fact.guard = false;
                            }
                        }
                    }
                    if v.guard {
                        st.region.set_guarded(true);
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
                            st.region.set_guarded(true);
                        }
                        self.bind(n, f, st);
                    }
                }
            }
        }
    }

    /// Evaluates a condition, returning the states where it is true and false.
    pub(super) fn cond(&mut self, e: &'a syn::Expr, st: &mut State) -> (State, State) {
        match e {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                let (t, f) = self.cond(&u.expr, st);
                (f, t)
            }
            syn::Expr::Paren(p) => self.cond(&p.expr, st),
            syn::Expr::Group(g) => self.cond(&g.expr, st),
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                let (mut ta, fa) = self.cond(&b.left, st);
                // `cfg!(debug_assertions) && ok == 0`: release builds never
                // look at the right side.
                let debug = u32::from(syntax::is_debug_cfg_macro(&b.left));
                self.in_debug_macro += debug;
                let (tb, fb) = self.cond(&b.right, &mut ta);
                self.in_debug_macro -= debug;
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
                        o.fail(&mut f.region);
                    } else {
                        o.fail(&mut t.region);
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
                        o.fail(&mut f.region);
                    } else {
                        o.fail(&mut t.region);
                    }
                }
                (t, f)
            }
        }
    }

    /// Runs a loop body to its fixed point: rounds that do not emit, each
    /// from the join of the last round's entry with the states the body
    /// and its `continue`s end in, until that join is the entry; then, when
    /// the walk emits, once more from the fixed point to emit the events.
    ///
    /// Why this ends: entries only rise (each is a join with the last),
    /// and every chain they can climb is short. The region's is (see
    /// `region`: a handful of steps); variables only leave the state at a
    /// join, never come back; and what each variable carries (`Fact`, see
    /// `join_fact`) keeps its first value once it has one, or flips a
    /// flag once, except a saved token's snapshot, which is dropped when
    /// the token is closed on some path and may come back. So a loop
    /// settles in a few rounds, and two guards stand where the argument
    /// does not reach:
    ///
    /// - an entry that comes back to one the loop had before is not
    ///   settling: the walk says so (`Stop::LoopUnsettled`, reported as
    ///   `analysis_incomplete` at the loop) and goes on from the latest;
    /// - nesting multiplies rounds (each round of an outer loop runs the
    ///   inner loops to their fixed points), so one walk takes at most
    ///   [`MAX_LOOP_ROUNDS`] in all; past that, each loop body is walked
    ///   once from the state it is entered with (`Stop::LoopRounds`,
    ///   reported at the first loop it cut short).
    pub(super) fn run_loop(
        &mut self,
        label: Option<String>,
        node: &'a syn::Expr,
        st: &mut State,
        mut iteration: impl FnMut(&mut Self, &mut State) -> State,
        exits_normally: bool,
    ) {
        let emit = self.emit;
        self.emit = false;
        let mut entry = st.clone();
        // Entries of the rounds before this one (short: see above).
        let mut seen: Vec<State> = Vec::new();
        // A round from a fixed point: what it leaves when the loop ends.
        let mut settled: Option<(State, Vec<State>)> = None;
        loop {
            if self.loop_fuel == 0 {
                self.stop(Stop::LoopRounds, |w| w.loc(loop_keyword(node)));
                break;
            }
            self.loop_fuel -= 1;
            self.frames
                .push(Frame::new(self.depth, label.clone(), true, node));
            let mut s = entry.clone();
            let end = iteration(self, &mut s);
            let frame = self.frames.pop().expect("pushed above");
            let mut next = entry.join(&end);
            for c in &frame.continues {
                next = next.join(c);
            }
            if next == entry {
                settled = Some((s, frame.breaks));
                break;
            }
            if seen.contains(&next) {
                self.stop(Stop::LoopUnsettled, |w| w.loc(loop_keyword(node)));
                entry = next;
                break;
            }
            seen.push(std::mem::replace(&mut entry, next));
        }
        self.emit = emit;
        // Without events to emit, the round that found the fixed point is
        // the last one.
        let (s, breaks) = match settled {
            Some(done) if !emit => done,
            _ => {
                self.frames.push(Frame::new(self.depth, label, true, node));
                let mut s = entry;
                iteration(self, &mut s);
                let frame = self.frames.pop().expect("pushed above");
                (s, frame.breaks)
            }
        };
        let mut out = if exits_normally { s } else { State::dead() };
        for b in &breaks {
            out = out.join(b);
        }
        *st = out;
    }

    pub(super) fn label_name(l: &Option<syn::Label>) -> Option<String> {
        l.as_ref().map(|l| l.name.ident.to_string())
    }

    pub(super) fn jump(
        &mut self,
        label: Option<String>,
        is_continue: bool,
        loc: Location,
        st: &mut State,
    ) {
        let idx = self.frames.iter().rposition(|f| match &label {
            Some(l) => f.label.as_deref() == Some(l.as_str()),
            None => f.is_loop,
        });
        if let Some(i) = idx {
            // Leaving a region begun inside the loop or block without its revert.
            let began_inside = st.region.imp != Imp::No
                && st.region.origin.is_some_and(|o| {
                    let b = self.origins[o as usize].loc.byte_start;
                    let r = self.base.byte_range(self.frames[i].node.span());
                    r.contains(&b)
                });
            let leaks = began_inside
                && !st.region.guarded()
                && st.region.imp != Imp::No
                && self.is_local_origin(st);
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

    pub(super) fn ret(
        &mut self,
        value: Option<Fact>,
        kind: ExitKind,
        loc: Location,
        st: &mut State,
    ) {
        if let Some(v) = &value {
            self.returning(v, st, loc.clone());
            if !st.dead {
                self.record_return(v);
            }
        }
        self.exit(kind, loc, st, value.as_ref());
        self.finish_tokens(st);
        // Only a normal exit's state is kept (after its locals drop); an
        // error exit's is not, and copying it for nothing made a chain of
        // `?` quadratic in the function's length. What dropping the locals
        // would report, `finish_tokens` has reported.
        if kind != ExitKind::Question && !value.as_ref().is_some_and(|v| v.is_err) {
            let depth_base = self.ctxs.last().map(|c| c.depth_base).unwrap_or(0);
            let after = self.pop_scope(std::mem::replace(st, State::dead()), depth_base);
            if let Some(ctx) = self.ctxs.last_mut() {
                ctx.returns.push(after);
            }
        }
        *st = State::dead();
    }
}

/// The keyword of a loop (`for`, `while`, `loop`), where a report about the
/// whole loop points.
fn loop_keyword(node: &syn::Expr) -> Span {
    match node {
        syn::Expr::ForLoop(l) => l.for_token.span,
        syn::Expr::While(l) => l.while_token.span,
        syn::Expr::Loop(l) => l.loop_token.span,
        other => other.span(),
    }
}
