//! The sarif format: a SARIF 2.1.0 log for GitHub code scanning and SARIF
//! viewers, valid against the official schema. It owns the mapping from
//! imperlint's model to SARIF: one run whose `tool.driver.rules` lists every
//! lint (then the built-in diagnostics that occur), results with relative
//! `%SRCROOT%` URIs, related locations, fixes, and the `imperlint/v1` partial
//! fingerprint that keeps an alert's identity while unrelated lines move.
//! Field order is fixed by the serde structs below and maps are `BTreeMap`s,
//! so output is byte-identical from run to run.

use super::{lint_info, EmitContext, Sources};
use crate::diag::{builtin, Diagnostic, Level, LintInfo, Location};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/imperlint/imperlint";
/// The base every relative `artifactLocation.uri` is resolved against.
const SRCROOT: &str = "%SRCROOT%";
/// The key of imperlint's partial fingerprint; bump the suffix if the hash's
/// inputs ever change, so code scanning does not match unrelated alerts.
const FINGERPRINT_KEY: &str = "imperlint/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: MultiformatText,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    fn new(text: impl Into<String>) -> Text {
        Text { text: text.into() }
    }
}

#[derive(Serialize)]
struct MultiformatText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: &'static [&'static str],
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [SarifLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

pub(super) fn render(diags: &[Diagnostic], cx: &EmitContext) -> String {
    let (rules, index) = rules(diags, cx);
    let fingerprints = fingerprints(diags, &Sources::new(cx));
    let results = diags
        .iter()
        .zip(fingerprints)
        .map(|(diag, fingerprint)| result(diag, index[&diag.lint], fingerprint))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "imperlint",
                    version: cx.tool_version,
                    semantic_version: cx.tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: root_uri(cx.root),
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .expect("the SARIF log has only string keys and plain values");
    out.push('\n');
    out
}

/// The rule entries (every lint in `cx.rules` order, then the built-ins that
/// occur in table order, then any other name that occurs, sorted) and each
/// name's index among them.
fn rules<'d>(diags: &'d [Diagnostic], cx: &EmitContext) -> (Vec<Rule>, BTreeMap<&'d str, usize>) {
    let mut rules: Vec<Rule> = cx.rules.iter().map(|info| lint_rule(info)).collect();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for diag in diags {
        if let Some(position) = cx.rules.iter().position(|info| info.name == diag.lint) {
            index.insert(diag.lint, position);
        }
    }
    for info in builtin::INFOS {
        let name = info.name;
        if lint_info(cx, name).is_some() || !diags.iter().any(|diag| diag.lint == name) {
            continue;
        }
        index.insert(name, rules.len());
        let full = info.docs.trim();
        rules.push(builtin_rule(
            name,
            info.summary,
            info.section("What it does").unwrap_or(info.summary),
            full,
            info.default_level,
        ));
    }
    let mut unknown: Vec<&str> = diags
        .iter()
        .map(|diag| diag.lint)
        .filter(|name| !index.contains_key(name))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    for name in unknown {
        index.insert(name, rules.len());
        let short = format!("imperlint diagnostic `{name}`");
        rules.push(builtin_rule(name, &short, &short, &short, Level::Warn));
    }
    (rules, index)
}

fn lint_rule(info: &LintInfo) -> Rule {
    Rule {
        id: info.name.to_owned(),
        name: upper_camel_case(info.name),
        short_description: Text::new(info.summary),
        full_description: Text::new(info.section("What it does").unwrap_or(info.summary)),
        help: MultiformatText {
            text: info.docs.trim().to_owned(),
            markdown: info.docs.trim().to_owned(),
        },
        help_uri: Some(info.help_uri()),
        default_configuration: Configuration {
            level: level_name(info.default_level, "none"),
        },
        properties: RuleProperties {
            tags: &["security", "impersonation", "windows"],
            security_severity: Some(info.security_severity),
            precision: "high",
        },
    }
}

fn builtin_rule(name: &str, short: &str, full: &str, help: &str, level: Level) -> Rule {
    Rule {
        id: name.to_owned(),
        name: upper_camel_case(name),
        short_description: Text::new(short),
        full_description: Text::new(full),
        help: MultiformatText {
            text: help.to_owned(),
            markdown: help.to_owned(),
        },
        help_uri: builtin::find(name).map(LintInfo::help_uri),
        default_configuration: Configuration {
            level: level_name(level, "none"),
        },
        properties: RuleProperties {
            tags: &["imperlint"],
            security_severity: None,
            precision: "very-high",
        },
    }
}

