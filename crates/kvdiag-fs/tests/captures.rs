//! Real capture shapes: archives read like the unpacked tree, logs of a must-gather reaching
//! the right VM (node kernel logs by pod cgroup, `--vms_details` QEMU logs and domain XML), and
//! what the report says was read.

use std::io::Write;
use std::path::{Path, PathBuf};

use kvdiag::{Report, RuleSet, Severity, Snapshot, analyze};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sample() -> PathBuf {
    workspace().join("examples/sample/must-gather.local.5203181046512837")
}

fn analyze_with(rules: &RuleSet, path: &Path) -> Report {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, path).expect("input exists");
    analyze(rules, &builder.build())
}

fn test_rules() -> RuleSet {
    let mut b = RuleSet::builder();
    kvdiag_fs::add_rules(
        &mut b,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules"),
    )
    .expect("rules");
    b.build().expect("test rules load")
}

/// Every file under `dir`, relative, in name order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("under dir").to_owned());
            }
        }
    }
    out.sort();
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvdiag-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Packs `dir` as `<top>/...` into a .tar.gz and a .zip, in a scrambled entry order so that
/// the reader cannot rely on the archive's order.
fn pack(dir: &Path, top: &str, out: &Path) -> (PathBuf, PathBuf) {
    let mut entries = files(dir);
    entries.reverse();
    let tgz = out.join("capture.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz).expect("create"),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for rel in &entries {
        tar.append_path_with_name(dir.join(rel), Path::new(top).join(rel))
            .expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gz");

    let zip_path = out.join("capture.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("create"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rel in &entries {
        let name = format!("{top}/{}", rel.to_string_lossy());
        zip.start_file(name, options).expect("start");
        zip.write_all(&std::fs::read(dir.join(rel)).expect("read"))
            .expect("write");
    }
    zip.finish().expect("zip");
    (tgz, zip_path)
}

#[test]
fn a_tree_its_tar_gz_and_its_zip_give_the_same_json_but_for_the_path_prefix() {
    let rules = RuleSet::builtin().expect("rules");
    let dir = sample();
    let top = "must-gather.local.5203181046512837";
    let out = temp_dir("archives");
    let (tgz, zip) = pack(&dir, top, &out);

    let from_dir = analyze_with(&rules, &dir).to_json();
    // Entries are named `<archive>!/<path inside>`; the tree's files `<tree>/<path inside>`.
    let tree_prefix = format!("{}/", dir.parent().expect("parent").display());
    assert!(from_dir.contains(&tree_prefix));
    for archive in [&tgz, &zip] {
        let from_archive = analyze_with(&rules, archive).to_json();
        let expected = from_dir.replace(&tree_prefix, &format!("{}!/", archive.display()));
        assert!(
            from_archive == expected,
            "{} differs from the tree",
            archive.display()
        );
    }
    // The report is not empty, and read the same number of files.
    let v: serde_json::Value = serde_json::from_str(&from_dir).expect("json");
    assert_eq!(v["summary"]["subjects"], 6);
    assert!(v["inputs"]["read"].as_array().is_some_and(|r| r.len() > 40));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_damaged_archive_is_reported_and_stops_nothing() {
    let out = temp_dir("damaged");
    let bad = out.join("broken.tar.gz");
    std::fs::write(&bad, b"\x1f\x8b\x08\x00 not really gzip").expect("write");
    let rules = RuleSet::builtin().expect("rules");
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, &bad).expect("exists");
    kvdiag_fs::add_path(&mut builder, &workspace().join("fixtures/oom-killed")).expect("exists");
    let report = analyze(&rules, &builder.build());
    assert_eq!(report.inputs.failed.len(), 1, "{:?}", report.inputs.failed);
    assert!(report.inputs.failed[0].source.ends_with("broken.tar.gz"));
    assert_eq!(report.diagnoses[0].cause.code(), "oom-killed");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn node_kernel_oom_lines_reach_only_the_vm_whose_pod_cgroup_they_name() {
    let report = analyze_with(&test_rules(), &sample());
    let kernel: Vec<_> = report
        .diagnoses
        .iter()
        .filter(|d| d.rule == "test/kernel-memcg-oom")
        .collect();
    assert_eq!(kernel.len(), 1, "{kernel:#?}");
    let d = kernel[0];
    assert_eq!(d.subject.name, "web-cache");
    assert_eq!(
        d.summary,
        "qemu-kvm of pod virt-launcher-web-cache-bxj59 killed by the kernel"
    );
    let kvdiag::Evidence::Log { log, line, .. } = &d.evidence[0] else {
        panic!("log evidence")
    };
    assert!(
        log.origin
            .ends_with("nodes/worker-0.ocp4.lab.example.com/dmesg")
    );
    assert_eq!(log.node.as_deref(), Some("worker-0.ocp4.lab.example.com"));
    assert_eq!(log.pod.as_deref(), Some("virt-launcher-web-cache-bxj59"));
    assert_eq!(*line, 29, "the line number is the file's");
}

#[test]
fn vms_details_qemu_logs_and_domain_xml_reach_their_vm() {
    let report = analyze_with(&test_rules(), &sample());
    let of = |rule: &str| {
        let mut v: Vec<String> = report
            .diagnoses
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| d.summary.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        of("test/qemu-log-attached"),
        ["QEMU log of web-frontend-01", "QEMU log of web-legacy"]
    );
    assert_eq!(
        of("test/domain-xml-attached"),
        [
            "domain XML of web-frontend-01 from virt-launcher-web-frontend-01-8rjq5",
            "domain XML of web-legacy from virt-launcher-web-legacy-wmx8x"
        ]
    );
    // Nothing else than these VMs; info only.
    assert!(
        report
            .diagnoses
            .iter()
            .all(|d| d.severity == Severity::Info || d.rule == "test/kernel-memcg-oom")
    );
}

#[test]
fn the_report_says_what_was_read_skipped_and_when_the_capture_ended() {
    let report = analyze_with(&RuleSet::builtin().expect("rules"), &sample());
    let ct = report.capture_time.clone().expect("capture time");
    assert_eq!(ct.time.to_string(), "2024-05-14T10:29:58.377514108Z");
    assert_eq!(ct.source, kvdiag::CaptureTimeSource::TimestampFile);
    assert!(
        ct.file
            .is_some_and(|f| f.ends_with("must-gather.local.5203181046512837/timestamp"))
    );
    let i = &report.inputs;
    assert_eq!(i.by_kind.len(), 1);
    assert_eq!(i.by_kind[0].kind, kvdiag::InputKind::MustGather);
    assert_eq!(i.by_kind[0].read, i.read.len());
    let reasons: Vec<&str> = i
        .skipped_by_reason
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert!(reasons.contains(&"secrets are never read"), "{reasons:?}");
    assert!(reasons.contains(&"copy of an object already read from its list file"));
    // Secrets are never opened, so never read.
    assert!(i.read.iter().all(|r| !r.source.contains("secrets")));
    // Each VM's objects were parsed once: its VM file copies were not read.
    assert!(
        i.read
            .iter()
            .all(|r| !r.source.contains("/virtualmachines/custom/"))
    );
    assert!(i.read.iter().all(|r| !r.source.contains("/crs/")));
}

#[test]
fn a_loose_kernel_log_reaches_the_vm_whose_pod_cgroup_it_names() {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, &workspace().join("fixtures/loose-files")).expect("exists");
    let snapshot = builder.build();
    let subjects = kvdiag::correlate(&snapshot);
    let (machines, others): (Vec<_>, Vec<_>) = subjects.iter().partition(|s| s.listed_always());
    assert_eq!(machines.len(), 1, "{subjects:?}");
    // The rest of the kernel log is the node's own: its subject, not the VM's.
    assert_eq!(others.len(), 1, "{others:?}");
    assert_eq!(others[0].role, kvdiag::correlate::Role::Node);
    assert_eq!(others[0].id.name, "worker-1.ocp4.lab.example.com");
    let node_lines: Vec<usize> = snapshot
        .log(others[0].logs[0])
        .lines()
        .map(|l| l.number)
        .collect();
    assert!(
        !node_lines.contains(&4) && !node_lines.contains(&5),
        "{node_lines:?}"
    );
    let kernel: Vec<_> = machines[0]
        .logs
        .iter()
        .map(|&id| snapshot.log(id))
        .filter(|l| l.source.kind == Some(kvdiag::LogKind::Kernel))
        .collect();
    assert_eq!(kernel.len(), 1);
    let excerpt = kernel[0];
    assert_eq!(
        excerpt.source.pod.as_deref(),
        Some("virt-launcher-billing-app-fb249")
    );
    // The cgroup line (5) and the line printed in the same second (4); not the earlier ones.
    let numbers: Vec<usize> = excerpt.lines().map(|l| l.number).collect();
    assert_eq!(numbers, [4, 5]);
}
