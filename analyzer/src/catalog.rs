//! The API catalog: every Windows, std and ecosystem API whose behaviour
//! matters under impersonation, as data. Each entry names the API, the crates
//! that export it, its role, how its result reads, and which of its arguments
//! carry a token, flags or a path. Lints and the analyzer ask the catalog;
//! no other module knows API names. A locally defined item of the same name
//! shadows an entry (name resolution decides that, not this table).

/// What an API does, as far as impersonation is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Starts impersonating on the current thread.
    Begin,
    /// Ends impersonation on the current thread.
    End,
    /// Begins with a non-null token argument, ends with a null one
    /// (`SetThreadToken`, `NtSetInformationThread(ThreadImpersonationToken)`).
    SetToken,
    /// Saves the current impersonation token so it can be restored
    /// (`PsReferenceImpersonationToken`, `OpenThreadToken`).
    SaveToken,
    /// Produces a token handle (`OpenProcessToken`, `DuplicateTokenEx`, `LogonUserW`).
    TokenSource,
    /// Starts a new OS thread.
    ThreadSpawn,
    /// Runs its closure on a new thread of a scope (the scope itself runs in place).
    ScopedThreadSpawn,
    /// Hands work to a thread pool.
    PoolSubmit,
    /// Hands a future to an async runtime.
    AsyncSpawn,
    /// Creates a process with the process token.
    ProcessCreate,
    /// Creates a process with an explicit token (the fix, never a hazard).
    ProcessCreateAsUser,
    /// Activates or calls a COM object.
    ComCall,
    /// Sets up COM security (`CoInitializeSecurity`, `CoSetProxyBlanket`): cloaking is read here.
    ComSecurity,
    /// Sends or posts a window message.
    WindowMessage,
    /// A per-user registry root that ignores the thread token.
    PerUserRegistryRoot,
    /// The identity-aware replacement for a per-user registry root.
    PerUserRegistryFix,
    /// A profile-folder lookup that takes a token argument (null = process identity).
    ProfileWithToken,
    /// A profile-folder lookup that always uses the process identity.
    ProfileLookup,
    /// An environment variable read (profile-related names are hazards).
    EnvRead,
    /// Opens a handle whose access was checked against the current identity.
    HandleOpen,
    /// Opens a pipe client; impersonation level set by SQOS flags.
    PipeClientOpen,
    /// Closes a handle.
    HandleClose,
    /// Duplicates a token with a chosen impersonation level.
    TokenDuplicate,
    /// A cache cell that is initialised or written (`OnceLock::get_or_init`, `set`).
    CacheWrite,
    /// A function that runs its closure argument in place, on this thread.
    RunsInPlace,
    /// A function that stores its closure to run later elsewhere (callbacks).
    Deferred,
}

/// How an API's result says whether it succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultKind {
    /// `BOOL` (nonzero = success) in windows-sys/winapi and windows 0.48;
    /// `Result<()>` in windows 0.51 and later.
    Bool,
    /// A status code where 0 (and, for NTSTATUS/HRESULT, any non-negative
    /// value) is success: NTSTATUS, HRESULT, RPC_STATUS, WIN32_ERROR,
    /// SECURITY_STATUS; `Result<()>` in the windows crate where mapped.
    Status,
    /// Always a `Result` (std, windows COM calls).
    Result,
    /// Returns nothing that can be checked.
    Unit,
    /// Returns a value (a handle, a pointer, a path) rather than a status.
    Value,
}

/// Where an API is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// A Windows API exported by `windows`, `windows_sys`, `winapi`, `ntapi`,
    /// `wdk_sys`, `wdk`, or declared by hand in `extern "system"` /
    /// `link!`; matched by its last path segment.
    Win32,
    /// Qualified paths (after crate renames are resolved), matched by suffix:
    /// `std::thread::spawn` matches `thread::spawn` imported from `std`.
    Paths(&'static [&'static str]),
    /// A method on a receiver of one of these types (resolved paths).
    Method(&'static [&'static str]),
    /// A method matched by name alone, whatever the receiver (COM interface
    /// methods such as `IServerSecurity::ImpersonateClient`, rayon's
    /// `par_iter`): names distinctive enough to need no type.
    AnyMethod,
}

/// Which argument (0-based) carries what, for the roles that need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Args {
    /// The token argument (`SetThreadToken`'s second, `SHGetKnownFolderPath`'s third).
    pub token: Option<usize>,
    /// The thread argument of `SetThreadToken`-style calls (null = current thread).
    pub thread: Option<usize>,
    /// A flags argument (`WT_*` flags, SQOS flags, COM capabilities).
    pub flags: Option<usize>,
    /// A path or name argument (`CreateFileW`'s file name, `env::var`'s name).
    pub path: Option<usize>,
    /// An impersonation-level argument.
    pub level: Option<usize>,
    /// The closure or function argument that runs elsewhere or in place.
    pub callback: Option<usize>,
}

/// One catalog entry.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Api {
    /// The last path segment (function, constant or method name).
    pub name: &'static str,
    pub family: Family,
    pub role: Role,
    pub result: ResultKind,
    pub args: Args,
}

/// Environment variables that name the process user's profile folders.
/// Reading them while impersonating yields the service's folders, not the
/// client's.
pub const PROFILE_ENV_VARS: &[&str] = &[
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
    "HOMEPATH",
    "HOMEDRIVE",
    "HOMESHARE",
];

/// True when `name` is a profile-related environment variable (case-insensitive, as Windows is).
pub fn is_profile_env_var(name: &str) -> bool {
    PROFILE_ENV_VARS.iter().any(|v| v.eq_ignore_ascii_case(name))
}
