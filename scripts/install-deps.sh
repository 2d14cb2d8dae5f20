#!/usr/bin/env bash
# Installs the system packages ogf builds and tests against (Debian).
# Idempotent: packages already present are skipped, so a warm machine pays nothing.
set -euo pipefail
PACKAGES=(
  libyaml-dev libcurl4-openssl-dev libpq-dev libarchive-dev zlib1g-dev libzstd-dev python3   # build
  postgresql postgresql-client redis-server                                       # database tests
  docker-registry apache2-utils skopeo umoci pigz zstd                            # image tests and benchmark
  prometheus prometheus-pushgateway chromium                                      # telemetry and report tests
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Python packages for the loopback test doubles (PyPI).
PY_PACKAGES=(opentelemetry-proto aiosmtpd)
for p in "${PY_PACKAGES[@]}"; do
  python3 -m pip show -q "$p" >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$p"
done
echo "==> system packages ready"
