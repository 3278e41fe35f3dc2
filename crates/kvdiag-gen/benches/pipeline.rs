//! Benchmarks of each stage on generated data: `cargo bench -p kvdiag-gen`.
//!
//! - `parse`: a generated `core/pods.yaml` list file (25 launcher pods with managedFields) as
//!   YAML through kvdiag's reader (fast path), through serde-saphyr alone, and as JSON;
//! - `logs`: a generated virt-launcher `compute` log (8 MiB) scanned at read time with the
//!   built-in rules' filter, against holding it whole first and filtering it after;
//! - `node_logs`: a generated 32 MiB virt-handler log and a 32 MiB node kernel log cut into
//!   their per-VMI and per-pod excerpts as they are read, against holding them whole first;
//! - `correlate` and `evaluate`: a generated must-gather of 200 VMs, read once;
//! - `one_vm`: one captured VM embedded as a library, rules precompiled: pod, VMI, VM, 100
//!   events and a 10,000-line compute log.
//!
//! Benchmarks measure; no test asserts a timing. BENCHMARKS.md has the numbers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use divan::{Bencher, black_box, counter::BytesCount, counter::ItemsCount};
use kvdiag::parse::{LogScanner, LogSource, LogStream};
use kvdiag::{RuleSet, Snapshot, Subject};
use serde_json::Value;

fn main() {
    divan::main();
}

static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| RuleSet::builtin().unwrap_or_else(|e| panic!("rules: {e}")));

/// A generated must-gather of 200 VMs (10% failing), written once per run.
static TREE: LazyLock<PathBuf> = LazyLock::new(|| {
    let out = std::env::temp_dir().join(format!("kvdiag-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = kvdiag_gen::Config {
        vms: 200,
        namespaces: 8,
        nodes: 6,
        log_bytes: 80 << 20,
        operator_log_bytes: 8 << 20,
        irrelevant_bytes: 4 << 20,
        failing_percent: 10,
        seed: 42,
        ..kvdiag_gen::Config::default()
    };
    match kvdiag_gen::generate(&config, &out) {
        Ok(summary) => summary.root,
        Err(e) => panic!("generating the bench tree: {e}"),
    }
});

/// A small must-gather whose first node has a 32 MiB virt-handler log (lines about its VMIs)
/// and a 32 MiB kernel log (a pod's memory cgroup report every 5,000 lines).
static NODE_LOGS_TREE: LazyLock<PathBuf> = LazyLock::new(|| {
    let out = std::env::temp_dir().join(format!("kvdiag-bench-node-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = kvdiag_gen::Config {
        vms: 40,
        namespaces: 2,
        nodes: 2,
        log_bytes: 4 << 20,
        operator_log_bytes: 1 << 20,
        irrelevant_bytes: 1 << 20,
        handler_log_bytes: 32 << 20,
        kernel_log_bytes: 32 << 20,
        seed: 42,
        ..kvdiag_gen::Config::default()
    };
    match kvdiag_gen::generate(&config, &out) {
        Ok(summary) => summary.root,
        Err(e) => panic!("generating the node logs tree: {e}"),
    }
});

/// The largest file under the node logs tree whose path ends with `suffix`.
fn read_largest(suffix: &str) -> Vec<u8> {
    fn walk(dir: &Path, suffix: &str, best: &mut Option<(u64, PathBuf)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, suffix, best);
            } else if p.to_string_lossy().ends_with(suffix) {
                let len = entry.metadata().map_or(0, |m| m.len());
                if best.as_ref().is_none_or(|(l, _)| len > *l) {
                    *best = Some((len, p));
                }
            }
        }
    }
    let mut best = None;
    walk(&NODE_LOGS_TREE, suffix, &mut best);
    best.and_then(|(_, p)| std::fs::read(p).ok())
        .unwrap_or_else(|| panic!("no {suffix} in the node logs tree"))
}

static HANDLER_LOG: LazyLock<Vec<u8>> =
    LazyLock::new(|| read_largest("/virt-handler/logs/current.log"));
