//! Privacy, end to end through the real binary: Secret data never reaches any output, whatever
//! path it came by; and `--redact` leaves no name of the capture in any output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kvdiag::Snapshot;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kvdiag(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(args)
        .current_dir(root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvdiag runs");
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(data).expect("stdin");
    }
    let out = child.wait_with_output().expect("kvdiag ends");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "kvdiag {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const CANARIES: &[&str] = &[
    "KVDIAG-CANARY",
    // base64 of "KVDIAG-CANARY-password", as Secret `data` holds it.
    "S1ZESUFHLUNBTkFSWS1wYXNzd29yZA",
    "hunter2-canary",
];

fn secret_yaml(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: prod-db\n  annotations: {{note: hunter2-canary}}\ntype: Opaque\ndata:\n  password: S1ZESUFHLUNBTkFSWS1wYXNzd29yZA==\nstringData:\n  token: KVDIAG-CANARY-token\n"
    )
}

/// A capture holding Secrets on every path kvdiag reads: a must-gather's `secrets.yaml` and
/// `secrets/`, a `kind: List`, a `SecretList` named innocently, JSON, an MCP result, a broken
/// Secret, and a .tar.gz and a .zip of them.
fn secret_capture(dir: &Path) {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let s = secret_yaml("db-credentials");
    w(
        "mg/namespaces/prod-db/core/secrets.yaml",
        &format!(
            "apiVersion: v1\nkind: SecretList\nitems:\n- {}",
            s.replace('\n', "\n  ")
        ),
    );
    w("mg/namespaces/prod-db/core/secrets/db-credentials.yaml", &s);
    w(
        "mg/namespaces/prod-db/core/pods.yaml",
        "apiVersion: v1\nkind: PodList\nitems: []\n",
    );
    w(
        "loose/list.yaml",
        &format!(
            "apiVersion: v1\nkind: List\nitems:\n- {}",
            s.replace('\n', "\n  ")
        ),
    );
    w(
        "loose/backup.yaml",
        &format!("kind: SecretList\nitems:\n- {}", s.replace('\n', "\n  ")),
    );
    w("loose/multi.yaml", &format!("---\n{s}---\n{s}"));
    w(
        "loose/backup.json",
        r#"{"kind":"Secret","metadata":{"name":"x","namespace":"prod-db"},"data":{"password":"S1ZESUFHLUNBTkFSWS1wYXNzd29yZA=="},"stringData":{"token":"KVDIAG-CANARY-token"}}"#,
    );
    let rpc = serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": s}]}});
    w("loose/mcp-result.json", &rpc.to_string());
    w(
        "loose/broken-secret.yaml",
        &format!("{s}  extra: [KVDIAG-CANARY-unclosed\n"),
    );
    // The same in archives.
    let files: Vec<(String, String)> = vec![
        ("cap/namespaces/prod-db/core/secrets.yaml".into(), s.clone()),
        (
            "cap/list.yaml".into(),
            format!("kind: List\nitems:\n- {}", s.replace('\n', "\n  ")),
        ),
    ];
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("loose/capture.tar.gz")).expect("create"),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, text) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, text.as_bytes())
            .expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gz");
    let mut zip =
        zip::ZipWriter::new(std::fs::File::create(dir.join("loose/capture.zip")).expect("create"));
    for (name, text) in &files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip");
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvdiag-privacy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp");
    d
}

