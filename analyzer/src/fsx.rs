//! The only ways imperlint touches the file system with content: bounded
//! reads of regular files, and writes that replace a file by a temporary
//! file and a rename. Every read of a source, a manifest, a configuration
//! or a baseline goes through [`read_bounded`]; every write of an output, a
//! baseline or a fixed source through [`write_replacing`]. This module owns
//! those two promises (README, "Running on untrusted code"); it knows
//! nothing of Rust, crates or roots beyond the list it is given.
//!
//! Reading: the path is followed (the caller has already decided, on its
//! canonical form, that it may be read), it must name a regular file (a
//! FIFO would block forever, `/dev/zero` never ends, a device or socket is
//! not content), and no more than `limit` bytes are read: a file that grew
//! past the limit is refused, not truncated. The kind is checked before
//! opening (opening a FIFO blocks until a writer comes) and again on the
//! opened handle (the path could have been replaced in between; the
//! threat model has no concurrent writer, this only keeps the check
//! honest).
//!
//! Writing: the text goes to a new temporary file in the destination's
//! folder, is flushed to disk, and is renamed over the destination. A
//! destination that is itself a symbolic link is replaced by the file (the
//! link's target is never written); a folder on the way that is a symbolic
//! link inside one of the `guarded` folders (the checked roots: links there
//! come from the tree, perhaps from a pull request) is refused. A write
//! that fails leaves the old file as it was and names the path.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// The default size limit of a source file: 64 MiB. The largest file of the
/// benchmark corpus (generated Windows bindings) is about 12 MB, and the
/// largest generated file the test suite analyses is 50 MB; a file beyond
/// the limit is reported, not read, so that a tree cannot make a run take
/// unbounded time and memory (parsing takes about 50 bytes of memory per
/// byte of source).
pub const DEFAULT_SOURCE_LIMIT: u64 = 64 << 20;

/// The size limit of configuration, manifests and baselines: 16 MiB, far
/// above any real one.
pub const CONFIG_LIMIT: u64 = 16 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing at the path (or a dangling link).
    NotFound,
    /// A folder, FIFO, socket or device.
    NotRegular,
    /// Larger than the limit, in bytes.
    TooLarge { limit: u64 },
    /// Any other failure of the operating system.
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("no such file"),
            ReadError::NotRegular => {
                f.write_str("not a regular file (a folder, FIFO, socket or device)")
            }
            ReadError::TooLarge { limit } => {
                write!(f, "larger than the limit of {}", human_size(*limit))
            }
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    fn from_io(e: std::io::Error) -> ReadError {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Io(e)
        }
    }
}

/// `n` bytes as MiB or KiB when exact, else bytes.
pub fn human_size(n: u64) -> String {
    if n >= 1 << 20 && n & ((1 << 20) - 1) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n & ((1 << 10) - 1) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Reads the regular file at `path`, at most `limit` bytes (see the module
/// documentation).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::from_io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let file = File::open(path).map_err(ReadError::from_io)?;
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Err(ReadError::NotRegular);
    }
    // `len` is a hint: the file may be shorter (or, in `/proc`, report 0).
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text; invalid UTF-8 is an `Io` error of kind
/// `InvalidData`.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Why a write was refused or failed; the message names the path.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write `{}`: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for WriteError {}

/// Writes `bytes` to `path` by a temporary file in the same folder and a
/// rename (see the module documentation). A relative `path` is taken from
/// the current folder. `guarded` are the folders in which a symbolic link
/// on the way to `path` is refused (the checked roots, canonical).
pub fn write_replacing(path: &Path, bytes: &[u8], guarded: &[PathBuf]) -> Result<(), WriteError> {
    let fail = |message: String| WriteError {
        path: path.to_path_buf(),
        message,
    };
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| fail(format!("no current folder: {e}")))?
            .join(path)
    };
    let dir = checked_parent(&abs, guarded).map_err(fail)?;
    let Some(name) = abs.file_name() else {
        return Err(fail("not a file name".to_string()));
    };
    // A destination that is a link is replaced, never followed; one that is
    // a folder (or a folder behind a link) is refused.
    let old = std::fs::symlink_metadata(dir.join(name)).ok();
    if old.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(fail("it is a folder".to_string()));
    }
    let keep_permissions = old.filter(|m| m.is_file()).map(|m| m.permissions());
    let (tmp_path, mut tmp) = create_temporary(&dir, name).map_err(|e| {
        fail(format!(
            "cannot create a temporary file in `{}`: {e}",
            dir.display()
        ))
    })?;
    let written = tmp
        .write_all(bytes)
        .and_then(|()| tmp.flush())
        .and_then(|()| match &keep_permissions {
            Some(p) => tmp.set_permissions(p.clone()),
            None => Ok(()),
        })
        .and_then(|()| tmp.sync_all());
    drop(tmp);
    let renamed = written.and_then(|()| std::fs::rename(&tmp_path, dir.join(name)));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(fail(format!("{e}; the old file is unchanged")));
    }
    Ok(())
}

