#!/usr/bin/env bash
# check_load benchmark (docs/benchmarks.md, "Load tests"): ogf's check_load against ab and wrk at
# concurrency 16, against one loopback server that answers at once (scripts/bench/load-server.c,
# a single epoll thread), in the same run, the three interleaved RUNS times; medians reported.
# ab gives the rate (its latencies are whole milliseconds, 0 here); wrk gives p50 in µs.
# Usage: scripts/bench/load.sh [RUNS] [REQUESTS]   (OGF=path/to/ogf skips the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"; N="${2:-100000}"; C=16; PORT="${PORT:-18997}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf 2>&1 | tail -1
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
command -v ab >/dev/null && command -v wrk >/dev/null || { echo "needs ab and wrk (scripts/install-deps.sh)" >&2; exit 1; }
WORK="$(mktemp -d)"
gcc -O2 -o "$WORK/load-server" scripts/bench/load-server.c
"$WORK/load-server" "$PORT" & SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 0.3
mkdir -p "$WORK/p/environments"
cat > "$WORK/p/environments/bench.yaml" <<EOF
resources:
  check_load.bench:
    urls: ["http://127.0.0.1:$PORT/"]
    requests: $N
    concurrency: $C
    duration: 300s
EOF
echo "## check_load vs ab vs wrk: $N requests (wrk: 5 s), concurrency $C, loopback server answering at once, $RUNS rounds"
for i in $(seq "$RUNS"); do
  rm -f "$WORK/p/state/bench.json"
  "$OGF" apply bench -C "$WORK/p" --auto-approve --no-color >"$WORK/ogf.out" 2>&1 || { cat "$WORK/ogf.out"; exit 1; }
  "$OGF" state show bench -C "$WORK/p" --json | python3 -c '
import json, sys
o = json.load(sys.stdin)["resources"]["check_load.bench"]["outputs"]
print("ogf", o["rate"], o["p50_ms"] * 1000, o["errors"])' >>"$WORK/results"
  ab -q -k -c "$C" -n "$N" "http://127.0.0.1:$PORT/" 2>&1 | python3 -c '
import re, sys
t = sys.stdin.read()
rate = re.search(r"Requests per second:\s+([\d.]+)", t).group(1)
p50 = re.search(r"\n\s+50%\s+(\d+)", t).group(1)
failed = re.search(r"Failed requests:\s+(\d+)", t).group(1)
print("ab", rate, float(p50) * 1000, failed)' >>"$WORK/results"
  wrk -t2 -c"$C" -d5s --latency "http://127.0.0.1:$PORT/" 2>&1 | python3 -c '
import re, sys
t = sys.stdin.read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
m = re.search(r"\n\s+50%\s+([\d.]+)(us|ms|s)\b", t)
p50 = float(m.group(1)) * {"us": 1, "ms": 1000, "s": 1e6}[m.group(2)]
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("wrk", rate, p50, errs.group(1) if errs else 0)' >>"$WORK/results"
done
python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    tool, rate, p50, errors = line.split()
    rows.setdefault(tool, []).append((float(rate), float(p50), int(float(errors))))
med = {t: (statistics.median(r for r, _, _ in v), statistics.median(p for _, p, _ in v), sum(e for _, _, e in v)) for t, v in rows.items()}
for t in ("ogf", "ab", "wrk"):
    rate, p50, errors = med[t]
    print(f"  {t:4} median {rate:10.0f} req/s   p50 {p50:8.1f} µs   errors {errors}   runs: " + ", ".join(f"{r:.0f}" for r, _, _ in rows[t]))
print(f"  ogf / ab rate  {med['ogf'][0] / med['ab'][0]:.2f}  (goal >= 0.80)")
print(f"  ogf / wrk rate {med['ogf'][0] / med['wrk'][0]:.2f}")
print(f"  ogf p50 / wrk p50 {med['ogf'][1] / med['wrk'][1]:.2f}  (goal 0.80-1.20; ab reports {med['ab'][1]:.0f} µs: whole milliseconds only)")
PY