#[test]
fn secret_data_never_appears_in_any_output_format_by_any_path() {
    let dir = temp("secrets");
    secret_capture(&dir);
    let capture = dir.display().to_string();
    let mut outputs = Vec::new();
    for format in ["json", "text", "markdown", "html"] {
        for extra in [&[][..], &["--redact"][..], &["--explain"][..]] {
            let mut args = vec!["analyze", "-o", format, "--fail-on", "never"];
            args.extend_from_slice(extra);
            args.extend(["fixtures/oom-killed", &capture]);
            outputs.push((format!("{format} {extra:?}"), kvdiag(&args, None)));
            // Standard input, as a piped `oc get secret -o yaml` would give it.
            let mut args = vec!["analyze", "-o", format, "--fail-on", "never"];
            args.extend_from_slice(extra);
            args.extend(["fixtures/oom-killed", "-"]);
            let stdin = secret_yaml("piped");
            outputs.push((
                format!("{format} {extra:?} stdin"),
                kvdiag(&args, Some(stdin.as_bytes())),
            ));
        }
    }
    for (what, out) in &outputs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("oom-killed") || text.contains("OOM"),
            "{what}: no diagnosis: {text}"
        );
        for canary in CANARIES {
            assert!(
                !text.contains(canary),
                "{what} shows Secret data `{canary}`:\n{text}"
            );
        }
    }
    // And the secrets were seen: skipped by path, or dropped as objects of an unused kind.
    let json: serde_json::Value =
        serde_json::from_slice(&outputs[0].1.stdout).expect("json output");
    let skipped = json["inputs"]["skipped"].to_string();
    assert!(skipped.contains("secrets are never read"), "{skipped}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every name the capture holds: namespaces, VMs, VMIs, pods, nodes, DataVolumes, PVCs, the
/// names of log streams, and IP addresses.
fn names_of(paths: &[PathBuf]) -> Vec<String> {
    let mut b = Snapshot::builder();
    for p in paths {
        kvdiag_fs::add_path(&mut b, p).expect("capture");
    }
    let s = b.build();
    let mut names = Vec::new();
    for o in s.objects() {
        names.extend(o.namespace.clone());
        if [
            "VirtualMachine",
            "VirtualMachineInstance",
            "Pod",
            "Node",
            "DataVolume",
            "PersistentVolumeClaim",
        ]
        .contains(&o.kind.as_str())
        {
            names.extend(o.name.clone());
        }
        for keys in [
            ["status", "podIP"],
            ["status", "hostIP"],
            ["spec", "nodeName"],
        ] {
            names.extend(o.str_at(&keys).map(str::to_owned));
        }
        let addresses = o.root().at(&["status", "addresses"]);
        for a in addresses.into_iter().flat_map(|a| a.items()) {
            names.extend(a.str_at(&["address"]).map(str::to_owned));
        }
    }
    for l in s.logs() {
        let src = &l.source;
        for n in [&src.namespace, &src.pod, &src.vm, &src.node] {
            names.extend(n.clone());
        }
    }
    names.sort();
    names.dedup();
    names.retain(|n| n.len() > 1 && n.bytes().any(|b| b.is_ascii_alphabetic() || b == b'.'));
    names
}

/// `name` appears as a whole word (not inside a longer run of letters and digits).
fn appears(text: &str, name: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let n = name.to_ascii_lowercase();
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    t.match_indices(&n)
        .any(|(i, _)| !alnum(t[..i].chars().next_back()) && !alnum(t[i + n.len()..].chars().next()))
}

#[test]
fn redact_leaves_no_name_of_the_capture_in_any_output() {
    let captures = [
        root().join("examples/sample/must-gather.local.5203181046512837"),
        root().join("fixtures/oom-killed"),
        root().join("fixtures/unschedulable-taint"),
        root().join("fixtures/mcp-outputs"),
    ];
    let names = names_of(&captures);
    assert!(names.len() > 30, "{names:?}");
    for must in ["prod-db", "rhel9-db", "worker-0.ocp4.lab.example.com"] {
        assert!(
            names.iter().any(|n| n == must),
            "{must} is not among {names:?}"
        );
    }
    let paths: Vec<String> = captures.iter().map(|p| p.display().to_string()).collect();
    let mut masks = Vec::new();
    for format in ["json", "text", "markdown", "html"] {
        let mut args = vec![
            "analyze",
            "--redact",
            "--explain",
            "-o",
            format,
            "--fail-on",
            "never",
        ];
        args.extend(paths.iter().map(String::as_str));
        let out = kvdiag(&args, None);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            text.contains("vm-") && text.contains("ns-"),
            "{format}: no masks:\n{text}"
        );
        // The fixture folders are named by the repository, not the capture.
        let text = text.replace(&root().display().to_string(), "");
        let leaks: Vec<&String> = names.iter().filter(|n| appears(&text, n)).collect();
        assert!(leaks.is_empty(), "{format} output names {leaks:?}:\n{text}");
        masks.push(text);
    }
    // The same input gives the same masks.
    let mut args = vec!["analyze", "--redact", "-o", "json", "--fail-on", "never"];
    args.extend(paths.iter().map(String::as_str));
    let a = kvdiag(&args, None).stdout;
    let b = kvdiag(&args, None).stdout;
    assert_eq!(a, b);
}

#[test]
fn redact_masks_vms_known_only_from_evidence_in_every_capture_layout() {
    let captures = [
        "fixtures/insights-archive",
        "fixtures/harvester-bundle",
        "fixtures/must-gather-node-folders",
    ];
    // The VM of the Insights launcher excerpt has no object: only its pod's name and QEMU's
    // `-name guest=` name it.
    let names = [
        "centos-stream10-gray-skunk-52",
        "virt-launcher-centos-stream10-gray-skunk-52-x7k2p",
        "fedora-builder",
        "build-runner-3",
        "worker-1.ocp4.lab.example.com",
        "worker-1",
    ];
    for format in ["json", "text", "markdown", "html"] {
        let mut args = vec!["analyze", "--redact", "-o", format, "--fail-on", "never"];
        args.extend(captures);
        let out = kvdiag(&args, None);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("vm-"), "{format}: no masks:\n{text}");
        let leaks: Vec<&&str> = names.iter().filter(|n| appears(&text, n)).collect();
        assert!(leaks.is_empty(), "{format} output names {leaks:?}:\n{text}");
    }
}
