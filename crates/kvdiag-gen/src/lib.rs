//! kvdiag-gen: writes a synthetic but realistically shaped CNV must-gather (`--vms_details`
//! layout) of any size, for benchmarks. Deterministic: the same [`Config`] writes the same bytes.
//!
//! The VMs are instances of the six VMs of the sample must-gather (`examples/sample/`): one
//! healthy VM and five failing ones (OOM kill, guest kernel panic, QEMU crash, failed DataVolume
//! import, crash loop of unknown cause). Every object, event, log and `vms/` file of a template
//! VM is copied with its names, uids and nodes replaced, so the built-in rules fire on the copies
//! exactly as on the sample (the failure strings are the sample's and the fixtures'; no failure
//! string is invented here). On top of that the generator adds what makes real dumps large:
//!
//! - log volume: the launcher's `compute` and `guest-console-log` logs are padded with lines of
//!   the healthy template's logs up to `--log-bytes` in total;
//! - `managedFields` on every object of the list files (as `oc adm inspect` writes them);
//! - irrelevant content: ConfigMaps and Secrets in every namespace, `must-gather.logs`, per-VM
//!   host details, and virt-handler (operator) logs per node, `--operator-log-bytes` in total.
//!
//! ```no_run
//! let config = kvdiag_gen::Config { vms: 20, ..kvdiag_gen::Config::default() };
//! let summary = kvdiag_gen::generate(&config, std::path::Path::new("/tmp/mg"))?;
//! println!("{} bytes in {} files", summary.bytes, summary.files);
//! # Ok::<(), std::io::Error>(())
//! ```

mod sample;
pub mod yaml;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// Number of VMs.
    pub vms: usize,
    /// Number of VM namespaces.
    pub namespaces: usize,
    /// Number of worker nodes.
    pub nodes: usize,
    /// Bytes of VM logs in total (launcher `compute` and `guest-console-log` logs).
    pub log_bytes: u64,
    /// Bytes of operator (virt-handler) logs in total.
    pub operator_log_bytes: u64,
    /// Bytes of the first node's virt-handler log, when larger than its share of
    /// `operator_log_bytes` (0: its share): one large log, as real clusters keep for weeks.
    pub handler_log_bytes: u64,
    /// Bytes of the first node's kernel log (`dmesg`), padded with kernel lines and, every 5,000
    /// lines, a memory cgroup report naming one of the node's 64 pods (0: the sample's).
    pub kernel_log_bytes: u64,
    /// Write each node's `sysinfo.tgz` (hardware details kvdiag skips by path).
    pub sysinfo: bool,
    /// Bytes of a virt-launcher log saved as JSON lines next to the must-gather
    /// (`<out>/loose/compute.json`, a loose file whose content decides what it is; 0: none).
    pub json_log_bytes: u64,
    /// Bytes of irrelevant resources (ConfigMaps, Secrets) in total.
    pub irrelevant_bytes: u64,
    /// Percentage of VMs that fail (spread over the five failing templates).
    pub failing_percent: u32,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vms: 100,
            namespaces: 5,
            nodes: 6,
            log_bytes: 50 << 20,
            operator_log_bytes: 5 << 20,
            handler_log_bytes: 0,
            kernel_log_bytes: 0,
            sysinfo: false,
            json_log_bytes: 0,
            irrelevant_bytes: 5 << 20,
            failing_percent: 10,
            seed: 1,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// The must-gather directory (`<out>/must-gather.local.<n>`).
    pub root: PathBuf,
    /// Per VM (`namespace/name`), the cause codes the built-in rules must find at warning or
    /// above (empty for a healthy VM).
    pub expected: BTreeMap<String, Vec<&'static str>>,
}

impl Summary {
    /// The expectations in the format of a fixture's `expected.yaml`.
    pub fn expected_yaml(&self) -> String {
        let mut out = String::from(
            "# Written by kvdiag-gen: the exact causes at warning or above, per VM.\nsubjects:\n",
        );
        for (vm, causes) in &self.expected {
            out.push_str(&format!("  {vm}: [{}]\n", causes.join(", ")));
        }
        out
    }
}

