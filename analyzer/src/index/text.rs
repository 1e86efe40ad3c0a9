//! Where a function's text is in its file, and its syntax parsed alone:
//! the analysis walks a few functions of most files, and parses just those
//! ([`FnText::parse`]); [`SpanBase`] places the spans of such a text in its
//! file. It does not collect items (that is `collect`).

use crate::diag::Location;
use crate::expand::Expansion;
use crate::parse::location;
use proc_macro2::Span;

/// Where a function's text (attributes to closing brace) is in its file,
/// or in one of its file's expansions (a function a macro made, or whose
/// body invokes a local macro), and what kind of item it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct FnText {
    pub start: usize,
    pub end: usize,
    pub kind: FnKind,
    /// The expansion of its file (index in `FileCx::expansions`) whose
    /// text holds it; `None`: the file's text.
    pub unit: Option<u32>,
}

impl FnText {
    /// Parses the function from its file's text, alone: the analysis walks
    /// a few functions of most files, and parsing just those is cheaper in
    /// time and memory than parsing (and keeping) their files. `None` when
    /// the text does not parse as what it was (the caller then parses the
    /// whole file).
    pub fn parse(&self, file: &str) -> Option<ParsedFn> {
        let src = file.get(self.start..self.end)?;
        match self.kind {
            FnKind::Free => syn::parse_str(src).ok().map(ParsedFn::Free),
            FnKind::Impl => syn::parse_str(src).ok().map(ParsedFn::Impl),
            FnKind::Trait => syn::parse_str(src).ok().map(ParsedFn::Trait),
        }
    }
}

/// Which syntax a function's text parses as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FnKind {
    /// `fn` item (in a module or a block).
    #[default]
    Free,
    /// Method of an `impl` block.
    Impl,
    /// Provided method of a trait.
    Trait,
}

/// How to turn spans of a text parsed on its own (a function cut out of its
/// file) into places in the file: lines, columns on the first line, and
/// bytes are shifted. Zero for a whole file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanBase {
    /// Lines before the text.
    pub line: u32,
    /// Characters before the text on its first line.
    pub column: u32,
    /// Bytes before the text.
    pub byte: usize,
}

impl SpanBase {
    /// The bytes in the file of a span of the text.
    pub fn byte_range(&self, span: Span) -> std::ops::Range<usize> {
        let r = span.byte_range();
        r.start + self.byte..r.end + self.byte
    }

    /// The place in the file of a span of the text.
    pub fn location(&self, file: &str, span: Span) -> Location {
        let mut l = location(file, span);
        if l.line == 1 {
            l.column += self.column;
        }
        if l.end_line == 1 {
            l.end_column += self.column;
        }
        l.line += self.line;
        l.end_line += self.line;
        l.byte_start += self.byte;
        l.byte_end += self.byte;
        l
    }
}

/// A function parsed from its own text (see [`FnText::parse`]).
pub enum ParsedFn {
    Free(syn::ItemFn),
    Impl(syn::ImplItemFn),
    Trait(syn::TraitItemFn),
}

impl ParsedFn {
    /// Its body (a trait method parsed alone has one: it was collected
    /// only with its default body).
    pub fn body(&self) -> Option<&syn::Block> {
        match self {
            ParsedFn::Free(f) => Some(&f.block),
            ParsedFn::Impl(f) => Some(&f.block),
            ParsedFn::Trait(f) => f.default.as_ref(),
        }
    }

    /// Its signature.
    pub fn sig(&self) -> &syn::Signature {
        match self {
            ParsedFn::Free(f) => &f.sig,
            ParsedFn::Impl(f) => &f.sig,
            ParsedFn::Trait(f) => &f.sig,
        }
    }

    /// Its syntax, with the map that places its spans in the file.
    pub fn syntax<'a>(&'a self, base: SpanMap<'a>) -> Option<FnSyntax<'a>> {
        let sig = match self {
            ParsedFn::Free(f) => &f.sig,
            ParsedFn::Impl(f) => &f.sig,
            ParsedFn::Trait(f) => &f.sig,
        };
        Some(FnSyntax {
            sig,
            body: self.body()?,
            base,
        })
    }
}

/// The syntax of a function the analysis walks.
#[derive(Clone, Copy)]
pub struct FnSyntax<'a> {
    pub sig: &'a syn::Signature,
    pub body: &'a syn::Block,
    /// Places its spans in the file (a zero base when its whole file was parsed).
    pub base: SpanMap<'a>,
}

/// How the spans of a text the analysis parsed map to places in its file:
/// shifted (a function cut out of its file), or through an expansion's
/// pieces (expanded code: its own place for a token the invocation wrote,
/// the macro's name at the invocation for one the macro's rules wrote).
#[derive(Clone, Copy, Debug)]
pub enum SpanMap<'a> {
    File(SpanBase),
    /// The text parsed starts at byte `start` of `exp`'s text.
    Expansion {
        exp: &'a Expansion,
        start: usize,
    },
}

impl Default for SpanMap<'_> {
    fn default() -> Self {
        SpanMap::File(SpanBase::default())
    }
}

impl SpanMap<'_> {
    /// The place in `file` of a span.
    pub fn location(&self, file: &super::file::FileCx, span: Span) -> Location {
        match self {
            SpanMap::File(b) => b.location(&file.src.display, span),
            SpanMap::Expansion { exp, start } => {
                let r = span.byte_range();
                let r = exp
                    .file_range(r.start + start..r.end + start)
                    .unwrap_or(0..0);
                file.location_of(r)
            }
        }
    }

    /// The bytes in the file of a span (for expanded code: from where its
    /// first token maps to where its last one does).
    pub fn byte_range(&self, span: Span) -> std::ops::Range<usize> {
        match self {
            SpanMap::File(b) => b.byte_range(span),
            SpanMap::Expansion { exp, start } => {
                let r = span.byte_range();
                exp.file_range(r.start + start..r.end + start)
                    .unwrap_or(0..0)
            }
        }
    }

    /// The bytes in the file that hold exactly a span's code, as written
    /// there: `None` for expanded code (no fix edits it: a macro's rules
    /// wrote it, or an argument of the invocation that may stand in
    /// several places of the expansion).
    pub fn exact_range(&self, span: Span) -> Option<std::ops::Range<usize>> {
        match self {
            SpanMap::File(b) => Some(b.byte_range(span)),
            SpanMap::Expansion { .. } => None,
        }
    }
}
