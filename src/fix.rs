//! `--fix` and `--diff`: the fixes that findings carry ([`Fix`]), which
//! lints attach only when the change is mechanical and always correct. This
//! module owns choosing which fixes to apply (a fix whole or not at all; none
//! that overlaps one already chosen: the next run offers it again), the
//! safety checks (the file lies inside the checked roots, it is unchanged
//! since it was analysed, every edit's byte range agrees with its line and
//! column, the fixed file still parses), writing the files ([`write`], by a
//! temporary file and a rename: `fsx::write_replacing`) or showing the change as a unified diff
//! ([`diff`]). It does not decide what is fixable (the lints do), whether the
//! tree may be edited (`git` and the command line do), nor re-analyse (the
//! caller runs the analysis again to report what remains).

use imperlint_analyzer::diag::{Diagnostic, Fix, Location};
use imperlint_analyzer::driver::STACK_SIZE;
use imperlint_analyzer::fsx;
use imperlint_analyzer::parse;
use imperlint_analyzer::source::SourceFile;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `--fix` would change: each file's new text, and what was left alone.
#[derive(Debug, Default)]
pub struct Planned {
    /// Files to change, by displayed path.
    pub files: Vec<FileFix>,
    /// Why fixes were left alone, one line each (`file: reason`).
    pub skipped: Vec<String>,
    /// Files that could not be read.
    pub errors: Vec<String>,
}

/// One file's fixes applied to its text.
#[derive(Debug)]
pub struct FileFix {
    /// The path as displayed.
    pub file: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its text when analysed (and on disk now).
    pub before: Arc<str>,
    /// Its text with the fixes applied.
    pub after: String,
    /// How many fixes.
    pub count: usize,
}

/// What `--fix` did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Files written, by displayed path, with the number of fixes applied.
    pub fixed: BTreeMap<String, usize>,
    /// Why fixes were left alone, one line each (`file: reason`).
    pub skipped: Vec<String>,
    /// Files that could not be read or written.
    pub errors: Vec<String>,
}

/// Applies the fixes of `diags` to the files on disk: [`plan`], then
/// [`write`].
pub fn apply(
    diags: &[Diagnostic],
    sources: &HashMap<String, Arc<str>>,
    root: &Path,
    roots: &[PathBuf],
) -> Applied {
    write(plan(diags, sources, root, roots), roots)
}

/// Works out the fixes of `diags` without writing anything. `sources` holds
/// the text each file had when it was analysed (by displayed path);
/// displayed paths are relative to `root` unless absolute. Only files
/// inside `roots` (the checked roots, canonical) are planned, even when the
/// run was allowed to read outside them.
pub fn plan(
    diags: &[Diagnostic],
    sources: &HashMap<String, Arc<str>>,
    root: &Path,
    roots: &[PathBuf],
) -> Planned {
    let mut planned = Planned::default();
    // Fixes by file, each fix once (several findings may carry the same one).
    let mut by_file: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
    for fix in diags.iter().filter_map(|d| d.fix.as_ref()) {
        let Some(first) = fix.edits.first() else {
            continue;
        };
        let file = first.location.file.as_str();
        if fix.edits.iter().any(|e| e.location.file != file) {
            planned.skipped.push(format!(
                "{file}: `{}` edits several files; not applied",
                fix.description
            ));
            continue;
        }
        let list = by_file.entry(file).or_default();
        if !list.contains(&fix) {
            list.push(fix);
        }
    }
    for (file, fixes) in by_file {
        let Some(analysed) = sources.get(file) else {
            planned
                .skipped
                .push(format!("{file}: source not available; not fixed"));
            continue;
        };
        let path = match disk_path(root, file).canonicalize() {
            Ok(p) if roots.iter().any(|r| p.starts_with(r)) => p,
            Ok(p) => {
                planned.skipped.push(format!(
                    "{file}: `{}` is outside the checked roots; not fixed",
                    p.display()
                ));
                continue;
            }
            Err(e) => {
                planned.errors.push(format!("cannot read `{file}`: {e}"));
                continue;
            }
        };
        match fsx::read_bounded(&path, fsx::DEFAULT_SOURCE_LIMIT.max(analysed.len() as u64)) {
            Ok(now) if now == analysed.as_bytes() => {}
            Ok(_) => {
                planned.skipped.push(format!(
                    "{file}: changed since it was analysed; not fixed (run again)"
                ));
                continue;
            }
            Err(e) => {
                planned.errors.push(format!("cannot read `{file}`: {e}"));
                continue;
            }
        }
        let (text, count, skipped) = fix_text(file, analysed, &fixes);
        planned.skipped.extend(skipped);
        if count == 0 {
            continue;
        }
        if !parses(file, &text) {
            planned
                .skipped
                .push(format!("{file}: the fixed file would not parse; not fixed"));
            continue;
        }
        planned.files.push(FileFix {
            file: file.to_string(),
            path,
            before: Arc::clone(analysed),
            after: text,
            count,
        });
    }
    planned
}

