"""Drives an interactive bash with job control under a pty: `pty_job.py UKRUN MODE DIR`.

Runs `UKRUN --cpu-enforcement=MODE -- bash -i`, where a job in a cpu container with
shares 100 runs in the foreground on CPU 0 against two burners in a container with
shares 900, then prints everything the terminal showed until 1 s after the job's end (JOBDONE).
Exit status 1 if that end never showed (within 60 s, or before the terminal closed).
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time

ukrun, mode, d = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(ukrun, [ukrun, "--cpu-enforcement=" + mode, "--", "bash", "--norc",
                     "--noprofile", "-i"])
# The job's output is spelled JOB""DONE in the typed line, so the echo never matches.
script = f"""PS1='$ '
c={d}; mkdir -p $c/cpu $c/cpuset
mount -t container -o cpu,cpuacct cpu $c/cpu; mount -t container -o cpuset cs $c/cpuset
mkdir $c/cpuset/one; echo 0 > $c/cpuset/one/cpus; echo 0 > $c/cpuset/one/mems
echo $$ > $c/cpuset/one/tasks
mkdir $c/cpu/A $c/cpu/B; echo 100 > $c/cpu/A/shares; echo 900 > $c/cpu/B/shares
for i in 1 2; do (echo $BASHPID > $c/cpu/B/tasks; while :; do :; done) & done
sh -c 'echo $$ > {d}/cpu/A/tasks; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo JOB""DONE'
kill %1 %2; wait; exit
"""
os.write(fd, script.encode())
out = b""
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO: the terminal's other side is gone
        break
    if not chunk:
        break
    out += chunk
    if b"JOBDONE" in out:  # the end: what the shell says after it follows within 1 s
        deadline = min(deadline, time.monotonic() + 1)
text = out.decode(errors="replace").replace("\r", "")
print(text)
# The end of the run: SIGHUP (forwarded to bash, which hangs up its jobs and exits); if
# that is not enough, SIGKILL of the supervisor, never of the outer uk-run (`pid`), which
# must live on to remove the run's host cgroup subtree.
os.kill(pid, signal.SIGHUP)
for _ in range(100):
    if os.waitpid(pid, os.WNOHANG)[0] == pid:
        break
    time.sleep(0.1)
else:
    sups = subprocess.run(["pgrep", "-P", str(pid), "-x", "uk-run"], capture_output=True,
                          text=True).stdout.split()
    for sup in sups:
        os.kill(int(sup), signal.SIGKILL)
    os.waitpid(pid, 0)
sys.exit(0 if "JOBDONE" in text else 1)
