#!/usr/bin/env python3
"""Renders a YAML/JSON fixture folder as the text `oc` prints for the same objects.

    scripts/fixture-to-text.py fixtures/oom-killed fixtures/text-oom-killed [--forms get,describe,logs]

Layouts follow kubectl (../shared/reference/kubectl-text.md): `describe` through a Go tabwriter
emulation (padding 2, per-block alignment), the generic describer for VMs, VMIs and DataVolumes
(sorted keys, smartLabelFor labels, list elements without separators), the pod, node and PVC
describers, `get` tables (padding 3, minwidth 6), `kubectl logs --prefix` and ages by
apimachinery's HumanDuration counted back from the capture time (the newest timestamp of the
data, written to `timestamp` as a must-gather does). Used to make the text twins of fixtures:
the same objects, the text form.
"""
import datetime as dt
import json
import os
import re
import sys

import yaml


def load(folder):
    objs, logs = [], {}
    for f in sorted(os.listdir(folder)):
        p = os.path.join(folder, f)
        if f.endswith((".yaml", ".yml", ".json")) and f != "expected.yaml":
            with open(p) as fh:
                for doc in yaml.safe_load_all(fh):
                    if not isinstance(doc, dict):
                        continue
                    items = doc.get("items") if doc.get("kind", "").endswith("List") else None
                    for o in items if items is not None else [doc]:
                        if isinstance(o, dict):
                            if "kind" not in o and doc.get("kind", "").endswith("List"):
                                o["kind"] = doc["kind"][:-4]
                            objs.append(o)
        elif f.endswith(".log"):
            logs[f] = open(p).read()
    return objs, logs


TIME_KEY = re.compile(r"(Timestamp|Time|At)$")


def parse_time(s):
    if not isinstance(s, str):
        return None
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


def newest(objs, logs):
    best = None

    def walk(v, key=""):
        nonlocal best
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif TIME_KEY.search(key):
            t = parse_time(v)
            if t and (best is None or t > best):
                best = t

    for o in objs:
        walk(o)
    for text in logs.values():
        for m in re.finditer(r'"(?:timestamp|ts)":"([^"]+)"', text):
            t = parse_time(m.group(1))
            if t and (best is None or t > best):
                best = t
    return best


