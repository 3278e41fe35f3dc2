//! Rule folders that keep their fixtures beside them: loading skips the fixture folders and
//! finds them for `rules test`; `expected.yaml` pins causes, or rules and severities too.

use std::path::{Path, PathBuf};

use kvdiag::RuleSet;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/rules")
}

fn example_rules() -> (RuleSet, Vec<PathBuf>) {
    let mut b = RuleSet::builder();
    b.add_builtin();
    let fixtures = kvdiag_fs::add_rules_and_fixtures(&mut b, &examples()).expect("examples");
    (b.build().expect("the examples load"), fixtures)
}

/// A copy of the example fixture with another `expected.yaml`.
fn fixture_expecting(expected: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kvdiag-pin-{tag}-{}", std::process::id()));
    let src = examples().join("kvm-internal-error");
    for rel in [
        "namespaces/prod/kubevirt.io/virtualmachineinstances/db.yaml",
        "namespaces/prod/vms/db/prod_db.log",
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(rel), &to).expect("copy");
    }
    std::fs::write(dir.join("expected.yaml"), expected).expect("write");
    dir
}

#[test]
fn fixture_folders_beside_rules_are_skipped_when_loading_and_found_for_testing() {
    let (rules, fixtures) = example_rules();
    assert_eq!(fixtures, [examples().join("kvm-internal-error")]);
    assert!(rules.get("acme/kvm-internal-error").is_some());
    // The capture's YAML was not read as rules (it would be `not-a-rule` errors).
    let outcome = kvdiag_fs::fixture::check_fixture(&fixtures[0], &rules).expect("fixture");
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.report.diagnoses[0].cause, "acme/kvm-internal-error");
    // A fixture folder given as the path: no rules, itself.
    let mut b = RuleSet::builder();
    let found = kvdiag_fs::add_rules_and_fixtures(&mut b, &fixtures[0]).expect("fixture");
    assert_eq!(found, fixtures);
    assert!(b.lint().is_empty());
}

#[test]
fn expectations_pin_causes_rules_and_severities() {
    let (rules, _) = example_rules();
    let cases = [
        // (expected.yaml, the problems it must give)
        ("subjects:\n  prod/db: [acme/kvm-internal-error]\n", vec![]),
        (
            "subjects:\n  prod/db: [{rule: acme/kvm-internal-error, severity: critical}]\n",
            vec![],
        ),
        (
            "subjects:\n  prod/db: [qemu-crash]\n",
            vec![r#"prod/db: expected ["qemu-crash"], found ["acme/kvm-internal-error"]"#],
        ),
        (
            "subjects:\n  prod/db: [{cause: acme/kvm-internal-error, severity: warning}]\n",
            vec![
                "prod/db: expected {cause acme/kvm-internal-error, severity warning}, found no such diagnosis among [acme/kvm-internal-error (rule acme/kvm-internal-error, severity critical)]",
                "prod/db: unexpected diagnosis acme/kvm-internal-error (rule acme/kvm-internal-error, severity critical)",
            ],
        ),
        (
            "subjects:\n  prod/db: [{cause: acme/kvm-internal-error, rule: site/other}]\n",
            vec![
                "prod/db: expected {cause acme/kvm-internal-error, rule site/other}, found no such diagnosis among [acme/kvm-internal-error (rule acme/kvm-internal-error, severity critical)]",
                "prod/db: unexpected diagnosis acme/kvm-internal-error (rule acme/kvm-internal-error, severity critical)",
            ],
        ),
    ];
    for (i, (expected, want)) in cases.iter().enumerate() {
        let dir = fixture_expecting(expected, &i.to_string());
        let outcome = kvdiag_fs::fixture::check_fixture(&dir, &rules).expect("fixture");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(&outcome.problems, want, "{expected}");
    }
    // Without the site's rules the capture gets no diagnosis: the pin fails.
    let builtin = RuleSet::builtin().expect("built-in");
    let dir = fixture_expecting("subjects:\n  prod/db: [acme/kvm-internal-error]\n", "b");
    let outcome = kvdiag_fs::fixture::check_fixture(&dir, &builtin).expect("fixture");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        outcome.problems,
        [r#"prod/db: expected ["acme/kvm-internal-error"], found []"#]
    );
}
