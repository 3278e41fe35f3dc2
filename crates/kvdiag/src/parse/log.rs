//! Log streams: one container's output (or a loose log file), split into numbered lines with
//! the kubelet / CRI timestamp prefix removed and structured lines readable by field.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// Which log a stream is: as much as the caller (path conventions) or the content told.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
pub struct LogSource {
    /// The input's name (path, `-`, a label).
    pub origin: Arc<str>,
    /// Namespace of the pod, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Pod name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Container name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The previous (terminated) instance of the container (`oc logs --previous`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
    /// The VM (VMI name) the log belongs to, when the capture says so rather than a pod (the
    /// KubeVirt must-gather's `namespaces/<ns>/vms/<vm>/` files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm: Option<String>,
    /// The node, for a node's own logs (kernel log, `dmesg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The uid of the pod whose cgroup the lines name (kernel-log excerpts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_uid: Option<String>,
    /// What wrote the log when it is not a container's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<LogKind>,
}

/// Logs that are not a container's standard output.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LogKind {
    /// A node's kernel ring buffer or kernel journal (`dmesg`, `journalctl -k`).
    Kernel,
    /// The QEMU log file libvirt keeps per domain (`<namespace>_<vmi>.log`).
    Qemu,
    /// A libvirt domain XML (`virsh dumpxml`), read line by line.
    DomainXml,
    /// A node service's journal or log file (kubelet, CRI-O, NetworkManager, audit): the
    /// node's own lines, about no pod in particular.
    Journal,
    /// The values of a pasted piece of an object (a `status:` block without its kind, members
    /// cut out of JSON), one per line (see `parse::fragment`): text quoted from any writer.
    Fragment,
}

/// The writer a node's own log (kernel log, journal) is matched as against a rule's
/// `container:`: no container can have this name, so such logs never pass a container test.
const NODE_WRITER: &str = "(node)";

impl LogSource {
    /// The container a rule's `container:` test compares with: the log's own container; the
    /// launcher's `compute` for the QEMU log and the domain XML (both written inside it); a name
    /// no container has for a node's own logs (they are no container's output); `None` when
    /// nothing is known (a loose file), which passes every container test.
    pub fn writer(&self) -> Option<&str> {
        if let Some(c) = &self.container {
            return Some(c);
        }
        match self.kind? {
            LogKind::Qemu | LogKind::DomainXml => Some("compute"),
            LogKind::Kernel | LogKind::Journal => Some(NODE_WRITER),
            LogKind::Fragment => None,
        }
    }

    /// A source known only by its name.
    pub fn new(origin: impl Into<Arc<str>>) -> Self {
        LogSource {
            origin: origin.into(),
            ..LogSource::default()
        }
    }
}

/// Byte ranges of one line inside the stream's text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    /// 1-based line number in the input.
    pub(crate) number: usize,
    /// Start of the line's content (after any timestamp prefix).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The kubelet timestamp prefix, if the line had one.
    pub(crate) timestamp: Option<(usize, usize)>,
}

/// One log stream: its identity, its line count and its lines — all of them, or, when it was
/// read through a [`LogFilter`](super::LogFilter), only those a rule can use.
#[derive(Clone, Debug)]
pub struct LogStream {
    /// Which log this is.
    pub source: LogSource,
    pub(crate) text: String,
    /// The lines kept.
    pub(crate) lines: Vec<Span>,
    /// Lines in the stream.
    pub(crate) total: usize,
    /// Set when only some lines are kept: what the scan found.
    pub(crate) scanned: Option<Box<super::filter::Scanned>>,
    /// Lines longer than the line limit, kept cut (see [`LogStream::cut_lines`]).
    pub(crate) cut: usize,
}

/// One line of a log stream.
#[derive(Clone, Copy, Debug)]
pub struct LogLine<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    /// The kubelet timestamp prefix, when the capture had one (`oc logs --timestamps`).
    pub timestamp: Option<&'a str>,
    /// The line as the program wrote it.
    pub text: &'a str,
}

impl LogStream {
    /// Splits `bytes` into lines. Invalid UTF-8 is replaced, never an error: logs are kept
    /// whatever they hold.
    pub fn parse(source: LogSource, bytes: &[u8]) -> LogStream {
        Self::parse_from_line(source, bytes, 1)
    }

