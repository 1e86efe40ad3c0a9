//! Expressions: what each kind of expression does to the state and the
//! fact it yields.

use super::*;

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    pub(super) fn expr(&mut self, e: &'a syn::Expr, st: &mut State) -> Fact {
        vars::tick(1);
        // Operator and method chains nest without brackets; past this depth
        // the rest of the expression is not analysed (and the run says so),
        // rather than exhausting the thread's stack.
        if self.expr_depth >= MAX_EXPR_DEPTH {
            self.stop(Stop::TooDeep, |w| w.loc(e.span()));
            return Fact::default();
        }
        self.expr_depth += 1;
        let v = self.expr_inner(e, st);
        self.expr_depth -= 1;
        v
    }

    pub(super) fn expr_inner(&mut self, e: &'a syn::Expr, st: &mut State) -> Fact {
        match e {
            syn::Expr::Paren(p) => self.expr(&p.expr, st),
            syn::Expr::Group(g) => self.expr(&g.expr, st),
            syn::Expr::Unsafe(u) => self.block(&u.block, st),
            syn::Expr::Block(b) => {
                if let Some(label) = &b.label {
                    let label = Some(label.name.ident.to_string());
                    self.frames.push(Frame::new(self.depth, label, false, e));
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
                    pipe: text.as_deref().is_some_and(syntax::is_pipe_text),
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
                // `.0` of a status, flags or string newtype keeps its meaning.
                if matches!(f.member, syn::Member::Unnamed(_)) {
                    v.outcome = base.outcome.clone();
                    v.sqos = base.sqos;
                    carry_path(&mut v, &base);
                }
                if let syn::Member::Named(n) = &f.member {
                    if let Some(ty) = self.field_owner_type(&f.base, &base, st) {
                        let name = n.to_string();
                        if let Some(t) = self.cx.ix.field_type(&ty, &name) {
                            v.ty = Some(self.cx.ix.full_segments(self.fi, t.to_vec()));
                        }
                        self.read_field(&ty, &name, &base, &mut v);
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
                let name = last_segment(&s.path);
                let ty = if name == "Self" {
                    self.cx.ix.fns[self.fid]
                        .self_ty
                        .as_deref()
                        .map(str::to_string)
                } else {
                    Some(name)
                };
                let mut out = Fact::default();
                for f in &s.fields {
                    let v = self.expr(&f.expr, st);
                    self.mark(&v, Check::Checked);
                    if let (Some(t), syn::Member::Named(n)) = (&ty, &f.member) {
                        self.write_field(t, &n.to_string(), &v, f.expr.span());
                    }
                    merge_carried(&mut out, &v);
                }
                if let Some(r) = &s.rest {
                    self.expr(r, st);
                }
                if let Some(t) = ty {
                    out.guard = self.is_guard_type(&t);
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
                // The error path leaves with the state the failed call left
                // (`ret` without the copy of the variables it would discard:
                // a copy per `?` made a chain of them quadratic).
                let here = st.region;
                if let Some(o) = &v.outcome {
                    o.fail(&mut st.region);
                }
                self.exit(ExitKind::Question, loc, st, None);
                self.finish_tokens(st);
                st.region = here;
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
    pub(super) fn composite(
        &mut self,
        parts: impl Iterator<Item = &'a syn::Expr>,
        st: &mut State,
    ) -> Fact {
        let mut out = Fact::default();
        for x in parts {
            let v = self.expr(x, st);
            self.mark(&v, Check::Checked);
            merge_carried(&mut out, &v);
        }
        out
    }

    pub(super) fn field_owner_type(
        &self,
        base_expr: &syn::Expr,
        base: &Fact,
        st: &State,
    ) -> Option<String> {
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

    pub(super) fn path_expr(&mut self, p: &'a syn::ExprPath, st: &mut State) -> Fact {
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
                        && st.region.imp == Imp::No
                        && !st.dead
                        && self.closing == 0
                    {
                        let loc = self.loc(path.span());
                        let open = h.open.clone();
                        if self.emit {
                            self.event(
                                LintFact::HandleUseAfterRevert {
                                    open,
                                    name: name.clone(),
                                },
                                loc,
                                st,
                            );
                        }
                        if let Some(mut var) = st.var_mut(&name) {
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
        let last = last_segment(path);
        let mut fact = Fact {
            null: is_null_expr(&syn::Expr::Path(p.clone())),
            sqos: last == catalog::SQOS_PRESENT.0,
            ..Fact::default()
        };
        // A unit-struct guard value (`let _revert = RevertOnDrop;`).
        if self.is_guard_type(&last) {
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
                    LintFact::DelegationRequested {
                        constant: last.clone(),
                    },
                    loc,
                    st,
                );
            }
        }
        let c = self.const_fact(&last);
        fact.pipe |= c.pipe;
        fact.sqos |= c.sqos;
        fact.text = c.text;
        if let Some(s) = self.cx.ix.statics.get(last.as_str()) {
            fact.static_alias = Some(last.clone());
            if self
                .cx
                .facts
                .lazy_identity_statics
                .contains(s.name.as_str())
                && st.region.imp != Imp::No
            {
                let loc = self.loc(path.span());
                self.cache_write(s, loc, st);
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

    pub(super) fn binary(
        &mut self,
        e: &'a syn::Expr,
        b: &'a syn::ExprBinary,
        st: &mut State,
    ) -> Fact {
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
        if matches!(b.op, AddAssign(_)) && (l.has_shape() || r.has_shape()) {
            // `path += PIPE`, `path += name`: the string in the target grows.
            if let Some(name) = first_var(&b.left) {
                self.append_to(&name, &r, false, st);
            }
        } else if matches!(b.op, BitOrAssign(_)) && (r.pipe || r.sqos) {
            if let Some(name) = first_var(&b.left) {
                if let Some(mut v) = st.var_mut(&name) {
                    v.fact.pipe |= r.pipe;
                    v.fact.sqos |= r.sqos;
                }
            }
        }
        self.mark(&l, Check::Checked);
        self.mark(&r, Check::Checked);
        let mut out = Fact {
            sqos: l.sqos || r.sqos,
            ..Fact::default()
        };
        carry_path(&mut out, &l);
        carry_path(&mut out, &r);
        if matches!(b.op, Add(_)) {
            if let Some(s) = self.concat_values(&l, &r) {
                out.set_shape(&s);
            }
        }
        out
    }

    pub(super) fn if_expr(&mut self, i: &'a syn::ExprIf, st: &mut State) -> Fact {
        // `if cfg!(debug_assertions) { r.expect(..) }` checks in debug builds only.
        let debug_then = syntax::is_debug_cfg_macro(&i.cond);
        let debug_else = matches!(&*i.cond, syn::Expr::Unary(u)
            if matches!(u.op, syn::UnOp::Not(_)) && syntax::is_debug_cfg_macro(&u.expr));
        let (mut t, mut f) = self.cond(&i.cond, st);
        self.depth += 1;
        self.in_debug_macro += u32::from(debug_then);
        let tv = self.block(&i.then_branch, &mut t);
        self.in_debug_macro -= u32::from(debug_then);
        self.depth -= 1;
        let t = self.pop_scope(t, self.depth);
        self.in_debug_macro += u32::from(debug_else);
        let fv = match &i.else_branch {
            Some((_, e)) => self.expr(e, &mut f),
            None => Fact::default(),
        };
        self.in_debug_macro -= u32::from(debug_else);
        *st = t.join(&f);
        join_fact(&tv, &fv)
    }

    pub(super) fn match_expr(&mut self, m: &'a syn::ExprMatch, st: &mut State) -> Fact {
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
                o.fail(&mut s.region);
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

    pub(super) fn assign(&mut self, a: &'a syn::ExprAssign, st: &mut State) -> Fact {
        let v = self.expr(&a.right, st);
        // The assignment's place, worked out only when it is reported: its
        // span prints the whole assignment, which in `x = x = .. = 1` costs
        // time quadratic in the chain.
        let mut place: Option<Location> = None;
        let mut loc = |w: &Self| place.get_or_insert_with(|| w.loc(a.span())).clone();
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
                    if let Some(mut slot) = st.var_mut(&name) {
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
                } else if self.cx.ix.statics.contains_key(name.as_str())
                    && (v.handle.is_some() || v.token.is_some())
                {
                    let loc = loc(self);
                    self.store(&v, Escape::StoredInStatic, loc, st);
                }
            }
            syn::Expr::Path(_) => {}
            left => {
                if let syn::Expr::Field(f) = left {
                    if let syn::Member::Named(n) = &f.member {
                        let base = Fact::default();
                        if let Some(ty) = self.field_owner_type(&f.base, &base, st) {
                            self.write_field(&ty, &n.to_string(), &v, a.right.span());
                        }
                    }
                }
                let root = place_root(left);
                self.expr_place(left, st);
                match root {
                    Some((r, _)) if self.cx.ix.statics.contains_key(r.as_str()) => {
                        if let Some(s) = self.cx.ix.statics.get(r.as_str()) {
                            if s.is_cache && st.region.imp != Imp::No {
                                self.cache_write(s, loc(self), st);
                            }
                        }
                        if v.handle.is_some() || v.token.is_some() {
                            let loc = loc(self);
                            self.store(&v, Escape::StoredInStatic, loc, st);
                        }
                    }
                    Some((r, _)) => {
                        let alias = st.var(&r).and_then(|x| x.fact.static_alias.clone());
                        if let Some(s) = alias
                            .as_ref()
                            .and_then(|a| self.cx.ix.statics.get(a.as_str()))
                        {
                            if s.is_cache && st.region.imp != Imp::No {
                                self.cache_write(s, loc(self), st);
                            }
                            if v.handle.is_some() || v.token.is_some() {
                                let loc = loc(self);
                                self.store(&v, Escape::StoredInStatic, loc, st);
                            }
                        } else if (r == "self" || self.params.contains(&r))
                            && (v.handle.is_some() || v.token.is_some())
                        {
                            let loc = loc(self);
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
    pub(super) fn expr_place(&mut self, e: &'a syn::Expr, st: &mut State) {
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
    pub(super) fn store(&mut self, v: &Fact, how: Escape, loc: Location, st: &mut State) {
        if let Some(h) = &v.handle {
            if !h.closed && !h.reported {
                let name = v.var.clone().unwrap_or_else(|| "the handle".to_string());
                self.event(
                    LintFact::HandleEscape {
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
                if let Some(mut var) = st.var_mut(name) {
                    if let Some(t) = var.fact.token.as_mut() {
                        if t.stored.is_none() {
                            t.stored = Some((loc, how));
                            self.stored_token = true;
                        }
                    }
                }
            }
        }
    }
}
