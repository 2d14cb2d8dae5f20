#!/usr/bin/env bash
# Starts Prometheus (Debian's 2.42) on 127.0.0.1:19090 for the watch and check_prometheus tests:
#   scrape_interval and evaluation_interval 1s;
#   job "targets": file_sd_configs reading .ci-servers/prometheus-targets/*.json (refresh 1s), so
#     a test or the emulator adds a scrape target by writing a file (one per test, unique name);
#   job "pushgateway": 127.0.0.1:19091 with honor_labels (the Pushgateway is started elsewhere);
#   rule_files .ci-servers/prometheus-rules/*.yml (benchmarks add alert rules, then POST /-/reload).
# --web.enable-lifecycle (POST /-/reload). Data, config, log and pid under .ci-servers/prometheus/.
# Idempotent: a Prometheus already ready on the port is left alone. Stop with scripts/dev-down.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN="$PWD/.ci-servers"
DIR="$RUN/prometheus"
PORT="${PROMETHEUS_PORT:-19090}"
BIN="${PROMETHEUS_BIN:-/usr/bin/prometheus}"
[ -x "$BIN" ] || { echo "prometheus is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/-/ready")" = 200 ]; }
if ready; then echo "==> Prometheus on http://127.0.0.1:$PORT (already running)"; exit 0; fi

mkdir -p "$DIR/data" "$RUN/prometheus-targets" "$RUN/prometheus-rules"
cat > "$DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  scrape_timeout: 1s
rule_files: ["$RUN/prometheus-rules/*.yml"]
scrape_configs:
  - job_name: targets
    file_sd_configs:
      - files: ["$RUN/prometheus-targets/*.json"]
        refresh_interval: 1s
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:19091"]
YML
nohup "$BIN" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
  --web.listen-address="127.0.0.1:$PORT" --web.enable-lifecycle --storage.tsdb.retention.time=1d \
  >"$DIR/prometheus.log" 2>&1 &
echo $! > "$DIR/pid"
for _ in $(seq 100); do ready && break; sleep 0.1; done
ready || { echo "Prometheus did not become ready; see $DIR/prometheus.log" >&2; exit 1; }
echo "==> Prometheus on http://127.0.0.1:$PORT"
