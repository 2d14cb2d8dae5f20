#!/usr/bin/env bash
# Runs every test: installs system packages, starts the loopback servers the tests need,
# then the emulator's own tests and `swift test`. A test that needs a server it cannot reach
# fails; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-layering.sh
scripts/dev-up.sh
export OGF_TEST_SERVERS=1
echo "==> building"
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting)' || true
if [ -d Tests/Support/kube-emulator ] && ls Tests/Support/kube-emulator/test_*.py >/dev/null 2>&1; then
  echo "==> Kubernetes emulator tests"
  python3 -m unittest discover -s Tests/Support/kube-emulator 2>&1 | tail -3
fi
echo "==> loopback test doubles' own tests"
python3 -m unittest discover -s Tests/Support -p 'test_*.py' 2>&1 | tail -3
echo "==> swift test"
swift test --skip-build --parallel 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'
