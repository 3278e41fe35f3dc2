//! The report as one self-contained HTML page: a summary table of every subject (filter, sort),
//! per subject with findings a timeline drawn as inline SVG on one time axis and the diagnoses
//! with their evidence (each linked to its place on the timeline), proposed commands with copy
//! buttons and what was not checked; subjects without findings folded into one list.
//!
//! Rendered with askama (compile-time checked templates; every value is HTML-escaped unless the
//! template says otherwise, which it says only for the page's own constant style and script).
//! The page loads nothing: its Content-Security-Policy allows no source but the inline style
//! and script, named by their SHA-256, so a captured string that slipped through as markup
//! could still neither run nor load anything. Same report, same bytes.
//!
//! The timelines come from [`Report::timelines`]: analyse with
//! [`Options::timeline`](crate::Options) to have them.

use askama::Template;
use base64::Engine as _;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::{Diagnosis, Evidence, Report, SubjectReport};
use crate::cause::Severity;
use crate::measure::parse_timestamp;
use crate::object::ObjectRef;
use crate::timeline::{Entry, Lane, Timeline, Tone};

/// The page's style sheet (inline; named by its hash in the page's policy).
const STYLE: &str = include_str!("html/report.css");
/// The page's script: filter, sort, copy buttons (inline; named by its hash).
const SCRIPT: &str = include_str!("html/report.js");

/// Width of the timeline picture, in SVG units.
const WIDTH: f64 = 960.0;
/// The column of entries long before the others (lane titles are left of it).
const EARLIER_LEFT: f64 = 100.0;
/// Where the axis begins.
const LEFT: f64 = 136.0;
/// Where the axis ends; right of it, a column for entries with no time.
const RIGHT: f64 = 860.0;
/// The column of entries with no time.
const UNTIMED_LEFT: f64 = 884.0;
/// The shortest gap between times that is cut from an axis (six hours): a VM's story of a
/// few hours is drawn whole.
const CUT_GAP: f64 = 6.0 * 3600.0;
/// Rows of the summary table shown at first (more on request): the browser lays out a table
/// whole, and thousands of rows take it seconds.
const PAGE: usize = 250;
/// Height of one lane.
const LANE: f64 = 22.0;
/// Room above the lanes for the capture marker's label, and below for the tick labels.
const TOP: f64 = 18.0;
const BOTTOM: f64 = 22.0;

/// Renders `report` as a self-contained HTML page.
pub fn render(report: &Report) -> String {
    let page = Page::of(report);
    page.render()
        .unwrap_or_else(|e| format!("<!DOCTYPE html><title>kvdiag</title><p>{e}</p>\n"))
}

/// `'sha256-…'`, a source expression naming `text` in a Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    csp: String,
    style: &'static str,
    script: &'static str,
    capture: String,
    summary: String,
    /// Every subject, most severe first (then as the report lists them).
    rows: Vec<Row>,
    /// How many rows are shown at first.
    page: usize,
    vms: Vec<Vm>,
    healthy: Vec<Row>,
    inputs: Inputs,
}

/// A row of the summary table.
struct Row {
    anchor: String,
    kind: String,
    namespace: String,
    name: String,
    capture: String,
    status: String,
    worst: &'static str,
    rank: u8,
    causes: String,
    diagnoses: usize,
}

/// One subject with findings.
struct Vm {
    anchor: String,
    title: String,
    status: String,
    worst: &'static str,
    diagnoses: Vec<Diag>,
    picture: Option<Picture>,
    entries: Vec<Item>,
    omitted: usize,
    not_checked: Vec<(String, String)>,
}

struct Diag {
    severity: &'static str,
    title: String,
    cause: String,
    rule: String,
    summary: String,
    evidence: Vec<Proof>,
    remediation: Vec<(String, Option<String>)>,
    /// Alternative fixes, one of which a person picks.
    options: Vec<(String, Option<String>)>,
    /// What shows, after the fix, that it worked.
    verify: Vec<(String, Option<String>)>,
    references: Vec<String>,
}

/// One piece of evidence: where, what, and its entry on the timeline.
struct Proof {
    place: String,
    what: String,
    link: Option<String>,
}

/// One entry of the timeline's list.
struct Item {
    anchor: String,
    time: String,
    until: String,
    lane: &'static str,
    tone: &'static str,
    label: String,
    detail: String,
    count: String,
    evidence: bool,
}

