//! The engine on crates written in the test: wrapper chains and helper
//! chains of any depth, cycles, loops to their fixed points, what is walked
//! and how often, and summaries plugged in from another crate.

use super::*;
use crate::config::Config;
use crate::event::{EventKind, Imp, LintFact};
use crate::index::collect::{collect_file, collect_syntax};
use crate::index::file::{impersonated_markers, FileCx, UseMap};
use crate::index::resolve::Manifest;
use crate::index::{Extra, FileItems, FileSyntax};
use crate::prefilter::Prefilter;
use crate::source::SourceFile;
use crate::walk::{Effect, NoExternal};
use std::path::PathBuf;

/// Analyses `src/lib.rs` holding `text`, with every function's syntax at
/// hand, walking every function or only the active ones, with `external`
/// summaries.
fn analyse_with(text: &str, walk_all: bool, external: &dyn ExternalSummaries) -> CrateAnalysis {
    let src = SourceFile {
        path: PathBuf::from("/t/src/lib.rs"),
        display: "src/lib.rs".to_string(),
        text: text.into(),
    };
    let ast = crate::parse::parse_file(&src).expect("the test's source parses");
    let hits = Prefilter::new(&Config::default()).match_starts(text);
    let files = vec![FileCx {
        uses: UseMap::build(&ast),
        module: Vec::new(),
        impersonated_markers: impersonated_markers(text),
        is_bin_root: false,
        item_ranges: Vec::new(),
        expansions: Vec::new(),
        unit_kinds: Vec::new(),
        macro_sites: Vec::new(),
        prefilter_hit: !hits.is_empty(),
        lines: Default::default(),
        src,
    }];
    let extra = Extra::default();
    let mut items: Vec<FileItems> = vec![collect_file(&files[0], &ast, &extra, &hits)];
    items[0].set_file(0);
    let syntax: Vec<Option<FileSyntax<'_>>> = vec![Some(collect_syntax(&files[0], &ast, &extra))];
    let n = items[0].fns.len();
    let ix = CrateIndex::build(
        &files,
        &items,
        &syntax,
        vec![None; n],
        &Manifest::default(),
        extra,
    );
    let facts = CrateFacts::scan(&ix, &items, &syntax);
    let macros = MacroArgs::collect([&ast], []);
    match analyze_crate(&ix, &facts, &macros, external, walk_all) {
        Analysis::Done(a) => a,
        Analysis::NeedSyntax { .. } => panic!("every function's syntax was given"),
    }
}

fn analyse(text: &str) -> CrateAnalysis {
    let a = analyse_with(text, false, &NoExternal);
    let all = analyse_with(text, true, &NoExternal);
    assert_eq!(
        a.events, all.events,
        "walking every function changes nothing"
    );
    assert_eq!(a.incomplete, all.incomplete);
    a
}

const PRELUDE: &str = "use windows::Win32::Foundation::HANDLE;\n\
    use windows::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};\n\n";

/// The thread-spawn events, with the state each was reached in and the
/// function it is in.
fn spawns(a: &CrateAnalysis) -> Vec<(String, Imp)> {
    a.events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Call { api, .. } if api.name == "spawn"))
        .map(|e| (e.function.clone(), e.state.imp))
        .collect()
}

/// `depth` wrappers stacked over `ImpersonateLoggedOnUser`, defined
/// outermost first when `reversed`, and a function that spawns a thread
/// after calling the outermost.
fn wrapper_chain(depth: usize, reversed: bool) -> String {
    let mut fns = vec!["pub fn w1(t: HANDLE) -> windows::core::Result<()> {\n    unsafe { ImpersonateLoggedOnUser(t) }\n}\n".to_string()];
    for i in 2..=depth {
        fns.push(format!(
            "pub fn w{i}(t: HANDLE) -> windows::core::Result<()> {{\n    w{}(t)\n}}\n",
            i - 1
        ));
    }
    if reversed {
        fns.reverse();
    }
    format!(
        "{PRELUDE}{}\npub fn serve(t: HANDLE) -> windows::core::Result<()> {{\n    w{depth}(t)?;\n    std::thread::spawn(|| {{}});\n    unsafe {{ RevertToSelf() }}\n}}\n",
        fns.join("\n")
    )
}

