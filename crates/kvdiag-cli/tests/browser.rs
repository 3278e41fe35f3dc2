//! The HTML report in a real browser: fixtures' pages (and the bundled sample's) are rendered
//! by the `kvdiag` binary and loaded by headless Chromium, which must log nothing to
//! its console (a script error, a policy violation), run the page's script, and hold each
//! failing VM's section with its timeline; a screenshot of each page is written under
//! `target/` and must not be blank.
//!
//! A browser load takes seconds on a busy 2-core machine, so by default the pages of the
//! fixtures in [`BROWSER_SET`] are loaded (every capture layout, the hostile one, healthy and
//! malformed inputs, the sample); `KVDIAG_BROWSER_ALL=1` loads every fixture's page. One more
//! page, the sample beside 300 healthy VMs, checks that a long summary table shows one page of
//! rows, the most severe first, and hides the rest.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test is skipped with a
//! printed reason, except under `CI=true`, where a missing browser fails it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the browser is: `chromium` (Debian) or `chromium-browser` on the `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// What one headless load of a page gave.
struct Load {
    dom: String,
    console: Vec<String>,
    screenshot: PathBuf,
}

/// Loads `page` in a fresh profile: the DOM after load, console messages, a screenshot.
fn load(browser: &Path, page: &Path, screenshot: &Path, scratch: &Path) -> Load {
    let profile = scratch.join(format!(
        "profile-{}",
        page.file_stem().and_then(|s| s.to_str()).unwrap_or("page")
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("a profile folder");
    let _ = std::fs::remove_file(screenshot);
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes while the browser runs (it can fill either).
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish loading {} in 120 s",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&profile);
    Load {
        dom,
        // Chromium logs every console message (script errors and policy violations included)
        // as `...:INFO:CONSOLE(line)] "message", source: ...`.
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
        screenshot: screenshot.to_owned(),
    }
}

/// Whether the PNG at `path` shows something: many colours and a spread of brightness.
fn not_blank(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("no screenshot: {e}"))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::BTreeSet::new();
    let (mut sum, mut squares, mut n) = (0f64, 0f64, 0f64);
    for px in pixels.chunks_exact(channels) {
        let luma = match channels {
            1 | 2 => f64::from(px[0]),
            _ => 0.299 * f64::from(px[0]) + 0.587 * f64::from(px[1]) + 0.114 * f64::from(px[2]),
        };
        sum += luma;
        squares += luma * luma;
        n += 1.0;
        if colours.len() < 1000 {
            colours.insert(px[..channels.min(3)].to_vec());
        }
    }
    let mean = sum / n.max(1.0);
    let variance = squares / n.max(1.0) - mean * mean;
    if variance < 50.0 || colours.len() < 16 {
        return Err(format!(
            "blank: brightness variance {variance:.1}, {} colours ({}x{})",
            colours.len(),
            info.width,
            info.height
        ));
    }
    Ok(())
}

/// The fixtures loaded by default: one of each capture layout and output shape.
const BROWSER_SET: &[&str] = &[
    "examples-sample",
    "html-hostile",
    "must-gather-all-causes",
    "harvester-bundle",
    "insights-archive",
    "cluster-info-dump",
    "mcp-outputs",
    "loose-files",
    "healthy-noise",
    "malformed-mixed",
    "oom-killed",
    "dv-import-failed",
];

/// Rows of the summary table shown at first.
const PAGE: usize = 250;

/// The bundled sample beside 300 healthy VMs, in a folder under `out`: a summary table
/// longer than a page.
fn fleet(out: &Path) -> (String, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("a folder");
        for entry in std::fs::read_dir(from).expect("the sample").flatten() {
            let path = entry.path();
            if path.is_dir() {
                copy(&path, &to.join(entry.file_name()));
            } else {
                std::fs::copy(&path, to.join(entry.file_name())).expect("a copy");
            }
        }
    }
    let dir = out.join("fleet");
    let _ = std::fs::remove_dir_all(&dir);
    copy(&workspace().join("examples/sample"), &dir.join("sample"));
    let mut list = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..300 {
        list.push_str(&format!(
            "- apiVersion: kubevirt.io/v1\n  kind: VirtualMachine\n  metadata:\n    name: vm-{i:04}\n    namespace: fleet\n  status:\n    printableStatus: Running\n"
        ));
    }
    std::fs::write(dir.join("fleet.yaml"), list).expect("fleet.yaml");
    ("fleet".to_owned(), dir)
}

