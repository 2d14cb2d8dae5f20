"""HTTP front end: routing, authentication, content negotiation, watch
streaming and the /emulator/* control endpoints used by tests.

Threading: ThreadingHTTPServer runs one thread per connection (HTTP/1.1
keep-alive, as client-go expects); watches keep their thread until the client
goes away, the watch times out or the server shuts down.
"""

import json
import select
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import errors, protobuf, tables
from .api import Api, Ctx, parse_json_body, parse_object_body
from .controllers import Controllers
from .errors import ApiError, dumps
from .resources import Registry
from .selectors import fields_match, labels_match, parse_field_selector, parse_label_selector
from .store import Store

PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")
DISCOVERY_CT = "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList"


class Options:
    def __init__(self, token=None, rollout_delay=0.5, deny=(), server_version="1.32.0",
                 aggregated_discovery=True, verbose=False, anonymous_info=False, run_pods=None,
                 registry_auth=(), prometheus_targets=None):
        self.token = token
        self.rollout_delay = rollout_delay
        self.deny = list(deny)
        self.server_version = server_version
        self.aggregated_discovery = aggregated_discovery
        self.verbose = verbose
        self.anonymous_info = anonymous_info
        self.run_pods = run_pods                    # directory: run loopback-registry pods as processes
        self.registry_auth = list(registry_auth)    # [("127.0.0.1:15001", "user:password")]
        self.prometheus_targets = prometheus_targets


class FailRule:
    def __init__(self, spec):
        self.count = int(spec.get("count", 1))
        self.code = spec.get("code", 500)
        self.path = spec.get("path") or ""
        self.method = (spec.get("method") or "").upper()
        self.message = spec.get("message")
        self.retry_after = spec.get("retryAfter")

    def matches(self, method, path):
        return (not self.method or self.method == method) and self.path in path

    def to_json(self):
        return {"count": self.count, "code": self.code, "path": self.path, "method": self.method}


