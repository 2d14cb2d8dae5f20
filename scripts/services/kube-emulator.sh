#!/usr/bin/env bash
# Starts the Kubernetes API server EMULATOR (Tests/Support/kube-emulator, a test double written
# for ogf's tests, not a real cluster) on https://127.0.0.1:16443 with a bearer token, for the
# local example. Idempotent: an emulator already answering is left alone.
#
#   kubeconfig  .ci-servers/kubeconfig   (kubectl --kubeconfig .ci-servers/kubeconfig get all -A)
#   pid file    .ci-servers/kube-emulator.pid
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
if ! answers; then
  rm -f "$RUN/kube-emulator.port"
  nohup python3 Tests/Support/kube-emulator/emulator.py --port "$PORT" --port-file "$RUN/kube-emulator.port" \
    --kubeconfig-out "$RUN/kubeconfig" --tls-self-signed --token ogf-local-kube-token --rollout-delay 0.3 \
    >"$RUN/kube-emulator.log" 2>&1 &
  echo $! >"$RUN/kube-emulator.pid"
  for _ in $(seq 100); do
    [ -f "$RUN/kube-emulator.port" ] && break
    sleep 0.1
  done
fi
answers || { echo "the Kubernetes API emulator did not start; see $RUN/kube-emulator.log" >&2; exit 1; }
echo "==> Kubernetes API emulator (test double) on https://127.0.0.1:$PORT; kubeconfig $RUN/kubeconfig"
