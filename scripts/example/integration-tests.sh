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
