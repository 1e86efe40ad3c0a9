//! Baselines: a file recording the findings a codebase already has, so a
//! run can report only new ones. Findings are identified by lint, file and
//! the line-number-free fingerprint SARIF uses (see
//! [`crate::emit::fingerprints`]), so a baseline survives unrelated edits
//! that move lines. The file is JSON, sorted, one entry per finding.

use crate::diag::Diagnostic;
use crate::emit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The baseline format version.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Entry {
    lint: String,
    file: String,
    fingerprint: String,
    /// For people reading the file; not used for matching.
    message: String,
}

#[derive(Serialize, Deserialize, Debug)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

fn entries(diags: &[Diagnostic], sources: &HashMap<String, Arc<str>>) -> Vec<Entry> {
    let lookup = |f: &str| sources.get(f).cloned();
    let prints = emit::fingerprints(diags, &lookup);
    diags
        .iter()
        .zip(prints)
        .map(|(d, fingerprint)| Entry {
            lint: d.lint.to_string(),
            file: d.location.file.clone(),
            fingerprint,
            message: d.message.clone(),
        })
        .collect()
}

/// The baseline text recording `diags`.
pub fn write(diags: &[Diagnostic], sources: &HashMap<String, Arc<str>>) -> String {
    let mut findings = entries(diags, sources);
    findings.sort();
    let mut text = serde_json::to_string_pretty(&File {
        version: VERSION,
        findings,
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

/// Removes the diagnostics recorded in `baseline` (each entry hides one finding).
pub fn filter(
    diags: Vec<Diagnostic>,
    baseline: &str,
    sources: &HashMap<String, Arc<str>>,
) -> Result<Vec<Diagnostic>, String> {
    let file: File =
        serde_json::from_str(baseline).map_err(|e| format!("not a baseline file: {e}"))?;
    if file.version != VERSION {
        return Err(format!(
            "baseline version {} is not supported (expected {VERSION})",
            file.version
        ));
    }
    let mut known: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in file.findings {
        *known.entry((e.lint, e.file, e.fingerprint)).or_default() += 1;
    }
    let current = entries(&diags, sources);
    Ok(diags
        .into_iter()
        .zip(current)
        .filter(|(_, e)| {
            match known.get_mut(&(e.lint.clone(), e.file.clone(), e.fingerprint.clone())) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        })
        .map(|(d, _)| d)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Level, Location};

    fn diag(line: u32) -> Diagnostic {
        Diagnostic {
            lint: "missing_revert",
            level: Level::Deny,
            message: "m".into(),
            location: Location {
                file: "src/lib.rs".into(),
                line,
                column: 1,
                end_line: line,
                end_column: 2,
                byte_start: 0,
                byte_end: 1,
            },
            label: String::new(),
            related: vec![],
            notes: vec![],
            help: None,
            fix: None,
        }
    }

    #[test]
    fn baseline_hides_known_findings_after_lines_move() {
        let before: HashMap<String, Arc<str>> = [(
            "src/lib.rs".to_string(),
            Arc::from("fn a() {\n    x()?;\n}\n"),
        )]
        .into();
        let text = write(&[diag(2)], &before);
        let after: HashMap<String, Arc<str>> = [(
            "src/lib.rs".to_string(),
            Arc::from("// new\n// lines\nfn a() {\n    x()?;\n}\nfn b() {\n    y()?;\n}\n"),
        )]
        .into();
        let kept = filter(vec![diag(4), diag(7)], &text, &after).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].location.line, 7);
    }

    #[test]
    fn bad_baselines_are_errors() {
        assert!(filter(vec![], "{", &HashMap::new()).is_err());
        assert!(filter(
            vec![],
            "{\"version\": 9, \"findings\": []}",
            &HashMap::new()
        )
        .is_err());
    }
}
