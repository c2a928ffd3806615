"""What an fd of an emulated /proc file shows besides its text, one line per file.

proc_fd.py [uk]: for each file, its fstat (mode, links, owner, size, block size and
blocks, and whether its inode number is the path's), the filesystem type fstatfs and
statfs of /proc/self/fd/N report, where /proc/self/fd/N points (this process's pid and
thread id as PID and TID), its file status flags with O_NONBLOCK asked for, and whether
a pread from 0 reads what the reads did, what an O_CREAT open and an
O_CREAT | O_EXCL one answer (EEXIST), what lseek to the end, to data and to a hole
and fsync and fdatasync answer (a seq_file's EINVAL), and whether sendfile and splice
lose nothing (they read the text or, where procfs has no splice_read, say EINVAL, where
the page cache of a FUSE file once gave 0 bytes). The same natively as under uk-run, whose text
differs (uk's view), but not the rest. With `uk`, also uk's own files
(/proc/self/container, /proc/containers), which have no native counterpart: their
attributes are their cgroup namesakes'.
"""
import ctypes
import errno
import fcntl
import os
import re
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)


def fs_type(call, arg):
    buf = ctypes.create_string_buffer(120)
    if call(arg, buf) != 0:
        return "err%d" % ctypes.get_errno()
    return hex(int.from_bytes(buf.raw[:8], "little"))


def errno_of(call):
    try:
        call()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


# Whether a copy by `call` (sendfile or splice from the fd to the pipe) reads `text`
# whole, or refuses with EINVAL; one that returns less than the text loses it.
def loses_nothing(fd, text, call):
    r, w = os.pipe()
    try:
        got = b""
        while len(got) < len(text):
            n = call(fd, w, len(got), len(text) - len(got))
            if n == 0:
                break
            got += os.read(r, n)
        return got == text
    except OSError as e:
        return e.errno == errno.EINVAL
    finally:
        os.close(r)
        os.close(w)


def describe(path):
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    st = os.fstat(fd)
    text = b""
    while True:
        chunk = os.read(fd, 1000)
        if not chunk:
            break
        text += chunk
    again = b""
    while True:
        chunk = os.pread(fd, 1000, len(again))
        if not chunk:
            break
        again += chunk
    link = os.readlink("/proc/self/fd/%d" % fd)
    pid, tid = os.getpid(), threading.get_native_id()
    named = re.sub(r"^/proc/%d/task/%d/" % (pid, tid), "/proc/PID/task/TID/", link)
    named = re.sub(r"^/proc/%d/" % pid, "/proc/PID/", named)
    fields = [
        path,
        "mode=%o" % st.st_mode,
        "nlink=%d" % st.st_nlink,
        "owner=%d:%d" % (st.st_uid, st.st_gid),
        "size=%d" % st.st_size,
        "blksize=%d" % st.st_blksize,
        "blocks=%d" % st.st_blocks,
        "ino-of-path=%s" % (os.path.exists(path) and st.st_ino == os.stat(path).st_ino),
        "fstatfs=%s" % fs_type(libc.fstatfs, fd),
        "statfs-fd-path=%s" % fs_type(libc.statfs, b"/proc/self/fd/%d" % fd),
        "link=%s" % named,
        # O_DIRECT shows under uk-run on a kernel whose FUSE splices a direct-I/O file
        # from the page cache (README: What a program can still tell).
        "flags=%o" % (fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_DIRECT),
        "pread-same=%s" % (text == again and len(text) > 0),
    ]
    for name, whence in [("end", os.SEEK_END), ("data", os.SEEK_DATA),
                         ("hole", os.SEEK_HOLE)]:
        fields.append("lseek-%s=%s" % (name, errno_of(lambda: os.lseek(fd, 0, whence))))
    fields.append("fsync=%s" % errno_of(lambda: os.fsync(fd)))
    # O_CREAT opens the file that is there; with O_EXCL it is EEXIST.
    for name, flags in [("creat", os.O_CREAT), ("creat-excl", os.O_CREAT | os.O_EXCL)]:
        fields.append("%s=%s" % (name, errno_of(
            lambda: os.close(os.open(path, os.O_RDONLY | flags, 0o644)))))
    fields.append("fdatasync=%s" % errno_of(lambda: os.fdatasync(fd)))
    fields.append("sendfile-loses-nothing=%s" % loses_nothing(
        fd, text, lambda fd, w, at, n: os.sendfile(w, fd, at, n)))
    fields.append("splice-loses-nothing=%s" % loses_nothing(
        fd, text, lambda fd, w, at, n: os.splice(fd, w, n, offset_src=at)))
    os.close(fd)
    return " ".join(fields)


FILES = ["/proc/self/cgroup", "/proc/self/mountinfo", "/proc/self/mounts",
         "/proc/self/mountstats", "/proc/cgroups", "/proc/thread-self/cgroup",
         "/proc/self/cpuset", "/etc/mtab"]
for f in FILES:
    print(describe(f))
if sys.argv[1:] == ["uk"]:
    for own, namesake in [("/proc/self/container", "/proc/self/cgroup"),
                          ("/proc/containers", "/proc/cgroups")]:
        mine = describe(own).split()[1:]
        theirs = describe(namesake).split()[1:]
        mine = [f for f in mine if not f.startswith(("link=", "ino-of-path="))]
        theirs = [f for f in theirs if not f.startswith(("link=", "ino-of-path="))]
        print(own, "like", namesake, mine == theirs, *(set(mine) ^ set(theirs)))
