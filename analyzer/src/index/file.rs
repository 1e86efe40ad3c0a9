//! One file as resolution sees it, once its syntax tree is dropped: its
//! `use` map (aliases, groups, globs, `extern crate x as y`), the lines of
//! its `// imperlint: impersonated` markers, and its module path.

use crate::source::SourceFile;
use std::collections::HashMap;
use syn::visit::Visit;

/// A parsed file and what resolution needs from it. Owned (and `Send`):
/// it is made on the thread that parsed the file, which then drops the
/// syntax tree (see `driver`).
pub struct FileCx {
    pub src: SourceFile,
    pub uses: UseMap,
    /// The file's module path in its crate (`[]` for the crate root), from
    /// the module tree that reached it (`source::load_tree`).
    pub module: Vec<String>,
    /// 1-based lines that hold a `// imperlint: impersonated` marker.
    pub impersonated_markers: Vec<u32>,
    /// The root of a program (a bin, an example, a build script): its
    /// `main` ends the process.
    pub is_bin_root: bool,
    /// 1-based line ranges of every item, impl item and trait item, for
    /// suppressions (only filled when the file mentions `imperlint`).
    pub item_ranges: Vec<(u32, u32)>,
    /// The texts of the file's expanded units (see `expand`): functions a
    /// local macro made, or whose body invokes one, are parsed from them.
    pub expansions: Vec<crate::expand::Expansion>,
    /// What kind of text each expansion is (items, or one function).
    pub unit_kinds: Vec<crate::expand::UnitKind>,
    /// The invocations expanded in the file (for the notes of findings
    /// inside them).
    pub macro_sites: Vec<crate::expand::MacroSite>,
    /// The file's text holds a prefilter pattern.
    pub prefilter_hit: bool,
    /// Where its lines start, counted when a place in it is first needed.
    pub lines: std::sync::OnceLock<crate::expand::text::Lines>,
}

impl FileCx {
    /// A file's context before its items are read (their imports and
    /// suppression ranges are added as they are parsed).
    pub fn new(src: SourceFile, module: Vec<String>, is_bin_root: bool) -> FileCx {
        FileCx {
            impersonated_markers: impersonated_markers(&src.text),
            src,
            uses: UseMap::default(),
            module,
            is_bin_root,
            item_ranges: Vec::new(),
            expansions: Vec::new(),
            unit_kinds: Vec::new(),
            macro_sites: Vec::new(),
            prefilter_hit: false,
            lines: Default::default(),
        }
    }

    /// A file `src/lib.rs` of `text`, parsed, with its imports (tests).
    #[cfg(test)]
    pub fn parsed_for_test(text: &str) -> (FileCx, syn::File) {
        let ast = syn::parse_file(text).unwrap();
        let mut cx = FileCx::new(
            SourceFile {
                path: "src/lib.rs".into(),
                display: "src/lib.rs".into(),
                text: text.into(),
            },
            Vec::new(),
            false,
        );
        cx.uses = UseMap::build(&ast);
        (cx, ast)
    }

    /// The text a function's [`FnText`](super::text::FnText) is in.
    pub fn fn_text(&self, t: &super::text::FnText) -> &str {
        match t.unit {
            Some(u) => self
                .expansions
                .get(u as usize)
                .map_or("", |e| e.text.as_str()),
            None => &self.src.text,
        }
    }

    /// Where the file's lines start (counted once, at the first need).
    fn lines(&self) -> &crate::expand::text::Lines {
        self.lines
            .get_or_init(|| crate::expand::text::Lines::new(&self.src.text))
    }

    /// The place of bytes `r` of the file.
    pub fn location_of(&self, r: std::ops::Range<usize>) -> crate::diag::Location {
        self.lines().location(&self.src.display, &self.src.text, r)
    }

    /// How the spans of a function's text, parsed alone, map to the file.
    pub fn span_map(&self, t: &super::text::FnText) -> super::text::SpanMap<'_> {
        match t.unit.and_then(|u| self.expansions.get(u as usize)) {
            Some(exp) => super::text::SpanMap::Expansion {
                exp,
                start: t.start,
            },
            // Placed by the file's line index: counting the lines before
            // each function made a file of many walked functions quadratic.
            None => {
                let (line, column) = self.lines().at(&self.src.text, t.start);
                super::text::SpanMap::File(super::text::SpanBase {
                    line: line - 1,
                    column: column - 1,
                    byte: t.start,
                })
            }
        }
    }
}

