//! `pool_work_without_transfer`: work handed to a thread pool or async runtime from an impersonated region, without the client's token.

use imperlint_analyzer::catalog::Role;
use imperlint_analyzer::diag::{Edit, Fix};
use imperlint_analyzer::event::{CallFacts, Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports work handed to a pool while the thread is impersonating: the
    /// legacy Win32 pool (`QueueUserWorkItem`, `CreateTimerQueueTimer`,
    /// `RegisterWaitForSingleObject`) without `WT_TRANSFER_IMPERSONATION` in
    /// its flags, the Win32 thread pool (`TrySubmitThreadpoolCallback`,
    /// `SubmitThreadpoolWork`), `rayon` (`spawn`, `join`, `scope`, parallel
    /// iterators), `threadpool`, and async runtimes (`tokio::spawn`,
    /// `spawn_blocking`, `spawn_local`, and the like). For the legacy Win32
    /// calls it offers a fix that adds the flag.
    ///
    /// ### Why is this bad?
    /// A pool runs work on its own threads, and those threads carry the
    /// process's token. The client's identity stays behind on the thread that
    /// submitted the work, so the work item opens files, keys and pipes as the
    /// service. It can reach what the client may not, and what it creates
    /// belongs to the service. Raymond Chen points out that `QueueUserWorkItem`
    /// does this by default and only `WT_TRANSFER_IMPERSONATION` makes the work
    /// item run with the caller's token. Rust's pools and runtimes have no such
    /// flag at all. Keith Brown describes the same loss in ASP.NET, where work
    /// moved to a worker thread must have the impersonation token carried over
    /// by hand; a closure handed to `rayon` or `tokio` is in the same position.
    ///
    /// ### Example
    /// ```rust
    /// use std::ffi::c_void;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::System::Threading::{QueueUserWorkItem, WT_EXECUTEDEFAULT};
    ///
    /// /// Rebuilds the search index of the client's documents.
    /// unsafe extern "system" fn reindex_documents(_context: *mut c_void) -> u32 {
    ///     0
    /// }
    ///
    /// pub fn queue_reindex(pipe: HANDLE) -> Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The work item runs on a pool thread, as the service.
    ///     let queued = unsafe { QueueUserWorkItem(Some(reindex_documents), None, WT_EXECUTEDEFAULT) };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     queued
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::ffi::c_void;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::System::Threading::{
    ///     QueueUserWorkItem, WT_EXECUTEDEFAULT, WT_TRANSFER_IMPERSONATION,
    /// };
    ///
    /// /// Rebuilds the search index of the client's documents.
    /// unsafe extern "system" fn reindex_documents(_context: *mut c_void) -> u32 {
    ///     0
    /// }
    ///
    /// pub fn queue_reindex(pipe: HANDLE) -> Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The pool thread impersonates the client while it runs the work item.
    ///     let queued = unsafe {
    ///         QueueUserWorkItem(
    ///             Some(reindex_documents),
    ///             None,
    ///             WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION,
    ///         )
    ///     };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     queued
    /// }
    /// ```
    ///
    /// For Rust pools and runtimes, take the client's token with
    /// `OpenThreadToken` while impersonating and have the task impersonate it
    /// (and revert) on the thread that runs it, or do the work before handing
    /// off.
    ///
    /// ### Known problems
    /// The flag is found by reading the flags argument: a value built in
    /// another function or loaded at run time is not followed, and the call is
    /// reported. The fix writes `WT_TRANSFER_IMPERSONATION` bare when the
    /// file imports it (or a glob of its module), else by its full path in
    /// the binding crate the call uses. Pools reached through function
    /// pointers, trait objects, libraries that queue work internally, or
    /// other crates' macros beyond the common expression macros imperlint
    /// re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    /// A task that impersonates a token it was given is still reported where
    /// it is submitted from inside a region. Work handed to the crate's
    /// closure runners (`as_client(pipe, || ..)`) is followed through any
    /// number of layers that pass their closure parameter on, as long as it
    /// is passed under the parameter's own name.
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): a work item runs as the process unless `WT_TRANSFER_IMPERSONATION` is passed.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): work moved to a worker thread must have its token propagated by hand.
    /// - Microsoft Learn, [`QueueUserWorkItem`](https://learn.microsoft.com/en-us/windows/win32/api/threadpoollegacyapiset/nf-threadpoollegacyapiset-queueuserworkitem): the `WT_TRANSFER_IMPERSONATION` flag.
    /// - Microsoft Learn, [`OpenThreadToken`](https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-openthreadtoken).
    pub POOL_WORK_WITHOUT_TRANSFER = "pool_work_without_transfer",
    level: Warn,
    summary: "work handed to a thread pool or async runtime while impersonating runs without the client's token",
    security_severity: "7.0",
}

