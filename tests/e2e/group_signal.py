"""What a caller sees of a child by its process group: `group_signal.py [WRAPPER...]`.

Runs `WRAPPER... python3 -c PROGRAM` as its child, in a process group of its own that
the child shares, as a script's child does, and prints one line per case:
- "group N": PROGRAM's count of SIGTERMs after one SIGTERM to the whole group;
- "alone N": the same after one SIGTERM to the child (the wrapper, if any) alone;
- "byname N": the same after one SIGTERM to every other process of the group with the
  child's name (as `pkill NAME` would send);
- "others ...": for other signals a program may catch (SIGUSR1, SIGUSR2, SIGQUIT,
  SIGWINCH, SIGPIPE, SIGALRM, SIGRTMIN+2), PROGRAM's count after one sent to the whole
  group and after one sent to the child alone ("group/alone");
- "wait0 ...": PROGRAM stops itself with SIGSTOP; the caller's waitpid(0, WUNTRACED)
  (any child of its group) sees the stop, a SIGCONT to the group resumes it, and
  waitpid(0) sees its exit.
Every wait has a deadline ("timeout" instead of a result).
"""
import os
import signal
import subprocess
import sys

COUNT = """
import signal, time
got = []
signal.signal(%d, lambda s, f: got.append(s))
print("ready", flush=True)
time.sleep(%s)  # resumed after each handler (PEP 475)
print(len(got), flush=True)
"""

STOP = """
import os, signal
print("ready", flush=True)
os.kill(os.getpid(), signal.SIGSTOP)
print("continued", flush=True)
"""

wrapper = sys.argv[1:]


def timeout(signum, frame):
    print("timeout", flush=True)
    os.killpg(os.getpgrp(), signal.SIGKILL)


os.setpgid(0, 0)  # this caller's group, shared by its child only
signal.signal(signal.SIGALRM, timeout)
# A handler, not SIG_IGN: the child must not inherit an ignored SIGTERM.
signal.signal(signal.SIGTERM, lambda s, f: None)


def start(program):
    child = subprocess.Popen(wrapper + ["python3", "-c", program], stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"
    return child


def count(send, sig=signal.SIGTERM, seconds=1.5):
    signal.alarm(30)
    child = start(COUNT % (sig, seconds))
    send(child)
    out = child.stdout.read().decode().strip()
    child.wait()
    signal.alarm(0)
    return out


print("group", count(lambda c: os.killpg(os.getpgrp(), signal.SIGTERM)), flush=True)
print("alone", count(lambda c: os.kill(c.pid, signal.SIGTERM)), flush=True)


def comm(pid):
    try:
        with open("/proc/%s/comm" % pid) as f:
            return f.read()
    except OSError:
        return None


def by_name(child):
    name = comm(child.pid)
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != os.getpid() and comm(p) == name:
            try:
                if os.getpgid(int(p)) == os.getpgrp():
                    os.kill(int(p), signal.SIGTERM)
            except ProcessLookupError:
                pass


print("byname", count(by_name), flush=True)

OTHERS = [("USR1", signal.SIGUSR1), ("USR2", signal.SIGUSR2), ("QUIT", signal.SIGQUIT),
          ("WINCH", signal.SIGWINCH), ("PIPE", signal.SIGPIPE), ("ALRM", signal.SIGALRM),
          ("RTMIN+2", signal.SIGRTMIN + 2)]
others = []
for name, sig in OTHERS:
    # The caller, a member of the group, takes its own copy in a handler; the timeout
    # alarm is off while a SIGALRM is counted.
    previous = signal.signal(sig, lambda s, f: None)
    group = count(lambda c: os.killpg(os.getpgrp(), sig), sig, 0.5)
    alone = count(lambda c: os.kill(c.pid, sig), sig, 0.5)
    signal.signal(sig, previous)
    others.append("%s %s/%s" % (name, group, alone))
print("others", *others, flush=True)

signal.alarm(30)
child = start(STOP)
pid, status = os.waitpid(0, os.WUNTRACED)
seen = [pid == child.pid, os.WIFSTOPPED(status) and os.WSTOPSIG(status)]
os.killpg(os.getpgrp(), signal.SIGCONT)
line = child.stdout.readline().decode().strip()
pid, status = os.waitpid(0, 0)
seen += [line, pid == child.pid, os.WIFEXITED(status) and os.WEXITSTATUS(status)]
signal.alarm(0)
print("wait0", *seen, flush=True)
