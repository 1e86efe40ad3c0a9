//! The command lines of `imperlint` and `cargo imperlint` (clap derive):
//! subcommands and the options both share ([`CommonArgs`]). Choices are
//! `ValueEnum`s, so `--help` lists them and clap rejects anything else. It
//! owns parsing only; what a run does with the options is [`crate::cli`].

use clap::builder::PossibleValue;
use clap::{ArgAction, ArgMatches, Args, Parser, Subcommand, ValueEnum};
use imperlint_analyzer::diag::Level;
use imperlint_analyzer::emit::Format;
use std::path::PathBuf;
use std::sync::LazyLock;

#[derive(Parser, Debug)]
#[command(
    name = "imperlint",
    version,
    about = "Finds privilege bugs in Rust code that impersonates Windows identities"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files and folders (default: the current folder).
    Check(Box<CheckArgs>),
    /// List every lint with its default level and summary.
    Lints,
    /// Print the documentation of a lint or built-in diagnostic.
    Explain {
        /// Its name: `missing_revert`, `imperlint::missing-revert`, `parse_error`…
        lint: String,
    },
}

/// An output format: the analyzer's [`Format`], named as the command line
/// names it ([`Format::name`], the one list of names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatArg(pub Format);

impl Default for FormatArg {
    fn default() -> Self {
        FormatArg(Format::Human)
    }
}

impl ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<FormatArg>> =
            LazyLock::new(|| Format::ALL.into_iter().map(FormatArg).collect());
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// When human output is colored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Options shared by `imperlint check` and `cargo imperlint`.
#[derive(Args, Debug, Default, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "human")]
    pub format: FormatArg,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Set a lint (or `warnings`) to `warn`. `-A/-W/-D` apply in the order
    /// given; the last one for a lint wins.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    pub warn: Vec<String>,
    /// Set a lint to `allow` (not reported).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    pub allow: Vec<String>,
    /// Set a lint (or `warnings`: every warning) to `deny`.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    pub deny: Vec<String>,
    /// `-A/-W/-D` in command-line order (filled from the parsed matches
    /// by [`level_flags`]).
    #[arg(skip)]
    pub levels: Vec<(Level, String)>,
    /// Read configuration from FILE instead of `imperlint.toml` / Cargo metadata.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Hide findings recorded in this baseline file; report only new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (a baseline for `--baseline`)
    /// and print nothing else.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "output", "diff"])]
    pub write_baseline: Option<PathBuf>,
    /// Number of worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Parse and analyse every crate, even those that name no impersonation
    /// API (by default such crates are only read and tokenized).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Walk every function of the analysed crates, not only those that can
    /// lead to a finding (slower; the findings are the same, which the test
    /// suite checks with it).
    #[arg(long)]
    pub walk_all: bool,
    /// Also read files that modules, `#[path]`, `include!`, links or targets
    /// lead to outside the checked roots (for monorepos that need it).
    #[arg(long)]
    pub allow_outside_roots: bool,
    /// The size limit of a source file, in MiB (default 64); larger files
    /// are reported, not read.
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_file_size: Option<u64>,
    /// Color in human output.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// Apply the mechanical, safe fixes findings carry, then report what
    /// remains. Refuses to edit files with uncommitted changes (git).
    #[arg(long)]
    pub fix: bool,
    /// Print what `--fix` would change, as a unified diff, and write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Let `--fix` edit files that have uncommitted changes.
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,
    /// Let `--fix` edit files that have staged changes.
    #[arg(long, requires = "fix")]
    pub allow_staged: bool,
    /// Let `--fix` edit files that no git repository holds (nothing to
    /// compare its edits with).
    #[arg(long, requires = "fix")]
    pub allow_no_vcs: bool,
    /// Print the findings only: no closing summary, no progress bar.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say which configuration was read and what each crate gave.
    #[arg(long, short = 'v', action = ArgAction::Count)]
    pub verbose: u8,
}

/// The `-A/-W/-D` flags of a parsed subcommand, in the order they were
/// given (clap keeps each flag's values apart; their indices say the order).
pub fn level_flags(matches: &ArgMatches) -> Vec<(Level, String)> {
    let mut flags: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        else {
            continue;
        };
        flags.extend(indices.zip(values).map(|(i, v)| (i, level, v.clone())));
    }
    flags.sort_by_key(|(i, _, _)| *i);
    flags.into_iter().map(|(_, l, v)| (l, v)).collect()
}

#[derive(Args, Debug, Default, Clone)]
pub struct CheckArgs {
    /// Files or folders to check.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}
