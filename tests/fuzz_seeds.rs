//! The fuzz target's check (`fuzz/check.rs`) on stable, as CI runs it: every
//! fixture source (the fuzz corpus's seeds, `fuzz/seed.sh`) and, for each,
//! `IMPERLINT_FUZZ_MUTATIONS` mutants (default 1; `.ci/run` runs more, from
//! another `IMPERLINT_FUZZ_SEED`) made by a seeded generator, so a failure
//! is reproducible: bytes
//! flipped, ranges deleted, duplicated or spliced from another seed, and
//! tokens that steer the analysis (begins, reverts, `?`, `.await`, loops,
//! closures, unbalanced brackets) inserted. A failing input is written to
//! `target/fuzz-failure.rs`. libFuzzer itself needs nightly (README,
//! Robustness); this is its stable, deterministic part.

#[path = "../fuzz/check.rs"]
mod check;
mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "?",
    ".await",
    "loop {",
    "|| ",
    "return;",
    "break;",
    "unsafe { RevertToSelf() };",
    "ImpersonateLoggedOnUser(token)?;",
    "let _g = impersonate(&pipe)?;",
    "std::thread::spawn(|| work());",
    "if unsafe { ImpersonateNamedPipeClient(h) } == 0 { return; }",
    "async move {",
    "drop(_g);",
    "\u{1b}[2J",
    "\0",
    "'",
    "\"",
    "r#\"",
];

/// One mutant of `seed` (`other` is another seed to splice from).
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(5) {
            0 if len > 0 => out[at.min(len - 1)] ^= 1 << rng.below(8),
            1 => {
                let end = (at + rng.below(64)).min(len);
                out.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(64)).min(len);
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + rng.below(256)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

#[test]
fn seeds_and_their_mutants_pass_the_fuzz_check() {
    check::assert_span_locations();
    let mutations: usize = std::env::var("IMPERLINT_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let seeds: Vec<Vec<u8>> = support::fixture_sources()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(seeds.len() > 50, "the fixtures are the seeds");
    let scratch = tempfile::tempdir().unwrap();
    let dir = check::crate_dir(scratch.path());
    // `.ci/run` draws other mutants than the default run's.
    let start: u64 = std::env::var("IMPERLINT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut rng = Rng(start | 1);
    let mut inputs = 0;
    for (i, seed) in seeds.iter().enumerate() {
        let other = &seeds[(i * 7 + 3) % seeds.len()];
        let mut cases = vec![seed.clone()];
        cases.extend((0..mutations).map(|_| mutate(&mut rng, seed, other)));
        for case in cases {
            inputs += 1;
            if catch_unwind(AssertUnwindSafe(|| check::analyse_bytes(&dir, &case))).is_err() {
                let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failure.rs");
                std::fs::write(&kept, &case).unwrap();
                panic!(
                    "seed {i}: the fuzz check failed on the input kept in {}",
                    kept.display()
                );
            }
        }
    }
    eprintln!("{inputs} inputs through the fuzz check");
}
