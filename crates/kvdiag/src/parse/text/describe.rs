//! `kubectl describe` output: pods, nodes and PVCs (their own describers) and VMs, VMIs and
//! DataVolumes (the generic describer: every field of the object, labels made from its keys).
//! Indentation (two spaces a level) is the only structure; tables inside (Events, pod and node
//! Conditions) are read by their header's column offsets.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::build::{ObjectBuilder, Step};
use super::{Command, Line, TextParts, age_seconds, cell, command, event_age, kind_of};

/// Labels that, right after `Name:`, say a describe block starts.
const SECOND_LABELS: &[&str] = &[
    "Namespace:",
    "Roles:",
    "Labels:",
    "Annotations:",
    "Priority:",
    // A block cut with dots down to its events (`Name:`, `...`, `Events:`).
    "Events:",
    "Service Account:",
    "StorageClass:",
];

fn indent(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

/// Leading blanks of a line.
pub(super) fn indent_of(text: &str) -> usize {
    indent(text)
}

/// Whether `l` opens a describe block: `Name:` followed by a describe label.
pub(super) fn starts_block(lines: &[Line<'_>], l: &Line<'_>) -> bool {
    let t = l.text.trim_start();
    if !t.starts_with("Name:") || indent(l.text) > 8 {
        return false;
    }
    let at = (l.number as usize).saturating_sub(1);
    lines
        .iter()
        .skip(at + 1)
        .filter(|n| !super::is_elision(n.text))
        .take(4)
        .filter(|n| !n.is_blank())
        .take(2)
        .any(|n| {
            indent(n.text) == indent(l.text)
                && SECOND_LABELS
                    .iter()
                    .any(|s| n.text.trim_start().starts_with(s))
        })
}

/// One line of a describe block, in its tree.
#[derive(Debug, Default)]
struct Entry {
    indent: usize,
    key: String,
    value: String,
    line: u32,
    children: Vec<Entry>,
    /// The raw lines of a table under this entry (Events, Conditions).
    table: Vec<(u32, String)>,
}

impl Entry {
    fn child(&self, key: &str) -> Option<&Entry> {
        self.children.iter().find(|c| c.key == key)
    }

    /// The value with its key-less continuation lines.
    fn text(&self) -> String {
        let mut v = self.value.clone();
        for c in self.children.iter().filter(|c| c.key.is_empty()) {
            if !v.is_empty() {
                v.push(' ');
            }
            v.push_str(&c.value);
        }
        v
    }
}

/// `Key:  value` → (key, value); `None` for a line without a key.
fn key_value(t: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(i) = t[from..].find(':').map(|i| i + from) {
        let after = &t[i + 1..];
        if after.is_empty() || after.starts_with(' ') {
            let key = &t[..i];
            if key.is_empty() || key.contains("  ") || key.starts_with(['[', '{', '"', '(']) {
                return None;
            }
            return Some((key, after.trim()));
        }
        from = i + 1;
    }
    None
}

/// A describe label: words that start with a capital (`Restart Count`, `QoS Class`,
/// `Node-Selectors`), or a key printed as it is (`kubevirt.io/domain`, `f:metadata`).
fn is_label(key: &str) -> bool {
    !key.is_empty()
        && (key
            .split(' ')
            .all(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            || key.contains(['/', '.', ':']))
}

/// Words a table header inside describe is made of.
const TABLE_WORDS: &[&str] = &[
    "Type",
    "Status",
    "Reason",
    "Age",
    "From",
    "Message",
    "FirstSeen",
    "LastSeen",
    "Count",
    "SubObjectPath",
    "LastHeartbeatTime",
    "LastTransitionTime",
    "Resource",
    "Requests",
    "Limits",
];

/// The header of a describe Events table (`Type Reason Age From Message`, or the legacy
/// `FirstSeen LastSeen Count From ...`).
pub(super) fn is_events_header(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    is_table_header(t)
        && (words.starts_with(&["Type", "Reason", "Age", "From"])
            || words.starts_with(&["FirstSeen", "LastSeen", "Count", "From"]))
}

/// A row of a describe Events table (`Warning  FailedScheduling  4s (x3 over 87s)
/// default-scheduler  0/1 nodes ...`): a type, a reason, an age, a source, cut by runs of
/// blanks. Pastes often drop the header above it.
pub(super) fn is_event_row(t: &str) -> bool {
    let mut cells = t
        .trim()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let (Some(kind), Some(reason), Some(age), Some(_from)) =
        (cells.next(), cells.next(), cells.next(), cells.next())
    else {
        return false;
    };
    matches!(kind, "Normal" | "Warning")
        && !reason.contains(' ')
        && (age == "<unknown>" || event_age(age).0.is_some())
}

/// An Events table whose header was not pasted gets one, its columns where the first row's
/// cells start (kubectl aligns the rows of a table), so that it is read like any other.
fn with_header(table: &[(u32, String)]) -> std::borrow::Cow<'_, [(u32, String)]> {
    let Some((n, first)) = table.first() else {
        return table.into();
    };
    if is_events_header(first) || !is_event_row(first) {
        return table.into();
    }
    let mut header = String::new();
    let mut names = ["Type", "Reason", "Age", "From", "Message"].into_iter();
    let mut at = 0;
    for cell in first.split("  ") {
        if !cell.trim().is_empty() {
            let start = at + (cell.len() - cell.trim_start().len());
            let Some(name) = names.next() else { break };
            // A blank before every name but the first (a column starts after a blank).
            let pad = start
                .saturating_sub(header.len())
                .max(usize::from(!header.is_empty()));
            header.extend(std::iter::repeat_n(' ', pad));
            header.push_str(name);
        }
        at += cell.len() + 2;
    }
    let mut out = Vec::with_capacity(table.len() + 1);
    out.push((*n, header));
    out.extend_from_slice(table);
    out.into()
}

fn is_table_header(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    words.len() >= 2 && words.iter().all(|w| TABLE_WORDS.contains(w))
}

/// The tree of a block's lines.
/// Levels of nesting read in a describe block (kubectl's go about 15 deep).
const MAX_DEPTH: usize = 64;

/// The tree of a block's lines, and the first line nested deeper than [`MAX_DEPTH`] (not read).
fn tree(lines: &[Line<'_>]) -> (Vec<Entry>, Option<u32>) {
    let base = lines.first().map_or(0, |l| indent(l.text));
    let mut root: Vec<Entry> = Vec::new();
    // Path of indices from the root to the entry being filled.
    let mut stack: Vec<usize> = Vec::new();
    let mut table_at: Option<usize> = None;
    let mut continuing = false;
    let mut too_deep = None;
    fn at<'e>(root: &'e mut [Entry], path: &[usize]) -> Option<&'e mut Entry> {
        let (first, rest) = path.split_first()?;
        let mut e = root.get_mut(*first)?;
        for &i in rest {
            e = e.children.get_mut(i)?;
        }
        Some(e)
    }
    for (k, l) in lines.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        let ind = indent(l.text).saturating_sub(base);
        let t = l.text.trim();
        // People cut what they paste with a line of dots: it continues nothing.
        if super::is_elision(t) {
            continuing = false;
            continue;
        }
        if let Some(ti) = table_at {
            if ind > ti {
                if let Some(e) = at(&mut root, &stack) {
                    e.table
                        .push((l.number, l.text.get(base..).unwrap_or(l.text).to_owned()));
                }
                continue;
            }
            table_at = None;
        }
        let (key, value) = key_value(t).unwrap_or(("", t));
        // A value holding newlines goes on at column 0 (kubectl prints it as it is): a line at
        // column 0 that is not a describe label, and what follows it up to the next label,
        // continue the value before.
        if ind == 0 && !stack.is_empty() && !is_label(key) {
            continuing = true;
        } else if continuing && is_label(key) {
            continuing = false;
        }
        if continuing {
            if let Some(e) = at(&mut root, &stack) {
                e.value.push(' ');
                e.value.push_str(t);
            }
            continue;
        }
        // Up to the entry this one is under.
        while at(&mut root, &stack).is_some_and(|top| top.indent >= ind) {
            stack.pop();
        }
        if stack.len() >= MAX_DEPTH {
            too_deep.get_or_insert(l.number);
            continue;
        }
        let entry = Entry {
            indent: ind,
            key: key.to_owned(),
            value: value.to_owned(),
            line: l.number,
            ..Entry::default()
        };
        let siblings = match at(&mut root, &stack) {
            Some(parent) => &mut parent.children,
            None => &mut root,
        };
        siblings.push(entry);
        stack.push(siblings.len() - 1);
        if !key.is_empty() && value.is_empty() {
            let next = lines[k + 1..].iter().take(4).find(|n| !n.is_blank());
            if next.is_some_and(|n| {
                indent(n.text).saturating_sub(base) > ind
                    && (is_table_header(n.text) || (key == "Events" && is_event_row(n.text)))
            }) {
                table_at = Some(ind);
            }
        }
    }
    (root, too_deep)
}

