"""Process mode for the emulator's "kubelet" (a TEST DOUBLE, not a container runtime).

With ``--run-pods DIR`` a pod whose every container image names a loopback registry
(``127.0.0.1:PORT/…`` or ``localhost:PORT/…``) is run as local processes on this host:

* each container's image manifest (by the digest or tag in the pod spec; an index picks
  linux/amd64), config and layers are pulled over the registry's HTTP API (Basic auth from
  ``--registry-auth HOST:PORT=USER:PASSWORD``), and the layers are unpacked, in order, into
  ``DIR/images/<manifest digest>/rootfs`` (tar, tar+gzip, tar+zstd through the ``zstd`` binary;
  OCI whiteouts honoured; entries escaping the rootfs refused). Containers of one image share it;
* there is no chroot, no namespaces, no cgroups: each container is a host process. Paths map
  like this: the working directory is the image's (or the container's) ``workingDir`` inside
  the rootfs, else the rootfs itself; ``argv[0]`` and every argument that is an absolute path
  existing inside the rootfs is rewritten to ``<rootfs><path>``; ``ROOTFS`` names the rootfs.
  ``PATH`` is the host's (so ``sh`` and the host's ``python3`` run the app);
* ``command``/``args`` override the image's Entrypoint/Cmd as in Kubernetes; the environment
  is the image's Env, then ``envFrom`` (ConfigMap/Secret), then ``env`` (values,
  ``configMapKeyRef``, ``secretKeyRef``, ``fieldRef`` metadata.name/namespace/uid and
  labels['k']), then ``POD_NAME``, ``POD_NAMESPACE``, ``ROOTFS`` and ``PORT``;
* ports: every ``containerPort`` of the pod is given a free loopback port, and ``PORT`` is set
  to the loopback port of the container's first containerPort (a container without ports
  gets a fresh one). Probes, Service ``targetPort`` (number or name) and Prometheus targets
  translate container ports through that map. ``status.podIP`` is 127.0.0.1;
* readiness comes from the readinessProbe (httpGet 2xx/3xx, or tcpSocket), polled every
  ``min(periodSeconds, 1)`` s after ``initialDelaySeconds``, with its failureThreshold; a
  container without one is ready while its process runs. A livenessProbe failing
  failureThreshold times in a row kills the process (it then restarts);
* a process that exits is restarted per restartPolicy: ``restartCount`` counts it,
  ``lastState.terminated`` keeps its exit code, and the wait in between is
  ``CrashLoopBackOff``, 0.5 s doubling up to 4 s (the real kubelet: 10 s to 5 min);
* pods that go away (deleted, scaled down, replaced in a rollout) get SIGTERM, then SIGKILL
  after 2 s; the Prometheus target file goes with them;
* Services of type NodePort or LoadBalancer listen on ``127.0.0.1:<nodePort>`` and forward
  each TCP connection to a ready process pod the selector matches (round robin). With no
  ready pod a connection is closed at once;
* pods annotated ``prometheus.io/scrape: "true"`` get a file_sd target file
  ``<--prometheus-targets>/<namespace>-<pod>.json`` with labels job (``app`` label), namespace,
  pod and version (the ``version`` or ``app.kubernetes.io/version`` label); annotations
  ``prometheus.io/port`` and ``prometheus.io/path`` are honoured.

Output goes to ``DIR/pods/<namespace>_<pod>_<uid8>/<container>.log`` (served by ``/log``).
Pods whose images are not on a loopback registry keep the simulated kubelet.
"""

import base64
import copy
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request

LOOPBACK_PREFIXES = ("127.0.0.1:", "localhost:")
MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"])
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")
BACKOFF_START, BACKOFF_MAX = 0.5, 4.0
STOP_GRACE = 2.0


def is_loopback_image(image):
    return isinstance(image, str) and image.startswith(LOOPBACK_PREFIXES)


def parse_image(image):
    """'127.0.0.1:15000/a/b@sha256:…' or '…/a/b:tag' -> (host, repository, reference)."""
    host, _, rest = image.partition("/")
    if "@" in rest:
        repo, _, ref = rest.partition("@")
        if ":" in repo:
            repo = repo.rsplit(":", 1)[0]
    elif ":" in rest:
        repo, _, ref = rest.rpartition(":")
    else:
        repo, ref = rest, "latest"
    return host, repo, ref


