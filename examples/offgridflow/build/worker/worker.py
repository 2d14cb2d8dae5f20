#!/usr/bin/env python3
"""OffGridFlow worker stand-in: 'polls' $QUEUE every second and serves /health, /ready and
/metrics (offgridflow_jobs_total, offgridflow_build_info{version}) on 127.0.0.1:$PORT.
FAULT_CRASH_AFTER (seconds) makes it exit with status 1, like the api stand-in."""
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RELEASE = os.environ.get("RELEASE", "dev")
QUEUE = os.environ.get("QUEUE", "default")
polls = 0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/metrics":
            body = ("# TYPE offgridflow_jobs_total counter\noffgridflow_jobs_total{queue=\"%s\"} %d\n"
                    "# TYPE offgridflow_build_info gauge\noffgridflow_build_info{service=\"worker\",version=\"%s\"} 1\n"
                    % (QUEUE, polls, RELEASE)).encode()
            ctype = "text/plain; version=0.0.4"
        elif self.path in ("/health", "/ready"):
            body, ctype = b'{"status": "ok"}', "application/json"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def poll():
    global polls
    while True:
        polls += 1
        time.sleep(1)


if __name__ == "__main__":
    crash = float(os.environ.get("FAULT_CRASH_AFTER", "0") or 0)
    if crash > 0:
        threading.Thread(target=lambda: (time.sleep(crash), os._exit(1)), daemon=True).start()
    threading.Thread(target=poll, daemon=True).start()
    print("offgridflow worker %s polling queue %s" % (RELEASE, QUEUE), flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
