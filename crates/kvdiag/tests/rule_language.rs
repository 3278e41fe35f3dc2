//! The rule language end to end through the public API: what loads, what fails to load and
//! where, and what each operator matches.

use kvdiag::{Diagnosis, Hint, RuleSet, Snapshot, analyze};

fn rules(yaml: &str) -> RuleSet {
    let mut b = RuleSet::builder();
    b.add_source("test.yaml", yaml);
    b.build()
        .unwrap_or_else(|e| panic!("rules should load: {e}"))
}

fn load_errors(yaml: &str) -> Vec<String> {
    let mut b = RuleSet::builder();
    b.add_source("bad.yaml", yaml);
    match b.build() {
        Ok(_) => Vec::new(),
        Err(e) => e.errors.iter().map(ToString::to_string).collect(),
    }
}

fn load_hints(yaml: &str) -> Vec<String> {
    let mut b = RuleSet::builder();
    b.add_source("bad.yaml", yaml);
    b.lint().into_iter().filter_map(|e| e.hint).collect()
}

fn run(rules: &RuleSet, inputs: &[(&str, &str)], now: Option<&str>) -> Vec<Diagnosis> {
    let mut b = Snapshot::builder();
    for (name, text) in inputs {
        b.add_input(*name, text.as_bytes(), &Hint::Auto)
            .into_result()
            .expect("test input parses");
    }
    if let Some(now) = now {
        b.capture_time(now.parse().expect("time"));
    }
    analyze(rules, &b.build()).diagnoses
}

const VM: &str = "apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: db, namespace: prod, uid: vm-uid}
spec:
  dataVolumeTemplates:
  - metadata: {name: db-root}
status:
  printableStatus: CrashLoopBackOff
  startFailure: {consecutiveFailCount: 3}
";

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: virt-launcher-db-x2x2x
  namespace: prod
  labels: {kubevirt.io: virt-launcher}
  annotations: {kubevirt.io/domain: db}
  deletionTimestamp: '2024-05-14T10:00:00Z'
  finalizers: [foregroundDeletion]
spec:
  nodeName: worker-1
  containers:
  - name: compute
    resources: {limits: {memory: 2Gi}}
status:
  phase: Failed
  containerStatuses:
  - name: compute
    state: {terminated: {reason: Error, exitCode: 137}}
";

const LOG: &str = r#"{"component":"virt-launcher","level":"info","msg":"Domain defined.","namespace":"prod","name":"db"}
{"component":"virt-launcher-monitor","level":"error","msg":"Reaped pid 42 with status 9"}
{"component":"virt-launcher","level":"info","msg":"Reaped pid 43 with status 9"}
"#;

fn rule(when: &str) -> String {
    format!(
        "id: t/rule\ncause: qemu-crash\nseverity: error\ntitle: t\nsummary: s\nwhen:\n{}",
        when.lines().map(|l| format!("  {l}\n")).collect::<String>()
    )
}

fn fires(when: &str, now: Option<&str>) -> bool {
    !run(
        &rules(&rule(when)),
        &[("vm.yaml", VM), ("pod.yaml", POD), ("compute.log", LOG)],
        now,
    )
    .is_empty()
}

#[test]
fn equality_membership_and_regex_on_object_values() {
    assert!(fires(
        "on: vm\npath: $.status.printableStatus\nequals: CrashLoopBackOff",
        None
    ));
    assert!(!fires(
        "on: vm\npath: $.status.printableStatus\nequals: Running",
        None
    ));
    assert!(fires(
        "on: launcher-pod\npath: $.status.containerStatuses[*].state.terminated.exitCode\nequals: '137'",
        None
    ));
    assert!(fires(
        "on: vm\npath: $.status.printableStatus\nin: [Running, CrashLoopBackOff]",
        None
    ));
    assert!(fires(
        "on: vm\npath: .status.printableStatus\nmatches: '^Crash'",
        None
    ));
    assert!(fires(
        "on: vm\npath: '{.status.printableStatus}'\nmatches: 'Loop'",
        None
    ));
}

