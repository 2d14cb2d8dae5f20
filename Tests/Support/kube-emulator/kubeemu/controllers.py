"""Just enough of kube-controller-manager and the kubelet to make workloads
*progress* the way deploy tooling expects.

One background thread runs level-triggered reconcilers: it wakes on every
store write (and on a short timer while something time-based is pending),
compares desired and observed state and writes only differences, through the
same Api as HTTP clients (so every change gets resourceVersions, managedFields
entries for "kube-controller-manager"/"kubelet", and watch events).

Timing model (``delay`` = --rollout-delay seconds):
* a Pod becomes Running+Ready ``delay`` after creation; every other pod
  (by uid) takes 1.5x as long, so partial progress is observable;
* Deployment: a new ReplicaSet is created at once for a new pod template
  (revision annotation bumped), scaled to spec.replicas; old ReplicaSets are
  scaled down as new pods become available (Recreate: old first);
  status/conditions follow the pods;
* StatefulSet (OrderedReady: one ordinal at a time), DaemonSet (one node) and
  Job (pods succeed after ``delay``) are modelled similarly.

Failure injection via the pod template annotation ``emulator.ogf/fail``:
* ``crashloop``: containers never get ready; restartCount grows every
  ``delay``; state.waiting.reason CrashLoopBackOff (Job pods with
  restartPolicy Never fail instead);
* ``progress-deadline``: pods run but never become ready and the
  Deployment's Progressing condition turns False/ProgressDeadlineExceeded
  after 2 x ``delay``;
* ``unschedulable``: pods stay Pending with PodScheduled=False.
Real progressDeadlineSeconds are honoured too (e.g. a crashloop with
progressDeadlineSeconds: 2 times out after 2 s).
"""

import base64
import copy
import hashlib
import json
import sys
import threading
import time
import traceback

from .api import now_rfc3339, random_suffix, system_ctx
from .errors import ApiError

