//! `process_profile_while_impersonating`: profile folders and profile environment variables looked up for the process user inside an impersonated region.

use imperlint_analyzer::catalog::{is_profile_env_var, Role};
use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports, while the thread is impersonating: `SHGetKnownFolderPath`,
    /// `SHGetFolderPath*` and similar calls passed a null token; reads of
    /// profile environment variables (`USERPROFILE`, `APPDATA`,
    /// `LOCALAPPDATA`, `TEMP`, `TMP`, `HOMEDRIVE`, `HOMEPATH`, `HOMESHARE`)
    /// with `std::env::var`/`var_os`; `home_dir`, `temp_dir`, `GetTempPath*`
    /// and the `dirs`/`directories` lookups, which always answer for the
    /// process user.
    ///
    /// ### Why is this bad?
    /// These lookups answer for the user the process runs as. The environment
    /// block belongs to the process and is not swapped when a thread
    /// impersonates; a null token tells the shell "the current user" and it
    /// takes the process's; `dirs` and `std::env::home_dir` pass a null token
    /// or read the environment. Inside an impersonated region the code
    /// therefore reads and writes the *service's* profile folders while it
    /// believes it serves the client: one client's files land where the next
    /// client, or the service itself, picks them up, and the client's real
    /// folders are never touched. Raymond Chen singles out
    /// `SHGetKnownFolderPath`'s token parameter: pass NULL and it assumes you
    /// are not impersonating.
    ///
    /// ### Example
    /// ```rust
    /// use std::env;
    /// use std::path::PathBuf;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::HANDLE;
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    ///
    /// /// Where the pipe's client keeps its cached downloads.
    /// pub fn client_cache_dir(pipe: HANDLE) -> Result<Option<PathBuf>> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The environment block is the service's: this is the service's profile.
    ///     let local = env::var_os("LOCALAPPDATA");
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     Ok(local.map(|dir| PathBuf::from(dir).join("Contoso")))
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::path::PathBuf;
    ///
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::{CloseHandle, HANDLE};
    /// use windows::Win32::Security::{RevertToSelf, TOKEN_IMPERSONATE, TOKEN_QUERY};
    /// use windows::Win32::System::Com::CoTaskMemFree;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::System::Threading::{GetCurrentThread, OpenThreadToken};
    /// use windows::Win32::UI::Shell::{FOLDERID_LocalAppData, SHGetKnownFolderPath, KF_FLAG_DEFAULT};
    ///
    /// /// Where the pipe's client keeps its cached downloads.
    /// pub fn client_cache_dir(pipe: HANDLE) -> Result<PathBuf> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     let local = client_local_app_data();
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     Ok(local?.join("Contoso"))
    /// }
    ///
    /// /// The impersonated client's local application-data folder.
    /// fn client_local_app_data() -> Result<PathBuf> {
    ///     let mut token = HANDLE::default();
    ///     unsafe { OpenThreadToken(GetCurrentThread(), TOKEN_QUERY | TOKEN_IMPERSONATE, true, &mut token) }?;
    ///     // An explicit token: the client's folder, not the service's.
    ///     let found = unsafe { SHGetKnownFolderPath(&FOLDERID_LocalAppData, KF_FLAG_DEFAULT, token) };
    ///     let _ = unsafe { CloseHandle(token) };
    ///     let path = found?;
    ///     let text = unsafe { path.to_string() };
    ///     unsafe { CoTaskMemFree(Some(path.0 as *const _)) };
    ///     Ok(PathBuf::from(text?))
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Variable names computed at run time are not followed, and neither are
    /// lookups inside other crates' functions unless the catalog lists them
    /// (`dirs`, `directories`, `home` are listed). A token argument is judged
    /// null from its syntax (`None`, `0`, `null_mut()`, `HANDLE::default()`); a
    /// null token held in a variable is taken as a real token. Calls through
    /// function pointers, trait objects or other crates' macros beyond the
    /// common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): with a NULL token, `SHGetKnownFolderPath` assumes you are not impersonating.
    /// - Microsoft Learn, [`SHGetKnownFolderPath`](https://learn.microsoft.com/en-us/windows/win32/api/shlobj_core/nf-shlobj_core-shgetknownfolderpath): the `hToken` parameter selects whose folder is returned.
    /// - Microsoft Learn, [`OpenThreadToken`](https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-openthreadtoken): how to get the impersonated client's token.
    pub PROCESS_PROFILE_WHILE_IMPERSONATING = "process_profile_while_impersonating",
    level: Warn,
    summary: "a profile folder or profile environment variable looked up while impersonating belongs to the process user, not the client",
    security_severity: "6.0",
}

pub static LINT: Lint = Lint {
    info: &PROCESS_PROFILE_WHILE_IMPERSONATING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Call { api, facts } = &event.kind else {
        return;
    };
    if !event.state.is_impersonating() {
        return;
    }
    let name = facts.callee(api);
    let (message, label) = match api.role {
        Role::ProfileWithToken if facts.null_token => (
            format!("`{name}` is given a null token while impersonating"),
            "a null token means the process's user, not the thread's client",
        ),
        Role::ProfileLookup => (
            format!("`{name}` looks up the process user's folders while impersonating"),
            "it ignores the thread token and answers for the service",
        ),
        Role::EnvRead => match facts.env_var.as_deref() {
            Some(var) if is_profile_env_var(var) => (
                format!("`{name}({var:?})` reads the process environment while impersonating"),
                "the environment block belongs to the process: this is the service's profile",
            ),
            _ => return,
        },
        _ => return,
    };
    sink.report(
        event,
        Finding::new(
            message,
            label,
            "take the client's token with `OpenThreadToken` and pass it to `SHGetKnownFolderPath` (or `GetUserProfileDirectoryW`)",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, impersonating, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{CallFacts, EventKind};

    fn call(name: &'static str, role: Role, facts: CallFacts) -> EventKind {
        EventKind::Call {
            api: api(name, role),
            facts,
        }
    }

    fn env(var: &str) -> EventKind {
        let facts = CallFacts {
            env_var: Some(var.to_string()),
            ..CallFacts::default()
        };
        call("var_os", Role::EnvRead, facts)
    }

    #[test]
    fn reports_null_token_lookups() {
        let null = CallFacts {
            null_token: true,
            ..CallFacts::default()
        };
        let kind = call("SHGetKnownFolderPath", Role::ProfileWithToken, null);
        assert_eq!(run(&LINT, &event(kind, impersonating())).len(), 1);
        let with_token = call(
            "SHGetKnownFolderPath",
            Role::ProfileWithToken,
            CallFacts::default(),
        );
        assert!(run(&LINT, &event(with_token, impersonating())).is_empty());
    }

    #[test]
    fn reports_process_only_lookups() {
        let kind = call("home_dir", Role::ProfileLookup, CallFacts::default());
        assert_eq!(run(&LINT, &event(kind, impersonating())).len(), 1);
    }

    #[test]
    fn reports_profile_variables_only() {
        let diags = run(&LINT, &event(env("localappdata"), impersonating()));
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            "`var_os(\"localappdata\")` reads the process environment while impersonating"
        );
        assert!(run(&LINT, &event(env("RUST_LOG"), impersonating())).is_empty());
        let unknown = call("var", Role::EnvRead, CallFacts::default());
        assert!(run(&LINT, &event(unknown, impersonating())).is_empty());
    }

    #[test]
    fn not_impersonating_is_fine() {
        assert!(run(&LINT, &event(env("APPDATA"), reverted())).is_empty());
    }
}
