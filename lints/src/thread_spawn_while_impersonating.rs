//! `thread_spawn_while_impersonating`: a new OS thread started inside an impersonated region.

use imperlint_analyzer::catalog::Role;
use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports the start of a new OS thread while the current thread is
    /// impersonating: `std::thread::spawn`, `thread::Builder::spawn`, spawns
    /// inside `std::thread::scope` and `crossbeam` scopes, `CreateThread`,
    /// `_beginthreadex`. A thread spawned to *do* the impersonation (its
    /// closure begins and reverts) is fine; only a spawn inside the region is
    /// reported.
    ///
    /// ### Why is this bad?
    /// Impersonation is a property of one thread. A new thread starts with the
    /// process's primary token, not the impersonation token of the thread
    /// that created it, and Windows makes no attempt to pass it along. Work
    /// handed to the new thread therefore runs as the service: it can read,
    /// write or delete what the client may not, and the audit trail shows the
    /// service instead of the client. Raymond Chen lists this as the first way
    /// an impersonating function silently stops working; Keith Brown shows how
    /// a hidden thread switch turned a careful SYSTEM server into one that did
    /// its client's work as SYSTEM.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs;
    /// use std::path::PathBuf;
    /// use std::thread;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Deletes a client's export folder in the background.
    /// pub fn purge_exports(pipe: HANDLE, folder: PathBuf) -> Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The new thread runs as the service: it deletes whatever the service may delete.
    ///     thread::spawn(move || fs::remove_dir_all(folder));
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     Ok(())
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
    /// /// Deletes a client's export folder, as the client.
    /// pub fn purge_exports(pipe: HANDLE, folder: &Path) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The work stays on the impersonating thread.
    ///     let purged = fs::remove_dir_all(folder);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     purged
    /// }
    /// ```
    ///
    /// When the work must run elsewhere, take the client's token with
    /// `OpenThreadToken` while impersonating, move it (in an `OwnedHandle`) to
    /// the new thread, and let that thread impersonate it with
    /// `SetThreadToken` or `ImpersonateLoggedOnUser` and revert.
    ///
    /// ### Known problems
    /// Only the spawners in imperlint's catalog are recognised. A library
    /// function that starts a thread internally, a spawn through a function
    /// pointer or trait object, and spawns inside other crates' macros beyond
    /// the common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen. A spawned closure that
    /// impersonates a token captured from the parent is still reported when the
    /// spawn itself sits inside the parent's region; move the spawn after the
    /// revert, or suppress the finding with a reason. Helpers called while
    /// impersonating, and closures handed to the crate's closure runners, are
    /// followed however deep the calls go (a closure parameter passed on by its
    /// own name).
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): a worker thread runs with the identity of the process.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): the operating system does not propagate the impersonation token to a secondary thread.
    /// - Microsoft Learn, [`CreateThread`](https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createthread).
    /// - Microsoft Learn, [`SetThreadToken`](https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-setthreadtoken): how a thread takes on a token it was handed.
    pub THREAD_SPAWN_WHILE_IMPERSONATING = "thread_spawn_while_impersonating",
    level: Warn,
    summary: "a thread started while impersonating runs with the process token, not the client's",
    security_severity: "7.0",
}

pub static LINT: Lint = Lint {
    info: &THREAD_SPAWN_WHILE_IMPERSONATING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Call { api, facts } = &event.kind else {
        return;
    };
    if !matches!(api.role, Role::ThreadSpawn | Role::ScopedThreadSpawn)
        || !event.state.is_impersonating()
    {
        return;
    }
    sink.report(
        event,
        Finding::new(
            format!(
                "`{}` starts a thread while impersonating",
                facts.callee(api)
            ),
            "the new thread runs with the process token, not the client's",
            "do the work on this thread, or take the token with `OpenThreadToken` and have the new thread impersonate it and revert",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, impersonating, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{CallFacts, EventKind};

    fn call(role: Role) -> EventKind {
        EventKind::Call {
            api: api("spawn", role),
            facts: CallFacts::default(),
        }
    }

    #[test]
    fn reports_spawns_while_impersonating() {
        for role in [Role::ThreadSpawn, Role::ScopedThreadSpawn] {
            assert_eq!(run(&LINT, &event(call(role), impersonating())).len(), 1);
        }
    }

    #[test]
    fn ignores_other_calls_and_reverted_state() {
        assert!(run(&LINT, &event(call(Role::ThreadSpawn), reverted())).is_empty());
        assert!(run(&LINT, &event(call(Role::PoolSubmit), impersonating())).is_empty());
    }
}
