//! The `kvdiag` command. Argument definitions live in `cli`; this file runs them and maps every
//! outcome to an exit code in one place.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use kvdiag::report::{html, markdown, text};
use std::path::PathBuf;

use kvdiag::rules::Level;
use kvdiag::{RuleSet, Severity, Snapshot};

use cli::{
    AnalyzeArgs, Cli, ColorChoice, Command, FailOn, Format, LintFormat, RuleArgs, RulesCommand,
};

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
    #[error("no rule or cause `{0}`{1} (see `kvdiag rules list` and `kvdiag rules list --causes`)")]
    NoSuchRule(String, String),
    #[error("no input: give paths, or pipe data to standard input")]
    NoInput,
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
        Command::Rules(RulesCommand::List {
            rules,
            causes,
            output,
        }) => run_rules_list(&rules, causes, output),
        Command::Rules(RulesCommand::Lint {
            paths,
            no_builtin_rules,
            format,
        }) => run_rules_lint(&paths, no_builtin_rules, format),
        Command::Rules(RulesCommand::Test {
            paths,
            filter,
            no_builtin_rules,
            verbose,
        }) => run_rules_test(&paths, filter.as_deref(), no_builtin_rules, verbose),
        Command::Rules(RulesCommand::Explain { id, rules }) => {
            let set = load_rules(&rules)?;
            // A rule and a cause may share a name (a site's rule of its own cause): both.
            let rule = set.get(&id).map(kvdiag::rules::docs::explain);
            let cause = set
                .cause(&id)
                .map(|c| kvdiag::rules::docs::explain_cause(&set, c));
            let text = match (rule, cause) {
                (Some(r), Some(c)) => format!("{r}\n{c}"),
                (Some(text), None) | (None, Some(text)) => text,
                (None, None) => {
                    return Err(Error::NoSuchRule(id.clone(), did_you_mean(&set, &id)));
                }
            };
            write!(std::io::stdout().lock(), "{text}")?;
            Ok(CLEAN)
        }
        Command::Rules(RulesCommand::Patterns { rules }) => {
            let set = load_rules(&rules)?;
            let mut out = std::io::stdout().lock();
            for p in set.log_patterns() {
                writeln!(out, "{p}")?;
            }
            Ok(CLEAN)
        }
        Command::Rules(RulesCommand::Schema { rules }) => {
            let set = load_rules(&rules)?;
            let schema = serde_json::to_string_pretty(&kvdiag::rules::schema_with(set.causes()))
                .unwrap_or_default();
            writeln!(std::io::stdout().lock(), "{schema}")?;
            Ok(CLEAN)
        }
        Command::Rules(RulesCommand::Docs { rules }) => {
            let set = load_rules(&rules)?;
            write!(
                std::io::stdout().lock(),
                "{}",
                kvdiag::rules::docs::markdown(&set)
            )?;
            Ok(CLEAN)
        }
    }
}

/// ": did you mean `x`?" for the rule id or cause code closest to `word`, if one is close.
fn did_you_mean(set: &RuleSet, word: &str) -> String {
    set.suggest(word)
        .map(|n| format!(": did you mean `{n}`?"))
        .unwrap_or_default()
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
    let mut clock = Stages::new(args.timings);
    let rules = load_rules(&args.rules)?;
    let mut snapshot = Snapshot::builder();
    // Logs keep only the lines these rules can use: memory does not grow with log size.
    snapshot.keep_log_lines_for(&rules);
    snapshot.limits(args.limits.limits());
    if let Some(now) = &args.now {
        let time = now.parse().map_err(|_| Error::Now(now.clone()))?;
        snapshot.capture_time(time);
    }
    clock.lap("load rules");
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
    clock.lap("read and parse");
    let snapshot = snapshot.build();
    clock.lap("index");
    // The HTML page shows each VM's timeline and what was not checked.
    let html_page = args.output == Format::Html;
    let options = kvdiag::Options::default()
        .explain(args.explain || html_page)
        .timeline(html_page);
    let subjects = kvdiag::correlate(&snapshot);
    clock.lap("correlate");
    let mut report = kvdiag::analyze_subjects(&rules, &snapshot, &subjects, &options);
    clock.lap("evaluate");
    if !args.namespaces.is_empty() || !args.vms.is_empty() {
        report.retain_subjects(|s| args.wants(s));
    }
    if args.redact {
        let i = &report.inputs;
        let paths = i.read.iter().map(|r| &r.source);
        let paths = paths.chain(i.skipped.iter().chain(&i.failed).map(|p| &p.source));
        let namespaces: Vec<String> = paths
            .filter_map(|p| kvdiag_fs::layout::namespace_in_path(p).map(str::to_owned))
            .collect();
        kvdiag::redact::Redactor::of_subjects(&snapshot, &subjects, namespaces).report(&mut report);
    }
    let rendered = match args.output {
        Format::Json => report.to_json(),
        Format::Markdown => markdown::render(&report),
        Format::Html => html::render(&report),
        Format::Text => text::render(&report, true),
    };
    let choice = match args.color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    if args.output == Format::Text {
        let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
        out.write_all(rendered.as_bytes())?;
        out.flush()?;
    } else {
        // JSON and Markdown carry no colours: written as they are.
        let mut out = std::io::stdout().lock();
        out.write_all(rendered.as_bytes())?;
        out.flush()?;
    }
    let threshold = match args.fail_on {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.worst().is_some_and(|w| w >= t));
    clock.lap("render and write");
    clock.print();
    // The process ends here: freeing every object one by one would only cost time.
    std::mem::forget(report);
    std::mem::forget(subjects);
    std::mem::forget(snapshot);
    Ok(if failed { FINDINGS } else { CLEAN })
}

