//! Events: what the analyzer saw while walking a function with the
//! impersonation state. Each event carries the state in force and where that
//! state began; lints react to events and hold no state of their own. This
//! module owns the vocabulary shared by the analyzer and the lints; it does
//! not decide what is a finding.

use crate::catalog::{Api, Role};
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
    /// The call as the code writes it: its path (`thread::spawn`,
    /// `std::env::var`) or, for a method, `Type::method` when the
    /// receiver's type is known (`Command::status`). Messages name the call
    /// by it ([`CallFacts::callee`]).
    pub written: Option<String>,
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

impl CallFacts {
    /// How a message names the call: as written, else by the catalog's name.
    pub fn callee<'a>(&'a self, api: &'a Api) -> &'a str {
        self.written.as_deref().unwrap_or(api.name)
    }
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
    /// A call of a catalog API (of any role the walk does not turn into
    /// another event); lints pick the roles they care about.
    Call { api: &'static Api, facts: CallFacts },
    /// A use of a catalog constant or static (`HKEY_CURRENT_USER`, `CURRENT_USER`).
    PathUse { api: &'static Api },
    /// A fact of the model that one lint reads: see [`LintFact`].
    Fact(LintFact),
}

/// The facts table: what the analyzer works out for a single lint, one
/// variant each (the registry's tests check that exactly one lint reads
/// each). A new lint that needs something the model does not yet say adds
/// its fact here, the walk code that raises it, and its [`Trigger`] in
/// [`EventKind::trigger`] (the compiler asks for it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LintFact {
    /// A guard constructor that returns a guard even when impersonation failed.
    FailOpenGuard { guard: String },
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
    /// A guard type (its `Drop` reverts) that is `Send`; `why` says what
    /// makes it so (`every field is: `pipe: &'a File``, an `unsafe impl Send`).
    SendGuard { guard: String, why: String },
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
    /// `written` is the call as the code writes it (see
    /// [`CallFacts::written`]). The location is the open; `evidence` says
    /// why the path is a pipe.
    PipeOpenWithoutSqos {
        api: &'static Api,
        written: String,
        evidence: PipeEvidence,
    },
}

impl From<LintFact> for EventKind {
    fn from(fact: LintFact) -> EventKind {
        EventKind::Fact(fact)
    }
}

/// What a crate's text must hold for an event to be raised: what the
/// prefilter (`prefilter.rs`) searches for. Most events are raised, or
/// matter, only while the thread impersonates, which needs a begin named
/// somewhere; the others name their own trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Raised anywhere, but a lint may report it only while the thread
    /// impersonates, which needs a catalog API with a
    /// [`Trigger::BEGIN_ROLES`] role, a configured begin or entry point, or
    /// the `// imperlint: impersonated` marker (functions summarised as
    /// beginning reach one of these in the same crate).
    Impersonating,
    /// Raised only about something done while impersonating (a handle
    /// opened in a region), maybe after the revert: the same names as
    /// [`Trigger::Impersonating`].
    ImpersonatedEarlier,
    /// The name of a catalog API with one of these roles (or a configured
    /// begin, end or guard, or a function summarised as beginning or
    /// ending, which reaches one of them).
    Api(&'static [Role]),
    /// One of `catalog::DELEGATION_LEVELS`.
    DelegationLevel,
    /// A named pipe path (`catalog::PIPE_PREFIX`) in a string literal.
    PipePath,
    /// An identifier that names a pipe (`syntax::names_a_pipe`) and an open
    /// (`CreateFile*`, `OpenOptions`, `File::open`), in any files of the
    /// crate: a pipe client known by names alone.
    PipeName,
}

impl Trigger {
    /// The roles whose calls start impersonating state.
    pub const BEGIN_ROLES: &'static [Role] = &[Role::Begin, Role::SetToken];
    /// The roles whose calls end it (a `Ps*` begin with a null token ends too).
    pub const END_ROLES: &'static [Role] = &[Role::End, Role::SetToken, Role::Begin];
    /// The roles whose calls give a token handle that can be hoarded.
    pub const TOKEN_ROLES: &'static [Role] =
        &[Role::SaveToken, Role::TokenSource, Role::TokenDuplicate];
    /// The roles of APIs that take only named pipes (evidence that a path
    /// or handle is one), and `CallNamedPipeW/A`.
    pub const PIPE_ROLES: &'static [Role] = &[Role::PipeOnly, Role::PipeCall];

