"""Decoding of the Kubernetes protobuf request encoding for a few kinds.

kubectl's *typed* clients (``kubectl create namespace|configmap|secret|
serviceaccount``, ``kubectl auth can-i``) send request bodies as
``application/vnd.kubernetes.protobuf`` and do not fall back to JSON, so the
emulator decodes the envelope and these message types.  Responses are always
JSON (clients also accept it).  Anything else gets 415.

Wire format: the 4-byte magic ``k8s\\x00`` followed by a runtime.Unknown
message {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object bytes,
3: contentEncoding, 4: contentType}; ``raw`` is the object's own message
(field numbers from k8s.io/api/*/generated.proto, listed below).
"""

import base64
import datetime

from .errors import ApiError

MAGIC = b"k8s\x00"


def _varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf):
    """Yield (field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, val


# ---------------------------------------------------------------- schemas
# A schema maps field number -> (json name, type); types: "string" (empty
# means absent), "bytes" (base64 in JSON), "int" (pointer fields: only sent
# when set), "int0" (plain ints: 0 means absent), "bool", "time", a nested
# schema dict, ("map", value type), ("list", element type).
# Go encodes every non-pointer field, so unknown fields holding zero values
# are skipped; an unknown field with content makes the request fail with 415
# rather than silently losing data.

TIME = "time"
IGNORE = "ignore"     # status sent by clients: reset by the server anyway
OWNER_REF = {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"), 5: ("apiVersion", "string"),
             6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
OBJECT_META = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
               4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
               7: ("generation", "int0"), 8: ("creationTimestamp", TIME), 9: ("deletionTimestamp", TIME),
               10: ("deletionGracePeriodSeconds", "int"), 11: ("labels", ("map", "string")),
               12: ("annotations", ("map", "string")), 13: ("ownerReferences", ("list", OWNER_REF)),
               14: ("finalizers", ("list", "string"))}
OBJECT_REF = {1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string"), 4: ("uid", "string"),
              5: ("apiVersion", "string"), 6: ("resourceVersion", "string"), 7: ("fieldPath", "string")}
LOCAL_REF = {1: ("name", "string")}
RESOURCE_ATTRS = {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                  4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                  7: ("name", "string")}
NON_RESOURCE_ATTRS = {1: ("path", "string"), 2: ("verb", "string")}

CONTAINER = {1: ("name", "string"), 2: ("image", "string"), 3: ("command", ("list", "string")),
             4: ("args", ("list", "string")), 5: ("workingDir", "string"),
             6: ("ports", ("list", {1: ("name", "string"), 3: ("containerPort", "int0"), 4: ("protocol", "string")})),
             7: ("env", ("list", {1: ("name", "string"), 2: ("value", "string")}))}
POD_TEMPLATE = {1: ("metadata", OBJECT_META), 2: ("spec", {2: ("containers", ("list", CONTAINER))})}

SCHEMAS = {
    # `kubectl create deployment NAME --image=... [--port] [--replicas]`
    ("apps/v1", "Deployment"): {
        1: ("metadata", OBJECT_META),
        2: ("spec", {1: ("replicas", "int"), 2: ("selector", {1: ("matchLabels", ("map", "string"))}),
                     3: ("template", POD_TEMPLATE), 4: ("strategy", {1: ("type", "string")})}),
        3: ("status", IGNORE)},
    ("v1", "ConfigMap"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "string")),
                          3: ("binaryData", ("map", "bytes")), 4: ("immutable", "bool")},
    ("v1", "Secret"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "bytes")), 3: ("type", "string"),
                       4: ("stringData", ("map", "string")), 5: ("immutable", "bool")},
    ("v1", "Namespace"): {1: ("metadata", OBJECT_META), 2: ("spec", {1: ("finalizers", ("list", "string"))}),
                          3: ("status", IGNORE)},
    ("v1", "ServiceAccount"): {1: ("metadata", OBJECT_META), 2: ("secrets", ("list", OBJECT_REF)),
                               3: ("imagePullSecrets", ("list", LOCAL_REF)),
                               4: ("automountServiceAccountToken", "bool")},
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): {
        1: ("metadata", OBJECT_META),
        2: ("spec", {1: ("resourceAttributes", RESOURCE_ATTRS), 2: ("nonResourceAttributes", NON_RESOURCE_ATTRS)}),
        3: ("status", IGNORE)},
}


def _scalar(typ, wt, val):
    if typ == "string":
        return val.decode("utf-8")
    if typ == "bytes":
        return base64.b64encode(val).decode()
    if typ in ("int", "int0"):
        return val - (1 << 64) if val >= 1 << 63 else val
    if typ == "bool":
        return bool(val)
    if typ == TIME:
        secs = dict((n, v) for n, _, v in fields(val)).get(1, 0)
        return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(typ, dict):
        return decode_message(val, typ)
    raise ValueError("bad schema type %r" % (typ,))


def decode_message(buf, schema):
    out = {}
    for num, wt, val in fields(buf):
        if num not in schema:
            if val in (0, b""):
                continue
            raise ValueError("field %d is not known to the emulator" % num)
        name, typ = schema[num]
        if typ == IGNORE or (val in (0, b"") and typ in ("string", "int0", TIME)):
            continue
        if isinstance(typ, tuple) and typ[0] == "map":
            entry = {n: v for n, _, v in fields(val)}
            out.setdefault(name, {})[entry.get(1, b"").decode("utf-8")] = _scalar(typ[1], 2, entry.get(2, b""))
        elif isinstance(typ, tuple) and typ[0] == "list":
            out.setdefault(name, []).append(_scalar(typ[1], wt, val))
        else:
            out[name] = _scalar(typ, wt, val)
    return out


def decode(body):
    """Protobuf request body -> JSON-shaped dict (ApiError 415 if not supported)."""
    if not body.startswith(MAGIC):
        raise ApiError(415, "UnsupportedMediaType", "protobuf body without the k8s magic prefix")
    try:
        env = {n: v for n, _, v in fields(body[len(MAGIC):])}
        tm = {n: v.decode() for n, _, v in fields(env.get(1, b""))}
        api_version, kind = tm.get(1, ""), tm.get(2, "")
        schema = SCHEMAS.get((api_version, kind))
        if schema is None:
            raise ApiError(415, "UnsupportedMediaType", "the emulator cannot decode protobuf %s %s bodies; send "
                           "application/json" % (api_version, kind))
        obj = decode_message(env.get(2, b""), schema)
    except ValueError as e:
        raise ApiError(415, "UnsupportedMediaType", "the emulator could not decode this protobuf body (%s); "
                       "send application/json" % e)
    obj["apiVersion"], obj["kind"] = api_version, kind
    return obj
