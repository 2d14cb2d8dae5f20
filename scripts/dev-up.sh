#!/usr/bin/env bash
# Starts the loopback servers the local example and the tests use. Idempotent: a server
# already answering is left alone. Stop them with scripts/dev-down.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.ci-servers
mkdir -p "$RUN"

# OffGridFlow API stand-in on 127.0.0.1:18080.
if ! python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",18080)))' 2>/dev/null; then
  nohup python3 scripts/example/offgridflow-stub.py 18080 "$RUN/stub.pid" >"$RUN/stub.log" 2>&1 &
  for _ in $(seq 50); do
    python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",18080)))' 2>/dev/null && break
    sleep 0.1
  done
fi
echo "==> stub API on http://127.0.0.1:18080"

# PostgreSQL 15 (127.0.0.1:55432) and Redis 7 (127.0.0.1:56379); credentials in those scripts.
scripts/services/postgres.sh
scripts/services/redis.sh
# Two OCI registries (no auth on 15000, htpasswd on 15001) for images and their tests.
scripts/services/registry.sh
# The Kubernetes API server emulator (a test double, not a cluster) on 127.0.0.1:16443.
scripts/services/kube-emulator.sh
# Prometheus 2.42 on 127.0.0.1:19090 (1 s scrape and evaluation; tests add scrape targets by
# writing .ci-servers/prometheus-targets/*.json).
scripts/services/prometheus.sh
# OTLP trace receiver with Jaeger's query API (a test double) on 127.0.0.1:14318 and :16686.
scripts/services/otlp-receiver.sh
# moto (AWS STS and IAM with SigV4 authentication on) on 127.0.0.1:17100, and the Google token,
# Azure token and Stripe API stand-ins on 17101-17103 (scripts/services/cloud-standins.py).
scripts/services/moto.sh
scripts/services/cloud-standins.sh
# Prometheus Pushgateway on 127.0.0.1:19091 and an SMTP server with AUTH on 127.0.0.1:17025.
scripts/services/pushgateway.sh
scripts/services/smtp.sh