/// Reads the describe block starting at line `i`; returns the index after it.
pub(super) fn read(
    source: &Arc<str>,
    lines: &[Line<'_>],
    i: usize,
    ctx: &Command,
    out: &mut TextParts,
) -> usize {
    let base = indent(lines[i].text);
    let mut j = i + 1;
    while j < lines.len() {
        let l = &lines[j];
        if !l.is_blank()
            && (command(l.text).is_some()
                || (indent(l.text) <= base && starts_block(lines, l))
                || (indent(l.text) <= base && super::table::is_header(l.text).is_some())
                || super::prefix::is_prefixed(l.text))
        {
            break;
        }
        j += 1;
    }
    let (entries, too_deep) = tree(&lines[i..j]);
    if let Some(line) = too_deep {
        out.unread(
            line,
            format!("nested deeper than {MAX_DEPTH} levels: the lines so deep"),
        );
    }
    let top = |k: &str| entries.iter().find(|e| e.key == k);
    let has = |k: &str| top(k).is_some();
    // The kind the pasted command names, when it named this object (`describe pod NAME`,
    // `describe pod/NAME`): surer than the labels, of which a cut block may keep few.
    let named = top("Name").map(|e| e.value.as_str());
    let commanded = (ctx.verb == "describe")
        .then(|| match ctx.args.as_slice() {
            [one] => one.split_once('/'),
            [kind, name, ..] => Some((kind.as_str(), name.as_str())),
            [] => None,
        })
        .flatten()
        .filter(|(_, name)| Some(*name) == named)
        .and_then(|(kind, _)| kind_of(kind));
    let kind = if let Some(k) = top("Kind") {
        k.value.clone()
    } else if let Some((k, _)) = commanded {
        k.to_owned()
    } else if has("Containers")
        || has("Controlled By")
        || has("Start Time")
        || has("Service Account")
    {
        "Pod".to_owned()
    } else if has("Roles") || has("Taints") || has("Allocatable") || has("System Info") {
        "Node".to_owned()
    } else if has("StorageClass") && (has("Access Modes") || has("Volume") || has("Capacity")) {
        "PersistentVolumeClaim".to_owned()
    } else if let Some((k, _)) = ctx
        .args
        .first()
        .and_then(|a| kind_of(a.split('/').next().unwrap_or(a)))
    {
        k.to_owned()
    } else {
        out.unread(lines[i].number, "a describe block of a kind not understood");
        return j;
    };
    let Some(name) = top("Name")
        .map(|e| e.value.clone())
        .filter(|n| !n.is_empty())
    else {
        out.unread(lines[i].number, "a describe block without a name");
        return j;
    };
    let namespace = top("Namespace")
        .map(|e| e.value.clone())
        .filter(|n| !n.is_empty() && n != "<none>")
        .or_else(|| ctx.namespace.clone());
    let api = top("API Version")
        .map(|e| e.value.clone())
        .or_else(|| kind_of(&kind).map(|(_, a)| a.to_owned()))
        .unwrap_or_default();
    let first = lines[i].number;
    let mut b = ObjectBuilder::new(&kind, &api, "describe", first);
    use Step::Key as K;
    b.str(&[K("metadata"), K("name")], &name, first);
    if kind != "Node"
        && let Some(ns) = &namespace
    {
        let line = top("Namespace").map_or(first, |e| e.line);
        b.str(&[K("metadata"), K("namespace")], ns, line);
    }
    if let Some(l) = top("Labels") {
        for (line, item) in items(l) {
            if let Some((k, v)) = item.split_once('=') {
                b.str(&[K("metadata"), K("labels"), K(k)], v, line);
            }
        }
    }
    if let Some(a) = top("Annotations") {
        if let Some((k, v)) = a.value.split_once(": ") {
            b.str(&[K("metadata"), K("annotations"), K(k)], v, a.line);
        }
        for c in &a.children {
            if !c.key.is_empty() {
                b.str(
                    &[K("metadata"), K("annotations"), K(&c.key)],
                    &c.text(),
                    c.line,
                );
            }
        }
    }
    match kind.as_str() {
        "Pod" => pod(&mut b, &entries),
        "Node" => node(&mut b, &entries),
        "PersistentVolumeClaim" => pvc(&mut b, &entries),
        _ => {
            for e in &entries {
                match e.key.as_str() {
                    // Read above, or the kind itself; events are read below.
                    "Name" | "Namespace" | "Labels" | "Annotations" | "Events" | "Kind" | "" => {}
                    "Metadata" => {
                        for m in e.children.iter().filter(|m| m.key != "Managed Fields") {
                            generic(&mut b, &mut vec![Seg::Key("metadata".into())], m);
                        }
                    }
                    _ => generic(&mut b, &mut Vec::new(), e),
                }
            }
        }
    }
    out.form("describe");
    if let Some(o) = b.finish(source) {
        out.objects.objects.push(o);
    }
    if let Some(events) = top("Events") {
        read_events(
            source,
            &events.table,
            Some((&kind, &api, &name)),
            namespace.as_deref(),
            out,
        );
    }
    j
}

/// The items of a list-like field: its value and its key-less continuation lines.
fn items(e: &Entry) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    if !e.value.is_empty() && e.value != "<none>" {
        out.push((e.line, e.value.clone()));
    }
    for c in &e.children {
        let t = if c.key.is_empty() {
            c.value.clone()
        } else {
            format!("{}: {}", c.key, c.value)
        };
        out.push((c.line, t));
    }
    out
}

