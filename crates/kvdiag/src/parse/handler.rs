//! virt-handler logs: one stream per node, about every VMI on it. The lines scoped to a VMI
//! (JSON fields `namespace` and `name`, with `kind` absent or a VirtualMachine(Instance)) are cut
//! out into one excerpt per VMI, so that what virt-handler said about a VM reaches that VM only;
//! the other lines (the node's device plugins, its own health) stay in the first stream, which
//! correlation gives to the VMs of that node.

use std::sync::Arc;

use super::log::{LogLine, LogSource, LogStream};

/// The VMI (namespace, name) a virt-handler line is scoped to: JSON fields `namespace` and
/// `name`, with `kind` absent, empty or a VirtualMachine(Instance).
pub(super) fn vmi_of(text: &str) -> Option<(String, String)> {
    // Most lines name no namespace: they are passed over without parsing (a JSON key could
    // only spell `namespace` otherwise through an escape).
    if !text.contains("namespace") && !text.contains('\\') {
        return None;
    }
    let line = LogLine {
        number: 0,
        timestamp: None,
        text,
    };
    let [kind, ns, name] = line.fields(["kind", "namespace", "name"]);
    if kind
        .as_deref()
        .is_some_and(|k| !k.is_empty() && k != "VirtualMachineInstance" && k != "VirtualMachine")
    {
        return None;
    }
    let (Some(ns), Some(name)) = (ns, name) else {
        return None;
    };
    if ns.is_empty() || name.is_empty() {
        return None;
    }
    Some((ns.into_owned(), name.into_owned()))
}

/// The identity of the excerpt of a virt-handler log (of `log`) about one VMI.
pub(super) fn vmi_source(log: &LogSource, namespace: String, name: String) -> LogSource {
    LogSource {
        namespace: Some(namespace),
        container: log.container.clone(),
        node: log.node.clone(),
        vm: Some(name),
        ..LogSource::new(Arc::clone(&log.origin))
    }
}

/// The lines about the node (those that name no VMI) under the log's own identity and line
/// count, followed by one excerpt per VMI it names, in order of first mention.
pub(super) fn split(stream: LogStream) -> Vec<LogStream> {
    let mut vmis: Vec<(String, String)> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut of_node: Vec<usize> = Vec::new();
    for (i, line) in stream.lines().enumerate() {
        let Some(key) = vmi_of(line.text) else {
            of_node.push(i);
            continue;
        };
        let at = vmis.iter().position(|k| *k == key).unwrap_or_else(|| {
            vmis.push(key);
            members.push(Vec::new());
            vmis.len() - 1
        });
        members[at].push(i);
    }
    let mut out = Vec::with_capacity(vmis.len() + 1);
    for ((ns, name), lines) in vmis.into_iter().zip(members) {
        out.push(stream.excerpt(vmi_source(&stream.source, ns, name), &lines));
    }
    let mut node = stream.excerpt(stream.source.clone(), &of_node);
    node.total = stream.total;
    node.cut = stream.cut;
    out.insert(0, node);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_about_a_vmi_form_its_excerpt() {
        let text = "{\"component\":\"virt-handler\",\"msg\":\"start\"}\n\
            {\"component\":\"virt-handler\",\"kind\":\"VirtualMachineInstance\",\"name\":\"a\",\"namespace\":\"n\",\"msg\":\"x\"}\n\
            {\"component\":\"virt-handler\",\"kind\":\"Pod\",\"name\":\"p\",\"namespace\":\"n\",\"msg\":\"y\"}\n\
            {\"component\":\"virt-handler\",\"kind\":\"\",\"name\":\"b\",\"namespace\":\"m\",\"msg\":\"z\"}\n\
            {\"component\":\"virt-handler\",\"name\":\"a\",\"namespace\":\"n\",\"msg\":\"w\"}\n";
        let parts = split(LogStream::parse(LogSource::new("h"), text.as_bytes()));
        assert_eq!(parts.len(), 3);
        let of_node: Vec<usize> = parts[0].lines().map(|l| l.number).collect();
        assert_eq!(of_node, [1, 3], "the lines that name no VMI");
        assert_eq!(parts[0].len(), 5, "the whole log's line count");
        assert_eq!(parts[1].source.vm.as_deref(), Some("a"));
        let numbers: Vec<usize> = parts[1].lines().map(|l| l.number).collect();
        assert_eq!(numbers, [2, 5]);
        assert_eq!(parts[2].source.namespace.as_deref(), Some("m"));
    }
}
