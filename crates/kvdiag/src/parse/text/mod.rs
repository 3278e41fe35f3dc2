//! What people paste: `kubectl`/`oc` text. `get` tables (pods, VMs, VMIs, DataVolumes, PVCs,
//! events, nodes), `describe` output (pod, VM, VMI, DataVolume, PVC, node) and logs behind the
//! prefixes of `kubectl logs --prefix` and stern, read into the same objects and log streams
//! that YAML and plain logs give. Every field filled keeps the line it was read from.
//!
//! Recognition is by content: a known table header (or rows of a known shape), a describe
//! block (`Name:` then describe labels), prefixed log lines. A pasted terminal session is cut
//! into its parts: shell prompts and command lines (whose `-n`/`--namespace` gives the
//! namespace of the tables printed without one), `No resources found` notices, tables,
//! describe blocks and logs. What is not certain is not guessed: it is reported as unread,
//! with its line. Only the *formats* of kubectl are known here (column names, describe labels,
//! the pod STATUS rules of kubectl's printer), never what a failure looks like.
//!
//! Ages (`5m59s`, `8s (x13 over 28s)`) are kept as relative facts under the member
//! [`TEXT_MEMBER`] (`ageSeconds`, `lastSeenSeconds`, `firstSeenSeconds`) and as `count` on
//! events; absolute times are filled only where the text prints them (describe's
//! `Start Time`, `Creation Timestamp`, `Last Transition Time`). See `docs/text-inputs.md`.

mod build;
mod describe;
mod prefix;
mod table;

use std::sync::Arc;

use serde_json::Value;

pub use build::TEXT_MEMBER;

use super::{Documents, LogStream};
use crate::limits::Limits;

/// What a `kubectl`/`oc` text input held.
#[derive(Debug, Default)]
pub struct TextParts {
    /// The objects read from tables and describe blocks, and the events of both.
    pub objects: Documents,
    /// Logs behind `kubectl logs --prefix` or stern prefixes, one per pod and container.
    pub logs: Vec<LogStream>,
    /// The forms found, in input order without repeats (`get pods`, `describe`, ...).
    pub forms: Vec<String>,
    /// What was not read, with its line.
    pub unread: Vec<Unread>,
}

/// A part of a text input that was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unread {
    /// 1-based line.
    pub line: u32,
    /// Why.
    pub reason: String,
}

impl TextParts {
    fn form(&mut self, form: &str) {
        if !self.forms.iter().any(|f| f == form) {
            self.forms.push(form.to_owned());
        }
    }

    fn unread(&mut self, line: u32, reason: impl Into<String>) {
        self.unread.push(Unread {
            line,
            reason: reason.into(),
        });
    }

    /// One sentence for the inputs report: the forms read and what was not read.
    pub fn note(&self) -> Option<String> {
        if self.unread.is_empty() {
            return None;
        }
        const SHOWN: usize = 5;
        let mut parts: Vec<String> = self
            .unread
            .iter()
            .take(SHOWN)
            .map(|u| format!("line {}: {}", u.line, u.reason))
            .collect();
        if self.unread.len() > SHOWN {
            parts.push(format!("and {} more", self.unread.len() - SHOWN));
        }
        let forms = if self.forms.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.forms.join(", "))
        };
        Some(format!(
            "kubectl text{forms}; not read: {}",
            parts.join("; ")
        ))
    }
}

/// One line of the input: its 1-based number and its text (without `\r\n`, quoting `> `
/// and ANSI colours removed).
#[derive(Clone, Copy, Debug)]
pub(super) struct Line<'a> {
    pub(super) number: u32,
    pub(super) text: &'a str,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Text of the input as UTF-8: UTF-16 with a byte order mark (PowerShell's `>`) is converted,
/// a UTF-8 byte order mark dropped. `None` when the input is not text.
pub(super) fn decode(bytes: &[u8]) -> Option<String> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).ok().map(str::to_owned),
        _ => std::str::from_utf8(bytes).ok().map(str::to_owned),
    }
}

