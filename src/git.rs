//! Whether the files `--fix` would edit have uncommitted changes, read from
//! `git status` without letting the checked tree run anything: the
//! repository's configuration can name programs git runs on its own
//! (`core.fsmonitor`, filter drivers chosen by `.gitattributes`), and a tree
//! under review may bring a `.git` folder of its own. So git runs with the
//! file-system monitor and the untracked cache off, attributes read from the
//! empty tree instead of the working tree (`GIT_ATTR_SOURCE`, git 2.40 and
//! later: no filter driver applies), no optional locks (nothing is written
//! to the index), no prompt and no standard input. `git status` runs no
//! hooks. Without git, or outside a repository, there is nothing to compare
//! with: `--fix` refuses unless `--allow-no-vcs` is given, as `cargo fix`
//! does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// git's empty tree: the same id in every repository.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// What `git status` says about the files under some paths.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Files with changes not staged for commit, or not tracked at all.
    pub dirty: Vec<String>,
    /// Files with staged changes.
    pub staged: Vec<String>,
}

/// The status of the files under `paths` in the repository that holds
/// `dir`; `None` when git is not installed or `dir` is in no repository
/// (both mean the same to `--fix`: no version control to compare with).
pub fn status(dir: &Path, paths: &[PathBuf]) -> Option<Status> {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.untrackedCache=false",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignore-submodules=all",
            "--no-renames",
            "--",
        ])
        .args(paths)
        .env("GIT_ATTR_SOURCE", EMPTY_TREE)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(parse(&output.stdout))
}

/// Reads `git status --porcelain=v1 -z`: `XY path` entries, NUL-separated;
/// `X` is the index's state, `Y` the working tree's (`??`: untracked).
fn parse(out: &[u8]) -> Status {
    let mut status = Status::default();
    for entry in out.split(|b| *b == 0).filter(|e| e.len() > 3) {
        let (x, y) = (entry[0], entry[1]);
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        if x == b'?' || y != b' ' {
            status.dirty.push(path.clone());
        }
        if x != b' ' && x != b'?' {
            status.staged.push(path);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_staged_dirty_and_untracked() {
        let out = b" M src/a.rs\0M  src/b.rs\0MM src/c.rs\0?? new.rs\0A  added.rs\0";
        let status = parse(out);
        assert_eq!(status.dirty, ["src/a.rs", "src/c.rs", "new.rs"]);
        assert_eq!(status.staged, ["src/b.rs", "src/c.rs", "added.rs"]);
        assert_eq!(parse(b""), Status::default());
    }
}
