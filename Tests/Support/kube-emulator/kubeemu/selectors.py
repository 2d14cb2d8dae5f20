"""Label and field selectors, as accepted in ``?labelSelector=`` and
``?fieldSelector=`` and as carried in ``spec.selector`` objects.

Label selector grammar (k8s.io/apimachinery/pkg/labels):
    key  |  !key  |  key=v  |  key==v  |  key!=v  |  key in (a,b)  |  key notin (a,b)  |  key>n  |  key<n
joined by commas.  ``!=`` and ``notin`` also match objects without the key,
as in Kubernetes.
"""

import re

from .errors import bad_request

_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                     r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class Requirement:
    def __init__(self, key, op, values=()):
        self.key, self.op, self.values = key, op, list(values)

    def matches(self, labels):
        has = self.key in labels
        val = labels.get(self.key)
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op in ("=", "=="):
            return has and val == self.values[0]
        if self.op == "!=":
            return not has or val != self.values[0]
        if self.op == "in":
            return has and val in self.values
        if self.op == "notin":
            return not has or val not in self.values
        if self.op in (">", "<"):
            try:
                lv, rv = int(val), int(self.values[0])
            except (TypeError, ValueError):
                return False
            return lv > rv if self.op == ">" else lv < rv
        return False


def _tokenize(s):
    """Split into identifiers and operator/punctuation tokens."""
    tokens = []
    i = 0
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
            continue
        two = s[i:i + 2]
        if two in ("==", "!="):
            tokens.append(two)
            i += 2
            continue
        if c in "=!(),<>":
            tokens.append(c)
            i += 1
            continue
        j = i
        while j < len(s) and not s[j].isspace() and s[j] not in "=!(),<>":
            j += 1
        tokens.append(s[i:j])
        i = j
    return tokens


def parse_label_selector(s):
    """Parse a label selector string into a list of Requirements (400 on error)."""
    if s is None or not s.strip():
        return []
    toks = _tokenize(s)
    reqs = []
    i = 0

    def err(msg):
        return bad_request("unable to parse requirement: %s" % msg)

    def is_ident(t):
        return t not in ("==", "!=", "=", "!", "(", ")", ",", "<", ">")

    while i < len(toks):
        t = toks[i]
        if t == "!":
            if i + 1 >= len(toks) or not is_ident(toks[i + 1]):
                raise err("found '%s', expected: identifier after '!'" % (toks[i + 1] if i + 1 < len(toks) else ""))
            key = toks[i + 1]
            _check_key(key)
            reqs.append(Requirement(key, "!"))
            i += 2
        elif is_ident(t):
            key = t
            _check_key(key)
            i += 1
            nxt = toks[i] if i < len(toks) else ","
            if nxt == ",":
                reqs.append(Requirement(key, "exists"))
            elif nxt in ("=", "==", "!=", ">", "<"):
                i += 1
                val = ""
                if i < len(toks) and is_ident(toks[i]):
                    val = toks[i]
                    i += 1
                if nxt in (">", "<") and not re.match(r"^-?\d+$", val):
                    raise err("for 'Gt', 'Lt' operators, the value must be an integer")
                _check_value(val)
                reqs.append(Requirement(key, nxt, [val]))
            elif nxt in ("in", "notin"):
                i += 1
                if i >= len(toks) or toks[i] != "(":
                    raise err("found '%s', expected: '('" % (toks[i] if i < len(toks) else ""))
                i += 1
                vals = []
                while i < len(toks) and toks[i] != ")":
                    if toks[i] == ",":
                        i += 1
                        continue
                    _check_value(toks[i])
                    vals.append(toks[i])
                    i += 1
                if i >= len(toks):
                    raise err("found '', expected: ')'")
                i += 1
                reqs.append(Requirement(key, nxt, vals))
            else:
                raise err("found '%s', expected: '=', '!=', '==', 'in', notin'" % nxt)
        else:
            raise err("found '%s', expected: !, identifier, or 'end of string'" % t)
        if i < len(toks):
            if toks[i] != ",":
                raise err("found '%s', expected: ',' or 'end of string'" % toks[i])
            i += 1
    return reqs


def _check_key(key):
    if len(key) > 317 or not _KEY_RE.match(key):
        raise bad_request("unable to parse requirement: invalid label key \"%s\": name part must consist of "
                          "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                          "alphanumeric character" % key)


def _check_value(v):
    if len(v) > 63 or not _VALUE_RE.match(v):
        raise bad_request("unable to parse requirement: invalid label value: \"%s\": a valid label must be an "
                          "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
                          "and end with an alphanumeric character" % v)


def labels_match(reqs, labels):
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


# ---------------------------------------------------------------------- field selectors

def _split_unescaped(s, sep):
    parts, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if s.startswith(sep, i):
            parts.append(cur)
            cur = ""
            i += len(sep)
            continue
        cur += s[i]
        i += 1
    parts.append(cur)
    return parts


def _unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def parse_field_selector(s):
    """-> list of (path, op, value); op in '=', '!='."""
    if s is None or not s.strip():
        return []
    out = []
    for term in _split_unescaped(s, ","):
        term = term.strip()
        if not term:
            continue
        for op in ("!=", "==", "="):
            parts = _split_unescaped(term, op)
            if len(parts) == 2:
                out.append((parts[0].strip(), "!=" if op == "!=" else "=", _unescape(parts[1].strip())))
                break
        else:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, term))
    return out


def field_value(obj, path):
    """Field selector values are strings; absent fields read as ""."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ""
        cur = cur[part]
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if cur is None:
        return ""
    return str(cur) if not isinstance(cur, (dict, list)) else ""


def fields_match(terms, obj):
    for path, op, val in terms:
        got = field_value(obj, path)
        if op == "=" and got != val:
            return False
        if op == "!=" and got == val:
            return False
    return True


# ---------------------------------------------------------------------- LabelSelector objects

def selector_object_matches(sel, labels):
    """metav1.LabelSelector (matchLabels + matchExpressions) against labels.

    An empty selector matches everything, a None selector nothing (as for
    Deployments/ReplicaSets in apps/v1).
    """
    if sel is None:
        return False
    labels = labels or {}
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        key, op, vals = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_object_to_string(sel):
    """The string form used in Scale.status.selector and `kubectl get -o wide`."""
    if not sel:
        return ""
    parts = ["%s=%s" % (k, v) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        op, key, vals = expr.get("operator"), expr.get("key"), sorted(expr.get("values") or [])
        if op == "In":
            parts.append("%s in (%s)" % (key, ",".join(vals)))
        elif op == "NotIn":
            parts.append("%s notin (%s)" % (key, ",".join(vals)))
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append("!" + key)
    return ",".join(parts)
