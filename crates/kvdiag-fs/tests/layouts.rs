//! Capture layouts and archive forms: a capture reads the same whether it is a tree or an
//! archive in any compression, on disk or on standard input; archives the layout nests are read
//! in place; files that are not evidence are skipped by path.

use std::io::Write;
use std::path::{Path, PathBuf};

use kvdiag::{InputKind, Limits, Report, RuleSet, Snapshot, analyze};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    workspace().join("fixtures").join(name)
}

fn rules() -> RuleSet {
    RuleSet::builtin().expect("rules")
}

fn analyze_path(path: &Path) -> Report {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, path).expect("input exists");
    analyze(&rules(), &builder.build())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvdiag-layouts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
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

/// A plain tar of `dir`'s files under `top/`.
fn tar_of(dir: &Path, top: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for rel in files(dir) {
        tar.append_path_with_name(dir.join(&rel), Path::new(top).join(&rel))
            .expect("append");
    }
    tar.into_inner().expect("tar")
}

fn zip_of(dir: &Path, top: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rel in files(dir) {
        zip.start_file(format!("{top}/{}", rel.to_string_lossy()), options)
            .expect("start");
        zip.write_all(&std::fs::read(dir.join(rel)).expect("read"))
            .expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gz");
    e.finish().expect("gz")
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(data).expect("xz");
    e.finish().expect("xz")
}

fn zst(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).expect("zstd")
}

fn bz2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).expect("bz2");
    e.finish().expect("bz2")
}

