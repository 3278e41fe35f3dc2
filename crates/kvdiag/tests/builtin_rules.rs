//! The built-in rule pack: it loads without problems, and every rule carries inline tests that
//! pass — at least one it must fire on and one look-alike it must stay silent on.

use kvdiag::RuleSet;

#[test]
fn the_builtin_pack_lints_clean() {
    let mut b = RuleSet::builder();
    b.add_builtin();
    let problems = b.lint();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_builtin_rule_has_fire_and_silent_tests() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let missing: Vec<String> = rules
        .rules()
        .iter()
        .filter(|r| !(r.tests().iter().any(|t| t.fires) && r.tests().iter().any(|t| !t.fires)))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without both a fire and a silent test: {missing:?}"
    );
}

#[test]
fn the_builtin_rules_pass_their_inline_tests() {
    kvdiag::testing::assert_rule_tests(&RuleSet::builtin().expect("the built-in rules load"));
}

/// The toleration a rule proposes is added with a JSON patch, never by a merge patch that
/// would replace the VM's list: appended when the captured VM has tolerations, the list
/// created when it has none, both forms (with how to tell) when the VM's spec was not captured.
#[test]
fn a_toleration_is_added_to_the_vms_list_never_replacing_it() {
    use kvdiag::{Hint, Snapshot, analyze};
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let event = r#"
apiVersion: v1
kind: Event
metadata: {name: virt-launcher-db-x7k2p.1, namespace: prod}
involvedObject: {kind: Pod, name: virt-launcher-db-x7k2p, namespace: prod}
reason: FailedScheduling
type: Warning
message: "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
"#;
    let vm = |tolerations: &str| {
        format!(
            "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {{name: db, namespace: prod}}\n\
             spec:\n  template:\n    spec:\n      domain: {{devices: {{}}}}\n{tolerations}\
             status: {{printableStatus: ErrorUnschedulable}}\n"
        )
    };
    let commands = |inputs: &[&str]| -> Vec<String> {
        let mut b = Snapshot::builder();
        for (n, text) in inputs.iter().enumerate() {
            b.add_input(format!("{n}.yaml"), text.as_bytes(), &Hint::Auto);
        }
        let report = analyze(&rules, &b.build());
        let d = report
            .diagnoses
            .iter()
            .find(|d| d.cause == "unschedulable-taint")
            .expect("diagnosed");
        // The fixes are options (alternatives a person picks from), beside the steps.
        d.remediation
            .iter()
            .chain(&d.options)
            .filter_map(|r| r.command.clone())
            .collect()
    };
    let patches = |c: &[String]| -> Vec<String> {
        c.iter()
            .filter(|c| c.contains("oc patch"))
            .cloned()
            .collect()
    };
    let append = r#"[{"op":"add","path":"/spec/template/spec/tolerations/-","value":{"key":"dedicated","operator":"Equal","value":"gpu","effect":"#;
    let create =
        r#"[{"op":"add","path":"/spec/template/spec/tolerations","value":[{"key":"dedicated""#;

    let with = commands(&[
        event,
        &vm("      tolerations: [{key: other, operator: Exists}]\n"),
    ]);
    let p = patches(&with);
    assert_eq!(p.len(), 1, "{with:#?}");
    assert!(
        p[0].contains("--type=json") && p[0].contains(append),
        "{p:#?}"
    );

    let without = commands(&[event, &vm("")]);
    let p = patches(&without);
    assert_eq!(p.len(), 1, "{without:#?}");
    assert!(
        p[0].contains("--type=json") && p[0].contains(create),
        "{p:#?}"
    );

    let unknown = commands(&[event]);
    let p = patches(&unknown);
    assert_eq!(p.len(), 2, "{unknown:#?}");
    assert!(p[0].contains(append) && p[1].contains(create), "{p:#?}");
    assert!(
        unknown
            .iter()
            .any(|c| c.contains("jsonpath='{.spec.template.spec.tolerations}")),
        "{unknown:#?}"
    );
    for c in with.iter().chain(&without).chain(&unknown) {
        assert!(!c.contains("--type=merge"), "{c}");
    }

    // A cordoned node among the candidates is named; nodes captured and none cordoned: no
    // uncordon step; nodes not captured: the step, with the node to fill in.
    let pod = r#"
apiVersion: v1
kind: Pod
metadata:
  name: virt-launcher-db-x7k2p
  namespace: prod
  labels: {kubevirt.io: virt-launcher}
  annotations: {kubevirt.io/domain: db}
spec:
  nodeSelector: {kubevirt.io/schedulable: "true"}
status:
  phase: Pending
  conditions:
    - type: PodScheduled
      status: "False"
      reason: Unschedulable
      message: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
"#;
    let node = |name: &str, cordoned: bool| {
        format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{kubevirt.io/schedulable: \"true\"}}}}\n\
             spec: {{unschedulable: {cordoned}, taints: [{{key: dedicated, value: gpu, effect: NoSchedule}}]}}\n"
        )
    };
    let uncordon = |inputs: &[&str]| -> Vec<String> {
        commands(inputs)
            .into_iter()
            .filter(|c| c.starts_with("oc adm uncordon"))
            .collect()
    };
    assert_eq!(
        uncordon(&[
            pod,
            &vm(""),
            &node("worker-0", false),
            &node("worker-1", true)
        ]),
        ["oc adm uncordon worker-1"]
    );
    assert!(uncordon(&[pod, &vm(""), &node("worker-0", false)]).is_empty());
    assert_eq!(uncordon(&[pod, &vm("")]), ["oc adm uncordon <node>"]);
}
