//! Value flow of paths and the handles opened on them (see `flow` for the
//! summaries): what a string is made of (formatting, `+`, `push_str`,
//! `Path::join`, conversions), pipe-client opens and the evidence that a
//! path names a named pipe (its text, a caller's argument, a pipe-only API
//! given the same path or handle, names), what a function does with its
//! parameters and returns, field reads and writes, and a callee's summary
//! applied at a call.

use super::*;
use crate::event::PipeEvidence;
use crate::index::syntax::{is_pipe_text, names_a_pipe, UNKNOWN};
use flow::{FieldFact, Open, RetFacts};
use std::borrow::Cow;

/// Composed strings longer than this are not followed (a loop that keeps
/// appending gives up rather than growing).
const MAX_SHAPE: usize = 256;

/// The bit of a parameter position (positions past 31 are not followed).
pub(super) fn param_bit(pos: usize) -> u32 {
    if pos < 32 {
        1 << pos
    } else {
        0
    }
}

/// The parameters whose result (of a begin or end call) a value carries,
/// as a mask.
fn result_params(v: &Fact) -> u32 {
    let tested = v.test.as_ref().map(|(o, _)| o);
    v.outcome
        .iter()
        .chain(tested)
        .flat_map(|o| &o.calls)
        .filter_map(|&c| key_param(c))
        .fold(0, |m, p| m | param_bit(p))
}

/// The positions of a parameter mask.
fn positions(mask: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |i| mask & (1 << i) != 0)
}

impl Fact {
    /// The string this value is, as far as known: its text, its shape, or
    /// one unknown piece.
    pub(super) fn shape_text(&self) -> Cow<'_, str> {
        match (&self.text, &self.shape) {
            (Some(t), _) => Cow::Borrowed(t),
            (None, Some(s)) => Cow::Borrowed(s),
            (None, None) => Cow::Owned(UNKNOWN.to_string()),
        }
    }

    /// Whether anything of the string is known.
    pub(super) fn has_shape(&self) -> bool {
        self.text.is_some() || self.shape.is_some()
    }

    /// Sets what the string is made of: its text when every piece is
    /// known; a pipe path when it reads as one.
    pub(super) fn set_shape(&mut self, s: &str) {
        if is_pipe_text(s) {
            self.pipe = true;
        }
        if !s.contains(UNKNOWN) {
            self.text = Some(s.to_string());
            self.shape = None;
        } else {
            self.text = None;
            self.shape = (s.len() <= MAX_SHAPE).then(|| s.into());
        }
    }

    /// A pipe this code created itself (`CreateNamedPipeW` on it).
    pub(super) fn own_pipe(&self) -> bool {
        self.pipe_use.as_ref().is_some_and(|u| u.creates)
    }

    /// A path known not to be a pipe: its text is known whole, or it
    /// starts with something else than a backslash (`C:\..`, `logs/..`).
    pub(super) fn known_file(&self) -> bool {
        !self.pipe
            && (self.text.is_some()
                || self
                    .shape
                    .as_deref()
                    .and_then(|s| s.chars().next())
                    .is_some_and(|c| !matches!(c, '\\' | '/') && c != UNKNOWN))
    }
}

/// `a` then `b`, neighbouring unknown pieces merged.
fn concat(a: &str, b: &str) -> String {
    let rest = if a.ends_with(UNKNOWN) {
        b.trim_start_matches(UNKNOWN)
    } else {
        b
    };
    let mut s = String::with_capacity(a.len() + rest.len());
    s.push_str(a);
    s.push_str(rest);
    s
}

/// `a` joined with `b` as a path (`Path::join`, `PathBuf::push`).
fn path_join(a: &str, b: &str) -> String {
    if a.is_empty() || a.ends_with('\\') || a.ends_with('/') {
        concat(a, b)
    } else {
        concat(&concat(a, "\\"), b)
    }
}

/// The pieces of a format string: literal text, and placeholders by
/// position (`{}`, `{0}`) or name (`{name}`, `{PIPE_PREFIX}`).
enum Piece<'f> {
    Text(String),
    Next,
    Index(usize),
    Name(&'f str),
}

