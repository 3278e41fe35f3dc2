//! Stage 5, report: diagnoses with their evidence and proposals, and what was read.
//!
//! [`Report`] is serialised as the stable JSON contract (`"schema": "kvdiag/v1"`); the
//! [`text`], [`markdown`] and [`html`] renderers present the same data for people, tickets and
//! browsers.

pub mod html;
pub mod markdown;
pub mod text;

use serde::Serialize;
use serde_json::Value;

use crate::cause::{Cause, Severity};
use crate::object::ObjectRef;
use crate::parse::LogSource;
use crate::snapshot::{CaptureTime, Inputs};
use crate::source::Origin;

/// How people read an input kind.
fn kind_name(kind: crate::InputKind) -> &'static str {
    match kind {
        crate::InputKind::File => "files",
        crate::InputKind::MustGather => "must-gather",
        crate::InputKind::ClusterInfoDump => "cluster-info dump",
        crate::InputKind::Mcp => "MCP outputs",
        crate::InputKind::SupportBundle => "support bundle",
        crate::InputKind::Insights => "Insights archive",
    }
}

/// The JSON schema identifier of [`Report`].
pub const SCHEMA: &str = "kvdiag/v1";

/// One finding about one subject.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Diagnosis {
    /// The rule that found it.
    pub rule: String,
    /// The cause code.
    pub cause: Cause,
    /// How bad it is.
    pub severity: Severity,
    /// The VM (or orphan) it is about.
    pub subject: ObjectRef,
    /// One line naming the problem.
    pub title: String,
    /// The problem in this subject's terms.
    pub summary: String,
    /// What was seen, where: every condition that matched.
    pub evidence: Vec<Evidence>,
    /// Proposed next steps. Nothing is executed: a person decides.
    pub remediation: Vec<Remediation>,
    /// Alternative fixes, of which a person picks one (`Option 1`, `Option 2`, ...). Nothing is
    /// executed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Remediation>,
    /// How to check, after a fix, that it worked. Nothing is executed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<Remediation>,
    /// Further reading.
    pub references: Vec<String>,
}

/// One thing seen that supports a diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Evidence {
    /// A value in an object (or its absence: `value` null).
    Object {
        /// The object.
        object: ObjectRef,
        /// The file (and document, list item) it came from.
        origin: Origin,
        /// The concrete JSONPath of the value.
        path: String,
        /// The value found there.
        value: Value,
    },
    /// A log line.
    Log {
        /// The stream.
        log: LogSource,
        /// 1-based line number in the input.
        line: usize,
        /// The kubelet timestamp of the line, when captured.
        #[serde(skip_serializing_if = "Option::is_none")]
        timestamp: Option<String>,
        /// The line.
        text: String,
        /// How many further lines of this stream matched the same pattern.
        #[serde(skip_serializing_if = "is_zero")]
        more: usize,
    },
}

fn captures_are_one(c: &[crate::snapshot::Capture]) -> bool {
    c.len() <= 1
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One proposed step: what to do and, where it is a command, the command to paste.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Remediation {
    /// What to do and why.
    pub text: String,
    /// A ready-to-paste command (`oc`, `virtctl`): proposed, never run by kvdiag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// One analysed subject and how it fared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SubjectReport {
    /// The subject.
    #[serde(flatten)]
    pub subject: ObjectRef,
    /// `printableStatus` of the VM, else the VMI or pod phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Number of diagnoses.
    pub diagnoses: usize,
    /// The most severe diagnosis, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<Severity>,
}

/// Counts by severity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Subjects analysed.
    pub subjects: usize,
    /// Diagnoses in all.
    pub diagnoses: usize,
    /// Diagnoses of severity critical.
    pub critical: usize,
    /// ... error.
    pub error: usize,
    /// ... warning.
    pub warning: usize,
    /// ... info.
    pub info: usize,
    /// Diagnoses per cause code, in code order.
    pub causes: std::collections::BTreeMap<Cause, usize>,
}

impl Summary {
    /// Counts `diagnoses` by severity.
    pub fn of(subjects: usize, diagnoses: &[Diagnosis]) -> Summary {
        let mut summary = Summary {
            subjects,
            diagnoses: diagnoses.len(),
            ..Summary::default()
        };
        for d in diagnoses {
            *summary.causes.entry(d.cause.clone()).or_default() += 1;
            *match d.severity {
                Severity::Critical => &mut summary.critical,
                Severity::Error => &mut summary.error,
                Severity::Warning => &mut summary.warning,
                Severity::Info => &mut summary.info,
            } += 1;
        }
        summary
    }
}

