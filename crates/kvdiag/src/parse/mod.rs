//! Stage 1, parse: bytes plus a name become objects or log streams.
//!
//! The caller may say what an input is ([`Hint`]); otherwise the content decides: MCP tool
//! outputs are unwrapped, JSON and YAML documents become [`Object`](crate::Object)s, `kubectl`
//! and `oc` text (get tables, describe output, prefixed logs: [`text`]) becomes objects and logs,
//! anything else is a log, whose writer (container, node kernel) is recognised from its format.

mod cluster_info;
mod document;
mod fast_yaml;
mod filter;
mod fragment;
mod handler;
mod insights;
pub mod kernel;
mod log;
mod loose;
mod mcp;
mod sniff;
mod split;
pub mod text;
pub mod yaml;

use std::sync::Arc;

use jiff::Timestamp;

use crate::limits::{Limits, human_bytes};

pub use document::{Documents, parse_documents};
pub use filter::{HEAD_LINES, HITS_KEPT, LogFilter, LogScanner};
pub(crate) use filter::{PatternHits, finish_hits, record};
pub use log::{LogKind, LogLine, LogSource, LogStream, LogStreamBuilder};
pub use loose::LooseSniffer;
pub use mcp::McpPart;
pub use split::{KernelAnchors, SplitScanner};
pub use text::{TEXT_MEMBER, TextParts, Unread};

/// A syntax error in an input, with its location when the parser gave one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based column.
    pub column: Option<u64>,
}

impl ParseError {
    fn describe(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("line {l} column {c}: {}", self.message),
            (Some(l), None) => format!("line {l}: {}", self.message),
            _ => self.message.clone(),
        }
    }

    fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

/// What the caller knows about an input before it is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Hint {
    /// Decide from the content.
    #[default]
    Auto,
    /// A JSON or YAML document (or an MCP output holding documents).
    Document,
    /// A log; the fields say whose. What they leave open, the content may tell.
    Log(LogHint),
    /// A `kubectl cluster-info dump` `logs.txt`: all containers of one pod between
    /// `==== START logs for container ...` / `==== END ...` marker lines.
    ClusterInfoLogs {
        /// Namespace of the pod (from the path).
        namespace: Option<String>,
        /// Pod name (from the path).
        pod: Option<String>,
    },
    /// An Insights Operator `events/<namespace>.json`: its own compact event shape, read into
    /// core/v1 Events.
    InsightsEvents,
}

/// Whose log an input is, as far as the caller knows (usually from the path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogHint {
    /// Namespace of the pod or VM.
    pub namespace: Option<String>,
    /// Pod name.
    pub pod: Option<String>,
    /// Container name.
    pub container: Option<String>,
    /// The previous instance of the container.
    pub previous: bool,
    /// The VM (VMI name) the log belongs to.
    pub vm: Option<String>,
    /// The node, for a node's own logs.
    pub node: Option<String>,
    /// What wrote it, when not a container.
    pub kind: Option<LogKind>,
}

impl LogHint {
    fn source(&self, origin: &Arc<str>) -> LogSource {
        LogSource {
            origin: Arc::clone(origin),
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.container.clone(),
            previous: self.previous,
            vm: self.vm.clone(),
            node: self.node.clone(),
            pod_uid: None,
            kind: self.kind,
        }
    }
}

/// What an input turned out to hold.
#[derive(Debug)]
// Moved once, from the parser to the snapshot builder: boxing the common log case would cost
// an allocation per log for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    /// Kubernetes objects.
    Objects(Documents),
    /// A log stream.
    Log(LogStream),
    /// Several log streams from one input: the containers of a cluster-info `logs.txt`, or a
    /// node kernel log followed by its per-pod excerpts (see [`kernel`]).
    Logs(Vec<LogStream>),
    /// An MCP tool output: the inputs it carried, each named and parsed on its own.
    Mcp(Vec<McpPart>),
    /// `kubectl`/`oc` text: objects from get tables and describe blocks, logs behind tool
    /// prefixes, and what could not be read (see [`text`]).
    Text(TextParts),
    /// Nothing: an empty or whitespace-only input (for logs: "not collected").
    Empty,
}

/// Bytes inspected to tell binary data from text.
const SNIFF_BYTES: usize = 8192;

/// Parses one input within the default [`Limits`].
pub fn parse_input(name: &Arc<str>, bytes: &[u8], hint: &Hint) -> Result<Parsed, ParseError> {
    parse_input_with(name, bytes, hint, &Limits::default())
}

/// Parses one input within `limits`: a document over the size, nesting or alias limits is an
/// error that says which limit it hit; a log line over the line limit is kept cut.
pub fn parse_input_with(
    name: &Arc<str>,
    bytes: &[u8],
    hint: &Hint,
    limits: &Limits,
) -> Result<Parsed, ParseError> {
    parse_input_at(name, bytes, hint, limits, 0)
}

