#!/usr/bin/env python3
"""A loopback service with Prometheus metrics and a switchable error rate, for the watch and
check_prometheus tests (127.0.0.1 only; a test double of an API behind Prometheus).

GET  /metrics                  http_requests_total{code, version} counters: every scrape adds
                               RATE requests per second since the last one per version, a
                               fraction ERROR of them with code 500 (Prometheus text format)
GET  /health                   200, or the status set with /control
POST /control?version=V&error=F&health=S&rate=N
                               sets version V's error fraction F (adds V if new), the /health
                               status S, the request rate N per second
POST /control?drop=V           stops exposing version V
Usage: metrics_fixture.py PORTFILE [VERSION ...]   (ephemeral port written to PORTFILE; default
                                                    version v1 with error 0)
"""
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
state = {"health": 200, "rate": 100.0, "versions": {}}   # version -> {"error", "ok", "bad", "last"}


def add_version(v, error=0.0):
    state["versions"].setdefault(v, {"error": error, "ok": 0.0, "bad": 0.0, "last": time.time()})["error"] = error


def advance():
    now = time.time()
    for v in state["versions"].values():
        n = state["rate"] * (now - v["last"])
        v["bad"] += n * v["error"]
        v["ok"] += n * (1 - v["error"])
        v["last"] = now


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out without waiting for an ACK, as real HTTP servers send them: with
    # Nagle on, Python's unbuffered writes held the body ~40 ms behind the headers (delayed ACK).
    disable_nagle_algorithm = True
    def reply(self, status, text, ctype="text/plain; version=0.0.4"):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/metrics":
            with lock:
                advance()
                lines = ["# HELP http_requests_total Requests by status code.", "# TYPE http_requests_total counter"]
                for name, v in sorted(state["versions"].items()):
                    lines.append('http_requests_total{code="200",version="%s"} %.3f' % (name, v["ok"]))
                    lines.append('http_requests_total{code="500",version="%s"} %.3f' % (name, v["bad"]))
            return self.reply(200, "\n".join(lines) + "\n")
        if u.path == "/health":
            with lock:
                status = state["health"]
            return self.reply(status, "ok\n" if status == 200 else "unhealthy\n")
        return self.reply(404, "not found\n")

    def do_POST(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path != "/control":
            return self.reply(404, "not found\n")
        with lock:
            advance()
            if "health" in q:
                state["health"] = int(q["health"][0])
            if "rate" in q:
                state["rate"] = float(q["rate"][0])
            if "version" in q:
                add_version(q["version"][0], float(q.get("error", ["0"])[0]))
            if "drop" in q:
                state["versions"].pop(q["drop"][0], None)
        return self.reply(200, "ok\n")

    def log_message(self, *args):
        pass


def main():
    with lock:
        for v in sys.argv[2:] or ["v1"]:
            add_version(v)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
