"""The example's API stand-in (examples/offgridflow/build/api/server.py, the image the example
deploys): routes, the rate limiter, metrics and its fault switch. Run from the repository root:
    python3 -m unittest discover -s Tests/Support -p 'test_*.py'
"""
import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "offgridflow", "build",
                      "api", "server.py")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class StandIn:
    def __init__(self, **env):
        self.port = free_port()
        full = dict(os.environ, PORT=str(self.port), RELEASE="standin-test", EXIT_WITH_PARENT="1",
                    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:%d" % free_port(), **env)
        self.proc = subprocess.Popen([sys.executable, SERVER], env=full, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the stand-in did not start: %s" % self.proc.stdout.read())

    def call(self, path, method="GET", body=None, headers=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc.stdout.close()


def fresh_second():
    time.sleep(1.02 - (time.time() % 1))


class StandInTests(unittest.TestCase):
    def test_good_release_routes_auth_rate_limit_and_metrics(self):
        s = StandIn(RATE_LIMIT_RPS="4")
        try:
            self.assertEqual(s.call("/health")[0], 200)
            self.assertEqual(json.loads(s.call("/health")[2])["version"], "standin-test")
            self.assertEqual(s.call("/ready")[0], 200)
            fresh_second()
            code, _, body = s.call("/api/v1/login", "POST", {"username": "demo", "password": "demo-password"})
            self.assertEqual(code, 200)
            token = json.loads(body)["token"]
            self.assertEqual(s.call("/api/v1/login", "POST", {"username": "demo", "password": "nope"})[0], 401)
            self.assertEqual(s.call("/api/v1/me")[0], 401)
            code, _, body = s.call("/api/v1/me", headers={"Authorization": "Bearer " + token})
            self.assertEqual((code, json.loads(body)["user"]), (200, "demo"))
            # 4 per second: the 5th /api/ request of this second is refused with Retry-After.
            code, headers, _ = s.call("/api/v1/version")
            self.assertEqual(code, 429)
            self.assertEqual(headers.get("Retry-After"), "1")
            metrics = s.call("/metrics")[2]
            self.assertIn('http_requests_total{code="200",method="GET",path="/health"} 2', metrics)
            self.assertIn('http_requests_total{code="429",method="GET",path="/api/v1/version"} 1', metrics)
            self.assertIn('offgridflow_build_info{service="api",version="standin-test"} 1', metrics)
            self.assertNotIn('path="/ready"', metrics)
        finally:
            s.stop()

    def test_fault_switch_error_rate_and_failing_health(self):
        s = StandIn(FAULT_ERROR_RATE="0.5")
        try:
            codes = [s.call("/health")[0] for _ in range(4)]
            self.assertEqual(codes, [200, 500, 200, 500], "every other request fails, not at random")
            self.assertEqual(s.call("/ready")[0], 200, "/ready stays up so the rollout completes")
        finally:
            s.stop()
        s = StandIn(FAULT_HEALTH="fail")
        try:
            code, _, body = s.call("/health")
            self.assertEqual((code, json.loads(body)["fault"]), (503, "FAULT_HEALTH"))
            self.assertEqual(s.call("/ready")[0], 200)
        finally:
            s.stop()

    def test_fault_switch_crash(self):
        s = StandIn(FAULT_CRASH_AFTER="0.5")
        try:
            self.assertEqual(s.proc.wait(10), 1)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
