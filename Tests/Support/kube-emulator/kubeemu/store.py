"""In-memory object storage with Kubernetes resourceVersion semantics.

* One global, strictly increasing resourceVersion counter (like etcd's
  revision); every write gets the next value, rendered as a decimal string.
* Every write is appended to an event history (ADDED / MODIFIED / DELETED
  with a copy of the object) so that watches can start from any
  resourceVersion still in the history and receive exactly what happened
  after it, in order.
* A single re-entrant lock guards everything: the emulator favours obvious
  correctness over throughput.  ``changed`` (a Condition on that lock) wakes
  watchers and controllers on every write.
"""

import bisect
import copy
import threading
import time

MAX_HISTORY = 200000


class WatchEvent:
    """One write.  ``obj`` is the object after the write and ``prev`` the one
    before it (None for ADDED) - watches with selectors need both to turn a
    modification into ADDED/DELETED when an object enters/leaves the selection.
    Both are shared with the store and must never be mutated."""
    __slots__ = ("rv", "type", "key", "namespace", "obj", "prev")

    def __init__(self, rv, type_, key, namespace, obj, prev):
        self.rv, self.type, self.key, self.namespace, self.obj, self.prev = rv, type_, key, namespace, obj, prev


class Store:
    def __init__(self, start_rv=1000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = start_rv
        self.objects = {}          # (group, plural) -> {(namespace, name): obj}
        self.history = []          # [WatchEvent] in rv order
        self.history_rvs = []      # parallel list of rvs for bisect
        self.oldest_rv = start_rv  # watches from older versions get 410 Gone
        # Monotonic creation time per uid: controllers need sub-second timing
        # and creationTimestamp only has one-second resolution.
        self.created_at = {}

    # ------------------------------------------------------------------ reads

    def current_rv(self):
        with self.lock:
            return self.rv

    def get(self, key, namespace, name):
        with self.lock:
            obj = self.objects.get(key, {}).get((namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, key, namespace=None):
        """Objects of a resource, sorted by (namespace, name) like etcd keys."""
        with self.lock:
            bucket = self.objects.get(key, {})
            items = [o for (ns, _), o in sorted(bucket.items()) if namespace is None or ns == namespace]
            return copy.deepcopy(items), self.rv

    def all_keys(self):
        with self.lock:
            return list(self.objects)

    # ------------------------------------------------------------------ writes

    def _record(self, type_, key, obj, prev=None):
        # Stored objects are never mutated in place (writes replace them and
        # readers get copies), so events can share them without copying.
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        ev = WatchEvent(self.rv, type_, key, obj["metadata"].get("namespace", ""), obj, prev)
        self.history.append(ev)
        self.history_rvs.append(self.rv)
        if len(self.history) > MAX_HISTORY:
            drop = len(self.history) - MAX_HISTORY
            self.oldest_rv = self.history[drop - 1].rv
            del self.history[:drop]
            del self.history_rvs[:drop]
        self.changed.notify_all()

    def put(self, key, obj):
        """Create or replace; returns the stored copy (with new resourceVersion)."""
        with self.lock:
            md = obj["metadata"]
            bucket = self.objects.setdefault(key, {})
            ident = (md.get("namespace", ""), md["name"])
            prev = bucket.get(ident)
            type_ = "MODIFIED" if prev is not None else "ADDED"
            obj = copy.deepcopy(obj)
            if type_ == "ADDED":
                self.created_at.setdefault(md.get("uid"), time.monotonic())
            self._record(type_, key, obj, prev)
            bucket[ident] = obj
            return copy.deepcopy(obj)

    def remove(self, key, namespace, name):
        with self.lock:
            bucket = self.objects.get(key, {})
            obj = bucket.pop((namespace or "", name), None)
            if obj is None:
                return None
            self.created_at.pop(obj["metadata"].get("uid"), None)
            obj = copy.deepcopy(obj)          # the deleted object gets a new resourceVersion
            self._record("DELETED", key, obj)
            return copy.deepcopy(obj)

    def age(self, uid):
        """Seconds since the object with this uid was created (monotonic)."""
        with self.lock:
            t = self.created_at.get(uid)
        return time.monotonic() - t if t is not None else 0.0

    # ------------------------------------------------------------------ watch support

    def events_after(self, rv):
        """Events with resourceVersion > rv, oldest first."""
        with self.lock:
            i = bisect.bisect_right(self.history_rvs, rv)
            return self.history[i:]

    def wait_for_change(self, since_rv, timeout):
        """Block until the resourceVersion moves past since_rv (or timeout)."""
        with self.changed:
            if self.rv > since_rv:
                return True
            self.changed.wait(timeout)
            return self.rv > since_rv
