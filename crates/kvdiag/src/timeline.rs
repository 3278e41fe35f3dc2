//! What happened to one subject, in time order: the events about its objects (with their counts,
//! first and last times), its containers' starts and terminations (reasons, exit codes,
//! restart counts), the VMI's phase transitions, every condition's `lastTransitionTime`,
//! DataVolume progress, the log lines that were evidence and the node kernel lines attached to
//! it, each linked to the evidence it supports.
//!
//! Built from the snapshot and the subject's diagnoses ([`Options::timeline`](crate::Options)),
//! for the HTML report's picture per VM. Nothing here knows a failure: an entry is marked as
//! evidence because a rule cited it, and warnings are Kubernetes' own (`type: Warning` events,
//! conditions whose status is `False`, non-zero exit codes).

use std::sync::LazyLock;

use jiff::Timestamp;
use regex::Regex;
use serde::Serialize;

use crate::correlate::Subject;
use crate::measure::parse_timestamp;
use crate::object::{Object, ObjectRef};
use crate::parse::{LogKind, LogSource};
use crate::report::{Diagnosis, Evidence};
use crate::snapshot::Snapshot;
use crate::tree::Node;

/// Entries kept per subject besides those that are evidence: the newest ones.
const MAX_ENTRIES: usize = 200;
/// Node kernel lines kept per kernel-log excerpt attached to a subject.
const MAX_KERNEL_LINES: usize = 40;
/// Longest detail text kept, in bytes.
const MAX_DETAIL: usize = 600;

/// The timeline of one subject.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Timeline {
    /// The subject.
    pub subject: ObjectRef,
    /// The moment the capture describes (RFC 3339, UTC), drawn as a marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    /// The entries: those with a time in time order, then those without one.
    pub entries: Vec<Entry>,
    /// Entries left out (the oldest ones that were not evidence).
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

/// What an entry is about: one row of the picture.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Lane {
    /// The VirtualMachine.
    Vm,
    /// The VirtualMachineInstance: phases and conditions.
    Vmi,
    /// Pods: creation, deletion, conditions.
    Pod,
    /// Containers: starts, terminations, waiting reasons.
    Container,
    /// Events.
    Event,
    /// DataVolumes and PVCs.
    Storage,
    /// Log lines.
    Log,
    /// The node: kernel lines, node objects.
    Node,
}

impl Lane {
    /// Every lane, top to bottom.
    pub const ALL: [Lane; 8] = [
        Lane::Vm,
        Lane::Vmi,
        Lane::Pod,
        Lane::Container,
        Lane::Event,
        Lane::Storage,
        Lane::Log,
        Lane::Node,
    ];

    /// The lane's name for people.
    pub fn title(self) -> &'static str {
        match self {
            Lane::Vm => "VM",
            Lane::Vmi => "VMI",
            Lane::Pod => "pods",
            Lane::Container => "containers",
            Lane::Event => "events",
            Lane::Storage => "storage",
            Lane::Log => "logs",
            Lane::Node => "node",
        }
    }

    /// The lane's name in class names and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Vm => "vm",
            Lane::Vmi => "vmi",
            Lane::Pod => "pod",
            Lane::Container => "container",
            Lane::Event => "event",
            Lane::Storage => "storage",
            Lane::Log => "log",
            Lane::Node => "node",
        }
    }
}

/// How an entry reads at a glance.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    /// Something that happened.
    #[default]
    Normal,
    /// What Kubernetes itself calls a warning: a `Warning` event, a condition that is `False`,
    /// a container that exited with a non-zero code or is waiting.
    Warning,
    /// Cited as evidence by a diagnosis.
    Evidence,
}

/// A piece of a diagnosis' evidence that an entry shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct EvidenceLink {
    /// The rule of the diagnosis.
    pub rule: String,
    /// The index of the evidence in the diagnosis' `evidence`.
    pub index: usize,
}

/// One thing that happened (or was seen) at one time, or at no known time.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Entry {
    /// Its row.
    pub lane: Lane,
    /// When it happened or began (RFC 3339, UTC); none when the capture gives no time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// When it ended or was last seen (an event's `lastTimestamp`, a container's `finishedAt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// One line saying what happened.
    pub label: String,
    /// The message, the log line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// How many times (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// How it reads.
    pub tone: Tone,
    /// The object it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// The concrete JSONPath in that object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The log it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogSource>,
    /// The 1-based line in that log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The evidence it shows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceLink>,
}

