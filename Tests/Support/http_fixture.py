#!/usr/bin/env python3
"""A loopback HTTP server for ogf's tests (127.0.0.1 only).

GET /health            200 {"status": "ok", "checks": {"db": true}, "count": 3}
GET /status/N          answers with status N
GET /slow?ms=N         waits N ms, then 200
GET /flaky/KEY?fail=N  fails (503) the first N requests for KEY, then 200
GET /echo-headers      200 with the request headers as JSON
Usage: http_fixture.py PORTFILE   (binds an ephemeral port and writes it to PORTFILE)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

counts = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/health":
            return self.reply(200, {"status": "ok", "checks": {"db": True}, "count": 3})
        if u.path.startswith("/status/"):
            return self.reply(int(u.path.split("/")[2]), {"status": "as asked"})
        if u.path == "/slow":
            time.sleep(int(q.get("ms", ["100"])[0]) / 1000)
            return self.reply(200, {"status": "ok"})
        if u.path.startswith("/flaky/"):
            key = u.path.split("/")[2]
            with lock:
                counts[key] = counts.get(key, 0) + 1
                n = counts[key]
            if n <= int(q.get("fail", ["1"])[0]):
                return self.reply(503, {"status": "warming up", "attempt": n})
            return self.reply(200, {"status": "ok", "attempt": n})
        if u.path == "/echo-headers":
            return self.reply(200, {k.lower(): v for k, v in self.headers.items()})
        return self.reply(404, {"status": "not found"})

    do_POST = do_GET

    def log_message(self, *args):
        pass


def exit_with_parent():
    """Tests start this server and may die without stopping it: leave when the parent goes."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()
