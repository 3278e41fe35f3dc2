//! The one place that knows what paths in a capture mean: where its roots are, which files to
//! read, as what, and which to skip before opening them.
//!
//! A capture is what the user named: a directory tree, or the entries of an archive. Its files
//! are planned together, because a file's meaning depends on its neighbours:
//!
//! - a **must-gather root** is a directory holding `namespaces/` or `cluster-scoped-resources/`
//!   (an image folder of `oc adm must-gather`, an `oc adm inspect` destination); there may be
//!   several side by side, at any depth, each planned on its own;
//! - a **cluster-info root** holds `nodes.json` (or `.yaml`) and per-namespace folders with
//!   `pods.json` or `events.json`: `kubectl cluster-info dump --output-directory`;
//! - everything else is a loose file, read by its extension and content.
//!
//! Inside a must-gather root only what can explain a VM is read: pods, events, VMs, VMIs,
//! migrations, DataVolumes, PVCs, nodes, their logs, the QEMU logs and domain XML of
//! `--vms_details`, and node kernel logs. The same object is written up to four times (the
//! namespace's list file, a per-object file, the KubeVirt must-gather's `crs/` and VM copies):
//! copies are planned as [`Plan::copy_of`] their list file and read only when that list does
//! not hold the object (it is missing, unreadable, or lacks the name).

use std::collections::{BTreeSet, HashMap};

use kvdiag::{Hint, InputKind, LogHint, LogKind};

/// What to do with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Read it, with this hint.
    Read(Hint),
    /// Read it for the capture time, written in this form.
    CaptureTime(TimeFile),
    /// An archive: read its entries, as `Nested` says.
    Archive(ArchiveKind, Nested),
    /// Do not open it; the reason goes into the report.
    Skip(&'static str),
}

/// Files that give a capture's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFile {
    /// A must-gather `timestamp` file: Go `time.Time` lines, the newest is the end.
    Timestamp,
    /// A support bundle's `metadata.yaml`: `bundlecreatedat` (RFC 3339).
    BundleMetadata,
}

/// Where the entries of an archive found in a capture belong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nested {
    /// An archive among loose files: read on its own (a capture of its own when it holds one).
    /// Inside another archive it is not read: the outer one must be unpacked.
    Own,
    /// A Harvester node bundle (`nodes/<node>.zip`): its files belong to the support bundle.
    HarvesterNode,
    /// An Insights Operator archive embedded in a must-gather (`insights-data/**`): its files
    /// belong to the must-gather.
    Insights,
}

/// The plan for one file of a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// What to do.
    pub decision: Decision,
    /// The kind of capture the file belongs to.
    pub kind: InputKind,
    /// The file is gzip-compressed (`.gz`): decompress while reading.
    pub gzip: bool,
    /// The file is a copy of an object of a list file: (list file path, object name).
    pub copy_of: Option<(String, String)>,
}

/// Reason given for a copy that was not read.
pub const COPY_REASON: &str = "copy of an object already read from its list file";

/// Resources (plural, lowercase) read from must-gathers.
const RELEVANT_RESOURCES: &[&str] = &[
    "pods",
    "events",
    "virtualmachines",
    "virtualmachineinstances",
    "virtualmachineinstancemigrations",
    "datavolumes",
    "persistentvolumeclaims",
    "nodes",
];

/// Resource files that never explain a VM failure, by the resource name in the file or folder
/// name (`core/configmaps.yaml`, `core/configmaps/<name>.yaml`), for loose files.
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
    "replication-controllers",
];

/// Files must-gather writes about the collection itself.
const MUST_GATHER_METADATA: &[&str] = &[
    "version",
    "must-gather.logs",
    "must-gather.log",
    "gather.logs",
    "event-filter.html",
    "aggregated-discovery-api.yaml",
    "aggregated-discovery-apis.yaml",
];

const SECRETS: &str = "secrets are never read";
/// Reason for an archive inside an archive where no layout puts one.
pub const NESTED_ARCHIVE: &str = "archive inside an archive (unpack the outer one)";
const HARDWARE: &str = "node hardware snapshot (copies of /proc and /sys): not used";
const NODE_DETAILS: &str = "node network and hardware details not used";
const NOT_USED: &str = "resource kind not used for VM diagnosis";
const METADATA: &str = "must-gather metadata";

/// Whether a file name is an archive kvdiag reads (`.tar`, `.tar.gz`/`.tgz`, `.tar.xz`/`.txz`,
/// `.tar.zst`/`.tzst`, `.tar.bz2`/`.tbz2`/`.tbz`, `.zip`).
pub fn archive_kind(name: &str) -> Option<ArchiveKind> {
    let lower = name.to_ascii_lowercase();
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| lower.ends_with(s));
    if ends(&[".tar.gz", ".tgz"]) {
        Some(ArchiveKind::TarGz)
    } else if ends(&[".tar.xz", ".txz"]) {
        Some(ArchiveKind::TarXz)
    } else if ends(&[".tar.zst", ".tar.zstd", ".tzst"]) {
        Some(ArchiveKind::TarZst)
    } else if ends(&[".tar.bz2", ".tbz2", ".tbz"]) {
        Some(ArchiveKind::TarBz2)
    } else if lower.ends_with(".tar") {
        Some(ArchiveKind::Tar)
    } else if lower.ends_with(".zip") {
        Some(ArchiveKind::Zip)
    } else {
        None
    }
}

/// Whether a name is one kvdiag reads as a file (a document, a log, a compressed file, an
/// archive or a capture's `timestamp`): a directory of that name is where a file was expected.
pub fn is_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "timestamp"
        || lower == "dmesg"
        || archive_kind(&lower).is_some()
        || [".yaml", ".yml", ".json", ".log", ".gz", ".txt"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// The namespace a capture path names (`.../namespaces/<ns>/...` of a must-gather, an inspect
/// tree or an Insights archive, `yamls/namespaced/<ns>/...` of a support bundle), for
/// redaction: a skipped file still shows its path.
pub fn namespace_in_path(path: &str) -> Option<&str> {
    let mut parts = path.split('/');
    while let Some(p) = parts.next() {
        if p == "namespaces" || p == "namespaced" {
            return parts.next().filter(|ns| !ns.is_empty());
        }
    }
    None
}

/// Archive formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `.tar`
    Tar,
    /// `.tar.gz`, `.tgz`
    TarGz,
    /// `.tar.xz`, `.txz`
    TarXz,
    /// `.tar.zst`, `.tzst`
    TarZst,
    /// `.tar.bz2`, `.tbz2`, `.tbz`
    TarBz2,
    /// `.zip`
    Zip,
}

