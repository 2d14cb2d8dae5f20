"""Field ownership: field sets, managedFields (FieldsV1) and server-side apply.

A *field set* is a Python set of paths; a path is a tuple of FieldsV1 path
elements, spelled exactly as they appear in ``fieldsV1``:

    ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}', "f:image")

``f:<name>`` is a struct/map field, ``k:<json>`` an associative-list item
(keys sorted, as structured-merge-diff serialises them) and ``v:<json>`` an
item of a set-list.  Members of a set are the *leaves* (scalars, atomic lists
and maps, empty maps) plus list items (rendered with ``".": {}``).

What is modelled (after sigs.k8s.io/structured-merge-diff):
* Apply: the manager's set becomes exactly the set of the applied config;
  leaves it applies that another manager owns with a *different* value are
  conflicts (409) unless force, which moves ownership; fields it stops
  applying are removed from the object when no other manager owns them.
* Update (create/PUT/merge/JSON/strategic patch): the updater takes ownership
  of every field whose value it changed (and loses nothing); other managers
  lose those fields.
Ownership is tracked per (manager, operation, subresource) as in Kubernetes.
Known simplification: "." markers for maps created by updates are given only
to free-form string maps (labels, annotations, data, ...), because deciding
it exactly needs Go struct pointer-ness.
"""

import copy
import datetime
import json

from .errors import ApiError
from .schema import item_key, list_semantics

MISSING = object()

# metadata fields never tracked by managedFields (fieldmanager "reset" fields).
UNTRACKED_METADATA = ("name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                      "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
                      "generateName")

# Maps whose contents are replaced as a unit (+structType=atomic LabelSelector,
# +mapType=atomic selectors, atomic RoleRef).
ATOMIC_MAP_FIELDS = ("selector", "nodeSelector", "podSelector", "namespaceSelector", "labelSelector", "roleRef")

# String-valued free-form maps: get a "." member when an update creates them.
FREEFORM_MAP_FIELDS = ("labels", "annotations", "data", "binaryData", "limits", "requests")


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tracked_view(obj, rt, subresource=""):
    """The part of an object whose fields are owned: without identity
    metadata, without status on the main resource (for kinds with a status
    subresource), and only status on /status."""
    v = copy.deepcopy(obj) if obj else {}
    v.pop("apiVersion", None)
    v.pop("kind", None)
    md = v.get("metadata")
    if isinstance(md, dict):
        for k in UNTRACKED_METADATA:
            md.pop(k, None)
        if not md:
            v.pop("metadata", None)
    if rt is not None and rt.has_status:
        if subresource == "status":
            v = {"status": v["status"]} if "status" in v else {}
        else:
            v.pop("status", None)
    return v


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def _key_elem(key):
    return "k:" + json.dumps(key, separators=(",", ":"), sort_keys=True)


def _val_elem(value):
    return "v:" + json.dumps(value, separators=(",", ":"), sort_keys=True)


def _is_atomic_map(spath):
    return bool(spath) and spath[-1] in ATOMIC_MAP_FIELDS


def field_set(view, freeform_members=False):
    """All member paths of an object view (see module docstring)."""
    out = set()
    _walk(view, (), (), out, freeform_members)
    return out


def _walk(value, path, spath, out, freeform):
    if isinstance(value, dict):
        if not value or (_is_atomic_map(spath)):
            if path:
                out.add(path)
            return
        if freeform and spath and spath[-1] in FREEFORM_MAP_FIELDS:
            out.add(path)
        for k, v in value.items():
            _walk(v, path + ("f:" + k,), spath + (k,), out, freeform)
    elif isinstance(value, list):
        sem, keys = list_semantics(spath)
        if sem == "map" and value and all(isinstance(i, dict) for i in value):
            for item in value:
                ip = path + (_key_elem(item_key(spath, item, keys)),)
                out.add(ip)
                for k, v in item.items():
                    _walk(v, ip + ("f:" + k,), spath + (k,), out, freeform)
        elif sem == "set" and value:
            for item in value:
                out.add(path + (_val_elem(item),))
        else:
            out.add(path)
    else:
        out.add(path)


