# Sourced by conform_cases.sh: cases of `tasks` and `cgroup.procs` (its table lists
# them), run in a named hierarchy's group.

# Writing an exited, unreaped task's pid (cgroup_procs_write_start finds a zombie;
# cgroup_migrate_add_task skips an exiting task): the write succeeds and nothing moves,
# to tasks and to cgroup.procs; after the reap, ESRCH.
case_move_exiting() {
  mkdir "$D/a" "$D/b"
  python3 - "$D" <<PY
$PY_ANS
import os, sys, time
d = sys.argv[1]
def write(name, value):
    with open(os.path.join(d, name), "w") as f:
        f.write(value)
def members(name):
    with open(os.path.join(d, name)) as f:
        return len(f.read().split())
write("a/cgroup.procs", str(os.getpid()))
pid = os.fork()
if pid == 0:
    os._exit(0)
for _ in range(500):  # until it is a zombie (state Z), however busy the machine
    with open("/proc/%d/stat" % pid) as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
            break
    time.sleep(0.01)
for f in ("b/tasks", "b/cgroup.procs"):
    ans("zombie to " + f, lambda: write(f, str(pid)))
print("members of a, b:", members("a/tasks"), members("b/tasks"))
os.waitpid(pid, 0)
ans("reaped to b/tasks", lambda: write("b/tasks", str(pid)))
write("cgroup.procs", str(os.getpid()))
PY
}

# When the list is taken (cgroup_pidlist_start): by the first read after the open, so a
# pid written on the same fd before that read shows. The read continues at the write's
# offset (the pid's length: the answers do not depend on it), then from 0.
case_pidlist_first_read() {
  mkdir "$D/a"
  python3 - "$D" <<PY
$PY_ANS
import os, sys
d = sys.argv[1]
me = str(os.getpid())
fd = os.open(os.path.join(d, "a/tasks"), os.O_RDWR)
ans("write own pid", lambda: os.write(fd, me.encode()) == len(me))
ans("read on", lambda: os.read(fd, 4096))
ans("read from 0", lambda: os.pread(fd, 4096, 0) == (me + chr(10)).encode())
os.close(fd)
with open(os.path.join(d, "cgroup.procs"), "w") as f:
    f.write(me)
PY
}
