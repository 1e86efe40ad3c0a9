//! `send_impersonation_guard`: an impersonation guard type that can move to another thread.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a guard type (a type whose `Drop` ends impersonation) that is
    /// `Send`: all its fields are `Send`, or it has an `unsafe impl Send`.
    ///
    /// ### Why is this bad?
    /// Impersonation belongs to the thread that began it, but a `Send` guard
    /// can be moved to another thread, into a spawned task, or across an
    /// `.await` on a multi-threaded executor, and dropped there. Its `Drop`
    /// then reverts the *other* thread, which was not impersonating, while
    /// the thread that began the impersonation goes on with the client's
    /// token and serves later requests as that client. The compiler can rule
    /// this out for free: a guard that is `!Send` cannot leave its thread.
    /// Keith Brown stresses that impersonation happens thread by thread and
    /// that tokens must never get crossed between requests; a guard that
    /// travels crosses them.
    ///
    /// ### Example
    /// ```rust
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Impersonates a named-pipe client until dropped.
    /// pub struct ClientImpersonation {
    ///     // `()` is `Send`: the guard can be dropped on another thread.
    ///     _private: (),
    /// }
    ///
    /// impl ClientImpersonation {
    ///     pub fn begin(pipe: HANDLE) -> Result<Self> {
    ///         unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///         Ok(Self { _private: () })
    ///     }
    /// }
    ///
    /// impl Drop for ClientImpersonation {
    ///     fn drop(&mut self) {
    ///         if unsafe { RevertToSelf() }.is_err() {
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::marker::PhantomData;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Impersonates a named-pipe client until dropped.
    /// pub struct ClientImpersonation {
    ///     // A raw pointer is neither `Send` nor `Sync`: the guard stays on its thread.
    ///     _not_send: PhantomData<*const ()>,
    /// }
    ///
    /// impl ClientImpersonation {
    ///     pub fn begin(pipe: HANDLE) -> Result<Self> {
    ///         unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///         Ok(Self { _not_send: PhantomData })
    ///     }
    /// }
    ///
    /// impl Drop for ClientImpersonation {
    ///     fn drop(&mut self) {
    ///         if unsafe { RevertToSelf() }.is_err() {
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ### Known problems
    /// `Send` is decided from the field types as written, without type
    /// inference: a field whose type is an alias, a generic parameter or a type
    /// from another crate is assumed to be `Send`, so a guard made `!Send` only
    /// through such a field is reported (suppress it with a reason, or use
    /// `PhantomData<*const ()>`). Guards whose `Drop` reverts through a
    /// function pointer, a trait object or another crate's macro beyond the
    /// common expression macros imperlint re-parses (the crate's own
    /// `macro_rules!` are expanded) are not recognised as guards.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): impersonation happens on a thread-by-thread basis.
    /// - Microsoft Learn, [`RevertToSelf`](https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-reverttoself): ends the impersonation of the calling thread.
    /// - Rust standard library, [`Send`](https://doc.rust-lang.org/std/marker/trait.Send.html): how raw pointers opt a type out of `Send`.
    pub SEND_IMPERSONATION_GUARD = "send_impersonation_guard",
    level: Warn,
    summary: "an impersonation guard is `Send`, so it can revert a thread other than the one that impersonates",
    security_severity: "5.5",
}

pub static LINT: Lint = Lint {
    info: &SEND_IMPERSONATION_GUARD,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Fact(LintFact::SendGuard { guard }) = &event.kind else {
        return;
    };
    sink.report(
        event,
        Finding::new(
            format!("impersonation guard `{guard}` is `Send`"),
            "dropped on another thread, it reverts that thread and leaves this one impersonating",
            "add a `PhantomData<*const ()>` field so the guard cannot leave the thread that impersonates",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, reverted, run};
    use imperlint_analyzer::event::LintFact;

    #[test]
    fn reports_send_guard() {
        let kind = LintFact::SendGuard {
            guard: "ClientImpersonation".to_string(),
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("`ClientImpersonation`"));
    }
}