def value_at(obj, path):
    """Resolve a field path against an object (MISSING when absent)."""
    cur, spath = obj, ()
    for el in path:
        if el.startswith("f:"):
            name = el[2:]
            if not isinstance(cur, dict) or name not in cur:
                return MISSING
            cur, spath = cur[name], spath + (name,)
        elif el.startswith("k:"):
            if not isinstance(cur, list):
                return MISSING
            want = json.loads(el[2:])
            keys = list(want)
            found = MISSING
            for item in cur:
                if isinstance(item, dict) and item_key(spath, item, keys) == want:
                    found = item
                    break
            if found is MISSING:
                return MISSING
            cur = found
        elif el.startswith("v:"):
            want = json.loads(el[2:])
            if not isinstance(cur, list) or want not in cur:
                return MISSING
            cur = want
        else:
            return MISSING
    return cur


def remove_path(obj, path):
    """Remove the value at ``path`` from obj (in place)."""
    if not path:
        return
    cur, spath = obj, ()
    for el in path[:-1]:
        if el.startswith("f:"):
            if not isinstance(cur, dict) or el[2:] not in cur:
                return
            cur, spath = cur[el[2:]], spath + (el[2:],)
        else:
            nxt = _resolve_item(cur, el, spath)
            if nxt is MISSING:
                return
            cur = nxt
    last = path[-1]
    if last.startswith("f:") and isinstance(cur, dict):
        cur.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(cur, list):
        want = json.loads(last[2:])
        cur[:] = [i for i in cur if not (isinstance(i, dict) and item_key(spath, i, list(want)) == want)]
    elif last.startswith("v:") and isinstance(cur, list):
        want = json.loads(last[2:])
        cur[:] = [i for i in cur if i != want]


def _resolve_item(lst, el, spath):
    if not isinstance(lst, list):
        return MISSING
    if el.startswith("k:"):
        want = json.loads(el[2:])
        for item in lst:
            if isinstance(item, dict) and item_key(spath, item, list(want)) == want:
                return item
    return MISSING


def prune_emptied(obj, removed, keep):
    """After removals, drop the maps/lists they left empty (walking up from
    each removed path) unless some manager owns that map/list itself."""
    for p in sorted(removed, key=len, reverse=True):
        for i in range(len(p) - 1, 0, -1):
            anc = p[:i]
            v = value_at(obj, anc)
            if isinstance(v, (dict, list)) and not v and anc not in keep:
                remove_path(obj, anc)
            else:
                break


# ---------------------------------------------------------------------- FieldsV1 encoding

def encode_fields(paths):
    tree = {}
    members = set()
    for p in paths:
        node = tree
        for el in p:
            node = node.setdefault(el, {})
        members.add(p)

    def render(node, path):
        out = {}
        if path in members and node:
            out["."] = {}
        for el in sorted(node):
            out[el] = render(node[el], path + (el,))
        return out
    return render(tree, ())


def decode_fields(fields):
    out = set()

    def rec(node, path):
        for el, child in node.items():
            if el == ".":
                out.add(path)
            elif not child:
                out.add(path + (el,))
            else:
                rec(child, path + (el,))
    if isinstance(fields, dict):
        rec(fields, ())
    return out


def path_string(path):
    """structured-merge-diff's Path.String(): .spec.containers[name="web"].image"""
    s = ""
    for el in path:
        if el.startswith("f:"):
            s += "." + el[2:]
        elif el.startswith("k:"):
            key = json.loads(el[2:])
            s += "[" + ",".join("%s=%s" % (k, json.dumps(v)) for k, v in sorted(key.items())) + "]"
        elif el.startswith("v:"):
            s += "[=" + el[2:] + "]"
    return s


