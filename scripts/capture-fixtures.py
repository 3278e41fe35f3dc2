#!/usr/bin/env python3
"""Writes the capture-layout fixtures whose files are archives or compressed, byte for byte the
same on every run (fixed times, owners and entry order), from the text below and from other
fixtures. Run from the repository root: python3 scripts/capture-fixtures.py

- fixtures/must-gather-node-folders: nodes/<node>/sysinfo.tgz and <node>_logs_kubelet.gz
- fixtures/harvester-bundle: the whole support bundle folder, and its nodes/<node>.zip
- fixtures/insights-archive: insights-<time>.tar.gz
- fixtures/must-gather-tar-xz: must-gather.tar.xz (fixtures/inspect-tree, packed)
"""

import gzip
import io
import json
import lzma
import os
import tarfile
import zipfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def tar_bytes(files):
    """files: [(name, bytes)] in order; a plain tar with fixed metadata."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1715681523  # 2024-05-14T10:12:03Z
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as g:
        g.write(data)
    return buf.getvalue()


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 14, 10, 25, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def tree(path):
    out = []
    for d, dirs, names in os.walk(path):
        dirs.sort()
        for n in sorted(names):
            full = os.path.join(d, n)
            out.append((os.path.relpath(full, path), open(full, "rb").read()))
    return out


def dump(obj):
    # support-bundle-kit re-emits JSON with yaml.v2: keys sorted.
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False)


# --- must-gather node folders --------------------------------------------------------------
NODE = "worker-1.ocp4.lab.example.com"
HEX = "6f1c0e2d9b8a7f3e5d4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e"


def node_folders():
    mg = os.path.join(FIX, "must-gather-node-folders", "must-gather.local.7305522154823191")
    write(os.path.join(mg, "timestamp"),
          "2024-05-14 10:27:51.604118332 +0000 UTC m=+0.051903318\n"
          "2024-05-14 10:29:58.377514108 +0000 UTC m=+126.825299084\n")
    # The default image (openshift/must-gather, gather_ppc): hardware snapshots and the kubelet
    # journal, gzipped.
    ocp = os.path.join(mg, "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-" + HEX)
    write(os.path.join(ocp, "version"), "openshift/must-gather 4.16.3\n")
    sample_node = os.path.join(
        ROOT, "examples/sample/must-gather.local.5203181046512837",
        "quay-io-kubevirt-must-gather-sha256-3f9a0c6e1b7d2845a9c0e3f1d6b8a2c4e7f0a9b3d5c1e8f2a6b4d0c9e7f1a3b5",
        "cluster-scoped-resources/core/nodes", NODE + ".yaml")
    write(os.path.join(ocp, "cluster-scoped-resources/core/nodes", NODE + ".yaml"), open(sample_node, "rb").read())
    nodes = os.path.join(ocp, "nodes", NODE)
    sample_dmesg = os.path.join(os.path.dirname(os.path.dirname(sample_node)), "../../nodes", NODE, "dmesg")
    write(os.path.join(nodes, "dmesg"), open(os.path.normpath(sample_dmesg), "rb").read())
    # ghw snapshot: selected /proc and /sys files plus machineinfo.json (NTO gather-sysinfo).
    sysinfo = tar_bytes([
        ("machineinfo.json", b'{"num_cores":8,"memory_capacity":33554432000}\n'),
        ("proc/meminfo", b"MemTotal:       32768000 kB\nMemFree:         1024000 kB\n"),
        ("proc/cpuinfo", b"processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\n"),
        ("sys/devices/system/node/node0/cpulist", b"0-7\n"),
        ("sys/bus/pci/devices/0000:00:01.0/vendor", b"0x8086\n"),
    ])
    write(os.path.join(nodes, "sysinfo.tgz"), gz(sysinfo))
    write(os.path.join(nodes, "sysinfo.log"), "")
    write(os.path.join(nodes, "lscpu"), "CPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE\n0   0    0      0    0:0:0:0       yes\n")
    write(os.path.join(nodes, "proc_cmdline"), "BOOT_IMAGE=(hd0,gpt3)/ostree/rhcos-3f1b/vmlinuz-5.14.0-284.59.1.el9_2.x86_64 systemd.unified_cgroup_hierarchy=1\n")
    write(os.path.join(nodes, "irq_affinities.json"), '{"0":[0,1,2,3,4,5,6,7]}\n')
    # oc adm node-logs <node> -u kubelet (short-precise), lines of a real node journal.
    kubelet = open(os.path.join(ROOT, "scripts/capture-fixtures.d/kubelet-journal.log")).read()
    kubelet = kubelet.replace("ci-ln-b3f5vqb-72292-v2kk6-master-0", NODE)
    write(os.path.join(nodes, NODE + "_logs_kubelet.gz"), gz(kubelet.encode()))
    # The CNV image run with --vm-incident: the node's journal for the incident window (kernel
    # lines included), uncompressed, and plain-text tables without an extension.
    cnv = os.path.join(mg, "registry-redhat-io-container-native-virtualization-cnv-must-gather-rhel9-sha256-" + HEX[::-1])
    write(os.path.join(cnv, "version"), "kubevirt/must-gather\n")
    write(os.path.join(cnv, "cluster-scoped-resources", "nodes_overview"),
          f"NAME{' ' * 30}STATUS   ROLES    AGE   VERSION\n{NODE}    Ready    worker   41d   v1.29.6+aba1e8d\n")
    journal = "".join(
        f"May 14 10:12:01.{us} {NODE} kernel: {text}\n"
        for us, text in [
            ("104511", "qemu-kvm invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-997"),
            ("104781", "Memory cgroup out of memory: Killed process 48213 (qemu-kvm) total-vm:5428168kB, anon-rss:2211656kB, file-rss:0kB, shmem-rss:0kB, UID:107 pgtables:5012kB oom_score_adj:-997"),
            ("161332", "oom_reaper: reaped process 48213 (qemu-kvm), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"),
        ]
    )
    write(os.path.join(cnv, "nodes", NODE, NODE + "_logs_journal"), journal)
    write(os.path.join(cnv, "nodes", NODE, NODE + "_logs_kubelet"), kubelet)
    write(os.path.join(cnv, "nodes", NODE, "ip.txt"), "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n")


# --- Harvester support bundle ---------------------------------------------------------------
def harvester():
    src = os.path.join(FIX, "qemu-crash-signal")
    bundle = os.path.join(FIX, "harvester-bundle", "supportbundle_0b7e4f3a-5c2d-4e8b-9a1f-6d3c2b1a0e9f_2024-05-17T18-30-00Z")
    ns = "ci"
    load = lambda n: yaml.safe_load(open(os.path.join(src, n)))
    vm, vmi = load("vm.yaml"), load("vmi.yaml")
    pods = json.load(open(os.path.join(src, "pods.json")))
    events = load("events.yaml")
    lst = lambda items: {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}
    y = lambda *p: os.path.join(bundle, "yamls", *p)
    write(os.path.join(bundle, "metadata.yaml"), dump({
        "bundlename": "supportbundle_0b7e4f3a-5c2d-4e8b-9a1f-6d3c2b1a0e9f_2024-05-17T18-30-00Z",
        "bundleversion": "0.1.0",
        "kubernetesversion": "v1.29.9+rke2r1",
        "projectnamespaceuuid": "0b7e4f3a-5c2d-4e8b-9a1f-6d3c2b1a0e9f",
        "bundlecreatedat": "2024-05-17T18:30:00Z",
        "issueurl": "",
        "issuedescription": "build-runner-3 keeps stopping",
    }))
    write(os.path.join(bundle, "bundleGenerationError.log"), "")
    write(y("namespaced", ns, "kubevirt.io", "v1", "virtualmachines.yaml"), dump(lst([vm])))
    write(y("namespaced", ns, "kubevirt.io", "v1", "virtualmachineinstances.yaml"), dump(lst([vmi])))
    write(y("namespaced", ns, "v1", "pods.yaml"), dump(lst(pods["items"])))
    write(y("namespaced", ns, "v1", "events.yaml"), dump(lst(events["items"])))
    write(y("namespaced", ns, "v1", "configmaps.yaml"), dump(lst([{
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"},
    }])))
    # The same events in the events.k8s.io/v1 shape, and pod metrics also named pods.yaml.
    new_events = [{
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": e["metadata"], "reason": e["reason"], "note": e["message"],
        "regarding": e["involvedObject"], "type": e["type"],
    } for e in events["items"]]
    write(y("namespaced", ns, "events.k8s.io", "v1", "events.yaml"), dump(lst(new_events)))
    pod = pods["items"][0]["metadata"]["name"]
    write(y("namespaced", ns, "metrics.k8s.io", "v1beta1", "pods.yaml"), dump(lst([{
        "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
        "metadata": {"name": pod, "namespace": ns},
        "containers": [{"name": "compute", "usage": {"cpu": "12m", "memory": "1073741824"}}],
        "timestamp": "2024-05-17T18:29:45Z", "window": "15s",
    }])))
    node = pods["items"][0]["spec"]["nodeName"]
    write(y("cluster", "v1", "nodes.yaml"), dump(lst([{
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node, "harvesterhci.io/managed": "true"}},
        "status": {"allocatable": {"cpu": "16", "memory": "65536Mi", "devices.kubevirt.io/kvm": "1k"},
                   "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                   "message": "kubelet is posting ready status"}]},
    }])))
    # Pod logs are fetched with timestamps: each line gets the kubelet's RFC3339Nano prefix.
    lines = []
    for line in open(os.path.join(src, "compute.log")).read().splitlines():
        ts = json.loads(line).get("timestamp", "2024-05-17T18:12:44.000000Z")
        lines.append(ts[:-1] + "000Z " + line)
    write(os.path.join(bundle, "logs", ns, pod, "compute.log"), "\n".join(lines) + "\n")
    # The node bundle, zipped by the agent under <node>/.
    kernel = (
        f"May 17 18:12:45.331207 {node} kernel: IPv6: ADDRCONF(NETDEV_CHANGE): 8c3a2f1b9e7d4c2: link becomes ready\n"
        f"May 17 18:12:45.331502 {node} kernel: device 8c3a2f1b9e7d4c2 entered promiscuous mode\n"
    )
    kubelet = (
        "I0517 18:05:09.260541    2891 plugins.go:420] Loaded volume plugin \"kubernetes.io/gce-pd\"\n"
        "W0517 18:05:09.980725    2891 client_config.go:659] Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.\n"
    )
    scc = lzma.compress(tar_bytes([(f"scc_supportconfig_{node}-a1b2c3/basic-environment.txt", b"#==[ Command ]======================================#\n# /bin/uname -a\n")]))
    node_zip = zip_bytes([
        (f"{node}/logs/kernel.log", kernel.encode()),
        (f"{node}/logs/kubelet.log", kubelet.encode()),
        (f"{node}/logs/containerd-images.log", b"REF TYPE DIGEST SIZE PLATFORMS LABELS\n"),
        (f"{node}/configs/etc/hostname", (node + "\n").encode()),
        (f"{node}/configs/etc/os-release", b"ID=harvester\n"),
        (f"{node}/scc/scc_supportconfig_{node}-a1b2c3.txz", scc),
    ])
    write(os.path.join(bundle, "nodes", node + ".zip"), node_zip)


# --- Insights archive -----------------------------------------------------------------------
def insights():
    src = os.path.join(FIX, "image-pull-failed")
    vmi = yaml.safe_load(open(os.path.join(src, "vmi.yaml")))
    # The operator's own sample line (docs/insights-archive-sample), verbatim.
    launcher = open(os.path.join(ROOT, "scripts/capture-fixtures.d/insights-virt-launcher.json"), "rb").read()
    events = {"items": [
        {"namespace": "openshift-cnv", "lastTimestamp": "2024-05-14T09:40:44Z", "reason": "BackOff",
         "message": "Back-off restarting failed container", "type": "Warning"},
    ]}
    files = [
        ("config/id", b"f0e1d2c3-b4a5-4968-8776-65544332211f"),
        ("config/version.json", json.dumps({"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"}}).encode()),
        ("config/virtualmachineinstances/dev/fedora-builder.json", json.dumps(vmi, indent=2).encode()),
        ("events/openshift-cnv.json", json.dumps(events).encode()),
        ("insights-operator/gathers.json", b'{"status_reports":[]}'),
        ("namespaces/default/pods/virt-launcher-centos-stream10-gray-skunk-52-x7k2p/virt-launcher.json", launcher),
    ]
    write(os.path.join(FIX, "insights-archive", "insights-2024-05-14-101203.tar.gz"), gz(tar_bytes(files)))


# --- must-gather.tar.xz ---------------------------------------------------------------------
def tar_xz():
    src = os.path.join(FIX, "inspect-tree")
    files = [(rel, data) for rel, data in tree(src) if rel.startswith("inspect.local.")]
    packed = lzma.compress(tar_bytes(files), preset=9)
    write(os.path.join(FIX, "must-gather-tar-xz", "must-gather.tar.xz"), packed)


if __name__ == "__main__":
    node_folders()
    harvester()
    insights()
    tar_xz()
