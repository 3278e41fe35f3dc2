//! The HTML report (`-o html`) of real captures: hostile text stays text, every failing VM has
//! its timeline and its evidence links land on it, the page is the same bytes every time, and
//! `--redact` reaches the timeline. The page's structure is pinned by a snapshot.

use std::path::{Path, PathBuf};

use kvdiag::redact::Redactor;
use kvdiag::report::html;
use kvdiag::{Options, Report, RuleSet, Snapshot, analyze_with};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn snapshot_of(dir: &Path) -> kvdiag::Snapshot {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, dir).expect("the fixture folder exists");
    builder.build()
}

fn report_of(snapshot: &kvdiag::Snapshot) -> Report {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let options = Options::default().explain(true).timeline(true);
    analyze_with(&rules, snapshot, &options)
}

fn page_of(dir: &Path) -> String {
    html::render(&report_of(&snapshot_of(dir)))
}

/// The page without the bodies of its own style and script (pinned by their hashes).
fn structure(page: &str) -> String {
    let cut = |page: &str, open: &str, close: &str| -> String {
        match (page.find(open), page.find(close)) {
            (Some(a), Some(b)) if a + open.len() <= b => {
                format!("{}{open}…{}", &page[..a], &page[b..])
            }
            _ => page.to_owned(),
        }
    };
    let page = cut(page, "<style>", "</style>");
    let page = cut(&page, "<script>", "</script>");
    regex::Regex::new(r"sha256-[A-Za-z0-9+/=]+")
        .expect("regex")
        .replace_all(&page, "sha256-…")
        .into_owned()
}

