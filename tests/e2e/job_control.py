"""What a caller's job control sees of a command that stops: `job_control.py [WRAPPER...]`.

Runs each case as `WRAPPER... python3 -c PROGRAM` (the program itself without a
wrapper) and prints one line per case:
- "waitpid": a parent's waitpid(WUNTRACED) of a program that sends itself SIGSTOP, then
  the SIGCONT the parent sends it, then the SIGCONTs its handler counted and its exit;
- "self-tstp": an interactive bash (under a pty) running a program that sends itself
  SIGTSTP: whether bash reports the job stopped, and whether `fg` resumes it;
- "ctrl-z": the same with a ^Z typed while the program sleeps.
"""
import os
import pty
import signal
import subprocess
import sys
import time

import ptyterm

wrapper = sys.argv[1:]
signal.alarm(120)  # whatever hangs, the test ends

COUNT_CONT = """
import os, signal, time
n = 0
def h(s, f):
    global n
    n += 1
signal.signal(signal.SIGCONT, h)
os.kill(os.getpid(), signal.SIGSTOP)
time.sleep(0.3)
print("sigcont", n, flush=True)
"""
p = subprocess.Popen(wrapper + ["python3", "-c", COUNT_CONT], stdout=subprocess.PIPE, text=True)
deadline = time.time() + 20
while True:
    got, status = os.waitpid(p.pid, os.WUNTRACED | os.WNOHANG)
    if got or time.time() > deadline:
        break
    time.sleep(0.01)
if got and os.WIFSTOPPED(status):
    seen = "stopped by %d" % os.WSTOPSIG(status)
    os.kill(p.pid, signal.SIGCONT)
else:
    seen = "no stop in 20 s" if not got else "status %d" % status
    os.kill(p.pid, signal.SIGKILL)
out = p.communicate()[0].strip()
print("waitpid: %s; %s; exit %d" % (seen, out, p.returncode))


def shell_case(name, program, ctrl_z):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
    term = ptyterm.Terminal(fd)
    term.read(5, until=b"$ ")
    # The tokens waited for are computed by the program: the echoed command line does
    # not hold them.
    cmd = " ".join(wrapper + ["python3", "-c", "'%s'" % program])
    os.write(fd, (cmd + "\n").encode())
    if ctrl_z:
        term.read(20, until=b"sleeping")
        os.write(fd, b"\x1a")
    stopped = term.read(20, until=b"Stopped")
    os.write(fd, b"fg\n")
    resumed = term.read(20, until=b"resumed")
    os.write(fd, b"exit\n")
    term.read(1)
    os.close(fd)
    os.waitpid(pid, 0)
    print("%s: %s, %s" % (name, "stopped" if stopped else "not stopped",
                          "resumed" if resumed else "not resumed"))


os.environ["PS1"] = "$ "
shell_case("self-tstp",
           "import os, signal; os.kill(os.getpid(), signal.SIGTSTP); print(\"re\" + \"sumed\")",
           False)
shell_case("ctrl-z",
           "import time; print(\"slee\" + \"ping\", flush=True); time.sleep(2); "
           "print(\"re\" + \"sumed\")", True)
