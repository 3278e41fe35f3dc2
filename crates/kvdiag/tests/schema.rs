//! The JSON Schema of rule files: it accepts every built-in rule, rejects misspelled keys, and
//! names the same keys the loader checks.

use std::path::Path;

use serde_json::Value;

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&kvdiag::rules::schema()).expect("the schema is a valid JSON Schema")
}

fn documents(text: &str) -> Vec<Value> {
    serde_saphyr::from_str_multiple(text).expect("rule file parses")
}

#[test]
fn every_builtin_rule_document_validates() {
    let v = validator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("rules/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        for doc in documents(&text) {
            let errors: Vec<String> = v
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{}: {}: {errors:#?}",
                path.display(),
                doc["id"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} rules checked");
}

#[test]
fn the_schema_rejects_a_misspelled_key_and_a_wrong_cause() {
    let v = validator();
    let good = "id: a\ncause: qemu-crash\nseverity: error\ntitle: t\nsummary: s\nwhen: {on: vm, path: $.a, exists: true}\n";
    assert!(v.is_valid(&documents(good)[0]));
    // A declared cause, and a rule of it without a severity (it takes the cause's).
    let declared = "causes:\n  - {code: acme/kvm-internal-error, title: t, severity: critical}\n";
    assert!(v.is_valid(&documents(declared)[0]));
    let custom = good
        .replace("qemu-crash", "acme/kvm-internal-error")
        .replace("severity: error\n", "");
    assert!(v.is_valid(&documents(&custom)[0]), "{custom}");
    for bad in [
        declared.replace("title:", "titel:"),
        declared.replace("code:", "name:"),
        declared.replace("critical", "fatal"),
    ] {
        assert!(!v.is_valid(&documents(&bad)[0]), "accepted:\n{bad}");
    }
    for bad in [
        good.replace("summary:", "sumary:"),
        good.replace("path:", "pth:"),
        good.replace("qemu-crash", "qemu-crashed"),
        good.replace("on: vm", "on: vms"),
    ] {
        assert!(!v.is_valid(&documents(&bad)[0]), "accepted:\n{bad}");
    }
}

#[test]
fn the_schema_and_the_loader_know_the_same_keys() {
    let schema = kvdiag::rules::schema();
    let keys = |def: &Value| -> Vec<String> {
        let mut k: Vec<String> = def["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    // A rule file key the loader does not know would be reported as unknown; one the schema
    // does not know would make editors complain about valid rules.
    let mut b = kvdiag::RuleSet::builder();
    let all_rule_keys = keys(&schema["$defs"]["RuleSpec"]).join(": x\n") + ": x\n";
    b.add_source("k.yaml", &all_rule_keys);
    let unknown: Vec<_> = b
        .lint()
        .into_iter()
        .filter(|e| e.code == "unknown-key")
        .collect();
    assert!(unknown.is_empty(), "{unknown:#?}");
    let condition = keys(&schema["$defs"]["ConditionSpec"]);
    let mut b = kvdiag::RuleSet::builder();
    let when: String = condition.iter().map(|k| format!("  {k}: x\n")).collect();
    b.add_source("k.yaml", &format!("id: a\nwhen:\n{when}"));
    let unknown: Vec<_> = b
        .lint()
        .into_iter()
        .filter(|e| e.code == "unknown-key")
        .collect();
    assert!(unknown.is_empty(), "{unknown:#?}");
    assert_eq!(condition.len(), 24, "{condition:?}");
}
