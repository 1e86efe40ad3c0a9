//! The floor imperlint is measured against: the same files (imperlint's
//! discovery and module trees, found before the clock starts: what is
//! timed is what every tool must do with them), then every file read and
//! (in `parse` mode) parsed with `syn::parse_file`, one file per task on a
//! pool of the same size and stack as imperlint's, nothing else.
//!
//! `floor read|lex|parse|depth [--jobs N] PATH...` prints one line of JSON:
//! `{"mode":..,"files":..,"bytes":..,"lines":..,"seconds":..,"errors":..,"max_nesting":..}`.
//! `read` is the cost of getting the bytes (what a run that parses nothing
//! still pays), `lex` tokenizes with `proc_macro2`, `parse` builds the AST,
//! `depth` tokenizes and measures the deepest nesting (`parse::nesting`).

use imperlint_analyzer::{driver, fsx, parse, source};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| usage());
    if !matches!(mode.as_str(), "read" | "lex" | "parse" | "depth") {
        usage();
    }
    let mut jobs = 0usize;
    let mut paths: Vec<PathBuf> = Vec::new();
    while let Some(a) = args.next() {
        if a == "--jobs" || a == "-j" {
            jobs = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| usage());
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    if paths.is_empty() {
        usage();
    }
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let disc = source::discover(&paths, &|_: &Path| false);
    let policy = source::Policy {
        roots: disc.roots.clone(),
        allow_outside_roots: false,
        max_file_size: fsx::DEFAULT_SOURCE_LIMIT,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(driver::STACK_SIZE)
        .build()
        .expect("thread pool");
    // Every file of every crate's module tree, once; as in the driver, a
    // crate of a package the paths lie inside counts only when it reaches
    // them.
    let files: BTreeSet<PathBuf> = pool.install(|| {
        disc.crates
            .par_iter()
            .flat_map_iter(|c| {
                let tree = source::load_tree(c, &policy, &root, &|_| false, &driver::file_module);
                let reaches = tree.files.iter().any(|r| c.reports(&r.path));
                tree.files
                    .into_iter()
                    .filter(move |_| reaches)
                    .map(|r| r.path)
            })
            .collect()
    });
    let files: Vec<PathBuf> = files.into_iter().collect();
    let start = Instant::now();
    let per_file: Vec<(usize, usize, usize, usize)> = pool.install(|| {
        files
            .par_iter()
            .map(|p| {
                let Ok(src) = source::read_source(p, &root, fsx::DEFAULT_SOURCE_LIMIT) else {
                    return (0, 0, 1, 0);
                };
                let bytes = src.text.len();
                let lines = src.text.lines().count();
                let (failed, depth) = match mode.as_str() {
                    "lex" => (src.text.parse::<proc_macro2::TokenStream>().is_err(), 0),
                    "parse" => (syn::parse_file(&src.text).is_err(), 0),
                    "depth" => match src.text.parse::<proc_macro2::TokenStream>() {
                        Ok(tokens) => (false, parse::nesting(&tokens).0),
                        Err(_) => (true, 0),
                    },
                    _ => (false, 0),
                };
                proc_macro2::extra::invalidate_current_thread_spans();
                (bytes, lines, usize::from(failed), depth)
            })
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let (bytes, lines, errors, depth) = per_file.iter().fold((0, 0, 0, 0), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3.max(b.3))
    });
    println!(
        "{{\"mode\":\"{mode}\",\"files\":{},\"bytes\":{bytes},\"lines\":{lines},\"seconds\":{secs:.3},\"errors\":{errors},\"max_nesting\":{depth}}}",
        files.len()
    );
}

fn usage() -> ! {
    eprintln!("usage: floor read|lex|parse|depth [--jobs N] PATH...");
    std::process::exit(2);
}