/// Writes the planned files, each through a temporary file renamed into
/// place, never through a link inside `roots`.
pub fn write(planned: Planned, roots: &[PathBuf]) -> Applied {
    let mut applied = Applied {
        skipped: planned.skipped,
        errors: planned.errors,
        ..Applied::default()
    };
    for fix in planned.files {
        match fsx::write_replacing(&fix.path, fix.after.as_bytes(), roots) {
            Ok(()) => {
                applied.fixed.insert(fix.file, fix.count);
            }
            Err(e) => applied.errors.push(e.to_string()),
        }
    }
    applied
}

/// The planned changes as a unified diff (`--- a/FILE`, `+++ b/FILE`, three
/// lines of context), files in displayed-path order; empty when nothing
/// would change.
pub fn diff(planned: &Planned) -> String {
    let mut out = String::new();
    for fix in &planned.files {
        let text = similar::TextDiff::from_lines(&*fix.before, fix.after.as_str());
        out.push_str(
            &text
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", fix.file), &format!("b/{}", fix.file))
                .to_string(),
        );
    }
    out
}

/// A displayed path's file on disk.
fn disk_path(root: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Applies `fixes` to `text`: whole fixes whose edits neither overlap each
/// other nor an edit already chosen, in order of position; edits are applied
/// back to front. Returns the new text, the number of fixes applied and the
/// reasons fixes were left out.
fn fix_text(file: &str, text: &str, fixes: &[&Fix]) -> (String, usize, Vec<String>) {
    let mut skipped = Vec::new();
    let mut planned: Vec<(&Fix, Vec<Range<usize>>)> = Vec::new();
    for fix in fixes {
        let ranges: Option<Vec<Range<usize>>> =
            fix.edits.iter().map(|e| range(text, &e.location)).collect();
        match ranges {
            Some(r) => planned.push((fix, r)),
            None => skipped.push(format!(
                "{file}: `{}` does not match the file's text; not applied",
                fix.description
            )),
        }
    }
    planned.sort_by_key(|(fix, ranges)| {
        (
            ranges.iter().map(|r| r.start).min().unwrap_or(0),
            fix.description.clone(),
        )
    });
    let mut chosen: Vec<(Range<usize>, &str)> = Vec::new();
    let mut count = 0;
    for (fix, ranges) in planned {
        let mut mine: Vec<&Range<usize>> = Vec::new();
        let clash = ranges.iter().any(|r| {
            let hit =
                chosen.iter().any(|(c, _)| overlap(c, r)) || mine.iter().any(|m| overlap(m, r));
            mine.push(r);
            hit
        });
        if clash {
            skipped.push(format!(
                "{file}: `{}` overlaps another fix; run `--fix` again",
                fix.description
            ));
            continue;
        }
        for (r, edit) in ranges.into_iter().zip(&fix.edits) {
            chosen.push((r, edit.replacement.as_str()));
        }
        count += 1;
    }
    chosen.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (r, replacement) in chosen {
        out.replace_range(r, replacement);
    }
    (out, count, skipped)
}

/// Two edits conflict when their ranges share a byte or start at the same
/// place (two insertions there would have no defined order).
fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start == b.start || (a.start < b.end && b.start < a.end)
}

/// The byte range an edit replaces, when its byte offsets and its line and
/// column agree (lines count from 1, columns are 1-based characters).
fn range(text: &str, location: &Location) -> Option<Range<usize>> {
    let start = offset(text, location.line, location.column)?;
    let end = offset(text, location.end_line, location.end_column)?;
    (start == location.byte_start && end == location.byte_end && start <= end).then_some(start..end)
}

/// The byte offset of a 1-based line and character column; the column may be
/// one past the line's last character.
fn offset(text: &str, line: u32, column: u32) -> Option<usize> {
    let line_start = if line == 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(usize::try_from(line).ok()?.checked_sub(2)?)?
            .0
            + 1
    };
    let rest = &text[line_start..];
    let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let chars = usize::try_from(column.checked_sub(1)?).ok()?;
    let within = match line_text.char_indices().nth(chars) {
        Some((i, _)) => i,
        None if line_text.chars().count() == chars => line_text.len(),
        None => return None,
    };
    Some(line_start + within)
}

