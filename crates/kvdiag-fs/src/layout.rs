//! The one place that knows what paths in a capture mean: which files to read, as what, and
//! which to skip before opening them.

use std::path::Path;

use kvdiag::{Hint, LogHint};

/// What to do with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Read it, with this hint.
    Read(Hint),
    /// Do not open it; the reason goes into the report.
    Skip(&'static str),
}

/// Resource files that never explain a VM failure, by the resource name in the file or folder
/// name (`core/configmaps.yaml`, `core/configmaps/<name>.yaml`).
const IRRELEVANT_RESOURCES: &[&str] = &[
    "configmaps",
    "endpoints",
    "endpointslices",
    "services",
    "serviceaccounts",
    "roles",
    "rolebindings",
    "networkpolicies",
    "poddisruptionbudgets",
    "replicasets",
    "deployments",
    "daemonsets",
    "statefulsets",
    "routes",
    "leases",
    "controllerrevisions",
];

/// Files must-gather writes about the collection itself.
const MUST_GATHER_METADATA: &[&str] = &[
    "timestamp",
    "version",
    "must-gather.logs",
    "must-gather.log",
    "gather.logs",
    "event-filter.html",
];

/// Decides from the path alone. `path` is relative to the folder the user named (or the file's
/// own name when a file was named).
pub fn classify(path: &Path) -> Decision {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let Some(&file) = parts.last() else {
        return Decision::Skip("not a file name");
    };
    if file.starts_with('.') {
        return Decision::Skip("hidden file");
    }
    // Secrets are never opened: their data must not reach a report.
    if parts
        .iter()
        .any(|p| *p == "secrets" || *p == "secrets.yaml" || *p == "secrets.json")
    {
        return Decision::Skip("secrets are never read");
    }
    let stem = file.split('.').next().unwrap_or(file);
    if IRRELEVANT_RESOURCES.contains(&stem)
        || parts
            .iter()
            .rev()
            .skip(1)
            .any(|p| IRRELEVANT_RESOURCES.contains(p))
    {
        return Decision::Skip("resource kind not used for VM diagnosis");
    }
    if MUST_GATHER_METADATA.contains(&file) {
        return Decision::Skip("must-gather metadata");
    }
    if let Some(hint) = pod_log(&parts).or_else(|| cdi_pod_log(&parts)) {
        return Decision::Read(hint);
    }
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("yaml" | "yml" | "json") => Decision::Read(Hint::Document),
        Some("log") => Decision::Read(Hint::Log(LogHint {
            previous: stem.ends_with("previous") || file.contains(".previous."),
            ..LogHint::default()
        })),
        Some("txt") | None => Decision::Read(Hint::Auto),
        Some(_) => Decision::Skip("file type not read"),
    }
}

/// `namespaces/<ns>/pods/<pod>/<c>/<c>/logs/{current,previous}[.insecure].log`, the layout
/// `oc adm inspect` (and so every must-gather) writes container logs in.
fn pod_log(parts: &[&str]) -> Option<Hint> {
    let n = parts.len();
    if n < 8 || parts[n - 2] != "logs" || parts[n - 3] != parts[n - 4] || parts[n - 6] != "pods" {
        return None;
    }
    if parts[n - 8] != "namespaces" {
        return None;
    }
    let previous = match parts[n - 1] {
        "current.log" | "current.insecure.log" => false,
        "previous.log" | "previous.insecure.log" => true,
        _ => return None,
    };
    Some(Hint::Log(LogHint {
        namespace: Some(parts[n - 7].to_owned()),
        pod: Some(parts[n - 5].to_owned()),
        container: Some(parts[n - 3].to_owned()),
        previous,
        ..LogHint::default()
    }))
}

/// `namespaces/<ns>/<pod>/<pod>.log`: the KubeVirt must-gather's CDI pod logs (plain
/// `oc logs` of the default container).
fn cdi_pod_log(parts: &[&str]) -> Option<Hint> {
    let n = parts.len();
    if n < 4 || parts[n - 4] != "namespaces" {
        return None;
    }
    let pod = parts[n - 1].strip_suffix(".log")?;
    (pod == parts[n - 2]).then(|| {
        Hint::Log(LogHint {
            namespace: Some(parts[n - 3].to_owned()),
            pod: Some(pod.to_owned()),
            ..LogHint::default()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: &str) -> Option<Hint> {
        match classify(Path::new(p)) {
            Decision::Read(h) => Some(h),
            Decision::Skip(_) => None,
        }
    }

    #[test]
    fn must_gather_pod_logs_name_their_pod_and_container() {
        let hint = read(
            "mg/namespaces/prod/pods/virt-launcher-db-abcde/compute/compute/logs/previous.log",
        );
        assert_eq!(
            hint,
            Some(Hint::Log(LogHint {
                namespace: Some("prod".into()),
                pod: Some("virt-launcher-db-abcde".into()),
                container: Some("compute".into()),
                previous: true,
                ..LogHint::default()
            }))
        );
    }

    #[test]
    fn documents_logs_and_skips() {
        assert_eq!(read("vm.yaml"), Some(Hint::Document));
        assert_eq!(read("pods.json"), Some(Hint::Document));
        assert!(matches!(
            read("console.log"),
            Some(Hint::Log(LogHint {
                previous: false,
                ..
            }))
        ));
        assert!(matches!(
            read("compute.previous.log"),
            Some(Hint::Log(LogHint { previous: true, .. }))
        ));
        assert_eq!(read("namespaces/a/core/secrets.yaml"), None);
        assert_eq!(read("namespaces/a/core/secrets/s.yaml"), None);
        assert_eq!(read("namespaces/a/core/configmaps.yaml"), None);
        assert_eq!(read("namespaces/a/core/configmaps/x.yaml"), None);
        assert_eq!(read("event-filter.html"), None);
        assert_eq!(read(".DS_Store"), None);
        assert_eq!(read("mg/timestamp"), None);
        assert!(matches!(
            read("mg/namespaces/ns/importer-disk/importer-disk.log"),
            Some(Hint::Log(LogHint { pod: Some(p), .. })) if p == "importer-disk"
        ));
    }
}
