#!/bin/sh
# Stand-in for OffGridFlow's integration suite: a few requests against the running API.
set -eu
base="${1:?usage: integration-tests.sh BASE_URL [--full]}"
python3 - "$base" "${2:-}" <<'PY'
import json, sys, urllib.request
base, full = sys.argv[1], sys.argv[2] == "--full"
passed = 0
checks = [("/health", None, 200, lambda b: json.loads(b)["status"] == "ok"),
          ("/api/v1/version", None, 200, lambda b: "version" in json.loads(b))]
if full:  # staging's full suite: ingestion and the compliance report too
    checks += [("/api/v1/readings", b'{"device_id": 1, "watts": 420}', 202, lambda b: json.loads(b)["accepted"] == 1),
               ("/api/v1/compliance/report", None, 200, lambda b: json.loads(b)["status"] == "valid")]
for path, data, status, check in checks:
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
        assert r.status == status and check(body), f"{path} failed: {r.status} {body!r}"
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
