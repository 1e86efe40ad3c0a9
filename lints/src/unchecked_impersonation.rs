//! `unchecked_impersonation`: a begin call whose failure nobody notices, so the client's work runs as the server.

use imperlint_analyzer::event::{Check, Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a call that starts impersonation (`ImpersonateNamedPipeClient`,
    /// `ImpersonateLoggedOnUser`, `SetThreadToken`, `CoImpersonateClient`,
    /// `RpcImpersonateClient`, `PsImpersonateClient`, or a function of the crate
    /// that wraps one of them) when its result is thrown away (`X();`,
    /// `let _ = X();`, a lone `X().ok();`), bound to a variable that is never
    /// read, or examined only in debug builds (`debug_assert!`-style macros,
    /// `cfg!(debug_assertions)`, `#[cfg(debug_assertions)]`). The crate's own
    /// check helpers are read, not trusted: a result passed to one of its
    /// functions, or a method of its own called on it, is checked only if
    /// that function checks it in release builds. A result chosen in an
    /// `if`/`else` or a `match` and checked afterwards checks both calls. It
    /// also reports a guard constructor that hands out a guard even when the
    /// begin call failed.
    ///
    /// ### Why is this bad?
    /// Starting to impersonate can fail: the pipe client has not sent anything
    /// yet, the token lacks an access right, the service lacks
    /// `SeImpersonatePrivilege`, a job forbids it, memory runs out. On failure
    /// nothing visible happens: the thread just keeps the server's own token.
    /// The code that follows was written to act for the client and relies on
    /// Windows' access checks to stop the client from reaching what it may not;
    /// those checks are now made against the service account, which can usually
    /// do much more. A client that can make the call fail gets the server's
    /// rights. Microsoft's documentation of `ImpersonateNamedPipeClient` and
    /// `ImpersonateClient` asks callers to check the result and to serve no
    /// request when impersonation failed. A `debug_assert!` is no check at all in
    /// the release build that ships.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Deletes a file on behalf of the pipe's client.
    /// pub fn delete_for_client(pipe: HANDLE, path: &Path) -> io::Result<()> {
    ///     // If this fails, the file is deleted with the service's rights.
    ///     let _ = unsafe { ImpersonateNamedPipeClient(pipe) };
    ///     let removed = fs::remove_file(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     removed
    /// }
    /// ```
    ///
    /// A helper of the crate that checks the result only in debug builds:
    ///
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows_sys::Win32::Foundation::{BOOL, HANDLE};
    /// use windows_sys::Win32::Security::RevertToSelf;
    /// use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Asserts a `BOOL` in debug builds.
    /// fn debug_ok(ok: BOOL, what: &str) {
    ///     debug_assert!(ok != 0, "{what} failed");
    /// }
    ///
    /// /// Deletes a file on behalf of the pipe's client.
    /// pub fn delete_for_client(pipe: HANDLE, path: &Path) -> io::Result<()> {
    ///     debug_ok(unsafe { ImpersonateNamedPipeClient(pipe) }, "ImpersonateNamedPipeClient");
    ///     let removed = fs::remove_file(path);
    ///     if unsafe { RevertToSelf() } == 0 {
    ///         std::process::abort();
    ///     }
    ///     removed
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
    /// /// Deletes a file on behalf of the pipe's client.
    /// pub fn delete_for_client(pipe: HANDLE, path: &Path) -> io::Result<()> {
    ///     // No impersonation, no work.
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let removed = fs::remove_file(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     removed
    /// }
    /// ```
    ///
    /// A helper of the crate that fails the request in every build:
    ///
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows_sys::Win32::Foundation::{BOOL, HANDLE};
    /// use windows_sys::Win32::Security::RevertToSelf;
    /// use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// The thread's last error unless `ok`.
    /// fn require(ok: BOOL) -> io::Result<()> {
    ///     if ok == 0 {
    ///         return Err(io::Error::last_os_error());
    ///     }
    ///     Ok(())
    /// }
    ///
    /// /// Deletes a file on behalf of the pipe's client.
    /// pub fn delete_for_client(pipe: HANDLE, path: &Path) -> io::Result<()> {
    ///     require(unsafe { ImpersonateNamedPipeClient(pipe) })?;
    ///     let removed = fs::remove_file(path);
    ///     if unsafe { RevertToSelf() } == 0 {
    ///         std::process::abort();
    ///     }
    ///     removed
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Any read of the result counts as a check, even one that does not stop
    /// the work on failure (logging the error and carrying on). A check
    /// helper is read from its body in this crate (every candidate of a call
    /// must check); helpers of other crates are read from their value-flow
    /// summaries when their source is read (see the README's "Crates that
    /// use each other"), and trait methods called through generics and
    /// functions the analysis does not summarise count as checking. Begin
    /// calls made through function pointers, trait objects or other crates'
    /// macros beyond the common expression macros imperlint re-parses (the
    /// crate's own `macro_rules!`, and the exported ones of dependencies
    /// whose source is read, are expanded) are not seen; wrappers defined in
    /// other crates are known from their source when it is read, otherwise
    /// only when the configuration names them. The crate's own
    /// wrappers are followed through any number of layers (each handing the
    /// begin's result up) and through recursion. Whether a guard constructor
    /// fails open is judged from its body in this crate.
    ///
    /// ### References
    /// - Microsoft Learn, [`ImpersonateNamedPipeClient`](https://learn.microsoft.com/en-us/windows/win32/api/namedpipeapi/nf-namedpipeapi-impersonatenamedpipeclient): always check the return value; if it failed, execute no client request.
    /// - Microsoft Learn, [`PsImpersonateClient`](https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-psimpersonateclient): the kernel routine fails on job restrictions and low memory, and may silently lower the impersonation level.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): a thread is checked against the process token unless it impersonates.
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533).
    pub UNCHECKED_IMPERSONATION = "unchecked_impersonation",
    level: Deny,
    summary: "the result of a call that begins impersonation is not checked, so on failure the client's work runs as the server",
    security_severity: "8.8",
}

pub static LINT: Lint = Lint {
    info: &UNCHECKED_IMPERSONATION,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let finding = match &event.kind {
        EventKind::Begin { api, check, .. } => {
            let message = match check {
                Check::Dropped => format!("the result of `{api}` is ignored"),
                Check::UnusedVariable => {
                    format!("the result of `{api}` is stored in a variable that is never read")
                }
                Check::DebugOnly => format!(
                    "the result of `{api}` is checked only in debug builds, which leave the check out of the release build"
                ),
                Check::Checked | Check::NotCheckable => return,
            };
            Finding::new(
                message,
                "if this fails, the code that follows runs with the server's token",
                format!("propagate the error with `?` (or test it) so that no client work runs when `{api}` fails"),
            )
        }
        EventKind::Fact(LintFact::FailOpenGuard { guard }) => Finding::new(
            format!("`{guard}` is returned even when impersonation failed"),
            "callers cannot tell that the thread still runs as the server",
            format!("return `Result<{guard}>` and propagate the begin call's error with `?`"),
        ),
        _ => return,
    };
    sink.report(event, finding);
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, reverted, run};
    use imperlint_analyzer::event::{Check, EventKind, LintFact};

    fn begin(check: Check) -> EventKind {
        EventKind::Begin {
            api: "ImpersonateNamedPipeClient".to_string(),
            check,
            saved: false,
        }
    }

    #[test]
    fn reports_each_unchecked_form() {
        for check in [Check::Dropped, Check::UnusedVariable, Check::DebugOnly] {
            let diags = run(&LINT, &event(begin(check), reverted()));
            assert_eq!(diags.len(), 1, "{check:?}");
            assert!(diags[0].message.contains("`ImpersonateNamedPipeClient`"));
        }
    }

    #[test]
    fn checked_begin_is_fine() {
        for check in [Check::Checked, Check::NotCheckable] {
            assert!(run(&LINT, &event(begin(check), reverted())).is_empty());
        }
    }

    #[test]
    fn reports_fail_open_guard() {
        let kind = LintFact::FailOpenGuard {
            guard: "Impersonation".to_string(),
        };
        let diags = run(&LINT, &event(kind, impersonating()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("Result<Impersonation>"));
    }
}
