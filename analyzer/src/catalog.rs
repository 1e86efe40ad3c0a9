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
    /// Connects to a named pipe, sends one message and disconnects
    /// (`CallNamedPipeW`): a client open that sends no SQOS flags and cannot
    /// be given any, so the server may impersonate at its default level.
    PipeCall,
    /// Takes only a named pipe, by its path or a handle to it (`path`
    /// argument): whatever is given to it is a pipe (`WaitNamedPipeW`,
    /// `SetNamedPipeHandleState`, `PeekNamedPipe`).
    PipeOnly,
    /// Creates the server end of a named pipe (`path` argument: its name),
    /// so the code holds that name.
    PipeCreate,
    /// Closes a handle.
    HandleClose,
    /// Duplicates a token with a chosen impersonation level.
    TokenDuplicate,
    /// Asks who the current thread is (`GetUserNameW`): the answer depends
    /// on the impersonation token.
    IdentityQuery,
    /// A function that runs its closure argument in place, on this thread.
    RunsInPlace,
    /// A function that stores its closure to run later elsewhere (callbacks).
    Deferred,
}

impl Role {
    /// The answer depends on the identity the thread runs as: a static
    /// initialised by a call of one (directly or through local functions)
    /// is an identity-blind cache when filled while impersonating.
    pub fn is_identity_sensitive(self) -> bool {
        matches!(
            self,
            Role::ProfileLookup
                | Role::ProfileWithToken
                | Role::EnvRead
                | Role::PerUserRegistryRoot
                | Role::HandleOpen
                | Role::PipeClientOpen
                | Role::IdentityQuery
                | Role::SaveToken
        )
    }

    /// Begins, ends, sets or saves the thread's token: a function that calls
    /// one may change whether its caller impersonates.
    pub fn is_lifecycle(self) -> bool {
        matches!(
            self,
            Role::Begin | Role::End | Role::SetToken | Role::SaveToken
        )
    }
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
    /// A path or name argument (`CreateFileW`'s file name, `env::var`'s
    /// name); for `PipeOnly` APIs, the pipe's path or handle.
    pub path: Option<usize>,
    /// The creation-disposition argument of a file open (`CreateFileW`'s
    /// fifth): `OPEN_EXISTING` opens what exists, as a pipe client does.
    pub disposition: Option<usize>,
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
    PROFILE_ENV_VARS
        .iter()
        .any(|v| v.eq_ignore_ascii_case(name))
}

/// Crate roots whose items are Windows APIs matched by their last segment.
pub const WINDOWS_CRATES: &[&str] = &[
    "windows",
    "windows_sys",
    "winapi",
    "ntapi",
    "wdk_sys",
    "wdk",
];

const fn a() -> Args {
    Args {
        token: None,
        thread: None,
        flags: None,
        path: None,
        disposition: None,
        level: None,
        callback: None,
    }
}

/// One catalog entry: its name, family, role, result reading and the
/// argument positions that matter (the rest `None`).
macro_rules! api {
    ($name:expr, $family:expr, $role:ident, $res:ident $(, $field:ident: $v:expr)*) => {
        Api {
            name: $name,
            family: $family,
            role: Role::$role,
            result: ResultKind::$res,
            args: Args { $($field: Some($v),)* ..a() },
        }
    };
}

/// A Win32-family entry (any Windows binding crate, by name).
macro_rules! win {
    ($name:literal, $role:ident, $res:ident $(, $field:ident: $v:expr)*) => {
        api!($name, Family::Win32, $role, $res $(, $field: $v)*)
    };
}

/// An entry known by its paths (std and ecosystem crates).
macro_rules! paths {
    ($name:literal, [$($p:literal),+], $role:ident $(, $field:ident: $v:expr)*) => {
        api!($name, Family::Paths(&[$($p),+]), $role, Value $(, $field: $v)*)
    };
}

/// A method of the named receiver types.
macro_rules! method {
    ($name:literal, [$($t:literal),+], $role:ident $(, $field:ident: $v:expr)*) => {
        api!($name, Family::Method(&[$($t),+]), $role, Value $(, $field: $v)*)
    };
}

/// A method on any receiver.
macro_rules! any_method {
    ($name:literal, $role:ident, $res:ident) => {
        api!($name, Family::AnyMethod, $role, $res)
    };
}

