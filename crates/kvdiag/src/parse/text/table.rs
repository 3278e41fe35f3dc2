//! `kubectl get` tables: the header says the kind and where each column starts; rows are cut at
//! those places when they are aligned, else split on blanks where that is unambiguous.

use std::sync::Arc;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::build::{ObjectBuilder, Step};
use super::{Command, Line, TextParts, age_seconds, cell, command, event_age, kind_of};

/// Header words that belong together.
const TWO_WORDS: &[(&str, &str)] = &[
    ("NOMINATED", "NODE"),
    ("READINESS", "GATES"),
    ("LAST", "SEEN"),
    ("FIRST", "SEEN"),
    ("ACCESS", "MODES"),
    ("CREATED", "AT"),
];

/// The kinds of table understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TableKind {
    Pod,
    Vm,
    Vmi,
    Dv,
    Pvc,
    Node,
    Event,
    /// A kind kvdiag does not read (or cannot tell from the columns).
    Unknown,
}

impl TableKind {
    fn form(self) -> &'static str {
        match self {
            TableKind::Pod => "get pods",
            TableKind::Vm => "get vm",
            TableKind::Vmi => "get vmi",
            TableKind::Dv => "get dv",
            TableKind::Pvc => "get pvc",
            TableKind::Node => "get nodes",
            TableKind::Event => "get events",
            TableKind::Unknown => "get (unknown kind)",
        }
    }

    /// Columns kubectl always writes something in: one found empty means the row was cut.
    fn never_blank(self, column: &str) -> bool {
        matches!(column, "NAME" | "AGE" | "NAMESPACE")
            || match self {
                TableKind::Pod => matches!(column, "READY" | "STATUS" | "RESTARTS"),
                TableKind::Node => matches!(column, "STATUS" | "ROLES" | "VERSION"),
                TableKind::Pvc => column == "STATUS",
                TableKind::Event => matches!(column, "LAST SEEN" | "TYPE" | "REASON" | "OBJECT"),
                _ => false,
            }
    }

    /// Columns that kubectl may print blank: rows split on blanks cannot place them.
    fn may_be_blank(self, column: &str) -> bool {
        match self {
            TableKind::Vmi => matches!(
                column,
                "IP" | "NODENAME" | "READY" | "LIVE-MIGRATABLE" | "PAUSED"
            ),
            TableKind::Dv => matches!(column, "PROGRESS" | "RESTARTS"),
            TableKind::Pvc => matches!(
                column,
                "VOLUME" | "CAPACITY" | "ACCESS MODES" | "STORAGECLASS"
            ),
            TableKind::Vm => matches!(column, "VOLUME" | "READY" | "STATUS"),
            TableKind::Event => matches!(column, "SUBOBJECT" | "SOURCE"),
            _ => false,
        }
    }
}

/// A header line: the kind and the columns with their start offsets (in bytes).
#[derive(Clone, Debug)]
pub(super) struct Header {
    pub(super) kind: TableKind,
    columns: Vec<(String, usize)>,
    /// The header was written with single spaces: rows cannot be cut by offsets.
    squeezed: bool,
}

impl Header {
    fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|(c, _)| c == name)
    }
}

