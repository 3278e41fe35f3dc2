//! Fixture folders: a captured scenario plus an `expected.yaml` saying which causes each VM must
//! get. Used by `kvdiag rules test` and by the repository's own tests.
//!
//! ```yaml
//! # expected.yaml: the exact set of cause codes at severity warning or above, per VM
//! # (namespace/name); a VM analysed but not listed must have none.
//! subjects:
//!   prod-db/rhel9-db: [oom-killed]
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
    subjects: BTreeMap<String, Vec<String>>,
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

fn differences(report: &Report, expected: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    for s in &report.subjects {
        let mut found: Vec<String> = report
            .diagnoses_of(&s.subject)
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| d.cause.code().to_owned())
            .collect();
        found.sort();
        let k = key(&s.subject);
        let mut want = expected.get(&k).cloned().unwrap_or_default();
        want.sort();
        if found != want {
            problems.push(format!("{k}: expected {want:?}, found {found:?}"));
        }
    }
    for k in expected.keys() {
        if !report.subjects.iter().any(|s| key(&s.subject) == *k) {
            problems.push(format!("{k}: expected subject was not analysed"));
        }
    }
    problems
}
