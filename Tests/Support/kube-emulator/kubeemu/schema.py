"""Per-kind knowledge that kube-apiserver gets from Go types and OpenAPI:

* list semantics (associative lists and their keys, sets, atomic lists), used
  both by server-side apply (listType/listMapKey) and by strategic merge patch
  (patchMergeKey/patchStrategy);
* defaulting (the subset of SetDefaults_* that shows up in everyday manifests);
* validation (the subset of validation that deploy tooling commonly trips over,
  answered with 422 Invalid in the apiserver's wording).

The tables are keyed by *field path* (field names from the object root,
without list indices) so that e.g. container ports and service ports get their
different keys.
"""

import base64
import binascii
import copy
import re

from .errors import invalid
from .selectors import selector_object_matches

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")

# ---------------------------------------------------------------------- list semantics


def list_semantics(path):
    """Server-side-apply semantics of the list at ``path`` (tuple of field names).

    Returns ("map", [keys]) for associative lists, ("set", None) for sets of
    scalars, or ("atomic", None) - the default for anything not known, which
    is also what Kubernetes does for lists without list-type markers.
    """
    if not path:
        return ("atomic", None)
    name = path[-1]
    parent = path[-2] if len(path) > 1 else None
    if name in CONTAINER_LISTS:
        return ("map", ["name"])
    if name == "ports":
        if parent in CONTAINER_LISTS:
            return ("map", ["containerPort", "protocol"])
        if path[:1] == ("spec",) and len(path) == 2:       # Service spec.ports
            return ("map", ["port", "protocol"])
        return ("atomic", None)
    if name == "env" and parent in CONTAINER_LISTS:
        return ("map", ["name"])
    if name == "volumeMounts":
        return ("map", ["mountPath"])
    if name == "volumeDevices":
        return ("map", ["devicePath"])
    if name in ("volumes", "imagePullSecrets", "resourceClaims"):
        return ("map", ["name"])
    if name == "hostAliases":
        return ("map", ["ip"])
    if name == "topologySpreadConstraints":
        return ("map", ["topologyKey", "whenUnsatisfiable"])
    if name == "conditions":
        return ("map", ["type"])
    if name == "ownerReferences" and path[:1] == ("metadata",):
        return ("map", ["uid"])
    if name == "finalizers" and path[:1] == ("metadata",):
        return ("set", None)
    if name == "secrets" and path == ("secrets",):         # ServiceAccount.secrets
        return ("map", ["name"])
    return ("atomic", None)


# Default values for list-map key fields, as SSA applies them when an item
# omits a key (Kubernetes declares `protocol` defaulted to TCP in OpenAPI).
KEY_DEFAULTS = {"protocol": "TCP"}


def item_key(path, item, keys):
    """The identity of an associative-list item as an ordered dict of key fields."""
    out = {}
    for k in keys:
        if isinstance(item, dict) and k in item:
            out[k] = item[k]
        elif k in KEY_DEFAULTS:
            out[k] = KEY_DEFAULTS[k]
    return out


def smp_merge_key(path):
    """Strategic-merge-patch merge key of the list at ``path`` (patchMergeKey),
    "" for a merging list of scalars (patchStrategy=merge, e.g. finalizers),
    or None when the list is replaced wholesale."""
    name = path[-1] if path else None
    parent = path[-2] if len(path) > 1 else None
    if name in CONTAINER_LISTS:
        return "name"
    if name == "ports":
        if parent in CONTAINER_LISTS:
            return "containerPort"
        if path[:1] == ("spec",) and len(path) == 2:
            return "port"
        return None
    if name == "env" and parent in CONTAINER_LISTS:
        return "name"
    if name == "volumeMounts":
        return "mountPath"
    if name == "volumeDevices":
        return "devicePath"
    if name in ("volumes", "imagePullSecrets", "resourceClaims"):
        return "name"
    if name == "hostAliases":
        return "ip"
    if name == "topologySpreadConstraints":
        return "topologyKey"
    if name == "conditions":
        return "type"
    if name == "ownerReferences" and path[:1] == ("metadata",):
        return "uid"
    if name == "finalizers" and path[:1] == ("metadata",):
        return ""
    if name == "secrets" and path == ("secrets",):
        return "name"
    return None


