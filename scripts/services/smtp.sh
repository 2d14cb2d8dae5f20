#!/usr/bin/env bash
# Starts a loopback SMTP server (aiosmtpd, Tests/Support/smtp-server.py) requiring AUTH on
# 127.0.0.1:17025: user ogf-smtp, password ogf-smtp-secret. Accepted mail lands in
# ${TMPDIR:-/tmp}/ogf-smtp-mail-PORT/ (N.eml and N.json: envelope and AUTH user), where tests
# read it whichever checkout started the server. Idempotent. Pid file .ci-servers/smtp.pid.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_SMTP_PORT:-17025}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN"
up() { python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" 2>/dev/null; }
python3 -c 'import aiosmtpd' 2>/dev/null || { echo "aiosmtpd not found (run scripts/install-deps.sh)" >&2; exit 1; }
if ! up; then
  nohup python3 Tests/Support/smtp-server.py "$PORT" ogf-smtp ogf-smtp-secret "${TMPDIR:-/tmp}/ogf-smtp-mail-$PORT" "$RUN/smtp.pid" >"$RUN/smtp.log" 2>&1 &
  for _ in $(seq 50); do up && break; sleep 0.1; done
fi
up || { echo "the SMTP server did not start; see $RUN/smtp.log" >&2; exit 1; }
echo "==> SMTP (AUTH required) on smtp://127.0.0.1:$PORT"
