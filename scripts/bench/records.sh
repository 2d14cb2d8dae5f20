#!/usr/bin/env bash
# Records and telemetry benchmarks (docs/benchmarks.md, "Records and telemetry"):
#  1. added wall time of `ogf apply` with every sink on (Grafana and Slack stand-ins, the
#     Pushgateway, the OTLP receiver, SMTP) versus `--no-notify`, side by side with hyperfine;
#  2. report generation for a 1,000-resource apply (`ogf-bench records`).
# Needs the loopback servers (scripts/dev-up.sh). Usage: scripts/bench/records.sh [RUNS] [CONFIG]
# CONFIG is debug (default: no second build of the whole package) or release; SCRATCH=DIR
# builds in another scratch folder (e.g. .build-release, so a debug tree is left alone).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-20}"
CONF="${2:-debug}"
SCRATCH="${SCRATCH:-.build}"
swift build -c "$CONF" --scratch-path "$SCRATCH" --product ogf 2>&1 | tail -1
swift build -c "$CONF" --scratch-path "$SCRATCH" --product ogf-bench 2>&1 | tail -1
BIN="$(swift build -c "$CONF" --scratch-path "$SCRATCH" --show-bin-path)"
WORK="$(mktemp -d /tmp/ogf-bench-records.XXXXXX)"
PORTFILE="$WORK/port"
python3 Tests/Support/telemetry-standins.py 0 bench-token /services/TB/BB/bench "$PORTFILE" >/dev/null 2>&1 &
STANDINS=$!
trap 'kill $STANDINS 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$PORTFILE" ] && break; sleep 0.1; done
PORT="$(cat "$PORTFILE")"
mkdir -p "$WORK/p/environments"
cat >"$WORK/p/environments/bench.yaml" <<YAML
environment: bench
variables: {release: v1}
records: {report_dir: reports, status_page: status}
notify:
  grafana: {url: "http://127.0.0.1:$PORT", token: bench-token}
  slack: {webhook: "http://127.0.0.1:$PORT/services/TB/BB/bench", on: [started, succeeded, failed]}
  pushgateway: {url: "http://127.0.0.1:19091", job: ogf_bench}
  otlp: {endpoint: "http://127.0.0.1:14318"}
  email: {smtp: "smtp://127.0.0.1:17025", username: ogf-smtp, password: ogf-smtp-secret, from: b@example.com, to: [o@example.com], on: [succeeded]}
resources:
$(for i in 1 2 3 4 5; do printf '  exec.s%d: {command: ["true"], always: true}\n' "$i"; done)
YAML
"$BIN/ogf" apply bench -C "$WORK/p" --auto-approve >/dev/null
echo "## apply of 5 exec steps: all sinks on vs --no-notify ($CONF build, $RUNS runs each)"
hyperfine -N -w 2 -r "$RUNS" --export-json "$WORK/h.json" \
  "$BIN/ogf apply bench -C $WORK/p --auto-approve --no-notify" \
  "$BIN/ogf apply bench -C $WORK/p --auto-approve" 2>&1 | grep -E 'Time|±|faster' || true
python3 - "$WORK/h.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
off, on = statistics.median(r[0]["times"]), statistics.median(r[1]["times"])
print(f"  median off {off*1000:.1f} ms, on {on*1000:.1f} ms: added {1000*(on-off):.1f} ms (goal < 50 ms)")
PY
curl -s -X DELETE "http://127.0.0.1:19091/metrics/job/ogf_bench/environment/bench" >/dev/null || true
"$BIN/ogf-bench" records --runs="$RUNS"
