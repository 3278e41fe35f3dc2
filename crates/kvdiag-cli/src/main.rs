//! The `kvdiag` command. Argument definitions live in `cli`; this file runs them and maps every
//! outcome to an exit code in one place.

mod cli;
mod config;
mod diff;
mod mcp;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use kvdiag::report::text::{Healthy, TextOptions};
use kvdiag::report::{html, markdown, text};
use kvdiag::rules::{Level, SelectError, Selection};
use kvdiag::{RuleSet, Snapshot};

use cli::{
    AnalyzeArgs, Cli, ColorChoice, Command, Format, ListFormat, RuleArgs, RulesCommand,
    SchemaCommand, SelectArgs, Settings,
};
use config::{Effective, Source};

/// Exit code: ran, nothing at or above `--fail-on`.
const CLEAN: u8 = 0;
/// Exit code: ran, found diagnoses at or above `--fail-on`.
const FINDINGS: u8 = 1;
/// Exit code: could not run.
const FAILURE: u8 = 2;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let leaf = leaf(&matches);
    match run(cli, leaf) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped reading (`| head`) is not an error of kvdiag.
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(CLEAN)
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "kvdiag: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

/// The matches of the innermost subcommand given.
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m
}

/// Why kvdiag could not run.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Input(#[from] kvdiag_fs::Error),
    #[error(transparent)]
    Rules(#[from] kvdiag::LoadError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{}", select_error(.0, .1))]
    Select(SelectError, Source),
    #[error("--now: `{0}` is not an RFC 3339 time (e.g. 2024-05-14T10:30:00Z)")]
    Now(String),
    #[error("no rule or cause `{0}`{1} (see `kvdiag rules list` and `kvdiag rules list --causes`)")]
    NoSuchRule(String, String),
    #[error("no input: give paths, or pipe data to standard input")]
    NoInput,
    #[error("nothing could be read: {0}")]
    NothingRead(String),
    #[error("{flag} `{value}` matches no subject{hint}")]
    NoMatch {
        flag: &'static str,
        value: String,
        hint: String,
    },
    #[error(
        "{0} input file(s) could not be read or parsed (--strict); they are listed in the report"
    )]
    Unreadable(usize),
    #[error("{}: {}", .0.display(), .1)]
    OutputFile(PathBuf, std::io::Error),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    #[error("--root {path}: {source}")]
    Root {
        path: String,
        source: std::io::Error,
    },
    #[error("MCP server: {0}")]
    Mcp(String),
}

/// A selector's error, named as the user wrote it: `--select x`, `KVDIAG_SELECT`, or the file.
fn select_error(e: &SelectError, source: &Source) -> String {
    match source {
        Source::Flag => format!("--{e}"),
        Source::Env(var) => format!("{var}: {e}"),
        Source::File(path) => format!("{}: {e}", path.display()),
        Source::Default => e.to_string(),
    }
}

/// Ends quietly on a closed pipe with the status the command had.
fn piped(status: u8, written: std::io::Result<()>) -> Result<u8, Error> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(status),
        Err(e) => Err(Error::Output(e)),
        Ok(()) => Ok(status),
    }
}

/// The effective settings of a command: the configuration file chosen by the global flags,
/// under `settings`.
fn effective(cli: &CliGlobals, settings: &Settings, leaf: &ArgMatches) -> Result<Effective, Error> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let loaded = config::locate(
        cli.config.as_deref(),
        cli.no_config,
        cli.config_from_env,
        &cwd,
    );
    Ok(config::resolve(loaded, settings, leaf)?)
}

/// The global flags.
struct CliGlobals {
    config: Option<PathBuf>,
    config_from_env: bool,
    no_config: bool,
}

/// `Settings` holding only rule paths and selection (what the `rules` commands take).
fn rule_settings(rules: &RuleArgs, select: Option<&SelectArgs>) -> Settings {
    Settings {
        output: None,
        output_file: None,
        fail_on: None,
        strict: false,
        select: select.map(|s| s.select.clone()).unwrap_or_default(),
        ignore: select.map(|s| s.ignore.clone()).unwrap_or_default(),
        color: None,
        rules: RuleArgs {
            rule_paths: rules.rule_paths.clone(),
            no_builtin_rules: rules.no_builtin_rules,
        },
        limits: cli::LimitArgs {
            max_document_size: None,
            max_line_length: None,
            max_archive_entries: None,
            max_decompressed_size: None,
            max_compression_ratio: None,
        },
    }
}

