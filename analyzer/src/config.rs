//! Configuration: lint levels, extra impersonation functions and guard types,
//! impersonated entry points and excluded paths, read from `imperlint.toml`,
//! `[workspace.metadata.imperlint]` and `[package.metadata.imperlint]`, and
//! merged with the command line's overlay. This module owns reading,
//! validating (every unknown key or lint name is an error naming the file and
//! the full dotted key) and merging configuration; it does not decide what the
//! configured paths resolve to (that is name resolution) nor which lints exist
//! (the caller passes their names).
//!
//! Discovery, as cargo-deny and clippy find theirs: from each checked path,
//! up to its workspace root, the first folder that holds
//! [`CONFIG_FILE_NAMES`] (`imperlint.toml`, `.imperlint.toml`, then
//! `.cargo/imperlint.toml`) gives the configuration file; the workspace
//! root's `Cargo.toml` gives `[workspace.metadata.imperlint]`; each checked
//! package's `Cargo.toml` its `[package.metadata.imperlint]`.
//!
//! Precedence, highest first: command line, the configuration file, the
//! workspace `Cargo.toml`, each package's `Cargo.toml`. Levels take the
//! highest source that sets them; the lists (`begin`, `end`, `guards`,
//! `entry_points`, `exclude`) add up across all sources. `exclude` patterns
//! are relative to the folder of the file that sets them, and apply to every
//! file however it is reached (found in a folder, or through `mod` and
//! `#[path]`).

use crate::diag::builtin::CONFIGURABLE as CONFIGURABLE_BUILTINS;
use crate::diag::Level;
use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The configuration file's name.
pub const CONFIG_FILE_NAME: &str = "imperlint.toml";

/// Where a folder may hold the configuration file, in order: the first that
/// exists is read (a second is ignored, with a warning).
pub const CONFIG_FILE_NAMES: [&str; 3] =
    ["imperlint.toml", ".imperlint.toml", ".cargo/imperlint.toml"];

/// A lint name as users write it, the way rustc reads `-D`: the tool's
/// prefix (`imperlint::missing_revert`, as cargo's JSON names the code) is
/// dropped and dashes read as underscores (`missing-revert`).
pub fn canonical_lint_name(name: &str) -> String {
    let name = name.trim();
    name.strip_prefix("imperlint::")
        .unwrap_or(name)
        .replace('-', "_")
}

/// The configuration of a run and where it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    pub config: Config,
    /// Every source read that exists, highest precedence first, as `-v`
    /// names them (`/ws/imperlint.toml`, `[workspace.metadata.imperlint]
    /// in /ws/Cargo.toml`).
    pub sources: Vec<String>,
    /// Configuration files found but not read, each with the one read
    /// instead (a folder holding both `imperlint.toml` and
    /// `.imperlint.toml`).
    pub ignored: Vec<(PathBuf, PathBuf)>,
}

/// The pseudo-lint under `[lints]` that changes every warn-level lint at once.
pub const WARNINGS: &str = "warnings";

const TOP_KEYS: &[&str] = &["lints", "impersonation", "paths"];
const IMPERSONATION_KEYS: &[&str] = &["begin", "end", "guards", "entry_points"];
const PATHS_KEYS: &[&str] = &["exclude"];
const LEVEL_NAMES: &[&str] = &["allow", "warn", "deny"];

/// The merged configuration of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Levels set for individual lints (`[lints]`, `-A`/`-W`/`-D`).
    pub levels: BTreeMap<String, Level>,
    /// `warnings = "..."`: the level every lint whose effective level is
    /// `warn` gets instead (`deny` is clippy's `-D warnings`).
    pub warnings_level: Option<Level>,
    /// Extra functions that begin impersonation, as paths
    /// (`my_crate::sec::impersonate_client`).
    pub begin: Vec<String>,
    /// Extra functions that end impersonation.
    pub end: Vec<String>,
    /// Extra guard types: their `Drop` reverts.
    pub guards: Vec<String>,
    /// Functions that always run impersonated (`server::handle_request`,
    /// `Service::Invoke`).
    pub entry_points: Vec<String>,
    /// Glob patterns of files not to analyse, relative to the workspace root
    /// once [`Config::discover`] has merged them (in a single file: relative
    /// to that file's directory; see [`Config::rebase_excludes`]).
    pub exclude: Vec<String>,
}

/// A configuration problem: which file, which key (dotted, from the file's
/// root: `package.metadata.imperlint.lints.missing_revrt`) and what is wrong.
/// `key` is empty when the problem is the file itself (unreadable, not TOML).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