/// Whether the input is UTF-16 with a byte order mark (it holds NUL bytes and is not binary).
pub(super) fn is_utf16_text(bytes: &[u8]) -> bool {
    matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) && bytes.len().is_multiple_of(2)
}

/// The lines of `text`, cleaned of what terminals, mail and Markdown add.
fn lines(text: &str) -> Vec<(u32, String)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let l = strip_ansi(l);
            // `> ` quoting (mail, Markdown quotes).
            let l = match l.strip_prefix("> ") {
                Some(rest) => rest.to_owned(),
                None if l == ">" => String::new(),
                None => l,
            };
            let l = strip_bold(l);
            // A Markdown code fence (```` ``` ````, ```` ```console ````, `~~~`) only frames
            // what was pasted.
            let t = l.trim_start();
            let l = if t.starts_with("```") || t.starts_with("~~~") {
                String::new()
            } else {
                l
            };
            (
                u32::try_from(i + 1).unwrap_or(u32::MAX),
                l.replace('\t', "    "),
            )
        })
        .collect()
}

/// Removes Markdown bold markers (`**`) from a line that holds them in pairs: a paste in an
/// issue often bolds its prompt lines and the line that matters (`**FailedScheduling ...**`);
/// kubectl prints no `**` of its own.
fn strip_bold(l: String) -> String {
    let pairs = l.matches("**").count();
    if pairs == 0 || pairs % 2 == 1 {
        return l;
    }
    l.replace("**", "")
}

/// Whether a line only marks that the paste was cut there: a run of dots (`...`,
/// `...........`), an ellipsis, `[...]`, `(...)`. It belongs to no form and ends nothing.
pub(super) fn is_elision(text: &str) -> bool {
    let t = text.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .or_else(|| t.strip_prefix('(').and_then(|r| r.strip_suffix(')')))
        .unwrap_or(t);
    let dots = inner.chars().filter(|&c| c == '.').count();
    let ellipses = inner.chars().filter(|&c| c == '…').count();
    !inner.is_empty() && inner.chars().all(|c| c == '.' || c == '…') && (dots >= 3 || ellipses >= 1)
}

/// Removes ANSI colour sequences (`ESC [ ... m`) and their visible remnants (`^[[...m`).
fn strip_ansi(l: &str) -> String {
    if !l.contains('\u{1b}') && !l.contains("^[[") {
        return l.to_owned();
    }
    let mut out = String::with_capacity(l.len());
    let mut rest = l;
    loop {
        let esc = rest.find('\u{1b}').map(|i| (i, 1));
        let vis = rest.find("^[").map(|i| (i, 2));
        let next = match (esc, vis) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((i, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + len..];
        match after.strip_prefix('[') {
            Some(seq) => {
                let end = seq
                    .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                    .unwrap_or(seq.len());
                rest = seq.get(end + 1..).unwrap_or("");
            }
            None => rest = after,
        }
    }
}

/// A pasted command line: `$ oc get pods -n prod`, `[root@host ~]# kubectl describe vmi x`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Command {
    /// `-n`/`--namespace`.
    pub(super) namespace: Option<String>,
    /// `-A`/`--all-namespaces`.
    pub(super) all_namespaces: bool,
    /// The verb (`get`, `describe`, `logs`, `events`).
    pub(super) verb: String,
    /// The resource words after the verb (`pods`, `vm/x`, `vmi x`).
    pub(super) args: Vec<String>,
}

