"""Tests of the loopback OTLP receiver (Tests/Support/otlp-receiver.py): it must decode real
OTLP/HTTP exports, reject what a collector rejects, and answer Jaeger's query API correctly,
because ogf's trace check and trace export are tested against it."""
import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kv(key, value):
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))


class OTLPReceiverTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.otlp, cls.query = free_port(), free_port()
        cls.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "otlp-receiver.py"), str(cls.otlp), str(cls.query)])
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{cls.query}/-/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait()

    def post(self, body, content_type="application/x-protobuf"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.otlp}/v1/traces", data=body, method="POST",
                                     headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.query}{path}", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def export(self, service, version, trace_id, spans):
        req = trace_service_pb2.ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        rs.resource.attributes.extend([kv("service.name", service), kv("service.version", version)])
        ss = rs.scope_spans.add()
        now = time.time_ns()
        for span_id, parent, name in spans:
            s = ss.spans.add()
            s.trace_id = bytes.fromhex(trace_id)
            s.span_id = bytes.fromhex(span_id)
            if parent:
                s.parent_span_id = bytes.fromhex(parent)
            s.name = name
            s.start_time_unix_nano = now
            s.end_time_unix_nano = now + 5_000_000
        return self.post(req.SerializeToString())

    def test_protobuf_export_is_answered_by_the_jaeger_query_api(self):
        trace = "0af7651916cd43dd8448eb211c80319c"
        status, body = self.export("otlp-test-api", "v9", trace, [("b7ad6b7169203331", None, "deploy"), ("00f067aa0ba902b7", "b7ad6b7169203331", "step")])
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")  # an empty ExportTraceServiceResponse
        status, services = self.get("/api/services")
        self.assertIn("otlp-test-api", services["data"])
        status, traces = self.get('/api/traces?service=otlp-test-api&tags={"service.version":"v9"}&lookback=5m')
        self.assertEqual(status, 200)
        self.assertEqual(len(traces["data"]), 1)
        spans = {s["operationName"]: s for s in traces["data"][0]["spans"]}
        self.assertEqual(spans["step"]["references"], [{"refType": "CHILD_OF", "traceID": trace, "spanID": "b7ad6b7169203331"}])
        self.assertEqual(spans["deploy"]["references"], [])
        self.assertEqual(spans["step"]["duration"], 5000)
        status, none = self.get('/api/traces?service=otlp-test-api&tags={"service.version":"v10"}')
        self.assertEqual(none["data"], [])

    def test_rejects_what_a_collector_rejects(self):
        self.assertEqual(self.post(b"\xff\xff\xff", "application/x-protobuf")[0], 400)
        self.assertEqual(self.post(b"{}", "text/plain")[0], 415)
        status, _ = self.export("otlp-test-bad", "v1", "0af7651916cd43dd", [("b7ad6b7169203331", None, "short trace id")])
        self.assertEqual(status, 400)
        self.assertEqual(self.get("/api/traces")[0], 400)
        self.assertEqual(self.get("/api/traces?service=x&lookback=5%20minutes")[0], 400)

    def test_json_encoding_is_accepted(self):
        body = json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "otlp-test-json"}}]},
                                              "scopeSpans": [{"spans": [{"traceId": "CvdlGRbNQ92ESOshHIAxnA==", "spanId": "t61rcWkgMzE=", "name": "j",
                                                                         "startTimeUnixNano": str(time.time_ns()), "endTimeUnixNano": str(time.time_ns())}]}]}]}).encode()
        status, _ = self.post(body, "application/json")
        self.assertEqual(status, 200)
        self.assertEqual(len(self.get("/api/traces?service=otlp-test-json")[1]["data"]), 1)


if __name__ == "__main__":
    unittest.main()