    /// Like [`LogStream::parse`] for a part of a larger input whose first line is line
    /// `first_line` of that input (a container's section of a cluster-info `logs.txt`).
    pub fn parse_from_line(source: LogSource, bytes: &[u8], first_line: usize) -> LogStream {
        Self::parse_limited(source, bytes, first_line, DEFAULT_LINE_BYTES)
    }

    /// Like [`LogStream::parse_from_line`], keeping at most `max_line` bytes of each line
    /// ([`Limits::line_bytes`](crate::Limits::line_bytes)).
    pub fn parse_limited(
        source: LogSource,
        bytes: &[u8],
        first_line: usize,
        max_line: usize,
    ) -> LogStream {
        let mut b = LogStreamBuilder::new(source).max_line_bytes(max_line);
        b.next_number = first_line.max(1);
        b.push(bytes);
        b.finish()
    }

    /// How many lines were longer than the line limit and are kept cut to it.
    pub fn cut_lines(&self) -> usize {
        self.cut
    }

    /// A stream holding some lines of this one (0-based `indices` of its kept lines, in order),
    /// keeping their line numbers, under another identity.
    pub fn excerpt(&self, source: LogSource, indices: &[usize]) -> LogStream {
        let mut text = String::new();
        let mut lines = Vec::with_capacity(indices.len());
        for &i in indices {
            let Some(span) = self.lines.get(i) else {
                continue;
            };
            let (from, to) = (span.timestamp.map_or(span.start, |(s, _)| s), span.end);
            let base = text.len();
            text.push_str(&self.text[from..to]);
            text.push('\n');
            lines.push(Span {
                number: span.number,
                start: base + (span.start - from),
                end: base + (span.end - from),
                timestamp: span
                    .timestamp
                    .map(|(s, e)| (base + (s - from), base + (e - from))),
            });
        }
        // The cut lines are counted once, on the whole stream.
        LogStream {
            source,
            text,
            total: lines.len(),
            lines,
            scanned: None,
            cut: 0,
        }
    }

    /// Number of lines in the stream (kept or not).
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether the stream has no line at all (an empty capture: "not collected").
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The kept line at 0-based `index` (every line, unless the stream is filtered).
    pub fn line(&self, index: usize) -> Option<LogLine<'_>> {
        let span = self.lines.get(index)?;
        Some(LogLine {
            number: span.number,
            timestamp: span.timestamp.map(|(s, e)| &self.text[s..e]),
            text: &self.text[span.start..span.end],
        })
    }

    /// The kept lines in order (every line, unless the stream is filtered).
    pub fn lines(&self) -> impl Iterator<Item = LogLine<'_>> {
        (0..self.lines.len()).filter_map(|i| self.line(i))
    }

    /// The first structured line (JSON or logfmt) among the first 200 kept that has `key`,
    /// with its value. (A filtered stream that names no pod and no VM keeps its first 200 lines.)
    pub fn first_field(&self, key: &str) -> Option<String> {
        self.lines()
            .take(200)
            .find_map(|l| l.field(key).map(Cow::into_owned))
    }

    /// The host named by the first syslog-style journal line among the first 200 kept
    /// (`May 14 10:12:03 HOST kernel: ...`): the node a loose journal excerpt came from.
    pub fn first_host(&self) -> Option<String> {
        self.lines()
            .take(200)
            .find_map(|l| super::kernel::journal_host(l.text).map(str::to_owned))
    }

    /// The newest timestamp the stream carries: the last line's kubelet prefix, else the
    /// `timestamp` field of the last structured line.
    pub fn last_timestamp(&self) -> Option<String> {
        if let Some(scanned) = &self.scanned {
            return scanned.last_timestamp.clone();
        }
        let mut lines = (0..self.lines.len()).rev().filter_map(|i| self.line(i));
        lines.by_ref().take(50).find_map(|l| {
            l.timestamp
                .map(str::to_owned)
                .or_else(|| l.field("timestamp").map(Cow::into_owned))
        })
    }
}

/// Builds a [`LogStream`] from chunks of bytes as they are read, so that a large log is never
/// held twice in memory. Lines may span chunks.
///
/// ```
/// use kvdiag::parse::{LogSource, LogStreamBuilder};
/// let mut b = LogStreamBuilder::new(LogSource::new("compute.log"));
/// b.push(b"first li");
/// b.push(b"ne\nsecond\n");
/// let log = b.finish();
/// assert_eq!(log.line(0).map(|l| l.text), Some("first line"));
/// assert_eq!(log.len(), 2);
/// ```
#[derive(Debug)]
pub struct LogStreamBuilder {
    source: LogSource,
    text: String,
    lines: Vec<Span>,
    /// The line not yet ended.
    pending: Unended,
    max_line: usize,
    cut: usize,
    next_number: usize,
}

