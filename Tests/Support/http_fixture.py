#!/usr/bin/env python3
"""A loopback HTTP server for ogf's tests (127.0.0.1 only).

GET /health            200 {"status": "ok", "checks": {"db": true}, "count": 3}
GET /status/N          answers with status N
GET /slow?ms=N         waits N ms, then 200
GET /flaky/KEY?fail=N  fails (503) the first N requests for KEY, then 200
GET /echo-headers      200 with the request headers as JSON
GET /load/KEY?ms=N&slow_every=K&slow_ms=M&error_every=E
                       for load tests: waits N ms (M ms on every K-th request of KEY), and
                       answers 500 to every E-th request of KEY (0 = never), else 200
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
    # Headers and body go out without waiting for an ACK, as real HTTP servers send them: with
    # Nagle on, Python's unbuffered writes held the body ~40 ms behind the headers (delayed ACK).
    disable_nagle_algorithm = True
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
        if u.path.startswith("/load/"):
            key = "load:" + u.path.split("/")[2]
            with lock:
                counts[key] = counts.get(key, 0) + 1
                n = counts[key]
            every = int(q.get("slow_every", ["0"])[0])
            ms = int(q.get("slow_ms", ["0"])[0]) if every and n % every == 0 else int(q.get("ms", ["0"])[0])
            if ms:
                time.sleep(ms / 1000)
            errors = int(q.get("error_every", ["0"])[0])
            if errors and n % errors == 0:
                return self.reply(500, {"status": "failing as asked", "n": n})
            return self.reply(200, {"status": "ok", "n": n})
        if u.path == "/echo-headers":
            return self.reply(200, {k.lower(): v for k, v in self.headers.items()})
        return self.reply(404, {"status": "not found"})

    def do_POST(self):
        # Read the body before answering: unread bytes make the close a reset.
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        return self.do_GET()

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
    # A deep accept queue: load tests open many connections at once, and a full queue drops
    # SYNs that the client resends only after a second.
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()
