"""Kubernetes-style errors.

Every failure the emulator reports to a client is a ``metav1.Status`` object
(kind Status, apiVersion v1, status Failure, reason, code, details), because
client-go / kubectl decode error bodies as Status and derive their messages
("Error from server (NotFound): ...") and exit behaviour from ``reason``.
"""

import json


class ApiError(Exception):
    """An error that is returned to the client as a Status object."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return status_object(self.code, self.reason, self.message, self.details)


def status_object(code, reason, message, details=None):
    obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        obj["details"] = details
    return obj


def success_status(details=None):
    obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        obj["details"] = details
    return obj


def _details(rt, name):
    d = {}
    if name:
        d["name"] = name
    if rt is not None:
        if rt.group:
            d["group"] = rt.group
        d["kind"] = rt.plural
    return d


def qualified(rt):
    """`deployments.apps`, `configmaps` - how the apiserver names a resource in messages."""
    return rt.plural + ("." + rt.group if rt.group else "")


def not_found(rt, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(rt), name), _details(rt, name))


def namespace_not_found(ns):
    return ApiError(404, "NotFound", 'namespaces "%s" not found' % ns, {"name": ns, "kind": "namespaces"})


def already_exists(rt, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(rt), name), _details(rt, name))


def conflict(rt, name, why="the object has been modified; please apply your changes to the latest version and try again"):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s' % (qualified(rt), name, why),
                    _details(rt, name))


def invalid(rt, name, causes):
    """422 Invalid.  ``causes`` is a list of (field, message, reason) tuples.

    The message format mirrors apimachinery's NewInvalid:
    ``Deployment.apps "x" is invalid: spec.selector: Required value``.
    """
    kind_q = rt.kind + ("." + rt.group if rt.group else "")
    parts = ["%s: %s" % (f, m) for f, m, _ in causes]
    if len(parts) == 1:
        msg = '%s "%s" is invalid: %s' % (kind_q, name, parts[0])
    else:
        msg = '%s "%s" is invalid: [%s]' % (kind_q, name, ", ".join(parts))
    details = {"name": name, "kind": rt.kind,
               "causes": [{"reason": r, "message": m, "field": f} for f, m, r in causes]}
    if rt.group:
        details["group"] = rt.group
    return ApiError(422, "Invalid", msg, details)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def forbidden(rt, name, verb, user, namespace, subresource=""):
    res = rt.plural + ("/" + subresource if subresource else "")
    target = '%s "%s"' % (qualified(rt), name) if name else qualified(rt)
    where = ' in the namespace "%s"' % namespace if namespace else " at the cluster scope"
    msg = '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s"%s' % (
        target, user, verb, res, rt.group, where)
    return ApiError(403, "Forbidden", msg, _details(rt, name))


def method_not_allowed(method):
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def not_found_path():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def unsupported_media_type(ct):
    return ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted media types include: '
                    'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, '
                    'application/strategic-merge-patch+json (got "%s")' % ct)


def dumps(obj):
    # The apiserver emits compact JSON followed by a newline (Go's json.Encoder).
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode("utf-8")
