#!/usr/bin/env bash
# Benchmark: apply N one-table migrations to an empty database with ogf, with sqitch, and with the
# floor (the same SQL, each migration in its own transaction with its history row, piped through
# one psql session), side by side on the same loopback PostgreSQL; then ogf's plan time with all
# N applied and nothing pending. Each is run RUNS times on fresh databases; medians are reported.
#
#   scripts/bench/migrations.sh            # N=500 RUNS=5, ogf from `swift build -c release`
#   N=100 RUNS=3 OGF=.build/debug/ogf scripts/bench/migrations.sh
#
# Needs: scripts/dev-up.sh (PostgreSQL on 127.0.0.1:55432), sqitch (apt-get install sqitch), psql.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${N:-500}"
RUNS="${RUNS:-5}"
PORT="${OGF_PG_PORT:-55432}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf 2>&1 | grep -E "error|Compiling|Build" | tail -2 >&2 || true
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
command -v sqitch >/dev/null || { echo "sqitch is not installed (apt-get install sqitch)" >&2; exit 1; }
scripts/services/postgres.sh >/dev/null
ADMIN="postgres://postgres:ogf-local-pg-admin@127.0.0.1:$PORT/postgres"
APPPW="ogf-local-pg-pass"
url() { echo "postgres://ogf:$APPPW@127.0.0.1:$PORT/$1"; }
W="$(mktemp -d /tmp/ogf-bench-XXXXXX)"
trap 'rm -rf "$W"' EXIT

# The same N changes for all three.
mkdir -p "$W/ogf/environments" "$W/ogf/migrations" "$W/sqitch/deploy" "$W/sqitch/revert" "$W/sqitch/verify"
cat > "$W/ogf/environments/bench.yaml" <<YAML
environment: bench
protected: false
resources:
  postgres_schema.bench:
    url: "\${secret.BENCH_DB_URL}"
    migrations: migrations
    shadow: \${var.shadow}
variables:
  shadow: false
YAML
{
  echo "%syntax-version=1.0.0"
  echo "%project=bench"
  echo
} > "$W/sqitch/sqitch.plan"
printf '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n' > "$W/sqitch/sqitch.conf"
: > "$W/floor.sql"
echo "CREATE TABLE floor_history (version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL, applied_by text NOT NULL, ogf_version text NOT NULL);" >> "$W/floor.sql"
for i in $(seq 1 "$N"); do
  v=$(printf '%04d' "$i")
  sql="CREATE TABLE bench_$v (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
  printf -- "-- benchmark table %s\nSET LOCAL lock_timeout = '5s';\n%s\n" "$v" "$sql" > "$W/ogf/migrations/${v}_bench_$v.up.sql"
  printf 'BEGIN;\n%s\nCOMMIT;\n' "$sql" > "$W/sqitch/deploy/bench_$v.sql"
  printf 'BEGIN;\nDROP TABLE bench_%s;\nCOMMIT;\n' "$v" > "$W/sqitch/revert/bench_$v.sql"
  printf 'SELECT 1 FROM bench_%s WHERE false;\n' "$v" > "$W/sqitch/verify/bench_$v.sql"
  echo "bench_$v 2026-01-01T00:00:00Z Bench <bench@example.com> # table $v" >> "$W/sqitch/sqitch.plan"
  printf "BEGIN;\nSET LOCAL lock_timeout = '5s';\n%s\nINSERT INTO floor_history (version, name, checksum, execution_ms, applied_by, ogf_version) VALUES (%d, 'bench_%s', '%064d', 0, 'bench', 'floor');\nCOMMIT;\n" "$sql" "$i" "$v" 0 >> "$W/floor.sql"
done

fresh() { local n="ogf_bench_$1_$RANDOM$RANDOM"; psql -X -q "$ADMIN" -c "CREATE DATABASE $n OWNER ogf TEMPLATE template0" >/dev/null; echo "$n"; }
drop() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A T
for r in $(seq 1 "$RUNS"); do
  # ogf: `ogf apply` (plan + apply, no shadow dry run) of N pending migrations.
  db=$(fresh ogf); rm -rf "$W/ogf/state"
  s=$(now); BENCH_DB_URL="$(url "$db")" "$OGF" apply -C "$W/ogf" bench --auto-approve --no-color >"$W/ogf.log" 2>&1 || { cat "$W/ogf.log"; exit 1; }; e=$(now)
  T[ogf]+="$(echo "$e - $s" | bc) "
  n=$(psql -X -tA "$(url "$db")" -c "SELECT count(*) FROM ogf_schema_migrations")
  [ "$n" = "$N" ] || { echo "ogf applied $n of $N" >&2; exit 1; }
  # ogf plan with N applied, nothing pending (the state and history are both current).
  for _ in 1 2 3; do
    s=$(now); BENCH_DB_URL="$(url "$db")" "$OGF" plan -C "$W/ogf" bench --no-color >"$W/plan.log" 2>&1; e=$(now)
    T[plan]+="$(echo "$e - $s" | bc) "
  done
  grep -q "No changes" "$W/plan.log" || { cat "$W/plan.log"; exit 1; }
  drop "$db"

  # sqitch deploy of the same changes.
  db=$(fresh sqitch)
  s=$(now); (cd "$W/sqitch" && PGPASSWORD="$APPPW" sqitch deploy --verify "db:pg://ogf@127.0.0.1:$PORT/$db" >"$W/sqitch.log" 2>&1) || { tail "$W/sqitch.log"; exit 1; }; e=$(now)
  T[sqitch]+="$(echo "$e - $s" | bc) "
  drop "$db"
  db=$(fresh sqitchnv)
  s=$(now); (cd "$W/sqitch" && PGPASSWORD="$APPPW" sqitch deploy --no-verify "db:pg://ogf@127.0.0.1:$PORT/$db" >"$W/sqitch.log" 2>&1) || { tail "$W/sqitch.log"; exit 1; }; e=$(now)
  T[sqitchnv]+="$(echo "$e - $s" | bc) "
  drop "$db"

  # The floor: one psql session, each migration its own transaction with its history row.
  db=$(fresh floor)
  s=$(now); psql -X -q -v ON_ERROR_STOP=1 "$(url "$db")" < "$W/floor.sql" >/dev/null; e=$(now)
  T[floor]+="$(echo "$e - $s" | bc) "
  drop "$db"
  echo "run $r/$RUNS done" >&2
done

m() { echo "${T[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
ogf=$(m ogf); sq=$(m sqitch); sqnv=$(m sqitchnv); fl=$(m floor); pl=$(m plan)
echo
echo "Apply $N one-table migrations to an empty database (median of $RUNS runs, seconds):"
printf '  %-34s %8.3f\n' "ogf apply (plan + apply)" "$ogf" "sqitch deploy --verify" "$sq" "sqitch deploy (default, no verify)" "$sqnv" "psql floor (one session)" "$fl"
printf '  ogf vs sqitch --verify: %.1fx faster;  vs --no-verify: %.1fx;  ogf / floor: %.2fx\n' \
  "$(echo "$sq / $ogf" | bc -l)" "$(echo "$sqnv / $ogf" | bc -l)" "$(echo "$ogf / $fl" | bc -l)"
printf 'ogf plan with %d applied, none pending (median of %d): %.0f ms\n' "$N" "$((RUNS * 3))" "$(echo "$pl * 1000" | bc -l)"
