#!/usr/bin/env python3
"""Loopback stand-ins for the Google OAuth token endpoint, the Microsoft identity platform's
token endpoint and Stripe's balance API, for gate_gcp, gate_azure and gate_stripe.

They verify what they receive as the real services do, and answer with their error shapes:
  gcp     POST /token   grant_type jwt-bearer; the assertion's RS256 signature against the
                        service account's public key, kid, iss, aud (this endpoint's URL),
                        scope, iat/exp (not expired, not issued in the future, at most 1 h)
  azure   POST /{tenant}/oauth2/v2.0/token   client_credentials; tenant, client_id, client_secret,
                        scope ending in /.default
  stripe  GET /v1/balance   the key in Basic auth (or Bearer); unknown keys 401, restricted keys
                        without balance read 403; livemode as the key says

  cloud-standins.py --role gcp|azure|stripe --port N --config FILE [--pid-file F]

FILE (JSON): {"gcp": {"keys": [{"client_email", "public_key_pem", "private_key_id"}]},
              "azure": {"apps": [{"tenant", "client_id", "client_secret", "name"}]},
              "stripe": {"keys": {"sk_test_...": {"balance_read": true}}},
              "fail_first": 0}   (answer 503 to that many requests first: retry tests)
Prints "listening PORT" once bound (--port 0 picks a free port). Loopback only.
"""
import argparse, base64, json, os, socket, sys, threading, time, urllib.parse, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

