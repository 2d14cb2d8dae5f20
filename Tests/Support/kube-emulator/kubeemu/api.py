"""The API verbs, independent of HTTP: create, get, list, update (PUT),
patch (merge / JSON / strategic / apply), delete and the scale subresource.

Both the HTTP layer and the controllers go through these methods, so every
write - including the controllers' status updates - gets the same
resourceVersion, generation, managedFields and watch-event treatment.

A write pipeline mirrors kube-apiserver's registry strategy:
  preconditions -> carry identity metadata over -> status/spec separation ->
  defaulting -> validation -> generation bump -> managedFields -> no-op
  detection -> (dryRun ? return : store)
"""

import base64
import copy
import datetime
import json
import os
import random
import string
import uuid

from . import errors, patch as patchmod, ssa, yamlite
from .errors import ApiError, bad_request, not_found
from .schema import Allocator, apply_defaults, initial_status, unknown_fields, validate
from .selectors import (fields_match, labels_match, parse_field_selector, parse_label_selector,
                        selector_object_to_string)

KUBECTL_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(n=5):
    # The alphabet Kubernetes uses for generated names (no vowels, no 0/1/3).
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


class Ctx:
    """Per-request context: query parameters, caller, and response warnings."""

    def __init__(self, params=None, user_agent="", system=False):
        self.params = params or {}
        self.user_agent = user_agent or ""
        self.system = system
        self.warnings = []

    def param(self, name, default=None):
        v = self.params.get(name)
        if isinstance(v, list):
            return v[-1] if v else default
        return v if v is not None else default

    @property
    def dry_run(self):
        v = self.params.get("dryRun")
        vals = v if isinstance(v, list) else ([v] if v else [])
        for x in vals:
            if x != "All":
                raise bad_request('dryRun: Unsupported value: "%s": supported values: "All"' % x)
        return bool(vals)

    def manager(self, required=False):
        m = self.param("fieldManager")
        if m:
            if len(m) > 128:
                raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: '
                               'may not be longer than 128')
            return m
        if required:
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                           'is required for apply patch',
                           {"group": "meta.k8s.io", "kind": "PatchOptions",
                            "causes": [{"reason": "FieldValueRequired", "message": "Required value: is required "
                                        "for apply patch", "field": "fieldManager"}]})
        # kube-apiserver falls back to the user agent up to the first "/".
        return (self.user_agent.split("/", 1)[0] or "unknown")[:128]


def system_ctx(manager):
    return Ctx({"fieldManager": manager}, manager, system=True)


def parse_json_body(body):
    try:
        return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request("couldn't get version/kind; json parse error: %s" % e)


