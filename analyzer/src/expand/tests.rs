//! Expansion of whole units of a file: items, `impl` items and function
//! bodies, nested invocations, scope, bounds, and where the expanded
//! text's tokens come from.

use super::*;
use crate::index::collect::collect_file;
use crate::index::file::FileCx;
use crate::index::text::FnKind;
use crate::index::{Extra, FileItems};

/// One file, parsed and collected as the first pass does.
fn file(text: &str) -> (FileCx, FileItems) {
    let (cx, ast) = FileCx::parsed_for_test(text);
    let items = collect_file(&cx, &ast, &Extra::default(), &[]);
    (cx, items)
}

fn crate_of<'f>(cx: &'f FileCx, items: &'f FileItems) -> CrateMacros<'f> {
    crate_with(cx, items, DepMacros::default(), Vec::new())
}

fn crate_with<'f>(
    cx: &'f FileCx,
    items: &'f FileItems,
    deps: DepMacros,
    dep_imports: Vec<(String, String, String)>,
) -> CrateMacros<'f> {
    let refs = vec![FileRef {
        display: &cx.src.display,
        text: &cx.src.text,
        macros: &items.macros,
        crate_imports: Vec::new(),
        dep_imports,
    }];
    CrateMacros::new(
        refs,
        vec![None],
        &|t: &str| t.contains("RevertToSelf"),
        deps,
    )
    .expect("the file defines macros")
}

/// `sec`'s (a renamed dependency's) exported `guard!`, whose `$crate` is
/// the dependency.
fn dep_guard() -> DepMacros {
    DepMacros {
        macros: vec![DepMacro {
            krate: "sec".to_string(),
            name: "guard".to_string(),
            body: "($t:ident) => { let $t = $crate::impersonate(&pipe)?; };".into(),
            def: crate::diag::Location {
                line: 7,
                ..crate::diag::Location::file_start("crates/winsec/src/lib.rs")
            },
        }],
        macro_use: Vec::new(),
    }
}

#[test]
fn a_dependencys_macro_expands_by_path_by_use_and_by_macro_use() {
    let body = |text: &str, deps: DepMacros, imports: Vec<(String, String, String)>| {
        let (cx, items) = file(text);
        let macros = crate_with(&cx, &items, deps, imports);
        let mut ex = Expander::new(&macros, 0);
        let unit = ex.function(text.trim_end(), 0, FnKind::Free);
        unit.map(|u| u.map(|u| (u.expansion.text.clone(), u.sites)))
    };
    // By path: `$crate` is the name the dependent gives the dependency.
    let (text, sites) = body(
        "fn serve() { sec::guard!(g); work(); }\n",
        dep_guard(),
        Vec::new(),
    )
    .unwrap()
    .unwrap();
    assert!(text.contains("let g = sec :: impersonate"), "{text}");
    assert_eq!(sites[0].name, "guard");
    assert_eq!(sites[0].def.file, "crates/winsec/src/lib.rs");
    assert_eq!(sites[0].def.line, 7);
    // By a `use sec::guard as g;`.
    let alias = vec![("g".to_string(), "sec".to_string(), "guard".to_string())];
    let (text, _) = body("fn serve() { g!(x); }\n", dep_guard(), alias)
        .unwrap()
        .unwrap();
    assert!(text.contains("sec :: impersonate"), "{text}");
    // Not imported: a plain `guard!` is someone else's.
    assert!(body("fn serve() { guard!(x); }\n", dep_guard(), Vec::new())
        .unwrap()
        .is_none());
    // `#[macro_use] extern crate sec;` brings it in by its name.
    let mut all = dep_guard();
    all.macro_use.push("sec".to_string());
    assert!(body("fn serve() { guard!(x); }\n", all, Vec::new())
        .unwrap()
        .is_some());
    // Another crate's path, or a name the dependency does not export.
    assert!(body(
        "fn serve() { other::guard!(x); sec::nope!(x); }\n",
        dep_guard(),
        Vec::new()
    )
    .unwrap()
    .is_none());
}