/// The fixture folders and the bundled sample.
fn captures() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .expect("fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| kvdiag_fs::fixture::is_fixture(p))
        .collect();
    dirs.sort();
    dirs.push(workspace().join("examples/sample"));
    dirs.into_iter()
        .map(|d| {
            let name = if d.ends_with("examples/sample") {
                "examples-sample".to_owned()
            } else {
                d.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("?")
                    .to_owned()
            };
            (name, d)
        })
        .collect()
}

fn kvdiag(dir: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .arg("analyze")
        .arg(dir)
        .args(["-o", format])
        .stdin(Stdio::null())
        .output()
        .expect("kvdiag runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Checks the page of one capture; the problems found.
fn check(browser: &Path, name: &str, dir: &Path, out: &Path) -> Vec<String> {
    let html = kvdiag(dir, "html");
    let page = out.join(format!("{name}.html"));
    std::fs::write(&page, &html).expect("the page is written");
    let json: serde_json::Value =
        serde_json::from_str(&kvdiag(dir, "json")).expect("the JSON report parses");
    let failing = json["subjects"]
        .as_array()
        .map_or(0, |s| s.iter().filter(|s| s["diagnoses"] != 0).count());
    let subjects = json["subjects"].as_array().map_or(0, Vec::len);

    let shot = out.join(format!("{name}.png"));
    let load = load(browser, &page, &shot, out);
    let mut problems = Vec::new();
    let mut fail = |p: String| problems.push(format!("{name}: {p}"));
    if !load.console.is_empty() {
        fail(format!(
            "console messages:\n  {}",
            load.console.join("\n  ")
        ));
    }
    let dom = &load.dom;
    if !dom.contains("id=\"subject-table\"") {
        fail(format!("no summary table in the DOM ({} bytes)", dom.len()));
    }
    // The page's script ran (the policy let it): it fills in the count of rows shown, at most
    // a page of them; the rest are hidden until asked for.
    let page = subjects.min(PAGE);
    let shown = if subjects > PAGE {
        format!("{page} of {subjects} shown ({subjects} match)")
    } else {
        format!("{subjects} of {subjects} shown")
    };
    if !dom.contains(&shown) {
        fail(format!("the script did not run: no {shown:?}"));
    }
    let hidden = dom
        .matches("<tr data-findings=\"0\" class=\"hidden\">")
        .count();
    if hidden != subjects - page {
        fail(format!(
            "{hidden} rows hidden of {subjects}, {} expected",
            subjects - page
        ));
    }
    let sections = dom.matches("<section class=\"vm\"").count();
    if sections != failing {
        fail(format!(
            "{sections} VM sections for {failing} subjects with findings"
        ));
    }
    let timelines = dom.matches("class=\"timeline-svg\"").count();
    if timelines != failing {
        fail(format!(
            "{timelines} timelines for {failing} subjects with findings"
        ));
    }
    if failing > 0 && !dom.contains("class=\"mark ") {
        fail("no mark on any timeline".to_owned());
    }
    if dom.matches("<script").count() != 1 {
        fail("the DOM holds a script that is not the page's".to_owned());
    }
    let handler = regex::Regex::new(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=").expect("regex");
    if let Some(m) = handler.find(dom) {
        fail(format!(
            "an element carries an event handler: {}",
            m.as_str()
        ));
    }
    if let Err(e) = not_blank(&load.screenshot) {
        fail(format!("screenshot {}: {e}", load.screenshot.display()));
    }
    problems
}

#[test]
fn every_fixture_report_loads_in_headless_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but no chromium on the PATH: .ci/run installs Debian's chromium");
        }
        println!("skipped: no chromium on the PATH (apt-get install -y chromium)");
        return;
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-reports");
    std::fs::create_dir_all(&out).expect("target/tmp/html-reports");
    let all = std::env::var("KVDIAG_BROWSER_ALL").is_ok_and(|v| v == "1");
    let mut chosen: Vec<(String, PathBuf)> = captures()
        .into_iter()
        .filter(|(name, _)| all || BROWSER_SET.contains(&name.as_str()))
        .collect();
    assert!(
        all || chosen.len() == BROWSER_SET.len(),
        "a fixture of BROWSER_SET is missing"
    );
    chosen.push(fleet(&out));
    let todo = Mutex::new(chosen);
    let problems = Mutex::new(Vec::new());
    // Two browsers at a time: each load is mostly waiting.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let next = todo.lock().map(|mut t| t.pop()).unwrap_or(None);
                    let Some((name, dir)) = next else { break };
                    let found = check(&browser, &name, &dir, &out);
                    if let Ok(mut p) = problems.lock() {
                        p.extend(found);
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap_or_default();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("pages and screenshots in {}", out.display());
}