/// The folder `abs` is to be written in, lexically resolved component by
/// component as the kernel would, refusing a symbolic link that lies inside
/// a guarded folder.
fn checked_parent(abs: &Path, guarded: &[PathBuf]) -> Result<PathBuf, String> {
    let parent = abs.parent().ok_or("no parent folder")?;
    let mut dir = PathBuf::new();
    for component in parent.components() {
        match component {
            Component::ParentDir => {
                dir.pop();
            }
            Component::CurDir => {}
            other => {
                dir.push(other);
                let inside = guarded.iter().any(|g| dir.starts_with(g) && dir != *g);
                if inside
                    && std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink())
                {
                    return Err(format!(
                        "`{}` is a symbolic link inside the checked tree; imperlint does not write through links the tree supplies",
                        dir.display()
                    ));
                }
            }
        }
    }
    Ok(dir)
}

/// A new file `.NAME.imperlint-PID-N.tmp` in `dir`, created exclusively
/// (never an existing file or link).
fn create_temporary(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<(PathBuf, File)> {
    let mut last = None;
    for n in 0..100u32 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".imperlint-{}-{n}.tmp", std::process::id()));
        let tmp_path = dir.join(tmp_name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(f) => return Ok((tmp_path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded_and_regular() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.rs");
        std::fs::write(&file, "fn f() {}\n").unwrap();
        assert_eq!(read_bounded(&file, 100).unwrap(), b"fn f() {}\n");
        assert!(matches!(
            read_bounded(&file, 4),
            Err(ReadError::TooLarge { limit: 4 })
        ));
        assert!(matches!(
            read_bounded(dir.path(), 100),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("gone"), 100),
            Err(ReadError::NotFound)
        ));
        #[cfg(unix)]
        {
            // A device that never ends, and a file that reports size 0.
            assert!(matches!(
                read_bounded(Path::new("/dev/zero"), 100),
                Err(ReadError::NotRegular)
            ));
            if Path::new("/proc/self/status").exists() {
                let status = read_bounded(Path::new("/proc/self/status"), 1 << 20).unwrap();
                assert!(
                    !status.is_empty(),
                    "a size-0 file in /proc is read to its end"
                );
                assert!(matches!(
                    read_bounded(Path::new("/proc/self/status"), 8),
                    Err(ReadError::TooLarge { .. })
                ));
            }
        }
    }

    #[test]
    fn a_write_replaces_the_file_and_a_link_destination() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let out = root.join("report.json");
        std::fs::write(&out, "old").unwrap();
        write_replacing(&out, b"new", std::slice::from_ref(&root)).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        #[cfg(unix)]
        {
            let victim = root.join("victim");
            std::fs::write(&victim, "keep").unwrap();
            let link = root.join("link.sarif");
            std::os::unix::fs::symlink(&victim, &link).unwrap();
            write_replacing(&link, b"report", std::slice::from_ref(&root)).unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
            assert!(!std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(std::fs::read_to_string(&link).unwrap(), "report");
        }
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_folder_inside_the_tree_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let tree = root.join("tree");
        let elsewhere = root.join("elsewhere");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, tree.join("out")).unwrap();
        let err = write_replacing(&tree.join("out/r.json"), b"x", std::slice::from_ref(&tree))
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
        // Outside the guarded folders, links are the user's own.
        write_replacing(&tree.join("out/r.json"), b"x", &[]).unwrap();
        assert!(elsewhere.join("r.json").is_file());
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let err = write_replacing(&root.join("missing/r.json"), b"x", &[]).unwrap_err();
        assert!(err.to_string().contains("missing/r.json"), "{err}");
        let folder = root.join("folder");
        std::fs::create_dir(&folder).unwrap();
        let err = write_replacing(&folder, b"x", &[]).unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
        assert!(folder.is_dir());
    }
}
