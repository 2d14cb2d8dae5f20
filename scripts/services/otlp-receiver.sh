#!/usr/bin/env bash
# Starts the loopback OTLP trace receiver (a test double, Tests/Support/otlp-receiver.py):
# OTLP/HTTP on 127.0.0.1:14318 (POST /v1/traces) and Jaeger's query API on 127.0.0.1:16686.
# Idempotent: a receiver already answering is left alone. Pid file .ci-servers/otlp-receiver.pid.
set -euo pipefail
cd "$(dirname "$0")/../.."
OTLP_PORT="${OGF_OTLP_PORT:-14318}"
QUERY_PORT="${OGF_JAEGER_PORT:-16686}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN"
ready() { curl -fsS -o /dev/null "http://127.0.0.1:$QUERY_PORT/-/ready" 2>/dev/null; }
python3 -c 'import opentelemetry.proto' 2>/dev/null \
  || { echo "opentelemetry-proto not found (run scripts/install-deps.sh)" >&2; exit 1; }
if ! ready; then
  nohup python3 Tests/Support/otlp-receiver.py "$OTLP_PORT" "$QUERY_PORT" "$RUN/otlp-receiver.pid" \
    >"$RUN/otlp-receiver.log" 2>&1 &
  for _ in $(seq 50); do ready && break; sleep 0.1; done
fi
ready || { echo "the OTLP receiver did not start; see $RUN/otlp-receiver.log" >&2; exit 1; }
echo "==> OTLP receiver (test double) on http://127.0.0.1:$OTLP_PORT/v1/traces; Jaeger query API on http://127.0.0.1:$QUERY_PORT"