#[test]
fn hostile_names_messages_and_logs_render_as_inert_text() {
    let page = page_of(&workspace().join("fixtures/html-hostile"));
    // One style and one script: the page's own.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert_eq!(page.matches("</script>").count(), 1);
    assert_eq!(page.matches("<style").count(), 1);
    assert_eq!(page.matches("</style>").count(), 1);
    for raw in [
        "<script>alert",
        "\"onload=",
        "<img",
        "onerror=alert(4)>",
        "<svg onload",
        "<b>",
    ] {
        assert!(!page.contains(raw), "{raw:?} reached the page unescaped");
    }
    // ... and each is there as text (askama writes numeric character references).
    for shown in [
        "db&#60;script&#62;alert(1)&#60;/script&#62;&#34;onload=&#34;alert(2)",
        "&#60;/style&#62;&#60;script&#62;alert(3)&#60;/script&#62;&#60;img src=x onerror=alert(4)&#62;",
        "(qemu-kvm&#60;/style&#62;&#60;script&#62;alert(5)&#60;/script&#62;)",
        "&#60;/script&#62;&#60;script&#62;alert(9)&#60;/script&#62;",
    ] {
        assert!(page.contains(shown), "{shown:?} is not shown as text");
    }
    // No element of the page carries an event handler attribute.
    let handler = regex::Regex::new(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=").expect("regex");
    assert!(!handler.is_match(&page), "{:?}", handler.find(&page));
    insta::assert_snapshot!("html-hostile", structure(&page));
}

#[test]
fn every_failing_vm_of_the_sample_has_its_timeline_and_linked_evidence() {
    let report = report_of(&snapshot_of(&workspace().join("examples/sample")));
    let page = html::render(&report);
    let failing = report.subjects.iter().filter(|s| s.diagnoses > 0).count();
    assert_eq!(failing, 5);
    assert_eq!(page.matches("<section class=\"vm\"").count(), failing);
    assert_eq!(page.matches("<svg ").count(), failing);
    assert_eq!(report.timelines.len(), failing);
    // Every piece of evidence links to an entry of the timeline, and every link lands.
    let links = regex::Regex::new(r##"class="to-timeline" href="#([^"]+)""##).expect("regex");
    let evidence: usize = report.diagnoses.iter().map(|d| d.evidence.len()).sum();
    let targets: Vec<&str> = links
        .captures_iter(&page)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .collect();
    assert_eq!(targets.len(), evidence);
    for t in targets {
        assert!(page.contains(&format!("id=\"{t}\"")), "{t} does not exist");
    }
    // The OOM-killed VM's picture has the container's termination and the capture marker.
    let cache = report
        .timelines
        .iter()
        .find(|t| t.subject.name == "web-cache")
        .expect("web-cache has a timeline");
    assert!(
        cache
            .entries
            .iter()
            .any(|e| e.label.contains("OOMKilled") && e.time.is_some() && !e.evidence.is_empty()),
        "{cache:#?}"
    );
    assert!(cache.capture_time.is_some());
    assert!(page.contains("class=\"capture\""));
    // The healthy VM is folded into the list, not given a section.
    assert!(page.contains("1 subject(s) without findings"));
}

#[test]
fn the_page_is_the_same_bytes_every_time() {
    let dir = workspace().join("examples/sample");
    assert_eq!(page_of(&dir), page_of(&dir));
}

#[test]
fn redaction_reaches_the_timeline() {
    let dir = workspace().join("examples/sample");
    let snapshot = snapshot_of(&dir);
    let mut report = report_of(&snapshot);
    Redactor::of(&snapshot).report(&mut report);
    let page = html::render(&report);
    for name in [
        "web-cache",
        "etl-worker",
        "virt-launcher-web-cache-bxj59",
        "data-team",
    ] {
        assert!(!page.contains(name), "{name} is not masked");
    }
    assert!(page.contains("<svg "));
}

#[test]
fn the_json_report_has_no_timelines_unless_asked() {
    let snapshot = snapshot_of(&workspace().join("fixtures/oom-killed"));
    let rules = RuleSet::builtin().expect("rules");
    let plain = kvdiag::analyze(&rules, &snapshot);
    assert!(plain.timelines.is_empty());
    assert!(!plain.to_json().contains("\"timelines\""));
    assert!(report_of(&snapshot).to_json().contains("\"timelines\""));
}

/// A List of `n` healthy, running VMs in namespace `fleet`.
fn fleet(n: usize) -> String {
    let mut list = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..n {
        list.push_str(&format!(
            "- apiVersion: kubevirt.io/v1\n  kind: VirtualMachine\n  metadata:\n    name: vm-{i:04}\n    namespace: fleet\n    uid: 00000000-0000-4000-8000-{i:012}\n  spec:\n    runStrategy: Always\n  status:\n    printableStatus: Running\n    ready: true\n"
        ));
    }
    list
}

#[test]
fn a_long_summary_table_lists_the_most_severe_first_a_page_at_a_time() {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, &workspace().join("examples/sample")).expect("the sample");
    builder.add_input("fleet.yaml", fleet(300).as_bytes(), &kvdiag::Hint::Auto);
    let report = report_of(&builder.build());
    let page = html::render(&report);
    let subjects = report.subjects.len();
    assert!(subjects > 300, "{subjects} subjects");
    let rows = regex::Regex::new(r#"<tr data-findings="(\d+)"( class="hidden")?>"#).expect("regex");
    let rows: Vec<(usize, bool)> = rows
        .captures_iter(&page)
        .map(|c| (c[1].parse().unwrap_or(usize::MAX), c.get(2).is_some()))
        .collect();
    assert_eq!(rows.len(), subjects);
    // The five failing VMs of the sample come first, though `fleet` sorts before their
    // namespaces; the first 250 rows are shown, the rest wait behind the buttons.
    assert!(rows[..5].iter().all(|&(n, _)| n > 0), "{:?}", &rows[..6]);
    assert!(rows[5..].iter().all(|&(n, _)| n == 0));
    assert!(rows[..250].iter().all(|&(_, hidden)| !hidden));
    assert!(rows[250..].iter().all(|&(_, hidden)| hidden));
    assert!(page.contains("data-page=\"250\""));
    assert!(page.contains(&format!("show all {subjects}</button>")));
}