#[test]
fn a_wrapper_chain_of_any_depth_is_followed() {
    for depth in [1, 8, 9, 50] {
        for reversed in [false, true] {
            let a = analyse(&wrapper_chain(depth, reversed));
            assert_eq!(
                spawns(&a),
                vec![("serve".to_string(), Imp::Yes)],
                "{depth} wrappers"
            );
            // Callees first: each wrapper and `serve` summarised once
            // (two walks each), whatever order they are defined in.
            assert_eq!(a.summary_walks, 2 * (depth + 1), "{depth} wrappers");
            assert!(a.incomplete.is_empty());
        }
    }
}

#[test]
fn helpers_called_while_impersonating_are_followed_to_any_depth() {
    let depth = 50;
    let mut text = format!(
        "{PRELUDE}pub fn serve(t: HANDLE) -> windows::core::Result<()> {{\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    h1();\n    unsafe {{ RevertToSelf() }}\n}}\n"
    );
    for i in 1..depth {
        text += &format!("fn h{i}() {{\n    h{}();\n}}\n", i + 1);
    }
    text += &format!("fn h{depth}() {{\n    std::thread::spawn(|| {{}});\n}}\n");
    let a = analyse(&text);
    assert_eq!(spawns(&a), vec![(format!("h{depth}"), Imp::Yes)]);
    // Callers first: `serve` and each helper walked once.
    assert_eq!(a.entry_walks, depth + 1);
    let via = a
        .events
        .iter()
        .find(|e| e.function == format!("h{depth}"))
        .and_then(|e| e.state.via.clone())
        .expect("the region is inherited through a caller");
    assert_eq!(via.caller, format!("h{}", depth - 1));
}

#[test]
fn work_forwarded_through_closure_runners_runs_impersonated() {
    // `as_client` runs its closure impersonated; fifty layers forward their
    // closure parameter to the one below.
    let depth = 50;
    let mut text = format!(
        "{PRELUDE}fn as_client<T>(t: HANDLE, work: impl FnOnce() -> T) -> windows::core::Result<T> {{\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    let out = work();\n    unsafe {{ RevertToSelf() }}?;\n    Ok(out)\n}}\n\
        fn layer0<T>(t: HANDLE, work: impl FnOnce() -> T) -> windows::core::Result<T> {{\n    as_client(t, work)\n}}\n"
    );
    for i in 1..depth {
        text += &format!(
            "fn layer{i}<T>(t: HANDLE, work: impl FnOnce() -> T) -> windows::core::Result<T> {{\n    let w = work;\n    layer{}(t, w)\n}}\n",
            i - 1
        );
    }
    text += &format!(
        "pub fn export(t: HANDLE) -> windows::core::Result<()> {{\n    layer{}(t, || {{\n        std::thread::spawn(|| {{}});\n    }})\n}}\n",
        depth - 1
    );
    let a = analyse(&text);
    assert_eq!(spawns(&a), vec![("export".to_string(), Imp::No)]);
    // Forwarded under another name: not followed (a parameter is
    // recognised by its own name only), so no layer above runs it.
    let direct = text
        .replace("    let w = work;\n", "")
        .replace("(t, w)", "(t, work)");
    let a = analyse(&direct);
    assert_eq!(spawns(&a), vec![("export".to_string(), Imp::Yes)]);
    let runs = a.summaries.iter().filter(|s| s.runs_closure == [1]).count();
    assert_eq!(runs, depth + 1);
}

#[test]
fn a_helper_called_both_ways_may_impersonate() {
    let text = format!(
        "{PRELUDE}pub fn serve(t: HANDLE) -> windows::core::Result<()> {{\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    work();\n    unsafe {{ RevertToSelf() }}\n}}\npub fn idle() {{\n    work();\n}}\nfn work() {{\n    std::thread::spawn(|| {{}});\n}}\n"
    );
    assert_eq!(
        spawns(&analyse(&text)),
        vec![("work".to_string(), Imp::Maybe)]
    );
}

