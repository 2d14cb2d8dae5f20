#!/usr/bin/env python3
"""A loopback OpenTelemetry trace receiver for tests and the local example (a test double, not a
collector): it takes real OTLP/HTTP trace exports and answers Jaeger's query API over what it got.

  POST /v1/traces           OTLP/HTTP, `application/x-protobuf` (decoded with opentelemetry-proto)
                            or `application/json` (OTLP's JSON mapping). As the collector does, a
                            body that does not decode is 400, another content type 415, and a
                            success answers an empty ExportTraceServiceResponse in the request's
                            encoding.
  GET  /api/services        Jaeger query API: {"data": [service names]}
  GET  /api/traces          Jaeger query API: ?service=S (required, 400 without), &tags={"k":"v"}
                            (JSON object; every tag must match a span or resource attribute),
                            &lookback=1h|5m|30s (default 1h), &limit=N; traces newest first.
  GET  /debug/spans         every span received, as JSON (for tests): traceId, spanId,
                            parentSpanId, name, kind, start/end (unix ns), attributes, resource.
  GET  /-/ready             200 when serving.

Usage: otlp-receiver.py OTLP_PORT QUERY_PORT [PIDFILE]   (both on 127.0.0.1 only)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

MAX_SPANS = 100_000
lock = threading.Lock()
spans = []  # dicts, oldest first


def any_value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, kind)


def attributes(kvs):
    return {kv.key: any_value(kv.value) for kv in kvs}


def ingest(request):
    got = []
    for rs in request.resource_spans:
        resource = attributes(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                if len(s.trace_id) != 16 or len(s.span_id) != 8:
                    raise ValueError("span with a trace id that is not 16 bytes or a span id that is not 8")
                got.append({
                    "traceId": s.trace_id.hex(),
                    "spanId": s.span_id.hex(),
                    "parentSpanId": s.parent_span_id.hex(),
                    "name": s.name,
                    "kind": s.kind,
                    "startTimeUnixNano": s.start_time_unix_nano,
                    "endTimeUnixNano": s.end_time_unix_nano,
                    "status": {"code": s.status.code, "message": s.status.message},
                    "attributes": attributes(s.attributes),
                    "resource": resource,
                    "scope": ss.scope.name,
                    "receivedAt": time.time(),
                })
    with lock:
        spans.extend(got)
        del spans[:-MAX_SPANS]
    return len(got)


def parse_lookback(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(text[:-1]) * units[text[-1]]
    except (KeyError, ValueError, IndexError):
        raise ValueError(f"lookback {text!r}: expected a number and s, m, h or d")


def jaeger_tag(key, value):
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    return {"key": key, "type": "string", "value": value if isinstance(value, str) else json.dumps(value)}


def query_traces(service, tags, lookback, limit):
    now_ns = time.time_ns()
    since = now_ns - int(lookback * 1e9)
    with lock:
        snapshot = list(spans)
    by_trace = {}
    for s in snapshot:
        by_trace.setdefault(s["traceId"], []).append(s)
    result = []
    for trace_id, group in by_trace.items():
        def matches(s):
            if s["resource"].get("service.name") != service or s["startTimeUnixNano"] < since:
                return False
            merged = dict(s["resource"])
            merged.update(s["attributes"])
            return all(str(merged.get(k)) == str(v) for k, v in tags.items())
        if not any(matches(s) for s in group):
            continue
        processes, process_ids, jspans = {}, {}, []
        for s in group:
            key = json.dumps(s["resource"], sort_keys=True)
            if key not in process_ids:
                pid = f"p{len(process_ids) + 1}"
                process_ids[key] = pid
                processes[pid] = {
                    "serviceName": s["resource"].get("service.name", ""),
                    "tags": [jaeger_tag(k, v) for k, v in sorted(s["resource"].items()) if k != "service.name"],
                }
            refs = []
            if s["parentSpanId"]:
                refs.append({"refType": "CHILD_OF", "traceID": trace_id, "spanID": s["parentSpanId"]})
            jspans.append({
                "traceID": trace_id,
                "spanID": s["spanId"],
                "operationName": s["name"],
                "references": refs,
                "startTime": s["startTimeUnixNano"] // 1000,
                "duration": max(0, s["endTimeUnixNano"] - s["startTimeUnixNano"]) // 1000,
                "tags": [jaeger_tag(k, v) for k, v in sorted(s["attributes"].items())],
                "processID": process_ids[key],
            })
        newest = max(s["startTimeUnixNano"] for s in group)
        result.append((newest, {"traceID": trace_id, "spans": jspans, "processes": processes}))
    result.sort(key=lambda t: -t[0])
    return [t for _, t in result[:limit]]


class OTLPHandler(BaseHTTPRequestHandler):
    # Headers and body go out without waiting for an ACK, as real HTTP servers send them: with
    # Nagle on, Python's unbuffered writes held the body ~40 ms behind the headers (delayed ACK).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if urlparse(self.path).path != "/v1/traces":
            return self.reply(404, b'{"message":"not found: OTLP traces go to /v1/traces"}')
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        request = trace_service_pb2.ExportTraceServiceRequest()
        try:
            if content_type == "application/x-protobuf":
                request.ParseFromString(body)
            elif content_type == "application/json":
                json_format.Parse(body.decode("utf-8"), request)
            else:
                return self.reply(415, json.dumps({"message": f"unsupported content type {content_type!r}"}).encode())
            ingest(request)
        except (DecodeError, json_format.ParseError, UnicodeDecodeError, ValueError) as e:
            return self.reply(400, json.dumps({"message": f"cannot decode the export: {e}"}).encode())
        response = trace_service_pb2.ExportTraceServiceResponse()
        if content_type == "application/json":
            self.reply(200, json_format.MessageToJson(response).encode())
        else:
            self.reply(200, response.SerializeToString(), "application/x-protobuf")

    def do_GET(self):
        if urlparse(self.path).path == "/-/ready":
            return self.reply(200, b"ready\n", "text/plain")
        self.reply(404, b'{"message":"not found"}')


class QueryHandler(OTLPHandler):
    def do_POST(self):
        self.reply(405, b'{"message":"the query API takes GET"}')

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/-/ready":
            return self.reply(200, b"ready\n", "text/plain")
        if url.path == "/debug/spans":
            with lock:
                return self.reply(200, json.dumps(spans).encode())
        if url.path == "/api/services":
            with lock:
                names = sorted({s["resource"].get("service.name", "") for s in spans} - {""})
            return self.reply(200, json.dumps({"data": names, "total": len(names), "errors": None}).encode())
        if url.path == "/api/traces":
            service = query.get("service", [""])[0]
            if not service:
                return self.reply(400, json.dumps({"data": None, "errors": [{"code": 400, "msg": "parameter 'service' is required"}]}).encode())
            try:
                tags = json.loads(query.get("tags", ["{}"])[0])
                if not isinstance(tags, dict):
                    raise ValueError("tags must be a JSON object")
                lookback = parse_lookback(query.get("lookback", ["1h"])[0])
                limit = int(query.get("limit", ["20"])[0])
            except ValueError as e:
                return self.reply(400, json.dumps({"data": None, "errors": [{"code": 400, "msg": str(e)}]}).encode())
            data = query_traces(service, tags, lookback, limit)
            return self.reply(200, json.dumps({"data": data, "total": len(data), "limit": limit, "offset": 0, "errors": None}).encode())
        self.reply(404, b'{"message":"not found"}')


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: otlp-receiver.py OTLP_PORT QUERY_PORT [PIDFILE]")
    otlp = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), OTLPHandler)
    query = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), QueryHandler)
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            f.write(str(os.getpid()))
    threading.Thread(target=otlp.serve_forever, daemon=True).start()
    query.serve_forever()


if __name__ == "__main__":
    main()
