//! `kvdiag mcp` driven by a real MCP client: the official Python SDK (`mcp` on PyPI, pinned
//! below), installed by this test in a virtual environment under the target folder. The client
//! (`tests/mcp_client.py`) goes through initialize, tools/list, tools/call of every tool,
//! refused paths, malformed arguments and bad input files.
//!
//! Needs Python 3.10 or newer with `venv` and pip access to PyPI (once: the environment is
//! kept). `KVDIAG_PYTHON` names the interpreter (default `python3`). Without Python, or without
//! network for the first install, the test says so and passes, except under `CI=true`, where
//! it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The version of the official MCP Python SDK the test runs.
const MCP_SDK: &str = "2.3.0";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Stops the test: a failure in CI, a skip elsewhere.
fn unavailable(why: &str) {
    assert!(!in_ci(), "CI=true: the MCP client test cannot run: {why}");
    eprintln!("SKIPPED the MCP client test: {why} (under CI=true this fails)");
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn runs(cmd: &mut Command) -> Result<(), String> {
    match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("{cmd:?}: {e}")),
    }
}

/// A virtual environment with the pinned SDK, made once and kept under the target folder.
fn client_python() -> Option<PathBuf> {
    let python = std::env::var("KVDIAG_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    if let Err(e) = runs(Command::new(&python).args([
        "-c",
        "import sys, venv; assert sys.version_info >= (3, 10), sys.version",
    ])) {
        unavailable(&format!("no usable Python 3.10+ with venv: {e}"));
        return None;
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mcp-sdk-{MCP_SDK}"));
    let py = venv_python(&venv);
    let installed = |py: &Path| {
        runs(Command::new(py).args([
            "-c",
            &format!("import importlib.metadata as m; assert m.version('mcp') == '{MCP_SDK}'"),
        ]))
        .is_ok()
    };
    if py.exists() && installed(&py) {
        return Some(py);
    }
    let made = runs(
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )
    .and_then(|()| {
        runs(Command::new(&py).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("mcp=={MCP_SDK}"),
        ]))
    });
    match made {
        Ok(()) if installed(&py) => Some(py),
        Ok(()) => {
            unavailable("mcp installed but not importable");
            None
        }
        Err(e) => {
            unavailable(&format!("could not install mcp=={MCP_SDK}: {e}"));
            None
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy fixture file");
    }
}

/// The root the server reads under, and a folder outside it.
fn scene() -> (PathBuf, PathBuf) {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-scene");
    let _ = std::fs::remove_dir_all(&base);
    let (root, outside) = (base.join("root"), base.join("outside"));
    copy_dir(&workspace().join("fixtures/oom-killed"), &root.join("oom"));
    copy_dir(
        &workspace().join("fixtures/diff/rhel9-db-running"),
        &root.join("running"),
    );
    copy_dir(
        &workspace().join("fixtures/healthy-noise"),
        &root.join("healthy"),
    );
    std::fs::write(
        root.join("binary.yaml"),
        b"\x7fELF\x02\x01\x01\x00\x00\x00kind: Pod\n",
    )
    .expect("binary file");
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b' '; 1 << 20]).expect("compress");
        std::fs::write(root.join("bomb.json.gz"), gz.finish().expect("gzip")).expect("bomb");
    }
    std::fs::create_dir_all(&outside).expect("outside");
    std::fs::write(
        outside.join("secret.yaml"),
        "kind: Pod\nmetadata: {name: not-yours}\n",
    )
    .expect("outside file");
    std::fs::create_dir_all(root.join("leaky")).expect("leaky");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("secret.yaml"), root.join("leaky/pods.yaml"))
        .expect("symlink");
    (root, outside)
}

#[test]
fn the_official_python_sdk_drives_every_tool() {
    let Some(python) = client_python() else {
        return;
    };
    let (root, outside) = scene();
    let mut child = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py"))
        .arg(env!("CARGO_BIN_EXE_kvdiag"))
        .arg(&root)
        .arg(&outside)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        match child.try_wait().expect("wait for the client") {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                panic!("the MCP client did not finish within 300 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let out = child.wait_with_output().expect("client output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        status.success(),
        "the MCP client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all MCP client checks passed"), "{stdout}");
    println!("{stdout}");
    let _ = std::fs::remove_dir_all(root.parent().unwrap_or(&root));
}

/// Without Python too: a bad root cannot run, and the server speaks JSON-RPC on standard
/// input and output and ends when its input closes.
#[test]
fn the_server_answers_on_stdio_and_refuses_a_missing_root() {
    use std::io::{BufRead, BufReader, Write};
    let o = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(["mcp", "--root", "/no/such/folder"])
        .output()
        .expect("kvdiag runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--root /no/such/folder"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(["mcp", "--root"])
        .arg(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("kvdiag mcp starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut ask = |message: &str| {
        writeln!(stdin, "{message}").expect("write");
        stdin.flush().expect("flush");
    };
    ask(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"0"}}}"#,
    );
    let init = lines.next().expect("an answer").expect("a line");
    assert!(init.contains(r#""name":"kvdiag""#), "{init}");
    ask(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    ask(
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"explain_rule","arguments":{"id":42}}}"#,
    );
    let call = lines.next().expect("an answer").expect("a line");
    let v: serde_json::Value = serde_json::from_str(&call).expect("JSON-RPC");
    assert_eq!(v["id"], 2);
    assert_eq!(v["result"]["isError"], true, "{call}");
    drop(stdin);
    let status = child.wait().expect("the server ends");
    assert!(status.success(), "{status:?}");
}
