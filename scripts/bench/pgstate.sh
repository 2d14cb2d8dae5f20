#!/usr/bin/env bash
# State backends (docs/benchmarks.md, "State backends"): the postgres state backend against the
# file backend in the same run: an apply of 5,000 and 10,000 no-op resources, persistence alone
# (10 workers recording finished resources), and a lock acquire + release round trip. Needs the
# PostgreSQL of scripts/services/postgres.sh (or OGF_BENCH_PG_URL); uses a schema
# ogf_state_bench_* and drops it. Usage: scripts/bench/pgstate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
swift build -c release --product ogf-bench 2>&1 | tail -1
"$(swift build -c release --show-bin-path)/ogf-bench" pgstate --runs="$RUNS"
