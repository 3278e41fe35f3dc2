//! A virt-handler log speaks of its node and of every VMI on it: its lines about one VMI reach
//! that VM, its lines about the node reach the VMs of that node, and nothing reaches a VM on
//! another node.

use kvdiag::{Hint, LogHint, Snapshot, correlate};

const OBJECTS: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: kubevirt.io/v1
  kind: VirtualMachineInstance
  metadata: {name: on-a, namespace: prod, uid: 11111111-0000-4000-8000-000000000001}
  status: {phase: Running, nodeName: node-a}
- apiVersion: kubevirt.io/v1
  kind: VirtualMachineInstance
  metadata: {name: on-b, namespace: prod, uid: 11111111-0000-4000-8000-000000000002}
  status: {phase: Running, nodeName: node-b}
- {apiVersion: v1, kind: Node, metadata: {name: node-a}}
- {apiVersion: v1, kind: Node, metadata: {name: node-b}}
- apiVersion: v1
  kind: Pod
  metadata: {name: virt-handler-aaaaa, namespace: kubevirt, labels: {kubevirt.io: virt-handler}}
  spec: {nodeName: node-a}
"#;

/// virt-handler of node-a: a line about the node, a line about VMI prod/on-b (which it names
/// though it runs elsewhere: it goes to on-b by name).
const HANDLER_A: &str = concat!(
    r#"{"component":"virt-handler","level":"warning","msg":"device '/dev/kvm' is not present, the device plugin can't expose it.","pos":"generic_device.go:304","timestamp":"2024-11-19T12:59:03.990214Z"}"#,
    "\n",
    r#"{"component":"virt-handler","kind":"","level":"info","msg":"Processing event prod/on-b","name":"on-b","namespace":"prod","pos":"vm.go:1656","timestamp":"2024-11-19T13:00:01.000000Z"}"#,
    "\n",
);

#[test]
fn node_lines_reach_the_vms_of_that_node_only() {
    let mut b = Snapshot::builder();
    b.add_input("objects.yaml", OBJECTS.as_bytes(), &Hint::Auto)
        .into_result()
        .expect("objects");
    let hint = Hint::Log(LogHint {
        namespace: Some("kubevirt".into()),
        pod: Some("virt-handler-aaaaa".into()),
        container: Some("virt-handler".into()),
        ..LogHint::default()
    });
    b.add_input("handler-a.log", HANDLER_A.as_bytes(), &hint)
        .into_result()
        .expect("log");
    let snapshot = b.build();
    let subjects = correlate(&snapshot);
    let lines_of = |name: &str| -> Vec<String> {
        let s = subjects
            .iter()
            .find(|s| s.id.name == name)
            .unwrap_or_else(|| panic!("subject {name}"));
        s.logs
            .iter()
            .flat_map(|&l| snapshot.log(l).lines().map(|line| line.text.to_owned()))
            .collect()
    };
    let a = lines_of("on-a");
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(a[0].contains("device '/dev/kvm' is not present"), "{a:?}");
    let b = lines_of("on-b");
    assert_eq!(b.len(), 1, "{b:?}");
    assert!(b[0].contains("Processing event prod/on-b"), "{b:?}");
}
