//! Two captures of the same cluster compared (`kvdiag::diff::diff`): what was fixed, what
//! persists, what is new, what is gone. The captures are in `tests/data/diff/`.

use kvdiag::diff::{Diff, Outcome, VmDiff, diff};
use kvdiag::{Hint, RuleSet, Severity, Snapshot};

const CRASHING: &str = include_str!("data/diff/vm-crashing.yaml");
const RUNNING: &str = include_str!("data/diff/vm-running.yaml");
const OTHER: &str = include_str!("data/diff/vm-other.yaml");
const POD_A: (&str, &str) = (
    "virt-launcher-db-aaaaa",
    include_str!("data/diff/launcher-aaaaa-oom-killed.yaml"),
);
const POD_B: (&str, &str) = (
    "virt-launcher-db-bbbbb",
    include_str!("data/diff/launcher-bbbbb-oom-killed.yaml"),
);

fn capture(vm: &str, pods: &[(&str, &str)]) -> Snapshot {
    let mut s = Snapshot::builder();
    s.add_input("vm.yaml", vm.as_bytes(), &Hint::Auto);
    for (name, pod) in pods {
        s.add_input(format!("{name}.yaml"), pod.as_bytes(), &Hint::Auto);
    }
    s.build()
}

fn rules() -> RuleSet {
    RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules: {e}"))
}

fn vm<'a>(d: &'a Diff, name: &str) -> &'a VmDiff {
    d.vms
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} in {d:#?}"))
}

#[test]
fn an_oom_kill_that_stays_persists_with_no_new_pod() {
    let before = capture(CRASHING, &[POD_A]);
    let after = capture(CRASHING, &[POD_A]);
    let d = diff(&rules(), &before, &after);
    let v = vm(&d, "db");
    assert_eq!(v.outcome, Outcome::Persisting);
    assert!(
        v.persisting.iter().any(|f| f.cause == "oom-killed"),
        "{v:#?}"
    );
    assert!(v.changes.contains(&"start failures 3 → 3".to_owned()));
    assert!(v.changes.contains(&"no new launcher pod".to_owned()));
    assert_eq!(d.worst_open(), Some(Severity::Critical));
}

#[test]
fn a_running_vm_after_a_crash_loop_is_fixed() {
    let before = capture(CRASHING, &[POD_A]);
    let after = capture(RUNNING, &[]);
    let d = diff(&rules(), &before, &after);
    let v = vm(&d, "db");
    assert_eq!(v.outcome, Outcome::Fixed, "{v:#?}");
    assert!(v.resolved.iter().any(|f| f.cause == "oom-killed"));
    // The status as each capture printed it.
    let before_status = v
        .state_before
        .as_ref()
        .and_then(|s| s.printable_status.clone())
        .unwrap_or_default();
    assert!(!before_status.is_empty() && before_status != "Running");
    assert!(
        v.changes
            .contains(&format!("printableStatus {before_status} → Running")),
        "{v:#?}"
    );
    assert!(v.changes.contains(&"start failures 3 → 0".to_owned()));
    assert_eq!(d.worst_open(), None);
}

#[test]
fn a_vm_missing_after_is_gone_not_fixed_and_a_new_one_appeared() {
    let before = capture(CRASHING, &[POD_A]);
    let after = capture(OTHER, &[]);
    let d = diff(&rules(), &before, &after);
    assert_eq!(vm(&d, "db").outcome, Outcome::Gone);
    assert!(vm(&d, "db").resolved.is_empty() && !vm(&d, "db").last_known.is_empty());
    assert_eq!(vm(&d, "web").outcome, Outcome::Appeared);
    assert_eq!((d.summary.gone, d.summary.fixed), (1, 0));
}

#[test]
fn a_new_failure_and_a_new_pod_are_new() {
    let before = capture(RUNNING, &[]);
    let after = capture(CRASHING, &[POD_B]);
    let d = diff(&rules(), &before, &after);
    let v = vm(&d, "db");
    assert_eq!(v.outcome, Outcome::New);
    assert!(
        v.changes
            .contains(&"1 new launcher pod(s): virt-launcher-db-bbbbb".to_owned())
    );
    assert!(d.to_markdown().contains("ran nothing"));
    assert!(d.to_text().starts_with("0 fixed, 0 persisting, 1 new"));
}
