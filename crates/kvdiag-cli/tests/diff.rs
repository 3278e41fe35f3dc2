//! `kvdiag diff BEFORE AFTER` on fixture pairs: a VM fixed, one whose failure persists, one
//! that failed after running, and one missing from the second capture.
//!
//! `fixtures/oom-killed` is VM `prod-db/rhel9-db` crash-looping on OOM kills (2024-05-14);
//! `fixtures/diff/rhel9-db-running` is the same VM running a week later (its README says how it
//! was made); `fixtures/oom-then-running` holds only another VM, `billing/pg-ledger`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn json(before: &str, after: &str) -> (Option<i32>, serde_json::Value) {
    let o = kvdiag(&["diff", before, after, "-o", "json"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}{}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code(), v)
}

fn vm<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["vms"]
        .as_array()
        .and_then(|vms| vms.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no VM {name} in {v:#}"))
}

fn changes(v: &serde_json::Value) -> Vec<&str> {
    v["changes"]
        .as_array()
        .map(|c| c.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn a_crash_looping_vm_running_after_the_fix_is_fixed_and_exits_0() {
    let (code, v) = json("fixtures/oom-killed", "fixtures/diff/rhel9-db-running");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["schema"], "kvdiag-diff/v1");
    let db = vm(&v, "rhel9-db");
    assert_eq!(db["outcome"], "fixed");
    assert_eq!(db["resolved"][0]["cause"], "oom-killed");
    assert_eq!(db["persisting"].as_array().map(Vec::len), Some(0));
    let c = changes(db);
    assert!(
        c.contains(&"printableStatus CrashLoopBackOff → Running"),
        "{c:?}"
    );
    assert!(c.contains(&"start failures 3 → 0"), "{c:?}");
    assert!(
        c.contains(&"1 new launcher pod(s): virt-launcher-rhel9-db-jt4m7"),
        "{c:?}"
    );
    assert_eq!(v["summary"]["fixed"], 1);
}

#[test]
fn the_same_failure_in_both_captures_persists_and_exits_1() {
    let (code, v) = json("fixtures/oom-killed", "fixtures/oom-killed");
    assert_eq!(code, Some(1));
    let db = vm(&v, "rhel9-db");
    assert_eq!(db["outcome"], "persisting");
    assert_eq!(db["persisting"][0]["rule"], "runtime/oom-killed");
    let c = changes(db);
    assert!(c.contains(&"start failures 3 → 3"), "{c:?}");
    assert!(c.contains(&"no new launcher pod"), "{c:?}");
    // Below the threshold, the same comparison passes.
    let o = kvdiag(&[
        "diff",
        "fixtures/oom-killed",
        "fixtures/oom-killed",
        "--fail-on",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn select_and_ignore_narrow_the_rules_compared() {
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", "fixtures/oom-killed", "fixtures/oom-killed"];
        args.extend_from_slice(extra);
        kvdiag(&args)
    };
    // Without the OOM rules, the crash loop they explained is reported by the generic rule
    // (which yields to them); without both, nothing is compared and nothing fails.
    let o = diff(&["--ignore", "cause:oom-killed"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("runtime/crashloop-unknown"));
    let o = diff(&["--ignore", "cause:oom-killed,cause:crashloop-unknown"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(diff(&["--select", "runtime/"]).status.code(), Some(1));
    let o = diff(&["--select", "no/such-rule"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no/such-rule"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_vm_that_ran_and_now_crash_loops_has_a_new_finding_and_exits_1() {
    // The pair read the other way round: running first, OOM-killed second.
    let (code, v) = json("fixtures/diff/rhel9-db-running", "fixtures/oom-killed");
    assert_eq!(code, Some(1));
    let db = vm(&v, "rhel9-db");
    assert_eq!(db["outcome"], "new");
    assert_eq!(db["new"][0]["cause"], "oom-killed");
    assert!(changes(db).contains(&"printableStatus Running → CrashLoopBackOff"));
}

#[test]
fn a_vm_missing_from_the_second_capture_is_gone_not_fixed() {
    let (code, v) = json("fixtures/oom-killed", "fixtures/oom-then-running");
    assert_eq!(
        code,
        Some(0),
        "nothing persists or is new at error or above"
    );
    let gone = vm(&v, "rhel9-db");
    assert_eq!(gone["outcome"], "gone");
    assert_eq!(gone["resolved"].as_array().map(Vec::len), Some(0));
    assert_eq!(gone["last_known"][0]["cause"], "oom-killed");
    assert_eq!(vm(&v, "pg-ledger")["outcome"], "appeared");
    assert_eq!(
        (&v["summary"]["gone"], &v["summary"]["fixed"]),
        (&1.into(), &0.into())
    );
}

#[test]
fn text_and_markdown_say_what_changed_and_that_nothing_was_run() {
    let o = kvdiag(&[
        "diff",
        "fixtures/oom-killed",
        "fixtures/diff/rhel9-db-running",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("1 fixed, 0 persisting, 0 new, 0 gone"),
        "{text}"
    );
    assert!(
        text.contains("FIXED VirtualMachine prod-db/rhel9-db"),
        "{text}"
    );
    let o = kvdiag(&[
        "diff",
        "fixtures/oom-killed",
        "fixtures/oom-then-running",
        "-o",
        "markdown",
    ]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("# kvdiag diff"), "{md}");
    assert!(md.contains("it ran nothing"), "{md}");
    assert!(
        md.contains("## VirtualMachine prod-db/rhel9-db — gone"),
        "{md}"
    );
}

#[test]
fn a_missing_capture_cannot_run() {
    let o = kvdiag(&["diff", "fixtures/oom-killed", "fixtures/no-such-folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-folder"));
}