/// Everything an analysis found: the output contract.
///
/// Its JSON Schema is `docs/report.schema.json`, printed by `kvdiag schema report`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(title = "kvdiag report", extend("$id" = "https://github.com/kvdiag/kvdiag/blob/main/docs/report.schema.json"))]
pub struct Report {
    /// The version of this contract, always `kvdiag/v1`.
    #[schemars(with = "String", extend("const" = SCHEMA))]
    pub schema: &'static str,
    /// The moment the captures describe, and where that came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<CaptureTime>,
    /// With several captures (must-gathers, bundles, the loose inputs), each with its own time;
    /// subjects then name their capture.
    #[serde(skip_serializing_if = "captures_are_one")]
    pub captures: Vec<crate::snapshot::Capture>,
    /// Counts.
    pub summary: Summary,
    /// Every subject analysed, sorted by namespace and name.
    pub subjects: Vec<SubjectReport>,
    /// Every diagnosis, most severe first.
    pub diagnoses: Vec<Diagnosis>,
    /// With `--explain`: per subject, inputs that were not captured and the rules that could
    /// therefore not run, or only partly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<crate::coverage::Coverage>,
    /// With [`Options::timeline`](crate::Options): per subject with a diagnosis, what happened
    /// to it in time order (the HTML report's picture).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<crate::timeline::Timeline>,
    /// What was read, skipped and unreadable.
    pub inputs: Inputs,
}

impl Report {
    /// The most severe diagnosis, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.diagnoses.iter().map(|d| d.severity).max()
    }

    /// The timeline of one subject (with `timeline`).
    pub fn timeline_of(&self, subject: &ObjectRef) -> Option<&crate::timeline::Timeline> {
        self.timelines.iter().find(|t| &t.subject == subject)
    }

    /// What was missing for one subject (with `explain`).
    pub fn coverage_of(&self, subject: &ObjectRef) -> Option<&crate::coverage::Coverage> {
        self.coverage.iter().find(|c| &c.subject == subject)
    }

    /// The diagnoses of one subject.
    pub fn diagnoses_of<'a>(
        &'a self,
        subject: &'a ObjectRef,
    ) -> impl Iterator<Item = &'a Diagnosis> {
        self.diagnoses.iter().filter(move |d| &d.subject == subject)
    }

    /// The folder every input lies under (`a/b/`), so that renderers for people can show
    /// shorter paths; empty when the inputs share none.
    pub fn common_folder(&self) -> String {
        let i = &self.inputs;
        let mut names = i
            .read
            .iter()
            .map(|r| &*r.source)
            .chain(i.failed.iter().map(|f| &*f.source));
        let Some(first) = names.next() else {
            return String::new();
        };
        let mut prefix = first.rfind('/').map_or("", |end| &first[..=end]);
        for name in names {
            while !name.starts_with(prefix) {
                prefix = prefix[..prefix.len() - 1]
                    .rfind('/')
                    .map_or("", |end| &prefix[..=end]);
            }
        }
        prefix.to_owned()
    }

    /// Keeps only the subjects `keep` accepts, with their diagnoses, and recounts the summary
    /// (e.g. for a `--namespace` or `--vm` filter). What was read is kept whole.
    pub fn retain_subjects(&mut self, mut keep: impl FnMut(&ObjectRef) -> bool) {
        self.subjects.retain(|s| keep(&s.subject));
        self.diagnoses.retain(|d| keep(&d.subject));
        self.coverage.retain(|c| keep(&c.subject));
        self.timelines.retain(|t| keep(&t.subject));
        self.summary = Summary::of(self.subjects.len(), &self.diagnoses);
    }

    /// Serialises the JSON contract, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        match self.write_json(&mut out) {
            Ok(()) => String::from_utf8(out).unwrap_or_default(),
            Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
        }
    }

    /// Writes the JSON contract, pretty-printed, with a final newline, as it is serialised:
    /// the report of thousands of VMs is never held whole as text. (Pass a buffered writer:
    /// it is flushed here, so that an error writing the last bytes is returned.)
    pub fn write_json(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// The JSON Schema (draft 2020-12) of the JSON report ([`Report::to_json`]), generated from the
/// report's types: what `kvdiag schema report` prints and `docs/report.schema.json` holds.
pub fn schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    serde_json::to_value(generator.into_root_schema_for::<Report>()).unwrap_or(Value::Null)
}