impl Entry {
    fn new(lane: Lane, time: Option<Timestamp>, label: String) -> Entry {
        Entry {
            lane,
            time: time.map(|t| t.to_string()),
            until: None,
            label,
            detail: String::new(),
            count: None,
            tone: Tone::Normal,
            object: None,
            path: None,
            log: None,
            line: None,
            evidence: Vec::new(),
        }
    }

    fn detail(mut self, text: &str) -> Entry {
        self.detail = cut(text);
        self
    }

    fn at(mut self, object: &Object, path: String) -> Entry {
        self.object = Some(object.object_ref());
        self.path = Some(path);
        self
    }

    fn tone(mut self, tone: Tone) -> Entry {
        self.tone = self.tone.max(tone);
        self
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `text`, cut to [`MAX_DETAIL`] bytes at a character boundary.
fn cut(text: &str) -> String {
    if text.len() <= MAX_DETAIL {
        return text.to_owned();
    }
    let mut end = MAX_DETAIL;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A timestamp at `keys` of `node`.
fn time_at(node: Node<'_>, keys: &[&str]) -> Option<Timestamp> {
    parse_timestamp(node.str_at(keys)?)
}

/// The first RFC 3339 time written in a log line (a JSON `timestamp` field, a klog-style
/// prefix with a date), for lines captured without kubelet timestamps.
fn time_in_text(text: &str) -> Option<Timestamp> {
    static TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)? ?(?:Z|[+-]\d{2}:?\d{2})").ok()
    });
    let mut end = text.len().min(400);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let found = TIME
        .as_ref()?
        .find(head)?
        .as_str()
        .replacen(' ', "T", 1)
        .replace(' ', "");
    parse_timestamp(&found).or_else(|| {
        // `+0000` written without a colon.
        let (head, offset) = found.split_at(found.len().checked_sub(5)?);
        parse_timestamp(&format!("{head}{}:{}", &offset[..3], &offset[3..]))
    })
}

/// The timeline of `subject`, whose diagnoses are `diagnoses`.
pub fn timeline(snapshot: &Snapshot, subject: &Subject, diagnoses: &[Diagnosis]) -> Timeline {
    let mut entries = Vec::new();
    for &id in &subject.vm {
        let vm = snapshot.object(id);
        conditions(vm, Lane::Vm, "VM", &mut entries);
    }
    for &id in &subject.vmi {
        vmi(snapshot.object(id), &mut entries);
    }
    for &id in &subject.pods {
        pod(snapshot.object(id), &mut entries);
    }
    for &id in &subject.dvs {
        data_volume(snapshot.object(id), &mut entries);
    }
    for &id in &subject.pvcs {
        let pvc = snapshot.object(id);
        let name = pvc.name.as_deref().unwrap_or_default();
        if let Some(t) = time_at(pvc.root(), &["metadata", "creationTimestamp"]) {
            entries.push(
                Entry::new(Lane::Storage, Some(t), format!("PVC {name} created"))
                    .at(pvc, "$.metadata.creationTimestamp".into()),
            );
        }
    }
    for &id in &subject.events {
        event(snapshot.object(id), &mut entries);
    }
    let capture_time = snapshot.time_of(subject.capture).map(|c| c.time);
    link_evidence(diagnoses, capture_time, &mut entries);
    kernel_lines(snapshot, subject, &mut entries);

    // Timed entries in time order (ties: lane, label), then the untimed ones.
    let key = |e: &Entry| e.time.as_deref().and_then(parse_timestamp);
    let mut keyed: Vec<(Option<Timestamp>, Entry)> =
        entries.into_iter().map(|e| (key(&e), e)).collect();
    keyed.sort_by(|(ta, a), (tb, b)| {
        (ta.is_none(), ta, a.lane, &a.label, &a.detail, a.line).cmp(&(
            tb.is_none(),
            tb,
            b.lane,
            &b.label,
            &b.detail,
            b.line,
        ))
    });
    let mut entries: Vec<Entry> = keyed.into_iter().map(|(_, e)| e).collect();
    // Too many: the oldest that are not evidence go.
    let plain = entries.iter().filter(|e| e.evidence.is_empty()).count();
    let mut omitted = 0;
    if plain > MAX_ENTRIES {
        let mut drop = plain - MAX_ENTRIES;
        entries.retain(|e| {
            if drop > 0 && e.evidence.is_empty() {
                drop -= 1;
                omitted += 1;
                false
            } else {
                true
            }
        });
    }
    Timeline {
        subject: subject.id.clone(),
        capture_time: capture_time.map(|t| t.to_string()),
        entries,
        omitted,
    }
}

