//! Reading logs through the rules' filter (only the lines a rule can use are kept) gives the
//! very report that reading whole logs gives, with `--explain` coverage, on every fixture, the
//! sample must-gather, and the test captures.

use std::path::{Path, PathBuf};

use kvdiag::{Options, RuleSet, Snapshot, analyze_with};

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
        let mut text = String::with_capacity(size + 4096);
        let mut i = 0;
        while text.len() < size {
            text.push_str(&line(i));
            text.push('\n');
            i += 1;
        }
        std::fs::write(dir.join(name), text).expect("written");
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
    write("kern.log", &|i| {
        let t = i as f64 * 0.01;
        if i % 5000 == 4999 {
            format!(
                "[{t:12.6}] Memory cgroup out of memory: Killed process {i} (qemu-kvm) /kubepods/burstable/pod{:08x}-2222-4333-8444-555555555555/c",
                i % 3
            )
        } else {
            format!("[{t:12.6}] IPv6: ADDRCONF(NETDEV_CHANGE): link {i} becomes ready")
        }
    });
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
