#!/usr/bin/env bash
# Starts two OCI registries (Debian's docker-registry, the CNCF distribution registry) on
# loopback with configs of their own — the packaged config listens on all interfaces:
#   127.0.0.1:15000  no auth
#   127.0.0.1:15001  htpasswd Basic auth (bcrypt), user "ogf", password "ogf-test-password"
# Idempotent: a registry already answering is left alone. Storage and pid files under
# .ci-servers/registry-<port>/. Stop with scripts/dev-down.sh (or kill the pid in the pid file).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN="$PWD/.ci-servers"
REGISTRY_BIN="${REGISTRY_BIN:-/usr/bin/docker-registry}"
[ -x "$REGISTRY_BIN" ] || { echo "docker-registry is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

answers() { python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$1" 2>/dev/null; }

# A registry that answers /v2/ as configured: 200 without auth, 200 with the test user on the
# auth port. One whose config or htpasswd was deleted under it (its checkout removed) fails this.
healthy() {
  local port=$1 auth=$2 creds=()
  [ "$auth" = yes ] && creds=(-u ogf:ogf-test-password)
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${creds[@]}" "http://127.0.0.1:$port/v2/")" = 200 ]
}

start() {
  local port=$1 auth=$2 dir="$RUN/registry-$1"
  if answers "$port"; then
    if healthy "$port" "$auth"; then echo "==> registry on 127.0.0.1:$port (already running)"; return; fi
    # Something answers but not as our registry should: replace it if it is a registry.
    local pid
    pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
    if [ -n "$pid" ] && grep -q docker-registry "/proc/$pid/cmdline" 2>/dev/null; then
      echo "==> registry on 127.0.0.1:$port is unhealthy (its files are gone?); restarting it"
      kill "$pid"; for _ in $(seq 50); do answers "$port" || break; sleep 0.1; done
    else
      echo "port $port is in use by something that is not a working registry (pid ${pid:-unknown}); stop it" >&2; exit 1
    fi
  fi
  mkdir -p "$dir/storage"
  local authblock=""
  if [ "$auth" = yes ]; then
    htpasswd -Bbn ogf ogf-test-password > "$dir/htpasswd"
    authblock="auth:
  htpasswd:
    realm: ogf-test
    path: $dir/htpasswd"
  fi
  cat > "$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: ogf-loopback-test-only
$authblock
YML
  nohup "$REGISTRY_BIN" serve "$dir/config.yml" > "$dir/log" 2>&1 &
  echo $! > "$dir/pid"
  for _ in $(seq 100); do answers "$port" && break; sleep 0.1; done
  answers "$port" || { echo "registry on $port did not start; see $dir/log" >&2; tail -5 "$dir/log" >&2; exit 1; }
  echo "==> registry on 127.0.0.1:$port (auth: $auth)"
}

start 15000 no
start 15001 yes
