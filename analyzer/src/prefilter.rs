//! The prefilter: before a crate is parsed, its files' bytes are searched
//! (one Aho-Corasick automaton, ASCII case-insensitive) for the few names
//! without which no lint can fire. A crate with no hit is not parsed or
//! analysed: its files are only read and tokenized (see `driver`), so I/O
//! errors, invalid UTF-8 and lexical errors (unbalanced brackets,
//! unterminated strings: what truncated and binary files give) are still
//! reported. This module owns the pattern list and its soundness argument;
//! it knows no lint, only the catalog and the configuration.
//!
//! # Why the patterns are enough
//!
//! Every finding is raised on an event of the walk, and each event kind
//! says what a crate's text must hold for it to be raised
//! (`event::EventKind::trigger`, one match the compiler keeps complete).
//! The patterns are the names of every trigger in `event::Trigger::ALL`:
//!
//! - an event that matters only while impersonating, or that is about
//!   something done while impersonating: impersonating state starts only
//!   at a catalog API of a `Trigger::BEGIN_ROLES` role, a configured
//!   `begin` wrapper or entry point, a function summarised as beginning or
//!   as running its closure impersonated (its body reaches one of the
//!   former in this crate), or a `// imperlint: impersonated` marker;
//! - an event that names its own catalog API (a begin, an end, a `Drop`
//!   that ends, a token kept): the names of those roles, and the
//!   configured `begin`, `end` and `guards`;
//! - `catalog::DELEGATION_LEVELS`, and a pipe client opened on a path
//!   whose string value holds `catalog::PIPE_PREFIX`: the word `pipe` (any
//!   case) is in the source of every such literal, right after what writes
//!   the backslash before it: `\pipe` (raw, or the end of an escaped `\\`),
//!   `x5cpipe` (`\x5c`), `5c}pipe` (`\u{5c}`), or `"pipe` (a literal or
//!   `concat!` piece that starts with it). Not covered: the word's own
//!   letters written as escapes (`\x70ipe`), or a string continued onto a
//!   new line (`\` at the end of a line) just before it;
//!   a pipe client reported because the same path or handle goes to an
//!   API that takes only named pipes, or the call of `CallNamedPipeW/A`,
//!   names that API (`Trigger::PIPE_ROLES`);
//! - a pipe client reported on names alone (`Trigger::PipeName`: an
//!   `OPEN_EXISTING` open of a path from outside, in a function, type or
//!   module, or of a parameter or field, named for a pipe) needs both an
//!   identifier that names a pipe (`syntax::names_a_pipe`: `mod pipe;`,
//!   `open_pipe`, `pipe_name`; read outside comments and strings) and an
//!   open spelled `CreateFile*`, `OpenOptions` or `File::open`, in any
//!   files of the crate ([`FileHits`]). Not covered: those opens only
//!   through a renamed import or type alias, in a crate with no other hit;
//! - suppressions (`unused_suppression`, `invalid_suppression`) and the
//!   marker need the word `imperlint` in a comment;
//! - `parse_error` and `io_error` are still reported (above); only errors
//!   that a tokenizer cannot see (valid tokens in an invalid order) are not,
//!   in crates with no hit.
//!
//! The lints' side of the argument is a test of the registry: a lint
//! reports an event outside an impersonated region only when the event's
//! trigger is not `Trigger::Impersonating`. No lint is named here: a new
//! lint on existing events changes nothing in this file.
//!
//! Names are matched anywhere in the bytes (comments, strings, longer
//! identifiers), which only makes more crates hit. Code the crate's own
//! `macro_rules!` generate (see `expand`) is made of the tokens of their
//! rules and of their invocations, which are in the crate's files: a macro
//! whose rules name `RevertToSelf` makes its crate hit, and a crate with no
//! hit has none in its expansions either (they are not expanded). Renames keep the original
//! name in the `use` that makes them; glob imports keep it at the use site.
//! A crate's files are those of its module tree (`source::load_tree`), the
//! same files the analysis parses when the crate is a hit.

use crate::catalog::{self, Role};
use crate::config::Config;
use crate::event::Trigger;
use crate::index::syntax;
use aho_corasick::AhoCorasick;

/// The word in suppressions and markers (`// imperlint: allow(..)`,
/// `// imperlint: impersonated`).
pub const COMMENT_WORD: &str = "imperlint";

