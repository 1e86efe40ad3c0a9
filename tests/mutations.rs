//! Property tests: generated and mutated Rust through `driver::run`. No input
//! may panic the analysis (the driver would turn a panic into an
//! `internal_error`, which fails the property) or abort the process (a stack
//! overflow ends the test binary). Mutations start from the fixture sources,
//! which exercise every lint: token ranges deleted, duplicated and swapped,
//! braces inserted, the file truncated. Generated programs combine begins,
//! reverts, guards, closures, loops, `?`, `.await` and the hazard calls in
//! random nestings. `PROPTEST_CASES` raises the number of cases.

mod support;

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::builtin;
use imperlint_analyzer::driver::{self, Options};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Every fixture source, read once.
fn fixture_sources() -> &'static [String] {
    static SOURCES: OnceLock<Vec<String>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let mut out: Vec<String> = support::fixture_sources()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        out.sort();
        out
    })
}

/// Splits source into tokens: identifier/number runs, whitespace runs, and
/// single other characters. Joining them gives the text back.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in 0..chars.len() {
        let (i, c) = chars[w];
        let next = chars.get(w + 1);
        let end = next.map_or(text.len(), |n| n.0);
        let same = next.is_some_and(|n| class(n.1) == class(c) && class(c) != 2);
        if !same {
            out.push(&text[start..end]);
            start = end;
        }
        let _ = i;
    }
    out
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: f64, len: usize },
    Duplicate { at: f64, len: usize },
    Swap { a: f64, b: f64, len: usize },
    InsertBrace { at: f64, brace: char },
    Truncate { at: f64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        (at.clone(), 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at.clone(), 1..40usize).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (at.clone(), at.clone(), 1..20usize).prop_map(|(a, b, len)| Mutation::Swap { a, b, len }),
        (
            at.clone(),
            prop::sample::select(vec!['{', '}', '(', ')', '[', ']'])
        )
            .prop_map(|(at, brace)| Mutation::InsertBrace { at, brace }),
        at.prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(str::to_string).collect();
    let idx = |f: f64, n: usize| ((f * n as f64) as usize).min(n.saturating_sub(1));
    for m in muts {
        let n = toks.len();
        if n == 0 {
            break;
        }
        match *m {
            Mutation::Delete { at, len } => {
                let i = idx(at, n);
                toks.drain(i..(i + len).min(n));
            }
            Mutation::Duplicate { at, len } => {
                let i = idx(at, n);
                let copy: Vec<String> = toks[i..(i + len).min(n)].to_vec();
                toks.splice(i..i, copy);
            }
            Mutation::Swap { a, b, len } => {
                let (mut i, mut j) = (idx(a, n), idx(b, n));
                if i > j {
                    std::mem::swap(&mut i, &mut j);
                }
                let len = len.min(j - i).min(n - j);
                for k in 0..len {
                    toks.swap(i + k, j + k);
                }
            }
            Mutation::InsertBrace { at, brace } => toks.insert(idx(at, n), brace.to_string()),
            Mutation::Truncate { at } => toks.truncate(idx(at, n)),
        }
    }
    toks.concat()
}

/// Generated statements over the APIs that move the impersonation state.
fn statement() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "unsafe { ImpersonateLoggedOnUser(token) };",
        "if unsafe { ImpersonateLoggedOnUser(token) } == 0 { return Err(()); }",
        "unsafe { ImpersonateNamedPipeClient(pipe) }.ok()?;",
        "unsafe { RevertToSelf() };",
        "if unsafe { RevertToSelf() } == 0 { std::process::abort(); }",
        "let _guard = Guard::begin(token)?;",
        "let _ = Guard::begin(token);",
        "drop(_guard);",
        "std::thread::spawn(|| work());",
        "tokio::spawn(async move { work() });",
        "some_future().await;",
        "let key = HKEY_CURRENT_USER;",
        "std::process::Command::new(\"cmd\").spawn()?;",
        "CACHE.get_or_init(|| load());",
        "let h = unsafe { CreateFileW(name, 0, 0, null(), 3, 0, 0) };",
        "unsafe { CloseHandle(h) };",
        "return Ok(());",
        "break;",
        "continue;",
        "helper(token)?;",
        "as_client(token, || work());",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(4, 48, 6, |inner| {
        let block = prop::collection::vec(inner, 0..5).prop_map(|v| v.join("\n"));
        prop_oneof![
            block
                .clone()
                .prop_map(|b| format!("if ready() {{\n{b}\n}}")),
            (block.clone(), block.clone())
                .prop_map(|(a, b)| format!("if ready() {{\n{a}\n}} else {{\n{b}\n}}")),
            block.clone().prop_map(|b| format!("loop {{\n{b}\n}}")),
            block
                .clone()
                .prop_map(|b| format!("for _ in 0..3 {{\n{b}\n}}")),
            block
                .clone()
                .prop_map(|b| format!("match step() {{ Ok(_) => {{\n{b}\n}} Err(_) => {{}} }}")),
            block
                .clone()
                .prop_map(|b| format!("(|| -> Result<(), ()> {{\n{b}\nOk(())\n}})()?;")),
            block
                .clone()
                .prop_map(|b| format!("let _ = async {{\n{b}\n}};")),
            block.prop_map(|b| format!("'outer: {{\n{b}\n}}")),
        ]
    })
}