/// Reads a command line, after any shell prompt; `None` when the line is not a kubectl or oc
/// command (or a prompt with nothing after it, which is `Some` with an empty verb).
pub(super) fn command(line: &str) -> Option<Command> {
    let t = line.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    // A prompt with nothing after it (`[root@host ~]#`, `user@host:~$`, `$`).
    let bare = match words.as_slice() {
        [only] => {
            only.ends_with(['$', '#', '%'])
                && (only.len() == 1 || only.contains('@') || only.starts_with('['))
        }
        [first, .., last] => {
            first.starts_with('[')
                && first.contains('@')
                && (last.ends_with("]$") || last.ends_with("]#"))
        }
        [] => false,
    };
    if bare {
        return Some(Command::default());
    }
    // The program word: after a prompt (`$`, `#`, `%`, `>`, `]#`, `host:~$`) or first.
    let at = words.iter().position(|w| is_program(w))?;
    let before = &words[..at];
    if !before.is_empty()
        && !before
            .last()
            .is_some_and(|w| w.ends_with(['$', '#', '%', '>']))
    {
        return None;
    }
    let mut c = Command::default();
    let mut it = words[at + 1..].iter().copied().peekable();
    while let Some(w) = it.next() {
        if w == "|" || w == ">" || w.starts_with('|') || w == "&&" || w == ";" {
            break;
        }
        if let Some(ns) = w.strip_prefix("--namespace=") {
            c.namespace = Some(ns.to_owned());
        } else if w == "-n" || w == "--namespace" {
            c.namespace = it.next().map(str::to_owned);
        } else if let Some(ns) = w
            .strip_prefix("-n")
            .filter(|n| !n.is_empty() && !n.starts_with('-'))
        {
            c.namespace = Some(ns.to_owned());
        } else if w == "-A" || w == "--all-namespaces" {
            c.all_namespaces = true;
        } else if matches!(
            w,
            "-o" | "-l" | "-c" | "--selector" | "-L" | "--context" | "--kubeconfig"
        ) {
            it.next();
        } else if w.starts_with('-') {
        } else if c.verb.is_empty() {
            c.verb = w.to_owned();
        } else {
            c.args.push(w.to_owned());
        }
    }
    Some(c)
}

fn is_program(w: &str) -> bool {
    matches!(w, "kubectl" | "oc" | "k" | "virtctl" | "stern")
        || w.ends_with("/kubectl")
        || w.ends_with("/oc")
}

/// `No resources found in prod namespace.` (kubectl's stderr when a list is empty).
fn is_no_resources(line: &str) -> bool {
    line.trim_start().starts_with("No resources found")
}

/// Parses a kubectl age: `5m59s`, `4h9m`, `3d16h`, `2y143d`, `119s`; `None` for `<unknown>`,
/// `<invalid>` and anything else.
pub(super) fn age_seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    let mut total: i64 = 0;
    let mut digits = 0i64;
    let mut any_digit = false;
    let mut any = false;
    for c in t.chars() {
        if let Some(d) = c.to_digit(10) {
            digits = digits.checked_mul(10)?.checked_add(i64::from(d))?;
            any_digit = true;
            continue;
        }
        if !any_digit {
            return None;
        }
        let unit = match c {
            'y' => 365 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(digits.checked_mul(unit)?)?;
        digits = 0;
        any_digit = false;
        any = true;
    }
    (any && !any_digit).then_some(total)
}

/// An event age as describe and `kubectl events` print it: `8s`, `8s (x13 over 28s)`,
/// `<unknown>`. Gives (last seen, count, first seen), in seconds ago.
pub(super) fn event_age(text: &str) -> (Option<i64>, Option<i64>, Option<i64>) {
    let t = text.trim();
    let (last, rest) = match t.find(" (x") {
        Some(i) => (&t[..i], Some(&t[i + 3..])),
        None => (t, None),
    };
    let last = age_seconds(last);
    let Some(rest) = rest.and_then(|r| r.strip_suffix(')')) else {
        return (last, None, last);
    };
    let mut words = rest.split_whitespace();
    let count = words.next().and_then(|c| c.parse().ok());
    let first = match (words.next(), words.next()) {
        (Some("over"), Some(first)) => age_seconds(first),
        _ => None,
    };
    (last, count, first)
}

