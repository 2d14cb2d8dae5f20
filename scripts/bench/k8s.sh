#!/usr/bin/env bash
# Benchmark: apply N Kubernetes objects (ConfigMaps, Secrets and Services; no workloads, so nothing
# waits for a rollout) to the API server EMULATOR with ogf and with `kubectl apply --server-side -f DIR`,
# side by side in one run, each into a fresh emulator; then ogf's plan with all N applied and
# nothing to change. Each is run RUNS times; medians are reported.
#
#   scripts/bench/k8s.sh                     # N=300 RUNS=5, ogf from `swift build -c release`
#   N=100 RUNS=3 OGF=.build/debug/ogf scripts/bench/k8s.sh
#
# The emulator is a single Python process (Tests/Support/kube-emulator), started here on a free
# loopback port with https (a throwaway self-signed certificate) and a bearer token, as a real
# cluster is reached: the cost of connections (TCP + TLS handshakes) is part of what is measured.
# Its speed bounds both clients.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${N:-300}"
RUNS="${RUNS:-5}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf 2>&1 | grep -E "error|Build" | tail -1 >&2 || true
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
W="$(mktemp -d /tmp/ogf-bench-k8s-XXXXXX)"
EMU=""
# A random token per run; it is written only into the emulator's kubeconfig (never printed).
TOKEN="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
trap '[ -n "$EMU" ] && kill $EMU 2>/dev/null; rm -rf "$W"' EXIT
# A fresh emulator for every measurement: its controller walks every Service on each write while
# holding the store lock, so a store filled by earlier runs would slow later ones.
fresh_emulator() {
  [ -n "$EMU" ] && { kill "$EMU" 2>/dev/null; wait "$EMU" 2>/dev/null || true; }
  rm -f "$W/port" "$W/kubeconfig"
  python3 Tests/Support/kube-emulator/emulator.py --port 0 --port-file "$W/port" --kubeconfig-out "$W/kubeconfig" \
    --tls-self-signed --token "$TOKEN" >/dev/null 2>&1 &
  EMU=$!
  for _ in $(seq 100); do [ -f "$W/port" ] && break; sleep 0.1; done
  [ -f "$W/port" ] || { echo "the emulator did not start" >&2; exit 1; }
}
KC="kubectl --kubeconfig $W/kubeconfig"

# N objects in 10 files, a third each ConfigMaps, Secrets, Services; the namespace is filled in per run.
mkdir -p "$W/objects"
python3 - "$W/objects" "$N" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
files = [[] for _ in range(10)]
for i in range(n):
    k = i % 3
    if k == 0:
        doc = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: value-{i}\n  other: \"{i * 7}\"\n"
    elif k == 1:
        doc = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{i}\ntype: Opaque\nstringData:\n  password: pw-{i}\n"
    else:
        doc = f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  labels: {{app: svc-{i}}}\nspec:\n  selector: {{app: svc-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
    files[i % 10].append(doc)
for j, docs in enumerate(files):
    with open(os.path.join(out, f"objects-{j}.yaml"), "w") as f:
        f.write("---\n".join(docs))
PY

now() { python3 -c 'import time; print(time.monotonic())'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
: > "$W/kubectl.times"; : > "$W/ogf.times"; : > "$W/plan.times"
for run in $(seq "$RUNS"); do
  # kubectl: a fresh emulator and namespace, the namespace set on the command line.
  fresh_emulator
  $KC create namespace "kubectl-$run" >/dev/null
  t0=$(now); $KC apply --server-side -n "kubectl-$run" -f "$W/objects" >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$W/kubectl.times"

  # ogf: a fresh project and namespace.
  P="$W/ogf-$run"; mkdir -p "$P/environments" "$P/state"
  ln -s "$W/objects" "$P/objects"
  files=$(cd "$W/objects" && ls | sed 's#^#objects/#' | paste -sd, -)
  cat > "$P/environments/bench.yaml" <<YAML
environment: bench
resources:
  k8s_manifest.objects:
    kubeconfig: $W/kubeconfig
    namespace: ogf-$run
    files: [$files]
YAML
  fresh_emulator
  $KC create namespace "ogf-$run" >/dev/null
  t0=$(now); "$OGF" apply bench -C "$P" -auto-approve >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$W/ogf.times"
  t0=$(now); "$OGF" plan bench -C "$P" -detailed-exitcode >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$W/plan.times"
  got=$($KC get configmaps,secrets,services -n "ogf-$run" -o name | wc -l)
  [ "$got" -ge "$N" ] || { echo "ogf applied only $got of $N objects" >&2; exit 1; }
done
k=$(median < "$W/kubectl.times"); o=$(median < "$W/ogf.times"); p=$(median < "$W/plan.times")
echo "objects: $N, runs: $RUNS (medians; all runs: kubectl $(paste -sd' ' "$W/kubectl.times" | xargs printf '%.2f '), ogf $(paste -sd' ' "$W/ogf.times" | xargs printf '%.2f '), plan $(paste -sd' ' "$W/plan.times" | xargs printf '%.2f '))"
echo "kubectl apply --server-side -f DIR   ${k} s"
echo "ogf apply (plan + apply)            ${o} s   ($(echo "$k / $o" | bc -l | xargs printf '%.1f')x faster than kubectl; $(echo "$o / $k" | bc -l | xargs printf '%.3f') of its time)"
echo "ogf plan, nothing to change         ${p} s"