/// Whether `text` still parses as a Rust file (on a thread with the stack
/// the analysis uses, since parsing recurses per nesting level).
fn parses(file: &str, text: &str) -> bool {
    let source = SourceFile {
        path: PathBuf::from(file),
        display: file.to_string(),
        text: Arc::from(text),
    };
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, || parse::parse_file(&source).is_ok())
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use imperlint_analyzer::diag::Edit;

    const TEXT: &str = "fn f() {\n    queue(cb, WT_EXECUTEDEFAULT);\n    queue(cb, 0);\n}\n";

    /// A location from 1-based line and columns on one line of [`TEXT`].
    fn loc(line: u32, col: u32, end_col: u32) -> Location {
        let start = offset(TEXT, line, col).unwrap();
        let end = offset(TEXT, line, end_col).unwrap();
        Location {
            file: "src/lib.rs".into(),
            line,
            column: col,
            end_line: line,
            end_column: end_col,
            byte_start: start,
            byte_end: end,
        }
    }

    fn fix(location: Location, replacement: &str) -> Fix {
        Fix {
            description: format!("write `{replacement}`"),
            edits: vec![Edit {
                location,
                replacement: replacement.into(),
            }],
        }
    }

    #[test]
    fn applies_back_to_front() {
        let a = fix(
            loc(2, 15, 32),
            "WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION",
        );
        let b = fix(loc(3, 15, 16), "WT_TRANSFER_IMPERSONATION");
        let (out, n, skipped) = fix_text("src/lib.rs", TEXT, &[&b, &a]);
        assert_eq!(n, 2);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(
            out,
            "fn f() {\n    queue(cb, WT_EXECUTEDEFAULT | WT_TRANSFER_IMPERSONATION);\n    \
             queue(cb, WT_TRANSFER_IMPERSONATION);\n}\n"
        );
    }

    #[test]
    fn overlapping_fixes_apply_once() {
        let a = fix(loc(2, 15, 32), "A");
        let b = fix(loc(2, 20, 25), "B");
        let (out, n, skipped) = fix_text("src/lib.rs", TEXT, &[&a, &b]);
        assert_eq!(n, 1);
        assert_eq!(skipped.len(), 1);
        assert!(out.contains("queue(cb, A);"), "{out}");
    }

    #[test]
    fn positions_that_disagree_are_not_applied() {
        let mut l = loc(2, 15, 32);
        l.byte_start += 3;
        l.byte_end += 3;
        let (out, n, skipped) = fix_text("src/lib.rs", TEXT, &[&fix(l, "X")]);
        assert_eq!((out.as_str(), n), (TEXT, 0));
        assert_eq!(skipped.len(), 1);
    }

    fn diag_with(fix: Fix) -> Diagnostic {
        Diagnostic {
            lint: "pool_work_without_transfer",
            level: imperlint_analyzer::diag::Level::Warn,
            message: "m".into(),
            location: fix.edits[0].location.clone(),
            label: String::new(),
            related: vec![],
            notes: vec![],
            help: None,
            fix: Some(fix),
        }
    }

    #[test]
    fn apply_writes_unchanged_files_and_refuses_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let file = dir.path().join("src/lib.rs");
        let sources: HashMap<String, Arc<str>> =
            [("src/lib.rs".to_string(), Arc::from(TEXT))].into();
        let diags = vec![diag_with(fix(loc(3, 15, 16), "WT_TRANSFER_IMPERSONATION"))];

        let roots = [dir.path().canonicalize().unwrap()];
        std::fs::write(&file, format!("{TEXT}// edited meanwhile\n")).unwrap();
        let applied = apply(&diags, &sources, dir.path(), &roots);
        assert!(applied.fixed.is_empty());
        assert_eq!(
            applied.skipped,
            ["src/lib.rs: changed since it was analysed; not fixed (run again)"]
        );

        std::fs::write(&file, TEXT).unwrap();
        let applied = apply(&diags, &sources, dir.path(), &roots);
        assert_eq!(applied.fixed.get("src/lib.rs"), Some(&1));
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("queue(cb, WT_TRANSFER_IMPERSONATION);"));

        // A fix that would leave the file unparsable is not written.
        std::fs::write(&file, TEXT).unwrap();
        let applied = apply(
            &[diag_with(fix(loc(3, 15, 16), "0 )"))],
            &sources,
            dir.path(),
            &roots,
        );
        assert!(applied.fixed.is_empty());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TEXT);

        // Nothing outside the checked roots is edited.
        let other = tempfile::tempdir().unwrap();
        let applied = apply(
            &diags,
            &sources,
            dir.path(),
            &[other.path().canonicalize().unwrap()],
        );
        assert!(applied.fixed.is_empty());
        assert!(
            applied.skipped[0].contains("outside the checked roots"),
            "{:?}",
            applied.skipped
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TEXT);
    }

    #[test]
    fn offsets_count_characters() {
        let text = "// ü\nfn ä() {}\n";
        assert_eq!(offset(text, 1, 4), Some(3));
        assert_eq!(offset(text, 1, 5), Some(5), "one past the end");
        assert_eq!(offset(text, 1, 6), None);
        assert_eq!(
            offset(text, 2, 4),
            Some(9),
            "`ä` starts at byte 3 of line 2"
        );
        assert_eq!(offset(text, 2, 5), Some(11), "and takes two bytes");
        assert_eq!(offset(text, 3, 1), Some(text.len()));
        assert_eq!(offset(text, 4, 1), None);
    }
}