#[test]
fn recursion_reaches_its_fixed_point() {
    // A begin wrapper that retries through itself, and a pair of functions
    // that call each other while impersonating.
    let text = format!(
        "{PRELUDE}pub fn begin_retrying(t: HANDLE, n: u32) -> windows::core::Result<()> {{\n    if n == 0 {{\n        unsafe {{ ImpersonateLoggedOnUser(t) }}\n    }} else {{\n        begin_retrying(t, n - 1)\n    }}\n}}\n\
        pub fn serve(t: HANDLE) -> windows::core::Result<()> {{\n    begin_retrying(t, 3)?;\n    scan(1);\n    unsafe {{ RevertToSelf() }}\n}}\n\
        fn scan(d: u32) {{\n    if d > 0 {{\n        scan_below(d);\n    }}\n}}\n\
        fn scan_below(d: u32) {{\n    std::thread::spawn(|| {{}});\n    scan(d - 1);\n}}\n"
    );
    let a = analyse(&text);
    assert_eq!(spawns(&a), vec![("scan_below".to_string(), Imp::Yes)]);
    assert!(a.incomplete.is_empty());
}

#[test]
fn a_cycle_that_begins_and_reverts_settles() {
    // `serve` begins and hands over to `reconnect`, which reverts and
    // serves again: each function's summary depends on the other's.
    let text = format!(
        "{PRELUDE}pub fn serve(t: HANDLE, retry: bool) -> windows::core::Result<()> {{\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    std::thread::spawn(|| {{}});\n    if retry {{\n        return reconnect(t);\n    }}\n    unsafe {{ RevertToSelf() }}\n}}\n\
        fn reconnect(t: HANDLE) -> windows::core::Result<()> {{\n    unsafe {{ RevertToSelf() }}?;\n    std::thread::spawn(|| {{}});\n    serve(t, false)\n}}\n"
    );
    let a = analyse(&text);
    let mut s = spawns(&a);
    s.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        s,
        vec![
            ("reconnect".to_string(), Imp::No),
            ("serve".to_string(), Imp::Yes)
        ]
    );
    assert!(a.incomplete.is_empty());
}

#[test]
fn loops_iterate_to_their_fixed_point() {
    // The handle opened while impersonating moves one variable down the
    // chain per round: the eighth holds it only after eight rounds.
    let n = 8;
    let decl: String = (1..=n)
        .map(|i| format!("    let mut h{i} = HANDLE::default();\n"))
        .collect();
    let shift: String = (2..=n)
        .rev()
        .map(|i| format!("        h{i} = h{};\n", i - 1))
        .collect();
    let text = format!(
        "use windows::Win32::Foundation::HANDLE;\nuse windows::Win32::Security::RevertToSelf;\nuse windows::Win32::Storage::FileSystem::CreateFileW;\nuse windows::Win32::System::Pipes::ImpersonateNamedPipeClient;\n\n\
        pub fn rotate(pipe: HANDLE) -> HANDLE {{\n{decl}    unsafe {{ ImpersonateNamedPipeClient(pipe) }}.unwrap();\n    for _ in 0..3 {{\n{shift}        h1 = unsafe {{ CreateFileW(p, 0, 0, None, 0, 0, None) }}.unwrap();\n    }}\n    unsafe {{ RevertToSelf() }}.unwrap();\n    h{n}\n}}\n"
    );
    let a = analyse(&text);
    let escapes: Vec<&Event> = a
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Fact(LintFact::HandleEscape { name, .. }) if name == "h8"))
        .collect();
    assert_eq!(escapes.len(), 1, "{:#?}", a.events);
    assert!(a.incomplete.is_empty());
}

#[test]
fn loops_nested_past_the_round_budget_are_reported() {
    // Every level changes the state its inner loops start from, so the
    // rounds multiply with the depth: past the budget, an
    // `analysis_incomplete` at the loop where it ran out, never silence.
    let depth = 24;
    let mut body =
        "std::thread::spawn(|| {});\nunsafe { ImpersonateLoggedOnUser(t) }.unwrap();\n".to_string();
    for _ in 0..depth {
        body = format!("for _ in 0..2 {{\nunsafe {{ RevertToSelf() }}.unwrap();\n{body}}}\n");
    }
    let text = format!("{PRELUDE}pub fn deep(t: HANDLE) {{\n{body}}}\n");
    let a = analyse(&text);
    assert!(
        a.incomplete
            .iter()
            .any(|i| i.why == Why::Walk(Stop::LoopRounds) && i.function == "deep"),
        "{:?}",
        a.incomplete
    );
    let d = a.incomplete[0].diagnostic();
    assert_eq!(d.lint, builtin::ANALYSIS_INCOMPLETE);
    assert!(d.message.contains("`deep`"), "{}", d.message);
}

/// Another crate's summaries: one begin wrapper and one guard type.
struct Dependency;