/// A step of a path being built from labels.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn put(b: &mut ObjectBuilder, path: &[Seg], value: Value, line: u32) {
    let steps: Vec<Step<'_>> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => Step::Key(k),
            Seg::Index(i) => Step::Index(*i),
        })
        .collect();
    b.set(&steps, value, line);
}

/// A describe label as the JSON key it was made from (`Last Transition Time` →
/// `lastTransitionTime`, `API Version` → `apiVersion`); keys with other characters
/// (`kubevirt.io/domain`) were printed as they are.
fn camel(label: &str) -> String {
    if !label
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
    {
        return label.to_owned();
    }
    let mut out = String::new();
    for (i, w) in label.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i == 0 {
            if w.chars().all(|c| c.is_ascii_uppercase()) {
                out.push_str(&w.to_ascii_lowercase());
            } else {
                let mut cs = w.chars();
                if let Some(c) = cs.next() {
                    out.push(c.to_ascii_lowercase());
                    out.push_str(cs.as_str());
                }
            }
        } else {
            out.push_str(w);
        }
    }
    out
}

/// Fields the API defines as lists: one element prints like a map.
const LISTS: &[&str] = &[
    "conditions",
    "interfaces",
    "volumes",
    "disks",
    "finalizers",
    "ownerReferences",
    "volumeStatus",
    "dataVolumeTemplates",
    "accessModes",
    "tolerations",
    "networks",
    "ports",
    "taints",
    "addresses",
    "phaseTransitionTimestamps",
    "ipAddresses",
    "infoSource",
];

