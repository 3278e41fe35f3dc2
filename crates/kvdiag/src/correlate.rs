//! Stage 3, correlate: group the snapshot into subjects, one per VM identity, with everything
//! that explains it.
//!
//! A VM identity is formed from whatever evidence names it, in its capture: the VM, its VMI
//! (same name), a launcher pod (labels, annotation, created-by uid, owner references, the name
//! `virt-launcher-<vm>-<suffix>`), an event's `involvedObject`, a log's identity or the fields
//! of its lines, QEMU's `-name guest=NS_VM`. Identity resolution is its own step: every piece
//! of evidence contributes the *aliases* it is known by and the links it asserts between them;
//! a union-find over the aliases turns links into entities, one subject each, named by its
//! strongest alias. Weak links (pod naming conventions) are resolved after all strong ones,
//! against the VM names the strong ones established, so the result never depends on the order
//! of inputs.
//!
//! Evidence that names no VM has a subject of its own, listed only when a rule finds something
//! about it: a DataVolume or PVC no VM uses ([`Role::Storage`]), a node's own evidence (kernel
//! lines naming no pod, virt-handler's device plugins; [`Role::Node`]), and a file that names
//! nothing and cannot be placed ([`Role::Unattributed`]).

use std::collections::{BTreeMap, BTreeSet};

use std::borrow::Cow;

use crate::HashMap;

use serde::{Deserialize, Serialize};

use crate::object::{Object, ObjectRef};
use crate::parse::{HANDLER, LogKind};
use crate::snapshot::{CaptureId, LogId, ObjectId, Snapshot};
use crate::tree::Node;

/// The kinds the correlator relates; objects of other kinds are not kept.
pub const KINDS: &[&str] = &[VM, VMI, POD, EVENT, DV, PVC, NODE, VMIM];

const VM: &str = "VirtualMachine";
const VMI: &str = "VirtualMachineInstance";
const POD: &str = "Pod";
const EVENT: &str = "Event";
const DV: &str = "DataVolume";
const PVC: &str = "PersistentVolumeClaim";
const NODE: &str = "Node";
const VMIM: &str = "VirtualMachineInstanceMigration";

/// The kind given to a subject made of a file that names nothing kvdiag could place.
pub const UNATTRIBUTED_KIND: &str = "Unattributed";

/// One aspect of a subject that a rule condition can look at.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Facet {
    /// The VirtualMachine.
    Vm,
    /// The VirtualMachineInstance(s).
    Vmi,
    /// virt-launcher pods.
    LauncherPod,
    /// Every pod of the subject: launcher and CDI importer pods.
    Pod,
    /// Events about any object of the subject.
    Event,
    /// DataVolumes the VM uses.
    Dv,
    /// PersistentVolumeClaims the VM uses.
    Pvc,
    /// Nodes the VMI or its pods run on (for a pod not placed yet: the nodes its selector admits).
    Node,
    /// VirtualMachineInstanceMigrations of the VMI.
    Migration,
    /// Log streams of the subject's pods, and loose logs attached to it.
    Log,
}

impl Facet {
    /// Every facet, in declaration order.
    pub const ALL: [Facet; 10] = [
        Facet::Vm,
        Facet::Vmi,
        Facet::LauncherPod,
        Facet::Pod,
        Facet::Event,
        Facet::Dv,
        Facet::Pvc,
        Facet::Node,
        Facet::Migration,
        Facet::Log,
    ];

    /// The name rules use.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Vm => "vm",
            Facet::Vmi => "vmi",
            Facet::LauncherPod => "launcher-pod",
            Facet::Pod => "pod",
            Facet::Event => "event",
            Facet::Dv => "dv",
            Facet::Pvc => "pvc",
            Facet::Node => "node",
            Facet::Migration => "migration",
            Facet::Log => "log",
        }
    }

    /// The facet rules call `name`.
    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a subject stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A VM identity (from its VM, VMI, launcher pod, or evidence naming one of them).
    Machine,
    /// A DataVolume or PVC that no captured VM uses.
    Storage,
    /// A node's own evidence.
    Node,
    /// A file that names nothing kvdiag could place.
    Unattributed,
}

/// One VM identity (or storage, node or unplaced evidence) and everything captured about it.
#[derive(Clone, Debug)]
pub struct Subject {
    /// What the subject is called in reports.
    pub id: ObjectRef,
    /// What it stands for.
    pub role: Role,
    /// The capture it belongs to.
    pub capture: CaptureId,
    /// The VM's name, when known from any evidence (the VMI has the same name).
    pub vm_name: Option<String>,
    /// The VirtualMachine.
    pub vm: Vec<ObjectId>,
    /// Its VirtualMachineInstance.
    pub vmi: Vec<ObjectId>,
    /// virt-launcher pods, current and earlier.
    pub launcher_pods: Vec<ObjectId>,
    /// Every pod: launcher pods and CDI importer pods.
    pub pods: Vec<ObjectId>,
    /// Events about any of its objects.
    pub events: Vec<ObjectId>,
    /// DataVolumes.
    pub dvs: Vec<ObjectId>,
    /// PersistentVolumeClaims.
    pub pvcs: Vec<ObjectId>,
    /// Nodes: where the VMI and its pods run, or, for a pod not placed yet, the nodes its
    /// node selector admits.
    pub nodes: Vec<ObjectId>,
    /// VirtualMachineInstanceMigrations of its VMI.
    pub migrations: Vec<ObjectId>,
    /// Log streams.
    pub logs: Vec<LogId>,
    /// Names of the DataVolumes and PVCs the VM or VMI refers to (captured or not).
    pub volume_refs: Vec<String>,
    /// Names of the pods its evidence names (launcher pods, captured or not).
    pub pod_names: Vec<String>,
    /// The nodes its evidence names (captured or not).
    pub node_names: Vec<String>,
}

impl Subject {
    fn new(id: ObjectRef, role: Role, capture: CaptureId) -> Subject {
        Subject {
            id,
            role,
            capture,
            vm_name: None,
            vm: Vec::new(),
            vmi: Vec::new(),
            launcher_pods: Vec::new(),
            pods: Vec::new(),
            events: Vec::new(),
            dvs: Vec::new(),
            pvcs: Vec::new(),
            nodes: Vec::new(),
            migrations: Vec::new(),
            logs: Vec::new(),
            volume_refs: Vec::new(),
            pod_names: Vec::new(),
            node_names: Vec::new(),
        }
    }

