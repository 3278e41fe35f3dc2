//! A small generated must-gather is diagnosed exactly as the generator expects: every failing VM
//! with its template's cause, every healthy VM with nothing at warning or above.

use kvdiag::RuleSet;

#[test]
fn generated_vms_get_their_templates_diagnoses() {
    let out = std::env::temp_dir().join(format!("kvdiag-gen-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = kvdiag_gen::Config {
        vms: 30,
        namespaces: 3,
        nodes: 3,
        log_bytes: 2 << 20,
        operator_log_bytes: 256 << 10,
        irrelevant_bytes: 256 << 10,
        failing_percent: 50,
        seed: 7,
        ..kvdiag_gen::Config::default()
    };
    let summary = kvdiag_gen::generate(&config, &out).expect("generated");
    assert_eq!(summary.expected.len(), 30);
    assert!(summary.expected.values().any(|c| !c.is_empty()));
    std::fs::write(out.join("expected.yaml"), summary.expected_yaml()).expect("written");
    let rules = RuleSet::builtin().expect("rules");
    let outcome = kvdiag_fs::fixture::check_fixture(&out, &rules).expect("checked");
    let _ = std::fs::remove_dir_all(&out);
    assert!(outcome.problems.is_empty(), "{:#?}", outcome.problems);
}

#[test]
fn the_same_seed_writes_the_same_tree() {
    let base = std::env::temp_dir().join(format!("kvdiag-gen-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let config = kvdiag_gen::Config {
        vms: 8,
        namespaces: 2,
        nodes: 2,
        log_bytes: 256 << 10,
        operator_log_bytes: 64 << 10,
        irrelevant_bytes: 64 << 10,
        ..kvdiag_gen::Config::default()
    };
    let a = kvdiag_gen::generate(&config, &base.join("a")).expect("a");
    let b = kvdiag_gen::generate(&config, &base.join("b")).expect("b");
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!((a.files, a.bytes), (b.files, b.bytes));
    assert_eq!(a.expected, b.expected);
}

/// Reading logs as they are streamed (virt-handler and kernel logs cut into excerpts as they
/// pass, launcher logs scanned, only the lines a rule can use kept) gives the report that
/// reading every log whole and then cutting it gives, on a tree with a large virt-handler log,
/// a large kernel log with pod reports, `sysinfo.tgz` files and a JSON-lines log.
#[test]
fn streamed_logs_give_the_report_whole_logs_give_on_a_generated_tree() {
    use kvdiag::{Options, Snapshot, analyze_with};
    let out = std::env::temp_dir().join(format!("kvdiag-gen-stream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = kvdiag_gen::Config {
        vms: 24,
        namespaces: 2,
        nodes: 2,
        log_bytes: 1 << 20,
        operator_log_bytes: 128 << 10,
        irrelevant_bytes: 64 << 10,
        handler_log_bytes: 3 << 20,
        kernel_log_bytes: 2 << 20,
        sysinfo: true,
        json_log_bytes: 256 << 10,
        failing_percent: 50,
        seed: 11,
    };
    kvdiag_gen::generate(&config, &out).expect("generated");
    let rules = RuleSet::builtin().expect("rules");
    let report = |streamed: bool| {
        let mut builder = Snapshot::builder();
        if streamed {
            builder.keep_log_lines_for(&rules);
        }
        kvdiag_fs::add_path(&mut builder, &out).expect("the tree exists");
        analyze_with(&rules, &builder.build(), &Options::default().explain(true)).to_json()
    };
    let (whole, streamed) = (report(false), report(true));
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        whole.contains("virt-handler"),
        "the virt-handler log was read"
    );
    assert!(
        whole == streamed,
        "the streamed report differs from the whole one"
    );
}

/// The paths of every file under `root`, relative to it, sorted.
fn files_under(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// A tar of `paths` under `root`, in that order.
fn tar_of(root: &std::path::Path, paths: &[String]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for p in paths {
        tar.append_path_with_name(root.join(p), p)
            .expect("appended");
    }
    tar.into_inner().expect("a tar")
}

/// An archive of a generated tree gives the report the unpacked tree gives (but for the
/// prefix of its inputs' names), for every compression and zip, whatever the order of its
/// entries: with a virt-handler log larger than the size past which entries are streamed, a
/// node kernel log (read twice: spooled) as large, entries that come before the files that
/// make their folder a must-gather (held, then planned), and entries read in a second pass.
#[test]
fn archives_give_the_report_of_the_unpacked_tree() {
    use kvdiag::{Options, Snapshot, analyze_with};
    use std::io::Write;
    let base = std::env::temp_dir().join(format!("kvdiag-gen-archive-{}", std::process::id()));
    let out = base.join("tree");
    let _ = std::fs::remove_dir_all(&base);
    let big = kvdiag_fs::ARCHIVE_STREAM_BYTES + (1 << 20);
    let config = kvdiag_gen::Config {
        vms: 12,
        namespaces: 2,
        nodes: 2,
        log_bytes: 1 << 20,
        operator_log_bytes: 128 << 10,
        irrelevant_bytes: 64 << 10,
        handler_log_bytes: big,
        kernel_log_bytes: big,
        sysinfo: false,
        json_log_bytes: 0,
        failing_percent: 50,
        seed: 5,
    };
    kvdiag_gen::generate(&config, &out).expect("generated");
    // More marked folders than the planner re-plans for (`config/`: each could be an Insights
    // archive's), first in the forward order: the entries after them are planned only once
    // the listing is complete, and read in a second pass.
    for i in 0..300 {
        let dir = out.join(format!("0-notes-{i:03}/config"));
        std::fs::create_dir_all(&dir).expect("a folder");
        std::fs::write(dir.join("note.txt"), format!("note {i}\n")).expect("a note");
    }
    let rules = RuleSet::builtin().expect("rules");
    let report = |path: &std::path::Path| {
        let mut builder = Snapshot::builder();
        builder.keep_log_lines_for(&rules);
        kvdiag_fs::add_path(&mut builder, path).expect("the input exists");
        let json =
            analyze_with(&rules, &builder.build(), &Options::default().explain(true)).to_json();
        let (from, to) = (path.display().to_string(), out.display().to_string());
        json.replace(&format!("{from}!"), &to).replace(&from, &to)
    };
    let tree = report(&out);
    let mut paths = files_under(&out);
    let forward = tar_of(&out, &paths);
    // Reversed: `timestamp` and the nodes' folders (the kernel log) come before the files that
    // make their folder a must-gather.
    paths.reverse();
    let reversed = tar_of(&out, &paths);
    let gz = |tar: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(tar).expect("gz");
        e.finish().expect("gz")
    };
    let xz = |tar: &[u8]| {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 0);
        e.write_all(tar).expect("xz");
        e.finish().expect("xz")
    };
    let zst = |tar: &[u8]| zstd::stream::encode_all(tar, 1).expect("zstd");
    let zip = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for p in &paths {
            zip.start_file(p.as_str(), zip::write::SimpleFileOptions::default())
                .expect("a zip entry");
            zip.write_all(&std::fs::read(out.join(p)).expect("read"))
                .expect("written");
        }
        zip.finish().expect("a zip").into_inner()
    };
    let archives = [
        ("forward.tar", forward.clone()),
        ("forward.tar.gz", gz(&forward)),
        ("reversed.tar.gz", gz(&reversed)),
        ("reversed.tar.xz", xz(&reversed)),
        ("forward.tar.zst", zst(&forward)),
        ("reversed.zip", zip),
    ];
    let mut differ = Vec::new();
    for (name, bytes) in archives {
        let path = base.join(name);
        std::fs::write(&path, bytes).expect("written");
        if report(&path) != tree {
            differ.push(name);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(
        tree.contains("virt-handler"),
        "the virt-handler log was read"
    );
    assert!(
        differ.is_empty(),
        "{differ:?} differ from the unpacked tree"
    );
}
