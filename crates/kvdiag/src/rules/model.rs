//! The compiled form of rules: what [`RuleSetBuilder`](super::RuleSetBuilder) makes of rule
//! files and what evaluation reads — rules, their conditions and tests, the log patterns, and
//! the errors a rule file can have.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use regex::Regex;
use serde_json::Value;

use super::load::RuleSetBuilder;
use super::path::JsonPath;
use super::template::Template;
use crate::cause::{Cause, Severity};
use crate::correlate::Facet;

/// How bad a problem in a rule file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule works but is likely not what its author meant.
    Warning,
    /// The rule cannot load.
    Error,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// A problem in a rule file, located, with a stable code (`unknown-key`, `bad-regex`, ...).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{file}:{line}:{column}: {level}[{code}]: {message}")]
pub struct RuleError {
    /// The rule file's name.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// Error or warning.
    pub level: Level,
    /// Stable identifier of the kind of problem.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something specific to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Rules that failed to load: every error found, not just the first.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{} problem(s) in rules:\n{}", errors.len(), errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadError {
    /// The errors, in file order.
    pub errors: Vec<RuleError>,
}

/// Where a rule (or a cause) was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLocation {
    /// The rule file.
    pub file: String,
    /// Line of the rule's `id` (of a cause, its `code`).
    pub line: u64,
}

/// A cause a rule set knows: built-in (`rules/causes.yaml`) or declared by a rule file in a
/// `causes:` document.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct CauseInfo {
    /// The code diagnoses carry.
    pub code: Cause,
    /// One line naming the cause.
    pub title: String,
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The severity of a rule of this cause that gives none.
    pub severity: Severity,
    /// Links for further reading.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Part of the built-in vocabulary (`kvdiag/v1`), rather than declared by a rule file.
    pub builtin: bool,
    /// Where it was declared.
    #[serde(skip)]
    pub location: RuleLocation,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Stable id, e.g. `runtime/oom-killed`.
    pub id: String,
    /// The cause it diagnoses.
    pub cause: Cause,
    /// How bad it is.
    pub severity: Severity,
    /// One line naming the problem.
    pub title: String,
    /// Longer documentation: what it means, why it happens.
    pub description: Option<String>,
    /// Links for further reading.
    pub references: Vec<String>,
    /// Where it was defined.
    pub location: RuleLocation,
    /// The rule's YAML document as written.
    pub definition: String,
    /// Whether the rule file set `severity` (else the cause's severity was taken).
    pub(crate) severity_given: bool,
    pub(crate) summary: Template,
    pub(crate) remediation: Vec<Remedy>,
    pub(crate) options: Vec<Remedy>,
    pub(crate) verify: Vec<Remedy>,
    pub(crate) when: Condition,
    pub(crate) yields_to: Vec<Cause>,
    pub(crate) tests: Vec<RuleTest>,
}

/// An inline test of a rule, ready to run.
#[derive(Clone, Debug)]
pub struct RuleTest {
    /// Its name.
    pub name: String,
    /// Line of the test in the rule file.
    pub line: u64,
    /// Objects of the snapshot.
    pub objects: Vec<Value>,
    /// Log streams of the snapshot: where each comes from and its text.
    pub logs: Vec<(crate::parse::LogSource, String)>,
    /// The capture time, when the test sets one.
    pub now: Option<jiff::Timestamp>,
    /// Whether the rule must fire.
    pub fires: bool,
    /// The summary the diagnosis must have, when given.
    pub summary: Option<String>,
}

impl Rule {
    /// The rule's inline tests.
    pub fn tests(&self) -> &[RuleTest] {
        &self.tests
    }

    /// The summary template as written.
    pub fn summary_template(&self) -> String {
        self.summary.to_string()
    }

    /// The conditions of each remediation step as written, in order: (`if`, `unless`).
    pub fn remediation_conditions(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let names = |k: &[Known]| k.iter().map(ToString::to_string).collect();
        self.remediation
            .iter()
            .map(|r| (names(&r.only_if), names(&r.unless)))
            .collect()
    }

    /// The remediation steps as written: (text, command) templates.
    pub fn remediation_templates(&self) -> Vec<(String, Option<String>)> {
        templates(&self.remediation)
    }

    /// The alternative fixes (`options:`) as written: (text, command) templates.
    pub fn option_templates(&self) -> Vec<(String, Option<String>)> {
        templates(&self.options)
    }

