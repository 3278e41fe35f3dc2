//! `kubectl`/`oc` text read into objects and logs: what each form gives, field by field, with
//! its lines. The real pastes of `fixtures/text-real-pastes/` (sources in its README) are
//! snapshotted as the objects they become; the forms a paste can take (single spaces, CRLF,
//! UTF-16, watch rows, a mixed session, bad rows) are checked one by one.

use std::sync::Arc;

use kvdiag::{Hint, Parsed, parse_input};
use serde_json::{Value, json};

fn parse(name: &str, bytes: &[u8]) -> Parsed {
    parse_input(&Arc::from(name), bytes, &Hint::Auto).expect("text parses")
}

/// What a text input became: objects (with their origin line), logs and what was not read.
fn summary(parsed: &Parsed) -> Value {
    let Parsed::Text(t) = parsed else {
        return json!({ "not text": format!("{parsed:?}").chars().take(80).collect::<String>() });
    };
    let objects: Vec<Value> = t
        .objects
        .objects
        .iter()
        .map(|o| json!({ "line": o.origin.line, "object": o.tree.to_value() }))
        .collect();
    let logs: Vec<Value> = t
        .logs
        .iter()
        .map(|l| {
            json!({
                "pod": l.source.pod, "container": l.source.container, "namespace": l.source.namespace,
                "lines": l.lines().map(|x| format!("{}: {}", x.number, x.text)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let unread: Vec<String> = t
        .unread
        .iter()
        .map(|u| format!("line {}: {}", u.line, u.reason))
        .collect();
    json!({ "forms": t.forms, "objects": objects, "logs": logs, "unread": unread })
}

fn objects(parsed: &Parsed) -> Vec<Value> {
    match parsed {
        Parsed::Text(t) => t
            .objects
            .objects
            .iter()
            .map(|o| o.tree.to_value())
            .collect(),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn real_pastes_become_these_objects() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/text-real-pastes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/text-real-pastes")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../fixtures/snapshots/text");
    settings.set_prepend_module_to_snapshot(false);
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let bytes = std::fs::read(&f).expect("readable");
        let parsed = parse(&name, &bytes);
        settings
            .bind(|| insta::assert_yaml_snapshot!(name.trim_end_matches(".txt"), summary(&parsed)));
    }
}

#[test]
fn pod_status_is_what_kubectl_printed_it_from() {
    let text = "NAMESPACE   NAME                     READY   STATUS                  RESTARTS      AGE\n\
                prod        virt-launcher-a-abcde    0/2     OOMKilled               3 (2m ago)    10m\n\
                prod        virt-launcher-b-abcde    0/2     Init:ImagePullBackOff   0             10m\n\
                prod        virt-launcher-c-abcde    0/2     Init:1/2                0             10m\n\
                prod        virt-launcher-d-abcde    0/2     ExitCode:3              0             10m\n\
                prod        virt-launcher-e-abcde    0/2     Evicted                 0             10m\n";
    let o = objects(&parse("pods.txt", text.as_bytes()));
    assert_eq!(
        o[0]["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "OOMKilled"
    );
    assert_eq!(o[0]["status"]["containerStatuses"][0]["restartCount"], 3);
    assert_eq!(o[0]["kvdiagText"]["lastRestartSeconds"], 120);
    assert_eq!(o[0]["metadata"]["namespace"], "prod");
    assert_eq!(
        o[1]["status"]["initContainerStatuses"][0]["state"]["waiting"]["reason"],
        "ImagePullBackOff"
    );
    assert_eq!(o[2]["status"]["phase"], "Pending");
    assert!(o[2]["status"].get("initContainerStatuses").is_none());
    assert_eq!(
        o[3]["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        3
    );
    assert_eq!(o[4]["status"]["reason"], "Evicted");
}

#[test]
fn a_pasted_session_is_cut_into_its_parts_and_tables_take_the_command_namespace() {
    let text = [
        "[root@bastion ~]# oc get vmi -n prod",
        "NAME   AGE   PHASE        IP    NODENAME   READY",
        "db     12m   Scheduling                    False",
        "[root@bastion ~]# oc get pods -n prod",
        "No resources found in prod namespace.",
        "[root@bastion ~]# oc get dv",
        "NAME      PHASE    PROGRESS   RESTARTS   AGE",
        "db-root   Failed   N/A        5          12m",
        "[root@bastion ~]# oc get rs -A",
        "NAMESPACE   NAME   DESIRED   CURRENT   READY   AGE",
        "prod        x      1         1         1       3d",
        "[root@bastion ~]# oc describe vm db -n prod",
        "Name:         db",
        "Namespace:    prod",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  kubevirt.io/v1",
        "Kind:         VirtualMachine",
        "Metadata:",
        "  Creation Timestamp:  2024-05-14T10:00:00Z",
        "Status:",
        "  Printable Status:  ErrorPvcNotFound",
        "Events:",
        "  Type     Reason             Age                 From                       Message",
        "  ----     ------             ----                ----                       -------",
        "  Warning  FailedPvcNotFound  8s (x13 over 28s)   virtualmachine-controller  PVC prod/db-root does not exist,",
        "                                                                              waiting for it to appear",
    ]
    .join("\n");
    let Parsed::Text(t) = parse("session.txt", text.as_bytes()) else {
        panic!("text")
    };
    let o: Vec<Value> = t
        .objects
        .objects
        .iter()
        .map(|o| o.tree.to_value())
        .collect();
    assert_eq!(o[0]["kind"], "VirtualMachineInstance");
    assert_eq!(o[0]["metadata"]["namespace"], "prod");
    assert_eq!(o[0]["status"]["phase"], "Scheduling");
    // `oc get dv` named no namespace: it stays unknown.
    assert_eq!(o[1]["kind"], "DataVolume");
    assert!(o[1]["metadata"].get("namespace").is_none());
    assert_eq!(o[1]["status"]["restartCount"], 5);
    assert_eq!(o[2]["kind"], "VirtualMachine");
    assert_eq!(o[2]["status"]["printableStatus"], "ErrorPvcNotFound");
    assert_eq!(
        o[2]["metadata"]["creationTimestamp"],
        "2024-05-14T10:00:00Z"
    );
    let e = &o[3];
    assert_eq!(e["kind"], "Event");
    assert_eq!(
        e["involvedObject"],
        json!({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": "db", "namespace": "prod"})
    );
    assert_eq!(e["count"], 13);
    assert_eq!(e["kvdiagText"]["lastSeenSeconds"], 8);
    assert_eq!(e["kvdiagText"]["firstSeenSeconds"], 28);
    assert_eq!(
        e["message"],
        "PVC prod/db-root does not exist, waiting for it to appear"
    );
    assert_eq!(t.unread.len(), 1, "{:?}", t.unread);
    assert_eq!(t.unread[0].line, 10);
    assert!(t.unread[0].reason.contains("DESIRED"));
    // Every field knows its line: the event's message is on line 25.
    let event = &t.objects.objects[3];
    assert_eq!(event.origin_of("$.message").line, Some(26));
    assert_eq!(
        t.objects.objects[2]
            .origin_of("$.status.printableStatus")
            .line,
        Some(22)
    );
    assert_eq!(
        t.objects.objects[2]
            .origin_of("$.status.printableStatus")
            .to_string(),
        "session.txt:22"
    );
}

#[test]
fn alignment_lost_crlf_and_utf16_read_the_same() {
    let aligned = "NAME                    READY   STATUS             RESTARTS   AGE\n\
                   virt-launcher-a-abcde   1/2     ImagePullBackOff   0          5m\n";
    let squeezed =
        "NAME READY STATUS RESTARTS AGE\r\nvirt-launcher-a-abcde 1/2 ImagePullBackOff 0 5m\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    for u in squeezed.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let want = objects(&parse("a.txt", aligned.as_bytes()));
    assert_eq!(
        want[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ImagePullBackOff"
    );
    assert_eq!(objects(&parse("b.txt", squeezed.as_bytes())), want);
    assert_eq!(objects(&parse("c.txt", &utf16)), want);
}

#[test]
fn cells_that_cannot_be_placed_are_reported_not_guessed() {
    // Single spaces and a blank IP: PHASE is certain, what follows is not.
    let text = "NAME AGE PHASE IP NODENAME READY\ntestvm 19s Failed kf-w-1 False\nNAME READY STATUS RESTARTS AGE\n";
    let Parsed::Text(t) = parse("t.txt", text.as_bytes()) else {
        panic!("text")
    };
    let o = t.objects.objects[0].tree.to_value();
    assert_eq!(o["status"]["phase"], "Failed");
    assert!(o["status"].get("nodeName").is_none());
    let reasons: Vec<String> = t
        .unread
        .iter()
        .map(|u| format!("{}: {}", u.line, u.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "2: a get vmi row whose columns cannot be placed: read 3 of 6 cell(s)",
            "3: a get pods header without rows"
        ]
    );
}

#[test]
fn watch_rows_follow_the_object_and_the_last_one_wins() {
    let text = "$ kubectl get vmi -n prod -w\n\
NAME   AGE   PHASE        IP    NODENAME   READY\n\
db     1s    Pending                       False\n\
db     2s    Scheduling                    False\n\
db     9s    Running      10.128.2.15   worker-0   True\n";
    let mut b = kvdiag::Snapshot::builder();
    b.add_input("watch.txt", text.as_bytes(), &Hint::Auto)
        .into_result()
        .expect("parses");
    let s = b.build();
    let vmi = s
        .objects()
        .iter()
        .find(|o| o.kind == "VirtualMachineInstance")
        .expect("a VMI");
    assert_eq!(s.objects().len(), 1);
    assert_eq!(vmi.str_at(&["status", "phase"]), Some("Running"));
    assert_eq!(vmi.str_at(&["status", "nodeName"]), Some("worker-0"));
    assert_eq!(vmi.origin.line, Some(5));
}

#[test]
fn describe_copies_stand_in_for_objects_only_when_these_were_not_captured() {
    let yaml = "apiVersion: v1\nkind: List\nitems:\n\
- {apiVersion: kubevirt.io/v1, kind: VirtualMachine, metadata: {name: db, namespace: prod, resourceVersion: '5'}, status: {printableStatus: Running}}\n\
- {apiVersion: v1, kind: Event, metadata: {name: e1, namespace: prod}, involvedObject: {kind: VirtualMachine, name: db, namespace: prod}, reason: Started, message: started it, count: 2}\n";
    let describe = [
        "Name:         db",
        "Namespace:    prod",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  kubevirt.io/v1",
        "Kind:         VirtualMachine",
        "Status:",
        "  Printable Status:  Stopped",
        "Events:",
        "  Type    Reason   Age              From                       Message",
        "  ----    ------   ----             ----                       -------",
        "  Normal  Started  5m (x2 over 9m)  virtualmachine-controller  started it",
        "  Normal  Stopped  1m               virtualmachine-controller  stopped it",
    ]
    .join("\n");
    for order in [[0, 1], [1, 0]] {
        let mut b = kvdiag::Snapshot::builder();
        let inputs = [("vm.yaml", yaml), ("db_describe.txt", describe.as_str())];
        for i in order {
            b.add_input(inputs[i].0, inputs[i].1.as_bytes(), &Hint::Auto)
                .into_result()
                .expect("parses");
        }
        let s = b.build();
        let vm: Vec<_> = s
            .objects()
            .iter()
            .filter(|o| o.kind == "VirtualMachine")
            .collect();
        assert_eq!(vm.len(), 1);
        assert_eq!(
            vm[0].str_at(&["status", "printableStatus"]),
            Some("Running"),
            "the captured copy wins"
        );
        let reasons: Vec<_> = s
            .objects()
            .iter()
            .filter(|o| o.kind == "Event")
            .filter_map(|o| o.str_at(&["reason"]))
            .collect();
        assert_eq!(
            reasons.len(),
            2,
            "{reasons:?}: the describe copy of `Started` is not counted twice"
        );
        assert!(reasons.contains(&"Stopped"));
    }
}

#[test]
fn prefixed_logs_belong_to_their_pod_and_container() {
    let text = "[pod/virt-launcher-db-x7k2p/compute] 2024-05-14T10:11:38.091207000Z {\"component\":\"virt-launcher\",\"msg\":\"a\"}\n\
Defaulted container \"compute\" out of: compute, guest-console-log\n\
[pod/virt-launcher-db-x7k2p/guest-console-log] Booting\n\
[pod/virt-launcher-db-x7k2p/compute] 2024-05-14T10:11:39.000000000Z {\"component\":\"virt-launcher\",\"msg\":\"b\"}\n";
    let Parsed::Text(t) = parse("logs.txt", text.as_bytes()) else {
        panic!("text")
    };
    assert_eq!(t.logs.len(), 2);
    let compute = &t.logs[0];
    assert_eq!(compute.source.container.as_deref(), Some("compute"));
    let lines: Vec<(usize, Option<&str>, &str)> = compute
        .lines()
        .map(|l| (l.number, l.timestamp, l.text))
        .collect();
    assert_eq!(
        lines[0],
        (
            1,
            Some("2024-05-14T10:11:38.091207000Z"),
            "{\"component\":\"virt-launcher\",\"msg\":\"a\"}"
        )
    );
    assert_eq!(lines[1].0, 4);
    assert_eq!(
        t.logs[1].source.container.as_deref(),
        Some("guest-console-log")
    );
}

#[test]
fn yaml_and_logs_are_not_taken_for_text() {
    for text in [
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n",
        "{\"component\":\"virt-launcher\",\"msg\":\"Name: x\"}\n",
        "[    0.000000] Linux version 5.14\nName: not a describe\n",
        "Starting systemd-udevd\nlocalhost login: \n",
        "[  OK  ] Started Network Manager.\n$ nmcli connection\nNAME    UUID                                  TYPE      DEVICE\neth0    5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03  ethernet  eth0\nKernel panic - not syncing: Attempted to kill init!\nend trace\n",
    ] {
        assert!(
            !matches!(parse("t", text.as_bytes()), Parsed::Text(_)),
            "{text}"
        );
    }
}

#[test]
fn hostile_text_is_read_in_bounded_time_and_depth() {
    // 2,000 levels of indentation under a describe block, then 50,000 keys without values
    // followed by blank lines: neither recursion nor quadratic look-ahead.
    let mut text = String::from(
        "Name:         db\nNamespace:    prod\nKind:         VirtualMachine\nStatus:\n",
    );
    for d in 1..2_000 {
        text.push_str(&" ".repeat(d));
        text.push_str("Deeper:\n");
    }
    for _ in 0..50_000 {
        text.push_str("Key:\n\n\n");
    }
    // No timed assertion (the project measures speed in benchmarks): a quadratic reader shows
    // as this test taking minutes, a recursive one as a stack overflow.
    let Parsed::Text(t) = parse("deep.txt", text.as_bytes()) else {
        panic!("text")
    };
    assert!(
        t.unread
            .iter()
            .any(|u| u.reason.starts_with("nested deeper than 64 levels")),
        "{:?}",
        t.unread
    );
}

#[test]
fn mangled_text_never_panics() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let seeds: Vec<Vec<u8>> = [
        "text-oom-killed/session.txt",
        "text-kvm-unavailable/nodes.txt",
        "text-unschedulable-resources/session.txt",
        "text-kernel-panic/logs.txt",
        "text-real-pastes/kubevirt-5474.txt",
    ]
    .iter()
    .filter_map(|p| std::fs::read(root.join(p)).ok())
    .collect();
    assert_eq!(seeds.len(), 5);
    // A fixed pseudo-random sequence: the same cases every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    let pieces: [&[u8]; 12] = [
        b"\n",
        b"  ",
        b":",
        b"\t",
        b"(x",
        b"/",
        b"\r\n",
        b"Name:",
        "é›".as_bytes(),
        b"\x1b[3",
        b"^[[",
        b"[pod/a-b/c] ",
    ];
    for round in 0..1_000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..1 + next(20) {
            let at = next(bytes.len());
            match next(4) {
                0 => {
                    let end = (at + next(200)).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => {
                    let p = pieces[next(pieces.len())];
                    bytes.splice(at..at, p.iter().copied());
                }
                2 => bytes.truncate(at),
                _ => {
                    if let Some(b) = bytes.get_mut(at) {
                        *b = b' ';
                    }
                }
            }
        }
        let _ = parse_input(&Arc::from("mangled.txt"), &bytes, &Hint::Auto);
    }
}

#[test]
fn a_line_of_dots_people_cut_a_describe_with_continues_nothing() {
    // Cut as in the KubeVirtVMStuckInStartingState runbook (fixtures/real).
    let text = "Name:          testvmi-ldgrw\nNamespace:     kubevirt-test-default1\nAPI Version:   kubevirt.io/v1\nKind:          VirtualMachineInstance\n...\nStatus:\n  Phase:  Pending\n";
    let objects = objects(&parse("describe-vmi.txt", text.as_bytes()));
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(objects[0]["kind"], "VirtualMachineInstance");
    assert_eq!(objects[0]["status"]["phase"], "Pending");
}

#[test]
fn an_events_table_pasted_alone_becomes_events_placed_by_the_pod_they_name() {
    // The paste of sriov-network-device-plugin issue 388 (fixtures/real), cut to two rows.
    let text = "Events:\n  Type     Reason                  Age                 From               Message\n  ----     ------                  ----                ----               -------\n  Normal   Scheduled               36s                 default-scheduler  Successfully assigned default/virt-launcher-vmi-sriov-rd7f6 to uos-pc\n  Warning  FailedCreatePodSandBox  35s                 kubelet, uos-pc    Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container \"cff5fd943f34\" network for pod \"virt-launcher-vmi-sriov-rd7f6\": networkPlugin cni failed to set up pod \"virt-launcher-vmi-sriov-rd7f6_default\" network: Multus: error getting pod resources\n";
    let events = objects(&parse("events.txt", text.as_bytes()));
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e["kind"] == "Event"));
    assert!(events.iter().all(|e| e.get("involvedObject").is_none()));
    assert_eq!(events[1]["reason"], "FailedCreatePodSandBox");
    // Correlation places them on the VM of the launcher pod their messages name.
    let rules = kvdiag::RuleSet::builtin().expect("rules");
    let mut b = kvdiag::Snapshot::builder();
    b.add_input("events.txt", text.as_bytes(), &Hint::Auto)
        .into_result()
        .expect("parses");
    let report = kvdiag::analyze(&rules, &b.build());
    let d = &report.diagnoses[0];
    assert_eq!(d.cause, "pod-network-failed");
    assert_eq!(
        (d.subject.namespace.as_deref(), d.subject.name.as_str()),
        (Some("default"), "vmi-sriov")
    );
}

#[test]
fn a_message_opening_with_a_parenthesis_stays_the_message() {
    // `kubectl get events -A` rows without header, as pasted in kubevirt issue 7723
    // (fixtures/real), message cut.
    let text = "default     0s          Warning   SyncFailed                        virtualmachineinstance/vm-centos8     (combined from similar events): server error. command SyncVMI failed\n";
    let events = objects(&parse("events.txt", text.as_bytes()));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["involvedObject"]["name"], "vm-centos8");
    assert_eq!(
        events[0]["message"],
        "(combined from similar events): server error. command SyncVMI failed"
    );
}

#[test]
fn a_describe_cut_with_dots_to_a_headerless_events_row_in_bold_is_read() {
    // The paste of NVIDIA/kubevirt-gpu-device-plugin issue 20 (fixtures/real), as posted:
    // Markdown bold around the prompts and the event, the block cut with rows of dots, the
    // Events table without its header; fenced as a Markdown code block.
    let text = "```console\n**[root@node003 ~]# kubectl describe pod virt-launcher-vmi-gpu-sgwp6**\nName:           virt-launcher-vmi-gpu-sgwp6\n...............................................................................\n...............................................................................\nEvents:\n  Warning  **FailedScheduling  4s (x3 over 87s)  default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/GA100_A100_SXM4_40GB.**\n```\n";
    let parsed = parse("session.txt", text.as_bytes());
    let s = summary(&parsed);
    assert_eq!(s["unread"], json!([]), "{s}");
    let objects = objects(&parsed);
    assert_eq!(objects.len(), 2, "{objects:?}");
    // No label says what was described: the command above it does.
    assert_eq!(objects[0]["kind"], "Pod");
    assert_eq!(
        objects[0]["metadata"]["name"],
        "virt-launcher-vmi-gpu-sgwp6"
    );
    let e = &objects[1];
    assert_eq!(e["kind"], "Event");
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["reason"], "FailedScheduling");
    assert_eq!(e["count"], 3);
    assert_eq!(e["source"]["component"], "default-scheduler");
    assert_eq!(e["involvedObject"]["name"], "virt-launcher-vmi-gpu-sgwp6");
    assert_eq!(
        e["message"],
        "0/1 nodes are available: 1 Insufficient nvidia.com/GA100_A100_SXM4_40GB."
    );
}

#[test]
fn headerless_event_rows_under_an_events_label_are_events_and_other_rows_are_not() {
    // The row of the paste above, aligned as kubectl prints it, under a bare `Events:` label.
    let row = "  Warning  FailedScheduling  4s (x3 over 87s)  default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/GA100_A100_SXM4_40GB.";
    let events = objects(&parse(
        "events.txt",
        format!("Events:\n{row}\n{row}\n").as_bytes(),
    ));
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e["reason"] == "FailedScheduling"));
    assert!(events.iter().all(|e| e["count"] == 3));
    // Without the label, or with a first cell that is not an event type, it is not an event.
    for text in [
        format!("{row}\n"),
        "Events:\n  Critical  FailedScheduling  4s  default-scheduler  no\n".to_owned(),
        "Events:\n  Warning  FailedScheduling  soon  default-scheduler  no\n".to_owned(),
    ] {
        let parsed = parse("events.txt", text.as_bytes());
        if let Parsed::Text(t) = &parsed {
            assert!(
                t.objects.objects.is_empty(),
                "{text}: {:?}",
                summary(&parsed)
            );
        }
    }
}

#[test]
fn prose_right_above_headerless_rows_does_not_hide_them() {
    // A sentence, then with no blank line the rows of kubevirt issue 7723 (fixtures/real): the
    // sentence is reported, the rows are read.
    let row = "default     0s          Warning   SyncFailed                        virtualmachineinstance/vm-centos8     (combined from similar events): server error. command SyncVMI failed";
    let parsed = parse(
        "events.txt",
        format!("The events were:\n{row}\n").as_bytes(),
    );
    let s = summary(&parsed);
    assert_eq!(
        s["unread"],
        json!(["line 1: not a kubectl table, describe block or prefixed log line"]),
        "{s}"
    );
    let events = objects(&parsed);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["involvedObject"]["name"], "vm-centos8");
}
