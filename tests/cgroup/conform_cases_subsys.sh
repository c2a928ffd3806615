# Sourced by conform_cases.sh: the cases of kinds cpuacct and pids (its table lists
# them), run in a child of that subsystem's hierarchy.

# Today's cpuacct files (kernel/sched/cpuacct.c): their names and modes; after a loop of
# 200000 turns in the group (ended, so nothing changes between reads) how they agree with
# one another, whatever the times were: usage is the sum of usage_percpu, usage_all's
# columns are usage_percpu_user's and _sys's, cpuacct.stat (cputime_adjust) sums to
# usage within a tick, a loop of the shell's own is user time; a write of 0 resets every
# count but cpuacct.stat (prev_cputime), and other writes are EINVAL.
case_cpuacct_files() {
  stat -c '%A %n' "$D"/cpuacct.* | sed "s|$D/||"
  (echo "$BASHPID" >"$D/tasks" && exec bash -c "i=0; while ((i < 200000)); do ((i++)); done")
  python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]
def read(name):
    with open(os.path.join(d, "cpuacct." + name)) as f:
        return f.read()
def cpus(name):
    text = read(name)
    assert text.endswith(" \n"), repr(text)
    return [int(v) for v in text.split()]
def check():
    usage = int(read("usage"))
    percpu, user, sys_ = cpus("usage_percpu"), cpus("usage_percpu_user"), cpus("usage_percpu_sys")
    rows = read("usage_all").splitlines()
    stat = dict(line.split() for line in read("stat").splitlines())
    print("usage_percpu counts:", len(percpu), len(user), len(sys_))
    print("usage is their sum:", usage == sum(percpu))
    print("usage_user, usage_sys are their columns' sums:",
          int(read("usage_user")) == sum(user), int(read("usage_sys")) == sum(sys_))
    print("usage_all:", rows[0], "| rows match:",
          rows[1:] == ["%d %d %d" % (c, u, s) for c, (u, s) in enumerate(zip(user, sys_))])
    print("stat:", list(stat), "| sums to usage within a tick:",
          usage // 10**7 - 1 <= int(stat["user"]) + int(stat["system"]) <= usage // 10**7)
    return usage, stat
usage, stat = check()
print("usage ran:", usage > 0, "| mostly user:", int(stat["user"]) > int(stat["system"]))
for name, data in (("usage", b"1"), ("usage", b"-1"), ("usage_user", b"0"), ("stat", b"0")):
    fd = os.open(os.path.join(d, "cpuacct." + name), os.O_WRONLY)
    try:
        os.write(fd, data)
        print("write", name, data, "ok")
    except OSError as e:
        print("write", name, data, os.strerror(e.errno))
    os.close(fd)
with open(os.path.join(d, "cpuacct.usage"), "w") as f:
    f.write("0")
print("after a reset:", read("usage").strip(), read("usage_percpu").split(),
      read("usage_user").strip(), read("usage_sys").strip(), read("usage_all").split()[3:])
print("stat kept:", dict(line.split() for line in read("stat").splitlines()) == stat)
PY
}

# A zombie counts in pids.current, and against pids.max, until its parent reaps it
# (the kernel uncharges at release_task, not at exit); `tasks` no longer lists it. The
# refused fork is EAGAIN and counts in pids.events. Its /proc/<pid>/cgroup is there,
# every path "/".
case_pids_zombies() {
  python3 - "$D" <<'PY'
import os, sys, time
d = sys.argv[1]
def read(name):
    with open(os.path.join(d, name)) as f:
        return f.read().split()
def write(name, value):
    with open(os.path.join(d, name), "w") as f:
        f.write(value)
def fork_exits():
    try:
        pid = os.fork()
    except OSError as e:
        return os.strerror(e.errno)
    if pid == 0:
        os._exit(0)
    return pid
write("cgroup.procs", str(os.getpid()))
print("alone:", read("pids.current"))
a = fork_exits()
for _ in range(500):  # until it is a zombie (state Z), however busy the machine
    with open("/proc/%d/stat" % a) as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
            break
    time.sleep(0.01)
print("a zombie:", read("pids.current"), "listed:", len(read("tasks")))
with open("/proc/%d/cgroup" % a) as f:  # its pids line: the top container hack, "/"
    print("its /proc cgroup:", [l.split(":", 2)[2] for l in f.read().splitlines() if ":pids:" in l])
write("pids.max", "2")
print("a fork past max:", fork_exits(), "| events:", read("pids.events"))
os.waitpid(a, 0)
print("reaped:", read("pids.current"))
b = fork_exits()
print("a fork after the reap:", "ok" if isinstance(b, int) else b)
os.waitpid(b, 0)
print("reaped again:", read("pids.current"))
PY
}