/// What the first bytes of a stream say it is: an archive, a single compressed file, or
/// neither (`None`: read it as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magic {
    /// A zip archive (`PK\x03\x04`, or `PK\x05\x06` for an empty one).
    Zip,
    /// A tar archive (`ustar` at offset 257).
    Tar,
    /// gzip (`1f 8b`).
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// zstd (`28 b5 2f fd`).
    Zstd,
    /// bzip2 (`BZh` and a block size digit).
    Bzip2,
}

/// Recognises a stream by its magic bytes.
pub fn magic(head: &[u8]) -> Option<Magic> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(Magic::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(Magic::Gzip)
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some(Magic::Xz)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Magic::Zstd)
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        Some(Magic::Bzip2)
    } else if head.get(257..262) == Some(b"ustar") {
        Some(Magic::Tar)
    } else {
        None
    }
}

/// The capture time an Insights archive's name gives (`insights-2024-05-14-101203.tar.gz`,
/// UTC).
pub fn insights_archive_time(name: &str) -> Option<jiff::Timestamp> {
    let base = name.rsplit(['/', '!']).next()?;
    let stamp = base.strip_prefix("insights-")?.get(..17)?;
    let (date, time) = (stamp.get(..10)?, stamp.get(11..17)?);
    if stamp.as_bytes().get(10) != Some(&b'-') || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = format!("{date}T{}:{}:{}Z", &time[..2], &time[2..4], &time[4..]);
    text.parse().ok()
}

/// Plans every file of one capture. `paths` are relative to the capture (components split on
/// `/`); the plans are in the same order.
pub fn plan(paths: &[Vec<String>]) -> Vec<Plan> {
    use rayon::prelude::*;
    let dirs = Dirs::new(paths);
    // Each path is planned on its own against the directories found: in parallel.
    paths.par_iter().map(|p| plan_one(p, &dirs)).collect()
}

/// Plans the files of an archive found inside a capture, where `nested` says it belongs.
pub fn plan_nested(nested: Nested, paths: &[Vec<String>]) -> Vec<Plan> {
    match nested {
        Nested::Own => plan(paths),
        Nested::HarvesterNode => paths.iter().map(|p| harvester_node(&strs(p))).collect(),
        Nested::Insights => paths.iter().map(|p| insights(&strs(p))).collect(),
    }
}

fn strs(p: &[String]) -> Vec<&str> {
    p.iter().map(String::as_str).collect()
}

/// Plans a single file named on its own (not part of a tree). A Markdown file is then read, its
/// content deciding what it holds (a bug report's text saved with what it pastes); inside a
/// tree it is a note and skipped.
pub fn plan_file(name: &str) -> Plan {
    let plan = plan(&[vec![name.to_owned()]]).remove(0);
    let markdown = name
        .rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
    if markdown && matches!(plan.decision, Decision::Skip(_)) {
        return read(plan.kind, Hint::Auto);
    }
    plan
}

/// What the directories of a capture are.
struct Dirs {
    /// Directories holding `namespaces/` or `cluster-scoped-resources/`.
    must_gather: BTreeSet<Vec<String>>,
    /// Directories holding `nodes.json` / `nodes.yaml`.
    cluster_info: BTreeSet<Vec<String>>,
    /// Harvester support bundles: directories holding `metadata.yaml` and `yamls/`.
    bundle: BTreeSet<Vec<String>>,
    /// Insights Operator archives: directories holding `config/` and `insights-operator/`
    /// (or `config/version.json`, `config/id`).
    insights: BTreeSet<Vec<String>>,
    /// Every directory that lies above a must-gather root (`must-gather.local.*`).
    above_must_gather: BTreeSet<Vec<String>>,
}

/// The directory marks of a capture's paths, gathered one path at a time: what [`Dirs`] is
/// derived from. Planning an archive as it is read adds each entry's path as it comes.
#[derive(Default)]
pub(crate) struct Marks {
    metadata: BTreeSet<Vec<String>>,
    bundle_parts: BTreeSet<Vec<String>>,
    config: BTreeSet<Vec<String>>,
    insights_parts: BTreeSet<Vec<String>>,
    must_gather: BTreeSet<Vec<String>>,
    cluster_info: BTreeSet<Vec<String>>,
    /// Directories `d` with a `d/<ns>/pods.*` or `d/<ns>/events.*` file.
    namespace_lists: BTreeSet<Vec<String>>,
}

impl Marks {
    /// Adds one path; `true` when it marked a directory not marked before (the plans of other
    /// paths may then change).
    pub(crate) fn add(&mut self, p: &[String]) -> bool {
        let mut changed = false;
        let n = p.len();
        if n >= 1 && p[n - 1] == "metadata.yaml" {
            changed |= self.metadata.insert(p[..n - 1].to_vec());
        }
        for i in 0..n.saturating_sub(1) {
            match p[i].as_str() {
                "yamls" => {
                    changed |= self.bundle_parts.insert(p[..i].to_vec());
                }
                "config" => {
                    changed |= self.config.insert(p[..i].to_vec());
                    if n == i + 2 && matches!(p[i + 1].as_str(), "version.json" | "id") {
                        changed |= self.insights_parts.insert(p[..i].to_vec());
                    }
                }
                "insights-operator" => {
                    changed |= self.insights_parts.insert(p[..i].to_vec());
                }
                _ => {}
            }
        }
        for i in 0..n.saturating_sub(1) {
            if matches!(p[i].as_str(), "namespaces" | "cluster-scoped-resources") {
                changed |= self.must_gather.insert(p[..i].to_vec());
                break;
            }
        }
        if n >= 1 && matches!(p[n - 1].as_str(), "nodes.json" | "nodes.yaml") {
            changed |= self.cluster_info.insert(p[..n - 1].to_vec());
        }
        // `nodes.yaml` is also what `oc get nodes -o yaml > nodes.yaml` leaves among loose
        // files: a dump also has per-namespace `<ns>/pods.*` or `<ns>/events.*`.
        if n >= 2
            && matches!(
                p[n - 1].as_str(),
                "pods.json" | "pods.yaml" | "events.json" | "events.yaml"
            )
        {
            changed |= self.namespace_lists.insert(p[..n - 2].to_vec());
        }
        changed
    }

    /// What the directories marked so far are.
    fn dirs(&self) -> Dirs {
        let mut cluster_info: BTreeSet<Vec<String>> = self
            .cluster_info
            .intersection(&self.namespace_lists)
            .cloned()
            .collect();
        let bundle: BTreeSet<Vec<String>> = self
            .metadata
            .intersection(&self.bundle_parts)
            .cloned()
            .collect();
        let insights: BTreeSet<Vec<String>> = self
            .config
            .intersection(&self.insights_parts)
            .cloned()
            .collect();
        let mut must_gather = self.must_gather.clone();
        // An Insights archive has `namespaces/` too; a bundle's `nodes/` is its own.
        must_gather.retain(|m: &Vec<String>| {
            !insights
                .iter()
                .chain(&bundle)
                .any(|r| m.starts_with(r.as_slice()))
        });
        // A `nodes.json` inside a must-gather is not a cluster-info dump.
        cluster_info.retain(|d: &Vec<String>| !must_gather.iter().any(|m| d.starts_with(m)));
        let mut above = BTreeSet::new();
        for m in &must_gather {
            for i in 0..m.len() {
                above.insert(m[..i].to_vec());
            }
        }
        Dirs {
            must_gather,
            cluster_info,
            bundle,
            insights,
            above_must_gather: above,
        }
    }
}

