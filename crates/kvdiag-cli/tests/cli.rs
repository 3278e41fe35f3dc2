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
fn an_archive_on_standard_input_is_recognised_by_its_magic_bytes() {
    let xz = std::fs::read(root().join("fixtures/must-gather-tar-xz/must-gather.tar.xz"))
        .expect("fixture");
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
        .write_all(&xz)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let causes: Vec<&str> = v["diagnoses"]
        .as_array()
        .expect("diagnoses")
        .iter()
        .filter_map(|d| d["cause"].as_str())
        .collect();
    assert!(causes.contains(&"qemu-crash"), "{causes:?}");
    assert!(causes.contains(&"dv-not-ready"), "{causes:?}");
    let read = v["inputs"]["read"].as_array().expect("read");
    assert!(
        read.iter().all(|r| r["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("-!/inspect.local."))),
        "{read:?}"
    );
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
    assert!(
        err.contains("bad.yaml:2:8: error[unknown-cause]: unknown cause `nope`"),
        "{err}"
    );
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
fn docs_rules_md_is_generated_from_the_current_rules() {
    let o = kvdiag(&["rules", "docs"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    assert!(
        stdout(&o) == committed,
        "docs/rules.md is out of date: run `cargo run -p kvdiag-cli -- rules docs > docs/rules.md`"
    );
}

#[test]
fn rules_explain_prints_a_rules_documentation() {
    let o = kvdiag(&["rules", "explain", "runtime/oom-killed"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("## runtime/oom-killed")
            && text.contains("### What it means")
            && text.contains("### When it fires"),
        "{text}"
    );
    let o = kvdiag(&["rules", "explain", "no/such-rule"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no rule or cause `no/such-rule`"));
}

#[test]
fn explain_names_the_rules_that_could_not_run_for_lack_of_a_console_log() {
    // The OOM fixture has a compute log but no guest console log.
    let o = kvdiag(&[
        "analyze",
        "--explain",
        "--color",
        "never",
        "fixtures/oom-killed",
    ]);
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.contains("no log of container guest-console-log"))
        .unwrap_or_else(|| panic!("no console line in:\n{text}"));
    assert!(
        line.contains("could not run")
            && line.contains("guest/kernel-panic")
            && line.contains("guest/boot-failure"),
        "{line}"
    );

    let o = kvdiag(&["analyze", "--explain", "-o", "json", "fixtures/oom-killed"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let missing = v["coverage"][0]["missing"].as_array().expect("coverage");
    let console = missing
        .iter()
        .find(|m| m["input"] == "no log of container guest-console-log")
        .expect("console entry");
    // The boot rule reads only the console; the panic rule also reads GuestPanicked events.
    assert!(
        console["rules_not_run"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "guest/boot-failure"))
    );
    assert!(
        console["rules_partly_run"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "guest/kernel-panic"))
    );

    let o = kvdiag(&[
        "analyze",
        "--explain",
        "-o",
        "markdown",
        "fixtures/oom-killed",
    ]);
    assert!(stdout(&o).contains("**Not checked for VirtualMachine prod-db/rhel9-db**"));
    // Without --explain, nothing of it.
    let o = kvdiag(&["analyze", "-o", "json", "fixtures/oom-killed"]);
    assert!(!stdout(&o).contains("\"coverage\""));
}

#[test]
fn rules_lint_reports_every_problem_of_a_broken_file_and_fails() {
    let dir = std::env::temp_dir().join(format!("kvdiag-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bad = dir.join("broken.yaml");
    std::fs::write(
        &bad,
        "id: site/broken\ncause: oom-kiled\nseverity: error\ntitle: t\nsummary: s\nwhen:\n  all:\n    - on: log\n      matches: 'unclosed ('\n    - on: vm\n      pth: $.a\n    - on: vm\n      path: '$.a['\n      exists: true\n",
    )
    .expect("write");
    let o = kvdiag(&["rules", "lint", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for want in [
        "broken.yaml:2:8: error[unknown-cause]",
        "= hint: did you mean `oom-killed`?",
        "broken.yaml:9:16: error[bad-regex]",
        "broken.yaml:11:7: error[unknown-key]: unknown key `pth`",
        "= hint: did you mean `path`?",
        "broken.yaml:13:13: error[bad-jsonpath]",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let o = kvdiag(&["rules", "lint"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the built-in pack lints clean:\n{}",
        stdout(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docs_rule_schema_json_is_the_current_schema() {
    let o = kvdiag(&["rules", "schema"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("docs/rule.schema.json"))
        .expect("docs/rule.schema.json");
    assert!(
        stdout(&o) == committed,
        "docs/rule.schema.json is out of date: run `cargo run -p kvdiag-cli -- rules schema > docs/rule.schema.json`"
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

#[test]
fn the_rules_md_example_lints_clean_and_passes_its_tests() {
    let o = kvdiag(&["rules", "lint", "examples/rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 error(s), 0 warning(s)"));
    let o = kvdiag(&["rules", "test", "examples/rules", "--filter", "site/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("3 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_failing_rule_test_shows_expected_and_actual_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("kvdiag-rtest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let text = std::fs::read_to_string(root().join("examples/rules/slow-start.yaml"))
        .expect("example")
        .replace(
            "summary: VM prod/db has been starting",
            "summary: VM prod/db is starting",
        );
    std::fs::write(dir.join("slow.yaml"), text).expect("write");
    let o = kvdiag(&[
        "rules",
        "test",
        dir.to_str().expect("utf-8"),
        "--filter",
        "site/",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("FAILED  site/slow-start / a VMI scheduling for five minutes"),
        "{out}"
    );
    assert!(
        out.contains("- expected: VM prod/db is starting since"),
        "{out}"
    );
    assert!(
        out.contains("+ actual:   VM prod/db has been starting since"),
        "{out}"
    );
    assert!(out.ends_with("2 passed, 1 failed\n"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rules_patterns_prints_each_log_pattern_once_for_rg() {
    let o = kvdiag(&["rules", "patterns"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 5, "{out}");
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), lines.len(), "each pattern once");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Kernel panic") || l.contains("kernel panic"))
    );
    // Only the user's rules with --no-builtin-rules: none of them has a log pattern here.
    let o = kvdiag(&["rules", "patterns", "--no-builtin-rules"]);
    assert_eq!(stdout(&o), "");
}

#[test]
fn timings_go_to_standard_error_and_leave_the_report_alone() {
    let plain = kvdiag(&[
        "analyze",
        "examples/sample",
        "-o",
        "json",
        "--fail-on",
        "never",
    ]);
    let timed = kvdiag(&[
        "analyze",
        "examples/sample",
        "-o",
        "json",
        "--fail-on",
        "never",
        "--timings",
    ]);
    assert_eq!(stdout(&plain), stdout(&timed));
    let err = stderr(&timed);
    for stage in ["read and parse", "correlate", "evaluate", "total"] {
        assert!(err.contains(stage), "{err}");
    }
    // Where the system tells it, each stage says the peak memory so far.
    if cfg!(target_os = "linux") {
        let peaks = err.lines().filter(|l| l.contains("peak RSS")).count();
        assert_eq!(peaks, err.lines().count() - 1, "{err}");
    }
    assert!(!stderr(&plain).contains("timing"));
}

#[test]
fn rules_lint_json_lists_every_problem_for_editors() {
    let o = kvdiag(&[
        "rules",
        "lint",
        "--format",
        "json",
        "crates/kvdiag/tests/data/many-problems.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["errors"], 14, "{json:#}");
    assert_eq!(json["warnings"], 1, "{json:#}");
    let first = &json["problems"][0];
    assert_eq!(first["code"], "duplicate-cause");
    assert_eq!(first["line"], 4);
    assert_eq!(first["column"], 12);
    assert!(
        first["hint"]
            .as_str()
            .is_some_and(|h| h.contains("first declared"))
    );
    // Warnings alone do not fail.
    let dir = std::env::temp_dir().join(format!("kvdiag-lintw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let warn = dir.join("warn.yaml");
    std::fs::write(
        &warn,
        "id: site/w\ncause: stuck-starting\ntitle: t\nsummary: 'DV {{dv.name}}'\nwhen: {on: vm, path: $.a, exists: true}\n",
    )
    .expect("write");
    let o = kvdiag(&["rules", "lint", warn.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("warning[untouched-facet]"),
        "{}",
        stdout(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_custom_cause_is_linted_tested_with_its_fixture_and_reported_with_its_code() {
    // The rule file and its fixture folder sit side by side: loading skips the fixture,
    // `rules test` finds both.
    let o = kvdiag(&["rules", "lint", "examples/rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = kvdiag(&["rules", "test", "examples/rules", "--filter", "acme/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Quiet by default: only the summary when everything passes.
    assert_eq!(stdout(&o), "2 passed, 0 failed\n");
    let o = kvdiag(&[
        "rules",
        "test",
        "examples/rules",
        "--filter",
        "kvm-internal",
        "-v",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("ok      acme/kvm-internal-error / the QEMU log reports the error"));
    assert!(
        out.contains("ok      fixture examples/rules/kvm-internal-error\n"),
        "{out}"
    );
    let o = kvdiag(&[
        "analyze",
        "-o",
        "json",
        "--rules",
        "examples/rules",
        "examples/rules/kvm-internal-error",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["diagnoses"][0]["cause"], "acme/kvm-internal-error");
    assert_eq!(json["diagnoses"][0]["severity"], "critical");
    let o = kvdiag(&[
        "rules",
        "explain",
        "acme/kvm-internal-error",
        "--rules",
        "examples/rules",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // The rule and its cause share the name: the rule's page, then the cause's with its rules.
    assert!(out.contains("- cause: `acme/kvm-internal-error`"), "{out}");
    assert!(
        out.contains("- `acme/kvm-internal-error` (critical): KVM stopped the guest"),
        "{out}"
    );
    let o = kvdiag(&["rules", "explain", "oom-killed"]);
    let out = stdout(&o);
    assert!(out.contains("- `runtime/oom-killed` (critical)"), "{out}");
    let o = kvdiag(&["rules", "list", "--causes", "--rules", "examples/rules"]);
    assert!(
        stdout(&o).contains("acme/kvm-internal-error"),
        "{}",
        stdout(&o)
    );
    let o = kvdiag(&["rules", "explain", "oom-kiled"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `oom-killed`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_builtin_folder_given_as_a_path_is_the_same_rules() {
    let o = kvdiag(&["rules", "test", "rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = kvdiag(&["rules", "lint", "rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = kvdiag(&["analyze", "--rules", "rules", "fixtures/oom-killed"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A folder of fixture folders holds no rules (its other folders, such as malformed
    // inputs, are not read as rules); each fixture folder in it is checked.
    let o = kvdiag(&[
        "rules",
        "test",
        "fixtures",
        "--filter",
        "fixtures/oom-",
        "-v",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ok      fixture fixtures/oom-killed\n"),
        "{out}"
    );
    assert!(out.ends_with("3 passed, 0 failed\n"), "{out}");
}
