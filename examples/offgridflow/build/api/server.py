#!/usr/bin/env python3
"""OffGridFlow API stand-in (the real API is a Go binary): what the example's release checks verify.

Runs from the `image.api` image. Listens on 127.0.0.1:$PORT (the emulator's kubelet gives each
pod a loopback port). Every setting comes from the environment, i.e. from the release's
ConfigMap/Secret:

  RELEASE                 the release (version) this process belongs to; in /health, the
                          `offgridflow_build_info{version}` metric and spans' service.version
  JWT_SECRET              signs login tokens (stateless, so any replica accepts them)
  DEMO_USER/DEMO_PASSWORD the one account `POST /api/v1/login` accepts (demo / demo-password)
  RATE_LIMIT_RPS          requests per second per client on /api/ before 429 + Retry-After (20)
  OTEL_EXPORTER_OTLP_ENDPOINT  OTLP/HTTP base URL (http://127.0.0.1:14318); spans are protobuf,
                          batched every second; OTEL_SERVICE_NAME names the service (api)
  Fault switch (a bad release, for tests):
  FAULT_ERROR_RATE        0..1: that fraction of requests (except /ready and /metrics) answers
                          500, spread evenly (deterministic, not random)
  FAULT_HEALTH            "fail": /health answers 503 (/ready stays 200, so the rollout completes)
  FAULT_CRASH_AFTER       seconds: the process exits with status 1 that long after starting

Routes: GET /health, GET /ready, GET /metrics (Prometheus text), GET /api/v1/version,
POST /api/v1/login {"username","password"} -> {"token"}, GET /api/v1/me (Bearer token).
`http_requests_total{code,method,path}` counts every request except /metrics and /ready
(scrapes and readiness probes would otherwise dilute the error rate).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RELEASE = os.environ.get("RELEASE", "dev")
SERVICE = os.environ.get("OTEL_SERVICE_NAME", "api")
SECRET = os.environ.get("JWT_SECRET", "dev-secret-dev-secret-dev-secret!").encode()
USER = os.environ.get("DEMO_USER", "demo")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password")
RPS = int(os.environ.get("RATE_LIMIT_RPS", "20") or 20)
ERROR_RATE = float(os.environ.get("FAULT_ERROR_RATE", "0") or 0)
FAIL_HEALTH = os.environ.get("FAULT_HEALTH", "") == "fail"
CRASH_AFTER = float(os.environ.get("FAULT_CRASH_AFTER", "0") or 0)
OTLP = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:14318").rstrip("/")
ROUTES = ("/health", "/ready", "/metrics", "/api/v1/version", "/api/v1/login", "/api/v1/me")

lock = threading.Lock()
counts = {}          # (code, method, path) -> n
served = 0           # requests subject to FAULT_ERROR_RATE
windows = {}         # client -> (second, n)
pending = []         # finished spans (dicts) waiting for export


def token_for(user, ttl=3600):
    payload = "%s.%d" % (user, int(time.time()) + ttl)
    sig = hmac.new(SECRET, payload.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + sig


def user_of(token):
    try:
        enc, sig = token.rsplit(".", 1)
        payload = base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4)).decode()
        user, expiry = payload.rsplit(".", 1)
    except (ValueError, UnicodeDecodeError):
        return None
    good = hmac.new(SECRET, payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(good, sig) or int(expiry) < time.time():
        return None
    return user


def metrics_text():
    lines = ["# HELP http_requests_total HTTP requests served, by status code, method and route.",
             "# TYPE http_requests_total counter"]
    with lock:
        for (code, method, path), n in sorted(counts.items()):
            lines.append('http_requests_total{code="%d",method="%s",path="%s"} %d' % (code, method, path, n))
    lines += ["# HELP offgridflow_build_info The release this process runs.", "# TYPE offgridflow_build_info gauge",
              'offgridflow_build_info{service="%s",version="%s"} 1' % (SERVICE, RELEASE)]
    return "\n".join(lines) + "\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "offgridflow-api-standin"

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method):
        start = time.time_ns()
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        code, payload, headers = self.answer(method, path, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; version=0.0.4" if path == "/metrics" else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        if path not in ("/metrics", "/ready"):
            route = path if path in ROUTES else "other"
            with lock:
                counts[(code, method, route)] = counts.get((code, method, route), 0) + 1
                if len(pending) < 10000:
                    pending.append({"name": "%s %s" % (method, route), "start": start, "end": time.time_ns(),
                                    "code": code, "method": method, "route": route})

    def answer(self, method, path, body):
        global served
        if path == "/metrics":
            return 200, metrics_text().encode(), []
        if path == "/ready":
            return 200, {"ready": True, "version": RELEASE}, []
        if path.startswith("/api/"):
            client = self.client_address[0]
            now = int(time.time())
            with lock:
                sec, n = windows.get(client, (now, 0))
                n = n + 1 if sec == now else 1
                windows[client] = (now, n)
            if n > RPS:
                return 429, {"error": "rate limited", "limit_per_second": RPS}, [("Retry-After", "1")]
        if ERROR_RATE > 0:
            with lock:
                served += 1
                fail = int(served * ERROR_RATE) > int((served - 1) * ERROR_RATE)
            if fail:
                return 500, {"error": "injected fault (FAULT_ERROR_RATE)"}, []
        if path == "/health":
            if FAIL_HEALTH:
                return 503, {"status": "failing", "version": RELEASE, "fault": "FAULT_HEALTH"}, []
            return 200, {"status": "ok", "version": RELEASE, "checks": {"db": True}}, []
        if path == "/api/v1/version" and method == "GET":
            return 200, {"version": RELEASE}, []
        if path == "/api/v1/login" and method == "POST":
            try:
                creds = json.loads(body or b"{}")
            except ValueError:
                return 400, {"error": "the body is not JSON"}, []
            if creds.get("username") == USER and creds.get("password") == PASSWORD:
                return 200, {"token": token_for(USER), "token_type": "Bearer", "expires_in": 3600}, []
            return 401, {"error": "invalid credentials"}, [("WWW-Authenticate", 'Bearer realm="offgridflow"')]
        if path == "/api/v1/me" and method == "GET":
            auth = self.headers.get("Authorization") or ""
            user = user_of(auth[7:]) if auth.startswith("Bearer ") else None
            if user is None:
                return 401, {"error": "authentication required"}, [("WWW-Authenticate", 'Bearer realm="offgridflow"')]
            return 200, {"user": user, "version": RELEASE}, []
        return 404, {"error": "not found"}, []

    def log_message(self, *args):
        pass


def exporter():
    """Ship finished spans as OTLP/HTTP protobuf every second (silently retried next time)."""
    try:
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        from opentelemetry.proto.common.v1 import common_pb2
    except ImportError:
        print("api: opentelemetry-proto is not installed; no spans are exported", flush=True)
        return

    def kv(k, v):
        if isinstance(v, int):
            return common_pb2.KeyValue(key=k, value=common_pb2.AnyValue(int_value=v))
        return common_pb2.KeyValue(key=k, value=common_pb2.AnyValue(string_value=str(v)))

    failures = 0
    while True:
        time.sleep(1)
        with lock:
            batch = pending[:]
            del pending[:]
        if not batch:
            continue
        req = trace_service_pb2.ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        rs.resource.attributes.extend([kv("service.name", SERVICE), kv("service.version", RELEASE),
                                       kv("deployment.pod", os.environ.get("POD_NAME", ""))])
        ss = rs.scope_spans.add()
        ss.scope.name = "offgridflow-api-standin"
        for s in batch:
            sp = ss.spans.add()
            sp.trace_id, sp.span_id = os.urandom(16), os.urandom(8)
            sp.name, sp.kind = s["name"], 2   # SERVER
            sp.start_time_unix_nano, sp.end_time_unix_nano = s["start"], s["end"]
            sp.attributes.extend([kv("http.request.method", s["method"]), kv("http.route", s["route"]),
                                  kv("http.response.status_code", s["code"])])
            if s["code"] >= 500:
                sp.status.code = 2
        try:
            r = urllib.request.Request(OTLP + "/v1/traces", data=req.SerializeToString(), method="POST",
                                       headers={"Content-Type": "application/x-protobuf"})
            urllib.request.urlopen(r, timeout=5).close()
        except OSError:
            failures += 1
            if failures in (1, 10, 100):
                print("api: OTLP export to %s failed %d time(s)" % (OTLP, failures), flush=True)


def exit_with_parent():
    """EXIT_WITH_PARENT=1 (tests that start this server directly): leave when the parent goes."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    port = int(os.environ.get("PORT", "8080"))
    if os.environ.get("EXIT_WITH_PARENT") == "1":
        threading.Thread(target=exit_with_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=exporter, daemon=True).start()
    if CRASH_AFTER > 0:
        def crash():
            time.sleep(CRASH_AFTER)
            print("api: FAULT_CRASH_AFTER=%g: exiting with status 1" % CRASH_AFTER, flush=True)
            os._exit(1)
        threading.Thread(target=crash, daemon=True).start()
    print("offgridflow api %s listening on 127.0.0.1:%d" % (RELEASE, port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
