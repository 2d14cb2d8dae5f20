#!/usr/bin/env python3
"""Kubernetes API server emulator - a test double for ogf's tests.

    python3 emulator.py --port 0 --port-file F [--token T]
                        [--tls-cert C --tls-key K | --tls-self-signed]
                        [--rollout-delay 0.5] [--kubeconfig-out PATH]
                        [--deny verb:resource[:namespace] ...]
                        [--run-pods DIR [--registry-auth H:P=U:PW] [--prometheus-targets DIR]]

With --run-pods, pods whose images are on a loopback registry run as local host
processes (no container isolation; kubeemu/kubelet.py).

Binds 127.0.0.1 only.  Writes the kubeconfig (if asked) and then the port
file once the socket is listening, so a test can poll for the port file and
connect immediately.  Python 3.11 standard library only (plus the `openssl`
binary for --tls-self-signed).  See README.md.
"""

import argparse
import base64
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kubeemu.server import App, Options, Server  # noqa: E402


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def kubeconfig(server_url, token=None, ca_pem=None, namespace="default"):
    """A kubeconfig with a cluster, user and context all named `emulator`.

    Written as JSON (valid YAML) to avoid needing a YAML emitter.  Note that
    kubectl only sends bearer tokens over https, so --token is only useful to
    kubectl together with TLS.
    """
    import json
    cluster = {"server": server_url}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    user = {"token": token} if token else {}
    cfg = {"apiVersion": "v1", "kind": "Config", "preferences": {},
           "clusters": [{"name": "emulator", "cluster": cluster}],
           "users": [{"name": "emulator", "user": user}],
           "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator",
                                                         "namespace": namespace}}],
           "current-context": "emulator"}
    return json.dumps(cfg, indent=2) + "\n"


def self_signed(directory):
    """Create a self-signed certificate for 127.0.0.1/localhost with openssl."""
    openssl = shutil.which("openssl")
    if not openssl:
        sys.exit("emulator: --tls-self-signed needs the openssl binary")
    cert, key = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
    # EC P-256 keys are generated instantly (RSA takes noticeable CPU) and Go accepts them.
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=kube-emulator",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = pick a free one)")
    p.add_argument("--port-file", help="write the bound port here (atomically) once listening")
    p.add_argument("--token", help="require 'Authorization: Bearer TOKEN' (401 otherwise)")
    p.add_argument("--tls-cert", help="serve https with this PEM certificate")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--tls-self-signed", action="store_true",
                   help="generate a throwaway self-signed certificate (needs openssl)")
    p.add_argument("--rollout-delay", type=float, default=0.5,
                   help="seconds before pods become ready (controllers' time step)")
    p.add_argument("--kubeconfig-out", help="write a kubeconfig for this emulator here")
    p.add_argument("--deny", action="append", default=[], metavar="VERB:RESOURCE[:NAMESPACE]",
                   help="forbid (403) and report as not allowed in SelfSubjectAccessReviews; "
                        "repeatable and/or comma-separated; '*' wildcards")
    p.add_argument("--allow-anonymous-info", action="store_true",
                   help="with --token: let requests without any Authorization header read /version, "
                        "/healthz, /livez, /readyz (kube-apiserver's default); otherwise everything needs the token")
    p.add_argument("--server-version", default="1.32.0", help="version reported by /version")
    p.add_argument("--no-aggregated-discovery", action="store_true",
                   help="answer /api and /apis only in the legacy (unaggregated) format")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.add_argument("--run-pods", metavar="DIR",
                   help="process mode: run pods whose images are all on a loopback registry (127.0.0.1:PORT/...) "
                        "as local processes from the pulled image, unpacked under DIR; expose NodePort Services "
                        "on 127.0.0.1:<nodePort> (see README.md, 'Process mode')")
    p.add_argument("--registry-auth", action="append", default=[], metavar="HOST:PORT=USER:PASSWORD",
                   help="with --run-pods: Basic credentials for a loopback registry (repeatable)")
    p.add_argument("--prometheus-targets", metavar="DIR",
                   help="with --run-pods: write a Prometheus file_sd target file per running pod annotated "
                        "prometheus.io/scrape: \"true\" (DIR/<namespace>-<pod>.json)")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    for item in args.registry_auth:
        if "=" not in item or ":" not in item.split("=", 1)[1]:
            p.error("--registry-auth takes HOST:PORT=USER:PASSWORD, not %r" % item)
    if (args.registry_auth or args.prometheus_targets) and not args.run_pods:
        p.error("--registry-auth and --prometheus-targets need --run-pods DIR")
    return args


def main(argv=None):
    args = parse_args(argv)
    deny = [r for item in args.deny for r in item.split(",") if r.strip()]
    options = Options(token=args.token, rollout_delay=args.rollout_delay, deny=deny,
                      server_version=args.server_version,
                      aggregated_discovery=not args.no_aggregated_discovery, verbose=args.verbose,
                      anonymous_info=args.allow_anonymous_info, run_pods=args.run_pods,
                      registry_auth=[tuple(a.split("=", 1)) for a in args.registry_auth],
                      prometheus_targets=args.prometheus_targets)
    app = App(options)

    ctx, ca_pem, tmpdir = None, None, None
    cert, key = args.tls_cert, args.tls_key
    if args.tls_self_signed and not cert:
        tmpdir = tempfile.mkdtemp(prefix="kube-emulator-tls-")
        cert, key = self_signed(tmpdir)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        with open(cert, "rb") as f:
            ca_pem = f.read()

    server = Server(("127.0.0.1", args.port), app, ctx)
    app.server = server
    port = server.server_address[1]
    url = "%s://127.0.0.1:%d" % ("https" if ctx else "http", port)
    if args.kubeconfig_out:
        write_atomic(args.kubeconfig_out, kubeconfig(url, args.token, ca_pem))
    if args.port_file:
        write_atomic(args.port_file, "%d\n" % port)
    app.controllers.start()
    sys.stderr.write("kube-emulator listening on %s\n" % url)
    sys.stderr.flush()

    def on_signal(signum, frame):
        threading.Thread(target=app.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