/// Longest line kept by default ([`Limits::line_bytes`](crate::Limits::line_bytes)).
pub(crate) const DEFAULT_LINE_BYTES: usize = 64 * 1024;

/// The line being read and not yet ended, held up to the line limit: the rest of a longer line
/// is dropped as it comes, so that a 256 MB line costs the limit in memory.
#[derive(Debug, Default)]
pub(crate) struct Unended {
    bytes: Vec<u8>,
    /// Bytes were dropped: the line is longer than the limit.
    cut: bool,
}

impl Unended {
    /// Whether no line is being read.
    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty() && !self.cut
    }

    /// Bytes held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Adds the next part of the line, holding at most `max` bytes of it.
    pub(crate) fn push(&mut self, part: &[u8], max: usize) {
        let room = max.saturating_sub(self.bytes.len());
        if part.len() > room {
            self.cut = true;
        }
        self.bytes.extend_from_slice(&part[..part.len().min(room)]);
    }

    /// The line held, and whether it was cut; none is held after.
    pub(crate) fn take(&mut self) -> (Vec<u8>, bool) {
        (
            std::mem::take(&mut self.bytes),
            std::mem::take(&mut self.cut),
        )
    }
}

/// A raw line (without its `\n`) as text of at most `max` bytes, and whether it was cut (or
/// `cut` already: its end was dropped before). A cut never leaves half a character; invalid
/// UTF-8 becomes replacement characters, and the limit is on the text kept.
pub(crate) fn cut_line(raw: &[u8], max: usize, cut: bool) -> (Cow<'_, str>, bool) {
    let (mut raw, mut cut) = (raw, cut);
    if raw.len() > max {
        cut = true;
        raw = &raw[..max];
    }
    if cut
        && let Err(e) = std::str::from_utf8(raw)
        && e.error_len().is_none()
    {
        // Do not leave half a character where the line was cut.
        raw = &raw[..e.valid_up_to()];
    }
    // A line never splits a UTF-8 sequence, so converting line by line is exact.
    let mut line = String::from_utf8_lossy(raw);
    if line.len() > max {
        // Each invalid byte became a 3-byte replacement character.
        cut = true;
        let mut end = max;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.to_mut().truncate(end);
    }
    (line, cut)
}

impl LogStreamBuilder {
    /// Starts an empty stream.
    pub fn new(source: LogSource) -> Self {
        LogStreamBuilder {
            source,
            text: String::new(),
            lines: Vec::new(),
            pending: Unended::default(),
            max_line: DEFAULT_LINE_BYTES,
            cut: 0,
            next_number: 1,
        }
    }

    /// Keeps at most `max` bytes of each line (at least one); the rest of a longer line is
    /// dropped as it is read, so that a 256 MB line costs `max` bytes of memory.
    pub fn max_line_bytes(mut self, max: usize) -> Self {
        self.max_line = max.max(1);
        self
    }

    /// Adds the next bytes of the log.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while let Some(i) = memchr_newline(bytes) {
            if self.pending.is_empty() {
                self.line(&bytes[..i], false);
            } else {
                self.pending.push(&bytes[..i], self.max_line);
                let (line, cut) = self.pending.take();
                self.line(&line, cut);
            }
            bytes = &bytes[i + 1..];
        }
        self.pending.push(bytes, self.max_line);
    }

    /// Ends the stream (a last line without a newline is kept).
    pub fn finish(mut self) -> LogStream {
        if !self.pending.is_empty() {
            let (line, cut) = self.pending.take();
            self.line(&line, cut);
        }
        LogStream {
            source: self.source,
            text: self.text,
            total: self.lines.len(),
            lines: self.lines,
            scanned: None,
            cut: self.cut,
        }
    }

    /// One line, without its `\n`; `was_cut`: its end was dropped already.
    fn line(&mut self, raw: &[u8], was_cut: bool) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (line, cut) = cut_line(raw, self.max_line, was_cut);
        if cut {
            self.cut += 1;
        }
        let start = self.text.len();
        let (timestamp, content) =
            split_prefix(&line).map_or((None, 0), |(ts, rest)| (Some((start, start + ts)), rest));
        self.text.push_str(&line);
        self.lines.push(Span {
            number: self.next_number,
            start: start + content,
            end: self.text.len(),
            timestamp,
        });
        self.next_number += 1;
    }
}