/// The causes of each subject at warning or above, as `ns/name: [causes]`.
fn causes(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .subjects
        .iter()
        .map(|s| {
            let mut c: Vec<&str> = report
                .diagnoses_of(&s.subject)
                .filter(|d| d.severity >= kvdiag::Severity::Warning)
                .map(|d| d.cause.code())
                .collect();
            c.sort();
            format!(
                "{}/{}: {c:?}",
                s.subject.namespace.as_deref().unwrap_or(""),
                s.subject.name
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_compressed_tar_gives_the_json_of_the_tree_but_for_the_path_prefix() {
    let dir = workspace().join("examples/sample");
    let top = "must-gather.local.5203181046512837";
    let tree = dir.join(top);
    let from_dir = analyze_path(&tree).to_json();
    let tree_prefix = format!("{}/", dir.display());
    let tar = tar_of(&tree, top);
    let out = temp_dir("compressed");
    for (name, bytes) in [
        ("capture.tar.xz", xz(&tar)),
        ("capture.tar.zst", zst(&tar)),
        ("capture.tar.bz2", bz2(&tar)),
    ] {
        let path = out.join(name);
        std::fs::write(&path, bytes).expect("write");
        let from_archive = analyze_path(&path).to_json();
        let expected = from_dir.replace(&tree_prefix, &format!("{}!/", path.display()));
        assert!(from_archive == expected, "{name} differs from the tree");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn standard_input_is_recognised_by_its_magic_bytes() {
    let dir = fixture("oom-killed");
    let tar = tar_of(&dir, "case");
    let compute = std::fs::read(dir.join("compute.log")).expect("log");
    for (what, bytes) in [
        ("tar", tar.clone()),
        ("tar.gz", gz(&tar)),
        ("tar.xz", xz(&tar)),
        ("tar.zst", zst(&tar)),
        ("tar.bz2", bz2(&tar)),
        ("zip", zip_of(&dir, "case")),
    ] {
        let mut builder = Snapshot::builder();
        kvdiag_fs::add_reader(&mut builder, bytes.as_slice()).expect("reads");
        let report = analyze(&rules(), &builder.build());
        assert_eq!(
            causes(&report),
            ["prod-db/rhel9-db: [\"oom-killed\"]"],
            "{what}"
        );
        assert!(
            report
                .inputs
                .read
                .iter()
                .any(|r| &*r.source == "-!/case/pods.json"),
            "{what}: {:?}",
            report.inputs.read
        );
        assert!(
            report.inputs.failed.is_empty(),
            "{what}: {:?}",
            report.inputs.failed
        );
    }
    // One compressed file, not an archive: its content decides.
    for bytes in [gz(&compute), xz(&compute), zst(&compute), bz2(&compute)] {
        let mut builder = Snapshot::builder();
        kvdiag_fs::add_reader(&mut builder, bytes.as_slice()).expect("reads");
        let snapshot = builder.build();
        assert_eq!(snapshot.logs().len(), 1);
        assert_eq!(
            snapshot.logs()[0].source.container.as_deref(),
            Some("compute")
        );
    }
    // Past the limit: reported, not read.
    let mut builder = Snapshot::builder();
    let mut limits = Limits::default();
    limits.decompressed_bytes = 100;
    builder.limits(limits);
    kvdiag_fs::add_reader(&mut builder, tar.as_slice()).expect("reads");
    let snapshot = builder.build();
    let failed = &snapshot.inputs().failed;
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].reason.contains("decompressed size limit"),
        "{failed:?}"
    );
    assert!(snapshot.objects().is_empty());
}

#[test]
fn a_json_lines_launcher_log_named_json_is_read_as_a_log() {
    let src = fixture("qemu-crash-signal");
    let out = temp_dir("json-log");
    for f in ["vm.yaml", "vmi.yaml", "pods.json", "events.yaml"] {
        std::fs::copy(src.join(f), out.join(f)).expect("copy");
    }
    std::fs::copy(src.join("compute.log"), out.join("compute.json")).expect("copy");
    let report = analyze_path(&out);
    let qemu = report
        .diagnoses
        .iter()
        .find(|d| d.cause.code() == "qemu-crash")
        .expect("qemu-crash");
    assert!(
        qemu.evidence.iter().any(
            |e| matches!(e, kvdiag::Evidence::Log { log, .. } if log.origin.ends_with("compute.json"))
        ),
        "{:#?}",
        qemu.evidence
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_must_gathers_insights_archive_is_read_as_part_of_the_must_gather() {
    let out = temp_dir("insights-in-mg");
    let tree = fixture("inspect-tree").join("inspect.local.4413089238144307");
    let mg = out.join("must-gather.local.1");
    for rel in files(&tree) {
        let to = mg.join(&rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(tree.join(&rel), to).expect("copy");
    }
    let insights = "insights-2024-05-14-101203.tar.gz";
    let data = mg.join("insights-data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::copy(
        fixture("insights-archive").join(insights),
        data.join(insights),
    )
    .expect("copy");

    let check = |report: &Report, name: &str| {
        assert_eq!(
            causes(report),
            [
                "ci/nested-lab: [\"qemu-crash\"]",
                "data-science/rhel9-notebook: [\"dv-not-ready\"]",
                "default/centos-stream10-gray-skunk-52: []",
                "dev/fedora-builder: [\"image-pull-failed\"]",
                "web/intranet-portal: []",
            ],
            "{name}"
        );
        let vmi = report
            .inputs
            .read
            .iter()
            .find(|r| r.source.ends_with(&format!("insights-data/{insights}!/config/virtualmachineinstances/dev/fedora-builder.json")))
            .unwrap_or_else(|| panic!("{name}: the Insights VMI is not read"));
        assert_eq!(vmi.kind, InputKind::Insights);
        // One capture: the must-gather's (its time is the must-gather's timestamp file).
        let ct = report.capture_time.clone().expect("capture time");
        assert_eq!(
            ct.time.to_string(),
            "2024-05-21T09:31:19.662019373Z",
            "{name}"
        );
    };
    check(&analyze_path(&mg), "tree");
    // The same must-gather packed: the Insights archive is then an archive inside an archive.
    let packed = out.join("mg.tar.gz");
    std::fs::write(&packed, gz(&tar_of(&mg, "must-gather.local.1"))).expect("write");
    check(&analyze_path(&packed), "tar.gz");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_harvester_bundle_zip_reads_its_node_zips_in_place() {
    let dir = fixture("harvester-bundle");
    let top = "supportbundle_0b7e4f3a-5c2d-4e8b-9a1f-6d3c2b1a0e9f_2024-05-17T18-30-00Z";
    let out = temp_dir("harvester");
    let zip = out.join(format!("{top}.zip"));
    std::fs::write(&zip, zip_of(&dir.join(top), top)).expect("write");
    let from_zip = analyze_path(&zip);
    let from_dir = analyze_path(&dir);
    assert_eq!(causes(&from_zip), ["ci/build-runner-3: [\"qemu-crash\"]"]);
    assert_eq!(causes(&from_zip), causes(&from_dir));
    let node = "worker-1.ocp4.lab.example.com";
    let kernel = format!("nodes/{node}.zip!/{node}/logs/kernel.log");
    for report in [&from_zip, &from_dir] {
        let read = &report.inputs.read;
        assert!(
            read.iter()
                .any(|r| r.source.ends_with(&kernel) && r.kind == InputKind::SupportBundle),
            "{read:?}"
        );
        let skipped: Vec<&str> = report
            .inputs
            .skipped
            .iter()
            .map(|s| &*s.source)
            .filter(|s| s.contains(".zip!/"))
            .collect();
        for f in [
            "etc/hostname",
            "etc/os-release",
            ".txz",
            "containerd-images.log",
        ] {
            assert!(
                skipped.iter().any(|s| s.ends_with(f) || s.contains(f)),
                "{f}: {skipped:?}"
            );
        }
        let ct = report.capture_time.clone().expect("capture time");
        assert_eq!(ct.time.to_string(), "2024-05-17T18:30:00Z");
        assert!(ct.file.is_some_and(|f| f.ends_with("metadata.yaml")));
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_nested_archive_larger_than_what_is_left_of_the_limit_is_reported_not_read() {
    let out = temp_dir("nested-limit");
    let mg = out.join("mg");
    let ns = mg.join("img/namespaces/x");
    std::fs::create_dir_all(&ns).expect("mkdir");
    std::fs::write(ns.join("x.yaml"), "kind: Namespace\nmetadata: {name: x}\n").expect("write");
    let data = mg.join("img/insights-data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let insights = "insights-2024-05-14-101203.tar.gz";
    std::fs::copy(
        fixture("insights-archive").join(insights),
        data.join(insights),
    )
    .expect("copy");
    let tar = out.join("mg.tar");
    std::fs::write(&tar, tar_of(&mg, "mg")).expect("write");
    let mut builder = Snapshot::builder();
    let mut limits = Limits::default();
    limits.decompressed_bytes = 2000;
    builder.limits(limits);
    kvdiag_fs::add_path(&mut builder, &tar).expect("exists");
    let snapshot = builder.build();
    let failed = &snapshot.inputs().failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].source.ends_with(insights), "{failed:?}");
    assert!(
        failed[0]
            .reason
            .contains("archive inside an archive larger than"),
        "{failed:?}"
    );
    assert!(snapshot.objects().is_empty());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_nested_archives_bytes_count_towards_the_outer_archives_limit() {
    let out = temp_dir("nested-count");
    let mg = out.join("mg");
    let data = mg.join("img/insights-data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::create_dir_all(mg.join("img/namespaces/x")).expect("mkdir");
    std::fs::write(
        mg.join("img/namespaces/x/x.yaml"),
        "kind: Namespace\nmetadata: {name: x}\n",
    )
    .expect("write");
    let insights = "insights-2024-05-14-101203.tar.gz";
    let packed = std::fs::read(fixture("insights-archive").join(insights)).expect("fixture");
    std::fs::write(data.join(insights), &packed).expect("write");
    let mut nested = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(packed.as_slice()),
        &mut nested,
    )
    .expect("gunzip");
    let outer = tar_of(&mg, "mg");
    let path = out.join("mg.tar.gz");
    std::fs::write(&path, gz(&outer)).expect("write");
    // Each level alone is within the limit; both together are not.
    let mut limits = Limits::default();
    limits.decompressed_bytes = (outer.len().max(nested.len()) + 512) as u64;
    assert!((outer.len() + nested.len()) as u64 > limits.decompressed_bytes + 4096);
    let mut builder = Snapshot::builder();
    builder.limits(limits);
    kvdiag_fs::add_path(&mut builder, &path).expect("exists");
    let snapshot = builder.build();
    let failed = &snapshot.inputs().failed;
    assert!(
        failed
            .iter()
            .any(|f| f.source.ends_with(insights) && f.reason.contains("decompressed size limit")),
        "{failed:?}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn cut_or_damaged_archives_of_every_format_never_panic() {
    use kvdiag_fs::layout::ArchiveKind;
    let tree = fixture("harvester-bundle");
    let tar = tar_of(&tree, "b");
    let zip = zip_of(&tree, "b");
    let mut limits = Limits::default();
    limits.decompressed_bytes = 8 << 20;
    for (kind, bytes) in [
        (ArchiveKind::TarXz, xz(&tar)),
        (ArchiveKind::TarZst, zst(&tar)),
        (ArchiveKind::TarBz2, bz2(&tar)),
        (ArchiveKind::Zip, zip),
    ] {
        for i in 0..24 {
            let cut = bytes.len() * i / 24;
            let mut damaged = bytes.clone();
            if let Some(b) = damaged.get_mut(cut) {
                *b ^= 0x5a;
            }
            for input in [&bytes[..cut], damaged.as_slice()] {
                let mut builder = Snapshot::builder();
                builder.limits(limits.clone());
                kvdiag_fs::add_archive_bytes(&mut builder, "x", kind, input);
                let mut builder = Snapshot::builder();
                builder.limits(limits.clone());
                kvdiag_fs::add_reader(&mut builder, input).expect("in memory");
            }
        }
    }
}

/// Files are opened by their name in the report when it is their path; a name that is not
/// UTF-8 is shown with U+FFFD, and the file is still opened by its own path.
#[cfg(unix)]
#[test]
fn a_file_whose_name_is_not_utf8_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let src = fixture("qemu-crash-signal");
    let out = temp_dir("not-utf8");
    let odd = out.join(std::ffi::OsStr::from_bytes(b"vm-\xff.yaml"));
    std::fs::copy(src.join("vm.yaml"), &odd).expect("copy");
    std::fs::copy(src.join("vmi.yaml"), out.join("vmi.yaml")).expect("copy");
    let report = analyze_path(&out);
    let read: Vec<&str> = report.inputs.read.iter().map(|r| &*r.source).collect();
    assert!(
        read.iter().any(|s| s.ends_with("vm-\u{FFFD}.yaml")),
        "{read:?}"
    );
    assert!(
        report.inputs.failed.is_empty(),
        "{:?}",
        report.inputs.failed
    );
    assert!(
        report
            .subjects
            .iter()
            .any(|s| s.subject.kind == "VirtualMachine"),
        "the VM of the file not named in UTF-8: {:?}",
        report.subjects
    );
    let _ = std::fs::remove_dir_all(&out);
}
