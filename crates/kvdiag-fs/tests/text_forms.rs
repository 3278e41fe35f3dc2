//! Text twins: every `fixtures/text-NAME/` holds the `oc` text (get tables, describe output,
//! prefixed logs) of the objects and logs of `fixtures/NAME/`. Each twin must give exactly the
//! causes its YAML form gives, on the same VMs: text feeds the same rules through the same
//! facets and paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kvdiag::{RuleSet, Severity, Snapshot, analyze};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Subject → causes at warning or above.
fn causes(dir: &Path, rules: &RuleSet) -> BTreeMap<String, Vec<String>> {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, dir).expect("the fixture folder exists");
    let report = analyze(rules, &builder.build());
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in report
        .diagnoses
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
    {
        let subject = format!(
            "{}/{}",
            d.subject.namespace.as_deref().unwrap_or(""),
            d.subject.name
        );
        out.entry(subject).or_default().push(d.cause.to_string());
    }
    for c in out.values_mut() {
        c.sort();
    }
    out
}

#[test]
fn every_text_twin_gives_the_causes_of_its_yaml_form_on_the_same_vms() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let mut twins: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(workspace().join("fixtures"))
        .expect("fixtures/")
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.strip_prefix("text-")?.to_owned();
            let yaml = workspace().join("fixtures").join(name);
            yaml.is_dir().then(|| (yaml, e.path()))
        })
        .collect();
    twins.sort();
    assert!(twins.len() >= 15, "text twins are missing: {twins:?}");
    let mut problems = Vec::new();
    for (yaml, text) in &twins {
        let (from_yaml, from_text) = (causes(yaml, &rules), causes(text, &rules));
        assert!(!from_yaml.is_empty(), "{} finds nothing", yaml.display());
        if from_yaml != from_text {
            problems.push(format!(
                "{}: YAML gives {from_yaml:?}, text gives {from_text:?}",
                text.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn must_gather_describe_files_stand_in_for_missing_objects_and_do_not_repeat_events() {
    let dir = workspace().join("fixtures/text-cnv-describe");
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, &dir).expect("the fixture folder exists");
    let s = builder.build();
    let from = |kind: &str| -> Vec<String> {
        s.objects()
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.origin.source.rsplit('/').next().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(
        from("Pod"),
        ["pods.yaml"],
        "the captured pod wins over its describe copy"
    );
    assert_eq!(
        from("VirtualMachineInstance"),
        ["hana-sandbox_describe.txt"]
    );
    assert_eq!(
        from("Event"),
        ["events.yaml"; 3],
        "describe events are not counted twice"
    );
}
