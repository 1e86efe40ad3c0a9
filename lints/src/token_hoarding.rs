//! `token_hoarding`: token handles kept where they outlive the function, with no close.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a token handle (from `OpenThreadToken`, `OpenProcessToken`,
    /// `DuplicateToken*`, `LogonUser*`, `WTSQueryUserToken`…) stored in a
    /// collection, a field or a static, where it outlives the function, when
    /// no path from the store closes it. The place the token was obtained is
    /// shown as a related location.
    ///
    /// ### Why is this bad?
    /// A token is a user's identity in a handle: whoever holds it can
    /// impersonate that user, and it does not expire while it is held. Keith
    /// Brown warns that a server that collects its clients' tokens slowly
    /// accumulates their rights: over time the process can act as every user
    /// who ever connected, long after they left, and an attacker who takes the
    /// process over inherits all of them. A token should live as long as the
    /// request that needed it, and be closed when that request ends.
    ///
    /// ### Example
    /// ```rust
    /// use std::collections::HashMap;
    ///
    /// use windows::core::{Result, HSTRING};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::{LogonUserW, LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT};
    ///
    /// /// Logs users on once and keeps their tokens for later requests.
    /// #[derive(Default)]
    /// pub struct Logons {
    ///     tokens: HashMap<String, HANDLE>,
    /// }
    ///
    /// impl Logons {
    ///     pub fn log_on(&mut self, user: &str, domain: &str, password: &str) -> Result<()> {
    ///         let mut token = HANDLE::default();
    ///         unsafe {
    ///             LogonUserW(
    ///                 &HSTRING::from(user),
    ///                 &HSTRING::from(domain),
    ///                 &HSTRING::from(password),
    ///                 LOGON32_LOGON_NETWORK,
    ///                 LOGON32_PROVIDER_DEFAULT,
    ///                 &mut token,
    ///             )
    ///         }?;
    ///         // Every user who ever logged on stays available to the process.
    ///         self.tokens.insert(user.to_owned(), token);
    ///         Ok(())
    ///     }
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use windows::core::{Owned, Result, HSTRING};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::{LogonUserW, LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT};
    ///
    /// /// Logs `user` on, runs `work` with the token, and closes it.
    /// pub fn with_logon<T>(
    ///     user: &str,
    ///     domain: &str,
    ///     password: &str,
    ///     work: impl FnOnce(HANDLE) -> Result<T>,
    /// ) -> Result<T> {
    ///     let mut token = HANDLE::default();
    ///     unsafe {
    ///         LogonUserW(
    ///             &HSTRING::from(user),
    ///             &HSTRING::from(domain),
    ///             &HSTRING::from(password),
    ///             LOGON32_LOGON_NETWORK,
    ///             LOGON32_PROVIDER_DEFAULT,
    ///             &mut token,
    ///         )
    ///     }?;
    ///     // Closed when `token` is dropped, on every path out of this function.
    ///     let token = unsafe { Owned::new(token) };
    ///     work(*token)
    /// }
    /// ```
    ///
    /// ### Known problems
    /// A close is looked for on the paths of the function that stores the
    /// token; a store whose owner closes the token in its own `Drop` or in
    /// another function is reported, and needs a suppression with a reason when
    /// that lifetime is deliberate and bounded. Tokens obtained or stored
    /// through helpers of other crates, function pointers, trait objects or
    /// other crates' macros beyond the common expression macros imperlint
    /// re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    /// Wrapping a token in `OwnedHandle` or `Owned` does not make keeping it
    /// for the life of the process any safer.
    ///
    /// ### References
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): a server can collect client tokens, which never time out, and so grow its privilege over time.
    /// - Randy Turner, *What's in a Token (Part 2): Impersonation* (Microsoft Ask the Directory Services Team blog): a token is the identity that access checks are made against.
    /// - Microsoft Learn, [`LogonUserW`](https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-logonuserw): close the token with `CloseHandle` when you no longer need it.
    pub TOKEN_HOARDING = "token_hoarding",
    level: Warn,
    summary: "a token handle is stored where it outlives the function and is never closed, so the process keeps the user's identity",
    security_severity: "6.5",
}

pub static LINT: Lint = Lint {
    info: &TOKEN_HOARDING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Fact(LintFact::TokenStore { open, name, how }) = &event.kind else {
        return;
    };
    sink.report(
        event,
        Finding::new(
            format!("token `{name}` is {} and never closed", how.describe()),
            "whoever holds the token can act as its user, for as long as it is kept",
            "use the token within the request and close it (`CloseHandle`, or an `OwnedHandle`/`Owned<HANDLE>` dropped when the request ends)",
        )
        .related(open.clone(), "token obtained here"),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, loc, reverted, run};
    use imperlint_analyzer::event::{Escape, LintFact};

    #[test]
    fn reports_stored_token() {
        let kind = LintFact::TokenStore {
            open: loc(5),
            name: "token".to_string(),
            how: Escape::StoredInCollection,
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("stored in a collection"));
        assert_eq!(diags[0].related[0].location, loc(5));
    }
}
