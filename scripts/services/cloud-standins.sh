#!/usr/bin/env bash
# Starts the loopback stand-ins for Google's token endpoint (127.0.0.1:17101), the Microsoft
# identity platform (17102) and Stripe's API (17103): scripts/services/cloud-standins.py, which
# verifies signatures and credentials as the real services do. Idempotent.
#
# Dev-only credentials (never valid anywhere else):
#   .ci-servers/cloud/gcp-service-account.json   a service-account key generated here (RSA 2048),
#       client_email ogf-deploy@offgridflow-local.iam.gserviceaccount.com, project offgridflow-local,
#       token_uri http://127.0.0.1:17101/token
#   Azure  tenant 11111111-2222-3333-4444-555555555555, client 66666666-7777-8888-9999-000000000000,
#          secret ogf-local-azure-secret (AZURE_CLIENT_SECRET in environments/local.env)
#   Stripe sk_test_ogflocal0123456789abcdef (STRIPE_SECRET_KEY in environments/local.env)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN="$(pwd)/.ci-servers"
DIR="$RUN/cloud"
mkdir -p "$DIR"
python3 -c 'import cryptography' 2>/dev/null || { echo "python3 cryptography is missing (scripts/install-deps.sh installs moto[server], which brings it)" >&2; exit 1; }

if [ ! -f "$DIR/gcp-service-account.json" ] || [ ! -f "$DIR/standins.json" ]; then
  # New keys: stand-ins of ours still running know the old ones.
  for f in "$RUN"/cloud-*.pid; do [ -f "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; }; done
  sleep 0.3
  python3 - "$DIR" <<'PY'
import json, os, sys, uuid
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
kid = uuid.uuid4().hex
email = "ogf-deploy@offgridflow-local.iam.gserviceaccount.com"
sa = {"type": "service_account", "project_id": "offgridflow-local", "private_key_id": kid, "private_key": pem,
      "client_email": email, "client_id": "100000000000000000001",
      "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "http://127.0.0.1:17101/token"}
path = os.path.join(d, "gcp-service-account.json")
with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    json.dump(sa, f, indent=2)
cfg = {"gcp": {"keys": [{"client_email": email, "public_key_pem": pub, "private_key_id": kid}]},
       "azure": {"apps": [{"tenant": "11111111-2222-3333-4444-555555555555", "client_id": "66666666-7777-8888-9999-000000000000",
                           "client_secret": "ogf-local-azure-secret", "name": "offgridflow-deploy-local"}]},
       "stripe": {"keys": {"sk_test_ogflocal0123456789abcdef": {"balance_read": True}}}}
with open(os.path.join(d, "standins.json"), "w") as f:
    json.dump(cfg, f, indent=2)
PY
fi

answers() { python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$1" 2>/dev/null; }
for spec in gcp:17101 azure:17102 stripe:17103; do
  role=${spec%%:*}; port=${spec##*:}
  if ! answers "$port"; then
    nohup python3 scripts/services/cloud-standins.py --role "$role" --port "$port" --config "$DIR/standins.json" \
      --pid-file "$RUN/cloud-$role.pid" >"$DIR/$role.log" 2>&1 &
    for _ in $(seq 50); do answers "$port" && break; sleep 0.1; done
    answers "$port" || { echo "the $role stand-in did not start; see $DIR/$role.log" >&2; exit 1; }
  elif [ ! -f "$RUN/cloud-$role.pid" ] || ! kill -0 "$(cat "$RUN/cloud-$role.pid")" 2>/dev/null; then
    echo "127.0.0.1:$port is taken by a server this checkout did not start (another checkout's stand-in?); stop it with that checkout's scripts/dev-down.sh" >&2
    exit 1
  fi
done
echo "==> cloud stand-ins: Google token 127.0.0.1:17101, Azure token 127.0.0.1:17102, Stripe API 127.0.0.1:17103"