/// A scalar as the generic describer printed it (`%v`).
fn scalar(text: &str) -> Option<Value> {
    let t = text.trim();
    match t {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ if !t.is_empty() && t.len() < 16 && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<i64>().ok().map(Value::from)
        }
        _ => cell(t),
    }
}

/// One field of the generic describer and everything under it.
fn generic(b: &mut ObjectBuilder, path: &mut Vec<Seg>, e: &Entry) {
    if e.key.is_empty() {
        return;
    }
    let key = camel(&e.key);
    path.push(Seg::Key(key.clone()));
    let keyed: Vec<&Entry> = e.children.iter().filter(|c| !c.key.is_empty()).collect();
    if keyed.is_empty() && e.children.is_empty() {
        if let Some(v) = scalar(&e.value) {
            put(b, path, v, e.line);
        }
    } else if keyed.is_empty() {
        // A list of scalars (finalizers), or a value continued on the next lines.
        if LISTS.contains(&key.as_str()) || e.value.is_empty() {
            for (i, c) in e.children.iter().enumerate() {
                path.push(Seg::Index(i));
                if let Some(v) = scalar(&c.value) {
                    put(b, path, v, c.line);
                }
                path.pop();
            }
        } else if let Some(v) = scalar(&e.text()) {
            put(b, path, v, e.line);
        }
    } else {
        let repeats = keyed
            .iter()
            .enumerate()
            .any(|(i, c)| keyed[..i].iter().any(|p| p.key == c.key));
        if repeats || LISTS.contains(&key.as_str()) {
            // Elements follow each other without a separator: a repeated key starts the next.
            let mut index = 0;
            let mut seen: Vec<&str> = Vec::new();
            for c in &keyed {
                if seen.contains(&c.key.as_str()) {
                    index += 1;
                    seen.clear();
                }
                seen.push(&c.key);
                path.push(Seg::Index(index));
                generic(b, path, c);
                path.pop();
            }
        } else {
            for c in &keyed {
                generic(b, path, c);
            }
        }
    }
    path.pop();
}

