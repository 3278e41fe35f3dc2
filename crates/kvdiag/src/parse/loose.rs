//! Loose inputs larger than the head they are recognised from: whether such an input is a log
//! (then streamed) is decided from a bounded look at it, as reading it whole decides.
//!
//! A loose input is one whose path says nothing of its writer: a `*.log` given alone, or a file
//! whose content decides what it is (`*.json`, no extension: [`Hint::Auto`]). Reading it whole
//! tries, in order, MCP outputs, JSON documents, kubectl text, YAML documents and pieces of
//! objects, and takes anything else as a log. [`LooseSniffer`] is given the input's bytes from
//! its start and answers only when every one of those tests gives the same answer for the whole
//! input as for what it saw: its first [`LOOSE_HEAD_BYTES`], then, when that is not enough,
//! facts gathered in bounded memory as the rest passes (the input's size against the document
//! limit, the end of a first line longer than the head, the first [`SNIFF_LINES`] lines cut to
//! the line limit). When it cannot tell, the input is read whole as before.

use std::sync::Arc;

use super::document::looks_like_json;
use super::log::{LogSource, LogStreamBuilder};
use super::sniff::{self, SNIFF_LINES};
use super::{
    Hint, LOOSE_HEAD_BYTES, LogHint, SNIFF_BYTES, first_line_is_json_object, looks_like_yaml, mcp,
    text,
};
use crate::limits::Limits;

/// Decides whether a loose input is a log from its first bytes, given in chunks (see the
/// module documentation); holds at most [`LOOSE_HEAD_BYTES`] of the input and the first
/// [`SNIFF_LINES`] lines, each cut to the line limit.
///
/// ```
/// use std::sync::Arc;
/// use kvdiag::{Hint, Limits};
/// use kvdiag::parse::LooseSniffer;
///
/// let name: Arc<str> = Arc::from("compute.json");
/// let mut sniffer = LooseSniffer::new(&name, &Hint::Auto, &Limits::default()).ok_or("loose")?;
/// let line = b"{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"up\"}\n";
/// while sniffer.wants_more() {
///     sniffer.push(line);
/// }
/// // Over the document limit, JSON lines are a log, as reading them whole decides.
/// let source = sniffer.finish(false).ok_or("a log")?;
/// assert_eq!(source.container.as_deref(), Some("compute"));
/// # Ok::<(), &str>(())
/// ```
#[derive(Debug)]
pub struct LooseSniffer {
    /// The log's identity before its lines are looked at.
    source: LogSource,
    /// The content decides (`Hint::Auto`), not only which log it is (a loose `Hint::Log`).
    auto: bool,
    document_bytes: u64,
    line_bytes: usize,
    head: Vec<u8>,
    /// Bytes given so far.
    total: u64,
    state: State,
    /// The first lines, once the head is full and while fewer than [`SNIFF_LINES`] ended.
    lines: Option<LogStreamBuilder>,
    /// Lines ended so far in `lines`.
    ended: usize,
}

/// How far the decision is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The head is not full yet.
    Head,
    /// Read whole: the head cannot decide, or the input is no log.
    Whole,
    /// A log, if what is still needed agrees.
    Log {
        /// A log only if larger than the document limit (JSON values, one per line).
        larger_than_document: bool,
        /// The first line runs past the head with only the bytes of a YAML key so far: a log
        /// unless it goes on with `:`.
        key_run: bool,
    },
}

impl LooseSniffer {
    /// A sniffer for an input read with `hint`; `None` unless the hint leaves the content to
    /// decide ([`Hint::Auto`]) or is a log hint naming no pod, container or kind.
    pub fn new(name: &Arc<str>, hint: &Hint, limits: &Limits) -> Option<Self> {
        let (source, auto) = match hint {
            Hint::Auto => (LogSource::new(Arc::clone(name)), true),
            Hint::Log(log) if is_loose(log) => (log.source(name), false),
            _ => return None,
        };
        Some(LooseSniffer {
            source,
            auto,
            document_bytes: limits.document_bytes as u64,
            line_bytes: limits.effective_line_bytes(),
            head: Vec::new(),
            total: 0,
            state: State::Head,
            lines: None,
            ended: 0,
        })
    }

    /// Whether more bytes could change the answer.
    pub fn wants_more(&self) -> bool {
        match self.state {
            State::Head => true,
            State::Whole => false,
            State::Log {
                larger_than_document,
                key_run,
            } => {
                key_run
                    || (larger_than_document && self.total <= self.document_bytes)
                    || self.lines.is_some()
            }
        }
    }

