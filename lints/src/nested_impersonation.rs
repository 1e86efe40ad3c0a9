//! `nested_impersonation`: a begin while already impersonating, without saving the identity it replaces.

use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a call that begins impersonation while the thread may already be
    /// impersonating, when the current token was not saved first
    /// (`OpenThreadToken`, `PsReferenceImpersonationToken`) to be restored
    /// afterwards. The earlier impersonation is usually begun by a caller: the
    /// diagnostic names one calling path.
    ///
    /// ### Why is this bad?
    /// Impersonation does not nest. The new token replaces the old one, and
    /// the matching revert (`RevertToSelf`, `PsRevertToSelf`) goes back to the
    /// process token, not to the identity that was in force before. The caller
    /// carries on believing it still acts for its client while it actually
    /// acts as the service, with the service's rights and in the service's
    /// name. Microsoft's `PsImpersonateClient` documentation spells out the
    /// contract: a thread that may already impersonate must save the current
    /// token with `PsReferenceImpersonationToken` and restore it by
    /// impersonating the saved token again; user-mode code does the same with
    /// `OpenThreadToken` and `SetThreadToken`.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// const AUDIT_LOG: &str = r"C:\ProgramData\Contoso\audit\last-upload.txt";
    ///
    /// /// Saves a client's upload and records it in a log only the audit account may write.
    /// pub fn store_upload(pipe: HANDLE, auditor: HANDLE, path: &Path, data: &[u8]) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let stored = fs::write(path, data);
    ///     let audited = record_upload(auditor, path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     stored.and(audited)
    /// }
    ///
    /// fn record_upload(auditor: HANDLE, path: &Path) -> io::Result<()> {
    ///     // Replaces the client's token; the revert below then ends both impersonations.
    ///     unsafe { ImpersonateLoggedOnUser(auditor) }?;
    ///     let recorded = fs::write(AUDIT_LOG, path.to_string_lossy().as_bytes());
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     recorded
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
    /// use windows::Win32::Security::{ImpersonateLoggedOnUser, RevertToSelf};
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// const AUDIT_LOG: &str = r"C:\ProgramData\Contoso\audit\last-upload.txt";
    ///
    /// /// Saves a client's upload and records it in a log only the audit account may write.
    /// pub fn store_upload(pipe: HANDLE, auditor: HANDLE, path: &Path, data: &[u8]) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let stored = fs::write(path, data);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     stored?;
    ///     // One identity at a time: the audit record is written after the client's region.
    ///     record_upload(auditor, path)
    /// }
    ///
    /// fn record_upload(auditor: HANDLE, path: &Path) -> io::Result<()> {
    ///     unsafe { ImpersonateLoggedOnUser(auditor) }?;
    ///     let recorded = fs::write(AUDIT_LOG, path.to_string_lossy().as_bytes());
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     recorded
    /// }
    /// ```
    ///
    /// ### Known problems
    /// A save is recognised only when `OpenThreadToken` or
    /// `PsReferenceImpersonationToken` runs before the begin in the same
    /// function. A function's entry state joins all its callers in the crate,
    /// so a helper called from one impersonated and one plain path is reported
    /// for the impersonated one. Begins through function pointers, trait
    /// objects or other crates' macros beyond the common expression macros
    /// imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are
    /// not seen, and callers in other crates are unknown unless the
    /// configuration or an `// imperlint: impersonated` comment declares the
    /// function impersonated.
    ///
    /// ### References
    /// - Microsoft Learn, [`PsImpersonateClient`](https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-psimpersonateclient): save the current token with `PsReferenceImpersonationToken` before impersonating again, and restore it afterwards.
    /// - Microsoft Learn, [`PsReferenceImpersonationToken`](https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-psreferenceimpersonationtoken).
    /// - Microsoft Learn, [`RevertToSelf`](https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-reverttoself): returns to the process token, whatever was impersonated before.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): the thread carries two identities, and the thread token wins.
    pub NESTED_IMPERSONATION = "nested_impersonation",
    level: Warn,
    summary: "impersonation begins while the thread already impersonates, without saving the identity it replaces",
    security_severity: "6.5",
}

pub static LINT: Lint = Lint {
    info: &NESTED_IMPERSONATION,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    // `event.state` is the state before the begin.
    let EventKind::Begin {
        api, saved: false, ..
    } = &event.kind
    else {
        return;
    };
    if !event.state.is_impersonating() {
        return;
    }
    sink.report(
        event,
        Finding::new(
            format!("`{api}` replaces an impersonation that is already in force"),
            "the next revert returns to the process token, not to the identity replaced here",
            "revert before impersonating another identity, or save the current token (`OpenThreadToken`, `PsReferenceImpersonationToken`) and restore it afterwards",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, reverted, run};
    use imperlint_analyzer::event::{Check, EventKind};

    fn begin(saved: bool) -> EventKind {
        EventKind::Begin {
            api: "ImpersonateLoggedOnUser".to_string(),
            check: Check::Checked,
            saved,
        }
    }

    #[test]
    fn reports_unsaved_begin_while_impersonating() {
        let diags = run(&LINT, &event(begin(false), impersonating()));
        assert_eq!(diags.len(), 1);
        // The earlier begin is shown as a related location.
        assert_eq!(diags[0].related.len(), 1);
    }

    #[test]
    fn first_or_saved_begin_is_fine() {
        assert!(run(&LINT, &event(begin(false), reverted())).is_empty());
        assert!(run(&LINT, &event(begin(true), impersonating())).is_empty());
    }
}