/// Documents at least this large are parsed by [`parse_owned_with`] without their bytes held
/// beside their objects.
const OWNED_DOCUMENT_BYTES: usize = 1 << 20;

/// [`parse_input_with`] of bytes the caller gives up: a large document's bytes are dropped once
/// it is parsed, before its objects are built, so that the bytes, the parsed values and the
/// objects are not all held at once. The result is the one [`parse_input_with`] gives.
pub fn parse_owned_with(
    name: &Arc<str>,
    bytes: Vec<u8>,
    hint: &Hint,
    limits: &Limits,
) -> Result<Parsed, ParseError> {
    // Only a document that names a kind is read from its values alone (one that names none
    // may be a piece of an object, read from its bytes: see `parse_input_at`).
    if *hint != Hint::Document
        || bytes.len() < OWNED_DOCUMENT_BYTES
        || bytes.len() > limits.document_bytes
        || text::is_utf16_text(&bytes)
        || bytes[..SNIFF_BYTES].contains(&0)
        || !mentions_kind(&bytes)
    {
        return parse_input_with(name, &bytes, hint, limits);
    }
    if let Some(parsed) = mcp::detect(name, &bytes, limits, 0) {
        return Ok(parsed);
    }
    let trees = document::trees_with(&bytes, limits)?;
    drop(bytes);
    Ok(Parsed::Objects(document::from_trees(&trees, name)))
}

/// `depth` counts MCP results unwrapped so far: a result inside a result is not followed.
fn parse_input_at(
    name: &Arc<str>,
    bytes: &[u8],
    hint: &Hint,
    limits: &Limits,
    depth: u8,
) -> Result<Parsed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Parsed::Empty);
    }
    // UTF-16 with a byte order mark (PowerShell's `>`): read as the UTF-8 it encodes.
    if text::is_utf16_text(bytes)
        && let Some(utf8) = text::decode(bytes)
    {
        return parse_input_at(name, utf8.as_bytes(), hint, limits, depth);
    }
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return Err(binary_content_error());
    }
    let line_bytes = limits.effective_line_bytes();
    match hint {
        Hint::Document => {
            check_document_size(bytes.len(), limits)?;
            match mcp::detect(name, bytes, limits, depth) {
                Some(parsed) => Ok(parsed),
                None => {
                    let docs = document::parse_documents_with(bytes, name, limits)?;
                    if docs.objects.is_empty()
                        && !mentions_kind(bytes)
                        && let Some(parsed) = fragment_log(name, bytes, limits)
                    {
                        return Ok(parsed);
                    }
                    Ok(Parsed::Objects(docs))
                }
            }
        }
        // A log whose path says nothing of its writer may be prefixed (`--prefix`, stern).
        Hint::Log(log)
            if loose::is_loose(log)
                && let Some(parts) = text::detect_prefixed(name, bytes, limits) =>
        {
            Ok(Parsed::Text(parts))
        }
        Hint::Log(log) => Ok(log_parsed(LogStream::parse_limited(
            log.source(name),
            bytes,
            1,
            line_bytes,
        ))),
        Hint::ClusterInfoLogs { namespace, pod } => Ok(Parsed::Logs(cluster_info::split(
            name,
            bytes,
            namespace.as_deref(),
            pod.as_deref(),
            line_bytes,
        ))),
        Hint::InsightsEvents => {
            check_document_size(bytes.len(), limits)?;
            insights::events(bytes, name).map(Parsed::Objects)
        }
        Hint::Auto => match mcp::detect(name, bytes, limits, depth) {
            Some(parsed) => Ok(parsed),
            None => auto(name, bytes, limits),
        },
    }
}

/// The error for a document over [`Limits::document_bytes`], for readers that check the size
/// before reading it all.
pub fn document_too_large_error(limits: &Limits) -> ParseError {
    ParseError::new(format!(
        "document larger than the document size limit ({}; raise it with --max-document-size): \
         not parsed",
        human_bytes(limits.document_bytes as u64)
    ))
}

fn check_document_size(len: usize, limits: &Limits) -> Result<(), ParseError> {
    if len > limits.document_bytes {
        return Err(document_too_large_error(limits));
    }
    Ok(())
}

/// The container of virt-handler pods; its logs are cut into per-VMI excerpts.
pub const HANDLER: &str = "virt-handler";

/// Whether the first bytes of an input say it is binary: a NUL byte, unless the input is
/// UTF-16 text with a byte order mark (as PowerShell's `>` writes it), which is read as text.
pub fn is_binary(head: &[u8]) -> bool {
    head.contains(&0) && !text::is_utf16_text(head)
}

