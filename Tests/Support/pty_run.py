#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal, as a person at a terminal would, for ogf's tests.

Usage: pty_run.py ANSWER CMD [ARGS...]
Writes ANSWER and a newline when the command asks "Enter a value:", prints everything the
terminal showed to stdout, and exits with the command's exit code.
"""
import os
import pty
import select
import sys
import time

answer = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

seen = b""
answered = False
deadline = time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"Enter a value:" in seen:
            os.write(fd, answer.encode() + b"\n")
            answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
