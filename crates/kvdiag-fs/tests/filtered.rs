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