/// `Thu, 22 Apr 2021 06:48:26 +0530` (RFC 1123 with a numeric zone) as RFC 3339.
fn rfc1123(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Some(ts.to_string());
    }
    jiff::fmt::rfc2822::parse(t)
        .ok()
        .map(|z| z.timestamp().to_string())
}

/// The pod describer's fields.
fn pod(b: &mut ObjectBuilder, entries: &[Entry]) {
    use Step::Key as K;
    for e in entries {
        let v = e.value.as_str();
        let n = e.line;
        match e.key.as_str() {
            "Priority" => {
                if let Ok(p) = v.parse::<i64>() {
                    b.set(&[K("spec"), K("priority")], Value::from(p), n);
                }
            }
            "Priority Class Name" if cell(v).is_some() => {
                b.str(&[K("spec"), K("priorityClassName")], v, n)
            }
            "Service Account" => b.str(&[K("spec"), K("serviceAccountName")], v, n),
            "Node" if cell(v).is_some() => {
                let (node, ip) = v.split_once('/').unwrap_or((v, ""));
                if !node.is_empty() {
                    b.str(&[K("spec"), K("nodeName")], node, n);
                }
                if !ip.is_empty() {
                    b.str(&[K("status"), K("hostIP")], ip, n);
                }
            }
            "Start Time" => {
                if let Some(t) = rfc1123(v) {
                    b.str(&[K("status"), K("startTime")], &t, n);
                }
            }
            "Status" => match v.strip_prefix("Terminating") {
                Some(rest) => {
                    b.fact("deleting", Value::Bool(true));
                    let lasts = rest
                        .trim()
                        .trim_start_matches("(lasts")
                        .trim_end_matches(')');
                    if let Some(s) = age_seconds(lasts) {
                        b.fact("deletingForSeconds", Value::from(s));
                    }
                }
                None if !v.is_empty() => b.str(&[K("status"), K("phase")], v, n),
                None => {}
            },
            "Reason" if !v.is_empty() => b.str(&[K("status"), K("reason")], v, n),
            "Message" if !v.is_empty() => b.str(&[K("status"), K("message")], &e.text(), n),
            "IP" if cell(v).is_some() => b.str(&[K("status"), K("podIP")], v, n),
            "Controlled By" => {
                if let Some((k, name)) = v.split_once('/') {
                    let at = [K("metadata"), K("ownerReferences"), Step::Index(0)];
                    b.str(&[at[0], at[1], at[2], K("kind")], k, n);
                    b.str(&[at[0], at[1], at[2], K("name")], name, n);
                }
            }
            "QoS Class" => b.str(&[K("status"), K("qosClass")], v, n),
            "Node-Selectors" => {
                for (line, item) in items(e) {
                    if let Some((k, val)) = item.split_once('=') {
                        b.str(&[K("spec"), K("nodeSelector"), K(k)], val, line);
                    }
                }
            }
            "Init Containers" => containers(b, e, "initContainers", "initContainerStatuses"),
            "Containers" => containers(b, e, "containers", "containerStatuses"),
            "Conditions" => conditions_table(b, e),
            _ => {}
        }
    }
}

