//! Calls of paths: catalog APIs, local functions (summaries and call
//! sites), closures and the threads, pools and runtimes they are handed to.

use super::*;

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    /// The file's text of a span's code (empty for code a macro's rules wrote).
    pub(super) fn text_of(&self, span: Span) -> String {
        self.base
            .exact_range(span)
            .and_then(|r| self.cx.ix.files[self.fi].src.text.get(r))
            .unwrap_or("")
            .to_string()
    }

    /// Evaluates call arguments, keeping closures and async blocks aside.
    pub(super) fn args(
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
                        && st.var(&last_segment(&p.path)).is_none()
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
    pub(super) fn run_callable(
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
            if mode != Mode::Fresh && self.emit {
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
                            if st.dead { Imp::No } else { st.region.imp },
                            st.region.origin.map(|o| {
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
                entry.region.begin(o, true);
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
        let reportable = !s.dead
            && (s.region.imp != Imp::No || value.handle.is_some() || value.outcome.is_some());
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
    pub(super) fn moved_handles(&mut self, c: Callable<'a>, loc: &Location, st: &State) {
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
            .marked(vars::OPEN_HANDLE)
            .into_iter()
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
                LintFact::HandleEscape {
                    open,
                    name,
                    how: Escape::MovedToThread,
                },
                loc.clone(),
                st,
            );
        }
    }

    pub(super) fn begin(
        &mut self,
        name: &str,
        (loc, key): (Location, usize),
        st: &mut State,
        kind: ResultKind,
        restore: Option<Region>,
    ) -> Fact {
        let before = st.region;
        // The current token counts as saved while a variable holding it is still open.
        let saved = restore.is_some() || st.vars.any(vars::SAVED_TOKEN);
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
            Some(s) => st.region = s,
            None => {
                let o = self.origin(loc, name, true, None);
                let guarded = st.vars.any(vars::GUARD);
                st.region.begin(o, guarded);
            }
        }
        call_outcome(key, before, kind)
    }

    pub(super) fn end(
        &mut self,
        name: &str,
        (loc, key): (Location, usize),
        st: &mut State,
        kind: ResultKind,
    ) -> Fact {
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
        call_outcome(key, Region::REVERTED, kind)
    }

    /// How `WT_TRANSFER_IMPERSONATION` can be named at a pool call whose
    /// flags argument is `flags` and whose API resolved to `api_path`.
    pub(super) fn transfer_flag_name(
        &self,
        flags: &syn::Expr,
        api_path: &[String],
    ) -> Option<String> {
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
    pub(super) fn return_type(&self, id: usize) -> Option<Vec<String>> {
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

    /// Results (of begin and end calls) given to a function, by position:
    /// each is checked as the callee checks that parameter (in release
    /// builds, only in debug builds, or not), and a result the callee
    /// returns as it is stays the caller's to check, in `out`. `callees` are
    /// the candidates of a call of the crate (every one must check); none
    /// for another crate's function, whose summary `sum` is read. A callee
    /// of the crate not summarised for value flow is asked for
    /// (`flow_demands`) and, meanwhile, counts as checking, as does another
    /// crate's function with no value flow.
    pub(super) fn give_results(
        &mut self,
        callees: &[usize],
        sum: &Summary,
        by_pos: &[(Option<&'a syn::Expr>, Fact)],
        out: &mut Fact,
    ) {
        let sums = self.cx.sums;
        self.reads.extend(callees.iter().copied());
        let flows: Vec<&flow::FnFlow> = if callees.is_empty() {
            sum.flow.as_deref().into_iter().collect()
        } else {
            callees
                .iter()
                .filter_map(|&c| sums[c].flow.as_deref())
                .collect()
        };
        let summarised = !flows.is_empty() && flows.len() == callees.len().max(1);
        for (pos, (_, v)) in by_pos.iter().enumerate() {
            if !summarised {
                if v.outcome.is_some() || v.test.is_some() || self.carries_handle(v) {
                    let missing = callees.iter().filter(|&&c| sums[c].flow.is_none());
                    self.flow_demands.extend(missing);
                }
                self.mark(v, Check::Checked);
                if out.outcome.is_none() {
                    out.outcome = v.outcome.clone();
                }
                continue;
            }
            // Every candidate must check it for it to count.
            let check = flows
                .iter()
                .map(|f| f.param(pos).map_or(flow::ParamCheck::None, |p| p.check))
                .min()
                .unwrap_or_default();
            self.mark_as(v, check);
            let returned = flows
                .iter()
                .any(|f| f.ret.result_from & paths::param_bit(pos) != 0);
            if returned && out.outcome.is_none() {
                out.outcome = v
                    .outcome
                    .clone()
                    .or(v.test.as_ref().map(|(o, _)| o.clone()));
            }
        }
    }

    /// Whether a value is (or holds) a token or a handle, or is typed as one.
    pub(super) fn carries_handle(&self, v: &Fact) -> bool {
        v.token.is_some()
            || v.handle.is_some()
            || v.ty
                .as_ref()
                .and_then(|t| t.last())
                .is_some_and(|t| catalog::HANDLE_TYPES.contains(&t.as_str()))
    }

    pub(super) fn set_work(&self, name: &str, st: &mut State) {
        if st.region.imp != Imp::No && !catalog::NON_WORK.contains(&name) {
            st.region.work = true;
        }
    }

    pub(super) fn call(&mut self, c: &'a syn::ExprCall, st: &mut State) -> Fact {
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
        let key = Self::call_key(last_seg.ident.span());
        // A call through a local variable: a closure or a closure parameter.
        if path.segments.len() == 1 && fp.qself.is_none() {
            if let Some(var) = st.var(&name).cloned() {
                self.set_work(&name, st);
                if let Some(pos) = self.params.iter().position(|p| *p == name) {
                    if st.region.imp != Imp::No && !self.called_params.contains(&pos) {
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
                        if let Some(mut slot) = st.var_mut(&v) {
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
                        st.region.set_guarded(false);
                        if let Some(mut slot) = st.var_mut(&v) {
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
            Target::Local(ids) => {
                let exprs: Vec<&'a syn::Expr> = c.args.iter().collect();
                self.local_call(&ids, &name, (loc, key), vals, callables, st, &exprs, None)
            }
            Target::Api(api) => {
                let full = self.cx.ix.full_path(self.fi, path);
                self.api_call(
                    api,
                    c.args.iter().collect(),
                    &full,
                    (loc, key),
                    vals,
                    callables,
                    st,
                    turbofish_type(path, self.cx.ix, self.fi),
                    written_path(path),
                )
            }
            Target::ExtraBegin(n) => {
                self.run_in_place(callables, st);
                self.begin(&n, (loc, key), st, ResultKind::Result, None)
            }
            Target::ExtraEnd(n) => {
                self.run_in_place(callables, st);
                self.end(&n, (loc, key), st, ResultKind::Result)
            }
            Target::Unknown => {
                let full = self.cx.ix.full_path(self.fi, path);
                if let Some(sum) = self.cx.external.function(&full) {
                    // Named as the code writes it (`sec::impersonate`).
                    let display = written_path(path);
                    let exprs: Vec<&'a syn::Expr> = c.args.iter().collect();
                    let call = SummaryCall {
                        display: &display,
                        ret_ty: None,
                        at: (loc, key),
                        args: &exprs,
                        recv: None,
                        callees: &[],
                    };
                    return self.apply_summary(&sum, call, vals, callables, st);
                }
                self.run_in_place(callables, st);
                self.generic_call(full, &name, vals, st)
            }
        }
    }

    /// A call of a value (`f(..)`, `(self.cb)(..)`): its arguments are
    /// examined, and a known closure runs here with the caller's state.
    pub(super) fn call_closure_value(
        &mut self,
        closure: Option<usize>,
        c: &'a syn::ExprCall,
        st: &mut State,
    ) {
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
    pub(super) fn run_in_place(&mut self, callables: Vec<(usize, Callable<'a>)>, st: &mut State) {
        for (_, c) in callables {
            if !matches!(c, Callable::FnItem(_)) {
                let _ = self.run_callable(c, Mode::InPlace, st, None, None, None);
            }
        }
    }

    /// A call of something unknown: results passed in are examined; a
    /// `Type::new`-style constructor gives the value's type.
    pub(super) fn generic_call(
        &mut self,
        full: Vec<String>,
        name: &str,
        vals: Vec<Fact>,
        st: &mut State,
    ) -> Fact {
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
            carry_path(&mut out, v);
            out.sqos |= v.sqos;
        }
        // `String::from(x)`, `Path::new(x)`, `HSTRING::from(x)`: the same string.
        if let [v] = vals.as_slice() {
            if catalog::STRING_CONVERSIONS.contains(&name) || matches!(name, "Some" | "Ok") {
                out.text = v.text.clone();
                out.shape = v.shape.clone();
            }
        }
        out.external |= catalog::is_command_line(&full);
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
                        if let Some(mut slot) = st.var_mut(var) {
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
            out.guard |= self.is_guard_type(name);
            if self.cx.closing_types.contains(name) {
                for v in &vals {
                    if let Some(var) = &v.var {
                        if let Some(mut slot) = st.var_mut(var) {
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

    /// A call of a function of the crate (`ids`: the candidates, the first
    /// one's summary applies). `args` are the argument expressions `vals`
    /// were made from; `recv` the receiver of a method call.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn local_call(
        &mut self,
        ids: &[usize],
        name: &str,
        (loc, key): (Location, usize),
        vals: Vec<Fact>,
        callables: Vec<(usize, Callable<'a>)>,
        st: &mut State,
        args: &[&'a syn::Expr],
        recv: Option<(&'a syn::Expr, &Fact)>,
    ) -> Fact {
        let id = ids[0];
        let sum = self.summary_of(id);
        // Call sites feed the callees' entry states, which are computed from
        // the walks that emit (a loop's rounds before its fixed point would
        // add sites in states that do not hold).
        if self.emit {
            let began = st.region.origin.map(|o| {
                (
                    self.origins[o as usize].loc.clone(),
                    self.origins[o as usize].by.clone(),
                )
            });
            for &callee in ids {
                self.call_sites.push(CallSite {
                    callee,
                    imp: if st.dead { Imp::No } else { st.region.imp },
                    began: began.as_ref().map(|b| b.0.clone()),
                    began_by: began.as_ref().map(|b| b.1.clone()),
                    at: loc.clone(),
                });
            }
        }
        let display = self.cx.ix.fns[id].display();
        let ret_ty = self.return_type(id);
        let _ = name;
        // Arguments by signature position: the receiver first.
        let recv = recv.filter(|_| self.cx.ix.fns[id].has_receiver);
        let call = SummaryCall {
            display: &display,
            ret_ty,
            at: (loc, key),
            args,
            recv,
            callees: ids,
        };
        self.apply_summary(&sum, call, vals, callables, st)
    }

    /// A call of a function whose summary is `sum` (a local function, or
    /// one of another crate: `ExternalSummaries`): runs the closures it is
    /// handed as it does, carries values through it as its value flow says,
    /// and begins or ends as it does.
    pub(super) fn apply_summary(
        &mut self,
        sum: &Summary,
        call: SummaryCall<'_, 'a, '_>,
        vals: Vec<Fact>,
        callables: Vec<(usize, Callable<'a>)>,
        st: &mut State,
    ) -> Fact {
        let SummaryCall {
            display,
            ret_ty,
            at: (loc, key),
            args,
            recv,
            callees,
        } = call;
        // A closure parameter of this function handed on to a helper that
        // runs it impersonated: this function runs it impersonated too (a
        // layer that forwards its work to `as_client`).
        for i in sum.runs_closure.iter().copied() {
            let forwarded = vals
                .get(i)
                .and_then(|v| v.var.as_deref())
                .filter(|&n| st.var(n).is_some_and(|v| v.depth == 0))
                .and_then(|n| self.params.iter().position(|p| p == n));
            if let Some(pos) = forwarded.filter(|p| !self.called_params.contains(p)) {
                self.called_params.push(pos);
            }
        }
        for (i, c) in callables {
            if sum.runs_closure.contains(&i) {
                self.run_callable(
                    c,
                    Mode::Helper,
                    st,
                    Some((loc.clone(), display.to_string())),
                    None,
                    None,
                );
            } else {
                self.run_callable(c, Mode::InPlace, st, None, None, None);
            }
        }
        let mut out = Fact::default();
        // Arguments by signature position: the receiver first.
        let mut by_pos: Vec<(Option<&'a syn::Expr>, Fact)> = Vec::with_capacity(vals.len() + 1);
        if let Some((e, f)) = recv {
            by_pos.push((Some(e), f.clone()));
        }
        by_pos.extend(
            vals.iter()
                .enumerate()
                .map(|(i, v)| (args.get(i).copied(), v.clone())),
        );
        self.give_results(callees, sum, &by_pos, &mut out);
        match sum.flow.as_deref() {
            Some(fl) => {
                let v = self.apply_flow(fl, display, &by_pos, st);
                carry_path(&mut out, &v);
                out.sqos |= v.sqos;
                out.text = None;
            }
            None => {
                // Not summarised: a value built from a pipe name
                // (`wide(&name)`) is still one.
                for v in &vals {
                    carry_path(&mut out, v);
                }
            }
        }
        if out.ty.is_none() {
            out.ty = ret_ty.clone();
        }
        match sum.effect {
            Effect::Begins => {
                let mut v = self.begin(
                    display,
                    (loc, key),
                    st,
                    sum.ret_kind.unwrap_or(ResultKind::Unit),
                    None,
                );
                v.ty = ret_ty;
                v.guard = sum.returns_guard;
                if sum.returns_guard {
                    st.region.set_guarded(true);
                }
                v
            }
            Effect::Ends => self.end(
                display,
                (loc, key),
                st,
                sum.ret_kind.unwrap_or(ResultKind::Unit),
            ),
            Effect::None => out,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn api_call(
        &mut self,
        api: &'static Api,
        args: Vec<&'a syn::Expr>,
        full: &[String],
        (loc, key): (Location, usize),
        vals: Vec<Fact>,
        callables: Vec<(usize, Callable<'a>)>,
        st: &mut State,
        turbofish: Option<Vec<String>>,
        written: String,
    ) -> Fact {
        let arg = |i: Option<usize>| i.and_then(|i| args.get(i).copied());
        // What every event of this call carries: how the call is written.
        let base = CallFacts {
            written: Some(written.clone()),
            ..CallFacts::default()
        };
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
                        return self.begin(api.name, (loc, key), st, api.result, Some(saved));
                    }
                    if api.name.starts_with("Ps")
                        && (is_null_expr(tok) || var.is_some_and(|v| v.fact.null))
                    {
                        return self.end(api.name, (loc, key), st, api.result);
                    }
                }
                return self.begin(api.name, (loc, key), st, api.result, None);
            }
            Role::End => {
                self.run_in_place(callables, st);
                return self.end(api.name, (loc, key), st, api.result);
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
                    return self.begin(api.name, (loc, key), st, api.result, Some(saved));
                }
                return if null {
                    self.end(api.name, (loc, key), st, api.result)
                } else {
                    self.begin(api.name, (loc, key), st, api.result, None)
                };
            }
            Role::SaveToken => {
                let snap = st.region;
                st.region.saved = true;
                if let Some(name) = arg(api.args.token).and_then(out_param) {
                    if let Some(mut v) = st.var_mut(&name) {
                        v.fact.saved = Some(snap);
                        v.fact.token = Some(TokenFact::opened(&loc));
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
                    if let Some(mut v) = st.var_mut(&name) {
                        v.fact.token = Some(TokenFact::opened(&loc));
                        v.fact.null = false;
                    }
                } else {
                    out.token = Some(TokenFact::opened(&loc));
                }
            }
            Role::HandleClose => {
                if let Some(name) = args.first().and_then(|a| first_var(a)) {
                    if let Some(mut v) = st.var_mut(&name) {
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
                let mut facts = base.clone();
                if let Some(f) = arg(api.args.flags) {
                    facts.transfers_impersonation =
                        syntax::mentions_flag(f, &[catalog::TRANSFER_IMPERSONATION]);
                    // No fix edits expanded code (see `SpanMap::exact_range`).
                    let text = self.text_of(f.span());
                    if !text.is_empty() {
                        facts.flags_arg = Some(self.loc(f.span()));
                        facts.flags_text = Some(text);
                    }
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
                            ..base.clone()
                        },
                    },
                    loc,
                    st,
                );
            }
            Role::EnvRead => {
                out.external = true;
                let name = arg(api.args.path).and_then(|a| {
                    syntax::string_value(a).or_else(|| {
                        vals.get(api.args.path.unwrap_or(0))
                            .and_then(|v| v.text.clone())
                    })
                });
                self.event(
                    EventKind::Call {
                        api,
                        facts: CallFacts {
                            env_var: name,
                            ..base.clone()
                        },
                    },
                    loc,
                    st,
                );
            }
            Role::ComCall => {
                self.run_in_place(callables, st);
                if !self.cx.facts.cloaking {
                    let setup = self.cx.facts.com_setup.clone();
                    self.event(
                        LintFact::ComWithoutCloaking {
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
                    let path = api
                        .args
                        .path
                        .and_then(|i| vals.get(i))
                        .cloned()
                        .unwrap_or_default();
                    let flags = api.args.flags.and_then(|i| vals.get(i));
                    let sqos = arg(api.args.flags)
                        .is_some_and(|f| syntax::mentions_flag(f, &[catalog::SQOS_PRESENT]))
                        || flags.is_some_and(|v| v.sqos);
                    if let (false, Some(f)) = (sqos, flags) {
                        self.flags_from_field(f);
                    }
                    // `File::open` opens what exists; `CreateFileW` says so.
                    let existing = match api.args.disposition {
                        Some(_) => arg(api.args.disposition)
                            .is_some_and(|d| syntax::mentions_flag(d, &[catalog::OPEN_EXISTING])),
                        None => true,
                    };
                    let h = self.client_open(
                        api,
                        &written,
                        arg(api.args.path),
                        &path,
                        sqos,
                        existing,
                        loc.clone(),
                        st,
                    );
                    out.open = h.open;
                }
                if st.region.imp != Imp::No {
                    let h = HandleFact {
                        open: loc.clone(),
                        closed: false,
                        reported: false,
                    };
                    if let Some(name) = arg(api.args.token).and_then(out_param) {
                        if let Some(mut v) = st.var_mut(&name) {
                            v.fact.handle = Some(h);
                        }
                    } else {
                        out.handle = Some(h);
                    }
                }
            }
            Role::PipeOnly | Role::PipeCreate | Role::PipeCall => {
                self.run_in_place(callables, st);
                self.pipe_api(api, &args, &vals, &written, loc, st);
            }
            // Every other role is a plain call: its closures run here, and
            // lints that care about the role read the event. A new role
            // needs an arm above only when the walk must treat it apart.
            _ => {
                self.run_in_place(callables, st);
                self.event(
                    EventKind::Call {
                        api,
                        facts: base.clone(),
                    },
                    loc,
                    st,
                );
            }
        }
        out
    }
}

/// A path as the code writes it, without generic arguments
/// (`thread::spawn`, `std::env::var`, `::std::process::Command::new`).
fn written_path(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let joined = segments.join("::");
    if path.leading_colon.is_some() {
        format!("::{joined}")
    } else {
        joined
    }
}

/// How a call whose summary applies is written (see
/// [`Walker::apply_summary`]): the callee's name in messages, its return
/// type when known, where the call is, its argument expressions and its
/// receiver (for a method of the crate).
pub(super) struct SummaryCall<'d, 'a, 'f> {
    pub(super) display: &'d str,
    pub(super) ret_ty: Option<Vec<String>>,
    pub(super) at: (Location, usize),
    pub(super) args: &'d [&'a syn::Expr],
    pub(super) recv: Option<(&'a syn::Expr, &'f Fact)>,
    /// The crate's candidate functions of the call (none for another
    /// crate's): how each treats a result it is given ([`Walker::give_results`]).
    pub(super) callees: &'d [usize],
}
