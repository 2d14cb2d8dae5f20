"""The Grafana and Slack stand-ins reject what the real services reject (run by scripts/test.sh)."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class StandinsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        portfile = os.path.join(cls.dir, "port")
        cls.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "telemetry-standins.py"), "0", "tok", "/services/T/B/X", portfile])
        for _ in range(100):
            if os.path.exists(portfile) and open(portfile).read():
                break
            time.sleep(0.05)
        cls.base = "http://127.0.0.1:" + open(portfile).read()

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait()

    def send(self, method, path, body, headers=None):
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode() if not isinstance(body, bytes) else body,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_grafana_needs_the_token_and_valid_fields(self):
        ok = {"Authorization": "Bearer tok", "Content-Type": "application/json"}
        self.assertEqual(self.send("POST", "/api/annotations", {"text": "x"}, {"Content-Type": "application/json"})[0], 401)
        self.assertEqual(self.send("POST", "/api/annotations", {"time": 1764480000000}, ok)[0], 400)
        self.assertEqual(self.send("POST", "/api/annotations", {"text": "x", "time": "now"}, ok)[0], 400)
        status, body = self.send("POST", "/api/annotations", {"text": "x", "time": 1764480000000, "tags": ["a"]}, ok)
        self.assertEqual(status, 200)
        ident = json.loads(body)["id"]
        self.assertEqual(self.send("PATCH", f"/api/annotations/{ident}", {"text": "y", "time": 1764480000000, "timeEnd": 1764470000000}, ok)[0], 400)
        self.assertEqual(self.send("PATCH", f"/api/annotations/{ident}", {"text": "y", "timeEnd": 1764480005000}, ok)[0], 200)
        self.assertEqual(self.send("PATCH", "/api/annotations/999", {"text": "y"}, ok)[0], 404)

    def test_slack_checks_the_payload_and_path(self):
        self.assertEqual(self.send("POST", "/services/T/B/X", {"text": "hi"}), (200, "ok"))
        self.assertEqual(self.send("POST", "/services/T/B/X", {"blocks": [{"text": "no type"}]}), (400, "invalid_payload"))
        self.assertEqual(self.send("POST", "/services/T/B/X", b"not json"), (400, "invalid_payload"))
        self.assertEqual(self.send("POST", "/services/T/B/Y", {"text": "hi"})[0], 404)


if __name__ == "__main__":
    unittest.main()
