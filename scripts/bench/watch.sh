#!/usr/bin/env bash
# Benchmark: the watch's detection latency, rollback time and evaluation overhead.
#
#   scripts/bench/watch.sh                    # RUNS=3, ogf from `swift build -c release`
#   RUNS=5 OGF=.build/debug/ogf scripts/bench/watch.sh
#   TRIGGERS=error_rate scripts/bench/watch.sh   # one kind of trigger only
#
# Needs the shared Prometheus (scripts/services/prometheus.sh, 127.0.0.1:19090, 1 s scrapes).
# Starts its own Kubernetes API emulator (a test double) and a metrics fixture
# (Tests/Support/metrics_fixture.py) on free loopback ports, and for each run:
#   1. applies release v1 (watch passes), then starts `ogf apply` of v2;
#   2. as soon as the watch's first progress line appears, makes the release bad (the health
#      endpoint answers 503, or 30% of requests fail) — the first bad sample;
#   3. reads ogf's output line by line with timestamps: detection latency = first bad sample →
#      "Rolling back" (the rollback starting); rollback time = "Rolling back" → "Rollback to N
#      complete" (the emulator rolls out in ~0.2 s per pod).
# The error_rate runs also load the same rule as a Prometheus alert (`expr: QUERY > 0.05`,
# `for: 3s`, evaluated every 1 s, through rule_files and /-/reload) and time bad sample → the alert
# firing (/api/v1/alerts, polled every 50 ms): the best an alert could do before Alertmanager's
# group_wait and whatever then rolls back.
# Then the evaluation overhead: a watch of 10 Prometheus triggers, 1 s interval, 10 s, timed per
# interval by `ogf-bench watch-overhead`.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${RUNS:-3}"
PROM="${PROM:-http://127.0.0.1:19090}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf --product ogf-bench 2>&1 | grep -E "error|Build" | tail -1 >&2 || true
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
BENCH="${BENCH:-$(dirname "$OGF")/ogf-bench}"
curl -sf "$PROM/-/ready" >/dev/null || { echo "Prometheus is not ready at $PROM (scripts/services/prometheus.sh)" >&2; exit 1; }
TARGETS="$(curl -s "$PROM/api/v1/status/config" | python3 -c 'import json,sys; y=json.load(sys.stdin)["data"]["yaml"]; print([l.strip(" -") for l in y.splitlines() if l.endswith("*.json")][0].rsplit("/",1)[0])')"
RULES="$(curl -s "$PROM/api/v1/status/config" | python3 -c 'import json,sys; y=json.load(sys.stdin)["data"]["yaml"]; print(([l.strip(" -") for l in y.split("scrape_configs")[0].splitlines() if l.endswith(".yml")] + [""])[0].rsplit("/",1)[0])')"
W="$(mktemp -d /tmp/ogf-bench-watch-XXXXXX)"
NAME="ogf_bench_watch_$$"
EMU="" FIX=""
trap '[ -n "$EMU" ] && kill $EMU 2>/dev/null; [ -n "$FIX" ] && kill $FIX 2>/dev/null; rm -f "$TARGETS/$NAME.json"; [ -n "$RULES" ] && rm -f "$RULES/$NAME.yml" && curl -s -X POST "$PROM/-/reload"; rm -rf "$W"' EXIT
python3 Tests/Support/kube-emulator/emulator.py --port 0 --port-file "$W/port" --kubeconfig-out "$W/kubeconfig" --rollout-delay 0.1 >/dev/null 2>&1 &
EMU=$!
python3 Tests/Support/metrics_fixture.py "$W/fport" v1 >/dev/null 2>&1 &
FIX=$!
for _ in $(seq 100); do [ -f "$W/port" ] && [ -f "$W/fport" ] && break; sleep 0.1; done
FPORT="$(cat "$W/fport")"
echo "[{\"targets\": [\"127.0.0.1:$FPORT\"], \"labels\": {\"fixture\": \"$NAME\"}}]" > "$TARGETS/$NAME.json"
for _ in $(seq 100); do
  [ "$(curl -s "$PROM/api/v1/query" --data-urlencode "query=count_over_time(up{fixture=\"$NAME\"}[10s]) >= 3" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))')" = 1 ] && break
  sleep 0.2
done

mkdir -p "$W/p/environments" "$W/p/k8s"
cat > "$W/p/k8s/api.yaml" <<YML
apiVersion: v1
kind: Namespace
metadata: {name: bench-watch}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "\${values.image}"}]
YML
QUERY="sum(rate(http_requests_total{fixture=\\\"$NAME\\\",code=\\\"500\\\"}[4s])) / sum(rate(http_requests_total{fixture=\\\"$NAME\\\"}[4s]))"
if [ -n "$RULES" ]; then
  cat > "$RULES/$NAME.yml" <<YML
