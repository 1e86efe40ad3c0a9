//! Method calls and macros: `Result` adapters, COM interface methods,
//! builders, stores into lasting places, macro arguments.

use super::calls::SummaryCall;
use super::*;

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    pub(super) fn method_call(&mut self, m: &'a syn::ExprMethodCall, st: &mut State) -> Fact {
        let name = m.method.to_string();
        let loc = self.loc(m.method.span());
        let key = Self::call_key(m.method.span());
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
            // A check helper of the crate (`impl DebugExpect for Result<..>`):
            // it checks as its body does.
            let checkers: Vec<usize> = self
                .cx
                .ix
                .fns_named(&name)
                .filter(|&id| {
                    let f = &self.cx.ix.fns[id];
                    f.has_receiver
                        && f.self_ty
                            .as_deref()
                            .is_some_and(|t| catalog::RESULT_TYPES.contains(&t))
                })
                .collect();
            if !checkers.is_empty() {
                let (vals, callables) = self.args(m.args.iter(), st);
                let exprs: Vec<&'a syn::Expr> = m.args.iter().collect();
                let recv_arg = Some((&*m.receiver, &recv));
                let at = (loc, key);
                return self
                    .local_call(&checkers, &name, at, vals, callables, st, &exprs, recv_arg);
            }
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
                    if let Some(mut slot) = st.var_mut(&var) {
                        slot.fact.guard = false;
                    }
                    let ids = self.cx.ix.local_methods_named(
                        &name,
                        recv.ty.as_ref().and_then(|t| t.last().map(String::as_str)),
                    );
                    if ids
                        .first()
                        .is_none_or(|&id| self.summary_of(id).effect == Effect::None)
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
                .is_some_and(|t| !facts::is_com_interface(self.cx.ix, t))
                || recv_last.is_none())
        {
            let exprs: Vec<&'a syn::Expr> = m.args.iter().collect();
            let mut v = self.local_call(
                &locals,
                &name,
                (loc, key),
                vals,
                callables,
                st,
                &exprs,
                Some((&*m.receiver, &recv)),
            );
            if v.ty.is_none() {
                v.ty = None;
            }
            return v;
        }
        // A method of a dependency's type (`server.impersonate_client()`
        // with `server: &ipc::PipeServer`), by the receiver's type.
        if let Some(ty) = recv_ty.as_ref().filter(|_| locals.is_empty()) {
            let mut path = self.cx.ix.full_segments(self.fi, ty.clone());
            path.push(name.clone());
            if let Some(sum) = self.cx.external.function(&path) {
                let display = written_method(recv_last.as_deref(), &name);
                let exprs: Vec<&'a syn::Expr> = m.args.iter().collect();
                let call = SummaryCall {
                    display: &display,
                    ret_ty: None,
                    at: (loc, key),
                    args: &exprs,
                    recv: Some((&*m.receiver, &recv)),
                    callees: &[],
                };
                return self.apply_summary(&sum, call, vals, callables, st);
            }
        }
        // A catalog method.
        let api = catalog::method(&name, recv_ty.as_deref())
            .filter(|a| !(shadowed && a.family == catalog::Family::AnyMethod));
        if let Some(api) = api {
            let mut args: Vec<&'a syn::Expr> = m.args.iter().collect();
            if matches!(api.role, Role::PipeClientOpen) {
                // `OpenOptions::new()...open(PIPE)`: SQOS comes from the
                // builder (its chain, or its variable's earlier statements).
                let path = vals.first().cloned().unwrap_or_default();
                let written = written_method(recv_last.as_deref(), &name);
                let h = self.client_open(
                    api,
                    &written,
                    m.args.first(),
                    &path,
                    recv.sqos,
                    !recv.creates,
                    loc.clone(),
                    st,
                );
                args.clear();
                let mut out = Fact {
                    open: h.open,
                    ..Fact::default()
                };
                if st.region.imp != Imp::No {
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
            let written = written_method(recv_last.as_deref(), &name);
            let mut v = self.api_call(
                api,
                args,
                &full,
                (loc, key),
                vals,
                callables,
                st,
                None,
                written,
            );
            if api.role == Role::HandleOpen && st.region.imp == Imp::No {
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
            if facts::is_com_interface(self.cx.ix, t)
                && !catalog::COM_HELPER_METHODS.contains(&name.as_str())
                && !adapter
            {
                self.run_in_place(callables, st);
                if !self.cx.facts.cloaking {
                    let setup = self.cx.facts.com_setup.clone();
                    self.event(
                        LintFact::ComWithoutCloaking {
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
                && st.region.imp != Imp::No
            {
                self.cache_write(s, loc.clone(), st);
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
        let (qos, custom) = catalog::SQOS_METHODS;
        out.sqos = recv.sqos || name == qos;
        if name == custom
            && (m
                .args
                .first()
                .is_some_and(|a| syntax::mentions_flag(a, &[catalog::SQOS_PRESENT]))
                || vals.first().is_some_and(|v| v.sqos))
        {
            out.sqos = true;
        }
        out.creates = recv.creates || self.builder_setting(&name, m, &vals, st);
        carry_path(&mut out, &recv);
        for v in &vals {
            carry_path(&mut out, v);
        }
        self.string_method(&name, m, &recv, &vals, &mut out, st);
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
    pub(super) fn mac(&mut self, mac: &'a syn::Macro, st: &mut State) -> Fact {
        let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return Fact::default();
        };
        if matches!(
            name.as_str(),
            "format" | "format_args" | "write" | "writeln"
        ) {
            let owned: &'a [syn::Expr] = self.cx.macros.get(mac);
            return self.format_mac(&name, owned, st);
        }
        if catalog::STRING_MACROS.contains(&name.as_str()) || name == "concat" {
            let text = mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()
                .and_then(|p| {
                    let mut s = String::new();
                    for e in &p {
                        s.push_str(&syntax::string_value(e)?);
                    }
                    Some(s)
                });
            return Fact {
                pipe: text.as_deref().is_some_and(syntax::is_pipe_text),
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
                    carry_path(&mut out, &v);
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

/// A method call as messages name it: `Type::method` when the receiver's
/// type is known (`Command::status`), else `.method()`.
fn written_method(receiver: Option<&str>, name: &str) -> String {
    match receiver {
        Some(ty) => format!("{ty}::{name}"),
        None => format!(".{name}()"),
    }
}
