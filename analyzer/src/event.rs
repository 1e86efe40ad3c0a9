//! Events: what the analyzer saw while walking a function with the
//! impersonation state. Each event carries the state in force and where that
//! state began; lints react to events and hold no state of their own. This
//! module owns the vocabulary shared by the analyzer and the lints; it does
//! not decide what is a finding.

use crate::catalog::Api;
use crate::diag::Location;

/// The impersonation state at a program point (a three-point lattice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Imp {
    /// The thread runs with the process token.
    #[default]
    No,
    /// The thread impersonates on every path to this point.
    Yes,
    /// The thread impersonates on some paths to this point.
    Maybe,
}

impl Imp {
    pub fn join(self, other: Imp) -> Imp {
        if self == other {
            self
        } else {
            Imp::Maybe
        }
    }

    /// True on `Yes` and `Maybe`: some path reaches here impersonating.
    pub fn is_impersonating(self) -> bool {
        self != Imp::No
    }
}

/// A caller through which a function inherits its impersonated entry state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallerNote {
    /// The calling function's name.
    pub caller: String,
    /// The call site.
    pub at: Location,
}

/// The impersonation state attached to an event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct StateInfo {
    pub imp: Imp,
    /// Where impersonation began (the begin call, guard constructor or helper
    /// call), when known.
    pub began: Option<Location>,
    /// The API or function that began it, for messages (`ImpersonateNamedPipeClient`).
    pub began_by: Option<String>,
    /// Impersonation is held by an RAII guard that reverts when dropped.
    pub guarded: bool,
    /// Impersonation began in this function (not inherited from a caller,
    /// a closure helper or an entry-point declaration).
    pub local: bool,
    /// When the state was inherited from a caller: one calling path.
    pub via: Option<CallerNote>,
}

impl StateInfo {
    pub fn is_impersonating(&self) -> bool {
        self.imp.is_impersonating()
    }
}

/// How the result of a begin or end call was treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// Reached `?`, `unwrap`/`expect`, a condition, an examined variable or the return value.
    Checked,
    /// Thrown away: `X();`, `let _ = X();`, `X().ok();`, `drop(X())`, `.unwrap_or_default()`.
    Dropped,
    /// Bound to a variable that is never read.
    UnusedVariable,
    /// Examined only by `debug_assert!`-style macros, which release builds remove.
    DebugOnly,
    /// The API returns nothing that could be checked (`PsRevertToSelf`).
    NotCheckable,
}

/// How control leaves a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitKind {
    Return,
    Question,
    /// `break` or `continue` that leaves a region whose revert comes later in the loop.
    Break,
    /// The end of the body (its last statement or tail expression).
    EndOfBody,
}

impl ExitKind {
    pub fn describe(self) -> &'static str {
        match self {
            ExitKind::Return => "`return`",
            ExitKind::Question => "the `?` operator",
            ExitKind::Break => "`break`/`continue`",
            ExitKind::EndOfBody => "the end of the function",
        }
    }
}

/// How a handle or token leaves the place it was opened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Escape {
    Returned,
    StoredInField,
    StoredInStatic,
    StoredInCollection,
    MovedToThread,
}

impl Escape {
    pub fn describe(self) -> &'static str {
        match self {
            Escape::Returned => "returned to the caller",
            Escape::StoredInField => "stored in a field",
            Escape::StoredInStatic => "stored in a static",
            Escape::StoredInCollection => "stored in a collection",
            Escape::MovedToThread => "moved into another thread",
        }
    }
}