static KERNEL_LOG: LazyLock<Vec<u8>> = LazyLock::new(|| read_largest("/dmesg"));

fn handler_source() -> LogSource {
    LogSource {
        namespace: Some("openshift-cnv".into()),
        pod: Some("virt-handler-abcde".into()),
        container: Some("virt-handler".into()),
        ..LogSource::new("current.log")
    }
}

fn kernel_source() -> LogSource {
    LogSource {
        node: Some("worker-0".into()),
        kind: Some(kvdiag::parse::LogKind::Kernel),
        ..LogSource::new("dmesg")
    }
}

/// A node log held whole, cut into excerpts, each filtered: how kvdiag read them before.
fn whole_then_split(source: LogSource, bytes: &[u8]) -> kvdiag::Parsed {
    let filter = RULES.log_filter();
    match kvdiag::parse::log_parsed(LogStream::parse(source, bytes)) {
        kvdiag::Parsed::Logs(logs) => {
            kvdiag::Parsed::Logs(logs.into_iter().map(|l| l.filtered(&filter)).collect())
        }
        other => other,
    }
}

mod node_logs {
    use super::*;
    use kvdiag::parse::{KernelAnchors, SplitScanner};

    /// A 32 MiB virt-handler log cut into per-VMI excerpts as its 64 KiB chunks pass.
    #[divan::bench(sample_count = 20)]
    fn handler_split_at_read_time(b: Bencher) {
        let filter = RULES.log_filter();
        b.counter(BytesCount::of_slice(&*HANDLER_LOG)).bench(|| {
            let mut s = SplitScanner::handler(handler_source(), &filter);
            for chunk in HANDLER_LOG.chunks(64 * 1024) {
                s.push(chunk);
            }
            s.finish()
        });
    }

    #[divan::bench(sample_count = 20)]
    fn handler_whole_then_split(b: Bencher) {
        b.counter(BytesCount::of_slice(&*HANDLER_LOG))
            .bench(|| whole_then_split(handler_source(), black_box(&HANDLER_LOG)));
    }

    /// A 32 MiB kernel log read twice: its anchors, then cut into per-pod excerpts.
    #[divan::bench(sample_count = 20)]
    fn kernel_split_in_two_readings(b: Bencher) {
        let filter = RULES.log_filter();
        b.counter(BytesCount::of_slice(&*KERNEL_LOG)).bench(|| {
            let mut anchors = KernelAnchors::new(64 * 1024);
            for chunk in KERNEL_LOG.chunks(64 * 1024) {
                anchors.push(chunk);
            }
            let mut s = SplitScanner::kernel(kernel_source(), &filter, anchors.finish());
            for chunk in KERNEL_LOG.chunks(64 * 1024) {
                s.push(chunk);
            }
            s.finish()
        });
    }

    #[divan::bench(sample_count = 20)]
    fn kernel_whole_then_split(b: Bencher) {
        b.counter(BytesCount::of_slice(&*KERNEL_LOG))
            .bench(|| whole_then_split(kernel_source(), black_box(&KERNEL_LOG)));
    }
}

fn find(dir: &Path, suffix: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(found) = find(&p, suffix) {
                return Some(found);
            }
        } else if p.to_string_lossy().ends_with(suffix) {
            return Some(p);
        }
    }
    None
}

fn read(suffix: &str) -> Vec<u8> {
    let path = find(&TREE, suffix).unwrap_or_else(|| panic!("no {suffix} in the bench tree"));
    std::fs::read(path).unwrap_or_default()
}

static PODS_YAML: LazyLock<Vec<u8>> = LazyLock::new(|| read("/vms-000/core/pods.yaml"));
static PODS_JSON: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let docs =
        kvdiag::parse::yaml::documents::<Value>(&PODS_YAML, kvdiag::parse::yaml::data_options())
            .unwrap_or_default();
    serde_json::to_vec_pretty(&docs.first().cloned().unwrap_or(Value::Null)).unwrap_or_default()
});