fn generated_file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::collection::vec(statement(), 0..6),
            any::<bool>(),
            any::<bool>(),
        ),
        1..4,
    )
    .prop_map(|fns| {
        let mut s = String::from(
            "use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, ImpersonateNamedPipeClient, RevertToSelf};\n\
             use windows_sys::Win32::Foundation::CloseHandle;\n\
             use windows_sys::Win32::Storage::FileSystem::CreateFileW;\n\
             use windows_sys::Win32::System::Registry::HKEY_CURRENT_USER;\n\
             static CACHE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();\n\
             pub struct Guard;\n\
             impl Guard { pub fn begin(t: isize) -> Result<Guard, ()> { if unsafe { ImpersonateLoggedOnUser(t) } == 0 { return Err(()); } Ok(Guard) } }\n\
             impl Drop for Guard { fn drop(&mut self) { unsafe { RevertToSelf() }; } }\n\
             fn as_client<F: FnOnce()>(t: isize, f: F) { unsafe { ImpersonateLoggedOnUser(t) }; f(); unsafe { RevertToSelf() }; }\n\
             fn helper(t: isize) -> Result<(), ()> { if unsafe { ImpersonateLoggedOnUser(t) } == 0 { return Err(()); } Ok(()) }\n",
        );
        for (i, (body, is_async, marked)) in fns.into_iter().enumerate() {
            if marked {
                s.push_str("// imperlint: impersonated\n");
            }
            let asyncness = if is_async { "async " } else { "" };
            s.push_str(&format!(
                "pub {asyncness}fn f{i}(token: isize, pipe: isize) -> Result<(), ()> {{\n{}\nOk(())\n}}\n",
                body.join("\n")
            ));
        }
        s
    })
}

/// Runs the driver on `text` as a crate's only file; fails on any internal
/// error, or when walking every function (`walk_all`) finds something else
/// than walking only those that can lead to a finding.
fn check(text: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"m\"\n").unwrap();
    std::fs::write(root.join("src/lib.rs"), text).unwrap();
    let mut opts = Options {
        paths: vec![root.clone()],
        root,
        jobs: Some(1),
        config: Config::default(),
        ..Options::default()
    };
    let outcome = driver::run(&opts, imperlint_lints::registry::LINTS);
    opts.walk_all = true;
    let all = driver::run(&opts, imperlint_lints::registry::LINTS);
    prop_assert_eq!(
        format!("{:?}", outcome.diagnostics),
        format!("{:?}", all.diagnostics),
        "walking every function changes the result on:\n{}",
        text
    );
    let internal: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.lint == builtin::INTERNAL_ERROR)
        .map(|d| d.message.clone())
        .collect();
    prop_assert!(
        outcome.internal_errors == 0 && internal.is_empty(),
        "internal error on:\n{text}\n{internal:?}"
    );
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_fixtures_never_crash_the_analysis(
        which in 0..1000usize,
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let sources = fixture_sources();
        let text = apply(&sources[which % sources.len()], &muts);
        check(&text)?;
    }

    #[test]
    fn generated_programs_never_crash_the_analysis(text in generated_file()) {
        check(&text)?;
    }
}

#[test]
fn tokens_join_back_to_the_text() {
    for s in fixture_sources().iter().take(5) {
        assert_eq!(tokens(s).concat(), *s);
    }
}