pub static LINT: Lint = Lint {
    info: &POOL_WORK_WITHOUT_TRANSFER,
    check,
};

/// The flag that makes legacy Win32 pool work run with the caller's token.
const TRANSFER_FLAG: &str = "WT_TRANSFER_IMPERSONATION";

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Call { api, facts } = &event.kind else {
        return;
    };
    let target = match api.role {
        Role::PoolSubmit => "a thread pool",
        Role::AsyncSpawn => "an async runtime",
        _ => return,
    };
    if !event.state.is_impersonating() || facts.transfers_impersonation {
        return;
    }
    let fix = transfer_fix(facts);
    let help = if fix.is_some() {
        format!("add `{TRANSFER_FLAG}` to the flags so the work runs with the client's token")
    } else {
        "take the token with `OpenThreadToken` and have the work impersonate it and revert, or do the work before handing off".to_string()
    };
    sink.report(
        event,
        Finding::new(
            format!(
                "`{}` hands work to {target} without the client's token",
                facts.callee(api)
            ),
            "the work runs with the process token, not the client's",
            help,
        )
        .fix(fix),
    );
}

/// Adds `WT_TRANSFER_IMPERSONATION` to a legacy pool call's flags argument.
fn transfer_fix(facts: &CallFacts) -> Option<Fix> {
    let (Some(location), Some(text)) = (&facts.flags_arg, &facts.flags_text) else {
        return None;
    };
    let text = text.trim();
    // The analyzer says how the flag is named in this file (imported, or a
    // full path in the binding crate the code uses).
    let flag = facts
        .transfer_flag
        .clone()
        .unwrap_or_else(|| TRANSFER_FLAG.to_string());
    let replacement = if is_zero(text) {
        flag
    } else {
        if binds_tighter_than_or(text) {
            format!("{text} | {flag}")
        } else {
            format!("({text}) | {flag}")
        }
    };
    Some(Fix {
        description: format!("add `{TRANSFER_FLAG}` to the flags"),
        edits: vec![Edit {
            location: location.clone(),
            replacement,
        }],
    })
}

/// `0`, `0x0`, `0u32`, `0_u32`…: an integer literal whose value is zero.
fn is_zero(text: &str) -> bool {
    const SUFFIXES: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let body = SUFFIXES
        .iter()
        .find_map(|suffix| text.strip_suffix(suffix))
        .unwrap_or(text);
    let digits = ["0x", "0X", "0o", "0b"]
        .iter()
        .find_map(|radix| body.strip_prefix(radix))
        .unwrap_or(body);
    digits.contains('0') && digits.chars().all(|c| c == '0' || c == '_')
}

/// True when `text | X` parses as `(text) | X`: the text is made of paths,
/// literals, calls, casts and operators that bind at least as tightly as `|`
/// (no comparison, `&&`, `||`, range, assignment, block or closure).
fn binds_tighter_than_or(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || " _:|&^().!".contains(c))
        && !text.contains("||")
        && !text.contains("&&")
}

