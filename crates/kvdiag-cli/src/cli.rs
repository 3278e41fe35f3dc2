//! Everything about the command line: definitions and help texts. Nothing else in the binary
//! knows about flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Diagnose failing KubeVirt virtual machines offline, from must-gathers and saved `oc` output.
///
/// kvdiag only reads what was captured. It never contacts or changes a cluster: it diagnoses and
/// proposes commands; a person reviews and runs them.
#[derive(Debug, Parser)]
#[command(name = "kvdiag", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "\
Exit codes:
  0  ran; nothing at or above --fail-on
  1  ran; found diagnoses at or above --fail-on
  2  could not run (bad arguments, unreadable input path, invalid rules)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse captured files and print a diagnosis per VM.
    #[command(after_help = EXIT_CODES)]
    Analyze(AnalyzeArgs),
    /// Work with rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, directories or archives to read (must-gather trees, support bundles, Insights
    /// archives, `oc get -o yaml|json` output, logs; .tar, .tar.gz, .tar.xz, .tar.zst,
    /// .tar.bz2, .zip); `-` reads standard input, an archive too. Without paths, standard input
    /// is read.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Exit with 1 when a diagnosis of this severity or worse is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// The moment the capture describes (RFC 3339, e.g. 2024-05-14T10:30:00Z); ages are
    /// measured from it. Default: the newest timestamp in the data.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

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

    #[command(flatten)]
    pub limits: LimitArgs,
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

impl LimitArgs {
    /// The library's limits with these flags applied.
    pub fn limits(&self) -> kvdiag::Limits {
        let mut l = kvdiag::Limits::default();
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(n) = self.max_document_size {
            l.document_bytes = to_usize(n);
        }
        if let Some(n) = self.max_line_length {
            l.line_bytes = to_usize(n);
        }
        if let Some(n) = self.max_archive_entries {
            l.archive_entries = n;
        }
        if let Some(n) = self.max_decompressed_size {
            l.decompressed_bytes = n;
        }
        if let Some(n) = self.max_compression_ratio {
            l.compression_ratio = n;
        }
        l
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
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
    /// Add rules from a YAML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rule_paths: Vec<PathBuf>,

    /// Do not load the built-in rule pack (use only --rules).
    #[arg(long)]
    pub no_builtin_rules: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check rule files: every problem of every file in one run, with file:line:column, a
    /// stable code and a fix hint. Without paths, checks the built-in pack. Exits 1 when there
    /// are errors (warnings alone exit 0).
    Lint {
        /// Rule files or directories of them (fixture folders inside are skipped).
        paths: Vec<PathBuf>,
        /// Check the files on their own, not together with the built-in pack.
        #[arg(long)]
        no_builtin_rules: bool,
        /// Output format: text, or json (one object per problem, for editors).
        #[arg(long, value_enum, default_value_t = LintFormat::Text)]
        format: LintFormat,
    },
    /// Run the inline tests of the rules (`tests:`) and check fixture folders (with an
    /// `expected.yaml`). Without paths, runs the built-in pack's tests. Exits 1 on a failure.
    Test {
        /// Rule files, fixture folders, or directories holding either (their rules are added
        /// and tested, the fixture folders found in them checked).
        paths: Vec<PathBuf>,
        /// Only tests whose `rule-id/test name` (or fixture path) contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Do not load the built-in rule pack.
        #[arg(long)]
        no_builtin_rules: bool,
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
    /// List the loaded rules (id, cause, severity, title), or with --causes every cause.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// List the causes (built-in and declared): code, default severity, rules, title.
        #[arg(long)]
        causes: bool,
        /// Output format (text or json).
        #[arg(short, long, value_enum, default_value_t = Format::Text)]
        output: Format,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    Error,
    Warning,
    Info,
    /// Never exit with 1 for findings.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
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
            super::Command::Rules(_) => panic!("analyze"),
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
