//! Stage 1, parse: bytes plus a name become objects or a log stream.
//!
//! The caller may say what an input is ([`Hint`]); otherwise the content decides: JSON and
//! YAML documents become [`Object`](crate::Object)s, anything else is a log.

mod document;
mod log;
pub mod yaml;

use std::sync::Arc;

pub use document::{Documents, parse_documents};
pub use log::{LogLine, LogSource, LogStream};

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
    /// A JSON or YAML document.
    Document,
    /// A log; the fields say whose.
    Log {
        /// Namespace of the pod.
        namespace: Option<String>,
        /// Pod name.
        pod: Option<String>,
        /// Container name.
        container: Option<String>,
        /// The previous instance of the container.
        previous: bool,
    },
}

/// What an input turned out to hold.
#[derive(Debug)]
pub enum Parsed {
    /// Kubernetes objects.
    Objects(Documents),
    /// A log stream.
    Log(LogStream),
    /// Nothing: an empty or whitespace-only input (for logs: "not collected").
    Empty,
}

/// Bytes inspected to tell binary data from text.
const SNIFF_BYTES: usize = 8192;

/// Parses one input.
pub fn parse_input(name: &Arc<str>, bytes: &[u8], hint: &Hint) -> Result<Parsed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Parsed::Empty);
    }
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return Err(ParseError::new(
            "binary content (NUL bytes), not a document or a log",
        ));
    }
    match hint {
        Hint::Document => parse_documents(bytes, name).map(Parsed::Objects),
        Hint::Log {
            namespace,
            pod,
            container,
            previous,
        } => {
            let source = LogSource {
                origin: Arc::clone(name),
                namespace: namespace.clone(),
                pod: pod.clone(),
                container: container.clone(),
                previous: *previous,
            };
            Ok(Parsed::Log(log_stream(source, bytes)))
        }
        Hint::Auto => auto(name, bytes),
    }
}

fn auto(name: &Arc<str>, bytes: &[u8]) -> Result<Parsed, ParseError> {
    if document::looks_like_json(bytes) {
        return match parse_documents(bytes, name) {
            // JSON lines without a `kind` are a structured log.
            Ok(docs) if docs.objects.is_empty() && first_line_is_json_object(bytes) => Ok(
                Parsed::Log(log_stream(LogSource::new(Arc::clone(name)), bytes)),
            ),
            Ok(docs) => Ok(Parsed::Objects(docs)),
            // One JSON object per line is a structured log, not a broken document.
            Err(_) if first_line_is_json_object(bytes) => Ok(Parsed::Log(log_stream(
                LogSource::new(Arc::clone(name)),
                bytes,
            ))),
            Err(e) => Err(e),
        };
    }
    if looks_like_yaml(bytes) {
        match parse_documents(bytes, name) {
            Ok(docs) if !docs.objects.is_empty() || mentions_kind(bytes) => {
                return Ok(Parsed::Objects(docs));
            }
            Err(e) if mentions_kind(bytes) => return Err(e),
            // Text that only resembled YAML (`error: no such partition.`) is a log.
            _ => {}
        }
    }
    Ok(Parsed::Log(log_stream(
        LogSource::new(Arc::clone(name)),
        bytes,
    )))
}

/// A log stream whose container, when not given, is inferred from the lines: structured lines
/// written by a virt-launcher component come from the `compute` container.
fn log_stream(mut source: LogSource, bytes: &[u8]) -> LogStream {
    let given = source.container.is_some();
    let mut stream = LogStream::parse(source.clone(), bytes);
    if !given
        && stream
            .first_field("component")
            .is_some_and(|c| c.starts_with("virt-launcher"))
    {
        source.container = Some("compute".to_owned());
        stream.source = source;
    }
    stream
}

fn meaningful_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
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
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(auto("{\"kind\": \"Pod\", \"metadata\": {").is_err());
        assert!(auto("kind: Pod\nmetadata:\n  name: [a\n").is_err());
        let e = parse_input(&Arc::from("t"), b"kind\0\x01", &Hint::Auto).unwrap_err();
        assert!(e.message.contains("binary"));
    }
}