#[test]
fn exists_absent_and_not() {
    assert!(fires(
        "on: vm\npath: $.status.startFailure\nexists: true",
        None
    ));
    assert!(!fires("on: vm\npath: $.status.nothing\nexists: true", None));
    assert!(fires("on: vm\npath: $.status.nothing\nabsent: true", None));
    assert!(fires(
        "not:\n  on: vm\n  path: $.status.printableStatus\n  equals: Running",
        None
    ));
    assert!(!fires(
        "not:\n  on: vm\n  path: $.status.printableStatus\n  exists: true",
        None
    ));
}

#[test]
fn numbers_quantities_and_ages() {
    assert!(fires(
        "on: vm\npath: $.status.startFailure.consecutiveFailCount\ngt: 2",
        None
    ));
    assert!(!fires(
        "on: vm\npath: $.status.startFailure.consecutiveFailCount\ngt: 3",
        None
    ));
    assert!(fires(
        "on: vm\npath: $.status.startFailure.consecutiveFailCount\nge: 3",
        None
    ));
    assert!(fires(
        "on: launcher-pod\npath: $.spec.containers[*].resources.limits.memory\nlt: 4Gi",
        None
    ));
    assert!(!fires(
        "on: launcher-pod\npath: $.spec.containers[*].resources.limits.memory\ngt: 2049Mi",
        None
    ));
    // 30 minutes after the deletion started.
    assert!(fires(
        "on: launcher-pod\npath: $.metadata.deletionTimestamp\ngt: 10m",
        Some("2024-05-14T10:30:00Z")
    ));
    assert!(!fires(
        "on: launcher-pod\npath: $.metadata.deletionTimestamp\ngt: 1h",
        Some("2024-05-14T10:30:00Z")
    ));
    assert!(fires(
        "on: launcher-pod\npath: $.metadata.deletionTimestamp\nlt: 1h",
        Some("2024-05-14T10:30:00Z")
    ));
}

#[test]
fn tests_under_one_on_look_at_the_same_object() {
    let same = "on: launcher-pod\nall:\n  - path: $.status.phase\n    equals: Failed\n  - path: $.spec.nodeName\n    equals: worker-1";
    assert!(fires(same, None));
    let mixed = "on: launcher-pod\nall:\n  - path: $.status.phase\n    equals: Failed\n  - path: $.spec.nodeName\n    equals: worker-2";
    assert!(!fires(mixed, None));
    assert!(fires(
        "on: launcher-pod\nany:\n  - path: $.status.phase\n    equals: Running\n  - path: $.spec.nodeName\n    equals: worker-1",
        None
    ));
}

#[test]
fn log_patterns_with_container_previous_and_field_filters() {
    assert!(fires(
        "on: log\nmatches: 'Reaped pid \\d+ with status 9'",
        None
    ));
    assert!(fires(
        "on: log\ncontainer: compute\nmatches: 'Reaped pid'",
        None
    ));
    assert!(!fires(
        "on: log\ncontainer: guest-console-log\nmatches: 'Reaped pid'",
        None
    ));
    assert!(!fires(
        "on: log\nprevious: true\nmatches: 'Reaped pid'",
        None
    ));
    assert!(fires(
        "on: log\nfields: {component: virt-launcher-monitor}\nmatches: 'Reaped pid'",
        None
    ));
    assert!(!fires(
        "on: log\nfields: {component: virt-handler}\nmatches: 'Reaped pid'",
        None
    ));
}

#[test]
fn captures_and_facet_values_fill_templates_and_evidence_is_automatic() {
    let yaml = "id: t/capture
cause: qemu-crash
severity: critical
title: t
summary: 'pid {{match.pid}} of {{pod.name}} on {{node.name}}, {{vm.namespace}}/{{vm.name}}, {{match.count}} failures'
when:
  all:
    - on: log
      matches: 'Reaped pid (?P<pid>\\d+) with status 9'
    - on: vm
      path: $.status.startFailure.consecutiveFailCount
      exists: true
      capture: count
remediation:
  - text: look
    command: oc logs {{pod.name}} -n {{vm.namespace}} -c compute
";
    let found = run(
        &rules(yaml),
        &[("vm.yaml", VM), ("pod.yaml", POD), ("compute.log", LOG)],
        None,
    );
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(
        d.summary,
        "pid 42 of virt-launcher-db-x2x2x on worker-1, prod/db, 3 failures"
    );
    assert_eq!(
        d.remediation[0].command.as_deref(),
        Some("oc logs virt-launcher-db-x2x2x -n prod -c compute")
    );
    // Two log lines matched (lines 2 and 3: the first is shown, with the count of the rest).
    let json = serde_json::to_value(&d.evidence).expect("json");
    assert_eq!(json[0]["type"], "log");
    assert_eq!(json[0]["line"], 2);
    assert_eq!(json[1]["line"], 3);
    assert_eq!(json[2]["type"], "object");
    assert_eq!(
        json[2]["path"],
        "$.status.startFailure.consecutiveFailCount"
    );
    assert_eq!(json[2]["value"], 3);
    assert_eq!(json[2]["origin"]["source"], "vm.yaml");
}

