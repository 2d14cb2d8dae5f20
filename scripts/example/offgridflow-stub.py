#!/usr/bin/env python3
"""A stand-in for OffGridFlow's API on loopback, for the local example and tests.

GET /health -> {"status": "ok"}; GET /api/v1/version -> {"version": ...};
GET /api/v1/compliance/report -> {"status": "valid", ...};
POST /api/v1/readings {"device_id": N, "watts": N} -> 202 {"accepted": 1} (400 for anything else):
the ingestion endpoint staging's load test (check_load.ingest) aims at.
Binds 127.0.0.1 only. Usage: offgridflow-stub.py PORT [PIDFILE]
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        routes = {
            "/health": {"status": "ok", "checks": {"db": True}},
            "/api/v1/version": {"version": os.environ.get("STUB_VERSION", "2026.11.27-local")},
            "/api/v1/compliance/report": {"status": "valid", "framework": "CSRD", "period": "2026-Q3"},
        }
        body = routes.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path != "/api/v1/readings":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            reading = json.loads(self.rfile.read(length) or b"null")
            ok = isinstance(reading, dict) and isinstance(reading.get("device_id"), int) and isinstance(reading.get("watts"), (int, float))
        except ValueError:
            ok = False
        data = json.dumps({"accepted": 1} if ok else {"error": "expected {\"device_id\": N, \"watts\": N}"}).encode()
        self.send_response(202 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(str(os.getpid()))
    server.serve_forever()
