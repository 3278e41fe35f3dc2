//! Every folder under `fixtures/` is a captured scenario with an `expected.yaml` naming the
//! causes each VM must get. This harness analyses each one with the built-in rules, checks the
//! expectation, and snapshots the diagnoses (reviewed with `cargo insta review`).

use std::path::{Path, PathBuf};

use kvdiag::{Report, RuleSet, Snapshot, analyze};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rules() -> RuleSet {
    RuleSet::builtin().expect("the built-in rules load")
}

fn analyze_dir(dir: &Path) -> Report {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, dir).expect("the fixture folder exists");
    analyze(&rules(), &builder.build())
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../fixtures/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    // Paths are printed as given; keep the snapshots independent of where the repository is.
    let root = workspace().display().to_string();
    settings.add_filter(&regex_escape(&format!("{root}/")), "");
    settings
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn every_fixture_gets_exactly_its_expected_causes() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .expect("fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| kvdiag_fs::fixture::is_fixture(p))
        .collect();
    dirs.sort();
    // The README's sample is a realistic must-gather: it is snapshotted like a fixture.
    dirs.push(workspace().join("examples/sample"));
    assert!(dirs.len() >= 10, "fixtures are missing: {dirs:?}");
    let mut problems = Vec::new();
    let mut reports = Vec::new();
    let rules = rules();
    for dir in &dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| if n == "sample" { "examples-sample" } else { n })
            .unwrap_or("?")
            .to_owned();
        let outcome = kvdiag_fs::fixture::check_fixture(dir, &rules).expect("fixture reads");
        problems.extend(outcome.problems.iter().map(|p| format!("{name}: {p}")));
        reports.push((name, outcome.report));
    }
    // Expectations first: they say what is wrong; snapshots then show how the output changed.
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, report) in reports {
        snapshot_settings().bind(|| insta::assert_yaml_snapshot!(name, report.diagnoses));
    }
}

#[test]
fn the_bundled_sample_gets_one_cause_per_failing_vm_and_nothing_for_the_healthy_one() {
    let dir = workspace().join("examples/sample");
    let outcome = kvdiag_fs::fixture::check_fixture(&dir, &rules()).expect("sample reads");
    assert!(
        outcome.problems.is_empty(),
        "{}",
        outcome.problems.join("\n")
    );
    assert!(
        outcome.report.subjects.len() >= 6,
        "{:?}",
        outcome.report.subjects
    );
}

#[test]
fn a_malformed_file_is_reported_and_changes_no_other_diagnosis() {
    let good = workspace().join("fixtures/oom-killed");
    let bad = workspace().join("fixtures/malformed-mixed");
    let rules = RuleSet::builtin().expect("rules");

    let mut clean = Snapshot::builder();
    kvdiag_fs::add_path(&mut clean, &good).expect("good");
    let clean = analyze(&rules, &clean.build());

    let mut mixed = Snapshot::builder();
    kvdiag_fs::add_path(&mut mixed, &good).expect("good");
    let listed = std::fs::read_to_string(bad.join("skipped.txt")).expect("skipped.txt");
    let bad_files: Vec<&str> = listed.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(bad_files.len(), 3);
    for f in &bad_files {
        kvdiag_fs::add_path(&mut mixed, &bad.join(f)).expect("bad file exists");
    }
    let mixed = analyze(&rules, &mixed.build());

    assert!(!clean.diagnoses.is_empty());
    assert_eq!(clean.diagnoses, mixed.diagnoses);
    assert!(clean.inputs.failed.is_empty());
    assert_eq!(mixed.inputs.failed.len(), bad_files.len());
    let json = mixed.to_json();
    let text = kvdiag::report::text::render(&mixed, false);
    let markdown = kvdiag::report::markdown::render(&mixed);
    for f in &bad_files {
        let failure = mixed
            .inputs
            .failed
            .iter()
            .find(|p| p.source.ends_with(f))
            .unwrap_or_else(|| panic!("{f} is not reported"));
        assert!(!failure.reason.is_empty());
        for (format, out) in [("json", &json), ("text", &text), ("markdown", &markdown)] {
            assert!(
                out.contains(&*failure.source),
                "{format} output does not name {f}"
            );
            assert!(
                out.contains(failure.reason.as_ref()),
                "{format} output does not give the reason for {f}"
            );
        }
    }
}

#[test]
fn the_same_input_gives_the_same_report_byte_for_byte() {
    let dir = workspace().join("examples/sample");
    let a = analyze_dir(&dir).to_json();
    let b = analyze_dir(&dir).to_json();
    assert_eq!(a, b);
}

#[test]
fn the_all_causes_must_gather_gives_each_vm_exactly_its_cause() {
    let dir = workspace().join("fixtures/must-gather-all-causes");
    let outcome = kvdiag_fs::fixture::check_fixture(&dir, &rules()).expect("fixture reads");
    assert!(
        outcome.problems.is_empty(),
        "{}",
        outcome.problems.join("\n")
    );
    // Every cause code the generator injects is some VM's diagnosis, and healthy VMs are there
    // too. The causes added for real reports (attach/mount, pod network, disk permissions,
    // migrations) are not generated yet: their fixtures are in fixtures/real.
    const NOT_GENERATED: [&str; 4] = [
        "volume-mount-failed",
        "pod-network-failed",
        "disk-permission-denied",
        "migration-failed",
    ];
    let report = &outcome.report;
    let rules = rules();
    assert_eq!(rules.causes().len(), 22);
    for cause in rules
        .causes()
        .iter()
        .map(|c| &c.code)
        .filter(|c| !NOT_GENERATED.contains(&c.code()))
    {
        assert!(
            report
                .diagnoses
                .iter()
                .any(|d| d.cause == *cause && d.severity >= kvdiag::Severity::Warning),
            "no VM diagnosed with {cause}"
        );
    }
    let healthy = report
        .subjects
        .iter()
        .filter(|s| s.worst.is_none_or(|w| w < kvdiag::Severity::Warning))
        .count();
    assert!(healthy >= 4, "only {healthy} healthy VMs");
}