#[test]
fn a_generic_rule_steps_aside_for_a_specific_cause_through_chains() {
    let yaml = "id: a/generic
cause: crashloop-unknown
severity: error
title: generic
summary: s
yields_to: [qemu-crash]
when: {on: vm, path: $.status.printableStatus, equals: CrashLoopBackOff}
---
id: b/specific
cause: qemu-crash
severity: critical
title: specific
summary: s
yields_to: [oom-killed]
when: {on: log, matches: 'Reaped pid'}
";
    let found = run(&rules(yaml), &[("vm.yaml", VM), ("compute.log", LOG)], None);
    let ids: Vec<_> = found.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(ids, ["b/specific"]);

    // The specific rule itself steps aside for OOM; the generic one yields only to the specific
    // cause, which was not kept, so the generic diagnosis stays next to the OOM one.
    let with_oom = format!(
        "{yaml}---\nid: c/oom\ncause: oom-killed\nseverity: critical\ntitle: oom\nsummary: s\nwhen: {{on: launcher-pod, path: $.status.phase, equals: Failed}}\n"
    );
    let found = run(
        &rules(&with_oom),
        &[("vm.yaml", VM), ("pod.yaml", POD), ("compute.log", LOG)],
        None,
    );
    let mut ids: Vec<_> = found.iter().map(|d| d.rule.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["a/generic", "c/oom"]);
}

#[test]
fn every_problem_of_a_broken_file_is_reported_with_its_location() {
    let yaml = "id: one
cause: oom-kiled
severity: critical
title: t
summary: s
when: {on: vm, path: $.a, equals: b}
---
id: two
cause: qemu-crash
severity: error
title: t
summary: s
when:
  on: log
  matches: 'unclosed ('
---
id: three
cause: qemu-crash
severity: error
title: t
summary: s
when:
  on: vm
  path: '$.a['
  exists: true
---
id: four
cause: qemu-crash
severity: error
title: t
summary: s
when:
  on: vm
  pth: $.a
---
id: five
cause: qemu-crash
severity: error
title: t
summary: '{{match.missing}}'
when: {on: vm, path: $.a, exists: true}
";
    let errors = load_errors(yaml);
    let hints = load_hints(yaml);
    assert!(
        hints.iter().any(|h| h == "did you mean `oom-killed`?"),
        "{hints:?}"
    );
    assert!(
        hints.iter().any(|h| h == "did you mean `path`?"),
        "{hints:?}"
    );
    let expect = [
        (
            "bad.yaml:2:8:",
            "error[unknown-cause]: unknown cause `oom-kiled`",
        ),
        ("bad.yaml:15:12:", "error[bad-regex]: bad regex"),
        ("bad.yaml:24:9:", "bad JSONPath `$.a[`"),
        // A consequence of the misspelling, at the condition it leaves without a test.
        ("bad.yaml:33:3:", "needs a `path` test"),
        ("bad.yaml:34:3:", "error[unknown-key]: unknown key `pth`"),
        ("bad.yaml:40:10:", "no condition captures `missing`"),
    ];
    assert_eq!(errors.len(), expect.len(), "{errors:#?}");
    for ((at, what), got) in expect.iter().zip(&errors) {
        assert!(
            got.starts_with(at) && got.contains(what),
            "expected {at} {what}, got {got}"
        );
    }
}