    /// The objects of one facet (empty for [`Facet::Log`]: see [`Subject::logs`]).
    pub fn objects(&self, facet: Facet) -> &[ObjectId] {
        match facet {
            Facet::Vm => &self.vm,
            Facet::Vmi => &self.vmi,
            Facet::LauncherPod => &self.launcher_pods,
            Facet::Pod => &self.pods,
            Facet::Event => &self.events,
            Facet::Dv => &self.dvs,
            Facet::Pvc => &self.pvcs,
            Facet::Node => &self.nodes,
            Facet::Migration => &self.migrations,
            Facet::Log => &[],
        }
    }

    /// Whether the facet has anything captured.
    pub fn has(&self, facet: Facet) -> bool {
        match facet {
            Facet::Log => !self.logs.is_empty(),
            f => !self.objects(f).is_empty(),
        }
    }

    /// Whether the subject is listed in a report even without a finding: VM identities are;
    /// storage, node and unplaced evidence only with one.
    pub fn listed_always(&self) -> bool {
        self.role == Role::Machine
    }

    /// A one-word state for people: the VM's `printableStatus`, else the VMI's or pod's phase.
    pub fn status(&self, snapshot: &Snapshot) -> Option<String> {
        let first = |ids: &[ObjectId], keys: &[&str]| {
            ids.iter()
                .find_map(|&id| snapshot.object(id).str_at(keys).map(str::to_owned))
        };
        first(&self.vm, &["status", "printableStatus"])
            .or_else(|| first(&self.vmi, &["status", "phase"]))
            .or_else(|| first(&self.launcher_pods, &["status", "phase"]))
            .or_else(|| first(&self.dvs, &["status", "phase"]))
            .or_else(|| first(&self.pvcs, &["status", "phase"]))
    }
}

/// Groups a snapshot into subjects, sorted by capture, namespace, name and kind. With several
/// captures, each subject's id names its capture.
pub fn correlate(snapshot: &Snapshot) -> Vec<Subject> {
    let mut c = Correlator::new(snapshot);
    c.strong_links();
    c.weak_links();
    c.machines();
    c.volumes();
    c.nodes();
    c.events();
    c.logs();
    let mut subjects = c.subjects;
    let several = snapshot.read_captures().nth(1).is_some();
    if several {
        for s in &mut subjects {
            s.id.capture = Some(snapshot.captures()[s.capture].name.to_string());
        }
    }
    subjects.sort_by(|a, b| {
        (a.capture, &a.id.namespace, &a.id.name, &a.id.kind).cmp(&(
            b.capture,
            &b.id.namespace,
            &b.id.name,
            &b.id.kind,
        ))
    });
    subjects
}

/// A name something is known by, in its capture. Names read from objects and logs are
/// borrowed from the snapshot (tens of thousands of aliases are held, each twice); names made
/// up from text (a log line's fields, a launcher pod's name cut short) are owned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Alias<'a> {
    /// A VM or its VMI: `namespace/name`.
    Vm(CaptureId, Option<Cow<'a, str>>, Cow<'a, str>),
    /// A virt-launcher pod.
    Pod(CaptureId, Option<Cow<'a, str>>, Cow<'a, str>),
    /// An object's uid.
    Uid(CaptureId, Cow<'a, str>),
}

impl<'a> Alias<'a> {
    fn vm<N: Into<Cow<'a, str>>>(
        cap: CaptureId,
        ns: Option<N>,
        name: impl Into<Cow<'a, str>>,
    ) -> Self {
        Alias::Vm(cap, ns.map(Into::into), name.into())
    }

    fn pod<N: Into<Cow<'a, str>>>(
        cap: CaptureId,
        ns: Option<N>,
        name: impl Into<Cow<'a, str>>,
    ) -> Self {
        Alias::Pod(cap, ns.map(Into::into), name.into())
    }

    fn uid(cap: CaptureId, uid: impl Into<Cow<'a, str>>) -> Self {
        Alias::Uid(cap, uid.into())
    }
}

/// A union-find over aliases (path halving, union by index: small and order-independent once
/// the representative is chosen by a fixed ranking, as [`Correlator::machines`] does).
#[derive(Default)]
struct Aliases<'a> {
    index: HashMap<Alias<'a>, usize>,
    keys: Vec<Alias<'a>>,
    parent: Vec<usize>,
}

impl<'a> Aliases<'a> {
    fn id(&mut self, a: Alias<'a>) -> usize {
        if let Some(&i) = self.index.get(&a) {
            return i;
        }
        let i = self.keys.len();
        self.index.insert(a.clone(), i);
        self.keys.push(a);
        self.parent.push(i);
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi] = lo;
        }
    }

    fn get(&self, a: &Alias<'_>) -> Option<usize> {
        self.index.get(a).copied()
    }
}

/// A volume (DataVolume or PVC) by capture, namespace and name, borrowed from the snapshot.
type VolumeKey<'a> = (CaptureId, Option<&'a str>, &'a str);

struct Correlator<'a> {
    s: &'a Snapshot,
    aliases: Aliases<'a>,
    subjects: Vec<Subject>,
    /// Union-find root → machine subject.
    machine_of_root: HashMap<usize, usize>,
    /// Volume → machine subjects that use it.
    users: BTreeMap<VolumeKey<'a>, Vec<usize>>,
    /// Volume → its storage subject, for volumes no machine uses.
    storage: BTreeMap<VolumeKey<'a>, usize>,
    /// Importer pod (capture, namespace, name) → volume.
    importers: HashMap<VolumeKey<'a>, VolumeKey<'a>>,
    /// Node (capture, name) → its node subject.
    node_subjects: BTreeMap<(CaptureId, String), usize>,
    /// Alias → the folders of the evidence that named it (borrowed from the snapshot's
    /// sources; an alias is named from one folder or a few).
    folders: HashMap<usize, Vec<&'a str>>,
}

/// Whether a pod is a virt-launcher pod, by label or by name.
fn is_launcher(o: &Object) -> bool {
    o.label("kubevirt.io") == Some("virt-launcher")
        || o.name
            .as_deref()
            .is_some_and(|n| n.starts_with(LAUNCHER_PREFIX))
}

const LAUNCHER_PREFIX: &str = "virt-launcher-";
const IMPORTER_PREFIX: &str = "importer-";