class App:
    """Everything one emulator instance owns."""

    def __init__(self, options):
        self.options = options
        self.registry = Registry()
        self.store = Store()
        self.api = Api(self.registry, self.store)
        self.api.set_deny(options.deny)
        self.controllers = Controllers(self.api, options.rollout_delay)
        self.kubelet = None
        if options.run_pods:
            from .kubelet import ProcessKubelet

            def wake():
                with self.store.changed:
                    self.store.changed.notify_all()
            self.kubelet = ProcessKubelet(options.run_pods, options.registry_auth, options.prometheus_targets, wake)
            self.controllers.procs = self.kubelet
        self.lock = threading.Lock()
        self.requests = []          # request log (API requests only, not /emulator/*)
        self.request_count = 0
        self.connections = 0        # TCP connections accepted (and TLS handshakes done), for keep-alive tests
        self.fail_rules = []
        self.latency = 0.0
        self.shutting_down = threading.Event()
        self.server = None
        self._bootstrap()

    def _bootstrap(self):
        from .api import system_ctx
        ctx = system_ctx("kube-apiserver")
        ns_rt = self.registry.for_kind("", "Namespace")
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.api.create(ctx, ns_rt, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        # The `kubernetes` Service every cluster has in `default`.
        self.api.create(ctx, self.registry.for_kind("", "Service"), "default", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}})
        node_rt = self.registry.for_kind("", "Node")
        _, node = self.api.create(system_ctx("kubelet"), node_rt, "", {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "emulator-node", "labels": {"kubernetes.io/hostname": "emulator-node",
                                                             "kubernetes.io/os": "linux"}},
            "spec": {}})
        node["status"] = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                          "message": "kubelet is posting ready status"}],
                          "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                        {"type": "Hostname", "address": "emulator-node"}],
                          "nodeInfo": {"kubeletVersion": "v" + self.options.server_version,
                                       "operatingSystem": "linux", "architecture": "amd64"},
                          "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                          "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}
        self.api.update(system_ctx("kubelet"), node_rt, "", "emulator-node", node, "status")

    def version(self):
        major, minor = self.options.server_version.split(".")[:2]
        return {"major": major, "minor": minor, "gitVersion": "v" + self.options.server_version,
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
                "platform": "linux/amd64"}

    def take_failure(self, method, path):
        with self.lock:
            for r in self.fail_rules:
                if r.matches(method, path):
                    r.count -= 1
                    if r.count <= 0:
                        self.fail_rules.remove(r)
                    return r
        return None

    def shutdown(self):
        """Stop watches, controllers and the accept loop (serve_forever returns)."""
        self.shutting_down.set()
        self.controllers.stop()
        if self.kubelet is not None:
            self.kubelet.shutdown()
        with self.store.changed:
            self.store.changed.notify_all()
        if self.server is not None:
            self.server.shutdown()

    def log_request(self, entry):
        with self.lock:
            self.request_count += 1
            self.requests.append(entry)
            if len(self.requests) > 20000:
                del self.requests[:1000]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, app, ssl_context=None):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        # As kube-apiserver (Go sets TCP_NODELAY on every connection): http.server writes the
        # headers and the body separately, and without this the body waits for the client's
        # delayed ACK, about 40 ms per request on a kept-alive connection.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            # Handshake in the connection's own thread (do_handshake_on_connect
            # would block the accept loop on a slow client).
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return     # clients hanging up (e.g. kubectl ending a watch) are normal
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-emulator"
    sys_version = ""

    # ------------------------------------------------------------------ plumbing

    @property
    def app(self):
        return self.server.app

    def log_message(self, fmt, *args):
        if self.app.options.verbose:
            sys.stderr.write("emulator: %s\n" % (fmt % args))

    def setup(self):
        super().setup()
        if hasattr(self.connection, "do_handshake"):
            self.connection.settimeout(10)
            try:
                self.connection.do_handshake()
            except (OSError, ValueError):
                self.close_connection = True
                raise ConnectionError("TLS handshake failed")
            self.connection.settimeout(None)
        with self.app.lock:
            self.app.connections += 1

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_bytes(self, code, body, content_type="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", self.audit_id)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for w in getattr(self, "warnings", []):
            self.send_header("Warning", '299 - "%s"' % w.replace('"', '\\"'))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status_sent = code

    def send_json(self, code, obj, content_type="application/json", headers=None):
        self.send_bytes(code, dumps(obj), content_type, headers)

    def send_error_status(self, err):
        self.send_json(err.code, err.status(), headers=err.headers)

    # ------------------------------------------------------------------ dispatch

    def dispatch(self):
        self.audit_id = str(uuid.uuid4())
        self.status_sent = None
        self.warnings = []
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path.startswith("/emulator/") or path == "/emulator":
            try:
                self.control(path, query, body)
            except ApiError as e:
                self.send_error_status(e)
            return
        started = time.time()
        entry = {"method": self.command, "path": path, "query": url.query,
                 "userAgent": self.headers.get("User-Agent", ""),
                 "contentType": self.headers.get("Content-Type", ""), "time": started,
                 "authorization": self._auth_kind()}
        try:
            if self.app.latency:
                time.sleep(self.app.latency)
            rule = self.app.take_failure(self.command, self.path)
            if rule is not None:
                entry["injected"] = rule.code
                if rule.code == "drop":
                    # Vanish without answering, like a crashed apiserver.
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                code = int(rule.code)
                reason = {500: "InternalError", 503: "ServiceUnavailable", 429: "TooManyRequests",
                          504: "Timeout", 502: "InternalError"}.get(code, "InternalError")
                hdrs = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
                raise ApiError(code, reason, rule.message or "emulator: injected failure (%d)" % code, None, hdrs)
            self.authenticate(path)
            self.route(path, query, body)
        except ApiError as e:
            if self.status_sent is None:
                self.send_error_status(e)
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception as e:      # a bug in the emulator: report it as a 500 Status
            traceback.print_exc(file=sys.stderr)
            if self.status_sent is None:
                self.send_error_status(ApiError(500, "InternalError", "emulator internal error: %r" % e))
        finally:
            entry["status"] = self.status_sent
            entry["duration"] = round(time.time() - started, 4)
            self.app.log_request(entry)

    def _auth_kind(self):
        """How the request authenticated, for the request log: none, bearer, invalid."""
        auth = self.headers.get("Authorization")
        if auth is None:
            return "none"
        token = self.app.options.token
        return "bearer" if auth.startswith("Bearer ") and (not token or auth == "Bearer " + token) else "invalid"

    def authenticate(self, path):
        token = self.app.options.token
        if not token:
            return
        auth = self.headers.get("Authorization")
        if auth is None and self.app.options.anonymous_info and \
                (path in PUBLIC_PATHS or path.startswith(("/healthz/", "/livez/", "/readyz/"))):
            return      # kube-apiserver's default: anonymous may read version/health
        if auth != "Bearer " + token:
            raise ApiError(401, "Unauthorized", "Unauthorized")

    def route(self, path, query, body):
        app = self.app
        if path == "/version":
            return self.send_json(200, app.version())
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/healthz/", "/livez/", "/readyz/")):
            return self.send_bytes(200, b"ok", "text/plain; charset=utf-8")
        if path == "/api":
            return self.discovery(core=True)
        if path == "/apis":
            return self.discovery(core=False)
        if path.startswith("/openapi/"):
            return self.openapi(path)
        segs = path.strip("/").split("/")
        if segs[0] == "api" and len(segs) >= 2:
            group, version, rest = "", segs[1], segs[2:]
        elif segs[0] == "apis" and len(segs) >= 2:
            group = segs[1]
            if len(segs) == 2:
                g = app.registry.api_group(group)
                if g is None:
                    raise errors.not_found_path()
                return self.send_json(200, g)
            version, rest = segs[2], segs[3:]
        else:
            raise errors.not_found_path()
        if not rest:
            rl = app.registry.api_resource_list(group, version)
            if rl is None:
                raise errors.not_found_path()
            return self.send_json(200, rl)
        self.resource_request(group, version, rest, query, body)

    def discovery(self, core):
        reg = self.app.registry
        accept = self.headers.get("Accept", "")
        if self.app.options.aggregated_discovery and "as=APIGroupDiscoveryList" in accept:
            # Prefer v2 when offered; v2beta1 has the same shape.
            ver = "v2" if "v=v2;" in accept or accept.endswith("v=v2") or "v=v2," in accept else "v2beta1"
            doc = reg.aggregated(core, "apidiscovery.k8s.io/" + ver)
            return self.send_json(200, doc, DISCOVERY_CT % ver, {"Vary": "Accept"})
        if core:
            host = "%s:%d" % self.server.server_address[:2]
            return self.send_json(200, reg.api_versions(host), headers={"Vary": "Accept"})
        return self.send_json(200, reg.api_group_list(), headers={"Vary": "Accept"})

    def openapi(self, path):
        reg = self.app.registry
        if path == "/openapi/v3":
            return self.send_json(200, reg.openapi_v3_index())
        if path.startswith("/openapi/v3/"):
            parts = path[len("/openapi/v3/"):].split("/")
            doc = None
            if parts[0] == "api" and len(parts) == 2:
                doc = reg.openapi_v3_gv("", parts[1])
            elif parts[0] == "apis" and len(parts) == 3:
                doc = reg.openapi_v3_gv(parts[1], parts[2])
            if doc is not None:
                return self.send_json(200, doc)
        if path == "/openapi/v2":
            # An empty (schema-less) document.  kubectl needs *a* v2 document
            # to client-side-validate `kind: List` files; without definitions
            # it validates nothing and computes client-side apply patches
            # from its compiled-in types.  Protobuf is what it asks for: the
            # empty message encodes as zero bytes.
            if "protobuf" in self.headers.get("Accept", ""):
                return self.send_bytes(200, b"", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
            return self.send_json(200, {"swagger": "2.0", "info": {"title": "Kubernetes (ogf emulator)",
                                                                   "version": "v" + self.app.options.server_version},
                                        "paths": {}, "definitions": {}})
        raise errors.not_found_path()

    # ------------------------------------------------------------------ resources

    def resource_request(self, group, version, rest, query, body):
        reg, api = self.app.registry, self.app.api
        ns = ""
        if rest[0] == "namespaces" and len(rest) >= 3 and reg.lookup(group, version, rest[2]) is not None \
                and reg.lookup(group, version, rest[2]).namespaced:
            ns, rest = rest[1], rest[2:]
        rt = reg.lookup(group, version, rest[0])
        if rt is None or len(rest) > 3:
            raise errors.not_found_path()
        if rt.namespaced and not ns and len(rest) > 1:
            raise errors.not_found_path()
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in rt.subresources():
            raise errors.not_found_path()
        ctx = Ctx(query, self.headers.get("User-Agent", ""))
        self.warnings = ctx.warnings
        method = self.command
        watch = method == "GET" and not name and ctx.param("watch") in ("1", "true", "True")
        verb = {"GET": "get" if name else ("watch" if watch else "list"), "HEAD": "get",
                "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}.get(method)
        if verb is None or (verb not in rt.verbs and not (sub and verb in ("get", "update", "patch"))):
            raise errors.method_not_allowed(method)
        if method == "POST" and name:
            raise errors.method_not_allowed(method)
        if api.is_denied(verb, rt.group, rt.plural, sub, ns):
            raise errors.forbidden(rt, name, verb, api.user, ns, sub)
        content_type = self.headers.get("Content-Type", "application/json")
        if method in ("POST", "PUT") and "protobuf" in content_type:
            body = protobuf.decode(body)       # typed kubectl clients; see protobuf.py
        elif method in ("POST", "PUT", "PATCH") and ("protobuf" in content_type or "cbor" in content_type):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json, application/yaml")

        if method in ("GET", "HEAD"):
            if watch:
                return self.watch(rt, ns, ctx)
            if sub == "log":
                _, pod = api.get(ctx, rt, ns, name)
                if self.app.kubelet is not None:
                    text = self.app.kubelet.log(ns, name, ctx.param("container") or None)
                    if text is not None:
                        return self.send_bytes(200, text, "text/plain")
                lines = ["emulator: log of container %s in pod %s/%s" % (c.get("name"), ns, name)
                         for c in (pod.get("spec") or {}).get("containers") or []]
                return self.send_bytes(200, ("\n".join(lines) + "\n").encode(), "text/plain")
            if sub == "scale":
                code, obj = api.get_scale(ctx, rt, ns, name)
            elif name:
                code, obj = api.get(ctx, rt, ns, name)
            else:
                code, obj = api.list(ctx, rt, ns)
            return self.respond_object(code, obj, rt, ctx, single=bool(name) and not sub)
        if method == "POST":
            obj = body if isinstance(body, dict) else parse_object_body(body, content_type)
            code, out = api.create(ctx, rt, ns, obj)
            return self.send_json(code, out)
        if method == "PUT":
            obj = body if isinstance(body, dict) else parse_object_body(body, content_type)
            code, out = api.update(ctx, rt, ns, name, obj, "" if sub == "finalize" else sub)
            return self.send_json(code, out)
        if method == "PATCH":
            code, out = api.patch(ctx, rt, ns, name, content_type, body, sub)
            return self.send_json(code, out)
        if method == "DELETE":
            options = parse_json_body(body) if body.strip() else {}
            if not isinstance(options, dict):
                raise errors.bad_request("DeleteOptions must be an object")
            if name:
                code, out = api.delete(ctx, rt, ns, name, options)
            else:
                code, out = api.delete_collection(ctx, rt, ns, options)
            return self.send_json(code, out)
        raise errors.method_not_allowed(method)

    def _table_request(self):
        accept = self.headers.get("Accept", "")
        for part in accept.split(","):
            if "as=Table" in part and "g=meta.k8s.io" in part:
                return "v1beta1" if "v=v1beta1" in part else "v1"
        return None

    def respond_object(self, code, obj, rt, ctx, single):
        tv = self._table_request()
        if tv is None:
            return self.send_json(code, obj)
        objs = [obj] if single else obj.get("items", [])
        rv = obj["metadata"].get("resourceVersion", "") if not single else self.app.store.current_rv()
        t = tables.table(rt, objs, rv, ctx.param("includeObject", "Metadata"), tv)
        if not single and obj["metadata"].get("continue"):
            t["metadata"]["continue"] = obj["metadata"]["continue"]
            t["metadata"]["remainingItemCount"] = obj["metadata"].get("remainingItemCount")
        return self.send_json(code, t)

    # ------------------------------------------------------------------ watch

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if r:
                if hasattr(self.connection, "pending") and self.connection.pending():
                    return False
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
        return False

    def watch(self, rt, ns, ctx):
        """Stream watch events as newline-delimited JSON in a chunked response."""
        store = self.app.store
        reqs = parse_label_selector(ctx.param("labelSelector"))
        terms = parse_field_selector(ctx.param("fieldSelector"))
        rv_param = ctx.param("resourceVersion", "")
        send_initial = ctx.param("sendInitialEvents") == "true"
        bookmarks = ctx.param("allowWatchBookmarks") in ("true", "1")
        try:
            timeout = float(ctx.param("timeoutSeconds") or 1800)
        except ValueError:
            raise errors.bad_request("invalid timeoutSeconds")
        table_version = self._table_request()
        key = rt.key

        def matches(o):
            return labels_match(reqs, o["metadata"].get("labels")) and fields_match(terms, o)

        initial = []
        gone = False
        with store.lock:
            if rv_param in ("", "0") or send_initial:
                items, start = store.list(key, ns if (rt.namespaced and ns) else None)
                initial = [o for o in items if matches(o)]
            else:
                try:
                    start = int(rv_param)
                except ValueError:
                    raise errors.bad_request('invalid resource version: "%s"' % rv_param)
                if start < store.oldest_rv:
                    gone = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", self.audit_id)
        self.end_headers()
        self.status_sent = 200
        first = [True]

        def emit(type_, obj):
            if table_version and type_ not in ("ERROR", "BOOKMARK"):
                obj = tables.table(rt, [obj], obj["metadata"].get("resourceVersion", ""), ctx.param(
                    "includeObject", "Metadata"), table_version, with_columns=first[0])
                first[0] = False
            self.write_chunk(dumps({"type": type_, "object": obj}))

        try:
            if gone:
                emit("ERROR", errors.status_object(410, "Expired", "too old resource version: %s (%d)"
                                                   % (rv_param, store.oldest_rv)))
                self.write_chunk(b"")
                return
            for o in initial:
                emit("ADDED", o)
            if send_initial and bookmarks:
                emit("BOOKMARK", {"kind": rt.kind, "apiVersion": rt.api_version,
                                  "metadata": {"resourceVersion": str(start),
                                               "annotations": {"k8s.io/initial-events-end": "true"}}})
            last = start
            deadline = time.monotonic() + timeout
            while not self.app.shutting_down.is_set():
                for ev in store.events_after(last):
                    last = ev.rv
                    if ev.key != key or (rt.namespaced and ns and ev.namespace != ns):
                        continue
                    now_ok = matches(ev.obj)
                    if ev.type == "MODIFIED":
                        # selection semantics: entering -> ADDED, leaving -> DELETED
                        was_ok = ev.prev is not None and matches(ev.prev)
                        if now_ok:
                            emit("MODIFIED" if was_ok else "ADDED", ev.obj)
                        elif was_ok:
                            emit("DELETED", ev.obj)
                    elif now_ok:
                        emit(ev.type, ev.obj)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.client_gone():
                    break
                store.wait_for_change(last, min(remaining, 0.5))
            self.write_chunk(b"")
        except (BrokenPipeError, ConnectionError, OSError):
            self.close_connection = True

    # ------------------------------------------------------------------ control endpoints

    def control(self, path, query, body):
        app = self.app
        method = self.command
        data = {}
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                raise errors.bad_request("control endpoints take JSON bodies")
        if path == "/emulator/health":
            with app.lock:
                connections = app.connections
            return self.send_json(200, {"ok": True, "controllerErrors": app.controllers.errors, "connections": connections})
        if path == "/emulator/shutdown" and method == "POST":
            self.send_json(200, {"status": "shutting down"})
            self.close_connection = True
            threading.Thread(target=app.shutdown, daemon=True).start()
            return
        if path == "/emulator/requests":
            if method == "DELETE":
                with app.lock:
                    app.requests.clear()
                    app.request_count = 0
                return self.send_json(200, {"count": 0})
            with app.lock:
                reqs = list(app.requests)
                count = app.request_count
            return self.send_json(200, {"count": count, "requests": reqs})
        if path == "/emulator/fail-next":
            if method == "POST":
                if data.get("code", 500) != "drop":
                    try:
                        int(data.get("code", 500))
                    except (TypeError, ValueError):
                        raise errors.bad_request('code must be an HTTP status or "drop"')
                with app.lock:
                    app.fail_rules.append(FailRule(data))
            elif method == "DELETE":
                with app.lock:
                    app.fail_rules.clear()
            with app.lock:
                return self.send_json(200, {"rules": [r.to_json() for r in app.fail_rules]})
        if path == "/emulator/deny":
            if method == "POST":
                try:
                    app.api.set_deny(data.get("rules") or [])
                except ValueError as e:
                    raise errors.bad_request(str(e))
            return self.send_json(200, {"rules": [":".join(x for x in r if x) for r in app.api.deny_rules]})
        if path == "/emulator/latency" and method == "POST":
            app.latency = float(data.get("seconds", 0))
            return self.send_json(200, {"seconds": app.latency})
        if path == "/emulator/pods":
            if app.kubelet is None:
                return self.send_json(404, {"error": "process mode is off (start the emulator with --run-pods DIR)"})
            return self.send_json(200, {"pods": app.kubelet.describe(), "errors": app.kubelet.errors[-20:]})
        if path == "/emulator/controllers":
            if method == "POST":
                if "paused" in data:
                    app.controllers.paused = bool(data["paused"])
                if "rolloutDelay" in data:
                    app.controllers.delay = float(data["rolloutDelay"])
                with app.store.changed:
                    app.store.changed.notify_all()
            return self.send_json(200, {"paused": app.controllers.paused, "rolloutDelay": app.controllers.delay})
        raise errors.not_found_path()

