#!/usr/bin/env bash
# The main job on the example `local` environment, from a fresh machine:
# install system packages, build ogf, start the loopback servers, then validate, plan, apply
# and show state. Safe to run again: the second apply only reruns what must run every time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "==> building ogf (release)"
swift build -c release --product ogf 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
OGF="$(swift build -c release --show-bin-path)/ogf"
test -x "$OGF" || { echo "build failed" >&2; exit 1; }
scripts/dev-up.sh
echo "==> ogf validate local";  "$OGF" validate local
echo "==> ogf checklist local";  "$OGF" checklist local -o .ci-servers/checklist-local.yaml
echo "==> ogf plan local";      "$OGF" plan local -out local.plan.out
echo "==> ogf apply";           "$OGF" apply local.plan.out
echo "==> ogf state show local"; "$OGF" state show local
echo
echo "Done. The binary is $OGF; try: $OGF plan local"