impl<'a> LogLine<'a> {
    /// Several fields of a structured line at once (the line is parsed once), in the order of
    /// `keys`; see [`LogLine::field`]. Other fields of a JSON line are skipped, not built.
    pub fn fields<const N: usize>(&self, keys: [&str; N]) -> [Option<Cow<'a, str>>; N] {
        let t = self.text.trim_start();
        if t.starts_with('{') {
            let mut seed = Picked {
                keys,
                found: std::array::from_fn(|_| None),
            };
            let mut de = serde_json::Deserializer::from_str(t);
            if serde::de::DeserializeSeed::deserialize(&mut seed, &mut de).is_err()
                || de.end().is_err()
            {
                return std::array::from_fn(|_| None);
            }
            return seed.found.map(|v| {
                v.map(|v| match v {
                    Value::String(s) => Cow::Owned(s),
                    other => Cow::Owned(other.to_string()),
                })
            });
        }
        keys.map(|key| logfmt_field(t, key))
    }

    /// A field of a structured line: a JSON object line (virt-launcher, virt-handler) or a
    /// logfmt line (`level=info msg="..."`, KubeVirt before 2019). Non-string JSON values are
    /// given in their JSON form.
    pub fn field(&self, key: &str) -> Option<Cow<'a, str>> {
        let t = self.text.trim_start();
        if t.starts_with('{') {
            let map: serde_json::Map<String, Value> = serde_json::from_str(t).ok()?;
            return match map.get(key)? {
                Value::String(s) => Some(Cow::Owned(s.clone())),
                other => Some(Cow::Owned(other.to_string())),
            };
        }
        logfmt_field(t, key)
    }
}

/// Reads the values of some keys of a JSON object, skipping the others (a repeated key keeps
/// its last value, as in a map).
struct Picked<'k, const N: usize> {
    keys: [&'k str; N],
    found: [Option<Value>; N],
}

impl<'de, const N: usize> serde::de::DeserializeSeed<'de> for &mut Picked<'_, N> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> serde::de::Visitor<'de> for &mut Picked<'_, N> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.keys.iter().position(|k| *k == key) {
                Some(i) => self.found[i] = Some(map.next_value::<Value>()?),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// A line's timestamp as [`LogStream::last_timestamp`] reads it: the kubelet prefix, else the
/// `timestamp` field of a structured line.
pub(crate) fn timestamp_of(line: &str) -> Option<String> {
    match split_prefix(line) {
        Some((ts, _)) => Some(line[..ts].to_owned()),
        None => LogLine {
            number: 0,
            timestamp: None,
            text: line,
        }
        .field("timestamp")
        .map(Cow::into_owned),
    }
}

/// Recognises `2024-04-26T12:09:49.683947000Z ` (kubelet, `--timestamps`) and the CRI form
/// `2016-10-06T00:17:09.669794202Z stdout F ` (rotated logs). Returns the timestamp's length and
/// where the content starts.
pub(crate) fn split_prefix(line: &str) -> Option<(usize, usize)> {
    let b = line.as_bytes();
    let is_ts_start = b.len() > 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':';
    if !is_ts_start {
        return None;
    }
    let space = b.iter().take(40).position(|&c| c == b' ')?;
    let ts = &line[..space];
    // `ts` may be shorter than a full date and time (`2024-05-14T10:n he...`).
    if !(ts.ends_with('Z') || ts.get(19..).is_some_and(|z| z.contains(['+', '-']))) {
        return None;
    }
    let mut rest = space + 1;
    for stream in ["stdout ", "stderr "] {
        if let Some(tail) = line[rest..].strip_prefix(stream)
            && let Some(tag) = tail.as_bytes().first()
            && matches!(tag, b'F' | b'P')
            && tail.as_bytes().get(1) == Some(&b' ')
        {
            rest += stream.len() + 2;
        }
    }
    Some((space, rest))
}

