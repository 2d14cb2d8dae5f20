"""Tests for the Kubernetes API server emulator.

The emulator runs as a subprocess (as ogf's tests will run it) and is driven
both by the real `kubectl` binary - an independent client whose expectations
are the point - and by direct HTTP requests for the wire details.

Run from the repository root:
    python3 -m unittest discover -s Tests/Support/kube-emulator -v
"""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")
KUBECTL = shutil.which("kubectl")
OPENSSL = shutil.which("openssl")
TOKEN = "test-token-%s" % uuid.uuid4().hex[:8]
DELAY = 0.2          # --rollout-delay used by the tests: pods get ready after 0.2-0.3 s
_DEFAULT = object()


def make_cert(directory):
    """A throwaway self-signed EC certificate for 127.0.0.1 (fast to generate)."""
    cert, key = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=kube-emulator-test",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Emulator:
    """One emulator subprocess plus helpers to talk to it."""

    def __init__(self, *extra, token=None, tls=False, delay=DELAY):
        self.tmp = tempfile.mkdtemp(prefix="kube-emu-test-")
        self.token = token
        self.kubeconfig = os.path.join(self.tmp, "kubeconfig")
        self.port_file = os.path.join(self.tmp, "port")
        self.cache_dir = os.path.join(self.tmp, "kube-cache")
        self.cert = None
        args = [sys.executable, EMULATOR, "--port", "0", "--port-file", self.port_file,
                "--kubeconfig-out", self.kubeconfig, "--rollout-delay", str(delay)]
        if token:
            args += ["--token", token]
        if tls:
            self.cert, key = make_cert(self.tmp)
            args += ["--tls-cert", self.cert, "--tls-key", key]
        args += list(extra)
        self.log = open(os.path.join(self.tmp, "emulator.log"), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("emulator did not start: %s" % self.read_log())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.scheme = "https" if (tls or "--tls-self-signed" in extra) else "http"

    def read_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ HTTP

    def connection(self, timeout=10):
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=self.cert) if self.cert else ssl._create_unverified_context()
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def http(self, method, path, body=None, content_type="application/json", headers=None, token=_DEFAULT):
        """-> (status, response headers, decoded JSON body or text)."""
        conn = self.connection()
        hdrs = dict(headers or {})
        tok = self.token if token is _DEFAULT else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            hdrs["Content-Type"] = content_type
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            ctype = resp.getheader("Content-Type", "")
            parsed = json.loads(raw) if "json" in ctype and raw else raw.decode()
            return resp.status, resp, parsed
        finally:
            conn.close()

    def ok(self, method, path, body=None, content_type="application/json", **kw):
        status, _, out = self.http(method, path, body, content_type, **kw)
        if status >= 300:
            raise AssertionError("%s %s -> %d %s" % (method, path, status, out))
        return out

    def new_namespace(self, prefix="t"):
        name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
        self.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        return name

    # ------------------------------------------------------------------ kubectl

    def kubectl(self, *args, stdin=None, timeout=60):
        cmd = [KUBECTL, "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache_dir] + list(args)
        env = dict(os.environ, KUBECONFIG=self.kubeconfig, HOME=self.tmp)
        env.pop("KUBECTL_EXTERNAL_DIFF", None)
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)

    def kubectl_ok(self, *args, stdin=None, timeout=60):
        r = self.kubectl(*args, stdin=stdin, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError("kubectl %s failed (%d):\n%s\n%s" % (" ".join(args), r.returncode, r.stdout,
                                                                        r.stderr))
        return r.stdout

    def kubectl_json(self, *args):
        return json.loads(self.kubectl_ok(*(list(args) + ["-o", "json"])))


def wait_for(fn, timeout=15, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def deployment(name, replicas=2, image="nginx:1.25", annotations=None, labels=None, **spec_extra):
    tmeta = {"labels": {"app": name}}
    if annotations:
        tmeta["annotations"] = annotations
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": tmeta,
                         "spec": {"containers": [{"name": "app", "image": image,
                                                  "ports": [{"containerPort": 8080}]}]}}}
    spec.update(spec_extra)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": labels or {"app": name}}, "spec": spec}


def wait_rolled_out(ns, name, replicas):
    """Poll (over HTTP, cheaper than kubectl) until a Deployment is fully rolled out."""
    def done():
        d = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/%s" % (ns, name))
        st = d.get("status") or {}
        return st.get("observedGeneration") == d["metadata"]["generation"] and \
            st.get("availableReplicas", 0) == st.get("replicas", 0) == st.get("updatedReplicas", 0) == replicas
    wait_for(done, what="deployment %s/%s rolled out" % (ns, name))


def configmap(name, data, labels=None):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data}


def managers(obj):
    return {(m["manager"], m["operation"]): m for m in obj["metadata"].get("managedFields", [])}


E = None   # the shared emulator: https + bearer token, like a real cluster


def setUpModule():
    global E
    if not KUBECTL or not OPENSSL:
        # In CI (OGF_TEST_SERVERS=1) a missing tool is a failure, never a silent skip.
        if os.environ.get("OGF_TEST_SERVERS") == "1":
            raise RuntimeError("kubectl and openssl are needed (scripts/install-deps.sh installs openssl; kubectl comes with the machine)")
        raise unittest.SkipTest("kubectl and openssl are needed")
    E = Emulator(token=TOKEN, tls=True)


def tearDownModule():
    if E is not None:
        E.stop()


# ====================================================================== kubectl