/// The catalog. Sources: `reference/rust-bindings.md` (paths, return types
/// per crate and version) and the articles in `reference/`.
pub static APIS: &[Api] = &[
    // --- begin / end / save (rust-bindings.md §2, §3) ---
    win!("ImpersonateLoggedOnUser", Begin, Bool, token: 0),
    win!("ImpersonateNamedPipeClient", Begin, Bool),
    win!("ImpersonateSelf", Begin, Bool, level: 0),
    win!("ImpersonateAnonymousToken", Begin, Bool),
    win!("ImpersonateDdeClientWindow", Begin, Bool),
    win!("DdeImpersonateClient", Begin, Bool),
    win!("SetThreadToken", SetToken, Bool, thread: 0, token: 1),
    win!("CoImpersonateClient", Begin, Status),
    win!("RpcImpersonateClient", Begin, Status),
    win!("RpcImpersonateClient2", Begin, Status),
    win!("RpcImpersonateClientContainer", Begin, Status),
    win!("ImpersonateSecurityContext", Begin, Status),
    win!("NtSetInformationThread", SetToken, Status, thread: 0, flags: 1, token: 2),
    win!("ZwSetInformationThread", SetToken, Status, thread: 0, flags: 1, token: 2),
    win!("NtImpersonateThread", Begin, Status),
    win!("NtImpersonateAnonymousToken", Begin, Status),
    win!("RtlImpersonateSelf", Begin, Status, level: 0),
    win!("PsImpersonateClient", Begin, Status, thread: 0, token: 1, level: 4),
    win!("SeImpersonateClientEx", Begin, Status),
    win!("SeImpersonateClient", Begin, Unit),
    win!("RevertToSelf", End, Bool),
    win!("CoRevertToSelf", End, Status),
    win!("RpcRevertToSelf", End, Status),
    win!("RpcRevertToSelfEx", End, Status),
    win!("RevertSecurityContext", End, Status),
    win!("PsRevertToSelf", End, Unit),
    win!("PsReferenceImpersonationToken", SaveToken, Value),
    win!("OpenThreadToken", SaveToken, Bool, thread: 0, token: 3),
    win!("NtOpenThreadToken", SaveToken, Status, token: 3),
    win!("NtOpenThreadTokenEx", SaveToken, Status, token: 4),
    // COM server-side methods on IServerSecurity (§2 CoImpersonateClient).
    any_method!("ImpersonateClient", Begin, Status),
    any_method!("RevertToSelf", End, Status),
    // --- token sources (§4) ---
    win!("OpenProcessToken", TokenSource, Bool, token: 2),
    win!("NtOpenProcessToken", TokenSource, Status, token: 2),
    win!("DuplicateTokenEx", TokenDuplicate, Bool, level: 3, token: 5),
    win!("DuplicateToken", TokenDuplicate, Bool, level: 1, token: 2),
    win!("NtDuplicateToken", TokenDuplicate, Status, token: 5),
    win!("LogonUserW", TokenSource, Bool, token: 5),
    win!("LogonUserA", TokenSource, Bool, token: 5),
    win!("LogonUserExW", TokenSource, Bool, token: 5),
    win!("WTSQueryUserToken", TokenSource, Bool, token: 1),
    win!("CloseHandle", HandleClose, Bool),
    win!("NtClose", HandleClose, Status),
    win!("RegCloseKey", HandleClose, Status),
    // --- threads (§6) ---
    win!("CreateThread", ThreadSpawn, Value, callback: 2),
    win!("CreateRemoteThread", ThreadSpawn, Value),
    win!("_beginthreadex", ThreadSpawn, Value, callback: 2),
    win!("_beginthread", ThreadSpawn, Value, callback: 0),
    win!("PsCreateSystemThread", ThreadSpawn, Status),
    paths!("spawn", ["std::thread::spawn"], ThreadSpawn, callback: 0),
    method!("spawn", ["std::thread::Builder"], ThreadSpawn, callback: 0),
    method!("spawn_scoped", ["std::thread::Builder"], ThreadSpawn, callback: 1),
    method!("spawn", ["std::thread::Scope"], ScopedThreadSpawn, callback: 0),
    method!("spawn", ["crossbeam::thread::Scope", "crossbeam_utils::thread::Scope"], ScopedThreadSpawn, callback: 0),
    paths!("scope", ["std::thread::scope", "crossbeam::scope", "crossbeam::thread::scope", "crossbeam_utils::thread::scope"], RunsInPlace, callback: 0),
    // --- pools (§6) ---
    win!("QueueUserWorkItem", PoolSubmit, Bool, callback: 0, flags: 2),
    win!("CreateTimerQueueTimer", PoolSubmit, Bool, callback: 2, flags: 6),
    win!("RegisterWaitForSingleObject", PoolSubmit, Bool, callback: 2, flags: 5),
    win!("TrySubmitThreadpoolCallback", PoolSubmit, Bool, callback: 0),
    win!("SubmitThreadpoolWork", PoolSubmit, Unit),
    win!("CreateThreadpoolWork", Deferred, Value, callback: 0),
    win!("IoQueueWorkItem", PoolSubmit, Unit),
    win!("ExQueueWorkItem", PoolSubmit, Unit),
    paths!("spawn", ["rayon::spawn"], PoolSubmit, callback: 0),
    paths!("spawn_fifo", ["rayon::spawn_fifo"], PoolSubmit, callback: 0),
    paths!("join", ["rayon::join"], PoolSubmit, callback: 0),
    paths!("scope", ["rayon::scope"], PoolSubmit, callback: 0),
    paths!("scope_fifo", ["rayon::scope_fifo"], PoolSubmit, callback: 0),
    paths!("in_place_scope", ["rayon::in_place_scope"], RunsInPlace, callback: 0),
    method!("install", ["rayon::ThreadPool"], PoolSubmit, callback: 0),
    method!("spawn", ["rayon::ThreadPool", "rayon::Scope", "rayon::ScopeFifo"], PoolSubmit, callback: 0),
    method!("join", ["rayon::ThreadPool"], PoolSubmit, callback: 0),
    method!("scope", ["rayon::ThreadPool"], PoolSubmit, callback: 0),
    any_method!("par_iter", PoolSubmit, Value),
    any_method!("par_iter_mut", PoolSubmit, Value),
    any_method!("into_par_iter", PoolSubmit, Value),
    any_method!("par_bridge", PoolSubmit, Value),
    any_method!("par_chunks", PoolSubmit, Value),
    any_method!("par_chunks_mut", PoolSubmit, Value),
    any_method!("par_extend", PoolSubmit, Value),
    method!("execute", ["threadpool::ThreadPool"], PoolSubmit, callback: 0),
    method!("spawn_ok", ["futures::executor::ThreadPool"], AsyncSpawn, callback: 0),
    paths!("spawn", ["tokio::spawn", "tokio::task::spawn", "async_std::task::spawn", "smol::spawn", "async_global_executor::spawn"], AsyncSpawn, callback: 0),
    paths!("spawn_blocking", ["tokio::task::spawn_blocking", "async_std::task::spawn_blocking", "smol::unblock", "blocking::unblock"], AsyncSpawn, callback: 0),
    paths!("unblock", ["smol::unblock", "blocking::unblock"], AsyncSpawn, callback: 0),
    paths!("spawn_local", ["tokio::task::spawn_local", "async_std::task::spawn_local"], AsyncSpawn, callback: 0),
    paths!("block_in_place", ["tokio::task::block_in_place"], RunsInPlace, callback: 0),
    method!("spawn", ["tokio::runtime::Runtime", "tokio::runtime::Handle", "tokio::task::JoinSet", "tokio::task::LocalSet"], AsyncSpawn, callback: 0),
    method!("spawn_blocking", ["tokio::runtime::Runtime", "tokio::runtime::Handle", "tokio::task::JoinSet"], AsyncSpawn, callback: 0),
    method!("spawn_local", ["tokio::task::LocalSet", "tokio::task::JoinSet"], AsyncSpawn, callback: 0),
    paths!("register", ["windows_service::service_control_handler::register"], Deferred, callback: 1),
    paths!(
        "start",
        ["windows_service::service_dispatcher::start"],
        Deferred
    ),
    // --- processes (§7) ---
    win!("CreateProcessW", ProcessCreate, Bool),
    win!("CreateProcessA", ProcessCreate, Bool),
    win!("ShellExecuteW", ProcessCreate, Value),
    win!("ShellExecuteA", ProcessCreate, Value),
    win!("ShellExecuteExW", ProcessCreate, Bool),
    win!("ShellExecuteExA", ProcessCreate, Bool),
    win!("WinExec", ProcessCreate, Value),
    win!("CreateProcessAsUserW", ProcessCreateAsUser, Bool, token: 0),
    win!("CreateProcessAsUserA", ProcessCreateAsUser, Bool, token: 0),
    win!("CreateProcessWithTokenW", ProcessCreateAsUser, Bool, token: 0),
    win!("CreateProcessWithLogonW", ProcessCreateAsUser, Bool),
    method!(
        "spawn",
        [
            "std::process::Command",
            "tokio::process::Command",
            "async_process::Command",
            "smol::process::Command"
        ],
        ProcessCreate
    ),
    method!(
        "output",
        [
            "std::process::Command",
            "tokio::process::Command",
            "async_process::Command",
            "smol::process::Command"
        ],
        ProcessCreate
    ),
    method!(
        "status",
        [
            "std::process::Command",
            "tokio::process::Command",
            "async_process::Command",
            "smol::process::Command"
        ],
        ProcessCreate
    ),
    // --- COM (§8) ---
    win!("CoCreateInstance", ComCall, Status),
    win!("CoCreateInstanceEx", ComCall, Status),
    win!("CoGetClassObject", ComCall, Status),
    win!("CoGetObject", ComCall, Status),
    win!("CoCreateInstanceFromApp", ComCall, Status),
    win!("CoInitializeSecurity", ComSecurity, Status, flags: 7),
    win!("CoSetProxyBlanket", ComSecurity, Status, flags: 7),
    any_method!("SetBlanket", ComSecurity, Status),
    // --- window messages (§9) ---
    win!("SendMessageW", WindowMessage, Value),
    win!("SendMessageA", WindowMessage, Value),
    win!("SendMessageTimeoutW", WindowMessage, Value),
    win!("SendMessageTimeoutA", WindowMessage, Value),
    win!("SendNotifyMessageW", WindowMessage, Bool),
    win!("SendNotifyMessageA", WindowMessage, Bool),
    win!("SendMessageCallbackW", WindowMessage, Bool),
    win!("PostMessageW", WindowMessage, Bool),
    win!("PostMessageA", WindowMessage, Bool),
    win!("PostThreadMessageW", WindowMessage, Bool),
    win!("PostThreadMessageA", WindowMessage, Bool),
    win!("BroadcastSystemMessageW", WindowMessage, Value),
    // --- per-user registry roots (§5) ---
    win!("HKEY_CURRENT_USER", PerUserRegistryRoot, Value),
    win!("HKEY_CLASSES_ROOT", PerUserRegistryRoot, Value),
    win!(
        "HKEY_CURRENT_USER_LOCAL_SETTINGS",
        PerUserRegistryRoot,
        Value
    ),
    paths!(
        "HKEY_CURRENT_USER",
        [
            "winreg::enums::HKEY_CURRENT_USER",
            "winreg::HKEY_CURRENT_USER"
        ],
        PerUserRegistryRoot
    ),
    paths!(
        "HKEY_CLASSES_ROOT",
        [
            "winreg::enums::HKEY_CLASSES_ROOT",
            "winreg::HKEY_CLASSES_ROOT"
        ],
        PerUserRegistryRoot
    ),
    paths!(
        "CURRENT_USER",
        ["windows_registry::CURRENT_USER"],
        PerUserRegistryRoot
    ),
    paths!(
        "CLASSES_ROOT",
        ["windows_registry::CLASSES_ROOT"],
        PerUserRegistryRoot
    ),
    win!("RegOpenCurrentUser", PerUserRegistryFix, Status),
    win!("RegOpenUserClassesRoot", PerUserRegistryFix, Status, token: 0),
    // --- profile folders (§5) ---
    win!("SHGetKnownFolderPath", ProfileWithToken, Status, token: 2),
    win!("SHGetKnownFolderIDList", ProfileWithToken, Status, token: 2),
    win!("SHGetFolderPathW", ProfileWithToken, Status, token: 2),
    win!("SHGetFolderPathA", ProfileWithToken, Status, token: 2),
    win!("SHGetFolderPathAndSubDirW", ProfileWithToken, Status, token: 2),
    win!("GetTempPathW", ProfileLookup, Value),
    win!("GetTempPathA", ProfileLookup, Value),
    win!("GetTempPath2W", ProfileLookup, Value),
    win!("GetTempPath2A", ProfileLookup, Value),
    paths!("var", ["std::env::var"], EnvRead, path: 0),
    paths!("var_os", ["std::env::var_os"], EnvRead, path: 0),
    paths!(
        "home_dir",
        [
            "std::env::home_dir",
            "home::home_dir",
            "dirs::home_dir",
            "dirs_next::home_dir"
        ],
        ProfileLookup
    ),
    paths!("temp_dir", ["std::env::temp_dir"], ProfileLookup),
    paths!(
        "config_dir",
        ["dirs::config_dir", "dirs_next::config_dir"],
        ProfileLookup
    ),
    paths!(
        "config_local_dir",
        ["dirs::config_local_dir"],
        ProfileLookup
    ),
    paths!(
        "data_dir",
        ["dirs::data_dir", "dirs_next::data_dir"],
        ProfileLookup
    ),
    paths!(
        "data_local_dir",
        ["dirs::data_local_dir", "dirs_next::data_local_dir"],
        ProfileLookup
    ),
    paths!(
        "cache_dir",
        ["dirs::cache_dir", "dirs_next::cache_dir"],
        ProfileLookup
    ),
    paths!("document_dir", ["dirs::document_dir"], ProfileLookup),
    paths!("download_dir", ["dirs::download_dir"], ProfileLookup),
    paths!("desktop_dir", ["dirs::desktop_dir"], ProfileLookup),
    paths!("picture_dir", ["dirs::picture_dir"], ProfileLookup),
    paths!("preference_dir", ["dirs::preference_dir"], ProfileLookup),
    paths!("state_dir", ["dirs::state_dir"], ProfileLookup),
    paths!(
        "new",
        [
            "directories::BaseDirs::new",
            "directories::UserDirs::new",
            "directories_next::BaseDirs::new",
            "directories_next::UserDirs::new"
        ],
        ProfileLookup
    ),
    paths!(
        "from",
        [
            "directories::ProjectDirs::from",
            "directories_next::ProjectDirs::from"
        ],
        ProfileLookup
    ),
    // --- handles (§10, §11) ---
    win!("CreateFileW", PipeClientOpen, Value, path: 0, disposition: 4, flags: 5),
    win!("CreateFileA", PipeClientOpen, Value, path: 0, disposition: 4, flags: 5),
    win!("CreateFile2", HandleOpen, Value, path: 0),
    win!("OpenProcess", HandleOpen, Value),
    win!("OpenThread", HandleOpen, Value),
    win!("RegOpenKeyExW", HandleOpen, Status, token: 4),
    win!("RegOpenKeyExA", HandleOpen, Status, token: 4),
    win!("RegCreateKeyExW", HandleOpen, Status, token: 7),
    win!("RegCreateKeyExA", HandleOpen, Status, token: 7),
    win!("NtOpenFile", HandleOpen, Status, token: 0),
    win!("NtCreateFile", HandleOpen, Status, token: 0),
    win!("ZwOpenFile", HandleOpen, Status, token: 0),
    win!("ZwCreateFile", HandleOpen, Status, token: 0),
    paths!("open", ["std::fs::File::open", "tokio::fs::File::open", "async_std::fs::File::open"], PipeClientOpen, path: 0),
    paths!("create", ["std::fs::File::create", "tokio::fs::File::create"], HandleOpen, path: 0),
    method!("open", ["std::fs::OpenOptions", "tokio::fs::OpenOptions"], PipeClientOpen, path: 0),
    method!("open", ["tokio::net::windows::named_pipe::ClientOptions"], HandleOpen, path: 0),
    // --- named pipes (fileapi.h, namedpipeapi.h; tokio's named_pipe) ---
    win!("CallNamedPipeW", PipeCall, Bool, path: 0),
    win!("CallNamedPipeA", PipeCall, Bool, path: 0),
    win!("WaitNamedPipeW", PipeOnly, Bool, path: 0),
    win!("WaitNamedPipeA", PipeOnly, Bool, path: 0),
    win!("SetNamedPipeHandleState", PipeOnly, Bool, path: 0),
    win!("GetNamedPipeInfo", PipeOnly, Bool, path: 0),
    win!("GetNamedPipeHandleStateW", PipeOnly, Bool, path: 0),
    win!("GetNamedPipeHandleStateA", PipeOnly, Bool, path: 0),
    win!("GetNamedPipeServerProcessId", PipeOnly, Bool, path: 0),
    win!("GetNamedPipeServerSessionId", PipeOnly, Bool, path: 0),
    win!("PeekNamedPipe", PipeOnly, Bool, path: 0),
    win!("TransactNamedPipe", PipeOnly, Bool, path: 0),
    win!("CreateNamedPipeW", PipeCreate, Value, path: 0),
    win!("CreateNamedPipeA", PipeCreate, Value, path: 0),
    method!("create", ["tokio::net::windows::named_pipe::ServerOptions"], PipeCreate, path: 0),
    method!("open_subkey", ["winreg::RegKey"], HandleOpen),
    method!("open_subkey_with_flags", ["winreg::RegKey"], HandleOpen),
    method!("create_subkey", ["winreg::RegKey"], HandleOpen),
    method!("create_subkey_with_flags", ["winreg::RegKey"], HandleOpen),
    // --- identity queries: answers depend on the thread token ---
    win!("GetUserNameW", IdentityQuery, Bool),
    win!("GetUserNameA", IdentityQuery, Bool),
    win!("GetUserNameExW", IdentityQuery, Bool),
    win!("GetUserNameExA", IdentityQuery, Bool),
    win!("GetTokenInformation", IdentityQuery, Bool),
];

