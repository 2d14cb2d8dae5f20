"""The three non-apply patch types the apiserver accepts.

* JSON merge patch (RFC 7386): ``application/merge-patch+json``
* JSON patch (RFC 6902): ``application/json-patch+json``
* strategic merge patch: ``application/strategic-merge-patch+json`` - a merge
  patch where lists with a patchMergeKey (containers by name, ports by
  containerPort, env by name, ...) are merged item by item, plus the
  directives kubectl emits: ``$patch: replace|delete|merge``, ``$retainKeys``,
  ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>``.

Errors are raised as ApiError with the status kube-apiserver uses (400 for
malformed patches, 422 for JSON patch operations that cannot be applied).
"""

import copy

from .errors import ApiError, bad_request
from .schema import smp_merge_key


# ---------------------------------------------------------------------- RFC 7386

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


# ---------------------------------------------------------------------- RFC 6902

def _unprocessable(msg):
    return ApiError(422, "Invalid", msg)


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request('json patch: invalid path "%s": must start with "/"' % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container, tok, allow_end, path):
    if tok == "-" and allow_end:
        return len(container)
    if not tok.isdigit() or (len(tok) > 1 and tok[0] == "0"):
        raise _unprocessable('json patch: invalid index "%s" in "%s"' % (tok, path))
    i = int(tok)
    if i > len(container) or (i == len(container) and not allow_end):
        raise _unprocessable("json patch: index %d out of bounds for %s" % (i, path))
    return i


def _parent(doc, path):
    toks = _pointer(path)
    if not toks:
        return None, None
    cur = doc
    for t in toks[:-1]:
        if isinstance(cur, dict):
            if t not in cur:
                raise _unprocessable('json patch: missing path "%s"' % path)
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(cur, t, False, path)]
        else:
            raise _unprocessable('json patch: missing path "%s"' % path)
    return cur, toks[-1]


def _get(doc, path):
    parent, last = _parent(doc, path)
    if parent is None and last is None:
        return doc
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable('json patch: missing path "%s"' % path)
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, False, path)]
    raise _unprocessable('json patch: missing path "%s"' % path)


def _add(doc, path, value):
    parent, last = _parent(doc, path)
    if parent is None and last is None:
        return value
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, True, path), value)
    else:
        raise _unprocessable('json patch: missing path "%s"' % path)
    return doc


def _remove(doc, path):
    parent, last = _parent(doc, path)
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable('json patch: unable to remove nonexistent key "%s": missing value' % last)
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, False, path))
    raise _unprocessable('json patch: missing path "%s"' % path)


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise bad_request("json patch: operation missing \"op\"")
        kind, path = op["op"], op.get("path")
        if path is None:
            raise bad_request('json patch: operation "%s" missing "path"' % kind)
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)      # must exist
            parent, last = _parent(doc, path)
            if parent is None and last is None:
                doc = copy.deepcopy(op.get("value"))
            elif isinstance(parent, dict):
                parent[last] = copy.deepcopy(op.get("value"))
            else:
                parent[_index(parent, last, False, path)] = copy.deepcopy(op.get("value"))
        elif kind == "move":
            val = _remove(doc, op.get("from", ""))
            doc = _add(doc, path, val)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op.get("from", ""))))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _unprocessable("the server rejected our request due to an error in our request: "
                                     "json patch: testing value %s failed: test failed" % path)
        else:
            raise bad_request('json patch: unexpected operation "%s"' % kind)
    return doc


# ---------------------------------------------------------------------- strategic merge patch

_DELETE = object()


def strategic_merge_patch(original, patch, path=()):
    """Apply a strategic merge patch.  ``path`` is the field path (no list
    indices) used to look up list merge keys in schema.smp_merge_key."""
    out = _smp_map(original if isinstance(original, dict) else {}, patch, path)
    return {} if out is _DELETE else out


def _smp_map(orig, patch, path):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    if directive not in (None, "merge"):
        raise bad_request('Unknown patch type: "%s"' % directive)
    result = copy.deepcopy(orig) if isinstance(orig, dict) else {}
    retain = patch.get("$retainKeys")
    if retain is not None:
        for k in list(result):
            if k not in retain:
                del result[k]
    orders = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [x for x in result[field] if x not in (v or [])]
            continue
        if v is None:
            result.pop(k, None)
            continue
        sub = path + (k,)
        if isinstance(v, list):
            key = smp_merge_key(sub)
            if key is None or not isinstance(result.get(k), list):
                merged = _strip_directives_list(v, key)
            elif key == "":
                merged = list(result[k]) + [x for x in v if x not in result[k]]
            else:
                merged = _smp_list(result[k], v, key, sub)
            if merged is _DELETE:
                result.pop(k, None)
            else:
                result[k] = merged
        elif isinstance(v, dict):
            merged = _smp_map(result.get(k), v, sub)
            if merged is _DELETE:
                result.pop(k, None)
            else:
                result[k] = merged
        else:
            result[k] = copy.deepcopy(v)
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _apply_order(result[field], order, smp_merge_key(path + (field,)))
    return result


def _strip_directives_list(items, key):
    # When there is nothing to merge into, drop `$patch` items and strip keys.
    out = []
    for it in items:
        if isinstance(it, dict):
            if it.get("$patch") in ("delete", "replace") and len([k for k in it if not k.startswith("$")]) <= 1:
                continue
            out.append({k: copy.deepcopy(v) for k, v in it.items() if not k.startswith("$")})
        else:
            out.append(copy.deepcopy(it))
    return out


def _smp_list(orig, patch_items, key, path):
    # {"$patch": "replace"} as an item replaces the whole list with the other items.
    if any(isinstance(it, dict) and it.get("$patch") == "replace" for it in patch_items):
        return [{k: copy.deepcopy(v) for k, v in it.items() if not k.startswith("$")}
                for it in patch_items if not (isinstance(it, dict) and it.get("$patch") == "replace")]
    result = copy.deepcopy(orig)
    for it in patch_items:
        if not isinstance(it, dict):
            raise bad_request("unable to find api field in struct for the list merge key %s" % key)
        if key not in it:
            raise bad_request("map: %s does not contain declared merge key: %s" % (it, key))
        idx = next((i for i, o in enumerate(result) if isinstance(o, dict) and o.get(key) == it[key]), None)
        if it.get("$patch") == "delete":
            if idx is not None:
                result.pop(idx)
            continue
        if idx is None:
            result.append(_smp_map({}, it, path))
        else:
            result[idx] = _smp_map(result[idx], it, path)
    return result


def _apply_order(items, order, key):
    """$setElementOrder: items named in ``order`` come first in that order;
    others keep their relative position after them."""
    def ident(x):
        return x.get(key) if key and isinstance(x, dict) else x
    wanted = [ident(o) if isinstance(o, dict) else o for o in order]
    pos = {w: i for i, w in enumerate(wanted)}
    listed = sorted([x for x in items if ident(x) in pos], key=lambda x: pos[ident(x)])
    rest = [x for x in items if ident(x) not in pos]
    return listed + rest