/// Names imported into a file.
#[derive(Default, Debug)]
pub struct UseMap {
    /// Imported name → full path.
    pub names: HashMap<String, Vec<String>>,
    /// Glob-imported module paths.
    pub globs: Vec<Vec<String>>,
    /// Crates whose exported macros `#[macro_use] extern crate` brings in.
    pub macro_use: Vec<String>,
}

impl UseMap {
    #[cfg(test)]
    pub fn build(file: &syn::File) -> UseMap {
        let mut m = UseMap::default();
        for item in &file.items {
            m.add_item(item);
        }
        m
    }

    /// Adds the names a top-level item imports (its own, and those of the
    /// `use` items in it: in inline modules and bodies).
    pub fn add_item(&mut self, item: &syn::Item) {
        struct V<'m>(&'m mut UseMap);
        impl<'ast> Visit<'ast> for V<'_> {
            fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
                add_tree(self.0, Vec::new(), &u.tree);
            }
            // A `use` is an item, in a module or a block: types and
            // attributes hold none (a block in an array type's length
            // could; it is not looked into).
            fn visit_type(&mut self, _: &'ast syn::Type) {}
            fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
            fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
                if e.attrs.iter().any(|a| a.path().is_ident("macro_use")) {
                    self.0.macro_use.push(e.ident.to_string());
                }
                if let Some((_, alias)) = &e.rename {
                    self.0
                        .names
                        .insert(alias.to_string(), vec![e.ident.to_string()]);
                }
            }
        }
        fn add_tree(m: &mut UseMap, prefix: Vec<String>, tree: &syn::UseTree) {
            match tree {
                syn::UseTree::Path(p) => {
                    let mut next = prefix;
                    next.push(p.ident.to_string());
                    add_tree(m, next, &p.tree);
                }
                syn::UseTree::Name(n) => {
                    let name = n.ident.to_string();
                    if name == "self" {
                        if let Some(last) = prefix.last() {
                            m.names.insert(last.clone(), prefix.clone());
                        }
                    } else {
                        let mut full = prefix;
                        full.push(name.clone());
                        m.names.insert(name, full);
                    }
                }
                syn::UseTree::Rename(r) => {
                    let mut full = prefix.clone();
                    let name = r.ident.to_string();
                    if name != "self" {
                        full.push(name);
                    }
                    if r.rename != "_" {
                        m.names.insert(r.rename.to_string(), full);
                    }
                }
                syn::UseTree::Glob(_) => m.globs.push(prefix),
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        add_tree(m, prefix.clone(), t);
                    }
                }
            }
        }
        V(self).visit_item(item);
    }
}

/// Lines holding `// imperlint: impersonated` markers.
pub fn impersonated_markers(text: &str) -> Vec<u32> {
    // Most files hold none: one substring search instead of a pass per line.
    if !text.contains("imperlint: impersonated") {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            t.starts_with("//")
                && t.trim_start_matches('/')
                    .trim_start()
                    .starts_with("imperlint: impersonated")
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

/// The module path of a file from its place under `src/`, for files found
/// without a crate root (a folder with no `Cargo.toml`; crates' files take
/// theirs from the module tree): `src/lib.rs` → `[]`, `src/a/b.rs` →
/// `[a, b]`, `src/a/mod.rs` → `[a]`; `src/bin/x.rs`, `tests/x.rs` → `[]`.
pub fn file_module(path: &std::path::Path) -> Vec<String> {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(src) = comps.iter().rposition(|c| c == "src") else {
        return Vec::new();
    };
    let mut rest: Vec<String> = comps[src + 1..].to_vec();
    if rest.first().is_some_and(|f| f == "bin") {
        return Vec::new();
    }
    if let Some(last) = rest.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if !matches!(stem.as_str(), "mod" | "lib" | "main") {
            rest.push(stem);
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_resolve_aliases_groups_and_globs() {
        let f: syn::File = syn::parse_str(
            "use windows::Win32::{Foundation::{HANDLE, CloseHandle as close}, System::Pipes::*}; use windows_sys as ws; extern crate winapi as wa;",
        )
        .unwrap();
        let m = UseMap::build(&f);
        assert_eq!(
            m.names["close"],
            vec!["windows", "Win32", "Foundation", "CloseHandle"]
        );
        assert_eq!(m.names["ws"], vec!["windows_sys"]);
        assert_eq!(m.names["wa"], vec!["winapi"]);
        assert_eq!(
            m.globs,
            vec![vec![
                "windows".to_string(),
                "Win32".into(),
                "System".into(),
                "Pipes".into()
            ]]
        );
    }

    #[test]
    fn markers_are_found() {
        assert_eq!(
            impersonated_markers("fn a() {}\n// imperlint: impersonated\nfn b() {}"),
            vec![2]
        );
    }
}