fn run(cli: Cli, leaf: &ArgMatches) -> Result<u8, Error> {
    let globals = CliGlobals {
        config_from_env: leaf.value_source("config") == Some(ValueSource::EnvVariable),
        config: cli.config,
        no_config: cli.no_config,
    };
    // The rule set of a `rules` command: its flags, else the configuration's rule paths.
    let rules_of = |args: &RuleArgs, extra: &[PathBuf]| -> Result<RuleSet, Error> {
        let eff = effective(&globals, &rule_settings(args, None), leaf)?;
        let mut paths = eff.rules.value.clone();
        paths.extend(extra.iter().cloned());
        load_rules(&paths, eff.builtin_rules.value)
    };
    match cli.command {
        Command::Analyze(args) => {
            let eff = effective(&globals, &args.settings, leaf)?;
            run_analyze(args, &eff)
        }
        Command::Config(args) => {
            let eff = effective(&globals, &args.settings, leaf)?;
            run_config(&eff, args.format)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kvdiag", &mut out);
            piped(CLEAN, std::io::stdout().lock().write_all(&out))
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            piped(CLEAN, std::io::stdout().lock().write_all(&out))
        }
        Command::Schema(which) => {
            let schema = match which {
                SchemaCommand::Report => kvdiag::report::schema(),
                SchemaCommand::Diff => kvdiag::diff::schema(),
            };
            let schema = serde_json::to_string_pretty(&schema).unwrap_or_default();
            piped(CLEAN, writeln!(std::io::stdout().lock(), "{schema}"))
        }
        Command::Diff(args) => diff::run(args),
        Command::Mcp(args) => mcp::run(args),
        Command::Rules(RulesCommand::List {
            rules,
            select,
            causes,
            output,
        }) => {
            let eff = effective(&globals, &rule_settings(&rules, Some(&select)), leaf)?;
            let set = load_rules(&eff.rules.value, eff.builtin_rules.value)?;
            let selection = selection(&eff, &set)?;
            run_rules_list(&set, &selection, causes, output)
        }
        Command::Rules(RulesCommand::Lint {
            paths,
            rules,
            format,
        }) => {
            let eff = effective(&globals, &rule_settings(&rules, None), leaf)?;
            let mut all = eff.rules.value.clone();
            all.extend(paths);
            run_rules_lint(&all, eff.builtin_rules.value, format)
        }
        Command::Rules(RulesCommand::Test {
            paths,
            rules,
            filter,
            verbose,
        }) => {
            let eff = effective(&globals, &rule_settings(&rules, None), leaf)?;
            let mut all = eff.rules.value.clone();
            all.extend(paths);
            run_rules_test(&all, filter.as_deref(), eff.builtin_rules.value, verbose)
        }
        Command::Rules(RulesCommand::Explain { id, rules }) => {
            let set = rules_of(&rules, &[])?;
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
            piped(CLEAN, write!(std::io::stdout().lock(), "{text}"))
        }
        Command::Rules(RulesCommand::Patterns { rules }) => {
            let set = rules_of(&rules, &[])?;
            let mut text = String::new();
            for p in set.log_patterns() {
                text.push_str(p);
                text.push('\n');
            }
            piped(CLEAN, std::io::stdout().lock().write_all(text.as_bytes()))
        }
        Command::Rules(RulesCommand::Schema { rules }) => {
            let set = rules_of(&rules, &[])?;
            let schema = serde_json::to_string_pretty(&kvdiag::rules::schema_with(set.causes()))
                .unwrap_or_default();
            piped(CLEAN, writeln!(std::io::stdout().lock(), "{schema}"))
        }
        Command::Rules(RulesCommand::Docs { rules }) => {
            let set = rules_of(&rules, &[])?;
            let text = kvdiag::rules::docs::markdown(&set);
            piped(CLEAN, std::io::stdout().lock().write_all(text.as_bytes()))
        }
    }
}

/// The selection of the effective settings, checked against `rules`.
fn selection(eff: &Effective, rules: &RuleSet) -> Result<Selection, Error> {
    let source = |e: &SelectError| match e.list {
        kvdiag::rules::select::List::Select => eff.select.source.clone(),
        kvdiag::rules::select::List::Ignore => eff.ignore.source.clone(),
    };
    let selection = Selection::new(&eff.select.value, &eff.ignore.value).map_err(|e| {
        let s = source(&e);
        Error::Select(e, s)
    })?;
    selection.check(rules).map_err(|e| {
        let s = source(&e);
        Error::Select(e, s)
    })?;
    Ok(selection)
}

