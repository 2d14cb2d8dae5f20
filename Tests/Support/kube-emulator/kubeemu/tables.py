"""Server-side printing: the meta.k8s.io Table responses `kubectl get` asks
for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).  Columns follow
kube-apiserver's printers for the common kinds; other kinds get Name/Age.
"""

import copy
import datetime

from .selectors import selector_object_to_string

NAME_DESC = "Name must be unique within a namespace. More info: " \
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
AGE_DESC = "CreationTimestamp is a timestamp representing the server time when this object was created."


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    h = m // 60
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    d = h // 24
    if h < 24 * 8:
        return "%dd%dh" % (d, h % 24) if h % 24 else "%dd" % d
    return "%dd" % d


def age(obj):
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return human_duration((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())


def _col(name, typ="string", fmt="", priority=0, desc=""):
    return {"name": name, "type": typ, "format": fmt, "description": desc or name, "priority": priority}


def pod_status_text(pod):
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    st = pod.get("status") or {}
    reason = st.get("reason") or st.get("phase") or "Pending"
    for cs in st.get("containerStatuses") or []:
        w = (cs.get("state") or {}).get("waiting")
        if w and w.get("reason"):
            reason = w["reason"]
    return reason


def _pod_row(o):
    st = o.get("status") or {}
    css = st.get("containerStatuses") or []
    total = len((o.get("spec") or {}).get("containers") or [])
    ready = sum(1 for c in css if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in css)
    return [o["metadata"]["name"], "%d/%d" % (ready, total), pod_status_text(o), restarts, age(o),
            st.get("podIP") or "<none>", (o.get("spec") or {}).get("nodeName") or "<none>"]


def _ports(svc):
    out = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        s = str(p.get("port"))
        if p.get("nodePort"):
            s += ":%s" % p["nodePort"]
        out.append("%s/%s" % (s, p.get("protocol", "TCP")))
    return ",".join(out) or "<none>"


def _external_ip(svc):
    spec = svc.get("spec") or {}
    ing = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ips = [i.get("ip") or i.get("hostname") for i in ing] + list(spec.get("externalIPs") or [])
    if ips:
        return ",".join(ips)
    if spec.get("type") == "LoadBalancer":
        return "<pending>"
    if spec.get("type") == "ExternalName":
        return spec.get("externalName", "<none>")
    return "<none>"


def _containers(o):
    cs = ((((o.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


PRINTERS = {
    "Namespace": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Status"), _col("Age", desc=AGE_DESC)],
                  lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", ""), age(o)]),
    "ConfigMap": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Data", "integer"), _col("Age", desc=AGE_DESC)],
                  lambda o: [o["metadata"]["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}),
                             age(o)]),
    "Secret": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Type"), _col("Data", "integer"),
                _col("Age", desc=AGE_DESC)],
               lambda o: [o["metadata"]["name"], o.get("type", ""), len(o.get("data") or {}), age(o)]),
    "Service": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Type"), _col("Cluster-IP"), _col("External-IP"),
                 _col("Port(s)"), _col("Age", desc=AGE_DESC), _col("Selector", priority=1)],
                lambda o: [o["metadata"]["name"], (o.get("spec") or {}).get("type", ""),
                           (o.get("spec") or {}).get("clusterIP") or "<none>", _external_ip(o), _ports(o), age(o),
                           ",".join("%s=%s" % kv for kv in sorted(((o.get("spec") or {}).get("selector")
                                                                   or {}).items())) or "<none>"]),
    "Pod": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Ready"), _col("Status"), _col("Restarts", "string"),
             _col("Age", desc=AGE_DESC), _col("IP", priority=1), _col("Node", priority=1)], _pod_row),
    "ServiceAccount": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Secrets", "integer"),
                        _col("Age", desc=AGE_DESC)],
                       lambda o: [o["metadata"]["name"], len(o.get("secrets") or []), age(o)]),
    "Deployment": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Ready"), _col("Up-to-date", "integer"),
                    _col("Available", "integer"), _col("Age", desc=AGE_DESC), _col("Containers", priority=1),
                    _col("Images", priority=1), _col("Selector", priority=1)],
                   lambda o: [o["metadata"]["name"],
                              "%d/%d" % ((o.get("status") or {}).get("readyReplicas", 0),
                                         (o.get("spec") or {}).get("replicas", 0)),
                              (o.get("status") or {}).get("updatedReplicas", 0),
                              (o.get("status") or {}).get("availableReplicas", 0), age(o)]
                   + list(_containers(o)) + [selector_object_to_string((o.get("spec") or {}).get("selector"))]),
    "ReplicaSet": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Desired", "integer"), _col("Current", "integer"),
                    _col("Ready", "integer"), _col("Age", desc=AGE_DESC)],
                   lambda o: [o["metadata"]["name"], (o.get("spec") or {}).get("replicas", 0),
                              (o.get("status") or {}).get("replicas", 0),
                              (o.get("status") or {}).get("readyReplicas", 0), age(o)]),
    "StatefulSet": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Ready"), _col("Age", desc=AGE_DESC)],
                    lambda o: [o["metadata"]["name"],
                               "%d/%d" % ((o.get("status") or {}).get("readyReplicas", 0),
                                          (o.get("spec") or {}).get("replicas", 0)), age(o)]),
    "DaemonSet": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Desired", "integer"), _col("Current", "integer"),
                   _col("Ready", "integer"), _col("Up-to-date", "integer"), _col("Available", "integer"),
                   _col("Age", desc=AGE_DESC)],
                  lambda o: [o["metadata"]["name"]] + [(o.get("status") or {}).get(k, 0) for k in (
                      "desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
                      "numberAvailable")] + [age(o)]),
    "Job": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Status"), _col("Completions"), _col("Age", desc=AGE_DESC)],
            lambda o: [o["metadata"]["name"], _job_status(o),
                       "%d/%d" % ((o.get("status") or {}).get("succeeded", 0), (o.get("spec") or {}).get("completions", 1)),
                       age(o)]),
    "Event": ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")],
              lambda o: [age(o), o.get("type", ""), o.get("reason", ""),
                         "%s/%s" % ((o.get("involvedObject") or {}).get("kind", "").lower(),
                                    (o.get("involvedObject") or {}).get("name", "")), o.get("message", "")]),
    "Node": ([_col("Name", fmt="name", desc=NAME_DESC), _col("Status"), _col("Roles"), _col("Age", desc=AGE_DESC),
              _col("Version")],
             lambda o: [o["metadata"]["name"], "Ready", "<none>", age(o),
                        ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")]),
}

DEFAULT_PRINTER = ([_col("Name", fmt="name", desc=NAME_DESC), _col("Age", desc=AGE_DESC)],
                   lambda o: [o["metadata"]["name"], age(o)])


def _job_status(o):
    for c in (o.get("status") or {}).get("conditions") or []:
        if c.get("status") == "True" and c.get("type") in ("Complete", "Failed"):
            return c["type"]
    return "Running"


def partial_metadata(obj, group_version):
    return {"kind": "PartialObjectMetadata", "apiVersion": group_version,
            "metadata": copy.deepcopy(obj.get("metadata") or {})}


def table(rt, objs, resource_version, include_object="Metadata", version="v1", with_columns=True):
    cols, row_fn = PRINTERS.get(rt.kind, DEFAULT_PRINTER)
    gv = "meta.k8s.io/" + version
    rows = []
    for o in objs:
        row = {"cells": row_fn(o)}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = partial_metadata(o, gv)
        rows.append(row)
    t = {"kind": "Table", "apiVersion": gv, "metadata": {"resourceVersion": str(resource_version)}, "rows": rows}
    if with_columns:
        t["columnDefinitions"] = cols
    return t
