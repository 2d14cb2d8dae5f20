"""kubeemu: the implementation modules of the Kubernetes API server emulator.

The emulator is a *test double* for ogf's tests: a single Python process,
standard library only, that speaks enough of the Kubernetes REST API for the
real `kubectl` (and ogf itself) to treat it as a cluster.  See ../README.md.

Module map (dependencies flow downwards):
    server      HTTP handler, routing, auth, control endpoints (/emulator/*)
    api         the verbs (create/get/list/update/patch/apply/delete) on the store
    controllers deployment/replicaset/statefulset/daemonset/job/"kubelet" loops
    ssa         server-side apply: field sets, managedFields, conflicts
    patch       JSON merge patch, JSON patch, strategic merge patch
    schema      per-kind knowledge: list merge keys, defaulting, validation
    tables      server-side printing (meta.k8s.io/v1 Table) for `kubectl get`
    store       objects, resourceVersion counter, event history for watches
    resources   the resource registry, discovery documents, OpenAPI stubs
    selectors   label and field selectors
    yamlite     a small YAML-subset reader (apply bodies may be YAML)
    protobuf    decoder for the few protobuf bodies kubectl's typed clients send
    errors      ApiError and metav1.Status construction
"""