/// SARIF's level for ours; `allow` becomes `allow_as` ("none" for a rule's
/// default, "note" for a result that was reported anyway).
fn level_name(level: Level, allow_as: &'static str) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => allow_as,
    }
}

fn result(diag: &Diagnostic, rule_index: usize, fingerprint: String) -> SarifResult {
    let mut text = diag.message.clone();
    for note in &diag.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &diag.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    SarifResult {
        rule_id: diag.lint.to_owned(),
        rule_index,
        level: level_name(diag.level, "note"),
        message: Text::new(text),
        locations: [SarifLocation {
            id: None,
            physical_location: physical(&diag.location),
            message: None,
        }],
        related_locations: diag
            .related
            .iter()
            .enumerate()
            .map(|(i, related)| SarifLocation {
                id: Some(i + 1),
                physical_location: physical(&related.location),
                message: Some(Text::new(&related.message)),
            })
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        fixes: diag.fix.iter().map(fix).collect(),
    }
}

fn fix(fix: &crate::diag::Fix) -> SarifFix {
    // One change per file, files in the order the edits first name them.
    let mut changes: Vec<ArtifactChange> = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for edit in &fix.edits {
        let replacement = Replacement {
            deleted_region: region(&edit.location),
            inserted_content: Text::new(&edit.replacement),
        };
        match files.iter().position(|file| *file == edit.location.file) {
            Some(i) => changes[i].replacements.push(replacement),
            None => {
                files.push(&edit.location.file);
                changes.push(ArtifactChange {
                    artifact_location: artifact(&edit.location.file),
                    replacements: vec![replacement],
                });
            }
        }
    }
    SarifFix {
        description: Text::new(&fix.description),
        artifact_changes: changes,
    }
}

fn physical(location: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(&location.file),
        region: region(location),
    }
}