impl<'a> Correlator<'a> {
    fn new(s: &'a Snapshot) -> Self {
        Correlator {
            s,
            aliases: Aliases::default(),
            subjects: Vec::new(),
            machine_of_root: HashMap::default(),
            users: BTreeMap::new(),
            storage: BTreeMap::new(),
            importers: HashMap::default(),
            node_subjects: BTreeMap::new(),
            folders: HashMap::default(),
        }
    }

    /// Notes that evidence read from `source` named alias `a`.
    fn seen(&mut self, a: usize, source: &'a str) {
        let folder = folder_of(source);
        let folders = self.folders.entry(a).or_default();
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }

    fn obj(&self, id: ObjectId) -> &'a Object {
        self.s.object(id)
    }

    fn cap(&self, id: ObjectId) -> CaptureId {
        self.s.object_capture(id)
    }

    fn vm_alias<N: Into<Cow<'a, str>>>(
        &mut self,
        cap: CaptureId,
        ns: Option<N>,
        name: impl Into<Cow<'a, str>>,
    ) -> usize {
        self.aliases.id(Alias::vm(cap, ns, name))
    }

    /// Links every alias that the objects, events and logs assert (all but naming conventions).
    fn strong_links(&mut self) {
        for &id in self.s.of_kind(VM).iter().chain(self.s.of_kind(VMI)) {
            let o = self.obj(id);
            let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                continue;
            };
            let a = self.vm_alias(cap, o.namespace.as_deref(), name);
            self.seen(a, &o.origin.source);
            if let Some(uid) = o.uid.as_deref() {
                let u = self.aliases.id(Alias::uid(cap, uid));
                self.aliases.union(a, u);
            }
            for (owner_kind, uid) in o.owners() {
                if owner_kind == VM {
                    let u = self.aliases.id(Alias::uid(cap, uid));
                    self.aliases.union(a, u);
                }
            }
        }
        for &id in self.s.of_kind(POD) {
            let o = self.obj(id);
            let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                continue;
            };
            if !is_launcher(o) {
                continue;
            }
            let p = self
                .aliases
                .id(Alias::pod(cap, o.namespace.as_deref(), name));
            self.seen(p, &o.origin.source);
            if let Some(uid) = o.uid.as_deref() {
                let u = self.aliases.id(Alias::uid(cap, uid));
                self.aliases.union(p, u);
            }
            // `kubectl describe` gives the owner by kind and name only (`Controlled By:`).
            let owner_name = o
                .root()
                .at(&["metadata", "ownerReferences"])
                .into_iter()
                .flat_map(Node::items)
                .find(|r| r.str_at(&["kind"]) == Some(VMI))
                .and_then(|r| r.str_at(&["name"]));
            if let Some(vm) = o
                .annotation("kubevirt.io/domain")
                .or_else(|| o.label("vm.kubevirt.io/name"))
                .or(owner_name)
            {
                let a = self.vm_alias(cap, o.namespace.as_deref(), vm);
                self.seen(a, &o.origin.source);
                self.aliases.union(p, a);
            }
            let uids = o
                .label("kubevirt.io/created-by")
                .into_iter()
                .chain(o.owners().filter(|(k, _)| *k == VMI).map(|(_, uid)| uid));
            for uid in uids {
                let u = self.aliases.id(Alias::uid(cap, uid));
                self.aliases.union(p, u);
            }
        }
        // A migration names its VMI (`spec.vmiName`): captured alone, it still stands for it.
        for &id in self.s.of_kind(VMIM) {
            let o = self.obj(id);
            let cap = self.cap(id);
            let Some(vmi) = o.root().str_at(&["spec", "vmiName"]) else {
                continue;
            };
            let a = self.vm_alias(cap, o.namespace.as_deref(), vmi);
            self.seen(a, &o.origin.source);
            if let Some(uid) = o.uid.as_deref() {
                let u = self.aliases.id(Alias::uid(cap, uid));
                self.aliases.union(a, u);
            }
        }
        for &id in self.s.of_kind(EVENT) {
            let cap = self.cap(id);
            let Some((kind, ns, name, uid)) = self.involved(id) else {
                // An event naming no object (a pasted Events table): the launcher pod its
                // message names, if any.
                if let Some((ns, pod)) = self.pod_named_by(id) {
                    let p = self.aliases.id(Alias::pod(cap, ns, pod));
                    self.seen(p, &self.obj(id).origin.source);
                }
                continue;
            };
            let a = match kind {
                VM | VMI => self.vm_alias(cap, ns, name),
                POD if name.starts_with(LAUNCHER_PREFIX) => {
                    self.aliases.id(Alias::pod(cap, ns, name))
                }
                _ => continue,
            };
            self.seen(a, &self.obj(id).origin.source);
            if let Some(uid) = uid {
                let u = self.aliases.id(Alias::uid(cap, uid));
                self.aliases.union(a, u);
            }
        }
        for log_id in 0..self.s.logs().len() {
            let cap = self.s.log_capture(log_id);
            let snapshot: &'a Snapshot = self.s;
            let src = &snapshot.log(log_id).source;
            let ns = src.namespace.as_deref();
            let pod = src
                .pod
                .as_deref()
                .filter(|p| p.starts_with(LAUNCHER_PREFIX))
                .map(|p| self.aliases.id(Alias::pod(cap, ns, p)));
            let origin: &'a str = &src.origin;
            if let Some(p) = pod {
                self.seen(p, origin);
            }
            if let Some(vm) = src.vm.as_deref() {
                let a = self.vm_alias(cap, ns, vm);
                self.seen(a, origin);
                if let Some(p) = pod {
                    self.aliases.union(a, p);
                }
            }
            if src.pod.is_none()
                && src.vm.is_none()
                && src.node.is_none()
                && let Some((ns, name)) = self.line_identity(log_id)
            {
                let a = self.vm_alias(cap, ns, name);
                self.seen(a, origin);
            }
        }
    }

    /// A loose log's VM, named by the fields of its structured lines (`namespace` and `name`
    /// of a VM or VMI, nested `object`/`vmi` objects, or a `uid` of a captured object), by
    /// QEMU's `-name guest=NAMESPACE_VM`, else by the one VM its lines call
    /// `VirtualMachineInstance NAMESPACE/NAME` (a controller's messages, pretty-printed JSON).
    fn line_identity(&self, log_id: LogId) -> Option<(Option<String>, String)> {
        let log = self.s.log(log_id);
        let cap = self.s.log_capture(log_id);
        if let Some(uid) = log.first_field("uid")
            && let Some(o) = self.s.by_uid(cap, &uid).map(|id| self.obj(id))
            && (o.kind == VM || o.kind == VMI)
            && let (Some(ns), Some(name)) = (o.namespace.clone(), o.name.clone())
        {
            return Some((Some(ns), name));
        }
        for line in log.lines().take(200) {
            let text = line.text.trim_start();
            if text.starts_with('{') {
                let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
                    continue;
                };
                if let Some((ns, name)) = json_identity(&value) {
                    return Some((Some(ns), name));
                }
            } else if let [kind, Some(ns), Some(name)] = line.fields(["kind", "namespace", "name"])
                && kind
                    .as_deref()
                    .is_none_or(|k| k.is_empty() || k == VM || k == VMI)
                && !ns.is_empty()
                && !name.is_empty()
            {
                // A logfmt line (KubeVirt before 2019): `namespace=ns name=vm kind= ...`.
                return Some((Some(ns.into_owned()), name.into_owned()));
            } else if let Some(at) = text.find("-name guest=") {
                let rest = &text[at + "-name guest=".len()..];
                let guest = rest.split([',', ' ', '\\', '"']).next().unwrap_or_default();
                if let Some((ns, vm)) = guest.split_once('_')
                    && !ns.is_empty()
                    && !vm.is_empty()
                {
                    return Some((Some(ns.to_owned()), vm.to_owned()));
                }
            }
        }
        let only = |named: BTreeSet<(Option<String>, String)>| {
            let mut named = named.into_iter();
            let only = named.next()?;
            named.next().is_none().then_some(only)
        };
        let mut named = BTreeSet::new();
        for line in log.lines().take(200) {
            for c in KIND_REFERENCE
                .iter()
                .flat_map(|re| re.captures_iter(line.text))
            {
                named.insert((Some(c[1].to_owned()), c[2].to_owned()));
            }
        }
        if !named.is_empty() {
            return only(named);
        }
        // The one launcher pod the text names (`ns/virt-launcher-vm-abcde` in an event row).
        let mut pods = BTreeSet::new();
        for line in log.lines().take(200) {
            for c in LAUNCHER_REFERENCE
                .iter()
                .flat_map(|re| re.captures_iter(line.text))
            {
                if let Some(vm) = launcher_pod_vmi(&c[2]) {
                    pods.insert((launcher_namespace(&c).map(str::to_owned), vm.to_owned()));
                }
            }
        }
        // The same pod named with and without its namespace is one.
        let with_ns: BTreeSet<String> = pods
            .iter()
            .filter(|(ns, _)| ns.is_some())
            .map(|(_, vm)| vm.clone())
            .collect();
        pods.retain(|(ns, vm)| ns.is_some() || !with_ns.contains(vm));
        only(pods)
    }

    /// The launcher pod an event's message names (`ns/virt-launcher-vm-abcde`, or the name
    /// alone in the event's namespace).
    fn pod_named_by(&self, id: ObjectId) -> Option<(Option<&'a str>, &'a str)> {
        let o = self.obj(id);
        let message = o.root().get("message").and_then(Node::as_str)?;
        let c = LAUNCHER_REFERENCE.as_ref()?.captures(message)?;
        let ns = launcher_namespace(&c).or(o.namespace.as_deref());
        Some((ns, c.get(2)?.as_str()))
    }

    /// `(kind, namespace, name, uid)` of an event's `involvedObject` (or `regarding`).
    #[allow(clippy::type_complexity)]
    fn involved(
        &self,
        id: ObjectId,
    ) -> Option<(&'a str, Option<&'a str>, &'a str, Option<&'a str>)> {
        let o = self.obj(id);
        let root = o.root();
        let involved = root
            .get("involvedObject")
            .or_else(|| root.get("regarding"))?;
        let field = |k: &str| involved.get(k).and_then(Node::as_str);
        let ns = field("namespace").or(o.namespace.as_deref());
        Some((field("kind")?, ns, field("name")?, field("uid")))
    }

    /// Joins launcher pods known only by name to their VM: `virt-launcher-<vm>-<suffix>`, the
    /// shortened `virt-launcher-<vm>` people write, and names cut at 63 characters (which
    /// match a VM established by strong links, by prefix). Then objects captured without a
    /// namespace (pasted tables) join the one identity of their name in the capture.
    fn weak_links(&mut self) {
        // The VM names strong links established, per capture and namespace.
        let mut known = BTreeMap::<_, BTreeSet<_>>::new();
        for key in &self.aliases.keys {
            if let Alias::Vm(cap, ns, name) = key {
                known
                    .entry((*cap, ns.clone()))
                    .or_default()
                    .insert(name.clone());
            }
        }
        let pods: Vec<_> = self
            .aliases
            .keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| match k {
                Alias::Pod(cap, ns, name) => Some((i, *cap, ns.clone(), name.clone())),
                _ => None,
            })
            .collect();
        let mut has_vm: HashMap<usize, bool> = HashMap::default();
        for i in 0..self.aliases.keys.len() {
            if matches!(self.aliases.keys[i], Alias::Vm(..)) {
                let r = self.aliases.find(i);
                has_vm.insert(r, true);
            }
        }
        for (i, cap, ns, name) in pods {
            let root = self.aliases.find(i);
            if has_vm.contains_key(&root) {
                continue;
            }
            let names = known.get(&(cap, ns.clone()));
            let Some(vm) = launcher_vm_name(&name, names) else {
                continue;
            };
            let a = self.vm_alias(cap, ns, vm);
            self.aliases.union(i, a);
        }
        // Aliases without a namespace (pasted tables) join a namespaced alias of their name.
        let mut by_name: HashMap<_, Vec<usize>> = HashMap::default();
        for (i, key) in self.aliases.keys.iter().enumerate() {
            match key {
                Alias::Vm(cap, Some(_), name) => {
                    by_name.entry((0, *cap, name.clone())).or_default().push(i)
                }
                Alias::Pod(cap, Some(_), name) => {
                    by_name.entry((1, *cap, name.clone())).or_default().push(i)
                }
                _ => {}
            }
        }
        let unnamespaced: Vec<_> = self
            .aliases
            .keys
            .iter()
            .enumerate()
            .filter_map(|(i, key)| match key {
                Alias::Vm(cap, None, name) => Some((i, (0, *cap, name.clone()))),
                Alias::Pod(cap, None, name) => Some((i, (1, *cap, name.clone()))),
                _ => None,
            })
            .collect();
        // The only one in the same folder as the evidence that named it, else the only one
        // in the capture.
        for (i, key) in unnamespaced {
            let Some(candidates) = by_name.get(&key) else {
                continue;
            };
            let mine = self.folders.get(&i);
            let near: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|c| {
                    let theirs = self.folders.get(c);
                    mine.zip(theirs)
                        .is_some_and(|(a, b)| a.iter().any(|f| b.contains(f)))
                })
                .collect();
            match (near.as_slice(), candidates.as_slice()) {
                ([only], _) | ([], [only]) => self.aliases.union(i, *only),
                _ => {}
            }
        }
    }

    /// One subject per entity, named by its strongest alias: a captured VM over a captured
    /// VMI over a launcher pod; else the VM its evidence names.
    fn machines(&mut self) {
        let mut entities: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..self.aliases.keys.len() {
            if matches!(self.aliases.keys[i], Alias::Vm(..) | Alias::Pod(..)) {
                let r = self.aliases.find(i);
                entities.entry(r).or_default().push(i);
            }
        }
        for (root, members) in entities {
            // The VM alias with a captured object first, then one with a namespace, then the
            // first by name.
            let captured = |cap: CaptureId, ns: &Option<Cow<'a, str>>, name: &str, kind: &str| {
                self.s.find(cap, kind, ns.as_deref(), name).is_some()
            };
            let best = members
                .iter()
                .filter_map(|&i| match &self.aliases.keys[i] {
                    Alias::Vm(cap, ns, name) => Some((*cap, ns, name)),
                    _ => None,
                })
                .min_by_key(|(cap, ns, name)| {
                    let has = captured(*cap, ns, name, VM) || captured(*cap, ns, name, VMI);
                    // A namespace known beats one a pasted table left out.
                    (!has, ns.is_none(), *ns, *name)
                });
            let pod = members.iter().find_map(|&i| match &self.aliases.keys[i] {
                Alias::Pod(cap, ns, name) => Some((*cap, ns, name)),
                _ => None,
            });
            let (cap, id, vm_name) = match (best, pod) {
                (Some((cap, ns, name)), _) => {
                    // A VM identity is called a VirtualMachine, unless only its VMI was
                    // captured (a VMI created on its own has no VM).
                    let kind = if !captured(cap, ns, name, VM) && captured(cap, ns, name, VMI) {
                        VMI
                    } else {
                        VM
                    };
                    (
                        cap,
                        ObjectRef {
                            kind: kind.to_owned(),
                            namespace: ns.as_deref().map(str::to_owned),
                            name: name.to_string(),
                            capture: None,
                        },
                        Some(name.to_string()),
                    )
                }
                (None, Some((cap, ns, name))) => (
                    cap,
                    ObjectRef {
                        kind: POD.to_owned(),
                        namespace: ns.as_deref().map(str::to_owned),
                        name: name.to_string(),
                        capture: None,
                    },
                    None,
                ),
                (None, None) => continue,
            };
            let mut subject = Subject::new(id, Role::Machine, cap);
            subject.vm_name = vm_name;
            let sub = self.subjects.len();
            self.subjects.push(subject);
            self.machine_of_root.insert(root, sub);
        }
        // Members: VMs, VMIs, launcher pods and migrations.
        for kind in [VM, VMI, POD, VMIM] {
            for &id in self.s.of_kind(kind) {
                let o = self.obj(id);
                let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                    continue;
                };
                let ns = o.namespace.as_deref();
                let alias = if kind == VMIM {
                    let Some(vmi) = o.root().str_at(&["spec", "vmiName"]) else {
                        continue;
                    };
                    Alias::vm(cap, ns, vmi)
                } else if kind == POD {
                    if !is_launcher(o) {
                        continue;
                    }
                    Alias::pod(cap, ns, name)
                } else {
                    Alias::vm(cap, ns, name)
                };
                let Some(sub) = self.machine_of(&alias) else {
                    continue;
                };
                let s = &mut self.subjects[sub];
                match kind {
                    VM => s.vm.push(id),
                    VMI => s.vmi.push(id),
                    VMIM => s.migrations.push(id),
                    _ => {
                        s.launcher_pods.push(id);
                        s.pods.push(id);
                    }
                }
            }
        }
        for (i, key) in self.aliases.keys.clone().into_iter().enumerate() {
            if let Alias::Pod(_, _, name) = key {
                let r = self.aliases.find(i);
                if let Some(&sub) = self.machine_of_root.get(&r) {
                    self.subjects[sub].pod_names.push(name.into_owned());
                }
            }
        }
        for s in &mut self.subjects {
            s.pod_names.sort();
            s.pod_names.dedup();
        }
    }

    /// The machine subject an alias belongs to.
    fn machine_of(&mut self, alias: &Alias) -> Option<usize> {
        let i = self.aliases.get(alias)?;
        let r = self.aliases.find(i);
        self.machine_of_root.get(&r).copied()
    }

    /// DataVolumes and PVCs go to the VMs that use them; those no VM uses are storage subjects.
    /// CDI importer pods go with their PVC.
    fn volumes(&mut self) {
        let mut names = Vec::new();
        for sub in 0..self.subjects.len() {
            let cap = self.subjects[sub].capture;
            let mut refs = Vec::new();
            let members: Vec<ObjectId> = self.subjects[sub]
                .vm
                .iter()
                .chain(&self.subjects[sub].vmi)
                .copied()
                .collect();
            for id in members {
                let o = self.obj(id);
                volume_names(o.root(), &mut names);
                for name in names.drain(..) {
                    self.uses((cap, o.namespace.as_deref(), name), sub);
                    refs.push(name.to_owned());
                }
            }
            refs.sort();
            refs.dedup();
            self.subjects[sub].volume_refs = refs;
        }
        // A DataVolume owned by a VM is used by it even when the VM's spec was not captured.
        for &id in self.s.of_kind(DV) {
            let o = self.obj(id);
            let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                continue;
            };
            let owners = o.owners().filter(|(k, _)| *k == VM).map(|(_, uid)| uid);
            for uid in owners {
                if let Some(sub) = self.machine_of(&Alias::uid(cap, uid)) {
                    self.uses((cap, o.namespace.as_deref(), name), sub);
                }
            }
        }
        let dv_uid: HashMap<(CaptureId, &str), VolumeKey<'a>> = self
            .s
            .of_kind(DV)
            .iter()
            .filter_map(|&id| {
                let o = self.obj(id);
                Some((
                    (self.cap(id), o.uid.as_deref()?),
                    (self.cap(id), o.namespace.as_deref(), o.name.as_deref()?),
                ))
            })
            .collect();
        let mut pvc_uid: HashMap<(CaptureId, &str), VolumeKey<'a>> = HashMap::default();
        for kind in [DV, PVC] {
            for &id in self.s.of_kind(kind) {
                let o = self.obj(id);
                let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                    continue;
                };
                // A PVC owned by a DataVolume of another name is that DataVolume's.
                let key = o
                    .owners()
                    .filter(|(k, _)| *k == DV)
                    .find_map(|(_, uid)| dv_uid.get(&(cap, uid)).copied())
                    .unwrap_or((cap, o.namespace.as_deref(), name));
                if kind == PVC {
                    if let Some(uid) = o.uid.as_deref() {
                        pvc_uid.insert((cap, uid), key);
                    }
                    if let Some(pod) = o.annotation("cdi.kubevirt.io/storage.import.importPodName")
                    {
                        self.importers
                            .insert((cap, o.namespace.as_deref(), pod), key);
                    }
                }
                let subs = self.volume_subjects(&key, kind);
                for sub in subs {
                    let s = &mut self.subjects[sub];
                    if kind == DV {
                        s.dvs.push(id)
                    } else {
                        s.pvcs.push(id)
                    }
                }
            }
        }
        for &id in self.s.of_kind(POD) {
            let o = self.obj(id);
            let (cap, Some(name)) = (self.cap(id), o.name.as_deref()) else {
                continue;
            };
            if is_launcher(o) {
                continue;
            }
            let key = o
                .owners()
                .filter(|(k, _)| *k == PVC)
                .find_map(|(_, uid)| pvc_uid.get(&(cap, uid)).copied())
                .or_else(|| self.importer_volume(cap, o.namespace.as_deref(), name));
            if let Some(key) = key {
                for sub in self.volume_subjects(&key, PVC) {
                    self.subjects[sub].pods.push(id);
                }
            }
        }
    }

    /// Records that machine subject `sub` uses a volume.
    fn uses(&mut self, volume: VolumeKey<'a>, sub: usize) {
        let users = self.users.entry(volume).or_default();
        if !users.contains(&sub) {
            users.push(sub);
        }
    }

    /// The volume an importer pod writes: named by its PVC's annotation, else `importer-<pvc>`.
    fn importer_volume(
        &self,
        cap: CaptureId,
        ns: Option<&'a str>,
        pod: &'a str,
    ) -> Option<VolumeKey<'a>> {
        if let Some(v) = self.importers.get(&(cap, ns, pod)) {
            return Some(*v);
        }
        let pvc = pod.strip_prefix(IMPORTER_PREFIX)?;
        (!pvc.is_empty()).then_some((cap, ns, pvc))
    }

    /// The subjects a volume belongs to: the VMs that use it, else its storage subject (made
    /// on first use, named after the DataVolume when there is one).
    fn volume_subjects(&mut self, key: &VolumeKey<'a>, kind: &str) -> Vec<usize> {
        if let Some(users) = self.users.get(key) {
            return users.clone();
        }
        if let Some(&sub) = self.storage.get(key) {
            if kind == DV {
                self.subjects[sub].id.kind = DV.to_owned();
            }
            return vec![sub];
        }
        let (cap, ns, name) = *key;
        let has_dv = self.s.find(cap, DV, ns, name).is_some();
        let id = ObjectRef {
            kind: if has_dv || kind == DV { DV } else { PVC }.to_owned(),
            namespace: ns.map(str::to_owned),
            name: name.to_owned(),
            capture: None,
        };
        let sub = self.subjects.len();
        self.subjects.push(Subject::new(id, Role::Storage, cap));
        self.storage.insert(*key, sub);
        vec![sub]
    }

    /// Nodes where each VM runs or, for a pod not placed yet, the nodes its selector admits.
    fn nodes(&mut self) {
        for sub in &mut self.subjects {
            if sub.role != Role::Machine {
                continue;
            }
            let cap = sub.capture;
            let mut names: Vec<String> = Vec::new();
            for &id in &sub.vmi {
                names.extend(
                    self.s
                        .object(id)
                        .str_at(&["status", "nodeName"])
                        .map(str::to_owned),
                );
            }
            for &id in &sub.launcher_pods {
                names.extend(
                    self.s
                        .object(id)
                        .str_at(&["spec", "nodeName"])
                        .map(str::to_owned),
                );
            }
            for name in &names {
                if let Some(node) = self.s.find(cap, NODE, None, name)
                    && !sub.nodes.contains(&node)
                {
                    sub.nodes.push(node);
                }
            }
            sub.node_names = names;
            sub.node_names.sort();
            sub.node_names.dedup();
            // A pod not placed yet could run on any node its node selector admits: those are
            // the nodes that explain why it is not placed (and no others).
            if sub.nodes.is_empty() {
                let selectors = sub.launcher_pods.iter().filter_map(|&id| {
                    let pod = self.s.object(id);
                    let unplaced = pod.str_at(&["spec", "nodeName"]).is_none();
                    unplaced
                        .then(|| pod.root().at(&["spec", "nodeSelector"]))?
                        .filter(|s| s.is_object())
                });
                for selector in selectors {
                    for &node in self.s.of_kind(NODE) {
                        if self.s.object_capture(node) != cap {
                            continue;
                        }
                        let labels = self.s.object(node).root().at(&["metadata", "labels"]);
                        let admitted = selector.members().all(|(k, v)| {
                            labels.and_then(|l| l.get(k)).map(Node::to_value) == Some(v.to_value())
                        });
                        if admitted && !sub.nodes.contains(&node) {
                            sub.nodes.push(node);
                        }
                    }
                }
            }
        }
    }

    /// The node subject of a node (made on first use), holding its Node object.
    fn node_subject(&mut self, cap: CaptureId, name: &str) -> usize {
        if let Some(&sub) = self.node_subjects.get(&(cap, name.to_owned())) {
            return sub;
        }
        let id = ObjectRef {
            kind: NODE.to_owned(),
            namespace: None,
            name: name.to_owned(),
            capture: None,
        };
        let mut subject = Subject::new(id, Role::Node, cap);
        subject.node_names.push(name.to_owned());
        if let Some(node) = self.s.find(cap, NODE, None, name) {
            subject.nodes.push(node);
        }
        let sub = self.subjects.len();
        self.subjects.push(subject);
        self.node_subjects.insert((cap, name.to_owned()), sub);
        sub
    }

    /// Every event goes to the subject of the object it is about; one that names no object, to
    /// the pod its message names, else as a loose file's lines do.
    fn events(&mut self) {
        let mut unplaced: BTreeMap<(CaptureId, String), Vec<ObjectId>> = BTreeMap::new();
        for &id in self.s.of_kind(EVENT) {
            let cap = self.cap(id);
            let Some((kind, ns, name, uid)) = self.involved(id) else {
                let source = self.obj(id).origin.source.to_string();
                let found = self
                    .pod_named_by(id)
                    .and_then(|(ns, pod)| self.machine_of(&Alias::pod(cap, ns, pod)))
                    .or_else(|| self.only_in_folder(cap, &source, Role::Machine))
                    .or_else(|| self.only_in_folder(cap, &source, Role::Storage))
                    .or_else(|| self.only_machine(cap));
                match found {
                    Some(sub) => self.subjects[sub].events.push(id),
                    None => unplaced.entry((cap, source)).or_default().push(id),
                }
                continue;
            };
            let by_uid = uid.and_then(|u| self.machine_of(&Alias::uid(cap, u)));
            let subs: Vec<usize> = match kind {
                VM | VMI => by_uid
                    .or_else(|| self.machine_of(&Alias::vm(cap, ns, name)))
                    .into_iter()
                    .collect(),
                POD if name.starts_with(LAUNCHER_PREFIX) => by_uid
                    .or_else(|| self.machine_of(&Alias::pod(cap, ns, name)))
                    .into_iter()
                    .collect(),
                POD => match self.importer_volume(cap, ns, name) {
                    Some(key) => self.volume_subjects(&key, PVC),
                    None => Vec::new(),
                },
                DV | PVC => self.volume_subjects(&(cap, ns, name), kind),
                NODE => vec![self.node_subject(cap, name)],
                _ => by_uid.into_iter().collect(),
            };
            for sub in subs {
                self.subjects[sub].events.push(id);
            }
        }
        self.unplaced_events(unplaced);
    }

    /// Events that name no object and could not be placed: one unattributed subject per file.
    fn unplaced_events(&mut self, unplaced: BTreeMap<(CaptureId, String), Vec<ObjectId>>) {
        for ((cap, source), events) in unplaced {
            let id = ObjectRef {
                kind: UNATTRIBUTED_KIND.to_owned(),
                namespace: None,
                name: source,
                capture: None,
            };
            let mut subject = Subject::new(id, Role::Unattributed, cap);
            subject.events = events;
            self.subjects.push(subject);
        }
    }

    fn logs(&mut self) {
        let mut unplaced = Vec::new();
        for log_id in 0..self.s.logs().len() {
            let cap = self.s.log_capture(log_id);
            let snapshot: &'a Snapshot = self.s;
            let src = &snapshot.log(log_id).source;
            let ns = src.namespace.as_deref();
            if let Some(vm) = &src.vm
                && let Some(sub) = self.machine_of(&Alias::vm(cap, ns, vm.as_str()))
            {
                self.subjects[sub].logs.push(log_id);
                continue;
            }
            if let Some(pod) = &src.pod {
                if let Some(sub) = self.machine_of(&Alias::pod(cap, ns, pod.as_str())) {
                    self.subjects[sub].logs.push(log_id);
                    continue;
                }
                if let Some(key) = self.importer_volume(cap, ns, pod) {
                    for sub in self.volume_subjects(&key, PVC) {
                        self.subjects[sub].logs.push(log_id);
                    }
                    continue;
                }
            }
            // A node's own lines (kernel lines naming no pod, virt-handler's device plugins):
            // the node's subject, and, for virt-handler, the VMs on that node.
            let node = src.node.clone().or_else(|| {
                let pod = self.s.find(cap, POD, ns, src.pod.as_deref()?)?;
                Some(self.s.object(pod).str_at(&["spec", "nodeName"])?.to_owned())
            });
            let node_level = src.kind == Some(LogKind::Kernel)
                || src.kind == Some(LogKind::Journal)
                || src.container.as_deref() == Some(HANDLER);
            if node_level {
                if src.container.as_deref() == Some(HANDLER)
                    && let Some(node) = &node
                {
                    let node_object = self.s.find(cap, NODE, None, node);
                    for sub in &mut self.subjects {
                        if sub.role == Role::Machine
                            && sub.capture == cap
                            && (sub.node_names.iter().any(|n| n == node)
                                || node_object.is_some_and(|id| sub.nodes.contains(&id)))
                        {
                            sub.logs.push(log_id);
                        }
                    }
                }
                let host = node.or_else(|| self.s.log(log_id).first_host());
                match host {
                    Some(node) => {
                        let sub = self.node_subject(cap, &node);
                        self.subjects[sub].logs.push(log_id);
                    }
                    None => unplaced.push(log_id),
                }
                continue;
            }
            if src.pod.is_some() {
                // Another component's log (an operator, virt-controller): what a rule finds in
                // it is listed, unattributed.
                unplaced.push(log_id);
                continue;
            }
            // A loose file: by what its lines say, else the only VM of its folder, else the
            // only DataVolume or PVC of its folder (an importer log beside its DataVolume),
            // else the only VM of its capture, else unattributed.
            let found = self
                .line_identity(log_id)
                .and_then(|(ns, name)| self.machine_of(&Alias::vm(cap, ns, name)))
                .or_else(|| self.only_in_folder(cap, &src.origin, Role::Machine))
                .or_else(|| self.only_in_folder(cap, &src.origin, Role::Storage))
                .or_else(|| self.only_machine(cap));
            match found {
                Some(sub) => self.subjects[sub].logs.push(log_id),
                None => unplaced.push(log_id),
            }
        }
        for log_id in unplaced {
            let src = &self.s.log(log_id).source;
            let id = ObjectRef {
                kind: UNATTRIBUTED_KIND.to_owned(),
                namespace: None,
                name: src.origin.to_string(),
                capture: None,
            };
            let mut subject = Subject::new(id, Role::Unattributed, self.s.log_capture(log_id));
            subject.logs.push(log_id);
            self.subjects.push(subject);
        }
    }

    /// The only subject of `role` in a capture whose captured objects or logs lie in the
    /// folder (or archive) of `file`.
    fn only_in_folder(&self, cap: CaptureId, file: &str, role: Role) -> Option<usize> {
        let folder = folder_of(file);
        let mut found = self.subjects.iter().enumerate().filter(|(_, s)| {
            s.role == role
                && s.capture == cap
                && (s.vm.iter().chain(&s.vmi).chain(&s.pods).chain(&s.events))
                    .chain(s.dvs.iter().chain(&s.pvcs))
                    .map(|&id| &self.s.object(id).origin.source)
                    .chain(s.logs.iter().map(|&id| &self.s.log(id).source.origin))
                    .any(|src| folder_of(src) == folder)
        });
        let (first, _) = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The only VM of a capture, if there is exactly one.
    fn only_machine(&self, cap: CaptureId) -> Option<usize> {
        let mut machines = self
            .subjects
            .iter()
            .enumerate()
            .filter(|(_, s)| s.role == Role::Machine && s.capture == cap);
        let (first, _) = machines.next()?;
        machines.next().is_none().then_some(first)
    }
}