/// A VM of the sample used as a template.
struct Template {
    name: &'static str,
    namespace: &'static str,
    /// What the built-in rules find for it.
    causes: &'static [&'static str],
}

/// The sample's VMs and what the built-in rules find for each (`examples/sample/expected.yaml`).
const HEALTHY: Template = Template {
    name: "web-frontend-01",
    namespace: "web-prod",
    causes: &[],
};
const FAILING: [Template; 5] = [
    Template {
        name: "web-cache",
        namespace: "web-prod",
        causes: &["oom-killed"],
    },
    Template {
        name: "web-legacy",
        namespace: "web-prod",
        causes: &["guest-kernel-panic"],
    },
    Template {
        name: "etl-worker",
        namespace: "data-team",
        causes: &["qemu-crash"],
    },
    Template {
        name: "analytics-db",
        namespace: "data-team",
        causes: &["dv-import-failed"],
    },
    Template {
        name: "jupyter-lab",
        namespace: "data-team",
        causes: &["crashloop-unknown"],
    },
];

/// The sample's nodes.
const SAMPLE_NODES: [&str; 2] = [
    "worker-0.ocp4.lab.example.com",
    "worker-1.ocp4.lab.example.com",
];
/// The sample's virt-handler pod.
const SAMPLE_HANDLER: &str = "virt-handler-pgtw2";

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..5)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// Replaces every `from` by its `to` in one pass, longest match first at each position.
struct Replacer {
    pairs: Vec<(String, String)>,
}

impl Replacer {
    fn new(mut pairs: Vec<(String, String)>) -> Replacer {
        pairs.retain(|(f, t)| !f.is_empty() && f != t);
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Replacer { pairs }
    }