# ---------------------------------------------------------------------- defaulting


def _default_pod_spec(spec):
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", 30)
    for lst in CONTAINER_LISTS:
        for c in spec.get(lst) or []:
            if not isinstance(c, dict):
                continue
            image = c.get("image") or ""
            if "imagePullPolicy" not in c:
                tagless = "@" not in image and ":" not in image.rsplit("/", 1)[-1]
                c["imagePullPolicy"] = "Always" if tagless or image.endswith(":latest") else "IfNotPresent"
            c.setdefault("terminationMessagePath", "/dev/termination-log")
            c.setdefault("terminationMessagePolicy", "File")
            c.setdefault("resources", {})
            for p in c.get("ports") or []:
                if isinstance(p, dict):
                    p.setdefault("protocol", "TCP")
    for v in spec.get("volumes") or []:
        if isinstance(v, dict):
            for src in ("configMap", "secret"):
                if isinstance(v.get(src), dict):
                    v[src].setdefault("defaultMode", 420)


def _default_template(spec):
    tmpl = spec.get("template")
    if isinstance(tmpl, dict):
        _default_pod_spec(tmpl.get("spec"))


class Allocator:
    """Cluster-wide allocations made by defaulting: service IPs and node ports."""

    def __init__(self):
        self.next_ip = 10
        self.next_node_port = 30000

    def cluster_ip(self):
        self.next_ip += 1
        return "10.96.%d.%d" % (self.next_ip // 250, self.next_ip % 250 + 1)

    def node_port(self):
        self.next_node_port += 1
        return self.next_node_port


def apply_defaults(rt, obj, old, alloc):
    """Mutate ``obj`` in place with Kubernetes defaults (old is the stored
    object on update, for values the apiserver carries over such as the
    allocated clusterIP)."""
    kind = rt.kind
    spec = obj.get("spec")
    if kind == "Namespace":
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif kind == "Pod":
        _default_pod_spec(spec)
        if isinstance(spec, dict):
            spec.setdefault("enableServiceLinks", True)
            spec.setdefault("serviceAccountName", "default")
    elif kind == "Deployment" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strat = spec.setdefault("strategy", {})
        strat.setdefault("type", "RollingUpdate")
        if strat["type"] == "RollingUpdate":
            ru = strat.setdefault("rollingUpdate", {})
            ru.setdefault("maxSurge", "25%")
            ru.setdefault("maxUnavailable", "25%")
        _default_template(spec)
    elif kind == "ReplicaSet" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        _default_template(spec)
    elif kind == "StatefulSet" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        us = spec.setdefault("updateStrategy", {})
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            us.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        _default_template(spec)
    elif kind == "DaemonSet" and isinstance(spec, dict):
        spec.setdefault("revisionHistoryLimit", 10)
        us = spec.setdefault("updateStrategy", {})
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            ru = us.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        _default_template(spec)
    elif kind == "Job" and isinstance(spec, dict):
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        uid = obj["metadata"].get("uid")
        if uid and not spec.get("manualSelector"):
            # The Job controller-uid labels tie pods to exactly this Job.
            lbls = {"batch.kubernetes.io/controller-uid": uid}
            spec.setdefault("selector", {"matchLabels": dict(lbls)})
            tm = spec.setdefault("template", {}).setdefault("metadata", {})
            tl = tm.setdefault("labels", {})
            tl.update({"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                       "batch.kubernetes.io/job-name": obj["metadata"]["name"],
                       "job-name": obj["metadata"]["name"]})
        _default_template(spec)
    elif kind == "CronJob" and isinstance(spec, dict):
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        jt = spec.get("jobTemplate")
        if isinstance(jt, dict) and isinstance(jt.get("spec"), dict):
            _default_template(jt["spec"])
    elif kind == "Service" and isinstance(spec, dict):
        _default_service(spec, (old or {}).get("spec") or {}, alloc)
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
        sd = obj.pop("stringData", None)
        if isinstance(sd, dict):
            data = obj.setdefault("data", {}) or {}
            obj["data"] = data
            for k, v in sd.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
    elif kind == "PersistentVolumeClaim" and isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")


def _default_service(spec, old_spec, alloc):
    typ = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if typ == "ExternalName":
        return
    spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    # kube-apiserver carries the allocated IP over when an update omits it.
    if not spec.get("clusterIP"):
        spec["clusterIP"] = old_spec.get("clusterIP") or alloc.cluster_ip()
    if not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]
    old_ports = {(p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports") or []
                 if isinstance(p, dict)}
    for p in spec.get("ports") or []:
        if not isinstance(p, dict):
            continue
        p.setdefault("protocol", "TCP")
        if "targetPort" not in p and "port" in p:
            p["targetPort"] = p["port"]
        if typ in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
            prev = old_ports.get((p.get("port"), p["protocol"]), {})
            p["nodePort"] = prev.get("nodePort") or alloc.node_port()
    if typ in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if typ == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def initial_status(rt, obj):
    """Status a freshly created object starts with (status is reset on create
    for kinds with a status subresource, like kube-apiserver's PrepareForCreate)."""
    if rt.kind == "Namespace":
        return {"phase": "Active"}
    if rt.kind == "Pod":
        return {"phase": "Pending", "qosClass": "BestEffort"}
    if rt.kind == "Service":
        return {"loadBalancer": {}}
    if rt.kind == "PersistentVolumeClaim":
        return {"phase": "Pending"}
    return {}


# ---------------------------------------------------------------------- validation

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")

DNS_LABEL_NAMED = ("Namespace", "Service")


def go_repr(v):
    """Approximate Go's %#v for the values that appear in messages."""
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
        return "map[string]string{%s}" % ", ".join('"%s":"%s"' % kv for kv in sorted(v.items()))
    if v is None:
        return "null"
    return str(v)


def validate_name(rt, name):
    if rt.kind in DNS_LABEL_NAMED:
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            return [("metadata.name", 'Invalid value: "%s": %s' % (name, LABEL_MSG), "FieldValueInvalid")]
    elif len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return [("metadata.name", 'Invalid value: "%s": %s' % (name, SUBDOMAIN_MSG), "FieldValueInvalid")]
    return []


def _validate_labels(labels, field):
    causes = []
    if labels is None:
        return causes
    if not isinstance(labels, dict):
        return [(field, "Invalid value: %s: must be a map of strings" % go_repr(labels), "FieldValueInvalid")]
    for k, v in labels.items():
        name = k.rsplit("/", 1)[-1]
        prefix = k.rsplit("/", 1)[0] if "/" in k else ""
        if len(name) > 63 or not _LABEL_NAME.match(name) or (prefix and not _DNS1123_SUBDOMAIN.match(prefix)):
            causes.append((field, 'Invalid value: "%s": name part must consist of alphanumeric characters, '
                           "'-', '_' or '.', and must start and end with an alphanumeric character" % k,
                           "FieldValueInvalid"))
        if not isinstance(v, str) or len(v) > 63 or not _LABEL_VALUE.match(v):
            causes.append(("%s" % field, "Invalid value: %s: a valid label must be an empty string or consist of "
                           "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                           "alphanumeric character" % go_repr(v), "FieldValueInvalid"))
    return causes


def _validate_pod_spec(spec, field):
    causes = []
    if not isinstance(spec, dict):
        return [(field, "Required value", "FieldValueRequired")]
    containers = spec.get("containers")
    if not containers:
        return [(field + ".containers", "Required value", "FieldValueRequired")]
    seen = set()
    for i, c in enumerate(containers):
        cf = "%s.containers[%d]" % (field, i)
        if not isinstance(c, dict):
            causes.append((cf, "Invalid value: must be an object", "FieldValueInvalid"))
            continue
        name = c.get("name")
        if not name:
            causes.append((cf + ".name", "Required value", "FieldValueRequired"))
        elif not isinstance(name, str) or not _DNS1123_LABEL.match(name):
            causes.append((cf + ".name", "Invalid value: %s: %s" % (go_repr(name), LABEL_MSG), "FieldValueInvalid"))
        elif name in seen:
            causes.append((cf + ".name", "Duplicate value: %s" % go_repr(name), "FieldValueDuplicate"))
        seen.add(name)
        if not c.get("image"):
            causes.append((cf + ".image", "Required value", "FieldValueRequired"))
        for j, p in enumerate(c.get("ports") or []):
            cp = p.get("containerPort") if isinstance(p, dict) else None
            if not isinstance(cp, int) or not 0 < cp < 65536:
                causes.append(("%s.ports[%d].containerPort" % (cf, j),
                               "Invalid value: %s: must be between 1 and 65535, inclusive" % go_repr(cp),
                               "FieldValueInvalid"))
    return causes


def _validate_workload(obj, old, kind):
    causes = []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [("spec", "Required value", "FieldValueRequired")]
    replicas = spec.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or replicas < 0):
        causes.append(("spec.replicas", "Invalid value: %s: must be greater than or equal to 0" % go_repr(replicas),
                       "FieldValueInvalid"))
    sel = spec.get("selector")
    tmpl = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    tlabels = (tmpl.get("metadata") or {}).get("labels") or {}
    if kind != "Job":
        if not sel:
            causes.append(("spec.selector", "Required value", "FieldValueRequired"))
        elif not (sel.get("matchLabels") or sel.get("matchExpressions")):
            causes.append(("spec.selector", "Invalid value: \"null\": empty selector is invalid for deployment",
                           "FieldValueInvalid"))
    if sel and not selector_object_matches(sel, tlabels):
        causes.append(("spec.template.metadata.labels", "Invalid value: %s: `selector` does not match template "
                       "`labels`" % go_repr(tlabels), "FieldValueInvalid"))
    causes += _validate_labels(tlabels, "spec.template.metadata.labels")
    causes += _validate_pod_spec(tmpl.get("spec"), "spec.template.spec")
    pspec = tmpl.get("spec") if isinstance(tmpl.get("spec"), dict) else {}
    if kind == "Job":
        rp = pspec.get("restartPolicy")
        if rp not in ("Never", "OnFailure"):
            causes.append(("spec.template.spec.restartPolicy", 'Unsupported value: "%s": supported values: '
                           '"OnFailure", "Never"' % (rp or ""), "FieldValueNotSupported"))
    elif kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        rp = pspec.get("restartPolicy", "Always")
        if rp != "Always":
            causes.append(("spec.template.spec.restartPolicy", 'Unsupported value: "%s": supported values: '
                           '"Always"' % rp, "FieldValueNotSupported"))
    if old is not None:
        ospec = old.get("spec") or {}
        if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job") and \
                ospec.get("selector") != spec.get("selector"):
            causes.append(("spec.selector", "Invalid value: %s: field is immutable" % go_repr(spec.get("selector")),
                           "FieldValueInvalid"))
        if kind == "Job" and _strip_job_mutable(ospec.get("template")) != _strip_job_mutable(spec.get("template")):
            causes.append(("spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable",
                           "FieldValueInvalid"))
    return causes


def _strip_job_mutable(t):
    # Labels/annotations of a Job's template may change (scheduling directives
    # too, for suspended jobs); everything else is immutable.
    t = copy.deepcopy(t) or {}
    md = t.get("metadata") or {}
    md.pop("labels", None)
    md.pop("annotations", None)
    return t


def validate(rt, obj, old=None):
    """Raise ApiError(422) with all causes found, like kube-apiserver does."""
    md = obj.get("metadata") or {}
    name = md.get("name") or ""
    causes = []
    if not name:
        causes.append(("metadata.name", "Required value: name or generateName is required", "FieldValueRequired"))
    else:
        causes += validate_name(rt, name)
    causes += _validate_labels(md.get("labels"), "metadata.labels")
    ann = md.get("annotations")
    if ann is not None and (not isinstance(ann, dict) or not all(isinstance(v, str) for v in ann.values())):
        causes.append(("metadata.annotations", "Invalid value: annotations must be a map of strings",
                       "FieldValueInvalid"))
    kind = rt.kind
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        causes += _validate_workload(obj, old, kind)
    elif kind == "Pod":
        causes += _validate_pod_spec(obj.get("spec"), "spec")
    elif kind == "Service":
        causes += _validate_service(obj, old)
    elif kind in ("ConfigMap", "Secret"):
        causes += _validate_config(obj, old, kind)
    if causes:
        raise invalid(rt, name, causes)


def _validate_service(obj, old):
    causes = []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [("spec", "Required value", "FieldValueRequired")]
    typ = spec.get("type", "ClusterIP")
    if typ not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(("spec.type", 'Unsupported value: "%s": supported values: "ClusterIP", "ExternalName", '
                       '"LoadBalancer", "NodePort"' % typ, "FieldValueNotSupported"))
    if typ == "ExternalName":
        if not spec.get("externalName"):
            causes.append(("spec.externalName", "Required value", "FieldValueRequired"))
        return causes
    ports = spec.get("ports")
    if not ports and spec.get("clusterIP") != "None":
        causes.append(("spec.ports", "Required value", "FieldValueRequired"))
    for i, p in enumerate(ports or []):
        port = p.get("port") if isinstance(p, dict) else None
        if not isinstance(port, int) or not 0 < port < 65536:
            causes.append(("spec.ports[%d].port" % i, "Invalid value: %s: must be between 1 and 65535, inclusive"
                           % go_repr(port), "FieldValueInvalid"))
        if len(ports) > 1 and isinstance(p, dict) and not p.get("name"):
            causes.append(("spec.ports[%d].name" % i, "Required value", "FieldValueRequired"))
    if old is not None:
        ocip = (old.get("spec") or {}).get("clusterIP")
        if ocip and spec.get("clusterIP") and spec.get("clusterIP") != ocip:
            causes.append(("spec.clusterIPs[0]", "Invalid value: []string{%s}: may not change once set"
                           % go_repr(spec.get("clusterIP")), "FieldValueInvalid"))
    return causes


def _validate_config(obj, old, kind):
    causes = []
    for field in ("data", "binaryData"):
        d = obj.get(field)
        if d is None:
            continue
        if not isinstance(d, dict):
            causes.append((field, "Invalid value: must be a map", "FieldValueInvalid"))
            continue
        for k, v in d.items():
            if not _CONFIG_KEY.match(k):
                causes.append(("%s[%s]" % (field, k), 'Invalid value: "%s": a valid config key must consist of '
                               "alphanumeric characters, '-', '_' or '.'" % k, "FieldValueInvalid"))
            if not isinstance(v, str):
                causes.append(("%s[%s]" % (field, k), "Invalid value: %s: must be a string" % go_repr(v),
                               "FieldValueInvalid"))
            elif kind == "Secret" or field == "binaryData":
                try:
                    base64.b64decode(v, validate=True)
                except (binascii.Error, ValueError):
                    causes.append(("%s[%s]" % (field, k), "Invalid value: illegal base64 data", "FieldValueInvalid"))
    if old is not None and old.get("immutable"):
        for field in ("data", "binaryData", "stringData"):
            if old.get(field) != obj.get(field):
                causes.append((field, "Forbidden: field is immutable when `immutable` is set", "FieldValueForbidden"))
        if obj.get("immutable") is not True:
            causes.append(("immutable", "Forbidden: field is immutable when `immutable` is set",
                           "FieldValueForbidden"))
    return causes


# Top-level fields each kind accepts, used for fieldValidation=Strict checks
# (only the first level is checked; deeper unknown fields are kept as-is).
TOP_LEVEL = {
    "ConfigMap": {"data", "binaryData", "immutable"},
    "Secret": {"data", "stringData", "type", "immutable"},
    "ServiceAccount": {"secrets", "imagePullSecrets", "automountServiceAccountToken"},
    "Endpoints": {"subsets"},
    "Event": {"involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type",
              "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"},
    "Role": {"rules"}, "ClusterRole": {"rules", "aggregationRule"},
    "RoleBinding": {"subjects", "roleRef"}, "ClusterRoleBinding": {"subjects", "roleRef"},
}
METADATA_FIELDS = {"name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                   "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
                   "ownerReferences", "finalizers", "managedFields"}


def unknown_fields(rt, obj):
    allowed = {"apiVersion", "kind", "metadata"} | TOP_LEVEL.get(rt.kind, {"spec", "status"})
    out = ['unknown field "%s"' % k for k in obj if k not in allowed]
    md = obj.get("metadata")
    if isinstance(md, dict):
        out += ['unknown field "metadata.%s"' % k for k in md if k not in METADATA_FIELDS]
    return out