/// Plans the paths of a capture as they come (an archive read once, in its order): each path
/// against the directories marked by the paths before it. A plan made so is provisional: a
/// later path may mark a directory that changes it ([`plan`] of the whole listing decides).
pub(crate) struct Provisional {
    marks: Marks,
    dirs: Dirs,
    /// Times the directories were derived again; past [`MAX_REPLANS`], no more plans are made.
    replans: usize,
}

/// How many times the provisional planner derives its directories again before it gives up
/// (each time costs the marks' size: a hostile archive could otherwise make it quadratic).
const MAX_REPLANS: usize = 256;

impl Provisional {
    pub(crate) fn new() -> Provisional {
        let marks = Marks::default();
        let dirs = marks.dirs();
        Provisional {
            marks,
            dirs,
            replans: 0,
        }
    }

    /// Adds a path and plans it against what is known so far: the plan, and whether it lies
    /// under a known capture root (a plan under no root is the likeliest to change, when the
    /// root's marks come later). `None` once the planner has given up.
    pub(crate) fn add(&mut self, path: &[String]) -> Option<(Plan, bool)> {
        if self.replans > MAX_REPLANS {
            return None;
        }
        if self.marks.add(path) {
            self.replans += 1;
            if self.replans > MAX_REPLANS {
                return None;
            }
            self.dirs = self.marks.dirs();
        }
        let rooted = self.dirs.root_of(path).is_some();
        Some((plan_one(path, &self.dirs), rooted))
    }
}

impl Dirs {
    fn new(paths: &[Vec<String>]) -> Dirs {
        let mut marks = Marks::default();
        for p in paths {
            marks.add(p);
        }
        marks.dirs()
    }

    /// The root a file lies under (the outermost), with its kind.
    fn root_of(&self, path: &[String]) -> Option<(usize, InputKind)> {
        for i in 0..path.len() {
            let dir = &path[..i];
            if self.must_gather.contains(dir) {
                return Some((i, InputKind::MustGather));
            }
            if self.cluster_info.contains(dir) {
                return Some((i, InputKind::ClusterInfoDump));
            }
            if self.bundle.contains(dir) {
                return Some((i, InputKind::SupportBundle));
            }
            if self.insights.contains(dir) {
                return Some((i, InputKind::Insights));
            }
        }
        None
    }
}

fn plan_one(path: &[String], dirs: &Dirs) -> Plan {
    let Some(file) = path.last() else {
        return skip(InputKind::File, "not a file name");
    };
    let (gzip, file) = match file.strip_suffix(".gz") {
        Some(inner) if archive_kind(file).is_none() => (true, inner.to_owned()),
        _ => (false, file.clone()),
    };
    let parts: Vec<&str> = path[..path.len() - 1]
        .iter()
        .map(String::as_str)
        .chain([file.as_str()])
        .collect();
    let mut plan = match dirs.root_of(path) {
        Some((at, InputKind::MustGather)) => must_gather(&parts[at..], &parts[..at]),
        Some((at, InputKind::ClusterInfoDump)) => cluster_info(&parts[at..]),
        Some((at, InputKind::SupportBundle)) => bundle(&parts[at..]),
        Some((at, InputKind::Insights)) => insights(&parts[at..]),
        _ => {
            let above = dirs.above_must_gather.contains(&path[..path.len() - 1]);
            let mut plan = loose(&parts);
            if above {
                plan.kind = InputKind::MustGather;
            }
            plan
        }
    };
    plan.gzip = gzip;
    plan
}

fn read(kind: InputKind, hint: Hint) -> Plan {
    Plan {
        decision: Decision::Read(hint),
        kind,
        gzip: false,
        copy_of: None,
    }
}

fn skip(kind: InputKind, reason: &'static str) -> Plan {
    Plan {
        decision: Decision::Skip(reason),
        kind,
        gzip: false,
        copy_of: None,
    }
}

fn copy(list: String, name: &str) -> Plan {
    Plan {
        copy_of: Some((list, name.to_owned())),
        ..read(InputKind::MustGather, Hint::Document)
    }
}

fn is_document(file: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| file.ends_with(e))
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(s, _)| s)
}

/// A file inside a must-gather root; `p` is relative to the root, `root` the root's path.
fn must_gather(p: &[&str], root: &[&str]) -> Plan {
    use InputKind::MustGather as MG;
    let n = p.len();
    let file = p[n - 1];
    let join = |rel: &[&str]| {
        root.iter()
            .chain(rel)
            .copied()
            .collect::<Vec<_>>()
            .join("/")
    };
    if p.contains(&"secrets") || matches!(file, "secrets.yaml" | "secrets.json") {
        return skip(MG, SECRETS);
    }
    if n == 1 {
        return match file {
            "timestamp" => Plan {
                decision: Decision::CaptureTime(TimeFile::Timestamp),
                ..skip(MG, METADATA)
            },
            f if MUST_GATHER_METADATA.contains(&f) => skip(MG, METADATA),
            _ => skip(MG, "must-gather file not used for VM diagnosis"),
        };
    }
    match p {
        ["nodes", node, file] => node_file(MG, node, file),
        ["nodes", ..] => skip(MG, NODE_DETAILS),
        // Control-plane journals (`gather_service_logs`): several nodes per file, each line
        // naming its host.
        ["host_service_logs", _, file] if file.ends_with("_service.log") => {
            read(MG, node_log(None, LogKind::Journal))
        }
        // The Insights Operator's archives (`oc rsync` of /var/lib/insights-operator).
        ["insights-data", .., file] => match archive_kind(file) {
            Some(kind) => Plan {
                decision: Decision::Archive(kind, Nested::Insights),
                ..skip(MG, NESTED_ARCHIVE)
            },
            None => skip(MG, "Insights Operator data not used"),
        },
        ["namespaces", ns, rest @ ..] => namespaced(ns, rest, &join),
        ["cluster-scoped-resources", group, resource, name] if is_document(name) => {
            if RELEVANT_RESOURCES.contains(resource) {
                let list = join(&[
                    "cluster-scoped-resources",
                    group,
                    &format!("{resource}.yaml"),
                ]);
                copy(list, stem(name))
            } else if let Some((res, _)) = group.split_once('.')
                && RELEVANT_RESOURCES.contains(&res)
            {
                // crs of cluster-scoped CRDs: cluster-scoped-resources/<crd-name>/<name>.yaml
                read(MG, Hint::Document)
            } else {
                skip(MG, NOT_USED)
            }
        }
        ["cluster-scoped-resources", _group, list] if is_document(list) => {
            if RELEVANT_RESOURCES.contains(&stem(list)) {
                read(MG, Hint::Document)
            } else {
                skip(MG, NOT_USED)
            }
        }
        _ => skip(MG, "must-gather file not used for VM diagnosis"),
    }
}

