//! Everything about the command line: definitions and help texts. Nothing else in the binary
//! knows about flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// Diagnose failing KubeVirt virtual machines offline, from must-gathers and saved `oc` output.
///
/// kvdiag only reads what was captured. It never contacts or changes a cluster: it diagnoses and
/// proposes commands; a person reviews and runs them.
#[derive(Debug, Parser)]
#[command(name = "kvdiag", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Read settings from this file (default: the first kvdiag.toml found upward from the
    /// working directory).
    #[arg(long, global = true, value_name = "FILE", env = "KVDIAG_CONFIG")]
    pub config: Option<PathBuf>,

    /// Read no configuration file (neither --config, KVDIAG_CONFIG nor kvdiag.toml).
    #[arg(long, global = true)]
    pub no_config: bool,

    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "\
Exit codes (the highest that applies):
  0  analysed; nothing at or above --fail-on
  1  analysed; found diagnoses at or above --fail-on
  2  could not run: bad arguments or configuration, a path that cannot be read, no readable
     input at all, a --vm or --namespace that matches nothing, invalid rules; with --strict,
     any unreadable input file
A closed output pipe (`kvdiag analyze ... | head`) is not an error: the status is the
analysis's.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse captured files and print a diagnosis per VM.
    #[command(after_help = EXIT_CODES)]
    Analyze(AnalyzeArgs),
    /// Work with rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Compare a capture taken before a fix with one taken after (the verify step): per VM,
    /// the diagnoses resolved, persisting and new, and how its state changed.
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(crate::diff::DiffArgs),
    /// Serve the analysis to AI agents: a Model Context Protocol server on standard input and
    /// output, reading only under its roots.
    Mcp(crate::mcp::McpArgs),
    /// Print the effective configuration of `analyze` and where each value came from (a flag,
    /// an environment variable, a configuration file, or the default).
    Config(ConfigArgs),
    /// Print JSON Schemas of kvdiag's outputs.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Print a shell completion script, e.g. `kvdiag completions bash > /etc/bash_completion.d/kvdiag`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff, e.g. `kvdiag man > kvdiag.1; man -l kvdiag.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// The JSON Schema of the JSON report (`analyze -o json`; this is docs/report.schema.json).
    /// The schema of rule files is `kvdiag rules schema`.
    Report,
    /// The JSON Schema of `kvdiag diff -o json` (`kvdiag-diff/v1`; docs/diff.schema.json).
    Diff,
}

/// What `analyze` reads from flags, environment variables and the configuration file.
#[derive(Debug, Args)]
pub struct Settings {
    /// Output format [default: text].
    #[arg(short, long, value_enum, env = "KVDIAG_OUTPUT")]
    pub output: Option<Format>,

    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "PATH", env = "KVDIAG_OUTPUT_FILE")]
    pub output_file: Option<PathBuf>,

    /// Exit with 1 when a diagnosis of this severity or worse is found [default: error].
    #[arg(long, value_enum, env = "KVDIAG_FAIL_ON")]
    pub fail_on: Option<FailOn>,

    /// Exit with 2 when an input file cannot be read or parsed (by default it is listed in the
    /// report and the analysis goes on).
    #[arg(long, visible_alias = "fail-on-unreadable")]
    pub strict: bool,

    /// Run only these rules: rule ids (runtime/oom-killed), id prefixes (runtime/), causes
    /// (cause:oom-killed) or ALL; comma-separated or repeated. The most specific selector of
    /// --select and --ignore decides for each rule.
    #[arg(
        long,
        value_name = "SELECTOR",
        value_delimiter = ',',
        env = "KVDIAG_SELECT"
    )]
    pub select: Vec<String>,

    /// Do not run these rules (same selectors as --select).
    #[arg(
        long,
        value_name = "SELECTOR",
        value_delimiter = ',',
        env = "KVDIAG_IGNORE"
    )]
    pub ignore: Vec<String>,

    /// When to colour text output [default: auto].
    #[arg(long, value_enum, env = "KVDIAG_COLOR")]
    pub color: Option<ColorChoice>,

    #[command(flatten)]
    pub rules: RuleArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub settings: Settings,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