def human(d):
    """apimachinery duration.HumanDuration."""
    s = int(d.total_seconds())
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        r = s % 60
        return f"{m}m" if r == 0 else f"{m}m{r}s"
    if m < 180:
        return f"{m}m"
    h = s // 3600
    if h < 8:
        r = m % 60
        return f"{h}h" if r == 0 else f"{h}h{r}m"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        r = h % 24
        return f"{h // 24}d" if r == 0 else f"{h // 24}d{r}h"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        dd = (h // 24) % 365
        return f"{h // 24 // 365}y" if dd == 0 else f"{h // 24 // 365}y{dd}d"
    return f"{h // 24 // 365}y"


def rfc1123(s):
    t = parse_time(s)
    return t.strftime("%a, %d %b %Y %H:%M:%S %z") if t else str(s)


def tabwrite(text, padding, minwidth=0):
    """Go text/tabwriter: cells end at tabs, columns aligned per block of lines."""
    lines = [l.split("\t") for l in text.split("\n")]
    out = [""] * len(lines)
    widths = []

    def fmt(line0, line1):
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            start = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(start, this)
            widths.pop()
        return

    # Emulate by computing each line's cell widths from the block structure.
    cellw = [[None] * (len(l) - 1) for l in lines]

    def assign(line0, line1, column):
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            start = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            for k in range(start, this):
                cellw[k][column] = width
            assign(start, this, column + 1)

    assign(0, len(lines), 0)
    for i, l in enumerate(lines):
        s = ""
        for c, cell in enumerate(l[:-1]):
            s += cell.ljust(cellw[i][c])
        s += l[-1]
        out[i] = s
    return "\n".join(out)


def smart_label(field):
    if any(not (c.isalpha() or c == "-") for c in field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", field)
    out = []
    for p in parts:
        if p.upper() in ("API", "URL", "UID", "OSB", "GUID"):
            out.append(p.upper())
        else:
            out.append(p[:1].upper() + p[1:])
    return " ".join(out)


def fmt_scalar(v):
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def unstructured(w, level, content, prefix="", skip=()):
    for field in sorted(content):
        value = content[field]
        expr = f"{prefix}.{field}"
        if expr in skip:
            continue
        ind = "  " * level
        if isinstance(value, dict):
            w.append(f"{ind}{smart_label(field)}:")
            unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.append(f"{ind}{smart_label(field)}:")
            for child in value:
                if isinstance(child, dict):
                    unstructured(w, level + 1, child, expr, skip)
                else:
                    w.append(f"{ind}  {fmt_scalar(child)}")
        else:
            w.append(f"{ind}{smart_label(field)}:\t{fmt_scalar(value)}")


def labels_lines(w, label, m, sep):
    items = sorted((m or {}).items())
    if not items:
        w.append(f"{label}:\t<none>")
        return
    for i, (k, v) in enumerate(items):
        w.append(f"{label if i == 0 else ''}{':' if i == 0 else ''}\t{k}{sep}{v}")


def annotations_lines(w, m):
    items = sorted((k, v) for k, v in (m or {}).items() if k != "kubectl.kubernetes.io/last-applied-configuration")
    if not items:
        w.append("Annotations:\t<none>")
        return
    for i, (k, v) in enumerate(items):
        lead = "Annotations:" if i == 0 else ""
        v = str(v)
        if len(k) + len(v) + 2 > 140 or "\n" in v:
            w.append(f"{lead}\t{k}:")
            for vl in v.split("\n"):
                w.append(f"\t  {vl[:138] + '...' if len(vl) > 138 else vl}")
        else:
            w.append(f"{lead}\t{k}: {v}")


def event_times(e):
    first = parse_time(e.get("firstTimestamp")) or parse_time(e.get("eventTime"))
    last = parse_time(e.get("lastTimestamp")) or first
    count = e.get("count") or 0
    series = e.get("series") or {}
    if series:
        count = series.get("count", count)
        last = parse_time(series.get("lastObservedTime")) or last
    return first, last, count


def describe_events(w, events, now):
    if not events:
        w.append("Events:\t<none>")
        return
    w.append("Events:")
    w.append("  Type\tReason\tAge\tFrom\tMessage")
    w.append("  ----\t------\t----\t----\t-------")
    for e in sorted(events, key=lambda e: event_times(e)[0] or now):
        first, last, count = event_times(e)
        age = human(now - first) if first else "<unknown>"
        if count and count > 1:
            age = f"{human(now - last)} (x{count} over {human(now - first)})"
        src = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        w.append(f"  {e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{src}\t{(e.get('message') or '').strip()}")


def events_of(objs, o):
    md = o.get("metadata", {})
    return [e for e in objs if e.get("kind") == "Event"
            and e.get("involvedObject", {}).get("kind") == o["kind"]
            and e.get("involvedObject", {}).get("name") == md.get("name")]


def describe_generic(o, objs, now):
    md = o.get("metadata", {})
    w = [f"Name:\t{md.get('name')}"]
    if md.get("namespace"):
        w.append(f"Namespace:\t{md.get('namespace')}")
    labels_lines(w, "Labels", md.get("labels"), "=")
    annotations_lines(w, md.get("annotations"))
    skip = (".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations", ".metadata.managedFields")
    unstructured(w, 0, o, "", skip)
    describe_events(w, events_of(objs, o), now)
    return tabwrite("\n".join(w), 2)


def container_state(w, label, st):
    if not st:
        return
    if "running" in st:
        w.append(f"    {label}:\tRunning")
        if st["running"].get("startedAt"):
            w.append(f"      Started:\t{rfc1123(st['running']['startedAt'])}")
    elif "waiting" in st:
        w.append(f"    {label}:\tWaiting")
        if st["waiting"].get("reason"):
            w.append(f"      Reason:\t{st['waiting']['reason']}")
        if st["waiting"].get("message"):
            w.append(f"      Message:\t{st['waiting']['message']}")
    elif "terminated" in st:
        t = st["terminated"]
        w.append(f"    {label}:\tTerminated")
        if t.get("reason"):
            w.append(f"      Reason:\t{t['reason']}")
        if t.get("message"):
            w.append(f"      Message:\t{t['message']}")
        w.append(f"      Exit Code:\t{t.get('exitCode', 0)}")
        if t.get("signal"):
            w.append(f"      Signal:\t{t['signal']}")
        if t.get("startedAt"):
            w.append(f"      Started:\t{rfc1123(t['startedAt'])}")
        if t.get("finishedAt"):
            w.append(f"      Finished:\t{rfc1123(t['finishedAt'])}")


def describe_containers(w, label, specs, statuses):
    if not specs:
        return
    w.append(f"{label}:")
    by = {s.get("name"): s for s in statuses or []}
    for c in specs:
        s = by.get(c["name"], {})
        w.append(f"  {c['name']}:")
        if s.get("containerID"):
            w.append(f"    Container ID:\t{s['containerID']}")
        w.append(f"    Image:\t{c.get('image', '')}")
        if s.get("imageID") is not None:
            w.append(f"    Image ID:\t{s.get('imageID', '')}")
        ports = c.get("ports") or []
        w.append(f"    Port:\t{'<none>' if not ports else ports[0].get('containerPort')}")
        w.append(f"    Host Port:\t{'<none>' if not ports else 0}")
        container_state(w, "State", s.get("state"))
        if (s.get("lastState") or {}).get("terminated"):
            container_state(w, "Last State", s.get("lastState"))
        w.append(f"    Ready:\t{'True' if s.get('ready') else 'False'}")
        w.append(f"    Restart Count:\t{s.get('restartCount', 0)}")
        res = c.get("resources") or {}
        for which, lab in (("limits", "Limits"), ("requests", "Requests")):
            if res.get(which):
                w.append(f"    {lab}:")
                for k, v in sorted(res[which].items()):
                    w.append(f"      {k}:\t{v}")
        w.append("    Environment:\t<none>")
        w.append("    Mounts:\t<none>")


def describe_pod(o, objs, now):
    md, spec, st = o.get("metadata", {}), o.get("spec", {}), o.get("status", {})
    w = [f"Name:\t{md.get('name')}", f"Namespace:\t{md.get('namespace')}"]
    w.append(f"Priority:\t{spec.get('priority', 0)}")
    if spec.get("priorityClassName"):
        w.append(f"Priority Class Name:\t{spec['priorityClassName']}")
    w.append(f"Service Account:\t{spec.get('serviceAccountName', 'default')}")
    node = spec.get("nodeName")
    w.append(f"Node:\t{node + '/' + st.get('hostIP', '') if node else '<none>'}")
    if st.get("startTime"):
        w.append(f"Start Time:\t{rfc1123(st['startTime'])}")
    labels_lines(w, "Labels", md.get("labels"), "=")
    annotations_lines(w, md.get("annotations"))
    if md.get("deletionTimestamp") and st.get("phase") not in ("Succeeded", "Failed"):
        w.append(f"Status:\tTerminating (lasts {human(now - parse_time(md['deletionTimestamp']))})")
        w.append(f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 30)}s")
    else:
        w.append(f"Status:\t{st.get('phase', '')}")
    if st.get("reason"):
        w.append(f"Reason:\t{st['reason']}")
    if st.get("message"):
        w.append(f"Message:\t{st['message']}")
    w.append(f"IP:\t{st.get('podIP', '')}")
    if st.get("podIPs"):
        w.append("IPs:")
        for ip in st["podIPs"]:
            w.append(f"  IP:\t{ip.get('ip')}")
    else:
        w.append("IPs:\t<none>")
    for ref in md.get("ownerReferences") or []:
        if ref.get("controller"):
            w.append(f"Controlled By:\t{ref['kind']}/{ref['name']}")
    describe_containers(w, "Init Containers", spec.get("initContainers"), st.get("initContainerStatuses"))
    describe_containers(w, "Containers", spec.get("containers"), st.get("containerStatuses"))
    if st.get("conditions"):
        w.append("Conditions:")
        w.append("  Type\tStatus")
        for c in st["conditions"]:
            w.append(f"  {c['type']} \t{c['status']} ")
    vols = spec.get("volumes") or []
    if vols:
        w.append("Volumes:")
        for v in vols:
            w.append(f"  {v['name']}:")
            kind = next((k for k in v if k != "name"), "")
            w.append(f"    Type:\t{smart_label(kind).replace(' ', '')}")
    else:
        w.append("Volumes:\t<none>")
    w.append(f"QoS Class:\t{st.get('qosClass', 'Burstable')}")
    ns = spec.get("nodeSelector") or {}
    labels_lines(w, "Node-Selectors", ns, "=")
    tol = []
    for t in spec.get("tolerations") or []:
        s = t.get("key", "")
        if t.get("value"):
            s += "=" + t["value"]
        if t.get("effect"):
            s += ":" + t["effect"]
        if t.get("operator") == "Exists":
            s += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            s += f" for {t['tolerationSeconds']}s"
        tol.append(s)
    for i, s in enumerate(tol or ["<none>"]):
        w.append(f"{'Tolerations:' if i == 0 else ''}\t{s}")
    describe_events(w, events_of(objs, o), now)
    return tabwrite("\n".join(w), 2)


def describe_node(o, objs, now):
    md, spec, st = o.get("metadata", {}), o.get("spec", {}), o.get("status", {})
    roles = sorted(k.split("/", 1)[1] for k in (md.get("labels") or {}) if k.startswith("node-role.kubernetes.io/"))
    w = [f"Name:\t{md.get('name')}", f"Roles:\t{','.join(roles) or '<none>'}"]
    labels_lines(w, "Labels", md.get("labels"), "=")
    annotations_lines(w, md.get("annotations"))
    w.append(f"CreationTimestamp:\t{rfc1123(md.get('creationTimestamp'))}")
    taints = []
    for t in spec.get("taints") or []:
        s = t["key"] + ("=" + t["value"] if t.get("value") else "") + ":" + t.get("effect", "")
        taints.append(s)
    for i, s in enumerate(taints or ["<none>"]):
        w.append(f"{'Taints:' if i == 0 else ''}\t{s}")
    w.append(f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}")
    text = tabwrite("\n".join(w), 2)
    c = ["Conditions:", "  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage",
         "  ----\t------\t-----------------\t------------------\t------\t-------"]
    for cond in st.get("conditions") or []:
        c.append(f"  {cond['type']} \t{cond['status']} \t{rfc1123(cond.get('lastHeartbeatTime'))} \t{rfc1123(cond.get('lastTransitionTime'))} \t{cond.get('reason', '')} \t{cond.get('message', '')}")
    text += "\n" + tabwrite("\n".join(c), 1)
    rest = []
    for which, lab in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        rest.append(f"{lab}:")
        for k, v in sorted((st.get(which) or {}).items()):
            rest.append(f"  {k}:\t{v}")
    info = st.get("nodeInfo") or {}
    rest.append("System Info:")
    for k in ("kernelVersion", "osImage", "containerRuntimeVersion", "kubeletVersion"):
        if k in info:
            rest.append(f"  {smart_label(k)}:\t{info[k]}")
    text += "\n" + tabwrite("\n".join(rest), 2)
    ev = []
    describe_events(ev, events_of(objs, o), now)
    return text + "\n" + tabwrite("\n".join(ev), 2)


def describe_pvc(o, objs, now):
    md, spec, st = o.get("metadata", {}), o.get("spec", {}), o.get("status", {})
    w = [f"Name:\t{md.get('name')}", f"Namespace:\t{md.get('namespace')}",
         f"StorageClass:\t{spec.get('storageClassName', '')}"]
    w.append(f"Status:\t{'Terminating (lasts ' + human(now - parse_time(md['deletionTimestamp'])) + ')' if md.get('deletionTimestamp') else st.get('phase', '')}")
    w.append(f"Volume:\t{spec.get('volumeName', '')}")
    labels_lines(w, "Labels", md.get("labels"), "=")
    annotations_lines(w, md.get("annotations"))
    w.append(f"Finalizers:\t[{' '.join(md.get('finalizers') or [])}]")
    w.append(f"Capacity:\t{(st.get('capacity') or {}).get('storage', '')}")
    modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    w.append(f"Access Modes:\t{','.join(modes.get(m, m) for m in st.get('accessModes') or [])}")
    w.append(f"VolumeMode:\t{spec.get('volumeMode', 'Filesystem')}")
    describe_events(w, events_of(objs, o), now)
    return tabwrite("\n".join(w), 2)


def table(rows):
    return tabwrite("\n".join("\t".join(r) for r in rows), 3, 6)


def get_tables(objs, now):
    out = []
    age = lambda o: human(now - parse_time(o["metadata"]["creationTimestamp"])) if o.get("metadata", {}).get("creationTimestamp") else "<unknown>"
    cond = lambda o, t: next((c.get("status", "") for c in (o.get("status") or {}).get("conditions") or [] if c.get("type") == t), "")
    vms = [o for o in objs if o["kind"] == "VirtualMachine"]
    vmis = [o for o in objs if o["kind"] == "VirtualMachineInstance"]
    if vms:
        out.append(table([["NAME", "AGE", "STATUS", "READY"]] + [[o["metadata"]["name"], age(o), o.get("status", {}).get("printableStatus", ""), cond(o, "Ready")] for o in vms]))
    if vmis:
        rows = [["NAME", "AGE", "PHASE", "IP", "NODENAME", "READY"]]
        for o in vmis:
            st = o.get("status", {})
            ip = ((st.get("interfaces") or [{}])[0]).get("ipAddress", "")
            rows.append([o["metadata"]["name"], age(o), st.get("phase", ""), ip, st.get("nodeName", ""), cond(o, "Ready")])
        out.append(table(rows))
    dvs = [o for o in objs if o["kind"] == "DataVolume"]
    if dvs:
        rows = [["NAME", "PHASE", "PROGRESS", "RESTARTS", "AGE"]]
        for o in dvs:
            st = o.get("status", {})
            rows.append([o["metadata"]["name"], st.get("phase", ""), st.get("progress", ""), str(st["restartCount"]) if "restartCount" in st else "", age(o)])
        out.append(table(rows))
    pvcs = [o for o in objs if o["kind"] == "PersistentVolumeClaim"]
    if pvcs:
        modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
        rows = [["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"]]
        for o in pvcs:
            st, sp = o.get("status", {}), o.get("spec", {})
            bound = bool(sp.get("volumeName"))
            rows.append([o["metadata"]["name"], "Terminating" if o["metadata"].get("deletionTimestamp") else st.get("phase", ""),
                         sp.get("volumeName", ""), (st.get("capacity") or {}).get("storage", "") if bound else "",
                         ",".join(modes.get(m, m) for m in st.get("accessModes") or []) if bound else "",
                         sp.get("storageClassName", ""), age(o)])
        out.append(table(rows))
    return out


def get_pods(objs, now):
    rows = [["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"]]
    for o in objs:
        if o["kind"] != "Pod":
            continue
        st = o.get("status", {})
        cs = st.get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready") and "running" in (c.get("state") or {}))
        status = st.get("reason") or st.get("phase", "")
        for c in reversed(cs):
            s = c.get("state") or {}
            if (s.get("waiting") or {}).get("reason"):
                status = s["waiting"]["reason"]
            elif (s.get("terminated") or {}).get("reason"):
                status = s["terminated"]["reason"]
        init = st.get("initContainerStatuses") or []
        for i, c in enumerate(init):
            s = c.get("state") or {}
            if (s.get("terminated") or {}).get("exitCode") == 0:
                continue
            if (s.get("waiting") or {}).get("reason") not in (None, "PodInitializing"):
                status = "Init:" + s["waiting"]["reason"]
            else:
                status = f"Init:{i}/{len(init)}"
            break
        if o["metadata"].get("deletionTimestamp") and st.get("phase") not in ("Succeeded", "Failed"):
            status = "Terminating"
        restarts = sum(c.get("restartCount", 0) for c in cs)
        labels = ",".join(f"{k}={v}" for k, v in sorted((o["metadata"].get("labels") or {}).items())) or "<none>"
        age = human(now - parse_time(o["metadata"]["creationTimestamp"])) if o["metadata"].get("creationTimestamp") else "<unknown>"
        rows.append([o["metadata"]["name"], f"{ready}/{len(o.get('spec', {}).get('containers') or cs)}", status, str(restarts), age, labels])
    return table(rows) if len(rows) > 1 else None


def get_events(objs, now):
    rows = [["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]]
    evs = [e for e in objs if e["kind"] == "Event"]
    for e in sorted(evs, key=lambda e: event_times(e)[1] or now):
        first, last, _ = event_times(e)
        io = e.get("involvedObject", {})
        rows.append([human(now - last) if last else "<unknown>", e.get("type", ""), e.get("reason", ""), f"{io.get('kind', '').lower()}/{io.get('name', '')}", (e.get("message") or "").strip()])
    return table(rows) if len(rows) > 1 else None


def main():
    src, dst = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    forms = (args[args.index("--forms") + 1] if "--forms" in args else "get,describe,logs").split(",")
    stern = "--stern" in args
    utf16 = "--utf16" in args
    objs, logs = load(src)
    now = newest(objs, logs)
    os.makedirs(dst, exist_ok=True)
    ns = next((o["metadata"].get("namespace") for o in objs if o["kind"] in ("VirtualMachine", "VirtualMachineInstance", "Pod") and o["metadata"].get("namespace")), "default")
    session = []
    prompt = "[admin@bastion ~]$ "
    if "get" in forms:
        tables = get_tables(objs, now)
        if tables:
            kinds = ",".join(k for k, kind in (("vm", "VirtualMachine"), ("vmi", "VirtualMachineInstance"), ("dv", "DataVolume"), ("pvc", "PersistentVolumeClaim")) if any(o["kind"] == kind for o in objs))
            session.append(f"{prompt}oc get {kinds} -n {ns}")
            session.append("\n\n".join(tables))
        pods = get_pods(objs, now)
        if pods:
            session.append(f"{prompt}oc get pods -n {ns} --show-labels")
            session.append(pods)
        ev = get_events(objs, now)
        if ev:
            session.append(f"{prompt}oc get events -n {ns} --sort-by=.lastTimestamp")
            session.append(ev)
    if "describe" in forms:
        for kind, short, fn in (("VirtualMachine", "vm", describe_generic), ("VirtualMachineInstance", "vmi", describe_generic),
                                ("Pod", "pod", describe_pod), ("DataVolume", "dv", describe_generic),
                                ("PersistentVolumeClaim", "pvc", describe_pvc)):
            for o in objs:
                if o["kind"] == kind:
                    session.append(f"{prompt}oc describe {short} {o['metadata']['name']} -n {ns}")
                    session.append(fn(o, objs, now))
        nodes = [o for o in objs if o["kind"] == "Node"]
        if nodes:
            with open(os.path.join(dst, "nodes.txt"), "w") as fh:
                for o in nodes:
                    fh.write(f"{prompt}oc describe node {o['metadata']['name']}\n{describe_node(o, objs, now)}\n")
    if session:
        with open(os.path.join(dst, "session.txt"), "w") as fh:
            fh.write("\n".join(session) + "\n" + prompt + "\n")
    if "logs" in forms and logs:
        pod = next((o for o in objs if o["kind"] == "Pod" and o["metadata"]["name"].startswith("virt-launcher-")), None)
        name = pod["metadata"]["name"] if pod else "virt-launcher-unknown"
        with open(os.path.join(dst, "logs.txt"), "w") as fh:
            if stern:
                fh.write(f"{prompt}stern {name} -n {ns} --color never\n")
            for f, text in logs.items():
                container = {"compute.log": "compute", "console.log": "guest-console-log"}.get(f, f.rsplit(".", 1)[0])
                if stern:
                    fh.write(f"+ {name} › {container}\n")
                    for line in text.splitlines():
                        fh.write(f"{name} {container} {line}\n")
                    continue
                fh.write(f"{prompt}oc logs {name} -n {ns} -c {container} --prefix\n")
                for line in text.splitlines():
                    fh.write(f"[pod/{name}/{container}] {line}\n")
    if utf16:
        # PowerShell's `>`: UTF-16 LE with a byte order mark, CRLF line ends.
        for f in ("session.txt", "logs.txt", "nodes.txt"):
            p = os.path.join(dst, f)
            if os.path.exists(p):
                text = open(p).read().replace("\n", "\r\n")
                with open(p, "wb") as fh:
                    fh.write(b"\xff\xfe" + text.encode("utf-16-le"))
    if now:
        with open(os.path.join(dst, "timestamp"), "w") as fh:
            fh.write(now.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000000000 +0000 UTC") + "\n")
    exp = open(os.path.join(src, "expected.yaml")).read()
    with open(os.path.join(dst, "expected.yaml"), "w") as fh:
        fh.write(exp)


if __name__ == "__main__":
    main()