/// `status.conditions[]` with a `lastTransitionTime`.
fn conditions(object: &Object, lane: Lane, what: &str, out: &mut Vec<Entry>) {
    let Some(list) = object.root().at(&["status", "conditions"]) else {
        return;
    };
    for (i, c) in list.items().enumerate() {
        let Some(t) = time_at(c, &["lastTransitionTime"]) else {
            continue;
        };
        let kind = c.str_at(&["type"]).unwrap_or("?");
        let status = c.str_at(&["status"]).unwrap_or("?");
        let mut label = format!("{what} {kind}={status}");
        if let Some(reason) = c.str_at(&["reason"]).filter(|r| !r.is_empty()) {
            label.push_str(&format!(" ({reason})"));
        }
        let tone = if status == "False" {
            Tone::Warning
        } else {
            Tone::Normal
        };
        out.push(
            Entry::new(lane, Some(t), label)
                .detail(c.str_at(&["message"]).unwrap_or_default())
                .at(object, format!("$.status.conditions[{i}]"))
                .tone(tone),
        );
    }
}

fn vmi(vmi: &Object, out: &mut Vec<Entry>) {
    let root = vmi.root();
    if let Some(t) = time_at(root, &["metadata", "creationTimestamp"]) {
        out.push(
            Entry::new(Lane::Vmi, Some(t), "VMI created".into())
                .at(vmi, "$.metadata.creationTimestamp".into()),
        );
    }
    if let Some(list) = root.at(&["status", "phaseTransitionTimestamps"]) {
        for (i, p) in list.items().enumerate() {
            let Some(t) = time_at(p, &["phaseTransitionTimestamp"]) else {
                continue;
            };
            let phase = p.str_at(&["phase"]).unwrap_or("?");
            out.push(
                Entry::new(Lane::Vmi, Some(t), format!("VMI phase {phase}"))
                    .at(vmi, format!("$.status.phaseTransitionTimestamps[{i}]")),
            );
        }
    }
    conditions(vmi, Lane::Vmi, "VMI", out);
}

fn pod(pod: &Object, out: &mut Vec<Entry>) {
    let root = pod.root();
    let name = pod.name.as_deref().unwrap_or("<unnamed>");
    if let Some(t) = time_at(root, &["metadata", "creationTimestamp"]) {
        out.push(
            Entry::new(Lane::Pod, Some(t), format!("pod {name} created"))
                .at(pod, "$.metadata.creationTimestamp".into()),
        );
    }
    if let Some(t) = time_at(root, &["metadata", "deletionTimestamp"]) {
        out.push(
            Entry::new(Lane::Pod, Some(t), format!("pod {name} deletion requested"))
                .at(pod, "$.metadata.deletionTimestamp".into())
                .tone(Tone::Warning),
        );
    }
    conditions(pod, Lane::Pod, &format!("pod {name}"), out);
    for list in ["initContainerStatuses", "containerStatuses"] {
        let Some(statuses) = root.at(&["status", list]) else {
            continue;
        };
        for (i, c) in statuses.items().enumerate() {
            container(pod, c, &format!("$.status.{list}[{i}]"), out);
        }
    }
}

fn container(pod: &Object, c: Node<'_>, path: &str, out: &mut Vec<Entry>) {
    let name = c.str_at(&["name"]).unwrap_or("?");
    let restarts = c.get("restartCount").and_then(Node::as_i64).unwrap_or(0);
    let restarts = if restarts > 0 {
        format!("restart count {restarts}")
    } else {
        String::new()
    };
    for (state, what) in [("state", ""), ("lastState", " (previous instance)")] {
        let Some(s) = c.get(state) else { continue };
        let at = format!("{path}.{state}");
        if let Some(r) = s.get("running") {
            out.push(
                Entry::new(
                    Lane::Container,
                    time_at(r, &["startedAt"]),
                    format!("{name} running{what}"),
                )
                .detail(&restarts)
                .at(pod, format!("{at}.running")),
            );
        }
        if let Some(t) = s.get("terminated") {
            let reason = t.str_at(&["reason"]).unwrap_or("terminated");
            let code = t.get("exitCode").and_then(Node::as_i64);
            let mut label = format!("{name} exited{what}: {reason}");
            if let Some(code) = code {
                label.push_str(&format!(", exit code {code}"));
            }
            let mut detail = t.str_at(&["message"]).unwrap_or_default().to_owned();
            if !restarts.is_empty() {
                if !detail.is_empty() {
                    detail.push_str("; ");
                }
                detail.push_str(&restarts);
            }
            let started = time_at(t, &["startedAt"]);
            let finished = time_at(t, &["finishedAt"]);
            let mut e = Entry::new(Lane::Container, started.or(finished), label)
                .detail(&detail)
                .at(pod, format!("{at}.terminated"))
                .tone(if code.unwrap_or(0) != 0 {
                    Tone::Warning
                } else {
                    Tone::Normal
                });
            if started.is_some() {
                e.until = finished.map(|t| t.to_string());
            }
            out.push(e);
        }
        if let Some(w) = s.get("waiting") {
            let reason = w.str_at(&["reason"]).unwrap_or("waiting");
            let mut detail = w.str_at(&["message"]).unwrap_or_default().to_owned();
            if !restarts.is_empty() {
                if !detail.is_empty() {
                    detail.push_str("; ");
                }
                detail.push_str(&restarts);
            }
            out.push(
                Entry::new(
                    Lane::Container,
                    None,
                    format!("{name} waiting{what}: {reason}"),
                )
                .detail(&detail)
                .at(pod, format!("{at}.waiting"))
                .tone(Tone::Warning),
            );
        }
    }
}