class KubectlBasics(unittest.TestCase):
    def test_create_and_get_json(self):
        ns = E.new_namespace()
        out = E.kubectl_ok("create", "-n", ns, "-f", "-", stdin=json.dumps(configmap("cfg", {"k": "v"})))
        self.assertIn("configmap/cfg created", out)
        cm = E.kubectl_json("get", "configmap", "cfg", "-n", ns, "--show-managed-fields")
        self.assertEqual(cm["kind"], "ConfigMap")
        self.assertEqual(cm["data"], {"k": "v"})
        self.assertEqual(cm["metadata"]["namespace"], ns)
        self.assertTrue(cm["metadata"]["resourceVersion"].isdigit())
        self.assertEqual(len(cm["metadata"]["uid"]), 36)
        self.assertRegex(cm["metadata"]["creationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn(("kubectl-create", "Update"), managers(cm))
        # creating it again is AlreadyExists (409)
        r = E.kubectl("create", "-n", ns, "-f", "-", stdin=json.dumps(configmap("cfg", {"k": "v"})))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AlreadyExists", r.stderr)

    def test_imperative_create_uses_protobuf_and_works(self):
        # Typed kubectl clients send protobuf bodies; the emulator decodes these kinds.
        ns = "imp-%s" % uuid.uuid4().hex[:6]
        E.kubectl_ok("create", "namespace", ns)
        E.kubectl_ok("create", "configmap", "c1", "-n", ns, "--from-literal=a=1", "--from-literal=b=2")
        E.kubectl_ok("create", "secret", "generic", "s1", "-n", ns, "--from-literal=pw=hunter2")
        E.kubectl_ok("create", "deployment", "d1", "-n", ns, "--image=nginx:1.25", "--replicas=2", "--port=80")
        self.assertEqual(E.ok("GET", "/api/v1/namespaces/%s/configmaps/c1" % ns)["data"], {"a": "1", "b": "2"})
        self.assertEqual(E.ok("GET", "/api/v1/namespaces/%s/secrets/s1" % ns)["data"], {"pw": "aHVudGVyMg=="})
        d = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/d1" % ns)
        self.assertEqual(d["spec"]["replicas"], 2)
        self.assertEqual(d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 80)
        log = E.ok("GET", "/emulator/requests")["requests"]
        self.assertTrue(any(r["contentType"] == "application/vnd.kubernetes.protobuf" and r["status"] == 201
                            for r in log))

    def test_namespace_not_found(self):
        r = E.kubectl("create", "-n", "does-not-exist", "-f", "-", stdin=json.dumps(configmap("x", {})))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('namespaces "does-not-exist" not found', r.stderr)
        status, _, body = E.http("POST", "/api/v1/namespaces/does-not-exist/configmaps", configmap("x", {}))
        self.assertEqual(status, 404)
        self.assertEqual((body["kind"], body["reason"], body["code"]), ("Status", "NotFound", 404))
        self.assertEqual(body["details"], {"name": "does-not-exist", "kind": "namespaces"})
        # a read in a missing namespace is a plain NotFound for the object (kubectl
        # then looks the namespace up itself and reports that instead)
        status, _, body = E.http("GET", "/api/v1/namespaces/does-not-exist/configmaps/x")
        self.assertEqual((status, body["message"]), (404, 'configmaps "x" not found'))
        r = E.kubectl("get", "configmap", "x", "-n", "does-not-exist")
        self.assertIn('namespaces "does-not-exist" not found', r.stderr)

    def test_label_selectors(self):
        ns = E.new_namespace()
        objs = {"a": {"env": "prod", "tier": "web"}, "b": {"env": "dev", "tier": "web"},
                "c": {"env": "prod"}, "d": {"other": "x"}}
        for name, labels in objs.items():
            E.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, configmap(name, {}, labels))

        def names(sel):
            out = E.kubectl_ok("get", "configmaps", "-n", ns, "-l", sel, "-o", "jsonpath={.items[*].metadata.name}")
            return set(out.split())

        def http_names(sel):
            from urllib.parse import quote
            lst = E.ok("GET", "/api/v1/namespaces/%s/configmaps?labelSelector=%s" % (ns, quote(sel)))
            return {i["metadata"]["name"] for i in lst["items"]}
        self.assertEqual(names("env in (dev,prod),tier=web"), {"a", "b"})
        self.assertEqual(names("!tier"), {"c", "d"})
        self.assertEqual(names("env!=prod"), {"b", "d"})
        self.assertEqual(http_names("env=prod"), {"a", "c"})
        self.assertEqual(http_names("env==dev"), {"b"})
        self.assertEqual(http_names("env notin (prod)"), {"b", "d"})
        self.assertEqual(http_names("tier"), {"a", "b"})
        self.assertEqual(http_names("env=prod,!tier"), {"c"})
        status, _, body = E.http("GET", "/api/v1/namespaces/%s/configmaps?labelSelector=env%%20in%%20(prod" % ns)
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))
        out = E.kubectl_ok("get", "configmaps", "-n", ns, "--field-selector", "metadata.name=c", "-o", "name")
        self.assertEqual(out.split(), ["configmap/c"])
        # the human-readable path goes through server-side Table printing
        table = E.kubectl_ok("get", "configmaps", "-n", ns, "-l", "env=prod")
        self.assertEqual(table.split("\n")[0].split(), ["NAME", "DATA", "AGE"])
        self.assertEqual([line.split()[:2] for line in table.strip().split("\n")[1:]], [["a", "0"], ["c", "0"]])

    def test_patch_merge_json_and_strategic(self):
        ns = E.new_namespace()
        E.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, configmap("p", {"a": "1", "b": "2"}))
        E.kubectl_ok("patch", "configmap", "p", "-n", ns, "--type", "merge", "-p", '{"data":{"b":null,"c":"3"}}')
        self.assertEqual(E.kubectl_json("get", "cm", "p", "-n", ns)["data"], {"a": "1", "c": "3"})
        E.kubectl_ok("patch", "configmap", "p", "-n", ns, "--type", "json",
                     "-p", '[{"op":"replace","path":"/data/a","value":"10"},{"op":"add","path":"/data/d","value":"4"}]')
        self.assertEqual(E.kubectl_json("get", "cm", "p", "-n", ns)["data"], {"a": "10", "c": "3", "d": "4"})
        r = E.kubectl("patch", "configmap", "p", "-n", ns, "--type", "json",
                      "-p", '[{"op":"test","path":"/data/a","value":"wrong"}]')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("test failed", r.stderr)
        # strategic merge (kubectl's default for built-in kinds): containers merge by name
        dep = deployment("two", replicas=1)
        dep["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox:1"})
        E.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, dep)
        E.kubectl_ok("patch", "deployment", "two", "-n", ns,
                     "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}}}')
        cs = E.kubectl_json("get", "deploy", "two", "-n", ns)["spec"]["template"]["spec"]["containers"]
        self.assertEqual([(c["name"], c["image"]) for c in cs], [("app", "nginx:1.25"), ("side", "busybox:2")])

    def test_delete_cascades_to_replicasets_and_pods(self):
        ns = E.new_namespace()
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("gone", 2)))
        E.kubectl_ok("rollout", "status", "deployment/gone", "-n", ns, "--timeout=30s")
        self.assertEqual(len(E.ok("GET", "/api/v1/namespaces/%s/pods?labelSelector=app%%3Dgone" % ns)["items"]), 2)
        out = E.kubectl_ok("delete", "deployment", "gone", "-n", ns)
        self.assertIn('deployment.apps "gone" deleted', out)
        self.assertEqual(E.ok("GET", "/apis/apps/v1/namespaces/%s/replicasets" % ns)["items"], [])
        self.assertEqual(E.ok("GET", "/api/v1/namespaces/%s/pods" % ns)["items"], [])
        r = E.kubectl("delete", "deployment", "gone", "-n", ns)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NotFound", r.stderr)

    def test_scale_subresource(self):
        ns = E.new_namespace()
        E.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, deployment("sc", 1))
        E.kubectl_ok("scale", "deployment", "sc", "-n", ns, "--replicas=3")
        scale = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/sc/scale" % ns)
        self.assertEqual((scale["kind"], scale["apiVersion"]), ("Scale", "autoscaling/v1"))
        self.assertEqual(scale["spec"]["replicas"], 3)
        self.assertEqual(scale["status"]["selector"], "app=sc")
        E.kubectl_ok("rollout", "status", "deployment/sc", "-n", ns, "--timeout=30s")
        self.assertEqual(E.kubectl_json("get", "deploy", "sc", "-n", ns)["status"]["readyReplicas"], 3)