FAIL_ANNOTATION = "emulator.ogf/fail"
REVISION = "deployment.kubernetes.io/revision"
NODE_NAME = "emulator-node"
KCM = "kube-controller-manager"
HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template):
    """A stable 10-character hash of a pod template (pod-template-hash)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    n = int.from_bytes(hashlib.sha256(data).digest()[:8], "big")
    out = ""
    for _ in range(10):
        n, r = divmod(n, len(HASH_ALPHABET))
        out += HASH_ALPHABET[r]
    return out


def _int_or_percent(v, total, round_up):
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.endswith("%"):
        pct = int(v[:-1]) * total
        return -(-pct // 100) if round_up else pct // 100
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _owner_ref(rt, obj):
    return {"apiVersion": rt.api_version, "kind": rt.kind, "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _owned_by(obj, uid):
    return any(r.get("uid") == uid and r.get("controller") for r in obj["metadata"].get("ownerReferences") or [])


def _pod_ready(pod):
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _prune_zero(status, keys):
    for k in keys:
        if not status.get(k):
            status.pop(k, None)
    return status


class Controllers(threading.Thread):
    def __init__(self, api, delay=0.5):
        super().__init__(name="controllers", daemon=True)
        self.api = api
        self.store = api.store
        self.reg = api.registry
        self.delay = max(0.0, float(delay))
        self.paused = False
        self.stopping = threading.Event()
        self.progress = {}     # deployment uid -> {"key": (gen, hash), "since": t, "avail": n}
        self.timers_pending = False
        self.errors = 0
        self.procs = None      # a kubelet.ProcessKubelet with --run-pods (process mode), else None

    def rt(self, group, kind):
        return self.reg.for_kind(group, kind)

    # ------------------------------------------------------------------ loop

    def run(self):
        last = -1
        while not self.stopping.is_set():
            self.store.wait_for_change(last, 0.05 if self.timers_pending else 1.0)
            last = self.store.current_rv()
            if self.paused or self.stopping.is_set():
                continue
            self.timers_pending = False
            try:
                with self.store.lock:
                    self.reconcile_all()
            except Exception:   # keep the emulator alive; surface the bug on stderr
                self.errors += 1
                traceback.print_exc(file=sys.stderr)

    def stop(self):
        self.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()

    def reconcile_all(self):
        self.namespaces()
        for d in self._list("apps", "Deployment"):
            self.deployment(d)
        for rs in self._list("apps", "ReplicaSet"):
            self.replicaset(rs)
        for s in self._list("apps", "StatefulSet"):
            self.statefulset(s)
        for ds in self._list("apps", "DaemonSet"):
            self.daemonset(ds)
        for j in self._list("batch", "Job"):
            self.job(j)
        pods = self._list("", "Pod")
        for p in pods:
            self.kubelet(p)
        services = self._list("", "Service")
        for svc in services:
            self.service(svc)
        if self.procs is not None:
            self.procs.sync({p["metadata"]["uid"] for p in pods if not p["metadata"].get("deletionTimestamp")},
                            services)
        for pvc in self._list("", "PersistentVolumeClaim"):
            self.pvc(pvc)

    # ------------------------------------------------------------------ write helpers

    def _list(self, group, kind, namespace=None):
        items, _ = self.store.list(self.rt(group, kind).key, namespace)
        return items

    def _create(self, group, kind, obj, manager=KCM):
        rt = self.rt(group, kind)
        try:
            return self.api.create(system_ctx(manager), rt, obj["metadata"].get("namespace", ""), obj)[1]
        except ApiError as e:
            if e.code not in (409, 404, 403):
                raise
            return None

    def _update(self, group, kind, obj, manager=KCM, subresource=""):
        rt = self.rt(group, kind)
        md = obj["metadata"]
        try:
            return self.api.update(system_ctx(manager), rt, md.get("namespace", ""), md["name"], obj,
                                   subresource)[1]
        except ApiError as e:
            if e.code not in (409, 404):     # stale copy or gone: next pass fixes it
                raise
            return None

    def _set_status(self, group, kind, obj, status, manager=KCM):
        if (obj.get("status") or {}) == status:
            return obj
        new = copy.deepcopy(obj)
        new["status"] = status
        return self._update(group, kind, new, manager, "status")

    def _delete(self, group, kind, obj):
        rt = self.rt(group, kind)
        md = obj["metadata"]
        try:
            self.api.delete(system_ctx(KCM), rt, md.get("namespace", ""), md["name"])
        except ApiError as e:
            if e.code != 404:
                raise

    def _event(self, group, kind, obj, reason, message, type_="Normal", component="deployment-controller"):
        self.api.record_event(self.rt(group, kind), obj, reason, message, type_, component)

    # ------------------------------------------------------------------ namespaces

    def namespaces(self):
        for ns in self._list("", "Namespace"):
            name = ns["metadata"]["name"]
            if ns["metadata"].get("deletionTimestamp"):
                self.api.finish_namespace(name)
                continue
            if self.store.get(self.rt("", "ServiceAccount").key, name, "default") is None:
                self._create("", "ServiceAccount", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                    "metadata": {"name": "default", "namespace": name}},
                             manager="kube-controller-manager")

    # ------------------------------------------------------------------ pods ("kubelet")

    def _pod_template(self, template, name, namespace, owner_rt, owner, extra_labels):
        tmd = copy.deepcopy((template or {}).get("metadata") or {})
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": namespace,
                            "labels": dict(tmd.get("labels") or {}, **extra_labels),
                            "ownerReferences": [_owner_ref(owner_rt, owner)]},
               "spec": copy.deepcopy((template or {}).get("spec") or {})}
        if tmd.get("annotations"):
            pod["metadata"]["annotations"] = tmd["annotations"]
        pod["spec"]["nodeName"] = NODE_NAME
        return pod

    def _resolve_env(self, namespace, pod, container):
        """(env dict, error) for a container: envFrom then env, as the kubelet resolves them."""
        env, err = {}, None

        def source(kind, name):
            obj = self.store.get(self.rt("", kind).key, namespace, name)
            if obj is None:
                return None
            data = dict(obj.get("data") or {})
            if kind == "Secret":
                data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in data.items()}
            return data

        for ef in container.get("envFrom") or []:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = ef.get(key)
                if not ref:
                    continue
                data = source(kind, ref.get("name", ""))
                if data is None:
                    if not ref.get("optional"):
                        err = err or '%s "%s" not found' % (kind.lower(), ref.get("name"))
                    continue
                for k, v in data.items():
                    env[(ef.get("prefix") or "") + k] = v
        md = pod["metadata"]
        for e in container.get("env") or []:
            name = e.get("name")
            if "value" in e or not e.get("valueFrom"):
                env[name] = e.get("value", "")
                continue
            vf = e["valueFrom"]
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = vf.get(key)
                if ref:
                    data = source(kind, ref.get("name", ""))
                    if data is None or ref.get("key") not in data:
                        if not ref.get("optional"):
                            err = err or "couldn't find key %s in %s %s/%s" % (ref.get("key"), kind, namespace,
                                                                               ref.get("name"))
                    else:
                        env[name] = data[ref["key"]]
            fr = (vf.get("fieldRef") or {}).get("fieldPath", "")
            if fr:
                simple = {"metadata.name": md.get("name"), "metadata.namespace": namespace,
                          "metadata.uid": md.get("uid"), "spec.nodeName": NODE_NAME, "status.podIP": "127.0.0.1",
                          "status.hostIP": "127.0.0.1"}
                if fr in simple:
                    env[name] = simple[fr] or ""
                elif fr.startswith("metadata.labels['") and fr.endswith("']"):
                    env[name] = (md.get("labels") or {}).get(fr[17:-2], "")
                elif fr.startswith("metadata.annotations['") and fr.endswith("']"):
                    env[name] = (md.get("annotations") or {}).get(fr[22:-2], "")
        return env, err

    def kubelet(self, pod):
        md = pod["metadata"]
        if md.get("deletionTimestamp"):
            return
        if self.procs is not None and self.procs.wants(pod):
            new = self.procs.status(pod, self._resolve_env)
            if new != (pod.get("status") or {}):
                self._set_status("", "Pod", pod, new, manager="kubelet")
            return
        spec = pod.get("spec") or {}
        status = copy.deepcopy(pod.get("status") or {})
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        uid = md.get("uid", "")
        fail = (md.get("annotations") or {}).get(FAIL_ANNOTATION, "")
        age = self.store.age(uid)
        slow = int(uid.replace("-", "")[-1:] or "0", 16) % 2 == 1
        ready_after = self.delay * (1.5 if slow else 1.0)
        created = md.get("creationTimestamp")
        containers = spec.get("containers") or []
        restart_policy = spec.get("restartPolicy", "Always")
        one_shot = restart_policy in ("Never", "OnFailure") and \
            any(r.get("kind") == "Job" for r in md.get("ownerReferences") or [])

        def cond(typ, ok, reason=None):
            c = {"type": typ, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": created}
            if reason and not ok:
                c["reason"] = reason
            return c

        def cstat(c, ready, state, restarts=0, last_state=None):
            return {"name": c.get("name"), "image": c.get("image"), "imageID": "",
                    "containerID": "emulator://" + uid[:12], "ready": ready, "started": "running" in state,
                    "restartCount": restarts, "state": state, "lastState": last_state or {}}

        base = {"hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}], "qosClass": "BestEffort",
                "startTime": created,
                "podIP": "10.244.0.%d" % (int(uid.replace("-", "")[:4] or "0", 16) % 250 + 2)}
        base["podIPs"] = [{"ip": base["podIP"]}]
        if fail == "unschedulable":
            new = {"phase": "Pending", "qosClass": "BestEffort",
                   "conditions": [dict(cond("PodScheduled", False, "Unschedulable"),
                                       message="0/1 nodes are available: emulator.ogf/fail=unschedulable.")]}
        elif age < ready_after:
            self.timers_pending = True
            waiting = {"waiting": {"reason": "ContainerCreating"}}
            new = dict(base, phase="Pending",
                       conditions=[cond("PodReadyToStartContainers", False), cond("Initialized", True),
                                   cond("Ready", False, "ContainersNotReady"),
                                   cond("ContainersReady", False, "ContainersNotReady"), cond("PodScheduled", True)],
                       containerStatuses=[cstat(c, False, waiting) for c in containers])
        elif fail == "crashloop" and one_shot and restart_policy == "Never":
            term = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": created, "finishedAt": created}}
            new = dict(base, phase="Failed",
                       conditions=[cond("Initialized", True), cond("Ready", False, "PodFailed"),
                                   cond("ContainersReady", False, "PodFailed"), cond("PodScheduled", True)],
                       containerStatuses=[cstat(c, False, term) for c in containers])
        elif fail == "crashloop":
            self.timers_pending = True
            restarts = int((age - ready_after) / max(self.delay, 0.05)) + 1
            waiting = {"waiting": {"reason": "CrashLoopBackOff",
                                   "message": "back-off 10s restarting failed container=%s pod=%s_%s(%s)"}}
            last = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": created, "finishedAt": created}}
            sts = []
            for c in containers:
                w = copy.deepcopy(waiting)
                w["waiting"]["message"] %= (c.get("name"), md["name"], md.get("namespace"), uid)
                sts.append(cstat(c, False, w, restarts, last))
            new = dict(base, phase="Running",
                       conditions=[cond("PodReadyToStartContainers", True), cond("Initialized", True),
                                   cond("Ready", False, "ContainersNotReady"),
                                   cond("ContainersReady", False, "ContainersNotReady"), cond("PodScheduled", True)],
                       containerStatuses=sts)
        elif one_shot:
            term = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": created, "finishedAt": created}}
            new = dict(base, phase="Succeeded",
                       conditions=[cond("Initialized", True), cond("Ready", False, "PodCompleted"),
                                   cond("ContainersReady", False, "PodCompleted"), cond("PodScheduled", True)],
                       containerStatuses=[cstat(c, False, term) for c in containers])
        else:
            ready = fail != "progress-deadline"
            running = {"running": {"startedAt": created}}
            new = dict(base, phase="Running",
                       conditions=[cond("PodReadyToStartContainers", True), cond("Initialized", True),
                                   cond("Ready", ready, "ContainersNotReady"),
                                   cond("ContainersReady", ready, "ContainersNotReady"), cond("PodScheduled", True)],
                       containerStatuses=[cstat(c, ready, running) for c in containers])
        if new != status:
            self._set_status("", "Pod", pod, new, manager="kubelet")

    # ------------------------------------------------------------------ replicasets

    def _pods_of(self, owner, namespace):
        uid = owner["metadata"]["uid"]
        return [p for p in self._list("", "Pod", namespace)
                if _owned_by(p, uid) and not p["metadata"].get("deletionTimestamp")]

    def replicaset(self, rs):
        md, spec = rs["metadata"], rs.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        ns = md["namespace"]
        want = spec.get("replicas", 1)
        pods = self._pods_of(rs, ns)
        if len(pods) < want:
            hash_ = ((spec.get("template") or {}).get("metadata") or {}).get("labels", {}).get("pod-template-hash")
            for _ in range(want - len(pods)):
                pod = self._pod_template(spec.get("template"), "%s-%s" % (md["name"], random_suffix()), ns,
                                         self.rt("apps", "ReplicaSet"), rs,
                                         {"pod-template-hash": hash_} if hash_ else {})
                self._create("", "Pod", pod)
            return
        if len(pods) > want:
            # Delete not-ready pods first, then the newest (like the RS controller).
            pods.sort(key=lambda p: (_pod_ready(p), p["metadata"]["creationTimestamp"]), reverse=False)
            for p in pods[:len(pods) - want]:
                self._delete("", "Pod", p)
            return
        ready = sum(1 for p in pods if _pod_ready(p))
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": md.get("generation", 1)}
        _prune_zero(status, ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"))
        self._set_status("apps", "ReplicaSet", rs, status)

    # ------------------------------------------------------------------ deployments

    def deployment(self, d):
        md, spec = d["metadata"], d.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        ns, uid, name = md["namespace"], md["uid"], md["name"]
        gen = md.get("generation", 1)
        replicas = spec.get("replicas", 1)
        template = spec.get("template") or {}
        hash_ = template_hash(template)
        rs_rt = self.rt("apps", "ReplicaSet")
        owned = [rs for rs in self._list("apps", "ReplicaSet", ns) if _owned_by(rs, uid)]

        def rev(rs):
            try:
                return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
            except ValueError:
                return 0

        new_rs = next((rs for rs in owned
                       if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == hash_), None)
        old = [rs for rs in owned if rs is not new_rs]
        max_old_rev = max([rev(rs) for rs in old] or [0])
        recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
        old_active = sum((rs.get("spec") or {}).get("replicas", 0) + (rs.get("status") or {}).get("replicas", 0)
                         for rs in old)

        if spec.get("paused"):
            self._deployment_status(d, new_rs, owned, paused=True)
            return

        if new_rs is None:
            revision = max_old_rev + 1
            labels = dict((template.get("metadata") or {}).get("labels") or {}, **{"pod-template-hash": hash_})
            tmpl = copy.deepcopy(template)
            tmpl.setdefault("metadata", {})["labels"] = labels
            sel = copy.deepcopy(spec.get("selector") or {})
            sel.setdefault("matchLabels", {})["pod-template-hash"] = hash_
            initial = 0 if (recreate and old_active) else replicas
            rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": "%s-%s" % (name, hash_), "namespace": ns, "labels": labels,
                               "annotations": {REVISION: str(revision),
                                               "deployment.kubernetes.io/desired-replicas": str(replicas),
                                               "deployment.kubernetes.io/max-replicas": str(replicas)},
                               "ownerReferences": [_owner_ref(self.rt("apps", "Deployment"), d)]},
                  "spec": {"replicas": initial, "selector": sel, "template": tmpl}}
            created = self._create("apps", "ReplicaSet", rs)
            if created is not None:
                self._event("apps", "Deployment", d, "ScalingReplicaSet",
                            "Scaled up replica set %s from 0 to %d" % (rs["metadata"]["name"], initial))
            return

        # A template that matches an older ReplicaSet (rollback): it becomes the newest revision.
        if rev(new_rs) <= max_old_rev:
            nrs = copy.deepcopy(new_rs)
            nrs["metadata"].setdefault("annotations", {})[REVISION] = str(max_old_rev + 1)
            self._update("apps", "ReplicaSet", nrs)
            return
        if (md.get("annotations") or {}).get(REVISION) != str(rev(new_rs)):
            nd = copy.deepcopy(d)
            nd["metadata"].setdefault("annotations", {})[REVISION] = str(rev(new_rs))
            self._update("apps", "Deployment", nd)
            return

        # Scale the new ReplicaSet up and old ones down.
        new_target = 0 if (recreate and old_active) else replicas
        if (new_rs.get("spec") or {}).get("replicas") != new_target:
            self._scale_rs(d, new_rs, new_target)
            return
        new_avail = (new_rs.get("status") or {}).get("availableReplicas", 0)
        remaining = 0 if recreate else max(0, replicas - new_avail)
        # Keep the old ReplicaSets that still serve (available pods) longest;
        # unhealthy old replicas go first, as in the real rolling updater.
        for rs in sorted(old, key=lambda r: ((r.get("status") or {}).get("availableReplicas", 0), rev(r)),
                         reverse=True):
            cur = (rs.get("spec") or {}).get("replicas", 0)
            keep = min(cur, remaining)
            remaining -= keep
            if keep != cur:
                self._scale_rs(d, rs, keep)
                return
        # Revision history limit: delete the oldest empty ReplicaSets.
        limit = spec.get("revisionHistoryLimit", 10)
        empty = sorted([rs for rs in old if not (rs.get("spec") or {}).get("replicas")
                        and not (rs.get("status") or {}).get("replicas")], key=rev)
        for rs in empty[:max(0, len(empty) - limit)]:
            self._delete("apps", "ReplicaSet", rs)
        self._deployment_status(d, new_rs, owned)

    def _scale_rs(self, d, rs, n):
        cur = (rs.get("spec") or {}).get("replicas", 0)
        nrs = copy.deepcopy(rs)
        nrs["spec"]["replicas"] = n
        ann = nrs["metadata"].setdefault("annotations", {})
        ann["deployment.kubernetes.io/desired-replicas"] = str((d.get("spec") or {}).get("replicas", 1))
        if self._update("apps", "ReplicaSet", nrs) is not None:
            self._event("apps", "Deployment", d, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d"
                        % ("up" if n > cur else "down", rs["metadata"]["name"], cur, n))

    def _deployment_status(self, d, new_rs, owned, paused=False):
        md, spec = d["metadata"], d.get("spec") or {}
        old_status = d.get("status") or {}
        replicas = spec.get("replicas", 1)
        gen = md.get("generation", 1)
        st = lambda rs, k: (rs.get("status") or {}).get(k, 0)   # noqa: E731
        total = sum(st(rs, "replicas") for rs in owned)
        updated = st(new_rs, "replicas") if new_rs else 0
        ready = sum(st(rs, "readyReplicas") for rs in owned)
        avail = sum(st(rs, "availableReplicas") for rs in owned)
        new_avail = st(new_rs, "availableReplicas") if new_rs else 0
        rs_name = new_rs["metadata"]["name"] if new_rs else ""

        # Progress deadline bookkeeping (sub-second, so kept here, not in status).
        key = (gen, new_rs["metadata"]["uid"] if new_rs else "")
        now = time.monotonic()
        p = self.progress.get(md["uid"])
        if p is None or p["key"] != key:
            p = self.progress[md["uid"]] = {"key": key, "since": now, "avail": new_avail}
        elif new_avail > p["avail"]:
            p["since"], p["avail"] = now, new_avail
        complete = updated == replicas and new_avail == replicas and total == replicas
        deadline = spec.get("progressDeadlineSeconds", 600)
        fail = (((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}).get(FAIL_ANNOTATION)
        if fail == "progress-deadline":
            deadline = min(deadline, 2 * self.delay)
        timed_out = not complete and not paused and now - p["since"] > deadline
        if not complete and not paused and not timed_out:
            self.timers_pending = True

        max_unavail = _int_or_percent(((spec.get("strategy") or {}).get("rollingUpdate") or {})
                                      .get("maxUnavailable", "25%"), replicas, False)
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            max_unavail = 0
        conds = {c["type"]: c for c in old_status.get("conditions") or []}
        ts = now_rfc3339()

        def set_cond(typ, status, reason, message):
            c = conds.get(typ)
            if c and (c["status"], c["reason"], c["message"]) == (status, reason, message):
                return
            c = {"type": typ, "status": status, "lastUpdateTime": ts,
                 "lastTransitionTime": c["lastTransitionTime"] if c and c["status"] == status else ts,
                 "reason": reason, "message": message}
            conds[typ] = c

        if avail >= replicas - max_unavail:
            set_cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        else:
            set_cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum "
                     "availability.")
        if paused:
            set_cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        elif complete:
            set_cond("Progressing", "True", "NewReplicaSetAvailable",
                     'ReplicaSet "%s" has successfully progressed.' % rs_name)
        elif timed_out:
            set_cond("Progressing", "False", "ProgressDeadlineExceeded",
                     'ReplicaSet "%s" has timed out progressing.' % rs_name)
        else:
            # A new rollout (another ReplicaSet, or a new generation after a
            # timeout) starts over as NewReplicaSetCreated; progress on it is
            # ReplicaSetUpdated.
            prev = conds.get("Progressing") or {}
            fresh = rs_name not in prev.get("message", "") or \
                (prev.get("reason") == "NewReplicaSetCreated" and new_avail == 0)
            if fresh:
                set_cond("Progressing", "True", "NewReplicaSetCreated", 'Created new replica set "%s"' % rs_name)
            else:
                set_cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "%s" is progressing.' % rs_name)
        status = {"observedGeneration": gen, "replicas": total, "updatedReplicas": updated,
                  "readyReplicas": ready, "availableReplicas": avail,
                  "unavailableReplicas": max(0, replicas - avail) if total or replicas else 0,
                  "conditions": [conds[t] for t in ("Available", "Progressing") if t in conds]}
        if old_status.get("collisionCount"):
            status["collisionCount"] = old_status["collisionCount"]
        _prune_zero(status, ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                             "unavailableReplicas"))
        if status != old_status:
            if timed_out and not any(c.get("reason") == "ProgressDeadlineExceeded"
                                     for c in old_status.get("conditions") or []):
                self._event("apps", "Deployment", d, "ProgressDeadlineExceeded",
                            'ReplicaSet "%s" has timed out progressing.' % rs_name, "Warning")
            self._set_status("apps", "Deployment", d, status)

    # ------------------------------------------------------------------ statefulsets

    def statefulset(self, s):
        md, spec = s["metadata"], s.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        ns, name = md["namespace"], md["name"]
        replicas = spec.get("replicas", 1)
        update_rev = "%s-%s" % (name, template_hash(spec.get("template") or {}))
        pods = {p["metadata"]["name"]: p for p in self._pods_of(s, ns)}
        parallel = spec.get("podManagementPolicy") == "Parallel"
        status = copy.deepcopy(s.get("status") or {})
        current_rev = status.get("currentRevision") or update_rev

        def rev_of(p):
            return (p["metadata"].get("labels") or {}).get("controller-revision-hash")

        # scale down: highest ordinal first, one at a time
        extra = sorted((n for n in pods if int(n.rsplit("-", 1)[1]) >= replicas),
                       key=lambda n: int(n.rsplit("-", 1)[1]), reverse=True)
        if extra:
            self._delete("", "Pod", pods[extra[0]])
            return
        for i in range(replicas):
            pname = "%s-%d" % (name, i)
            if pname not in pods:
                if parallel or all(_pod_ready(pods.get("%s-%d" % (name, j), {})) for j in range(i)):
                    pod = self._pod_template(spec.get("template"), pname, ns, self.rt("apps", "StatefulSet"), s,
                                             {"controller-revision-hash": update_rev,
                                              "statefulset.kubernetes.io/pod-name": pname,
                                              "apps.kubernetes.io/pod-index": str(i)})
                    pod["spec"]["hostname"] = pname
                    if spec.get("serviceName"):
                        pod["spec"]["subdomain"] = spec["serviceName"]
                    self._create("", "Pod", pod)
                    if not parallel:
                        break
        # rolling update: replace the highest-ordinal outdated pod once all are ready
        outdated = sorted((p for p in pods.values() if rev_of(p) != update_rev),
                          key=lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1]), reverse=True)
        if outdated and len(pods) >= replicas and all(_pod_ready(p) for p in pods.values()):
            self._delete("", "Pod", outdated[0])
        live = list(pods.values())
        ready = sum(1 for p in live if _pod_ready(p))
        updated = sum(1 for p in live if rev_of(p) == update_rev)
        if updated == replicas and ready == replicas:
            current_rev = update_rev
        current = sum(1 for p in live if rev_of(p) == current_rev)
        new = {"observedGeneration": md.get("generation", 1), "replicas": len(live), "readyReplicas": ready,
               "currentReplicas": current, "updatedReplicas": updated, "availableReplicas": ready,
               "currentRevision": current_rev, "updateRevision": update_rev, "collisionCount": 0}
        _prune_zero(new, ("readyReplicas", "currentReplicas", "updatedReplicas"))
        if ready < replicas:
            self.timers_pending = True
        self._set_status("apps", "StatefulSet", s, new)

    # ------------------------------------------------------------------ daemonsets

    def daemonset(self, ds):
        md, spec = ds["metadata"], ds.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        ns = md["namespace"]
        rev = template_hash(spec.get("template") or {})
        pods = self._pods_of(ds, ns)
        current = [p for p in pods if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == rev]
        for p in pods:
            if p not in current:
                self._delete("", "Pod", p)
                return
        if not current:
            pod = self._pod_template(spec.get("template"), "%s-%s" % (md["name"], random_suffix()), ns,
                                     self.rt("apps", "DaemonSet"), ds,
                                     {"controller-revision-hash": rev,
                                      "pod-template-generation": str(md.get("generation", 1))})
            self._create("", "Pod", pod)
            return
        ready = sum(1 for p in current if _pod_ready(p))
        status = {"currentNumberScheduled": len(current), "desiredNumberScheduled": 1, "numberMisscheduled": 0,
                  "numberReady": ready, "numberAvailable": ready, "numberUnavailable": 1 - ready,
                  "updatedNumberScheduled": len(current), "observedGeneration": md.get("generation", 1)}
        _prune_zero(status, ("numberAvailable", "numberUnavailable"))
        if not ready:
            self.timers_pending = True
        self._set_status("apps", "DaemonSet", ds, status)

    # ------------------------------------------------------------------ jobs

    def job(self, j):
        md, spec = j["metadata"], j.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        status = copy.deepcopy(j.get("status") or {})
        if any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in status.get("conditions") or []):
            return
        if spec.get("suspend"):
            return
        ns = md["namespace"]
        pods = self._pods_of(j, ns)
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        failed += sum(c.get("restartCount", 0) for p in pods
                      for c in (p.get("status") or {}).get("containerStatuses") or [])
        active = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        completions = spec.get("completions", 1)
        ts = now_rfc3339()
        new = {"startTime": status.get("startTime") or ts, "active": len(active), "succeeded": succeeded,
               "failed": failed, "ready": sum(1 for p in active if _pod_ready(p)),
               "terminating": 0, "uncountedTerminatedPods": {}}
        if succeeded >= completions:
            new["completionTime"] = ts
            new["active"] = 0
            new["conditions"] = [
                {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                 "message": "Reached expected number of succeeded pods", "lastProbeTime": ts,
                 "lastTransitionTime": ts},
                {"type": "Complete", "status": "True", "reason": "CompletionsReached",
                 "message": "Reached expected number of succeeded pods", "lastProbeTime": ts,
                 "lastTransitionTime": ts}]
        elif failed > spec.get("backoffLimit", 6):
            for p in active:
                self._delete("", "Pod", p)
            new["active"] = 0
            new["conditions"] = [
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit", "lastProbeTime": ts,
                 "lastTransitionTime": ts},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit", "lastProbeTime": ts,
                 "lastTransitionTime": ts}]
        else:
            self.timers_pending = True
            want = min(spec.get("parallelism", 1), completions - succeeded) - len(active)
            for _ in range(max(0, want)):
                pod = self._pod_template(spec.get("template"), "%s-%s" % (md["name"], random_suffix()), ns,
                                         self.rt("batch", "Job"), j, {})
                self._create("", "Pod", pod)
            if want > 0:
                return
        _prune_zero(new, ("active", "succeeded", "failed"))
        # Compare ignoring timestamps, which would otherwise change every pass.
        cmp_old = copy.deepcopy(dict(status, startTime=None, completionTime=None))
        cmp_new = copy.deepcopy(dict(new, startTime=None, completionTime=None))
        for c in (cmp_old.get("conditions") or []) + (cmp_new.get("conditions") or []):
            c["lastProbeTime"] = c["lastTransitionTime"] = None
        if cmp_old != cmp_new:
            self._set_status("batch", "Job", j, new)

    # ------------------------------------------------------------------ services, PVCs

    def service(self, svc):
        spec = svc.get("spec") or {}
        if spec.get("type") != "LoadBalancer":
            return
        if self.store.age(svc["metadata"].get("uid")) < self.delay:
            self.timers_pending = True
            return
        status = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}}
        self._set_status("", "Service", svc, status)

    def pvc(self, pvc):
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return
        if self.store.age(pvc["metadata"].get("uid")) < self.delay:
            self.timers_pending = True
            return
        spec = pvc.get("spec") or {}
        if not spec.get("volumeName"):
            n = copy.deepcopy(pvc)
            n["spec"]["volumeName"] = "pvc-" + pvc["metadata"]["uid"]
            self._update("", "PersistentVolumeClaim", n)
            return
        status = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                  "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {})
                               .get("storage", "1Gi")}}
        self._set_status("", "PersistentVolumeClaim", pvc, status)
