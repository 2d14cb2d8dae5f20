#!/usr/bin/env bash
# Benchmark: `ogf plan` of N pending migrations (shadow dry run and catalog-aware zero-downtime lint included)
# side by side with squawk (PyPI squawk-cli) linting the same files, in the same run; and the cost of the
# catalog-aware lint over the text-only lint (ogf-bench lint: the same files, in process, against the live
# catalog), plus the lint's share of the plan (`lint_from:` above every version turns the lint off).
#
#   scripts/bench/migration-lint.sh                 # N=300 RUNS=5, release build
#   N=100 RUNS=3 BIN=.build/debug scripts/bench/migration-lint.sh
#
# Needs: scripts/dev-up.sh (PostgreSQL on 127.0.0.1:55432), psql; squawk is installed with pip when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${N:-300}"
RUNS="${RUNS:-5}"
PORT="${OGF_PG_PORT:-55432}"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product ogf 2>&1 | grep -E "error|Build" | tail -2 >&2 || true
  swift build -c release --product ogf-bench 2>&1 | grep -E "error|Build" | tail -2 >&2 || true
  BIN="$(swift build -c release --show-bin-path)"
fi
command -v squawk >/dev/null || python3 -m pip install -q squawk-cli >&2
scripts/services/postgres.sh >/dev/null
ADMIN="postgres://postgres:ogf-local-pg-admin@127.0.0.1:$PORT/postgres"
APPPW="ogf-local-pg-pass"
url() { echo "postgres://ogf:$APPPW@127.0.0.1:$PORT/$1"; }
W="$(mktemp -d /tmp/ogf-bench-lint-XXXXXX)"
DB="ogf_mig_bench_$RANDOM$RANDOM"
trap 'psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1; rm -rf "$W"' EXIT

# A base schema of 30 populated tables (applied first), then N pending migrations touching them: defaults
# calling user functions (volatile and immutable), CHECK NOT VALID / VALIDATE / SET NOT NULL, type changes,
# concurrent indexes in no-transaction files, new tables. Every one makes the lint ask the catalog.
mkdir -p "$W/p/environments" "$W/p/migrations"
for env in bench:0 nolint:999999; do
  cat > "$W/p/environments/${env%%:*}.yaml" <<YAML
environment: ${env%%:*}
protected: false
resources:
  postgres_schema.bench:
    url: "\${secret.BENCH_DB_URL}"
    migrations: migrations
    lint_from: ${env##*:}
YAML
done
{
  echo "CREATE FUNCTION vol_code() RETURNS text LANGUAGE sql AS \$\$ SELECT md5(random()::text) \$\$;"
  echo "CREATE FUNCTION imm_code() RETURNS text LANGUAGE sql IMMUTABLE AS \$\$ SELECT 'x' \$\$;"
  for k in $(seq 1 30); do echo "CREATE TABLE t$k (id bigint PRIMARY KEY, name varchar(20), n int, a int);"; done
} > "$W/base.sql"
psql -X -q "$ADMIN" -c "CREATE DATABASE $DB OWNER ogf TEMPLATE template0" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 "$(url "$DB")" < "$W/base.sql" >/dev/null
for k in $(seq 1 30); do echo "INSERT INTO t$k SELECT g, 'n', g, g FROM generate_series(1, 2000) g;"; done | psql -X -q "$(url "$DB")" >/dev/null
psql -X -q "$(url "$DB")" -c "ANALYZE" >/dev/null 2>&1
for i in $(seq 1 "$N"); do
  v=$(printf '%04d' "$i"); k=$(( (i % 30) + 1 )); f="$W/p/migrations/${v}_m$v.up.sql"
  case $(( i % 7 )) in
    0) echo "ALTER TABLE t$k ADD COLUMN c$v text DEFAULT vol_code();" > "$f" ;;
    1) echo "ALTER TABLE t$k ADD COLUMN c$v text DEFAULT imm_code();" > "$f" ;;
    2) echo "ALTER TABLE t$k ADD CONSTRAINT k$v CHECK (a IS NOT NULL) NOT VALID;" > "$f" ;;
    3) echo "ALTER TABLE t$(( ((i - 1) % 30) + 1 )) VALIDATE CONSTRAINT k$(printf '%04d' $((i - 1)));" > "$f" ;;
    4) echo "ALTER TABLE t$k ALTER COLUMN a SET NOT NULL;" > "$f" ;;
    5) echo "ALTER TABLE t$k ALTER COLUMN name TYPE varchar($((20 + i)));" > "$f" ;;
    6) printf -- "-- ogf:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t${k}_n_$v ON t$k (n);\n" > "$f" ;;
  esac
done
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
declare -A T
for r in $(seq 1 "$RUNS"); do
  s=$(now); BENCH_DB_URL="$(url "$DB")" "$BIN/ogf" plan -C "$W/p" bench --no-color >"$W/plan.log" 2>&1 || true; e=$(now)
  grep -q "applied cleanly" "$W/plan.log" || { cat "$W/plan.log"; exit 1; }
  T[plan]+="$(echo "$e - $s" | bc) "
  s=$(now); BENCH_DB_URL="$(url "$DB")" "$BIN/ogf" plan -C "$W/p" nolint --no-color >"$W/nolint.log" 2>&1 || true; e=$(now)
  T[nolint]+="$(echo "$e - $s" | bc) "
  s=$(now); squawk --reporter gcc "$W"/p/migrations/*.sql >"$W/squawk.log" 2>&1 || true; e=$(now)
  T[squawk]+="$(echo "$e - $s" | bc) "
  echo "run $r/$RUNS done" >&2
done
grep -q "not linted: lint_from: 999999" "$W/nolint.log" || { echo "the lint was not turned off:"; head -20 "$W/nolint.log"; exit 1; }
m() { echo "${T[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
pl=$(m plan); nl=$(m nolint); sq=$(m squawk)
echo
echo "$N pending migrations over 30 populated tables (median of $RUNS runs, seconds):"
printf '  %-58s %8.3f\n' "ogf plan (shadow dry run + catalog-aware lint + sizes)" "$pl" "ogf plan, lint off (lint_from above every version)" "$nl" "squawk $(squawk --version 2>/dev/null | awk '{print $2}') on the same files" "$sq"
printf '  lint share of the plan: %.0f ms (%.1f%%);  ogf plan / squawk: %.2fx\n' "$(echo "($pl - $nl) * 1000" | bc -l)" "$(echo "($pl - $nl) / $pl * 100" | bc -l)" "$(echo "$pl / $sq" | bc -l)"
echo "  findings: ogf $(grep -cE '(error|warning|info)\[' "$W/plan.log"), squawk $(grep -cE ': (warning|error): ' "$W/squawk.log" || true) (squawk counts lock_timeout, statement_timeout and rerunnability per statement)"
cd "$W/p" && "$BIN/ogf-bench" lint --runs="$RUNS" --folder=migrations --url="$(url "$DB")"
