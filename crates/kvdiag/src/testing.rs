//! Running the inline tests of rules (`tests:` in a rule document), for `kvdiag rules test`
//! and for programs that embed kvdiag with rules of their own:
//!
//! ```
//! // In a test of your crate:
//! let mut rules = kvdiag::RuleSet::builder();
//! rules.add_builtin();
//! rules.add_source("my-rules.yaml", "id: site/x\ncause: stuck-starting\nseverity: info\ntitle: t\nsummary: s\nwhen: {on: vm, path: $.status.printableStatus, equals: Starting}\ntests:\n  - name: a starting VM\n    objects: [{kind: VirtualMachine, metadata: {name: a, namespace: b}, status: {printableStatus: Starting}}]\n    expect: fire\n");
//! let rules = rules.build()?;
//! kvdiag::testing::assert_rule_tests(&rules);
//! // Each outcome also carries the diagnoses, ready for `insta::assert_yaml_snapshot!`.
//! let outcomes = kvdiag::testing::run_rule_tests(&rules, None);
//! assert!(outcomes.iter().all(|o| o.failure.is_none()));
//! # Ok::<(), kvdiag::LoadError>(())
//! ```

use crate::parse::LogStream;
use crate::report::Diagnosis;
use crate::rules::{RuleSet, RuleTest};
use crate::snapshot::Snapshot;
use crate::source::Origin;

/// The result of one inline test.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// The rule tested.
    pub rule: String,
    /// The test's name.
    pub test: String,
    /// Where the test is written: file and line.
    pub file: String,
    /// Line of the test.
    pub line: u64,
    /// Why it failed, as expected-versus-actual text; `None` when it passed.
    pub failure: Option<String>,
    /// Every diagnosis the whole rule set produced on the test's snapshot.
    pub diagnoses: Vec<Diagnosis>,
}

/// Runs every inline test of every rule (those whose `rule id/test name` contains `filter`,
/// when given). Each test's snapshot is evaluated with the whole rule set, so that `yields_to`
/// between rules is part of what is tested.
pub fn run_rule_tests(rules: &RuleSet, filter: Option<&str>) -> Vec<TestOutcome> {
    let mut out = Vec::new();
    for rule in rules.rules() {
        for test in rule.tests() {
            let full = format!("{}/{}", rule.id, test.name);
            if filter.is_some_and(|f| !full.contains(f)) {
                continue;
            }
            let (snapshot, rejected) = snapshot(test);
            let diagnoses = crate::analyze(rules, &snapshot).diagnoses;
            let mine: Vec<&Diagnosis> = diagnoses.iter().filter(|d| d.rule == rule.id).collect();
            // An object the snapshot does not take (no `kind`, a kind kvdiag does not use)
            // would make the test prove nothing about it.
            let failure = rejected.or_else(|| check(test, &mine, &diagnoses));
            out.push(TestOutcome {
                rule: rule.id.clone(),
                test: test.name.clone(),
                file: rule.location.file.clone(),
                line: test.line,
                failure,
                diagnoses,
            });
        }
    }
    out
}

/// Runs every inline test and panics with a readable report of every failure.
pub fn assert_rule_tests(rules: &RuleSet) {
    let outcomes = run_rule_tests(rules, None);
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            let why = o.failure.as_ref()?;
            Some(format!(
                "{}:{}: {} / {}\n{why}",
                o.file, o.line, o.rule, o.test
            ))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rule test(s) failed:\n\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n\n")
    );
}

/// The test's snapshot, and why objects of it were not taken, if any were not.
fn snapshot(test: &RuleTest) -> (Snapshot, Option<String>) {
    let mut b = Snapshot::builder();
    let origin = format!("test `{}`", test.name);
    let mut rejected = Vec::new();
    for (i, object) in test.objects.iter().enumerate() {
        let o = Origin {
            item: u32::try_from(i).ok(),
            ..Origin::new(origin.as_str())
        };
        if let Err(why) = b.add_value(object.clone(), o) {
            rejected.push(format!("  object {} of the test is not used: {why}", i + 1));
        }
    }
    for (source, text) in &test.logs {
        b.add_log(LogStream::parse(source.clone(), text.as_bytes()));
    }
    if let Some(now) = test.now {
        b.capture_time(now);
    }
    (
        b.build(),
        (!rejected.is_empty()).then(|| rejected.join("\n")),
    )
}

fn check(test: &RuleTest, mine: &[&Diagnosis], all: &[Diagnosis]) -> Option<String> {
    let others = || {
        let list: Vec<String> = all
            .iter()
            .map(|d| format!("{} ({})", d.rule, d.cause))
            .collect();
        if list.is_empty() {
            "no rule fired".to_owned()
        } else {
            format!("rules that fired: {}", list.join(", "))
        }
    };
    match (test.fires, mine.first()) {
        (true, None) => Some(format!(
            "- expected: the rule fires\n+ actual:   it did not ({})",
            others()
        )),
        (false, Some(d)) => Some(format!(
            "- expected: the rule stays silent\n+ actual:   it fired: {}",
            d.summary
        )),
        (true, Some(d)) => match &test.summary {
            Some(want) if want.trim() != d.summary.trim() => Some(format!(
                "  summary differs:\n- expected: {}\n+ actual:   {}",
                want.trim(),
                d.summary.trim()
            )),
            _ => None,
        },
        (false, None) => None,
    }
}
