//! The real-case corpus (`fixtures/real/`): cases cut verbatim from public bug reports, each with
//! the causes its thread's experts found (`expected.yaml`). The built binary is run on every case
//! as a user would run it, and so is the grep baseline (`fixtures/real/guide-symptoms.tsv`).
//!
//! - `every_real_case_passes_or_is_a_known_miss`: a case without `known_miss` must pass; a case
//!   with `known_miss` must not (remove the marker when kvdiag learns it).
//! - `accuracy_md_is_current`: the table between the markers of `ACCURACY.md` is what the corpus
//!   gives today; `UPDATE_ACCURACY=1 cargo test -p kvdiag-cli --test real_cases` rewrites it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;

/// Dropping a case must fail the test: raise this when cases are added.
const MIN_CASES: usize = 102;

/// The cause codes an `expected.yaml` may name: today's and the proposed ones (issue 12).
const CAUSES: &[&str] = &[
    "oom-killed",
    "launcher-limits-too-low",
    "guest-kernel-panic",
    "guest-boot-failure",
    "qemu-crash",
    "libvirt-config-error",
    "kvm-unavailable",
    "dv-not-ready",
    "dv-import-failed",
    "pvc-not-found",
    "image-pull-failed",
    "unschedulable-taint",
    "unschedulable-resources",
    "unschedulable-affinity",
    "stuck-starting",
    "stuck-stopping",
    "stuck-terminating",
    "crashloop-unknown",
    "migration-failed",
    "volume-mount-failed",
    "pod-network-failed",
    "disk-permission-denied",
];

const BEGIN: &str = "<!-- accuracy:begin -->";
const END: &str = "<!-- accuracy:end -->";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn real_dir() -> PathBuf {
    root().join("fixtures/real")
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default)]
    expect: Vec<Expect>,
    #[serde(default)]
    must_not: Vec<String>,
    #[serde(default)]
    healthy: bool,
    #[serde(default)]
    known_miss: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    cause: String,
    #[serde(default)]
    or: Vec<String>,
    #[serde(default)]
    subject: Option<String>,
}

impl Expect {
    fn causes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.cause.as_str()).chain(self.or.iter().map(String::as_str))
    }
}

/// What a tool reported for a case: (subject as `namespace/name`, cause), at warning or above.
type Found = BTreeSet<(String, String)>;

#[derive(Debug)]
struct Case {
    name: String,
    /// Every file and folder directly inside `artifacts/`, sorted, relative to the repository root.
    artifacts: Vec<String>,
    expected: Expected,
}

#[derive(Debug, Default)]
struct Score {
    /// Per `expect` entry: was it found?
    hits: Vec<bool>,
    /// Causes reported although forbidden (`must_not`, or anything for a healthy case).
    violations: BTreeSet<String>,
}

impl Score {
    fn hit(&self) -> bool {
        self.hits.iter().all(|h| *h)
    }
    fn passes(&self) -> bool {
        self.hit() && self.violations.is_empty()
    }
}

fn score(expected: &Expected, found: &Found) -> Score {
    let hits = expected
        .expect
        .iter()
        .map(|e| {
            found.iter().any(|(subject, cause)| {
                e.causes().any(|c| c == cause) && e.subject.as_ref().is_none_or(|s| s == subject)
            })
        })
        .collect();
    let violations = found
        .iter()
        .map(|(_, cause)| cause)
        .filter(|cause| expected.healthy || expected.must_not.contains(cause))
        .cloned()
        .collect();
    Score { hits, violations }
}

struct Results {
    cases: Vec<Case>,
    kvdiag: Vec<Found>,
    grep: Vec<Found>,
}

