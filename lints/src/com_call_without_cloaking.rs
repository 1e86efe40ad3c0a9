//! `com_call_without_cloaking`: COM activation or calls while impersonating in a crate that never enables cloaking.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a COM activation (`CoCreateInstance`, `CoCreateInstanceEx`, …)
    /// or COM interface call made while the thread is impersonating, in a
    /// crate that never enables cloaking: no `EOAC_STATIC_CLOAKING` or
    /// `EOAC_DYNAMIC_CLOAKING` in `CoInitializeSecurity` or
    /// `CoSetProxyBlanket`. When the crate calls `CoInitializeSecurity`
    /// without cloaking, that call is shown as a related location.
    ///
    /// ### Why is this bad?
    /// Without cloaking, COM ignores the thread's impersonation token on
    /// outgoing calls and authenticates with the process's own identity. The
    /// object on the other side sees the service, not the client, and grants
    /// or refuses access, and writes its audit records, accordingly. The
    /// impersonation the caller carefully set up stops at the proxy: the call
    /// may do what the client is not allowed to, or fail for reasons that only
    /// show up in production. Keith Brown notes that cloaking is on by default
    /// only in COM+ and IIS worker processes; a service that does not call
    /// `CoInitializeSecurity` with a cloaking flag does not get it, and
    /// Raymond Chen lists the missing blanket among the things that quietly
    /// break under impersonation.
    ///
    /// ### Example
    /// ```rust
    /// use windows::core::{IUnknown, Result, GUID};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::{RevertToSelf, PSECURITY_DESCRIPTOR};
    /// use windows::Win32::System::Com::{
    ///     CoCreateInstance, CoInitializeSecurity, CLSCTX_LOCAL_SERVER, EOAC_NONE,
    ///     RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IMPERSONATE,
    /// };
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Called once at service start-up, after `CoInitializeEx`.
    /// pub fn init_com_security() -> Result<()> {
    ///     unsafe {
    ///         CoInitializeSecurity(
    ///             PSECURITY_DESCRIPTOR::default(),
    ///             -1,
    ///             None,
    ///             None,
    ///             RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    ///             RPC_C_IMP_LEVEL_IMPERSONATE,
    ///             None,
    ///             EOAC_NONE,
    ///             None,
    ///         )
    ///     }
    /// }
    ///
    /// /// Opens a session on the local COM server `clsid` for the pipe's client.
    /// pub fn open_session(pipe: HANDLE, clsid: &GUID) -> Result<IUnknown> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // Activated with the service's identity: the server never sees the client.
    ///     let session = unsafe { CoCreateInstance(clsid, None, CLSCTX_LOCAL_SERVER) };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     session
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use windows::core::{IUnknown, Result, GUID};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::{RevertToSelf, PSECURITY_DESCRIPTOR};
    /// use windows::Win32::System::Com::{
    ///     CoCreateInstance, CoInitializeSecurity, CLSCTX_LOCAL_SERVER, EOAC_DYNAMIC_CLOAKING,
    ///     RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IMPERSONATE,
    /// };
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Called once at service start-up, after `CoInitializeEx`.
    /// pub fn init_com_security() -> Result<()> {
    ///     unsafe {
    ///         CoInitializeSecurity(
    ///             PSECURITY_DESCRIPTOR::default(),
    ///             -1,
    ///             None,
    ///             None,
    ///             RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    ///             RPC_C_IMP_LEVEL_IMPERSONATE,
    ///             None,
    ///             // Each call carries the calling thread's token.
    ///             EOAC_DYNAMIC_CLOAKING,
    ///             None,
    ///         )
    ///     }
    /// }
    ///
    /// /// Opens a session on the local COM server `clsid` for the pipe's client.
    /// pub fn open_session(pipe: HANDLE, clsid: &GUID) -> Result<IUnknown> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let session = unsafe { CoCreateInstance(clsid, None, CLSCTX_LOCAL_SERVER) };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     session
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Cloaking is looked for in the crate being checked: a crate whose COM
    /// security is set up by another crate (a shared start-up library, a
    /// host process, COM+ configuration) is reported and needs a suppression
    /// with a reason. Capability flags computed at run time are not followed.
    /// COM methods are recognised by name, so an unrelated method with a COM
    /// interface method's name can be reported, and calls through raw vtables
    /// (`windows-sys`, `winapi`'s `(*p).Method()` when not re-parsed), function
    /// pointers or trait objects can be missed.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): without cloaking, COM uses the process's credentials on outgoing calls.
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): a COM call runs under the object's token unless the proxy blanket enables cloaking.
    /// - Microsoft Learn, [Cloaking](https://learn.microsoft.com/en-us/windows/win32/cossdk/cloaking): static and dynamic cloaking, and what the server sees without them.
    /// - Microsoft Learn, [`CoInitializeSecurity`](https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coinitializesecurity).
    pub COM_CALL_WITHOUT_CLOAKING = "com_call_without_cloaking",
    level: Warn,
    summary: "a COM call made while impersonating goes out with the process identity because cloaking is never enabled",
    security_severity: "6.5",
}

pub static LINT: Lint = Lint {
    info: &COM_CALL_WITHOUT_CLOAKING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Fact(LintFact::ComWithoutCloaking { call, setup }) = &event.kind else {
        return;
    };
    if !event.state.is_impersonating() {
        return;
    }
    let mut finding = Finding::new(
        format!("`{call}` is a COM call made while impersonating, and this crate never enables cloaking"),
        "the call goes out with the process identity, not the client's",
        "enable cloaking: `EOAC_DYNAMIC_CLOAKING` in `CoInitializeSecurity`, or `EOAC_STATIC_CLOAKING`/`EOAC_DYNAMIC_CLOAKING` in `CoSetProxyBlanket` on the proxy",
    );
    if let Some(setup) = setup {
        finding = finding.related(
            setup.clone(),
            "`CoInitializeSecurity` here does not enable cloaking",
        );
    }
    sink.report(event, finding);
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, loc, reverted, run};
    use imperlint_analyzer::event::LintFact;

    fn com(setup: bool) -> LintFact {
        LintFact::ComWithoutCloaking {
            call: "CoCreateInstance".to_string(),
            setup: setup.then(|| loc(30)),
        }
    }

    #[test]
    fn reports_with_the_setup_as_related() {
        let diags = run(&LINT, &event(com(true), impersonating()));
        assert_eq!(diags.len(), 1);
        // Where impersonation began, then the setup.
        assert_eq!(diags[0].related.len(), 2);
        assert_eq!(diags[0].related[1].location, loc(30));
        assert_eq!(
            run(&LINT, &event(com(false), impersonating()))[0]
                .related
                .len(),
            1
        );
    }

    #[test]
    fn not_impersonating_is_fine() {
        assert!(run(&LINT, &event(com(true), reverted())).is_empty());
    }
}