class PullError(Exception):
    pass


class ImageStore:
    """Pulls and unpacks images once per manifest digest (thread-safe)."""

    def __init__(self, root, auth):
        self.root = root
        self.auth = dict(auth)          # "host:port" -> "user:password"
        self.lock = threading.Lock()
        self.locks = {}

    def _get(self, host, path, accept=None):
        req = urllib.request.Request("http://%s%s" % (host, path))
        if accept:
            req.add_header("Accept", accept)
        if host in self.auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(self.auth[host].encode()).decode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raise PullError("%s %s: HTTP %d" % (host, path, e.code))
        except OSError as e:
            raise PullError("%s %s: %s" % (host, path, e))

    def _blob(self, host, repo, digest):
        data, _ = self._get(host, "/v2/%s/blobs/%s" % (repo, digest))
        algo, _, want = digest.partition(":")
        if algo == "sha256" and hashlib.sha256(data).hexdigest() != want:
            raise PullError("blob %s does not match its digest" % digest)
        return data

    def pull(self, image):
        """-> (rootfs, image config dict). Blocking; cached."""
        host, repo, ref = parse_image(image)
        body, ctype = self._get(host, "/v2/%s/manifests/%s" % (repo, ref), MANIFEST_ACCEPT)
        manifest = json.loads(body)
        mtype = manifest.get("mediaType") or ctype.split(";")[0]
        if mtype in INDEX_TYPES or "manifests" in manifest:
            entries = manifest.get("manifests") or []
            pick = next((m for m in entries if (m.get("platform") or {}).get("architecture") == "amd64"
                         and (m.get("platform") or {}).get("os") == "linux"), entries[0] if entries else None)
            if pick is None:
                raise PullError("%s: the index lists no manifests" % image)
            body, ctype = self._get(host, "/v2/%s/manifests/%s" % (repo, pick["digest"]), MANIFEST_ACCEPT)
            manifest = json.loads(body)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        with self.lock:
            lock = self.locks.setdefault(digest, threading.Lock())
        with lock:
            dest = os.path.join(self.root, digest.replace(":", "-"))
            rootfs = os.path.join(dest, "rootfs")
            cfg_path = os.path.join(dest, "config.json")
            if os.path.exists(cfg_path):
                with open(cfg_path) as f:
                    return rootfs, json.load(f)
            config = json.loads(self._blob(host, repo, manifest["config"]["digest"]))
            tmp = dest + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(os.path.join(tmp, "rootfs"))
            for layer in manifest.get("layers") or []:
                data = self._blob(host, repo, layer["digest"])
                unpack_layer(data, layer.get("mediaType", ""), os.path.join(tmp, "rootfs"))
            with open(os.path.join(tmp, "config.json"), "w") as f:
                json.dump(config, f)
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(tmp, dest)
            return rootfs, config


def decompress(data, media_type):
    if media_type.endswith("+zstd") or data[:4] == b"\x28\xb5\x2f\xfd":
        zstd = shutil.which("zstd")
        if not zstd:
            raise PullError("a zstd layer needs the zstd binary")
        r = subprocess.run([zstd, "-d", "-c", "-q"], input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise PullError("zstd: %s" % r.stderr.decode(errors="replace").strip())
        return r.stdout
    if media_type.endswith("gzip") or data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def unpack_layer(data, media_type, rootfs):
    """Apply one layer (tar, whiteouts) onto rootfs; refuses entries that escape it."""
    root = os.path.realpath(rootfs)
    with tarfile.open(fileobj=io.BytesIO(decompress(data, media_type)), mode="r:") as tar:
        for m in tar.getmembers():
            name = m.name.lstrip("./").lstrip("/") if m.name not in (".", "./") else ""
            if not name:
                continue
            target = os.path.realpath(os.path.join(root, name))
            if target != root and not target.startswith(root + os.sep):
                raise PullError("layer entry %r escapes the rootfs" % m.name)
            base = os.path.basename(name)
            if base == ".wh..wh..opq":
                d = os.path.dirname(target)
                for e in os.listdir(d) if os.path.isdir(d) else []:
                    p = os.path.join(d, e)
                    shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
                continue
            if base.startswith(".wh."):
                victim = os.path.join(os.path.dirname(target), base[4:])
                if os.path.isdir(victim) and not os.path.islink(victim):
                    shutil.rmtree(victim)
                elif os.path.lexists(victim):
                    os.remove(victim)
                continue
            if m.isdir():
                os.makedirs(target, exist_ok=True)
                os.chmod(target, (m.mode & 0o7777) | 0o700)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target) and not os.path.isdir(target):
                os.remove(target)
            if m.issym():
                os.symlink(m.linkname, target)
            elif m.islnk():
                src = os.path.realpath(os.path.join(root, m.linkname.lstrip("/")))
                if not src.startswith(root + os.sep):
                    raise PullError("hard link %r escapes the rootfs" % m.name)
                os.link(src, target)
            elif m.isfile():
                with tar.extractfile(m) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                os.chmod(target, (m.mode & 0o7777) | 0o600)
            # devices, fifos: skipped (no root, no need)