/// A 1-based region; SARIF's `endColumn` is exclusive, like ours. Out-of-range
/// values (0, an end before the start) are clamped so the log stays valid.
fn region(location: &Location) -> Region {
    let start_line = location.line.max(1);
    let start_column = location.column.max(1);
    let (end_line, end_column) =
        if (location.end_line, location.end_column) < (start_line, start_column) {
            (start_line, start_column)
        } else {
            (location.end_line, location.end_column.max(1))
        };
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

/// A diagnostic path as an artifact location: relative paths become
/// percent-encoded URIs against `%SRCROOT%`; absolute ones (files outside the
/// root, shown as given) become `file://` URIs.
fn artifact(file: &str) -> ArtifactLocation {
    if is_absolute(file) {
        ArtifactLocation {
            uri: file_uri(file),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_path(&file.replace('\\', "/")),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn is_absolute(file: &str) -> bool {
    let bytes = file.as_bytes();
    let drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'/' | b'\\');
    file.starts_with('/') || file.starts_with("\\\\") || drive
}

/// The root directory's `file://` URI, ending with `/` as SARIF requires of
/// `originalUriBaseIds`.
fn root_uri(root: &Path) -> String {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut uri = file_uri(&absolute.to_string_lossy());
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// `/a b/c` → `file:///a%20b/c`; `C:\x` → `file:///C:/x`; `\\host\share\x`
/// → `file://host/share/x`; Windows verbatim prefixes (`\\?\`) are dropped.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path
        .strip_prefix("//?/UNC/")
        .map(|rest| format!("//{rest}"))
        .or_else(|| path.strip_prefix("//?/").map(str::to_owned))
        .unwrap_or(path);
    if let Some(unc) = path.strip_prefix("//") {
        return format!("file://{}", encode_path(unc));
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return format!("file:///{}{}", &path[..2], encode_path(&path[2..]));
    }
    format!("file://{}", encode_path(&path))
}

/// Percent-encodes a `/`-separated path for use in a URI: keeps RFC 3986
/// unreserved characters, sub-delimiters, `@` and `/`; encodes the UTF-8
/// bytes of everything else (spaces, non-ASCII, `%`, `#`, `?`, and `:`, which
/// could read as a scheme in a relative reference).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `thread_spawn_while_impersonating` → `ThreadSpawnWhileImpersonating`.
fn upper_camel_case(name: &str) -> String {
    name.split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// One `imperlint/v1` fingerprint per diagnostic: FNV-1a 64 of the lint, the
/// file, the trimmed text of the primary line (empty when the source is not
/// available) and the diagnostic's occurrence number among those with the
/// same three values, counted in output (file) order. The line number is
/// deliberately left out, so inserting lines above a finding keeps its
/// identity, while two findings on identical lines stay distinct.
pub(crate) fn fingerprints(diags: &[Diagnostic], sources: &Sources) -> Vec<String> {
    let mut seen: BTreeMap<(&str, &str, String), u64> = BTreeMap::new();
    diags
        .iter()
        .map(|diag| {
            let line = sources
                .get(&diag.location.file)
                .and_then(|text| {
                    text.line(diag.location.line)
                        .map(|line| line.trim().to_owned())
                })
                .unwrap_or_default();
            let count = seen
                .entry((diag.lint, &diag.location.file, line.clone()))
                .or_insert(0);
            *count += 1;
            let occurrence = count.to_string();
            let hash = fnv1a64(&[
                diag.lint.as_bytes(),
                diag.location.file.as_bytes(),
                line.as_bytes(),
                occurrence.as_bytes(),
            ]);
            format!("{hash:016x}")
        })
        .collect()
}

/// FNV-1a, 64 bits, over the parts each preceded by its length (so
/// `["ab", "c"]` and `["a", "bc"]` differ). Fixed by its definition, so the
/// same on every platform and Rust version.
fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        let length = (part.len() as u64).to_le_bytes();
        for byte in length.iter().chain(part.iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing;
    use serde_json::Value;
    use std::sync::Arc;

    fn log(diags: &[Diagnostic]) -> Value {
        let text = testing::with_context(|cx| render(diags, cx));
        serde_json::from_str(&text).expect("sarif output parses")
    }

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        // Published FNV-1a 64 test vectors, for one part with the length
        // prefix removed from the computation.
        fn plain(data: &[u8]) -> u64 {
            data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
                (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        }
        assert_eq!(plain(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(plain(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(plain(b"foobar"), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
    }

    #[test]
    fn driver_lists_every_lint_then_occurring_builtins() {
        let log = log(&testing::diagnostics());
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["runs"].as_array().unwrap().len(), 1);
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "imperlint");
        assert_eq!(driver["semanticVersion"], "0.1.0");
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules
            .iter()
            .map(|rule| rule["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "unchecked_impersonation",
                "thread_spawn_while_impersonating",
                "io_error"
            ]
        );
        let first = &rules[0];
        assert_eq!(first["name"], "UncheckedImpersonation");
        assert_eq!(
            first["shortDescription"]["text"],
            "result of a begin call dropped"
        );
        assert_eq!(
            first["fullDescription"]["text"],
            "Reports a dropped `ImpersonateLoggedOnUser` result."
        );
        assert!(first["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("### Why is this bad?"));
        assert_eq!(
            first["helpUri"],
            "https://github.com/imperlint/imperlint/blob/main/docs/lints/unchecked_impersonation.md"
        );
        assert_eq!(first["defaultConfiguration"]["level"], "error");
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        assert_eq!(first["properties"]["security-severity"], "8.1");
        assert_eq!(first["properties"]["precision"], "high");
        assert_eq!(first["properties"]["tags"][0], "security");
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/demo/"
        );
    }

    #[test]
    fn results_carry_rule_location_related_and_fix() {
        let log = log(&testing::diagnostics());
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let first = &results[0];
        assert_eq!(first["ruleId"], "unchecked_impersonation");
        assert_eq!(first["ruleIndex"], 0);
        assert_eq!(first["level"], "error");
        assert_eq!(
            first["message"]["text"],
            "result of `ImpersonateLoggedOnUser` is not checked\n\
             note: on failure the thread keeps running as the service\n\
             help: check the result: `ImpersonateLoggedOnUser(token)?`"
        );
        let physical = &first["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "src/lib.rs");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["startLine"], 2);
        assert_eq!(physical["region"]["startColumn"], 5);
        assert_eq!(physical["region"]["endColumn"], 35);
        let change = &first["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "src/lib.rs");
        let replacement = &change["replacements"][0];
        assert_eq!(replacement["deletedRegion"]["startColumn"], 35);
        assert_eq!(replacement["deletedRegion"]["endColumn"], 35);
        assert_eq!(replacement["insertedContent"]["text"], "?");

        let spawn = &results[1];
        assert_eq!(spawn["ruleIndex"], 1);
        assert_eq!(spawn["level"], "warning");
        assert!(spawn.get("fixes").is_none());
        let related = &spawn["relatedLocations"][0];
        assert_eq!(related["id"], 1);
        assert_eq!(related["message"]["text"], "impersonation begins here");
        assert_eq!(related["physicalLocation"]["region"]["startLine"], 2);

        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "src/my%20dir/%C3%BCberpr%C3%BCfung.rs"
        );
        assert_eq!(results[3]["ruleId"], "io_error");
        assert_eq!(results[3]["ruleIndex"], 2);
    }

    fn fingerprint(value: &Value, result: usize) -> String {
        value["runs"][0]["results"][result]["partialFingerprints"][FINGERPRINT_KEY]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Renders with `src/lib.rs` = `text` and returns each result's fingerprint.
    fn fingerprints_for(text: &str, diags: &[Diagnostic]) -> Vec<String> {
        let text: Arc<str> = Arc::from(text);
        let sources = move |file: &str| (file == "src/lib.rs").then(|| Arc::clone(&text));
        let rendered = testing::with_context(|cx| {
            let cx = EmitContext {
                sources: &sources,
                ..*cx
            };
            render(diags, &cx)
        });
        let value: Value = serde_json::from_str(&rendered).unwrap();
        (0..diags.len()).map(|i| fingerprint(&value, i)).collect()
    }

    fn at_line(line: u32) -> Diagnostic {
        let mut diag = testing::diagnostics().remove(0);
        diag.location.line = line;
        diag.location.end_line = line;
        diag.fix = None;
        diag
    }

    #[test]
    fn fingerprint_survives_lines_moving() {
        let body = "    ImpersonateLoggedOnUser(token);\n";
        let before = format!("fn serve() {{\n{body}}}\n");
        let after = format!("{}fn serve() {{\n{body}}}\n", "// moved\n".repeat(10));
        let old = fingerprints_for(&before, &[at_line(2)]);
        let new = fingerprints_for(&after, &[at_line(12)]);
        assert_eq!(old, new);
        assert_eq!(old[0].len(), 16);
        // A different line text is a different finding.
        let changed = fingerprints_for(
            "fn serve() {\n    ImpersonateLoggedOnUser(other);\n}\n",
            &[at_line(2)],
        );
        assert_ne!(old, changed);
    }

    #[test]
    fn fingerprints_of_identical_lines_differ() {
        let text = "fn serve() {\n    ImpersonateLoggedOnUser(token);\n    ImpersonateLoggedOnUser(token);\n}\n";
        let prints = fingerprints_for(text, &[at_line(2), at_line(3)]);
        assert_ne!(prints[0], prints[1]);
        // The first keeps the identity it has when it is alone.
        assert_eq!(prints[0], fingerprints_for(text, &[at_line(2)])[0]);
    }

    #[test]
    fn uris_are_relative_encoded_or_file_uris() {
        assert_eq!(artifact("src/a b.rs").uri, "src/a%20b.rs");
        assert_eq!(artifact("src\\win.rs").uri, "src/win.rs");
        assert_eq!(artifact("src/100%#?.rs").uri, "src/100%25%23%3F.rs");
        assert_eq!(artifact("c:odd.rs").uri, "c%3Aodd.rs");
        let outside = artifact("/elsewhere/x y.rs");
        assert_eq!(outside.uri, "file:///elsewhere/x%20y.rs");
        assert_eq!(outside.uri_base_id, None);
        assert_eq!(file_uri("C:\\work\\ä"), "file:///C:/work/%C3%A4");
        assert_eq!(file_uri("\\\\server\\share\\x"), "file://server/share/x");
        assert_eq!(file_uri("\\\\?\\C:\\work"), "file:///C:/work");
        assert_eq!(root_uri(Path::new("/work/demo/")), "file:///work/demo/");
    }

    #[test]
    fn names_and_unknown_diagnostics() {
        assert_eq!(
            upper_camel_case("thread_spawn_while_impersonating"),
            "ThreadSpawnWhileImpersonating"
        );
        let mut diags = testing::diagnostics();
        diags[2].lint = "some_future_check";
        let log = log(&diags);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let ids: Vec<&str> = rules
            .iter()
            .map(|rule| rule["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "unchecked_impersonation",
                "thread_spawn_while_impersonating",
                "io_error",
                "some_future_check"
            ]
        );
        assert_eq!(log["runs"][0]["results"][2]["ruleIndex"], 3);
    }
}