/// A node's log, of this kind.
fn node_log(node: Option<&str>, kind: LogKind) -> Hint {
    Hint::Log(LogHint {
        node: node.map(str::to_owned),
        kind: Some(kind),
        ..LogHint::default()
    })
}

/// `nodes/<node>/<file>` of an OpenShift or KubeVirt must-gather (`gather_ppc`, `gather_nodes`,
/// `gather_vm_incident`): kernel logs and service journals are read as the node's logs;
/// hardware and network snapshots are not.
fn node_file(kind: InputKind, node: &str, file: &str) -> Plan {
    let journal = file
        .strip_prefix(node)
        .and_then(|f| f.strip_prefix("_logs_"));
    match (file, journal) {
        ("dmesg" | "kernel_bsod_indicators.log" | "kernel_red_flags.log", _) => {
            read(kind, node_log(Some(node), LogKind::Kernel))
        }
        // The whole journal (`--vm-incident`): its kernel lines are cut into per-pod excerpts
        // like any kernel log's; the rest stays the node's.
        (_, Some("journal")) => read(kind, node_log(Some(node), LogKind::Kernel)),
        // `oc adm node-logs -u <unit>`: kubelet, NetworkManager, crio.
        (_, Some(unit)) if !unit.is_empty() => read(kind, node_log(Some(node), LogKind::Journal)),
        ("audit.log", _) => read(kind, node_log(Some(node), LogKind::Journal)),
        ("sysinfo.tgz" | "sysinfo.log", _) => skip(kind, HARDWARE),
        _ => skip(kind, NODE_DETAILS),
    }
}

/// A file inside a Harvester support bundle root (support-bundle-kit layout).
fn bundle(p: &[&str]) -> Plan {
    use InputKind::SupportBundle as SB;
    let file = p[p.len() - 1];
    if p.contains(&"secrets") || matches!(file, "secrets.yaml" | "secrets.json") {
        return skip(SB, SECRETS);
    }
    match p {
        ["metadata.yaml"] => Plan {
            decision: Decision::CaptureTime(TimeFile::BundleMetadata),
            ..skip(SB, BUNDLE_METADATA)
        },
        ["bundleGenerationError.log"] => skip(SB, BUNDLE_METADATA),
        // `yamls/namespaced/<ns>/<v1 | group/version>/<resource>.yaml`: one List per resource.
        ["yamls", "namespaced", _, gv @ .., list] | ["yamls", "cluster", gv @ .., list]
            if is_document(list) && matches!(gv.len(), 1 | 2) =>
        {
            match gv {
                ["metrics.k8s.io", _] => skip(SB, "resource metrics (not the objects) not used"),
                ["events.k8s.io", _] => skip(SB, EVENTS_COPY),
                _ if RELEVANT_RESOURCES.contains(&stem(list)) => read(SB, Hint::Document),
                _ => skip(SB, NOT_USED),
            }
        }
        // `logs/<ns>/<pod>/<container>.log` (`.log.1`: the previous instance), kubelet
        // timestamps.
        ["logs", ns, pod, file] => match (file.strip_suffix(".log"), file.strip_suffix(".log.1")) {
            (Some(c), _) => read(SB, container_log(ns, pod, c, false)),
            (_, Some(c)) => read(SB, container_log(ns, pod, c, true)),
            _ => skip(SB, "support bundle file not used for VM diagnosis"),
        },
        ["nodes", file] if archive_kind(file) == Some(ArchiveKind::Zip) => Plan {
            decision: Decision::Archive(ArchiveKind::Zip, Nested::HarvesterNode),
            ..skip(SB, NESTED_ARCHIVE)
        },
        _ => skip(SB, "support bundle file not used for VM diagnosis"),
    }
}

const BUNDLE_METADATA: &str = "support bundle metadata";
const EVENTS_COPY: &str =
    "events.k8s.io copy of the core events (those are read from v1/events.yaml)";

/// A file of a Harvester node bundle `nodes/<node>.zip`, under its `<node>/` folder.
fn harvester_node(p: &[&str]) -> Plan {
    use InputKind::SupportBundle as SB;
    let [node, rest @ ..] = p else {
        return skip(SB, "not a file name");
    };
    match rest {
        // `journalctl -k` of the current and previous boots; Longhorn and k3OS bundles: `dmesg`.
        [
            "logs",
            "kernel.log" | "kernel.log.1" | "kernel.log.2" | "dmesg.log",
        ] => read(SB, node_log(Some(node), LogKind::Kernel)),
        ["logs", "containerd-images.log"] => skip(SB, "image list (ctr images ls) not used"),
        ["logs", file] if archive_kind(file).is_some() || file.ends_with(".txz") => {
            skip(SB, SUPPORTCONFIG)
        }
        // Service journals and log files: kubelet, containerd, rke2, the node console.
        ["logs", file]
            if file.contains(".log")
                || file.starts_with("syslog")
                || file.starts_with("messages") =>
        {
            read(SB, node_log(Some(node), LogKind::Journal))
        }
        ["scc", ..] => skip(SB, SUPPORTCONFIG),
        ["configs", ..] => skip(SB, "node configuration files not used"),
        _ => skip(SB, NODE_DETAILS),
    }
}

const SUPPORTCONFIG: &str = "SUSE supportconfig archive (an archive a third level deep): not read";

