//! Stage 3, correlate: group the snapshot into subjects, one per VM (or per VMI, launcher pod,
//! DataVolume or log whose VM was not captured), with everything that explains it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::object::{Object, ObjectRef};
use crate::parse::{HANDLER, LogKind};
use crate::snapshot::{LogId, ObjectId, Snapshot};
use crate::tree::Node;

/// The kinds the correlator relates; objects of other kinds are not kept.
pub const KINDS: &[&str] = &[VM, VMI, POD, EVENT, DV, PVC, NODE];

const VM: &str = "VirtualMachine";
const VMI: &str = "VirtualMachineInstance";
const POD: &str = "Pod";
const EVENT: &str = "Event";
const DV: &str = "DataVolume";
const PVC: &str = "PersistentVolumeClaim";
const NODE: &str = "Node";

/// The kind given to a subject made of a log file alone.
pub const LOG_SUBJECT_KIND: &str = "Log";

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
    /// Log streams of the subject's pods, and loose logs attached to it.
    Log,
}

impl Facet {
    /// Every facet, in declaration order.
    pub const ALL: [Facet; 9] = [
        Facet::Vm,
        Facet::Vmi,
        Facet::LauncherPod,
        Facet::Pod,
        Facet::Event,
        Facet::Dv,
        Facet::Pvc,
        Facet::Node,
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
            Facet::Log => "log",
        }
    }

    /// The facet rules call `name`.
    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One VM (or orphan) and everything captured about it.
#[derive(Clone, Debug)]
pub struct Subject {
    /// What the subject is called in reports.
    pub id: ObjectRef,
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
    /// Log streams.
    pub logs: Vec<LogId>,
    /// Names of the DataVolumes and PVCs the VM or VMI refers to (captured or not).
    pub volume_refs: Vec<String>,
}

impl Subject {
    fn new(id: ObjectRef) -> Subject {
        Subject {
            id,
            vm: Vec::new(),
            vmi: Vec::new(),
            launcher_pods: Vec::new(),
            pods: Vec::new(),
            events: Vec::new(),
            dvs: Vec::new(),
            pvcs: Vec::new(),
            nodes: Vec::new(),
            logs: Vec::new(),
            volume_refs: Vec::new(),
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
    }
}

/// Groups a snapshot into subjects, sorted by namespace, name and kind.
pub fn correlate(snapshot: &Snapshot) -> Vec<Subject> {
    let mut c = Correlator {
        s: snapshot,
        subjects: Vec::new(),
        by_vm_name: HashMap::new(),
        by_volume: HashMap::new(),
        owner: HashMap::new(),
    };
    c.machines();
    c.launcher_pods();
    c.volumes();
    c.other_pods();
    c.nodes();
    c.events();
    c.logs();
    let mut subjects = c.subjects;
    subjects.sort_by(|a, b| {
        (&a.id.namespace, &a.id.name, &a.id.kind).cmp(&(&b.id.namespace, &b.id.name, &b.id.kind))
    });
    subjects
}

type NsName = (Option<String>, String);

struct Correlator<'a> {
    s: &'a Snapshot,
    subjects: Vec<Subject>,
    /// (namespace, VM or VMI name) → subject.
    by_vm_name: HashMap<NsName, usize>,
    /// (namespace, DataVolume or PVC name) → subject.
    by_volume: HashMap<NsName, usize>,
    /// object → subject.
    owner: HashMap<ObjectId, usize>,
}