/// Loads every case, or panics with every structural problem found.
fn load_cases() -> Vec<Case> {
    let real = real_dir();
    let mut problems = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&real)
        .expect("fixtures/real exists")
        .map(|e| e.expect("fixtures/real is readable").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .expect("a case folder has a name")
            .to_string_lossy()
            .into_owned();
        for needed in ["source.md", "expected.yaml", "artifacts"] {
            if !dir.join(needed).exists() {
                problems.push(format!("{name}: no {needed}"));
            }
        }
        let Ok(text) = std::fs::read_to_string(dir.join("expected.yaml")) else {
            continue;
        };
        let expected: Expected = match serde_saphyr::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{name}: expected.yaml: {e}"));
                continue;
            }
        };
        let named = expected
            .expect
            .iter()
            .flat_map(Expect::causes)
            .chain(expected.must_not.iter().map(String::as_str));
        for cause in named {
            if !CAUSES.contains(&cause) {
                problems.push(format!("{name}: unknown cause code {cause:?}"));
            }
        }
        if expected.healthy && !expected.expect.is_empty() {
            problems.push(format!("{name}: healthy: true with causes expected"));
        }
        if !expected.healthy && expected.expect.is_empty() && expected.must_not.is_empty() {
            problems.push(format!("{name}: expects nothing and forbids nothing"));
        }
        if expected
            .known_miss
            .as_deref()
            .is_some_and(|w| w.trim().is_empty())
        {
            problems.push(format!("{name}: known_miss must say why"));
        }
        let mut artifacts: Vec<String> = std::fs::read_dir(dir.join("artifacts"))
            .map(|rd| {
                rd.map(|e| {
                    let e = e.expect("artifacts/ is readable");
                    format!(
                        "fixtures/real/{name}/artifacts/{}",
                        e.file_name().to_string_lossy()
                    )
                })
                .collect()
            })
            .unwrap_or_default();
        artifacts.sort();
        if artifacts.is_empty() {
            problems.push(format!("{name}: artifacts/ is empty"));
        }
        cases.push(Case {
            name,
            artifacts,
            expected,
        });
    }
    assert!(
        problems.is_empty(),
        "malformed cases in fixtures/real:\n  {}",
        problems.join("\n  ")
    );
    assert!(
        cases.len() >= MIN_CASES,
        "fixtures/real holds {} cases, fewer than MIN_CASES = {MIN_CASES}: was a case dropped?",
        cases.len()
    );
    cases
}

/// `kvdiag analyze -o json` on a case's artifacts: (subject, cause) at warning or above.
fn run_kvdiag(case: &Case) -> Found {
    let out = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
        .args(["analyze", "-o", "json", "--fail-on", "never"])
        .args(&case.artifacts)
        .current_dir(root())
        .output()
        .expect("kvdiag runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: kvdiag failed: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: the report is not JSON: {e}", case.name));
    let mut found = Found::new();
    for d in report["diagnoses"].as_array().into_iter().flatten() {
        let severity = d["severity"].as_str().unwrap_or_default();
        if !matches!(severity, "critical" | "error" | "warning") {
            continue;
        }
        let subject = &d["subject"];
        let name = subject["name"].as_str().unwrap_or_default();
        let subject = match subject["namespace"].as_str() {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_owned(),
        };
        let cause = d["cause"].as_str().unwrap_or_default().to_owned();
        found.insert((subject, cause));
    }
    found
}

/// The grep baseline's patterns: (regex, cause).
fn grep_patterns() -> Vec<(regex::Regex, String)> {
    let tsv = std::fs::read_to_string(real_dir().join("guide-symptoms.tsv"))
        .expect("fixtures/real/guide-symptoms.tsv");
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && *l != "pattern\tcause")
        .map(|l| {
            let (pattern, cause) = l.split_once('\t').expect("pattern<TAB>cause");
            let re = regex::Regex::new(pattern)
                .unwrap_or_else(|e| panic!("guide-symptoms.tsv: {pattern}: {e}"));
            (re, cause.trim().to_owned())
        })
        .collect()
}

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("readable folder")
            .map(|e| e.expect("readable entry").path())
            .collect();
        entries.sort();
        for e in entries {
            files_under(&e, out);
        }
    } else {
        out.push(path.to_path_buf());
    }
}

