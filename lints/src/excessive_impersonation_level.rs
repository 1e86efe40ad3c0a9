//! `excessive_impersonation_level`: delegation requested, or a named pipe opened as a client without limiting how far the server may impersonate.

use imperlint_analyzer::catalog::{Api, Family, Role};
use imperlint_analyzer::event::{Event, EventKind, LintFact, PipeEvidence};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports two ways of handing out more of an identity than needed:
    /// requesting the delegation level (`SecurityDelegation` in
    /// `DuplicateToken*` or a quality-of-service structure,
    /// `SECURITY_DELEGATION` in pipe flags, `RPC_C_IMP_LEVEL_DELEGATE` in COM
    /// security), and opening a named pipe as a client (`CreateFile*`,
    /// `std::fs::File::open`, `OpenOptions::open`) without security
    /// quality-of-service flags (`SECURITY_SQOS_PRESENT`, or
    /// `OpenOptionsExt::security_qos_flags`), or with `CallNamedPipeW/A`,
    /// which cannot send them. Both are reported in any state. tokio's
    /// `ClientOptions` limits the level by default and is reported only when
    /// told to allow delegation.
    ///
    /// A path is taken for a named pipe when the code shows it is one:
    /// - its text: `\\.\pipe\`, `\\?\pipe\` or `\\server\pipe\`, in a literal,
    ///   a constant, a `format!`/`format_args!`/`write!` string (positional
    ///   arguments and inline captures such as `{PIPE_PREFIX}` included),
    ///   pieces joined with `+`, `push_str` or `Path::join`, a wide string made
    ///   from it (`w!`, `HSTRING`, `encode_utf16`, `encode_wide`,
    ///   `U16CString`, `PCWSTR`), or a function of the crate that returns one;
    /// - a caller: a helper that opens its parameter is reported at its open
    ///   when a caller (through any chain of helpers and methods) passes a
    ///   pipe path, naming that caller and its argument;
    /// - a field: a pipe path stored in a field (`Self { path: .. }`, a
    ///   setter) anywhere in the crate and opened as `self.path`; the
    ///   finding points at the first place the field is given one;
    /// - what else the code does with it: the same path or the opened handle
    ///   given to `WaitNamedPipeW/A`, `SetNamedPipeHandleState`,
    ///   `GetNamedPipeInfo`, `GetNamedPipeHandleState`, `PeekNamedPipe` or
    ///   `TransactNamedPipe`, here or in a helper;
    /// - names, when the path comes from outside (a parameter, a field, the
    ///   command line or the environment) and is opened to read what exists
    ///   (`OPEN_EXISTING`, `File::open`, `OpenOptions` without `create`):
    ///   the function, its type, its module or the parameter or field is named
    ///   for a pipe (`open_pipe`, `PipeClient::connect`, `src/ipc/pipe.rs`,
    ///   `pipe_name`). The message says the path "looks like a named pipe".
    ///   A `pipeline` module, a `pipe_config.toml`, `BrokenPipe` do not count.
    ///
    /// SQOS flags are found in the flags argument, in a variable or constant
    /// holding them, in a helper's result, in a field every write of which
    /// (anywhere in the crate) stores them (`self.open_flags`), and on an
    /// `OpenOptions` whose `security_qos_flags` or `custom_flags` was set in
    /// an earlier statement. A client open of a pipe the same code created with
    /// `CreateNamedPipeW/A` (an anonymous-pipe replacement that holds both
    /// ends) is not reported.
    ///
    /// ### Why is this bad?
    /// Impersonation levels say what the other side may do with your identity:
    /// identify you, act as you on its own machine, or, with delegation, act as
    /// you against other machines on the network. Randy Turner's overview
    /// describes delegation as the step where credentials hop onward to
    /// further computers, which is exactly what a compromised or malicious
    /// server wants. A pipe client that sets no SQOS flags lets whoever owns
    /// the pipe name impersonate it at the default `SecurityImpersonation`
    /// level: a low-privileged process that creates the pipe first (or a
    /// server that was compromised) can then act locally with the client's
    /// rights, a classic privilege escalation when the client is a service.
    /// Ask for the lowest level that does the job, and say it explicitly:
    /// identification when the server only needs to know who you are,
    /// impersonation when it must act for you.
    ///
    /// ### Example
    /// ```rust
    /// use std::fs::{File, OpenOptions};
    /// use std::io;
    ///
    /// /// Opens a duplex channel to a local service.
    /// fn open_channel(path: &str) -> io::Result<File> {
    ///     // No SQOS flags: whoever serves the pipe may impersonate us fully.
    ///     OpenOptions::new().read(true).write(true).open(path)
    /// }
    ///
    /// /// Connects to the updater of `session`.
    /// pub fn connect_to_updater(session: u32) -> io::Result<File> {
    ///     open_channel(&format!(r"\\.\pipe\contoso-updater-{session}"))
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::fs::{File, OpenOptions};
    /// use std::io;
    /// use std::os::windows::fs::OpenOptionsExt;
    ///
    /// use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;
    ///
    /// /// Opens a duplex channel to a local service.
    /// fn open_channel(path: &str) -> io::Result<File> {
    ///     // The server may learn who we are, but not act as us.
    ///     OpenOptions::new()
    ///         .read(true)
    ///         .write(true)
    ///         .security_qos_flags(SECURITY_IDENTIFICATION)
    ///         .open(path)
    /// }
    ///
    /// /// Connects to the updater of `session`.
    /// pub fn connect_to_updater(session: u32) -> io::Result<File> {
    ///     open_channel(&format!(r"\\.\pipe\contoso-updater-{session}"))
    /// }
    /// ```
    ///
    /// ### Known problems
    /// Pipe paths are followed within one crate: a name built by another
    /// crate, or read from a configuration file or the registry, is known
    /// only by names (above). Not followed: paths kept in collections or
    /// passed through closures, trait objects or function pointers; the
    /// forward-slash form `//./pipe/name`; `CreateFile2` and `NtCreateFile`
    /// opens. A field is one fact per type and field, not per value: a field
    /// that holds a pipe path in one object and a file path in another is
    /// taken for a pipe everywhere; so is a helper's parameter when any
    /// caller passes a pipe. Flags computed from a helper's argument
    /// (`flags(identify)`) count only when every path through the helper
    /// sets SQOS. A method whose name several of the crate's types define
    /// (`connect`, `open`) passes a path down only from callers that name
    /// its type (in their body or parameters), are its type's methods, or
    /// are methods of a type with a field of it (`self.link.connect(p)`; not
    /// a field behind `Arc<Mutex<..>>`). The check of a pipe the code
    /// created itself does not look for `FILE_FLAG_FIRST_PIPE_INSTANCE` or a
    /// unique name. A crate is
    /// read for names alone only when it spells its open `CreateFile*`,
    /// `OpenOptions` or `File::open` (the prefilter). Delegation that is
    /// genuinely needed (a front end that must reach a back-end server as the
    /// user, under constrained delegation) is reported too: suppress it with
    /// a reason. Calls through other crates' macros beyond the common
    /// expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    ///
    /// ### References
    /// - Randy Turner, *What's in a Token (Part 2): Impersonation* (Microsoft Ask the Directory Services Team blog): anonymous, identification, impersonation and delegation, and why the client picks the level.
    /// - Microsoft Learn, [`SECURITY_IMPERSONATION_LEVEL`](https://learn.microsoft.com/en-us/windows/win32/api/winnt/ne-winnt-security_impersonation_level): what a server can do at each level.
    /// - Microsoft Learn, [`CreateFileW`](https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-createfilew): `SECURITY_SQOS_PRESENT` and the impersonation levels a pipe client grants.
    /// - Rust standard library, [`OpenOptionsExt::security_qos_flags`](https://doc.rust-lang.org/std/os/windows/fs/trait.OpenOptionsExt.html#tymethod.security_qos_flags).
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): the trust boundaries around a server matter even more once impersonation turns into delegation.
    pub EXCESSIVE_IMPERSONATION_LEVEL = "excessive_impersonation_level",
    level: Warn,
    summary: "delegation is requested, or a named pipe is opened as a client without limiting the impersonation level",
    security_severity: "7.0",
}