#[test]
fn structural_mistakes_are_load_errors() {
    let cases = [
        ("on: vms\npath: $.a\nexists: true", "unknown facet `vms`"),
        ("path: $.a\nexists: true", "needs `on:`"),
        ("on: vm\npath: $.a\nequals: x\nexists: true", "one operator"),
        ("on: vm\npath: $.a", "needs one of"),
        (
            "on: vm\ncontainer: compute\npath: $.a\nexists: true",
            "`container` applies to `on: log` only",
        ),
        ("on: log\npath: $.a\nmatches: x", "`on: log` takes"),
        (
            "on: vm\nall:\n  - on: vmi\n    path: $.a\n    exists: true",
            "`on:` inside a condition",
        ),
        ("on: vm\npath: $.a\nexists: false", "`exists: true`"),
        ("on: vm\npath: $.a\ngt: lots", "not a number, a quantity"),
        ("all: []", "at least one"),
        (
            "on: vm\npath: $.a\nequals: x\ncapture: 'a b'",
            "capture name",
        ),
    ];
    for (when, want) in cases {
        let errors = load_errors(&rule(when));
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{when:?}: expected {want:?} in {errors:#?}"
        );
    }
}

#[test]
fn duplicate_ids_and_loops_of_yields_are_load_errors() {
    let one = rule("on: vm\npath: $.a\nexists: true");
    let errors = load_errors(&format!("{one}---\n{one}"));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("duplicate rule id `t/rule`")),
        "{errors:?}"
    );

    let looped = "id: a\ncause: qemu-crash\nseverity: error\ntitle: t\nsummary: s\nyields_to: [oom-killed]\nwhen: {on: vm, path: $.a, exists: true}
---
id: b\ncause: oom-killed\nseverity: error\ntitle: t\nsummary: s\nyields_to: [qemu-crash]\nwhen: {on: vm, path: $.a, exists: true}
";
    let errors = load_errors(looped);
    assert!(errors.iter().any(|e| e.contains("loop")), "{errors:?}");
}

#[test]
fn the_builtin_pack_loads_and_covers_the_seed_causes() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let causes: Vec<_> = rules.rules().iter().map(|r| r.cause.code()).collect();
    for c in [
        "oom-killed",
        "guest-kernel-panic",
        "qemu-crash",
        "dv-not-ready",
        "dv-import-failed",
        "crashloop-unknown",
    ] {
        assert!(causes.contains(&c), "no rule for {c}");
    }
}

#[test]
fn comparisons_with_a_value_captured_by_an_earlier_condition() {
    let vmi = "apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: db, namespace: prod}
spec: {domain: {memory: {guest: 1920Mi}}}
";
    let when = |op: &str| {
        format!(
            "all:\n  - on: vmi\n    path: $.spec.domain.memory.guest\n    exists: true\n    capture: guest\n  - on: launcher-pod\n    path: $.spec.containers[*].resources.limits.memory\n    {op}\n"
        )
    };
    let inputs = [("vm.yaml", VM), ("vmi.yaml", vmi), ("pod.yaml", POD)];
    let fired = |op: &str| !run(&rules(&rule(&when(op))), &inputs, None).is_empty();
    // The pod limit is 2Gi = 2048Mi: 128Mi above the guest.
    assert!(fired("le: {match: guest, plus: 200Mi}"));
    assert!(!fired("le: {match: guest, plus: 100Mi}"));
    assert!(fired("gt: {match: guest}"));
    assert!(!fired("gt: {match: guest, times: 1.1}"));

    let errors = load_errors(&rule("on: vm\npath: $.a\nle: {match: nothing}"));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("no condition before this one captures `nothing`")),
        "{errors:?}"
    );
    let errors = load_errors(&rule(&when("le: {match: guest, plus: lots}")));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`plus: lots` is not a quantity")),
        "{errors:?}"
    );
}