/// Constants that request a delegation-level impersonation.
pub const DELEGATION_LEVELS: &[&str] = &[
    "SecurityDelegation",
    "SECURITY_DELEGATION",
    "RPC_C_IMP_LEVEL_DELEGATE",
];

/// The flag that makes a legacy pool work item run with the caller's
/// impersonation token, and its value.
pub const TRANSFER_IMPERSONATION: (&str, u64) = ("WT_TRANSFER_IMPERSONATION", 0x100);

/// Where `WT_TRANSFER_IMPERSONATION` is defined, per binding crate.
pub const TRANSFER_IMPERSONATION_MODULES: &[(&str, &str)] = &[
    ("windows", "windows::Win32::System::Threading"),
    ("windows_sys", "windows_sys::Win32::System::Threading"),
    ("winapi", "winapi::um::winnt"),
];

/// The SQOS flag that limits a named-pipe server to the level given.
pub const SQOS_PRESENT: (&str, u64) = ("SECURITY_SQOS_PRESENT", 0x100000);

/// COM capabilities that make calls carry the thread token (cloaking).
pub const CLOAKING: &[(&str, u64)] = &[
    ("EOAC_STATIC_CLOAKING", 0x20),
    ("EOAC_DYNAMIC_CLOAKING", 0x40),
];

