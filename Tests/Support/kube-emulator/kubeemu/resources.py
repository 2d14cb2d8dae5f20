"""The resource registry and everything derived from it: discovery documents
(legacy and aggregated) and the small OpenAPI v3 documents kubectl consults.

Adding a resource here is enough for generic CRUD/watch/apply to work on it;
per-kind behaviour (defaults, validation, controllers, table columns) lives in
schema.py, controllers.py and tables.py.
"""

import hashlib
import json

STANDARD_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
SUBRESOURCE_VERBS = ["get", "patch", "update"]


class ResourceType:
    def __init__(self, group, version, kind, plural, namespaced=True, short_names=(), categories=(),
                 status=False, scale=False, verbs=None, generation=False, extra_sub=None, singular=None):
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular or kind.lower()
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.categories = list(categories)
        # Resources with a status subresource ignore status on main-resource
        # writes and ignore everything but status on /status writes.
        self.has_status = status
        self.has_scale = scale
        self.verbs = verbs or STANDARD_VERBS
        # metadata.generation is maintained (and bumped on spec change) only
        # for kinds whose registry strategy does so in kube-apiserver.
        self.tracks_generation = generation
        # Extra subresources: name -> (group, version, kind, verbs)
        self.extra_sub = extra_sub or {}

    @property
    def api_version(self):
        return self.version if not self.group else "%s/%s" % (self.group, self.version)

    @property
    def list_kind(self):
        return self.kind + "List"

    @property
    def key(self):
        return (self.group, self.plural)

    def subresources(self):
        subs = {}
        if self.has_status:
            subs["status"] = (self.group, self.version, self.kind, SUBRESOURCE_VERBS)
        if self.has_scale:
            subs["scale"] = ("autoscaling", "v1", "Scale", SUBRESOURCE_VERBS)
        subs.update(self.extra_sub)
        return subs

    def __repr__(self):
        return "<ResourceType %s %s>" % (self.api_version, self.plural)


_ALL = ["all"]

RESOURCES = [
    # core/v1
    ResourceType("", "v1", "Namespace", "namespaces", namespaced=False, short_names=["ns"], status=True,
                 verbs=["create", "delete", "get", "list", "patch", "update", "watch"],
                 extra_sub={"finalize": ("", "v1", "Namespace", ["update"])}),
    ResourceType("", "v1", "Node", "nodes", namespaced=False, short_names=["no"], status=True),
    ResourceType("", "v1", "ConfigMap", "configmaps", short_names=["cm"]),
    ResourceType("", "v1", "Secret", "secrets"),
    ResourceType("", "v1", "Service", "services", short_names=["svc"], categories=_ALL, status=True),
    ResourceType("", "v1", "Endpoints", "endpoints", short_names=["ep"], singular="endpoints"),
    ResourceType("", "v1", "Pod", "pods", short_names=["po"], categories=_ALL, status=True,
                 extra_sub={"log": ("", "v1", "Pod", ["get"])}),
    ResourceType("", "v1", "ServiceAccount", "serviceaccounts", short_names=["sa"]),
    ResourceType("", "v1", "Event", "events", short_names=["ev"]),
    ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short_names=["pvc"], status=True),
    # apps/v1
    ResourceType("apps", "v1", "Deployment", "deployments", short_names=["deploy"], categories=_ALL,
                 status=True, scale=True, generation=True),
    ResourceType("apps", "v1", "ReplicaSet", "replicasets", short_names=["rs"], categories=_ALL,
                 status=True, scale=True, generation=True),
    ResourceType("apps", "v1", "StatefulSet", "statefulsets", short_names=["sts"], categories=_ALL,
                 status=True, scale=True, generation=True),
    ResourceType("apps", "v1", "DaemonSet", "daemonsets", short_names=["ds"], categories=_ALL,
                 status=True, generation=True),
    # batch/v1
    ResourceType("batch", "v1", "Job", "jobs", categories=_ALL, status=True, generation=True),
    ResourceType("batch", "v1", "CronJob", "cronjobs", short_names=["cj"], categories=_ALL, status=True,
                 generation=True),
    # networking.k8s.io/v1
    ResourceType("networking.k8s.io", "v1", "Ingress", "ingresses", short_names=["ing"], status=True,
                 generation=True),
    ResourceType("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", short_names=["netpol"],
                 generation=True),
    ResourceType("networking.k8s.io", "v1", "IngressClass", "ingressclasses", namespaced=False),
    # policy/v1, autoscaling/v2
    ResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", short_names=["pdb"],
                 status=True, generation=True),
    ResourceType("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
                 short_names=["hpa"], categories=_ALL, status=True),
    # rbac.authorization.k8s.io/v1
    ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
                 namespaced=False),
    # authorization.k8s.io/v1: a virtual, create-only resource answered from --deny rules.
    ResourceType("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                 namespaced=False, verbs=["create"]),
]

# Group order as kube-apiserver lists them (core first, then by priority).
GROUP_ORDER = ["apps", "authorization.k8s.io", "autoscaling", "batch", "networking.k8s.io", "policy",
               "rbac.authorization.k8s.io"]