#[test]
fn optional_conditions_add_evidence_and_captures_but_never_block() {
    let yaml = rule(
        "all:\n  - on: vm\n    path: $.status.printableStatus\n    equals: CrashLoopBackOff\n  - optional:\n      on: launcher-pod\n      path: $.spec.nodeName\n      exists: true\n      capture: node\n  - optional:\n      on: vm\n      path: $.status.nothing\n      exists: true",
    )
    .replace("summary: s", "summary: 'on {{match.node}}'");
    let found = run(&rules(&yaml), &[("vm.yaml", VM), ("pod.yaml", POD)], None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].summary, "on worker-1");
    assert_eq!(found[0].evidence.len(), 2);
    // Without the pod the rule still fires; the capture is then unknown.
    let found = run(&rules(&yaml), &[("vm.yaml", VM)], None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].summary, "on <node>");
}

#[test]
fn two_rules_of_one_cause_give_one_diagnosis_the_most_severe() {
    let yaml = "id: a/warning
cause: qemu-crash
severity: warning
title: w
summary: s
when: {on: vm, path: $.status.printableStatus, equals: CrashLoopBackOff}
---
id: b/critical
cause: qemu-crash
severity: critical
title: c
summary: s
when: {on: log, matches: 'Reaped pid'}
";
    let found = run(&rules(yaml), &[("vm.yaml", VM), ("compute.log", LOG)], None);
    let ids: Vec<_> = found.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(ids, ["b/critical"]);
}

#[test]
fn first_takes_the_first_alternative_that_holds_and_only_its_evidence() {
    let yaml = rule(
        "first:\n  - on: vm\n    path: $.status.nothing\n    exists: true\n  - on: vm\n    path: $.status.printableStatus\n    exists: true\n  - on: launcher-pod\n    path: $.status.phase\n    exists: true",
    );
    let found = run(&rules(&yaml), &[("vm.yaml", VM), ("pod.yaml", POD)], None);
    let json = serde_json::to_value(&found[0].evidence).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    assert_eq!(json[0]["path"], "$.status.printableStatus");
    // Inside one object: a failing `all` leaves no partial evidence behind.
    let yaml = rule(
        "on: launcher-pod\nfirst:\n  - all:\n      - path: $.status.phase\n        exists: true\n      - path: $.nothing\n        exists: true\n  - path: $.spec.nodeName\n    exists: true",
    );
    let found = run(&rules(&yaml), &[("vm.yaml", VM), ("pod.yaml", POD)], None);
    let json = serde_json::to_value(&found[0].evidence).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json[0]["path"], "$.spec.nodeName");
}

#[test]
fn a_graded_branch_sets_the_severity_when_it_alone_holds() {
    let r = rules(&rule(
        "any:
  - on: pod
    path: $.status.phase
    equals: Failed
  - severity: warning
    on: pod
    path: $.metadata.finalizers
    exists: true",
    ));
    // Both hold: the ungraded branch speaks for the rule.
    let d = run(&r, &[("pod.yaml", POD)], None);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, kvdiag::Severity::Error);
    // Only the graded one holds.
    let running = POD.replace("phase: Failed", "phase: Running");
    let d = run(&r, &[("pod.yaml", &running)], None);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, kvdiag::Severity::Warning);
    // An unknown severity fails to load, located.
    let errors = load_errors(&rule(
        "severity: urgent\non: pod\npath: $.kind\nexists: true",
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unknown severity `urgent`")),
        "{errors:?}"
    );
}

#[test]
fn an_age_measured_from_the_time_that_set_an_estimated_capture_time_is_unknown() {
    let r = rules(&rule(
        "on: pod
path: $.metadata.deletionTimestamp
gt: 10m",
    ));
    // The deletion time is the newest time in the data: the capture time is estimated from it,
    // so the pod's age since deletion is not known, not zero and not old.
    assert!(run(&r, &[("pod.yaml", POD)], None).is_empty());
    // Given a capture time, the age is known.
    let d = run(&r, &[("pod.yaml", POD)], Some("2024-05-14T11:00:00Z"));
    assert_eq!(d.len(), 1);
    // Estimated from a newer time elsewhere in the data, the age is known too.
    let event = "kind: Event\nmetadata: {name: e, namespace: prod}\ninvolvedObject: {kind: Pod, name: virt-launcher-db-x2x2x, namespace: prod}\nreason: Killing\nlastTimestamp: '2024-05-14T11:00:00Z'\n";
    let d = run(&r, &[("pod.yaml", POD), ("event.yaml", event)], None);
    assert_eq!(d.len(), 1);
}