pub const DIFF_EXIT_CODES: &str = "\
Exit codes:
  0  ran; nothing at or above --fail-on persists or is new
  1  ran; a diagnosis at or above --fail-on persists or is new
  2  could not run (bad arguments, unreadable input path, invalid rules)";

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, directories or archives to read (must-gather trees, support bundles, Insights
    /// archives, `oc get -o yaml|json` output, logs; .tar, .tar.gz, .tar.xz, .tar.zst,
    /// .tar.bz2, .zip); `-` reads standard input, an archive too. Without paths, standard input
    /// is read.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub settings: Settings,

    /// The moment the capture describes (RFC 3339, e.g. 2024-05-14T10:30:00Z); ages are
    /// measured from it. Default: the newest timestamp in the data.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Print only the subjects with findings and the summary (text output).
    #[arg(short, long, conflicts_with = "all")]
    pub quiet: bool,

    /// List every subject without findings on a line of its own (text output; by default, from
    /// 20 on they are counted in one line).
    #[arg(long)]
    pub all: bool,

    /// Also say, per VM, which inputs were not captured and which rules could therefore not
    /// run (e.g. no guest console log: the kernel panic and boot rules could not run).
    #[arg(long)]
    pub explain: bool,

    /// Report only the VMs (subjects) of this namespace (repeatable). Everything is still read
    /// and related, so evidence from other namespaces' files is kept.
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,

    /// Report only this VM: NAME (in any namespace, or in those of -n) or NS/NAME (repeatable).
    #[arg(long = "vm", value_name = "NAME|NS/NAME")]
    pub vms: Vec<String>,

    /// Print to standard error how long each stage took (read and parse, index, correlate,
    /// evaluate, render): for benchmarks.
    #[arg(long)]
    pub timings: bool,

    /// Mask the names of namespaces, VMs, pods, nodes, DataVolumes and PVCs, IP addresses and
    /// host names in every output format (file paths, messages, log lines and values included).
    /// The same name always gets the same mask, e.g. `ns-1a2b3c`.
    #[arg(long)]
    pub redact: bool,
}

/// Bounds on what one input may cost (see the README, "Limits"). Reaching one is reported as
/// a failure of that input (or, for long log lines, a note), never a crash.
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest JSON or YAML document parsed, e.g. 512M, 2G (default 64M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_document_size: Option<u64>,

    /// Longest log line kept; longer lines are kept cut and the report says so (default 64K).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_line_length: Option<u64>,

    /// Most entries read from one archive (default 1000000).
    #[arg(long, value_name = "N")]
    pub max_archive_entries: Option<usize>,

    /// Most bytes decompressed from one archive (the archives inside it included), .gz file or
    /// standard input (default 16G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_decompressed_size: Option<u64>,

    /// Highest decompressed-to-compressed ratio, checked past 64 MiB of output (default 200).
    #[arg(long, value_name = "N")]
    pub max_compression_ratio: Option<u64>,
}