/// The timeline picture's geometry, all numbers already written out.
struct Picture {
    width: String,
    height: String,
    lanes: Vec<LaneRow>,
    ticks: Vec<Tick>,
    marks: Vec<Mark>,
    capture: Option<String>,
    axis_y: String,
    untimed: bool,
    /// Some entries lie long before the axis: drawn in a column left of it.
    earlier: bool,
}

struct LaneRow {
    y: String,
    text_y: String,
    title: &'static str,
    name: &'static str,
}

struct Tick {
    x: String,
    label: String,
}

struct Mark {
    /// The index of its entry (its row's id is the section's, `-e`, this).
    entry: usize,
    x: String,
    y: String,
    /// Width of the bar from the entry's time to its end, when it has one.
    bar: Option<String>,
    bar_y: String,
    tone: &'static str,
}

struct Inputs {
    read: usize,
    skipped: usize,
    failed: Vec<(String, String)>,
    partly: Vec<(String, String)>,
}

fn severity_name(s: Option<Severity>) -> &'static str {
    s.map_or("none", Severity::name)
}

fn severity_rank(s: Option<Severity>) -> u8 {
    match s {
        None => 0,
        Some(Severity::Info) => 1,
        Some(Severity::Warning) => 2,
        Some(Severity::Error) => 3,
        Some(Severity::Critical) => 4,
    }
}

fn tone_name(t: Tone) -> &'static str {
    match t {
        Tone::Normal => "normal",
        Tone::Warning => "warning",
        Tone::Evidence => "evidence",
    }
}