#[test]
fn one_lint_reports_every_problem_of_a_file_each_where_it_is() {
    // Fourteen different problems (and a warning) in one file: none hides another, whatever
    // comes first in a document (a missing key, a bad regex, an unknown facet).
    let mut b = RuleSet::builder();
    b.add_source(
        "many-problems.yaml",
        include_str!("data/many-problems.yaml"),
    );
    let found: Vec<(u64, u64, &str, kvdiag::rules::Level)> = b
        .lint()
        .iter()
        .map(|e| (e.line, e.column, e.code, e.level))
        .collect();
    use kvdiag::rules::Level::{Error, Warning};
    assert_eq!(
        found,
        [
            (4, 12, "duplicate-cause", Error),
            (6, 1, "missing-key", Error),
            (7, 8, "unknown-cause", Error),
            (8, 11, "unknown-severity", Error),
            (9, 8, "wrong-type", Error),
            (10, 1, "unknown-key", Error),
            (11, 13, "unknown-cause", Error),
            (15, 16, "bad-regex", Error),
            (16, 11, "unknown-facet", Error),
            (20, 13, "bad-jsonpath", Error),
            // `match.code` is the bad regex's group: only `nope` is unknown.
            (23, 11, "unknown-capture", Error),
            (24, 14, "empty-text", Error),
            (25, 11, "untouched-facet", Warning),
            (27, 1, "duplicate-id", Error),
            (33, 1, "not-a-rule", Error),
        ]
    );
}

#[test]
fn a_rule_file_given_twice_is_the_same_rules_and_a_copy_of_a_builtin_too() {
    let text = rule("on: vm\npath: $.a\nexists: true");
    let mut b = RuleSet::builder();
    b.add_builtin();
    b.add_source("a.yaml", &text);
    b.add_source("/elsewhere/a.yaml", &text);
    let builtin = include_str!("../../../rules/runtime.yaml");
    b.add_source("/checkout/rules/runtime.yaml", builtin);
    let set = b.build().expect("no duplicates");
    assert_eq!(set.rules().iter().filter(|r| r.id == "t/rule").count(), 1);
    // A different rule under a taken id is a duplicate.
    let mut b = RuleSet::builder();
    b.add_source("a.yaml", &text);
    b.add_source("b.yaml", &text.replace("$.a", "$.b"));
    assert!(b.lint().iter().any(|e| e.code == "duplicate-id"));
}

#[test]
fn a_declared_cause_is_namespaced_known_to_the_set_and_carried_by_diagnoses() {
    let declared = "causes:\n  - code: acme/x\n    title: Acme's own\n    severity: warning\n---\n";
    let rule_of_it = rule("on: vm\npath: $.status.printableStatus\nequals: Starting")
        .replace("cause: qemu-crash", "cause: acme/x")
        .replace("severity: error\n", "");
    let set = rules(&format!("{declared}{rule_of_it}"));
    let cause = set.cause("acme/x").expect("declared");
    assert!(!cause.builtin && cause.title == "Acme's own");
    // No severity in the rule: the cause's.
    let r = set.get("t/rule").expect("rule");
    assert_eq!(r.severity, kvdiag::Severity::Warning);
    assert_eq!(set.rules_of("acme/x").count(), 1);
    let vm = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db, namespace: prod}\nstatus: {printableStatus: Starting}\n";
    let d = run(&set, &[("vm.yaml", vm)], None);
    assert_eq!(d[0].cause, "acme/x");
    assert!(
        serde_json::to_string(&d[0])
            .expect("json")
            .contains(r#""cause":"acme/x""#)
    );
    // Built-in causes stay known without the built-in rules; a declared code needs a prefix;
    // the causes document may come after its rules (another file).
    let errors = load_errors("causes:\n  - {code: kvm-broke, title: t}\n");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("error[invalid-value]: a declared cause is namespaced")),
        "{errors:?}"
    );
    let mut b = RuleSet::builder();
    b.add_source("rules.yaml", &rule_of_it);
    b.add_source("causes.yaml", declared);
    assert!(b.build().is_ok());
    assert!(
        RuleSet::builder()
            .build()
            .expect("empty")
            .cause("oom-killed")
            .is_some()
    );
}