/// A cause is reported by grep when its pattern matches a line of an artifact (no subject).
fn run_grep(case: &Case, patterns: &[(regex::Regex, String)]) -> Found {
    let mut files = Vec::new();
    for a in &case.artifacts {
        files_under(&root().join(a), &mut files);
    }
    let mut found = Found::new();
    for f in files {
        let bytes = std::fs::read(&f).expect("readable artifact");
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            for (re, cause) in patterns {
                if re.is_match(line) {
                    found.insert((String::new(), cause.clone()));
                }
            }
        }
    }
    found
}

/// Runs both tools on every case once per test process (both tests share it).
fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let cases = load_cases();
        let patterns = grep_patterns();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut kvdiag: Vec<Option<Found>> = vec![None; cases.len()];
        let slots = std::sync::Mutex::new(&mut kvdiag);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        let found = run_kvdiag(case);
                        slots.lock().expect("no poisoned lock")[i] = Some(found);
                    }
                });
            }
        });
        let kvdiag = kvdiag
            .into_iter()
            .map(|f| f.expect("every case ran"))
            .collect();
        let grep = cases.iter().map(|c| run_grep(c, &patterns)).collect();
        Results {
            cases,
            kvdiag,
            grep,
        }
    })
}

fn show(found: &Found) -> String {
    if found.is_empty() {
        return "nothing".into();
    }
    found
        .iter()
        .map(|(s, c)| {
            if s.is_empty() {
                c.clone()
            } else {
                format!("{c} on {s}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn every_real_case_passes_or_is_a_known_miss() {
    let r = results();
    let mut problems = Vec::new();
    for (case, found) in r.cases.iter().zip(&r.kvdiag) {
        let s = score(&case.expected, found);
        let missed: Vec<&str> = case
            .expected
            .expect
            .iter()
            .zip(&s.hits)
            .filter(|(_, h)| !**h)
            .map(|(e, _)| e.cause.as_str())
            .collect();
        match (&case.expected.known_miss, s.passes()) {
            (None, false) => problems.push(format!(
                "{}: fails (missed: [{}], violations: [{}]); kvdiag found: {}",
                case.name,
                missed.join(", "),
                s.violations.iter().cloned().collect::<Vec<_>>().join(", "),
                show(found)
            )),
            (Some(_), true) => problems.push(format!(
                "{}: passes now although marked known_miss: remove the marker; kvdiag found: {}",
                case.name,
                show(found)
            )),
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "real cases that moved between pass and miss:\n  {}",
        problems.join("\n  ")
    );
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        return "-".into();
    }
    format!("{:.0} %", 100.0 * n as f64 / of as f64)
}

/// The generated part of ACCURACY.md.
fn accuracy_table(r: &Results) -> String {
    #[derive(Default)]
    struct Row {
        expected: usize,
        kv_hits: usize,
        kv_violations: usize,
        grep_hits: usize,
        grep_violations: usize,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let (mut kv_pass, mut grep_pass) = (0, 0);
    let (mut healthy, mut kv_healthy, mut grep_healthy) = (0, 0, 0);
    let (mut lookalike, mut kv_lookalike, mut grep_lookalike) = (0, 0, 0);
    let mut per_case = String::new();
    for ((case, kv), grep) in r.cases.iter().zip(&r.kvdiag).zip(&r.grep) {
        let (k, g) = (score(&case.expected, kv), score(&case.expected, grep));
        for (i, e) in case.expected.expect.iter().enumerate() {
            let row = rows.entry(e.cause.clone()).or_default();
            row.expected += 1;
            row.kv_hits += usize::from(k.hits[i]);
            row.grep_hits += usize::from(g.hits[i]);
        }
        for v in &k.violations {
            rows.entry(v.clone()).or_default().kv_violations += 1;
        }
        for v in &g.violations {
            rows.entry(v.clone()).or_default().grep_violations += 1;
        }
        kv_pass += usize::from(k.passes());
        grep_pass += usize::from(g.passes());
        if case.expected.healthy {
            healthy += 1;
            kv_healthy += usize::from(k.passes());
            grep_healthy += usize::from(g.passes());
        } else if case.expected.expect.is_empty() {
            lookalike += 1;
            kv_lookalike += usize::from(k.passes());
            grep_lookalike += usize::from(g.passes());
        }
        let mut expect = if case.expected.healthy {
            "healthy".to_owned()
        } else {
            case.expected
                .expect
                .iter()
                .map(|e| e.causes().collect::<Vec<_>>().join(" or "))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !case.expected.must_not.is_empty() {
            if !expect.is_empty() {
                expect.push_str("; ");
            }
            let _ = write!(expect, "not {}", case.expected.must_not.join(", not "));
        }
        let verdict = |s: &Score| {
            if s.passes() {
                "pass".to_owned()
            } else if !s.hit() && !s.violations.is_empty() {
                "miss, violation".to_owned()
            } else if s.hit() {
                "violation".to_owned()
            } else {
                "miss".to_owned()
            }
        };
        let known = if case.expected.known_miss.is_some() {
            " (known miss)"
        } else {
            ""
        };
        let causes_only = |f: &Found| {
            let set: BTreeSet<&str> = f.iter().map(|(_, c)| c.as_str()).collect();
            if set.is_empty() {
                "-".to_owned()
            } else {
                set.into_iter().collect::<Vec<_>>().join(", ")
            }
        };
        let _ = writeln!(
            per_case,
            "| {} | {} | {}{} | {} | {} | {} |",
            case.name,
            expect,
            verdict(&k),
            known,
            causes_only(kv),
            verdict(&g),
            causes_only(grep)
        );
    }
    let n = r.cases.len();
    let mut out = String::new();
    out.push_str("| cause | cases expecting it | kvdiag hits | kvdiag violations | grep hits | grep violations |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (cause, row) in &rows {
        let _ = writeln!(
            out,
            "| {cause} | {} | {} | {} | {} | {} |",
            row.expected, row.kv_hits, row.kv_violations, row.grep_hits, row.grep_violations
        );
    }
    let _ = writeln!(
        out,
        "| (healthy controls: cases passing) | {healthy} | {kv_healthy} | | {grep_healthy} | |"
    );
    let _ = writeln!(
        out,
        "| (look-alike controls, `must_not` only: cases passing) | {lookalike} | {kv_lookalike} | | {grep_lookalike} | |"
    );
    let _ = writeln!(
        out,
        "\n**{n} cases.** kvdiag passes {kv_pass} ({}), grep passes {grep_pass} ({}).\n",
        pct(kv_pass, n),
        pct(grep_pass, n)
    );
    out.push_str("| case | expected | kvdiag | kvdiag reported | grep | grep reported |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    out.push_str(&per_case);
    out
}

#[test]
fn accuracy_md_is_current() {
    let table = accuracy_table(results());
    let path = root().join("ACCURACY.md");
    let text = std::fs::read_to_string(&path).expect("ACCURACY.md exists");
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        panic!("ACCURACY.md lacks the {BEGIN} / {END} markers");
    };
    let current = &text[b + BEGIN.len()..e];
    let wanted = format!("\n{table}");
    if std::env::var_os("UPDATE_ACCURACY").is_some() {
        let new = format!("{}{BEGIN}{wanted}{}", &text[..b], &text[e..]);
        std::fs::write(&path, new).expect("ACCURACY.md is writable");
        return;
    }
    assert!(
        current == wanted,
        "ACCURACY.md is out of date: run UPDATE_ACCURACY=1 cargo test -p kvdiag-cli --test real_cases\n\
         --- generated now ---\n{wanted}"
    );
}