    /// Adds the next bytes of the input.
    pub fn push(&mut self, mut chunk: &[u8]) {
        self.total = self.total.saturating_add(chunk.len() as u64);
        if self.state == State::Head {
            let room = LOOSE_HEAD_BYTES - self.head.len();
            let take = room.min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            // Binary data is known from its first bytes (and read no further).
            if self.head.len() >= SNIFF_BYTES.min(LOOSE_HEAD_BYTES)
                && super::is_binary(&self.head[..SNIFF_BYTES.min(self.head.len())])
            {
                self.state = State::Whole;
                return;
            }
            if self.head.len() < LOOSE_HEAD_BYTES {
                return;
            }
            self.state = self.decide();
            if self.state == State::Whole {
                return;
            }
            let mut lines =
                LogStreamBuilder::new(self.source.clone()).max_line_bytes(self.line_bytes);
            self.ended = feed_lines(&mut lines, &self.head, 0);
            if self.ended < SNIFF_LINES {
                self.lines = Some(lines);
            } else {
                self.identify(lines);
            }
        }
        if chunk.is_empty() {
            return;
        }
        if let State::Log {
            larger_than_document,
            key_run: true,
        } = self.state
        {
            match chunk.iter().position(|&b| !is_key_byte(b)) {
                Some(i) if chunk[i] == b':' => {
                    self.state = State::Whole;
                    return;
                }
                Some(_) => {
                    self.state = State::Log {
                        larger_than_document,
                        key_run: false,
                    }
                }
                None => {}
            }
        }
        if let Some(lines) = &mut self.lines {
            self.ended = feed_lines(lines, chunk, self.ended);
            if self.ended >= SNIFF_LINES
                && let Some(lines) = self.lines.take()
            {
                self.identify(lines);
            }
        }
    }

    /// The whole input, when it ended (`eof`) within the head: read whole from these bytes.
    pub fn take_input(&mut self, eof: bool) -> Option<Vec<u8>> {
        (eof && self.total == self.head.len() as u64).then(|| std::mem::take(&mut self.head))
    }

    /// The identity of the input as a log read whole, its writer recognised from its lines
    /// (`eof`: the input ended after the bytes given); `None` when it is read whole: it is no
    /// log, it is no larger than the head, or its start cannot tell.
    pub fn finish(mut self, eof: bool) -> Option<LogSource> {
        let State::Log {
            larger_than_document,
            key_run,
        } = self.state
        else {
            return None;
        };
        if (larger_than_document && self.total <= self.document_bytes) || (key_run && !eof) {
            return None;
        }
        if let Some(lines) = self.lines.take() {
            if !eof {
                return None;
            }
            self.identify(lines);
        }
        Some(self.source)
    }

    /// Recognises the writer from the first lines, as a log read whole is.
    fn identify(&mut self, lines: LogStreamBuilder) {
        let mut stream = lines.finish();
        sniff::identify(&mut stream);
        self.source = stream.source;
    }

    /// What the full head says.
    fn decide(&self) -> State {
        let head = self.head.as_slice();
        // Whitespace only so far, UTF-16 (text only when its length is even), kubectl or
        // stern prefixes: read whole.
        if head.iter().all(u8::is_ascii_whitespace)
            || matches!(head, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..])
            || text::looks_prefixed(head)
        {
            return State::Whole;
        }
        let log = State::Log {
            larger_than_document: false,
            key_run: false,
        };
        if !self.auto {
            return log;
        }
        if !mcp::ruled_out(head) {
            return State::Whole;
        }
        let first = first_meaningful_line(head);
        if json_decided(head) != Some(false) {
            // JSON values: a log when the first line is a JSON object and the input too large
            // to be parsed as a document (smaller ones are read whole: a later value may be an
            // object with `metadata`, which makes them documents).
            return match first {
                FirstLine::Ended(line)
                    if json_decided(head) == Some(true) && first_line_is_json_object(line) =>
                {
                    State::Log {
                        larger_than_document: true,
                        key_run: false,
                    }
                }
                _ => State::Whole,
            };
        }
        if text::head_is_text(head) {
            return State::Whole;
        }
        match first {
            // YAML, or members cut out of a JSON object: read whole.
            FirstLine::Ended(line) if looks_like_yaml(line) || line.starts_with(b"\"") => {
                State::Whole
            }
            FirstLine::Ended(_) => log,
            FirstLine::Unended(line) if matches!(line.first(), Some(b'-' | b'"')) => State::Whole,
            FirstLine::Unended(line) => match line.iter().position(|&b| !is_key_byte(b)) {
                Some(i) if i > 0 && line[i] == b':' => State::Whole,
                Some(_) => log,
                None => State::Log {
                    larger_than_document: false,
                    key_run: true,
                },
            },
            FirstLine::Unknown => State::Whole,
        }
    }
}

/// A log hint that names no pod, container or kind: its content says whose log it is.
pub(super) fn is_loose(log: &LogHint) -> bool {
    log.pod.is_none() && log.container.is_none() && log.kind.is_none()
}

/// Feeds `lines` the bytes of `chunk` up to the end of line [`SNIFF_LINES`], counting from
/// `ended` lines already ended; gives the lines ended after.
fn feed_lines(lines: &mut LogStreamBuilder, chunk: &[u8], mut ended: usize) -> usize {
    let mut end = 0;
    for i in memchr::memchr_iter(b'\n', chunk) {
        if ended == SNIFF_LINES {
            break;
        }
        ended += 1;
        end = i + 1;
    }
    if ended < SNIFF_LINES {
        end = chunk.len();
    }
    lines.push(&chunk[..end]);
    ended
}