class ServerSideApply(unittest.TestCase):
    def test_create_update_noop(self):
        ns = E.new_namespace()
        dep = deployment("web", 2)
        out = E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        self.assertIn("deployment.apps/web serverside-applied", out)
        live = E.kubectl_json("get", "deploy", "web", "-n", ns, "--show-managed-fields")
        self.assertEqual(live["metadata"]["generation"], 1)
        entry = managers(live)[("kubectl", "Apply")]
        self.assertEqual(entry["fieldsType"], "FieldsV1")
        self.assertIn("f:replicas", entry["fieldsV1"]["f:spec"])
        self.assertIn('k:{"name":"app"}', entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"])
        # defaulted fields are not owned by the applier
        self.assertNotIn("f:revisionHistoryLimit", entry["fieldsV1"]["f:spec"])
        self.assertEqual(live["spec"]["revisionHistoryLimit"], 10)
        # re-applying the same manifest is a no-op: no new resourceVersion (wait
        # for the rollout first: the controllers write status meanwhile)
        wait_rolled_out(ns, "web", 2)
        rv = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/web" % ns)["metadata"]["resourceVersion"]
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        self.assertEqual(E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/web" % ns)["metadata"]
                         ["resourceVersion"], rv)
        # a spec change bumps generation
        dep["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        live = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/web" % ns)
        self.assertEqual(live["metadata"]["generation"], 2)
        self.assertEqual(live["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.26")

    def test_conflict_between_managers_and_force(self):
        ns = E.new_namespace()
        E.kubectl_ok("apply", "--server-side", "--field-manager=team-a", "-n", ns, "-f", "-",
                     stdin=json.dumps(deployment("shared", 2)))
        r = E.kubectl("apply", "--server-side", "--field-manager=team-b", "-n", ns, "-f", "-",
                      stdin=json.dumps(deployment("shared", 4)))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('Apply failed with 1 conflict: conflict with "team-a": .spec.replicas', r.stderr)
        self.assertIn("--force-conflicts", r.stderr)       # kubectl recognised a 409 apply conflict
        self.assertEqual(E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/shared" % ns)["spec"]["replicas"], 2)
        # the same value is not a conflict: ownership is shared
        E.kubectl_ok("apply", "--server-side", "--field-manager=team-b", "-n", ns, "-f", "-",
                     stdin=json.dumps(deployment("shared", 2)))
        E.kubectl_ok("apply", "--server-side", "--field-manager=team-b", "--force-conflicts", "-n", ns, "-f", "-",
                     stdin=json.dumps(deployment("shared", 4)))
        live = E.kubectl_json("get", "deploy", "shared", "-n", ns, "--show-managed-fields")
        self.assertEqual(live["spec"]["replicas"], 4)
        m = managers(live)
        self.assertIn("f:replicas", m[("team-b", "Apply")]["fieldsV1"]["f:spec"])
        self.assertNotIn("f:replicas", m[("team-a", "Apply")]["fieldsV1"]["f:spec"])
        self.assertIn("f:selector", m[("team-a", "Apply")]["fieldsV1"]["f:spec"])    # still co-owned

    def test_conflict_status_over_http_and_removal_of_unapplied_fields(self):
        ns = E.new_namespace()
        path = "/api/v1/namespaces/%s/configmaps/ssa" % ns
        apply = "application/apply-patch+yaml"
        E.ok("PATCH", path + "?fieldManager=one", configmap("ssa", {"a": "1", "b": "2"}), apply)
        E.ok("PATCH", path + "?fieldManager=two", configmap("ssa", {"c": "3"}), apply)
        status, _, body = E.http("PATCH", path + "?fieldManager=two", configmap("ssa", {"a": "changed"}), apply)
        self.assertEqual(status, 409)
        self.assertEqual((body["kind"], body["reason"], body["code"]), ("Status", "Conflict", 409))
        self.assertEqual(body["details"]["causes"],
                         [{"reason": "FieldManagerConflict", "message": 'conflict with "one"', "field": ".data.a"}])
        # "one" stops applying b: nobody else owns it, so it is removed
        E.ok("PATCH", path + "?fieldManager=one", configmap("ssa", {"a": "1"}), apply)
        self.assertEqual(E.ok("GET", path)["data"], {"a": "1", "c": "3"})
        # a field co-owned by another manager survives when one owner drops it
        E.ok("PATCH", path + "?fieldManager=two", configmap("ssa", {"a": "1", "c": "3"}), apply)
        E.ok("PATCH", path + "?fieldManager=one", configmap("ssa", {}), apply)
        self.assertEqual(E.ok("GET", path)["data"], {"a": "1", "c": "3"})
        # fieldManager is required for apply
        status, _, body = E.http("PATCH", path, configmap("ssa", {}), apply)
        self.assertEqual((status, body["reason"]), (422, "Invalid"))
        # real YAML bodies are accepted; garbage is a 400
        yaml_body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  y: |\n    multi\n    line\n"
        E.ok("PATCH", path + "?fieldManager=yaml", yaml_body, apply)
        self.assertEqual(E.ok("GET", path)["data"]["y"], "multi\nline\n")
        status, _, body = E.http("PATCH", path + "?fieldManager=yaml", "a: [unclosed", apply)
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))

    def test_diff_server_side(self):
        ns = E.new_namespace()
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("df", 3)))
        wait_rolled_out(ns, "df", 3)     # else the controllers' status writes show up in the diff
        r = E.kubectl("diff", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("df", 3)))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        r = E.kubectl("diff", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("df", 5)))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("-  replicas: 3", r.stdout)
        self.assertIn("+  replicas: 5", r.stdout)
        # diff is a dry run: nothing changed
        self.assertEqual(E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/df" % ns)["spec"]["replicas"], 3)


class ClientSideApply(unittest.TestCase):
    def test_apply_configure_prune_and_unchanged(self):
        ns = E.new_namespace()
        cm = configmap("csa", {"a": "1", "b": "2"}, {"app": "x"})
        self.assertIn("configmap/csa created", E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(cm)))
        live = E.kubectl_json("get", "cm", "csa", "-n", ns)
        self.assertIn("kubectl.kubernetes.io/last-applied-configuration", live["metadata"]["annotations"])
        self.assertIn("configmap/csa unchanged", E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(cm)))
        # someone else adds a key; the next apply keeps it (three-way merge) but drops b
        E.ok("PATCH", "/api/v1/namespaces/%s/configmaps/csa" % ns, {"data": {"other": "x"}},
             "application/merge-patch+json")
        cm["data"] = {"a": "1", "c": "3"}
        self.assertIn("configmap/csa configured", E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(cm)))
        self.assertEqual(E.kubectl_json("get", "cm", "csa", "-n", ns)["data"], {"a": "1", "c": "3", "other": "x"})
        # a client-side diff sees the pending change and leaves the object alone
        cm["data"]["a"] = "changed"
        r = E.kubectl("diff", "-n", ns, "-f", "-", stdin=json.dumps(cm))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('+  a: changed', r.stdout)
        self.assertEqual(E.kubectl_json("get", "cm", "csa", "-n", ns)["data"]["a"], "1")

    def test_apply_deployment_strategic_three_way(self):
        ns = E.new_namespace()
        dep = deployment("csd", 1)
        dep["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"},
                                                                   {"name": "B", "value": "2"}]
        E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        dep["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
        E.kubectl_ok("apply", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        live = E.kubectl_json("get", "deploy", "csd", "-n", ns)
        self.assertEqual(live["spec"]["template"]["spec"]["containers"][0]["env"], [{"name": "A", "value": "1"}])
        self.assertEqual(live["metadata"]["generation"], 2)


class Rollouts(unittest.TestCase):
    def test_rollout_status_succeeds_and_revisions(self):
        ns = E.new_namespace()
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("ro", 3)))
        out = E.kubectl_ok("rollout", "status", "deployment/ro", "-n", ns, "--timeout=30s")
        self.assertIn('deployment "ro" successfully rolled out', out)
        d = E.kubectl_json("get", "deploy", "ro", "-n", ns)
        st = d["status"]
        self.assertEqual((st["observedGeneration"], st["replicas"], st["updatedReplicas"], st["readyReplicas"],
                          st["availableReplicas"]), (1, 3, 3, 3, 3))
        conds = {c["type"]: c for c in st["conditions"]}
        self.assertEqual((conds["Available"]["status"], conds["Progressing"]["reason"]),
                         ("True", "NewReplicaSetAvailable"))
        self.assertEqual(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1")
        pods = E.ok("GET", "/api/v1/namespaces/%s/pods" % ns)["items"]
        self.assertEqual(len(pods), 3)
        hashes = {p["metadata"]["labels"]["pod-template-hash"] for p in pods}
        self.assertEqual(len(hashes), 1)
        self.assertTrue(all(p["metadata"]["labels"]["app"] == "ro" and p["status"]["phase"] == "Running"
                            for p in pods))
        # a new template -> new ReplicaSet, revision 2, old pods replaced
        E.kubectl_ok("set", "image", "deployment/ro", "-n", ns, "app=nginx:1.27")
        out = E.kubectl_ok("rollout", "status", "deployment/ro", "-n", ns, "--timeout=30s")
        self.assertIn("successfully rolled out", out)
        d = E.ok("GET", "/apis/apps/v1/namespaces/%s/deployments/ro" % ns)
        self.assertEqual(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2")
        pods = E.ok("GET", "/api/v1/namespaces/%s/pods" % ns)["items"]
        self.assertEqual({p["spec"]["containers"][0]["image"] for p in pods}, {"nginx:1.27"})
        self.assertNotIn(pods[0]["metadata"]["labels"]["pod-template-hash"], hashes)
        rss = E.ok("GET", "/apis/apps/v1/namespaces/%s/replicasets" % ns)["items"]
        self.assertEqual(sorted(r["spec"]["replicas"] for r in rss), [0, 3])
        history = E.kubectl_ok("rollout", "history", "deployment/ro", "-n", ns)
        self.assertRegex(history, r"(?m)^1 ")
        self.assertRegex(history, r"(?m)^2 ")

    def test_restart_counts_written_through_pod_status_stay(self):
        # Tests simulate crashes of a ready release this way (ogf's watch crashes trigger).
        ns = E.new_namespace()
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("rc", 1)))
        wait_rolled_out(ns, "rc", 1)
        pod = E.ok("GET", "/api/v1/namespaces/%s/pods" % ns)["items"][0]["metadata"]["name"]
        E.kubectl_ok("patch", "pod", pod, "-n", ns, "--subresource=status", "--type=strategic",
                     "-p", json.dumps({"status": {"containerStatuses": [{"name": "app", "restartCount": 4}]}}))
        time.sleep(0.5)     # the kubelet reconciles meanwhile
        st = E.ok("GET", "/api/v1/namespaces/%s/pods/%s" % (ns, pod))["status"]
        self.assertEqual([c["restartCount"] for c in st["containerStatuses"]], [4])
        self.assertTrue(st["containerStatuses"][0]["ready"])

    def test_rollout_status_fails_on_progress_deadline(self):
        ns = E.new_namespace()
        dep = deployment("stuck", 2, annotations={"emulator.ogf/fail": "progress-deadline"})
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(dep))
        r = E.kubectl("rollout", "status", "deployment/stuck", "-n", ns, "--timeout=30s")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('deployment "stuck" exceeded its progress deadline', r.stderr)
        conds = {c["type"]: c for c in E.kubectl_json("get", "deploy", "stuck", "-n", ns)["status"]["conditions"]}
        self.assertEqual((conds["Progressing"]["status"], conds["Progressing"]["reason"]),
                         ("False", "ProgressDeadlineExceeded"))
        # fixing the template starts a new rollout that succeeds
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(deployment("stuck", 2)))
        out = E.kubectl_ok("rollout", "status", "deployment/stuck", "-n", ns, "--timeout=30s")
        self.assertIn('deployment "stuck" successfully rolled out', out)

    def test_crashloop_pods(self):
        ns = E.new_namespace()
        dep = deployment("crash", 1, annotations={"emulator.ogf/fail": "crashloop"})
        E.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, dep)

        def restarts():
            pods = E.ok("GET", "/api/v1/namespaces/%s/pods" % ns)["items"]
            cs = (pods[0].get("status") or {}).get("containerStatuses") if pods else None
            return cs and cs[0]["restartCount"] >= 2 and cs[0]
        cs = wait_for(restarts, what="restarts")
        self.assertEqual(cs["state"]["waiting"]["reason"], "CrashLoopBackOff")
        self.assertFalse(cs["ready"])
        r = E.kubectl("rollout", "status", "deployment/crash", "-n", ns, "--timeout=1s")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("0 of 1 updated replicas are available", r.stdout)
        self.assertIn("CrashLoopBackOff", E.kubectl_ok("get", "pods", "-n", ns))

    def test_statefulset_daemonset_and_job(self):
        ns = E.new_namespace()
        tmpl = {"metadata": {"labels": {"app": "s"}},
                "spec": {"containers": [{"name": "c", "image": "busybox:1"}]}}
        sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
               "spec": {"replicas": 2, "serviceName": "s", "selector": {"matchLabels": {"app": "s"}},
                        "template": tmpl}}
        ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"},
              "spec": {"selector": {"matchLabels": {"app": "s"}}, "template": tmpl}}
        job_tmpl = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": job_tmpl}}
        E.kubectl_ok("apply", "--server-side", "-n", ns, "-f", "-",
                     stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": [sts, ds, job]}))
        self.assertIn("partitioned roll out complete",
                      E.kubectl_ok("rollout", "status", "statefulset/s", "-n", ns, "--timeout=30s"))
        self.assertIn("successfully rolled out",
                      E.kubectl_ok("rollout", "status", "daemonset/d", "-n", ns, "--timeout=30s"))
        self.assertIn("condition met",
                      E.kubectl_ok("wait", "--for=condition=complete", "job/j", "-n", ns, "--timeout=30s"))
        names = E.kubectl_ok("get", "pods", "-n", ns, "-l", "app=s", "-o", "name").split()
        self.assertIn("pod/s-0", names)
        self.assertIn("pod/s-1", names)
        # a Job's pod template is immutable
        r = E.kubectl("patch", "job", "j", "-n", ns, "--type", "merge",
                      "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("field is immutable", r.stderr)


# ====================================================================== direct HTTP


class Http(unittest.TestCase):
    def test_unauthorized(self):
        for token in (None, "wrong"):
            status, _, body = E.http("GET", "/api/v1/namespaces", token=token)
            self.assertEqual(status, 401)
            self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        r = E.kubectl("--token", "wrong", "get", "pods")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Unauthorized", r.stderr)
        self.assertEqual(E.http("GET", "/version", token=None)[0], 401)
        self.assertEqual(E.http("GET", "/version")[0], 200)
        log = E.ok("GET", "/emulator/requests")["requests"]
        self.assertEqual([r["authorization"] for r in log[-2:]], ["none", "bearer"])

    def test_discovery_documents(self):
        self.assertEqual(E.ok("GET", "/api")["versions"], ["v1"])
        groups = {g["name"]: g for g in E.ok("GET", "/apis")["groups"]}
        for g in ("apps", "batch", "networking.k8s.io", "authorization.k8s.io"):
            self.assertEqual(groups[g]["preferredVersion"]["version"], "v1")
        apps = {r["name"]: r for r in E.ok("GET", "/apis/apps/v1")["resources"]}
        self.assertEqual(apps["deployments"]["kind"], "Deployment")
        self.assertTrue(apps["deployments"]["namespaced"])
        self.assertIn("watch", apps["deployments"]["verbs"])
        self.assertEqual(apps["deployments/scale"]["kind"], "Scale")
        self.assertIn("deployments/status", apps)
        core = {r["name"]: r for r in E.ok("GET", "/api/v1")["resources"]}
        for name in ("namespaces", "configmaps", "secrets", "services", "pods", "serviceaccounts", "events"):
            self.assertIn(name, core)
        self.assertFalse(core["namespaces"]["namespaced"])
        status, resp, doc = E.http("GET", "/apis", headers={
            "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"})
        self.assertEqual(status, 200)
        self.assertIn("as=APIGroupDiscoveryList", resp.getheader("Content-Type"))
        self.assertEqual(doc["kind"], "APIGroupDiscoveryList")
        ing = [r for item in doc["items"] if item["metadata"]["name"] == "networking.k8s.io"
               for v in item["versions"] for r in v["resources"] if r["resource"] == "ingresses"]
        self.assertEqual(ing[0]["scope"], "Namespaced")
        self.assertEqual(E.ok("GET", "/version")["minor"], "32")

    def test_list_shape_field_selector_and_pagination(self):
        ns = E.new_namespace()
        for i in range(5):
            E.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, configmap("c%d" % i, {"i": str(i)}))
        lst = E.ok("GET", "/api/v1/namespaces/%s/configmaps" % ns)
        self.assertEqual((lst["kind"], lst["apiVersion"]), ("ConfigMapList", "v1"))
        self.assertTrue(lst["metadata"]["resourceVersion"].isdigit())
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["c0", "c1", "c2", "c3", "c4"])
        self.assertTrue(all(i["kind"] == "ConfigMap" and i["apiVersion"] == "v1" for i in lst["items"]))
        one = E.ok("GET", "/api/v1/namespaces/%s/configmaps?fieldSelector=metadata.name%%3Dc3" % ns)
        self.assertEqual([i["metadata"]["name"] for i in one["items"]], ["c3"])
        page = E.ok("GET", "/api/v1/namespaces/%s/configmaps?limit=2" % ns)
        self.assertEqual(len(page["items"]), 2)
        self.assertEqual(page["metadata"]["remainingItemCount"], 3)
        rest = E.ok("GET", "/api/v1/namespaces/%s/configmaps?limit=10&continue=%s" % (ns, page["metadata"]["continue"]))
        self.assertEqual([i["metadata"]["name"] for i in rest["items"]], ["c2", "c3", "c4"])
        # across namespaces
        allns = E.ok("GET", "/api/v1/configmaps?labelSelector=")
        self.assertGreaterEqual(len([i for i in allns["items"] if i["metadata"]["namespace"] == ns]), 5)

    def test_watch_streams_events_from_resource_version(self):
        ns = E.new_namespace()
        base = "/api/v1/namespaces/%s/configmaps" % ns
        rv = E.ok("GET", base)["metadata"]["resourceVersion"]
        conn = E.connection(timeout=10)
        conn.request("GET", "%s?watch=1&resourceVersion=%s&timeoutSeconds=5" % (base, rv),
                     headers={"Authorization": "Bearer " + TOKEN})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        E.ok("POST", base, configmap("w", {"a": "1"}))
        E.ok("PATCH", base + "/w", {"data": {"a": "2"}}, "application/merge-patch+json")
        E.ok("DELETE", base + "/w")
        events = [json.loads(resp.readline()) for _ in range(3)]
        conn.close()
        self.assertEqual([e["type"] for e in events], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(events[1]["object"]["data"], {"a": "2"})
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        self.assertEqual(rvs, sorted(rvs))
        self.assertGreater(rvs[0], int(rv))
        # without resourceVersion a watch starts with the current state as ADDED
        # events; with a selector, objects entering/leaving it are ADDED/DELETED
        E.ok("POST", base, configmap("x", {}, {"sel": "yes"}))
        E.ok("POST", base, configmap("y", {}))
        conn = E.connection(timeout=10)
        conn.request("GET", base + "?watch=true&labelSelector=sel%3Dyes&timeoutSeconds=1",
                     headers={"Authorization": "Bearer " + TOKEN})
        resp = conn.getresponse()
        merge = "application/merge-patch+json"
        E.ok("PATCH", base + "/y", {"metadata": {"labels": {"sel": "yes"}}}, merge)
        E.ok("PATCH", base + "/x", {"metadata": {"labels": {"sel": None}}}, merge)
        body = resp.read().decode()       # the stream ends after timeoutSeconds
        conn.close()
        evs = [json.loads(line) for line in body.splitlines() if line]
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "x"), ("ADDED", "y"), ("DELETED", "x")])

    def test_put_conflict_and_unconditional_update(self):
        ns = E.new_namespace()
        path = "/api/v1/namespaces/%s/configmaps/u" % ns
        cm = E.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, configmap("u", {"v": "1"}))
        stale = json.loads(json.dumps(cm))
        cm["data"]["v"] = "2"
        updated = E.ok("PUT", path, cm)
        self.assertGreater(int(updated["metadata"]["resourceVersion"]), int(cm["metadata"]["resourceVersion"]))
        stale["data"]["v"] = "3"
        status, _, body = E.http("PUT", path, stale)
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        self.assertIn("the object has been modified", body["message"])
        del stale["metadata"]["resourceVersion"]
        self.assertEqual(E.ok("PUT", path, stale)["data"], {"v": "3"})
        status, _, body = E.http("PUT", "/api/v1/namespaces/%s/configmaps/missing" % ns, configmap("missing", {}))
        self.assertEqual((status, body["reason"]), (404, "NotFound"))
        status, _, body = E.http("PUT", path, configmap("other-name", {}))
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))

    def test_generation_and_status_subresource(self):
        ns = E.new_namespace()
        base = "/apis/apps/v1/namespaces/%s/deployments" % ns
        E.ok("POST", base, deployment("g", 0))
        merge = "application/merge-patch+json"
        d = E.ok("PATCH", base + "/g", {"metadata": {"labels": {"extra": "1"}}}, merge)
        self.assertEqual(d["metadata"]["generation"], 1)            # metadata change: no bump
        d = E.ok("PATCH", base + "/g", {"spec": {"minReadySeconds": 1}}, merge)
        self.assertEqual(d["metadata"]["generation"], 2)            # spec change: bump
        # main-resource writes ignore status ...
        d = E.ok("PATCH", base + "/g", {"status": {"replicas": 42}}, merge)
        self.assertNotEqual(d.get("status", {}).get("replicas"), 42)
        # ... and status writes ignore spec, without bumping generation
        d = E.ok("PATCH", base + "/g/status", {"spec": {"replicas": 9}, "status": {"collisionCount": 7}}, merge)
        self.assertEqual((d["spec"]["replicas"], d["status"]["collisionCount"], d["metadata"]["generation"]),
                         (0, 7, 2))

    def test_dry_run(self):
        ns = E.new_namespace()
        base = "/api/v1/namespaces/%s/configmaps" % ns
        status, _, out = E.http("POST", base + "?dryRun=All", configmap("dry", {"a": "1"}))
        self.assertEqual(status, 201)
        self.assertEqual(out["data"], {"a": "1"})
        self.assertEqual(E.http("GET", base + "/dry")[0], 404)
        E.ok("POST", base, configmap("dry", {"a": "1"}))
        out = E.ok("PATCH", base + "/dry?dryRun=All", {"data": {"a": "2"}}, "application/merge-patch+json")
        self.assertEqual(out["data"], {"a": "2"})
        # data.a is owned by the creator (an Update manager): a different value
        # conflicts unless forced - even in a dry run
        status, _, body = E.http("PATCH", base + "/dry?dryRun=All&fieldManager=t", configmap("dry", {"a": "3"}),
                                 "application/apply-patch+yaml")
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        out = E.ok("PATCH", base + "/dry?dryRun=All&fieldManager=t&force=true", configmap("dry", {"a": "3"}),
                   "application/apply-patch+yaml")
        self.assertEqual(out["data"], {"a": "3"})
        status, _, _ = E.http("PATCH", base + "/new?dryRun=All&fieldManager=t", configmap("new", {}),
                              "application/apply-patch+yaml")
        self.assertEqual(status, 201)
        self.assertEqual(E.ok("GET", base + "/dry")["data"], {"a": "1"})
        self.assertEqual(E.http("GET", base + "/new")[0], 404)
        E.ok("DELETE", base + "/dry?dryRun=All")
        self.assertEqual(E.http("GET", base + "/dry")[0], 200)

    def test_invalid_objects_are_422(self):
        ns = E.new_namespace()
        bad = deployment("bad", 1)
        bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
        status, _, body = E.http("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, bad)
        self.assertEqual((status, body["reason"], body["details"]["kind"]), (422, "Invalid", "Deployment"))
        self.assertIn("`selector` does not match template `labels`", body["message"])
        self.assertEqual(body["details"]["causes"][0]["field"], "spec.template.metadata.labels")
        status, _, body = E.http("POST", "/api/v1/namespaces/%s/configmaps" % ns, configmap("Not_Valid", {}))
        self.assertEqual(status, 422)
        self.assertIn("metadata.name: Invalid value", body["message"])
        r = E.kubectl("apply", "--server-side", "-n", ns, "-f", "-", stdin=json.dumps(bad))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("is invalid", r.stderr)
        status, _, body = E.http("POST", "/api/v1/namespaces/%s/configmaps" % ns, "{not json")
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))

    def test_finalizers_and_namespace_deletion(self):
        ns = E.new_namespace()
        base = "/api/v1/namespaces/%s/configmaps" % ns
        cm = configmap("fin", {})
        cm["metadata"]["finalizers"] = ["example.com/hold"]
        E.ok("POST", base, cm)
        held = E.ok("DELETE", base + "/fin")
        self.assertIn("deletionTimestamp", held["metadata"])
        self.assertEqual(E.http("GET", base + "/fin")[0], 200)
        E.ok("PATCH", base + "/fin", [{"op": "remove", "path": "/metadata/finalizers"}], "application/json-patch+json")
        self.assertEqual(E.http("GET", base + "/fin")[0], 404)
        E.ok("POST", base, configmap("inside", {}))
        E.kubectl_ok("delete", "namespace", ns, "--timeout=20s")
        self.assertEqual(E.http("GET", "/api/v1/namespaces/" + ns)[0], 404)
        self.assertEqual(E.ok("GET", base)["items"], [])