impl<'a> Correlator<'a> {
    fn obj(&self, id: ObjectId) -> &'a Object {
        self.s.object(id)
    }

    fn new_subject(&mut self, id: ObjectId) -> usize {
        self.subjects.push(Subject::new(self.obj(id).object_ref()));
        self.subjects.len() - 1
    }

    fn key(o: &Object) -> Option<NsName> {
        Some((o.namespace.clone(), o.name.clone()?))
    }

    /// The subject an object's ownerReferences point to.
    fn owned_by(&self, o: &Object, kind: &str) -> Option<usize> {
        o.owners()
            .filter(|(k, _)| *k == kind)
            .find_map(|(_, uid)| self.owner.get(&self.s.by_uid(uid)?).copied())
    }

    fn machines(&mut self) {
        for &id in self.s.of_kind(VM) {
            let Some(key) = Self::key(self.obj(id)) else {
                continue;
            };
            let sub = self.new_subject(id);
            self.subjects[sub].vm.push(id);
            self.owner.insert(id, sub);
            self.by_vm_name.insert(key, sub);
        }
        for &id in self.s.of_kind(VMI) {
            let o = self.obj(id);
            let Some(key) = Self::key(o) else { continue };
            let sub = match self
                .owned_by(o, VM)
                .or_else(|| self.by_vm_name.get(&key).copied())
            {
                Some(sub) => sub,
                None => {
                    let sub = self.new_subject(id);
                    self.by_vm_name.insert(key, sub);
                    sub
                }
            };
            self.subjects[sub].vmi.push(id);
            self.owner.insert(id, sub);
        }
    }

    /// The VMI a virt-launcher pod runs: annotation `kubevirt.io/domain`, label
    /// `vm.kubevirt.io/name`, the VMI named by `kubevirt.io/created-by` or the owner reference,
    /// else the `virt-launcher-<vmi>-<suffix>` naming convention.
    fn launcher_vmi_name(&self, pod: &Object) -> Option<String> {
        if let Some(n) = pod
            .annotation("kubevirt.io/domain")
            .or_else(|| pod.label("vm.kubevirt.io/name"))
        {
            return Some(n.to_owned());
        }
        let by_uid = pod
            .label("kubevirt.io/created-by")
            .into_iter()
            .chain(pod.owners().filter(|(k, _)| *k == VMI).map(|(_, uid)| uid))
            .find_map(|uid| self.obj(self.s.by_uid(uid)?).name.clone());
        by_uid.or_else(|| launcher_pod_vmi(pod.name.as_deref()?).map(str::to_owned))
    }

    fn launcher_pods(&mut self) {
        for &id in self.s.of_kind(POD) {
            let o = self.obj(id);
            if o.label("kubevirt.io") != Some("virt-launcher") {
                continue;
            }
            let key = self.launcher_vmi_name(o).map(|n| (o.namespace.clone(), n));
            let sub = match key.as_ref().and_then(|k| self.by_vm_name.get(k)) {
                Some(&sub) => sub,
                None => {
                    let sub = self.new_subject(id);
                    if let Some(k) = key {
                        self.by_vm_name.insert(k, sub);
                    }
                    sub
                }
            };
            self.subjects[sub].launcher_pods.push(id);
            self.subjects[sub].pods.push(id);
            self.owner.insert(id, sub);
        }
    }

    fn volumes(&mut self) {
        for sub in 0..self.subjects.len() {
            let subject = &self.subjects[sub];
            let mut names = Vec::new();
            let mut refs = Vec::new();
            for &id in subject.vm.iter().chain(&subject.vmi) {
                let o = self.obj(id);
                volume_names(o.root(), &mut names);
                for name in names.drain(..) {
                    self.by_volume
                        .entry((o.namespace.clone(), name.clone()))
                        .or_insert(sub);
                    refs.push(name);
                }
            }
            refs.sort();
            refs.dedup();
            self.subjects[sub].volume_refs = refs;
        }
        for &id in self.s.of_kind(DV) {
            let o = self.obj(id);
            let Some(key) = Self::key(o) else { continue };
            let sub = match self
                .owned_by(o, VM)
                .or_else(|| self.by_volume.get(&key).copied())
            {
                Some(sub) => sub,
                None => self.new_subject(id),
            };
            self.by_volume.entry(key).or_insert(sub);
            self.subjects[sub].dvs.push(id);
            self.owner.insert(id, sub);
        }
        for &id in self.s.of_kind(PVC) {
            let o = self.obj(id);
            let Some(key) = Self::key(o) else { continue };
            let found = self
                .owned_by(o, DV)
                .or_else(|| self.by_volume.get(&key).copied());
            if let Some(sub) = found {
                self.subjects[sub].pvcs.push(id);
                self.owner.insert(id, sub);
            }
        }
    }

    /// CDI importer pods: named by the PVC annotation, owned by the PVC, or `importer-<pvc>`.
    fn other_pods(&mut self) {
        let mut importer: HashMap<NsName, usize> = HashMap::new();
        for sub in 0..self.subjects.len() {
            for &id in &self.subjects[sub].pvcs {
                let o = self.obj(id);
                let Some(name) = o.name.clone() else { continue };
                let ns = o.namespace.clone();
                if let Some(pod) = o.annotation("cdi.kubevirt.io/storage.import.importPodName") {
                    importer.insert((ns.clone(), pod.to_owned()), sub);
                }
                importer.insert((ns, format!("importer-{name}")), sub);
            }
        }
        for &id in self.s.of_kind(POD) {
            if self.owner.contains_key(&id) {
                continue;
            }
            let o = self.obj(id);
            let found = self.owned_by(o, PVC).or_else(|| {
                let key = Self::key(o)?;
                importer.get(&key).copied()
            });
            if let Some(sub) = found {
                self.subjects[sub].pods.push(id);
                self.owner.insert(id, sub);
            }
        }
    }

    fn nodes(&mut self) {
        for sub in &mut self.subjects {
            let mut names: Vec<&str> = Vec::new();
            for &id in &sub.vmi {
                names.extend(self.s.object(id).str_at(&["status", "nodeName"]));
            }
            for &id in &sub.launcher_pods {
                names.extend(self.s.object(id).str_at(&["spec", "nodeName"]));
            }
            for name in names {
                if let Some(node) = self.s.find(NODE, None, name)
                    && !sub.nodes.contains(&node)
                {
                    sub.nodes.push(node);
                }
            }
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

    fn events(&mut self) {
        for &id in self.s.of_kind(EVENT) {
            let o = self.obj(id);
            let Some(involved) = o.root().get("involvedObject") else {
                continue;
            };
            let field = |k: &str| involved.get(k).and_then(Node::as_str);
            let by_uid = field("uid")
                .and_then(|uid| self.s.by_uid(uid))
                .and_then(|obj| self.owner.get(&obj).copied());
            let found = by_uid.or_else(|| {
                let kind = field("kind")?;
                let name = field("name")?.to_owned();
                let ns = field("namespace")
                    .or(o.namespace.as_deref())
                    .map(str::to_owned);
                if let Some(obj) = self.s.find(kind, ns.as_deref(), &name)
                    && let Some(&sub) = self.owner.get(&obj)
                {
                    return Some(sub);
                }
                // Objects that are gone (earlier launcher pods, deleted VMIs) still have events.
                match kind {
                    VM | VMI => self.by_vm_name.get(&(ns, name)).copied(),
                    POD => {
                        let vmi = launcher_pod_vmi(&name)?.to_owned();
                        self.by_vm_name.get(&(ns, vmi)).copied()
                    }
                    DV | PVC => self.by_volume.get(&(ns, name)).copied(),
                    _ => None,
                }
            });
            if let Some(sub) = found {
                self.subjects[sub].events.push(id);
            }
        }
    }

    fn logs(&mut self) {
        for (log_id, log) in self.s.logs().iter().enumerate() {
            let src = &log.source;
            let ns = src.namespace.clone();
            // A node's kernel log explains no VM as a whole; its per-pod excerpts do, once
            // their pod is known (see `parse::kernel`).
            if src.kind == Some(LogKind::Kernel) && src.pod.is_none() {
                continue;
            }
            // A virt-handler log's per-VMI excerpts (with `vm`) go to their VM below; its lines
            // about the node itself (device plugins: no `/dev/kvm`) to every VM of that node.
            if src.container.as_deref() == Some(HANDLER) && src.vm.is_none() {
                let node = src.node.clone().or_else(|| {
                    let pod = self.s.find(POD, ns.as_deref(), src.pod.as_deref()?)?;
                    Some(self.s.object(pod).str_at(&["spec", "nodeName"])?.to_owned())
                });
                if let Some(node) = node.and_then(|n| self.s.find(NODE, None, &n)) {
                    for sub in self.subjects.iter_mut().filter(|s| s.nodes.contains(&node)) {
                        sub.logs.push(log_id);
                    }
                }
                continue;
            }
            if src.pod.is_none()
                && let Some(vm) = &src.vm
            {
                let key = (ns.clone(), vm.clone());
                let sub = match self.by_vm_name.get(&key) {
                    Some(&sub) => sub,
                    None => {
                        self.subjects.push(Subject::new(ObjectRef {
                            kind: VMI.to_owned(),
                            namespace: ns,
                            name: vm.clone(),
                        }));
                        self.by_vm_name.insert(key, self.subjects.len() - 1);
                        self.subjects.len() - 1
                    }
                };
                self.subjects[sub].logs.push(log_id);
                continue;
            }
            let sub = match &src.pod {
                Some(pod) => match self.by_pod_name(ns.clone(), pod) {
                    Some(sub) => sub,
                    // A launcher pod's log whose objects were not captured is a subject of its
                    // own; logs of other pods (operators, virt-handler) explain no VM alone.
                    None => match launcher_pod_vmi(pod) {
                        Some(vmi) => {
                            let key = (ns.clone(), vmi.to_owned());
                            self.subjects.push(Subject::new(ObjectRef {
                                kind: POD.to_owned(),
                                namespace: ns,
                                name: pod.clone(),
                            }));
                            self.by_vm_name.insert(key, self.subjects.len() - 1);
                            self.subjects.len() - 1
                        }
                        None => continue,
                    },
                },
                // A loose file: by what its lines say, else the only VM, else on its own.
                None => match self.by_line_fields(log_id).or_else(|| self.only_machine()) {
                    Some(sub) => sub,
                    None => {
                        self.subjects.push(Subject::new(ObjectRef {
                            kind: LOG_SUBJECT_KIND.to_owned(),
                            namespace: ns,
                            name: src.origin.to_string(),
                        }));
                        self.subjects.len() - 1
                    }
                },
            };
            self.subjects[sub].logs.push(log_id);
        }
    }

    /// The subject of a pod named in a log's identity: the captured pod, else the naming
    /// conventions of importer (`importer-<pvc>`) and launcher pods.
    fn by_pod_name(&self, ns: Option<String>, pod: &str) -> Option<usize> {
        if let Some(obj) = self.s.find(POD, ns.as_deref(), pod)
            && let Some(&sub) = self.owner.get(&obj)
        {
            return Some(sub);
        }
        if let Some(pvc) = pod.strip_prefix("importer-")
            && let Some(&sub) = self.by_volume.get(&(ns.clone(), pvc.to_owned()))
        {
            return Some(sub);
        }
        let vmi = launcher_pod_vmi(pod)?.to_owned();
        self.by_vm_name.get(&(ns, vmi)).copied()
    }

    /// A loose log whose structured lines name their VMI (`namespace` and `name`, or `uid`).
    fn by_line_fields(&self, log: LogId) -> Option<usize> {
        let log = self.s.log(log);
        if let Some(uid) = log.first_field("uid")
            && let Some(&sub) = self.s.by_uid(&uid).and_then(|o| self.owner.get(&o))
        {
            return Some(sub);
        }
        let ns = log.first_field("namespace")?;
        let name = log.first_field("name")?;
        self.by_vm_name.get(&(Some(ns), name)).copied()
    }

    /// The only subject with a VM, VMI or launcher pod, if there is exactly one.
    fn only_machine(&self) -> Option<usize> {
        let mut machines =
            self.subjects.iter().enumerate().filter(|(_, s)| {
                !s.vm.is_empty() || !s.vmi.is_empty() || !s.launcher_pods.is_empty()
            });
        let (first, _) = machines.next()?;
        machines.next().is_none().then_some(first)
    }
}

/// `virt-launcher-<vmi>-<5 characters>` → `<vmi>`.
fn launcher_pod_vmi(pod: &str) -> Option<&str> {
    let rest = pod.strip_prefix("virt-launcher-")?;
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
fn volume_names(object: Node<'_>, out: &mut Vec<String>) {
    let templates = object.at(&["spec", "dataVolumeTemplates"]);
    for t in templates.into_iter().flat_map(Node::items) {
        out.extend(t.str_at(&["metadata", "name"]).map(str::to_owned));
    }
    let volumes = object
        .at(&["spec", "template", "spec", "volumes"])
        .or_else(|| object.at(&["spec", "volumes"]));
    for v in volumes.into_iter().flat_map(Node::items) {
        let name = v
            .str_at(&["dataVolume", "name"])
            .or_else(|| v.str_at(&["persistentVolumeClaim", "claimName"]));
        out.extend(name.map(str::to_owned));
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