def parse_object_body(body, content_type=""):
    """Bodies of POST/PUT (and apply patches): JSON, or YAML where allowed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        return json.loads(text)
    except ValueError as e:
        json_err = e
    if "yaml" in content_type:
        try:
            return yamlite.loads(text)
        except yamlite.YAMLError as e:
            raise bad_request("error decoding YAML: %s (the emulator reads JSON and a block/flow YAML subset)" % e)
    raise bad_request("couldn't get version/kind; json parse error: %s" % json_err)


def _spec_part(obj):
    """What a generation bump looks at: everything but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Api:
    def __init__(self, registry, store, user="emulator"):
        self.registry = registry
        self.store = store
        self.alloc = Allocator()
        self.user = user
        self.deny_rules = []

    # ------------------------------------------------------------------ authorization

    def set_deny(self, rules):
        """rules: ["verb:resource[:namespace]", ...]; resource as plural,
        plural.group, plural/subresource or "*"."""
        parsed = []
        for r in rules:
            parts = r.strip().split(":")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise ValueError("deny rule must be verb:resource[:namespace], got %r" % r)
            parsed.append((parts[0], parts[1], parts[2] if len(parts) > 2 and parts[2] else None))
        self.deny_rules = parsed

    def is_denied(self, verb, group, plural, subresource, namespace):
        res = plural + ("/" + subresource if subresource else "")
        names = {res, "%s.%s" % (plural, group) + ("/" + subresource if subresource else "") if group else res}
        for v, r, ns in self.deny_rules:
            if v not in ("*", verb):
                continue
            if r != "*" and r not in names:
                continue
            if ns is not None and ns != (namespace or ""):
                continue
            return "%s:%s%s" % (v, r, ":" + ns if ns else "")
        return None

    def self_subject_access_review(self, ctx, body):
        spec = (body or {}).get("spec") or {}
        ra = spec.get("resourceAttributes")
        allowed, reason = True, ""
        if ra:
            rule = self.is_denied(ra.get("verb", ""), ra.get("group", ""), ra.get("resource", ""),
                                  ra.get("subresource", ""), ra.get("namespace", ""))
            if rule:
                allowed, reason = False, "denied by emulator rule %s" % rule
        status = {"allowed": allowed}
        if reason:
            status["reason"] = reason
        return 201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                     "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}

    # ------------------------------------------------------------------ helpers

    def _check_type(self, rt, obj, allow_missing=False):
        if not isinstance(obj, dict):
            raise bad_request("the body of the request must be an object")
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if not kind or not av:
            if allow_missing:
                obj.setdefault("apiVersion", rt.api_version)
                obj.setdefault("kind", rt.kind)
                return
            raise bad_request("Object 'Kind' is missing in '%s'" % json.dumps(obj)[:200] if not kind else
                              "Object 'apiVersion' is missing in '%s'" % json.dumps(obj)[:200])
        if av != rt.api_version:
            raise bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                              % (av, rt.api_version))
        if kind != rt.kind:
            raise bad_request("the kind in the data (%s) does not match the expected kind (%s)" % (kind, rt.kind))
        md = obj.get("metadata")
        if md is not None and not isinstance(md, dict):
            raise bad_request("metadata must be an object")

    def _check_strict(self, ctx, rt, obj):
        mode = ctx.param("fieldValidation", "")
        if mode not in ("", "Ignore", "Warn", "Strict"):
            raise bad_request('fieldValidation: Unsupported value: "%s": supported values: "Ignore", "Strict", '
                              '"Warn"' % mode)
        unknown = unknown_fields(rt, obj)
        if not unknown:
            return
        if mode == "Strict":
            raise bad_request("strict decoding error: " + ", ".join(unknown))
        if mode == "Warn":
            ctx.warnings.extend(unknown)

    def namespace_exists(self, ns):
        return self.store.get(("", "namespaces"), "", ns) is not None

    def _require_namespace(self, ns):
        nso = self.store.get(("", "namespaces"), "", ns)
        if nso is None:
            raise errors.namespace_not_found(ns)
        if nso["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden", "unable to create new content in namespace %s because it is being "
                           "terminated" % ns, {"name": ns, "kind": "namespaces"})

    def _ns(self, rt, ns):
        return ns if rt.namespaced else ""

    # ------------------------------------------------------------------ reads

    def get(self, ctx, rt, ns, name):
        obj = self.store.get(rt.key, self._ns(rt, ns), name)
        if obj is None:
            raise not_found(rt, name)
        return 200, obj

    def list(self, ctx, rt, ns):
        reqs = parse_label_selector(ctx.param("labelSelector"))
        terms = parse_field_selector(ctx.param("fieldSelector"))
        items, rv = self.store.list(rt.key, ns if (rt.namespaced and ns) else None)
        items = [o for o in items if labels_match(reqs, o["metadata"].get("labels"))
                 and fields_match(terms, o)]
        md = {"resourceVersion": str(rv)}
        cont = ctx.param("continue")
        if cont:
            try:
                tok = json.loads(base64.urlsafe_b64decode(cont.encode()).decode())
                start = tuple(tok["start"])
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid: incorrect encoded start resourceVersion")
            items = [o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > start]
        limit = ctx.param("limit")
        if limit:
            try:
                limit = int(limit)
            except ValueError:
                raise bad_request("limit must be an integer")
            if 0 < limit < len(items):
                last = items[limit - 1]["metadata"]
                md["continue"] = base64.urlsafe_b64encode(json.dumps(
                    {"rv": rv, "start": [last.get("namespace", ""), last["name"]]}).encode()).decode()
                md["remainingItemCount"] = len(items) - limit
                items = items[:limit]
        return 200, {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": md, "items": items}

    # ------------------------------------------------------------------ create

    def create(self, ctx, rt, ns, obj):
        if rt.kind == "SelfSubjectAccessReview":
            return self.self_subject_access_review(ctx, obj)
        self._check_type(rt, obj)
        dry = ctx.dry_run
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        if rt.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + random_suffix()
        self._check_strict(ctx, rt, obj)
        with self.store.lock:
            if rt.namespaced:
                self._require_namespace(ns)
            if md.get("name") and self.store.get(rt.key, self._ns(rt, ns), md["name"]) is not None:
                raise errors.already_exists(rt, md["name"])
            new = self._init_new(rt, obj)
            ssa.record_update(None, new, rt, ctx.manager())
            if dry:
                return 201, new
            return 201, self.store.put(rt.key, new)

    def _init_new(self, rt, obj):
        """Identity metadata, initial status, defaults and validation of a new object."""
        obj = ssa.drop_nulls(obj)
        md = obj["metadata"]
        for k in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                  "managedFields"):
            md.pop(k, None)
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now_rfc3339()
        if rt.tracks_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if rt.has_status:
            obj["status"] = initial_status(rt, obj)
        apply_defaults(rt, obj, None, self.alloc)
        validate(rt, obj)
        return obj

    # ------------------------------------------------------------------ update / patch

    def _prepare_update(self, rt, old, new, subresource=""):
        """Turn a requested object into the object to store (see module doc)."""
        # Typed decoding in kube-apiserver turns JSON nulls into zero values,
        # which are then omitted; dropping them keeps e.g. template hashes of
        # `creationTimestamp: null` templates stable.
        new = ssa.drop_nulls(new)
        if not isinstance(new.get("metadata"), dict):
            new["metadata"] = {}
        md, omd = new["metadata"], old["metadata"]
        for k in ("uid", "creationTimestamp", "name", "namespace", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation"):
            if k in omd:
                md[k] = copy.deepcopy(omd[k])
            else:
                md.pop(k, None)
        md.pop("resourceVersion", None)
        md.pop("selfLink", None)
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        if subresource == "status":
            # status writes change status only (ResetObjectMetaForStatus)
            out = copy.deepcopy(old)
            out["metadata"].pop("resourceVersion", None)
            if "status" in new:
                out["status"] = new["status"]
            else:
                out.pop("status", None)
            if "managedFields" in md:
                out["metadata"]["managedFields"] = md["managedFields"]
            return out
        if rt.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        apply_defaults(rt, new, old, self.alloc)
        validate(rt, new, old)
        if rt.tracks_generation and _spec_part(new) != _spec_part(old):
            md["generation"] = omd.get("generation", 1) + 1
        return new

    def _commit(self, ctx, rt, old, new):
        md = new["metadata"]
        if md.get("deletionTimestamp") and not md.get("finalizers"):
            # The last finalizer was removed from an object being deleted.
            if ctx.dry_run:
                return 200, new
            gone = self.store.remove(rt.key, md.get("namespace", ""), md["name"])
            self._collect_dependents(gone, "Background")
            return 200, gone
        comparable_old = copy.deepcopy(old)
        comparable_old["metadata"].pop("resourceVersion", None)
        if comparable_old == new:
            return 200, old          # no-op writes do not bump resourceVersion
        if ctx.dry_run:
            md["resourceVersion"] = old["metadata"].get("resourceVersion")
            return 200, new
        return 200, self.store.put(rt.key, new)

    def _check_identity(self, rt, ns, name, obj):
        md = obj.get("metadata") or {}
        if md.get("name") and md["name"] != name:
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (md["name"], name))
        if rt.namespaced and md.get("namespace") and md["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                              "request")

    def _precondition(self, rt, old, requested_rv):
        if requested_rv and requested_rv != old["metadata"].get("resourceVersion"):
            raise errors.conflict(rt, old["metadata"]["name"])

    def update(self, ctx, rt, ns, name, obj, subresource=""):
        if subresource == "scale":
            return self.update_scale(ctx, rt, ns, name, obj)
        self._check_type(rt, obj)
        self._check_identity(rt, ns, name, obj)
        self._check_strict(ctx, rt, obj)
        with self.store.lock:
            old = self.store.get(rt.key, self._ns(rt, ns), name)
            if old is None:
                raise not_found(rt, name)
            self._precondition(rt, old, (obj.get("metadata") or {}).get("resourceVersion"))
            new = self._prepare_update(rt, old, obj, subresource)
            ssa.record_update(old, new, rt, ctx.manager(), subresource)
            return self._commit(ctx, rt, old, new)

    def patch(self, ctx, rt, ns, name, content_type, body, subresource=""):
        ptype = (content_type or "").split(";")[0].strip().lower()
        if ptype == "application/apply-patch+yaml":
            return self.apply(ctx, rt, ns, name, body, subresource)
        if ptype not in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                         "application/json-patch+json"):
            raise errors.unsupported_media_type(ptype)
        if ctx.param("force") is not None:
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be '
                           'specified for non-apply patch')
        doc = parse_json_body(body)
        with self.store.lock:
            old = self.store.get(rt.key, self._ns(rt, ns), name)
            if old is None:
                raise not_found(rt, name)
            if subresource == "scale":
                patched = self._patch_doc(ptype, self._scale_of(rt, old), doc)
                return self.update_scale(ctx, rt, ns, name, patched, _locked_old=old)
            patched = self._patch_doc(ptype, old, doc)
            if not isinstance(patched, dict):
                raise bad_request("patch did not produce an object")
            self._precondition(rt, old, (patched.get("metadata") or {}).get("resourceVersion"))
            new = self._prepare_update(rt, old, patched, subresource)
            ssa.record_update(old, new, rt, ctx.manager(), subresource)
            return self._commit(ctx, rt, old, new)

    @staticmethod
    def _patch_doc(ptype, doc, patch):
        if ptype == "application/merge-patch+json":
            if not isinstance(patch, dict):
                raise bad_request("merge patch must be a JSON object")
            return patchmod.merge_patch(doc, patch)
        if ptype == "application/strategic-merge-patch+json":
            if not isinstance(patch, dict):
                raise bad_request("strategic merge patch must be a JSON object")
            return patchmod.strategic_merge_patch(doc, patch)
        return patchmod.json_patch(doc, patch)

    # ------------------------------------------------------------------ server-side apply

    def apply(self, ctx, rt, ns, name, body, subresource=""):
        manager = ctx.manager(required=True)
        force_s = ctx.param("force", "false")
        if force_s not in ("true", "false", "1", "0", "True", "False"):
            raise bad_request('invalid boolean value for "force": %s' % force_s)
        force = force_s in ("true", "1", "True")
        applied = parse_object_body(body, "yaml")
        if not isinstance(applied, dict):
            raise bad_request("error decoding apply patch: the body must be a single object")
        self._check_type(rt, applied)
        self._check_identity(rt, ns, name, applied)
        self._check_strict(ctx, rt, applied)
        with self.store.lock:
            old = self.store.get(rt.key, self._ns(rt, ns), name)
            if old is None:
                if subresource:
                    raise not_found(rt, name)
                if rt.namespaced:
                    self._require_namespace(ns)
                merged = ssa.apply(None, applied, rt, manager, force)
                merged.setdefault("metadata", {})
                merged["metadata"]["name"] = name
                if rt.namespaced:
                    merged["metadata"]["namespace"] = ns
                managed = merged["metadata"].get("managedFields")
                new = self._init_new(rt, merged)
                if managed:
                    new["metadata"]["managedFields"] = managed
                if ctx.dry_run:
                    return 201, new
                return 201, self.store.put(rt.key, new)
            self._precondition(rt, old, (applied.get("metadata") or {}).get("resourceVersion"))
            merged = ssa.apply(old, applied, rt, manager, force, subresource)
            new = self._prepare_update(rt, old, merged, subresource)
            return self._commit(ctx, rt, old, new)

    # ------------------------------------------------------------------ scale subresource

    def _scale_of(self, rt, obj):
        md = obj["metadata"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": md["name"], "namespace": md.get("namespace"), "uid": md.get("uid"),
                             "resourceVersion": md.get("resourceVersion"),
                             "creationTimestamp": md.get("creationTimestamp")},
                "spec": {"replicas": spec.get("replicas", 0)},
                "status": {"replicas": status.get("replicas", 0),
                           "selector": selector_object_to_string(spec.get("selector"))}}

    def get_scale(self, ctx, rt, ns, name):
        _, obj = self.get(ctx, rt, ns, name)
        return 200, self._scale_of(rt, obj)

    def update_scale(self, ctx, rt, ns, name, scale, _locked_old=None):
        if not isinstance(scale, dict) or not isinstance(scale.get("spec"), dict):
            raise bad_request("the body must be an autoscaling/v1 Scale")
        replicas = scale["spec"].get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError(422, "Invalid", 'Scale.autoscaling "%s" is invalid: spec.replicas: Invalid value: %s: '
                           'must be greater than or equal to 0' % (name, replicas))
        with self.store.lock:
            old = _locked_old or self.store.get(rt.key, self._ns(rt, ns), name)
            if old is None:
                raise not_found(rt, name)
            self._precondition(rt, old, (scale.get("metadata") or {}).get("resourceVersion"))
            want = copy.deepcopy(old)
            want.setdefault("spec", {})["replicas"] = replicas
            new = self._prepare_update(rt, old, want)
            ssa.record_update(old, new, rt, ctx.manager(), "scale")
            code, stored = self._commit(ctx, rt, old, new)
            return code, self._scale_of(rt, stored)

    # ------------------------------------------------------------------ delete

    def delete(self, ctx, rt, ns, name, options=None):
        options = options or {}
        policy = options.get("propagationPolicy") or ctx.param("propagationPolicy")
        if options.get("orphanDependents") is True or ctx.param("orphanDependents") == "true":
            policy = "Orphan"
        policy = policy or "Background"
        if policy not in ("Background", "Foreground", "Orphan"):
            raise ApiError(422, "Invalid", 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: '
                           'Unsupported value: "%s": supported values: "Foreground", "Background", "Orphan", "nil"'
                           % policy)
        dry = ctx.dry_run or "All" in (options.get("dryRun") or [])
        with self.store.lock:
            old = self.store.get(rt.key, self._ns(rt, ns), name)
            if old is None:
                raise not_found(rt, name)
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise errors.conflict(rt, name, "Precondition failed: UID in precondition: %s, UID in object meta: "
                                      "%s" % (pre["uid"], old["metadata"].get("uid")))
            if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"].get("resourceVersion"):
                raise errors.conflict(rt, name, "Precondition failed: ResourceVersion in precondition: %s, "
                                      "ResourceVersion in object meta: %s"
                                      % (pre["resourceVersion"], old["metadata"].get("resourceVersion")))
            if dry:
                return 200, old
            if rt.kind == "Namespace" or old["metadata"].get("finalizers"):
                # Graceful: mark for deletion; the namespace controller (or
                # whoever owns the finalizers) completes it.
                if old["metadata"].get("deletionTimestamp"):
                    return 200, old
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                if rt.kind == "Namespace":
                    new.setdefault("status", {})["phase"] = "Terminating"
                if rt.tracks_generation:
                    new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
                stored = self.store.put(rt.key, new)
                if policy == "Orphan":
                    self._collect_dependents(stored, "Orphan")
                return 200, stored
            if policy == "Foreground":
                self._collect_dependents(old, "Foreground")
            gone = self.store.remove(rt.key, self._ns(rt, ns), name)
            if policy != "Foreground":
                self._collect_dependents(gone, policy)
            return 200, gone

    def delete_collection(self, ctx, rt, ns, options=None):
        _, lst = self.list(ctx, rt, ns)
        deleted = []
        for o in lst["items"]:
            try:
                _, d = self.delete(ctx, rt, o["metadata"].get("namespace", ""), o["metadata"]["name"], options)
                deleted.append(d)
            except ApiError as e:
                if e.code != 404:
                    raise
        return 200, {"kind": rt.list_kind, "apiVersion": rt.api_version,
                     "metadata": {"resourceVersion": str(self.store.current_rv())}, "items": deleted}

    def dependents_of(self, uid):
        """All (rt, obj) whose ownerReferences point at uid."""
        out = []
        for rt in self.registry.resources:
            items, _ = self.store.list(rt.key)
            for o in items:
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or []):
                    out.append((rt, o))
        return out

    def _collect_dependents(self, owner, policy):
        """Garbage collection, done synchronously: dependents are deleted
        (Background/Foreground) or have the ownerReference removed (Orphan)."""
        if owner is None:
            return
        uid = owner["metadata"].get("uid")
        for rt, dep in self.dependents_of(uid):
            md = dep["metadata"]
            if policy == "Orphan":
                new = copy.deepcopy(dep)
                new["metadata"]["ownerReferences"] = [r for r in md.get("ownerReferences") or []
                                                      if r.get("uid") != uid]
                if not new["metadata"]["ownerReferences"]:
                    del new["metadata"]["ownerReferences"]
                self.store.put(rt.key, new)
                continue
            try:
                self.delete(system_ctx("garbage-collector"), rt, md.get("namespace", ""), md["name"],
                            {"propagationPolicy": policy})
            except ApiError:
                pass

    def finish_namespace(self, name):
        """Namespace controller: remove everything in a Terminating namespace, then the namespace."""
        with self.store.lock:
            for rt in self.registry.resources:
                if not rt.namespaced:
                    continue
                items, _ = self.store.list(rt.key, name)
                for o in items:
                    gone = self.store.remove(rt.key, name, o["metadata"]["name"])
                    self._collect_dependents(gone, "Background")
            self.store.remove(("", "namespaces"), "", name)

    # ------------------------------------------------------------------ events

    def record_event(self, involved_rt, obj, reason, message, type_="Normal", component="emulator"):
        md = obj["metadata"]
        ns = md.get("namespace") or "default"
        ts = now_rfc3339()
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": "%s.%s" % (md["name"], os.urandom(8).hex()), "namespace": ns},
              "involvedObject": {"kind": involved_rt.kind, "namespace": md.get("namespace"), "name": md["name"],
                                 "uid": md.get("uid"), "apiVersion": involved_rt.api_version,
                                 "resourceVersion": md.get("resourceVersion")},
              "reason": reason, "message": message, "source": {"component": component},
              "firstTimestamp": ts, "lastTimestamp": ts, "count": 1, "type": type_,
              "eventTime": None, "reportingComponent": component, "reportingInstance": ""}
        rt = self.registry.for_kind("", "Event")
        try:
            self.create(system_ctx(component), rt, ns, ev)
        except ApiError:
            pass
