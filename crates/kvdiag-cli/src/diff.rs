//! `kvdiag diff BEFORE AFTER`: the troubleshooting guide's verify step. Both captures are
//! analysed with the same rules and compared per VM (see `kvdiag::diff`).
//!
//! The arguments of this subcommand live here rather than in `cli.rs`, beside the only code
//! that reads them.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use kvdiag::Snapshot;

use crate::cli::{FailOn, LimitArgs, RuleArgs};

/// The formats of a comparison (no HTML page: that is a report's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// Arguments of `kvdiag diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The capture taken before the fix: a must-gather or inspect tree, a folder of saved `oc`
    /// output, or an archive.
    pub before: PathBuf,

    /// The capture taken after the fix, of the same kind.
    pub after: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Compare only these rules' diagnoses: rule ids, id prefixes (runtime/), causes
    /// (cause:oom-killed) or ALL; comma-separated or repeated (as `analyze --select`).
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Leave these rules out (same selectors as --select).
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Exit with 1 when a diagnosis of this severity or worse persists or is new.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Runs `kvdiag diff`.
pub fn run(args: DiffArgs) -> Result<u8, crate::Error> {
    let all_rules = crate::load_rules(&args.rules.rule_paths, !args.rules.no_builtin_rules)?;
    let rules = if args.select.is_empty() && args.ignore.is_empty() {
        all_rules
    } else {
        let selection = kvdiag::rules::Selection::new(&args.select, &args.ignore)
            .map_err(|e| crate::Error::Select(e, crate::config::Source::Flag))?;
        all_rules
            .select(&selection)
            .map_err(|e| crate::Error::Select(e, crate::config::Source::Flag))?
    };
    let read = |path: &PathBuf| -> Result<Snapshot, crate::Error> {
        let mut snapshot = Snapshot::builder();
        snapshot.keep_log_lines_for(&rules);
        snapshot.limits(args.limits.limits());
        kvdiag_fs::add_path(&mut snapshot, path)?;
        Ok(snapshot.build())
    };
    let before = read(&args.before)?;
    let after = read(&args.after)?;
    let diff = kvdiag::diff::diff(&rules, &before, &after);
    let rendered = match args.output {
        DiffFormat::Json => diff.to_json(),
        DiffFormat::Markdown => diff.to_markdown(),
        DiffFormat::Text => diff.to_text(),
    };
    let threshold = args.fail_on.threshold();
    let failed = threshold.is_some_and(|t| diff.worst_open().is_some_and(|w| w >= t));
    let status = if failed {
        crate::FINDINGS
    } else {
        crate::CLEAN
    };
    // A closed pipe ends quietly, with the comparison's status.
    let mut out = std::io::stdout().lock();
    crate::piped(
        status,
        out.write_all(rendered.as_bytes())
            .and_then(|()| out.flush()),
    )
}
