#!/usr/bin/env python3
"""A stand-in for OffGridFlow's API on loopback, for the local example and tests.

GET /health -> {"status": "ok"}; GET /api/v1/version -> {"version": ...}.
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

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(str(os.getpid()))
    server.serve_forever()
