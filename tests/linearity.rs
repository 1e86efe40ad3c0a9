//! The walk of a function is linear in its size, whatever its shape: the
//! work it does is counted (`driver::Outcome::walk_steps`: expressions and
//! statements visited, nodes of the variable stores visited or copied) and
//! compared between a function and one twice its size. Counting work, not
//! time, makes the test exact on a shared machine and in the unoptimised
//! build; the time itself is bounded by the kill limit of
//! `tests/robustness.rs` (`a_long_function_is_walked_in_linear_time`).
//!
//! Each shape once made the walk quadratic: every branch copied every
//! variable in scope and every join visited them all (`if` chains, `match`,
//! loops, whose rounds join), and each use of a parameter scanned every
//! variable declared after it.

use imperlint_analyzer::config::Config;
use imperlint_analyzer::driver::{self, Options};
use std::path::Path;

/// The function `serve` of `n` generated lines of `shape`, impersonating
/// from its first line to its last (so that it is walked, and walked
/// impersonated), in a crate of its own; the walk steps of its analysis.
fn steps(shape: fn(usize) -> String, n: usize) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"long\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let body: String = (1..=n).map(shape).collect();
    std::fs::write(
        root.join("src/lib.rs"),
        format!(
            "use windows_sys::Win32::Security::{{ImpersonateLoggedOnUser, RevertToSelf}};\n\n\
             pub fn serve(token: isize, code: u64, name: &str) -> u64 {{\n    \
             if unsafe {{ ImpersonateLoggedOnUser(token) }} == 0 {{\n        return 0;\n    }}\n    \
             let mut total = code;\n    let x0 = code;\n{body}    \
             unsafe {{ RevertToSelf() }};\n    total\n}}\n"
        ),
    )
    .unwrap();
    let opts = Options {
        paths: vec![root.to_path_buf()],
        root: root.to_path_buf(),
        jobs: Some(1),
        config: Config::default(),
        ..Options::default()
    };
    let out = driver::run(&opts, imperlint_lints::registry::LINTS);
    assert_found(&out.diagnostics, root);
    out.walk_steps
}

/// The revert's result is ignored: found, so the walk reached the end.
fn assert_found(diags: &[imperlint_analyzer::diag::Diagnostic], root: &Path) {
    assert!(
        diags.iter().any(|d| d.lint == "unchecked_revert"),
        "{}: {:#?}",
        root.display(),
        diags
            .iter()
            .map(|d| (d.lint, &d.message))
            .collect::<Vec<_>>()
    );
}

/// Doubling the function's size doubles the work: between 1.7x and 2.3x
/// (a quadratic walk makes it 4x). The sizes are where the variable
/// stores' trees have the same height, so the ratio is that of the sizes.
fn assert_linear(what: &str, shape: fn(usize) -> String) {
    let (n, m) = (1_500, 3_000);
    let (a, b) = (steps(shape, n), steps(shape, m));
    let ratio = b as f64 / a as f64;
    eprintln!("{what}: {a} steps at {n} lines, {b} at {m}: {ratio:.2}x");
    assert!(
        (1.7..=2.3).contains(&ratio),
        "{what}: {a} steps at {n} lines, {b} at {m} ({ratio:.2}x)"
    );
}

#[test]
fn straight_line_code() {
    assert_linear("let chain", |i| {
        format!(
            "    let x{i} = x{}.wrapping_mul(3).wrapping_add({i});\n",
            i - 1
        )
    });
}

#[test]
fn a_chain_of_ifs_each_binding_a_variable() {
    assert_linear("if chain", |i| {
        format!(
            "    let x{i} = x{}.rotate_left(3);\n    \
             if x{i} % 7 == {} {{\n        total = total.wrapping_add(x{i});\n    \
             }} else {{\n        total ^= {i};\n    }}\n",
            i - 1,
            i % 7
        )
    });
}

#[test]
fn matches() {
    assert_linear("match", |i| {
        format!(
            "    let x{i} = match x{} % 4 {{\n        0 => x{}.wrapping_add({i}),\n        \
             1 => {{\n            let y = total ^ {i};\n            y.rotate_right(1)\n        }}\n        \
             _ => total,\n    }};\n",
            i - 1,
            i - 1
        )
    });
}

#[test]
fn loops() {
    assert_linear("loops", |i| {
        format!(
            "    let mut x{i} = x{};\n    for k in 0..(x{i} % 5) {{\n        \
             x{i} = x{i}.wrapping_add(k);\n        if x{i} > {i} {{\n            break;\n        }}\n    }}\n    \
             while total > {i} {{\n        total >>= 1;\n    }}\n",
            i - 1
        )
    });
}

#[test]
fn uses_of_parameters_after_many_variables() {
    assert_linear("parameter uses", |i| {
        format!(
            "    let x{i} = name.len() as u64 + code;\n    total = total.wrapping_add(x{i} ^ code);\n"
        )
    });
}
