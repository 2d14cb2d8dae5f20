#!/usr/bin/env python3
"""Loopback TLS servers for check_tls tests: one per CERT:KEY pair, on ephemeral ports.

usage: tls_fixture.py PORTFILE CERT:KEY [CERT:KEY ...]
Writes the ports, one line per pair in order, to PORTFILE once all listen; answers every
connection with a minimal HTTP response. Exits when stdin closes (the test process ended).
"""
import socket, ssl, sys, threading

def serve(sock, ctx):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        def handle(c):
            try:
                with ctx.wrap_socket(c, server_side=True) as s:
                    s.settimeout(2)
                    try:
                        s.recv(4096)
                    except Exception:
                        pass
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except Exception:
                c.close()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()

ports = []
for pair in sys.argv[2:]:
    cert, key = pair.split(":")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    ports.append(s.getsockname()[1])
    threading.Thread(target=serve, args=(s, ctx), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("\n".join(map(str, ports)))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
sys.stdin.read()
