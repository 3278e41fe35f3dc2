//! Logs behind the prefixes tools add: `kubectl logs --prefix` (`[pod/NAME/CONTAINER] line`)
//! and stern (`POD CONTAINER line`, with `+ POD › CONTAINER` markers). The line behind the
//! prefix is read as the container wrote it (kubelet timestamps, JSON, klog), and belongs to
//! that pod and container; it keeps its line number in the input.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Line;
use crate::limits::Limits;
use crate::parse::{LogSource, LogStream, Parsed};

/// `[pod/NAME/CONTAINER] ` → (pod, container, rest).
fn kubectl_prefix(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix("[pod/")?;
    let (inside, line) = rest
        .split_once("] ")
        .or_else(|| rest.strip_suffix(']').map(|r| (r, "")))?;
    let (pod, container) = inside.split_once('/')?;
    (dns(pod) && dns(container)).then_some((pod, container, line))
}

/// Whether the line has a `kubectl logs --prefix` prefix.
pub(super) fn is_prefixed(text: &str) -> bool {
    kubectl_prefix(text).is_some()
}

/// A Kubernetes object name: lower-case letters, digits, `-` and `.`.
fn dns(w: &str) -> bool {
    !w.is_empty()
        && w.len() <= 253
        && w.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && w.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
}

/// stern's start and stop markers: `+ POD › CONTAINER`, `- NS POD › CONTAINER`.
fn stern_marker(text: &str) -> bool {
    (text.starts_with("+ ") || text.starts_with("- ")) && text.contains(" › ")
}

/// `POD CONTAINER rest` as stern prints it (a pod name has a `-`).
fn stern_line(text: &str) -> Option<(&str, &str, &str)> {
    let (pod, rest) = text.split_once(' ')?;
    let (container, line) = rest.split_once(' ').unwrap_or((rest, ""));
    (dns(pod) && pod.contains('-') && dns(container)).then_some((pod, container, line))
}

/// Whether the input is stern output: markers, or nearly every line led by a pod and a
/// container name, the same few pairs over and over.
pub(super) fn is_stern(lines: &[Line<'_>]) -> bool {
    let meaningful: Vec<&Line<'_>> = lines.iter().filter(|l| !l.is_blank()).take(200).collect();
    if meaningful.iter().any(|l| stern_marker(l.text)) {
        return true;
    }
    let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut matched = 0;
    for l in &meaningful {
        if let Some((p, c, _)) = stern_line(l.text) {
            matched += 1;
            *pairs.entry((p, c)).or_default() += 1;
        }
    }
    matched >= 2 && matched * 10 >= meaningful.len() * 9 && pairs.len() * 2 <= matched
}

/// The prefixed lines collected from an input: line index → (pod, container).
#[derive(Debug, Default)]
pub(super) struct Prefixed {
    lines: Vec<(usize, String, String, Option<String>)>,
    bodies: BTreeMap<usize, String>,
}

impl Prefixed {
    /// Takes `l` if it is a prefixed line (or a stern marker); `namespace` is the command's.
    pub(super) fn take(&mut self, l: &Line<'_>, stern: bool, namespace: Option<&str>) -> bool {
        let found =
            kubectl_prefix(l.text).or_else(|| if stern { stern_line(l.text) } else { None });
        if let Some((pod, container, body)) = found {
            let index = (l.number as usize).saturating_sub(1);
            self.lines.push((
                index,
                pod.to_owned(),
                container.to_owned(),
                namespace.map(str::to_owned),
            ));
            self.bodies.insert(index, body.to_owned());
            return true;
        }
        stern && stern_marker(l.text)
    }

    /// One log stream per pod and container, with the input's line numbers.
    pub(super) fn finish(
        self,
        name: &Arc<str>,
        lines: &[Line<'_>],
        limits: &Limits,
    ) -> Vec<LogStream> {
        if self.lines.is_empty() {
            return Vec::new();
        }
        // The whole input with each prefixed line's body in its place (others blank): line
        // numbers stay those of the input.
        let mut text = String::new();
        for (i, _) in lines.iter().enumerate() {
            if let Some(b) = self.bodies.get(&i) {
                text.push_str(b);
            }
            text.push('\n');
        }
        let whole = LogStream::parse_limited(
            LogSource::new(Arc::clone(name)),
            text.as_bytes(),
            1,
            limits.effective_line_bytes(),
        );
        let mut groups: BTreeMap<(Option<String>, String, String), Vec<usize>> = BTreeMap::new();
        for (i, pod, container, ns) in self.lines {
            groups.entry((ns, pod, container)).or_default().push(i);
        }
        let mut out = Vec::new();
        for ((namespace, pod, container), indices) in groups {
            let source = LogSource {
                namespace,
                pod: Some(pod),
                container: Some(container),
                ..LogSource::new(Arc::clone(name))
            };
            match crate::parse::log_parsed(whole.excerpt(source, &indices)) {
                Parsed::Log(l) => out.push(l),
                Parsed::Logs(ls) => out.extend(ls),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            kubectl_prefix("[pod/virt-launcher-db-x7k2p/compute] {\"msg\":\"a\"}"),
            Some(("virt-launcher-db-x7k2p", "compute", "{\"msg\":\"a\"}"))
        );
        assert_eq!(kubectl_prefix("[    0.000000] Linux"), None);
        assert_eq!(
            stern_line("nginx-cfbcb7b98-96xsv nginx 2023/01/27 start"),
            Some(("nginx-cfbcb7b98-96xsv", "nginx", "2023/01/27 start"))
        );
        assert_eq!(stern_line("Starting systemd"), None);
        assert!(stern_marker("+ nginx-cfbcb7b98-29wn7 › nginx"));
    }
}
