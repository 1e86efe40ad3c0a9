//! SARIF 2.1.0 schema validation, offline, shared by the SARIF tests of two
//! packages (`tests/sarif.rs` and `analyzer/tests/sarif_schema.rs` include
//! this file with `#[path]`). The schema is the OASIS one, kept in
//! `tests/schemas/`.

use serde_json::Value;
use std::sync::OnceLock;

/// The schema validator, compiled once.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(include_str!("../schemas/sarif-schema-2.1.0.json"))
                .expect("the schema is JSON");
        // The schema is draft-04, which has no `uri-reference` format: the
        // validator would skip it, so check it with RFC 3986's character
        // rules (an unencoded space or backslash is caught).
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .with_format("uri-reference", is_uri_reference)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Every schema violation in `log`, with where it is.
pub fn violations(log: &Value) -> Vec<String> {
    validator()
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// RFC 3986 `URI-reference` at the character level: only unreserved and
/// reserved characters, and `%` followed by two hex digits.
fn is_uri_reference(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte)) {
            return false;
        }
        i += 1;
    }
    true
}
