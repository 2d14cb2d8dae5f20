#!/usr/bin/env bash
# Stops what scripts/dev-up.sh started, by pid file.
set -uo pipefail
cd "$(dirname "$0")/.."
for f in .ci-servers/*.pid .ci-servers/*/pid; do
  [ -f "$f" ] || continue
  kill "$(cat "$f")" 2>/dev/null && echo "stopped $f"
  rm -f "$f"
done
