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