#[cfg(test)]
mod tests {
    use super::{is_zero, LINT};
    use crate::test_support::{api, event, impersonating, loc, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{CallFacts, EventKind};

    fn submit(role: Role, facts: CallFacts) -> EventKind {
        EventKind::Call {
            api: api("QueueUserWorkItem", role),
            facts,
        }
    }

    fn flags(text: &str) -> CallFacts {
        CallFacts {
            flags_arg: Some(loc(10)),
            flags_text: Some(text.to_string()),
            ..CallFacts::default()
        }
    }

    fn replacement(text: &str) -> String {
        let diags = run(
            &LINT,
            &event(submit(Role::PoolSubmit, flags(text)), impersonating()),
        );
        assert_eq!(diags.len(), 1);
        let fix = diags[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.edits.len(), 1);
        fix.edits[0].replacement.clone()
    }

    #[test]
    fn fix_adds_the_flag() {
        assert_eq!(replacement("0"), "WT_TRANSFER_IMPERSONATION");
        assert_eq!(replacement("0x0"), "WT_TRANSFER_IMPERSONATION");
        assert_eq!(replacement("0u32"), "WT_TRANSFER_IMPERSONATION");
        assert_eq!(
            replacement("WT_EXECUTEDEFAULT"),
            "WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION"
        );
        assert_eq!(
            replacement("WT_EXECUTELONGFUNCTION | WT_EXECUTEINPERSISTENTTHREAD"),
            "WT_EXECUTELONGFUNCTION | WT_EXECUTEINPERSISTENTTHREAD | WT_TRANSFER_IMPERSONATION"
        );
        // The analyzer's name for the flag (a full path when not imported) is used.
        let mut named = flags("windows_sys::Win32::System::Threading::WT_EXECUTEDEFAULT");
        named.transfer_flag =
            Some("windows_sys::Win32::System::Threading::WT_TRANSFER_IMPERSONATION".into());
        let diags = run(
            &LINT,
            &event(submit(Role::PoolSubmit, named), impersonating()),
        );
        assert_eq!(
            diags[0].fix.as_ref().expect("a fix").edits[0].replacement,
            "windows_sys::Win32::System::Threading::WT_EXECUTEDEFAULT | windows_sys::Win32::System::Threading::WT_TRANSFER_IMPERSONATION"
        );
        assert_eq!(
            replacement("flags as u32"),
            "flags as u32 | WT_TRANSFER_IMPERSONATION"
        );
        assert_eq!(
            replacement("if slow { 0x10 } else { 0 }"),
            "(if slow { 0x10 } else { 0 }) | WT_TRANSFER_IMPERSONATION"
        );
    }

    #[test]
    fn zero_literals() {
        for zero in ["0", "00", "0x0", "0x00", "0u32", "0_u32", "0usize", "0i32"] {
            assert!(is_zero(zero), "{zero}");
        }
        for nonzero in [
            "0x10",
            "10",
            "0x100",
            "flags",
            "WT_EXECUTEDEFAULT",
            "0b1",
            "0o7",
        ] {
            assert!(!is_zero(nonzero), "{nonzero}");
        }
    }

    #[test]
    fn rust_pools_get_no_fix() {
        for role in [Role::PoolSubmit, Role::AsyncSpawn] {
            let diags = run(
                &LINT,
                &event(submit(role, CallFacts::default()), impersonating()),
            );
            assert_eq!(diags.len(), 1);
            assert!(diags[0].fix.is_none());
        }
    }

    #[test]
    fn transferred_or_reverted_is_fine() {
        let transferred = CallFacts {
            transfers_impersonation: true,
            ..flags("WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION")
        };
        assert!(run(
            &LINT,
            &event(submit(Role::PoolSubmit, transferred), impersonating())
        )
        .is_empty());
        assert!(run(
            &LINT,
            &event(submit(Role::PoolSubmit, flags("0")), reverted())
        )
        .is_empty());
        assert!(run(
            &LINT,
            &event(submit(Role::ThreadSpawn, flags("0")), impersonating())
        )
        .is_empty());
    }
}
