//! Suppression comments: `// imperlint: allow(LINT[, LINT…]) -- reason`.
//! This module owns reading them from a file's text (syn drops comments) and
//! filtering one file's diagnostics with them, reporting the comments that
//! are malformed (`invalid_suppression`) or suppress nothing
//! (`unused_suppression`). It does not know item boundaries (the parser
//! passes them) nor lint levels (the caller passes the one it needs).
//!
//! Placement: at the end of the finding's line; on its own line directly
//! before the finding's line (comments and attributes in between are
//! skipped, a blank line is not); or on its own line before an item (`fn`,
//! `impl`, `mod`, …, attributes and doc comments in between) to cover the
//! whole item. A suppression needs a reason after `--`; one without a reason
//! or with an unknown lint is reported and suppresses nothing.
//!
//! The scanner knows enough of Rust's lexical grammar to skip `//` inside
//! string, byte-string, raw-string and character literals and inside block
//! comments, also across lines; it does not expand macros, so a `//` that a
//! macro turns into a comment is not seen.

use crate::diag::{builtin, Diagnostic, Level, Location};

/// Reported at a suppression that suppresses nothing.
pub const UNUSED_SUPPRESSION: &str = "unused_suppression";
/// Reported at a malformed suppression: no reason, an unknown lint, bad syntax.
pub const INVALID_SUPPRESSION: &str = "invalid_suppression";

/// Built-in diagnostics no comment can hide.
const UNSUPPRESSIBLE: &[&str] = &[
    builtin::PARSE_ERROR,
    builtin::IO_ERROR,
    builtin::INTERNAL_ERROR,
];

/// One `// imperlint: allow(...)` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The 1-based line the suppression applies to: its own line for a
    /// trailing comment; for a comment on its own line, the next line that
    /// is not a comment or attribute (a blank line stops the search, so the
    /// comment then covers nothing; past the end of the file: the line after
    /// the last).
    pub line: u32,
    /// The lints named, in order, without duplicates.
    pub lints: Vec<String>,
    /// The text after `--`, trimmed. `None`: no reason was given; the comment
    /// is reported by [`parse`] and suppresses nothing.
    pub reason: Option<String>,
    /// The comment itself, from `//` to the end of the line (without `\r`).
    pub location: Location,
    /// Nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
}

/// Reads the suppression comments of one file. `file` is the path shown to
/// users. Returns the well-formed suppressions with known lints (including
/// those without a reason, which [`apply`] ignores) and an
/// `invalid_suppression` diagnostic (level `warn`) for each problem.
pub fn parse(file: &str, text: &str, known_lints: &[&str]) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let scan = Scanner::new(text).run();
    let mut suppressions = Vec::new();
    let mut invalid = Vec::new();
    for comment in &scan.comments {
        let body = &text[comment.byte_start + 2..comment.byte_end];
        // Doc comments (`///`, `//!`) are documentation, not directives.
        if (body.starts_with('/') && !body.starts_with("//")) || body.starts_with('!') {
            continue;
        }
        // `////` and longer are ordinary comments.
        let body = body.trim_start_matches('/');
        let Some(directive) = body.trim_start().strip_prefix("imperlint:") else {
            continue;
        };
        let location = Location {
            file: file.to_string(),
            line: comment.line,
            column: comment.column,
            end_line: comment.line,
            end_column: comment.column
                + text[comment.byte_start..comment.byte_end].chars().count() as u32,
            byte_start: comment.byte_start,
            byte_end: comment.byte_end,
        };
        let report = |message: String, label: &str, help: String| Diagnostic {
            lint: INVALID_SUPPRESSION,
            level: Level::Warn,
            message,
            location: location.clone(),
            label: label.to_string(),
            related: Vec::new(),
            notes: Vec::new(),
            help: Some(help),
            fix: None,
        };
        let parsed = match parse_directive(directive) {
            Directive::Other => continue,
            Directive::Malformed(problem) => {
                invalid.push(report(
                    format!("malformed suppression: {problem}"),
                    "not understood",
                    "write `// imperlint: allow(LINT) -- reason`".to_string(),
                ));
                continue;
            }
            Directive::Allow { lints, reason } => (lints, reason),
        };
        let (lints, reason) = parsed;
        let mut valid = true;
        for lint in &lints {
            if known_lints.contains(&lint.as_str()) {
                continue;
            }
            valid = false;
            let help = match crate::config::closest_name(lint, known_lints.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "`imperlint lints` lists the lint names".to_string(),
            };
            invalid.push(report(
                format!("unknown lint `{lint}` in `imperlint: allow`"),
                "unknown lint",
                help,
            ));
        }
        if reason.is_none() {
            invalid.push(report(
                format!("`imperlint: allow({})` gives no reason", lints.join(", ")),
                "no reason given",
                "add `-- reason` after `allow(...)`, saying why the finding does not apply"
                    .to_string(),
            ));
        }
        if !valid {
            continue;
        }
        let line = if comment.own_line {
            scan.next_code_line(comment.line)
        } else {
            comment.line
        };
        suppressions.push(Suppression {
            line,
            lints,
            reason,
            location,
            own_line: comment.own_line,
        });
    }
    (suppressions, invalid)
}