/// The folder (or archive) a file lies in: its name up to the last `/` (an archive entry
/// `a.tgz!/x` lies in `a.tgz!`).
fn folder_of(file: &str) -> &str {
    file.rfind('/').map_or("", |i| &file[..i])
}

/// The VM a launcher pod's name stands for, when nothing stronger named it:
/// `virt-launcher-<vm>-<5 characters>`, a known VM named by the shortened `virt-launcher-<vm>`,
/// or a known VM whose pod name was cut at 63 characters. An unknown shortened name is taken
/// as the VM's; a cut name never forms a VM of its own.
fn launcher_vm_name(pod: &str, known: Option<&BTreeSet<Cow<'_, str>>>) -> Option<String> {
    let rest = pod.strip_prefix(LAUNCHER_PREFIX)?;
    if rest.is_empty() {
        return None;
    }
    let is_known = |n: &str| known.is_some_and(|k| k.contains(n));
    let suffixed = launcher_pod_vmi(pod);
    if let Some(vm) = suffixed.filter(|v| is_known(v)) {
        return Some(vm.to_owned());
    }
    if is_known(rest) {
        return Some(rest.to_owned());
    }
    if pod.len() >= 63 {
        // Kubernetes cuts generated names: the VM's name starts with what is left.
        let stem = rest.trim_end_matches('-');
        let mut matches = known
            .into_iter()
            .flatten()
            .filter(|k| k.starts_with(stem) || stem.starts_with(k.as_ref()));
        let first = matches.next()?;
        return matches.next().is_none().then(|| first.to_string());
    }
    Some(suffixed.unwrap_or(rest).to_owned())
}

