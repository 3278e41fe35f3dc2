"""Helpers of scripts/bench-e2e.sh.

bench-summary.py LABEL SIZE FILES RUNS_FILE LOAD
    One Markdown table row of medians from RUNS_FILE (lines "name wall_s cpu_s peak_rss_mb").
bench-summary.py --check EXPECTED_YAML < report.json
    How many VMs got exactly the causes the generator expects (at warning or above).
"""

import json
import statistics
import sys


def row(label, size, files, path, load):
    runs = {}
    with open(path) as f:
        for line in f:
            name, wall, cpu, rss = line.split()
            runs.setdefault(name, []).append((float(wall), float(cpu), float(rss)))

    def med(name, i):
        return statistics.median(r[i] for r in runs[name])

    tk, tr, tc = med("kvdiag", 0), med("rg", 0), med("cat", 0)
    print(
        f"| {label} | {int(size) / 1e9:.2f} GB, {files} files | {tk:.2f} s | {tr:.2f} s "
        f"| {tc:.2f} s | {tk / tr:.2f} | {tk / tc:.2f} | {med('kvdiag', 1):.2f} s / "
        f"{med('rg', 1):.2f} s | {med('kvdiag', 2):.0f} MB | {med('rg', 2):.0f} MB | {load} |"
    )


def check(expected_path):
    report = json.load(sys.stdin)
    found = {}
    for d in report["diagnoses"]:
        if d["severity"] in ("critical", "error", "warning"):
            s = d["subject"]
            found.setdefault(s.get("namespace", "") + "/" + s["name"], set()).add(d["cause"])
    expected = {}
    with open(expected_path) as f:
        for line in f:
            line = line.strip()
            if ": [" in line:
                vm, causes = line.split(": [", 1)
                expected[vm] = {c.strip() for c in causes.rstrip("]").split(",") if c.strip()}
    good = sum(1 for vm, causes in expected.items() if causes == found.get(vm, set()))
    print(f"{good} of {len(expected)} VMs")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        row(*sys.argv[1:6])
