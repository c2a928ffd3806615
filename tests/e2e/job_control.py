"""What a caller's job control sees of a command that stops: `job_control.py [WRAPPER...]`.

Runs each case as `WRAPPER... python3 -c PROGRAM` (the program itself without a
wrapper) and prints one line per case:
- "waitpid": a parent's waitpid(WUNTRACED) of a program that sends itself SIGSTOP, then
  the SIGCONT the parent sends it, then the SIGCONTs its handler counted and its exit;
- "self-tstp": an interactive bash (under a pty) running a program that sends itself
  SIGTSTP: whether bash reports the job stopped, and whether `fg` resumes it;
- "ctrl-z": the same with a ^Z typed while the program sleeps;
- "ctrl-z ignored": a ^Z typed while a program that ignores SIGTSTP sleeps: whether bash
  reports a stop, and whether the program finishes;
- "bg read handled": a background job that reads the terminal and exits (status 3) in
  its SIGTTIN handler: whether bash reports a stop, and the job's exit;
- "tstp handled", "tstp", "ttin handled": a parent sends a stop signal to its child's
  pid (the child in a process group of its own, which is not orphaned): SIGTSTP to a
  program that counts it in a handler and to one that takes the default action, SIGTTIN
  to one that counts it. What its waitpid(WUNTRACED) saw, then the program's output and
  exit.
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


COUNT = """
import signal, sys, time
n = 0
def h(s, f):
    global n
    n += 1
signal.signal(signal.%s, h)
print("ready", flush=True)
time.sleep(0.5)
print("%s", n, flush=True)
"""
TSTP_DEFAULT = """
import time
print("ready", flush=True)
time.sleep(0.5)
print("resumed", flush=True)
"""


def stop_case(name, program, sig):
    p = subprocess.Popen(wrapper + ["python3", "-c", program], stdout=subprocess.PIPE,
                         text=True, process_group=0)
    p.stdout.readline()  # "ready": the handler is in place
    os.kill(p.pid, sig)
    seen = "no stop"
    deadline = time.time() + 3
    while time.time() < deadline:
        got, status = os.waitpid(p.pid, os.WUNTRACED | os.WNOHANG)
        if got and os.WIFSTOPPED(status):
            seen = "stopped by %d" % os.WSTOPSIG(status)
            os.kill(p.pid, signal.SIGCONT)
            break
        if got:
            p.returncode = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.01)
    out = p.stdout.read().strip()
    if p.returncode is None:
        p.wait()
    print("%s: %s; %s; exit %d" % (name, seen, out, p.returncode))


stop_case("tstp handled", COUNT % ("SIGTSTP", "sigtstp"), signal.SIGTSTP)
stop_case("tstp", TSTP_DEFAULT, signal.SIGTSTP)
stop_case("ttin handled", COUNT % ("SIGTTIN", "sigttin"), signal.SIGTTIN)


def start_shell(program, background=False):
    """An interactive bash under a pty, at its prompt, told to run PROGRAM (under the
    wrapper): its pid, the pty's fd and the Terminal reading it."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
    term = ptyterm.Terminal(fd)
    term.read(5, until=b"$ ")
    # The tokens waited for are computed by the program: the echoed command line does
    # not hold them.
    cmd = " ".join(wrapper + ["python3", "-c", "'%s'" % program])
    os.write(fd, (cmd + (" &\n" if background else "\n")).encode())
    return pid, fd, term


def end_shell(pid, fd, term, line):
    os.write(fd, line)
    term.read(1)
    os.close(fd)
    os.waitpid(pid, 0)


def shell_case(name, program, ctrl_z, done=b"resumed"):
    pid, fd, term = start_shell(program)
    if ctrl_z:
        term.read(20, until=b"sleeping")
        os.write(fd, b"\x1a")
    stopped = term.read(20 if done == b"resumed" else 3, until=b"Stopped")
    if stopped:
        os.write(fd, b"fg\n")
    resumed = term.read(20, until=done)
    end_shell(pid, fd, term, b"exit\n")
    word = done.decode()
    print("%s: %s, %s" % (name, "stopped" if stopped else "not stopped",
                          word if resumed else "not " + word))


os.environ["PS1"] = "$ "
shell_case("self-tstp",
           "import os, signal; os.kill(os.getpid(), signal.SIGTSTP); print(\"re\" + \"sumed\")",
           False)
shell_case("ctrl-z",
           "import time; print(\"slee\" + \"ping\", flush=True); time.sleep(2); "
           "print(\"re\" + \"sumed\")", True)
shell_case("ctrl-z ignored",
           "import signal, time; signal.signal(signal.SIGTSTP, signal.SIG_IGN); "
           "print(\"slee\" + \"ping\", flush=True); time.sleep(2); print(\"fini\" + \"shed\")",
           True, b"finished")


def background_case(name, program):
    pid, fd, term = start_shell(program, background=True)
    term.read(3, until=b"Stopped")
    os.write(fd, b"jobs\n")
    ended = term.read(10, until=b"Exit 3")
    stopped = b"Stopped" in term.out
    end_shell(pid, fd, term, b"kill -KILL %1 2>/dev/null; exit\n")
    print("%s: %s, %s" % (name, "stopped" if stopped else "not stopped",
                          "exit 3" if ended else "no exit 3"))


background_case("bg read handled",
                "import os, signal, sys; "
                "signal.signal(signal.SIGTTIN, lambda s, f: os._exit(3)); sys.stdin.read()")
