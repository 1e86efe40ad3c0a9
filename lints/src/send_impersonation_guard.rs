//! `send_impersonation_guard`: an impersonation guard type that can move to another thread.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a guard type (a type whose `Drop` ends impersonation) that is
    /// `Send`: it has an `unsafe impl Send`, or every field is `Send`, worked
    /// out as the compiler does. A reference `&T` is `Send` only if `T` is
    /// `Sync` (`&mut T` if `T` is `Send`); a type of the crate is `Send` only
    /// if all its fields (every variant's, for an enum) are, recursively,
    /// unless it declares otherwise (`unsafe impl Send`/`Sync`, `impl !Send`,
    /// `assert_not_impl_any!(T: Send)`); raw pointers, `Rc`, `NonNull`,
    /// `Cell`/`RefCell` behind `&`, `MutexGuard` and `PhantomData<*const ()>`
    /// are not. The message says which fields make it `Send`.
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
    /// A guard that borrows what it impersonates is `Send` when that is
    /// `Sync`, which a token shared between threads usually is:
    ///
    /// ```rust
    /// use std::io;
    ///
    /// use winapi::um::securitybaseapi::{ImpersonateLoggedOnUser, RevertToSelf};
    /// use winapi::um::winnt::HANDLE;
    ///
    /// /// A logged-on user's token, shared by the service's workers.
    /// pub struct SharedToken {
    ///     raw: HANDLE,
    /// }
    ///
    /// // SAFETY: the token is only read, from any thread.
    /// unsafe impl Send for SharedToken {}
    /// unsafe impl Sync for SharedToken {}
    ///
    /// /// Impersonates a shared token while it is borrowed.
    /// pub struct TokenImpersonation<'a> {
    ///     // `SharedToken` is `Sync`, so `&SharedToken` is `Send`: so is the guard.
    ///     token: &'a SharedToken,
    /// }
    ///
    /// impl<'a> TokenImpersonation<'a> {
    ///     pub fn begin(token: &'a SharedToken) -> io::Result<Self> {
    ///         if unsafe { ImpersonateLoggedOnUser(token.raw) } == 0 {
    ///             return Err(io::Error::last_os_error());
    ///         }
    ///         Ok(TokenImpersonation { token })
    ///     }
    /// }
    ///
    /// impl Drop for TokenImpersonation<'_> {
    ///     fn drop(&mut self) {
    ///         if unsafe { RevertToSelf() } == 0 {
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
    /// A guard that borrows something not `Sync` (a raw RPC binding, a
    /// `RefCell`) is not `Send`, and needs no marker:
    ///
    /// ```rust
    /// use std::ffi::c_void;
    ///
    /// use winapi::um::rpcdce::{RpcImpersonateClient, RpcRevertToSelfEx};
    ///
    /// /// An RPC binding handle, owned by the listener thread.
    /// pub struct Binding {
    ///     raw: *mut c_void,
    /// }
    ///
    /// /// Impersonates the caller of a binding while it is borrowed.
    /// pub struct BindingImpersonation<'a> {
    ///     // `Binding` holds a raw pointer, so it is not `Sync` and `&Binding` is not `Send`.
    ///     binding: &'a Binding,
    /// }
    ///
    /// impl<'a> BindingImpersonation<'a> {
    ///     pub fn begin(binding: &'a Binding) -> Result<Self, i32> {
    ///         let status = unsafe { RpcImpersonateClient(binding.raw) };
    ///         if status != 0 {
    ///             return Err(status);
    ///         }
    ///         Ok(BindingImpersonation { binding })
    ///     }
    /// }
    ///
    /// impl Drop for BindingImpersonation<'_> {
    ///     fn drop(&mut self) {
    ///         if unsafe { RpcRevertToSelfEx(self.binding.raw) } != 0 {
    ///             std::process::abort();
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Types from other crates are known from a table of well-known std,
    /// `windows`, `windows-sys`, `winapi` and tokio types; `HANDLE`-like types
    /// depend on the binding's version, read from the package's `Cargo.toml`
    /// (`isize` before `windows` 0.58 and `windows-sys` 0.59, a pointer
    /// since). A field whose type imperlint does not know (another crate's
    /// type, a generic parameter nobody binds, a macro in type position, a
    /// dependency whose version is not pinned in `Cargo.toml`) makes the
    /// answer unknown, and the guard is not reported unless it is `Send`
    /// whatever that field is. Supertraits of trait objects (`dyn Job` where
    /// `trait Job: Send`) are not looked up, and types are known by their
    /// last name, so two types of the same name in different modules are
    /// confused. Guards whose `Drop` reverts through a function pointer, a
    /// trait object or another crate's macro beyond the common expression
    /// macros imperlint re-parses (the crate's own `macro_rules!`, and the
    /// exported ones of dependencies whose source is read, are expanded, and
    /// the fields of a type they define are read from the expansion) are not
    /// recognised as guards.
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
    let EventKind::Fact(LintFact::SendGuard { guard, why }) = &event.kind else {
        return;
    };
    sink.report(
        event,
        Finding::new(
            format!("impersonation guard `{guard}` is `Send` ({why})"),
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
            why: "every field is: `_private: ()`".to_string(),
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("`ClientImpersonation`"));
        assert!(diags[0].message.contains("`_private: ()`"));
    }
}