fn data_volume(dv: &Object, out: &mut Vec<Entry>) {
    let root = dv.root();
    let name = dv.name.as_deref().unwrap_or("<unnamed>");
    if let Some(t) = time_at(root, &["metadata", "creationTimestamp"]) {
        out.push(
            Entry::new(Lane::Storage, Some(t), format!("DataVolume {name} created"))
                .at(dv, "$.metadata.creationTimestamp".into()),
        );
    }
    conditions(dv, Lane::Storage, &format!("DataVolume {name}"), out);
    // Progress carries no time of its own: it is as of the newest condition change.
    let phase = root.str_at(&["status", "phase"]);
    let progress = root.str_at(&["status", "progress"]);
    if phase.is_some() || progress.is_some() {
        let newest = root
            .at(&["status", "conditions"])
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|c| time_at(c, &["lastTransitionTime"]))
            .max();
        let mut label = format!("DataVolume {name}");
        if let Some(p) = phase {
            label.push_str(&format!(" {p}"));
        }
        if let Some(p) = progress {
            label.push_str(&format!(", progress {p}"));
        }
        let restarts = root
            .at(&["status", "restartCount"])
            .and_then(Node::as_i64)
            .filter(|&n| n > 0)
            .map(|n| format!("importer restarts {n}"))
            .unwrap_or_default();
        out.push(
            Entry::new(Lane::Storage, newest, label)
                .detail(&restarts)
                .at(dv, "$.status".into()),
        );
    }
}

fn event(ev: &Object, out: &mut Vec<Entry>) {
    let root = ev.root();
    let first = time_at(root, &["firstTimestamp"])
        .or_else(|| time_at(root, &["eventTime"]))
        .or_else(|| time_at(root, &["metadata", "creationTimestamp"]));
    let last = time_at(root, &["lastTimestamp"])
        .or_else(|| time_at(root, &["series", "lastObservedTime"]));
    let kind = root.str_at(&["type"]).unwrap_or("Normal");
    let reason = root.str_at(&["reason"]).unwrap_or("?");
    let count = root
        .get("count")
        .or_else(|| root.at(&["series", "count"]))
        .and_then(Node::as_i64)
        .and_then(|n| u64::try_from(n).ok());
    let about = match (
        root.str_at(&["involvedObject", "kind"]),
        root.str_at(&["involvedObject", "name"]),
    ) {
        (Some(k), Some(n)) => format!(" on {k} {n}"),
        _ => String::new(),
    };
    let mut e = Entry::new(Lane::Event, first.or(last), format!("{reason}{about}"))
        .detail(root.str_at(&["message"]).unwrap_or_default())
        .at(ev, "$".into())
        .tone(if kind == "Warning" {
            Tone::Warning
        } else {
            Tone::Normal
        });
    if first.is_some() && last.is_some() && last != first {
        e.until = last.map(|t| t.to_string());
    }
    e.count = count.filter(|&n| n > 1);
    out.push(e);
}