/// Removes the diagnostics the suppressions cover and reports, at level
/// `level_of_unused` (nothing when `allow`), each suppression, or each lint
/// of a suppression, that covered nothing. `diags` and `suppressions` are one
/// file's; `item_ranges` are that file's items as 1-based inclusive line
/// ranges (outer and inner items alike, starting at their first attribute or
/// at their keyword). A diagnostic is matched by its first line.
/// `parse_error`, `io_error` and `internal_error` are never suppressed. A
/// diagnostic covered by several suppressions counts as a use of each.
pub fn apply(
    diags: Vec<Diagnostic>,
    suppressions: &[Suppression],
    item_ranges: &[(u32, u32)],
    level_of_unused: Level,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let coverage: Vec<Vec<(u32, u32)>> = suppressions
        .iter()
        .map(|s| {
            let mut ranges = vec![(s.line, s.line)];
            if s.own_line {
                // Items starting on the covered line or on the attribute and
                // comment lines between the suppression and it.
                ranges.extend(
                    item_ranges
                        .iter()
                        .filter(|(start, _)| s.location.line < *start && *start <= s.line),
                );
            }
            ranges
        })
        .collect();
    // used[i][j]: suppression i's lint j suppressed something.
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.lints.len()])
        .collect();

    let mut kept = Vec::with_capacity(diags.len());
    for diag in diags {
        let mut suppressed = false;
        if !UNSUPPRESSIBLE.contains(&diag.lint) {
            let line = diag.location.line;
            for (i, s) in suppressions.iter().enumerate() {
                if s.reason.is_none()
                    || s.location.file != diag.location.file
                    || !coverage[i]
                        .iter()
                        .any(|&(start, end)| start <= line && line <= end)
                {
                    continue;
                }
                for (j, lint) in s.lints.iter().enumerate() {
                    if lint == diag.lint {
                        used[i][j] = true;
                        suppressed = true;
                    }
                }
            }
        }
        if !suppressed {
            kept.push(diag);
        }
    }

    let mut unused = Vec::new();
    if level_of_unused == Level::Allow {
        return (kept, unused);
    }
    for (s, used) in suppressions.iter().zip(&used) {
        if s.reason.is_none() {
            continue;
        }
        let idle: Vec<&str> = s
            .lints
            .iter()
            .zip(used)
            .filter(|(_, used)| !**used)
            .map(|(lint, _)| lint.as_str())
            .collect();
        if idle.is_empty() {
            continue;
        }
        let help = if idle.len() == s.lints.len() {
            "remove the comment".to_string()
        } else {
            format!(
                "remove {} from the comment",
                idle.iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        unused.push(Diagnostic {
            lint: UNUSED_SUPPRESSION,
            level: level_of_unused,
            message: format!("`imperlint: allow({})` suppresses nothing", idle.join(", ")),
            location: s.location.clone(),
            label: "suppresses nothing".to_string(),
            related: Vec::new(),
            notes: Vec::new(),
            help: Some(help),
            fix: None,
        });
    }
    (kept, unused)
}

/// What follows `imperlint:` in a comment.
#[derive(Debug, PartialEq)]
enum Directive {
    /// `allow(a, b) -- reason`; `reason` is `None` when missing or empty.
    Allow {
        lints: Vec<String>,
        reason: Option<String>,
    },
    /// Another directive this module does not handle (`impersonated`).
    Other,
    /// An `allow` that cannot be read, or an unknown directive; the text says
    /// what is wrong.
    Malformed(String),
}

/// Directives other modules read; anything else after `imperlint:` is a typo.
const OTHER_DIRECTIVES: &[&str] = &["impersonated"];

fn parse_directive(text: &str) -> Directive {
    let text = text.trim();
    let word_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let (word, rest) = text.split_at(word_end);
    if OTHER_DIRECTIVES.contains(&word) {
        return Directive::Other;
    }
    if word != "allow" {
        let shown = if word.is_empty() { text } else { word };
        return Directive::Malformed(format!("unknown directive `{shown}`"));
    }
    let Some(rest) = rest.trim_start().strip_prefix('(') else {
        return Directive::Malformed("expected `(` after `allow`".to_string());
    };
    let Some((list, rest)) = rest.split_once(')') else {
        return Directive::Malformed("expected `)` after the lint names".to_string());
    };
    let mut lints: Vec<String> = Vec::new();
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            // A trailing comma is fine; an empty name elsewhere is not.
            if i + 1 == names.len() && i > 0 {
                continue;
            }
            return Directive::Malformed("a lint name is missing in `allow(...)`".to_string());
        }
        // Names read as on the command line: `imperlint::missing_revert`
        // (cargo's JSON code) and `missing-revert` are `missing_revert`.
        let bare = name.strip_prefix("imperlint::").unwrap_or(name);
        if !bare
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Directive::Malformed(format!("`{name}` is not a lint name"));
        }
        let lint = crate::config::canonical_lint_name(bare);
        if !lints.contains(&lint) {
            lints.push(lint);
        }
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Directive::Allow {
            lints,
            reason: None,
        };
    }
    let Some(reason) = rest.strip_prefix("--") else {
        return Directive::Malformed(format!(
            "expected `-- reason` after `allow(...)`, found `{rest}`"
        ));
    };
    let reason = reason.trim();
    Directive::Allow {
        lints,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
    }
}

