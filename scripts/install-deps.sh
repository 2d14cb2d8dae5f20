#!/usr/bin/env bash
# Installs the system packages ogf builds and tests against (Debian).
# Idempotent: packages already present are skipped, so a warm machine pays nothing.
set -euo pipefail
PACKAGES=(
  libyaml-dev libcurl4-openssl-dev libpq-dev libarchive-dev zlib1g-dev libzstd-dev python3   # build
  postgresql postgresql-client redis-server                                       # database tests
  sqitch libdbd-pg-perl                                                           # db adopt test (a real sqitch deploy)
  docker-registry apache2-utils skopeo umoci pigz zstd                            # image tests and benchmark
  prometheus prometheus-pushgateway chromium                                      # watch, check_prometheus, telemetry and report tests (2.42)
  wrk hyperfine                                                                   # benchmark peers and timing
  openssl git curl                                                                # TLS fixtures, gate_git_secrets, test doubles
)
# kubectl (the independent client the Kubernetes emulator is checked with) is not in Debian;
# it comes with the machine (ENVIRONMENT.md). Say so at once rather than fail deep in a test.
command -v kubectl >/dev/null || echo "warning: kubectl is not installed; the Kubernetes emulator tests need it (https://kubernetes.io/docs/tasks/tools/)" >&2
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's prometheus package starts a service on *:9090 where systemd runs; ours listens on
  # loopback only (scripts/services/prometheus.sh), so the packaged one is stopped.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
fi
# Python packages for the loopback test doubles (PyPI).
PY_PACKAGES=(opentelemetry-proto aiosmtpd)
for p in "${PY_PACKAGES[@]}"; do
  python3 -m pip show -q "$p" >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$p"
done
# moto[server]: the AWS API mock the credential gates are tested against (scripts/services/moto.sh);
# it brings boto3 and cryptography, which the cloud stand-ins (scripts/services/cloud-standins.py) use.
python3 -c 'import moto.server, boto3, cryptography' 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore 'moto[server]>=5,<6'
echo "==> system packages ready"
