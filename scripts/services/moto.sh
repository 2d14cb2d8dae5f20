#!/usr/bin/env bash
# Starts moto (AWS API mock, PyPI moto[server]) on 127.0.0.1:17100 with IAM authentication ON:
# requests must carry a valid SigV4 signature from a key moto's IAM knows, or they get 403
# (SignatureDoesNotMatch, InvalidClientTokenId). moto counts requests; the first
# INITIAL_NO_AUTH_ACTION_COUNT (3) are let through unauthenticated, and this script spends them
# creating the admin user below. Idempotent: a moto whose admin key still works is left alone.
#
#   .ci-servers/aws/credentials   profile ogf-local: IAM user ogf-admin (policy Allow *) and its key
#   account 123456789012 (moto's)
#
# Tests create their own users with that key (names prefixed ogf-cloud-) and clean up.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${OGF_MOTO_PORT:-17100}"
RUN="$(pwd)/.ci-servers"
mkdir -p "$RUN/aws"
CREDS="$RUN/aws/credentials"
python3 -c 'import moto.server' 2>/dev/null || { echo "moto is not installed (scripts/install-deps.sh installs moto[server])" >&2; exit 1; }

works() {
  [ -f "$CREDS" ] && AWS_SHARED_CREDENTIALS_FILE="$CREDS" AWS_PROFILE=ogf-local python3 - "$PORT" <<'PY' >/dev/null 2>&1
import sys, boto3
boto3.client("sts", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1").get_caller_identity()
PY
}

if ! works; then
  if [ -f "$RUN/moto.pid" ]; then kill "$(cat "$RUN/moto.pid")" 2>/dev/null || true; rm -f "$RUN/moto.pid"; sleep 0.5; fi
  if python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$PORT" 2>/dev/null; then
    echo "127.0.0.1:$PORT is taken by a server this checkout did not start (another checkout's moto?); stop it with that checkout's scripts/dev-down.sh" >&2
    exit 1
  fi
  INITIAL_NO_AUTH_ACTION_COUNT=3 nohup python3 -m moto.server -H 127.0.0.1 -p "$PORT" >"$RUN/aws/moto.log" 2>&1 &
  echo $! >"$RUN/moto.pid"
  for _ in $(seq 100); do
    python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$PORT" 2>/dev/null && break
    sleep 0.1
  done
  # The three unauthenticated requests: user, policy, key.
  python3 - "$PORT" "$CREDS" <<'PY'
import sys, boto3
iam = boto3.client("iam", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="ogf-admin")
iam.put_user_policy(UserName="ogf-admin", PolicyName="admin",
                    PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
k = iam.create_access_key(UserName="ogf-admin")["AccessKey"]
with open(sys.argv[2], "w") as f:
    f.write("# Written by scripts/services/moto.sh for the loopback moto on this machine only.\n")
    f.write("[ogf-local]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (k["AccessKeyId"], k["SecretAccessKey"]))
PY
  works || { echo "moto did not start with IAM authentication; see $RUN/aws/moto.log" >&2; exit 1; }
fi
echo "==> moto (AWS STS, IAM; SigV4 authentication on) on http://127.0.0.1:$PORT (profile ogf-local in .ci-servers/aws/credentials)"
