#!/usr/bin/env python3
"""A loopback SMTP server (aiosmtpd) requiring AUTH (PLAIN/LOGIN, over plain text on loopback:
`auth_require_tls=False`), storing each accepted message as DIR/<n>.eml with a JSON sidecar
(envelope from/to, authenticated user). Mail without AUTH is refused (530), as a real
submission server does.

Usage: smtp-server.py PORT USER PASSWORD DIR [PIDFILE]   (127.0.0.1 only)
"""
import json
import os
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PORT, USER, PASSWORD, DIR = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(DIR, exist_ok=True)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(DIR) if f.endswith(".eml")]) + 1
        with open(os.path.join(DIR, f"{n}.eml"), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(os.path.join(DIR, f"{n}.json"), "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "user": session.auth_data}, f)
        return "250 Message accepted"


controller = Controller(Handler(), hostname="127.0.0.1", port=PORT, authenticator=authenticator, auth_required=True,
                        auth_require_tls=False)
controller.start()
if len(sys.argv) > 5:
    with open(sys.argv[5], "w") as f:
        f.write(str(os.getpid()))
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    controller.stop()