/// Stage timings for `--timings`.
struct Stages {
    on: bool,
    start: std::time::Instant,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Stages {
    fn new(on: bool) -> Stages {
        let now = std::time::Instant::now();
        Stages {
            on,
            start: now,
            last: now,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        if self.on {
            let now = std::time::Instant::now();
            self.laps.push((stage, now - self.last));
            self.last = now;
        }
    }

    fn print(&self) {
        if !self.on {
            return;
        }
        let total = self.last - self.start;
        let mut err = std::io::stderr().lock();
        for (stage, d) in &self.laps {
            let share = d.as_secs_f64() / total.as_secs_f64().max(1e-9) * 100.0;
            let _ = writeln!(
                err,
                "timing {stage:<24} {:>9.3} s {share:>5.1} %",
                d.as_secs_f64()
            );
        }
        let _ = writeln!(err, "timing {:<24} {:>9.3} s", "total", total.as_secs_f64());
    }
}

fn run_rules_list(args: &RuleArgs, causes: bool, output: Format) -> Result<u8, Error> {
    let rules = load_rules(args)?;
    let mut out = std::io::stdout().lock();
    if causes {
        if output == Format::Json {
            let list: Vec<_> = rules
                .causes()
                .iter()
                .map(|c| {
                    let ids: Vec<&str> = rules
                        .rules_of(c.code.code())
                        .map(|r| r.id.as_str())
                        .collect();
                    serde_json::json!({
                        "code": c.code,
                        "severity": c.severity,
                        "title": c.title,
                        "builtin": c.builtin,
                        "rules": ids,
                        "file": c.location.file,
                        "line": c.location.line,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            )?;
        } else {
            for c in rules.causes() {
                let n = rules.rules_of(c.code.code()).count();
                writeln!(
                    out,
                    "{:<32} {:<9} {:>2} rule(s)  {}",
                    c.code, c.severity, n, c.title
                )?;
            }
        }
        return Ok(CLEAN);
    }
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
                "{:<40} {:<24} {:<9} {}",
                r.id, r.cause, r.severity, r.title
            )?;
        }
    }
    Ok(CLEAN)
}

fn run_rules_lint(paths: &[PathBuf], no_builtin: bool, format: LintFormat) -> Result<u8, Error> {
    let mut builder = RuleSet::builder();
    if !no_builtin {
        builder.add_builtin();
    }
    for path in paths {
        kvdiag_fs::add_rules(&mut builder, path)?;
    }
    // The built-in pack lints clean (a test says so): every problem is one of the files given
    // (a rule file identical to a built-in one is the same rules, not duplicates).
    let problems = builder.lint();
    let errors = problems.iter().filter(|p| p.level == Level::Error).count();
    if format == LintFormat::Json {
        let json = serde_json::json!({
            "problems": problems,
            "errors": errors,
            "warnings": problems.len() - errors,
        });
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        )?;
    } else {
        let mut out = anstream::stdout().lock();
        for p in &problems {
            writeln!(out, "{p}")?;
            if let Some(hint) = &p.hint {
                writeln!(out, "    = hint: {hint}")?;
            }
        }
        writeln!(
            out,
            "{} error(s), {} warning(s)",
            errors,
            problems.len() - errors
        )?;
    }
    Ok(if errors > 0 { FINDINGS } else { CLEAN })
}

fn run_rules_test(
    paths: &[PathBuf],
    filter: Option<&str>,
    no_builtin: bool,
    verbose: bool,
) -> Result<u8, Error> {
    let mut builder = RuleSet::builder();
    if !no_builtin {
        builder.add_builtin();
    }
    let mut fixtures = Vec::new();
    for path in paths {
        fixtures.extend(kvdiag_fs::add_rules_and_fixtures(&mut builder, path)?);
    }
    let rules = builder.build()?;
    let mut out = anstream::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for o in kvdiag::testing::run_rule_tests(&rules, filter) {
        match &o.failure {
            None => {
                passed += 1;
                if verbose {
                    writeln!(out, "ok      {} / {}", o.rule, o.test)?;
                }
            }
            Some(why) => {
                failed += 1;
                writeln!(
                    out,
                    "FAILED  {} / {} ({}:{})",
                    o.rule, o.test, o.file, o.line
                )?;
                for line in why.lines() {
                    writeln!(out, "        {line}")?;
                }
            }
        }
    }
    for dir in fixtures {
        let name = dir.display().to_string();
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let outcome = kvdiag_fs::fixture::check_fixture(&dir, &rules)?;
        if outcome.problems.is_empty() {
            passed += 1;
            if verbose {
                writeln!(out, "ok      fixture {name}")?;
            }
        } else {
            failed += 1;
            writeln!(out, "FAILED  fixture {name}")?;
            for p in &outcome.problems {
                writeln!(out, "        {p}")?;
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(if failed > 0 { FINDINGS } else { CLEAN })
}