/// The `NtSetInformationThread` information class that sets the impersonation token.
pub const THREAD_IMPERSONATION_TOKEN: &str = "ThreadImpersonationToken";

/// The prefix of named-pipe paths (`\\.\pipe\`), as it appears in the string value.
pub const PIPE_PREFIX: &str = r"\\.\pipe\";

/// The folder of named pipes under any host prefix: `\\.\pipe\`,
/// `\\?\pipe\`, `\\server\pipe\` (see `index::syntax::is_pipe_text`).
pub const PIPE_FOLDER: &str = r"\pipe\";

/// The creation disposition of a file open that only opens what exists.
pub const OPEN_EXISTING: (&str, u64) = ("OPEN_EXISTING", 3);

/// The words that name a named pipe in an identifier (`open_pipe`,
/// `PipeClient`, `named_pipe`): a reviewer takes an open of a path from
/// outside, named so, for a pipe client.
pub const PIPE_WORDS: &[&str] = &["pipe", "pipes", "namedpipe"];

/// Words that, right before a pipe word, make it another thing than a
/// named pipe (`BrokenPipe`, `anon_pipe`).
pub const NOT_NAMED_PIPE_WORDS: &[&str] = &["broken", "anon", "anonymous"];

/// Words that may follow a pipe word in a name that still names the pipe
/// itself (`pipe_name`, `PipeClient`, `pipe_path`), not something about it
/// (`pipe_config`, `pipe_stats`: not a pipe).
pub const PIPE_ROLE_WORDS: &[&str] = &[
    "name",
    "path",
    "addr",
    "address",
    "endpoint",
    "client",
    "conn",
    "connection",
    "connect",
    "open",
    "stream",
    "handle",
    "channel",
    "transport",
    "ipc",
    "io",
    "rpc",
    "id",
];

/// The program's command line: a path read from it comes from outside (so
/// does one read from the environment: `EnvRead`).
pub const COMMAND_LINE: &[&str] = &["std::env::args", "std::env::args_os"];

