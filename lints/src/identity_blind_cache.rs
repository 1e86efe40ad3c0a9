//! `identity_blind_cache`: a process-wide or thread-local cache filled while impersonating.

use imperlint_analyzer::event::{Event, EventKind, LintFact};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a write to a cache that outlives the request (a `static`
    /// `OnceLock`, `OnceCell`, `LazyLock`, `lazy_static!`, `thread_local!`, or
    /// a `static Mutex<..>`/`RwLock<..>`) made while the thread is
    /// impersonating: `get_or_init`, `set`, `insert`, assignment through a
    /// lock guard and the like. The cache's declaration is shown as a related
    /// location.
    ///
    /// ### Why is this bad?
    /// A value computed while impersonating depends on who was impersonated:
    /// what that client may open, what its profile says, which files it can
    /// see. A cache keyed by anything but that identity hands the first
    /// client's answer to every later caller, including other clients and the
    /// service itself. An access decision cached for an administrator is
    /// served to a guest; a guest's refusal locks everyone else out. Raymond
    /// Chen makes the point that impersonation needs every layer to be aware
    /// of it, caches included: a value calculated for user X must not be used
    /// for user Y.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs::File;
    /// use std::sync::OnceLock;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// const PAYROLL: &str = r"\\files\hr\payroll.xlsx";
    ///
    /// static PAYROLL_READABLE: OnceLock<bool> = OnceLock::new();
    ///
    /// /// Whether the pipe's client may read the payroll file.
    /// pub fn may_read_payroll(pipe: HANDLE) -> Result<bool> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The first client's answer is kept for every client after it.
    ///     let readable = *PAYROLL_READABLE.get_or_init(|| File::open(PAYROLL).is_ok());
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     Ok(readable)
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::fs::File;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// const PAYROLL: &str = r"\\files\hr\payroll.xlsx";
    ///
    /// /// One client's connection; what is cached here is that client's.
    /// pub struct Session {
    ///     pipe: HANDLE,
    ///     payroll_readable: Option<bool>,
    /// }
    ///
    /// impl Session {
    ///     pub fn new(pipe: HANDLE) -> Self {
    ///         Session { pipe, payroll_readable: None }
    ///     }
    ///
    ///     /// Whether this session's client may read the payroll file.
    ///     pub fn may_read_payroll(&mut self) -> Result<bool> {
    ///         if let Some(readable) = self.payroll_readable {
    ///             return Ok(readable);
    ///         }
    ///         unsafe { ImpersonateNamedPipeClient(self.pipe) }?;
    ///         let readable = File::open(PAYROLL).is_ok();
    ///         if unsafe { RevertToSelf() }.is_err() {
    ///             std::process::abort();
    ///         }
    ///         self.payroll_readable = Some(readable);
    ///         Ok(readable)
    ///     }
    /// }
    /// ```
    ///
    /// ### Known problems
    /// The lint cannot tell whether a cache is keyed by the caller's identity:
    /// a `static Mutex<HashMap<Sid, _>>` keyed by the client's SID is reported
    /// too and needs a suppression with a reason. Caches reached through
    /// references passed in as parameters, trait objects, other crates'
    /// functions, or other crates' macros beyond the common expression macros
    /// imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are
    /// not seen; a value computed while impersonating and stored after the
    /// revert is not seen either.
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): a cache must be impersonation-aware, so that a value computed for user X is not used for user Y.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): be certain that each request runs with its own client's token, and never get tokens crossed.
    pub IDENTITY_BLIND_CACHE = "identity_blind_cache",
    level: Warn,
    summary: "a process-wide or thread-local cache filled while impersonating serves one client's result to every caller",
    security_severity: "6.5",
}

pub static LINT: Lint = Lint {
    info: &IDENTITY_BLIND_CACHE,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Fact(LintFact::CacheWrite { cache, declared }) = &event.kind else {
        return;
    };
    if !event.state.is_impersonating() {
        return;
    }
    sink.report(
        event,
        Finding::new(
            format!("`{cache}` is written while impersonating"),
            "the value depends on the client, but every later caller gets it",
            "key the cache by the client's identity (its SID), keep it per connection, or fill it before impersonating",
        )
        .related(
            declared.clone(),
            format!("`{cache}` is shared by every caller, whoever they impersonate"),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{event, impersonating, loc, reverted, run};
    use imperlint_analyzer::event::LintFact;

    fn write() -> LintFact {
        LintFact::CacheWrite {
            cache: "PAYROLL_READABLE".to_string(),
            declared: loc(3),
        }
    }

    #[test]
    fn reports_write_with_declaration() {
        let diags = run(&LINT, &event(write(), impersonating()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].related.iter().any(|r| r.location == loc(3)));
    }

    #[test]
    fn write_outside_impersonation_is_fine() {
        assert!(run(&LINT, &event(write(), reverted())).is_empty());
    }
}
