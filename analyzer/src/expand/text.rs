//! An expansion's text and where its pieces come from. Expanded code has
//! no text of its own in its file, so the tokens of an expansion are
//! printed ([`print`]) into a text the second pass parses like any
//! function's, with one [`Piece`] per token saying where in the file the
//! token stands: its own place for a token of the invocation's arguments,
//! the macro's name at the invocation for a token the macro's rules wrote
//! (`generated`). [`Expansion::file_range`] maps a span of the text back.

use crate::diag::Location;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::ops::Range;

/// The place of bytes `r` of a file's `text` (lines counted from the
/// start: for the few places that need it; [`Lines`] for many).
pub fn location(display: &str, text: &str, r: Range<usize>) -> Location {
    Lines::new(text).location(display, text, r)
}

/// Where each line of a text starts, to place many byte ranges.
#[derive(Debug, Default)]
pub struct Lines(Box<[u32]>);

impl Lines {
    pub fn new(text: &str) -> Lines {
        let starts: Vec<u32> = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            )
            .collect();
        Lines(starts.into())
    }

    /// The 1-based line and column (in characters) of byte `byte`.
    pub(crate) fn at(&self, text: &str, byte: usize) -> (u32, u32) {
        let byte = byte.min(text.len());
        let line = self.0.partition_point(|&s| s as usize <= byte).max(1) - 1;
        let start = self.0[line] as usize;
        let column = text.get(start..byte).map_or(0, |t| t.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    /// The place of bytes `r` of `text` (the text these lines are of).
    pub fn location(&self, display: &str, text: &str, r: Range<usize>) -> Location {
        let (line, column) = self.at(text, r.start);
        let (end_line, end_column) = self.at(text, r.end);
        Location {
            file: display.to_string(),
            line,
            column,
            end_line,
            end_column,
            byte_start: r.start,
            byte_end: r.end,
        }
    }
}

/// Where one token of an expansion's text comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Its first byte in the expansion's text.
    pub text: u32,
    /// Its bytes in the file.
    pub file: (u32, u32),
    /// Written by a macro's rules: `file` is the invocation's macro name.
    pub generated: bool,
}

/// The text of an expanded unit (an item invocation's items, an `impl`
/// block's expanded items, a function whose body invokes a macro) and
/// where its pieces come from, in text order.
#[derive(Debug, Default)]
pub struct Expansion {
    pub text: String,
    pub(crate) pieces: Vec<Piece>,
}

impl Expansion {
    /// The piece that holds byte `at` of the text (the last one starting
    /// at or before it).
    fn piece(&self, at: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.text as usize <= at);
        self.pieces.get(i.checked_sub(1)?)
    }

    /// The bytes in the file of the text's bytes `r`: from the first
    /// piece's start to the last piece's end (the macro's name at the
    /// invocation for generated tokens).
    pub fn file_range(&self, r: Range<usize>) -> Option<Range<usize>> {
        let first = self.piece(r.start)?;
        let last = self.piece(r.end.max(r.start + 1) - 1)?;
        let start = first.file.0.min(last.file.0);
        let end = first.file.1.max(last.file.1);
        Some(start as usize..end as usize)
    }
}

/// Prints `tokens` as text, one space between tokens (none after joint
/// punctuation), recording each token's place in the file: its span's
/// bytes plus `base` (spans are of a text that starts at byte `base` of
/// the file), or, when those bytes lie in one of `sites` (the names of the
/// invocations expanded: the span the macro's own tokens were given), that
/// whole site, marked generated. A token with no place (an empty span) is
/// placed at `fallback`.
pub(crate) fn print(
    tokens: TokenStream,
    base: usize,
    sites: &[Range<usize>],
    fallback: Range<usize>,
) -> Expansion {
    let mut p = Printer {
        out: Expansion::default(),
        base,
        sites,
        fallback,
        glue: false,
    };
    p.stream(tokens);
    p.out
}

struct Printer<'s> {
    out: Expansion,
    base: usize,
    sites: &'s [Range<usize>],
    fallback: Range<usize>,
    /// The previous token was joint punctuation: no space before the next.
    glue: bool,
}

impl Printer<'_> {
    fn place(&mut self, r: Range<usize>, text: &str) {
        if !self.glue && !self.out.text.is_empty() {
            self.out.text.push(' ');
        }
        let (file, generated) = if r.is_empty() {
            (self.fallback.clone(), true)
        } else {
            let r = r.start + self.base..r.end + self.base;
            match self
                .sites
                .iter()
                .find(|s| s.start <= r.start && r.end <= s.end)
            {
                Some(s) => (s.clone(), true),
                None => (r, false),
            }
        };
        self.out.pieces.push(Piece {
            text: self.out.text.len() as u32,
            file: (file.start as u32, file.end as u32),
            generated,
        });
        self.out.text.push_str(text);
        self.glue = false;
    }

    fn stream(&mut self, tokens: TokenStream) {
        for tt in tokens {
            match tt {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    if g.delimiter() == Delimiter::None {
                        self.stream(g.stream());
                        continue;
                    }
                    self.place(g.span_open().byte_range(), open);
                    self.stream(g.stream());
                    self.place(g.span_close().byte_range(), close);
                }
                TokenTree::Punct(p) => {
                    let mut buf = [0u8; 4];
                    self.place(p.span().byte_range(), p.as_char().encode_utf8(&mut buf));
                    self.glue = p.spacing() == Spacing::Joint;
                }
                TokenTree::Ident(i) => self.place(i.span().byte_range(), &i.to_string()),
                TokenTree::Literal(l) => self.place(l.span().byte_range(), &l.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_tokens_with_their_places() {
        // The file: `m!(x + 1)` at byte 100; the tokens are of `x + 1`,
        // parsed from a text that starts at byte 103.
        let args: TokenStream = "x + 1".parse().unwrap();
        let e = print(args, 103, std::slice::from_ref(&(100..101)), 100..101);
        assert_eq!(e.text, "x + 1");
        assert_eq!(
            e.pieces.iter().map(|p| p.file).collect::<Vec<_>>(),
            vec![(103, 104), (105, 106), (107, 108)]
        );
        assert_eq!(e.file_range(0..5), Some(103..108));
        assert_eq!(e.file_range(4..5), Some(107..108));
    }

    #[test]
    fn joint_punctuation_and_lifetimes_stay_together() {
        let e = print("a::b -> 'x".parse().unwrap(), 0, &[], 0..0);
        assert_eq!(e.text, "a :: b -> 'x");
        assert_eq!(e.pieces.len(), 8);
    }

    #[test]
    fn generated_tokens_point_at_the_invocation() {
        // A token whose span is the macro's name (bytes 0..5 of `guard!(P)`)
        // was written by the rules; `P` (byte 7) is the argument.
        let tokens: TokenStream = "guard!(P)".parse().unwrap();
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let name_span = tts[0].span();
        let TokenTree::Group(g) = &tts[2] else {
            panic!("a group")
        };
        let mut out: Vec<TokenTree> = vec![proc_macro2::Ident::new("struct", name_span).into()];
        out.extend(g.stream());
        let e = print(
            out.into_iter().collect(),
            40,
            std::slice::from_ref(&(40..45)),
            40..45,
        );
        assert_eq!(e.text, "struct P");
        assert!(e.pieces[0].generated);
        assert_eq!(e.pieces[1].file, (47, 48));
        // Generated and argument tokens: from the invocation to the argument.
        assert_eq!(e.file_range(0..8), Some(40..48));
    }
}
