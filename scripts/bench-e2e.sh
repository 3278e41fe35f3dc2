#!/usr/bin/env bash
# End-to-end benchmark: on one generated must-gather, `kvdiag analyze` against `rg` searching the
# same tree for the built-in rule pack's log patterns (`rg -c -z --no-ignore --hidden -j2`), and `cat` of the tree (the read floor).
# Reports medians of several rounds (wall and CPU time, peak RSS, all from /usr/bin/time -v), the
# time ratios, hyperfine's view of kvdiag against rg, and kvdiag's stage timings.
#
#   scripts/bench-e2e.sh                      # 2,000 VMs, 800 MiB of VM logs (~1.2 GB tree)
#   VMS=4000 LOG_BYTES=1600M scripts/bench-e2e.sh
#   RUNS=10 OUT=/tmp/kvdiag-bench scripts/bench-e2e.sh
#   scripts/bench-e2e.sh scale                # how time and memory grow with VMs and log bytes
#
# Needs: cargo, python3; installs Debian's `time`, `ripgrep` and `hyperfine` with apt-get when
# missing. The generated trees are written under $OUT (default: target/bench-e2e), never
# committed.
set -euo pipefail
cd "$(dirname "$0")/.."

VMS=${VMS:-2000}
LOG_BYTES=${LOG_BYTES:-800M}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
OUT=${OUT:-target/bench-e2e}
# rg as issue 14 gives it: count matches, search compressed files, ignore no file, two threads.
RG_FLAGS=(-c -z --no-ignore --hidden -j2)

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

# One run of a command: "wall_s cpu_s peak_rss_mb" (cpu = user + system).
measure() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '
        /Elapsed \(wall clock\)/ {
            n = split($NF, t, ":")
            w = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2]
        }
        /User time/ { u = $NF }
        /System time/ { s = $NF }
        /Maximum resident set size/ { m = $NF / 1024 }
        END { printf "%.3f %.3f %.0f\n", w, u + s, m }'
}

# bench_one LABEL: kvdiag, rg and cat on $MG, RUNS rounds taking turns (so that other programs on
# the machine weigh on all three alike); prints one line of medians.
bench_one() {
    local label=$1 runs
    runs=$(mktemp)
    # rg 13 refuses the pack's patterns as one regex when two name the same capture group
    # ("duplicate capture group name"): the names are dropped, the matches stay the same.
    "$KVDIAG" rules patterns | sed -E 's/\(\?P<[a-z_]+>/(/g' > "$OUT/patterns.txt"
    # Warm the page cache so that every command reads from memory.
    find "$MG" -type f -print0 | xargs -0 cat > /dev/null
    "$KVDIAG" analyze "$MG" -o json --fail-on never > /dev/null
    for _ in $(seq "$RUNS"); do
        echo "kvdiag $(measure "$KVDIAG" analyze "$MG" -o json --fail-on never)" >> "$runs"
        echo "rg $(measure rg "${RG_FLAGS[@]}" -f "$OUT/patterns.txt" "$MG")" >> "$runs"
        echo "cat $(measure sh -c "find '$MG' -type f -print0 | xargs -0 cat")" >> "$runs"
    done
    python3 scripts/bench-summary.py "$label" "$(du -sb "$MG" | cut -f1)" \
        "$(find "$MG" -type f | wc -l)" "$runs" "$(cut -d' ' -f1 /proc/loadavg)"
    rm -f "$runs"
}

header() {
    echo "| tree | size | kvdiag | rg (pack patterns) | cat | kvdiag/rg | kvdiag/cat | CPU kvdiag / rg | kvdiag peak RSS | rg peak RSS | load avg after |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
}

need
build
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr); load avg before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kvdiag $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(rg --version | head -1); $(hyperfine --version)"
echo "medians of $RUNS rounds (kvdiag, rg, cat in turn; page cache warm; CPU = user + system)"
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
echo "hyperfine, the same commands:"
hyperfine --style basic --runs "$RUNS" --warmup 1 \
    -n kvdiag "$KVDIAG analyze $MG -o json --fail-on never" \
    -n rg "rg ${RG_FLAGS[*]} -f $OUT/patterns.txt $MG" 2>&1 | grep -E "Time|faster|±" | sed 's/^/  /'
echo
echo "kvdiag stage timings (one run):"
"$KVDIAG" analyze "$MG" -o json --fail-on never --timings 2>&1 >/dev/null | sed 's/^timing /  /'
echo
echo "diagnoses as the generator expects: $(
    "$KVDIAG" analyze "$MG" -o json --fail-on never |
        python3 scripts/bench-summary.py --check "$(dirname "$MG")/expected.yaml"
)"