/// A byte of a YAML key as [`looks_like_yaml`] reads one.
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')
}

/// Whether the input looks like JSON (`looks_like_json`), when its head can tell: `None` when
/// the head holds `[` and nothing after it but white space.
fn json_decided(head: &[u8]) -> Option<bool> {
    let mut it = head.iter().filter(|b| !b.is_ascii_whitespace());
    match (it.next(), it.next()) {
        (Some(b'['), None) => None,
        _ => Some(looks_like_json(head)),
    }
}

/// The first line that is neither blank nor a `#` comment, as the input's first meaningful
/// line is read.
enum FirstLine<'a> {
    /// Ended in the head: trimmed, as read whole.
    Ended(&'a [u8]),
    /// Runs past the head: its start, without its leading white space.
    Unended(&'a [u8]),
    /// Not in the head.
    Unknown,
}

fn first_meaningful_line(head: &[u8]) -> FirstLine<'_> {
    let mut rest = head;
    while let Some(i) = memchr::memchr(b'\n', rest) {
        let line = rest[..i].trim_ascii();
        if !line.is_empty() && !line.starts_with(b"#") {
            return FirstLine::Ended(line);
        }
        rest = &rest[i + 1..];
    }
    match rest.trim_ascii_start() {
        [] | [b'#', ..] => FirstLine::Unknown,
        line => FirstLine::Unended(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Parsed, parse_input_with};

    /// What the sniffer says of `bytes` given in chunks of `chunk`: a log's identity or
    /// nothing.
    fn sniffed(bytes: &[u8], hint: &Hint, limits: &Limits, chunk: usize) -> Option<LogSource> {
        let name: Arc<str> = Arc::from("t");
        let mut s = LooseSniffer::new(&name, hint, limits)?;
        let mut at = 0;
        while s.wants_more() && at < bytes.len() {
            let end = (at + chunk).min(bytes.len());
            s.push(&bytes[at..end]);
            at = end;
        }
        s.finish(at == bytes.len())
    }

    /// What the sniffer says, beside what reading `bytes` whole says.
    fn both(
        bytes: &[u8],
        hint: &Hint,
        limits: &Limits,
        chunk: usize,
    ) -> (Option<LogSource>, Option<LogSource>) {
        let whole = match parse_input_with(&Arc::from("t"), bytes, hint, limits) {
            Ok(Parsed::Log(l)) => Some(l.source),
            Ok(Parsed::Logs(l)) => l.into_iter().next().map(|l| l.source),
            _ => None,
        };
        (sniffed(bytes, hint, limits, chunk), whole)
    }

    fn repeat(line: &str, bytes: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes + line.len() + 1);
        while out.len() < bytes {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out
    }

    fn small_documents() -> Limits {
        Limits {
            document_bytes: LOOSE_HEAD_BYTES + (1 << 20),
            ..Limits::default()
        }
    }

    #[test]
    fn json_lines_over_the_document_limit_are_a_log() {
        let bytes = repeat(
            "{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"up\"}",
            LOOSE_HEAD_BYTES + (2 << 20),
        );
        let (streamed, whole) = both(&bytes, &Hint::Auto, &small_documents(), 1 << 16);
        assert!(whole.is_some());
        assert_eq!(streamed, whole);
        // Under the limit: read whole (a later line could be an object).
        assert_eq!(
            sniffed(&bytes, &Hint::Auto, &Limits::default(), 1 << 16),
            None
        );
    }

    #[test]
    fn a_long_single_line_is_a_log_without_its_whole() {
        let mut bytes = vec![b'a'; LOOSE_HEAD_BYTES + (1 << 20)];
        for hint in [Hint::Auto, Hint::Log(LogHint::default())] {
            let (streamed, whole) = both(&bytes, &hint, &Limits::default(), 1 << 16);
            assert!(whole.is_some());
            assert_eq!(streamed, whole);
        }
        // The same line going on with `:` is a YAML key: read whole.
        let at = bytes.len() - 10;
        bytes[at] = b':';
        assert_eq!(
            sniffed(&bytes, &Hint::Auto, &Limits::default(), 1 << 16),
            None
        );
    }

    #[test]
    fn plain_lines_are_a_log_and_documents_are_not() {
        let log = repeat(
            "I0514 10:11:38.091207       1 importer.go:103] copied",
            LOOSE_HEAD_BYTES + 100,
        );
        let (streamed, whole) = both(&log, &Hint::Auto, &Limits::default(), 4096);
        assert_eq!(
            whole.as_ref().and_then(|s| s.container.as_deref()),
            Some("importer")
        );
        assert_eq!(streamed, whole);
        let yaml = repeat("- kind: Pod", LOOSE_HEAD_BYTES + 100);
        assert_eq!(sniffed(&yaml, &Hint::Auto, &Limits::default(), 4096), None);
        let small = repeat(
            "I0514 10:11:38.091207       1 importer.go:103] copied",
            1000,
        );
        assert_eq!(sniffed(&small, &Hint::Auto, &Limits::default(), 4096), None);
    }
}
