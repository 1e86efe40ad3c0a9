//! `create_process_while_impersonating`: a child process started from an impersonated region, which gets the process token.

use imperlint_analyzer::catalog::Role;
use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports the creation of a process while the thread is impersonating:
    /// `CreateProcessW`/`CreateProcessA`, `ShellExecuteExW`, and
    /// `std::process::Command`'s `spawn`, `output` and `status` (and tokio's
    /// equivalents). The explicit-token APIs `CreateProcessAsUserW` and
    /// `CreateProcessWithTokenW` are the fix and are never reported.
    ///
    /// ### Why is this bad?
    /// A new process gets a copy of its parent's *primary* token. The thread's
    /// impersonation token only decides whether the caller may open the
    /// executable; the child itself runs as the service. Keith Brown calls
    /// this the behaviour that surprises almost everyone: code that
    /// impersonates Alice and starts a program expects it to run as Alice, and
    /// it runs as the server, often `SYSTEM`. A child that was meant to be
    /// limited by the client's rights can then read, write or launch anything
    /// the service can, which turns a harmless request into privilege
    /// escalation.
    ///
    /// ### Example
    /// ```rust
    /// use std::io;
    /// use std::path::Path;
    /// use std::process::{Command, ExitStatus};
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Converts a document the client names, with a command-line tool.
    /// pub fn convert_for_client(pipe: HANDLE, document: &Path) -> io::Result<ExitStatus> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The converter runs as the service, not as the client.
    ///     let status = Command::new(r"C:\Program Files\Contoso\convert.exe")
    ///         .arg(document)
    ///         .status();
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     status
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::mem::size_of;
    ///
    /// use windows::core::{Result, PCWSTR, PWSTR};
    /// use windows::Win32::Foundation::{CloseHandle, HANDLE};
    /// use windows::Win32::Security::{
    ///     DuplicateTokenEx, SecurityImpersonation, TokenPrimary, TOKEN_ALL_ACCESS,
    /// };
    /// use windows::Win32::System::Threading::{
    ///     CreateProcessAsUserW, PROCESS_CREATION_FLAGS, PROCESS_INFORMATION, STARTUPINFOW,
    /// };
    ///
    /// /// Runs `command_line` (NUL-terminated UTF-16) as the client whose token
    /// /// `client` is, e.g. one taken with `OpenThreadToken` while impersonating.
    /// pub fn run_as_client(client: HANDLE, command_line: &mut [u16]) -> Result<PROCESS_INFORMATION> {
    ///     let mut primary = HANDLE::default();
    ///     unsafe {
    ///         DuplicateTokenEx(client, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenPrimary, &mut primary)
    ///     }?;
    ///     let startup = STARTUPINFOW {
    ///         cb: size_of::<STARTUPINFOW>() as u32,
    ///         ..Default::default()
    ///     };
    ///     let mut process = PROCESS_INFORMATION::default();
    ///     let created = unsafe {
    ///         CreateProcessAsUserW(
    ///             primary,
    ///             PCWSTR::null(),
    ///             PWSTR(command_line.as_mut_ptr()),
    ///             None,
    ///             None,
    ///             false,
    ///             PROCESS_CREATION_FLAGS(0),
    ///             None,
    ///             PCWSTR::null(),
    ///             &startup,
    ///             &mut process,
    ///         )
    ///     };
    ///     let closed = unsafe { CloseHandle(primary) };
    ///     created.and(closed).map(|()| process)
    /// }
    /// ```
    ///
    /// If the child is meant to run as the service, start it after the
    /// revert, so that nobody reading the code expects otherwise.
    ///
    /// ### Known problems
    /// Processes started by other crates' functions, through function pointers
    /// or trait objects, or inside other crates' macros beyond the common
    /// expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen. A `Command` is recognised from its
    /// construction in the same function; a `Command` received as a parameter
    /// is matched by method name only when the analyzer can tell its type. The
    /// lint cannot tell a child that is meant to run as the service from one
    /// that is not: start such a child after the revert, or suppress the
    /// finding with a reason.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): new processes get a copy of the parent's process token, even when impersonating.
    /// - Microsoft Learn, [`CreateProcessAsUserW`](https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessasuserw): starts a process with the primary token you pass.
    /// - Microsoft Learn, [`DuplicateTokenEx`](https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-duplicatetokenex): makes a primary token from an impersonation token.
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533).
    pub CREATE_PROCESS_WHILE_IMPERSONATING = "create_process_while_impersonating",
    level: Warn,
    summary: "a process created while impersonating runs with the service's token, not the client's",
    security_severity: "7.5",
}

pub static LINT: Lint = Lint {
    info: &CREATE_PROCESS_WHILE_IMPERSONATING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Call { api, facts } = &event.kind else {
        return;
    };
    if api.role != Role::ProcessCreate || !event.state.is_impersonating() {
        return;
    }
    sink.report(
        event,
        Finding::new(
            format!(
                "`{}` starts a process while impersonating",
                facts.callee(api)
            ),
            "the child gets the service's primary token, not the client's",
            "start the child with the client's token (`CreateProcessAsUserW` or `CreateProcessWithTokenW`), or after the revert if it should run as the service",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, impersonating, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{CallFacts, EventKind};

    fn call(name: &'static str, role: Role) -> EventKind {
        EventKind::Call {
            api: api(name, role),
            facts: CallFacts::default(),
        }
    }

    #[test]
    fn reports_process_creation_while_impersonating() {
        let diags = run(
            &LINT,
            &event(call("CreateProcessW", Role::ProcessCreate), impersonating()),
        );
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("`CreateProcessW`"));
    }

    #[test]
    fn explicit_token_and_reverted_are_fine() {
        let as_user = call("CreateProcessAsUserW", Role::ProcessCreateAsUser);
        assert!(run(&LINT, &event(as_user, impersonating())).is_empty());
        let plain = call("CreateProcessW", Role::ProcessCreate);
        assert!(run(&LINT, &event(plain, reverted())).is_empty());
    }
}
