"""Drives an interactive bash with job control under a pty: `pty_job.py UKRUN MODE DIR`.

Runs `UKRUN --cpu-enforcement=MODE -- bash -i`, where a job in a cpu container with
shares 100 runs in the foreground on CPU 0 against two burners in a container with
shares 900, then prints everything the terminal showed until 1 s after the job's end (JOBDONE).
Exit status 1 if that end never showed (within 60 s, or before the terminal closed).
"""
import os
import pty
import signal
import subprocess
import sys
import time

import ptyterm

ukrun, mode, d = sys.argv[1:4]
contend = os.path.join(os.path.dirname(os.path.abspath(__file__)), "contend.sh")
pid, fd = pty.fork()
if pid == 0:
    os.execv(ukrun, [ukrun, "--cpu-enforcement=" + mode, "--", "bash", "--norc",
                     "--noprofile", "-i"])
# The job's output is spelled JOB""DONE in the typed line, so the echo never matches.
script = f"""PS1='$ '
source {contend} {d}
sh -c 'echo $$ > {d}/cpu/A/tasks; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo JOB""DONE'
kill %1 %2; wait; exit
"""
os.write(fd, script.encode())
term = ptyterm.Terminal(fd)
if term.read(60, until=b"JOBDONE"):
    term.read(1)  # what the shell says after the end follows within 1 s
text = term.text().replace("\r", "")
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
    sups = subprocess.run(["pgrep", "-P", str(pid), "-x", "uk-supervisor"], capture_output=True,
                          text=True).stdout.split()
    for sup in sups:
        os.kill(int(sup), signal.SIGKILL)
    os.waitpid(pid, 0)
sys.exit(0 if "JOBDONE" in text else 1)