    /// The checks that a fix worked (`verify:`) as written: (text, command) templates.
    pub fn verify_templates(&self) -> Vec<(String, Option<String>)> {
        templates(&self.verify)
    }

    /// Causes this rule steps aside for: when one of them is diagnosed on the same subject, this
    /// rule's diagnosis is dropped.
    pub fn yields_to(&self) -> &[Cause] {
        &self.yields_to
    }

    /// The facets this rule's condition looks at.
    pub fn facets(&self) -> BTreeSet<Facet> {
        let mut out = BTreeSet::new();
        self.when.facets(&mut out);
        out
    }
}

/// Steps as written: (text, command) templates.
fn templates(steps: &[Remedy]) -> Vec<(String, Option<String>)> {
    steps
        .iter()
        .map(|r| {
            (
                r.text.to_string(),
                r.command.as_ref().map(ToString::to_string),
            )
        })
        .collect()
}

/// One step of `remediation`, `options` or `verify`, ready to render.
#[derive(Clone, Debug)]
pub(crate) struct Remedy {
    pub text: Template,
    pub command: Option<Template>,
    /// Proposed only when all of these are known.
    pub only_if: Vec<Known>,
    /// Proposed only when none of these is known.
    pub unless: Vec<Known>,
}

/// Something a remediation step's `if` / `unless` asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// The object of this facet was captured for the subject.
    Captured(Facet),
    /// `match.NAME` has a value.
    Match(String),
}

impl Known {
    /// Reads `vm`, `pod`, ... or `match.NAME`.
    pub fn parse(text: &str) -> Result<Known, String> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("match.") {
            let ok =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return ok
                .then(|| Known::Match(name.to_owned()))
                .ok_or_else(|| format!("`{text}`: a capture name is letters, digits and `_`"));
        }
        match Facet::from_name(text) {
            Some(f) if !matches!(f, Facet::Event | Facet::Log) => Ok(Known::Captured(f)),
            _ => Err(format!(
                "`{text}`: write a facet whose object may be captured (vm, vmi, launcher-pod, pod, node, dv, pvc) or `match.NAME`"
            )),
        }
    }
}

impl std::fmt::Display for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Known::Captured(facet) => f.write_str(facet.name()),
            Known::Match(name) => write!(f, "match.{name}"),
        }
    }
}

/// A condition across facets.
#[derive(Clone, Debug)]
pub(crate) enum Condition {
    All(Vec<Condition>),
    /// Every alternative that holds gives evidence.
    Any(Vec<Condition>),
    /// The first alternative that holds decides and alone gives evidence.
    First(Vec<Condition>),
    Not(Box<Condition>),
    /// Always true; adds the evidence and captures of the inner condition when it holds.
    Optional(Box<Condition>),
    /// The inner condition, which, when the rule holds through it alone, makes the diagnosis
    /// of this severity.
    Graded(Severity, Box<Condition>),
    /// Some object of the facet passes the test.
    Object {
        facet: Facet,
        test: Test,
    },
    /// Some line of some log stream passes.
    Log(LogTest),
}

impl Condition {
    pub(crate) fn facets(&self, out: &mut BTreeSet<Facet>) {
        match self {
            Condition::All(c) | Condition::Any(c) | Condition::First(c) => {
                c.iter().for_each(|c| c.facets(out))
            }
            Condition::Not(c) | Condition::Optional(c) | Condition::Graded(_, c) => c.facets(out),
            Condition::Object { facet, .. } => {
                out.insert(*facet);
            }
            Condition::Log(_) => {
                out.insert(Facet::Log);
            }
        }
    }

    /// Narrows each pattern's containers by the log tests of this condition: `None` once a
    /// test of the pattern names no container (it then applies to every stream).
    pub(crate) fn scopes(&self, out: &mut [Option<BTreeSet<String>>]) {
        match self {
            Condition::All(c) | Condition::Any(c) | Condition::First(c) => {
                c.iter().for_each(|c| c.scopes(out))
            }
            Condition::Not(c) | Condition::Optional(c) | Condition::Graded(_, c) => c.scopes(out),
            Condition::Object { .. } => {}
            Condition::Log(t) => {
                for p in std::iter::once(t.pattern).chain(t.not_followed_by) {
                    if let Some(scope) = out.get_mut(p) {
                        match (&t.containers, scope.as_mut()) {
                            (Some(names), Some(scope)) => scope.extend(names.iter().cloned()),
                            _ => *scope = None,
                        }
                    }
                }
            }
        }
    }
}

