//! `unchecked_revert`: an end-of-impersonation call whose failure nobody notices, so the thread keeps the client's identity.

use imperlint_analyzer::event::{Check, Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a call that ends impersonation (`RevertToSelf`, `CoRevertToSelf`,
    /// `RpcRevertToSelf`, `SetThreadToken` with a null token, a wrapper of the
    /// crate around one of them) when its result is thrown away (`X();`,
    /// `let _ = X();`, a lone `X().ok();`), bound to a variable that is never
    /// read, or examined only in debug builds: by `debug_assert!`, under
    /// `cfg!(debug_assertions)` or `#[cfg(debug_assertions)]`. The crate's
    /// own check helpers are read, not trusted: a result passed to one of its
    /// functions (`debug_check(RevertToSelf())`), or a method of its own
    /// called on it (`RevertToSelf().debug_expect(..)`), is checked only if
    /// that function checks it in release builds (`expect`, `?`, a
    /// comparison, an abort), and a function that returns the result as it
    /// is leaves the check to its caller. A result chosen in an `if`/`else`
    /// or a `match` and checked afterwards checks both calls. Reverts inside
    /// a guard's `Drop` are where this happens most, because `drop` cannot
    /// return an error.
    ///
    /// ### Why is this bad?
    /// When a revert fails, the thread goes on with the client's token. Every
    /// later request served by that thread, from any client, runs with that
    /// client's rights: a privileged client's identity leaks to unprivileged
    /// ones, and the audit trail blames the wrong user. Microsoft's
    /// documentation of `RevertToSelf` says that running on in the client's
    /// context is not appropriate and that the process should shut down when
    /// the revert fails; there is no sensible way to recover on that thread.
    /// Note that with the `windows` crate 0.51 and later, `X().ok();` turns the
    /// error into `None` and drops it.
    ///
    /// ### Example
    /// ```rust
    /// use std::marker::PhantomData;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Impersonates a named-pipe client until dropped.
    /// pub struct PipeClientImpersonation(PhantomData<*const ()>);
    ///
    /// impl PipeClientImpersonation {
    ///     pub fn begin(pipe: HANDLE) -> Result<Self> {
    ///         unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///         Ok(Self(PhantomData))
    ///     }
    /// }
    ///
    /// impl Drop for PipeClientImpersonation {
    ///     fn drop(&mut self) {
    ///         // A failed revert is silently dropped: the thread stays the client.
    ///         unsafe { RevertToSelf() }.ok();
    ///     }
    /// }
    /// ```
    ///
    /// A check helper that looks at the result only in debug builds leaves
    /// release builds unchecked:
    ///
    /// ```rust
    /// use std::fmt::Debug;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// `expect` in debug builds; release builds carry on.
    /// pub trait DebugExpect {
    ///     fn debug_expect(self, msg: &str);
    /// }
    ///
    /// impl<T, E: Debug> DebugExpect for std::result::Result<T, E> {
    ///     fn debug_expect(self, msg: &str) {
    ///         if cfg!(debug_assertions) {
    ///             self.expect(msg);
    ///         }
    ///     }
    /// }
    ///
    /// /// Whether the pipe's client may see `path`.
    /// pub fn client_sees(pipe: HANDLE, path: &std::path::Path) -> Result<bool> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let seen = path.exists();
    ///     unsafe { RevertToSelf() }.debug_expect("RevertToSelf");
    ///     Ok(seen)
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
    /// pub struct PipeClientImpersonation(PhantomData<*const ()>);
    ///
    /// impl PipeClientImpersonation {
    ///     pub fn begin(pipe: HANDLE) -> Result<Self> {
    ///         unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///         Ok(Self(PhantomData))
    ///     }
    /// }
    ///
    /// impl Drop for PipeClientImpersonation {
    ///     fn drop(&mut self) {
    ///         // Going on as the client would be worse than stopping.
    ///         if unsafe { RevertToSelf() }.is_err() {
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// A check helper of the crate that aborts (or propagates) in every build:
    ///
    /// ```rust
    /// use std::fmt::Debug;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Aborts the process on an error.
    /// pub trait OrAbort {
    ///     fn or_abort(self, what: &str);
    /// }
    ///
    /// impl<E: Debug> OrAbort for std::result::Result<(), E> {
    ///     fn or_abort(self, what: &str) {
    ///         if let Err(e) = self {
    ///             eprintln!("{what} failed: {e:?}");
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    ///
    /// /// Whether the pipe's client may see `path`.
    /// pub fn client_sees(pipe: HANDLE, path: &std::path::Path) -> Result<bool> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let seen = path.exists();
    ///     unsafe { RevertToSelf() }.or_abort("RevertToSelf");
    ///     Ok(seen)
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Any read of the result counts as a check, even one that only logs the
    /// failure and carries on. A check helper is read from its body in this
    /// crate (every candidate of a call must check); helpers of other crates,
    /// trait methods called through generics, and functions the analysis
    /// does not summarise count as checking. `PsRevertToSelf` returns nothing and is never
    /// reported. A revert outside a guard's `Drop` is reported only where the
    /// thread may be impersonating, so a "lockdown" revert at the start of
    /// `main` is left alone; a revert helper whose callers all live in other
    /// crates is therefore only checked when the configuration or an `//
    /// imperlint: impersonated` comment says it runs impersonated. Reverts made
    /// through function pointers, trait objects or other crates' macros beyond
    /// the common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    ///
    /// ### References
    /// - Microsoft Learn, [`RevertToSelf`](https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-reverttoself): if it fails, the application keeps running as the client; shut the process down.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): impersonation is per thread, and the thread token decides every access check.
    /// - Randy Turner, *What's in a Token (Part 2): Impersonation* (Microsoft Ask the Directory Services Team blog): how a thread's impersonation token replaces the primary token for the work it does.
    pub UNCHECKED_REVERT = "unchecked_revert",
    level: Deny,
    summary: "the result of a call that ends impersonation is not checked, so on failure the thread keeps the client's identity",
    security_severity: "8.5",
}

pub static LINT: Lint = Lint {
    info: &UNCHECKED_REVERT,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::End {
        api,
        check,
        in_drop,
    } = &event.kind
    else {
        return;
    };
    // A revert where nothing can be impersonated (a lockdown revert at the
    // start of `main`) is not a finding; a guard's `Drop` always reverts
    // something.
    if !*in_drop && !event.state.is_impersonating() {
        return;
    }
    let what = match check {
        Check::Dropped => "is ignored",
        Check::UnusedVariable => "is stored in a variable that is never read",
        Check::DebugOnly => {
            "is checked only in debug builds, which leave the check out of the release build"
        }
        Check::Checked | Check::NotCheckable => return,
    };
    let (message, help) = if *in_drop {
        (
            format!("the result of `{api}` in this guard's `Drop` {what}"),
            format!("`Drop` cannot return the error: abort when the revert fails, `if {api}(..).is_err() {{ std::process::abort() }}`"),
        )
    } else {
        (
            format!("the result of `{api}` {what}"),
            format!("propagate the error with `?`, or abort when the revert fails: `if {api}(..).is_err() {{ std::process::abort() }}`"),
        )
    };
    sink.report(
        event,
        Finding::new(
            message,
            "if this fails, the thread keeps the client's token for everything it does next",
            help,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, reverted, run};
    use imperlint_analyzer::event::{Check, EventKind};

    fn end(check: Check, in_drop: bool) -> EventKind {
        EventKind::End {
            api: "RevertToSelf".to_string(),
            check,
            in_drop,
        }
    }

    #[test]
    fn reports_unchecked_revert_while_impersonating() {
        for check in [Check::Dropped, Check::UnusedVariable, Check::DebugOnly] {
            let diags = run(&LINT, &event(end(check, false), impersonating()));
            assert_eq!(diags.len(), 1, "{check:?}");
            assert!(!diags[0].message.contains("Drop"));
        }
    }

    #[test]
    fn mentions_the_guard_drop() {
        let diags = run(&LINT, &event(end(Check::Dropped, true), reverted()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("`Drop`"));
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("std::process::abort()"));
    }

    #[test]
    fn lockdown_revert_and_checked_reverts_are_fine() {
        assert!(run(&LINT, &event(end(Check::Dropped, false), reverted())).is_empty());
        for check in [Check::Checked, Check::NotCheckable] {
            assert!(run(&LINT, &event(end(check, true), impersonating())).is_empty());
        }
    }
}
