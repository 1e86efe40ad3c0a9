//! Macro arguments made visible. syn does not parse inside macro
//! invocations, so calls in `assert!`, `format!`, `vec!`, logging macros and
//! the like would be invisible. Before a crate is walked, every expression or
//! statement macro is re-parsed once (nested macros too) and kept here,
//! keyed by the invocation's address, for as long as the crate's syntax
//! lives. What stays invisible: item macros other than `lazy_static!`,
//! `thread_local!` and `link!` (see `index`), and macros whose arguments are
//! not expressions.

use crate::catalog;
use std::collections::HashMap;
use syn::visit::Visit;

/// Re-parsed macro arguments, by the address of the `syn::Macro`.
#[derive(Default)]
pub struct MacroArgs {
    map: HashMap<usize, Box<[syn::Expr]>>,
}

/// How a macro's arguments are laid out: the expressions imperlint analyses
/// (also used by `parse` to bound their nesting before analysis).
pub fn parse_args(mac: &syn::Macro) -> Vec<syn::Expr> {
    let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
        return Vec::new();
    };
    if catalog::STRING_MACROS.contains(&name.as_str()) || name == "concat" {
        return Vec::new();
    }
    let list = || -> Vec<syn::Expr> {
        mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        )
        .map(|p| p.into_iter().collect())
        .unwrap_or_default()
    };
    let after_format = |mut v: Vec<syn::Expr>| -> Vec<syn::Expr> {
        if let Some(pos) = v
            .iter()
            .position(|e| matches!(e, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_))))
        {
            v.drain(..=pos);
        }
        v
    };
    match name.as_str() {
        "matches" => {
            use syn::parse::Parser;
            let p = |input: syn::parse::ParseStream| -> syn::Result<syn::Expr> {
                let e: syn::Expr = input.parse()?;
                let _: proc_macro2::TokenStream = input.parse()?;
                Ok(e)
            };
            p.parse2(mac.tokens.clone())
                .map(|e| vec![e])
                .unwrap_or_default()
        }
        "vec" => {
            let v = list();
            if v.is_empty() {
                use syn::parse::Parser;
                let p = |input: syn::parse::ParseStream| -> syn::Result<Vec<syn::Expr>> {
                    let a: syn::Expr = input.parse()?;
                    input.parse::<syn::Token![;]>()?;
                    let b: syn::Expr = input.parse()?;
                    Ok(vec![a, b])
                };
                p.parse2(mac.tokens.clone()).unwrap_or_default()
            } else {
                v
            }
        }
        // The format string is kept: the value made is read from it (the walk
        // finds it among the arguments; `write!`'s destination comes first).
        "format" | "format_args" | "write" | "writeln" => list(),
        "print" | "println" | "eprint" | "eprintln" | "panic" | "trace" | "debug" | "info"
        | "warn" | "error" | "log" | "anyhow" | "bail" | "todo" | "unimplemented"
        | "unreachable" | "event" => after_format(list()),
        "assert" | "debug_assert" | "assert_eq" | "assert_ne" | "debug_assert_eq"
        | "debug_assert_ne" | "ensure" | "dbg" | "join" | "try_join" => list(),
        // Other macros are opaque: their bodies need not be expressions.
        _ => Vec::new(),
    }
}

impl MacroArgs {
    /// Re-parses every macro invocation in the expressions and statements
    /// of the files, and of the function bodies parsed alone.
    pub fn collect<'a>(
        files: impl IntoIterator<Item = &'a syn::File>,
        bodies: impl IntoIterator<Item = &'a syn::Block>,
    ) -> MacroArgs {
        struct V {
            found: Vec<(usize, Box<[syn::Expr]>)>,
        }
        impl<'ast> Visit<'ast> for V {
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                let args = parse_args(m).into_boxed_slice();
                if !args.is_empty() {
                    // Nested macros inside the re-parsed arguments.
                    for e in args.iter() {
                        self.visit_expr(e);
                    }
                    self.found.push((m as *const syn::Macro as usize, args));
                }
            }
        }
        // Nested results are stored after their parents; the boxes keep the
        // nested `syn::Macro`s at stable addresses.
        let mut v = V { found: Vec::new() };
        for f in files {
            v.visit_file(f);
        }
        for b in bodies {
            v.visit_block(b);
        }
        MacroArgs {
            map: v.found.into_iter().collect(),
        }
    }

    /// The re-parsed arguments of a macro invocation (empty when none).
    pub fn get(&self, mac: &syn::Macro) -> &[syn::Expr] {
        self.map
            .get(&(mac as *const syn::Macro as usize))
            .map(|b| &b[..])
            .unwrap_or(&[])
    }
}
