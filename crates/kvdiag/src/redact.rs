//! Redaction: the names of a capture (namespaces, VMs, pods, nodes, DataVolumes, PVCs, host
//! names) and every IP address, masked consistently in a [`Report`] before it is rendered, so
//! that all output formats are redacted alike: subjects, evidence (objects, values, log lines,
//! file paths), summaries, proposed commands and the list of inputs.
//!
//! A mask is the kind of name and six hex digits (`ns-1a2b3c`, `vm-…`, `pod-…`, `node-…`,
//! `dv-…`, `pvc-…`, `host-…`, `domain-…`, `ip-…`). The same name always gets the same mask
//! within a report and whenever the same input is analysed again. The digits are a hash keyed
//! by all the names of the capture: a mask cannot be reversed by hashing guessed names, and
//! the masks of another capture differ.
//!
//! Names are matched as whole words: a name is not part of a longer run of letters and digits
//! (`-`, `.`, `_`, `/` and spaces separate), so `db` is masked in `prod_db.log` and in
//! `virt-launcher-db-x7k2p` but not in `mongodb`. The longest known name wins where several
//! start at the same place.
//!
//! ```
//! use kvdiag::{Hint, RuleSet, Snapshot, analyze, redact::Redactor};
//! let mut b = Snapshot::builder();
//! b.add_input("vm.yaml", b"kind: VirtualMachine\nmetadata: {name: db, namespace: prod}\n", &Hint::Auto);
//! let snapshot = b.build();
//! let mut report = analyze(&RuleSet::builtin()?, &snapshot);
//! Redactor::of(&snapshot).report(&mut report);
//! let json = report.to_json();
//! assert!(!json.contains("prod") && json.contains("\"namespace\": \"ns-"));
//! # Ok::<(), kvdiag::LoadError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde_json::Value;

use crate::object::{Object, ObjectRef};
use crate::parse::LogSource;
use crate::report::{Evidence, Report};
use crate::snapshot::Snapshot;
use crate::source::Origin;
use crate::tree::Node as TreeNode;

/// What a name names, in the order that decides a name's mask when it names several things.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    Namespace,
    Vm,
    Pod,
    Node,
    DataVolume,
    Pvc,
    Host,
    Domain,
}

impl Category {
    fn prefix(self) -> &'static str {
        match self {
            Category::Namespace => "ns",
            Category::Vm => "vm",
            Category::Pod => "pod",
            Category::Node => "node",
            Category::DataVolume => "dv",
            Category::Pvc => "pvc",
            Category::Host => "host",
            Category::Domain => "domain",
        }
    }
}

/// Domains of public projects whose names appear in API versions, labels and links; they say
/// nothing about the cluster and stay readable.
const PUBLIC_DOMAINS: &[&str] = &[
    "kubevirt.io",
    "k8s.io",
    "kubernetes.io",
    "openshift.io",
    "openshift.com",
    "redhat.io",
    "redhat.com",
    "quay.io",
    "docker.io",
    "github.com",
    "x-k8s.io",
];

/// Candidate IPv4 addresses (checked with the standard parser).
static IPV4: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").ok());
/// Candidate IPv6 addresses (checked with the standard parser).
static IPV6: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}").ok());
/// Candidate host names: three or more lowercase DNS labels, the last alphabetic.
static FQDN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\.[a-z]{2,24}\b").ok()
});

/// Last labels that make a dotted word a file name, not a host name.
const FILE_EXTENSIONS: &[&str] = &[
    "log", "xml", "yaml", "yml", "json", "txt", "gz", "tgz", "tar", "zip", "go", "conf", "cfg",
    "sock", "socket", "service", "slice", "scope", "mount", "so", "img", "iso", "raw", "sh", "py",
    "rs", "html", "md", "pem", "crt", "key", "ko", "out", "insecure", "previous",
];

/// Masks the names of one capture. Build it from the snapshot the report was made of.
#[derive(Debug)]
pub struct Redactor {
    /// Every known name, lowercase, and its mask.
    masks: HashMap<String, String>,
    /// The lengths of the known names, longest first.
    lengths: Vec<usize>,
    key: u64,
}