/// Whether a resolved path (`std::env::args`) reads the command line.
pub fn is_command_line(segments: &[String]) -> bool {
    COMMAND_LINE.iter().any(|p| path_matches(p, segments))
}

/// Thread-handle expressions that name the current thread.
pub const CURRENT_THREAD: &[&str] = &[
    "GetCurrentThread",
    "PsGetCurrentThread",
    "NtCurrentThread",
    "ZwCurrentThread",
    "KeGetCurrentThread",
];

/// Constants that compare equal to a success status (0) for status-kind
/// results, or to FALSE for BOOL results.
pub const ZERO_CONSTANTS: &[&str] = &[
    "S_OK",
    "STATUS_SUCCESS",
    "ERROR_SUCCESS",
    "RPC_S_OK",
    "NO_ERROR",
    "SEC_E_OK",
    "FALSE",
    "NOERROR",
];

/// Constants that are TRUE for BOOL results.
pub const TRUE_CONSTANTS: &[&str] = &["TRUE"];

/// Types whose values are results to check: a method taking one of them
/// by value (`impl DebugExpect for Result<..>`, `impl Check for BOOL`) is
/// given its receiver to check.
pub const RESULT_TYPES: &[&str] = &[
    "Result",
    "Option",
    "BOOL",
    "BOOLEAN",
    "NTSTATUS",
    "HRESULT",
    "WIN32_ERROR",
    "RPC_STATUS",
    "i32",
    "u32",
];

/// Status test helpers: name, and whether `true` means success.
pub const STATUS_TESTS: &[(&str, bool)] = &[
    ("NT_SUCCESS", true),
    ("nt_success", true),
    ("SUCCEEDED", true),
    ("FAILED", false),
    ("NT_ERROR", false),
    ("NT_WARNING", false),
    ("NT_INFORMATION", true),
];

/// Windows-crate string literal macros whose argument is the string itself.
pub const STRING_MACROS: &[&str] = &["w", "s", "h", "wide", "wstr", "u16cstr", "u16str", "cstr"];

/// Handle types: a parameter of one of these may be a token or an open
/// handle (`HANDLE`, `OwnedHandle`, `HKEY`, `RawHandle`).
pub const HANDLE_TYPES: &[&str] = &[
    "HANDLE",
    "OwnedHandle",
    "BorrowedHandle",
    "RawHandle",
    "HKEY",
    "Owned",
    "File",
    "RegKey",
];

/// Types whose constructor takes ownership of a raw handle and closes it on drop.
pub const OWNING_HANDLE_TYPES: &[&str] = &[
    "OwnedHandle",
    "Owned",
    "HandleGuard",
    "SafeHandle",
    "UniqueHandle",
];

/// Calls that close a handle: a type whose `Drop` makes one owns a handle.
pub const HANDLE_CLOSERS: &[&str] = &["CloseHandle", "NtClose", "RegCloseKey"];

/// Static cell types that make a process-wide (or thread-wide) cache.
pub const CACHE_TYPES: &[&str] = &[
    "OnceLock", "OnceCell", "Lazy", "LazyLock", "LazyCell", "Mutex", "RwLock", "DashMap",
    "RefCell", "Cell", "ArcSwap",
];

/// Methods that write into a cache cell or the collection inside it.
pub const CACHE_WRITE_METHODS: &[&str] = &[
    "get_or_init",
    "get_or_try_init",
    "get_mut_or_init",
    "set",
    "insert",
    "push",
    "push_back",
    "entry",
    "extend",
    "replace",
    "append",
    "try_insert",
    "store",
    "swap",
];

/// Methods of `Option`, `Result`, iterators, cells and locks that run their
/// closure argument in place, on the calling thread.
pub const IN_PLACE_METHODS: &[&str] = &[
    "map",
    "map_err",
    "and_then",
    "or_else",
    "unwrap_or_else",
    "map_or",
    "map_or_else",
    "ok_or_else",
    "filter",
    "filter_map",
    "for_each",
    "try_for_each",
    "fold",
    "try_fold",
    "find",
    "find_map",
    "any",
    "all",
    "position",
    "flat_map",
    "inspect",
    "take_while",
    "skip_while",
    "scan",
    "with",
    "with_borrow",
    "with_borrow_mut",
    "get_or_init",
    "get_or_try_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert_with_key",
    "then",
    "then_some",
    "retain",
    "sort_by",
    "sort_by_key",
    "max_by_key",
    "min_by_key",
    "is_some_and",
    "is_ok_and",
    "in_scope",
    "call_once",
];

/// Calls that do no work of their own while impersonating (constructors,
/// conversions, `Result`/`Option` plumbing, logging macros' names): calling
/// one between a begin and its end is not "work done as the client".
pub const NON_WORK: &[&str] = &[
    "Ok",
    "Err",
    "Some",
    "into",
    "from",
    "map_err",
    "context",
    "with_context",
    "ok",
    "ok_or",
    "ok_or_else",
    "default",
    "new",
    "clone",
    "as_raw_handle",
    "as_raw",
    "to_string",
    "len",
    "is_err",
    "is_ok",
    "unwrap",
    "expect",
    "debug",
    "info",
    "trace",
    "warn",
    "error",
    "Self",
    "drop",
    "forget",
    "as_bool",
    "is_null",
    "PhantomData",
    "HANDLE",
];

/// Functions that never return (process exit, abort, bug check): the state
/// after them does not flow on, and values passed to them count as checked.
pub const DIVERGING: &[&str] = &[
    "abort",
    "exit",
    "panic_any",
    "ExitProcess",
    "TerminateProcess",
    "KeBugCheckEx",
    "resume_unwind",
];

/// `Result`/`Option` methods whose value still carries the outcome of the
/// call they are chained on (`ImpersonateClient().ok().map_err(..)?` checks
/// the impersonation result).
pub const OUTCOME_PASSTHROUGH: &[&str] = &[
    "ok",
    "map_err",
    "context",
    "with_context",
    "into",
    "ok_or",
    "ok_or_else",
    "map",
    "err",
    "wrap_err",
    "wrap_err_with",
    "inspect_err",
    "inspect",
    "and_then",
    "or_else",
];

/// `Result`/`Option` adapters that keep the wrapped value (a guard, a handle).
pub const RESULT_ADAPTERS: &[&str] = &[
    "ok",
    "map_err",
    "context",
    "with_context",
    "ok_or",
    "ok_or_else",
    "wrap_err",
    "wrap_err_with",
    "inspect_err",
    "into",
];