groups:
  - name: $NAME
    rules:
      - alert: BenchErrorRate_$$
        expr: sum(rate(http_requests_total{fixture="$NAME",code="500"}[4s])) / sum(rate(http_requests_total{fixture="$NAME"}[4s])) > 0.05
        for: 3s
YML
  curl -s -X POST "$PROM/-/reload"
else
  echo "Prometheus loads no rule_files: the alert comparison is skipped (restart it with scripts/services/prometheus.sh)" >&2
fi
env_file() {  # RELEASE TRIGGER
  local trigger
  if [ "$2" = health ]; then
    trigger="      health:
        http: {url: \"http://127.0.0.1:$FPORT/health\"}
        failing_for: 3s"
  else
    trigger="      error_rate:
        prometheus: {url: \"$PROM\", query: \"$QUERY\"}
        above: 0.05
        failing_for: 3s"
  fi
  cat > "$W/p/environments/b.yaml" <<YML
environment: b
resources:
  k8s_manifest.api:
    kubeconfig: $W/kubeconfig
    files: [k8s/api.yaml]
    namespace: bench-watch
    version: "$1"
    values: {image: "registry.local/api:$1"}
  watch.release:
    after: [k8s_manifest.api]
    duration: 20s
    interval: 1s
    rollback: [k8s_manifest.api]
    triggers:
$trigger
YML
}

# One run: prints "detection rollback" in seconds.
run() {  # TRIGGER N
  local trig=$1 n=$2
  curl -s -X POST "http://127.0.0.1:$FPORT/control?health=200&version=v1&error=0" >/dev/null
  env_file "r$((2*n))" "$trig"
  rm -rf "$W/p/state"
  "$OGF" apply b -auto-approve -C "$W/p" >"$W/good.log" 2>&1 || { echo "the good release failed:" >&2; tail -20 "$W/good.log" >&2; exit 1; }
  env_file "r$((2*n+1))" "$trig"
  python3 - "$OGF" "$W/p" "$FPORT" "$trig" "$PROM" "BenchErrorRate_$$" <<'PY'
import json, subprocess, sys, threading, time, urllib.request
ogf, root, port, trig, prom, alert = sys.argv[1:]
fired = []
def poll_alert():
    while not fired and time.monotonic() - bad < 30:
        try:
            alerts = json.load(urllib.request.urlopen(prom + "/api/v1/alerts"))["data"]["alerts"]
            if any(a["labels"].get("alertname") == alert and a["state"] == "firing" for a in alerts):
                fired.append(time.monotonic())
        except Exception:
            pass
        time.sleep(0.05)
p = subprocess.Popen([ogf, "apply", "b", "-auto-approve", "-C", root], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
bad = start = done = None
for line in p.stdout:
    now = time.monotonic()
    if bad is None and line.startswith("watch.release:"):
        q = "health=503" if trig == "health" else "version=v1&error=0.3"
        urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/control?%s" % (port, q), method="POST")).read()
        bad = time.monotonic()
        if trig == "error_rate":
            threading.Thread(target=poll_alert, daemon=True).start()
    if start is None and line.startswith("Rolling back"):
        start = now
    if done is None and "Rollback to" in line and "complete" in line:
        done = now
p.wait()
if None in (bad, start, done):
    sys.exit("run incomplete: bad=%s start=%s done=%s (exit %d)" % (bad, start, done, p.returncode))
time.sleep(0.1)
print("%.2f %.2f %s" % (start - bad, done - start, "%.2f" % (fired[0] - bad) if fired else "-"))
PY
}

median() { python3 -c 'import sys, statistics; print("%.2f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
for trig in ${TRIGGERS:-health error_rate}; do
  det=() rb=() al=()
  for i in $(seq "$RUNS"); do
    read -r d r a < <(run "$trig" "$i")
    det+=("$d"); rb+=("$r"); [ "$a" != "-" ] && al+=("$a")
  done
  echo "$trig: detection $(median "${det[@]}") s (${det[*]}), rollback $(median "${rb[@]}") s (${rb[*]})"
  [ ${#al[@]} -gt 0 ] && echo "$trig: Prometheus alert (for: 3s) firing after $(median "${al[@]}") s (${al[*]})"
done
echo "==> evaluation overhead, 10 Prometheus triggers, 10 intervals"
"$BENCH" watch-overhead "$PROM" "sum(rate(http_requests_total{fixture=\"$NAME\"}[4s]))"
