//! What is generated from the lints' declarations stays current, and every
//! link leads somewhere: the pages in `docs/lints/` and the README's lint
//! table (`imperlint_lints::docs`) must equal what the registry generates
//! (with `INSTA_UPDATE=always` this test rewrites them instead, like insta's
//! snapshots); every relative link and anchor in the repository's Markdown,
//! every diagnostic's documentation link and SARIF `helpUri` must resolve to
//! a heading that exists; the README's install commands are `--locked`, the
//! workflow it shows is the one shipped, and it names no tag that does not
//! exist.

use imperlint_analyzer::diag::{builtin, LintInfo, DOCS_BASE_URI, DOCS_DIR};
use imperlint_lints::docs;
use imperlint_lints::registry::LINTS;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Held by every test: with `INSTA_UPDATE=always` some of them rewrite
/// files the others read.
static FILES: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    FILES.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether this run rewrites generated files instead of failing on them.
fn bless() -> bool {
    std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
}

#[test]
fn docs_pages_are_current() {
    let _files = lock();
    let dir = repo_root().join(DOCS_DIR);
    let pages = docs::pages();
    let mut problems = Vec::new();
    for (file, text) in &pages {
        let path = dir.join(file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                problems.push(format!("{DOCS_DIR}/{file} is missing or out of date"));
            }
        }
    }
    let wanted: BTreeSet<&str> = pages.iter().map(|(f, _)| f.as_str()).collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !wanted.contains(name.as_str()) {
            if bless() {
                std::fs::remove_file(dir.join(&name)).unwrap();
            } else {
                problems.push(format!("{DOCS_DIR}/{name} documents no lint"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nregenerate with `{}`",
        problems.join("\n"),
        docs::REGENERATE
    );
}

#[test]
fn readme_lint_table_is_current() {
    let _files = lock();
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = readme
        .split_once(&format!("{}\n", docs::README_BEGIN))
        .expect("the README marks where its lint table begins");
    let (table, after) = rest
        .split_once(&format!("{}\n", docs::README_END))
        .expect("the README marks where its lint table ends");
    let wanted = docs::readme_table();
    if table == wanted {
        return;
    }
    if bless() {
        let text = format!(
            "{before}{}\n{wanted}{}\n{after}",
            docs::README_BEGIN,
            docs::README_END
        );
        std::fs::write(&path, text).unwrap();
        return;
    }
    panic!(
        "the README's lint table is out of date; regenerate with `{}`",
        docs::REGENERATE
    );
}

#[test]
fn every_documentation_link_leads_to_a_heading() {
    let _files = lock();
    let infos: Vec<&LintInfo> = LINTS
        .iter()
        .map(|l| l.info)
        .chain(builtin::INFOS.iter().copied())
        .collect();
    for info in infos {
        let uri = info.help_uri();
        let rel = uri
            .strip_prefix("https://github.com/imperlint/imperlint/blob/main/")
            .unwrap_or_else(|| panic!("`{uri}` is not a page of this repository"));
        assert!(uri.starts_with(DOCS_BASE_URI));
        let (file, anchor) = rel.split_once('#').unwrap_or((rel, ""));
        let text = std::fs::read_to_string(repo_root().join(file))
            .unwrap_or_else(|e| panic!("`{}`: {file}: {e}", info.name));
        let headings = headings(&text);
        assert_eq!(
            headings.first().map(String::as_str),
            Some(info.name),
            "the page of `{}` is headed by its name",
            info.name
        );
        assert!(
            anchor.is_empty() || headings.iter().any(|h| h == anchor),
            "`{uri}`: no heading `{anchor}`"
        );
    }
}

#[test]
fn every_relative_link_in_the_markdown_resolves() {
    let _files = lock();
    let mut problems = Vec::new();
    let files = markdown_files();
    assert!(files.len() > docs::pages().len(), "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let rel = file
            .strip_prefix(repo_root())
            .unwrap()
            .display()
            .to_string();
        for link in links(&text) {
            let link = link
                .strip_prefix("https://github.com/imperlint/imperlint/blob/main/")
                .map(|l| format!("/{l}"))
                .unwrap_or(link);
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                file.clone()
            } else if let Some(abs) = path.strip_prefix('/') {
                repo_root().join(abs)
            } else {
                file.parent().unwrap().join(path)
            };
            if !target.exists() {
                problems.push(format!(
                    "{rel}: `{link}`: {} does not exist",
                    target.display()
                ));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            let Ok(target_text) = std::fs::read_to_string(&target) else {
                problems.push(format!("{rel}: `{link}`: an anchor into a folder"));
                continue;
            };
            if !headings(&target_text).iter().any(|h| h == anchor) {
                problems.push(format!("{rel}: `{link}`: no heading `#{anchor}`"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_readme_installs_locked_and_ships_what_it_shows() {
    let _files = lock();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| l.contains("cargo install ")) {
            assert!(
                line.contains("--locked") || !line.trim_start().starts_with("cargo install"),
                "{}: `{line}` re-resolves the dependencies; add `--locked`",
                file.display()
            );
        }
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    // The complete workflow the README shows is the file it names.
    let workflow = std::fs::read_to_string(repo_root().join(".github/workflows/imperlint.yml"))
        .expect("the workflow the README names is shipped");
    let block = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split_once("```").unwrap().0)
        .find(|b| b.starts_with("name: imperlint\n"))
        .expect("the README shows the workflow");
    assert_eq!(block, workflow, "the README's workflow and the file differ");
    // No release is tagged: the README must not name one.
    for line in readme.lines() {
        let rev = line.trim_start().strip_prefix("rev:");
        assert!(
            !rev.is_some_and(|r| r.trim_start().starts_with('v')),
            "`{line}` names a tag that does not exist"
        );
        assert!(
            !line.contains("v0.1.0"),
            "`{line}` names a tag that does not exist"
        );
    }
}

/// The repository's own Markdown files (not fixtures, not `target/`).
fn markdown_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for top in ["README.md", "CONTRIBUTING.md"] {
        out.push(repo_root().join(top));
    }
    let mut stack = vec![repo_root().join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The targets of the inline links `[text](target)` outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// The anchors GitHub gives a file's headings: lower-case, spaces as `-`,
/// punctuation other than `-` and `_` dropped (duplicates get `-1`, `-2`…).
fn headings(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let Some(title) = (!in_code)
            .then(|| line.strip_prefix('#'))
            .flatten()
            .map(|t| t.trim_start_matches('#'))
            .filter(|t| t.starts_with(' '))
        else {
            continue;
        };
        let slug: String = title
            .trim()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .flat_map(char::to_lowercase)
            .collect();
        let seen = out
            .iter()
            .filter(|h| {
                **h == slug
                    || h.strip_prefix(&format!("{slug}-"))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
        out.push(if seen == 0 {
            slug
        } else {
            format!("{slug}-{seen}")
        });
    }
    out
}
