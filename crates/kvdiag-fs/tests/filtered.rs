//! Reading logs through the rules' filter (only the lines a rule can use are kept) gives the
//! very report that reading whole logs gives, with `--explain` coverage, on every fixture, the
//! sample must-gather, and the test captures.

use std::path::{Path, PathBuf};

use kvdiag::parse::LooseSniffer;
use kvdiag::{Hint, LogHint, Options, RuleSet, Snapshot, analyze_with};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn report(dir: &Path, rules: &RuleSet, filtered: bool) -> String {
    let mut builder = Snapshot::builder();
    if filtered {
        builder.keep_log_lines_for(rules);
    }
    kvdiag_fs::add_path(&mut builder, dir).expect("the folder exists");
    analyze_with(rules, &builder.build(), &Options::default().explain(true)).to_json()
}

#[test]
fn filtered_logs_give_the_same_report_as_whole_logs() {
    let rules = RuleSet::builtin().expect("rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("snapshots"))
        .collect();
    dirs.sort();
    dirs.push(workspace().join("examples/sample"));
    assert!(dirs.len() > 10);
    for dir in dirs {
        let whole = report(&dir, &rules, false);
        let filtered = report(&dir, &rules, true);
        assert!(whole == filtered, "{} differs when filtered", dir.display());
    }
}

#[test]
fn a_snapshot_filtered_for_other_rules_is_still_analysed() {
    // Filtered for no pattern at all, then analysed with the built-in rules: no panic, and the
    // structure-only diagnoses are found.
    let rules = RuleSet::builtin().expect("rules");
    let none = RuleSet::builder().build().expect("empty set");
    let mut builder = Snapshot::builder();
    builder.keep_log_lines_for(&none);
    kvdiag_fs::add_path(&mut builder, &workspace().join("examples/sample")).expect("sample");
    let report = analyze_with(&rules, &builder.build(), &Options::default());
    assert!(report.diagnoses.iter().any(|d| d.cause == "oom-killed"));
}

/// Lines `line(0)`, `line(1)`, ... until the text holds at least `size` bytes.
fn lines(size: usize, line: &dyn Fn(usize) -> String) -> String {
    let mut text = String::with_capacity(size + 4096);
    let mut i = 0;
    while text.len() < size {
        text.push_str(&line(i));
        text.push('\n');
        i += 1;
    }
    text
}

/// Line `i` of a node kernel log: a memory cgroup report naming one of three pods every 5,000
/// lines, link messages between.
fn kernel_line(i: usize) -> String {
    let t = i as f64 * 0.01;
    if i % 5000 == 4999 {
        format!(
            "[{t:12.6}] Memory cgroup out of memory: Killed process {i} (qemu-kvm) /kubepods/burstable/pod{:08x}-2222-4333-8444-555555555555/c",
            i % 3
        )
    } else {
        format!("[{t:12.6}] IPv6: ADDRCONF(NETDEV_CHANGE): link {i} becomes ready")
    }
}

/// Loose logs larger than the head a loose log is recognised from (a virt-handler log, a
/// kernel log with pods' reports, a guest console) are streamed: the report is the one reading
/// them whole gives.
#[test]
fn large_loose_logs_streamed_give_the_same_report_as_whole_logs() {
    let dir = std::env::temp_dir().join(format!("kvdiag-loose-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let size = kvdiag::parse::LOOSE_HEAD_BYTES + (1 << 20);
    let write = |name: &str, line: &dyn Fn(usize) -> String| {
        std::fs::write(dir.join(name), lines(size, line)).expect("written");
    };
    write("handler.log", &|i| {
        if i % 1000 == 999 {
            format!(
                "{{\"component\":\"virt-handler\",\"kind\":\"VirtualMachineInstance\",\"level\":\"error\",\"msg\":\"failed to run virt-launcher\",\"name\":\"vm{}\",\"namespace\":\"ns\",\"timestamp\":\"2024-05-14T09:41:31.{i:06}Z\"}}",
                i % 7
            )
        } else {
            format!(
                "{{\"component\":\"virt-handler\",\"level\":\"info\",\"msg\":\"device plugin {i} up\",\"timestamp\":\"2024-05-14T09:41:31.{i:06}Z\"}}"
            )
        }
    });
    write("kern.log", &kernel_line);
    write("console.log", &|i| {
        if i == 150_000 {
            "[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs".to_owned()
        } else {
            format!("[    1.{i:06}] systemd[1]: Started unit {i}.")
        }
    });
    let rules = RuleSet::builtin().expect("rules");
    let whole = report(&dir, &rules, false);
    let streamed = report(&dir, &rules, true);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(whole.contains("handler.log") && whole.contains("kern.log"));
    assert!(whole == streamed, "large loose logs differ when streamed");
}

/// Loose inputs whose content decides what they are (`*.json`, no extension) and loose logs of
/// long lines, larger than the head they are recognised from: JSON lines over the document
/// limit, a plain log without an extension, files of one long line, a JSON document just under
/// the head size and an MCP output give, streamed or not, the report reading them whole gives.
#[test]
fn large_loose_inputs_decided_by_content_give_the_same_report_as_whole_reading() {
    let dir = std::env::temp_dir().join(format!("kvdiag-loose-auto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let head = kvdiag::parse::LOOSE_HEAD_BYTES;
    let launcher = |i: usize| {
        if i % 20_000 == 19_999 {
            "{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"Unable to read from monitor: Connection reset by peer\",\"pos\":\"qemuMonitorIORead:603\",\"subcomponent\":\"libvirt\",\"thread\":\"57\",\"timestamp\":\"2024-05-17T18:49:03.184000Z\"}".to_owned()
        } else {
            format!(
                "{{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"domain event {i}\",\"pos\":\"manager.go:1\",\"timestamp\":\"2024-05-17T18:49:03.{:06}Z\"}}",
                i % 1_000_000
            )
        }
    };
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("written");
    // Virt-launcher JSON lines over the document limit (set below): a log, streamed.
    write(
        "compute.json",
        lines(head + (1 << 20), &launcher).as_bytes(),
    );
    // A kernel log without an extension.
    write("messages", lines(head + (1 << 20), &kernel_line).as_bytes());
    // One long line, then a few lines (a log named `.log`, and one without an extension).
    let mut long = vec![b'a'; head + (1 << 20)];
    long.extend_from_slice(b"\n");
    long.extend_from_slice(lines(4096, &launcher).as_bytes());
    write("one.log", &long);
    write("one-line", &long[..head + 4096]);
    // A JSON document just under the head size: read whole, its pods kept.
    let note = "x".repeat(64 << 10);
    let item = |i: usize| {
        format!(
            "{{\"metadata\":{{\"name\":\"virt-launcher-vm{i}-abcde\",\"namespace\":\"ns\",\"annotations\":{{\"note\":\"{note}\"}}}},\"status\":{{\"phase\":\"Running\"}}}}"
        )
    };
    let mut pods = String::from("{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[");
    let mut i = 0;
    while pods.len() < head - 4096 {
        if i > 0 {
            pods.push(',');
        }
        pods.push_str(&item(i));
        i += 1;
    }
    pods.push_str("]}\n");
    write("pods.json", pods.as_bytes());
    // An MCP tool output larger than the head: one JSON-RPC result holding a log.
    let log = lines(head + (1 << 20), &launcher);
    let mcp = serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "result": {"content": [{"type": "text", "text": log}]}
    });
    write("result.json", mcp.to_string().as_bytes());
    let rules = RuleSet::builtin().expect("rules");
    let mut limits = kvdiag::Limits::default();
    limits.document_bytes = head + (1 << 19);
    let report = |filtered: bool| {
        let mut builder = Snapshot::builder();
        builder.limits(limits.clone());
        if filtered {
            builder.keep_log_lines_for(&rules);
        }
        kvdiag_fs::add_path(&mut builder, &dir).expect("the folder exists");
        analyze_with(&rules, &builder.build(), &Options::default().explain(true)).to_json()
    };
    // The logs are streamed (their start says they are logs); the others are read whole.
    for (name, hint, log) in [
        ("compute.json", Hint::Auto, true),
        ("messages", Hint::Auto, true),
        ("one.log", Hint::Log(LogHint::default()), true),
        ("one-line", Hint::Auto, true),
        ("pods.json", Hint::Auto, false),
        ("result.json", Hint::Auto, false),
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("written");
        let name: std::sync::Arc<str> = std::sync::Arc::from(name);
        let mut sniffer = LooseSniffer::new(&name, &hint, &limits).expect("a loose input");
        let mut chunks = bytes.chunks(1 << 16);
        let mut eof = false;
        while sniffer.wants_more() {
            match chunks.next() {
                Some(chunk) => sniffer.push(chunk),
                None => {
                    eof = true;
                    break;
                }
            }
        }
        assert_eq!(sniffer.finish(eof).is_some(), log, "{name}");
    }
    let whole = report(false);
    let streamed = report(true);
    let _ = std::fs::remove_dir_all(&dir);
    for name in [
        "compute.json",
        "messages",
        "one.log",
        "one-line",
        "pods.json",
        "result.json",
    ] {
        assert!(whole.contains(name), "{name} not in the report");
    }
    assert!(whole == streamed, "large loose inputs differ when streamed");
}
