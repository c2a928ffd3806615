# Sourced by conform_cases.sh: the cases of kinds cpu, freezer and pids that write
# values to a subsystem's files (its table lists them), in a child of that subsystem's
# hierarchy. Each value goes in one write(2); the answer is the write's result and what
# the file reads after it.

# values FILE...: writes each of a list of values to each FILE of D (the numbers'
# syntax, signs, bases, blanks and newlines, ranges, words), printing the answers.
values() {
  python3 - "$D" "$@" <<'PY'
import os, sys
d = sys.argv[1]
VALUES = [b"0", b"1", b"2", b"-1", b"abc", b"", b" 5", b"5 ", b"0x10", b"+5", b"5\n",
          b"5\n\n", b"010", b"99999999999999999999", b"max", b"max\n", b" max", b"999",
          b"1000", b"1000000", b"1000001", b"2147483648", b"4294967296",
          b"9223372036854775807", b"18446744073709551615", b"-9223372036854775808", b"1 2",
          b"5\x00junk", b"1ms", b"FROZEN", b"THAWED", b"FREEZING", b"frozen", b"FROZEN\n",
          b" FROZEN", b"FROZEN ", b"THAWED\n\n"]
def read(name):
    try:
        with open(os.path.join(d, name), "rb") as f:
            return f.read()
    except OSError as e:
        return os.strerror(e.errno)
for name in sys.argv[2:]:
    print(name, "reads", read(name))
    for v in VALUES:
        try:
            fd = os.open(os.path.join(d, name), os.O_WRONLY)
        except OSError as e:
            print(" ", v, "open:", os.strerror(e.errno))
            continue
        try:
            ans = "ok %d" % os.write(fd, v)
        except OSError as e:
            ans = os.strerror(e.errno)
        os.close(fd)
        print(" ", v, ans, read(name))
        if name == "freezer.state":
            with open(os.path.join(d, name), "w") as f:
                f.write("THAWED")
PY
}

# cpu's v1 files (kernel/sched/core.c cpu_legacy_files): shares (clamped to 2..262144),
# the bandwidth period and burst (their ranges), idle (0 or 1), rt_period_us (with no
# RT runtime here, any period from 1 us). Not the quota or the RT runtime: uk refuses
# those (EOPNOTSUPP, README), as it enforces shares, not bandwidth.
case_cpu_values() {
  values cpu.shares cpu.cfs_period_us cpu.cfs_burst_us cpu.idle cpu.rt_period_us cpu.stat
}

# freezer.state's words (freezer_write: FROZEN or THAWED, the newline stripped by
# kernfs, nothing else), the read-only self_freezing and parent_freezing, and a
# parent's and a child's states as each is frozen and thawed (freezer_apply_state:
# a child of a frozen parent reads FROZEN whatever it was told).
case_freezer_values() {
  values freezer.state freezer.self_freezing freezer.parent_freezing
  mkdir "$D/c"
  python3 - "$D" <<'PY'
import os, sys
p = sys.argv[1]
c = os.path.join(p, "c")
def r(d, f):
    with open(os.path.join(d, f)) as fh:
        return fh.read().strip()
def w(d, state):
    with open(os.path.join(d, "freezer.state"), "w") as fh:
        fh.write(state)
def show(label):
    print(label, "| parent:", *(r(p, "freezer." + f) for f in ("state", "self_freezing", "parent_freezing")),
          "| child:", *(r(c, "freezer." + f) for f in ("state", "self_freezing", "parent_freezing")))
show("both thawed")
w(c, "FROZEN"); show("child frozen")
w(p, "FROZEN"); show("both frozen")
w(c, "THAWED"); show("child thawed, parent frozen")
w(p, "THAWED"); show("parent thawed")
PY
  rmdir "$D/c"
}

# pids.max: "max" or a number of 0..PID_MAX_LIMIT (kstrtoll, base detected), stripped
# (pids_max_write); pids.current and pids.events are read-only.
case_pids_values() {
  values pids.max pids.current pids.events
}

# A file read a few bytes at a time is one text (kernfs files are seq_files: the text
# is made at a read from offset 0 or from anywhere but where the last read ended, and
# reads that go on are served from it); a write in between shows at the next such read.
case_seq_reads() {
  python3 - "$D/cpu.shares" <<'PY'
import os, sys
f = sys.argv[1]
def w(v):
    fd = os.open(f, os.O_WRONLY)
    os.write(fd, v)
    os.close(fd)
w(b"1024")
fd = os.open(f, os.O_RDONLY)
a = os.read(fd, 2)
w(b"2048")
print("read on after a write:", a + os.read(fd, 100))
print("from 0:", os.pread(fd, 100, 0))
w(b"1024")
print("at 1, not where the last ended:", os.pread(fd, 100, 1))
fd2 = os.open(f, os.O_RDONLY)
print("first read at 2:", os.pread(fd2, 100, 2))
a = os.read(fd2, 1)
w(b"2048")
print("from 0, a write, read on:", a, os.read(fd2, 100))
os.lseek(fd2, 1, os.SEEK_SET)
w(b"1024")
print("lseek to 1, a write, read:", os.read(fd2, 100))
print("at the end:", os.read(fd2, 100))
PY
}