/// Facts about a catalog call's arguments that lints need, computed by the
/// analyzer from the catalog's argument roles.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct CallFacts {
    /// A flags argument contains `WT_TRANSFER_IMPERSONATION` (or 0x100).
    pub transfers_impersonation: bool,
    /// The token argument is null (`None`, `0`, `null_mut()`, `HANDLE::default()`…).
    pub null_token: bool,
    /// The call opens a named pipe path (a `\\.\pipe\` literal or a value built from one).
    pub pipe_path: bool,
    /// `SECURITY_SQOS_PRESENT` (or `security_qos_flags`) is set on the open.
    pub sqos_present: bool,
    /// `SecurityDelegation`/`SECURITY_DELEGATION`/`RPC_C_IMP_LEVEL_DELEGATE` is requested.
    pub delegation: bool,
    /// `EOAC_STATIC_CLOAKING`/`EOAC_DYNAMIC_CLOAKING` in the capabilities argument.
    pub cloaking: bool,
    /// The environment variable name read, for `std::env::var`-style lookups.
    pub env_var: Option<String>,
    /// Byte range of the flags argument (for mechanical fixes).
    pub flags_arg: Option<Location>,
    /// Source text of the flags argument.
    pub flags_text: Option<String>,
    /// How to name `WT_TRANSFER_IMPERSONATION` at this call: the bare name
    /// when it (or its module's glob) is imported, else a full path in the
    /// binding crate the code uses.
    pub transfer_flag: Option<String>,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A call that begins impersonation (catalog API or summarised wrapper).
    /// `state` is the state *before* the call. `saved` is true when the
    /// current token was saved first (`PsReferenceImpersonationToken`,
    /// `OpenThreadToken`) or the call restores a saved token.
    Begin {
        api: String,
        check: Check,
        saved: bool,
    },
    /// A call that ends impersonation. `in_drop` when inside a guard's `Drop`.
    End {
        api: String,
        check: Check,
        in_drop: bool,
    },
    /// A guard constructor that returns a guard even when impersonation failed.
    FailOpenGuard { guard: String },
    /// Control leaves the function (or closure body). Emitted only while
    /// impersonating. `is_main`: the program's `main`, where the process
    /// ends. `is_async`: an `async fn` or async block. `begin_wrapper`: the
    /// function only begins impersonation and returns (no other work after
    /// the begin on this path), so its callers own the revert.
    Exit {
        kind: ExitKind,
        is_main: bool,
        is_async: bool,
        begin_wrapper: bool,
    },
    /// An `.await` expression.
    Await,
    /// A call of a catalog API whose role matters to some lint.
    Call { api: &'static Api, facts: CallFacts },
    /// A use of a catalog constant or static (`HKEY_CURRENT_USER`, `CURRENT_USER`).
    PathUse { api: &'static Api },
    /// A handle opened while impersonating is used after the revert.
    HandleUseAfterRevert { open: Location, name: String },
    /// A handle opened while impersonating escapes the region.
    HandleEscape {
        open: Location,
        name: String,
        how: Escape,
    },
    /// A process-wide or thread-local cache is written.
    CacheWrite { cache: String, declared: Location },
    /// A token handle is stored where it outlives the function, with no close.
    TokenStore {
        open: Location,
        name: String,
        how: Escape,
    },
    /// A guard type (its `Drop` reverts) that is `Send`.
    SendGuard { guard: String },
    /// A COM activation or interface-method call (`call` names it) in a
    /// crate that never enables cloaking; `setup` is the crate's
    /// `CoInitializeSecurity` without cloaking, when there is one.
    ComWithoutCloaking {
        call: String,
        setup: Option<Location>,
    },
    /// A delegation impersonation level is requested (`SecurityDelegation`,
    /// `SECURITY_DELEGATION`, `RPC_C_IMP_LEVEL_DELEGATE`). The location is the
    /// call that requests it, or the constant itself outside a call.
    DelegationRequested { constant: String },
    /// A named pipe is opened as a client without SQOS flags, so the server
    /// may impersonate the caller at the default (impersonation) level.
    PipeOpenWithoutSqos { api: &'static Api },
}

/// One event, with the state in force and where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    pub kind: EventKind,
    pub location: Location,
    pub state: StateInfo,
    /// The enclosing function's name (`Type::method` for methods).
    pub function: String,
}