/// Expands the file's item invocations, in order.
fn item_units(text: &str) -> Vec<Result<Option<Unit>, Incomplete>> {
    let (cx, items) = file(text);
    let macros = crate_of(&cx, &items);
    let mut ex = Expander::new(&macros, 0);
    items.macros.calls.iter().map(|c| ex.items(c)).collect()
}

#[test]
fn items_a_macro_generates_get_a_text_that_maps_to_the_invocation() {
    let text = "macro_rules! guard {\n    ($name:ident) => { pub struct $name; impl Drop for $name { fn drop(&mut self) { revert(); } } };\n}\nguard!(PipeGuard);\n";
    let mut units = item_units(text);
    let unit = units.remove(0).unwrap().unwrap();
    assert_eq!(unit.kind, UnitKind::Items);
    let e = &unit.expansion;
    assert!(syn::parse_str::<syn::File>(&e.text).is_ok(), "{}", e.text);
    // `PipeGuard` is the argument, at its own place; `struct` was written
    // by the rules, at the invocation's `guard`.
    let at = |word: &str| {
        let i = e.text.find(word).unwrap();
        e.file_range(i..i + word.len()).unwrap()
    };
    let name = text.find("PipeGuard").unwrap();
    assert_eq!(at("PipeGuard"), name..name + "PipeGuard".len());
    let call = text.rfind("guard!").unwrap();
    assert_eq!(at("struct"), call..call + "guard".len());
    assert_eq!(unit.sites.len(), 1);
    assert_eq!(unit.sites[0].name, "guard");
    assert_eq!(unit.sites[0].def.line, 1);
}

#[test]
fn nested_invocations_expand_and_their_tokens_stay_at_the_outer_invocation() {
    let text = "macro_rules! inner { ($t:ident) => { fn $t() { begin(); } }; }\nmacro_rules! outer { ($($t:ident),*) => { $( inner!($t); )* }; }\nouter!(a, b);\n";
    let unit = item_units(text).remove(0).unwrap().unwrap();
    let ast: syn::File = syn::parse_str(&unit.expansion.text).unwrap();
    let names: Vec<String> = ast
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["a", "b"]);
    // Only `outer` is written in the file: one site.
    assert_eq!(unit.sites.len(), 1);
    assert_eq!(unit.sites[0].name, "outer");
}

#[test]
fn recursion_and_expansion_counts_are_bounded() {
    let forever = "macro_rules! forever { () => { forever!(); }; }\nforever!();\n";
    let err = item_units(forever).remove(0).unwrap_err();
    assert_eq!(err.name, "forever");
    assert!(err.why.contains("nest more than 128"), "{}", err.why);
    // Each `x` doubles the invocations, 13 levels deep: 2^14 of them.
    let twice = "macro_rules! twice { () => {}; (x $($r:tt)*) => { twice!($($r)*); twice!($($r)*); }; }\ntwice!(x x x x x x x x x x x x x);\n";
    let err = item_units(twice).remove(0).unwrap_err();
    assert!(
        err.why.contains("more than 4096 invocations"),
        "{}",
        err.why
    );
}

#[test]
fn invocations_no_rule_matches_are_reported() {
    let text = "macro_rules! pair { ($a:ident, $b:ident) => {}; }\npair!(1 + 2);\n";
    let err = item_units(text).remove(0).unwrap_err();
    assert!(err.why.contains("no rule"), "{}", err.why);
    assert_eq!(&text[err.at.clone()], "pair", "at the macro's name");
}

#[test]
fn an_invocation_before_the_definition_is_not_expanded() {
    let text = "early!();\nmacro_rules! early { () => { fn f() {} }; }\nearly!();\n";
    let (cx, items) = file(text);
    let macros = crate_of(&cx, &items);
    let resolved: Vec<bool> = items
        .macros
        .calls
        .iter()
        .map(|c| macros.resolves(0, c))
        .collect();
    assert_eq!(resolved, [false, true]);
}

