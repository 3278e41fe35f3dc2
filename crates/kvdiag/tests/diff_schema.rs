//! The JSON of a diff validates against its JSON Schema (`kvdiag::diff::schema`), for every
//! outcome.

use kvdiag::{Hint, RuleSet, Snapshot};

fn capture(files: &[(&str, &str)]) -> Snapshot {
    let mut s = Snapshot::builder();
    for (name, text) in files {
        s.add_input(*name, text.as_bytes(), &Hint::Auto);
    }
    s.build()
}

const CRASHING: &str = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db, namespace: prod}\nstatus: {printableStatus: CrashLoopBackOff, startFailure: {consecutiveFailCount: 2}}\n";
const RUNNING: &str = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db, namespace: prod}\nstatus: {printableStatus: Running}\n";
const OTHER: &str = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: web, namespace: prod}\nstatus: {printableStatus: CrashLoopBackOff, startFailure: {consecutiveFailCount: 1}}\n";

#[test]
fn every_outcome_validates_against_the_diff_schema() {
    let rules = RuleSet::builtin().expect("built-in rules");
    let validator =
        jsonschema::validator_for(&kvdiag::diff::schema()).expect("a valid JSON Schema");
    let pairs = [
        (vec![("vm.yaml", CRASHING)], vec![("vm.yaml", RUNNING)]),
        (vec![("vm.yaml", CRASHING)], vec![("vm.yaml", CRASHING)]),
        (vec![("vm.yaml", RUNNING)], vec![("vm.yaml", CRASHING)]),
        (vec![("vm.yaml", CRASHING)], vec![("other.yaml", OTHER)]),
    ];
    let mut outcomes = std::collections::BTreeSet::new();
    for (before, after) in pairs {
        let diff = kvdiag::diff::diff(&rules, &capture(&before), &capture(&after));
        let json: serde_json::Value = serde_json::from_str(&diff.to_json()).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
        outcomes.extend(diff.vms.iter().map(|v| v.outcome));
    }
    assert_eq!(
        outcomes.len(),
        5,
        "fixed, persisting, new, gone, appeared: {outcomes:?}"
    );
}