/// `FILE: `KEY`: MESSAGE` (or `FILE: MESSAGE`), which the command line
/// prints after `error: `.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: `{}`: {}",
                self.file.display(),
                self.key,
                self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads an `imperlint.toml` (keys at the top level). `file` is only used
    /// in errors; `known_lints` are the names `[lints]` accepts (besides
    /// `warnings` and the configurable built-ins `unused_suppression` and
    /// `invalid_suppression`).
    pub fn from_toml_str(
        text: &str,
        file: &Path,
        known_lints: &[&str],
    ) -> Result<Config, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e
                .span()
                .map(|span| {
                    let (line, column) = line_column(text, span.start);
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            ConfigError {
                file: file.to_path_buf(),
                key: String::new(),
                message: format!("invalid TOML{at}: {}", e.message().trim_end()),
            }
        })?;
        Reader { file, known_lints }.config(&table, "")
    }

    /// Reads an `imperlint` table found in a `Cargo.toml` under `key_prefix`
    /// (`package.metadata.imperlint` or `workspace.metadata.imperlint`), which
    /// prefixes every key named in errors.
    pub fn from_metadata_table(
        value: &toml::Value,
        file: &Path,
        key_prefix: &str,
        known_lints: &[&str],
    ) -> Result<Config, ConfigError> {
        let reader = Reader { file, known_lints };
        let Some(table) = value.as_table() else {
            return Err(reader.error(key_prefix, expected("a table", value)));
        };
        reader.config(table, key_prefix)
    }

    /// Reads and merges every configuration source for a run over
    /// `starts` (absolute paths: the checked files and folders, or the
    /// selected packages' folders). For each, the configuration file is the
    /// first of [`CONFIG_FILE_NAMES`] in the nearest folder that holds one,
    /// from the path up to its workspace root (`bound` when given, as
    /// `cargo metadata` says it; else the nearest folder whose `Cargo.toml`
    /// has a `[workspace]` table, or the outermost folder with a
    /// `Cargo.toml`, or the path itself). The workspace root's `Cargo.toml`
    /// gives `[workspace.metadata.imperlint]`, and each of
    /// `package_manifests` its `[package.metadata.imperlint]`. Missing
    /// files and tables are fine.
    ///
    /// `exclude` patterns are made absolute, relative to the folder of the
    /// file that sets them. Package levels apply to the whole run, so two
    /// packages (or two configuration files found from different paths)
    /// setting different levels for the same lint is an error, unless a
    /// higher source settles it.
    pub fn discover(
        starts: &[PathBuf],
        bound: Option<&Path>,
        package_manifests: &[PathBuf],
        known_lints: &[&str],
    ) -> Result<Discovered, ConfigError> {
        // Each configuration file with the folder its patterns are relative
        // to (for `.cargo/imperlint.toml`, the folder holding `.cargo`).
        let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut roots: Vec<PathBuf> = Vec::new();
        let mut ignored = Vec::new();
        for start in starts {
            let found = find_config(&lexical(start), bound.map(lexical).as_deref());
            if let Some((file, dir)) = found.file {
                if !files.iter().any(|(f, _)| *f == file) {
                    files.push((file.clone(), dir));
                }
                for other in found.ignored {
                    if !ignored.iter().any(|(o, _)| *o == other) {
                        ignored.push((other, file.clone()));
                    }
                }
            }
            if !roots.contains(&found.workspace_root) {
                roots.push(found.workspace_root);
            }
        }
        let mut sources = Vec::new();
        // Configuration files found from different paths: equal footing.
        let mut tops = Vec::new();
        for (file, dir) in &files {
            let Some(text) = read_optional(file)? else {
                continue;
            };
            let mut config = Config::from_toml_str(&text, file, known_lints)?;
            config.rebase_excludes(dir);
            tops.push((config, file.clone(), String::new()));
            sources.push(file.display().to_string());
        }
        let top = merge_peers(tops, &Config::default())?;

        let mut workspaces = Vec::new();
        for root in &roots {
            let manifest_path = root.join("Cargo.toml");
            let Some(manifest) = read_manifest(&manifest_path)? else {
                continue;
            };
            let Some(value) = lookup(&manifest, &["workspace", "metadata", "imperlint"]) else {
                continue;
            };
            const WORKSPACE_PREFIX: &str = "workspace.metadata.imperlint";
            let mut config =
                Config::from_metadata_table(value, &manifest_path, WORKSPACE_PREFIX, known_lints)?;
            config.rebase_excludes(root);
            sources.push(format!(
                "[{WORKSPACE_PREFIX}] in {}",
                manifest_path.display()
            ));
            workspaces.push((config, manifest_path, WORKSPACE_PREFIX.to_string()));
        }
        let upper = top.merge_over(merge_peers(workspaces, &Config::default())?);

        const PACKAGE_PREFIX: &str = "package.metadata.imperlint";
        let mut packages = Vec::new();
        for manifest_path in package_manifests {
            let Some(manifest) = read_manifest(manifest_path)? else {
                continue;
            };
            let Some(value) = lookup(&manifest, &["package", "metadata", "imperlint"]) else {
                continue;
            };
            let mut config =
                Config::from_metadata_table(value, manifest_path, PACKAGE_PREFIX, known_lints)?;
            config.rebase_excludes(&lexical(manifest_path.parent().unwrap_or(Path::new(""))));
            sources.push(format!("[{PACKAGE_PREFIX}] in {}", manifest_path.display()));
            packages.push((config, manifest_path.clone(), PACKAGE_PREFIX.to_string()));
        }
        let packages = merge_peers(packages, &upper)?;
        Ok(Discovered {
            config: upper.merge_over(packages),
            sources,
            ignored,
        })
    }

    /// Merges two configurations: `self`'s levels win over `lower`'s; the
    /// lists are joined (`lower`'s entries first, duplicates removed).
    pub fn merge_over(self, lower: Config) -> Config {
        let mut levels = lower.levels;
        levels.extend(self.levels);
        Config {
            levels,
            warnings_level: self.warnings_level.or(lower.warnings_level),
            begin: union(lower.begin, self.begin),
            end: union(lower.end, self.end),
            guards: union(lower.guards, self.guards),
            entry_points: union(lower.entry_points, self.entry_points),
            exclude: union(lower.exclude, self.exclude),
        }
    }

    /// Sets a level as the command line does (`-A`/`-W`/`-D LINT`, and
    /// `--deny warnings` as `set_level("warnings", Level::Deny)`). The name is
    /// not checked here: see [`check_lint_name`].
    pub fn set_level(&mut self, lint_or_warnings: &str, level: Level) {
        if lint_or_warnings == WARNINGS {
            self.warnings_level = Some(level);
        } else {
            self.levels.insert(lint_or_warnings.to_string(), level);
        }
    }

    /// The level `lint` runs at: its configured level, or `default`; then, if
    /// that is `warn` and `warnings` is set, the `warnings` level. As with
    /// rustc's `-D warnings`, this also turns a lint explicitly set to `warn`
    /// into `deny`.
    pub fn level_of(&self, lint: &str, default: Level) -> Level {
        let level = self.levels.get(lint).copied().unwrap_or(default);
        match (level, self.warnings_level) {
            (Level::Warn, Some(warnings)) => warnings,
            _ => level,
        }
    }

    /// Whether a file (path relative to the workspace root, `/` or the
    /// platform's separator) is excluded: a pattern matches it or one of the
    /// folders it lies in. For many paths, build [`Config::exclusions`] once.
    pub fn is_excluded(&self, rel_path: &Path) -> bool {
        self.exclusions().is_excluded(rel_path)
    }

    /// The `exclude` patterns compiled once. Patterns that are not valid
    /// globs are skipped: those read from files were rejected when read, so
    /// only ones set by hand can be invalid.
    pub fn exclusions(&self) -> Exclusions {
        let mut builder = GlobSetBuilder::new();
        for pattern in &self.exclude {
            if let Ok(glob) = build_glob(pattern) {
                builder.add(glob);
            }
        }
        Exclusions {
            set: builder.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    /// Makes the `exclude` patterns, written relative to a configuration
    /// file's directory, relative to the root the run checks paths against:
    /// `dir` is that directory relative to the root (empty: the root itself).
    /// Used by [`Config::discover`] for packages; the command line needs it
    /// for a `--config` file that lies elsewhere.
    pub fn rebase_excludes(&mut self, dir: &Path) {
        let prefix = normalize(dir);
        if prefix.is_empty() {
            return;
        }
        let prefix = globset::escape(&prefix);
        for pattern in &mut self.exclude {
            *pattern = format!("{prefix}/{pattern}");
        }
    }
}

/// Compiled `exclude` patterns (see [`Config::exclusions`]).
#[derive(Clone, Debug)]
pub struct Exclusions {
    set: GlobSet,
}

impl Exclusions {
    /// No pattern at all (most runs): nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// See [`Config::is_excluded`].
    pub fn is_excluded(&self, rel_path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let path = normalize(rel_path);
        // The path itself, then each folder it lies in: `generated` excludes
        // `generated/a.rs` as `.gitignore` would.
        let mut candidate = path.as_str();
        loop {
            if !candidate.is_empty() && self.set.is_match_candidate(&Candidate::new(candidate)) {
                return true;
            }
            match candidate.rfind('/') {
                Some(slash) => candidate = &candidate[..slash],
                None => return false,
            }
        }
    }
}

/// What [`find_config`] found for one checked path.
struct Found {
    /// The configuration file to read, if any, and the folder it was found
    /// for.
    file: Option<(PathBuf, PathBuf)>,
    /// Other configuration files in the same folder, not read.
    ignored: Vec<PathBuf>,
    /// Where the search stopped: the path's workspace root.
    workspace_root: PathBuf,
}

/// Looks for the configuration file of `start` (see [`Config::discover`]).
fn find_config(start: &Path, bound: Option<&Path>) -> Found {
    let first = if start.is_dir() {
        start
    } else {
        start.parent().unwrap_or(start)
    };
    // Every folder from `first` up to the workspace root, nearest first.
    let mut folders: Vec<&Path> = Vec::new();
    let mut outermost_manifest: Option<usize> = None;
    let mut root: Option<usize> = None;
    for dir in first.ancestors() {
        folders.push(dir);
        if bound == Some(dir) {
            root = Some(folders.len() - 1);
            break;
        }
        if bound.is_none() {
            let manifest = dir.join("Cargo.toml");
            if manifest.is_file() {
                outermost_manifest = Some(folders.len() - 1);
                let has_workspace = read_manifest(&manifest)
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.contains_key("workspace"));
                if has_workspace {
                    root = Some(folders.len() - 1);
                    break;
                }
            }
        }
    }
    let last = root.or(outermost_manifest).unwrap_or(0);
    folders.truncate(last + 1);
    let workspace_root = folders[last].to_path_buf();
    for dir in folders {
        let mut here = CONFIG_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            // Not only regular files: one that is a FIFO or a link to a
            // device is reported when read (`read_optional`), not skipped.
            .filter(|path| path.exists() && !path.is_dir());
        if let Some(file) = here.next() {
            return Found {
                file: Some((file, dir.to_path_buf())),
                ignored: here.collect(),
                workspace_root,
            };
        }
    }
    Found {
        file: None,
        ignored: Vec::new(),
        workspace_root,
    }
}

