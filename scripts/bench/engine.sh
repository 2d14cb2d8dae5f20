#!/usr/bin/env bash
# Engine benchmarks (docs/benchmarks.md, "Engine"): plan of up to 10,000 resources, state
# persistence at 5,000 and 10,000, per-resource overhead, apply of exec DAGs against the bound,
# `ogf plan` end to end (the binary, no changes), and a shell loop as the peer for process
# start-up cost. Usage: scripts/bench/engine.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
swift build -c release --product ogf-bench 2>&1 | tail -1
# The CLI benchmark runs the real `ogf` binary next to ogf-bench.
swift build -c release --product ogf 2>&1 | tail -1
"$(swift build -c release --show-bin-path)/ogf-bench" --runs="$RUNS"
echo "## peer: 40 sequential 'sleep 0.05' in a shell loop (process start-up and exit cost, no engine)"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e" bash -c 'for i in $(seq 40); do sleep 0.05; done' 2>&1
done | sort -n | awk '{a[NR]=$1} END {printf "  median %.3f s (bound 2.000 s)\n", a[int((NR+1)/2)]}'
