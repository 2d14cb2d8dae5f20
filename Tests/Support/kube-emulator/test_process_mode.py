"""Process mode of the emulator's kubelet (a test double): pods pulled from the loopback registry
and run as local processes, readiness from probes, restarts, NodePort Services on loopback,
Prometheus file_sd targets. Checked with the real kubectl.

Needs the loopback registries from scripts/dev-up.sh (127.0.0.1:15000, :15001 with auth),
kubectl, openssl and zstd. Under OGF_TEST_SERVERS=1 a missing registry fails; otherwise these
tests are skipped. Run from the repository root:
    python3 -m unittest Tests/Support/kube-emulator/test_process_mode.py -v
"""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

from test_emulator import Emulator, KUBECTL, OPENSSL, wait_for

REGISTRY = "127.0.0.1:15000"
AUTH_REGISTRY = "127.0.0.1:15001"
AUTH = "ogf:ogf-test-password"
REPO = "ogf-kubeemu-test/app-%s" % uuid.uuid4().hex[:6]

APP = r'''
import os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
if os.environ.get("CRASH") == "1":
    time.sleep(0.2)
    sys.exit(3)
version = open("VERSION").read().strip()   # relative: the cwd is the image's workdir in the rootfs
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ready" and os.environ.get("NEVER_READY") == "1":
            self.send_response(503); self.end_headers(); return
        body = ("%s|%s|%s|%s|%s" % (os.environ.get("APP_VERSION"), version, os.environ.get("POD_NAME"),
                                    os.environ.get("FROM_CM"), os.environ.get("FROM_SECRET"))).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
print("listening on", os.environ["PORT"], "rootfs", os.environ["ROOTFS"], flush=True)
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
'''


def tar_layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, (data, mode) in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def registry_call(host, method, path, data=None, headers=None, auth=None):
    req = urllib.request.Request("http://%s%s" % (host, path), data=data, method=method, headers=headers or {})
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers, r.read()


def push_blob(host, repo, data, auth=None):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, h, _ = registry_call(host, "POST", "/v2/%s/blobs/uploads/" % repo, b"", auth=auth)
    loc = h["Location"]
    if loc.startswith("http"):
        loc = "/" + loc.split("/", 3)[3]
    sep = "&" if "?" in loc else "?"
    registry_call(host, "PUT", "%s%sdigest=%s" % (loc, sep, digest), data,
                  {"Content-Type": "application/octet-stream"}, auth=auth)
    return digest


def push_image(host, repo, tag, version, auth=None):
    """An OCI image: a gzip layer (app) and a zstd layer (VERSION). -> image ref by digest."""
    app = tar_layer({"app/app.py": (APP.encode(), 0o644), "app/run": (b"#!/bin/sh\nexec python3 /app/app.py\n", 0o755)})
    ver = tar_layer({"app/VERSION": (version.encode() + b"\n", 0o644)})
    gz = gzip.compress(app, mtime=0)
    zst = subprocess.run(["zstd", "-q", "-c"], input=ver, stdout=subprocess.PIPE, check=True).stdout
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Cmd": ["python3", "/app/app.py"], "WorkingDir": "/app",
                                    "Env": ["APP_VERSION=%s" % version, "PATH=/nonexistent"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(app).hexdigest(),
                                                                  "sha256:" + hashlib.sha256(ver).hexdigest()]}}
                        ).encode()
    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": push_blob(host, repo, gz, auth),
               "size": len(gz)},
              {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": push_blob(host, repo, zst, auth),
               "size": len(zst)}]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": push_blob(host, repo, config, auth), "size": len(config)},
                           "layers": layers}).encode()
    registry_call(host, "PUT", "/v2/%s/manifests/%s" % (repo, tag), manifest,
                  {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, auth=auth)
    return "%s/%s@sha256:%s" % (host, repo, hashlib.sha256(manifest).hexdigest())


def reachable(host):
    h, p = host.split(":")
    try:
        socket.create_connection((h, int(p)), timeout=1).close()
        return True
    except OSError:
        return False


def http_get(port, path="/", timeout=3):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
            return r.read().decode()
    except (urllib.error.URLError, OSError, ConnectionError):
        return None


E = None
TARGETS = None
IMAGES = {}


def setUpModule():
    global E, TARGETS
    if not KUBECTL or not OPENSSL or not shutil.which("zstd"):
        if os.environ.get("OGF_TEST_SERVERS") == "1":
            raise RuntimeError("kubectl, openssl and zstd are needed (scripts/install-deps.sh)")
        raise unittest.SkipTest("kubectl, openssl and zstd are needed")
    if not reachable(REGISTRY) or not reachable(AUTH_REGISTRY):
        if os.environ.get("OGF_TEST_SERVERS") == "1":
            raise RuntimeError("the loopback registries %s/%s do not answer (scripts/dev-up.sh starts them)"
                               % (REGISTRY, AUTH_REGISTRY))
        raise unittest.SkipTest("no loopback registry (scripts/dev-up.sh); OGF_TEST_SERVERS=1 makes this fail")
    IMAGES["v1"] = push_image(REGISTRY, REPO, "v1", "v1")
    IMAGES["v2"] = push_image(REGISTRY, REPO, "v2", "v2")
    IMAGES["auth"] = push_image(AUTH_REGISTRY, REPO, "v1", "auth-v1", auth=AUTH)
    TARGETS = tempfile.mkdtemp(prefix="kube-emu-targets-")
    runs = tempfile.mkdtemp(prefix="kube-emu-pods-")
    E = Emulator("--tls-self-signed", "--run-pods", runs, "--prometheus-targets", TARGETS,
                 "--registry-auth", "%s=%s" % (AUTH_REGISTRY, AUTH), token="proc-token", delay=0.2)
    E.runs = runs


def tearDownModule():
    if E is not None:
        E.stop()
        # The emulator stops its processes on SIGTERM: none may be left behind.
        left = subprocess.run(["pgrep", "-f", E.runs], capture_output=True, text=True).stdout.split()
        shutil.rmtree(E.runs, ignore_errors=True)
        assert not left, "pod processes outlived the emulator: %s" % left
    if TARGETS:
        shutil.rmtree(TARGETS, ignore_errors=True)


def app_manifest(name, image, node_port, version="v1", replicas=1, env=None, probe="/ready", extra_annotations=None):
    container = {"name": "app", "image": image, "ports": [{"containerPort": 8080, "name": "http"}],
                 "env": env or []}
    if probe:
        container["readinessProbe"] = {"httpGet": {"path": probe, "port": "http"}, "periodSeconds": 1,
                                       "failureThreshold": 1}
    ann = {"prometheus.io/scrape": "true"}
    ann.update(extra_annotations or {})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                    "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                    "template": {"metadata": {"labels": {"app": name, "version": version}, "annotations": ann},
                                 "spec": {"containers": [container]}}}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
           "spec": {"type": "NodePort", "selector": {"app": name},
                    "ports": [{"port": 80, "targetPort": "http", "nodePort": node_port}]}}
    return {"apiVersion": "v1", "kind": "List", "items": [dep, svc]}