def _die_with_emulator():
    """preexec: SIGTERM this process when the emulator dies, even by SIGKILL (Linux prctl)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_probe(port, path, timeout=1.0):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError:
        return False
    try:
        c.settimeout(timeout)
        c.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nUser-Agent: kube-probe/1.32\r\n\r\n"
                   % (path or "/", port)).encode())
        head = c.recv(64).decode("latin-1")
        parts = head.split(" ")
        return len(parts) > 1 and parts[1][:1] in ("2", "3")
    except OSError:
        return False
    finally:
        c.close()


def tcp_probe(port, timeout=1.0):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
        return True
    except OSError:
        return False


class Container:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec.get("name")
        self.proc = None
        self.log = None
        self.started_at = None
        self.restarts = 0
        self.last_terminated = None
        self.waiting = "ContainerCreating"
        self.waiting_message = None
        self.next_start = 0.0
        self.ready = False
        self.probe_ok = 0
        self.probe_fail = 0
        self.live_fail = 0
        self.next_probe = 0.0
        self.exit_code = None     # one-shot pods: final exit code
        self.rootfs = None        # this container's image, unpacked
        self.config = None        # and its OCI config


def now_rfc3339(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t if t is not None else time.time()))


class ProcessPod:
    def __init__(self, manager, pod):
        md = pod["metadata"]
        self.manager = manager
        self.uid, self.namespace, self.name = md["uid"], md["namespace"], md["name"]
        self.labels = dict(md.get("labels") or {})
        self.annotations = dict(md.get("annotations") or {})
        self.spec = copy.deepcopy(pod.get("spec") or {})
        self.restart_policy = self.spec.get("restartPolicy", "Always")
        self.containers = [Container(c) for c in self.spec.get("containers") or []]
        self.ports = {}          # containerPort -> loopback port
        self.port_names = {}     # port name -> containerPort
        for c in self.spec.get("containers") or []:
            for p in c.get("ports") or []:
                cp = p.get("containerPort")
                if cp and cp not in self.ports:
                    self.ports[cp] = free_port()
                if p.get("name") and cp:
                    self.port_names[p["name"]] = cp
        self.container_port = {}   # container name -> loopback port for PORT
        for c in self.containers:
            declared = [p.get("containerPort") for p in c.spec.get("ports") or [] if p.get("containerPort")]
            self.container_port[c.name] = self.ports[declared[0]] if declared else free_port()
        self.resolved_env = {}     # container name -> env from the pod spec (resolved by the controller)
        self.config_error = None   # a missing ConfigMap/Secret: CreateContainerConfigError
        self.rootfs, self.config = None, None
        self.pull_error = None
        self.phase = "Pending"
        self.stopped = False
        self.dir = os.path.join(manager.root, "pods", "%s_%s_%s" % (self.namespace, self.name, self.uid[:8]))
        os.makedirs(self.dir, exist_ok=True)
        self.target_file = None

    # -- ports
    def loopback_port(self, port, container=None):
        if isinstance(port, str) and not port.isdigit():
            port = self.port_names.get(port)
        if port is None:
            return None
        port = int(port)
        if port in self.ports:
            return self.ports[port]
        if container is not None:
            return self.container_port.get(container)
        return None

    @property
    def ready(self):
        return self.phase == "Running" and bool(self.containers) and all(c.ready for c in self.containers)

    # -- lifecycle (manager thread)
    def step(self, now):
        if self.stopped or self.phase in ("Succeeded", "Failed"):
            return
        if self.rootfs is None:
            return   # still pulling (the pull thread sets rootfs or pull_error)
        self.phase = "Running"
        one_shot = self.restart_policy in ("Never", "OnFailure")
        for c in self.containers:
            if c.proc is not None:
                code = c.proc.poll()
                if code is None:
                    self._probe(c, now)
                    continue
                self._exited(c, code, now)
                if one_shot and (self.restart_policy == "Never" or code == 0):
                    c.exit_code = code
                    continue
                c.restarts += 1
                c.waiting = "CrashLoopBackOff"
                delay = min(BACKOFF_START * 2 ** (c.restarts - 1), BACKOFF_MAX)
                c.waiting_message = "back-off %gs restarting failed container=%s pod=%s_%s(%s)" % (
                    delay, c.name, self.name, self.namespace, self.uid)
                c.next_start = now + delay
            if c.exit_code is None and c.proc is None and now >= c.next_start and not self.config_error:
                self._start(c, now)
        if one_shot and all(c.exit_code is not None for c in self.containers):
            self.phase = "Succeeded" if all(c.exit_code == 0 for c in self.containers) else "Failed"
            self.manager.remove_target(self)

    def _exited(self, c, code, now):
        reason = "Completed" if code == 0 else ("Error" if code > 0 else "Error")
        if code < 0:
            code = 128 - code   # killed by a signal: 128 + signal number, like the kubelet
        c.last_terminated = {"exitCode": code, "reason": reason, "startedAt": now_rfc3339(c.started_at),
                             "finishedAt": now_rfc3339()}
        c.proc = None
        c.ready = False
        c.probe_ok = c.probe_fail = c.live_fail = 0
        if c.log:
            c.log.close()
            c.log = None

    def _argv(self, c):
        cfg = (c.config or {}).get("config") or {}
        if c.spec.get("command"):
            argv = list(c.spec["command"]) + list(c.spec.get("args") or [])
        else:
            argv = list(cfg.get("Entrypoint") or []) + list(c.spec.get("args") if c.spec.get("args") is not None
                                                             else (cfg.get("Cmd") or []))
        out = []
        for i, a in enumerate(argv):
            if isinstance(a, str) and a.startswith("/"):
                mapped = os.path.join(c.rootfs, a.lstrip("/"))
                if os.path.exists(mapped) or i == 0 and not os.path.exists(a):
                    a = mapped
            out.append(a)
        return out

    def _env(self, c):
        cfg = (c.config or {}).get("config") or {}
        env = {}
        for item in cfg.get("Env") or []:
            k, _, v = item.partition("=")
            if k != "PATH":
                env[k] = v
        env.update(self.resolved_env.get(c.name) or {})
        env["PATH"] = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        env["HOME"] = c.rootfs
        env["POD_NAME"], env["POD_NAMESPACE"] = self.name, self.namespace
        env["ROOTFS"] = c.rootfs
        env["PORT"] = str(self.container_port[c.name])
        return env

    def _start(self, c, now):
        cfg = (c.config or {}).get("config") or {}
        workdir = c.spec.get("workingDir") or cfg.get("WorkingDir") or ""
        cwd = os.path.join(c.rootfs, workdir.lstrip("/")) if workdir else c.rootfs
        if not os.path.isdir(cwd):
            cwd = c.rootfs
        argv = self._argv(c)
        if c.log:
            c.log.close()
        c.log = open(os.path.join(self.dir, "%s.log" % c.name), "ab")
        try:
            if not argv:
                raise OSError("no command: the image has no Entrypoint/Cmd and the container no command")
            env = self._env(c)
            c.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=c.log,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=_die_with_emulator)
        except (OSError, ValueError) as e:
            c.log.write(("kube-emulator: cannot start %s: %s\n" % (argv, e)).encode())
            c.log.flush()
            c.last_terminated = {"exitCode": 128, "reason": "StartError", "message": str(e),
                                 "startedAt": now_rfc3339(), "finishedAt": now_rfc3339()}
            c.restarts += 1
            c.waiting = "CrashLoopBackOff"
            c.next_start = now + min(BACKOFF_START * 2 ** (c.restarts - 1), BACKOFF_MAX)
            return
        c.started_at = time.time()
        c.waiting = None
        c.next_probe = now + float(((c.spec.get("readinessProbe") or {}).get("initialDelaySeconds") or 0))
        probe = c.spec.get("readinessProbe")
        c.ready = probe is None
        if self.target_file is None:
            self.manager.write_target(self)

    def _probe(self, c, now):
        if now < c.next_probe:
            return
        rp, lp = c.spec.get("readinessProbe"), c.spec.get("livenessProbe")
        period = min(float((rp or lp or {}).get("periodSeconds") or 10), 1.0)
        c.next_probe = now + period
        if rp:
            ok = self._run_probe(rp, c)
            if ok:
                c.probe_ok += 1
                c.probe_fail = 0
                if c.probe_ok >= int(rp.get("successThreshold") or 1):
                    c.ready = True
            else:
                c.probe_fail += 1
                c.probe_ok = 0
                if c.probe_fail >= int(rp.get("failureThreshold") or 3) or not c.ready:
                    c.ready = False
        if lp and time.time() - c.started_at >= float(lp.get("initialDelaySeconds") or 0):
            if self._run_probe(lp, c):
                c.live_fail = 0
            else:
                c.live_fail += 1
                if c.live_fail >= int(lp.get("failureThreshold") or 3):
                    c.live_fail = 0
                    self.manager.kill(c.proc)

    def _run_probe(self, probe, c):
        timeout = float(probe.get("timeoutSeconds") or 1)
        if probe.get("httpGet"):
            g = probe["httpGet"]
            port = self.loopback_port(g.get("port"), c.name)
            return port is not None and http_probe(port, g.get("path") or "/", timeout)
        if probe.get("tcpSocket"):
            port = self.loopback_port(probe["tcpSocket"].get("port"), c.name)
            return port is not None and tcp_probe(port, timeout)
        return c.proc is not None    # exec/grpc probes: not emulated, a running process passes

    def stop(self):
        self.stopped = True
        for c in self.containers:
            if c.proc is not None:
                self.manager.kill(c.proc, wait=False)
            if c.log:
                c.log.close()
                c.log = None
        self.manager.remove_target(self)

    # -- status (controller thread, under the manager's lock)
    def status(self, created):
        def cond(typ, ok, reason=None):
            c = {"type": typ, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": created}
            if reason and not ok:
                c["reason"] = reason
            return c

        sts = []
        for c in self.containers:
            if c.proc is not None:
                state = {"running": {"startedAt": now_rfc3339(c.started_at)}}
            elif c.exit_code is not None:
                state = {"terminated": dict(c.last_terminated or {"exitCode": c.exit_code})}
            elif self.pull_error:
                state = {"waiting": {"reason": "ErrImagePull", "message": self.pull_error}}
            elif self.config_error and not c.restarts:
                state = {"waiting": {"reason": "CreateContainerConfigError", "message": self.config_error}}
            else:
                state = {"waiting": {"reason": c.waiting or "ContainerCreating"}}
                if c.waiting_message and c.waiting == "CrashLoopBackOff":
                    state["waiting"]["message"] = c.waiting_message
            image_id = ""
            if self.config is not None:
                image_id = c.spec.get("image", "")
            sts.append({"name": c.name, "image": c.spec.get("image"), "imageID": image_id,
                        "containerID": "emulator-process://%s" % (c.proc.pid if c.proc else self.uid[:12]),
                        "ready": bool(c.ready and c.proc is not None), "started": c.proc is not None,
                        "restartCount": c.restarts, "state": state,
                        "lastState": {"terminated": c.last_terminated} if c.last_terminated and c.restarts else {}})
        ready = self.ready
        base = {"hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}], "qosClass": "BestEffort",
                "startTime": created, "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
                "containerStatuses": sts}
        if self.phase in ("Succeeded", "Failed"):
            reason = "PodCompleted" if self.phase == "Succeeded" else "PodFailed"
            return dict(base, phase=self.phase,
                        conditions=[cond("Initialized", True), cond("Ready", False, reason),
                                    cond("ContainersReady", False, reason), cond("PodScheduled", True)])
        started = self.rootfs is not None
        return dict(base, phase="Running" if started else "Pending",
                    conditions=[cond("PodReadyToStartContainers", started), cond("Initialized", True),
                                cond("Ready", ready, "ContainersNotReady"),
                                cond("ContainersReady", ready, "ContainersNotReady"), cond("PodScheduled", True)])


class ServiceProxy:
    """127.0.0.1:<nodePort> -> a ready pod's loopback port, one thread per connection."""

    def __init__(self, manager, namespace, name, port_spec, selector):
        self.manager = manager
        self.namespace, self.name = namespace, name
        self.node_port = int(port_spec["nodePort"])
        self.target = port_spec.get("targetPort", port_spec.get("port"))
        self.selector = dict(selector or {})
        self.rr = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.node_port))
        self.sock.listen(64)
        self.closed = False
        threading.Thread(target=self._accept, daemon=True, name="svc-%s-%d" % (name, self.node_port)).start()

    def key(self):
        return (self.node_port, str(self.target), json.dumps(self.selector, sort_keys=True))

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        backends = self.manager.endpoints(self.namespace, self.selector, self.target)
        if not backends:
            conn.close()
            return
        self.rr += 1
        port = backends[self.rr % len(backends)]
        try:
            up = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            conn.close()
            return
        up.settimeout(None)

        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    b.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        t = threading.Thread(target=pipe, args=(up, conn), daemon=True)
        t.start()
        pipe(conn, up)
        t.join()
        conn.close()
        up.close()