/// Recognises kubectl/oc text; `None` when the input is not that (then YAML, JSON and logs are
/// tried as before).
pub(super) fn detect(name: &Arc<str>, bytes: &[u8], limits: &Limits) -> Option<TextParts> {
    // A look at the head first: most inputs are not text, and a large log is not copied.
    if !head_is_text(bytes) {
        return None;
    }
    let text = decode(bytes)?;
    let lines = lines(&text);
    let view = view_of(&lines);
    let mut out = TextParts::default();
    let other = split(name, &view, limits, &mut out);
    // Nothing read, and mostly lines of no kubectl form: not text after all (a guest console
    // printing an `nmcli` table is a log). A paste of a table of a kind not understood is
    // still text, reported as such.
    let meaningful = view.iter().filter(|l| !l.is_blank()).count();
    if out.objects.objects.is_empty()
        && out.logs.is_empty()
        && (out.unread.is_empty() || other * 2 > meaningful)
    {
        return None;
    }
    Some(out)
}

/// Bytes looked at to recognise text.
const HEAD_BYTES: usize = 256 * 1024;

/// Whether the input's first [`HEAD_BYTES`] hold a line of a kubectl form: only then may
/// [`detect`] find text (it looks at nothing else first).
pub(super) fn head_is_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let head = match std::str::from_utf8(head) {
        Ok(h) => h,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(h) => h,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    recognised(&view_of(&lines(
        head.strip_prefix('\u{feff}').unwrap_or(head),
    )))
}

fn view_of(lines: &[(u32, String)]) -> Vec<Line<'_>> {
    lines
        .iter()
        .map(|(n, t)| Line {
            number: *n,
            text: t.as_str(),
        })
        .collect()
}

/// The text of the line after `l` (empty after the last).
fn next_text<'a>(view: &[Line<'a>], l: &Line<'_>) -> &'a str {
    view.get(l.number as usize).map_or("", |n| n.text)
}

