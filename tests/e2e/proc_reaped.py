"""What a held fd of a process's or a thread's /proc file reads once it has gone.

proc_reaped.py LEAF...: for each LEAF (cgroup, cpuset, container), an fd of a child
process's /proc/<pid>/LEAF read while the child runs, once it is a zombie and once it
has been reaped (first, the opens of a zombie's mount tables); and fds of a thread's /proc/<pid>/task/<tid>/LEAF and /proc/<tid>/LEAF
read while it runs and after it has exited (threads are reaped at once). Each read
prints "text" (it read something), "empty" or the errno's name. procfs's files hold
their struct pid: a reaped one's reads fail with ESRCH (proc_single_show).
"""
import errno
import os
import sys
import threading
import time


def read(fd):
    try:
        return "text" if os.pread(fd, 65536, 0) else "empty"
    except OSError as e:
        return errno.errorcode[e.errno]


def child():
    """A child process, and the pipe end whose close ends it."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)  # until the parent closes its end
        os._exit(0)
    os.close(r)
    return pid, w


def wait_zombie(pid):
    while True:  # its stat's state is Z
        with open("/proc/%d/stat" % pid) as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return
        time.sleep(0.001)


def zombie_mount_tables():
    """A zombie has no mount namespace left: its tables' opens fail (EINVAL)."""
    pid, w = child()
    os.close(w)
    wait_zombie(pid)
    seen = []
    for table in ["mounts", "mountinfo", "mountstats"]:
        try:
            fd = os.open("/proc/%d/%s" % (pid, table), os.O_RDONLY)
            seen.append(read(fd))
            os.close(fd)
        except OSError as e:
            seen.append("open " + errno.errorcode[e.errno])
    os.waitpid(pid, 0)
    return "zombie's mounts, mountinfo, mountstats: " + ", ".join(seen)


def child_process(leaf):
    pid, w = child()
    fd = os.open("/proc/%d/%s" % (pid, leaf), os.O_RDONLY)
    seen = [read(fd)]
    os.close(w)
    wait_zombie(pid)
    seen.append(read(fd))
    os.waitpid(pid, 0)
    seen.append(read(fd))
    os.close(fd)
    return "process %s: running %s, zombie %s, reaped %s" % (leaf, *seen)


def thread(leaf):
    done = threading.Event()
    tids = []
    started = threading.Event()

    def run():
        tids.append(threading.get_native_id())
        started.set()
        done.wait()

    t = threading.Thread(target=run)
    t.start()
    started.wait()
    paths = ["/proc/%d/task/%d/%s" % (os.getpid(), tids[0], leaf), "/proc/%d/%s" % (tids[0], leaf)]
    fds = [os.open(p, os.O_RDONLY) for p in paths]
    seen = [read(fd) for fd in fds]
    done.set()
    t.join()
    # join() returns once the thread's Python part is done; its exit follows.
    while os.path.exists("/proc/%d/task/%d" % (os.getpid(), tids[0])):
        time.sleep(0.001)
    seen += [read(fd) for fd in fds]
    for fd in fds:
        os.close(fd)
    return "thread %s: running %s %s, exited %s %s" % (leaf, *seen)


print(zombie_mount_tables())
for leaf in sys.argv[1:]:
    print(child_process(leaf))
    print(thread(leaf))