/// Builder types whose methods return the builder itself (the type flows
/// through a chain of calls: `Command::new(..).arg(..).spawn()`).
/// Macros whose arguments are a format string and its arguments (`write!`
/// and `writeln!` after their destination): the names a format string
/// captures inline are mentions of the function that holds it.
pub const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "write",
    "writeln",
    "print",
    "println",
    "eprint",
    "eprintln",
    "panic",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "log",
    "anyhow",
    "bail",
    "ensure",
    "todo",
    "unimplemented",
    "unreachable",
    "event",
];

/// Conversions that keep a string's (or path's) text: the value they make
/// names the same file or pipe. Methods (`to_string`, `as_ptr`) and the
/// last segment of one-argument constructors (`String::from`,
/// `Path::new`, `HSTRING::from`, `U16CString::from_str`).
pub const STRING_CONVERSIONS: &[&str] = &[
    "to_string",
    "to_owned",
    "into",
    "clone",
    "as_str",
    "as_ref",
    "as_path",
    "as_os_str",
    "to_path_buf",
    "into_os_string",
    "to_os_string",
    "into_string",
    "to_str",
    "to_string_lossy",
    "borrow",
    "from",
    "new",
    "from_str",
    "from_os_str",
    "from_vec",
    "unwrap",
    "expect",
];

/// Methods that append to a `String` or `PathBuf` variable in place.
pub const APPEND_METHODS: &[&str] = &["push_str", "push"];

/// Path types whose `join` and `push` add a separator.
pub const PATH_TYPES: &[&str] = &["Path", "PathBuf"];

/// `OpenOptionsExt` methods that may carry SQOS flags: `security_qos_flags`
/// always does, `custom_flags` when its argument holds
/// `SECURITY_SQOS_PRESENT`.
pub const SQOS_METHODS: (&str, &str) = ("security_qos_flags", "custom_flags");

/// `OpenOptions` methods that let an open create the file (so it is no
/// longer an `OPEN_EXISTING` open), when given `true`.
pub const CREATE_METHODS: &[&str] = &["create", "create_new"];

pub const BUILDER_TYPES: &[&str] = &[
    "Command",
    "OpenOptions",
    "Builder",
    "ClientOptions",
    "ServerOptions",
    "ThreadPoolBuilder",
    "DirBuilder",
    "BaseDirs",
    "UserDirs",
    "ProjectDirs",
];

/// Methods whose result aliases (a part of) the receiver: a lock guard,
/// a mutable borrow, an unwrapped value. A static's alias is the static.
pub const ALIAS_METHODS: &[&str] = &[
    "lock",
    "write",
    "try_lock",
    "try_write",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "unwrap",
    "expect",
    "deref_mut",
    "lock_arc",
];

/// Methods that store their argument into the receiver (a collection, a
/// cell): a value stored into a static or a long-lived place escapes.
pub const STORE_METHODS: &[&str] = &[
    "push",
    "insert",
    "push_back",
    "push_front",
    "extend",
    "append",
    "set",
    "replace",
    "store",
];

/// Methods of the COM bindings' interface types that are not calls of the
/// COM object (casting, cloning, raw pointers, the vtable).
pub const COM_HELPER_METHODS: &[&str] = &[
    "cast",
    "clone",
    "as_raw",
    "into_raw",
    "as_ref",
    "to_owned",
    "vtable",
    "as_unknown",
];

/// Whether the crate `name` (`-` or `_`) is one the catalog describes:
/// a Windows binding (and the `windows-*` crates they are made of), or the
/// root of a catalogued path or method type (`std`, `tokio`, `rayon`,
/// `winreg`, ..). Its source adds nothing to the catalog, so a dependent's
/// analysis never reads it (see `deps`).
pub fn describes_crate(name: &str) -> bool {
    let name = name.replace('-', "_");
    if WINDOWS_CRATES.contains(&name.as_str()) || name.starts_with("windows_") {
        return true;
    }
    APIS.iter().any(|a| {
        let paths: &[&str] = match a.family {
            Family::Paths(p) | Family::Method(p) => p,
            _ => &[],
        };
        paths
            .iter()
            .any(|p| p.split("::").next() == Some(name.as_str()))
    })
}

/// How an auto trait (`Send` or `Sync`) of a type from outside the crate
/// follows from its type arguments (see [`OUTSIDE_TYPES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoRule {
    /// Always.
    Yes,
    /// Never (raw pointers inside, or an explicit `impl !Send`).
    No,
    /// When every type argument has the same trait (`Vec<T>: Send` iff `T: Send`).
    Same,
    /// When every type argument is `Send` (`Mutex<T>: Sync` iff `T: Send`).
    ArgsSend,
    /// When every type argument is `Sync` (`MutexGuard<'_, T>: Sync` iff `T: Sync`).
    ArgsSync,
    /// When every type argument is `Send` and `Sync` (`Arc<T>`).
    ArgsSendSync,
}

/// The versions of its crate an [`OutsideType`] entry describes, as
/// `(major, minor)` pins (`Cargo.toml`'s requirement of the dependency).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versions {
    Any,
    Before((u64, u64)),
    From((u64, u64)),
}

impl Versions {
    /// Whether the entry holds for `version`; `None` when it depends on a
    /// version that is not known.
    pub fn holds(self, version: Option<(u64, u64)>) -> Option<bool> {
        match (self, version) {
            (Versions::Any, _) => Some(true),
            (Versions::Before(v), Some(x)) => Some(x < v),
            (Versions::From(v), Some(x)) => Some(x >= v),
            (_, None) => None,
        }
    }
}

/// A type from outside the crate whose auto traits imperlint knows.
#[derive(Debug, PartialEq, Eq)]
pub struct OutsideType {
    /// Crate roots that export it (`std` stands for `core` and `alloc` too).
    pub crates: &'static [&'static str],
    pub names: &'static [&'static str],
    /// A module the path must go through, when the name alone is ambiguous
    /// (`std::rc::Weak` and `std::sync::Weak`).
    pub module: Option<&'static str>,
    pub send: AutoRule,
    pub sync: AutoRule,
    pub versions: Versions,
}

macro_rules! outside {
    ([$($c:literal),+], [$($n:literal),+], $send:ident, $sync:ident) => {
        outside!([$($c),+], [$($n),+], None, $send, $sync, Any)
    };
    ([$($c:literal),+], [$($n:literal),+], $module:expr, $send:ident, $sync:ident, $v:ident $(($x:expr))?) => {
        OutsideType {
            crates: &[$($c),+],
            names: &[$($n),+],
            module: $module,
            send: AutoRule::$send,
            sync: AutoRule::$sync,
            versions: Versions::$v $(($x))?,
        }
    };
}

