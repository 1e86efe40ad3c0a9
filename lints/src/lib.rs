//! imperlint's lints. Each lint is one file named after it: its documentation
//! (declared once with [`declare_lint!`]) and a `check` function that turns
//! analyzer events into diagnostics. Lints hold no state and know nothing of
//! syntax; the analyzer's model tells them what runs impersonated.

pub use imperlint_analyzer::diag::{Level, LintInfo};
pub use imperlint_analyzer::lint::{Lint, Sink};

/// Declares a lint's public description. The doc comment is the lint's docs
/// (sections `### What it does`, `### Why is this bad?`, `### Example`,
/// `### Use instead`, `### Known problems`, `### References`), shown by
/// `imperlint explain`, in SARIF `help` and in the README. As rustdoc does,
/// the space that follows `///` is removed from every line, at compile time,
/// so the docs are plain Markdown with headings and fences at column 0.
#[macro_export]
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub $NAME:ident = $name:literal,
        level: $level:ident,
        summary: $summary:literal,
        security_severity: $sev:literal $(,)?
    ) => {
        pub static $NAME: $crate::LintInfo = $crate::LintInfo {
            name: $name,
            default_level: $crate::Level::$level,
            summary: $summary,
            docs: {
                const RAW: &str = concat!($($doc, "\n"),*);
                const DOCS: [u8; $crate::unindent::len(RAW)] = $crate::unindent::strip(RAW);
                match ::core::str::from_utf8(&DOCS) {
                    Ok(docs) => docs,
                    Err(_) => panic!("lint docs are not UTF-8"),
                }
            },
            security_severity: $sev,
        };
    };
}

/// Compile-time removal of the one-space indent that `///` leaves on each
/// line, for [`declare_lint!`]. Only a space at the start of a line is
/// removed, so the result stays valid UTF-8.
#[doc(hidden)]
pub mod unindent {
    /// The length of `raw` once each line's leading space is removed.
    pub const fn len(raw: &str) -> usize {
        let bytes = raw.as_bytes();
        let (mut i, mut len, mut line_start) = (0, 0, true);
        while i < bytes.len() {
            if !(line_start && bytes[i] == b' ') {
                len += 1;
            }
            line_start = bytes[i] == b'\n';
            i += 1;
        }
        len
    }

    /// `raw` with each line's leading space removed; `N` is [`len`]`(raw)`.
    pub const fn strip<const N: usize>(raw: &str) -> [u8; N] {
        let bytes = raw.as_bytes();
        let mut out = [0u8; N];
        let (mut i, mut j, mut line_start) = (0, 0, true);
        while i < bytes.len() {
            if !(line_start && bytes[i] == b' ') {
                out[j] = bytes[i];
                j += 1;
            }
            line_start = bytes[i] == b'\n';
            i += 1;
        }
        out
    }
}

/// The one list of lints. Each entry `name` is the file `lints/src/name.rs`
/// (its docs, declared with [`declare_lint!`], and `pub static LINT`), and
/// this list makes its module and its place in [`registry::LINTS`]; every
/// count, table and page derives from that. Sorted by name (a test checks).
macro_rules! lints {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*

        /// Every lint, sorted by name: the list [`lints!`] declares.
        pub static LINTS: &[&Lint] = &[$(&$name::LINT),*];
    };
}

lints! {
    com_call_without_cloaking,
    create_process_while_impersonating,
    excessive_impersonation_level,
    handle_outlives_impersonation,
    hkcu_while_impersonating,
    identity_blind_cache,
    impersonation_across_await,
    missing_revert,
    nested_impersonation,
    pool_work_without_transfer,
    process_profile_while_impersonating,
    send_impersonation_guard,
    thread_spawn_while_impersonating,
    token_hoarding,
    unchecked_impersonation,
    unchecked_revert,
    window_message_while_impersonating,
}

pub mod docs;
pub mod registry;

/// Builders for the lints' unit tests: events in a chosen state, run through
/// one lint, with the diagnostics it reports.
#[cfg(test)]
pub(crate) mod test_support {
    use imperlint_analyzer::catalog::{Api, Args, Family, ResultKind, Role};
    use imperlint_analyzer::diag::{Diagnostic, Level, Location};
    use imperlint_analyzer::event::{Event, EventKind, Imp, StateInfo};

    use crate::{Lint, Sink};

    /// A location on `line` of `src/lib.rs`.
    pub fn loc(line: u32) -> Location {
        Location {
            file: "src/lib.rs".to_string(),
            line,
            column: 5,
            end_line: line,
            end_column: 20,
            byte_start: line as usize * 100,
            byte_end: line as usize * 100 + 15,
        }
    }

    /// Impersonating on every path, begun in this function by
    /// `ImpersonateNamedPipeClient` on line 2, without a guard.
    pub fn impersonating() -> StateInfo {
        StateInfo {
            imp: Imp::Yes,
            began: Some(loc(2)),
            began_by: Some("ImpersonateNamedPipeClient".to_string()),
            guarded: false,
            local: true,
            via: None,
        }
    }

    /// Not impersonating.
    pub fn reverted() -> StateInfo {
        StateInfo::default()
    }

    /// A catalog entry for tests (leaked: events hold `&'static Api`).
    pub fn api(name: &'static str, role: Role) -> &'static Api {
        Box::leak(Box::new(Api {
            name,
            family: Family::Win32,
            role,
            result: ResultKind::Bool,
            args: Args::default(),
        }))
    }

    /// An event on line 10 of `serve`.
    pub fn event(kind: impl Into<EventKind>, state: StateInfo) -> Event {
        Event {
            kind: kind.into(),
            location: loc(10),
            state,
            function: "serve".to_string(),
        }
    }

    /// What `lint` reports for `event`, at the lint's default level.
    pub fn run(lint: &Lint, event: &Event) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut sink = Sink {
            info: lint.info,
            level: lint.info.default_level,
            out: &mut out,
        };
        (lint.check)(event, &mut sink);
        for diag in &out {
            assert_eq!(diag.lint, lint.info.name);
            assert_ne!(diag.level, Level::Allow);
        }
        out
    }
}