fn run_config(eff: &Effective, format: ListFormat) -> Result<u8, Error> {
    let file = match &eff.file {
        Some(l) => format!(
            "{} ({})",
            l.path.display(),
            match l.found_by {
                config::FoundBy::Flag => "--config",
                config::FoundBy::Env => "KVDIAG_CONFIG",
                config::FoundBy::Search => "found upward from the working directory",
            }
        ),
        None => "none".to_owned(),
    };
    let mut text = String::new();
    if format == ListFormat::Json {
        let values: Vec<_> = eff
            .entries()
            .into_iter()
            .map(|(key, value, source)| {
                serde_json::json!({"key": key, "value": value, "source": source.to_string()})
            })
            .collect();
        let json = serde_json::json!({"file": eff.file.as_ref().map(|l| l.path.display().to_string()), "settings": values});
        text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
    } else {
        text.push_str(&format!("# configuration file: {file}\n"));
        for (key, value, source) in eff.entries() {
            text.push_str(&format!("{key:<30} = {value:<24} # {source}\n"));
        }
    }
    piped(CLEAN, std::io::stdout().lock().write_all(text.as_bytes()))
}

/// ": did you mean `x`?" for the rule id or cause code closest to `word`, if one is close.
fn did_you_mean(set: &RuleSet, word: &str) -> String {
    set.suggest(word)
        .map(|n| format!(": did you mean `{n}`?"))
        .unwrap_or_default()
}

fn load_rules(paths: &[PathBuf], builtin: bool) -> Result<RuleSet, Error> {
    let mut builder = RuleSet::builder();
    if builtin {
        builder.add_builtin();
    }
    for path in paths {
        kvdiag_fs::add_rules(&mut builder, path)?;
    }
    Ok(builder.build()?)
}

fn run_analyze(args: AnalyzeArgs, eff: &Effective) -> Result<u8, Error> {
    let mut clock = Stages::new(args.timings);
    let all_rules = load_rules(&eff.rules.value, eff.builtin_rules.value)?;
    let selection = selection(eff, &all_rules)?;
    let rules = if selection.is_all() {
        all_rules
    } else {
        all_rules
            .select(&selection)
            .map_err(|e| Error::Select(e, eff.select.source.clone()))?
    };
    let mut snapshot = Snapshot::builder();
    // Logs keep only the lines these rules can use: memory does not grow with log size.
    snapshot.keep_log_lines_for(&rules);
    snapshot.limits(eff.limits());
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
    nothing_read(snapshot.inputs())?;
    // The HTML page shows each VM's timeline and what was not checked.
    let html_page = eff.output.value == Format::Html;
    let options = kvdiag::Options::default()
        .explain(args.explain || html_page)
        .timeline(html_page);
    let subjects = kvdiag::correlate(&snapshot);
    clock.lap("correlate");
    check_filters(&args, &subjects)?;
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
    let threshold = eff.fail_on.value.threshold();
    let failed = threshold.is_some_and(|t| report.worst().is_some_and(|w| w >= t));
    let unreadable = report.inputs.failed.len();
    let status = if failed { FINDINGS } else { CLEAN };
    let format = eff.output.value;
    let to_file = eff.output_file.value.as_deref();
    let color = match (eff.color.value, to_file) {
        (ColorChoice::Always, _) => true,
        (ColorChoice::Never, _) | (ColorChoice::Auto, Some(_)) => false,
        (ColorChoice::Auto, None) => {
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
        }
    };
    let healthy = if args.quiet {
        Healthy::Quiet
    } else if args.all {
        Healthy::List
    } else {
        Healthy::Auto
    };
    // JSON is written as it is serialised; the other forms are rendered as text first.
    let rendered = match format {
        Format::Json => None,
        Format::Markdown => Some(markdown::render(&report)),
        Format::Html => Some(html::render(&report)),
        Format::Text => Some(text::render_with(
            &report,
            &TextOptions::default().color(color).healthy(healthy),
        )),
    };
    let render = |out: &mut dyn Write| -> std::io::Result<()> {
        match &rendered {
            Some(text) => out.write_all(text.as_bytes()),
            None => report.write_json(std::io::BufWriter::new(&mut *out)),
        }?;
        out.flush()
    };
    if report.subjects.is_empty() && (format != Format::Text || to_file.is_some()) {
        // Said in the text report; said here too where no one reads the report at a terminal.
        let _ = writeln!(
            anstream::stderr(),
            "kvdiag: {}",
            text::no_subject_line(&report)
        );
    }
    let written = match to_file {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut file| render(&mut file))
            .map_err(|e| Error::OutputFile(path.to_owned(), e)),
        None => piped(status, render(&mut std::io::stdout().lock())).map(|_| ()),
    };
    written?;
    clock.lap("render and write");
    clock.print();
    // The process ends here: freeing every object one by one would only cost time.
    std::mem::forget(report);
    std::mem::forget(subjects);
    std::mem::forget(snapshot);
    if eff.strict.value && unreadable > 0 {
        return Err(Error::Unreadable(unreadable));
    }
    Ok(status)
}

