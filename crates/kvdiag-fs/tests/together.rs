//! Attribution never depends on which other inputs are given: every fixture analysed alone and
//! all fixtures analysed in one run (each fixture's namespaces and uids first rewritten to be
//! its own, as two real clusters' would be) give each VM the same diagnoses.
//!
//! Both runs are given the same capture time: the loose inputs of one run are one capture with
//! one time, so an age estimated from one fixture's data alone would differ from the time of
//! all fixtures together; what must not differ is who gets what.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kvdiag::{Report, RuleSet, Severity, Snapshot, analyze};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `(namespace, VM name)` → the causes (with rule) at warning or above.
type Found = BTreeMap<(String, String), BTreeSet<String>>;

fn found(report: &Report, rename: &dyn Fn(&str) -> String) -> Found {
    let mut out = Found::new();
    for s in &report.subjects {
        let key = (
            rename(s.subject.namespace.as_deref().unwrap_or("")),
            s.subject.name.clone(),
        );
        let causes = report
            .diagnoses
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .filter(|d| {
                d.subject.kind == s.subject.kind
                    && d.subject.namespace == s.subject.namespace
                    && d.subject.name == s.subject.name
            })
            .map(|d| format!("{} ({})", d.cause, d.rule));
        out.entry(key).or_default().extend(causes);
    }
    out
}

/// Every namespace a fixture names: in object fields, log fields, kubectl text and must-gather
/// paths.
fn namespaces(dir: &Path) -> BTreeSet<String> {
    // Object and log fields, describe headers (`Namespace:  x`), command lines (`-n x`).
    let field = regex::Regex::new(
        r#"(?i:"?namespace"?\s*[:=]\s*"?|\s(?:-n|--namespace)[ =])([a-z0-9][a-z0-9-]*)"#,
    )
    .expect("re");
    let mut out = BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let parts: Vec<_> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        for w in parts.windows(2) {
            if w[0] == "namespaces" {
                out.insert(w[1].clone());
            }
        }
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            out.extend(field.captures_iter(&text).map(|c| c[1].to_owned()));
        }
    }
    out
}

/// A copy of `dir` under `to` in which each namespace `ns` is `ns-f<n>`, in text and in paths.
/// Whether the copy could be made (a fixture holding binary files, such as archives, cannot
/// be rewritten and is left out).
fn rewrite(dir: &Path, to: &Path, n: usize, spaces: &BTreeSet<String>) -> bool {
    let alternation = spaces
        .iter()
        .map(|s| regex::escape(s))
        .collect::<Vec<_>>()
        .join("|");
    let word = regex::Regex::new(&format!(r"\b({alternation})\b")).expect("re");
    let uid = regex::Regex::new(
        r"\b([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{8})[0-9a-f]{4}\b",
    )
    .expect("re");
    let rename = |s: &str| -> String {
        let s = uid.replace_all(s, |c: &regex::Captures| format!("{}{n:04x}", &c[1]));
        if spaces.is_empty() {
            return s.into_owned();
        }
        word.replace_all(&s, |c: &regex::Captures| format!("{}-f{n}", &c[1]))
            .into_owned()
    };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            return false;
        };
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel: PathBuf = rel.iter().map(|p| rename(&p.to_string_lossy())).collect();
        files.push((to.join(rel), rename(&text)));
    }
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
    }
    true
}

#[test]
fn each_vm_gets_the_same_diagnoses_alone_and_with_every_other_fixture() {
    let rules = RuleSet::builtin().expect("rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .expect("fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| kvdiag_fs::fixture::is_fixture(p))
        .collect();
    dirs.sort();
    let out = std::env::temp_dir().join(format!("kvdiag-together-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let now: jiff::Timestamp = "2025-01-01T00:00:00Z".parse().expect("time");
    let mut together = Snapshot::builder();
    together.capture_time(now);
    let mut alone = Found::new();
    let mut used = 0;
    for (n, dir) in dirs.iter().enumerate() {
        let spaces = namespaces(dir);
        let copy = out.join(dir.file_name().expect("name"));
        if !rewrite(dir, &copy, n, &spaces) {
            continue;
        }
        used += 1;
        let mut b = Snapshot::builder();
        b.capture_time(now);
        kvdiag_fs::add_path(&mut b, &copy).expect("copy");
        alone.extend(found(&analyze(&rules, &b.build()), &|ns| ns.to_owned()));
        kvdiag_fs::add_path(&mut together, &copy).expect("copy");
    }
    let all = found(&analyze(&rules, &together.build()), &|ns| ns.to_owned());
    let _ = std::fs::remove_dir_all(&out);
    assert!(used >= 40, "only {used} fixtures could be rewritten");
    let mut problems = Vec::new();
    for (vm, causes) in &alone {
        match all.get(vm) {
            Some(c) if c == causes => {}
            other => problems.push(format!("{vm:?}: alone {causes:?}, together {other:?}")),
        }
    }
    for vm in all.keys().filter(|vm| !alone.contains_key(*vm)) {
        problems.push(format!("{vm:?}: only together: {:?}", all[vm]));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