/// Merges sources of equal rank (packages; configuration files found from
/// different checked paths) in order: lists add up; a level two of them set
/// differently is an error unless `upper` (a higher source) settles it.
/// Each source is (its configuration, its file, the key prefix of its table).
fn merge_peers(
    sources: Vec<(Config, PathBuf, String)>,
    upper: &Config,
) -> Result<Config, ConfigError> {
    let mut merged = Config::default();
    // Which source set each level first, to explain conflicts.
    let mut first_set: BTreeMap<String, (Level, PathBuf)> = BTreeMap::new();
    for (config, file, prefix) in sources {
        let mut set_here: Vec<(String, Level)> = config
            .levels
            .iter()
            .map(|(lint, level)| (lint.clone(), *level))
            .collect();
        if let Some(level) = config.warnings_level {
            set_here.push((WARNINGS.to_string(), level));
        }
        for (lint, level) in set_here {
            let settled = if lint == WARNINGS {
                upper.warnings_level.is_some()
            } else {
                upper.levels.contains_key(&lint)
            };
            if settled {
                continue;
            }
            match first_set.get(&lint) {
                Some((other, other_file)) if *other != level => {
                    return Err(ConfigError {
                        file,
                        key: join_key(&join_key(&prefix, "lints"), &lint),
                        message: format!(
                            "`{level}` here conflicts with `{other}` in {}; levels apply to \
                             the whole run, so set this level in \
                             `[workspace.metadata.imperlint]` or `{CONFIG_FILE_NAME}` at \
                             the workspace root",
                            other_file.display()
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    first_set.insert(lint, (level, file.clone()));
                }
            }
        }
        // No conflicts remain, so this only orders the lists: earlier
        // sources first.
        merged = config.merge_over(merged);
    }
    Ok(merged)
}

/// `path` made absolute (against the current folder) and without `.` and
/// `..` components, by its text: symlinks are not resolved.
pub fn lexical(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Checks a lint name as given on the command line or in a file, read as
/// [`canonical_lint_name`] does: the canonical name of a known lint,
/// `warnings` or a configurable built-in; otherwise a message ("unknown
/// lint; did you mean `missing_revert`?"; for a built-in whose level is
/// fixed, says so).
pub fn check_lint_name(name: &str, known_lints: &[&str]) -> Result<String, String> {
    let candidates = || {
        known_lints
            .iter()
            .chain(CONFIGURABLE_BUILTINS)
            .copied()
            .chain([WARNINGS])
    };
    let canonical = canonical_lint_name(name);
    if candidates().any(|known| known == canonical) {
        return Ok(canonical);
    }
    if crate::diag::builtin::find(&canonical).is_some() {
        return Err(format!(
            "`{canonical}` is a built-in diagnostic whose level cannot be changed"
        ));
    }
    Err(match closest_name(&canonical, candidates()) {
        Some(near) => format!("unknown lint; did you mean `{near}`?"),
        None => "unknown lint; `imperlint lints` lists them all".to_string(),
    })
}

/// The candidate closest to a misspelt `name` (edit distance, ignoring case,
/// `-` for `_`), if it is close enough to be what was meant: at most a third
/// of the name's length (at least one edit), or one being a prefix of the
/// other (`warning` for `warn`; three characters at least).
pub fn closest_name<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted: Vec<char> = name.to_lowercase().replace('-', "_").chars().collect();
    let limit = (wanted.len() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let chars: Vec<char> = candidate.to_lowercase().chars().collect();
            let distance = edit_distance(&wanted, &chars);
            let shorter = wanted.len().min(chars.len());
            let prefix = shorter >= 3 && wanted[..shorter] == chars[..shorter];
            (distance <= limit || prefix).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Walks a configuration table, naming each key by its dotted path in errors.
struct Reader<'a> {
    file: &'a Path,
    known_lints: &'a [&'a str],
}

impl Reader<'_> {
    fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn config(&self, table: &toml::Table, prefix: &str) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        for (name, value) in table {
            let key = join_key(prefix, name);
            match name.as_str() {
                "lints" => self.lints(value, &key, &mut config)?,
                "impersonation" => {
                    let table = self.table(value, &key)?;
                    for (name, value) in table {
                        let key = join_key(&key, name);
                        let list = match name.as_str() {
                            "begin" => &mut config.begin,
                            "end" => &mut config.end,
                            "guards" => &mut config.guards,
                            "entry_points" => &mut config.entry_points,
                            _ => return Err(self.unknown_key(&key, name, IMPERSONATION_KEYS)),
                        };
                        *list = self.strings(value, &key, check_rust_path)?;
                    }
                }
                "paths" => {
                    let table = self.table(value, &key)?;
                    for (name, value) in table {
                        let key = join_key(&key, name);
                        match name.as_str() {
                            "exclude" => config.exclude = self.strings(value, &key, check_glob)?,
                            _ => return Err(self.unknown_key(&key, name, PATHS_KEYS)),
                        }
                    }
                }
                _ => return Err(self.unknown_key(&key, name, TOP_KEYS)),
            }
        }
        Ok(config)
    }

    fn lints(
        &self,
        value: &toml::Value,
        key: &str,
        config: &mut Config,
    ) -> Result<(), ConfigError> {
        for (lint, value) in self.table(value, key)? {
            let key = join_key(key, lint);
            let lint = check_lint_name(lint, self.known_lints)
                .map_err(|message| self.error(&key, message))?;
            let Some(text) = value.as_str() else {
                return Err(
                    self.error(&key, expected("a level (`allow`, `warn` or `deny`)", value))
                );
            };
            let Some(level) = Level::parse(text) else {
                let hint = closest_name(text, LEVEL_NAMES.iter().copied())
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                return Err(self.error(
                    &key,
                    format!("invalid level `{text}`: expected `allow`, `warn` or `deny`{hint}"),
                ));
            };
            config.set_level(&lint, level);
        }
        Ok(())
    }

    fn table<'v>(&self, value: &'v toml::Value, key: &str) -> Result<&'v toml::Table, ConfigError> {
        value
            .as_table()
            .ok_or_else(|| self.error(key, expected("a table", value)))
    }

    /// An array of strings, each checked by `check` and normalised by it,
    /// duplicates removed.
    fn strings(
        &self,
        value: &toml::Value,
        key: &str,
        check: fn(&str) -> Result<String, String>,
    ) -> Result<Vec<String>, ConfigError> {
        let Some(array) = value.as_array() else {
            return Err(self.error(key, expected("an array of strings", value)));
        };
        let mut out = Vec::new();
        for (i, item) in array.iter().enumerate() {
            let key = format!("{key}[{i}]");
            let Some(text) = item.as_str() else {
                return Err(self.error(&key, expected("a string", item)));
            };
            let text = check(text).map_err(|message| self.error(&key, message))?;
            if !out.contains(&text) {
                out.push(text);
            }
        }
        Ok(out)
    }

    fn unknown_key(&self, key: &str, name: &str, valid: &[&str]) -> ConfigError {
        let message = match closest_name(name, valid.iter().copied()) {
            Some(near) => format!("unknown key; did you mean `{near}`?"),
            None => format!("unknown key; expected one of {}", backticked(valid)),
        };
        self.error(key, message)
    }
}