    /// Every trigger [`EventKind::trigger`] returns: the prefilter's patterns
    /// are the names of these.
    pub const ALL: &'static [Trigger] = &[
        Trigger::Impersonating,
        Trigger::ImpersonatedEarlier,
        Trigger::Api(Trigger::BEGIN_ROLES),
        Trigger::Api(Trigger::END_ROLES),
        Trigger::Api(Trigger::TOKEN_ROLES),
        Trigger::DelegationLevel,
        Trigger::PipePath,
        Trigger::Api(Trigger::PIPE_ROLES),
        Trigger::PipeName,
    ];
}

impl EventKind {
    /// What the crate's text must hold for this event to be raised (see
    /// [`Trigger`]). A lint may report an event outside an impersonated
    /// region only when this is not [`Trigger::Impersonating`] (the
    /// registry's tests check it).
    pub fn trigger(&self) -> Trigger {
        match self {
            EventKind::Begin { .. } | EventKind::Fact(LintFact::FailOpenGuard { .. }) => {
                Trigger::Api(Trigger::BEGIN_ROLES)
            }
            EventKind::End { .. } | EventKind::Fact(LintFact::SendGuard { .. }) => {
                Trigger::Api(Trigger::END_ROLES)
            }
            EventKind::Fact(LintFact::TokenStore { .. }) => Trigger::Api(Trigger::TOKEN_ROLES),
            EventKind::Fact(LintFact::DelegationRequested { .. }) => Trigger::DelegationLevel,
            EventKind::Fact(LintFact::PipeOpenWithoutSqos { evidence, .. }) => match evidence {
                // A path known as a pipe from a literal (or from a
                // pipe-only API it is also given to: also a pattern).
                PipeEvidence::Path | PipeEvidence::Field { .. } | PipeEvidence::Caller { .. } => {
                    Trigger::PipePath
                }
                PipeEvidence::PipeApi | PipeEvidence::Structure { .. } => {
                    Trigger::Api(Trigger::PIPE_ROLES)
                }
                PipeEvidence::Name { .. } => Trigger::PipeName,
            },
            EventKind::Fact(
                LintFact::HandleUseAfterRevert { .. } | LintFact::HandleEscape { .. },
            ) => Trigger::ImpersonatedEarlier,
            EventKind::Exit { .. }
            | EventKind::Await
            | EventKind::Call { .. }
            | EventKind::PathUse { .. }
            | EventKind::Fact(LintFact::CacheWrite { .. } | LintFact::ComWithoutCloaking { .. }) => {
                Trigger::Impersonating
            }
        }
    }
}

/// Why a path opened as a client is taken for a named pipe, strongest first
/// (when several say so about one open, the strongest is reported).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PipeEvidence {
    /// The API talks only to named pipes and sends no SQOS flags
    /// (`CallNamedPipeW`).
    PipeApi,
    /// The path is a pipe path (`\\.\pipe\`, `\\server\pipe\`, `\\?\pipe\`):
    /// a literal or constant, formatted or converted, from a function that
    /// returns one.
    Path,
    /// The path is read from a field of one of the crate's types that is
    /// given a pipe path somewhere in the crate: `field` (`Type::field`)
    /// is, at `at` (the first such write).
    Field { field: String, at: Location },
    /// A caller passes a pipe path: `caller` gives `arg` to `callee` at
    /// `at`, and the path reaches this open.
    Caller {
        caller: String,
        callee: String,
        arg: String,
        at: Location,
    },
    /// The path or the opened handle is also given to `api`, which takes
    /// only named pipes, at `at`.
    Structure { api: String, at: Location },
    /// Names say so: the path comes from outside (a parameter, a field, the
    /// command line) and `what` is named for a pipe ("the function
    /// `open_pipe`", "the parameter `pipe_name`").
    Name { what: String },
}

impl PipeEvidence {
    /// Its rank: lower is stronger.
    pub fn rank(&self) -> u8 {
        match self {
            PipeEvidence::PipeApi => 0,
            PipeEvidence::Path | PipeEvidence::Field { .. } => 1,
            PipeEvidence::Caller { .. } => 2,
            PipeEvidence::Structure { .. } => 3,
            PipeEvidence::Name { .. } => 4,
        }
    }
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
