"""Counts the SIGINTs and SIGTERMs a program gets: `signal_count.py [WRAPPER...]`.

Runs `WRAPPER... python3 -c PROGRAM` under a pty (so ^C is the terminal's: SIGINT to
the foreground process group), where PROGRAM counts SIGINT and SIGTERM for 2 s. Once it
is ready: a ^C on the terminal, then SIGTERM to the process the pty started (the wrapper,
or the program itself without one). Prints "SIGINT n SIGTERM m".
"""
import os
import pty
import re
import signal
import sys

import ptyterm

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
term = ptyterm.Terminal(fd)
term.read(30, until=b"ready")
os.write(fd, b"\x03")
term.read(0.3)
os.kill(pid, signal.SIGTERM)
term.read(30, until=b"SIGTERM ")
term.read(0.3)
os.waitpid(pid, 0)
found = re.findall(r"SIGINT \d+ SIGTERM \d+", term.text())
print(found[-1] if found else "no count: " + term.text())
