#!/usr/bin/env bash
# Starts the Kubernetes API server EMULATOR (Tests/Support/kube-emulator, a test double written
# for ogf's tests, not a real cluster) on https://127.0.0.1:16443 with a bearer token, for the
# local example. Idempotent: an emulator already answering in process mode is left alone (one
# started without it, by an older checkout, is restarted).
#
# Process mode (--run-pods): pods whose images are on the loopback registries run as local host
# processes from the pulled image (no containers; see Tests/Support/kube-emulator/README.md),
# NodePort Services listen on 127.0.0.1:<nodePort>, and pods annotated prometheus.io/scrape get
# a file_sd target in .ci-servers/prometheus-targets/ (scripts/services/prometheus.sh reads them).
#
#   kubeconfig  .ci-servers/kubeconfig   (kubectl --kubeconfig .ci-servers/kubeconfig get all -A)
#   pid file    .ci-servers/kube-emulator.pid
#   pods        .ci-servers/kube-pods/   (unpacked images, pod logs)
#
# See docs/kubernetes.md to point ogf at a real cluster (kind, minikube, a cloud cluster) instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_KUBE_PORT:-16443}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN"
answers() {
  python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$PORT" 2>/dev/null \
    && [ -f "$RUN/kubeconfig" ]
}
process_mode() {
  [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/emulator/pods")" = 200 ]
}
if answers && ! process_mode; then
  pid="$(cat "$RUN/kube-emulator.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kube-emulator/emulator.py --port $PORT "; then
    echo "==> the Kubernetes API emulator on :$PORT runs without process mode; restarting it"
    kill "$pid"
    for _ in $(seq 50); do answers || break; sleep 0.1; done
    rm -f "$RUN/kubeconfig"
  else
    echo "port $PORT answers, but not as this checkout's emulator in process mode (pid ${pid:-unknown}); stop it" >&2
    exit 1
  fi
fi
if ! answers; then
  rm -f "$RUN/kube-emulator.port"
  nohup python3 Tests/Support/kube-emulator/emulator.py --port "$PORT" --port-file "$RUN/kube-emulator.port" \
    --kubeconfig-out "$RUN/kubeconfig" --tls-self-signed --token ogf-local-kube-token --rollout-delay 0.3 \
    --run-pods "$RUN/kube-pods" --prometheus-targets "$RUN/prometheus-targets" \
    --registry-auth 127.0.0.1:15001=ogf:ogf-test-password \
    >"$RUN/kube-emulator.log" 2>&1 &
  echo $! >"$RUN/kube-emulator.pid"
  for _ in $(seq 100); do
    [ -f "$RUN/kube-emulator.port" ] && break
    sleep 0.1
  done
fi
answers || { echo "the Kubernetes API emulator did not start; see $RUN/kube-emulator.log" >&2; exit 1; }
echo "==> Kubernetes API emulator (test double, pods as local processes) on https://127.0.0.1:$PORT; kubeconfig $RUN/kubeconfig"
