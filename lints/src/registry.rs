//! The registry: every lint, sorted by name (the list is `lints!` in
//! `lib.rs`), and lookup by name. It also reads the code examples out of a
//! lint's docs, for the tests that run them through the analyzer. It does
//! not decide levels (configuration does) nor run lints (the analyzer does).

use crate::{Lint, LintInfo};

pub use crate::LINTS;

/// The lint called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Lint> {
    LINTS
        .binary_search_by(|lint| lint.info.name.cmp(name))
        .ok()
        .map(|i| LINTS[i])
}

/// The code of the first ```` ```rust ```` block in the docs section
/// `heading` (`"Example"` or `"Use instead"`). `None` when the section or its
/// block is missing.
pub fn doc_example(info: &LintInfo, heading: &str) -> Option<String> {
    doc_examples(info, heading).into_iter().next()
}

/// The code of every ```` ```rust ```` block in the docs section `heading`,
/// in order: a lint that reads several shapes shows each one (every block
/// of `Example` fires once, every block of `Use instead` is silent).
pub fn doc_examples(info: &LintInfo, heading: &str) -> Vec<String> {
    let Some(section) = info.section(heading) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut code: Option<String> = None;
    for line in section.lines() {
        match (&mut code, line.trim_end()) {
            (None, "```rust") => code = Some(String::new()),
            (Some(_), "```") => out.extend(code.take()),
            (Some(c), _) => {
                c.push_str(line);
                c.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{doc_example, find, LINTS};
    use crate::test_support::{api, event, impersonating, loc, run};
    use crate::Level;
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{
        CallFacts, Check, Escape, EventKind, ExitKind, LintFact, StateInfo, Trigger,
    };
    use std::path::{Path, PathBuf};

    const SECTIONS: [&str; 6] = [
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
        "Known problems",
        "References",
    ];

    fn src_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    #[test]
    fn sorted_unique_and_findable() {
        for pair in LINTS.windows(2) {
            assert!(
                pair[0].info.name < pair[1].info.name,
                "`{}` must come before `{}`",
                pair[1].info.name,
                pair[0].info.name
            );
        }
        for lint in LINTS {
            assert!(std::ptr::eq(find(lint.info.name).unwrap(), *lint));
        }
        assert!(find("no_such_lint").is_none());
    }

    #[test]
    fn names_are_snake_case_file_stems() {
        for lint in LINTS {
            let name = lint.info.name;
            assert!(
                name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !name.contains("__")
                    && !name.ends_with('_'),
                "`{name}` is not snake_case"
            );
            assert!(
                src_dir().join(format!("{name}.rs")).is_file(),
                "no file lints/src/{name}.rs"
            );
        }
    }

    #[test]
    fn every_lint_file_is_registered() {
        for entry in std::fs::read_dir(src_dir()).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            // Every `.rs` file beside `lib.rs` and `registry.rs` is a lint; the
            // generated pages live in the folder `docs/`.
            let not_a_lint = ["lib", "registry"].contains(&stem.as_str());
            if path.extension().is_some_and(|e| e == "rs") && !not_a_lint {
                assert!(
                    find(&stem).is_some(),
                    "lints/src/{stem}.rs is not in the registry"
                );
            }
        }
    }

    #[test]
    fn docs_have_the_sections_in_order() {
        for lint in LINTS {
            let info = lint.info;
            let headings: Vec<&str> = info
                .docs
                .lines()
                .filter_map(|line| line.strip_prefix("### "))
                .collect();
            assert_eq!(headings, SECTIONS, "sections of `{}`", info.name);
            for heading in SECTIONS {
                let text = info.section(heading).unwrap();
                assert!(!text.is_empty(), "`{}`: empty section {heading}", info.name);
            }
            assert!(
                info.section("References").unwrap().contains("](https://"),
                "`{}`: References cite no link",
                info.name
            );
        }
    }

    #[test]
    fn example_and_fix_hold_whole_rust_blocks() {
        for lint in LINTS {
            let info = lint.info;
            for heading in ["Example", "Use instead"] {
                let section = info.section(heading).unwrap();
                let fences: Vec<&str> = section
                    .lines()
                    .filter(|line| line.trim_start().starts_with("```"))
                    .collect();
                assert!(!fences.is_empty(), "`{}`, {heading}: no block", info.name);
                for pair in fences.chunks(2) {
                    assert_eq!(pair, ["```rust", "```"], "`{}`, {heading}", info.name);
                }
                let blocks = super::doc_examples(info, heading);
                assert_eq!(blocks.len() * 2, fences.len());
                for code in blocks {
                    assert!(
                        code.contains("use "),
                        "`{}`, {heading}: no imports",
                        info.name
                    );
                }
            }
            for heading in [
                "What it does",
                "Why is this bad?",
                "Known problems",
                "References",
            ] {
                assert!(
                    !info.section(heading).unwrap().contains("```"),
                    "`{}`: code block in {heading}",
                    info.name
                );
            }
        }
    }

    #[test]
    fn summaries_and_severities_follow_the_house_style() {
        for lint in LINTS {
            let info = lint.info;
            let summary = info.summary;
            assert!(
                summary.starts_with(|c: char| c.is_lowercase() || c == '`'),
                "`{}`: summary must start lower-case",
                info.name
            );
            assert!(
                !summary.ends_with('.'),
                "`{}`: summary ends with a period",
                info.name
            );
            let severity: f64 = info.security_severity.parse().unwrap();
            match info.default_level {
                Level::Deny => assert!((8.0..=8.8).contains(&severity), "`{}`", info.name),
                Level::Warn => assert!((5.0..=7.5).contains(&severity), "`{}`", info.name),
                Level::Allow => panic!("`{}` is allowed by default", info.name),
            }
        }
    }

    #[test]
    fn each_fact_is_read_by_exactly_one_lint() {
        for fact in lint_facts() {
            let event = event(EventKind::Fact(fact.clone()), impersonating());
            let readers: Vec<&str> = LINTS
                .iter()
                .filter(|lint| !run(lint, &event).is_empty())
                .map(|lint| lint.info.name)
                .collect();
            assert_eq!(readers.len(), 1, "{fact:?} is read by {readers:?}");
        }
    }

    /// The prefilter's soundness, from the lints' side: a lint reports an
    /// event outside an impersonated region only when the event names its
    /// own trigger (see `Trigger`), and every trigger is one the prefilter
    /// searches for.
    #[test]
    fn findings_outside_a_region_have_a_trigger_the_prefilter_knows() {
        for event in all_events(StateInfo::default()) {
            let trigger = event.kind.trigger();
            assert!(Trigger::ALL.contains(&trigger), "{trigger:?}");
            for lint in LINTS {
                if !run(lint, &event).is_empty() {
                    assert_ne!(
                        trigger,
                        Trigger::Impersonating,
                        "`{}` reports {:?} while not impersonating, but the event's \
                         trigger says it matters only while impersonating",
                        lint.info.name,
                        event.kind
                    );
                }
            }
        }
        for event in all_events(impersonating()) {
            assert!(Trigger::ALL.contains(&event.kind.trigger()));
        }
    }

    /// How the calls of [`all_events`] are written (their catalog name is `Call`).
    const WRITTEN: &str = "svc::Worker::call_as_written";

    #[test]
    fn calls_and_pipe_opens_are_named_as_written() {
        for event in all_events(impersonating()) {
            for lint in LINTS {
                for diag in run(lint, &event) {
                    let written = match &event.kind {
                        EventKind::Call { .. } => WRITTEN,
                        EventKind::Fact(LintFact::PipeOpenWithoutSqos { written, .. }) => written,
                        _ => continue,
                    };
                    assert!(
                        diag.message.contains(&format!("`{written}")),
                        "`{}` does not name the call as written: {}",
                        lint.info.name,
                        diag.message
                    );
                }
            }
        }
    }

    /// One event of every kind the lints read, in `state`.
    fn all_events(state: StateInfo) -> Vec<imperlint_analyzer::event::Event> {
        let facts = CallFacts {
            written: Some(WRITTEN.to_string()),
            null_token: true,
            env_var: Some("APPDATA".to_string()),
            flags_arg: Some(loc(10)),
            flags_text: Some("0".to_string()),
            ..CallFacts::default()
        };
        let roles = [
            Role::ThreadSpawn,
            Role::ScopedThreadSpawn,
            Role::PoolSubmit,
            Role::AsyncSpawn,
            Role::ProcessCreate,
            Role::WindowMessage,
            Role::ProfileWithToken,
            Role::ProfileLookup,
            Role::EnvRead,
        ];
        let mut kinds: Vec<EventKind> = roles
            .iter()
            .map(|&role| EventKind::Call {
                api: api("Call", role),
                facts: facts.clone(),
            })
            .collect();
        for check in [Check::Dropped, Check::UnusedVariable, Check::DebugOnly] {
            kinds.push(EventKind::Begin {
                api: "ImpersonateLoggedOnUser".to_string(),
                check,
                saved: false,
            });
            for in_drop in [false, true] {
                kinds.push(EventKind::End {
                    api: "RevertToSelf".to_string(),
                    check,
                    in_drop,
                });
            }
        }
        for kind in [
            ExitKind::Return,
            ExitKind::Question,
            ExitKind::Break,
            ExitKind::EndOfBody,
        ] {
            for is_async in [false, true] {
                kinds.push(EventKind::Exit {
                    kind,
                    is_main: false,
                    is_async,
                    begin_wrapper: false,
                });
            }
        }
        kinds.extend([
            EventKind::Await,
            EventKind::PathUse {
                api: api("HKEY_CURRENT_USER", Role::PerUserRegistryRoot),
            },
        ]);
        kinds.extend(lint_facts().into_iter().map(EventKind::Fact));
        kinds
            .into_iter()
            .map(|kind| event(kind, state.clone()))
            .collect()
    }

    /// One fact of every kind of the facts table.
    fn lint_facts() -> Vec<LintFact> {
        vec![
            LintFact::FailOpenGuard {
                guard: "Guard".to_string(),
            },
            LintFact::HandleUseAfterRevert {
                open: loc(3),
                name: "file".to_string(),
            },
            LintFact::HandleEscape {
                open: loc(3),
                name: "file".to_string(),
                how: Escape::Returned,
            },
            LintFact::CacheWrite {
                cache: "CACHE".to_string(),
                declared: loc(1),
            },
            LintFact::TokenStore {
                open: loc(3),
                name: "token".to_string(),
                how: Escape::StoredInField,
            },
            LintFact::SendGuard {
                guard: "Guard".to_string(),
                why: "it has no fields".to_string(),
            },
            LintFact::ComWithoutCloaking {
                call: "CoCreateInstance".to_string(),
                setup: Some(loc(1)),
            },
            LintFact::DelegationRequested {
                constant: "SecurityDelegation".to_string(),
            },
            LintFact::PipeOpenWithoutSqos {
                api: api("CreateFileW", Role::PipeClientOpen),
                written: "windows::Win32::Storage::FileSystem::CreateFileW".to_string(),
                evidence: imperlint_analyzer::event::PipeEvidence::Path,
            },
        ]
    }

    fn check_style(lint: &str, what: &str, text: &str) {
        assert!(!text.is_empty(), "`{lint}`: empty {what}");
        assert!(
            text.starts_with(|c: char| c.is_lowercase() || c == '`'),
            "`{lint}`: {what} must start lower-case: {text}"
        );
        assert!(
            !text.ends_with('.'),
            "`{lint}`: {what} ends with a period: {text}"
        );
        assert_eq!(
            text.matches('`').count() % 2,
            0,
            "`{lint}`: unbalanced backticks: {text}"
        );
    }

    #[test]
    fn every_lint_fires_on_some_event_and_words_it_in_house_style() {
        let events = all_events(impersonating());
        for lint in LINTS {
            let mut fired = 0;
            for event in &events {
                for diag in run(lint, event) {
                    fired += 1;
                    check_style(lint.info.name, "message", &diag.message);
                    check_style(lint.info.name, "label", &diag.label);
                    check_style(lint.info.name, "help", diag.help.as_deref().unwrap_or(""));
                    for related in &diag.related {
                        check_style(lint.info.name, "related message", &related.message);
                    }
                    if let Some(fix) = &diag.fix {
                        check_style(lint.info.name, "fix description", &fix.description);
                    }
                }
            }
            assert!(fired > 0, "`{}` fires on no event", lint.info.name);
        }
    }

    #[test]
    fn docs_lose_the_doc_comment_indent() {
        let docs = crate::token_hoarding::LINT.info.docs;
        assert!(docs.starts_with("### What it does\n"));
        assert!(!docs.lines().any(|line| line.starts_with(" ###")));
        let code = doc_example(crate::token_hoarding::LINT.info, "Use instead").unwrap();
        assert!(code.starts_with("use windows::core::"));
        assert!(code.contains("\n    let mut token = HANDLE::default();\n"));
        assert!(code.ends_with("}\n"));
    }
}
