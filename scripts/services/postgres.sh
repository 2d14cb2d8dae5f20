#!/usr/bin/env bash
# Starts PostgreSQL 15 on 127.0.0.1:55432 for the local example, the tests and the benchmarks.
# Idempotent: a server already answering is left alone. Data in /tmp/ogf-postgres-PORT (the
# postgres user must be able to reach it, which a checkout under /root may not allow; one server
# per port per machine, whichever checkout started it), pid file .ci-servers/postgres.pid
# (scripts/dev-down.sh stops it).
#
#   superuser  postgres / ogf-local-pg-admin   (scram-sha-256 over TCP)
#   app role   ogf      / ogf-local-pg-pass    owns database offgridflow_local, may CREATEDB
#              (CREATEDB lets `ogf plan` make its throwaway shadow database)
#
# initdb and pg_ctl refuse to run as root: as root they run as the postgres user.
# OGF_PG_PORT and OGF_PG_DATA start another server (pid file .ci-servers/postgres-PORT.pid);
# OGF_PG_FSYNC=on makes a new one durable, as a production server is (scripts/bench/pgstate.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_PG_PORT:-55432}"
RUN="$(pwd)/.ci-servers"
DATA="${OGF_PG_DATA:-/tmp/ogf-postgres-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/pg_ctl" ] || { echo "PostgreSQL server binaries not found (run scripts/install-deps.sh)" >&2; exit 1; }
AS=()
[ "$(id -u)" -eq 0 ] && AS=(runuser -u postgres --)
mkdir -p "$RUN"

if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
  PWFILE="$(mktemp)"; echo "ogf-local-pg-admin" > "$PWFILE"; chmod 644 "$PWFILE"
  "${AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$PWFILE" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$RUN/postgres-initdb.log" 2>&1
  rm -f "$PWFILE"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PORT"
    echo "unix_socket_directories = '$DATA'"
    echo "fsync = ${OGF_PG_FSYNC:-off}"   # throwaway test data: speed over durability
    echo "max_connections = 100"
  } >> "$DATA/postgresql.conf"
fi

if ! "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$DATA/server.log" start >/dev/null
fi
PIDFILE="$RUN/postgres.pid"
[ "$PORT" = 55432 ] || PIDFILE="$RUN/postgres-$PORT.pid"
head -1 "$DATA/postmaster.pid" > "$PIDFILE"

# Roles and the example database (idempotent).
PSQL=("${AS[@]}" "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres <<'SQL'
-- A backend notices a killed client within 1s even while a statement runs (PostgreSQL 14+),
-- so a migrator killed mid-migration releases its transaction and advisory lock promptly.
ALTER SYSTEM SET client_connection_check_interval = '1s';
SELECT pg_reload_conf() \gset
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ogf') THEN
    CREATE ROLE ogf LOGIN CREATEDB PASSWORD 'ogf-local-pg-pass';
  END IF;
END $$;
SQL
if [ "$("${PSQL[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'offgridflow_local'")" != "1" ]; then
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE offgridflow_local OWNER ogf"
fi
echo "==> PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (role ogf, database offgridflow_local)"