/// A file of an Insights Operator archive: single JSON objects, the operator's own event
/// shape, and log excerpts.
fn insights(p: &[&str]) -> Plan {
    use InputKind::Insights as IO;
    let file = p[p.len() - 1];
    if p.contains(&"secrets") || stem(file) == "secrets" {
        return skip(IO, SECRETS);
    }
    match p {
        // `config/pod/<ns>/logs/<pod>/<container>_{current,previous}.log`, plain tails.
        ["config", "pod", ns, "logs", pod, file] => {
            let tail = |s: &str| file.strip_suffix(s).filter(|c| !c.is_empty());
            match (tail("_current.log"), tail("_previous.log")) {
                (Some(c), _) => read(IO, container_log(ns, pod, c, false)),
                (_, Some(c)) => read(IO, container_log(ns, pod, c, true)),
                // `errors.log`: the pod's error lines, of any container.
                _ if file.ends_with(".log") => read(
                    IO,
                    Hint::Log(LogHint {
                        namespace: Some((*ns).to_owned()),
                        pod: Some((*pod).to_owned()),
                        ..LogHint::default()
                    }),
                ),
                _ => skip(IO, INSIGHTS_UNUSED),
            }
        }
        ["config", "pod", _ns, file] if is_document(file) => read(IO, Hint::Document),
        ["config", "node", "logs", file] if file.ends_with(".log") => {
            read(IO, node_log(Some(stem(file)), LogKind::Journal))
        }
        ["config", "node", file] if is_document(file) => read(IO, Hint::Document),
        ["config", "virtualmachineinstances", _ns, file] if is_document(file) => {
            read(IO, Hint::Document)
        }
        // `events/<ns>.json`; older archives: `events/<ns>/events.json`.
        ["events", file] | ["events", _, file] if file.ends_with(".json") => {
            read(IO, Hint::InsightsEvents)
        }
        // One virt-launcher line (the QEMU command line) per launcher pod.
        ["namespaces", ns, "pods", pod, "virt-launcher.json"] => {
            read(IO, container_log(ns, pod, "compute", false))
        }
        [
            "conditional",
            "namespaces",
            ns,
            "pods",
            pod,
            "containers",
            c,
            "logs",
            file,
        ] if file.ends_with(".log") => read(IO, container_log(ns, pod, c, false)),
        _ => skip(IO, INSIGHTS_UNUSED),
    }
}

const INSIGHTS_UNUSED: &str = "Insights record not used for VM diagnosis";

/// `namespaces/<ns>/<rest>`.
fn namespaced(ns: &str, rest: &[&str], join: &dyn Fn(&[&str]) -> String) -> Plan {
    use InputKind::MustGather as MG;
    let list =
        |group: &str, resource: &str| join(&["namespaces", ns, group, &format!("{resource}.yaml")]);
    match rest {
        // The Namespace object.
        [file] if stem(file) == ns => skip(MG, NOT_USED),
        // Container logs of a namespace inspect.
        ["pods", pod, c1, c2, "logs", file] if c1 == c2 => {
            let previous = match *file {
                "current.log" | "current.insecure.log" => false,
                "previous.log" | "previous.insecure.log" => true,
                _ => return skip(MG, "container file not used"),
            };
            read(MG, container_log(ns, pod, c1, previous))
        }
        // Rotated logs (`--rotated-pod-logs`): CRI format, older output of the container.
        ["pods", pod, c1, c2, "logs", "rotated", file] if c1 == c2 && is_rotated(file) => {
            read(MG, container_log(ns, pod, c1, false))
        }
        ["pods", pod, file] if stem(file) == *pod && is_document(file) => {
            copy(list("core", "pods"), pod)
        }
        ["pods", ..] => skip(MG, "container file not used"),
        // `--vm-incident`: plain `oc logs` copies `core/pods/<pod>/<container>-{current,previous}.log`.
        ["core", "pods", pod, file] if file.ends_with(".log") => {
            let tail = |s: &str| file.strip_suffix(s).filter(|c| !c.is_empty());
            match (tail("-current.log"), tail("-previous.log")) {
                (Some(c), _) => read(MG, container_log(ns, pod, c, false)),
                (_, Some(c)) => read(MG, container_log(ns, pod, c, true)),
                _ => skip(MG, "container file not used"),
            }
        }
        // `--vm-incident`: the guest's serial console log, keyed by the launcher pod.
        ["vms", _vm, file] if file.ends_with(".serial-console.log") => {
            let pod = file.trim_end_matches(".serial-console.log");
            read(MG, container_log(ns, pod, "guest-console-log", false))
        }
        // KubeVirt must-gather --vms_details: QEMU log and domain XML of each VM (with
        // `--vm-incident`, the copies of the three QEMU log folders: `<ns>_<vm>.log`,
        // `runlog_<ns>_<vm>.log`, `private_<ns>_<vm>.log`).
        ["vms", vm, file] => {
            let qemu = format!("{ns}_{vm}.log");
            let bare = file
                .strip_prefix("runlog_")
                .or_else(|| file.strip_prefix("private_"))
                .unwrap_or(file);
            if bare == qemu {
                read(
                    MG,
                    Hint::Log(LogHint {
                        namespace: Some(ns.to_owned()),
                        vm: Some((*vm).to_owned()),
                        kind: Some(LogKind::Qemu),
                        ..LogHint::default()
                    }),
                )
            } else if let Some(pod) = file.strip_suffix(".dumpxml.xml") {
                read(
                    MG,
                    Hint::Log(LogHint {
                        namespace: Some(ns.to_owned()),
                        pod: Some(pod.to_owned()),
                        vm: Some((*vm).to_owned()),
                        kind: Some(LogKind::DomainXml),
                        ..LogHint::default()
                    }),
                )
            } else {
                skip(
                    MG,
                    "VM host details (capabilities, network, block jobs) not used",
                )
            }
        }
        // KubeVirt must-gather VM copies (vmConvertor).
        [
            "kubevirt.io",
            "virtualmachines",
            "custom" | "template-based",
            file,
        ] if is_document(file) => copy(list("kubevirt.io", "virtualmachines"), stem(file)),
        // KubeVirt must-gather `crs/<resource>.<group>/<name>.yaml`.
        ["crs", crd, file] if is_document(file) => match crd.split_once('.') {
            Some((resource, group)) if RELEVANT_RESOURCES.contains(&resource) => {
                copy(list(group, resource), stem(file))
            }
            _ => skip(MG, NOT_USED),
        },
        // CDI pod logs of the KubeVirt must-gather: `<pod>/<pod>.log`, plain `oc logs`.
        [pod, file] if file.strip_suffix(".log") == Some(pod) => read(
            MG,
            Hint::Log(LogHint {
                namespace: Some(ns.to_owned()),
                pod: Some((*pod).to_owned()),
                ..LogHint::default()
            }),
        ),
        [_group, file] if is_document(file) => {
            if RELEVANT_RESOURCES.contains(&stem(file)) {
                read(MG, Hint::Document)
            } else {
                skip(MG, NOT_USED)
            }
        }
        [group, resource, file] if is_document(file) => {
            if RELEVANT_RESOURCES.contains(resource) {
                copy(list(group, resource), stem(file))
            } else {
                skip(MG, NOT_USED)
            }
        }
        // `oc describe` output (CNV must-gather): read for objects not captured otherwise; the
        // snapshot keeps a captured copy over it and drops events it repeats.
        [_, resource, file]
            if RELEVANT_RESOURCES.contains(resource) && file.ends_with("_describe.txt") =>
        {
            read(MG, Hint::Auto)
        }
        [_, resource, _] if RELEVANT_RESOURCES.contains(resource) => skip(MG, NOT_USED),
        _ => skip(MG, "must-gather file not used for VM diagnosis"),
    }
}

