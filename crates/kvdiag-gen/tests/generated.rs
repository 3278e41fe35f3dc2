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
