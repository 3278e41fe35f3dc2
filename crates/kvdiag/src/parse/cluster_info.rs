//! `kubectl cluster-info dump`'s `<namespace>/<pod>/logs.txt`: the logs of all containers of a
//! pod, one after the other, each between a START and an END marker line.

use std::sync::Arc;

use super::log::{LogSource, LogStream};

const START: &str = "==== START logs for container ";
const END: &str = "==== END logs for container ";
const OF_POD: &str = " of pod ";
const CLOSE: &str = " ====";
/// Bytes of a line looked at for a marker.
const MARKER_BYTES: usize = 4096;

/// A container's section being read.
struct Open {
    max_line: usize,
    source: LogSource,
    /// Byte offset of its first line.
    from: usize,
    /// Line number of its first line.
    first_line: usize,
}

impl Open {
    /// The section, ending at byte `end` of the file.
    fn close(self, file: &[u8], end: usize) -> LogStream {
        LogStream::parse_limited(
            self.source,
            &file[self.from..end],
            self.first_line,
            self.max_line,
        )
    }
}

/// Splits a `logs.txt` into one stream per container; line numbers stay those of the file.
/// Text outside the markers is ignored; a file without markers is one stream of `pod`.
pub(super) fn split(
    name: &Arc<str>,
    bytes: &[u8],
    namespace: Option<&str>,
    pod: Option<&str>,
    max_line: usize,
) -> Vec<LogStream> {
    let mut streams = Vec::new();
    let mut open: Option<Open> = None;
    let mut offset = 0;
    let mut found_marker = false;
    for (i, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        // Markers are short: a huge line is not converted whole to look for one.
        let line = String::from_utf8_lossy(&raw[..raw.len().min(MARKER_BYTES)]);
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix(START) {
            found_marker = true;
            if let Some(o) = open.take() {
                streams.push(o.close(bytes, offset));
            }
            let (container, ns, p) = parse_marker(rest, namespace, pod);
            open = Some(Open {
                max_line,
                source: LogSource {
                    namespace: ns,
                    pod: p,
                    container: Some(container),
                    ..LogSource::new(Arc::clone(name))
                },
                from: offset + raw.len(),
                first_line: i + 2,
            });
        } else if line.starts_with(END) {
            found_marker = true;
            if let Some(o) = open.take() {
                streams.push(o.close(bytes, offset));
            }
        }
        offset += raw.len();
    }
    if let Some(o) = open.take() {
        streams.push(o.close(bytes, bytes.len()));
    }
    if !found_marker {
        let source = LogSource {
            namespace: namespace.map(str::to_owned),
            pod: pod.map(str::to_owned),
            ..LogSource::new(Arc::clone(name))
        };
        streams.push(LogStream::parse_limited(source, bytes, 1, max_line));
    }
    streams
}

/// `<container> of pod <ns>/<pod> ====` → container, namespace, pod (the path's when absent).
fn parse_marker(
    rest: &str,
    namespace: Option<&str>,
    pod: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    let rest = rest.strip_suffix(CLOSE).unwrap_or(rest);
    match rest.split_once(OF_POD) {
        Some((container, who)) => {
            let (ns, p) = who
                .split_once('/')
                .map_or((namespace, Some(who)), |(n, p)| (Some(n), Some(p)));
            (
                container.to_owned(),
                ns.map(str::to_owned),
                p.map(str::to_owned),
            )
        }
        None => (
            rest.to_owned(),
            namespace.map(str::to_owned),
            pod.map(str::to_owned),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stream_per_container_with_file_line_numbers() {
        let text = "==== START logs for container volumecontainerdisk-init of pod prod/virt-launcher-db-abcde ====\n\
                    ==== END logs for container volumecontainerdisk-init of pod prod/virt-launcher-db-abcde ====\n\
                    ==== START logs for container compute of pod prod/virt-launcher-db-abcde ====\n\
                    {\"component\":\"virt-launcher\",\"msg\":\"a\"}\n\
                    {\"component\":\"virt-launcher\",\"msg\":\"b\"}\n\
                    ==== END logs for container compute of pod prod/virt-launcher-db-abcde ====\n";
        let s = split(
            &Arc::from("prod/virt-launcher-db-abcde/logs.txt"),
            text.as_bytes(),
            Some("prod"),
            Some("virt-launcher-db-abcde"),
            1024,
        );
        assert_eq!(s.len(), 2);
        assert!(s[0].is_empty());
        assert_eq!(
            s[0].source.container.as_deref(),
            Some("volumecontainerdisk-init")
        );
        assert_eq!(s[1].source.container.as_deref(), Some("compute"));
        assert_eq!(s[1].source.pod.as_deref(), Some("virt-launcher-db-abcde"));
        assert_eq!(s[1].len(), 2);
        assert_eq!(s[1].line(1).map(|l| l.number), Some(5));
    }

    #[test]
    fn no_markers_is_one_stream() {
        let s = split(&Arc::from("l"), b"a\nb\n", Some("n"), Some("p"), 1024);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].source.pod.as_deref(), Some("p"));
        assert_eq!(s[0].source.container, None);
    }
}
