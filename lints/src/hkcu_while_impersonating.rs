//! `hkcu_while_impersonating`: the per-user predefined registry keys used from an impersonated region.

use imperlint_analyzer::catalog::Role;
use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports a use of `HKEY_CURRENT_USER` or `HKEY_CLASSES_ROOT` (from any
    /// Windows crate, `winreg`'s `RegKey::predef`, or `windows-registry`'s
    /// `CURRENT_USER`/`CLASSES_ROOT`) while the thread is impersonating.
    ///
    /// ### Why is this bad?
    /// The predefined handle `HKEY_CURRENT_USER` is resolved once and cached
    /// for the whole process: it points into the hive of the user the process
    /// runs as, whoever the calling thread happens to impersonate.
    /// `HKEY_CLASSES_ROOT` merges in the same cached per-user part. A service
    /// that impersonates a client and reads "the user's" settings through
    /// these keys reads the service account's settings; worse, it writes the
    /// client's data into the service's hive, where the next client finds it.
    /// Raymond Chen names these keys as a convenience that does not work when
    /// impersonating; Microsoft's documentation points to `RegOpenCurrentUser`
    /// and `RegOpenUserClassesRoot`, which use the thread's token.
    ///
    /// ### Example
    /// ```rust
    /// use std::ffi::c_void;
    /// use std::mem::size_of;
    ///
    /// use windows::core::{w, Result};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::System::Registry::{RegGetValueW, HKEY_CURRENT_USER, RRF_RT_REG_DWORD};
    ///
    /// /// Whether the pipe's client prefers the dark theme.
    /// pub fn client_prefers_dark_theme(pipe: HANDLE) -> Result<bool> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let mut light = 1u32;
    ///     let mut size = size_of::<u32>() as u32;
    ///     // Reads the service account's hive, not the client's.
    ///     let status = unsafe {
    ///         RegGetValueW(
    ///             HKEY_CURRENT_USER,
    ///             w!(r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize"),
    ///             w!("AppsUseLightTheme"),
    ///             RRF_RT_REG_DWORD,
    ///             None,
    ///             Some(&mut light as *mut u32 as *mut c_void),
    ///             Some(&mut size),
    ///         )
    ///     };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     status.ok()?;
    ///     Ok(light == 0)
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::ffi::c_void;
    /// use std::mem::size_of;
    ///
    /// use windows::core::{w, Result};
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::System::Registry::{
    ///     RegCloseKey, RegGetValueW, RegOpenCurrentUser, HKEY, KEY_READ, RRF_RT_REG_DWORD,
    /// };
    ///
    /// /// Whether the pipe's client prefers the dark theme.
    /// pub fn client_prefers_dark_theme(pipe: HANDLE) -> Result<bool> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let mut light = 1u32;
    ///     let mut size = size_of::<u32>() as u32;
    ///     // The client's HKEY_CURRENT_USER, found through the thread's token.
    ///     let mut user = HKEY::default();
    ///     let mut status = unsafe { RegOpenCurrentUser(KEY_READ.0, &mut user) };
    ///     if status.is_ok() {
    ///         status = unsafe {
    ///             RegGetValueW(
    ///                 user,
    ///                 w!(r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize"),
    ///                 w!("AppsUseLightTheme"),
    ///                 RRF_RT_REG_DWORD,
    ///                 None,
    ///                 Some(&mut light as *mut u32 as *mut c_void),
    ///                 Some(&mut size),
    ///             )
    ///         };
    ///         let _ = unsafe { RegCloseKey(user) };
    ///     }
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     status.ok()?;
    ///     Ok(light == 0)
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Only the predefined keys themselves are recognised: a key opened from
    /// `HKEY_CURRENT_USER` before impersonating and used inside the region, or
    /// a predefined handle passed in as a parameter, is not seen. A process
    /// that calls `RegDisablePredefinedCache` at start-up makes
    /// `HKEY_CURRENT_USER` follow the thread token; the lint does not know that
    /// and needs a suppression with a reason there. Uses inside other crates'
    /// macros beyond the common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): `HKEY_CURRENT_USER` and `HKEY_CLASSES_ROOT` do not work when impersonating.
    /// - Microsoft Learn, [`RegOpenCurrentUser`](https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regopencurrentuser): `HKEY_CURRENT_USER` is cached for all threads of a process; this function uses the thread's token.
    /// - Microsoft Learn, [`RegOpenUserClassesRoot`](https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regopenuserclassesroot): the merged classes root of the user a token names.
    pub HKCU_WHILE_IMPERSONATING = "hkcu_while_impersonating",
    level: Warn,
    summary: "`HKEY_CURRENT_USER`/`HKEY_CLASSES_ROOT` used while impersonating open the service's hive, not the client's",
    security_severity: "6.0",
}

pub static LINT: Lint = Lint {
    info: &HKCU_WHILE_IMPERSONATING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::PathUse { api } = &event.kind else {
        return;
    };
    if api.role != Role::PerUserRegistryRoot || !event.state.is_impersonating() {
        return;
    }
    let help = if api.name.contains("CLASSES_ROOT") {
        "open the client's classes root with `RegOpenUserClassesRoot` and the thread's token"
    } else {
        "open the client's `HKEY_CURRENT_USER` with `RegOpenCurrentUser`, which uses the thread's token"
    };
    sink.report(
        event,
        Finding::new(
            format!("`{}` used while impersonating", api.name),
            "the key is cached for the process: it maps to the service's profile, not the client's",
            help,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, impersonating, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::EventKind;

    fn path(name: &'static str, role: Role) -> EventKind {
        EventKind::PathUse {
            api: api(name, role),
        }
    }

    #[test]
    fn suggests_the_matching_replacement() {
        let hkcu = run(
            &LINT,
            &event(
                path("HKEY_CURRENT_USER", Role::PerUserRegistryRoot),
                impersonating(),
            ),
        );
        assert_eq!(hkcu.len(), 1);
        assert!(hkcu[0]
            .help
            .as_deref()
            .unwrap()
            .contains("RegOpenCurrentUser"));
        let hkcr = run(
            &LINT,
            &event(
                path("CLASSES_ROOT", Role::PerUserRegistryRoot),
                impersonating(),
            ),
        );
        assert!(hkcr[0]
            .help
            .as_deref()
            .unwrap()
            .contains("RegOpenUserClassesRoot"));
    }

    #[test]
    fn ignores_reverted_state_and_other_paths() {
        assert!(run(
            &LINT,
            &event(
                path("HKEY_CURRENT_USER", Role::PerUserRegistryRoot),
                reverted()
            )
        )
        .is_empty());
        assert!(run(
            &LINT,
            &event(
                path("RegOpenCurrentUser", Role::PerUserRegistryFix),
                impersonating()
            )
        )
        .is_empty());
    }
}
