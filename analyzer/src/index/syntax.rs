//! Small readers of syntax shared by the collector, the walk and the
//! facts: a type's path, a string literal's text (and whether it names a
//! pipe), whether an expression names a flag. They know nothing of the crate.

use crate::catalog;
use syn::visit::Visit;

/// The path segments of a type (`std::process::Command`), looking through references.
pub fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Path(p) => Some(
            p.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        ),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Ptr(p) => type_path(&p.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        _ => None,
    }
}

/// The text of a string literal expression, following `concat!`, `w!`-style macros.
pub fn string_value(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::ByteStr(s) => Some(String::from_utf8_lossy(&s.value()).into_owned()),
            syn::Lit::CStr(s) => Some(s.value().to_string_lossy().into_owned()),
            _ => None,
        },
        syn::Expr::Reference(r) => string_value(&r.expr),
        syn::Expr::Paren(p) => string_value(&p.expr),
        syn::Expr::Group(g) => string_value(&g.expr),
        syn::Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            if catalog::STRING_MACROS.contains(&name.as_str()) || name == "concat" {
                let lits: syn::punctuated::Punctuated<syn::Expr, syn::Token![,]> = m
                    .mac
                    .parse_body_with(syn::punctuated::Punctuated::parse_terminated)
                    .ok()?;
                let mut s = String::new();
                for l in &lits {
                    s.push_str(&string_value(l)?);
                }
                Some(s)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Text that names a pipe path (`\\.\pipe\`), case-insensitively.
pub fn is_pipe_text(s: &str) -> bool {
    s.to_ascii_lowercase()
        .contains(&catalog::PIPE_PREFIX.to_ascii_lowercase())
}

/// Whether an expression mentions one of the named flags, by name or value.
pub fn mentions_flag(e: &syn::Expr, flags: &[(&str, u64)]) -> bool {
    struct V<'f>(&'f [(&'f str, u64)], bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if self.0.iter().any(|(n, _)| i == n) {
                self.1 = true;
            }
        }
        fn visit_lit_int(&mut self, l: &'ast syn::LitInt) {
            if let Ok(v) = l.base10_parse::<u64>() {
                if self.0.iter().any(|(_, x)| *x == v) {
                    self.1 = true;
                }
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let t = m.tokens.to_string();
            if self.0.iter().any(|(n, _)| t.contains(n)) {
                self.1 = true;
            }
        }
    }
    let mut v = V(flags, false);
    v.visit_expr(e);
    v.1
}