/// Whether some line is of a form read here.
fn recognised(view: &[Line<'_>]) -> bool {
    view.iter().any(|l| {
        table::is_header(l.text).is_some()
            || describe::starts_block(view, l)
            || describe::is_events_header(l.text)
            || (l.text.trim() == "Events:" && describe::is_event_row(next_text(view, l)))
            || prefix::is_prefixed(l.text)
    }) || table::headerless_rows(view)
        || prefix::is_stern(view)
}

/// Recognises a log behind `kubectl logs --prefix` or stern prefixes (for inputs known to be
/// logs); `None` for anything else.
pub(super) fn detect_prefixed(name: &Arc<str>, bytes: &[u8], limits: &Limits) -> Option<TextParts> {
    if !looks_prefixed(bytes) {
        return None;
    }
    detect(name, bytes, limits)
}

/// Bytes of an input's head [`looks_prefixed`] looks at.
pub(super) const PREFIX_HEAD_BYTES: usize = 64 * 1024;

/// Whether the first lines of a log (of its first [`PREFIX_HEAD_BYTES`]) have kubectl or stern
/// prefixes: only then is it read as text.
pub(super) fn looks_prefixed(bytes: &[u8]) -> bool {
    let Some(text) = bytes
        .get(..bytes.len().min(PREFIX_HEAD_BYTES))
        .and_then(|head| {
            std::str::from_utf8(head)
                .or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
                .ok()
        })
    else {
        return false;
    };
    let head: Vec<Line<'_>> = text
        .lines()
        .take(200)
        .enumerate()
        .map(|(i, t)| Line {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: t,
        })
        .collect();
    let meaningful = head.iter().filter(|l| !l.is_blank()).count();
    let prefixed = head.iter().filter(|l| prefix::is_prefixed(l.text)).count();
    prefix::is_stern(&head) || (prefixed > 0 && prefixed * 2 >= meaningful)
}

/// Cuts the lines into parts and reads each.
/// Returns how many lines were none of the forms.
fn split(name: &Arc<str>, lines: &[Line<'_>], limits: &Limits, out: &mut TextParts) -> usize {
    let mut other = 0;
    let stern = prefix::is_stern(lines);
    let mut ctx = Command::default();
    let mut logs = prefix::Prefixed::default();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.is_blank() || is_elision(l.text) {
            i += 1;
            continue;
        }
        if let Some(c) = command(l.text) {
            // A bare prompt changes nothing.
            if !c.verb.is_empty() {
                ctx = c;
            }
            i += 1;
            continue;
        }
        if is_no_resources(l.text) || l.text.trim_start().starts_with("Defaulted container ") {
            i += 1;
            continue;
        }
        if table::is_header(l.text).is_some() {
            i = table::read(name, lines, i, &ctx, out);
            continue;
        }
        if describe::starts_block(lines, &l) {
            i = describe::read(name, lines, i, &ctx, out);
            continue;
        }
        // The `Events:` label of a describe block whose other fields were not pasted.
        if l.text.trim() == "Events:"
            && lines.get(i + 1).is_some_and(|n| {
                describe::is_events_header(n.text) || describe::is_event_row(n.text)
            })
        {
            i += 1;
            continue;
        }
        // A row right under that label, the table's header not pasted.
        let headerless = i
            .checked_sub(1)
            .is_some_and(|p| lines[p].text.trim() == "Events:")
            && describe::is_event_row(l.text);
        if describe::is_events_header(l.text) || headerless {
            // An Events table pasted without its describe block: Events about an object not
            // named (correlation places them by their folder or the pod they name).
            let mut j = i + 1;
            while j < lines.len() && !lines[j].is_blank() && describe::indent_of(lines[j].text) > 0
            {
                j += 1;
            }
            describe::read_orphan_events(name, &lines[i..j], ctx.namespace.as_deref(), out);
            out.form("events table");
            i = j;
            continue;
        }
        if let Some(end) = table::read_headerless(name, lines, i, &ctx, out) {
            i = end;
            continue;
        }
        if logs.take(&l, stern, ctx.namespace.as_deref()) {
            i += 1;
            continue;
        }
        out.unread(
            l.number,
            "not a kubectl table, describe block or prefixed log line",
        );
        // One report for a run of such lines (up to a line that opens a form: prose right
        // above a table, or above rows without their header).
        i += 1;
        other += 1;
        while i < lines.len()
            && !lines[i].is_blank()
            && command(lines[i].text).is_none()
            && table::is_header(lines[i].text).is_none()
            && !table::is_headerless_row(lines[i].text)
            && !describe::starts_block(lines, &lines[i])
            && !prefix::is_prefixed(lines[i].text)
        {
            i += 1;
            other += 1;
        }
    }
    let streams = logs.finish(name, lines, limits);
    if !streams.is_empty() {
        out.form(if stern { "stern" } else { "logs --prefix" });
    }
    out.logs.extend(streams);
    other
}

/// The indices of the events read from text that another event repeats: a captured event
/// (from YAML or JSON) or an earlier text event about the same object with the same reason and
/// message (a must-gather's `*_describe.txt` repeats the events of its event files).
pub(crate) fn repeated_events(objects: &[crate::Object]) -> crate::HashSet<usize> {
    use crate::{HashMap, HashSet};
    /// involvedObject kind, namespace, name; reason; message.
    type Key<'a> = [Option<&'a str>; 5];
    fn key(o: &crate::Object) -> Key<'_> {
        let r = o.root();
        let s = |keys: &[&str]| r.str_at(keys);
        [
            s(&["involvedObject", "kind"]),
            s(&["involvedObject", "namespace"]).or(o.namespace.as_deref()),
            s(&["involvedObject", "name"]),
            s(&["reason"]),
            s(&["message"]).map(str::trim),
        ]
    }
    let is_text = |o: &crate::Object| o.root().get(TEXT_MEMBER).is_some();
    let events = || {
        objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind == "Event")
    };
    let mut out = HashSet::default();
    // Most captures hold no event read from text: nothing to compare.
    if !events().any(|(_, o)| is_text(o)) {
        return out;
    }
    let captured: HashSet<Key<'_>> = events()
        .filter(|(_, o)| !is_text(o))
        .map(|(_, o)| key(o))
        .collect();
    let mut seen: HashMap<Key<'_>, usize> = HashMap::default();
    for (i, o) in events().filter(|(_, o)| is_text(o)) {
        let k = key(o);
        if captured.contains(&k) || seen.insert(k, i).is_some() {
            out.insert(i);
        }
    }
    out
}

