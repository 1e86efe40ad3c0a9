//! The github format: one GitHub Actions workflow command per diagnostic
//! (`::error file=..,line=..::message`), which the runner turns into an
//! annotation on the pull request's diff. This module owns the command
//! syntax and its escaping rules (those of `@actions/core`: `%`, CR and LF in
//! the message; those plus `:` and `,` in properties). Paths are printed as
//! the diagnostics carry them, which is what GitHub wants when the run is
//! rooted at the repository's top.

use crate::diag::{Diagnostic, Level};

pub(super) fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diag in diags {
        out.push_str(&command(diag));
        out.push('\n');
    }
    out
}

fn command(diag: &Diagnostic) -> String {
    let kind = match diag.level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "notice",
    };
    let location = &diag.location;
    let properties = [
        ("file", location.file.clone()),
        ("line", location.line.to_string()),
        ("col", location.column.to_string()),
        ("endLine", location.end_line.to_string()),
        ("endColumn", location.end_column.to_string()),
        ("title", format!("imperlint ({})", diag.lint)),
    ];
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();

    let mut message = diag.message.clone();
    for related in &diag.related {
        message.push_str(&format!(
            "\nnote: {} ({})",
            related.message, related.location
        ));
    }
    for note in &diag.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diag.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// A command's message: `%`, CR and LF are percent-encoded.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command property's value: as [`escape_data`], plus `:` and `,`, which
/// would otherwise end the value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;

    #[test]
    fn one_command_per_diagnostic() {
        let out = render(&testing::diagnostics());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "::error file=src/lib.rs,line=2,col=5,endLine=2,endColumn=35,\
             title=imperlint (unchecked_impersonation)::\
             result of `ImpersonateLoggedOnUser` is not checked\
             %0Anote: on failure the thread keeps running as the service\
             %0Ahelp: check the result: `ImpersonateLoggedOnUser(token)?`"
        );
        assert!(lines[1].starts_with(
            "::warning file=src/lib.rs,line=3,col=5,endLine=3,endColumn=23,\
             title=imperlint (thread_spawn_while_impersonating)::"
        ));
        assert!(
            lines[1].contains("%0Anote: impersonation begins here (src/lib.rs:2:5)%0A"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("::error file=src/my dir/überprüfung.rs,line=2,col=13,"));
        assert!(out.ends_with('\n'));
        assert_eq!(render(&[]), "");
    }

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        let mut diag = testing::diagnostics().remove(3);
        diag.location.file = "odd,name:1.rs".into();
        diag.message = "50% of\nlines".into();
        assert_eq!(
            command(&diag),
            "::error file=odd%2Cname%3A1.rs,line=1,col=1,endLine=1,endColumn=1,\
             title=imperlint (io_error)::50%25 of%0Alines"
        );
    }

    #[test]
    fn allow_level_is_a_notice() {
        let mut diag = testing::diagnostics().remove(3);
        diag.level = Level::Allow;
        assert!(command(&diag).starts_with("::notice file="));
    }
}