/// `2024-05-14 10:11:38` (UTC), or the text as given when it is not a time.
fn show_time(t: &str) -> String {
    parse_timestamp(t).map_or_else(
        || t.to_owned(),
        |ts| ts.strftime("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// A number for an SVG attribute: one decimal, always the same text for the same value.
fn num(x: f64) -> String {
    format!("{x:.1}")
}

impl Page {
    fn of(report: &Report) -> Page {
        let folder = report.common_folder();
        let short = |p: &str| p.strip_prefix(folder.as_str()).unwrap_or(p).to_owned();
        let capture = match &report.capture_time {
            Some(t) => {
                let from = match (&t.file, t.source) {
                    (Some(f), _) => format!(" (from {})", short(f)),
                    (None, crate::CaptureTimeSource::NewestInData) => {
                        " (the newest timestamp in the data)".to_owned()
                    }
                    (None, _) => " (given)".to_owned(),
                };
                format!("{}{from}", show_time(&t.time.to_string()))
            }
            None => "unknown".to_owned(),
        };
        let with_findings = report.subjects.iter().filter(|s| s.diagnoses > 0).count();
        let summary = format!(
            "{} subject(s) analysed, {} with findings; {} diagnosis(es): {} critical, {} error, {} warning, {} info.",
            report.summary.subjects,
            with_findings,
            report.summary.diagnoses,
            report.summary.critical,
            report.summary.error,
            report.summary.warning,
            report.summary.info,
        );

        // Subjects with findings, most severe first (then as listed: namespace, name).
        let mut failing: Vec<(usize, &SubjectReport)> = report
            .subjects
            .iter()
            .filter(|s| s.diagnoses > 0)
            .enumerate()
            .collect();
        failing.sort_by_key(|(i, s)| (std::cmp::Reverse(s.worst), *i));
        let anchor_of = |subject: &ObjectRef| {
            failing
                .iter()
                .position(|(_, s)| &s.subject == subject)
                .map(|i| format!("vm-{i}"))
        };

        let mut rows = Vec::with_capacity(report.subjects.len());
        let mut healthy = Vec::new();
        for s in &report.subjects {
            let mut causes: Vec<String> = report
                .diagnoses_of(&s.subject)
                .map(|d| d.cause.to_string())
                .collect();
            causes.dedup();
            let row = Row {
                anchor: anchor_of(&s.subject).unwrap_or_default(),
                kind: s.subject.kind.clone(),
                namespace: s.subject.namespace.clone().unwrap_or_default(),
                name: s.subject.name.clone(),
                capture: s.subject.capture.clone().unwrap_or_default(),
                status: s.status.clone().unwrap_or_default(),
                worst: severity_name(s.worst),
                rank: severity_rank(s.worst),
                causes: causes.join(", "),
                diagnoses: s.diagnoses,
            };
            if s.diagnoses == 0 {
                healthy.push(Row {
                    anchor: String::new(),
                    kind: row.kind.clone(),
                    namespace: row.namespace.clone(),
                    name: row.name.clone(),
                    capture: row.capture.clone(),
                    status: row.status.clone(),
                    worst: row.worst,
                    rank: row.rank,
                    causes: String::new(),
                    diagnoses: 0,
                });
            }
            rows.push(row);
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.rank));

        let vms = failing
            .iter()
            .enumerate()
            .map(|(i, (_, s))| Vm::of(report, s, &format!("vm-{i}"), &short))
            .collect();

        let i = &report.inputs;
        let inputs = Inputs {
            read: i.read.len(),
            skipped: i.skipped.len(),
            failed: i
                .failed
                .iter()
                .map(|f| (short(&f.source), f.reason.to_string()))
                .collect(),
            partly: i
                .read
                .iter()
                .filter_map(|r| Some((short(&r.source), r.note.clone()?)))
                .collect(),
        };

        let csp = format!(
            "default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
            csp_hash(STYLE),
            csp_hash(SCRIPT)
        );
        Page {
            csp,
            style: STYLE,
            script: SCRIPT,
            capture,
            summary,
            rows,
            page: PAGE,
            vms,
            healthy,
            inputs,
        }
    }
}

impl Vm {
    fn of(report: &Report, s: &SubjectReport, anchor: &str, short: &dyn Fn(&str) -> String) -> Vm {
        let timeline = report.timeline_of(&s.subject);
        let entry_anchor = |i: usize| format!("{anchor}-e{i}");
        let link_of = |rule: &str, index: usize| {
            let t = timeline?;
            t.entries
                .iter()
                .position(|e| {
                    e.evidence
                        .iter()
                        .any(|l| l.rule == rule && l.index == index)
                })
                .map(entry_anchor)
        };
        let diagnoses = report
            .diagnoses_of(&s.subject)
            .map(|d| Diag::of(d, short, &link_of))
            .collect();
        let entries = timeline.map_or_else(Vec::new, |t| {
            t.entries
                .iter()
                .enumerate()
                .map(|(i, e)| Item::of(e, entry_anchor(i)))
                .collect()
        });
        let not_checked = report
            .coverage_of(&s.subject)
            .map(|c| {
                c.missing
                    .iter()
                    .map(|m| {
                        let mut parts = Vec::new();
                        if !m.rules_not_run.is_empty() {
                            parts.push(format!("could not run: {}", m.rules_not_run.join(", ")));
                        }
                        if !m.rules_partly_run.is_empty() {
                            parts.push(format!("ran in part: {}", m.rules_partly_run.join(", ")));
                        }
                        (m.input.clone(), parts.join("; "))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Vm {
            anchor: anchor.to_owned(),
            title: s.subject.to_string(),
            status: s.status.clone().unwrap_or_default(),
            worst: severity_name(s.worst),
            diagnoses,
            picture: timeline.and_then(Picture::of),
            entries,
            omitted: timeline.map_or(0, |t| t.omitted),
            not_checked,
        }
    }
}

impl Diag {
    fn of(
        d: &Diagnosis,
        short: &dyn Fn(&str) -> String,
        link_of: &dyn Fn(&str, usize) -> Option<String>,
    ) -> Diag {
        let evidence = d
            .evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (place, what) = match e {
                    Evidence::Object {
                        object,
                        origin,
                        path,
                        value,
                    } => {
                        let value = if value.is_null() {
                            "absent".to_owned()
                        } else {
                            value.to_string()
                        };
                        let mut place = format!("{object} ({}", short(&origin.source));
                        if let Some(line) = origin.line {
                            place.push_str(&format!(":{line}"));
                        }
                        place.push(')');
                        (place, format!("{path} = {value}"))
                    }
                    Evidence::Log {
                        log,
                        line,
                        timestamp,
                        text,
                        more,
                    } => {
                        let mut place = format!("{} line {line}", short(&log.origin));
                        if let Some(t) = timestamp {
                            place.push_str(&format!(", {}", show_time(t)));
                        }
                        if *more > 0 {
                            place.push_str(&format!(" (and {more} more like it)"));
                        }
                        (place, text.clone())
                    }
                };
                Proof {
                    place,
                    what,
                    link: link_of(&d.rule, i),
                }
            })
            .collect();
        Diag {
            severity: d.severity.name(),
            title: d.title.clone(),
            cause: d.cause.to_string(),
            rule: d.rule.clone(),
            summary: d.summary.clone(),
            evidence,
            remediation: steps(&d.remediation),
            options: steps(&d.options),
            verify: steps(&d.verify),
            references: d.references.clone(),
        }
    }
}

/// Steps as (text, command) pairs for the template.
fn steps(list: &[crate::report::Remediation]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|r| (r.text.clone(), r.command.clone()))
        .collect()
}

impl Item {
    fn of(e: &Entry, anchor: String) -> Item {
        Item {
            anchor,
            time: e.time.as_deref().map_or_else(String::new, show_time),
            until: e.until.as_deref().map_or_else(String::new, show_time),
            lane: e.lane.title(),
            tone: tone_name(e.tone),
            label: e.label.clone(),
            detail: e.detail.clone(),
            count: e.count.map_or_else(String::new, |n| format!("×{n}")),
            evidence: !e.evidence.is_empty(),
        }
    }
}

/// A step between ticks: the smallest of these giving at most 8 ticks.
const STEPS: &[i64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172_800, 604_800, 2_592_000, 31_536_000,
];

impl Picture {
    /// The picture of `t`; none when it has no entry.
    fn of(t: &Timeline) -> Option<Picture> {
        if t.entries.is_empty() {
            return None;
        }
        let seconds = |s: &str| parse_timestamp(s).map(|t| t.as_millisecond() as f64 / 1000.0);
        let capture = t.capture_time.as_deref().and_then(seconds);
        let times: Vec<f64> = t
            .entries
            .iter()
            .flat_map(|e| [e.time.as_deref(), e.until.as_deref()])
            .flatten()
            .filter_map(seconds)
            .chain(capture)
            .collect();
        let (mut lo, mut hi, earlier) = window(times);
        // A little room either side; a single moment gets a minute around it.
        let pad = ((hi - lo) * 0.03).max(if hi > lo { 0.5 } else { 30.0 });
        lo -= pad;
        hi += pad;
        let x_of = |s: f64| LEFT + (s - lo) / (hi - lo) * (RIGHT - LEFT);

        let lanes: Vec<Lane> = Lane::ALL
            .into_iter()
            .filter(|l| t.entries.iter().any(|e| e.lane == *l))
            .collect();
        let y_of = |lane: Lane| {
            let i = lanes.iter().position(|l| *l == lane).unwrap_or(0);
            TOP + i as f64 * LANE
        };
        let axis_y = TOP + lanes.len() as f64 * LANE;

        let span = hi - lo;
        let step = STEPS
            .iter()
            .copied()
            .find(|&s| span / s as f64 <= 8.0)
            .unwrap_or(31_536_000);
        let first = (lo / step as f64).ceil() as i64 * step;
        let with_date = span > 86400.0
            || Timestamp::from_second(lo as i64)
                .ok()
                .map(|t| t.strftime("%F").to_string())
                != Timestamp::from_second(hi as i64)
                    .ok()
                    .map(|t| t.strftime("%F").to_string());
        let ticks = (0..10)
            .map(|k| first + k * step)
            .filter(|&s| (s as f64) <= hi)
            .filter_map(|s| {
                let ts = Timestamp::from_second(s).ok()?;
                let format = match (with_date, step) {
                    (true, st) if st >= 86400 => "%Y-%m-%d",
                    (true, _) => "%m-%d %H:%M",
                    (false, st) if st < 60 => "%H:%M:%S",
                    (false, _) => "%H:%M",
                };
                Some(Tick {
                    x: num(x_of(s as f64)),
                    label: ts.strftime(format).to_string(),
                })
            })
            .collect();

        let mut untimed_in_lane: Vec<usize> = vec![0; Lane::ALL.len()];
        let mut earlier_in_lane: Vec<usize> = vec![0; Lane::ALL.len()];
        let marks = t
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let y = y_of(e.lane) + LANE / 2.0;
                let start = e.time.as_deref().and_then(seconds);
                let end = e.until.as_deref().and_then(seconds);
                let (x, bar) = match (start, end) {
                    // Began before the axis, ended on it: the bar starts at the axis.
                    (Some(s), Some(u)) if earlier.is_some_and(|e| s <= e) && u >= lo => {
                        (LEFT, Some(num(x_of(u) - LEFT)))
                    }
                    (Some(s), _) if earlier.is_some_and(|e| s <= e) => {
                        let slot = &mut earlier_in_lane
                            [Lane::ALL.iter().position(|l| *l == e.lane).unwrap_or(0)];
                        *slot += 1;
                        (EARLIER_LEFT + ((*slot - 1) % 5) as f64 * 6.0, None)
                    }
                    (Some(s), Some(u)) if u > s => (x_of(s), Some(num(x_of(u) - x_of(s)))),
                    (Some(s), _) => (x_of(s), None),
                    (None, _) => {
                        let slot = &mut untimed_in_lane
                            [Lane::ALL.iter().position(|l| *l == e.lane).unwrap_or(0)];
                        *slot += 1;
                        (UNTIMED_LEFT + ((*slot - 1) % 12) as f64 * 6.0, None)
                    }
                };
                Mark {
                    entry: i,
                    x: num(x),
                    y: num(y),
                    bar,
                    bar_y: num(y - 3.0),
                    tone: tone_name(e.tone),
                }
            })
            .collect();
        let untimed = t.entries.iter().any(|e| e.time.is_none());
        Some(Picture {
            width: num(WIDTH),
            height: num(axis_y + BOTTOM),
            lanes: lanes
                .iter()
                .map(|&l| LaneRow {
                    y: num(y_of(l)),
                    text_y: num(y_of(l) + LANE / 2.0 + 4.0),
                    title: l.title(),
                    name: l.name(),
                })
                .collect(),
            ticks,
            marks,
            capture: capture.map(|c| num(x_of(c))),
            axis_y: num(axis_y),
            untimed,
            earlier: earlier.is_some(),
        })
    }
}

/// The stretch of time the axis shows, from the `times`: all of them, unless a few lie long
/// before the rest (a disk created weeks before the VM failed). While the largest gap between
/// two times is more than three quarters of what is shown and more than [`CUT_GAP`] seconds,
/// the times before it are left out of the axis, at most three times; the last time left out
/// is returned with the stretch.
fn window(mut times: Vec<f64>) -> (f64, f64, Option<f64>) {
    times.sort_by(f64::total_cmp);
    let Some(&last) = times.last() else {
        return (0.0, 1.0, None);
    };
    let mut start = 0;
    for _ in 0..3 {
        let shown = &times[start..];
        let span = last - shown[0];
        let gap = shown
            .windows(2)
            .enumerate()
            .map(|(i, w)| (w[1] - w[0], i))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match gap {
            Some((g, i)) if g > CUT_GAP && g > span * 0.75 && i + 1 < shown.len() - 1 => {
                start += i + 1;
            }
            _ => break,
        }
    }
    let earlier = (start > 0).then(|| times[start - 1]);
    (times[start], last, earlier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_page_style_and_script() {
        let rules = crate::RuleSet::builtin().expect("built-in rules load");
        let html = render(&crate::analyze(&rules, &crate::Snapshot::builder().build()));
        // The policy is an attribute: its quotes are escaped, as every attribute's are.
        let style = csp_hash(STYLE).replace('\'', "&#39;");
        let script = csp_hash(SCRIPT).replace('\'', "&#39;");
        assert!(html.contains(&format!("style-src {style}")));
        assert!(html.contains(&format!("script-src {script}")));
        // The hashed bytes are exactly what sits between the tags.
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
    }

    #[test]
    fn a_long_gap_is_cut_from_the_axis() {
        // A disk made weeks before; the VM's life in the last hour.
        let (lo, hi, earlier) = window(vec![0.0, 3_000_000.0, 3_000_600.0, 3_001_200.0]);
        assert_eq!((lo, hi, earlier), (3_000_000.0, 3_001_200.0, Some(0.0)));
        // Evenly spread: nothing is cut.
        assert_eq!(window(vec![0.0, 10.0, 20.0]), (0.0, 20.0, None));
        // A story of two hours with a long quiet stretch is drawn whole.
        assert_eq!(window(vec![0.0, 10.0, 7000.0, 7200.0]), (0.0, 7200.0, None));
        // Two times: both stay on the axis.
        assert_eq!(window(vec![0.0, 1e9]), (0.0, 1e9, None));
        assert_eq!(window(Vec::new()), (0.0, 1.0, None));
    }

    #[test]
    fn numbers_are_written_the_same_way() {
        assert_eq!(num(1.0 / 3.0), "0.3");
        assert_eq!(num(860.0), "860.0");
    }
}
