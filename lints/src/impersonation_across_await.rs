//! `impersonation_across_await`: async code that suspends, or finishes, while the thread impersonates.

use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports an `.await` reached while the thread is impersonating, and a
    /// way out of an `async fn` or async block (`return`, `?`, the end of the
    /// body) that leaves the thread impersonating without a guard. A
    /// synchronous function that begins and reverts, called from async code,
    /// is fine.
    ///
    /// ### Why is this bad?
    /// Impersonation is attached to an OS thread; a task is not. At an
    /// `.await` the task gives its thread back to the executor. A
    /// multi-threaded runtime may resume the task on another worker, which
    /// does not impersonate, so the rest of the "client" work runs as the
    /// service. Meanwhile the old worker still carries the client's token and
    /// runs other tasks, for other clients, with it. Ending the task while
    /// impersonating leaves the token on the worker for good. Even a
    /// single-threaded executor runs other tasks in between. Keith Brown
    /// describes the same trap in ASP.NET's asynchronous handlers: once the
    /// work moves between threads, the impersonation token has to be carried
    /// by hand, and tokens must never get crossed between requests.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs;
    /// use std::future::Future;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Deletes a file for the pipe's client, then waits for `notify`.
    /// pub async fn delete_for_client<F>(pipe: HANDLE, path: &Path, notify: F) -> io::Result<()>
    /// where
    ///     F: Future<Output = ()>,
    /// {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let removed = fs::remove_file(path);
    ///     // The task may resume on another thread; this one keeps the client's token.
    ///     notify.await;
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     removed
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::fs;
    /// use std::future::Future;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Deletes a file for the pipe's client, then waits for `notify`.
    /// pub async fn delete_for_client<F>(pipe: HANDLE, path: &Path, notify: F) -> io::Result<()>
    /// where
    ///     F: Future<Output = ()>,
    /// {
    ///     let removed = delete_as_client(pipe, path);
    ///     notify.await;
    ///     removed
    /// }
    ///
    /// /// Begins and reverts on the calling thread, with no `.await` in between.
    /// fn delete_as_client(pipe: HANDLE, path: &Path) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let removed = fs::remove_file(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     removed
    /// }
    /// ```
    ///
    /// ### Known problems
    /// `.await`s inside other crates' macros that imperlint does not re-parse
    /// (`tokio::select!`, `futures::join!` and other macros with their own
    /// syntax) are not seen; an `.await` a macro of the crate writes (or an
    /// exported macro of a dependency whose source is read) is expanded and
    /// reported at the invocation, with a note at the macro.
    /// Futures polled by hand (`poll`, `block_on` on another executor) are not
    /// suspension points to the analysis. The lint does not know which executor
    /// runs the task and reports single-threaded ones too, on purpose: other
    /// tasks still run on the impersonating thread. Exits from async code whose
    /// impersonation was inherited from a caller, or is held by a guard, are
    /// left alone.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): impersonation is per thread; asynchronous work on a worker thread must carry the token itself.
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): code that switches threads loses the impersonation.
    /// - Microsoft Learn, [Client Impersonation](https://learn.microsoft.com/en-us/windows/win32/secauthz/client-impersonation): a thread impersonates; the process does not.
    pub IMPERSONATION_ACROSS_AWAIT = "impersonation_across_await",
    level: Deny,
    summary: "async code suspends or finishes while the thread impersonates, so the token stays on a worker other tasks share",
    security_severity: "8.0",
}

pub static LINT: Lint = Lint {
    info: &IMPERSONATION_ACROSS_AWAIT,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let state = &event.state;
    if !state.is_impersonating() {
        return;
    }
    let finding = match &event.kind {
        EventKind::Await => Finding::new(
            "`.await` while the thread is impersonating",
            "the task may resume on another thread, and other tasks run on this one with the client's token",
            "revert before awaiting: do the impersonated work in a synchronous function that begins and reverts",
        ),
        EventKind::Exit {
            kind,
            is_async: true,
            ..
        } if !state.guarded && state.local => Finding::new(
            format!("async code exits through {} while the thread is impersonating", kind.describe()),
            "the executor's thread keeps the client's token and runs other tasks with it",
            "revert before leaving: do the impersonated work in a synchronous function that begins and reverts",
        ),
        _ => return,
    };
    sink.report(event, finding);
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, reverted, run};
    use imperlint_analyzer::event::{EventKind, ExitKind};

    fn exit(is_async: bool) -> EventKind {
        EventKind::Exit {
            kind: ExitKind::Question,
            is_main: false,
            is_async,
            begin_wrapper: false,
        }
    }

    #[test]
    fn reports_await_while_impersonating() {
        assert_eq!(
            run(&LINT, &event(EventKind::Await, impersonating())).len(),
            1
        );
        let mut guarded = impersonating();
        guarded.guarded = true;
        assert_eq!(run(&LINT, &event(EventKind::Await, guarded)).len(), 1);
        assert!(run(&LINT, &event(EventKind::Await, reverted())).is_empty());
    }

    #[test]
    fn reports_unguarded_async_exit() {
        let diags = run(&LINT, &event(exit(true), impersonating()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("the `?` operator"));
        let mut guarded = impersonating();
        guarded.guarded = true;
        let mut inherited = impersonating();
        inherited.local = false;
        for state in [guarded, inherited, reverted()] {
            assert!(run(&LINT, &event(exit(true), state)).is_empty());
        }
        assert!(run(&LINT, &event(exit(false), impersonating())).is_empty());
    }
}