impl FailOn {
    /// The least severity that fails; `None` for `never`.
    pub fn threshold(self) -> Option<kvdiag::Severity> {
        use kvdiag::Severity;
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

impl LimitArgs {
    /// The library's limits with these flags applied.
    pub fn limits(&self) -> kvdiag::Limits {
        limits(
            self.max_document_size,
            self.max_line_length,
            self.max_archive_entries,
            self.max_decompressed_size,
            self.max_compression_ratio,
        )
    }
}

/// The library's limits with the values given applied (the others default).
pub fn limits(
    document: Option<u64>,
    line: Option<u64>,
    entries: Option<usize>,
    decompressed: Option<u64>,
    ratio: Option<u64>,
) -> kvdiag::Limits {
    let mut l = kvdiag::Limits::default();
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    if let Some(n) = document {
        l.document_bytes = to_usize(n);
    }
    if let Some(n) = line {
        l.line_bytes = to_usize(n);
    }
    if let Some(n) = entries {
        l.archive_entries = n;
    }
    if let Some(n) = decompressed {
        l.decompressed_bytes = n;
    }
    if let Some(n) = ratio {
        l.compression_ratio = n;
    }
    l
}

pub fn parse_size(text: &str) -> Result<u64, String> {
    match kvdiag::limits::parse_bytes(text) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{text}` is not a size: a number with an optional unit K, M, G or T (e.g. 512M)"
        )),
    }
}

impl AnalyzeArgs {
    /// Whether a subject passes the `--namespace` and `--vm` filters.
    pub fn wants(&self, subject: &kvdiag::ObjectRef) -> bool {
        let ns = subject.namespace.as_deref().unwrap_or("");
        let in_namespace = self.namespaces.is_empty() || self.namespaces.iter().any(|n| n == ns);
        let is_vm = self.vms.is_empty()
            || self.vms.iter().any(|v| match v.split_once('/') {
                Some((n, name)) => n == ns && name == subject.name,
                None => *v == subject.name,
            });
        in_namespace && is_vm
    }
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Add rules from a YAML file or a directory of them (repeatable). Replaces the `rules` of
    /// the configuration file.
    #[arg(long = "rules", value_name = "PATH")]
    pub rule_paths: Vec<PathBuf>,

    /// Do not load the built-in rule pack (use only --rules).
    #[arg(long)]
    pub no_builtin_rules: bool,
}

/// `--select` and `--ignore` where rules are only listed.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Mark as active only these rules (see `analyze --select`).
    #[arg(
        long,
        value_name = "SELECTOR",
        value_delimiter = ',',
        env = "KVDIAG_SELECT"
    )]
    pub select: Vec<String>,

    /// Mark these rules as inactive (see `analyze --ignore`).
    #[arg(
        long,
        value_name = "SELECTOR",
        value_delimiter = ',',
        env = "KVDIAG_IGNORE"
    )]
    pub ignore: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check rule files: every problem of every file in one run, with file:line:column, a
    /// stable code and a fix hint. Without paths, checks the built-in pack. Exits 1 when there
    /// are errors (warnings alone exit 0).
    Lint {
        /// Rule files or directories of them (fixture folders inside are skipped); the same as
        /// --rules.
        paths: Vec<PathBuf>,
        /// Check the files on their own (--no-builtin-rules), not together with the built-in
        /// pack.
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format: text, or json (one object per problem, for editors).
        #[arg(long, short = 'o', visible_alias = "output", value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Run the inline tests of the rules (`tests:`) and check fixture folders (with an
    /// `expected.yaml`). Without paths, runs the built-in pack's tests. Exits 1 on a failure.
    Test {
        /// Rule files, fixture folders, or directories holding either (their rules are added
        /// and tested, the fixture folders found in them checked); the same as --rules.
        paths: Vec<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
        /// Only tests whose `rule-id/test name` (or fixture path) contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Print every test, not only the failures and the summary.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Print the documentation of one rule (what it means, when it fires, what to do), or of
    /// one cause (what it means, the rules that diagnose it).
    Explain {
        /// A rule id (e.g. runtime/oom-killed) or a cause code (e.g. oom-killed).
        id: String,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Print the JSON Schema of rule files (this is docs/rule.schema.json), for editors. With
    /// --rules, the causes those files declare are named too.
    Schema {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Print the documentation of every rule as Markdown (this is docs/rules.md).
    Docs {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Print the log patterns of the loaded rules, one regex per line (e.g. for `rg -f`).
    Patterns {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// List the loaded rules (whether active under --select/--ignore and the configuration,
    /// id, cause, severity, title), or with --causes every cause.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        #[command(flatten)]
        select: SelectArgs,
        /// List the causes (built-in and declared): code, default severity, rules, title.
        #[arg(long)]
        causes: bool,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
        output: ListFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// One self-contained page with a timeline per VM (implies `--explain`).
    Html,
}

/// The formats of commands that print either for people or for programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    Error,
    Warning,
    Info,
    /// Never exit with 1 for findings.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn filters_select_subjects() {
        use clap::Parser;
        let subject = |ns: &str, name: &str| kvdiag::ObjectRef {
            kind: "VirtualMachine".into(),
            namespace: Some(ns.into()),
            name: name.into(),
            capture: None,
        };
        let args = |argv: &[&str]| match super::Cli::parse_from(argv).command {
            super::Command::Analyze(a) => a,
            _ => panic!("analyze"),
        };
        let a = args(&["kvdiag", "analyze", "-n", "prod"]);
        assert!(a.wants(&subject("prod", "db")) && !a.wants(&subject("dev", "db")));
        let a = args(&["kvdiag", "analyze", "--vm", "prod/db", "--vm", "web"]);
        assert!(a.wants(&subject("prod", "db")) && !a.wants(&subject("dev", "db")));
        assert!(a.wants(&subject("dev", "web")));
        let a = args(&["kvdiag", "analyze", "-n", "dev", "--vm", "web"]);
        assert!(a.wants(&subject("dev", "web")) && !a.wants(&subject("prod", "web")));
    }
}
