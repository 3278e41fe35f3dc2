//! The `kvdiag` command. Argument definitions live in `cli`; this file runs them and maps every
//! outcome to an exit code in one place.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use kvdiag::report::{markdown, text};
use kvdiag::{RuleSet, Severity, Snapshot, analyze};

use cli::{AnalyzeArgs, Cli, ColorChoice, Command, FailOn, Format, RuleArgs, RulesCommand};

/// Exit code: ran, nothing at or above `--fail-on`.
const CLEAN: u8 = 0;
/// Exit code: ran, found diagnoses at or above `--fail-on`.
const FINDINGS: u8 = 1;
/// Exit code: could not run.
const FAILURE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "kvdiag: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

/// Why kvdiag could not run.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Input(#[from] kvdiag_fs::Error),
    #[error(transparent)]
    Rules(#[from] kvdiag::LoadError),
    #[error("--now: `{0}` is not an RFC 3339 time (e.g. 2024-05-14T10:30:00Z)")]
    Now(String),
    #[error("no input: give paths, or pipe data to standard input")]
    NoInput,
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
        Command::Rules(RulesCommand::List { rules, output }) => run_rules_list(&rules, output),
    }
}

fn load_rules(args: &RuleArgs) -> Result<RuleSet, Error> {
    let mut builder = RuleSet::builder();
    if !args.no_builtin_rules {
        builder.add_builtin();
    }
    for path in &args.rule_paths {
        kvdiag_fs::add_rules(&mut builder, path)?;
    }
    Ok(builder.build()?)
}

fn run_analyze(args: AnalyzeArgs) -> Result<u8, Error> {
    let rules = load_rules(&args.rules)?;
    let mut snapshot = Snapshot::builder();
    if let Some(now) = &args.now {
        let time = now.parse().map_err(|_| Error::Now(now.clone()))?;
        snapshot.capture_time(time);
    }
    if args.paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(Error::NoInput);
        }
        kvdiag_fs::add_reader(&mut snapshot, std::io::stdin().lock())?;
    }
    for path in &args.paths {
        if path.as_os_str() == "-" {
            kvdiag_fs::add_reader(&mut snapshot, std::io::stdin().lock())?;
        } else {
            kvdiag_fs::add_path(&mut snapshot, path)?;
        }
    }
    let mut report = analyze(&rules, &snapshot.build());
    if !args.namespaces.is_empty() || !args.vms.is_empty() {
        report.retain_subjects(|s| args.wants(s));
    }
    let rendered = match args.output {
        Format::Json => report.to_json(),
        Format::Markdown => markdown::render(&report),
        Format::Text => text::render(&report, true),
    };
    let choice = match args.color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
    out.write_all(rendered.as_bytes())?;
    out.flush()?;
    let threshold = match args.fail_on {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.worst().is_some_and(|w| w >= t));
    Ok(if failed { FINDINGS } else { CLEAN })
}

fn run_rules_list(args: &RuleArgs, output: Format) -> Result<u8, Error> {
    let rules = load_rules(args)?;
    let mut out = std::io::stdout().lock();
    if output == Format::Json {
        let list: Vec<_> = rules
            .rules()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "cause": r.cause,
                    "severity": r.severity,
                    "title": r.title,
                    "file": r.location.file,
                    "line": r.location.line,
                })
            })
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        )?;
    } else {
        for r in rules.rules() {
            writeln!(
                out,
                "{:<28} {:<20} {:<9} {}",
                r.id, r.cause, r.severity, r.title
            )?;
        }
    }
    Ok(CLEAN)
}