#[test]
fn a_document_that_is_neither_a_rule_nor_causes_is_an_error_never_skipped() {
    let errors = load_errors("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("bad.yaml:1:1: error[not-a-rule]")),
        "{errors:?}"
    );
    let hints = load_hints("apiVersion: v1\nkind: Pod\n");
    assert!(
        hints.iter().any(|h| h.contains("expected.yaml")),
        "{hints:?}"
    );
    // A rule whose `id` is missing is still read as a rule: every problem of it is reported.
    let errors = load_errors("cause: qemu-crash\ntitle: t\nsummary: s\nwhen: {on: vms}\n");
    assert!(
        errors.iter().any(|e| e.contains("missing key `id`"))
            && errors.iter().any(|e| e.contains("unknown facet `vms`")),
        "{errors:?}"
    );
}

#[test]
fn options_and_verify_are_rendered_for_the_subject_and_checked_like_remediation() {
    let set = rules(
        "id: t/crash
cause: crashloop-unknown
title: t
summary: s
when: {on: vm, path: $.status.printableStatus, equals: CrashLoopBackOff}
remediation:
  - text: Read the VM.
options:
  - text: Give {{vm.name}} more memory.
    command: oc patch vm {{vm.name}} -n {{vm.namespace}} --type=merge -p '{}'
  - text: Give the guest less memory.
verify:
  - text: The VM runs.
    command: oc get vm {{vm.name}} -n {{vm.namespace}} -o jsonpath='{.status.printableStatus}'
",
    );
    let d = run(&set, &[("vm.yaml", VM)], None);
    assert_eq!(d.len(), 1, "{d:#?}");
    let options: Vec<_> = d[0].options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(
        options,
        ["Give db more memory.", "Give the guest less memory."]
    );
    assert_eq!(
        d[0].verify[0].command.as_deref(),
        Some("oc get vm db -n prod -o jsonpath='{.status.printableStatus}'")
    );
    let errors = load_errors(
        "id: t/x
cause: crashloop-unknown
title: t
summary: s
when: {on: vm, path: $.status.printableStatus, equals: X}
options:
  - txt: typo
verify:
  - text: '{{vm.nmae}}'
",
    );
    let all = errors.join("\n");
    assert!(all.contains("unknown key `txt`"), "{all}");
    assert!(all.contains("vm.nmae"), "{all}");
}

#[test]
fn remediation_steps_are_proposed_by_what_is_known_with_if_and_unless() {
    let set = rules(
        r#"
id: t/steps
cause: crashloop-unknown
title: t
summary: s
when:
  all:
    - on: pod
      path: $.status.phase
      equals: Failed
    - optional:
        on: pod
        path: $.spec.nodeName
        exists: true
        capture: node
    - optional:
        on: vm
        path: $.metadata.name
        exists: true
remediation:
  - text: always
  - text: node known
    if: [match.node]
  - text: vm captured, node unknown
    if: [vm]
    unless: [match.node]
  - text: no vm
    unless: [vm]
"#,
    );
    let pod = |node: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: virt-launcher-db-abcde, namespace: p, labels: {{kubevirt.io: virt-launcher}}, annotations: {{kubevirt.io/domain: db}}}}\nspec: {{{node}}}\nstatus: {{phase: Failed}}\n"
        )
    };
    let vm =
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db, namespace: p}\n";
    let steps = |inputs: &[(&str, &str)]| -> Vec<String> {
        let d = run(&set, inputs, None);
        d[0].remediation.iter().map(|r| r.text.clone()).collect()
    };
    assert_eq!(
        steps(&[("pod.yaml", &pod("nodeName: n1"))]),
        ["always", "node known", "no vm"]
    );
    assert_eq!(
        steps(&[("pod.yaml", &pod("")), ("vm.yaml", vm)]),
        ["always", "vm captured, node unknown"]
    );
    let errors = load_errors(
        "id: t/x\ncause: crashloop-unknown\ntitle: t\nsummary: s\nwhen: {on: pod, path: $.a, exists: true}\nremediation:\n  - text: x\n    if: [match.nothing, event]\n",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad.yaml:8:10") && e.contains("no condition captures `nothing`")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("`event`: write a facet")),
        "{errors:#?}"
    );
}
