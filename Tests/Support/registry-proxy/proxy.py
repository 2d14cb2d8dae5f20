#!/usr/bin/env python3
"""A loopback proxy in front of a registry, for tests that need a misbehaving one.

    proxy.py UPSTREAM_PORT [--fail-first N] [--drop-after-puts K]

--fail-first N       answer the first N requests with HTTP 500 (then forward normally)
--drop-after-puts K  after K blob uploads completed (PUT .../blobs/uploads/...), close the
                     connection without an answer on every later blob PUT (an interrupted push)

Prints the port it listens on (127.0.0.1, chosen by the OS) on its first line, then serves
until killed. Counts are written to stderr as they happen.
"""
import http.client
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream = int(sys.argv[1])
args = sys.argv[2:]
fail_first = int(args[args.index("--fail-first") + 1]) if "--fail-first" in args else 0
drop_after = int(args[args.index("--drop-after-puts") + 1]) if "--drop-after-puts" in args else -1
lock = threading.Lock()
state = {"seen": 0, "puts": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        is_blob_put = self.command == "PUT" and "/blobs/uploads/" in self.path
        with lock:
            state["seen"] += 1
            n = state["seen"]
            dropping = is_blob_put and drop_after >= 0 and state["puts"] >= drop_after
        if n <= fail_first:
            sys.stderr.write(f"500 for request {n}\n")
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if dropping:
            sys.stderr.write("dropping a blob PUT\n")
            self.close_connection = True
            self.connection.close()
            return
        conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        if body or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body if body else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if is_blob_put and resp.status == 201:
            with lock:
                state["puts"] += 1
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
