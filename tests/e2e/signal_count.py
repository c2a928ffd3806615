"""Counts the SIGINTs and SIGTERMs a program gets: `signal_count.py [WRAPPER...]`.

Runs `WRAPPER... python3 -c PROGRAM` under a pty (so ^C is the terminal's: SIGINT to
the foreground process group), where PROGRAM counts SIGINT and SIGTERM for 2 s. Once it
is ready: a ^C on the terminal, then SIGTERM to the process the pty started (the wrapper,
or the program itself without one). Prints "SIGINT n SIGTERM m".
"""
import os
import pty
import re
import select
import signal
import sys
import time

PROGRAM = """
import signal, sys, time
n = {signal.SIGINT: 0, signal.SIGTERM: 0}
def h(s, f):
    n[s] += 1
signal.signal(signal.SIGINT, h)
signal.signal(signal.SIGTERM, h)
print("ready", flush=True)
end = time.time() + 2
while time.time() < end:
    time.sleep(0.02)
print("SIGINT %d SIGTERM %d" % (n[signal.SIGINT], n[signal.SIGTERM]), flush=True)
"""
pid, fd = pty.fork()
if pid == 0:
    argv = sys.argv[1:] + ["python3", "-c", PROGRAM]
    os.execvp(argv[0], argv)
out = b""


def pump(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
    return True


deadline = time.time() + 30
while b"ready" not in out and time.time() < deadline:
    if not pump(0.1):
        break
os.write(fd, b"\x03")
pump(0.3)
os.kill(pid, signal.SIGTERM)
deadline = time.time() + 30
while b"SIGTERM " not in out and time.time() < deadline and pump(0.2):
    pass
pump(0.3)
os.waitpid(pid, 0)
found = re.findall(r"SIGINT \d+ SIGTERM \d+", out.decode(errors="replace"))
print(found[-1] if found else "no count: " + out.decode(errors="replace"))