/// A Rust path as the configuration names functions and types: `::`-separated
/// identifiers (a leading `::` is dropped).
fn check_rust_path(text: &str) -> Result<String, String> {
    let path = text.trim();
    let path = path.strip_prefix("::").unwrap_or(path);
    let is_ident = |segment: &str| {
        let segment = segment.strip_prefix("r#").unwrap_or(segment);
        let mut chars = segment.chars();
        chars
            .next()
            .is_some_and(|first| first.is_alphabetic() || first == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
    };
    if path.split("::").all(|segment| is_ident(segment.trim())) {
        Ok(path
            .split("::")
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("::"))
    } else {
        Err(format!(
            "`{text}` is not a path: expected names separated by `::` (`my_crate::sec::impersonate`)"
        ))
    }
}

/// A glob pattern relative to the configuration's directory (a leading `./`
/// or `/` is dropped); `/` separates folders.
fn check_glob(text: &str) -> Result<String, String> {
    let mut pattern = text.trim();
    loop {
        if let Some(rest) = pattern.strip_prefix("./") {
            pattern = rest;
        } else if let Some(rest) = pattern.strip_prefix('/') {
            pattern = rest;
        } else {
            break;
        }
    }
    if pattern.is_empty() {
        return Err("empty pattern".to_string());
    }
    build_glob(pattern).map_err(|e| format!("invalid glob pattern: {e}"))?;
    Ok(pattern.to_string())
}

/// `globset` rather than `ignore`'s gitignore matcher: `ignore` builds on
/// `globset` (same author, already in the dependency tree), and plain globs
/// with `*` not crossing `/` and `**` crossing folders are what `exclude`
/// promises, without `.gitignore`'s negation and per-directory rules.
fn build_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// A path as `/`-separated text without `.` components.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".to_string()),
            Component::RootDir => parts.push(String::new()),
            Component::Prefix(prefix) => {
                parts.push(prefix.as_os_str().to_string_lossy().into_owned())
            }
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".to_string();
    }
    parts.join("/")
}