class Registry:
    def __init__(self, resources=RESOURCES):
        self.resources = list(resources)
        self.by_path = {}    # (group, version, plural) -> ResourceType
        self.by_kind = {}    # (group, kind) -> ResourceType
        for rt in self.resources:
            self.by_path[(rt.group, rt.version, rt.plural)] = rt
            self.by_kind[(rt.group, rt.kind)] = rt

    def lookup(self, group, version, plural):
        return self.by_path.get((group, version, plural))

    def for_kind(self, group, kind):
        return self.by_kind.get((group, kind))

    def group_versions(self):
        """[(group, [versions])] for non-core groups in discovery order."""
        seen = {}
        for rt in self.resources:
            if rt.group:
                seen.setdefault(rt.group, [])
                if rt.version not in seen[rt.group]:
                    seen[rt.group].append(rt.version)
        order = [g for g in GROUP_ORDER if g in seen] + sorted(g for g in seen if g not in GROUP_ORDER)
        return [(g, seen[g]) for g in order]

    def in_group_version(self, group, version):
        return [rt for rt in self.resources if rt.group == group and rt.version == version]

    # ------------------------------------------------------------------ legacy discovery

    def api_versions(self, server_address):
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}

    def api_group(self, group):
        versions = dict(self.group_versions()).get(group)
        if versions is None:
            return None
        gvs = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs,
                "preferredVersion": gvs[0]}

    def api_group_list(self):
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self.api_group(g) for g, _ in self.group_versions()]}

    def api_resource_list(self, group, version):
        rts = self.in_group_version(group, version)
        if not rts:
            return None
        out = []
        for rt in rts:
            entry = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                     "kind": rt.kind, "verbs": rt.verbs,
                     "storageVersionHash": _short_hash(rt.api_version + rt.kind)}
            if rt.short_names:
                entry["shortNames"] = rt.short_names
            if rt.categories:
                entry["categories"] = rt.categories
            out.append(entry)
            for sub, (g, v, k, verbs) in rt.subresources().items():
                s = {"name": "%s/%s" % (rt.plural, sub), "singularName": "", "namespaced": rt.namespaced,
                     "kind": k, "verbs": verbs}
                if (g, v) != (rt.group, rt.version):
                    s["group"], s["version"] = g, v
                out.append(s)
        gv = version if not group else "%s/%s" % (group, version)
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}

    # ------------------------------------------------------------------ aggregated discovery

    def _discovery_group(self, group, versions):
        vlist = []
        for v in versions:
            resources = []
            for rt in self.in_group_version(group, v):
                r = {"resource": rt.plural,
                     "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
                     "scope": "Namespaced" if rt.namespaced else "Cluster",
                     "singularResource": rt.singular,
                     "verbs": rt.verbs}
                if rt.short_names:
                    r["shortNames"] = rt.short_names
                if rt.categories:
                    r["categories"] = rt.categories
                subs = []
                for sub, (g, sv, k, verbs) in rt.subresources().items():
                    subs.append({"subresource": sub, "responseKind": {"group": g, "version": sv, "kind": k},
                                 "verbs": verbs})
                if subs:
                    r["subresources"] = subs
                resources.append(r)
            vlist.append({"version": v, "resources": resources, "freshness": "Current"})
        return {"metadata": {"name": group, "creationTimestamp": None}, "versions": vlist}

    def aggregated(self, core, api_version):
        """apidiscovery.k8s.io APIGroupDiscoveryList for /api (core=True) or /apis."""
        if core:
            items = [self._discovery_group("", ["v1"])]
        else:
            items = [self._discovery_group(g, vs) for g, vs in self.group_versions()]
        return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}

    # ------------------------------------------------------------------ OpenAPI v3

    def openapi_v3_index(self):
        paths = {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=" + self._gv_hash("", "v1")}}
        for g, vs in self.group_versions():
            for v in vs:
                paths["apis/%s/%s" % (g, v)] = {
                    "serverRelativeURL": "/openapi/v3/apis/%s/%s?hash=%s" % (g, v, self._gv_hash(g, v))}
        return {"paths": paths}

    def _gv_hash(self, group, version):
        return _short_hash(json.dumps(self.openapi_v3_gv(group, version), sort_keys=True), 64).upper()

    def openapi_v3_gv(self, group, version):
        """A deliberately minimal OpenAPI v3 document for one group/version.

        kubectl reads it for one purpose that matters here: to learn that the
        PATCH operation of a kind accepts the ``fieldValidation`` query
        parameter (then it validates server-side instead of downloading the
        full schema for client-side validation).  No request body schemas are
        published, so `kubectl apply` (client-side) falls back to its compiled
        in types to compute strategic merge patches.  `kubectl explain` is
        therefore not supported.
        """
        rts = self.in_group_version(group, version)
        if not rts:
            return None
        prefix = "/api/v1" if not group else "/apis/%s/%s" % (group, version)
        params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
                  for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
        paths = {}
        for rt in rts:
            gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
            item = "%s/%s%s/{name}" % (prefix, "namespaces/{namespace}/" if rt.namespaced else "", rt.plural)
            ops = {"get": {"operationId": "read" + rt.kind, "x-kubernetes-action": "get",
                           "x-kubernetes-group-version-kind": gvk,
                           "responses": {"200": {"description": "OK"}}}}
            if "patch" in rt.verbs:
                ops["patch"] = {"operationId": "patch" + rt.kind, "x-kubernetes-action": "patch",
                                "x-kubernetes-group-version-kind": gvk, "parameters": params,
                                "responses": {"200": {"description": "OK"}}}
            paths[item] = ops
        if not group and version == "v1":
            # kubectl validates a `kind: List` document as a whole before
            # flattening it; declaring server-side field validation support
            # for v1/List makes it validate the items server-side instead of
            # needing /openapi/v2 for client-side validation.
            gvk = {"group": "", "version": "v1", "kind": "List"}
            paths["/api/v1/lists/{name}"] = {"patch": {"operationId": "patchList", "x-kubernetes-action": "patch",
                                                       "x-kubernetes-group-version-kind": gvk,
                                                       "parameters": params,
                                                       "responses": {"200": {"description": "OK"}}}}
        return {"openapi": "3.0.0",
                "info": {"title": "Kubernetes (ogf emulator)", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": {}}}


def _short_hash(s, n=11):
    return hashlib.sha256(s.encode()).hexdigest()[:n]
