#!/usr/bin/env bash
# Starts a Prometheus Pushgateway (Debian prometheus-pushgateway) on 127.0.0.1:19091, in memory
# (no persistence file). Idempotent: a gateway already answering is left alone.
# Pid file .ci-servers/pushgateway.pid (stopped by dev-down.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_PUSHGATEWAY_PORT:-19091}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN"
ready() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/-/ready" 2>/dev/null; }
command -v prometheus-pushgateway >/dev/null || { echo "prometheus-pushgateway not found (run scripts/install-deps.sh)" >&2; exit 1; }
if ! ready; then
  nohup prometheus-pushgateway --web.listen-address="127.0.0.1:$PORT" >"$RUN/pushgateway.log" 2>&1 &
  echo $! >"$RUN/pushgateway.pid"
  for _ in $(seq 50); do ready && break; sleep 0.1; done
fi
ready || { echo "the Pushgateway did not start; see $RUN/pushgateway.log" >&2; exit 1; }
echo "==> Pushgateway on http://127.0.0.1:$PORT"