pub static LINT: Lint = Lint {
    info: &EXCESSIVE_IMPERSONATION_LEVEL,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let finding = match &event.kind {
        EventKind::Fact(LintFact::DelegationRequested { constant }) => Finding::new(
            format!("`{constant}` requests the delegation impersonation level"),
            "the holder can use this identity against other machines on the network",
            "request the lowest level that works: `SecurityIdentification` to be identified, `SecurityImpersonation` to be acted for locally",
        ),
        EventKind::Fact(LintFact::PipeOpenWithoutSqos {
            api,
            written,
            evidence,
        }) => pipe_open(api, written, evidence),
        _ => return,
    };
    sink.report(event, finding);
}

/// What the server of a pipe gets when the client sends no SQOS flags.
const DEFAULT_LEVEL: &str =
    "without them the server gets the default level, `SecurityImpersonation`: it can act as this process on its machine";

fn pipe_open(api: &Api, written: &str, evidence: &PipeEvidence) -> Finding {
    let help = match (api.role, api.family) {
        (Role::PipeCall, _) => format!(
            "open the pipe with `CreateFileW` and `SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION` in its flags, then send with `TransactNamedPipe` on that handle instead of `{}`",
            api.name
        ),
        (_, Family::Win32) => "add `SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION` to the flags and attributes argument (`SECURITY_IMPERSONATION` if the server must act for this process)".to_string(),
        _ => "call `.security_qos_flags(SECURITY_IDENTIFICATION)` (`std::os::windows::fs::OpenOptionsExt`) on the `OpenOptions` before opening, or `SECURITY_IMPERSONATION` if the server must act for this process".to_string(),
    };
    let name = written;
    match evidence {
        PipeEvidence::PipeApi => Finding::new(
            format!("`{name}` connects to a named pipe without security quality-of-service flags, and cannot send any"),
            DEFAULT_LEVEL,
            help,
        ),
        PipeEvidence::Path => Finding::new(
            format!("named pipe opened with `{name}` without security quality-of-service flags"),
            DEFAULT_LEVEL,
            help,
        ),
        PipeEvidence::Field { field, at } => Finding::new(
            format!("named pipe opened with `{name}` without security quality-of-service flags: `{field}` holds a pipe path"),
            DEFAULT_LEVEL,
            help,
        )
        .related(at.clone(), format!("a pipe path is stored in `{field}` here")),
        PipeEvidence::Caller {
            caller,
            callee,
            arg,
            at,
        } => Finding::new(
            format!("named pipe opened with `{name}` without security quality-of-service flags: `{caller}` passes it a pipe path"),
            DEFAULT_LEVEL,
            help,
        )
        .related(
            at.clone(),
            format!("`{caller}` passes the pipe path `{arg}` to `{callee}` here"),
        ),
        PipeEvidence::Structure { api: probe, at } => Finding::new(
            format!("named pipe opened with `{name}` without security quality-of-service flags: the same path or handle is given to `{probe}`"),
            DEFAULT_LEVEL,
            help,
        )
        .related(
            at.clone(),
            format!("`{probe}` takes only named pipes"),
        ),
        PipeEvidence::Name { what } => Finding::new(
            format!("`{name}` opens what looks like a named pipe without security quality-of-service flags: {what} names a pipe and the path comes from outside"),
            DEFAULT_LEVEL,
            help,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, loc, reverted, run};
    use imperlint_analyzer::catalog::{Api, Args, Family, ResultKind, Role};
    use imperlint_analyzer::event::{EventKind, LintFact, PipeEvidence};

    static STD_OPEN: Api = Api {
        name: "open",
        family: Family::Method(&["std::fs::OpenOptions"]),
        role: Role::PipeClientOpen,
        result: ResultKind::Result,
        args: Args {
            token: None,
            thread: None,
            flags: None,
            path: Some(0),
            disposition: None,
            level: None,
            callback: None,
        },
    };

    #[test]
    fn reports_delegation() {
        let kind = LintFact::DelegationRequested {
            constant: "SecurityDelegation".to_string(),
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("`SecurityDelegation`"));
    }

    #[test]
    fn suggests_the_flag_each_api_takes() {
        let win32 = LintFact::PipeOpenWithoutSqos {
            api: api("CreateFileW", Role::PipeClientOpen),
            written: "CreateFileW".into(),
            evidence: PipeEvidence::Path,
        };
        let diags = run(&LINT, &event(win32, reverted()));
        assert!(diags[0].label.contains("`SecurityImpersonation`"));
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("SECURITY_SQOS_PRESENT"));
        let std = LintFact::PipeOpenWithoutSqos {
            api: &STD_OPEN,
            written: "OpenOptions::open".into(),
            evidence: PipeEvidence::Path,
        };
        let diags = run(&LINT, &event(std, reverted()));
        assert!(diags[0].message.contains("`OpenOptions::open`"));
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("security_qos_flags"));
    }

    #[test]
    fn points_at_where_a_field_is_given_a_pipe_path() {
        let kind = LintFact::PipeOpenWithoutSqos {
            api: &STD_OPEN,
            written: "OpenOptions::open".into(),
            evidence: PipeEvidence::Field {
                field: "RelayEndpoint::address".into(),
                at: loc(10),
            },
        };
        let diags = run(&LINT, &event(kind, reverted()));
        assert!(diags[0].message.contains("`RelayEndpoint::address` holds a pipe path"));
        assert_eq!(diags[0].related.len(), 1);
        assert_eq!(diags[0].related[0].location, loc(10));
        assert!(diags[0].related[0].message.contains("stored in"));
    }

    #[test]
    fn ignores_other_events() {
        assert!(run(&LINT, &event(EventKind::Await, reverted())).is_empty());
    }
}