mod parse {
    use super::*;

    #[divan::bench]
    fn yaml_pods_list(b: Bencher) {
        let name: Arc<str> = Arc::from("pods.yaml");
        b.counter(BytesCount::of_slice(&*PODS_YAML))
            .bench(|| kvdiag::parse::parse_documents(black_box(&PODS_YAML), &name));
    }

    #[divan::bench]
    fn yaml_pods_list_serde_saphyr(b: Bencher) {
        b.counter(BytesCount::of_slice(&*PODS_YAML)).bench(|| {
            kvdiag::parse::yaml::documents::<Value>(
                black_box(&PODS_YAML),
                kvdiag::parse::yaml::data_options(),
            )
        });
    }

    #[divan::bench]
    fn json_pods_list(b: Bencher) {
        let name: Arc<str> = Arc::from("pods.json");
        b.counter(BytesCount::of_slice(&*PODS_JSON))
            .bench(|| kvdiag::parse::parse_documents(black_box(&PODS_JSON), &name));
    }
}

/// A virt-launcher compute log of 8 MiB: the healthy VM's lines, and a failing VM's crash lines.
static COMPUTE_LOG: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let one = read("/compute/compute/logs/current.log");
    let mut log = Vec::with_capacity(8 << 20);
    while log.len() < 8 << 20 {
        log.extend_from_slice(&one);
    }
    log
});

fn launcher_source() -> LogSource {
    LogSource {
        namespace: Some("vms-000".into()),
        pod: Some("virt-launcher-web-00001-abcde".into()),
        container: Some("compute".into()),
        ..LogSource::new("compute.log")
    }
}

mod logs {
    use super::*;

    /// What kvdiag does with container logs: the literal prefilter over 64 KiB chunks as they
    /// are read, the regexes of the patterns whose literals a candidate line holds.
    #[divan::bench]
    fn scan_at_read_time(b: Bencher) {
        let filter = RULES.log_filter();
        b.counter(BytesCount::of_slice(&*COMPUTE_LOG)).bench(|| {
            let mut s = LogScanner::new(launcher_source(), &filter);
            for chunk in COMPUTE_LOG.chunks(64 * 1024) {
                s.push(chunk);
            }
            s.finish()
        });
    }

    /// The way of logs read whole (loose logs): every line held, then filtered.
    #[divan::bench]
    fn whole_stream_then_filtered(b: Bencher) {
        let filter = RULES.log_filter();
        b.counter(BytesCount::of_slice(&*COMPUTE_LOG)).bench(|| {
            LogStream::parse(launcher_source(), black_box(&COMPUTE_LOG)).filtered(&filter)
        });
    }
}

static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(|| {
    let mut b = Snapshot::builder();
    b.keep_log_lines_for(&RULES);
    if let Err(e) = kvdiag_fs::add_path(&mut b, &TREE) {
        panic!("reading the bench tree: {e}");
    }
    b.build()
});

static SUBJECTS: LazyLock<Vec<Subject>> = LazyLock::new(|| kvdiag::correlate(&SNAPSHOT));

mod stages {
    use super::*;

    /// Read, parse and scan the whole generated tree (200 VMs, ~100 MB) with kvdiag-fs.
    #[divan::bench(sample_count = 10)]
    fn read_tree(b: Bencher) {
        b.bench(|| {
            let mut s = Snapshot::builder();
            s.keep_log_lines_for(&RULES);
            kvdiag_fs::add_path(&mut s, &TREE).map(|()| s.build())
        });
    }

    /// Group the snapshot's objects and logs into subjects.
    #[divan::bench]
    fn correlate(b: Bencher) {
        b.counter(ItemsCount::new(SUBJECTS.len()))
            .bench(|| kvdiag::correlate(black_box(&SNAPSHOT)));
    }

