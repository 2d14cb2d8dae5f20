#!/usr/bin/env python3
"""Loopback stand-ins for the Grafana annotations API and a Slack incoming webhook (test
doubles: neither service can run here). Each checks a request as the documented API does and
rejects what the real one would reject.

Grafana (HTTP API, docs/sources/developers/http_api/annotations.md):
  POST  /api/annotations        Bearer token required (401 otherwise); JSON body with `text`
                                (string, required), `time`/`timeEnd` (ms, ints), `tags` (list of
                                strings), `dashboardUID` (string). 200 {"message":"Annotation added","id":N}
  PATCH /api/annotations/:id    same checks; unknown id 404; 200 {"message":"Annotation patched"}
Slack incoming webhook (POST /services/T000/B000/XXXX):
  JSON body with `text` (string) and/or `blocks` (list of objects each with a `type`);
  anything else 400 `invalid_payload`; wrong path 404 `no_service`; success 200 `ok`.

Control (for tests):
  GET  /debug/requests          every request received, JSON: method, path, headers, body
  POST /debug/mode              body {"grafana": MODE, "slack": MODE}; MODE is "ok", "500",
                                "429" (Retry-After: 1 on the first request, then ok), "429-always",
                                "slow" (answers after 5 s)
  GET  /-/ready                 200

Usage: telemetry-standins.py PORT TOKEN SLACK_PATH [PORTFILE]   (127.0.0.1 only; PORT 0 = any)
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = []
annotations = {}
mode = {"grafana": "ok", "slack": "ok"}
seen_429 = {"grafana": False, "slack": False}
TOKEN = sys.argv[2]
SLACK_PATH = sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out without waiting for an ACK, as real HTTP servers send them: with
    # Nagle on, Python's unbuffered writes held the body ~40 ms behind the headers (delayed ACK).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, raw):
        with lock:
            requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                             "body": raw.decode("utf-8", "replace")})

    def fault(self, which):
        m = mode[which]
        if m == "500":
            self.reply(500, {"message": "internal error"} if which == "grafana" else "rollup_error",
                       "application/json" if which == "grafana" else "text/plain")
            return True
        if m == "429-always" or (m == "429" and not seen_429[which]):
            seen_429[which] = True
            self.reply(429, "rate_limited", "text/plain", {"Retry-After": "1"})
            return True
        if m == "slow":
            time.sleep(5)
        return False

    def do_GET(self):
        if self.path == "/-/ready":
            return self.reply(200, "ok", "text/plain")
        if self.path == "/debug/requests":
            with lock:
                return self.reply(200, requests)
        self.reply(404, {"message": "not found"})

    def do_POST(self):
        raw = self.body()
        if self.path == "/debug/mode":
            with lock:
                mode.update(json.loads(raw or b"{}"))
                seen_429["grafana"] = seen_429["slack"] = False
            return self.reply(200, mode)
        self.record(raw)
        if self.path == "/api/annotations":
            return self.grafana(raw, None)
        if self.path.startswith("/services/"):
            return self.slack(raw)
        self.reply(404, {"message": "not found"})

    def do_PATCH(self):
        raw = self.body()
        self.record(raw)
        if self.path.startswith("/api/annotations/"):
            return self.grafana(raw, self.path.rsplit("/", 1)[1])
        self.reply(404, {"message": "not found"})

    def grafana(self, raw, ident):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(401, {"message": "Unauthorized"})
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self.reply(415, {"message": "Unsupported Media Type"})
        if self.fault("grafana"):
            return
        try:
            b = json.loads(raw)
        except ValueError:
            return self.reply(400, {"message": "bad request data"})
        ok = isinstance(b, dict) and isinstance(b.get("text"), str) and b["text"]
        for k in ("time", "timeEnd"):
            ok = ok and (k not in b or (isinstance(b[k], int) and not isinstance(b[k], bool) and b[k] > 10**12))
        ok = ok and ("tags" not in b or (isinstance(b["tags"], list) and all(isinstance(t, str) for t in b["tags"])))
        ok = ok and ("dashboardUID" not in b or isinstance(b["dashboardUID"], str))
        ok = ok and ("time" not in b or "timeEnd" not in b or b["timeEnd"] >= b["time"])
        if not ok:
            return self.reply(400, {"message": "bad request data"})
        with lock:
            if ident is None:
                ident = len(annotations) + 1
                annotations[ident] = b
                return self.reply(200, {"message": "Annotation added", "id": ident})
            if not ident.isdigit() or int(ident) not in annotations:
                return self.reply(404, {"message": "Annotation not found"})
            annotations[int(ident)].update(b)
        self.reply(200, {"message": "Annotation patched"})

    def slack(self, raw):
        if self.path != SLACK_PATH:
            return self.reply(404, "no_service", "text/plain")
        if self.fault("slack"):
            return
        try:
            b = json.loads(raw)
        except ValueError:
            return self.reply(400, "invalid_payload", "text/plain")
        ok = isinstance(b, dict) and ("text" in b or "blocks" in b)
        ok = ok and ("text" not in b or isinstance(b["text"], str))
        blocks = b.get("blocks", []) if isinstance(b, dict) else []
        ok = ok and isinstance(blocks, list) and len(blocks) <= 50 and all(isinstance(x, dict) and isinstance(x.get("type"), str) for x in blocks)
        for x in blocks if ok else []:
            if x["type"] == "header":
                ok = ok and x.get("text", {}).get("type") == "plain_text" and len(x["text"].get("text", "")) <= 150
            if x["type"] == "section":
                ok = ok and ("text" in x or "fields" in x) and len(x.get("fields", [])) <= 10
        if not ok:
            return self.reply(400, "invalid_payload", "text/plain")
        self.reply(200, "ok", "text/plain")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w") as f:
            f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
