//! The short format: one line per diagnostic, `file:line:col:
//! level[lint]: message`, as rustc and cargo print with
//! `--message-format short` (grep-able, for editors' quickfix lists and
//! terse logs), then the same closing summary as the human format. It owns
//! only that line's shape.

use super::{human, Counts, EmitContext};
use crate::diag::{Diagnostic, Level};

pub(super) fn render(diags: &[Diagnostic], cx: &EmitContext) -> String {
    let mut out = String::new();
    for diag in diags {
        let level = match diag.level {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "note",
        };
        // Escaped as the human format does: a name or message from the
        // tree cannot start a line of its own or drive the terminal.
        out.push_str(&format!(
            "{}: {level}[{}]: {}\n",
            human::escape(&diag.location.to_string()),
            diag.lint,
            human::escape(&diag.message)
        ));
    }
    if let Some(run) = cx.summary {
        out.push_str(&human::summary(Counts::of(diags), run));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;

    #[test]
    fn one_line_per_diagnostic_then_the_summary() {
        let diags = testing::diagnostics();
        let out = testing::with_context(|cx| render(&diags, cx));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "src/lib.rs:2:5: error[unchecked_impersonation]: result of `ImpersonateLoggedOnUser` is not checked",
                "src/lib.rs:3:5: warning[thread_spawn_while_impersonating]: `std::thread::spawn` while impersonating",
                "src/my dir/überprüfung.rs:2:13: error[unchecked_impersonation]: result of `ImpersonateSelf` is not checked",
                "src/gone.rs:1:1: error[io_error]: cannot read `src/gone.rs`: permission denied",
            ]
        );
        assert_eq!(lines[5], "3 errors, 1 warning");
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut diags = testing::diagnostics();
        diags.truncate(1);
        diags[0].location.file = "src/a\n::error::x\u{1b}[2J.rs".into();
        diags[0].message = "bad\r::add-mask::y".into();
        let out = testing::with_context(|cx| render(&diags, cx));
        assert!(
            out.starts_with("src/a\\u{a}::error::x\\u{1b}[2J.rs:2:5: error[unchecked_impersonation]: bad\\u{d}::add-mask::y\n"),
            "{out}"
        );
    }
}
