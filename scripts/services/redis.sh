#!/usr/bin/env bash
# Starts Redis 7 on 127.0.0.1:56379 with a password for the local example and the tests.
# Idempotent: a server already answering is left alone. Pid file .ci-servers/redis.pid.
#
#   password   ogf-local-redis-pass   (user "default"; URL redis://default:PASS@127.0.0.1:56379)
#   ACL user   ogf-check / ogf-local-redis-acl   may run PING, INFO, AUTH only
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_REDIS_PORT:-56379}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN/redis"
command -v redis-server >/dev/null || { echo "redis-server not found (run scripts/install-deps.sh)" >&2; exit 1; }
if ! redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a ogf-local-redis-pass ping 2>/dev/null | grep -q PONG; then
  redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --pidfile "$RUN/redis.pid" \
    --requirepass ogf-local-redis-pass --dir "$RUN/redis" --save "" --appendonly no \
    --logfile "$RUN/redis/redis.log" \
    --user ogf-check on ">ogf-local-redis-acl" "~*" -@all +ping +info +auth +hello
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a ogf-local-redis-pass ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
fi
redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a ogf-local-redis-pass ping 2>/dev/null | grep -q PONG \
  || { echo "Redis did not start; see $RUN/redis/redis.log" >&2; exit 1; }
echo "==> Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$PORT (password auth; ACL user ogf-check)"
