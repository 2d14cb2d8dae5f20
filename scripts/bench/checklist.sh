#!/usr/bin/env bash
# Benchmark: `ogf checklist local` (the nine pre-flight checks of the example, in parallel, against
# the loopback servers of scripts/dev-up.sh) against its peers, each check alone
# (`ogf checklist local --check NAME`), side by side in one run; RUNS runs each, medians reported.
# Goals: the whole checklist under 1 s, and under 1.3x the slowest single check (parallel means the
# checklist costs about its slowest check, not the sum).
#
#   scripts/bench/checklist.sh                   # RUNS=15, ogf from `swift build -c release`
#   RUNS=5 OGF=.build/debug/ogf scripts/bench/checklist.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${RUNS:-15}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf 2>&1 | grep -E "error|Build" | tail -1 >&2 || true
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
W="$(mktemp -d /tmp/ogf-bench-checklist-XXXXXX)"
trap 'rm -rf "$W"' EXIT
"$OGF" checklist local -o "$W/checklist.yaml" >/dev/null || { echo "the checklist does not pass (are the servers up? scripts/dev-up.sh); fix that first:" >&2; "$OGF" checklist local >&2; exit 1; }
NAMES=(database_connection redis_connection jwt_secret_present stripe_keys_configured aws_credentials_valid
       azure_credentials_valid gcp_credentials_valid docker_registry_auth kubernetes_cluster_access)
# Interleaved: one run of each command per round, so drift on the shared machine hits all alike.
python3 - "$OGF" "$RUNS" "$W" "${NAMES[@]}" <<'PY'
import statistics, subprocess, sys, time
ogf, runs, work, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
cmds = {"all nine": [ogf, "checklist", "local", "-o", work + "/all.yaml"]}
for n in names:
    cmds[n] = [ogf, "checklist", "local", "--check", n, "-o", work + "/one.yaml"]
times = {k: [] for k in cmds}
for _ in range(runs):
    for k, c in cmds.items():
        t = time.perf_counter()
        subprocess.run(c, check=True, stdout=subprocess.DEVNULL)
        times[k].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
slowest = max((k for k in med if k != "all nine"), key=med.get)
print("%-26s %9s %9s %9s" % ("command", "median", "min", "max"))
for k in cmds:
    print("%-26s %8.0fms %8.0fms %8.0fms" % (k, med[k] * 1000, min(times[k]) * 1000, max(times[k]) * 1000))
print("\nall nine / slowest single (%s): %.2fx; all nine: %.0f ms (goals: < 1.3x, < 1000 ms)" %
      (slowest, med["all nine"] / med[slowest], med["all nine"] * 1000))
PY