#[test]
fn statement_and_expression_macros_in_a_body_are_replaced() {
    let text = "macro_rules! begin { ($p:expr) => { impersonate($p)?; }; }\nmacro_rules! twice { ($e:expr) => { $e * 2 }; }\nfn serve(p: u32) -> Result<u32, ()> {\n    begin!(p);\n    let n = twice!(p + 1);\n    Ok(n)\n}\n";
    let (cx, items) = file(text);
    let macros = crate_of(&cx, &items);
    let mut ex = Expander::new(&macros, 0);
    let f = &items.fns[0];
    let body = &text[f.text.start..f.text.end];
    let unit = ex
        .function(body, f.text.start, FnKind::Free)
        .unwrap()
        .unwrap();
    assert_eq!(unit.kind, UnitKind::Fn);
    let parsed: syn::ItemFn = syn::parse_str(&unit.expansion.text).unwrap();
    let printed = quote::quote!(#parsed).to_string();
    assert!(printed.contains("impersonate (p) ?"), "{printed}");
    assert!(printed.contains("((p + 1) * 2)"), "{printed}");
    assert_eq!(unit.sites.len(), 2);
}

#[test]
fn impl_items_a_macro_generates_join_their_impl() {
    let text = "macro_rules! methods { ($($m:ident),*) => { $(fn $m(&self) {})* }; }\nstruct S;\nimpl S {\n    fn own(&self) {}\n    methods!(a, b);\n}\n";
    let (cx, items) = file(text);
    let macros = crate_of(&cx, &items);
    let mut ex = Expander::new(&macros, 0);
    let CallCx::Impl(_, bytes) = &items.macros.calls[0].cx else {
        panic!("an impl call");
    };
    let unit = ex.impl_items(bytes.clone()).unwrap().unwrap();
    let parsed: syn::ItemImpl = syn::parse_str(&unit.expansion.text).unwrap();
    let names: Vec<String> = parsed
        .items
        .iter()
        .filter_map(|i| match i {
            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    // The block's own methods are the file's already.
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn macros_of_other_crates_are_left_alone() {
    let text = "macro_rules! local { () => { fn f() {} }; }\nlazy_static::lazy_static! { static ref X: u8 = 1; }\nother!();\nlocal!();\n";
    let units = item_units(text);
    // `other!` is not the crate's; the path-qualified one is recorded (it
    // may name a dependency's macro) and, with no dependency, left alone.
    assert_eq!(units.len(), 3);
    assert!(matches!(units[0], Ok(None)));
    assert!(matches!(units[1], Ok(None)));
    assert!(matches!(units[2], Ok(Some(_))));
}

#[test]
fn only_invocations_whose_code_can_matter_are_wanted() {
    // `guard!`'s rules name an end API (a prefilter pattern, here
    // `RevertToSelf`); `record!`'s name nothing the analysis follows
    // unless the names of interest include what it writes; `handler!`'s
    // call `begin_client`, a function that may begin impersonation.
    let text = "macro_rules! guard { ($n:ident) => { struct $n; impl Drop for $n { fn drop(&mut self) { RevertToSelf(); } } }; }\nmacro_rules! record { ($n:ident { $($f:ident: $t:ty),* }) => { struct $n { $($f: $t),* } }; }\nmacro_rules! handler { ($n:ident) => { fn $n(p: u32) { begin_client(p); } }; }\nguard!(Client);\nrecord!(Row { id: u32, owner: Sid });\nhandler!(serve);\n";
    let (cx, items) = file(text);
    let macros = crate_of(&cx, &items);
    let hit = |t: &str| t.contains("RevertToSelf");
    let names_of = |words: &[&str]| -> crate::index::names::NameSet {
        words
            .iter()
            .map(|w| crate::index::names::name_hash(w))
            .collect()
    };
    let wanted = |names: &crate::index::names::NameSet| -> Vec<bool> {
        items
            .macros
            .calls
            .iter()
            .map(|c| macros.call_matters(0, c, names, &hit))
            .collect()
    };
    assert_eq!(wanted(&names_of(&[])), [true, false, false]);
    assert_eq!(wanted(&names_of(&["begin_client"])), [true, false, true]);
    // Code the analysis walks names `Row`: the invocation that writes it matters.
    assert_eq!(wanted(&names_of(&["Row"])), [true, true, false]);
}
