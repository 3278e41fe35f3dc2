//! Log streams: one container's output (or a loose log file), split into numbered lines with
//! the kubelet / CRI timestamp prefix removed and structured lines readable by field.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// Which log a stream is: as much as the caller (path conventions) or the content told.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
}

impl LogSource {
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
struct Span {
    /// Start of the line's content (after any timestamp prefix).
    start: usize,
    end: usize,
    /// The kubelet timestamp prefix, if the line had one.
    timestamp: Option<(usize, usize)>,
}

/// One log stream: its identity and its lines.
#[derive(Clone, Debug)]
pub struct LogStream {
    /// Which log this is.
    pub source: LogSource,
    text: String,
    lines: Vec<Span>,
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
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut lines = Vec::new();
        let mut start = 0;
        let b = text.as_bytes();
        while start < b.len() {
            let end = memchr_newline(&b[start..]).map_or(b.len(), |i| start + i);
            let mut content_end = end;
            if content_end > start && b[content_end - 1] == b'\r' {
                content_end -= 1;
            }
            let (timestamp, content_start) = split_prefix(&text[start..content_end])
                .map_or((None, start), |(ts, rest)| {
                    (Some((start, start + ts)), start + rest)
                });
            lines.push(Span {
                start: content_start,
                end: content_end,
                timestamp,
            });
            start = end + 1;
        }
        LogStream {
            source,
            text,
            lines,
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the stream has no line at all (an empty capture: "not collected").
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The line at 0-based `index`.
    pub fn line(&self, index: usize) -> Option<LogLine<'_>> {
        let span = self.lines.get(index)?;
        Some(LogLine {
            number: index + 1,
            timestamp: span.timestamp.map(|(s, e)| &self.text[s..e]),
            text: &self.text[span.start..span.end],
        })
    }

    /// All lines in order.
    pub fn lines(&self) -> impl Iterator<Item = LogLine<'_>> {
        (0..self.lines.len()).filter_map(|i| self.line(i))
    }

    /// The first structured line (JSON or logfmt) that has `key`, with its value.
    pub fn first_field(&self, key: &str) -> Option<String> {
        self.lines()
            .take(200)
            .find_map(|l| l.field(key).map(Cow::into_owned))
    }

    /// The newest timestamp the stream carries: the last line's kubelet prefix, else the
    /// `timestamp` field of the last structured line.
    pub fn last_timestamp(&self) -> Option<String> {
        let mut lines = (0..self.lines.len()).rev().filter_map(|i| self.line(i));
        lines.by_ref().take(50).find_map(|l| {
            l.timestamp
                .map(str::to_owned)
                .or_else(|| l.field("timestamp").map(Cow::into_owned))
        })
    }
}

impl<'a> LogLine<'a> {
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

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Recognises `2024-04-26T12:09:49.683947000Z ` (kubelet, `--timestamps`) and the CRI form
/// `2016-10-06T00:17:09.669794202Z stdout F ` (rotated logs). Returns the timestamp's length and
/// where the content starts.
fn split_prefix(line: &str) -> Option<(usize, usize)> {
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
    if !(ts.ends_with('Z') || ts[19..].contains(['+', '-'])) {
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
    fn invalid_utf8_is_replaced_not_fatal() {
        let s = LogStream::parse(LogSource::new("t"), b"ok\n\xff\xfe bad\n");
        assert_eq!(s.len(), 2);
        assert!(s.line(1).is_some_and(|l| l.text.ends_with(" bad")));
    }
}
