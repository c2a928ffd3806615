"""poll(2) on an open /proc/self/mountinfo and mounts, across a mount and an umount.

mount_poll.py DIR: prints the events each poll reports: before any change, a poll that
waits while another thread mounts a tmpfs on DIR, the same poll again (the change is
reported once), after the umount, and /proc/self/cgroup's (a file without a poll
operation); and whether DIR is in the table read again from offset 0 on the same fd
after each change. Natively the mount tables report POLLERR | POLLPRI once per change
(fs/proc_namespace.c mounts_poll), and a read from offset 0 generates the table anew;
a program watching them (libmount's monitor, systemd) waits for the one, then does
the other.
"""
import os
import select
import subprocess
import sys
import threading
import time

d = sys.argv[1]


def listed(fd):
    text, off = b"", 0
    while True:
        chunk = os.pread(fd, 4096, off)
        if not chunk:
            break
        text, off = text + chunk, off + len(chunk)
    return (" %s " % d).encode() in text


for table in ["/proc/self/mountinfo", "/proc/self/mounts"]:
    fd = os.open(table, os.O_RDONLY)
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLPRI)
    print(table, "before", [(f == fd, e) for f, e in p.poll(0)])
    p.modify(fd, select.POLLPRI)  # POLLIN is always ready: wait for a change alone
    mounter = threading.Thread(
        target=lambda: (time.sleep(0.3), subprocess.run(["mount", "-t", "tmpfs", "none", d],
                                                        check=True)))
    mounter.start()
    waited = p.poll(10000)
    mounter.join()
    print(table, "waited", [(f == fd, e) for f, e in waited])
    p.modify(fd, select.POLLIN | select.POLLPRI)
    print(table, "again", [(f == fd, e) for f, e in p.poll(0)])
    print(table, "listed after the mount", listed(fd))
    subprocess.run(["umount", d], check=True)
    print(table, "umount", [(f == fd, e) for f, e in p.poll(0)])
    print(table, "listed after the umount", listed(fd))
    os.close(fd)
fd = os.open("/proc/self/cgroup", os.O_RDONLY)
p = select.poll()
p.register(fd, select.POLLIN | select.POLLOUT | select.POLLPRI)
print("cgroup", [(f == fd, e) for f, e in p.poll(0)])
