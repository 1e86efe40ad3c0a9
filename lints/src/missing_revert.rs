//! `missing_revert`: a way out of a function (or out of a loop's region) that skips the revert.

use imperlint_analyzer::event::{Event, EventKind, ExitKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports each way out of a function that begins impersonation itself and
    /// can leave while the thread is still impersonating: a `return`, a `?`
    /// whose error path skips the revert, the end of the body, or a
    /// `break`/`continue` that jumps over a revert later in the loop. Regions
    /// held by a guard whose `Drop` reverts are fine, and so are functions
    /// that only begin impersonation and return (their callers own the
    /// revert) and the program's `main`, where the process ends.
    ///
    /// ### Why is this bad?
    /// Impersonation belongs to the thread, not to the function that started
    /// it, and nothing undoes it when that function returns: the thread keeps
    /// the client's token until something reverts. Whatever the thread runs
    /// after the early exit (the caller's error handling, the next request of
    /// a server loop, the next job of a pool) runs as that client. Keith Brown
    /// warns servers to make sure each request runs with the right token and
    /// never to get tokens crossed; a leaked impersonation is exactly that. A
    /// privileged client's rights then serve the next, unprivileged client,
    /// and the audit log names the wrong user. An early `?` is the usual
    /// culprit: the success path reverts, the error path does not.
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
    /// /// Saves a client's upload with the client's rights.
    /// pub fn save_upload(pipe: HANDLE, path: &Path, data: &[u8]) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // On error, `?` returns with the thread still impersonating.
    ///     fs::write(path, data)?;
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
    /// use std::marker::PhantomData;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Impersonates a named-pipe client until dropped; `!Send`, so it
    /// /// reverts the thread that impersonates.
    /// struct PipeClientImpersonation(PhantomData<*const ()>);
    ///
    /// impl PipeClientImpersonation {
    ///     fn begin(pipe: HANDLE) -> io::Result<Self> {
    ///         unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///         Ok(Self(PhantomData))
    ///     }
    /// }
    ///
    /// impl Drop for PipeClientImpersonation {
    ///     fn drop(&mut self) {
    ///         if unsafe { RevertToSelf() }.is_err() {
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    ///
    /// /// Saves a client's upload with the client's rights.
    /// pub fn save_upload(pipe: HANDLE, path: &Path, data: &[u8]) -> io::Result<()> {
    ///     let _client = PipeClientImpersonation::begin(pipe)?;
    ///     // Every way out of this function drops `_client`, which reverts.
    ///     fs::write(path, data)
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Panics are not counted as exits: a panic that unwinds out of an
    /// unguarded region (and is caught by `catch_unwind` or a thread pool)
    /// leaves the thread impersonating without a report. A revert made through
    /// a function pointer, a trait object, or another crate's macro beyond the
    /// common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) is not seen, so the exit after it is
    /// reported anyway. The crate's own begin/end wrappers are followed
    /// through any number of layers and through recursion; guard types and
    /// begin/end wrappers from other crates are known from their source when
    /// it is read (sibling crates of the workspace, vendored or downloaded
    /// dependencies: see the README's "Crates that use each other"), and
    /// otherwise only when the configuration names them. Exits from `async` code are reported by
    /// `impersonation_across_await` instead, and `main` is exempt on purpose:
    /// a small tool that impersonates until it exits leaks nothing.
    ///
    /// ### References
    /// - Microsoft Learn, [`RevertToSelf`](https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-reverttoself): a process should call it after finishing any impersonation.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): impersonation is a per-thread state that lasts until reverted.
    /// - Randy Turner, *What's in a Token (Part 2): Impersonation* (Microsoft Ask the Directory Services Team blog): the thread goes back to the primary token only when impersonation ends.
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): code that runs next rarely expects an impersonated thread.
    pub MISSING_REVERT = "missing_revert",
    level: Deny,
    summary: "a way out of a function that began impersonation leaves the thread impersonating",
    security_severity: "8.5",
}

pub static LINT: Lint = Lint {
    info: &MISSING_REVERT,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Exit {
        kind,
        is_main,
        is_async,
        begin_wrapper,
    } = &event.kind
    else {
        return;
    };
    let state = &event.state;
    if !state.is_impersonating()
        || !state.local
        || state.guarded
        || *is_main
        || *begin_wrapper
        || *is_async
    {
        return;
    }
    let label = match kind {
        ExitKind::Break => {
            "the revert later in the loop is skipped, and the thread stays the client"
        }
        ExitKind::Return | ExitKind::Question | ExitKind::EndOfBody => {
            "whatever runs next on this thread runs with the client's token"
        }
    };
    sink.report(
        event,
        Finding::new(
            format!("exit through {} without reverting impersonation", kind.describe()),
            label,
            "hold the impersonation in a guard whose `Drop` reverts (aborting if the revert fails), or revert before this exit",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, reverted, run};
    use imperlint_analyzer::event::{EventKind, ExitKind, Imp};

    fn exit(kind: ExitKind) -> EventKind {
        EventKind::Exit {
            kind,
            is_main: false,
            is_async: false,
            begin_wrapper: false,
        }
    }

    #[test]
    fn reports_every_exit_kind() {
        for kind in [
            ExitKind::Return,
            ExitKind::Question,
            ExitKind::Break,
            ExitKind::EndOfBody,
        ] {
            let diags = run(&LINT, &event(exit(kind), impersonating()));
            assert_eq!(diags.len(), 1, "{kind:?}");
            assert!(diags[0].message.contains(kind.describe()));
        }
        let mut maybe = impersonating();
        maybe.imp = Imp::Maybe;
        assert_eq!(run(&LINT, &event(exit(ExitKind::Return), maybe)).len(), 1);
    }

    #[test]
    fn exempt_exits() {
        let exempt = [
            EventKind::Exit {
                kind: ExitKind::EndOfBody,
                is_main: true,
                is_async: false,
                begin_wrapper: false,
            },
            EventKind::Exit {
                kind: ExitKind::Question,
                is_main: false,
                is_async: true,
                begin_wrapper: false,
            },
            EventKind::Exit {
                kind: ExitKind::EndOfBody,
                is_main: false,
                is_async: false,
                begin_wrapper: true,
            },
        ];
        for kind in exempt {
            assert!(run(&LINT, &event(kind, impersonating())).is_empty());
        }
        let mut guarded = impersonating();
        guarded.guarded = true;
        let mut inherited = impersonating();
        inherited.local = false;
        for state in [guarded, inherited, reverted()] {
            assert!(run(&LINT, &event(exit(ExitKind::Return), state)).is_empty());
        }
    }
}