# ---------------------------------------------------------------------- managedFields entries

class Entry:
    def __init__(self, manager, operation, api_version, time, subresource="", paths=None):
        self.manager = manager
        self.operation = operation
        self.api_version = api_version
        self.time = time
        self.subresource = subresource
        self.paths = set(paths or ())

    def ident(self):
        return (self.manager, self.operation, self.subresource)

    def to_json(self):
        d = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
             "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": encode_fields(self.paths)}
        if self.subresource:
            d["subresource"] = self.subresource
        return d

    def describe(self):
        s = json.dumps(self.manager)
        if self.subresource:
            s += " with subresource %s" % json.dumps(self.subresource)
        if self.operation == "Update":
            s += " using %s at %s" % (self.api_version, self.time)
        return s


def decode_managed(obj):
    out = []
    for e in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        if not isinstance(e, dict):
            continue
        out.append(Entry(e.get("manager", ""), e.get("operation", "Update"), e.get("apiVersion", ""),
                         e.get("time"), e.get("subresource", ""), decode_fields(e.get("fieldsV1"))))
    return out


def encode_managed(entries):
    return [e.to_json() for e in entries if e.paths]


def _all_node_paths(view):
    """Every path (members and intermediate nodes) present in an object view."""
    out = set()
    for p in field_set(view):
        for i in range(1, len(p) + 1):
            out.add(p[:i])
    return out


def _is_leaf(view, path):
    v = value_at(view, path)
    if isinstance(v, dict):
        return not v or _is_atomic_map(tuple(e[2:] for e in path if e.startswith("f:")))
    return True


# ---------------------------------------------------------------------- Update

def record_update(old, new, rt, manager, subresource="", api_version=None):
    """Recompute new's managedFields after a non-apply write by ``manager``.

    If the request itself carried managedFields different from the stored
    ones, they are taken as given (that is how clients such as kubectl's
    client-side-apply -> server-side-apply migration rewrite ownership).
    """
    api_version = api_version or rt.api_version
    requested = (new.get("metadata") or {}).get("managedFields")
    stored = ((old or {}).get("metadata") or {}).get("managedFields")
    if requested is not None and requested != stored:
        entries = decode_managed(new)
    else:
        entries = decode_managed(old)
    old_view = tracked_view(old, rt, subresource)
    new_view = tracked_view(new, rt, subresource)
    old_set = field_set(old_view, freeform_members=True)
    new_set = field_set(new_view, freeform_members=True)
    changed = set()
    for p in new_set:
        if p not in old_set:
            # "." membership for free-form maps only when the map is new.
            if p and isinstance(value_at(new_view, p), dict) and value_at(new_view, p) and \
                    value_at(old_view, p) is not MISSING:
                continue
            changed.add(p)
        elif _is_leaf(new_view, p) and value_at(old_view, p) != value_at(new_view, p):
            changed.add(p)
    _finish(entries, new, rt, subresource, manager, "Update", changed, api_version)


def _finish(entries, new, rt, subresource, manager, operation, owned, api_version, replace=False):
    """Give ``owned`` to (manager, operation, subresource), take it from the
    others, drop ownership of vanished fields and store managedFields."""
    # Every path present anywhere in the object (status included), so that
    # stale ownership of vanished fields is dropped for all entries.
    existing = _all_node_paths(tracked_view(new, None))
    me = None
    for e in entries:
        if e.ident() == (manager, operation, subresource):
            me = e
    if me is None and owned:
        me = Entry(manager, operation, api_version, now_rfc3339(), subresource)
        entries.append(me)
    for e in entries:
        if e is me:
            continue
        if operation == "Update":
            e.paths -= owned
        e.paths &= existing
    if me is not None:
        before = set(me.paths)
        me.paths = set(owned) if replace else (me.paths | owned)
        me.paths &= existing | owned
        if me.paths != before or me.api_version != api_version:
            me.time = now_rfc3339()
            me.api_version = api_version
    new.setdefault("metadata", {})["managedFields"] = encode_managed(entries)
    if not new["metadata"]["managedFields"]:
        del new["metadata"]["managedFields"]