class ProcessKubelet:
    """Owns the process pods and Service proxies; ``tick`` runs on its own thread."""

    def __init__(self, root, registry_auth=(), targets_dir=None, wake=None):
        self.root = os.path.abspath(root)
        os.makedirs(os.path.join(self.root, "pods"), exist_ok=True)
        self.images = ImageStore(os.path.join(self.root, "images"), registry_auth)
        self.targets_dir = os.path.abspath(targets_dir) if targets_dir else None
        if self.targets_dir:
            os.makedirs(self.targets_dir, exist_ok=True)
        self.lock = threading.RLock()
        self.pods = {}        # uid -> ProcessPod
        self.services = {}    # (namespace, name, nodePort) -> ServiceProxy
        self.wake = wake or (lambda: None)
        self.stopping = threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self._loop, daemon=True, name="process-kubelet")
        self.thread.start()

    # -- selection
    @staticmethod
    def wants(pod):
        cs = (pod.get("spec") or {}).get("containers") or []
        return bool(cs) and all(is_loopback_image(c.get("image")) for c in cs)

    # -- controller side (holds the store lock; must not block)
    def status(self, pod, env_resolver):
        uid = pod["metadata"]["uid"]
        with self.lock:
            p = self.pods.get(uid)
            if p is None:
                p = self.pods[uid] = ProcessPod(self, pod)
                threading.Thread(target=self._pull, args=(p,), daemon=True, name="pull-" + p.name).start()
            p.labels = dict(pod["metadata"].get("labels") or {})
            p.config_error = None
            for c in p.containers:
                env, err = env_resolver(p.namespace, pod, c.spec)
                p.resolved_env[c.name] = env
                p.config_error = p.config_error or err
            return p.status(pod["metadata"].get("creationTimestamp"))

    def sync(self, live_uids, services):
        """Stop pods that are gone; open/close Service listeners."""
        with self.lock:
            for uid in [u for u in self.pods if u not in live_uids]:
                self.pods.pop(uid).stop()
            want = {}
            for svc in services:
                spec, md = svc.get("spec") or {}, svc["metadata"]
                if spec.get("type") not in ("NodePort", "LoadBalancer") or md.get("deletionTimestamp"):
                    continue
                for p in spec.get("ports") or []:
                    if p.get("nodePort") and (p.get("protocol") or "TCP") == "TCP":
                        want[(md["namespace"], md["name"], int(p["nodePort"]))] = (p, spec.get("selector"))
            for k in [k for k in self.services if k not in want]:
                self.services.pop(k).close()
            for k, (p, sel) in want.items():
                cur = self.services.get(k)
                if cur is not None:
                    cur.selector = dict(sel or {})
                    cur.target = p.get("targetPort", p.get("port"))
                    continue
                try:
                    self.services[k] = ServiceProxy(self, k[0], k[1], p, sel)
                except OSError as e:
                    self.errors.append("service %s/%s: cannot listen on 127.0.0.1:%d: %s" % (k[0], k[1], k[2], e))
                    self.services[k] = None

    def endpoints(self, namespace, selector, target):
        with self.lock:
            out = []
            for p in self.pods.values():
                if p.namespace != namespace or not p.ready or not selector:
                    continue
                if any(p.labels.get(k) != v for k, v in selector.items()):
                    continue
                port = p.loopback_port(target)
                if port is None and p.containers:
                    port = p.container_port[p.containers[0].name]
                out.append(port)
            return out

    def describe(self):
        with self.lock:
            return [{"uid": p.uid, "namespace": p.namespace, "name": p.name, "phase": p.phase, "ready": p.ready,
                     "rootfs": p.rootfs, "error": p.pull_error, "dir": p.dir,
                     "ports": {str(k): v for k, v in p.ports.items()},
                     "containers": [{"name": c.name, "pid": c.proc.pid if c.proc else None, "port": p.container_port[c.name],
                                     "restartCount": c.restarts} for c in p.containers]}
                    for p in self.pods.values()]

    def log(self, namespace, name, container=None):
        with self.lock:
            p = next((p for p in self.pods.values() if p.namespace == namespace and p.name == name), None)
            if p is None:
                return None
            c = container or (p.containers[0].name if p.containers else "")
            path = os.path.join(p.dir, "%s.log" % c)
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    # -- Prometheus file_sd targets
    def write_target(self, p):
        if not self.targets_dir or p.annotations.get("prometheus.io/scrape") != "true":
            return
        port = p.loopback_port(p.annotations.get("prometheus.io/port")) if p.annotations.get("prometheus.io/port") \
            else (p.container_port[p.containers[0].name] if p.containers else None)
        if port is None:
            return
        labels = {"namespace": p.namespace, "pod": p.name,
                  "job": p.labels.get("app") or p.labels.get("app.kubernetes.io/name") or p.name,
                  "version": p.labels.get("version") or p.labels.get("app.kubernetes.io/version") or ""}
        if p.annotations.get("prometheus.io/path"):
            labels["__metrics_path__"] = p.annotations["prometheus.io/path"]
        path = os.path.join(self.targets_dir, "%s-%s.json" % (p.namespace, p.name))
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump([{"targets": ["127.0.0.1:%d" % port], "labels": labels}], f)
        os.replace(tmp, path)
        p.target_file = path

    def remove_target(self, p):
        if p.target_file:
            try:
                os.remove(p.target_file)
            except OSError:
                pass
            p.target_file = None

    # -- processes
    def kill(self, proc, wait=False):
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except OSError:
            pass

        def reap():
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait()
        if wait:
            reap()
        else:
            threading.Thread(target=reap, daemon=True).start()

    def _pull(self, p):
        images = {}
        try:
            for c in p.containers:
                images[c.name] = self.images.pull(c.spec.get("image"))
        except (PullError, OSError, ValueError, KeyError, tarfile.TarError) as e:
            with self.lock:
                p.pull_error = "Failed to pull image %r: %s" % (p.containers[0].spec.get("image") if p.containers else "", e)
            self.wake()
            return
        with self.lock:
            for c in p.containers:
                c.rootfs, c.config = images[c.name]
            # The pod counts as started once every container's image is there.
            p.rootfs, p.config = images[p.containers[0].name]
        self.wake()

    def _loop(self):
        while not self.stopping.wait(0.1):
            changed = False
            with self.lock:
                for p in list(self.pods.values()):
                    before = json.dumps(p.status(None), sort_keys=True, default=str)
                    try:
                        p.step(time.monotonic())
                    except Exception as e:  # keep the kubelet alive
                        self.errors.append("%s/%s: %r" % (p.namespace, p.name, e))
                    after = json.dumps(p.status(None), sort_keys=True, default=str)
                    changed = changed or before != after
            if changed:
                self.wake()

    def shutdown(self):
        self.stopping.set()
        with self.lock:
            for p in self.pods.values():
                for c in p.containers:
                    if c.proc is not None:
                        self.kill(c.proc, wait=True)
                self.remove_target(p)
            for s in self.services.values():
                if s is not None:
                    s.close()
            self.pods.clear()
            self.services.clear()
