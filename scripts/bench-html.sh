#!/usr/bin/env bash
# The HTML report at scale: on a generated must-gather of $VMS VMs (10 % failing), the time of
# `kvdiag analyze -o html`, the page's size, and how long headless Chromium takes to load it.
#
#   scripts/bench-html.sh                    # 10,000 VMs, 100 MiB of VM logs
#   VMS=2000 RUNS=9 scripts/bench-html.sh
#
# The load time is the wall time of `chromium --headless --screenshot PAGE` (which shoots after
# the load event) minus that of the same command on an empty page (the browser's own start and
# exit); both are medians of $RUNS rounds, run alternately. For scale, the same is measured for
# a page of plain paragraphs of the report's size: the floor of parsing that many bytes. Needs cargo, python3 and
# Debian's chromium (installed with apt-get when missing). Trees and pages go under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

VMS=${VMS:-10000}
LOG_BYTES=${LOG_BYTES:-100M}
RUNS=${RUNS:-5}
OUT=${OUT:-target/bench-html}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}

if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build --release --locked -q -p kvdiag-cli -p kvdiag-gen
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TREE=$OUT/mg-$VMS-$LOG_BYTES
if [ ! -d "$TREE" ]; then
    "$TARGET/release/kvdiag-gen" --out "$TREE" --vms "$VMS" --log-bytes "$LOG_BYTES" >/dev/null
fi

start=$(date +%s.%N)
"$TARGET/release/kvdiag" analyze "$TREE" -o html > "$OUT/report.html" || true
end=$(date +%s.%N)
echo "kvdiag analyze -o html: $(python3 -c "print(f'{$end - $start:.2f}')") s"
echo "page: $(stat -c %s "$OUT/report.html") bytes"
printf '<!DOCTYPE html><title>empty</title>\n' > "$OUT/empty.html"
python3 - "$(stat -c %s "$OUT/report.html")" "$OUT/plain.html" <<'PY'
import sys
size, path = int(sys.argv[1]), sys.argv[2]
line = "<p>a line of plain text, as many as make the page as large as the report</p>\n"
with open(path, "w") as f:
    f.write("<!DOCTYPE html><title>plain</title>\n" + line * (size // len(line)))
PY

load() {
    local page=$1 profile
    profile=$(mktemp -d)
    local s e
    s=$(date +%s.%N)
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size=1200,900 --screenshot="$OUT/shot.png" \
        "file://$page" >/dev/null 2>&1
    e=$(date +%s.%N)
    rm -rf "$profile"
    python3 -c "print($e - $s)"
}

pages=() empties=() plains=()
for _ in $(seq "$RUNS"); do
    empties+=("$(load "$OUT/empty.html")")
    pages+=("$(load "$OUT/report.html")")
    plains+=("$(load "$OUT/plain.html")")
done
python3 - "$RUNS" "${pages[@]}" "${empties[@]}" "${plains[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1])
pages = [float(x) for x in sys.argv[2:2 + n]]
empties = [float(x) for x in sys.argv[2 + n:2 + 2 * n]]
plains = [float(x) for x in sys.argv[2 + 2 * n:]]
p, e, f = (statistics.median(x) for x in (pages, empties, plains))
print(f"chromium --screenshot, median of {n}: report {p:.2f} s, empty page {e:.2f} s, plain page of the same size {f:.2f} s")
print(f"load (minus the empty page): report {p - e:.2f} s, plain page {f - e:.2f} s")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