/// A test on one object.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    All(Vec<Test>),
    Any(Vec<Test>),
    First(Vec<Test>),
    Not(Box<Test>),
    Path {
        path: JsonPath,
        op: Op,
        capture: Option<String>,
    },
}

impl Test {
    /// Whether the test compares the age of a timestamp with a duration.
    pub(crate) fn compares_age(&self) -> bool {
        match self {
            Test::All(ts) | Test::Any(ts) | Test::First(ts) => ts.iter().any(Test::compares_age),
            Test::Not(t) => t.compares_age(),
            Test::Path { op, .. } => matches!(
                op,
                Op::Compare(
                    _,
                    Operand::Literal {
                        duration: Some(_),
                        ..
                    }
                )
            ),
        }
    }
}

/// What a value found at a path must satisfy.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Equals(Value),
    In(Vec<Value>),
    Matches(Regex),
    /// A scheduler message in which a reason matching the regex counts every node.
    ExcludesAll(Regex),
    Exists,
    Absent,
    /// A timestamp whose age cannot be measured.
    AgeUnknown,
    Compare(Cmp, Operand),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    /// A literal, read every way it can be: a number or quantity, and a duration (compared with
    /// the age of a timestamp value).
    Literal {
        quantity: Option<f64>,
        duration: Option<SignedDuration>,
    },
    /// A value captured by an earlier condition, as a quantity, times `times` plus `plus`:
    /// `le: {match: guest, plus: 200Mi}`.
    Capture { name: String, times: f64, plus: f64 },
}

/// A test on the lines of log streams.
#[derive(Clone, Debug)]
pub(crate) struct LogTest {
    /// Index into the rule set's log patterns.
    pub pattern: usize,
    /// The pattern no later line of the stream may match (an index too).
    pub not_followed_by: Option<usize>,
    /// A matching line counts only as a scheduler message in which a reason matching this
    /// regex counts every node.
    pub excludes_all: Option<Regex>,
    pub containers: Option<Vec<String>>,
    pub previous: Option<bool>,
    pub fields: Vec<(String, String)>,
}

/// All log patterns of a rule set, scanned together once per stream.
#[derive(Clone, Debug)]
pub(crate) struct LogPatterns {
    /// The patterns compiled, with a literal prefilter, for scanning log streams (at read time
    /// or when evaluating).
    pub filter: crate::parse::LogFilter,
}

/// A compiled, validated set of rules, ready to evaluate any number of snapshots.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) causes: Vec<CauseInfo>,
    pub(crate) logs: LogPatterns,
}

impl RuleSet {
    /// The built-in rule pack.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        let mut b = RuleSet::builder();
        b.add_builtin();
        b.build()
    }

    /// Starts an empty set.
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder::default()
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The log patterns of all rules, each once, in the order they were first used: what one
    /// pass over each log stream looks for (e.g. to search the same files with `rg -f`).
    pub fn log_patterns(&self) -> impl Iterator<Item = &str> {
        self.logs.filter.regexes().iter().map(Regex::as_str)
    }

    /// The rules' log patterns compiled for scanning logs as they are read: give it to
    /// [`SnapshotBuilder::keep_log_lines_for`](crate::SnapshotBuilder::keep_log_lines_for) (or
    /// a [`LogScanner`](crate::parse::LogScanner)) so that a snapshot keeps only the log lines
    /// these rules can use.
    pub fn log_filter(&self) -> crate::parse::LogFilter {
        self.logs.filter.clone()
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every cause the set knows, built-in first, then as declared.
    pub fn causes(&self) -> &[CauseInfo] {
        &self.causes
    }

    /// The cause with this code.
    pub fn cause(&self, code: &str) -> Option<&CauseInfo> {
        self.causes.iter().find(|c| c.code == code)
    }

    /// The rule id or cause code closest to `word`, when one is close enough to be what was
    /// meant ("did you mean ...?").
    pub fn suggest(&self, word: &str) -> Option<&str> {
        let ids = self.rules.iter().map(|r| r.id.as_str());
        ids.chain(self.causes.iter().map(|c| c.code.code()))
            .map(|n| (strsim::damerau_levenshtein(word, n), n))
            .filter(|(d, n)| *d <= 2.max(n.len() / 4))
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }

    /// The rules that diagnose this cause, in load order.
    pub fn rules_of<'s>(&'s self, cause: &'s str) -> impl Iterator<Item = &'s Rule> + 's {
        self.rules.iter().filter(move |r| r.cause == cause)
    }
}