    /// Every rule on every subject (counter: per subject).
    #[divan::bench]
    fn evaluate_per_subject(b: Bencher) {
        b.counter(ItemsCount::new(SUBJECTS.len())).bench(|| {
            SUBJECTS
                .iter()
                .map(|s| kvdiag::evaluate(&RULES, &SNAPSHOT, s).len())
                .sum::<usize>()
        });
    }
}

/// One VM as an embedding program holds it: pod, VMI, VM and 100 events as JSON values, and a
/// 10,000-line compute log.
struct OneVm {
    objects: Vec<Value>,
    log: Vec<u8>,
}

static ONE_VM: LazyLock<OneVm> = LazyLock::new(|| {
    let parse = |suffix: &str| -> Vec<Value> {
        let bytes = read(suffix);
        kvdiag::parse::parse_documents(&bytes, &Arc::from(suffix))
            .map(|d| d.objects.into_iter().map(|o| o.tree.to_value()).collect())
            .unwrap_or_default()
    };
    // The first namespace's first VM: its pod, VMI, VM and events (repeated to 100).
    let pods = parse("/vms-000/core/pods.yaml");
    let pod = pods.first().cloned().unwrap_or(Value::Null);
    let vm_name = pod
        .pointer("/metadata/annotations/kubevirt.io~1domain")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let named = |v: &Value| v.pointer("/metadata/name").and_then(Value::as_str) == Some(&vm_name);
    let mut objects = vec![pod.clone()];
    objects.extend(
        parse("/vms-000/kubevirt.io/virtualmachineinstances.yaml")
            .into_iter()
            .filter(named),
    );
    objects.extend(
        parse("/vms-000/kubevirt.io/virtualmachines.yaml")
            .into_iter()
            .filter(named),
    );
    let events: Vec<Value> = parse("/vms-000/core/events.yaml")
        .into_iter()
        .filter(|e| {
            e.pointer("/involvedObject/name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(&vm_name))
        })
        .collect();
    for i in 0..100 {
        if let Some(mut e) = events.get(i % events.len().max(1)).cloned() {
            if let Some(Value::Object(m)) = e.get_mut("metadata") {
                m.insert("name".into(), Value::String(format!("{vm_name}.{i:016x}")));
            }
            objects.push(e);
        }
    }
    let one = read("/compute/compute/logs/current.log");
    let lines: Vec<&[u8]> = one
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut log = Vec::new();
    for i in 0..10_000 {
        log.extend_from_slice(lines[i % lines.len()]);
        log.push(b'\n');
    }
    OneVm { objects, log }
});

mod one_vm {
    use super::*;

    fn source() -> LogSource {
        launcher_source()
    }

    /// Objects given as values, the log already read into a stream, rules precompiled.
    #[divan::bench]
    fn analyze_log_in_memory(b: Bencher) {
        let log = LogStream::parse(source(), &ONE_VM.log);
        b.with_inputs(|| (ONE_VM.objects.clone(), log.clone()))
            .bench_values(|(objects, log)| {
                let mut s = Snapshot::builder();
                for (i, v) in objects.into_iter().enumerate() {
                    let _ = s.add_value(v, kvdiag::Origin::new(format!("object {i}")));
                }
                s.add_log(log);
                kvdiag::analyze(&RULES, &s.build())
            });
    }

    /// The same, with the log given as its 10,000 lines of text and scanned as it is added.
    #[divan::bench]
    fn analyze_log_as_text(b: Bencher) {
        let filter = RULES.log_filter();
        b.with_inputs(|| ONE_VM.objects.clone())
            .bench_values(|objects| {
                let mut s = Snapshot::builder();
                s.keep_log_lines_for(&RULES);
                for (i, v) in objects.into_iter().enumerate() {
                    let _ = s.add_value(v, kvdiag::Origin::new(format!("object {i}")));
                }
                let mut scan = LogScanner::new(source(), &filter);
                scan.push(&ONE_VM.log);
                s.add_log(scan.finish());
                kvdiag::analyze(&RULES, &s.build())
            });
    }
}
