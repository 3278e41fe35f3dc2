//! virt-handler logs: one stream per node, about every VMI on it. The lines scoped to a VMI
//! (JSON fields `namespace` and `name`, with `kind` absent or a VirtualMachine(Instance)) are cut
//! out into one excerpt per VMI, so that what virt-handler said about a VM reaches that VM only.

use std::sync::Arc;

use super::log::{LogSource, LogStream};

/// The whole log followed by one excerpt per VMI it names, in order of first mention.
pub(super) fn split(stream: LogStream) -> Vec<LogStream> {
    let mut vmis: Vec<(String, String)> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, line) in stream.lines().enumerate() {
        // Most lines name no namespace: they are passed over without parsing (a JSON key could
        // only spell `namespace` otherwise through an escape).
        if !line.text.contains("namespace") && !line.text.contains('\\') {
            continue;
        }
        let [kind, ns, name] = line.fields(["kind", "namespace", "name"]);
        if kind.as_deref().is_some_and(|k| {
            !k.is_empty() && k != "VirtualMachineInstance" && k != "VirtualMachine"
        }) {
            continue;
        }
        let (Some(ns), Some(name)) = (ns, name) else {
            continue;
        };
        if ns.is_empty() || name.is_empty() {
            continue;
        }
        let key = (ns.into_owned(), name.into_owned());
        let at = vmis.iter().position(|k| *k == key).unwrap_or_else(|| {
            vmis.push(key);
            members.push(Vec::new());
            vmis.len() - 1
        });
        members[at].push(i);
    }
    let mut out = Vec::with_capacity(vmis.len() + 1);
    for ((ns, name), lines) in vmis.into_iter().zip(members) {
        let source = LogSource {
            namespace: Some(ns),
            container: stream.source.container.clone(),
            node: stream.source.node.clone(),
            vm: Some(name),
            ..LogSource::new(Arc::clone(&stream.source.origin))
        };
        out.push(stream.excerpt(source, &lines));
    }
    out.insert(0, stream);
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
        assert_eq!(parts[1].source.vm.as_deref(), Some("a"));
        let numbers: Vec<usize> = parts[1].lines().map(|l| l.number).collect();
        assert_eq!(numbers, [2, 5]);
        assert_eq!(parts[2].source.namespace.as_deref(), Some("m"));
    }
}