/// The VM a JSON log line names: `namespace` and `name` (with `kind` absent or a VM/VMI) at the
/// top level or in a nested `object`/`vmi`/`VirtualMachineInstance` object, or a `vmi` field
/// `namespace/name`.
fn json_identity(value: &serde_json::Value) -> Option<(String, String)> {
    let obj = value.as_object()?;
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kind_ok = text(obj.get("kind")).is_none_or(|k| k == VM || k == VMI);
    if kind_ok && let (Some(ns), Some(name)) = (text(obj.get("namespace")), text(obj.get("name"))) {
        return Some((ns, name));
    }
    for key in ["object", "vmi", "VirtualMachineInstance", "vm"] {
        match obj.get(key) {
            Some(v @ serde_json::Value::Object(_)) => {
                if let Some(found) = json_identity(v) {
                    return Some(found);
                }
            }
            Some(serde_json::Value::String(s)) => {
                if let Some((ns, name)) = s.split_once('/')
                    && !ns.is_empty()
                    && !name.is_empty()
                {
                    return Some((ns.to_owned(), name.to_owned()));
                }
            }
            _ => {}
        }
    }
    None
}

/// `VirtualMachineInstance NAMESPACE/NAME` (or `VirtualMachine`): how controllers name the
/// object a message is about.
static KIND_REFERENCE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\bVirtualMachine(?:Instance)? ([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)/([a-z0-9](?:[-.a-z0-9]*[a-z0-9])?)\b",
    )
    .ok()
});

