#!/usr/bin/env python3
"""Run a command on a terminal of its own and answer its prompts.

pty_answer.py ANSWER... -- COMMAND ARG...

Each ANSWER is typed once the next prompt shows (output ending in ': '):
casevault flushes what was typed before a prompt, as a terminal user would
never have typed it.  Everything the command wrote is printed.  A command
still running after 120 s is killed and that is said: never hang the suite.
"""
import os
import pty
import select
import sys
import time

sep = sys.argv.index("--")
answers, argv = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
buf, end = b"", time.time() + 120
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
    if answers and buf.rstrip(b" ").endswith(b":"):
        time.sleep(0.1)
        os.write(fd, answers.pop(0).encode() + b"\n")
for _ in range(100):  # it closed its terminal: it is ending
    if os.waitpid(pid, os.WNOHANG) != (0, 0):
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    buf += b" [killed after 120 s, %d answers not asked for]" % len(answers)
sys.stdout.write(buf.decode(errors="replace"))
