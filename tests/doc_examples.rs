//! Examples are tests: every block of a lint's `### Example`, alone in a
//! crate, gives exactly one finding, of that lint; every block of its
//! `### Use instead` gives no finding at all (of any lint, built-in
//! diagnostics included). All failures are listed at once, with what was
//! found.

use imperlint_analyzer::config::Config;
use imperlint_analyzer::diag::Diagnostic;
use imperlint_analyzer::driver::{self, Options};
use imperlint_lints::registry::{doc_examples, LINTS};

/// Runs every lint over a fresh crate whose `src/lib.rs` is `code`.
fn analyse(code: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"doc_example\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("src/lib.rs"), code).unwrap();
    let opts = Options {
        paths: vec![root.to_path_buf()],
        root: root.to_path_buf(),
        jobs: Some(1),
        config: Config::default(),
        ..Options::default()
    };
    // A block that does not parse gives a `parse_error`, which fails both
    // requirements below.
    driver::run(&opts, LINTS).diagnostics
}

fn describe(diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return "      (nothing)\n".to_string();
    }
    diags
        .iter()
        .map(|d| {
            format!(
                "      {}:{}:{}: {} [{}]: {}\n",
                d.location.file, d.location.line, d.location.column, d.lint, d.level, d.message
            )
        })
        .collect()
}

#[test]
fn every_example_fires_once_and_every_fix_is_silent() {
    assert!(!LINTS.is_empty(), "no lint registered");
    let mut failures = String::new();
    for lint in LINTS {
        let info = lint.info;
        for heading in ["Example", "Use instead"] {
            let blocks = doc_examples(info, heading);
            if blocks.is_empty() {
                failures.push_str(&format!("`{}`, {heading}: no ```rust block\n", info.name));
            }
            for (i, code) in blocks.iter().enumerate() {
                let heading = format!("{heading} #{}", i + 1);
                let heading = heading.as_str();
                let diags = analyse(code);
                let example = heading.starts_with("Example");
                let ok = if example {
                    diags.len() == 1 && diags[0].lint == info.name
                } else {
                    diags.is_empty()
                };
                if !ok {
                    let wanted = if example {
                        format!("exactly one `{}` finding", info.name)
                    } else {
                        "no finding".to_string()
                    };
                    failures.push_str(&format!(
                        "`{}`, {heading}: wanted {wanted}, found {}:\n{}",
                        info.name,
                        diags.len(),
                        describe(&diags)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "doc examples do not behave as documented:\n{failures}"
    );
}

#[test]
fn the_harness_sees_a_finding_and_a_parse_error() {
    // Guards the test itself: an ignored revert while impersonating is one
    // finding, and code that does not parse is not taken for a silent fix.
    let diags = analyse(
        "use windows_sys::Win32::Foundation::HANDLE;\n\
         use windows_sys::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};\n\n\
         pub fn serve(token: HANDLE) -> bool {\n\
         \x20   if unsafe { ImpersonateLoggedOnUser(token) } == 0 {\n\
         \x20       return false;\n\
         \x20   }\n\
         \x20   unsafe { RevertToSelf() };\n\
         \x20   true\n\
         }\n",
    );
    assert_eq!(diags.len(), 1, "{}", describe(&diags));
    assert_eq!(diags[0].lint, "unchecked_revert");
    assert_eq!(diags[0].location.line, 8);
    let broken = analyse("pub fn f( {\n");
    assert!(
        broken.iter().any(|d| d.lint == "parse_error"),
        "{}",
        describe(&broken)
    );
}