impl Redactor {
    /// Collects the names of every object and log stream of `snapshot`.
    pub fn of(snapshot: &Snapshot) -> Redactor {
        Self::of_with(snapshot, std::iter::empty::<String>())
    }

    /// Like [`Redactor::of`], with namespaces known otherwise (e.g. from the paths of skipped
    /// files, which `kvdiag_fs::layout::namespace_in_path` reads).
    pub fn of_with(
        snapshot: &Snapshot,
        namespaces: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Redactor {
        Self::of_subjects(snapshot, &[], namespaces)
    }

    /// Like [`Redactor::of_with`], also masking the names `subjects` are known by: a VM known
    /// only from the evidence that names it (a launcher pod's name, a log line's fields, QEMU's
    /// `-name guest=`) has no object of its own to take the name from.
    pub fn of_subjects(
        snapshot: &Snapshot,
        subjects: &[crate::correlate::Subject],
        namespaces: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Redactor {
        let mut found: BTreeMap<String, Category> = BTreeMap::new();
        for s in subjects {
            add_name(&mut found, s.id.namespace.as_deref(), Category::Namespace);
            // Named as the object kind it stands for (a launcher pod standing for its VM keeps
            // its pod mask); a file that names nothing has no name to hide.
            if s.role != crate::correlate::Role::Unattributed
                && let Some(c) = category_of_kind(&s.id.kind)
            {
                add_name(&mut found, Some(&s.id.name), c);
            }
        }
        for ns in namespaces {
            add_name(&mut found, Some(ns.as_ref()), Category::Namespace);
        }
        for o in snapshot.objects() {
            names_of_object(o, &mut |n, c| add_name(&mut found, n, c));
        }
        for log in snapshot.logs() {
            let s = &log.source;
            add_name(&mut found, s.namespace.as_deref(), Category::Namespace);
            add_name(&mut found, s.pod.as_deref(), Category::Pod);
            add_name(&mut found, s.vm.as_deref(), Category::Vm);
            add_name(&mut found, s.node.as_deref(), Category::Node);
        }
        // A node's FQDN: its short host name and its domain are names too.
        let fqdns: Vec<String> = found
            .iter()
            .filter(|(n, c)| matches!(c, Category::Node | Category::Host) && n.contains('.'))
            .map(|(n, _)| n.clone())
            .collect();
        for fqdn in fqdns {
            if let Some((host, domain)) = fqdn.split_once('.') {
                add_name(&mut found, Some(host), Category::Host);
                if domain.contains('.') && !is_public(domain) {
                    add_name(&mut found, Some(domain), Category::Domain);
                }
            }
        }
        // Numbers alone are not names (a VM called `1` would mask every 1).
        found.retain(|n, _| n.bytes().any(|b| b.is_ascii_alphabetic()));
        Redactor::from_names(found)
    }

    fn from_names(found: BTreeMap<String, Category>) -> Redactor {
        let mut key = 0xcbf2_9ce4_8422_2325u64;
        for name in found.keys() {
            key = fnv(key, name.as_bytes());
            key = fnv(key, b"\n");
        }
        let mut masks = HashMap::new();
        let mut used: HashMap<String, String> = HashMap::new();
        for (name, c) in &found {
            let h = mix(fnv(key, name.as_bytes()));
            let mut digits = 6;
            let mask = loop {
                let m = format!(
                    "{}-{:0width$x}",
                    c.prefix(),
                    h >> (64 - 4 * digits),
                    width = digits
                );
                match used.get(&m) {
                    Some(other) if other != name && digits < 16 => digits += 2,
                    _ => break m,
                }
            };
            used.insert(mask.clone(), name.clone());
            masks.insert(name.clone(), mask);
        }
        let mut lengths: Vec<usize> = found.keys().map(String::len).collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        lengths.dedup();
        Redactor {
            masks,
            lengths,
            key,
        }
    }

    /// The mask of one name, if it is a name of the capture.
    pub fn mask_of(&self, name: &str) -> Option<&str> {
        self.masks
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// `text` with every known name, IP address and host name masked.
    pub fn text(&self, text: &str) -> String {
        let named = self.names_in(text);
        let ips = self.ips_in(&named);
        self.hosts_in(&ips)
    }

    /// Masks known names where a word starts: the longest name there that ends a word wins.
    fn names_in(&self, text: &str) -> String {
        if self.masks.is_empty() {
            return text.to_owned();
        }
        let bytes = text.as_bytes();
        let lower = text.to_ascii_lowercase();
        let mut out = String::with_capacity(text.len());
        let (mut i, mut copied) = (0, 0);
        while i < bytes.len() {
            let starts_word = (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
                && bytes[i].is_ascii_alphanumeric();
            let found = starts_word
                .then(|| {
                    self.lengths.iter().find_map(|&n| {
                        let end = i + n;
                        let ends_word = end <= bytes.len()
                            && (end == bytes.len() || !bytes[end].is_ascii_alphanumeric());
                        let name = lower.get(i..end).filter(|_| ends_word)?;
                        Some((end, self.masks.get(name)?))
                    })
                })
                .flatten();
            if let Some((end, mask)) = found {
                out.push_str(&text[copied..i]);
                out.push_str(mask);
                i = end;
                copied = end;
            } else {
                i += 1;
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    fn ips_in(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Some(re) = IPV4.as_ref() {
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let m = &c[0];
                    match m.parse::<Ipv4Addr>() {
                        Ok(_) => self.hashed("ip", m),
                        Err(_) => m.to_owned(),
                    }
                })
                .into_owned();
        }
        if let Some(re) = IPV6.as_ref() {
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let m = &c[0];
                    let groups = m.split(':').filter(|g| !g.is_empty()).count();
                    let digit = m.bytes().any(|b| b.is_ascii_digit());
                    match m.parse::<Ipv6Addr>() {
                        Ok(_) if digit && (groups >= 2 || m.starts_with("::")) => {
                            self.hashed("ip", m)
                        }
                        _ => m.to_owned(),
                    }
                })
                .into_owned();
        }
        out
    }

    fn hosts_in(&self, text: &str) -> String {
        let Some(re) = FQDN.as_ref() else {
            return text.to_owned();
        };
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for m in re.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let last = m.as_str().rsplit('.').next().unwrap_or_default();
            // `.spec.template.spec.domain` is a JSONPath, `a.dumpxml.xml` a file.
            let not_a_host = matches!(before, Some('.' | '$' | '@' | '_'))
                || FILE_EXTENSIONS.contains(&last)
                || is_public(m.as_str())
                || already_masked(m.as_str());
            if !not_a_host {
                out.push_str(&text[copied..m.start()]);
                out.push_str(&self.hashed("host", m.as_str()));
                copied = m.end();
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// A mask for a value found only in text (an IP address, a host name).
    fn hashed(&self, prefix: &str, value: &str) -> String {
        let h = mix(fnv(self.key, value.to_ascii_lowercase().as_bytes()));
        format!("{prefix}-{:06x}", h >> 40)
    }

    fn object_ref(&self, r: &mut ObjectRef) {
        if let Some(ns) = &mut r.namespace {
            *ns = self.text(ns);
        }
        r.name = self.text(&r.name);
    }

    fn arc(&self, s: &mut Arc<str>) {
        *s = Arc::from(self.text(s));
    }

    fn opt(&self, s: &mut Option<String>) {
        if let Some(v) = s {
            *v = self.text(v);
        }
    }

    fn log_source(&self, s: &mut LogSource) {
        self.arc(&mut s.origin);
        self.opt(&mut s.namespace);
        self.opt(&mut s.pod);
        self.opt(&mut s.vm);
        self.opt(&mut s.node);
    }

    fn origin(&self, o: &mut Origin) {
        self.arc(&mut o.source);
    }

    fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.value(v)),
            _ => {}
        }
    }

    /// Masks every name in `report`: what every output format renders.
    pub fn report(&self, report: &mut Report) {
        if let Some(t) = &mut report.capture_time
            && let Some(f) = &mut t.file
        {
            self.arc(f);
        }
        for s in &mut report.subjects {
            self.object_ref(&mut s.subject);
        }
        for d in &mut report.diagnoses {
            self.object_ref(&mut d.subject);
            d.summary = self.text(&d.summary);
            for e in &mut d.evidence {
                match e {
                    Evidence::Object {
                        object,
                        origin,
                        path,
                        value,
                    } => {
                        self.object_ref(object);
                        self.origin(origin);
                        *path = self.text(path);
                        self.value(value);
                    }
                    Evidence::Log {
                        log,
                        text,
                        timestamp: _,
                        line: _,
                        more: _,
                    } => {
                        self.log_source(log);
                        *text = self.text(text);
                    }
                }
            }
            for r in d
                .remediation
                .iter_mut()
                .chain(&mut d.options)
                .chain(&mut d.verify)
            {
                r.text = self.text(&r.text);
                if let Some(c) = &mut r.command {
                    *c = self.text(c);
                }
            }
        }
        for c in &mut report.coverage {
            self.object_ref(&mut c.subject);
        }
        for t in &mut report.timelines {
            self.object_ref(&mut t.subject);
            for e in &mut t.entries {
                e.label = self.text(&e.label);
                e.detail = self.text(&e.detail);
                if let Some(o) = &mut e.object {
                    self.object_ref(o);
                }
                if let Some(p) = &mut e.path {
                    *p = self.text(p);
                }
                if let Some(l) = &mut e.log {
                    self.log_source(l);
                }
            }
        }
        let i = &mut report.inputs;
        for r in &mut i.read {
            self.arc(&mut r.source);
            self.opt(&mut r.note);
        }
        for p in i.skipped.iter_mut().chain(i.failed.iter_mut()) {
            self.arc(&mut p.source);
            p.reason = self.text(&p.reason).into();
        }
    }
}

/// Records a name (of two characters or more) with the most telling of its categories.
fn add_name(found: &mut BTreeMap<String, Category>, name: Option<&str>, c: Category) {
    let Some(name) = name.map(str::trim).filter(|n| n.len() > 1) else {
        return;
    };
    let slot = found.entry(name.to_ascii_lowercase()).or_insert(c);
    *slot = (*slot).min(c);
}

/// The category of an object's name by its kind, for the kinds kvdiag reads.
fn category_of_kind(kind: &str) -> Option<Category> {
    Some(match kind {
        // A migration's name is often made from its VM's.
        "VirtualMachine" | "VirtualMachineInstance" | "VirtualMachineInstanceMigration" => {
            Category::Vm
        }
        "Pod" => Category::Pod,
        "Node" => Category::Node,
        "DataVolume" => Category::DataVolume,
        "PersistentVolumeClaim" => Category::Pvc,
        _ => return None,
    })
}

/// Adds the names one object holds: its own, its namespace's, and those it refers to.
fn names_of_object(o: &Object, add: &mut impl FnMut(Option<&str>, Category)) {
    use Category::*;
    add(o.namespace.as_deref(), Namespace);
    if let Some(c) = category_of_kind(&o.kind) {
        add(o.name.as_deref(), c);
    }
    let v = o.root();
    let s = |keys: &[&str]| v.str_at(keys);
    if o.kind == "Event" {
        let kind = s(&["involvedObject", "kind"]).unwrap_or_default();
        // An event about something else (a ReplicaSet, a Node's kubelet) still names it.
        add(
            s(&["involvedObject", "name"]),
            category_of_kind(kind).unwrap_or(Pod),
        );
        add(s(&["involvedObject", "namespace"]), Namespace);
        add(s(&["source", "host"]), Node);
        add(s(&["reportingInstance"]), Host);
    }
    add(s(&["spec", "vmiName"]), Vm);
    add(s(&["status", "migrationState", "sourceNode"]), Node);
    add(s(&["status", "migrationState", "targetNode"]), Node);
    add(s(&["spec", "nodeName"]), Node);
    add(s(&["status", "nodeName"]), Node);
    add(s(&["spec", "hostname"]), Host);
    for label in [
        "kubevirt.io/domain",
        "vm.kubevirt.io/name",
        "kubevirt.io/vm",
    ] {
        add(o.label(label), Vm);
    }
    add(o.label("kubernetes.io/hostname"), Host);
    add(o.annotation("kubevirt.io/domain"), Vm);
    let items = |keys: &[&str]| v.at(keys).into_iter().flat_map(TreeNode::items);
    for owner in items(&["metadata", "ownerReferences"]) {
        let kind = owner.str_at(&["kind"]).unwrap_or_default();
        if let Some(c) = category_of_kind(kind) {
            add(owner.str_at(&["name"]), c);
        }
    }
    for vol in items(&["spec", "template", "spec", "volumes"]).chain(items(&["spec", "volumes"])) {
        add(vol.str_at(&["dataVolume", "name"]), DataVolume);
        add(vol.str_at(&["persistentVolumeClaim", "claimName"]), Pvc);
    }
    for t in items(&["spec", "dataVolumeTemplates"]) {
        add(t.str_at(&["metadata", "name"]), DataVolume);
    }
    for a in items(&["status", "addresses"]) {
        let kind = a.str_at(&["type"]).unwrap_or_default();
        if matches!(kind, "Hostname" | "InternalDNS" | "ExternalDNS") {
            add(a.str_at(&["address"]), Host);
        }
    }
}

fn is_public(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    PUBLIC_DOMAINS
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")))
}

/// A token the name pass already masked (`pod-1a2b3c.ns-4d5e6f.svc` must not be masked again).
fn already_masked(host: &str) -> bool {
    host.split('.').any(|label| {
        label.split_once('-').is_some_and(|(p, h)| {
            [
                "ns", "vm", "pod", "node", "dv", "pvc", "host", "domain", "ip",
            ]
            .contains(&p)
                && h.len() >= 6
                && h.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// splitmix64's finaliser: every input bit affects every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(names: &[(&str, Category)]) -> Redactor {
        Redactor::from_names(names.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect())
    }

    #[test]
    fn names_are_masked_as_whole_words_longest_first_consistently() {
        let r = redactor(&[
            ("prod", Category::Namespace),
            ("prod-db", Category::Namespace),
            ("db", Category::Vm),
        ]);
        let out = r.text("prod-db/db in prod_db.log, not mongodb; virt-launcher-db-x7k2p");
        let (ns_long, ns, vm) = (
            r.mask_of("prod-db").expect("known"),
            r.mask_of("prod").expect("known"),
            r.mask_of("db").expect("known"),
        );
        assert_eq!(
            out,
            format!("{ns_long}/{vm} in {ns}_{vm}.log, not mongodb; virt-launcher-{vm}-x7k2p")
        );
        assert!(ns.starts_with("ns-") && vm.starts_with("vm-") && ns.len() == 9);
        assert_eq!(r.text("prod-db"), r.text("prod-db"));
    }

    #[test]
    fn addresses_and_host_names_are_masked() {
        let r = redactor(&[("worker-0", Category::Node)]);
        let out = r.text(
            "dial tcp 10.128.2.15:443 and [fd00:10:128::2f]:80 from worker-0 at registry.acme.corp/x; \
             kubevirt.io/v1 at 10:11:38, version 1.2.3",
        );
        assert!(!out.contains("10.128.2.15"), "{out}");
        assert!(!out.contains("fd00:10:128::2f"), "{out}");
        assert!(!out.contains("worker-0"), "{out}");
        assert!(!out.contains("acme"), "{out}");
        assert!(
            out.contains("kubevirt.io/v1 at 10:11:38, version 1.2.3"),
            "{out}"
        );
        assert_eq!(r.text("10.128.2.15"), r.text("10.128.2.15"));
    }
}