/// Reads a configuration file if there is one: a regular file, bounded
/// (`fsx::read_text_bounded`), so a link to `/dev/zero` or a FIFO is an
/// error, never a hang.
fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match crate::fsx::read_text_bounded(path, crate::fsx::CONFIG_LIMIT) {
        Ok(text) => Ok(Some(text)),
        Err(crate::fsx::ReadError::NotFound) => Ok(None),
        Err(e) => Err(ConfigError {
            file: path.to_path_buf(),
            key: String::new(),
            message: format!("cannot read the file: {e}"),
        }),
    }
}

fn read_manifest(path: &Path) -> Result<Option<toml::Table>, ConfigError> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    text.parse::<toml::Table>()
        .map(Some)
        .map_err(|e| ConfigError {
            file: path.to_path_buf(),
            key: String::new(),
            message: format!("invalid TOML: {}", e.message().trim_end()),
        })
}

fn lookup<'t>(table: &'t toml::Table, keys: &[&str]) -> Option<&'t toml::Value> {
    let (first, rest) = keys.split_first()?;
    let value = table.get(*first)?;
    if rest.is_empty() {
        return Some(value);
    }
    lookup(value.as_table()?, rest)
}

/// `prefix.key`, quoting `key` when TOML would need quotes for it.
fn join_key(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

fn expected(what: &str, found: &toml::Value) -> String {
    let found = match found {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    };
    format!("expected {what}, found {found}")
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn union(mut first: Vec<String>, second: Vec<String>) -> Vec<String> {
    for item in second {
        if !first.contains(&item) {
            first.push(item);
        }
    }
    first
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["missing_revert", "nested_impersonation", "unchecked_revert"];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml_str(text, Path::new("imperlint.toml"), KNOWN)
    }

    fn parse_err(text: &str) -> ConfigError {
        parse(text).expect_err("the configuration should be rejected")
    }

    #[test]
    fn reads_every_key() {
        let config = parse(
            r#"
[lints]
missing_revert = "warn"
nested_impersonation = "allow"
unused_suppression = "deny"
warnings = "deny"
[impersonation]
begin = ["my_crate::sec::impersonate_client", "::helpers::become_user"]
end = ["helpers::revert"]
guards = ["my_crate::sec::ImpersonationGuard"]
entry_points = ["server::handle_request", "Service::Invoke"]
[paths]
exclude = ["generated/**", "./vendor/**"]
"#,
        )
        .unwrap();
        assert_eq!(config.levels["missing_revert"], Level::Warn);
        assert_eq!(config.levels["nested_impersonation"], Level::Allow);
        assert_eq!(config.levels["unused_suppression"], Level::Deny);
        assert!(!config.levels.contains_key("warnings"));
        assert_eq!(config.warnings_level, Some(Level::Deny));
        assert_eq!(
            config.begin,
            ["my_crate::sec::impersonate_client", "helpers::become_user"]
        );
        assert_eq!(config.end, ["helpers::revert"]);
        assert_eq!(config.guards, ["my_crate::sec::ImpersonationGuard"]);
        assert_eq!(
            config.entry_points,
            ["server::handle_request", "Service::Invoke"]
        );
        assert_eq!(config.exclude, ["generated/**", "vendor/**"]);
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_lint_names_the_dotted_key_and_suggests() {
        let err = parse_err("[lints]\nmissing_revrt = \"warn\"\n");
        assert_eq!(err.key, "lints.missing_revrt");
        assert_eq!(err.message, "unknown lint; did you mean `missing_revert`?");
        assert_eq!(
            err.to_string(),
            "imperlint.toml: `lints.missing_revrt`: unknown lint; did you mean `missing_revert`?"
        );
        let err = parse_err("[lints]\nwarning = \"deny\"\n");
        assert_eq!(err.message, "unknown lint; did you mean `warnings`?");
        let err = parse_err("[lints]\ntotally_different = \"deny\"\n");
        assert_eq!(
            err.message,
            "unknown lint; `imperlint lints` lists them all"
        );
    }

    #[test]
    fn unknown_keys_at_every_level() {
        let err = parse_err("[lint]\nmissing_revert = \"warn\"\n");
        assert_eq!(err.key, "lint");
        assert_eq!(err.message, "unknown key; did you mean `lints`?");

        let err = parse_err("[impersonation]\nbegn = []\n");
        assert_eq!(err.key, "impersonation.begn");
        assert_eq!(err.message, "unknown key; did you mean `begin`?");

        let err = parse_err("[paths]\nexcludes = []\n");
        assert_eq!(err.key, "paths.excludes");
        assert_eq!(err.message, "unknown key; did you mean `exclude`?");

        let err = parse_err("[impersonation]\nwhatever = []\n");
        assert_eq!(
            err.message,
            "unknown key; expected one of `begin`, `end`, `guards`, `entry_points`"
        );

        let err = parse_err("[paths]\n\"odd key\" = 1\n");
        assert_eq!(err.key, "paths.\"odd key\"");
    }

    #[test]
    fn bad_level_lists_the_valid_ones() {
        let err = parse_err("[lints]\nmissing_revert = \"error\"\n");
        assert_eq!(err.key, "lints.missing_revert");
        assert_eq!(
            err.message,
            "invalid level `error`: expected `allow`, `warn` or `deny`"
        );
        let err = parse_err("[lints]\nmissing_revert = \"warning\"\n");
        assert_eq!(
            err.message,
            "invalid level `warning`: expected `allow`, `warn` or `deny`; did you mean `warn`?"
        );
    }

    #[test]
    fn wrong_types_are_errors() {
        let err = parse_err("[lints]\nmissing_revert = 2\n");
        assert_eq!(err.key, "lints.missing_revert");
        assert_eq!(
            err.message,
            "expected a level (`allow`, `warn` or `deny`), found an integer"
        );

        let err = parse_err("lints = \"deny\"\n");
        assert_eq!(err.key, "lints");
        assert_eq!(err.message, "expected a table, found a string");

        let err = parse_err("[impersonation]\nbegin = \"a::b\"\n");
        assert_eq!(err.key, "impersonation.begin");
        assert_eq!(err.message, "expected an array of strings, found a string");

        let err = parse_err("[impersonation]\nguards = [\"a::B\", true]\n");
        assert_eq!(err.key, "impersonation.guards[1]");
        assert_eq!(err.message, "expected a string, found a boolean");
    }

    #[test]
    fn bad_paths_and_globs_are_errors() {
        let err = parse_err("[impersonation]\nend = [\"helpers::\"]\n");
        assert_eq!(err.key, "impersonation.end[0]");
        assert!(err.message.starts_with("`helpers::` is not a path"));

        let err = parse_err("[paths]\nexclude = [\"ok/**\", \"gen/[a\"]\n");
        assert_eq!(err.key, "paths.exclude[1]");
        assert!(
            err.message.starts_with("invalid glob pattern"),
            "{}",
            err.message
        );
    }

    #[test]
    fn toml_syntax_error_names_the_position() {
        let err = parse_err("[lints]\nmissing_revert = \n");
        assert_eq!(err.key, "");
        assert!(
            err.message.starts_with("invalid TOML at line 2"),
            "{}",
            err.message
        );
        assert!(err.to_string().starts_with("imperlint.toml: invalid TOML"));
    }

    #[test]
    fn metadata_table_prefixes_keys() {
        let manifest: toml::Table = r#"
[package.metadata.imperlint.lints]
missing_revrt = "deny"
"#
        .parse()
        .unwrap();
        let value = lookup(&manifest, &["package", "metadata", "imperlint"]).unwrap();
        let err = Config::from_metadata_table(
            value,
            Path::new("crates/a/Cargo.toml"),
            "package.metadata.imperlint",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(err.key, "package.metadata.imperlint.lints.missing_revrt");
        assert_eq!(
            err.to_string(),
            "crates/a/Cargo.toml: `package.metadata.imperlint.lints.missing_revrt`: \
             unknown lint; did you mean `missing_revert`?"
        );

        let err = Config::from_metadata_table(
            &toml::Value::Integer(1),
            Path::new("Cargo.toml"),
            "workspace.metadata.imperlint",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(err.key, "workspace.metadata.imperlint");
        assert_eq!(err.message, "expected a table, found an integer");
    }

    #[test]
    fn level_of_applies_warnings_to_warn_level_lints() {
        let mut config = Config::default();
        assert_eq!(config.level_of("missing_revert", Level::Deny), Level::Deny);
        assert_eq!(
            config.level_of("nested_impersonation", Level::Warn),
            Level::Warn
        );
        config.set_level("warnings", Level::Deny);
        assert_eq!(config.warnings_level, Some(Level::Deny));
        assert_eq!(
            config.level_of("nested_impersonation", Level::Warn),
            Level::Deny
        );
        config.set_level("nested_impersonation", Level::Allow);
        assert_eq!(
            config.level_of("nested_impersonation", Level::Warn),
            Level::Allow
        );
        config.set_level("missing_revert", Level::Warn);
        assert_eq!(config.level_of("missing_revert", Level::Deny), Level::Deny);
        config.set_level("warnings", Level::Allow);
        assert_eq!(config.level_of("missing_revert", Level::Deny), Level::Allow);
        assert_eq!(
            config.level_of("unchecked_revert", Level::Deny),
            Level::Deny
        );
    }

    #[test]
    fn merge_over_prefers_self_and_joins_lists() {
        let mut high = Config::default();
        high.set_level("missing_revert", Level::Warn);
        high.begin = vec!["a::begin".into(), "shared::x".into()];
        let mut low = Config::default();
        low.set_level("missing_revert", Level::Allow);
        low.set_level("unchecked_revert", Level::Warn);
        low.warnings_level = Some(Level::Deny);
        low.begin = vec!["shared::x".into(), "b::begin".into()];
        low.exclude = vec!["gen/**".into()];
        let merged = high.merge_over(low);
        assert_eq!(merged.levels["missing_revert"], Level::Warn);
        assert_eq!(merged.levels["unchecked_revert"], Level::Warn);
        assert_eq!(merged.warnings_level, Some(Level::Deny));
        assert_eq!(merged.begin, ["shared::x", "b::begin", "a::begin"]);
        assert_eq!(merged.exclude, ["gen/**"]);
    }

    #[test]
    fn check_lint_name_accepts_lints_warnings_and_builtins() {
        let ok = |name: &str| check_lint_name(name, KNOWN);
        assert_eq!(ok("missing_revert"), Ok("missing_revert".into()));
        assert_eq!(ok("warnings"), Ok("warnings".into()));
        assert_eq!(ok("unused_suppression"), Ok("unused_suppression".into()));
        assert_eq!(ok("invalid_suppression"), Ok("invalid_suppression".into()));
        // As Rust users write lint names: the tool prefix, dashes.
        assert_eq!(ok("missing-revert"), Ok("missing_revert".into()));
        assert_eq!(ok("imperlint::missing_revert"), Ok("missing_revert".into()));
        assert_eq!(
            ok("imperlint::unused-suppression"),
            Ok("unused_suppression".into())
        );
        assert_eq!(
            ok("imperlint::missing_revrt"),
            Err("unknown lint; did you mean `missing_revert`?".to_string())
        );
        assert_eq!(
            ok("parse-error"),
            Err("`parse_error` is a built-in diagnostic whose level cannot be changed".into())
        );
    }

    #[test]
    fn config_files_accept_lint_names_as_rust_users_write_them() {
        let config = parse("[lints]\n\"imperlint::missing-revert\" = \"warn\"\n").unwrap();
        assert_eq!(config.levels["missing_revert"], Level::Warn);
    }

    #[test]
    fn closest_name_stays_close() {
        let names = ["begin", "end", "guards", "entry_points"];
        assert_eq!(closest_name("entry_point", names), Some("entry_points"));
        assert_eq!(closest_name("Guards", names), Some("guards"));
        assert_eq!(closest_name("start", names), None);
        assert_eq!(closest_name("x", names), None);
    }

    #[test]
    fn exclusion_globs() {
        let config =
            parse("[paths]\nexclude = [\"generated/**\", \"vendor\", \"src/*.gen.rs\"]\n").unwrap();
        let excluded = |path: &str| config.is_excluded(Path::new(path));
        assert!(excluded("generated/a.rs"));
        assert!(excluded("generated/deep/b.rs"));
        assert!(excluded("./generated/a.rs"));
        assert!(
            excluded("vendor/crate/src/lib.rs"),
            "a folder excludes its files"
        );
        assert!(excluded("src/api.gen.rs"));
        assert!(!excluded("src/nested/api.gen.rs"), "`*` does not cross `/`");
        assert!(!excluded("src/generated/a.rs"), "patterns are anchored");
        assert!(!excluded("vendored/lib.rs"));
        assert!(!excluded("src/lib.rs"));
        assert!(!Config::default().is_excluded(Path::new("src/lib.rs")));
    }

    #[test]
    fn rebase_escapes_the_folder() {
        let mut config = Config {
            exclude: vec!["gen/**".into()],
            ..Config::default()
        };
        config.rebase_excludes(Path::new("crates/odd[1]"));
        assert_eq!(config.exclude, ["crates/odd[[]1[]]/gen/**"]);
        assert!(config.is_excluded(Path::new("crates/odd[1]/gen/x.rs")));
        assert!(!config.is_excluded(Path::new("crates/odd1/gen/x.rs")));
        assert!(!config.is_excluded(Path::new("gen/x.rs")));
    }

    /// A scratch folder under the system's temporary directory, removed when
    /// dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("imperlint-config-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// `Config::discover` over one start folder, bounded there.
    fn discover_at(root: &Path, manifests: &[PathBuf]) -> Result<Config, ConfigError> {
        Config::discover(&[root.to_path_buf()], Some(root), manifests, KNOWN).map(|d| d.config)
    }

    #[test]
    fn discover_merges_with_precedence() {
        let ws = Scratch::new("precedence");
        ws.write(
            "imperlint.toml",
            "[lints]\nmissing_revert = \"warn\"\n[impersonation]\nbegin = [\"top::begin\"]\n",
        );
        ws.write(
            "Cargo.toml",
            r#"
[workspace]
members = ["crates/a"]
[workspace.metadata.imperlint.lints]
missing_revert = "allow"
nested_impersonation = "deny"
[workspace.metadata.imperlint.paths]
exclude = ["generated/**"]
"#,
        );
        let a = ws.write(
            "crates/a/Cargo.toml",
            r#"
[package]
name = "a"
[package.metadata.imperlint.lints]
missing_revert = "deny"
nested_impersonation = "allow"
unchecked_revert = "warn"
warnings = "deny"
[package.metadata.imperlint.impersonation]
begin = ["a::begin"]
[package.metadata.imperlint.paths]
exclude = ["gen/**"]
"#,
        );
        let found = Config::discover(
            std::slice::from_ref(&ws.0),
            None,
            std::slice::from_ref(&a),
            KNOWN,
        )
        .unwrap();
        let config = found.config;
        // imperlint.toml beats the workspace, which beats the package.
        assert_eq!(config.levels["missing_revert"], Level::Warn);
        assert_eq!(config.levels["nested_impersonation"], Level::Deny);
        assert_eq!(config.levels["unchecked_revert"], Level::Warn);
        assert_eq!(config.warnings_level, Some(Level::Deny));
        assert_eq!(config.begin, ["a::begin", "top::begin"]);
        // Patterns are relative to the folder of the file that sets them.
        assert!(config.is_excluded(&ws.0.join("generated/x.rs")));
        assert!(config.is_excluded(&ws.0.join("crates/a/gen/x.rs")));
        assert!(!config.is_excluded(&ws.0.join("gen/x.rs")));
        assert_eq!(
            found.sources,
            [
                ws.0.join("imperlint.toml").display().to_string(),
                format!(
                    "[workspace.metadata.imperlint] in {}",
                    ws.0.join("Cargo.toml").display()
                ),
                format!("[package.metadata.imperlint] in {}", a.display()),
            ]
        );

        // The command line overlay beats everything.
        let mut cli = Config::default();
        cli.set_level("missing_revert", Level::Allow);
        let config = cli.merge_over(config);
        assert_eq!(config.level_of("missing_revert", Level::Deny), Level::Allow);
    }

    #[test]
    fn discover_walks_up_to_the_workspace_root() {
        let ws = Scratch::new("walk");
        ws.write("Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n");
        ws.write("svc/Cargo.toml", "[package]\nname = \"svc\"\n");
        ws.write("svc/src/lib.rs", "");
        ws.write(
            ".cargo/imperlint.toml",
            "[lints]\nmissing_revert = \"warn\"\n[paths]\nexclude = [\"svc/gen\"]\n",
        );
        // Above the workspace root: never read.
        ws.write("../imperlint.toml", "[lints]\nmissing_revert = \"allow\"\n");
        let _above = Remove(ws.0.join("../imperlint.toml"));
        for start in ["svc/src", "svc/src/lib.rs", "svc", "."] {
            let found = Config::discover(&[ws.0.join(start)], None, &[], KNOWN).unwrap();
            assert_eq!(
                found.config.levels["missing_revert"],
                Level::Warn,
                "from {start}"
            );
            assert!(found.config.is_excluded(&ws.0.join("svc/gen/a.rs")));
        }
        // Nearer files win, `imperlint.toml` before `.imperlint.toml`.
        ws.write(
            "svc/.imperlint.toml",
            "[lints]\nmissing_revert = \"deny\"\n",
        );
        let found = Config::discover(&[ws.0.join("svc/src")], None, &[], KNOWN).unwrap();
        assert_eq!(found.config.levels["missing_revert"], Level::Deny);
        ws.write(
            "svc/imperlint.toml",
            "[lints]\nmissing_revert = \"allow\"\n",
        );
        let found = Config::discover(&[ws.0.join("svc/src")], None, &[], KNOWN).unwrap();
        assert_eq!(found.config.levels["missing_revert"], Level::Allow);
        assert_eq!(
            found.ignored,
            [(
                ws.0.join("svc/.imperlint.toml"),
                ws.0.join("svc/imperlint.toml")
            )]
        );
        // Without a `[workspace]`, the outermost package bounds the search.
        let lone = Scratch::new("lone");
        lone.write("Cargo.toml", "[package]\nname = \"lone\"\n");
        lone.write("src/main.rs", "");
        lone.write("../imperlint.toml", "[lints]\nmissing_revert = \"allow\"\n");
        let _above = Remove(lone.0.join("../imperlint.toml"));
        let found = Config::discover(&[lone.0.join("src")], None, &[], KNOWN).unwrap();
        assert_eq!(found.config, Config::default());
        assert!(found.sources.is_empty());
    }

    /// Removes a file when dropped.
    struct Remove(PathBuf);

    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn discover_without_any_configuration() {
        let ws = Scratch::new("empty");
        let a = ws.write("Cargo.toml", "[package]\nname = \"a\"\n");
        assert_eq!(discover_at(&ws.0, &[a]).unwrap(), Config::default());
    }

    #[test]
    fn discover_reports_errors_with_the_file() {
        let ws = Scratch::new("errors");
        let a = ws.write(
            "a/Cargo.toml",
            "[package]\nname = \"a\"\n[package.metadata.imperlint]\nlint = {}\n",
        );
        let err = discover_at(&ws.0, std::slice::from_ref(&a)).unwrap_err();
        assert_eq!(err.file, a);
        assert_eq!(err.key, "package.metadata.imperlint.lint");

        ws.write("imperlint.toml", "[paths]\nexclud = []\n");
        let err = discover_at(&ws.0, &[a]).unwrap_err();
        assert_eq!(err.file, ws.0.join("imperlint.toml"));
        assert_eq!(err.key, "paths.exclud");
    }

    #[test]
    fn discover_rejects_conflicting_package_levels_unless_settled() {
        let ws = Scratch::new("conflict");
        let a = ws.write(
            "a/Cargo.toml",
            "[package.metadata.imperlint.lints]\nmissing_revert = \"deny\"\n",
        );
        let b = ws.write(
            "b/Cargo.toml",
            "[package.metadata.imperlint.lints]\nmissing_revert = \"allow\"\n",
        );
        let err = discover_at(&ws.0, &[a.clone(), b.clone()]).unwrap_err();
        assert_eq!(err.file, b);
        assert_eq!(err.key, "package.metadata.imperlint.lints.missing_revert");
        assert!(
            err.message.contains("conflicts with `deny`"),
            "{}",
            err.message
        );

        ws.write(
            "Cargo.toml",
            "[workspace.metadata.imperlint.lints]\nmissing_revert = \"warn\"\n",
        );
        let config = discover_at(&ws.0, &[a, b]).unwrap();
        assert_eq!(config.levels["missing_revert"], Level::Warn);
    }
}