/// `key=value` or `key="quoted value"` in a logfmt line.
fn logfmt_field<'a>(line: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let mut rest = line;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let eq = rest.find('=')?;
        let k = &rest[..eq];
        if k.contains(' ') {
            return None; // not logfmt
        }
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in q.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end?;
            let raw = &q[..end];
            let v = if raw.contains('\\') {
                Cow::Owned(raw.replace("\\\"", "\"").replace("\\\\", "\\"))
            } else {
                Cow::Borrowed(raw)
            };
            (v, &q[end + 1..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (Cow::Borrowed(&after[..end]), &after[end..])
        };
        if k == key {
            return Some(value);
        }
        rest = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str) -> LogStream {
        LogStream::parse(LogSource::new("t"), text.as_bytes())
    }

    #[test]
    fn kubelet_prefix_is_stripped_and_kept_apart() {
        let s = stream("2024-04-26T12:09:49.683947000Z {\"msg\":\"hi\"}\nplain\r\n");
        let l = s.line(0).expect("line");
        assert_eq!(l.timestamp, Some("2024-04-26T12:09:49.683947000Z"));
        assert_eq!(l.text, "{\"msg\":\"hi\"}");
        assert_eq!(l.field("msg").as_deref(), Some("hi"));
        let l = s.line(1).expect("line");
        assert_eq!((l.number, l.timestamp, l.text), (2, None, "plain"));
    }

    #[test]
    fn cri_prefix_is_stripped() {
        let s = stream("2016-10-06T00:17:09.669794202Z stdout F log content\n");
        assert_eq!(s.line(0).map(|l| l.text), Some("log content"));
    }

    #[test]
    fn a_line_that_merely_starts_with_a_date_is_kept() {
        let s = stream("2024-04-26T12:09:49 something without zone\n");
        assert_eq!(
            s.line(0).map(|l| l.text),
            Some("2024-04-26T12:09:49 something without zone")
        );
    }

    #[test]
    fn several_fields_at_once_read_as_one_by_one() {
        for text in [
            r#"{"kind":"","name":"a","namespace":"n","msg":"x \"q\""}"#,
            r#"{"name":5,"namespace":null,"kind":{"a":[1]}}"#,
            r#"{"name":"a","name":"b"}"#,
            r#"{"n\u0061me":"esc"}"#,
            r#"{"name":"a"} trailing"#,
            r#"{"name":"a""#,
            r#"["name"]"#,
            "level=info name=a namespace=\"n s\"",
        ] {
            let s = stream(text);
            let l = s.line(0).expect("line");
            let [kind, name, ns] = l.fields(["kind", "name", "namespace"]);
            assert_eq!(
                (kind, name, ns),
                (l.field("kind"), l.field("name"), l.field("namespace")),
                "{text}"
            );
        }
    }

    #[test]
    fn logfmt_fields() {
        let s = stream(
            "level=info timestamp=2018-07-31T20:29:58.632194Z pos=manager.go:69 component=virt-launcher msg=\"Domain \\\"x\\\" started\"\n",
        );
        let l = s.line(0).expect("line");
        assert_eq!(l.field("component").as_deref(), Some("virt-launcher"));
        assert_eq!(l.field("msg").as_deref(), Some("Domain \"x\" started"));
        assert_eq!(l.field("nope"), None);
        assert_eq!(
            s.last_timestamp().as_deref(),
            Some("2018-07-31T20:29:58.632194Z")
        );
    }

    #[test]
    fn chunks_excerpts_and_line_offsets() {
        let mut b = LogStreamBuilder::new(LogSource::new("t"));
        for chunk in [&b"2024-04-26T12:09:49.683947000Z a"[..], b"\nb\r\n", b"c"] {
            b.push(chunk);
        }
        let s = b.finish();
        assert_eq!(s.len(), 3);
        assert_eq!(
            s.line(0).map(|l| (l.timestamp, l.text)),
            Some((Some("2024-04-26T12:09:49.683947000Z"), "a"))
        );
        assert_eq!(s.line(2).map(|l| l.text), Some("c"));
        let e = s.excerpt(LogSource::new("e"), &[0, 2]);
        assert_eq!(e.len(), 2);
        let l = e.line(1).expect("line");
        assert_eq!((l.number, l.text), (3, "c"));
        assert_eq!(
            e.line(0).and_then(|l| l.timestamp),
            Some("2024-04-26T12:09:49.683947000Z")
        );
        let o = LogStream::parse_from_line(LogSource::new("o"), b"x\ny\n", 7);
        assert_eq!(o.line(1).map(|l| l.number), Some(8));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let s = LogStream::parse(LogSource::new("t"), b"ok\n\xff\xfe bad\n");
        assert_eq!(s.len(), 2);
        assert!(s.line(1).is_some_and(|l| l.text.ends_with(" bad")));
    }
}