class Control(unittest.TestCase):
    def test_fail_next_and_request_log(self):
        before = E.ok("GET", "/emulator/requests")["count"]
        E.ok("POST", "/emulator/fail-next", {"count": 2, "code": 503, "path": "/api/v1/namespaces/default"})
        for _ in range(2):
            status, _, body = E.http("GET", "/api/v1/namespaces/default")
            self.assertEqual((status, body["reason"]), (503, "ServiceUnavailable"))
        self.assertEqual(E.http("GET", "/api/v1/namespaces/default")[0], 200)
        log = E.ok("GET", "/emulator/requests")
        self.assertEqual(log["count"], before + 3)
        self.assertEqual([r["status"] for r in log["requests"][-3:]], [503, 503, 200])
        self.assertEqual(log["requests"][-1]["path"], "/api/v1/namespaces/default")
        # "drop": the connection closes without any response, like a crashed server
        E.ok("POST", "/emulator/fail-next", {"code": "drop"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            E.http("GET", "/api/v1/namespaces")
        self.assertEqual(E.http("GET", "/api/v1/namespaces")[0], 200)
        # kubectl sees an injected 500 as a server error
        E.ok("POST", "/emulator/fail-next", {"count": 1, "code": 500, "path": "/configmaps"})
        r = E.kubectl("get", "configmaps", "-n", "default")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InternalError", r.stderr)

    def test_deny_rules_ssar_and_forbidden(self):
        emu = Emulator("--tls-self-signed", "--deny", "delete:deployments,create:secrets:locked",
                       "--allow-anonymous-info", token="t0k")
        try:
            # --allow-anonymous-info: no credentials may read /version, but nothing else
            self.assertEqual(emu.http("GET", "/version", token=None)[0], 200)
            self.assertEqual(emu.http("GET", "/api", token=None)[0], 401)
            self.assertEqual(emu.http("GET", "/version", token="bad")[0], 401)
            out = emu.kubectl_ok("auth", "can-i", "create", "deployments")
            self.assertEqual(out.strip(), "yes")
            r = emu.kubectl("auth", "can-i", "delete", "deployments.apps")
            self.assertEqual((r.returncode, r.stdout.split()[0]), (1, "no"))
            review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                      "spec": {"resourceAttributes": {"namespace": "locked", "verb": "create", "resource": "secrets"}}}
            status, _, body = emu.http("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
            self.assertEqual(status, 201)
            self.assertFalse(body["status"]["allowed"])
            review["spec"]["resourceAttributes"]["namespace"] = "default"
            self.assertTrue(emu.ok("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
                            ["status"]["allowed"])
            emu.kubectl_ok("create", "-f", "-", stdin=json.dumps(deployment("x", 0)))
            r = emu.kubectl("delete", "deployment", "x")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('User "emulator" cannot delete resource "deployments" in API group "apps"', r.stderr)
            status, _, body = emu.http("DELETE", "/apis/apps/v1/namespaces/default/deployments/x")
            self.assertEqual((status, body["reason"]), (403, "Forbidden"))
            emu.ok("POST", "/emulator/deny", {"rules": []})         # rules can change at run time
            emu.kubectl_ok("delete", "deployment", "x")
        finally:
            emu.stop()

    def test_legacy_discovery_and_shutdown(self):
        emu = Emulator("--no-aggregated-discovery")        # plain http, no token
        try:
            status, resp, doc = emu.http("GET", "/apis", headers={
                "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"})
            self.assertEqual((status, resp.getheader("Content-Type"), doc["kind"]),
                             (200, "application/json", "APIGroupList"))
            out = emu.kubectl_ok("get", "namespaces", "-o", "name")
            self.assertIn("namespace/kube-system", out.split())
            emu.kubectl_ok("apply", "--server-side", "-f", "-", stdin=json.dumps(configmap("l", {"a": "b"})))
            with open(emu.kubeconfig) as f:
                cfg = json.load(f)
            self.assertEqual(cfg["current-context"], "emulator")
            self.assertEqual(cfg["clusters"][0]["cluster"]["server"], "http://127.0.0.1:%d" % emu.port)
            self.assertEqual(emu.ok("POST", "/emulator/shutdown")["status"], "shutting down")
            self.assertEqual(emu.proc.wait(10), 0)
            with self.assertRaises(ConnectionError):
                socket.create_connection(("127.0.0.1", emu.port), timeout=2).close()
        finally:
            emu.stop()


if __name__ == "__main__":
    unittest.main()