def free_node_port():
    for port in range(31000 + os.getpid() % 700, 32700):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


class ProcessModeTests(unittest.TestCase):
    def apply(self, ns, manifest):
        E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(manifest))

    def pods(self, ns, name):
        return E.kubectl_json("get", "pods", "-n", ns, "-l", "app=" + name)["items"]

    def test_pod_runs_from_image_and_service_reaches_it(self):
        ns = E.new_namespace("proc")
        port = free_node_port()
        E.kubectl_ok("create", "configmap", "settings", "-n", ns, "--from-literal=FROM_CM=cm-value")
        E.kubectl_ok("create", "secret", "generic", "creds", "-n", ns, "--from-literal=TOKEN=s3cret-value")
        env = [{"name": "FROM_CM", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "FROM_CM"}}},
               {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}}}]
        self.apply(ns, app_manifest("web", IMAGES["v1"], port, env=env, replicas=2))
        out = E.kubectl_ok("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
        self.assertIn("successfully rolled out", out)
        pods = self.pods(ns, "web")
        self.assertEqual(len(pods), 2)
        for p in pods:
            cs = p["status"]["containerStatuses"][0]
            self.assertEqual(p["status"]["phase"], "Running")
            self.assertTrue(cs["ready"])
            self.assertEqual(cs["restartCount"], 0)
            self.assertIn("running", cs["state"])
        # The Service's loopback port reaches a pod; the env came from the image, ConfigMap and Secret,
        # the VERSION file from the zstd layer, read relative to the image's workdir.
        body = wait_for(lambda: http_get(port), what="the NodePort answering")
        image_version, file_version, pod, cm, secret = body.split("|")
        self.assertEqual((image_version, file_version, cm, secret), ("v1", "v1", "cm-value", "s3cret-value"))
        self.assertIn(pod, {p["metadata"]["name"] for p in pods})
        # Both pods are reached (round robin).
        seen = {http_get(port).split("|")[2] for _ in range(6)}
        self.assertEqual(seen, {p["metadata"]["name"] for p in pods})
        # kubectl logs shows the process's own output.
        logs = E.kubectl_ok("logs", "-n", ns, pods[0]["metadata"]["name"])
        self.assertIn("listening on", logs)
        # Prometheus file_sd targets, one per pod, with the pod's labels.
        for p in pods:
            path = os.path.join(TARGETS, "%s-%s.json" % (ns, p["metadata"]["name"]))
            with open(path) as f:
                target = json.load(f)[0]
            self.assertEqual(target["labels"], {"namespace": ns, "pod": p["metadata"]["name"], "job": "web",
                                                "version": "v1"})
            self.assertIsNotNone(http_get(int(target["targets"][0].split(":")[1])))

        # A rollout to v2: the old processes stop, the Service reaches v2 only, old targets go.
        old = {p["metadata"]["name"] for p in pods}
        self.apply(ns, app_manifest("web", IMAGES["v2"], port, version="v2", env=env, replicas=2))
        E.kubectl_ok("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
        wait_for(lambda: all(not os.path.exists(os.path.join(TARGETS, "%s-%s.json" % (ns, n))) for n in old),
                 what="old targets removed")
        self.assertTrue(all(http_get(port).startswith("v2|v2|") for _ in range(4)))
        procs = E.ok("GET", "/emulator/pods")
        names = {p["name"] for p in procs["pods"] if p["namespace"] == ns}
        self.assertFalse(names & old, "old pods still run")

        # Rollback (kubectl rollout undo): v1 processes again behind the same port.
        E.kubectl_ok("rollout", "undo", "deployment/web", "-n", ns)
        E.kubectl_ok("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
        wait_for(lambda: (http_get(port) or "").startswith("v1|v1|"), what="v1 behind the Service again")

        # Deleting the namespace stops everything; the port no longer reaches a pod.
        E.kubectl_ok("delete", "namespace", ns, "--wait=true", timeout=60)
        wait_for(lambda: http_get(port, timeout=1) is None, what="the NodePort closed")
        self.assertFalse([f for f in os.listdir(TARGETS) if f.startswith(ns + "-")])

    def test_crashing_process_counts_restarts(self):
        ns = E.new_namespace("proc")
        self.apply(ns, app_manifest("crash", IMAGES["v1"], free_node_port(), env=[{"name": "CRASH", "value": "1"}]))

        def restarts():
            pods = self.pods(ns, "crash")
            return pods and pods[0]["status"]["containerStatuses"][0]["restartCount"] >= 2 and pods[0]
        pod = wait_for(restarts, timeout=20, interval=0.3, what="two restarts")
        cs = pod["status"]["containerStatuses"][0]
        self.assertEqual(cs["lastState"]["terminated"]["exitCode"], 3)
        self.assertFalse(cs["ready"])
        # jsonpath, as a crash trigger would read it
        count = E.kubectl_ok("get", "pods", "-n", ns, "-l", "app=crash", "-o",
                             "jsonpath={.items[*].status.containerStatuses[*].restartCount}")
        self.assertGreaterEqual(int(count.split()[0]), 2)
        r = E.kubectl("rollout", "status", "deployment/crash", "-n", ns, "--timeout=2s")
        self.assertNotEqual(r.returncode, 0)
        E.kubectl_ok("delete", "namespace", ns)

    def test_readiness_probe_gates_ready_and_service(self):
        ns = E.new_namespace("proc")
        port = free_node_port()
        self.apply(ns, app_manifest("slow", IMAGES["v1"], port, env=[{"name": "NEVER_READY", "value": "1"}]))
        wait_for(lambda: [p for p in self.pods(ns, "slow")
                          if "running" in p["status"].get("containerStatuses", [{}])[0].get("state", {})],
                 interval=0.3, what="the process running")
        time.sleep(1.5)
        pod = self.pods(ns, "slow")[0]
        self.assertFalse(pod["status"]["containerStatuses"][0]["ready"])
        self.assertEqual([c["status"] for c in pod["status"]["conditions"] if c["type"] == "Ready"], ["False"])
        self.assertIsNone(http_get(port, timeout=1), "a Service must not reach a pod that is not ready")
        E.kubectl_ok("delete", "namespace", ns)

    def test_authenticated_registry_and_pull_errors(self):
        ns = E.new_namespace("proc")
        self.apply(ns, app_manifest("auth", IMAGES["auth"], free_node_port()))
        E.kubectl_ok("rollout", "status", "deployment/auth", "-n", ns, "--timeout=60s")
        missing = "%s/%s@sha256:%s" % (REGISTRY, REPO, "0" * 64)
        self.apply(ns, app_manifest("missing", missing, free_node_port()))

        def pull_error():
            pods = self.pods(ns, "missing")
            st = pods and pods[0]["status"].get("containerStatuses", [{}])[0].get("state", {}).get("waiting", {})
            return st and st.get("reason") == "ErrImagePull" and st
        waiting = wait_for(pull_error, interval=0.3, what="ErrImagePull")
        self.assertIn("HTTP 404", waiting["message"])
        E.kubectl_ok("delete", "namespace", ns)

    def test_simulated_pods_unchanged_for_other_images(self):
        ns = E.new_namespace("proc")
        self.apply(ns, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sim"},
                        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "sim"}},
                                 "template": {"metadata": {"labels": {"app": "sim"}},
                                              "spec": {"containers": [{"name": "a", "image": "nginx:1.25"}]}}}})
        E.kubectl_ok("rollout", "status", "deployment/sim", "-n", ns, "--timeout=30s")
        pod = self.pods(ns, "sim")[0]
        self.assertTrue(pod["status"]["containerStatuses"][0]["containerID"].startswith("emulator://"))
        self.assertFalse([p for p in E.ok("GET", "/emulator/pods")["pods"] if p["namespace"] == ns])
        E.kubectl_ok("delete", "namespace", ns)


if __name__ == "__main__":
    unittest.main()
