#!/usr/bin/env python3
"""OffGridFlow web stand-in: serves the files next to it, plus /health, /ready and /metrics
(http_requests_total{code}, offgridflow_build_info{version}) on 127.0.0.1:$PORT."""
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

RELEASE = os.environ.get("RELEASE", "dev")
HERE = os.path.dirname(os.path.abspath(__file__))
served = {}


class Handler(SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=HERE, **kw)

    def do_GET(self):
        if self.path in ("/health", "/ready", "/metrics"):
            if self.path == "/metrics":
                lines = ["# TYPE http_requests_total counter"] + [
                    'http_requests_total{code="%d"} %d' % (c, n) for c, n in sorted(served.items())] + [
                    "# TYPE offgridflow_build_info gauge",
                    'offgridflow_build_info{service="web",version="%s"} 1' % RELEASE]
                body, ctype = ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4"
            else:
                body, ctype = b'{"status": "ok"}', "application/json"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def send_response(self, code, message=None):
        if self.path not in ("/health", "/ready", "/metrics"):
            served[code] = served.get(code, 0) + 1
        super().send_response(code, message)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
