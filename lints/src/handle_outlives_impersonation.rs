//! `handle_outlives_impersonation`: a handle opened while impersonating that is used after the revert or escapes the region.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a handle (file, registry key, process, thread, pipe) opened
    /// while the thread impersonates a client and then either used after the
    /// revert, or escaping the region: returned, stored in a field, a static
    /// or a collection, or moved to another thread. Closing or dropping the
    /// handle is not a use. The open is shown as a related location.
    ///
    /// ### Why is this bad?
    /// Windows checks access once, when a handle is opened, against the token
    /// in force at that moment, and records what was granted in the handle.
    /// Every later use goes through without another check, whoever the thread
    /// is by then. Keith Brown compares handles to pre-authorised sessions:
    /// one opened as Alice keeps Alice's access after the revert, and any
    /// other thread or later request of the process that gets hold of it can
    /// use it. A handle kept past the request, stored in the server's state or
    /// handed elsewhere, lets the next client, or the service, act with the
    /// previous client's rights; if it is never closed it may be picked up
    /// when the next user connects.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs::File;
    /// use std::io::{self, Read};
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Reads a file the pipe's client names, with the client's access.
    /// pub fn read_for_client(pipe: HANDLE, path: &Path) -> io::Result<String> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let file = File::open(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     // This code runs as the service, with a handle that carries the client's access.
    ///     let mut text = String::new();
    ///     file?.read_to_string(&mut text)?;
    ///     Ok(text)
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Reads a file the pipe's client names, with the client's access.
    /// pub fn read_for_client(pipe: HANDLE, path: &Path) -> io::Result<String> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // Opened, read and closed while the client is impersonated.
    ///     let text = fs::read_to_string(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     text
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Handles are followed through local variables, fields, returns and spawns
    /// in the function that opens them; a handle passed to a helper that stores
    /// it, wrapped in a user type, or opened by another crate's function is not
    /// followed. Handles opened through function pointers, trait objects or
    /// other crates' macros beyond the common expression macros imperlint
    /// re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    /// Opening a file as the client and serving that same client from the
    /// handle is a legitimate design when the handle cannot reach anyone else;
    /// suppress such findings with a reason.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): handles are insensitive to security context changes; close them aggressively when impersonating.
    /// - Microsoft Learn, [`CreateFileW`](https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-createfilew): access is checked and granted when the handle is created.
    /// - Randy Turner, *What's in a Token (Part 2): Impersonation* (Microsoft Ask the Directory Services Team blog): the impersonation token is what is compared with an object's security descriptor when it is opened.
    pub HANDLE_OUTLIVES_IMPERSONATION = "handle_outlives_impersonation",
    level: Warn,
    summary: "a handle opened while impersonating keeps the client's access after the revert",
    security_severity: "7.0",
}

pub static LINT: Lint = Lint {
    info: &HANDLE_OUTLIVES_IMPERSONATION,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    // The analyzer emits these only for handles opened while impersonating,
    // and they happen after the revert: report them whatever the state.
    let (open, message, help) = match &event.kind {
        EventKind::Fact(LintFact::HandleUseAfterRevert { open, name }) => (
            open,
            format!("`{name}` was opened while impersonating and is used after the revert"),
            "finish with the handle and close it before reverting",
        ),
        EventKind::Fact(LintFact::HandleEscape { open, name, how }) => (
            open,
            format!("`{name}` was opened while impersonating and is {}", how.describe()),
            "close the handle before reverting; if it must outlive the region, keep it where only this client's requests can reach it",
        ),
        _ => return,
    };
    sink.report(
        event,
        Finding::new(
            message,
            "the handle keeps the client's access, whoever uses it now",
            help,
        )
        .related(open.clone(), "opened here while impersonating"),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, loc, reverted, run};
    use imperlint_analyzer::event::{Escape, LintFact};

    #[test]
    fn reports_use_after_revert() {
        let kind = LintFact::HandleUseAfterRevert {
            open: loc(4),
            name: "file".to_string(),
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].related[0].location, loc(4));
        assert_eq!(
            diags[0].related[0].message,
            "opened here while impersonating"
        );
    }

    #[test]
    fn reports_every_escape() {
        for how in [
            Escape::Returned,
            Escape::StoredInField,
            Escape::StoredInStatic,
            Escape::StoredInCollection,
            Escape::MovedToThread,
        ] {
            let kind = LintFact::HandleEscape {
                open: loc(4),
                name: "key".to_string(),
                how,
            };
            for state in [reverted(), impersonating()] {
                let diags = run(&LINT, &event(kind.clone(), state));
                assert_eq!(diags.len(), 1);
                assert!(diags[0].message.contains(how.describe()));
            }
        }
    }
}