fn format_pieces(fmt: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        match c {
            '{' if rest.starts_with("{{") => {
                text.push('{');
                rest = &rest[2..];
            }
            '}' if rest.starts_with("}}") => {
                text.push('}');
                rest = &rest[2..];
            }
            '{' => {
                let Some(end) = rest.find('}') else {
                    break;
                };
                let spec = &rest[1..end];
                let arg = spec.split(':').next().unwrap_or("").trim();
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(if arg.is_empty() {
                    Piece::Next
                } else if let Ok(i) = arg.parse::<usize>() {
                    Piece::Index(i)
                } else {
                    Piece::Name(arg)
                });
                rest = &rest[end + 1..];
            }
            _ => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

impl<'c, 'i, 'a> Walker<'c, 'i, 'a> {
    /// `format!`, `format_args!`, `write!` and `writeln!`: the value the
    /// format string and its arguments make (named and inline captures,
    /// constants included); `write!` appends it to its destination.
    pub(super) fn format_mac(
        &mut self,
        name: &str,
        owned: &'a [syn::Expr],
        st: &mut State,
    ) -> Fact {
        let fmt_pos = owned
            .iter()
            .position(|e| matches!(e, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_))));
        let Some(fp) = fmt_pos else {
            let mut out = Fact::default();
            for e in owned {
                let v = self.expr(e, st);
                self.mark(&v, Check::Checked);
                carry_path(&mut out, &v);
            }
            return out;
        };
        let fmt = match &owned[fp] {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            _ => String::new(),
        };
        let dest = owned[..fp].first();
        if let Some(d) = dest {
            let v = self.expr(d, st);
            self.mark(&v, Check::Checked);
        }
        let mut args: Vec<(Option<String>, Fact)> = Vec::new();
        for e in &owned[fp + 1..] {
            let (arg_name, value) = match e {
                syn::Expr::Assign(a) => match &*a.left {
                    syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                        (Some(last_segment(&p.path)), &*a.right)
                    }
                    _ => (None, e),
                },
                _ => (None, e),
            };
            let v = self.expr(value, st);
            self.mark(&v, Check::Checked);
            args.push((arg_name, v));
        }
        let mut out = Fact::default();
        for (_, v) in &args {
            carry_path(&mut out, v);
        }
        let mut shape = String::new();
        let mut next = 0;
        for piece in format_pieces(&fmt) {
            let part: Cow<'_, str> = match piece {
                Piece::Text(t) => Cow::Owned(t),
                Piece::Next => {
                    next += 1;
                    args.get(next - 1)
                        .map_or(Cow::Owned(UNKNOWN.to_string()), |(_, v)| v.shape_text())
                }
                Piece::Index(i) => args
                    .get(i)
                    .map_or(Cow::Owned(UNKNOWN.to_string()), |(_, v)| v.shape_text()),
                Piece::Name(n) => {
                    if let Some((_, v)) = args.iter().find(|(a, _)| a.as_deref() == Some(n)) {
                        v.shape_text()
                    } else {
                        // An inline capture: a local, or a constant.
                        let captured = match st.var(n) {
                            Some(var) => var.fact.clone(),
                            None => self.const_fact(n),
                        };
                        carry_path(&mut out, &captured);
                        Cow::Owned(captured.shape_text().into_owned())
                    }
                }
            };
            shape = concat(&shape, &part);
        }
        out.set_shape(&shape);
        if matches!(name, "write" | "writeln") {
            if let Some(var) = dest.and_then(first_var) {
                self.append_to(&var, &out, false, st);
            }
            // `write!` itself gives a `fmt::Result`.
            return Fact::default();
        }
        out
    }

    /// What a constant's name carries: its text, and whether it is a pipe path.
    pub(super) fn const_fact(&self, name: &str) -> Fact {
        let mut f = Fact::default();
        if let Some(t) = self.cx.ix.str_consts.get(name) {
            f.text = Some(t.to_string());
        }
        f.pipe = self.cx.ix.pipe_consts.contains(name);
        f.sqos = self.cx.ix.sqos_consts.contains(name);
        f
    }

    /// Appends `v` to the string (or, with `as_path`, the path) in variable
    /// `var`: `s.push_str(x)`, `s += x`, `write!(s, ..)`, `p.push(x)`.
    pub(super) fn append_to(&mut self, var: &str, v: &Fact, as_path: bool, st: &mut State) {
        let Some(mut slot) = st.var_mut(var) else {
            return;
        };
        let before = slot.fact.shape_text().into_owned();
        let add = v.shape_text();
        let joined = if as_path {
            path_join(&before, &add)
        } else {
            concat(&before, &add)
        };
        carry_path(&mut slot.fact, v);
        slot.fact.set_shape(&joined);
    }

    /// The value of `l + r` on strings.
    pub(super) fn concat_values(&self, l: &Fact, r: &Fact) -> Option<String> {
        (l.has_shape() || r.has_shape()).then(|| concat(&l.shape_text(), &r.shape_text()))
    }

    /// A string method: conversions keep the text, `join` on a path adds a
    /// separator, `push_str`/`push` append to a variable.
    pub(super) fn string_method(
        &mut self,
        name: &str,
        m: &'a syn::ExprMethodCall,
        recv: &Fact,
        vals: &[Fact],
        out: &mut Fact,
        st: &mut State,
    ) {
        let is_path = recv
            .ty
            .as_ref()
            .and_then(|t| t.last())
            .is_some_and(|t| catalog::PATH_TYPES.contains(&t.as_str()));
        if catalog::STRING_CONVERSIONS.contains(&name) && vals.is_empty() {
            out.text = recv.text.clone();
            out.shape = recv.shape.clone();
        } else if name == "join" && vals.len() == 1 && is_path {
            out.set_shape(&path_join(&recv.shape_text(), &vals[0].shape_text()));
            out.ty = Some(vec!["PathBuf".to_string()]);
        } else if catalog::APPEND_METHODS.contains(&name) && vals.len() == 1 {
            if let Some(var) = first_var(&m.receiver).filter(|v| st.var(v).is_some()) {
                self.append_to(&var, &vals[0], is_path, st);
            }
        }
    }

    /// `opts.security_qos_flags(..)`, `opts.custom_flags(SQOS ..)`,
    /// `opts.create(true)` in a statement of their own: the builder in the
    /// variable now carries them. Returns whether the call lets the open
    /// create the file.
    pub(super) fn builder_setting(
        &mut self,
        name: &str,
        m: &'a syn::ExprMethodCall,
        vals: &[Fact],
        st: &mut State,
    ) -> bool {
        let (qos, custom) = catalog::SQOS_METHODS;
        let sqos = name == qos
            || (name == custom
                && (m
                    .args
                    .first()
                    .is_some_and(|a| syntax::mentions_flag(a, &[catalog::SQOS_PRESENT]))
                    || vals.first().is_some_and(|v| v.sqos)));
        let creates = catalog::CREATE_METHODS.contains(&name)
            && m.args.first().is_some_and(|a| {
                !matches!(a, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if !b.value)
            });
        if sqos || creates {
            if let Some(mut slot) = first_var(&m.receiver).and_then(|v| st.var_mut(&v)) {
                slot.fact.sqos |= sqos;
                slot.fact.creates |= creates;
            }
        }
        creates
    }

    /// SQOS flags read from a field (`self.flags`, a getter of it) that are
    /// not known to be set: what the crate writes there decides.
    pub(super) fn flags_from_field(&mut self, flags: &Fact) {
        if let (false, Some(k)) = (flags.sqos, &flags.field) {
            self.field_demands.insert(k.ty.clone());
        }
    }

    /// A file or pipe-client open of `path` (`expr`: its syntax). A pipe
    /// path opened without SQOS flags is reported; the open of a path not
    /// known is recorded for the parameters and fields it comes from, and
    /// kept with the handle and the path's variable, in case the code shows
    /// later that it is a pipe. Returns what the handle carries.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn client_open(
        &mut self,
        api: &'static Api,
        written: &str,
        expr: Option<&'a syn::Expr>,
        path: &Fact,
        sqos: bool,
        existing: bool,
        loc: Location,
        st: &mut State,
    ) -> Fact {
        let mut out = Fact::default();
        if path.own_pipe() {
            return out;
        }
        if path.pipe {
            if !sqos {
                let evidence = match path.pipe_use.as_deref() {
                    Some(u) => PipeEvidence::Structure {
                        api: u.api.to_string(),
                        at: u.at.clone(),
                    },
                    None => match self.field_pipe(path) {
                        Some((field, at)) => PipeEvidence::Field { field, at },
                        None => PipeEvidence::Path,
                    },
                };
                self.report_open(api, written, evidence, loc, st);
            }
            return out;
        }
        if path.known_file() {
            return out;
        }
        let open = Open {
            api,
            written: written.to_string(),
            at: loc.clone(),
            function: self.fn_display.clone(),
            sqos,
            existing,
        };
        self.unknown_open(&open, expr, path, st);
        if !sqos {
            out.open = Some(Box::new(open));
        }
        out
    }

    /// The field a path was read from, when the crate stores a pipe path
    /// in it (`Type::field`), with the first place it does.
    fn field_pipe(&self, path: &Fact) -> Option<(String, Location)> {
        let k = path.field.as_deref()?;
        let at = self.cx.fields.get(k)?.pipe.clone()?;
        Some((format!("{}::{}", k.ty, k.field), at))
    }

    /// An open (here, or in a callee the value is passed to) of a path not
    /// known to be a pipe: its parameters and fields learn of it, names may
    /// show it is a pipe, and the path's variable keeps it.
    fn unknown_open(
        &mut self,
        open: &Open,
        expr: Option<&'a syn::Expr>,
        path: &Fact,
        st: &mut State,
    ) {
        for pos in positions(path.from_params) {
            self.flow.param_mut(pos).add_open(open.clone());
        }
        if let Some(k) = &path.field {
            self.field_demands.insert(k.ty.clone());
        }
        if open.sqos {
            return;
        }
        if open.existing {
            if let Some(what) = self.named_for_pipe(path) {
                self.report_open(
                    open.api,
                    &open.written,
                    PipeEvidence::Name { what },
                    open.at.clone(),
                    st,
                );
            }
        }
        if let Some(mut slot) = expr.and_then(first_var).and_then(|v| st.var_mut(&v)) {
            if slot.fact.open.is_none() {
                slot.fact.open = Some(Box::new(open.clone()));
            }
        }
    }

    /// What names a path from outside for a pipe: the parameter it comes
    /// from, the field it was read from, the function, its type or its
    /// module (see `syntax::names_a_pipe`).
    fn named_for_pipe(&self, path: &Fact) -> Option<String> {
        if path.from_params == 0 && path.field.is_none() && !path.external {
            return None;
        }
        for pos in positions(path.from_params) {
            if let Some(p) = self.sig_params.get(pos).filter(|p| names_a_pipe(p)) {
                return Some(format!("the parameter `{p}`"));
            }
        }
        if let Some(k) = path.field.as_deref().filter(|k| names_a_pipe(&k.field)) {
            return Some(format!("the field `{}::{}`", k.ty, k.field));
        }
        let f = &self.cx.ix.fns[self.fid];
        if names_a_pipe(&f.name) {
            return Some(format!("the function `{}`", f.display()));
        }
        if let Some(t) = f.self_ty.as_deref().filter(|t| names_a_pipe(t)) {
            return Some(format!("the type `{t}`"));
        }
        if f.module.iter().any(|m| names_a_pipe(m)) {
            return Some(format!("the module `{}`", f.module.join("::")));
        }
        None
    }

    /// A value given to a pipe-only API (`use_`), or to a callee's
    /// parameter that is: it is a pipe. An open it came from is reported;
    /// its parameters, field and variable learn it.
    pub(super) fn pipe_used(
        &mut self,
        expr: Option<&'a syn::Expr>,
        v: &Fact,
        use_: &PipeUse,
        st: &mut State,
    ) {
        if let Some(o) = v.open.as_deref().filter(|o| !o.sqos) {
            let evidence = PipeEvidence::Structure {
                api: use_.api.to_string(),
                at: use_.at.clone(),
            };
            self.report_open(o.api, &o.written, evidence, o.at.clone(), st);
        }
        for pos in positions(v.from_params) {
            let p = self.flow.param_mut(pos);
            p.pipe_use = PipeUse::join(&p.pipe_use, &Some(use_.clone()));
        }
        if let Some(k) = v.field.as_deref() {
            self.field_writes.push(FieldWrite {
                key: k.clone(),
                fact: FieldFact {
                    pipe_use: Some(use_.clone()),
                    ..FieldFact::default()
                },
            });
        }
        if let Some(mut slot) = expr.and_then(first_var).and_then(|n| st.var_mut(&n)) {
            if !slot.fact.pipe || use_.creates {
                slot.fact.pipe = true;
                slot.fact.pipe_use = Some(Box::new(use_.clone()));
            }
            slot.fact.open = None;
        }
    }

    /// Reports a pipe-client open without SQOS flags at `at` (see `PipeEvidence`).
    fn report_open(
        &mut self,
        api: &'static Api,
        written: &str,
        evidence: PipeEvidence,
        at: Location,
        st: &State,
    ) {
        let written = written.to_string();
        let fact = LintFact::PipeOpenWithoutSqos {
            api,
            written,
            evidence,
        };
        self.event(fact, at, st);
    }

    /// A pipe-only API (`WaitNamedPipeW`, `CreateNamedPipeW`), or
    /// `CallNamedPipeW`, which is a client open that cannot send SQOS flags.
    pub(super) fn pipe_api(
        &mut self,
        api: &'static Api,
        args: &[&'a syn::Expr],
        vals: &[Fact],
        written: &str,
        loc: Location,
        st: &mut State,
    ) {
        let use_ = PipeUse {
            api: api.name,
            at: loc.clone(),
            creates: api.role == Role::PipeCreate,
        };
        if let Some(i) = api.args.path {
            let v = vals.get(i).cloned().unwrap_or_default();
            self.pipe_used(args.get(i).copied(), &v, &use_, st);
        }
        if api.role == Role::PipeCall {
            self.report_open(api, written, PipeEvidence::PipeApi, loc, st);
        }
    }

    /// A field read `base.name` of the crate type `ty`: what the crate
    /// stores there.
    pub(super) fn read_field(&self, ty: &str, name: &str, base: &Fact, v: &mut Fact) {
        if !self.cx.ix.types.contains_key(ty) {
            return;
        }
        let key = FieldKey::new(ty, name);
        v.from_params |= base.from_params;
        v.external |= base.external;
        if let Some(f) = self.cx.fields.get(&key) {
            v.pipe |= f.pipe.is_some() || f.pipe_use.is_some();
            v.pipe_use = f.pipe_use.clone().map(Box::new);
            v.sqos |= f.always_sqos();
        }
        v.field = Some(Box::new(key));
    }

    /// A write of `v` into field `name` of the crate type `ty` (a struct
    /// literal, an assignment, a callee that stores its parameter), at `span`.
    pub(super) fn write_field(&mut self, ty: &str, name: &str, v: &Fact, span: Span) {
        if !self.cx.ix.types.contains_key(ty) {
            return;
        }
        let key = FieldKey::new(ty, name);
        self.store_in_field(&key, v, || span);
    }

    fn store_in_field(&mut self, key: &FieldKey, v: &Fact, span: impl FnOnce() -> Span) {
        // Every write is kept: whether a field always holds SQOS flags
        // depends on the writes that do not.
        let at = v.pipe.then(|| self.loc(span()));
        self.field_writes.push(FieldWrite {
            key: key.clone(),
            fact: FieldFact {
                pipe: at,
                pipe_use: v.pipe_use.as_deref().cloned(),
                sqos: v.sqos,
                plain: !v.sqos,
            },
        });
        for pos in positions(v.from_params) {
            self.flow.param_mut(pos).add_stored(key);
        }
    }

    /// A value the function returns (a `return`, the tail; not an `Err`).
    pub(super) fn record_return(&mut self, v: &Fact) {
        if self.ctxs.len() != 1 || v.is_err {
            return;
        }
        self.ret_value = Some(match self.ret_value.take() {
            Some(r) => join_fact(&r, v),
            None => v.clone(),
        });
    }

    /// The function's return facts, from the values it returns.
    pub(super) fn ret_facts(&self) -> RetFacts {
        let Some(v) = &self.ret_value else {
            return RetFacts::default();
        };
        RetFacts {
            pipe: v.pipe,
            pipe_use: v.pipe_use.as_deref().cloned(),
            from_params: v.from_params,
            open: v.open.as_deref().cloned(),
            sqos: v.sqos,
            field: v.field.as_deref().cloned(),
            result_from: result_params(v),
        }
    }

    /// A call of a function of the crate whose value flow is summarised:
    /// what it does with each argument (by signature position: `args`,
    /// with their syntax), and what its result carries.
    pub(super) fn apply_flow(
        &mut self,
        fl: &FnFlow,
        callee: &str,
        args: &[(Option<&'a syn::Expr>, Fact)],
        st: &mut State,
    ) -> Fact {
        for (pos, (expr, v)) in args.iter().enumerate() {
            let Some(p) = fl.param(pos) else {
                continue;
            };
            for o in &p.opens {
                self.callee_open(o, callee, *expr, v, st);
            }
            if let Some(u) = &p.pipe_use {
                self.pipe_used(*expr, v, u, st);
            }
            for k in &p.stored_in {
                let span = expr.map(|e| e.span()).unwrap_or_else(Span::call_site);
                self.store_in_field(k, v, || span);
            }
        }
        let r = &fl.ret;
        let mut out = Fact {
            pipe: r.pipe,
            sqos: r.sqos,
            pipe_use: r.pipe_use.clone().map(Box::new),
            open: r.open.clone().map(Box::new),
            ..Fact::default()
        };
        if let Some(k) = &r.field {
            if let Some(f) = self.cx.fields.get(k) {
                out.pipe |= f.pipe.is_some() || f.pipe_use.is_some();
                out.sqos |= f.always_sqos();
            }
            out.field = Some(Box::new(k.clone()));
        }
        for pos in positions(r.from_params) {
            if let Some((_, v)) = args.get(pos) {
                carry_path(&mut out, v);
                out.sqos |= v.sqos;
            }
        }
        out
    }

    /// A callee opens what this call passes it (`o`): a pipe path is
    /// reported at the callee's open, naming this call; otherwise the open
    /// is this function's too, for its own parameters and names.
    fn callee_open(
        &mut self,
        o: &Open,
        callee: &str,
        expr: Option<&'a syn::Expr>,
        v: &Fact,
        st: &mut State,
    ) {
        if v.own_pipe() {
            return;
        }
        if v.pipe {
            if !o.sqos {
                let (arg, at) = match expr {
                    Some(e) => (self.text_of(e.span()), self.loc(e.span())),
                    None => ("self".to_string(), o.at.clone()),
                };
                let evidence = PipeEvidence::Caller {
                    caller: self.fn_display.clone(),
                    callee: callee.to_string(),
                    arg,
                    at,
                };
                self.report_open(o.api, &o.written, evidence, o.at.clone(), st);
            }
            return;
        }
        if v.known_file() {
            return;
        }
        self.unknown_open(o, expr, v, st);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_strings_in_pieces() {
        let pieces = format_pieces(r"\\.\pipe\{{{}}}-{0}-{name}-{PIPE:>4}");
        let kinds: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("text {t}"),
                Piece::Next => "next".to_string(),
                Piece::Index(i) => format!("index {i}"),
                Piece::Name(n) => format!("name {n}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                r"text \\.\pipe\{",
                "next",
                "text }-",
                "index 0",
                "text -",
                "name name",
                "text -",
                "name PIPE",
            ]
        );
    }

    #[test]
    fn shapes_concatenate_and_join() {
        let u = UNKNOWN.to_string();
        assert_eq!(concat(r"\\", &u), format!(r"\\{u}"));
        // Neighbouring unknown pieces are one.
        assert_eq!(concat(&u, &format!("{u}x")), format!("{u}x"));
        assert_eq!(path_join(r"\\", "host"), r"\\host");
        assert_eq!(path_join(r"\\host", "pipe"), r"\\host\pipe");
        let remote = path_join(&path_join(&path_join(r"\\", &u), "pipe"), &u);
        assert!(is_pipe_text(&remote), "{remote:?}");
    }

    #[test]
    fn a_drive_path_is_a_file_even_half_known() {
        let mut f = Fact::default();
        f.set_shape(&format!(r"C:\Dumps\{UNKNOWN}.bin"));
        assert!(f.known_file());
        let mut g = Fact::default();
        g.set_shape(&format!(r"{UNKNOWN}\x"));
        assert!(!g.known_file());
    }
}