/// The error for binary content (a NUL byte in the first 8 KiB), for readers that stream.
pub fn binary_content_error() -> ParseError {
    ParseError::new("binary content (NUL bytes), not a document or a log")
}

/// A log stream read elsewhere (e.g. streamed with [`LogStreamBuilder`]): its writer is
/// recognised from the content when its source does not say; a node kernel log is cut into
/// per-pod excerpts and a virt-handler log into per-VMI excerpts (the whole stream is kept too).
pub fn log_parsed(mut stream: LogStream) -> Parsed {
    sniff::identify(&mut stream);
    if stream.source.kind == Some(LogKind::Kernel) && stream.source.pod_uid.is_none() {
        return Parsed::Logs(kernel::split(stream));
    }
    if stream.source.container.as_deref() == Some(HANDLER) && stream.source.vm.is_none() {
        return Parsed::Logs(handler::split(stream));
    }
    Parsed::Log(stream)
}

/// Bytes of a loose input's head that [`LooseSniffer`] holds while it decides whether the
/// input is a log; an input no larger is read whole.
pub const LOOSE_HEAD_BYTES: usize = 8 << 20;

/// The capture time in a must-gather `timestamp` file: Go `time.Time` lines appended at the
/// start and end of each run (`2024-05-01 12:34:56.123456789 +0000 UTC m=+0.012345678`); the
/// newest is the end of the capture. `None` when no line is such a time.
pub fn capture_timestamp(bytes: &[u8]) -> Option<Timestamp> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines().filter_map(crate::measure::parse_go_time).max()
}

fn auto(name: &Arc<str>, bytes: &[u8], limits: &Limits) -> Result<Parsed, ParseError> {
    let log = |bytes: &[u8]| {
        log_parsed(LogStream::parse_limited(
            LogSource::new(Arc::clone(name)),
            bytes,
            1,
            limits.effective_line_bytes(),
        ))
    };
    let parse_documents = |bytes: &[u8], name: &Arc<str>| {
        check_document_size(bytes.len(), limits)?;
        document::parse_documents_with(bytes, name, limits)
    };
    if document::looks_like_json(bytes) {
        return match parse_documents(bytes, name) {
            // JSON lines that are not Kubernetes objects are a structured log: no `kind`, or
            // (virt-launcher lines name the object they are about, `"kind":"..."`) several
            // values none of which has `metadata`.
            Ok(docs) if is_json_log(&docs) && first_line_is_log_record(bytes) => Ok(log(bytes)),
            Ok(docs) => Ok(Parsed::Objects(docs)),
            // One JSON object per line is a structured log, not a broken document.
            Err(_) if first_line_is_json_object(bytes) => Ok(log(bytes)),
            Err(e) => Err(e),
        };
    }
    // Before YAML: describe output often parses as YAML.
    if let Some(parts) = text::detect(name, bytes, limits) {
        return Ok(Parsed::Text(parts));
    }
    if looks_like_yaml(bytes) {
        match parse_documents(bytes, name) {
            Ok(docs) if !docs.objects.is_empty() || mentions_kind(bytes) => {
                return Ok(Parsed::Objects(docs));
            }
            Err(e) if mentions_kind(bytes) => return Err(e),
            // A piece of an object without its kind (a pasted `status:` block): its values.
            Ok(_) => {
                if let Some(parsed) = fragment_log(name, bytes, limits) {
                    return Ok(parsed);
                }
            }
            // Text that only resembled YAML (`error: no such partition.`) is a log.
            Err(_) => {}
        }
    }
    // Members cut out of a JSON object (`"message": "...",`): their values, unquoted.
    if meaningful_lines(bytes)
        .next()
        .is_some_and(|l| l.starts_with(b"\""))
        && let Some(lines) = std::str::from_utf8(bytes)
            .ok()
            .and_then(fragment::json_lines)
    {
        return Ok(values_log(name, &lines, limits));
    }
    Ok(log(bytes))
}

/// A YAML piece of an object without its kind, read as the log of its values (see
/// [`fragment`]); `None` when the text is no YAML mapping or sequence.
fn fragment_log(name: &Arc<str>, bytes: &[u8], limits: &Limits) -> Option<Parsed> {
    let lines = fragment::yaml_lines(std::str::from_utf8(bytes).ok()?)?;
    Some(values_log(name, &lines, limits))
}

/// The log of a fragment's values (its writer is whoever wrote the values it quotes).
fn values_log(name: &Arc<str>, lines: &str, limits: &Limits) -> Parsed {
    log_parsed(LogStream::parse_limited(
        LogSource {
            kind: Some(LogKind::Fragment),
            ..LogSource::new(Arc::clone(name))
        },
        lines.as_bytes(),
        1,
        limits.effective_line_bytes(),
    ))
}