/// A launcher pod's name in text, with its namespace when written `ns/virt-launcher-...`.
static LAUNCHER_REFERENCE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(
    || {
        regex::Regex::new(
            r"(?:\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)/)?\b(virt-launcher-[a-z0-9](?:[-.a-z0-9]*[a-z0-9])?-[a-z0-9]{5})\b",
        )
        .ok()
    },
);

/// The namespace of a [`LAUNCHER_REFERENCE`] match: `kubectl get all` writes `pod/NAME`, and
/// `pod` there is the kind, not a namespace.
fn launcher_namespace<'t>(c: &regex::Captures<'t>) -> Option<&'t str> {
    c.get(1)
        .map(|m| m.as_str())
        .filter(|ns| !matches!(*ns, "pod" | "pods" | "po"))
}

/// `virt-launcher-<vmi>-<5 characters>` → `<vmi>`.
fn launcher_pod_vmi(pod: &str) -> Option<&str> {
    let rest = pod.strip_prefix(LAUNCHER_PREFIX)?;
    let (vmi, suffix) = rest.rsplit_once('-')?;
    (suffix.len() == 5
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !vmi.is_empty())
    .then_some(vmi)
}

/// DataVolume and PVC names a VM or VMI refers to: `dataVolumeTemplates`, and `dataVolume` /
/// `persistentVolumeClaim` volumes of the VM template or the VMI spec.
fn volume_names<'a>(object: Node<'a>, out: &mut Vec<&'a str>) {
    let templates = object.at(&["spec", "dataVolumeTemplates"]);
    for t in templates.into_iter().flat_map(Node::items) {
        out.extend(t.str_at(&["metadata", "name"]));
    }
    let volumes = object
        .at(&["spec", "template", "spec", "volumes"])
        .or_else(|| object.at(&["spec", "volumes"]));
    for v in volumes.into_iter().flat_map(Node::items) {
        let name = v
            .str_at(&["dataVolume", "name"])
            .or_else(|| v.str_at(&["persistentVolumeClaim", "claimName"]));
        out.extend(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launcher_pod_names() {
        assert_eq!(
            launcher_pod_vmi("virt-launcher-rhel9-db-x7k2p"),
            Some("rhel9-db")
        );
        assert_eq!(launcher_pod_vmi("virt-launcher-a-bcdef"), Some("a"));
        assert_eq!(launcher_pod_vmi("virt-launcher-abc"), None);
        assert_eq!(launcher_pod_vmi("importer-disk-abcde"), None);
    }
}