/// Handle types that were `isize` newtypes (`Send` and `Sync`) in `windows`
/// before 0.58 and in `windows-sys` before 0.59 (0.52), and wrap
/// `*mut c_void` since (neither: windows-rs#3169 declined to add them).
const WIN_HANDLES: &[&str] = &["HANDLE", "HWND", "HKEY", "HMODULE", "HINSTANCE"];

/// An [`OutsideType`] entry for the handles of one binding crate's era.
macro_rules! handles {
    ($c:literal, $send:ident, $v:ident($x:expr)) => {
        OutsideType {
            crates: &[$c],
            names: WIN_HANDLES,
            module: None,
            send: AutoRule::$send,
            sync: AutoRule::$send,
            versions: Versions::$v($x),
        }
    };
}

/// Auto traits of well-known types from outside the crate, as their crates
/// declare them (`send_impersonation_guard` works a guard's `Send` out from
/// its fields). A type not listed here, and not the crate's own, has
/// unknown auto traits, and nothing is concluded from it. Primitive types
/// (`bool`, integers, `str`, `char`, floats) are `Send` and `Sync`; raw
/// pointers, references, tuples, arrays, slices, trait objects and function
/// pointers follow the language's rules (`auto_traits`).
pub static OUTSIDE_TYPES: &[OutsideType] = &[
    // --- std (core, alloc) ---
    outside!(
        ["std"],
        [
            "String",
            "PathBuf",
            "Path",
            "OsString",
            "OsStr",
            "CString",
            "CStr",
            "File",
            "OpenOptions",
            "Duration",
            "Instant",
            "SystemTime",
            "OwnedHandle",
            "BorrowedHandle",
            "HandleOrNull",
            "HandleOrInvalid",
            "OwnedSocket",
            "TcpStream",
            "TcpListener",
            "UdpSocket",
            "Child",
            "ChildStdin",
            "ChildStdout",
            "ChildStderr",
            "Thread",
            "ThreadId",
            "JoinHandle",
            "AtomicBool",
            "AtomicU8",
            "AtomicU16",
            "AtomicU32",
            "AtomicU64",
            "AtomicUsize",
            "AtomicI8",
            "AtomicI16",
            "AtomicI32",
            "AtomicI64",
            "AtomicIsize",
            "Error",
            "Condvar",
            "Barrier",
            "c_void",
            "NonZeroU32",
            "NonZeroU64",
            "NonZeroUsize"
        ],
        Yes,
        Yes
    ),
    outside!(
        ["std"],
        [
            "Box",
            "Vec",
            "VecDeque",
            "LinkedList",
            "BinaryHeap",
            "Option",
            "Result",
            "HashMap",
            "HashSet",
            "BTreeMap",
            "BTreeSet",
            "PhantomData",
            "ManuallyDrop",
            "Pin",
            "Wrapping",
            "Reverse",
            "AtomicPtr"
        ],
        Same,
        Same
    ),
    outside!(["std"], ["Rc"], No, No),
    outside!(["std"], ["Weak"], Some("rc"), No, No, Any),
    outside!(["std"], ["Arc"], ArgsSendSync, ArgsSendSync),
    outside!(
        ["std"],
        ["Weak"],
        Some("sync"),
        ArgsSendSync,
        ArgsSendSync,
        Any
    ),
    outside!(["std"], ["NonNull"], No, No),
    outside!(
        ["std"],
        ["Cell", "RefCell", "UnsafeCell", "OnceCell"],
        Same,
        No
    ),
    outside!(["std"], ["Mutex"], Same, ArgsSend),
    outside!(["std"], ["RwLock", "OnceLock"], Same, ArgsSendSync),
    outside!(
        ["std"],
        ["MutexGuard", "RwLockReadGuard", "RwLockWriteGuard"],
        No,
        ArgsSync
    ),
    outside!(["std"], ["Sender", "SyncSender"], None, Same, ArgsSend, Any),
    outside!(["std"], ["Receiver"], None, Same, No, Any),
    // --- windows (windows-core re-exports) ---
    outside!(
        ["windows", "windows_core"],
        [
            "HSTRING",
            "GUID",
            "HRESULT",
            "BOOL",
            "NTSTATUS",
            "WIN32_ERROR"
        ],
        Yes,
        Yes
    ),
    outside!(["windows", "windows_core"], ["Owned"], Same, Same),
    outside!(
        ["windows", "windows_core"],
        [
            "PCWSTR",
            "PWSTR",
            "PCSTR",
            "PSTR",
            "PSID",
            "PSECURITY_DESCRIPTOR",
            "IUnknown",
            "IInspectable"
        ],
        No,
        No
    ),
    handles!("windows", Yes, Before((0, 58))),
    handles!("windows", No, From((0, 58))),
    // --- windows-sys ---
    outside!(
        ["windows_sys"],
        ["BOOL", "HRESULT", "NTSTATUS", "WIN32_ERROR", "GUID"],
        Yes,
        Yes
    ),
    outside!(
        ["windows_sys"],
        [
            "PCWSTR",
            "PWSTR",
            "PCSTR",
            "PSTR",
            "PSID",
            "PSECURITY_DESCRIPTOR"
        ],
        No,
        No
    ),
    handles!("windows_sys", Yes, Before((0, 59))),
    handles!("windows_sys", No, From((0, 59))),
    // --- winapi: handles are raw-pointer aliases ---
    outside!(
        ["winapi"],
        [
            "HANDLE",
            "HWND",
            "HKEY",
            "HMODULE",
            "HINSTANCE",
            "PSID",
            "LPVOID",
            "PVOID",
            "LPCWSTR",
            "LPWSTR",
            "PSECURITY_DESCRIPTOR"
        ],
        No,
        No
    ),
    outside!(
        ["winapi"],
        ["DWORD", "BOOL", "ULONG", "UINT", "LONG", "HRESULT", "NTSTATUS", "GUID"],
        Yes,
        Yes
    ),
    // --- tokio ---
    outside!(
        ["tokio"],
        [
            "NamedPipeServer",
            "NamedPipeClient",
            "File",
            "TcpStream",
            "JoinHandle"
        ],
        Yes,
        Yes
    ),
    outside!(["tokio"], ["Mutex"], Same, ArgsSend),
];