/// Fails when no input at all could be read: an empty folder, a binary file, a corrupt
/// capture must not pass for a healthy one.
fn nothing_read(inputs: &kvdiag::Inputs) -> Result<(), Error> {
    if !inputs.read.is_empty() {
        return Ok(());
    }
    let mut why = if inputs.failed.is_empty() && inputs.skipped.is_empty() {
        "no file in the input".to_owned()
    } else {
        format!(
            "{} file(s) unreadable, {} skipped as not evidence",
            inputs.failed.len(),
            inputs.skipped.len()
        )
    };
    for f in inputs.failed.iter().take(5) {
        why.push_str(&format!("\n  {}: {}", f.source, f.reason));
    }
    if inputs.failed.len() > 5 {
        why.push_str(&format!("\n  ... and {} more", inputs.failed.len() - 5));
    }
    Err(Error::NothingRead(why))
}

/// Fails when a `--namespace` or `--vm` value names no subject of the capture, suggesting the
/// closest one.
fn check_filters(args: &AnalyzeArgs, subjects: &[kvdiag::Subject]) -> Result<(), Error> {
    let closest = |word: &str, names: &mut dyn Iterator<Item = String>| {
        names
            .map(|n| (strsim::damerau_levenshtein(word, &n), n))
            .filter(|(d, n)| *d <= 2.max(n.len() / 3))
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| format!(": did you mean `{n}`?"))
            .unwrap_or_default()
    };
    let machines = || subjects.iter().filter(|s| s.listed_always()).map(|s| &s.id);
    for ns in &args.namespaces {
        if !machines().any(|s| s.namespace.as_deref() == Some(ns.as_str())) {
            let mut names = machines().filter_map(|s| s.namespace.clone());
            return Err(Error::NoMatch {
                flag: "--namespace",
                value: ns.clone(),
                hint: closest(ns, &mut names),
            });
        }
    }
    for vm in &args.vms {
        let found = machines().any(|s| match vm.split_once('/') {
            Some((n, name)) => s.namespace.as_deref() == Some(n) && s.name == name,
            None => s.name == *vm,
        });
        if !found {
            let qualified = vm.contains('/');
            let mut names = machines().map(|s| match (&s.namespace, qualified) {
                (Some(n), true) => format!("{n}/{}", s.name),
                _ => s.name.clone(),
            });
            return Err(Error::NoMatch {
                flag: "--vm",
                value: vm.clone(),
                hint: closest(vm, &mut names),
            });
        }
    }
    Ok(())
}

/// Stage timings for `--timings`, with the peak resident memory at the end of each stage
/// where the system tells it (Linux).
struct Stages {
    on: bool,
    start: std::time::Instant,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration, Option<u64>)>,
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
            self.laps.push((stage, now - self.last, peak_rss_kib()));
            self.last = now;
        }
    }

    fn print(&self) {
        if !self.on {
            return;
        }
        let total = self.last - self.start;
        let mut err = std::io::stderr().lock();
        for (stage, d, peak) in &self.laps {
            let share = d.as_secs_f64() / total.as_secs_f64().max(1e-9) * 100.0;
            let peak = peak.map_or_else(String::new, |kib| {
                format!("  peak RSS {:>6.1} MiB", kib as f64 / 1024.0)
            });
            let _ = writeln!(
                err,
                "timing {stage:<24} {:>9.3} s {share:>5.1} %{peak}",
                d.as_secs_f64()
            );
        }
        let _ = writeln!(err, "timing {:<24} {:>9.3} s", "total", total.as_secs_f64());
    }
}

