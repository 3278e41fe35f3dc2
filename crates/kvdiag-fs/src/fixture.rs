//! Fixture folders: a captured scenario plus an `expected.yaml` saying which causes each VM must
//! get. Used by `kvdiag rules test` and by the repository's own tests. A fixture folder may
//! sit beside the rules it tests: rule loading skips folders holding an `expected.yaml`.
//!
//! ```yaml
//! # expected.yaml: the exact set of diagnoses at severity warning or above, per VM
//! # (namespace/name); a VM analysed but not listed must have none.
//! subjects:
//!   prod-db/rhel9-db: [oom-killed]          # cause codes
//!   prod/db:                                # or pinned: the rule and the severity too
//!     - {cause: acme/kvm-internal-error, rule: acme/kvm-internal-error, severity: critical}
//!     - {rule: runtime/oom-killed-earlier, severity: info}   # below warning: pinned, checked
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use kvdiag::{Report, RuleSet, Severity, Snapshot, analyze};
use serde::Deserialize;

/// The expectation file of a fixture folder.
pub const EXPECTED_FILE: &str = "expected.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    subjects: BTreeMap<String, Vec<Entry>>,
}

/// One expected diagnosis: a cause code, or a mapping pinning its cause, rule and severity.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Entry {
    Cause(String),
    Pinned(Pinned),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pinned {
    cause: Option<String>,
    rule: Option<String>,
    severity: Option<Severity>,
}

impl Entry {
    fn matches(&self, d: &kvdiag::Diagnosis) -> bool {
        match self {
            Entry::Cause(c) => d.cause == c.as_str() && d.severity >= Severity::Warning,
            Entry::Pinned(p) => {
                p.cause.as_ref().is_none_or(|c| d.cause == c.as_str())
                    && p.rule.as_ref().is_none_or(|r| d.rule == *r)
                    && match p.severity {
                        Some(s) => d.severity == s,
                        None => d.severity >= Severity::Warning,
                    }
            }
        }
    }
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Entry::Cause(c) => f.write_str(c),
            Entry::Pinned(p) => {
                let mut parts = Vec::new();
                if let Some(c) = &p.cause {
                    parts.push(format!("cause {c}"));
                }
                if let Some(r) = &p.rule {
                    parts.push(format!("rule {r}"));
                }
                if let Some(s) = p.severity {
                    parts.push(format!("severity {s}"));
                }
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

/// What analysing a fixture folder gave, and how it differs from its expectation.
#[derive(Debug)]
pub struct FixtureOutcome {
    /// The report.
    pub report: Report,
    /// One line per difference (`ns/vm: expected [a], found [b]`); empty when it matches.
    pub problems: Vec<String>,
}

/// Whether `dir` is a fixture folder (holds an `expected.yaml`).
pub fn is_fixture(dir: &Path) -> bool {
    dir.join(EXPECTED_FILE).is_file()
}

/// Analyses a fixture folder with `rules` and compares the result with its `expected.yaml`.
pub fn check_fixture(dir: &Path, rules: &RuleSet) -> Result<FixtureOutcome, crate::Error> {
    let path = dir.join(EXPECTED_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| crate::Error::Path {
        path: path.clone(),
        source,
    })?;
    let expected: Expected = serde_saphyr::from_str(&text).map_err(|e| crate::Error::Expected {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut builder = Snapshot::builder();
    crate::add_path(&mut builder, dir)?;
    let report = analyze(rules, &builder.build());
    let problems = differences(&report, &expected.subjects);
    Ok(FixtureOutcome { report, problems })
}

fn key(s: &kvdiag::ObjectRef) -> String {
    format!("{}/{}", s.namespace.as_deref().unwrap_or(""), s.name)
}

fn differences(report: &Report, expected: &BTreeMap<String, Vec<Entry>>) -> Vec<String> {
    let mut problems = Vec::new();
    for s in &report.subjects {
        let k = key(&s.subject);
        let diagnoses: Vec<&kvdiag::Diagnosis> = report.diagnoses_of(&s.subject).collect();
        let want: &[Entry] = expected.get(&k).map_or(&[], Vec::as_slice);
        if want.iter().all(|e| matches!(e, Entry::Cause(_))) {
            // Cause codes only: the exact set of causes at warning or above.
            let mut found: Vec<String> = diagnoses
                .iter()
                .filter(|d| d.severity >= Severity::Warning)
                .map(|d| d.cause.code().to_owned())
                .collect();
            found.sort();
            let mut want: Vec<String> = want.iter().map(ToString::to_string).collect();
            want.sort();
            if found != want {
                problems.push(format!("{k}: expected {want:?}, found {found:?}"));
            }
            continue;
        }
        // Pinned entries: each matches a diagnosis of its own, and every diagnosis at warning
        // or above is matched.
        let mut used = vec![false; diagnoses.len()];
        for e in want {
            match (0..diagnoses.len()).find(|&i| !used[i] && e.matches(diagnoses[i])) {
                Some(i) => used[i] = true,
                None => problems.push(format!(
                    "{k}: expected {e}, found no such diagnosis among [{}]",
                    describe(&diagnoses)
                )),
            }
        }
        for (d, _) in diagnoses.iter().zip(&used).filter(|(_, u)| !**u) {
            if d.severity >= Severity::Warning {
                problems.push(format!(
                    "{k}: unexpected diagnosis {} (rule {}, severity {})",
                    d.cause, d.rule, d.severity
                ));
            }
        }
    }
    for k in expected.keys() {
        if !report.subjects.iter().any(|s| key(&s.subject) == *k) {
            problems.push(format!("{k}: expected subject was not analysed"));
        }
    }
    problems
}

fn describe(diagnoses: &[&kvdiag::Diagnosis]) -> String {
    diagnoses
        .iter()
        .map(|d| format!("{} (rule {}, severity {})", d.cause, d.rule, d.severity))
        .collect::<Vec<_>>()
        .join(", ")
}