/// Turns the relative ages of objects read from text into times, counted back from `now` (a
/// capture time known apart from the data: given, or a must-gather `timestamp` file):
/// `ageSeconds` → `metadata.creationTimestamp`, `deletingForSeconds` →
/// `metadata.deletionTimestamp`, an event's `lastSeenSeconds` / `firstSeenSeconds` →
/// `lastTimestamp` / `firstTimestamp`. A field the text gave is never replaced. kubectl rounds
/// ages down (`12d` is 12 to 13 days), so a time made so is never older than the true one.
pub(crate) fn resolve_ages(objects: &mut [crate::Object], now: jiff::Timestamp) {
    const TIMES: &[(&str, &[&str])] = &[
        ("ageSeconds", &["metadata", "creationTimestamp"]),
        ("deletingForSeconds", &["metadata", "deletionTimestamp"]),
        ("lastSeenSeconds", &["lastTimestamp"]),
        ("firstSeenSeconds", &["firstTimestamp"]),
    ];
    for o in objects.iter_mut() {
        let Some(text) = o.root().get(TEXT_MEMBER) else {
            continue;
        };
        let mut fills: Vec<(&[&str], String)> = Vec::new();
        for (fact, path) in TIMES {
            let Some(secs) = text.get(fact).and_then(crate::tree::Node::as_i64) else {
                continue;
            };
            if o.root().at(path).is_some_and(|v| !v.is_null()) {
                continue;
            }
            if let Ok(t) = now.checked_sub(jiff::SignedDuration::from_secs(secs)) {
                fills.push((path, t.to_string()));
            }
        }
        if fills.is_empty() {
            continue;
        }
        let mut value = o.tree.to_value();
        let mut lines: Vec<(String, u32)> = o
            .field_lines
            .as_deref()
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        for (path, time) in fills {
            let mut at = &mut value;
            for key in path {
                if !at.is_object() {
                    *at = Value::Object(serde_json::Map::new());
                }
                at = &mut at[*key];
            }
            *at = Value::String(time);
            lines.push((format!("$.{}", path.join(".")), o.origin.line.unwrap_or(0)));
        }
        if let Ok(tree) = crate::tree::Tree::from_value(&value) {
            o.tree = tree;
            o.field_lines = Some(std::sync::Arc::from(lines));
        }
    }
}

/// A cell's text as a JSON value: `<none>`, `<nil>`, `<unset>` and empty are no value.
pub(super) fn cell(text: &str) -> Option<Value> {
    let t = text.trim();
    match t {
        "" | "<none>" | "<unset>" | "<unknown>" | "<invalid>" => None,
        "<nil>" => Some(Value::Null),
        _ => Some(Value::from(t)),
    }
}