GOOGLE_SCOPES = "https://www.googleapis.com/auth/"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64url_decode(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out without waiting for an ACK, as real HTTP servers send them: with
    # Nagle on, Python's unbuffered writes held the body ~40 ms behind the headers (delayed ACK).
    disable_nagle_algorithm = True
    server_version = "ogf-cloud-standin"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (~40 ms). Real services (Go, Java) set TCP_NODELAY too.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.server.role, fmt % args))

    def reply(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def injected_failure(self):
        with self.server.lock:
            if self.server.fail_left > 0:
                self.server.fail_left -= 1
                return True
        return False

    def form(self):
        raw = self.body.decode()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/x-www-form-urlencoded":
            return None
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def do_GET(self):
        if self.injected_failure():
            return self.reply(503, {"error": {"message": "injected outage", "type": "api_error"}})
        if self.server.role == "stripe" and self.path.split("?")[0] == "/v1/balance":
            return self.stripe_balance()
        self.reply(404, {"error": {"message": "Unrecognized request URL (GET: %s)." % self.path, "type": "invalid_request_error"}})

    def do_POST(self):
        # Read the whole body first: on a kept-alive connection, unread bytes would be taken
        # for the next request.
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.injected_failure():
            return self.reply(503, {"error": "temporarily_unavailable", "error_description": "injected outage"})
        path = self.path.split("?")[0]
        if self.server.role == "gcp" and path == "/token":
            return self.gcp_token()
        if self.server.role == "azure" and path.endswith("/oauth2/v2.0/token"):
            return self.azure_token(path.split("/")[1])
        self.reply(404, {"error": "not_found", "error_description": "no such endpoint: " + path})

    # Google: https://developers.google.com/identity/protocols/oauth2/service-account#httprest
    def gcp_token(self):
        form = self.form()
        bad = lambda code, text: self.reply(400, {"error": code, "error_description": text})
        if form is None:
            return bad("invalid_request", "Bad Request")
        if form.get("grant_type") != JWT_BEARER:
            return bad("unsupported_grant_type", "Invalid grant_type: %s" % form.get("grant_type", ""))
        parts = form.get("assertion", "").split(".")
        if len(parts) != 3:
            return bad("invalid_grant", "Invalid JWT: the assertion is not a JWT.")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except Exception:
            return bad("invalid_grant", "Invalid JWT: the assertion cannot be decoded.")
        if header.get("alg") != "RS256":
            return bad("invalid_grant", "Invalid JWT: only RS256 is accepted.")
        key = next((k for k in self.server.config.get("gcp", {}).get("keys", []) if k["client_email"] == claims.get("iss")), None)
        if key is None:
            return bad("invalid_grant", "Invalid grant: account not found")
        if "kid" in header and key.get("private_key_id") and header["kid"] != key["private_key_id"]:
            return bad("invalid_grant", "Invalid JWT Signature.")
        public = serialization.load_pem_public_key(key["public_key_pem"].encode())
        try:
            public.verify(signature, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return bad("invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") != self.server.url + "/token":
            return bad("invalid_grant", "Invalid JWT: Failed audience check. The right audience is %s/token" % self.server.url)
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or iat > now + 60 or exp <= now or exp - iat > 3600:
            return bad("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        scopes = (claims.get("scope") or "").split()
        if not scopes or not all(s.startswith(GOOGLE_SCOPES) or s == "openid" for s in scopes):
            return bad("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        self.reply(200, {"access_token": "ya29.standin-" + uuid.uuid4().hex, "expires_in": 3599, "token_type": "Bearer"})

    # Microsoft: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    def azure_token(self, tenant):
        form = self.form()
        bad = lambda status, code, text: self.reply(status, {"error": code, "error_description": text,
                                                             "error_codes": [int(text[6:text.index(":")])] if text.startswith("AADSTS") else []})
        if form is None:
            return bad(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
        if form.get("grant_type") != "client_credentials":
            return bad(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
        apps = [a for a in self.server.config.get("azure", {}).get("apps", []) if a["tenant"] == tenant]
        if not apps:
            return bad(400, "invalid_request", "AADSTS90002: Tenant '%s' not found." % tenant)
        app = next((a for a in apps if a["client_id"] == form.get("client_id")), None)
        if app is None:
            return bad(400, "unauthorized_client", "AADSTS700016: Application with identifier '%s' was not found in the directory." % form.get("client_id", ""))
        if not form.get("client_secret") or form["client_secret"] != app["client_secret"]:
            return bad(401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
        if not form.get("scope", "").endswith("/.default"):
            return bad(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
        now = int(time.time())
        claims = {"aud": form["scope"][: -len("/.default")], "iss": "https://sts.windows.net/%s/" % tenant, "iat": now, "nbf": now,
                  "exp": now + 3599, "tid": tenant, "appid": app["client_id"], "app_displayname": app.get("name", "app")}
        token = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode()) + "." + b64url(b"standin")
        self.reply(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token})

    # Stripe: https://docs.stripe.com/api/authentication and /api/balance/balance_retrieve
    def stripe_balance(self):
        auth = self.headers.get("Authorization") or ""
        key = None
        if auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except Exception:
                key = None
        elif auth.startswith("Bearer "):
            key = auth[7:]
        err = lambda status, text: self.reply(status, {"error": {"message": text, "type": "invalid_request_error"}})
        if not key:
            return err(401, "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.")
        known = self.server.config.get("stripe", {}).get("keys", {})
        if key not in known:
            return err(401, "Invalid API Key provided: %s****%s" % (key[:8], key[-4:]))
        if not known[key].get("balance_read", True):
            return err(403, "The provided key '%s****%s' does not have the required permissions for this endpoint." % (key[:8], key[-4:]))
        live = key.split("_")[1] == "live"
        self.reply(200, {"object": "balance", "livemode": live,
                         "available": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
                         "pending": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["gcp", "azure", "stripe"], required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--config", required=True)
    ap.add_argument("--pid-file")
    a = ap.parse_args()
    with open(a.config) as f:
        config = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.role, server.config, server.lock = a.role, config, threading.Lock()
    server.fail_left = int(config.get("fail_first", 0))
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    if a.pid_file:
        with open(a.pid_file, "w") as f:
            f.write(str(os.getpid()))
    print("listening %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
