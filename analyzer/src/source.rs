//! Discovery and reading of source files: which `.rs` files a run covers,
//! which crate (nearest `Cargo.toml`) each belongs to, and their text. It
//! owns the rules for skipping (`target/`, `.gitignore`d paths, excluded
//! globs) and for turning I/O failures into per-file diagnostics; it does not
//! parse.

use crate::diag::{builtin, Diagnostic, Level, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One source file's text, as read.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Absolute (or as-given) path on disk.
    pub path: PathBuf,
    /// Path shown to users: relative to the run's root, forward slashes.
    pub display: String,
    pub text: Arc<str>,
}

/// A unit of analysis: the files of one package (or of one folder when no
/// `Cargo.toml` is found), analysed together for cross-file context.
#[derive(Clone, Debug, Default)]
pub struct CrateUnit {
    /// The folder holding `Cargo.toml`, if any.
    pub manifest_dir: Option<PathBuf>,
    /// Files to analyse, sorted.
    pub files: Vec<PathBuf>,
    /// Files whose findings are reported (all of `files` unless the user
    /// named single files: then only those, the rest give context).
    pub report: Option<BTreeSet<PathBuf>>,
}

/// A package's files, and the files reported on (`None`: all of them).
type Group = (BTreeSet<PathBuf>, Option<BTreeSet<PathBuf>>);

/// The outcome of discovery.
#[derive(Debug, Default)]
pub struct Discovery {
    pub crates: Vec<CrateUnit>,
    /// Problems met while walking (unreadable folders, symlink loops, missing paths).
    pub diagnostics: Vec<Diagnostic>,
    /// Paths that were named but do not exist.
    pub missing: Vec<PathBuf>,
}

/// Turns a path into the form shown to users: relative to `root` when
/// inside it, with forward slashes.
pub fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn io_diag(display: String, message: String) -> Diagnostic {
    Diagnostic {
        lint: builtin::IO_ERROR,
        level: Level::Deny,
        message,
        location: Location::file_start(display),
        label: "could not be read".to_string(),
        related: Vec::new(),
        notes: Vec::new(),
        help: None,
        fix: None,
    }
}

/// Finds the folder of the nearest `Cargo.toml` at or above `start`.
pub fn nearest_manifest_dir(start: &Path) -> Option<PathBuf> {
    // A relative path's parents stop at the current folder (`src/x.rs` →
    // `src` → ``): look from the absolute path so the package above is found.
    let start = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(start))
            .unwrap_or_else(|_| start.to_path_buf())
    };
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// Walks a folder for `.rs` files, honouring `.gitignore` and skipping
/// `target/` and hidden folders. Symlinks are followed; loops are reported.
fn walk_dir(dir: &Path, root: &Path, out: &mut BTreeSet<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(true)
        .require_git(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir()) && (name == "target" || name == ".git"))
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                // Not only regular files: a FIFO or socket named `.rs` is
                // reported by `read_source` rather than silently skipped.
                if e.file_type().is_some_and(|t| !t.is_dir())
                    && e.path().extension().is_some_and(|x| x == "rs")
                {
                    out.insert(e.path().to_path_buf());
                }
            }
            Err(err) => {
                let (path, msg) = describe_walk_error(&err);
                let shown = path
                    .map(|p| display_path(&p, root))
                    .unwrap_or_else(|| display_path(dir, root));
                diags.push(io_diag(shown, msg));
            }
        }
    }
}

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe_walk_error(err).1),
        ignore::Error::WithDepth { err, .. } => describe_walk_error(err),
        ignore::Error::WithLineNumber { err, .. } => describe_walk_error(err),
        ignore::Error::Loop { child, ancestor } => (
            Some(child.clone()),
            format!(
                "symbolic link loop: `{}` points back to `{}`; skipped",
                child.display(),
                ancestor.display()
            ),
        ),
        ignore::Error::Io(e) => (None, format!("cannot read: {e}")),
        other => (None, other.to_string()),
    }
}

/// Collects the `.rs` files under `paths` and groups them into crates.
///
/// A named file is reported on, and the other files of its package are
/// loaded for context only; a named folder is analysed whole.
pub fn discover(paths: &[PathBuf], root: &Path, exclude: &dyn Fn(&Path) -> bool) -> Discovery {
    let mut disc = Discovery::default();
    // manifest dir -> (files, reported files or None = all)
    let mut groups: BTreeMap<Option<PathBuf>, Group> = BTreeMap::new();
    let mut loose: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            disc.missing.push(p.clone());
            continue;
        }
        if p.is_dir() {
            let mut files = BTreeSet::new();
            walk_dir(p, root, &mut files, &mut disc.diagnostics);
            for f in files {
                if exclude(&f) {
                    continue;
                }
                match nearest_manifest_dir(&f) {
                    Some(m) => {
                        let g = groups.entry(Some(m)).or_default();
                        g.0.insert(f);
                        g.1 = None;
                    }
                    None => {
                        loose.entry(p.clone()).or_default().insert(f);
                    }
                }
            }
        } else {
            if exclude(p) {
                continue;
            }
            match nearest_manifest_dir(p) {
                Some(m) => {
                    let is_new = !groups.contains_key(&Some(m.clone()));
                    let g = groups.entry(Some(m.clone())).or_default();
                    if is_new {
                        // Load the package's other files for context only.
                        let mut ctx = BTreeSet::new();
                        let mut ignored = Vec::new();
                        walk_dir(&m, root, &mut ctx, &mut ignored);
                        g.0.extend(ctx.into_iter().filter(|f| !exclude(f)));
                        g.1 = Some(BTreeSet::new());
                    }
                    g.0.insert(p.clone());
                    if let Some(r) = g.1.as_mut() {
                        r.insert(p.clone());
                    }
                }
                None => {
                    let parent = p.parent().map(Path::to_path_buf).unwrap_or_default();
                    loose.entry(parent).or_default().insert(p.clone());
                }
            }
        }
    }
    for (manifest_dir, (files, report)) in groups {
        disc.crates.push(CrateUnit {
            manifest_dir,
            files: files.into_iter().collect(),
            report,
        });
    }
    for (_, files) in loose {
        disc.crates.push(CrateUnit {
            manifest_dir: None,
            files: files.into_iter().collect(),
            report: None,
        });
    }
    disc
}

/// Reads a file as UTF-8 text, or gives the diagnostic that replaces it.
// The error is the diagnostic itself, made once per bad file: not a hot path.
#[allow(clippy::result_large_err)]
pub fn read_source(path: &Path, root: &Path) -> Result<SourceFile, Diagnostic> {
    let display = display_path(path, root);
    // Reading a FIFO would wait for a writer forever; devices and sockets
    // are not source either.
    let meta = std::fs::metadata(path)
        .map_err(|e| io_diag(display.clone(), format!("cannot read `{display}`: {e}")))?;
    if !meta.is_file() {
        return Err(io_diag(
            display.clone(),
            format!("`{display}` is not a regular file (a FIFO, socket or device); skipped"),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| io_diag(display.clone(), format!("cannot read `{display}`: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile {
            path: path.to_path_buf(),
            display,
            text: Arc::from(text),
        }),
        Err(e) => {
            let mut d = io_diag(
                display.clone(),
                format!(
                    "`{display}` is not valid UTF-8 (invalid byte at offset {}); skipped",
                    e.utf8_error().valid_up_to()
                ),
            );
            d.lint = builtin::PARSE_ERROR;
            d.label = "not UTF-8".to_string();
            Err(d)
        }
    }
}