/// The process's peak resident set size so far (KiB), from `/proc/self/status` (`VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run_rules_list(
    rules: &RuleSet,
    selection: &Selection,
    causes: bool,
    output: ListFormat,
) -> Result<u8, Error> {
    let mut text = String::new();
    if causes {
        if output == ListFormat::Json {
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
            text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
        } else {
            for c in rules.causes() {
                let n = rules.rules_of(c.code.code()).count();
                text.push_str(&format!(
                    "{:<32} {:<9} {:>2} rule(s)  {}\n",
                    c.code, c.severity, n, c.title
                ));
            }
        }
        return piped(CLEAN, std::io::stdout().lock().write_all(text.as_bytes()));
    }
    if output == ListFormat::Json {
        let list: Vec<_> = rules
            .rules()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "active": selection.is_active(r),
                    "cause": r.cause,
                    "severity": r.severity,
                    "title": r.title,
                    "file": r.location.file,
                    "line": r.location.line,
                })
            })
            .collect();
        text = serde_json::to_string_pretty(&list).unwrap_or_default();
        text.push('\n');
    } else {
        for r in rules.rules() {
            let mark = if selection.is_active(r) { "on " } else { "off" };
            text.push_str(&format!(
                "{mark} {:<40} {:<24} {:<9} {}\n",
                r.id, r.cause, r.severity, r.title
            ));
        }
    }
    piped(CLEAN, std::io::stdout().lock().write_all(text.as_bytes()))
}

fn run_rules_lint(paths: &[PathBuf], builtin: bool, format: ListFormat) -> Result<u8, Error> {
    use std::fmt::Write as _;
    let mut builder = RuleSet::builder();
    if builtin {
        builder.add_builtin();
    }
    for path in paths {
        kvdiag_fs::add_rules(&mut builder, path)?;
    }
    // The built-in pack lints clean (a test says so): every problem is one of the files given
    // (a rule file identical to a built-in one is the same rules, not duplicates).
    let problems = builder.lint();
    let errors = problems.iter().filter(|p| p.level == Level::Error).count();
    let mut out = String::new();
    if format == ListFormat::Json {
        let json = serde_json::json!({
            "problems": problems,
            "errors": errors,
            "warnings": problems.len() - errors,
        });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        for p in &problems {
            let _ = writeln!(out, "{p}");
            if let Some(hint) = &p.hint {
                let _ = writeln!(out, "    = hint: {hint}");
            }
        }
        let _ = writeln!(
            out,
            "{} error(s), {} warning(s)",
            errors,
            problems.len() - errors
        );
    }
    let status = if errors > 0 { FINDINGS } else { CLEAN };
    piped(status, anstream::stdout().lock().write_all(out.as_bytes()))
}

fn run_rules_test(
    paths: &[PathBuf],
    filter: Option<&str>,
    builtin: bool,
    verbose: bool,
) -> Result<u8, Error> {
    use std::fmt::Write as _;
    let mut builder = RuleSet::builder();
    if builtin {
        builder.add_builtin();
    }
    let mut fixtures = Vec::new();
    for path in paths {
        fixtures.extend(kvdiag_fs::add_rules_and_fixtures(&mut builder, path)?);
    }
    let rules = builder.build()?;
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for o in kvdiag::testing::run_rule_tests(&rules, filter) {
        match &o.failure {
            None => {
                passed += 1;
                if verbose {
                    let _ = writeln!(out, "ok      {} / {}", o.rule, o.test);
                }
            }
            Some(why) => {
                failed += 1;
                let _ = writeln!(
                    out,
                    "FAILED  {} / {} ({}:{})",
                    o.rule, o.test, o.file, o.line
                );
                for line in why.lines() {
                    let _ = writeln!(out, "        {line}");
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
                let _ = writeln!(out, "ok      fixture {name}");
            }
        } else {
            failed += 1;
            let _ = writeln!(out, "FAILED  fixture {name}");
            for p in &outcome.problems {
                let _ = writeln!(out, "        {p}");
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    let status = if failed > 0 { FINDINGS } else { CLEAN };
    piped(status, anstream::stdout().lock().write_all(out.as_bytes()))
}