fn container_log(ns: &str, pod: &str, container: &str, previous: bool) -> Hint {
    Hint::Log(LogHint {
        namespace: Some(ns.to_owned()),
        pod: Some(pod.to_owned()),
        container: Some(container.to_owned()),
        previous,
        ..LogHint::default()
    })
}

/// `<n>.log.<timestamp>` (the `.gz` is already removed).
fn is_rotated(file: &str) -> bool {
    file.split_once(".log.").is_some_and(|(n, ts)| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !ts.is_empty()
    })
}

/// A file inside a `kubectl cluster-info dump` root.
fn cluster_info(p: &[&str]) -> Plan {
    use InputKind::ClusterInfoDump as CI;
    match p {
        [file] if matches!(stem(file), "nodes") => read(CI, Hint::Document),
        [_ns, file] if matches!(stem(file), "pods" | "events") => read(CI, Hint::Document),
        [ns, pod, "logs.txt"] => read(
            CI,
            Hint::ClusterInfoLogs {
                namespace: Some((*ns).to_owned()),
                pod: Some((*pod).to_owned()),
            },
        ),
        _ => skip(CI, NOT_USED),
    }
}

/// A file outside any root: by its name, then its content.
fn loose(parts: &[&str]) -> Plan {
    use InputKind::File as F;
    let file = parts[parts.len() - 1];
    if file.starts_with('.') {
        return skip(F, "hidden file");
    }
    if parts.contains(&"secrets") || matches!(stem(file), "secrets" | "secret") {
        return skip(F, SECRETS);
    }
    let s = file.split('.').next().unwrap_or(file);
    if IRRELEVANT_RESOURCES.contains(&s)
        || parts
            .iter()
            .rev()
            .skip(1)
            .any(|p| IRRELEVANT_RESOURCES.contains(p))
    {
        return skip(F, NOT_USED);
    }
    if file == "timestamp" {
        return Plan {
            decision: Decision::CaptureTime(TimeFile::Timestamp),
            ..skip(F, METADATA)
        };
    }
    if MUST_GATHER_METADATA.contains(&file) {
        return skip(F, METADATA);
    }
    if matches!(file, "dmesg" | "dmesg.txt" | "dmesg.log") {
        return read(
            F,
            Hint::Log(LogHint {
                kind: Some(LogKind::Kernel),
                ..LogHint::default()
            }),
        );
    }
    if let Some(kind) = archive_kind(file) {
        return Plan {
            decision: Decision::Archive(kind, Nested::Own),
            ..skip(F, NESTED_ARCHIVE)
        };
    }
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("yaml" | "yml") => read(F, Hint::Document),
        // JSON documents, or JSON lines (a virt-launcher log saved as `.json`): the content
        // decides.
        Some("json") => read(F, Hint::Auto),
        Some("log") => read(
            F,
            Hint::Log(LogHint {
                previous: s.ends_with("previous") || file.contains(".previous."),
                ..LogHint::default()
            }),
        ),
        Some(e) if NOT_INPUT_EXTENSIONS.contains(&e) => skip(F, "file type not read"),
        // Anything else (`.txt`, `.out`, no extension, ...): the content decides.
        _ => read(F, Hint::Auto),
    }
}

/// Extensions of files that are never captured data (notes, pages, pictures, scripts).
const NOT_INPUT_EXTENSIONS: &[&str] = &[
    "md", "html", "htm", "png", "jpg", "jpeg", "gif", "svg", "pdf", "css", "js", "py", "sh", "rs",
    "toml", "lock", "xml", "zst", "xz", "bz2", "7z", "rar", "doc", "docx", "xls", "xlsx",
];

/// Object names per list file, as read: used to decide which copies are needed.
pub type ListContents = HashMap<String, BTreeSet<String>>;