/// Recognises a table header: upper-case column names, the first `NAME`, `NAMESPACE`,
/// `LAST SEEN` or `EVENT`.
pub(super) fn is_header(line: &str) -> Option<Header> {
    let mut words: Vec<(&str, usize)> = Vec::new();
    let mut offset = 0;
    for part in line.split(' ') {
        if !part.is_empty() {
            words.push((part, offset));
        }
        offset += part.len() + 1;
    }
    if words.len() < 2
        || !words.iter().all(|(w, _)| {
            w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
    {
        return None;
    }
    let mut columns: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    let mut squeezed = true;
    while i < words.len() {
        let (w, at) = words[i];
        if let Some(&(next, next_at)) = words.get(i + 1)
            && next_at == at + w.len() + 1
            && TWO_WORDS.contains(&(w, next))
        {
            columns.push((format!("{w} {next}"), at));
            i += 2;
            continue;
        }
        if i > 0 && at > words[i - 1].1 + words[i - 1].0.len() + 1 {
            squeezed = false;
        }
        columns.push((w.to_owned(), at));
        i += 1;
    }
    let first = columns.first().map(|(c, _)| c.as_str())?;
    if !matches!(first, "NAME" | "NAMESPACE" | "LAST SEEN" | "EVENT") {
        return None;
    }
    let names: Vec<&str> = columns
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| !matches!(*c, "NAMESPACE" | "EVENT"))
        .collect();
    let has = |c: &str| names.contains(&c);
    let kind = if has("LAST SEEN") && has("REASON") {
        TableKind::Event
    } else if has("READY") && has("STATUS") && has("RESTARTS") {
        TableKind::Pod
    } else if has("ROLES") && has("STATUS") {
        TableKind::Node
    } else if has("PHASE") && has("PROGRESS") {
        TableKind::Dv
    } else if has("PHASE") && (has("NODENAME") || has("IP")) {
        TableKind::Vmi
    } else if has("STATUS") && has("VOLUME") && has("CAPACITY") {
        TableKind::Pvc
    } else if names.first() == Some(&"NAME")
        && has("AGE")
        && names.len() > 2
        && names.iter().all(|c| {
            matches!(
                *c,
                "NAME" | "AGE" | "STATUS" | "READY" | "RUNNING" | "VOLUME" | "CREATED"
            )
        })
    {
        TableKind::Vm
    } else {
        TableKind::Unknown
    };
    Some(Header {
        kind,
        columns,
        squeezed,
    })
}

/// `name  1/2  Running  3 (2m ago)  5d` with an optional namespace first.
static POD_ROW: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\S+\s+)?\S+\s+\d+/\d+\s+\S+\s+\d+(?: \([^)]*\))?\s+\d+[smhdy]\w*(?:\s.*)?$")
        .ok()
});

/// `91s  Normal  SuccessfulDelete  vmi/x  message` with an optional namespace first.
static EVENT_ROW: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\S+\s+)?(?:\d+[smhdy]\w*|<unknown>)(?: \(x\d+ over \w+\))?\s+(?:Normal|Warning)\s+\S.*?\s\S+/\S+\s+\S").ok()
});

fn headerless_kind(text: &str) -> Option<TableKind> {
    if POD_ROW.as_ref().is_some_and(|r| r.is_match(text)) {
        Some(TableKind::Pod)
    } else if EVENT_ROW.as_ref().is_some_and(|r| r.is_match(text)) {
        Some(TableKind::Event)
    } else {
        None
    }
}