    fn apply(&self, text: &str) -> String {
        let firsts: Vec<u8> = self.pairs.iter().map(|(f, _)| f.as_bytes()[0]).collect();
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if firsts.contains(&bytes[i]) {
                let rest = &text[i..];
                if let Some((from, to)) = self
                    .pairs
                    .iter()
                    .find(|(f, _)| rest.starts_with(f.as_str()))
                {
                    out.push_str(&text[copied..i]);
                    out.push_str(to);
                    i += from.len();
                    copied = i;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// The sample, parsed once.
struct Sample {
    /// path inside the image folder → content.
    files: BTreeMap<&'static str, &'static str>,
    /// namespace → list file (path under the namespace) → items.
    lists: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
}

/// List files of a VM namespace, and the list kind written in them.
const LIST_FILES: [(&str, &str); 6] = [
    ("core/pods.yaml", "PodList"),
    ("core/events.yaml", "EventList"),
    (
        "core/persistentvolumeclaims.yaml",
        "PersistentVolumeClaimList",
    ),
    ("kubevirt.io/virtualmachines.yaml", "VirtualMachineList"),
    (
        "kubevirt.io/virtualmachineinstances.yaml",
        "VirtualMachineInstanceList",
    ),
    ("cdi.kubevirt.io/datavolumes.yaml", "DataVolumeList"),
];

impl Sample {
    fn load() -> Sample {
        let files: BTreeMap<&str, &str> = sample::FILES.iter().copied().collect();
        let mut lists: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
        for ns in [HEALTHY.namespace, FAILING[2].namespace] {
            for (file, _) in LIST_FILES {
                let path = format!("namespaces/{ns}/{file}");
                let items = files
                    .get(path.as_str())
                    .and_then(|text| {
                        kvdiag::parse::parse_documents(
                            text.as_bytes(),
                            &std::sync::Arc::from(path.as_str()),
                        )
                        .ok()
                    })
                    .map(|docs| {
                        docs.objects
                            .into_iter()
                            .map(|o| o.tree.to_value())
                            .collect()
                    })
                    .unwrap_or_default();
                lists
                    .entry(ns.to_owned())
                    .or_default()
                    .insert(file.to_owned(), items);
            }
        }
        Sample { files, lists }
    }

    /// The sample's launcher pod of a template VM.
    fn launcher_pod(&self, t: &Template) -> Option<String> {
        let prefix = format!("virt-launcher-{}-", t.name);
        self.lists
            .get(t.namespace)?
            .get("core/pods.yaml")?
            .iter()
            .find_map(|p| {
                let name = p.pointer("/metadata/name")?.as_str()?;
                name.starts_with(&prefix).then(|| name.to_owned())
            })
    }

    /// Every UUID in the texts of a template VM.
    fn uuids(&self, t: &Template) -> Vec<String> {
        let mut out = Vec::new();
        let mut scan = |text: &str| {
            for (i, _) in text.match_indices('-') {
                if i >= 8
                    && let Some(cand) = text.get(i - 8..i + 28)
                    && is_uuid(cand)
                    && !out.iter().any(|u| u == cand)
                {
                    out.push(cand.to_owned());
                }
            }
        };
        for (path, text) in &self.files {
            if path.contains(t.name) {
                scan(text);
            }
        }
        for items in self
            .lists
            .get(t.namespace)
            .into_iter()
            .flat_map(|l| l.values())
        {
            for item in items.iter().filter(|i| mentions(i, t.name)) {
                scan(&item.to_string());
            }
        }
        out
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

/// Whether a list item is about the VM named `vm` (its name, or an event's involved object).
fn mentions(item: &Value, vm: &str) -> bool {
    let name = item
        .pointer("/involvedObject/name")
        .or_else(|| item.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    name.contains(vm)
}

/// Writes files under a root, counting them.
struct Out {
    root: PathBuf,
    files: usize,
    bytes: u64,
}

impl Out {
    fn write(&mut self, rel: &str, content: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut f = std::io::BufWriter::with_capacity(1 << 20, fs::File::create(&path)?);
        f.write_all(content)?;
        f.flush()?;
        self.files += 1;
        self.bytes += content.len() as u64;
        Ok(())
    }

    /// Writes a file of `size` bytes or a little more: `head`, then the lines `line(i)` gives
    /// for i = 0, 1, ..., as they are made (a large file is never held).
    fn write_lines(
        &mut self,
        rel: &str,
        head: &str,
        size: u64,
        mut line: impl FnMut(usize, &mut String),
    ) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut f = std::io::BufWriter::with_capacity(1 << 20, fs::File::create(&path)?);
        f.write_all(head.as_bytes())?;
        let mut written = head.len() as u64;
        let mut buf = String::new();
        let mut i = 0;
        while written < size {
            buf.clear();
            line(i, &mut buf);
            buf.push('\n');
            f.write_all(buf.as_bytes())?;
            written += buf.len() as u64;
            i += 1;
        }
        f.flush()?;
        self.files += 1;
        self.bytes += written;
        Ok(())
    }
}

/// One generated VM.
struct Vm {
    namespace: String,
    name: String,
    template: &'static Template,
    replacer: Replacer,
}

/// Writes the must-gather under `out` (`out/must-gather.local.<n>/<image folder>/...`).
pub fn generate(config: &Config, out: &Path) -> std::io::Result<Summary> {
    let sample = Sample::load();
    let mut rng = Rng(config.seed ^ 0x6b76_6469_6167);
    let must_gather = format!(
        "must-gather.local.{:016}",
        config.seed.wrapping_mul(7_919) % 10_000_000_000_000_000
    );
    let root = out.join(&must_gather);
    let mut w = Out {
        root: root.join(sample::IMAGE_FOLDER),
        files: 0,
        bytes: 0,
    };
    let namespaces: Vec<String> = (0..config.namespaces.max(1))
        .map(|i| format!("vms-{i:03}"))
        .collect();
    let nodes: Vec<String> = (0..config.nodes.max(1))
        .map(|i| format!("worker-{i}.ocp4.lab.example.com"))
        .collect();

    // Choose every VM first, so that the namespaces can be written one at a time.
    let mut vms: Vec<Vm> = Vec::with_capacity(config.vms);
    for i in 0..config.vms {
        let failing = rng.below(100) < u64::from(config.failing_percent);
        let template = if failing {
            &FAILING[rng.below(FAILING.len() as u64) as usize]
        } else {
            &HEALTHY
        };
        let namespace = namespaces[i % namespaces.len()].clone();
        let name = format!("{}-{i:05}", template.name.split('-').next().unwrap_or("vm"));
        let node0 = rng.below(nodes.len() as u64) as usize;
        let node1 = (node0 + 1) % nodes.len();
        let mut pairs = vec![
            (template.name.to_owned(), name.clone()),
            (template.namespace.to_owned(), namespace.clone()),
            (SAMPLE_NODES[0].to_owned(), nodes[node0].clone()),
            (SAMPLE_NODES[1].to_owned(), nodes[node1].clone()),
        ];
        if let Some(pod) = sample.launcher_pod(template) {
            pairs.push((pod, format!("virt-launcher-{name}-{}", rng.suffix())));
        }
        for u in sample.uuids(template) {
            pairs.push((u, rng.uuid()));
        }
        vms.push(Vm {
            namespace,
            name,
            template,
            replacer: Replacer::new(pairs),
        });
    }

    let per_vm_log = config.log_bytes / config.vms.max(1) as u64;
    let filler = Filler::new(&sample);
    let mut expected = BTreeMap::new();
    for ns in &namespaces {
        let in_ns: Vec<&Vm> = vms.iter().filter(|v| &v.namespace == ns).collect();
        let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for vm in &in_ns {
            expected.insert(
                format!("{}/{}", vm.namespace, vm.name),
                vm.template.causes.to_vec(),
            );
            let t = vm.template;
            // List items.
            for (file, _) in LIST_FILES {
                let items = sample.lists.get(t.namespace).and_then(|l| l.get(file));
                for item in items.into_iter().flatten().filter(|i| mentions(i, t.name)) {
                    let text = vm.replacer.apply(&item.to_string());
                    if let Ok(mut v) = serde_json::from_str::<Value>(&text) {
                        if file != "core/events.yaml" {
                            add_managed_fields(&mut v);
                        }
                        lists.entry(file).or_default().push(v);
                    }
                }
            }
            // Per-VM files: copies, logs, vms_details.
            let prefix = format!("namespaces/{}/", t.namespace);
            for (path, text) in &sample.files {
                let Some(rel) = path.strip_prefix(&prefix) else {
                    continue;
                };
                if !rel.contains(t.name) {
                    continue;
                }
                let new_rel = format!("namespaces/{}/{}", vm.namespace, vm.replacer.apply(rel));
                let mut content = vm.replacer.apply(text);
                if rel.ends_with("/compute/compute/logs/current.log") && !content.is_empty() {
                    content = filler.pad(
                        &content,
                        &filler.compute,
                        per_vm_log * 65 / 100,
                        &vm.replacer,
                    );
                } else if rel.ends_with("/guest-console-log/guest-console-log/logs/current.log")
                    && !content.is_empty()
                {
                    content = filler.pad(
                        &content,
                        &filler.console,
                        per_vm_log * 35 / 100,
                        &vm.replacer,
                    );
                }
                w.write(&new_rel, content.as_bytes())?;
            }
        }
        for (file, kind) in LIST_FILES {
            let items = lists.remove(file).unwrap_or_default();
            let list = json!({
                "apiVersion": "v1",
                "items": items,
                "kind": kind,
                "metadata": {"continue": "", "resourceVersion": "56565676"},
            });
            let mut text = String::from("---\n");
            yaml::write(&mut text, &list);
            w.write(&format!("namespaces/{ns}/{file}"), text.as_bytes())?;
        }
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
        let mut text = String::from("---\n");
        yaml::write(&mut text, &namespace);
        w.write(&format!("namespaces/{ns}/{ns}.yaml"), text.as_bytes())?;
        let share = config.irrelevant_bytes / namespaces.len() as u64;
        w.write(
            &format!("namespaces/{ns}/core/configmaps.yaml"),
            irrelevant(&mut rng, ns, "ConfigMap", share / 2).as_bytes(),
        )?;
        w.write(
            &format!("namespaces/{ns}/core/secrets.yaml"),
            irrelevant(&mut rng, ns, "Secret", share / 2).as_bytes(),
        )?;
    }

    // Nodes, their files, and one virt-handler per node.
    let handler_pod = sample
        .files
        .iter()
        .find(|(p, _)| p.ends_with(&format!("{SAMPLE_HANDLER}.yaml")))
        .map(|(_, t)| *t)
        .unwrap_or("");
    let handler_log = sample
        .files
        .iter()
        .find(|(p, _)| p.contains(SAMPLE_HANDLER) && p.ends_with("current.log"))
        .map(|(_, t)| *t)
        .unwrap_or("");
    let node_yaml = sample
        .files
        .get(
            format!(
                "cluster-scoped-resources/core/nodes/{}.yaml",
                SAMPLE_NODES[0]
            )
            .as_str(),
        )
        .copied()
        .unwrap_or("");
    let dmesg = sample
        .files
        .get(format!("nodes/{}/dmesg", SAMPLE_NODES[1]).as_str())
        .copied()
        .unwrap_or("");
    let per_node_log = config.operator_log_bytes / nodes.len() as u64;
    for (k, node) in nodes.iter().enumerate() {
        let on_node: Vec<&Vm> = vms.iter().skip(k).step_by(nodes.len()).take(64).collect();
        let node_uid = rng.uuid();
        let r = Replacer::new(vec![
            (SAMPLE_NODES[0].to_owned(), node.clone()),
            (SAMPLE_NODES[1].to_owned(), node.clone()),
            ("worker-0".to_owned(), format!("worker-{k}")),
        ]);
        let mut node_text = r.apply(node_yaml);
        for u in uuids_in(&node_text) {
            node_text = node_text.replace(&u, &node_uid);
        }
        w.write(
            &format!("cluster-scoped-resources/core/nodes/{node}.yaml"),
            node_text.as_bytes(),
        )?;
        let dmesg = r.apply(dmesg);
        if k == 0 && config.kernel_log_bytes > dmesg.len() as u64 {
            let benign: Vec<&str> = dmesg
                .lines()
                .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest))
                .filter(|l| !l.contains("kubepods"))
                .collect();
            // The node's pods: a report names one of 64 in turn.
            let mut report_rng = Rng(config.seed ^ 0x6b65_726e);
            let pods: Vec<String> = (0..64)
                .map(|_| report_rng.uuid().replace('-', "_"))
                .collect();
            w.write_lines(
                &format!("nodes/{node}/dmesg"),
                &dmesg,
                config.kernel_log_bytes,
                |i, out| {
                    // Times go on after the sample's last line, 10 ms apart.
                    let t = 90_000.0 + i as f64 * 0.01;
                    if i % 5_000 == 4_999 {
                        let uid = &pods[(i / 5_000) % pods.len()];
                        let _ = std::fmt::Write::write_fmt(
                            out,
                            format_args!("[{t:12.6}] Memory cgroup stats for /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{uid}.slice:"),
                        );
                    } else if let Some(l) = benign.get(i % benign.len().max(1)) {
                        let _ = std::fmt::Write::write_fmt(out, format_args!("[{t:12.6}] {l}"));
                    }
                },
            )?;
        } else {
            w.write(&format!("nodes/{node}/dmesg"), dmesg.as_bytes())?;
        }
        if config.sysinfo {
            w.write(&format!("nodes/{node}/sysinfo.tgz"), &sysinfo_tgz(node))?;
        }
        w.write(
            &format!("nodes/{node}/proc_cmdline"),
            b"BOOT_IMAGE=(hd0,gpt3)/ostree/rhcos/vmlinuz-5.14.0 root=UUID=1c2e ro\n",
        )?;
        w.write(
            &format!("nodes/{node}/lspci"),
            "00:00.0 Host bridge: Intel Corporation Device 09a2\n"
                .repeat(40)
                .as_bytes(),
        )?;
        let pod = format!("virt-handler-{}", rng.suffix());
        let mut pairs = vec![
            (SAMPLE_HANDLER.to_owned(), pod.clone()),
            (SAMPLE_NODES[0].to_owned(), node.clone()),
            (SAMPLE_NODES[1].to_owned(), node.clone()),
        ];
        for u in uuids_in(handler_pod) {
            pairs.push((u, rng.uuid()));
        }
        let hr = Replacer::new(pairs);
        w.write(
            &format!("namespaces/openshift-cnv/pods/{pod}/{pod}.yaml"),
            hr.apply(handler_pod).as_bytes(),
        )?;
        let mut log = hr.apply(handler_log);
        let mut i = 0;
        while (log.len() as u64) < per_node_log && !on_node.is_empty() && !filler.handler.is_empty()
        {
            let vm = on_node[i % on_node.len()];
            let line = &filler.handler[i % filler.handler.len()];
            log.push_str(
                &line
                    .replace("{name}", &vm.name)
                    .replace("{ns}", &vm.namespace),
            );
            log.push('\n');
            i += 1;
        }
        let rel = format!(
            "namespaces/openshift-cnv/pods/{pod}/virt-handler/virt-handler/logs/current.log"
        );
        if k == 0 && config.handler_log_bytes > log.len() as u64 && !on_node.is_empty() {
            w.write_lines(&rel, &log, config.handler_log_bytes, |i, out| {
                let vm = on_node[i % on_node.len()];
                if let Some(line) = filler.handler.get(i % filler.handler.len().max(1)) {
                    out.push_str(
                        &line
                            .replace("{name}", &vm.name)
                            .replace("{ns}", &vm.namespace),
                    );
                }
            })?;
        } else {
            w.write(&rel, log.as_bytes())?;
        }
        w.write(
            &format!(
                "namespaces/openshift-cnv/pods/{pod}/virt-handler/virt-handler/logs/previous.log"
            ),
            b"",
        )?;
    }

    // Capture metadata and the operator namespaces' other files.
    for (path, text) in &sample.files {
        let keep = matches!(*path, "version" | "timestamp")
            || path.starts_with("namespaces/openshift-marketplace/")
            || path.starts_with("nodes/skipped_nodes");
        if keep {
            w.write(path, text.as_bytes())?;
        }
    }
    let mut gather = String::new();
    while (gather.len() as u64) < (config.irrelevant_bytes / 20).max(4096) {
        gather.push_str("2024-05-14T10:28:01.000000000Z [must-gather-x7k2p] POD 2024-05-14T10:28:01.000000000Z Gathering data for ns/openshift-cnv...\n");
    }
    w.write("must-gather.logs", gather.as_bytes())?;
    let stamp = sample.files.get("timestamp").copied().unwrap_or("");
    let mut top = Out {
        root: root.clone(),
        files: 0,
        bytes: 0,
    };
    top.write("timestamp", stamp.as_bytes())?;
    top.write("event-filter.html", b"<html><body>events</body></html>\n")?;
    if config.json_log_bytes > 0 {
        let compute = &filler.compute;
        let mut loose = Out {
            root: out.join("loose"),
            files: 0,
            bytes: 0,
        };
        loose.write_lines("compute.json", "", config.json_log_bytes, |i, line| {
            if let Some(l) = compute.get(i % compute.len().max(1)) {
                line.push_str(l);
            }
        })?;
    }
    Ok(Summary {
        files: w.files + top.files,
        bytes: w.bytes + top.bytes,
        root,
        expected,
    })
}

/// A `sysinfo.tgz` as the must-gather writes one per node: a gzip file (stored blocks, no
/// compression) holding a tar of one text file. kvdiag skips it by its path.
fn sysinfo_tgz(node: &str) -> Vec<u8> {
    let body = format!("node: {node}\ncpus: 64\nmemory: 256Gi\n").repeat(64);
    let mut tar = vec![0u8; 512];
    let name = b"sysinfo.log";
    tar[..name.len()].copy_from_slice(name);
    tar[100..107].copy_from_slice(b"0000644");
    tar[124..135].copy_from_slice(format!("{:011o}", body.len()).as_bytes());
    tar[136..147].copy_from_slice(b"00000000000");
    tar[156] = b'0';
    tar[257..263].copy_from_slice(b"ustar\0");
    tar[263..265].copy_from_slice(b"00");
    tar[148..156].copy_from_slice(b"        ");
    let sum: u32 = tar.iter().map(|&b| u32::from(b)).sum();
    tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    tar.extend_from_slice(body.as_bytes());
    tar.resize(tar.len().div_ceil(512) * 512 + 1024, 0);
    // gzip: header, one stored deflate block per 65,535 bytes, CRC-32 and size.
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    let blocks: Vec<&[u8]> = tar.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        gz.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        gz.extend_from_slice(&len.to_le_bytes());
        gz.extend_from_slice(&(!len).to_le_bytes());
        gz.extend_from_slice(block);
    }
    gz.extend_from_slice(&crc32(&tar).to_le_bytes());
    gz.extend_from_slice(&(tar.len() as u32).to_le_bytes());
    gz
}

/// CRC-32 (IEEE), bit by bit: for the few KiB of a `sysinfo.tgz`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn uuids_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices('-') {
        if i >= 8
            && let Some(cand) = text.get(i - 8..i + 28)
            && is_uuid(cand)
            && !out.iter().any(|u| u == cand)
        {
            out.push(cand.to_owned());
        }
    }
    out
}

/// Benign messages virt-handler logs about a VMI (kubevirt `pkg/virt-handler/vm.go`).
const HANDLER_VMI_MESSAGES: &[&str] = &[
    "Processing event {ns}/{name}",
    "VMI is in phase: Running | Domain status: Running, reason: Unknown",
    "Synchronization loop succeeded.",
    "No update processing required: Domain and VMI status are in sync",
];

/// Lines that pad logs: from the healthy template's logs and the sample's virt-handler log.
struct Filler {
    /// Contents of `compute` lines (without the kubelet timestamp).
    compute: Vec<String>,
    /// Contents of `guest-console-log` lines.
    console: Vec<String>,
    /// Whole virt-handler lines that name a VMI of the healthy template.
    handler: Vec<String>,
}

impl Filler {
    fn new(sample: &Sample) -> Filler {
        let lines = |suffix: &str| -> Vec<String> {
            sample
                .files
                .iter()
                .find(|(p, _)| p.contains(HEALTHY.name) && p.ends_with(suffix))
                .map(|(_, t)| {
                    t.lines()
                        .filter_map(|l| l.split_once(' ').map(|(_, c)| c.to_owned()))
                        .filter(|c| !c.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        // virt-handler: the sample's own lines, and lines scoped to a VMI as virt-handler writes
        // them (`kind`, `name`, `namespace`, `uid`); {name} and {ns} are filled in per VM.
        let mut handler: Vec<String> = sample
            .files
            .iter()
            .filter(|(p, _)| p.contains(SAMPLE_HANDLER) && p.ends_with("current.log"))
            .flat_map(|(_, t)| t.lines())
            .map(str::to_owned)
            .collect();
        for msg in HANDLER_VMI_MESSAGES {
            handler.push(format!(
                "2024-05-14T09:41:31.412345678Z {{\"component\":\"virt-handler\",\"kind\":\"VirtualMachineInstance\",\"level\":\"info\",\"msg\":\"{msg}\",\"name\":\"{{name}}\",\"namespace\":\"{{ns}}\",\"pos\":\"vm.go:1880\",\"timestamp\":\"2024-05-14T09:41:31.412019Z\",\"uid\":\"00000000-0000-4000-8000-000000000000\"}}"
            ));
        }
        Filler {
            compute: lines("/compute/compute/logs/current.log"),
            console: lines("/guest-console-log/guest-console-log/logs/current.log"),
            handler,
        }
    }

    /// Inserts filler lines in the middle of `log` until it holds `target` bytes. The filler
    /// takes the kubelet timestamp of the line before it, with growing nanoseconds.
    fn pad(&self, log: &str, filler: &[String], target: u64, r: &Replacer) -> String {
        let lines: Vec<&str> = log.lines().collect();
        if filler.is_empty() || lines.is_empty() || log.len() as u64 >= target {
            return log.to_owned();
        }
        let filler: Vec<String> = filler.iter().map(|f| r.apply(f)).collect();
        let at = lines.len() / 2;
        let stamp = lines[at.saturating_sub(1)]
            .split_once(' ')
            .map_or("2024-05-14T09:00:00.000000000Z", |(t, _)| t);
        let base = stamp.get(..20).unwrap_or("2024-05-14T09:00:00.");
        let mut out = String::with_capacity(target as usize + 4096);
        for l in &lines[..at] {
            out.push_str(l);
            out.push('\n');
        }
        let rest: usize = lines[at..].iter().map(|l| l.len() + 1).sum();
        let mut n = 0usize;
        while (out.len() + rest) < target as usize {
            let _ = std::fmt::Write::write_fmt(
                &mut out,
                format_args!("{base}{:09}Z ", n % 1_000_000_000),
            );
            out.push_str(&filler[n % filler.len()]);
            out.push('\n');
            n += 1;
        }
        for l in &lines[at..] {
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// `managedFields` as the API server keeps them: one entry per manager, each a `fieldsV1` tree
/// of the fields it set (here: metadata and spec by the controller, status by the kubelet or
/// the controller's status writer).
fn add_managed_fields(v: &mut Value) {
    fn fields(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                out.insert(".".into(), json!({}));
                for (k, child) in m {
                    out.insert(format!("f:{k}"), fields(child));
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let mut out = serde_json::Map::new();
                for item in items {
                    let key = item
                        .get("name")
                        .or_else(|| item.get("type"))
                        .and_then(Value::as_str)
                        .map_or_else(
                            || format!("v:{item}"),
                            |n| format!("k:{{\"name\":\"{n}\"}}"),
                        );
                    out.insert(key, fields(item));
                }
                Value::Object(out)
            }
            _ => json!({}),
        }
    }
    let meta = v.get("metadata").cloned().unwrap_or(Value::Null);
    let spec = v.get("spec").cloned().unwrap_or(Value::Null);
    let status = v.get("status").cloned().unwrap_or(Value::Null);
    let api = v.get("apiVersion").cloned().unwrap_or(Value::Null);
    let mut main = serde_json::Map::new();
    if let Some(Value::Object(m)) = Some(fields(
        &json!({"metadata": {"labels": meta.get("labels"), "annotations": meta.get("annotations"), "ownerReferences": meta.get("ownerReferences")}, "spec": spec}),
    )) {
        main = m;
    }
    let entries = json!([
        {"apiVersion": api, "fieldsType": "FieldsV1", "fieldsV1": Value::Object(main), "manager": "virt-controller", "operation": "Update", "time": "2024-05-13T22:05:37Z"},
        {"apiVersion": api, "fieldsType": "FieldsV1", "fieldsV1": fields(&json!({"status": status})), "manager": "kubelet", "operation": "Update", "subresource": "status", "time": "2024-05-14T09:41:31Z"},
    ]);
    if let Some(Value::Object(m)) = v.get_mut("metadata") {
        m.insert("managedFields".into(), entries);
    }
}

/// A ConfigMap or Secret list of about `bytes` bytes: CA bundles, application settings.
fn irrelevant(rng: &mut Rng, ns: &str, kind: &str, bytes: u64) -> String {
    let mut items = Vec::new();
    let mut size = 0u64;
    let mut i = 0;
    while size < bytes {
        let mut blob = String::from("-----BEGIN CERTIFICATE-----\n");
        for _ in 0..24 {
            for _ in 0..8 {
                let _ = std::fmt::Write::write_fmt(
                    &mut blob,
                    format_args!("{:08X}", rng.next() as u32),
                );
            }
            blob.push('\n');
        }
        blob.push_str("-----END CERTIFICATE-----\n");
        size += blob.len() as u64 + 300;
        let data = if kind == "Secret" {
            json!({"tls.crt": blob.replace('\n', ""), "tls.key": format!("{:016x}", rng.next())})
        } else {
            json!({"ca-bundle.crt": blob, "app.properties": format!("replicas={i}\nlog.level=info\n")})
        };
        items.push(json!({"apiVersion": "v1", "kind": kind, "data": data, "metadata": {"name": format!("{}-{i:04}", kind.to_ascii_lowercase()), "namespace": ns, "uid": rng.uuid(), "resourceVersion": "4711"}}));
        i += 1;
    }
    let mut text = String::from("---\n");
    yaml::write(
        &mut text,
        &json!({"apiVersion": "v1", "items": items, "kind": format!("{kind}List"), "metadata": {"resourceVersion": "56565676"}}),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacer_takes_the_longest_match() {
        let r = Replacer::new(vec![
            ("web".into(), "x".into()),
            ("web-cache".into(), "y".into()),
        ]);
        assert_eq!(r.apply("a web-cache web b"), "a y x b");
    }

    #[test]
    fn sample_templates_are_found() {
        let s = Sample::load();
        assert!(s.launcher_pod(&HEALTHY).is_some());
        assert!(!s.uuids(&FAILING[0]).is_empty());
    }
}