# ---------------------------------------------------------------------- Apply

def apply(live, applied, rt, manager, force, subresource=""):
    """Server-side apply of ``applied`` onto ``live`` (None when creating).

    Returns the new object (identity metadata copied from live by the
    caller).  Raises ApiError 409 listing conflicts when not forced.
    """
    applied = drop_nulls(applied)
    entries = decode_managed(live)
    live_view = tracked_view(live, rt, subresource)
    a_view = tracked_view(applied, rt, subresource)
    a_set = field_set(a_view)
    me = next((e for e in entries if e.ident() == (manager, "Apply", subresource)), None)
    prev = set(me.paths) if me else set()

    conflicts = []
    for e in entries:
        if e is me or e.manager == manager or e.subresource != subresource:
            continue
        for p in sorted(a_set & e.paths):
            if _is_leaf(a_view, p) and value_at(live_view, p) != value_at(a_view, p):
                conflicts.append((e, p))
    if conflicts and not force:
        raise conflict_error(conflicts)
    for e, p in conflicts:
        e.paths.discard(p)

    others = set()
    for e in entries:
        if e is not me and e.subresource == subresource:
            others |= e.paths
    result = copy.deepcopy(live) if live else {}
    removed = sorted(prev - a_set - others, key=len, reverse=True)
    for p in removed:
        remove_path(result, p)
    keep = set(a_set)
    for e in entries:
        keep |= e.paths
    prune_emptied(result, removed, keep)
    merged = merge_applied(result, a_view, ())
    # identity and untracked parts come from the request/live object
    for k in ("apiVersion", "kind"):
        if k in applied:
            merged[k] = applied[k]
    _finish(entries, merged, rt, subresource, manager, "Apply", a_set, rt.api_version, replace=True)
    return merged


def merge_applied(live, applied, spath):
    """Merge an applied configuration into the live object by SSA rules:
    maps recursively, associative lists by key, sets as unions, atomic
    values replaced."""
    if isinstance(applied, dict) and isinstance(live, dict) and not _is_atomic_map(spath):
        out = copy.deepcopy(live)
        for k, v in applied.items():
            out[k] = merge_applied(live.get(k, MISSING), v, spath + (k,)) if k in live else copy.deepcopy(v)
        return out
    if isinstance(applied, list) and isinstance(live, list):
        sem, keys = list_semantics(spath)
        if sem == "map" and all(isinstance(i, dict) for i in applied + live):
            out = copy.deepcopy(live)
            for item in applied:
                key = item_key(spath, item, keys)
                idx = next((i for i, o in enumerate(out) if item_key(spath, o, keys) == key), None)
                if idx is None:
                    out.append(copy.deepcopy(item))
                else:
                    out[idx] = merge_applied(out[idx], item, spath)
            return out
        if sem == "set":
            return list(live) + [x for x in applied if x not in live]
    return copy.deepcopy(applied)


def conflict_error(conflicts):
    causes = [{"reason": "FieldManagerConflict", "message": "conflict with %s" % e.describe(),
               "field": path_string(p)} for e, p in conflicts]
    if len(conflicts) == 1:
        e, p = conflicts[0]
        msg = "Apply failed with 1 conflict: conflict with %s: %s" % (e.describe(), path_string(p))
    else:
        by = {}
        for e, p in conflicts:
            by.setdefault(e.describe(), []).append(path_string(p))
        lines = []
        for m in sorted(by):
            lines.append("conflicts with %s:" % m)
            lines += ["- %s" % p for p in by[m]]
        msg = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(lines))
    return ApiError(409, "Conflict", msg, {"causes": causes})
