#!/usr/bin/env bash
# State backends (docs/benchmarks.md, "State backends"): the postgres state backend against the
# file backend in the same run: an apply of 5,000 and 10,000 no-op resources, persistence alone
# (10 workers recording finished resources), and a lock acquire + release round trip; postgres
# with group commit (what ogf does) and with a transaction per write, side by side.
#
# Twice: against the test PostgreSQL of scripts/services/postgres.sh (fsync = off: commits cost
# almost nothing), and against a durable one this script starts on 127.0.0.1:55439 (fsync = on, as
# in production, where each commit waits for the disk) and stops at the end. The file backend
# fsyncs in both. OGF_BENCH_PG_URL runs against one server of yours instead. Uses a schema
# ogf_state_bench_* and drops it. Usage: scripts/bench/pgstate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
swift build -c release --product ogf-bench 2>&1 | tail -1
BENCH="$(swift build -c release --show-bin-path)/ogf-bench"
if [ -n "${OGF_BENCH_PG_URL:-}" ]; then
  "$BENCH" pgstate --runs="$RUNS"
  exit
fi
scripts/services/postgres.sh >/dev/null
echo "### test server (fsync = off)"
"$BENCH" pgstate --runs="$RUNS"
DURABLE=/tmp/ogf-postgres-bench-durable
OGF_PG_PORT=55439 OGF_PG_DATA="$DURABLE" OGF_PG_FSYNC=on scripts/services/postgres.sh >/dev/null
AS=(); [ "$(id -u)" -eq 0 ] && AS=(runuser -u postgres --)
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
trap '"${AS[@]}" "$BIN/pg_ctl" -D "$DURABLE" -m fast stop >/dev/null 2>&1 || true' EXIT
echo "### durable server (fsync = on, synchronous_commit = on)"
OGF_BENCH_PG_URL="postgres://ogf:ogf-local-pg-pass@127.0.0.1:55439/offgridflow_local" "$BENCH" pgstate --runs="$RUNS"