/// Whether a copy must be read: its list file was not read (missing or unreadable), or does not
/// hold the object.
pub fn copy_needed(copy_of: &(String, String), lists: &ListContents) -> bool {
    lists
        .get(&copy_of.0)
        .is_none_or(|names| !names.contains(&copy_of.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans(paths: &[&str]) -> Vec<Plan> {
        let split: Vec<Vec<String>> = paths
            .iter()
            .map(|p| p.split('/').map(str::to_owned).collect())
            .collect();
        plan(&split)
    }

    fn one(path: &str) -> Plan {
        plans(&[path, "mg/img/namespaces/x/x.yaml"]).remove(0)
    }

    fn hint(path: &str) -> Option<Hint> {
        match one(path).decision {
            Decision::Read(h) => Some(h),
            _ => None,
        }
    }

    #[test]
    fn must_gather_pod_logs_name_their_pod_and_container() {
        let h = hint(
            "mg/img/namespaces/prod/pods/virt-launcher-db-abcde/compute/compute/logs/previous.insecure.log",
        );
        assert_eq!(
            h,
            Some(Hint::Log(LogHint {
                namespace: Some("prod".into()),
                pod: Some("virt-launcher-db-abcde".into()),
                container: Some("compute".into()),
                previous: true,
                ..LogHint::default()
            }))
        );
        let p = one("mg/img/namespaces/prod/pods/p/c/c/logs/rotated/0.log.20211027-082023.gz");
        assert!(p.gzip);
        assert!(
            matches!(p.decision, Decision::Read(Hint::Log(LogHint { container: Some(c), .. })) if c == "c")
        );
    }

    #[test]
    fn copies_point_at_their_list_file() {
        let p = one("mg/img/namespaces/prod/crs/virtualmachineinstances.kubevirt.io/db.yaml");
        assert_eq!(
            p.copy_of,
            Some((
                "mg/img/namespaces/prod/kubevirt.io/virtualmachineinstances.yaml".into(),
                "db".into()
            ))
        );
        let p = one("mg/img/namespaces/prod/kubevirt.io/virtualmachines/template-based/db.yaml");
        assert_eq!(
            p.copy_of.map(|c| c.0).as_deref(),
            Some("mg/img/namespaces/prod/kubevirt.io/virtualmachines.yaml")
        );
        let p =
            one("mg/img/namespaces/prod/pods/virt-launcher-db-abcde/virt-launcher-db-abcde.yaml");
        assert_eq!(
            p.copy_of.map(|c| c.0).as_deref(),
            Some("mg/img/namespaces/prod/core/pods.yaml")
        );
        let p = one("mg/img/cluster-scoped-resources/core/nodes/n1.yaml");
        assert_eq!(p.copy_of.map(|c| c.1).as_deref(), Some("n1"));
    }

    #[test]
    fn vms_details_and_node_logs() {
        assert!(matches!(hint("mg/img/namespaces/prod/vms/db/prod_db.log"),
            Some(Hint::Log(LogHint { vm: Some(v), kind: Some(LogKind::Qemu), .. })) if v == "db"));
        assert!(matches!(
            hint("mg/img/namespaces/prod/vms/db/virt-launcher-db-abcde.dumpxml.xml"),
            Some(Hint::Log(LogHint {
                kind: Some(LogKind::DomainXml),
                pod: Some(_),
                ..
            }))
        ));
        assert_eq!(
            hint("mg/img/namespaces/prod/vms/db/virt-launcher-db-abcde.ip.txt"),
            None
        );
        assert!(matches!(hint("mg/img/nodes/worker-0/dmesg"),
            Some(Hint::Log(LogHint { node: Some(n), kind: Some(LogKind::Kernel), .. })) if n == "worker-0"));
        assert_eq!(hint("mg/img/nodes/worker-0/lspci"), None);
    }

    #[test]
    fn vm_incident_copies() {
        let h =
            hint("mg/img/namespaces/prod/core/pods/virt-launcher-db-abcde/compute-previous.log");
        assert!(
            matches!(&h, Some(Hint::Log(LogHint { container: Some(c), previous: true, .. })) if c == "compute"),
            "{h:?}"
        );
        let h = hint("mg/img/namespaces/prod/vms/db/virt-launcher-db-abcde.serial-console.log");
        assert!(
            matches!(&h, Some(Hint::Log(LogHint { container: Some(c), pod: Some(p), .. }))
                if c == "guest-console-log" && p == "virt-launcher-db-abcde"),
            "{h:?}"
        );
        for f in ["prod_db.log", "runlog_prod_db.log", "private_prod_db.log"] {
            let h = hint(&format!("mg/img/namespaces/prod/vms/db/{f}"));
            assert!(
                matches!(
                    &h,
                    Some(Hint::Log(LogHint {
                        kind: Some(LogKind::Qemu),
                        ..
                    }))
                ),
                "{f}: {h:?}"
            );
        }
        assert_eq!(
            hint("mg/img/namespaces/prod/vms/db/virt-launcher-db-abcde.domstats"),
            None
        );
    }

    #[test]
    fn irrelevant_and_secret_files_are_skipped() {
        for p in [
            "mg/img/namespaces/a/core/secrets.yaml",
            "mg/img/namespaces/a/core/secrets/s.yaml",
            "mg/img/namespaces/a/core/configmaps.yaml",
            "mg/img/namespaces/a/apps/deployments/x.yaml",
            "mg/img/namespaces/a/a.yaml",
            "mg/img/version",
            "mg/img/webhooks/validating/x/validatingwebhookconfiguration.yaml",
        ] {
            assert_eq!(hint(p), None, "{p}");
        }
        assert_eq!(
            hint("mg/img/namespaces/a/core/persistentvolumeclaims/x_describe.txt"),
            Some(Hint::Auto),
            "describe output is read for objects not captured otherwise"
        );
        assert_eq!(
            one("mg/img/timestamp").decision,
            Decision::CaptureTime(TimeFile::Timestamp)
        );
        assert_eq!(
            one("mg/timestamp").decision,
            Decision::CaptureTime(TimeFile::Timestamp)
        );
        assert_eq!(one("mg/timestamp").kind, InputKind::MustGather);
        assert_eq!(
            one("mg/event-filter.html").decision,
            Decision::Skip(METADATA)
        );
    }

    fn log_of(plan: &Plan) -> Option<&LogHint> {
        match &plan.decision {
            Decision::Read(Hint::Log(h)) => Some(h),
            _ => None,
        }
    }

    #[test]
    fn must_gather_node_folders_keep_the_journals_and_skip_the_snapshots() {
        let journal = |p: &str| log_of(&one(p)).map(|h| (h.node.clone(), h.kind));
        let node = Some("worker-0".to_owned());
        assert_eq!(
            journal("mg/img/nodes/worker-0/worker-0_logs_kubelet.gz"),
            Some((node.clone(), Some(LogKind::Journal)))
        );
        assert!(one("mg/img/nodes/worker-0/worker-0_logs_kubelet.gz").gzip);
        assert_eq!(
            journal("mg/img/nodes/worker-0/worker-0_logs_NetworkManager"),
            Some((node.clone(), Some(LogKind::Journal)))
        );
        assert_eq!(
            journal("mg/img/nodes/worker-0/worker-0_logs_journal"),
            Some((node.clone(), Some(LogKind::Kernel)))
        );
        assert_eq!(
            journal("mg/img/nodes/worker-0/kernel_red_flags.log"),
            Some((node, Some(LogKind::Kernel)))
        );
        assert_eq!(
            one("mg/img/nodes/worker-0/sysinfo.tgz").decision,
            Decision::Skip(HARDWARE)
        );
        for p in [
            "lspci",
            "lscpu",
            "proc_cmdline",
            "irq_affinities.json",
            "bridge",
        ] {
            let plan = one(&format!("mg/img/nodes/worker-0/{p}"));
            assert_eq!(plan.decision, Decision::Skip(NODE_DETAILS), "{p}");
        }
        let p = one("mg/img/host_service_logs/masters/kubelet_service.log");
        assert_eq!(
            log_of(&p).map(|h| (h.node.clone(), h.kind)),
            Some((None, Some(LogKind::Journal)))
        );
        assert_eq!(
            one("mg/img/insights-data/insights-2024-05-14-101203.tar.gz").decision,
            Decision::Archive(ArchiveKind::TarGz, Nested::Insights)
        );
    }

    #[test]
    fn harvester_bundles() {
        let root = "supportbundle_8a0f_2024-01-02T03-04-05Z";
        let paths: Vec<String> = [
            "metadata.yaml",
            "bundleGenerationError.log",
            "yamls/namespaced/prod/kubevirt.io/v1/virtualmachineinstances.yaml",
            "yamls/namespaced/prod/v1/pods.yaml",
            "yamls/namespaced/prod/v1/configmaps.yaml",
            "yamls/namespaced/prod/metrics.k8s.io/v1beta1/pods.yaml",
            "yamls/namespaced/prod/events.k8s.io/v1/events.yaml",
            "yamls/namespaced/fleet-local/v1/secrets.yaml",
            "yamls/cluster/v1/nodes.yaml",
            "logs/prod/virt-launcher-db-abcde/compute.log",
            "logs/prod/virt-launcher-db-abcde/compute.log.1",
            "nodes/harvester-1.zip",
        ]
        .iter()
        .map(|p| format!("{root}/{p}"))
        .collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let p = plans(&refs);
        assert!(p.iter().all(|p| p.kind == InputKind::SupportBundle));
        assert_eq!(
            p[0].decision,
            Decision::CaptureTime(TimeFile::BundleMetadata)
        );
        assert!(matches!(p[1].decision, Decision::Skip(_)));
        assert_eq!(p[2].decision, Decision::Read(Hint::Document));
        assert_eq!(p[3].decision, Decision::Read(Hint::Document));
        for i in [4, 5, 6] {
            assert!(matches!(p[i].decision, Decision::Skip(_)), "{}", paths[i]);
        }
        assert_eq!(p[7].decision, Decision::Skip(SECRETS));
        assert_eq!(p[8].decision, Decision::Read(Hint::Document));
        let h = log_of(&p[10]).expect("a log");
        assert_eq!(
            (h.container.as_deref(), h.previous),
            (Some("compute"), true)
        );
        assert_eq!(
            p[11].decision,
            Decision::Archive(ArchiveKind::Zip, Nested::HarvesterNode)
        );
        let node: Vec<Vec<String>> = [
            "harvester-1/logs/kernel.log",
            "harvester-1/logs/kubelet.log",
            "harvester-1/logs/containerd-images.log",
            "harvester-1/configs/etc/hostname",
            "harvester-1/configs/etc/os-release",
            "harvester-1/scc/scc_supportconfig_harvester-1-a1b2c3.txz",
        ]
        .iter()
        .map(|p| p.split('/').map(str::to_owned).collect())
        .collect();
        let n = plan_nested(Nested::HarvesterNode, &node);
        assert_eq!(log_of(&n[0]).and_then(|h| h.kind), Some(LogKind::Kernel));
        assert_eq!(
            log_of(&n[1]).map(|h| (h.node.as_deref(), h.kind)),
            Some((Some("harvester-1"), Some(LogKind::Journal)))
        );
        assert!(
            n[2..]
                .iter()
                .all(|p| matches!(p.decision, Decision::Skip(_)))
        );
    }

    #[test]
    fn insights_archives() {
        let p = plans(&[
            "config/version.json",
            "config/pod/openshift-cnv/virt-handler-x.json",
            "config/pod/openshift-cnv/logs/virt-handler-x/virt-handler_previous.log",
            "config/node/worker-0.json",
            "config/node/logs/master-0.log",
            "events/prod.json",
            "namespaces/prod/pods/virt-launcher-db-abcde/virt-launcher.json",
            "config/virtualmachineinstances/prod/db.json",
            "insights-operator/gathers.json",
        ]);
        assert!(p.iter().all(|p| p.kind == InputKind::Insights));
        assert!(matches!(p[0].decision, Decision::Skip(_)));
        assert_eq!(p[1].decision, Decision::Read(Hint::Document));
        let h = log_of(&p[2]).expect("a log");
        assert_eq!(
            (h.container.as_deref(), h.previous),
            (Some("virt-handler"), true)
        );
        assert_eq!(p[3].decision, Decision::Read(Hint::Document));
        assert_eq!(
            log_of(&p[4]).and_then(|h| h.node.as_deref()),
            Some("master-0")
        );
        assert_eq!(p[5].decision, Decision::Read(Hint::InsightsEvents));
        let h = log_of(&p[6]).expect("a log");
        assert_eq!(
            (h.pod.as_deref(), h.container.as_deref()),
            (Some("virt-launcher-db-abcde"), Some("compute"))
        );
        assert_eq!(p[7].decision, Decision::Read(Hint::Document));
        assert!(matches!(p[8].decision, Decision::Skip(_)));
        assert_eq!(
            insights_archive_time("a/insights-2024-05-14-101203.tar.gz").map(|t| t.to_string()),
            Some("2024-05-14T10:12:03Z".to_owned())
        );
        assert_eq!(insights_archive_time("insights.tar.gz"), None);
    }

    #[test]
    fn archives_and_magic_bytes() {
        for (name, kind) in [
            ("mg.tar.xz", ArchiveKind::TarXz),
            ("mg.TXZ", ArchiveKind::TarXz),
            ("mg.tar.zst", ArchiveKind::TarZst),
            ("mg.tar.bz2", ArchiveKind::TarBz2),
            ("mg.tgz", ArchiveKind::TarGz),
        ] {
            assert_eq!(archive_kind(name), Some(kind), "{name}");
        }
        assert_eq!(magic(&[0x1f, 0x8b, 8]), Some(Magic::Gzip));
        assert_eq!(magic(b"\xfd7zXZ\x00rest"), Some(Magic::Xz));
        assert_eq!(magic(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Some(Magic::Zstd));
        assert_eq!(magic(b"BZh91AY"), Some(Magic::Bzip2));
        assert_eq!(magic(b"PK\x03\x04"), Some(Magic::Zip));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(magic(&tar), Some(Magic::Tar));
        assert_eq!(magic(b"kind: Pod\n"), None);
        assert_eq!(magic(b"BZh"), None);
    }

    #[test]
    fn cluster_info_dumps() {
        let p = plans(&[
            "dump/nodes.json",
            "dump/prod/pods.json",
            "dump/prod/services.json",
            "dump/prod/virt-launcher-db-abcde/logs.txt",
        ]);
        assert!(p.iter().all(|p| p.kind == InputKind::ClusterInfoDump));
        assert_eq!(p[1].decision, Decision::Read(Hint::Document));
        assert!(matches!(p[2].decision, Decision::Skip(_)));
        assert!(
            matches!(&p[3].decision, Decision::Read(Hint::ClusterInfoLogs { pod: Some(x), .. }) if x == "virt-launcher-db-abcde")
        );
    }

    #[test]
    fn loose_files() {
        let f = |p: &str| plan_file(p).decision;
        assert_eq!(f("vm.yaml"), Decision::Read(Hint::Document));
        assert_eq!(f("compute.json"), Decision::Read(Hint::Auto));
        assert_eq!(
            f("must-gather.tar.xz"),
            Decision::Archive(ArchiveKind::TarXz, Nested::Own)
        );
        assert_eq!(f("notes.txt"), Decision::Read(Hint::Auto));
        assert!(matches!(
            f("compute.previous.log"),
            Decision::Read(Hint::Log(LogHint { previous: true, .. }))
        ));
        assert!(matches!(
            f("dmesg"),
            Decision::Read(Hint::Log(LogHint {
                kind: Some(LogKind::Kernel),
                ..
            }))
        ));
        assert!(matches!(f(".DS_Store"), Decision::Skip(_)));
        assert!(matches!(f("image.png"), Decision::Skip(_)));
        // Markdown named on its own is read; in a tree it is a note.
        assert_eq!(f("issue-1234.md"), Decision::Read(Hint::Auto));
        assert_eq!(f("NOTES.markdown"), Decision::Read(Hint::Auto));
        assert!(matches!(
            plan(&[vec!["case".into(), "README.md".into()]])[0].decision,
            Decision::Skip(_)
        ));
        assert_eq!(f("serial-capture.out"), Decision::Read(Hint::Auto));
        assert!(plan_file("console.log.gz").gzip);
    }
}
