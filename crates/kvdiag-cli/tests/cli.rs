//! The real binary on the repository's fixtures: exit codes, formats, stdin, rule errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kvdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("kvdiag runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn findings_at_or_above_fail_on_exit_1_otherwise_0() {
    let o = kvdiag(&["analyze", "fixtures/oom-killed"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = kvdiag(&["analyze", "fixtures/oom-killed", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));
    // dv-not-ready is a warning: below the default threshold (error), at --fail-on warning.
    assert_eq!(
        kvdiag(&["analyze", "fixtures/dv-not-ready"]).status.code(),
        Some(0)
    );
    assert_eq!(
        kvdiag(&["analyze", "fixtures/dv-not-ready", "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        kvdiag(&["analyze", "fixtures/healthy-noise", "--fail-on", "info"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn json_output_is_the_versioned_contract() {
    let o = kvdiag(&["analyze", "-o", "json", "fixtures/kernel-panic"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["schema"], "kvdiag/v1");
    assert_eq!(v["diagnoses"][0]["cause"], "guest-kernel-panic");
    assert_eq!(v["diagnoses"][0]["subject"]["name"], "billing-app");
    assert_eq!(v["diagnoses"][0]["evidence"][0]["type"], "log");
    assert_eq!(v["summary"]["critical"], 1);
}

#[test]
fn markdown_says_nothing_was_executed_and_shows_commands() {
    let o = kvdiag(&["analyze", "-o", "markdown", "fixtures/oom-killed"]);
    let md = stdout(&o);
    assert!(md.contains("Nothing was executed"), "{md}");
    assert!(md.contains("```sh"), "{md}");
    assert!(md.contains("virtctl restart rhel9-db -n prod-db"), "{md}");
}

#[test]
fn text_output_has_no_colour_codes_when_not_a_terminal() {
    let o = kvdiag(&["analyze", "fixtures/oom-killed"]);
    let text = stdout(&o);
    assert!(text.contains("VirtualMachine prod-db/rhel9-db"));
    assert!(!text.contains('\u{1b}'), "escape codes in piped output");
    let o = kvdiag(&["analyze", "--color", "always", "fixtures/oom-killed"]);
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn standard_input_is_read_and_its_content_decides_what_it_is() {
    let vm = std::fs::read(root().join("fixtures/crashloop-unknown/vm.yaml")).expect("fixture");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(["analyze", "-o", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&vm)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["diagnoses"][0]["cause"], "crashloop-unknown");
    assert_eq!(v["inputs"]["read"][0]["source"], "-");
}

#[test]
fn a_missing_path_or_broken_rules_cannot_run() {
    let o = kvdiag(&["analyze", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/dir"), "{}", stderr(&o));

    let dir = std::env::temp_dir().join(format!("kvdiag-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "id: x\ncause: nope\nseverity: error\ntitle: t\nsummary: s\nwhen: {on: vm, path: $.a, exists: true}\n").expect("write");
    let o = kvdiag(&[
        "analyze",
        "--rules",
        bad.to_str().expect("utf-8"),
        "fixtures/oom-killed",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:2:8: unknown cause `nope`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_rules_add_to_or_replace_the_builtin_pack() {
    let dir = std::env::temp_dir().join(format!("kvdiag-cli-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    std::fs::write(
        dir.join("mine.yaml"),
        "id: site/running\ncause: stuck-starting\nseverity: info\ntitle: running\nsummary: '{{vm.name}} runs'\nwhen: {on: vm, path: $.status.printableStatus, equals: Running}\n",
    )
    .expect("write");
    let rules = dir.to_str().expect("utf-8");
    let o = kvdiag(&["rules", "list", "--rules", rules]);
    let listed = stdout(&o);
    assert!(
        listed.contains("site/running") && listed.contains("runtime/oom-killed"),
        "{listed}"
    );
    let o = kvdiag(&[
        "rules",
        "list",
        "--no-builtin-rules",
        "--rules",
        rules,
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    let o = kvdiag(&[
        "analyze",
        "-o",
        "json",
        "--no-builtin-rules",
        "--rules",
        rules,
        "fixtures/healthy-noise",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["diagnoses"][0]["summary"], "intranet-portal runs");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_sample_runs() {
    let o = kvdiag(&[
        "analyze",
        "examples/sample/must-gather.local.5203181046512837",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    for vm in [
        "web-prod/web-cache",
        "web-prod/web-legacy",
        "data-team/etl-worker",
        "data-team/analytics-db",
        "data-team/jupyter-lab",
    ] {
        assert!(text.contains(vm), "{vm} missing from:\n{text}");
    }
    assert!(
        text.contains("web-prod/web-frontend-01 [Running]: no findings"),
        "{text}"
    );
}

#[test]
fn namespace_and_vm_filters_restrict_the_subjects_reported() {
    let sample = "examples/sample/must-gather.local.5203181046512837";
    let o = kvdiag(&["analyze", "-o", "json", "-n", "web-prod", sample]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let names: Vec<&str> = v["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["web-cache", "web-frontend-01", "web-legacy"]);
    assert_eq!(v["summary"]["subjects"], 3);
    let o = kvdiag(&[
        "analyze",
        "-o",
        "json",
        "--vm",
        "data-team/etl-worker",
        sample,
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["summary"]["subjects"], 1);
    assert_eq!(v["diagnoses"][0]["cause"], "qemu-crash");
    // A healthy VM alone: nothing at or above the threshold.
    let o = kvdiag(&["analyze", "--vm", "web-frontend-01", sample]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn text_output_names_the_capture_time_source_and_skips_by_reason() {
    let o = kvdiag(&[
        "analyze",
        "examples/sample/must-gather.local.5203181046512837",
    ]);
    let text = stdout(&o);
    assert!(text.contains("from its timestamp file"), "{text}");
    assert!(text.contains("secrets are never read"), "{text}");
    assert!(
        !text.contains("core/secrets.yaml"),
        "skips are aggregated, not listed: {text}"
    );
}