/// Marks the entries each piece of evidence shows, adding an entry for evidence that none
/// shows: a log line, or a value seen in an object at capture time.
fn link_evidence(diagnoses: &[Diagnosis], captured: Option<Timestamp>, out: &mut Vec<Entry>) {
    for d in diagnoses {
        for (index, ev) in d.evidence.iter().enumerate() {
            let link = EvidenceLink {
                rule: d.rule.clone(),
                index,
            };
            let found = match ev {
                Evidence::Object { object, path, .. } => out
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.object.as_ref() == Some(object)
                            && e.path.as_deref().is_some_and(|p| under(path, p))
                    })
                    .max_by_key(|(i, e)| (e.path.as_ref().map(String::len), usize::MAX - i))
                    .map(|(i, _)| i),
                Evidence::Log { log, line, .. } => out
                    .iter()
                    .position(|e| e.log.as_ref() == Some(log) && e.line == Some(*line)),
            };
            if let Some(i) = found {
                out[i].evidence.push(link);
                out[i].tone = Tone::Evidence;
                continue;
            }
            let mut e = match ev {
                Evidence::Object {
                    object,
                    path,
                    value,
                    ..
                } => {
                    let lane = match object.kind.as_str() {
                        "VirtualMachine" => Lane::Vm,
                        "VirtualMachineInstance" => Lane::Vmi,
                        "Pod" => Lane::Pod,
                        "Event" => Lane::Event,
                        "DataVolume" | "PersistentVolumeClaim" => Lane::Storage,
                        "Node" => Lane::Node,
                        _ => Lane::Vm,
                    };
                    let value = match value {
                        serde_json::Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    let mut e = Entry::new(
                        lane,
                        captured,
                        format!("{} {}: {path}", object.kind, object.name),
                    )
                    .detail(&format!("as captured: {value}"));
                    e.object = Some(object.clone());
                    e.path = Some(path.clone());
                    e
                }
                Evidence::Log {
                    log,
                    line,
                    timestamp,
                    text,
                    more,
                } => {
                    let time = timestamp
                        .as_deref()
                        .and_then(parse_timestamp)
                        .or_else(|| time_in_text(text));
                    let lane = if log.kind == Some(LogKind::Kernel) {
                        Lane::Node
                    } else {
                        Lane::Log
                    };
                    let mut label = log_label(log);
                    if *more > 0 {
                        label.push_str(&format!(" (and {more} more lines like it)"));
                    }
                    let mut e = Entry::new(lane, time, label).detail(text);
                    e.log = Some(log.clone());
                    e.line = Some(*line);
                    e
                }
            };
            e.tone = Tone::Evidence;
            e.evidence.push(link);
            out.push(e);
        }
    }
}

/// `$.a.b[0]` is under `$.a` (or is it).
fn under(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// What people call a log: `pod/container`, the node's kernel log, the file's name.
fn log_label(log: &LogSource) -> String {
    let previous = if log.previous { " (previous)" } else { "" };
    match (&log.kind, &log.pod, &log.container, &log.node) {
        (Some(LogKind::Kernel), _, _, Some(node)) => format!("kernel log of node {node}"),
        (Some(LogKind::Kernel), _, _, None) => "node kernel log".to_owned(),
        (Some(LogKind::Qemu), ..) => "QEMU log".to_owned(),
        (_, Some(pod), Some(c), _) => format!("log {pod}/{c}{previous}"),
        (_, Some(pod), None, _) => format!("log of {pod}{previous}"),
        _ => {
            let file = log.origin.rsplit('/').next().unwrap_or(&log.origin);
            format!("log {file}")
        }
    }
}

/// The node kernel lines attached to the subject (excerpts naming its pods' cgroups) that are
/// not evidence already.
fn kernel_lines(snapshot: &Snapshot, subject: &Subject, out: &mut Vec<Entry>) {
    for &id in &subject.logs {
        let log = snapshot.log(id);
        if log.source.kind != Some(LogKind::Kernel) {
            continue;
        }
        for line in log.lines().take(MAX_KERNEL_LINES) {
            if out
                .iter()
                .any(|e| e.log.as_ref() == Some(&log.source) && e.line == Some(line.number))
            {
                continue;
            }
            let time = line
                .timestamp
                .and_then(parse_timestamp)
                .or_else(|| time_in_text(line.text));
            let mut e = Entry::new(Lane::Node, time, log_label(&log.source)).detail(line.text);
            e.log = Some(log.source.clone());
            e.line = Some(line.number);
            out.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_found_in_log_text() {
        let t = |s: &str| time_in_text(s).map(|t| t.to_string());
        assert_eq!(
            t(r#"{"level":"info","timestamp":"2024-05-14T10:11:38.091207Z"}"#).as_deref(),
            Some("2024-05-14T10:11:38.091207Z")
        );
        assert_eq!(
            t("2024-05-14 10:11:38 +0200 something").as_deref(),
            Some("2024-05-14T08:11:38Z")
        );
        assert_eq!(t("[86163.204511] qemu-kvm invoked oom-killer"), None);
        assert_eq!(t("é".repeat(300).as_str()), None);
    }

    #[test]
    fn paths_nest() {
        assert!(under("$.status.containerStatuses[0].state", "$.status"));
        assert!(under("$.status", "$.status"));
        assert!(!under("$.statusX", "$.status"));
    }
}
