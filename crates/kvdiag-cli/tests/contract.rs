//! The command-line contract (issue "The command-line contract"): exit codes, closed pipes,
//! completions, the man page, rule selection, the configuration file and its precedence,
//! output choices, and the JSON Schema of the report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SAMPLE: &str = "examples/sample/must-gather.local.5203181046512837";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary, in the repository root, with no `KVDIAG_*` variable of the caller's.
fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kvdiag"));
    c.args(args).current_dir(root());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KVDIAG_") {
            c.env_remove(k);
        }
    }
    c
}

fn kvdiag(args: &[&str]) -> Output {
    command(args).output().expect("kvdiag runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kvdiag-contract-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn an_empty_folder_is_no_input_and_exits_2() {
    let dir = temp_dir("empty");
    let o = kvdiag(&["analyze", dir.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing could be read: no file in the input"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_binary_file_alone_is_no_readable_input_and_exits_2() {
    let dir = temp_dir("binary");
    let file = dir.join("ls");
    std::fs::write(&file, b"\x7fELF\x02\x01\x01\x00\x00\x00binary\x00\x00").expect("write");
    let o = kvdiag(&["analyze", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("1 file(s) unreadable"), "{err}");
    assert!(err.contains("binary content"), "{err}");
}

#[test]
fn a_vm_or_namespace_filter_that_matches_nothing_exits_2_with_a_suggestion() {
    let o = kvdiag(&["analyze", SAMPLE, "--vm", "web-cach"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--vm `web-cach` matches no subject: did you mean `web-cache`?"),
        "{}",
        stderr(&o)
    );
    let o = kvdiag(&["analyze", SAMPLE, "--vm", "web-prod/web-cach"]);
    assert!(
        stderr(&o).contains("did you mean `web-prod/web-cache`?"),
        "{}",
        stderr(&o)
    );
    let o = kvdiag(&["analyze", SAMPLE, "-n", "web-prd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `web-prod`?"),
        "{}",
        stderr(&o)
    );
    // A filter that matches still analyses.
    let o = kvdiag(&["analyze", SAMPLE, "--vm", "web-cache"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_gzipped_tar_on_standard_input_is_read_as_an_archive() {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    tar.append_dir_all("oom-killed", root().join("fixtures/oom-killed"))
        .expect("pack");
    let gz = tar.into_inner().expect("tar").finish().expect("gzip");
    let o = with_stdin(&["analyze", "-o", "json", "-"], &gz);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["summary"]["causes"]["oom-killed"], 1, "{v}");
}

#[test]
fn a_capture_without_vms_is_not_an_error_and_says_so() {
    let dir = temp_dir("novm");
    std::fs::write(
        dir.join("node.yaml"),
        "apiVersion: v1\nkind: Node\nmetadata: {name: worker-0}\n",
    )
    .expect("write");
    let o = kvdiag(&["analyze", dir.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No VirtualMachine, VMI or virt-launcher pod in 1 file(s)."),
        "{}",
        stdout(&o)
    );
}

#[test]
fn strict_makes_an_unreadable_file_exit_2_after_the_report() {
    let dir = temp_dir("strict");
    std::fs::write(
        dir.join("vm.yaml"),
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: a, namespace: b}\n",
    )
    .expect("write");
    std::fs::write(dir.join("broken.json"), "{\"kind\": ").expect("write");
    let path = dir.to_str().expect("utf-8");
    let o = kvdiag(&["analyze", "--fail-on", "never", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = kvdiag(&["analyze", "--fail-on", "never", "--strict", path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("unreadable"),
        "the report is still printed"
    );
    assert!(
        stderr(&o).contains("1 input file(s) could not be read"),
        "{}",
        stderr(&o)
    );
    let o = kvdiag(&[
        "analyze",
        "--fail-on",
        "never",
        "--fail-on-unreadable",
        path,
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// Runs `args` with standard output a pipe whose reader is already gone.
fn into_closed_pipe(args: &[&str]) -> Output {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_of_the_analysis() {
    let o = into_closed_pipe(&["analyze", SAMPLE]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let o = into_closed_pipe(&["analyze", "--fail-on", "never", "-o", "json", SAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    for args in [
        &["rules", "list"][..],
        &["rules", "patterns"],
        &["rules", "docs"],
    ] {
        let o = into_closed_pipe(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn bash_accepts_the_bash_completions_and_every_shell_gets_a_script() {
    let dir = temp_dir("completions");
    let o = kvdiag(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    let script = dir.join("kvdiag.bash");
    std::fs::write(&script, &o.stdout).expect("write");
    assert!(stdout(&o).contains("--select"), "completes the flags");
    let bash = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(bash.status.success(), "{}", stderr(&bash));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = kvdiag(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(stdout(&o).contains("kvdiag"), "{shell}");
    }
    let o = kvdiag(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("possible values"), "{}", stderr(&o));
}

#[test]
fn the_man_page_renders_with_man() {
    let dir = temp_dir("man");
    let o = kvdiag(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with(".ie") || stdout(&o).contains(".TH kvdiag"));
    let page = dir.join("kvdiag.1");
    std::fs::write(&page, &o.stdout).expect("write");
    let man = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
        .expect("man is installed (apt-get install man-db)");
    assert!(man.status.success(), "{}", stderr(&man));
    let text = stdout(&man);
    assert!(text.contains("kvdiag"), "{text}");
    assert!(text.contains("Exit codes"), "{text}");
}

#[test]
fn select_and_ignore_choose_rules_by_id_prefix_and_cause() {
    let causes = |args: &[&str]| -> Vec<String> {
        let mut argv = vec!["analyze", "-o", "json", SAMPLE];
        argv.extend_from_slice(args);
        let o = kvdiag(&argv);
        assert_ne!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let mut c: Vec<String> = v["summary"]["causes"]
            .as_object()
            .expect("causes")
            .keys()
            .cloned()
            .collect();
        c.sort();
        c
    };
    let all = causes(&[]);
    assert!(all.contains(&"oom-killed".to_owned()), "{all:?}");
    assert_eq!(causes(&["--select", "cause:oom-killed"]), ["oom-killed"]);
    let no_oom = causes(&["--ignore", "runtime/oom-killed"]);
    assert!(!no_oom.contains(&"oom-killed".to_owned()), "{no_oom:?}");
    assert_eq!(no_oom.len(), all.len() - 1, "{no_oom:?}");
    let runtime = causes(&["--select", "runtime/", "--ignore", "cause:qemu-crash"]);
    assert!(runtime.contains(&"oom-killed".to_owned()), "{runtime:?}");
    assert!(!runtime.contains(&"qemu-crash".to_owned()), "{runtime:?}");
    assert!(
        !runtime.contains(&"guest-kernel-panic".to_owned()),
        "{runtime:?}"
    );
    // Comma-separated, and from the environment.
    assert_eq!(
        causes(&["--select", "cause:oom-killed,cause:qemu-crash"]),
        ["oom-killed", "qemu-crash"]
    );
    let o = command(&["analyze", "-o", "json", SAMPLE])
        .env("KVDIAG_SELECT", "cause:qemu-crash")
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["summary"]["diagnoses"], 1, "{}", v["summary"]);

    let o = kvdiag(&["analyze", SAMPLE, "--select", "cause:oom-kiled"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "--select `cause:oom-kiled`: no such cause; did you mean `cause:oom-killed`?"
        ),
        "{}",
        stderr(&o)
    );
    let o = kvdiag(&["analyze", SAMPLE, "--ignore", "oom-killed"]);
    assert!(
        stderr(&o).contains("did you mean `cause:oom-killed`?"),
        "{}",
        stderr(&o)
    );

    // Custom rules are selected the same way.
    let o = kvdiag(&[
        "rules",
        "list",
        "--rules",
        "examples/rules",
        "--select",
        "acme/",
    ]);
    let listed = stdout(&o);
    let line = |id: &str| {
        listed
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(id))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("acme/kvm-internal-error").starts_with("on "),
        "{listed}"
    );
    assert!(line("runtime/oom-killed").starts_with("off"), "{listed}");
    let o = kvdiag(&["rules", "list", "-o", "json", "--ignore", "runtime/"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    for r in v.as_array().expect("rules") {
        let runtime = r["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("runtime/"));
        assert_eq!(r["active"], !runtime, "{r}");
    }
}

#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let dir = temp_dir("precedence");
    std::fs::write(
        dir.join("kvdiag.toml"),
        "# site defaults\noutput = \"json\"\nfail-on = \"never\"\n",
    )
    .expect("write");
    let sub = dir.join("case-1");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let oom = root().join("fixtures/oom-killed");
    let oom = oom.to_str().expect("utf-8");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = command(args);
        c.current_dir(&sub);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("runs")
    };
    // The file, found upward.
    let o = run(&["analyze", oom], &[]);
    assert_eq!(o.status.code(), Some(0), "fail-on never: {}", stderr(&o));
    assert!(stdout(&o).starts_with('{'), "{}", stdout(&o));
    // The environment beats it.
    let o = run(&["analyze", oom], &[("KVDIAG_OUTPUT", "markdown")]);
    assert!(stdout(&o).starts_with("# kvdiag report"), "{}", stdout(&o));
    // A flag beats both.
    let o = run(
        &["analyze", "-o", "text", "--fail-on", "error", oom],
        &[("KVDIAG_OUTPUT", "markdown")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("kvdiag analysed"), "{}", stdout(&o));
    // --no-config ignores the file.
    let o = run(&["analyze", "--no-config", oom], &[]);
    assert_eq!(o.status.code(), Some(1));
    // `kvdiag config` says where each value came from.
    let o = run(
        &["config", "--fail-on", "warning"],
        &[("KVDIAG_OUTPUT", "markdown")],
    );
    let shown = stdout(&o);
    let entry = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        entry("output").contains("\"markdown\"")
            && entry("output").ends_with("# environment KVDIAG_OUTPUT"),
        "{shown}"
    );
    assert!(
        entry("fail-on").contains("\"warning\"") && entry("fail-on").ends_with("# flag"),
        "{shown}"
    );
    assert!(entry("select").ends_with("# default"), "{shown}");
    assert!(
        shown.contains("found upward from the working directory"),
        "{shown}"
    );
    // KVDIAG_CONFIG names another file.
    let other = dir.join("other.toml");
    std::fs::write(&other, "select = [\"cause:oom-killed\"]\n").expect("write");
    let o = run(
        &["config"],
        &[("KVDIAG_CONFIG", other.to_str().expect("utf-8"))],
    );
    assert!(stdout(&o).contains("(KVDIAG_CONFIG)"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("[\"cause:oom-killed\"]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_bad_configuration_file_is_an_error_with_file_line_and_column() {
    let dir = temp_dir("badconfig");
    let file = dir.join("kvdiag.toml");
    let run = |text: &str| {
        std::fs::write(&file, text).expect("write");
        let o = command(&["config"])
            .current_dir(&dir)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(2), "{text}");
        stderr(&o)
    };
    let err = run("output = \"json\"\nfail_on = \"warning\"\n");
    assert!(
        err.contains("kvdiag.toml:2:1: unknown field `fail_on`, expected one of"),
        "{err}"
    );
    let err = run("\nfail-on = \"warn\"\n");
    assert!(err.contains("kvdiag.toml:2:11:"), "{err}");
    assert!(
        err.contains("expected one of `critical`, `error`, `warning`, `info`, `never`"),
        "{err}"
    );
    let err = run("select = \"runtime/\"\n");
    assert!(
        err.contains("kvdiag.toml:1:10: invalid type: string \"runtime/\", expected a sequence"),
        "{err}"
    );
    let err = run("[limits]\nmax-document-size = \"lots\"\n");
    assert!(
        err.contains("kvdiag.toml:2:21: `max-document-size`: `lots` is not a size"),
        "{err}"
    );
}

#[test]
fn a_configuration_found_by_searching_may_not_write_files_or_load_rules_from_outside() {
    let dir = temp_dir("searched");
    let file = dir.join("kvdiag.toml");
    std::fs::write(&file, "output-file = \"/tmp/kvdiag-owned.txt\"\n").expect("write");
    let o = command(&["config"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("kvdiag.toml:1:15: `output-file`: a kvdiag.toml found by searching upward"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&file, "rules = [\"rules\", \"../elsewhere\"]\n").expect("write");
    let o = command(&["config"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("kvdiag.toml:1:19: `rules`: `../elsewhere` is outside the folder"),
        "{}",
        stderr(&o)
    );
    // Named explicitly, the same file may.
    let o = command(&["--config", file.to_str().expect("utf-8"), "config"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn output_file_takes_the_report_and_standard_output_stays_empty() {
    let dir = temp_dir("output-file");
    let out = dir.join("report.json");
    let o = kvdiag(&[
        "analyze",
        "-o",
        "json",
        "--output-file",
        out.to_str().expect("utf-8"),
        "fixtures/oom-killed",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(v["schema"], "kvdiag/v1");
    let o = kvdiag(&[
        "analyze",
        "--output-file",
        "/no/such/dir/r.txt",
        "fixtures/oom-killed",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/dir/r.txt"), "{}", stderr(&o));
}

#[test]
fn quiet_shows_only_findings_and_many_healthy_vms_take_one_line() {
    let o = kvdiag(&["analyze", "-q", SAMPLE]);
    let text = stdout(&o);
    assert!(
        text.contains("● VirtualMachine web-prod/web-cache"),
        "{text}"
    );
    assert!(!text.contains("no findings"), "{text}");
    assert!(!text.contains("skipped "), "{text}");
    assert!(text.contains("Causes: "), "{text}");
    assert!(text.contains("Inputs: "), "{text}");

    let dir = temp_dir("healthy");
    let mut vms = String::new();
    for n in 0..25 {
        vms.push_str(&format!(
            "---\napiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {{name: vm-{n}, namespace: prod}}\nstatus: {{printableStatus: Running}}\n"
        ));
    }
    std::fs::write(dir.join("vms.yaml"), vms).expect("write");
    let path = dir.to_str().expect("utf-8");
    let o = kvdiag(&["analyze", path]);
    let text = stdout(&o);
    assert!(
        text.contains("✓ 25 subject(s) with no findings (--all lists them)"),
        "{text}"
    );
    assert!(!text.contains("vm-7"), "{text}");
    let o = kvdiag(&["analyze", "--all", path]);
    let text = stdout(&o);
    assert_eq!(text.matches(": no findings").count(), 25, "{text}");
    let o = kvdiag(&["analyze", "-q", "--all", path]);
    assert_eq!(o.status.code(), Some(2), "-q and --all conflict");
}

#[test]
fn every_format_counts_diagnoses_per_cause() {
    let o = kvdiag(&["analyze", "-o", "json", SAMPLE]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["summary"]["causes"]["oom-killed"], 1, "{}", v["summary"]);
    let total: u64 = v["summary"]["causes"]
        .as_object()
        .expect("causes")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(Some(total), v["summary"]["diagnoses"].as_u64());
    let o = kvdiag(&["analyze", "-o", "markdown", SAMPLE]);
    assert!(stdout(&o).contains("Causes: "), "{}", stdout(&o));
    assert!(stdout(&o).contains("`oom-killed` 1"), "{}", stdout(&o));
    let o = kvdiag(&["analyze", SAMPLE]);
    assert!(stdout(&o).contains("oom-killed 1"), "{}", stdout(&o));
}

#[test]
fn flag_values_are_checked_and_rules_commands_take_rules_alike() {
    let o = kvdiag(&["rules", "list", "-o", "markdown"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid value 'markdown' for '--output <OUTPUT>'"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("[possible values: text, json]"),
        "{}",
        stderr(&o)
    );
    let o = kvdiag(&["analyze", "--fail-on", "sometimes", SAMPLE]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--fail-on"), "{}", stderr(&o));
    // --rules and positional paths are the same on lint and test.
    for sub in ["lint", "test"] {
        let by_flag = kvdiag(&["rules", sub, "--rules", "examples/rules"]);
        let by_path = kvdiag(&["rules", sub, "examples/rules"]);
        assert_eq!(
            by_flag.status.code(),
            Some(0),
            "{sub}: {}",
            stdout(&by_flag)
        );
        assert_eq!(stdout(&by_flag), stdout(&by_path), "{sub}");
    }
    let o = kvdiag(&[
        "rules",
        "explain",
        "--rules",
        "examples/rules",
        "acme/kvm-internal-error",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn report_schema() -> serde_json::Value {
    let o = kvdiag(&["schema", "report"]);
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_str(&stdout(&o)).expect("json")
}

#[test]
fn docs_diff_schema_json_is_the_current_schema() {
    let o = kvdiag(&["schema", "diff"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("docs/diff.schema.json"))
        .expect("docs/diff.schema.json");
    assert!(
        stdout(&o) == committed,
        "docs/diff.schema.json is out of date: run `cargo run -q -p kvdiag-cli -- schema diff > docs/diff.schema.json`"
    );
}

#[test]
fn docs_report_schema_json_is_the_current_schema() {
    let o = kvdiag(&["schema", "report"]);
    let committed = std::fs::read_to_string(root().join("docs/report.schema.json"))
        .expect("docs/report.schema.json");
    assert!(
        stdout(&o) == committed,
        "docs/report.schema.json is out of date: run `cargo run -q -p kvdiag-cli -- schema report > docs/report.schema.json`"
    );
    assert_eq!(
        report_schema()["properties"]["schema"]["const"],
        "kvdiag/v1"
    );
}

#[test]
fn every_fixtures_json_report_matches_the_report_schema() {
    let validator = jsonschema::validator_for(&report_schema()).expect("a valid JSON Schema");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    inputs.sort();
    assert!(inputs.len() > 50, "{inputs:?}");
    inputs.push(root().join(SAMPLE));
    let mut checked = 0;
    for dir in &inputs {
        let path = dir.to_str().expect("utf-8");
        // --explain, so that the coverage part of the report is checked too.
        let args = [
            "analyze",
            "-o",
            "json",
            "--fail-on",
            "never",
            "--explain",
            path,
        ];
        let o = kvdiag(&args);
        if o.status.code() == Some(2) {
            // A fixture of unreadable files only: no report to check.
            assert!(
                stderr(&o).contains("nothing could be read"),
                "{path}: {}",
                stderr(&o)
            );
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
    // The schema is not vacuous: a report with a wrong field fails.
    let o = kvdiag(&["analyze", "-o", "json", "fixtures/oom-killed"]);
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    v["diagnoses"][0]["severity"] = "fatal".into();
    assert!(!validator.is_valid(&v));
    v["diagnoses"][0]["severity"] = "critical".into();
    v["schema"] = "kvdiag/v0".into();
    assert!(!validator.is_valid(&v));
}