/// What a file must name, besides an identifier that names a pipe, for an
/// open in its crate to be reported on names alone (see the module
/// documentation): a Win32 `CreateFile*` or std's `OpenOptions` or
/// `File::open`.
const OPEN_WORDS: &[&str] = &["CreateFile", "OpenOptions", "File::open"];

/// The word of `catalog::PIPE_WORDS` searched before identifiers are read.
const PIPE_WORD: &str = "pipe";

/// The patterns for a run with `config`: catalog names, the delegation
/// constants, the pipe word, the comment word, and the last segment of every
/// configured begin, end, guard and entry point. Sorted, without duplicates.
pub fn patterns(config: &Config) -> Vec<String> {
    let mut roles: Vec<Role> = Vec::new();
    let mut out: Vec<String> = vec![COMMENT_WORD.to_string()];
    for trigger in Trigger::ALL {
        match trigger {
            Trigger::Impersonating | Trigger::ImpersonatedEarlier => {
                roles.extend(Trigger::BEGIN_ROLES)
            }
            Trigger::Api(r) => roles.extend(r.iter()),
            Trigger::DelegationLevel => {
                out.extend(catalog::DELEGATION_LEVELS.iter().map(|s| s.to_string()))
            }
            Trigger::PipePath => out.extend(syntax::pipe_patterns()),
            // Two halves that may lie in different files: `Prefilter::scan`.
            Trigger::PipeName => {}
        }
    }
    out.extend(
        catalog::APIS
            .iter()
            .filter(|a| roles.contains(&a.role))
            .map(|a| a.name.to_string()),
    );
    for configured in config
        .begin
        .iter()
        .chain(&config.end)
        .chain(&config.guards)
        .chain(&config.entry_points)
    {
        if let Some(last) = configured.rsplit("::").next().filter(|s| !s.is_empty()) {
            out.push(last.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What a file's text holds, for the decision on its crate: a pattern
/// ([`Prefilter::hits`]), or the two halves of a name-only pipe finding,
/// which may lie in different files of the crate (`mod pipe;` in one, the
/// open in another).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileHits {
    pub pattern: bool,
    /// An identifier (outside comments and strings) that names a pipe.
    pub pipe_name: bool,
    /// One of [`OPEN_WORDS`].
    pub open: bool,
}

impl FileHits {
    pub fn join(self, other: FileHits) -> FileHits {
        FileHits {
            pattern: self.pattern || other.pattern,
            pipe_name: self.pipe_name || other.pipe_name,
            open: self.open || other.open,
        }
    }

    /// Whether a crate whose files hold these may lead to a finding.
    pub fn crate_hits(self) -> bool {
        self.pattern || (self.pipe_name && self.open)
    }
}

/// Whether `text` has an identifier, outside comments and string
/// literals, that names a pipe (`syntax::names_a_pipe`): `mod pipe;`,
/// `fn open_pipe`, `PipeClient`, `pipe_name`.
fn names_a_pipe_outside_comments(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !is_ident(b[i - 1])) =>
            {
                // A raw string: r"..", r#".."#.
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                i = text[open + 1..]
                    .find(&close)
                    .map_or(b.len(), |n| open + 1 + n + close.len());
            }
            c if is_ident(c) && !c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                let ident = &text[start..i];
                if ident.len() >= PIPE_WORD.len()
                    && ident.to_ascii_lowercase().contains(PIPE_WORD)
                    && syntax::names_a_pipe(ident)
                {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A compiled prefilter, shared by the worker threads.
pub struct Prefilter {
    automaton: AhoCorasick,
    /// The pipe word and [`OPEN_WORDS`], searched for the name-only case.
    names: AhoCorasick,
}

impl Prefilter {
    pub fn new(config: &Config) -> Prefilter {
        Prefilter::with_names(config, &[])
    }

    /// The prefilter of a crate whose dependencies begin, end or run
    /// closures impersonated through functions and guard types named
    /// `names` (see `deps`): calling one is like calling a configured
    /// wrapper, so each name is a pattern too.
    pub fn with_names(config: &Config, names: &[String]) -> Prefilter {
        let mut patterns = patterns(config);
        patterns.extend(names.iter().filter(|n| !n.is_empty()).cloned());
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(patterns)
            .expect("the patterns are short literals");
        let names = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(std::iter::once(PIPE_WORD).chain(OPEN_WORDS.iter().copied()))
            .expect("the patterns are short literals");
        Prefilter { automaton, names }
    }

    /// True when `text` holds a pattern.
    pub fn hits(&self, text: &str) -> bool {
        self.automaton.is_match(text)
    }

    /// What `text` holds for its crate's decision (see [`FileHits`]).
    pub fn scan(&self, text: &str) -> FileHits {
        let mut out = FileHits {
            pattern: self.hits(text),
            ..FileHits::default()
        };
        if out.pattern {
            return out;
        }
        let mut pipe_word = false;
        for m in self.names.find_iter(text) {
            if m.pattern().as_usize() == 0 {
                pipe_word = true;
            } else {
                out.open = true;
            }
            if pipe_word && out.open {
                break;
            }
        }
        out.pipe_name = pipe_word && names_a_pipe_outside_comments(text);
        out
    }

    /// The byte offsets where a pattern starts in `text` (every match,
    /// overlapping ones too), ascending: which functions of a parsed crate
    /// are walked (see `analyze`).
    pub fn match_starts(&self, text: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .automaton
            .find_overlapping_iter(text)
            .map(|m| m.start())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_come_from_the_catalog_and_the_configuration() {
        let mut cfg = Config::default();
        cfg.begin.push("my_crate::sec::impersonate_client".into());
        cfg.entry_points.push("BackupAgent::Invoke".into());
        let p = patterns(&cfg);
        for name in [
            "ImpersonateLoggedOnUser",
            "RevertToSelf",
            "SetThreadToken",
            "OpenThreadToken",
            "DuplicateTokenEx",
            "SecurityDelegation",
            "\\pipe",
            "\"pipe",
            "imperlint",
            "impersonate_client",
            "Invoke",
        ] {
            assert!(p.iter().any(|x| x == name), "missing pattern {name}");
        }
        // Names that matter only while impersonating are not triggers.
        for name in ["CreateProcessW", "spawn", "HKEY_CURRENT_USER"] {
            assert!(!p.iter().any(|x| x == name), "{name} is not a trigger");
        }
    }

    #[test]
    fn hits_in_any_spelling() {
        let f = Prefilter::new(&Config::default());
        assert!(f.hits("unsafe { revertToSelf() }"));
        assert!(f.hits(r#"const P: &str = "\\\\.\\PIPE\\x";"#));
        assert!(f.hits(r#"const P: &str = r"\\.\pipe\x";"#));
        assert!(f.hits(r#"concat!(r"\\.\", "pipe\\x")"#));
        assert!(f.hits("// imperlint: impersonated"));
        assert!(!f.hits("fn pipe() -> (Fd, Fd) { libc::pipe(fds) } // a pipe"));
    }

    #[test]
    fn names_of_pipes_and_opens_make_a_crate_hit_together() {
        let f = Prefilter::new(&Config::default());
        let module = f.scan("mod pipe;\nmod server;\n");
        let open = f.scan("pub fn connect(name: &str) -> std::io::Result<std::fs::File> { std::fs::OpenOptions::new().read(true).open(name) }");
        assert!(module.pipe_name && !module.open && !module.crate_hits());
        assert!(open.open && !open.pipe_name && !open.crate_hits());
        assert!(module.join(open).crate_hits());
        let client = f.scan("impl PipeClient { fn connect(&self) { CreateFileW(self.name, 0, 0, None, OPEN_EXISTING, 0, None) } }");
        assert!(client.crate_hits());
        // Lookalikes: comments, strings, pipelines, broken pipes.
        for text in [
            "// the pipe\nfn f() { File::open(\"conf/pipe_name.txt\") }",
            "/* pipe_name */ fn f() { File::open(p) }",
            "fn run_pipeline(p: &Path) { File::open(p) }",
            "fn f(e: io::Error) -> bool { File::open(x); e.kind() == io::ErrorKind::BrokenPipe }",
            "fn f() { let s = r#\"open_pipe\"#; File::open(s) }",
        ] {
            assert!(!f.scan(text).crate_hits(), "{text}");
        }
        // A pattern alone is a hit, as before.
        assert!(f.scan(r#"const P: &str = r"\\.\pipe\x";"#).crate_hits());
        assert!(f.scan("WaitNamedPipeW(name, 0)").crate_hits());
        assert!(!f.hits("use std::thread; fn f() { thread::spawn(|| ()); }"));
    }
}
