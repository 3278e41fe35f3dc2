#!/usr/bin/env bash
# End-to-end benchmark: on one generated must-gather, `kvdiag analyze` against `rg` searching the
# same tree for the built-in rule pack's log patterns, and `cat` of the tree (the read floor).
# Reports medians of several runs (hyperfine), the time ratios, peak RSS (/usr/bin/time -v) and
# kvdiag's stage timings.
#
#   scripts/bench-e2e.sh                      # 2,000 VMs, 800 MiB of VM logs (~1.1 GB tree)
#   VMS=4000 LOG_BYTES=1600M scripts/bench-e2e.sh
#   RUNS=10 OUT=/tmp/kvdiag-bench scripts/bench-e2e.sh
#   scripts/bench-e2e.sh scale                # how time and memory grow with VMs and log bytes
#
# Needs: cargo; installs Debian's `time`, `ripgrep` and `hyperfine` with apt-get when missing.
# The generated trees are written under $OUT (default: target/bench-e2e), never committed.
set -euo pipefail
cd "$(dirname "$0")/.."

VMS=${VMS:-2000}
LOG_BYTES=${LOG_BYTES:-800M}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
OUT=${OUT:-target/bench-e2e}

need() {
    local missing=()
    [ -x /usr/bin/time ] || missing+=(time)
    command -v rg >/dev/null || missing+=(ripgrep)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]}" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

build() {
    cargo build --release --locked -q -p kvdiag-cli -p kvdiag-gen
    KVDIAG=$PWD/target/release/kvdiag
    GEN=$PWD/target/release/kvdiag-gen
}

# generate VMS LOG_BYTES -> sets MG (the must-gather directory); reuses an existing tree.
generate() {
    local vms=$1 logs=$2 dir="$OUT/vms$1-logs$2-seed$SEED"
    if [ ! -f "$dir/expected.yaml" ]; then
        rm -rf "$dir"
        "$GEN" --out "$dir" --vms "$vms" --log-bytes "$logs" --seed "$SEED" >&2
    fi
    MG=$(ls -d "$dir"/must-gather.local.*)
}

# peak RSS in MB of a command
peak_rss() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {printf "%.0f", $6/1024}'
}

# median wall time (s) of a hyperfine JSON export, for command number $2
median() {
    python3 -c "import json,sys; print('%.3f' % json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['median'])" "$1" "$2"
}

# bench_one: kvdiag, rg and cat on $MG; prints one result line
bench_one() {
    local label=$1 json
    json=$(mktemp)
    "$KVDIAG" rules patterns > "$OUT/patterns.txt"
    # Warm the page cache so that every command reads from memory.
    find "$MG" -type f -print0 | xargs -0 cat > /dev/null
    hyperfine --style none --runs "$RUNS" --warmup 1 --export-json "$json" \
        -n kvdiag "$KVDIAG analyze $MG -o json --fail-on never > /dev/null" \
        -n rg "rg -c -f $OUT/patterns.txt $MG > /dev/null || true" \
        -n cat "find $MG -type f -print0 | xargs -0 cat > /dev/null" >&2
    local tk tr tc mk mr bytes files
    tk=$(median "$json" 0); tr=$(median "$json" 1); tc=$(median "$json" 2)
    mk=$(peak_rss "$KVDIAG" analyze "$MG" -o json --fail-on never)
    mr=$(peak_rss rg -c -f "$OUT/patterns.txt" "$MG")
    bytes=$(du -sb "$MG" | cut -f1)
    files=$(find "$MG" -type f | wc -l)
    rm -f "$json"
    python3 - "$label" "$bytes" "$files" "$tk" "$tr" "$tc" "$mk" "$mr" <<'EOF'
import sys
label, size, files, tk, tr, tc, mk, mr = sys.argv[1:]
size, tk, tr, tc = int(size), float(tk), float(tr), float(tc)
print(f"| {label} | {size/1e9:.2f} GB, {files} files | {tk:.2f} s | {tr:.2f} s | {tc:.2f} s "
      f"| {tk/tr:.2f} | {tk/tc:.2f} | {mk} MB | {mr} MB |")
EOF
}

header() {
    echo "| tree | size | kvdiag | rg (pack patterns) | cat | kvdiag/rg | kvdiag/cat | kvdiag peak RSS | rg peak RSS |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
}

need
build
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kvdiag $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(rg --version | head -1); $(hyperfine --version)"
echo "medians of $RUNS runs (hyperfine, 1 warm-up, page cache warm)"
echo

if [ "${1:-}" = "scale" ]; then
    header
    for spec in "1000 400M" "2000 800M" "4000 1600M"; do
        set -- $spec
        generate "$1" "$2"
        bench_one "$1 VMs, $2 logs"
    done
    for logs in 400M 1600M; do
        generate "$VMS" "$logs"
        bench_one "$VMS VMs, $logs logs"
    done
    exit 0
fi

generate "$VMS" "$LOG_BYTES"
header
bench_one "$VMS VMs, $LOG_BYTES logs"
echo
echo "kvdiag stage timings (one run):"
"$KVDIAG" analyze "$MG" -o json --fail-on never --timings 2>&1 >/dev/null | sed 's/^timing /  /'
echo
echo "diagnoses as the generator expects: $(
    "$KVDIAG" analyze "$MG" -o json --fail-on never | python3 -c '
import json, sys
r = json.load(sys.stdin)
found = {}
for d in r["diagnoses"]:
    if d["severity"] in ("critical", "error", "warning"):
        s = d["subject"]
        found.setdefault(s.get("namespace", "") + "/" + s["name"], set()).add(d["cause"])
exp = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if ": [" in line:
        k, v = line.split(": [", 1)
        exp[k] = set(x.strip() for x in v.rstrip("]").split(",") if x.strip())
bad = [k for k in exp if exp[k] != found.get(k, set())]
print(f"{len(exp) - len(bad)} of {len(exp)} VMs")
' "$(dirname "$MG")/expected.yaml")"