/// Kinds as `kubectl get` and `describe` name them (`pod/x`, `virtualmachineinstance.kubevirt.io/x`,
/// `Controlled By: VirtualMachineInstance/x`), with their API versions.
pub(super) fn kind_of(word: &str) -> Option<(&'static str, &'static str)> {
    let base = word.split('.').next().unwrap_or(word).to_ascii_lowercase();
    Some(match base.as_str() {
        "pod" | "pods" | "po" => ("Pod", "v1"),
        "virtualmachine" | "virtualmachines" | "vm" | "vms" => ("VirtualMachine", "kubevirt.io/v1"),
        "virtualmachineinstance" | "virtualmachineinstances" | "vmi" | "vmis" => {
            ("VirtualMachineInstance", "kubevirt.io/v1")
        }
        "datavolume" | "datavolumes" | "dv" | "dvs" => ("DataVolume", "cdi.kubevirt.io/v1beta1"),
        "persistentvolumeclaim" | "persistentvolumeclaims" | "pvc" | "pvcs" => {
            ("PersistentVolumeClaim", "v1")
        }
        "node" | "nodes" | "no" => ("Node", "v1"),
        "event" | "events" | "ev" => ("Event", "v1"),
        "virtualmachineinstancemigration" | "vmim" | "vmims" => {
            ("VirtualMachineInstanceMigration", "kubevirt.io/v1")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_as_kubectl_prints_them() {
        assert_eq!(age_seconds("5m59s"), Some(359));
        assert_eq!(age_seconds("4h9m"), Some(4 * 3600 + 540));
        assert_eq!(age_seconds("2y143d"), Some((2 * 365 + 143) * 86_400));
        assert_eq!(age_seconds("<unknown>"), None);
        assert_eq!(age_seconds("5"), None);
        assert_eq!(age_seconds("m5"), None);
        assert_eq!(
            event_age("8s (x13 over 28s)"),
            (Some(8), Some(13), Some(28))
        );
        assert_eq!(event_age("96s"), (Some(96), None, Some(96)));
    }

    #[test]
    fn markdown_bold_in_pairs_is_dropped_and_cut_marks_are_known() {
        let bold = |l: &str| strip_bold(l.to_owned());
        assert_eq!(
            bold("**[root@node003 ~]# kubectl get pods**"),
            "[root@node003 ~]# kubectl get pods"
        );
        assert_eq!(
            bold("  Warning  **FailedScheduling  4s**"),
            "  Warning  FailedScheduling  4s"
        );
        // An odd count is not Markdown: left as it is.
        assert_eq!(bold("glob: a/**/b"), "glob: a/**/b");
        for cut in ["...", "  ..........", "…", "[...]", "(...)", "[…]"] {
            assert!(is_elision(cut), "{cut:?}");
        }
        for not in ["..", "", "[]", "a...", "...b", "Name: ..."] {
            assert!(!is_elision(not), "{not:?}");
        }
    }

    #[test]
    fn command_lines_give_the_namespace() {
        let c = command("[root@k8s ~]# kubectl get pods -n prod -o wide").expect("a command");
        assert_eq!(
            (c.verb.as_str(), c.namespace.as_deref()),
            ("get", Some("prod"))
        );
        let c = command("$ oc --namespace=web describe vmi db").expect("a command");
        assert_eq!(c.args, ["vmi", "db"]);
        assert_eq!(c.namespace.as_deref(), Some("web"));
        assert!(command("$ kubectl get vmi -A").is_some_and(|c| c.all_namespaces));
        assert!(command("NAME   READY").is_none());
        assert_eq!(command("[admin@bastion ~]$ "), Some(Command::default()));
        assert_eq!(command("[root@k8s ~]#"), Some(Command::default()));
        assert!(command("the oc command failed").is_none());
    }

    #[test]
    fn utf16_and_colours() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "NAME   AGE\r\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert!(is_utf16_text(&bytes));
        assert_eq!(decode(&bytes).as_deref(), Some("NAME   AGE\r\n"));
        assert_eq!(strip_ansi("\u{1b}[36mpod\u{1b}[0m c"), "pod c");
        assert_eq!(strip_ansi("^[[36mpod^[[0m c"), "pod c");
    }
}