fn is_json_log(docs: &Documents) -> bool {
    docs.objects.is_empty()
        || (docs.objects.len() + docs.ignored > 1
            && docs
                .objects
                .iter()
                .all(|o| o.root().get("metadata").is_none()))
}

fn meaningful_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
}

/// The first line is a JSON object that is not a Kubernetes object or list (which always have
/// `apiVersion`, and `metadata` or `items`).
fn first_line_is_log_record(bytes: &[u8]) -> bool {
    meaningful_lines(bytes).next().is_some_and(|l| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(l).is_ok_and(|m| {
            !["apiVersion", "metadata", "items"]
                .iter()
                .any(|k| m.contains_key(*k))
        })
    })
}

fn first_line_is_json_object(bytes: &[u8]) -> bool {
    meaningful_lines(bytes).next().is_some_and(|l| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(l).is_ok()
    })
}

/// The first meaningful line opens a YAML document: `---`, a sequence item, or `key:`.
fn looks_like_yaml(bytes: &[u8]) -> bool {
    let Some(first) = meaningful_lines(bytes).next() else {
        return false;
    };
    if first.starts_with(b"---") || first.starts_with(b"- ") {
        return true;
    }
    let key_len = first
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')))
        .unwrap_or(first.len());
    key_len > 0 && first[key_len..].starts_with(b":")
}

/// The input names a Kubernetes kind somewhere at the start of a line.
fn mentions_kind(bytes: &[u8]) -> bool {
    bytes.split(|&b| b == b'\n').any(|l| {
        let l = l.trim_ascii_start();
        l.strip_prefix(b"- ").unwrap_or(l).starts_with(b"kind:")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(text: &str) -> Result<Parsed, ParseError> {
        parse_input(&Arc::from("t"), text.as_bytes(), &Hint::Auto)
    }

    #[test]
    fn content_decides_what_an_input_is() {
        assert!(matches!(auto("  \n"), Ok(Parsed::Empty)));
        assert!(matches!(
            auto("kind: Pod\nmetadata: {name: a}\n"),
            Ok(Parsed::Objects(_))
        ));
        assert!(matches!(
            auto("{\"kind\": \"Pod\"}"),
            Ok(Parsed::Objects(_))
        ));
        assert!(matches!(
            auto("[    0.000000] Linux version 5.14\n"),
            Ok(Parsed::Log(_))
        ));
        assert!(matches!(
            auto("error: no such partition.\ngrub rescue>\n"),
            Ok(Parsed::Log(_))
        ));
    }

    #[test]
    fn json_lines_are_a_log_of_the_compute_container() {
        let text = "{\"component\":\"virt-launcher\",\"msg\":\"a\"}\n{\"component\":\"virt-launcher\",\"msg\":\"b\"}\n";
        let Ok(Parsed::Log(log)) = auto(text) else {
            panic!("not a log")
        };
        assert_eq!(log.len(), 2);
        assert_eq!(log.source.container.as_deref(), Some("compute"));
        // Lines naming the object they are about (`kind`) are still a log.
        let text = "{\"component\":\"virt-launcher\",\"kind\":\"\",\"msg\":\"a\"}\n{\"component\":\"virt-launcher\",\"kind\":\"VirtualMachineInstance\",\"name\":\"db\",\"msg\":\"b\"}\n";
        assert!(matches!(auto(text), Ok(Parsed::Log(_))));
        // Objects one per line are objects.
        let text = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}\n";
        assert!(matches!(auto(text), Ok(Parsed::Objects(d)) if d.objects.len() == 2));
        // A list on one line whose items are not objects is still a document.
        let text = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[1,\"two\"]}";
        assert!(matches!(auto(text), Ok(Parsed::Objects(d)) if d.ignored == 2));
    }

    #[test]
    fn timestamp_files_give_their_newest_line() {
        let t = capture_timestamp(
            b"2024-05-14 10:27:51.604118332 +0000 UTC m=+0.051903318\n2024-05-14 10:29:58.377514108 +0000 UTC m=+126.825299084\n",
        );
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("2024-05-14T10:29:58.377514108Z")
        );
        assert_eq!(capture_timestamp(b"kubevirt/must-gather\n"), None);
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(auto("{\"kind\": \"Pod\", \"metadata\": {").is_err());
        assert!(auto("kind: Pod\nmetadata:\n  name: [a\n").is_err());
        let e = parse_input(&Arc::from("t"), b"kind\0\x01", &Hint::Auto).unwrap_err();
        assert!(e.message.contains("binary"));
    }
}