/// COM interfaces of the `windows` crate's `Win32` modules wrap `IUnknown`
/// (a `NonNull` pointer) and are neither `Send` nor `Sync`; WinRT (agile)
/// interfaces outside `Win32` can be.
pub const WIN32_COM_INTERFACES: (&str, &str) = ("windows", "Win32");

/// What the table says of a type from outside the crate.
#[derive(Debug, PartialEq, Eq)]
pub enum Outside {
    Known(&'static OutsideType),
    /// Listed, but what it is depends on a version that is not known.
    VersionUnknown,
    NotListed,
}

/// The entry for a type from outside the crate: `krate` its crate root
/// (after renames), `path` its full path, `version` the pinned version of
/// the dependency.
pub fn outside_type(krate: &str, path: &[String], version: Option<(u64, u64)>) -> Outside {
    let krate = match krate {
        "core" | "alloc" => "std",
        k => k,
    };
    let Some(name) = path.last() else {
        return Outside::NotListed;
    };
    let mut unknown_version = false;
    for t in OUTSIDE_TYPES {
        if !t.crates.contains(&krate)
            || !t.names.contains(&name.as_str())
            || t.module.is_some_and(|m| !path.iter().any(|s| s == m))
        {
            continue;
        }
        match t.versions.holds(version) {
            Some(true) => return Outside::Known(t),
            Some(false) => {}
            None => unknown_version = true,
        }
    }
    if unknown_version {
        Outside::VersionUnknown
    } else {
        Outside::NotListed
    }
}

/// Looks up a Win32-family entry by name (function, constant or type).
pub fn win32(name: &str) -> Option<&'static Api> {
    APIS.iter()
        .find(|a| a.name == name && a.family == Family::Win32)
}

/// Looks up an entry for a fully resolved path (crate root first).
pub fn by_path(segments: &[String]) -> Option<&'static Api> {
    let last = segments.last()?;
    APIS.iter().find(|a| {
        a.name == last
            && match a.family {
                Family::Paths(paths) => paths.iter().any(|p| path_matches(p, segments)),
                _ => false,
            }
    })
}

/// Looks up a method entry by name and the receiver's resolved type path,
/// when known.
pub fn method(name: &str, receiver: Option<&[String]>) -> Option<&'static Api> {
    APIS.iter().find(|a| {
        a.name == name
            && match a.family {
                Family::Method(types) => {
                    receiver.is_some_and(|r| types.iter().any(|t| path_matches(t, r)))
                }
                Family::AnyMethod => true,
                _ => false,
            }
    })
}

/// True when `path` (`a::b::c`) matches `segments`: equal, or `segments` is
/// a suffix of `path` of at least two segments, or `segments` has one
/// segment that is the last of `path` and `path`'s crate root is its first.
fn path_matches(path: &str, segments: &[String]) -> bool {
    let parts: Vec<&str> = path.split("::").collect();
    if segments.len() > parts.len() {
        return false;
    }
    if segments.len() == 1 {
        return false;
    }
    let tail = &parts[parts.len() - segments.len()..];
    tail.iter().zip(segments).all(|(a, b)| *a == b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn catalogued_crates_are_known() {
        for c in [
            "windows",
            "windows-sys",
            "windows_core",
            "winapi",
            "std",
            "tokio",
            "rayon",
        ] {
            assert!(super::describes_crate(c), "{c}");
        }
        for c in ["serde", "win-security", "pipe-ipc"] {
            assert!(!super::describes_crate(c), "{c}");
        }
    }

    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    #[test]
    fn paths_match_by_suffix() {
        assert_eq!(
            by_path(&segs("std::thread::spawn")).unwrap().role,
            Role::ThreadSpawn
        );
        assert_eq!(
            by_path(&segs("thread::spawn")).unwrap().role,
            Role::ThreadSpawn
        );
        assert_eq!(
            by_path(&segs("tokio::spawn")).unwrap().role,
            Role::AsyncSpawn
        );
        assert!(by_path(&segs("spawn")).is_none());
        assert!(by_path(&segs("my::spawn")).is_none());
    }

    #[test]
    fn methods_need_their_receiver_type() {
        assert_eq!(
            method("spawn", Some(&segs("std::process::Command")))
                .unwrap()
                .role,
            Role::ProcessCreate
        );
        assert_eq!(
            method("spawn", Some(&segs("process::Command")))
                .unwrap()
                .role,
            Role::ProcessCreate
        );
        assert!(method("spawn", None).is_none());
        assert_eq!(method("ImpersonateClient", None).unwrap().role, Role::Begin);
    }

    #[test]
    fn outside_types_follow_the_version_of_their_crate() {
        let send = |krate: &str, path: &str, v| match outside_type(krate, &segs(path), v) {
            Outside::Known(t) => Some(t.send),
            Outside::VersionUnknown => None,
            Outside::NotListed => panic!("{path} is listed"),
        };
        let handle = "windows::Win32::Foundation::HANDLE";
        assert_eq!(send("windows", handle, Some((0, 48))), Some(AutoRule::Yes));
        assert_eq!(send("windows", handle, Some((0, 58))), Some(AutoRule::No));
        assert_eq!(send("windows", handle, None), None);
        let sys = "windows_sys::Win32::Foundation::HANDLE";
        assert_eq!(send("windows_sys", sys, Some((0, 52))), Some(AutoRule::Yes));
        assert_eq!(send("windows_sys", sys, Some((0, 59))), Some(AutoRule::No));
        let winapi = "winapi::um::winnt::HANDLE";
        assert_eq!(send("winapi", winapi, None), Some(AutoRule::No));
    }

    #[test]
    fn outside_types_tell_modules_apart_where_names_clash() {
        let send = |krate: &str, path: &str| match outside_type(krate, &segs(path), None) {
            Outside::Known(t) => Some(t.send),
            _ => None,
        };
        assert_eq!(send("std", "std::rc::Weak"), Some(AutoRule::No));
        assert_eq!(
            send("alloc", "alloc::sync::Weak"),
            Some(AutoRule::ArgsSendSync)
        );
        assert_eq!(
            outside_type("serde", &segs("serde::Value"), None),
            Outside::NotListed
        );
    }

    #[test]
    fn every_entry_has_a_unique_identity() {
        for (i, a) in APIS.iter().enumerate() {
            for b in &APIS[i + 1..] {
                assert!(
                    !(a.name == b.name && a.family == b.family),
                    "duplicate entry {}",
                    a.name
                );
            }
        }
    }
}