/// Whether some line is a pod or event row without a header (`--no-headers`, `-w`, a cut).
pub(super) fn headerless_rows(lines: &[Line<'_>]) -> bool {
    lines.iter().any(|l| is_headerless_row(l.text))
}

/// Whether a line is a pod or event row without a header.
pub(super) fn is_headerless_row(text: &str) -> bool {
    headerless_kind(text).is_some()
}

/// The header kubectl would have printed for headerless rows of `kind`, fitted to `row`.
fn implied_header(kind: TableKind, row: &str) -> Header {
    let words = row.split_whitespace().count();
    let names: &[&str] = match kind {
        TableKind::Pod => &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        _ => &["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    };
    let mut columns: Vec<(String, usize)> = names.iter().map(|n| ((*n).to_owned(), 0)).collect();
    // A namespace first: the pod's READY is then the third word; an event's TYPE the third.
    let second = row.split_whitespace().nth(1).unwrap_or("");
    let namespaced = match kind {
        TableKind::Pod => !second.contains('/') && words > 5,
        _ => !matches!(second, "Normal" | "Warning") && !second.starts_with("(x"),
    };
    if namespaced {
        columns.insert(0, ("NAMESPACE".to_owned(), 0));
    }
    Header {
        kind,
        columns,
        squeezed: true,
    }
}

/// Reads headerless rows from line `i`; `None` when line `i` is not such a row.
pub(super) fn read_headerless(
    source: &Arc<str>,
    lines: &[Line<'_>],
    i: usize,
    ctx: &Command,
    out: &mut TextParts,
) -> Option<usize> {
    let kind = headerless_kind(lines[i].text)?;
    let header = implied_header(kind, lines[i].text);
    let mut j = i;
    while j < lines.len() && headerless_kind(lines[j].text) == Some(kind) {
        row(source, &header, &lines[j], ctx, out);
        j += 1;
    }
    out.form(&format!("{} (no header)", kind.form()));
    Some(j)
}

/// Reads the table whose header is line `i`; returns the index after it.
pub(super) fn read(
    source: &Arc<str>,
    lines: &[Line<'_>],
    i: usize,
    ctx: &Command,
    out: &mut TextParts,
) -> usize {
    let Some(header) = is_header(lines[i].text) else {
        return i + 1;
    };
    let mut j = i + 1;
    let mut rows = 0;
    while j < lines.len() {
        let l = &lines[j];
        if l.is_blank()
            || command(l.text).is_some()
            || super::is_no_resources(l.text)
            || super::describe::starts_block(lines, l)
        {
            break;
        }
        if let Some(h) = is_header(l.text) {
            // `-w` does not repeat an unchanged header; a changed one starts a new table.
            if h.columns == header.columns {
                j += 1;
                continue;
            }
            break;
        }
        if header.kind == TableKind::Unknown {
            // Rows of a table not understood are only counted: one that is not a row of it
            // (neither aligned with it nor as many words as it has columns) ends it.
            if aligned(&header, l.text).is_none()
                && l.text.split_whitespace().count() != header.columns.len()
            {
                break;
            }
        } else {
            row(source, &header, l, ctx, out);
        }
        rows += 1;
        j += 1;
    }
    let columns: Vec<&str> = header.columns.iter().map(|(c, _)| c.as_str()).collect();
    if header.kind == TableKind::Unknown {
        out.unread(
            lines[i].number,
            format!(
                "a table of a kind not understood ({}), {rows} row(s)",
                columns.join(" ")
            ),
        );
    } else if rows == 0 {
        out.unread(
            lines[i].number,
            format!("a {} header without rows", header.kind.form()),
        );
    } else {
        out.form(header.kind.form());
    }
    j
}

/// The cells of `text` cut at the header's offsets; `None` when the row is not aligned.
fn aligned(header: &Header, text: &str) -> Option<Vec<String>> {
    if header.squeezed {
        return None;
    }
    let b = text.as_bytes();
    let starts: Vec<usize> = header.columns.iter().map(|(_, s)| *s).collect();
    let mut cells = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts
            .get(k + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let s = s.min(text.len());
        if k > 0 && s < text.len() && s > 0 && b.get(s - 1) != Some(&b' ') {
            return None;
        }
        let c = text.get(s..end.max(s))?.trim();
        let last = k + 1 == starts.len();
        if !last && c.contains("  ") {
            return None;
        }
        cells.push(c.to_owned());
    }
    if cells.first().is_none_or(String::is_empty) {
        return None;
    }
    Some(cells)
}

/// A row cut short (a paste cut, a truncated file): a column that kubectl never leaves blank
/// is empty. The cells before the last one written are certain; that one may be cut.
fn cut_short(header: &Header, cells: &mut Vec<String>) -> bool {
    let Some(missing) = header
        .columns
        .iter()
        .zip(cells.iter())
        .position(|((name, _), c)| c.is_empty() && header.kind.never_blank(name))
    else {
        return false;
    };
    let last_written = cells[..missing]
        .iter()
        .rposition(|c| !c.is_empty())
        .unwrap_or(0);
    cells.truncate(last_written);
    true
}

/// The cells of `text` split on blanks, when that places every column; else the certain
/// leading cells and `false`.
fn split_cells(header: &Header, text: &str) -> (Vec<String>, bool) {
    // `3 (2m ago)`, `8s (x13 over 28s)`: a word opening a parenthesis joins the count or age
    // before it (not a message's `(combined from similar events):` after the object).
    let mut words: Vec<String> = Vec::new();
    let mut open = false;
    for w in text.split_whitespace() {
        let after_number = words
            .last()
            .is_some_and(|l: &String| l.starts_with(|c: char| c.is_ascii_digit()));
        if open || (w.starts_with('(') && after_number) {
            if let Some(last) = words.last_mut() {
                last.push(' ');
                last.push_str(w);
            }
            open = !w.ends_with(')');
            continue;
        }
        words.push(w.to_owned());
    }
    let names: Vec<&str> = header.columns.iter().map(|(c, _)| c.as_str()).collect();
    let n = names.len();
    // Events: the reason may hold spaces (`Claim Pending`); the object is the word with a `/`.
    if header.kind == TableKind::Event
        && let Some(r) = names.iter().position(|c| *c == "REASON")
        && names.get(r + 1) == Some(&"OBJECT")
        && let Some(o) = words
            .iter()
            .skip(r + 1)
            .position(|w| w.contains('/'))
            .map(|p| p + r + 1)
    {
        let reason = words[r..o].join(" ");
        let mut cells: Vec<String> = words[..r].to_vec();
        cells.push(reason);
        cells.extend(words[o..].iter().cloned());
        words = cells;
    }
    let free_last = matches!(names.last(), Some(&("MESSAGE" | "LABELS")));
    if words.len() > n && free_last {
        let rest = words.split_off(n - 1).join(" ");
        words.push(rest);
    }
    if words.len() == n {
        return (words, true);
    }
    // Fewer words: blank cells somewhere. Only the cells before the first column that may be
    // blank are certain.
    let certain = names
        .iter()
        .position(|c| header.kind.may_be_blank(c))
        .unwrap_or(n)
        .min(words.len());
    words.truncate(certain);
    (words, false)
}

/// The cells of one row, by column name.
struct Cells<'a> {
    header: &'a Header,
    cells: &'a [String],
}

impl Cells<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        let k = self.header.columns.iter().position(|(c, _)| c == name)?;
        self.cells
            .get(k)
            .map(String::as_str)
            .filter(|c| !c.is_empty())
    }
}

/// Reads one row into an object.
fn row(source: &Arc<str>, header: &Header, line: &Line<'_>, ctx: &Command, out: &mut TextParts) {
    let (cells, complete) = match aligned(header, line.text) {
        Some(mut c) => {
            let cut = cut_short(header, &mut c);
            (c, !cut)
        }
        None => split_cells(header, line.text),
    };
    if !complete {
        out.unread(
            line.number,
            format!(
                "a {} row whose columns cannot be placed: read {} of {} cell(s)",
                header.kind.form(),
                cells.len(),
                header.columns.len()
            ),
        );
    }
    let row = Cells {
        header,
        cells: &cells,
    };
    let get = |name: &str| row.get(name);
    let n = line.number;
    let namespace = get("NAMESPACE").map(str::to_owned).or_else(|| {
        (!ctx.all_namespaces)
            .then(|| ctx.namespace.clone())
            .flatten()
    });
    if header.kind == TableKind::Event {
        if let Some(o) = event(header, &row, namespace.as_deref(), n).and_then(|b| b.finish(source))
        {
            out.objects.objects.push(o);
        }
        return;
    }
    let Some(raw_name) = get("NAME") else {
        out.unread(n, format!("a {} row without a name", header.kind.form()));
        return;
    };
    // `kubectl get vm,vmi`: `virtualmachineinstance.kubevirt.io/testvm`.
    let (kind, name) = match raw_name.split_once('/') {
        Some((k, name)) => match kind_of(k) {
            Some(kind) => (Some(kind), name),
            None => (None, raw_name),
        },
        None => (None, raw_name),
    };
    let (kind, api) = kind.unwrap_or(match header.kind {
        TableKind::Pod => ("Pod", "v1"),
        TableKind::Vm => ("VirtualMachine", "kubevirt.io/v1"),
        TableKind::Vmi => ("VirtualMachineInstance", "kubevirt.io/v1"),
        TableKind::Dv => ("DataVolume", "cdi.kubevirt.io/v1beta1"),
        TableKind::Pvc => ("PersistentVolumeClaim", "v1"),
        _ => ("Node", "v1"),
    });
    let mut b = ObjectBuilder::new(kind, api, header.kind.form(), n);
    use Step::Key as K;
    b.str(&[K("metadata"), K("name")], name, n);
    if kind != "Node"
        && let Some(ns) = &namespace
    {
        b.str(&[K("metadata"), K("namespace")], ns, n);
    }
    if let Some(age) = get("AGE").and_then(age_seconds) {
        b.fact("age", Value::from(get("AGE").unwrap_or_default()));
        b.fact("ageSeconds", Value::from(age));
    }
    if let Some(labels) = get("LABELS") {
        for kv in labels.split(',') {
            if let Some((k, v)) = kv.split_once('=') {
                b.str(&[K("metadata"), K("labels"), K(k)], v, n);
            }
        }
    }
    match header.kind {
        TableKind::Pod => pod(&mut b, &row, n),
        TableKind::Vm => {
            if let Some(s) = get("STATUS") {
                b.str(&[K("status"), K("printableStatus")], s, n);
            }
            if let Some(r) = get("READY") {
                condition(&mut b, 0, "Ready", r, n);
            }
            if let Some(r) = get("RUNNING") {
                b.set(&[K("spec"), K("running")], Value::Bool(r == "true"), n);
            }
        }
        TableKind::Vmi => {
            if let Some(p) = get("PHASE") {
                b.str(&[K("status"), K("phase")], p, n);
            }
            if let Some(ip) = get("IP").and_then(cell) {
                b.set(
                    &[K("status"), K("interfaces"), Step::Index(0), K("ipAddress")],
                    ip,
                    n,
                );
            }
            if let Some(node) = get("NODENAME").and_then(cell) {
                b.set(&[K("status"), K("nodeName")], node, n);
            }
            let mut c = 0;
            for (column, t) in [("READY", "Ready"), ("LIVE-MIGRATABLE", "LiveMigratable")] {
                if let Some(r) = get(column) {
                    condition(&mut b, c, t, r, n);
                    c += 1;
                }
            }
        }
        TableKind::Dv => {
            if let Some(p) = get("PHASE") {
                b.str(&[K("status"), K("phase")], p, n);
            }
            if let Some(p) = get("PROGRESS") {
                b.str(&[K("status"), K("progress")], p, n);
            }
            if let Some(r) = get("RESTARTS").and_then(|r| r.parse::<i64>().ok()) {
                b.set(&[K("status"), K("restartCount")], Value::from(r), n);
            }
        }
        TableKind::Pvc => {
            match get("STATUS") {
                Some("Terminating") => b.fact("deleting", Value::Bool(true)),
                Some(s) => b.str(&[K("status"), K("phase")], s, n),
                None => {}
            }
            if let Some(v) = get("VOLUME") {
                b.str(&[K("spec"), K("volumeName")], v, n);
            }
            if let Some(c) = get("CAPACITY") {
                b.str(&[K("status"), K("capacity"), K("storage")], c, n);
            }
            if let Some(m) = get("ACCESS MODES") {
                let modes: Vec<Value> = m.split(',').map(|m| Value::from(access_mode(m))).collect();
                b.set(&[K("status"), K("accessModes")], Value::Array(modes), n);
            }
            if let Some(sc) = get("STORAGECLASS") {
                b.str(&[K("spec"), K("storageClassName")], sc, n);
            }
        }
        TableKind::Node => {
            if let Some(s) = get("STATUS") {
                for part in s.split(',') {
                    match part {
                        "Ready" => condition(&mut b, 0, "Ready", "True", n),
                        "NotReady" => condition(&mut b, 0, "Ready", "False", n),
                        "Unknown" => condition(&mut b, 0, "Ready", "Unknown", n),
                        "SchedulingDisabled" => {
                            b.set(&[K("spec"), K("unschedulable")], Value::Bool(true), n)
                        }
                        _ => {}
                    }
                }
            }
            if let Some(roles) = get("ROLES").filter(|r| *r != "<none>") {
                for r in roles.split(',') {
                    let key = format!("node-role.kubernetes.io/{r}");
                    b.str(&[K("metadata"), K("labels"), K(&key)], "", n);
                }
            }
            if let Some(v) = get("VERSION") {
                b.str(&[K("status"), K("nodeInfo"), K("kubeletVersion")], v, n);
            }
            if let Some(ip) = get("INTERNAL-IP").and_then(cell) {
                b.set(
                    &[K("status"), K("addresses"), Step::Index(0)],
                    json!({"type": "InternalIP", "address": ip}),
                    n,
                );
            }
        }
        TableKind::Event | TableKind::Unknown => {}
    }
    if let Some(o) = b.finish(source) {
        out.objects.objects.push(o);
    }
}

fn access_mode(m: &str) -> &str {
    match m {
        "RWO" => "ReadWriteOnce",
        "ROX" => "ReadOnlyMany",
        "RWX" => "ReadWriteMany",
        "RWOP" => "ReadWriteOncePod",
        other => other,
    }
}

fn condition(b: &mut ObjectBuilder, i: usize, kind: &str, status: &str, n: u32) {
    use Step::Key as K;
    let at = [K("status"), K("conditions"), Step::Index(i)];
    b.str(&[at[0], at[1], at[2], K("type")], kind, n);
    b.str(&[at[0], at[1], at[2], K("status")], status, n);
}

/// Container reasons kubectl shows in STATUS that come from a terminated state (kubelet's).
/// These two lists are the vocabulary of kubectl's STATUS column (kubectl-text.md §1.3), needed
/// to put the word back into the field it was printed from (`state.terminated.reason` or
/// `state.waiting.reason`, else the pod's `status.reason`); what a reason means for a VM is for
/// the rules to say.
pub(super) const TERMINATED_REASONS: &[&str] = &[
    "OOMKilled",
    "Error",
    "Completed",
    "ContainerCannotRun",
    "DeadlineExceeded",
    "StartError",
    "ContainerStatusUnknown",
];

/// Container reasons that come from a waiting state (kubelet's).
const WAITING_REASONS: &[&str] = &[
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreStartHookError",
    "PostStartHookError",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

/// A pod row: the inverse of kubectl's STATUS rules (kubectl-text.md §1.3). The container a
/// container reason belongs to is not printed: it becomes an unnamed container status.
fn pod(b: &mut ObjectBuilder, row: &Cells<'_>, n: u32) {
    use Step::Key as K;
    let get = |name: &str| row.get(name);
    let status = get("STATUS").unwrap_or_default();
    let container = |b: &mut ObjectBuilder, list: &'static str, reason: &str| {
        let base = [K("status"), K(list), Step::Index(0), K("state")];
        if let Some(code) = reason
            .strip_prefix("ExitCode:")
            .and_then(|c| c.parse::<i64>().ok())
        {
            b.set(
                &[
                    base[0],
                    base[1],
                    base[2],
                    base[3],
                    K("terminated"),
                    K("exitCode"),
                ],
                Value::from(code),
                n,
            );
        } else if let Some(sig) = reason
            .strip_prefix("Signal:")
            .and_then(|c| c.parse::<i64>().ok())
        {
            b.set(
                &[
                    base[0],
                    base[1],
                    base[2],
                    base[3],
                    K("terminated"),
                    K("signal"),
                ],
                Value::from(sig),
                n,
            );
        } else if TERMINATED_REASONS.contains(&reason) {
            b.str(
                &[
                    base[0],
                    base[1],
                    base[2],
                    base[3],
                    K("terminated"),
                    K("reason"),
                ],
                reason,
                n,
            );
        } else {
            b.str(
                &[
                    base[0],
                    base[1],
                    base[2],
                    base[3],
                    K("waiting"),
                    K("reason"),
                ],
                reason,
                n,
            );
        }
    };
    if let Some(init) = status.strip_prefix("Init:") {
        b.str(&[K("status"), K("phase")], "Pending", n);
        let progress = init
            .split_once('/')
            .is_some_and(|(a, c)| a.parse::<u32>().is_ok() && c.parse::<u32>().is_ok());
        if !progress {
            container(b, "initContainerStatuses", init);
        }
    } else {
        match status {
            "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown" => {
                b.str(&[K("status"), K("phase")], status, n);
            }
            "Terminating" => b.fact("deleting", Value::Bool(true)),
            "NotReady" => b.str(&[K("status"), K("phase")], "Running", n),
            "SchedulingGated" => {
                let at = [K("status"), K("conditions"), Step::Index(0)];
                b.str(&[at[0], at[1], at[2], K("type")], "PodScheduled", n);
                b.str(&[at[0], at[1], at[2], K("status")], "False", n);
                b.str(&[at[0], at[1], at[2], K("reason")], "SchedulingGated", n);
            }
            s if s.starts_with("ExitCode:")
                || s.starts_with("Signal:")
                || TERMINATED_REASONS.contains(&s)
                || WAITING_REASONS.contains(&s) =>
            {
                container(b, "containerStatuses", s);
            }
            "" => {}
            other => b.str(&[K("status"), K("reason")], other, n),
        }
    }
    if let Some(r) = get("READY") {
        b.fact("ready", Value::from(r));
    }
    if let Some(r) = get("RESTARTS") {
        let (count, last) = match r.split_once(' ') {
            Some((c, rest)) => (c, rest.trim_matches(['(', ')']).strip_suffix(" ago")),
            None => (r, None),
        };
        // A count of 0 says nothing a missing one does not (and names no container).
        if let Ok(c) = count.parse::<i64>().map(|c| c.max(0))
            && c > 0
        {
            let list = if status.starts_with("Init:") {
                "initContainerStatuses"
            } else {
                "containerStatuses"
            };
            b.set(
                &[K("status"), K(list), Step::Index(0), K("restartCount")],
                Value::from(c),
                n,
            );
        }
        if let Some(s) = last.and_then(age_seconds) {
            b.fact("lastRestartSeconds", Value::from(s));
        }
    }
    if let Some(ip) = get("IP").and_then(cell) {
        b.set(&[K("status"), K("podIP")], ip, n);
    }
    if let Some(node) = get("NODE").and_then(cell) {
        b.set(&[K("spec"), K("nodeName")], node, n);
    }
    if let Some(node) = get("NOMINATED NODE").and_then(cell) {
        b.set(&[K("status"), K("nominatedNodeName")], node, n);
    }
}

/// An event row (`get events`, `get events -o wide`, `kubectl events`, the legacy columns).
fn event(
    header: &Header,
    row: &Cells<'_>,
    namespace: Option<&str>,
    n: u32,
) -> Option<ObjectBuilder> {
    use Step::Key as K;
    let get = |name: &str| row.get(name);
    let mut b = ObjectBuilder::new("Event", "v1", "get events", n);
    let (object_kind, object_name) = match get("OBJECT") {
        Some(o) => {
            let (k, name) = o.split_once('/')?;
            (
                kind_of(k).map_or(k.to_owned(), |(k, _)| k.to_owned()),
                name.to_owned(),
            )
        }
        // Legacy: KIND and NAME of the involved object.
        None if header.has("KIND") => {
            let k = get("KIND")?;
            (
                kind_of(k).map_or(k.to_owned(), |(k, _)| k.to_owned()),
                get("NAME")?.to_owned(),
            )
        }
        None => return None,
    };
    b.str(&[K("involvedObject"), K("kind")], &object_kind, n);
    b.str(&[K("involvedObject"), K("name")], &object_name, n);
    if let Some(ns) = namespace {
        b.str(&[K("metadata"), K("namespace")], ns, n);
        if object_kind != "Node" {
            b.str(&[K("involvedObject"), K("namespace")], ns, n);
        }
    }
    if let Some(name) = get("NAME").filter(|_| header.has("OBJECT")) {
        b.str(&[K("metadata"), K("name")], name, n);
    }
    for (column, field) in [
        ("TYPE", "type"),
        ("REASON", "reason"),
        ("MESSAGE", "message"),
    ] {
        if let Some(v) = get(column) {
            b.str(&[K(field)], v, n);
        }
    }
    if let Some(v) = get("SUBOBJECT") {
        b.str(&[K("involvedObject"), K("fieldPath")], v, n);
    }
    if let Some(v) = get("SOURCE") {
        b.str(
            &[K("source"), K("component")],
            v.split(',').next().unwrap_or(v).trim(),
            n,
        );
    }
    let (last, count, first) = get("LAST SEEN").map_or((None, None, None), event_age);
    let count = get("COUNT").and_then(|c| c.parse().ok()).or(count);
    if let Some(c) = count {
        b.set(&[K("count")], Value::from(c), n);
    }
    if let Some(s) = last {
        b.fact("lastSeenSeconds", Value::from(s));
    }
    if let Some(s) = get("FIRST SEEN").and_then(age_seconds).or(first) {
        b.fact("firstSeenSeconds", Value::from(s));
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_say_the_kind() {
        let k = |l: &str| is_header(l).map(|h| h.kind);
        assert_eq!(
            k("NAME                         READY   STATUS        RESTARTS   AGE"),
            Some(TableKind::Pod)
        );
        assert_eq!(
            k("NAME     AGE   PHASE    IP    NODENAME"),
            Some(TableKind::Vmi)
        );
        assert_eq!(k("NAME    AGE   STATUS     READY"), Some(TableKind::Vm));
        assert_eq!(
            k("NAME      AGE       RUNNING   VOLUME"),
            Some(TableKind::Vm)
        );
        assert_eq!(
            k("NAME                  PHASE             PROGRESS   RESTARTS   AGE"),
            Some(TableKind::Dv)
        );
        assert_eq!(
            k("LAST SEEN   TYPE      REASON   OBJECT   MESSAGE"),
            Some(TableKind::Event)
        );
        assert_eq!(k("NAME STATUS ROLES AGE VERSION"), Some(TableKind::Node));
        assert_eq!(
            k("NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   AGE"),
            Some(TableKind::Pvc)
        );
        assert_eq!(k("NAME   DESIRED   CURRENT"), Some(TableKind::Unknown));
        assert_eq!(k("NAME"), None);
        assert_eq!(k("Name:   x"), None);
    }

    #[test]
    fn blank_cells_are_placed_by_offsets_and_not_guessed_without_them() {
        let h = is_header("NAME     AGE   PHASE    IP    NODENAME").expect("a header");
        let cells = aligned(&h, "testvm   19s   Failed         kf-w-1").expect("aligned");
        assert_eq!(cells, ["testvm", "19s", "Failed", "", "kf-w-1"]);
        let squeezed = is_header("NAME AGE PHASE IP NODENAME").expect("a header");
        let (cells, complete) = split_cells(&squeezed, "testvm 19s Failed kf-w-1");
        assert!(!complete);
        assert_eq!(cells, ["testvm", "19s", "Failed"]);
        let pods = is_header("NAME READY STATUS RESTARTS AGE").expect("a header");
        let (cells, complete) = split_cells(&pods, "virt-launcher-a-x 1/2 Running 3 (2m ago) 5d");
        assert!(complete);
        assert_eq!(cells[3], "3 (2m ago)");
    }
}