/// What a line holds, outside literals' and comments' contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    /// Only whitespace.
    Blank,
    /// Comments and attributes only (doc comments included).
    CommentOrAttribute,
    /// Anything else.
    Code,
}

/// A `//` comment found by the scanner.
#[derive(Debug)]
struct LineComment {
    line: u32,
    /// 1-based character column of the first `/`.
    column: u32,
    /// Byte range from `//` to the end of the line, without `\r`/`\n`.
    byte_start: usize,
    byte_end: usize,
    own_line: bool,
}

struct Scan {
    /// `kinds[n]` is line `n + 1`'s.
    kinds: Vec<LineKind>,
    comments: Vec<LineComment>,
}

impl Scan {
    /// The line an own-line suppression on `line` covers.
    fn next_code_line(&self, line: u32) -> u32 {
        (line as usize..self.kinds.len())
            .find(|&i| self.kinds[i] != LineKind::CommentOrAttribute)
            .map_or(self.kinds.len() as u32 + 1, |i| i as u32 + 1)
    }
}

/// Whether a consumed character belongs to code or to a comment.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Code,
    Comment,
}

/// A lexer just precise enough to find line comments and classify lines.
struct Scanner<'t> {
    text: &'t str,
    chars: Vec<(usize, char)>,
    i: usize,
    /// 1-based current line.
    line: u32,
    /// Characters consumed on the current line so far.
    column: u32,
    line_has_code: bool,
    line_has_other: bool,
    /// Open `[` of the attribute being read; 0 outside attributes. In
    /// `#[cfg(any(a, b))]`, 1 while reading `cfg(any(a, b))`.
    attr_depth: u32,
    kinds: Vec<LineKind>,
    comments: Vec<LineComment>,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Scanner<'t> {
        Scanner {
            text,
            chars: text.char_indices().collect(),
            i: 0,
            line: 1,
            column: 0,
            line_has_code: false,
            line_has_other: false,
            attr_depth: 0,
            kinds: Vec::new(),
            comments: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.chars
            .get(self.i)
            .map_or(self.text.len(), |&(at, _)| at)
    }

    /// Consumes one character, recording what it tells about its line.
    fn bump(&mut self, class: Class) {
        let Some(&(_, c)) = self.chars.get(self.i) else {
            return;
        };
        self.i += 1;
        if c == '\n' {
            self.end_line();
            return;
        }
        self.column += 1;
        if c.is_whitespace() || c == '\u{feff}' {
            return;
        }
        if class == Class::Code && self.attr_depth == 0 {
            self.line_has_code = true;
        } else {
            self.line_has_other = true;
        }
    }

    fn end_line(&mut self) {
        self.kinds.push(if self.line_has_code {
            LineKind::Code
        } else if self.line_has_other {
            LineKind::CommentOrAttribute
        } else {
            LineKind::Blank
        });
        self.line += 1;
        self.column = 0;
        self.line_has_code = false;
        self.line_has_other = false;
    }

    fn run(mut self) -> Scan {
        while let Some(c) = self.peek(0) {
            match c {
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => self.string(),
                '\'' => self.char_or_lifetime(),
                '#' if self.attribute_starts() => {
                    // `#`, an optional `!`, whitespace, then `[`.
                    while self.peek(0) != Some('[') {
                        self.bump(Class::Comment);
                    }
                    self.bump(Class::Comment);
                    self.attr_depth = 1;
                }
                '[' if self.attr_depth > 0 => {
                    self.attr_depth += 1;
                    self.bump(Class::Code);
                }
                ']' if self.attr_depth > 0 => {
                    self.bump(Class::Code);
                    self.attr_depth -= 1;
                }
                c if c.is_alphabetic() || c == '_' => self.identifier(),
                _ => self.bump(Class::Code),
            }
        }
        self.end_line();
        Scan {
            kinds: self.kinds,
            comments: self.comments,
        }
    }

    fn line_comment(&mut self) {
        let own_line = !self.line_has_code && !self.line_has_other;
        let line = self.line;
        let column = self.column + 1;
        let byte_start = self.offset();
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump(Class::Comment);
        }
        let byte_end = byte_start
            + self.text[byte_start..self.offset()]
                .trim_end_matches('\r')
                .len();
        self.comments.push(LineComment {
            line,
            column,
            byte_start,
            byte_end,
            own_line,
        });
    }

    /// `/* ... */`, nested as Rust nests them.
    fn block_comment(&mut self) {
        self.bump(Class::Comment);
        self.bump(Class::Comment);
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => return,
                (Some('/'), Some('*')) => {
                    depth += 1;
                    self.bump(Class::Comment);
                }
                (Some('*'), Some('/')) => {
                    depth -= 1;
                    self.bump(Class::Comment);
                }
                _ => {}
            }
            self.bump(Class::Comment);
        }
    }

    /// `"..."` with escapes, possibly over several lines.
    fn string(&mut self) {
        self.bump(Class::Code);
        while let Some(c) = self.peek(0) {
            self.bump(Class::Code);
            match c {
                '\\' => self.bump(Class::Code),
                '"' => return,
                _ => {}
            }
        }
    }

    /// `'x'`, `'\n'`, `'\u{1F600}'` are characters; `'a` is a lifetime or
    /// label. The distinction matters for `'"'`.
    fn char_or_lifetime(&mut self) {
        self.bump(Class::Code);
        if self.peek(0) == Some('\\') {
            self.bump(Class::Code);
            self.bump(Class::Code);
            while let Some(c) = self.peek(0) {
                if c == '\n' {
                    return;
                }
                self.bump(Class::Code);
                if c == '\'' {
                    return;
                }
            }
        } else if self.peek(1) == Some('\'') && self.peek(0) != Some('\n') {
            self.bump(Class::Code);
            self.bump(Class::Code);
        }
    }

    /// An identifier, and the raw string it may open (`r"`, `r#"`, `br"`,
    /// `cr"`). `b"`, `c"` and `b'` continue as ordinary literals.
    fn identifier(&mut self) {
        let start = self.offset();
        while self
            .peek(0)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            self.bump(Class::Code);
        }
        if !matches!(&self.text[start..self.offset()], "r" | "br" | "cr") {
            return;
        }
        let mut hashes = 0;
        while self.peek(hashes) == Some('#') {
            hashes += 1;
        }
        if self.peek(hashes) != Some('"') {
            return; // `r#ident` or a plain `r`
        }
        for _ in 0..=hashes {
            self.bump(Class::Code);
        }
        while let Some(c) = self.peek(0) {
            self.bump(Class::Code);
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                for _ in 0..hashes {
                    self.bump(Class::Code);
                }
                return;
            }
        }
    }

    /// At a `#`: whether `#[` or `#![` (whitespace allowed) follows.
    fn attribute_starts(&self) -> bool {
        if self.attr_depth > 0 {
            return false;
        }
        let mut k = 1;
        if self.peek(k) == Some('!') {
            k += 1;
        }
        while self.peek(k).is_some_and(|c| c.is_whitespace()) {
            k += 1;
        }
        self.peek(k) == Some('[')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["missing_revert", "nested_impersonation", "unchecked_revert"];

    fn diag(lint: &'static str, line: u32) -> Diagnostic {
        Diagnostic {
            lint,
            level: Level::Deny,
            message: format!("{lint} here"),
            location: Location {
                file: "src/lib.rs".to_string(),
                line,
                column: 5,
                end_line: line,
                end_column: 9,
                byte_start: line as usize * 100,
                byte_end: line as usize * 100 + 4,
            },
            label: String::new(),
            related: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    fn parse_ok(text: &str) -> Vec<Suppression> {
        let (suppressions, invalid) = parse("src/lib.rs", text, KNOWN);
        assert!(invalid.is_empty(), "unexpected: {invalid:#?}");
        suppressions
    }

    /// Parses `text`, applies its suppressions to `diags` and returns the
    /// kept diagnostics' (lint, line) and the unused-suppression messages.
    fn run(
        text: &str,
        diags: Vec<Diagnostic>,
        items: &[(u32, u32)],
    ) -> (Vec<(&'static str, u32)>, Vec<String>) {
        let suppressions = parse_ok(text);
        let (kept, unused) = apply(diags, &suppressions, items, Level::Warn);
        (
            kept.iter().map(|d| (d.lint, d.location.line)).collect(),
            unused.iter().map(|d| d.message.clone()).collect(),
        )
    }

    #[test]
    fn parses_a_trailing_suppression() {
        let text = "fn f() {\n    begin(); // imperlint: allow(missing_revert) -- reverted by the caller\n}\n";
        let s = parse_ok(text);
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.line, 2);
        assert_eq!(s.lints, ["missing_revert"]);
        assert_eq!(s.reason.as_deref(), Some("reverted by the caller"));
        assert!(!s.own_line);
        assert_eq!(s.location.line, 2);
        assert_eq!(s.location.column, 14);
        let comment = "// imperlint: allow(missing_revert) -- reverted by the caller";
        assert_eq!(&text[s.location.byte_start..s.location.byte_end], comment);
        assert_eq!(s.location.end_column, 14 + comment.chars().count() as u32);
    }

    #[test]
    fn trailing_suppression_covers_its_line_only() {
        let text = "a(); // imperlint: allow(missing_revert) -- why\nb();\n";
        let (kept, unused) = run(
            text,
            vec![
                diag("missing_revert", 1),
                diag("missing_revert", 2),
                diag("unchecked_revert", 1),
            ],
            &[],
        );
        assert_eq!(kept, [("missing_revert", 2), ("unchecked_revert", 1)]);
        assert!(unused.is_empty());
    }

    #[test]
    fn own_line_suppression_covers_the_next_line() {
        let text =
            "fn f() {\n    // imperlint: allow(missing_revert) -- why\n    a();\n    b();\n}\n";
        let s = parse_ok(text);
        assert!(s[0].own_line);
        assert_eq!(s[0].line, 3);
        let (kept, unused) = run(
            text,
            vec![diag("missing_revert", 3), diag("missing_revert", 4)],
            &[(1, 5)],
        );
        assert_eq!(kept, [("missing_revert", 4)]);
        assert!(unused.is_empty());
    }

    #[test]
    fn own_line_suppression_skips_comments_and_attributes_not_blank_lines() {
        let text = "\
// imperlint: allow(missing_revert) -- why
// another comment
#[cfg(any(
    windows,
))]
/* block */ a();

// imperlint: allow(missing_revert) -- detached

b();
";
        let s = parse_ok(text);
        assert_eq!(s[0].line, 6);
        assert_eq!(s[1].line, 9, "a blank line stops the search");
        let (kept, unused) = run(
            text,
            vec![diag("missing_revert", 6), diag("missing_revert", 10)],
            &[],
        );
        assert_eq!(kept, [("missing_revert", 10)]);
        assert_eq!(
            unused,
            ["`imperlint: allow(missing_revert)` suppresses nothing"]
        );
    }

    #[test]
    fn suppression_before_an_item_covers_the_item() {
        let text = "\
// imperlint: allow(missing_revert) -- handler runs impersonated by design
/// Serves one client.
#[inline]
fn serve() {
    begin();
    work();
}
fn other() {
    begin();
}
";
        let items = [(2, 7), (8, 10)];
        let (kept, unused) = run(
            text,
            vec![
                diag("missing_revert", 5),
                diag("missing_revert", 6),
                diag("missing_revert", 9),
            ],
            &items,
        );
        assert_eq!(kept, [("missing_revert", 9)]);
        assert!(unused.is_empty());
        // Whether the parser's range starts at the attributes or the keyword.
        let (kept, _) = run(text, vec![diag("missing_revert", 6)], &[(4, 7)]);
        assert!(kept.is_empty());
    }

    #[test]
    fn suppression_before_an_inner_item_covers_only_it() {
        let text = "\
impl Service {
    // imperlint: allow(missing_revert) -- reason
    fn a() {
        begin();
    }
    fn b() {
        begin();
    }
}
";
        let items = [(1, 9), (3, 5), (6, 8)];
        let (kept, _) = run(
            text,
            vec![diag("missing_revert", 4), diag("missing_revert", 7)],
            &items,
        );
        assert_eq!(kept, [("missing_revert", 7)]);
    }

    #[test]
    fn trailing_suppression_on_an_item_line_does_not_cover_the_item() {
        let text = "fn f() { // imperlint: allow(missing_revert) -- why\n    begin();\n}\n";
        let (kept, unused) = run(text, vec![diag("missing_revert", 2)], &[(1, 3)]);
        assert_eq!(kept, [("missing_revert", 2)]);
        assert_eq!(unused.len(), 1);
    }

    #[test]
    fn multi_lint_suppressions() {
        let text = "// imperlint: allow(missing_revert, unchecked_revert,) -- both\na();\n";
        let s = parse_ok(text);
        assert_eq!(s[0].lints, ["missing_revert", "unchecked_revert"]);
        let (kept, unused) = run(
            text,
            vec![
                diag("missing_revert", 2),
                diag("unchecked_revert", 2),
                diag("nested_impersonation", 2),
            ],
            &[],
        );
        assert_eq!(kept, [("nested_impersonation", 2)]);
        assert!(unused.is_empty());
    }

    #[test]
    fn lint_names_read_as_on_the_command_line() {
        let text = "a(); // imperlint: allow(imperlint::missing_revert, missing-revert, unchecked-revert) -- why\n";
        let s = parse_ok(text);
        assert_eq!(s[0].lints, ["missing_revert", "unchecked_revert"]);
        let (_, bad) = parse(
            "f.rs",
            "a(); // imperlint: allow(imperlint::missing:revert) -- why\n",
            &["missing_revert"],
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
    }

    #[test]
    fn partly_unused_suppression_names_the_idle_lints() {
        let text = "a(); // imperlint: allow(missing_revert, unchecked_revert) -- both\n";
        let suppressions = parse_ok(text);
        let (kept, unused) = apply(
            vec![diag("missing_revert", 1)],
            &suppressions,
            &[],
            Level::Deny,
        );
        assert!(kept.is_empty());
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].lint, UNUSED_SUPPRESSION);
        assert_eq!(unused[0].level, Level::Deny);
        assert_eq!(
            unused[0].message,
            "`imperlint: allow(unchecked_revert)` suppresses nothing"
        );
        assert_eq!(
            unused[0].help.as_deref(),
            Some("remove `unchecked_revert` from the comment")
        );
    }

    #[test]
    fn unused_suppression_is_reported_at_the_comment() {
        let text = "fn f() {\n    a(); // imperlint: allow(missing_revert) -- stale\n}\n";
        let suppressions = parse_ok(text);
        let (kept, unused) = apply(
            vec![diag("unchecked_revert", 2)],
            &suppressions,
            &[],
            Level::Warn,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(unused.len(), 1);
        let u = &unused[0];
        assert_eq!(u.lint, "unused_suppression");
        assert_eq!(u.level, Level::Warn);
        assert_eq!(
            u.message,
            "`imperlint: allow(missing_revert)` suppresses nothing"
        );
        assert_eq!(u.help.as_deref(), Some("remove the comment"));
        assert_eq!(u.location, suppressions[0].location);
        // At `allow`, nothing is reported.
        let (_, unused) = apply(Vec::new(), &suppressions, &[], Level::Allow);
        assert!(unused.is_empty());
    }

    #[test]
    fn missing_reason_is_reported_and_does_not_suppress() {
        for text in [
            "a(); // imperlint: allow(missing_revert)\n",
            "a(); // imperlint: allow(missing_revert) --   \n",
        ] {
            let (suppressions, invalid) = parse("src/lib.rs", text, KNOWN);
            assert_eq!(invalid.len(), 1, "{text}");
            let d = &invalid[0];
            assert_eq!(d.lint, INVALID_SUPPRESSION);
            assert_eq!(d.level, Level::Warn);
            assert_eq!(
                d.message,
                "`imperlint: allow(missing_revert)` gives no reason"
            );
            assert_eq!(d.location.line, 1);
            assert_eq!(d.location.column, 6);
            assert_eq!(suppressions.len(), 1);
            assert_eq!(suppressions[0].reason, None);
            let (kept, unused) = apply(
                vec![diag("missing_revert", 1)],
                &suppressions,
                &[],
                Level::Warn,
            );
            assert_eq!(
                kept.len(),
                1,
                "a suppression without a reason suppresses nothing"
            );
            assert!(unused.is_empty(), "already reported as invalid");
        }
    }

    #[test]
    fn unknown_lint_is_reported_with_a_suggestion() {
        let text = "a(); // imperlint: allow(missing_revrt, unchecked_revert) -- why\n";
        let (suppressions, invalid) = parse("src/lib.rs", text, KNOWN);
        assert!(suppressions.is_empty(), "the whole comment is invalid");
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].lint, INVALID_SUPPRESSION);
        assert_eq!(
            invalid[0].message,
            "unknown lint `missing_revrt` in `imperlint: allow`"
        );
        assert_eq!(
            invalid[0].help.as_deref(),
            Some("did you mean `missing_revert`?")
        );
        let (_, invalid) = parse("src/lib.rs", "// imperlint: allow(zzz) -- why\n", KNOWN);
        assert_eq!(
            invalid[0].help.as_deref(),
            Some("`imperlint lints` lists the lint names")
        );
        // An unknown lint and no reason: both problems are reported.
        let (_, invalid) = parse("src/lib.rs", "// imperlint: allow(zzz)\n", KNOWN);
        assert_eq!(invalid.len(), 2);
    }

    #[test]
    fn malformed_suppressions_are_reported() {
        for (text, problem) in [
            (
                "// imperlint: allow missing_revert -- x\n",
                "expected `(` after `allow`",
            ),
            (
                "// imperlint: allow(missing_revert -- x\n",
                "expected `)` after the lint names",
            ),
            (
                "// imperlint: allow() -- x\n",
                "a lint name is missing in `allow(...)`",
            ),
            (
                "// imperlint: allow(a b) -- x\n",
                "`a b` is not a lint name",
            ),
            (
                "// imperlint: allow(missing_revert) because\n",
                "expected `-- reason` after `allow(...)`, found `because`",
            ),
            (
                "// imperlint: alow(missing_revert) -- x\n",
                "unknown directive `alow`",
            ),
        ] {
            let (suppressions, invalid) = parse("src/lib.rs", text, KNOWN);
            assert!(suppressions.is_empty(), "{text}");
            assert_eq!(invalid.len(), 1, "{text}");
            assert_eq!(
                invalid[0].message,
                format!("malformed suppression: {problem}")
            );
        }
    }

    #[test]
    fn other_comments_are_not_suppressions() {
        let text = "\
// imperlint: impersonated
/// imperlint: allow(missing_revert) -- in docs
//! imperlint: allow(missing_revert) -- in inner docs
// see imperlint: allow(missing_revert) -- mid-sentence
fn f() {}
";
        let (suppressions, invalid) = parse("src/lib.rs", text, KNOWN);
        assert!(suppressions.is_empty());
        assert!(invalid.is_empty());
        //// is an ordinary comment, not a doc comment.
        let s = parse_ok("//// imperlint: allow(missing_revert) -- four slashes\nf();\n");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn comment_markers_inside_literals_are_not_comments() {
        let text = r####"
let a = "// imperlint: allow(missing_revert) -- in a string";
let b = "escaped \" // imperlint: allow(missing_revert) -- still a string";
let c = r#"raw " // imperlint: allow(missing_revert) -- raw"#;
let d = "spans
// imperlint: allow(missing_revert) -- second line of a string
lines";
let e = r##"raw
// imperlint: allow(missing_revert) -- raw over lines
"##;
let f = '"'; let g = b"// imperlint: allow(missing_revert) -- bytes";
/* block
// imperlint: allow(missing_revert) -- in a block comment /* nested */
*/
fn h<'a>(x: &'a str) -> char { '\'' } // imperlint: allow(missing_revert) -- real one
"####;
        let s = parse_ok(text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 15);
        assert!(!s[0].own_line);
    }

    #[test]
    fn lifetimes_do_not_open_char_literals() {
        let text = "fn f<'a>(x: &'a str) {} // imperlint: allow(missing_revert) -- why\n";
        assert_eq!(parse_ok(text)[0].line, 1);
        let text = "let q = '\"'; // imperlint: allow(missing_revert) -- why\n";
        assert_eq!(parse_ok(text)[0].line, 1);
    }

    #[test]
    fn crlf_line_endings() {
        let text = "fn f() {\r\n    // imperlint: allow(missing_revert) -- why\r\n\r\n    a(); // imperlint: allow(unchecked_revert) -- ok\r\n    b();\r\n}\r\n";
        let s = parse_ok(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 3, "the CRLF blank line stops the search");
        assert_eq!(s[0].reason.as_deref(), Some("why"));
        let comment = &text[s[0].location.byte_start..s[0].location.byte_end];
        assert_eq!(comment, "// imperlint: allow(missing_revert) -- why");
        assert_eq!(s[1].line, 4);
        assert_eq!(s[1].reason.as_deref(), Some("ok"));
        assert!(!text[s[1].location.byte_start..s[1].location.byte_end].ends_with('\r'));
        let (kept, unused) = run(
            text,
            vec![diag("unchecked_revert", 4), diag("missing_revert", 4)],
            &[(1, 6)],
        );
        assert_eq!(kept, [("missing_revert", 4)]);
        assert_eq!(
            unused,
            ["`imperlint: allow(missing_revert)` suppresses nothing"]
        );
    }

    #[test]
    fn own_line_suppression_at_the_end_covers_nothing() {
        let text = "a();\n// imperlint: allow(missing_revert) -- why";
        let s = parse_ok(text);
        assert_eq!(s[0].line, 3);
        let (kept, unused) = run(text, vec![diag("missing_revert", 1)], &[]);
        assert_eq!(kept.len(), 1);
        assert_eq!(unused.len(), 1);
    }

    #[test]
    fn builtins_cannot_be_suppressed() {
        let known = [
            builtin::PARSE_ERROR,
            builtin::IO_ERROR,
            builtin::INTERNAL_ERROR,
        ];
        let text = "// imperlint: allow(parse_error, io_error, internal_error) -- no\nx\n";
        let (suppressions, invalid) = parse("src/lib.rs", text, &known);
        assert!(invalid.is_empty());
        let diags = vec![
            diag(builtin::PARSE_ERROR, 2),
            diag(builtin::IO_ERROR, 2),
            diag(builtin::INTERNAL_ERROR, 2),
        ];
        let (kept, unused) = apply(diags, &suppressions, &[], Level::Warn);
        assert_eq!(kept.len(), 3);
        assert_eq!(unused.len(), 1);
    }

    #[test]
    fn other_files_diagnostics_are_left_alone() {
        let suppressions = parse_ok("// imperlint: allow(missing_revert) -- why\na();\n");
        let mut elsewhere = diag("missing_revert", 2);
        elsewhere.location.file = "src/other.rs".to_string();
        let (kept, unused) = apply(vec![elsewhere], &suppressions, &[], Level::Warn);
        assert_eq!(kept.len(), 1);
        assert_eq!(unused.len(), 1);
    }

    #[test]
    fn overlapping_suppressions_are_all_used() {
        let text = "\
// imperlint: allow(missing_revert) -- whole function
fn f() {
    a(); // imperlint: allow(missing_revert) -- this call too
}
";
        let (kept, unused) = run(text, vec![diag("missing_revert", 3)], &[(2, 4)]);
        assert!(kept.is_empty());
        assert!(unused.is_empty());
    }

    #[test]
    fn columns_count_characters() {
        let text = "let s = \"é\"; // imperlint: allow(missing_revert) -- why\n";
        let s = parse_ok(text);
        assert_eq!(s[0].location.column, 14);
        assert_eq!(s[0].location.byte_start, 14);
    }
}