impl ExternalSummaries for Dependency {
    fn function(&self, path: &[String]) -> Option<Summary> {
        (path.join("::") == "winsec::impersonate_client").then(|| Summary {
            effect: Effect::Begins,
            ret_kind: Some(crate::catalog::ResultKind::Result),
            ..Summary::default()
        })
    }

    fn lifecycle_names(&self) -> Vec<String> {
        vec!["impersonate_client".to_string()]
    }

    fn guard_types(&self) -> Vec<String> {
        vec!["winsec::ClientGuard".to_string()]
    }
}

#[test]
fn summaries_of_other_crates_plug_in() {
    let text = "use winsec::{impersonate_client, ClientGuard};\n\n\
        pub fn serve(pipe: u32) -> std::io::Result<()> {\n    impersonate_client(pipe)?;\n    std::thread::spawn(|| {});\n    Ok(())\n}\n\
        pub fn other(pipe: u32) -> std::io::Result<()> {\n    unrelated(pipe)?;\n    std::thread::spawn(|| {});\n    Ok(())\n}\n";
    let without = analyse_with(text, true, &NoExternal);
    assert!(spawns(&without).iter().all(|(_, imp)| *imp == Imp::No));
    for walk_all in [true, false] {
        let with = analyse_with(text, walk_all, &Dependency);
        let mut s = spawns(&with);
        s.sort_by(|a, b| a.0.cmp(&b.0));
        // Without walking every function, `other` is not walked at all:
        // it cannot begin (it calls nothing that does).
        let mut want = vec![("serve".to_string(), Imp::Yes)];
        if walk_all {
            want.insert(0, ("other".to_string(), Imp::No));
        }
        assert_eq!(s, want);
        assert!(with.guard_types.contains(&"ClientGuard".to_string()));
    }
}

#[test]
fn the_crates_summaries_come_out() {
    let a = analyse(&wrapper_chain(3, false));
    let begins = a
        .summaries
        .iter()
        .filter(|s| s.effect == Effect::Begins)
        .count();
    assert_eq!(begins, 3);
}

#[test]
fn the_docs_say_the_bounds() {
    let info = builtin::INFOS
        .iter()
        .find(|i| i.name == builtin::ANALYSIS_INCOMPLETE)
        .expect("described");
    for bound in [crate::walk::MAX_EXPR_DEPTH, crate::walk::MAX_LOOP_ROUNDS] {
        assert!(info.docs.contains(&bound.to_string()), "{bound}");
    }
}

#[test]
fn a_cycle_entered_impersonating_is_impersonating_whatever_the_order() {
    // `b` comes first in the file (and in the order of a component), but it
    // is only called by `a`, which is only called impersonating (and by `b`).
    for (first, second) in [("a", "b"), ("b", "a")] {
        let body = |name: &str| {
            match name {
            "a" => "fn a(d: u32) {\n    std::thread::spawn(|| {});\n    if d > 0 {\n        b(d - 1);\n    }\n}\n",
            _ => "fn b(d: u32) {\n    a(d);\n}\n",
        }
        };
        let text = format!(
            "{PRELUDE}{}{}pub fn serve(t: HANDLE) -> windows::core::Result<()> {{\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    a(3);\n    unsafe {{ RevertToSelf() }}\n}}\n",
            body(first),
            body(second)
        );
        assert_eq!(
            spawns(&analyse(&text)),
            vec![("a".to_string(), Imp::Yes)],
            "{first} first"
        );
    }
}

#[test]
fn recursion_only_other_crates_call_is_entered_not_impersonating() {
    // `crawl` calls itself and nothing else in the crate calls it: it is
    // entered from outside, not impersonating; `hash` below it is called
    // only inside the region, so it impersonates (not "maybe").
    let text = format!(
        "{PRELUDE}pub fn crawl(t: HANDLE, depth: u32) -> windows::core::Result<()> {{\n    std::thread::spawn(|| {{}});\n    unsafe {{ ImpersonateLoggedOnUser(t) }}?;\n    hash();\n    unsafe {{ RevertToSelf() }}?;\n    if depth > 0 {{\n        crawl(t, depth - 1)?;\n    }}\n    Ok(())\n}}\n\
        fn hash() {{\n    std::thread::spawn(|| {{}});\n}}\n"
    );
    let mut s = spawns(&analyse(&text));
    s.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        s,
        vec![
            ("crawl".to_string(), Imp::No),
            ("hash".to_string(), Imp::Yes)
        ]
    );
}