fn containers(b: &mut ObjectBuilder, e: &Entry, spec: &str, status: &str) {
    use Step::Key as K;
    for (i, c) in e.children.iter().filter(|c| !c.key.is_empty()).enumerate() {
        let n = c.line;
        let s = [K("spec"), K(spec), Step::Index(i)];
        let st = [K("status"), K(status), Step::Index(i)];
        b.str(&[s[0], s[1], s[2], K("name")], &c.key, n);
        b.str(&[st[0], st[1], st[2], K("name")], &c.key, n);
        for f in &c.children {
            let v = f.value.as_str();
            let n = f.line;
            match f.key.as_str() {
                "Image" => {
                    b.str(&[s[0], s[1], s[2], K("image")], v, n);
                    b.str(&[st[0], st[1], st[2], K("image")], v, n);
                }
                "State" => state(b, &[st[0], st[1], st[2], K("state")], f),
                "Last State" => state(b, &[st[0], st[1], st[2], K("lastState")], f),
                "Ready" => b.set(
                    &[st[0], st[1], st[2], K("ready")],
                    Value::Bool(v == "True"),
                    n,
                ),
                "Restart Count" => {
                    if let Ok(r) = v.parse::<i64>() {
                        b.set(&[st[0], st[1], st[2], K("restartCount")], Value::from(r), n);
                    }
                }
                "Limits" | "Requests" => {
                    let which = if f.key == "Limits" {
                        "limits"
                    } else {
                        "requests"
                    };
                    for q in &f.children {
                        if !q.key.is_empty() {
                            b.str(
                                &[s[0], s[1], s[2], K("resources"), K(which), K(&q.key)],
                                &q.value,
                                q.line,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `State: Terminated` with `Reason`, `Exit Code`, ... under it.
fn state(b: &mut ObjectBuilder, at: &[Step<'_>], e: &Entry) {
    use Step::Key as K;
    let which = match e.value.as_str() {
        "Running" => "running",
        "Waiting" => "waiting",
        "Terminated" => "terminated",
        _ => return,
    };
    let mut path: Vec<Step<'_>> = at.to_vec();
    path.push(K(which));
    let mut any = false;
    for f in &e.children {
        let (field, value) = match f.key.as_str() {
            "Reason" => ("reason", Value::from(f.value.as_str())),
            "Message" => ("message", Value::from(f.text())),
            "Exit Code" => (
                "exitCode",
                f.value
                    .parse::<i64>()
                    .map_or(Value::from(f.value.as_str()), Value::from),
            ),
            "Signal" => (
                "signal",
                f.value
                    .parse::<i64>()
                    .map_or(Value::from(f.value.as_str()), Value::from),
            ),
            "Started" => match rfc1123(&f.value) {
                Some(t) => ("startedAt", Value::from(t)),
                None => continue,
            },
            "Finished" => match rfc1123(&f.value) {
                Some(t) => ("finishedAt", Value::from(t)),
                None => continue,
            },
            _ => continue,
        };
        path.push(K(field));
        b.set(&path, value, f.line);
        path.pop();
        any = true;
    }
    if !any {
        b.set(&path, Value::Object(serde_json::Map::new()), e.line);
    }
}

/// A describe table: its header's column offsets and its rows' cells (a row whose cells do not
/// fall on the offsets is split on runs of two blanks).
fn table_rows(rows: &[(u32, String)]) -> (Vec<String>, Vec<(u32, Vec<String>)>) {
    let Some((_, header)) = rows.first() else {
        return (Vec::new(), Vec::new());
    };
    let mut names = Vec::new();
    let mut starts = Vec::new();
    let mut offset = 0;
    for part in header.split(' ') {
        if !part.is_empty() {
            names.push(part.to_owned());
            starts.push(offset);
        }
        offset += part.len() + 1;
    }
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    for (n, row) in &rows[1..] {
        let t = row.trim();
        if t.is_empty() || t.chars().all(|c| c == '-' || c == ' ') {
            continue;
        }
        let b = row.as_bytes();
        let aligned = starts
            .iter()
            .skip(1)
            .all(|&s| s >= row.len() || (s > 0 && b.get(s - 1) == Some(&b' ')))
            && starts
                .first()
                .is_some_and(|&s| row.len() > s && b.get(s).is_some_and(|c| *c != b' '));
        let cells: Vec<String> = if aligned {
            starts
                .iter()
                .enumerate()
                .map(|(k, &s)| {
                    let end = starts
                        .get(k + 1)
                        .copied()
                        .unwrap_or(row.len())
                        .min(row.len());
                    row.get(s.min(end)..end).unwrap_or("").trim().to_owned()
                })
                .collect()
        } else if starts.first().is_some_and(|&s| indent(row) > s + 1) && !out.is_empty() {
            // A wrapped message: the rest of the row before.
            if let Some((_, last)) = out.last_mut()
                && let Some(m) = last.last_mut()
            {
                m.push(' ');
                m.push_str(t);
            }
            continue;
        } else {
            t.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        };
        out.push((*n, cells));
    }
    (names, out)
}

/// Pod and node `Conditions:` tables.
fn conditions_table(b: &mut ObjectBuilder, e: &Entry) {
    use Step::Key as K;
    let (names, rows) = table_rows(&e.table);
    for (i, (n, cells)) in rows.iter().enumerate() {
        for (name, c) in names.iter().zip(cells) {
            let field = match name.as_str() {
                "Type" => "type",
                "Status" => "status",
                "Reason" => "reason",
                "Message" => "message",
                "LastHeartbeatTime" => "lastHeartbeatTime",
                "LastTransitionTime" => "lastTransitionTime",
                _ => continue,
            };
            let value = if field.starts_with("last") {
                match rfc1123(c) {
                    Some(t) => t,
                    None => continue,
                }
            } else {
                c.clone()
            };
            if !value.is_empty() {
                b.str(
                    &[K("status"), K("conditions"), Step::Index(i), K(field)],
                    &value,
                    *n,
                );
            }
        }
    }
}

fn node(b: &mut ObjectBuilder, entries: &[Entry]) {
    use Step::Key as K;
    for e in entries {
        let n = e.line;
        match e.key.as_str() {
            "Roles" => {
                for r in e.value.split(',').filter(|r| cell(r).is_some()) {
                    let key = format!("node-role.kubernetes.io/{r}");
                    b.str(&[K("metadata"), K("labels"), K(&key)], "", n);
                }
            }
            "CreationTimestamp" => {
                if let Some(t) = rfc1123(&e.value) {
                    b.str(&[K("metadata"), K("creationTimestamp")], &t, n);
                }
            }
            "Taints" => {
                for (i, (line, t)) in items(e).into_iter().enumerate() {
                    let (kv, effect) = t.rsplit_once(':').unwrap_or((&t, ""));
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    let at = [K("spec"), K("taints"), Step::Index(i)];
                    b.str(&[at[0], at[1], at[2], K("key")], k, line);
                    if !v.is_empty() {
                        b.str(&[at[0], at[1], at[2], K("value")], v, line);
                    }
                    if !effect.is_empty() {
                        b.str(&[at[0], at[1], at[2], K("effect")], effect, line);
                    }
                }
            }
            "Unschedulable" => b.set(
                &[K("spec"), K("unschedulable")],
                Value::Bool(e.value == "true"),
                n,
            ),
            "Conditions" => conditions_table(b, e),
            "Capacity" | "Allocatable" => {
                let which = if e.key == "Capacity" {
                    "capacity"
                } else {
                    "allocatable"
                };
                for q in e.children.iter().filter(|q| !q.key.is_empty()) {
                    b.str(&[K("status"), K(which), K(&q.key)], &q.value, q.line);
                }
            }
            "System Info" => {
                if let Some(v) = e.child("Kubelet Version") {
                    b.str(
                        &[K("status"), K("nodeInfo"), K("kubeletVersion")],
                        &v.value,
                        v.line,
                    );
                }
            }
            _ => {}
        }
    }
}

fn pvc(b: &mut ObjectBuilder, entries: &[Entry]) {
    use Step::Key as K;
    for e in entries {
        let v = e.value.as_str();
        let n = e.line;
        match e.key.as_str() {
            "StorageClass" if cell(v).is_some() => b.str(&[K("spec"), K("storageClassName")], v, n),
            "Status" => match v.strip_prefix("Terminating") {
                Some(_) => b.fact("deleting", Value::Bool(true)),
                None if !v.is_empty() => b.str(&[K("status"), K("phase")], v, n),
                None => {}
            },
            "Volume" if cell(v).is_some() => b.str(&[K("spec"), K("volumeName")], v, n),
            "Capacity" if cell(v).is_some() => {
                b.str(&[K("status"), K("capacity"), K("storage")], v, n)
            }
            "VolumeMode" => b.str(&[K("spec"), K("volumeMode")], v, n),
            "Finalizers" => {
                let list: Vec<Value> = v
                    .trim_matches(['[', ']'])
                    .split_whitespace()
                    .map(Value::from)
                    .collect();
                if !list.is_empty() {
                    b.set(&[K("metadata"), K("finalizers")], Value::Array(list), n);
                }
            }
            _ => {}
        }
    }
}

/// An Events table pasted without the describe block it belonged to (its header line first):
/// Events that name no object, which correlation places by their folder or by the pod their
/// messages name. Its namespace is the pasted command's, when there was one.
pub(super) fn read_orphan_events(
    source: &Arc<str>,
    lines: &[super::Line<'_>],
    namespace: Option<&str>,
    out: &mut TextParts,
) {
    let base = lines.first().map_or(0, |l| indent(l.text));
    let table: Vec<(u32, String)> = lines
        .iter()
        .map(|l| (l.number, l.text.get(base..).unwrap_or(l.text).to_owned()))
        .collect();
    read_events(source, &table, None, namespace, out);
}

/// The Events table of a describe block, as core/v1 Events about the described object (`kind`,
/// `apiVersion`, `name`), or about no object named.
fn read_events(
    source: &Arc<str>,
    table: &[(u32, String)],
    about: Option<(&str, &str, &str)>,
    namespace: Option<&str>,
    out: &mut TextParts,
) {
    use Step::Key as K;
    let (names, rows) = table_rows(&with_header(table));
    let col = |row: &[String], c: &str| {
        names
            .iter()
            .position(|n| n == c)
            .and_then(|i| row.get(i).cloned())
            .filter(|v| !v.is_empty())
    };
    for (n, cells) in rows {
        let mut b = ObjectBuilder::new("Event", "v1", "describe", n);
        if let Some((kind, api, name)) = about {
            b.str(&[K("involvedObject"), K("kind")], kind, n);
            b.str(&[K("involvedObject"), K("name")], name, n);
            if !api.is_empty() {
                b.str(&[K("involvedObject"), K("apiVersion")], api, n);
            }
        }
        if let Some(ns) = namespace {
            b.str(&[K("metadata"), K("namespace")], ns, n);
            if about.is_some_and(|(kind, _, _)| kind != "Node") {
                b.str(&[K("involvedObject"), K("namespace")], ns, n);
            }
        }
        if let Some(t) = col(&cells, "Type") {
            b.str(&[K("type")], &t, n);
        }
        match col(&cells, "Reason") {
            Some(r) => b.str(&[K("reason")], &r, n),
            None => {
                out.unread(n, "an event row without a reason");
                continue;
            }
        }
        if let Some(from) = col(&cells, "From") {
            let component = from
                .trim_matches(['{', '}'])
                .split([',', ' '])
                .next()
                .unwrap_or("")
                .to_owned();
            if !component.is_empty() {
                b.str(&[K("source"), K("component")], &component, n);
            }
        }
        if let Some(m) = col(&cells, "Message") {
            // kubectl 1.35 and later: `spec.containers{compute}: message`.
            let (field, message) = match m.split_once("}: ") {
                Some((f, rest)) if f.starts_with("spec.") && !f.contains(' ') => {
                    (Some(format!("{f}}}")), rest.to_owned())
                }
                _ => (None, m.clone()),
            };
            if let Some(f) = field {
                b.str(&[K("involvedObject"), K("fieldPath")], &f, n);
            }
            b.str(&[K("message")], &message, n);
        }
        let (last, count, first) = match col(&cells, "Age") {
            Some(a) => event_age(&a),
            None => (
                col(&cells, "LastSeen").as_deref().and_then(age_seconds),
                col(&cells, "Count").and_then(|c| c.parse().ok()),
                col(&cells, "FirstSeen").as_deref().and_then(age_seconds),
            ),
        };
        if let Some(c) = count {
            b.set(&[K("count")], Value::from(c), n);
        }
        if let Some(s) = last {
            b.fact("lastSeenSeconds", Value::from(s));
        }
        if let Some(s) = first {
            b.fact("firstSeenSeconds", Value::from(s));
        }
        if let Some(o) = b.finish(source) {
            out.objects.objects.push(o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_the_keys_they_came_from() {
        assert_eq!(camel("Last Transition Time"), "lastTransitionTime");
        assert_eq!(camel("API Version"), "apiVersion");
        assert_eq!(camel("UID"), "uid");
        assert_eq!(camel("Ip Address"), "ipAddress");
        assert_eq!(camel("IP Address"), "ipAddress");
        assert_eq!(camel("Guest OS Info"), "guestOSInfo");
        assert_eq!(camel("kubevirt.io/domain"), "kubevirt.io/domain");
        assert_eq!(camel("f:metadata"), "f:metadata");
    }

    #[test]
    fn keys_end_at_a_colon_before_a_blank() {
        assert_eq!(key_value("Name:         x"), Some(("Name", "x")));
        assert_eq!(key_value("IP:"), Some(("IP", "")));
        assert_eq!(
            key_value("kubevirt.io/domain: testvm"),
            Some(("kubevirt.io/domain", "testvm"))
        );
        assert_eq!(key_value("f:metadata:"), Some(("f:metadata", "")));
        assert_eq!(
            key_value("Normal  Scheduled  5m  default-scheduler  Error: x"),
            None
        );
        assert_eq!(key_value("kubevirt.io=virt-launcher"), None);
        assert_eq!(
            rfc1123("Thu, 22 Apr 2021 06:48:26 +0530").as_deref(),
            Some("2021-04-22T01:18:26Z")
        );
    }
}
