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
# Three runs. Tests that assert on elapsed time (timeouts, cancellation, deadlines) run apart
# from the rest: in one process with the whole suite, tests that wait on a child process block
# the cooperative pool's two threads for seconds, and a timer measured meanwhile reads late.
# The tests that drive the binary through a watch window run last, on their own.
TIMED='CheckLoadTests|ExecTests|GateTests|CheckTests|KeepAliveTests|FaultTests|CancellationTests|KillTests|WatchUnitTests|WatchServerTests|LockTests|StateStoreTests|PlanFileTests|YAMLParserTests|PostgresStateBackendTests'
DRIVEN='WatchCommandTests|PostgresStateEndToEndTests'
# A name here that matches no suite would send that suite into the wrong run unnoticed.
for suite in ${TIMED//|/ } ${DRIVEN//|/ }; do
  grep -rqE "(struct|class) $suite\b" Tests || { echo "scripts/test.sh: no test suite is named $suite; fix TIMED/DRIVEN" >&2; exit 1; }
done
echo "==> swift test (all but the timed and the watch-driving suites)"
swift test --skip-build --parallel --skip "$TIMED" --skip "$DRIVEN" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'
echo "==> swift test (suites that assert on elapsed time)"
swift test --skip-build --parallel --filter "$TIMED" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'
echo "==> swift test (the binary through watch windows and the PostgreSQL state backend)"
swift test --skip-build --parallel --filter "$DRIVEN" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'
