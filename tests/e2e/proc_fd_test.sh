#!/bin/bash
# An fd of an emulated /proc file looks like the procfs file's, as natively: fstat's
# mode, links, owner, size 0, block size and inode number; fstatfs and a statfs through
# /proc/self/fd/N say procfs; /proc/self/fd/N names the file (/proc/<pid>/cgroup); the
# file status flags are the open's; a pread from 0 reads what the reads did, and on a
# held fd what is true then, and ESRCH once the file's process or thread has been
# reaped. Only the text is uk's. uk's own files (/proc/self/container, /proc/containers) look like their
# cgroup namesakes. Before, each was a memfd: fstatfs said tmpfs, fstat mode 0777, no
# link and the text's size, and the link read "/memfd:container (deleted)".
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
probe="$HELPERS/proc_fd.py"
native=$(python3 "$probe")
echo "natively:"
echo "$native"
out=$("$UKRUN" --mount container:cpuacct:$TMP/h -- python3 "$probe" uk)
echo "under uk-run:"
echo "$out"
# A non-root user's run is root of its own user namespace (README): owners differ.
same_ids() { if [[ $(id -u) == 0 ]]; then cat; else sed 's/ owner=[0-9:]*//'; fi; }
expect_eq "the fds' attributes" "$(same_ids <<<"$native")" \
  "$(grep -v " like " <<<"$out" | same_ids)"
expect_eq "uk's own files" "/proc/self/container like /proc/self/cgroup True
/proc/containers like /proc/cgroups True" "$(grep " like " <<<"$out")"
# An fd kept open reads the file as it is at each read from offset 0, as a seq_file's:
# here after the process moved to another container (before, the text of the open).
held=$("$UKRUN" --mount container:cpuacct:$TMP/h2 -- python3 -c '
import os, sys
fd = os.open("/proc/self/cgroup", os.O_RDONLY)
before = os.pread(fd, 4096, 0)
os.mkdir(sys.argv[1] + "/moved")
with open(sys.argv[1] + "/moved/tasks", "w") as tasks:
    tasks.write(str(os.getpid()))
print(b":/moved" in before, b":/moved" in os.pread(fd, 4096, 0))' $TMP/h2)
expect_eq "a held /proc/self/cgroup, read again after a move" "False True" "$held"
# A held fd of another process's or thread's file reads while it runs and while it is a
# zombie, and fails with ESRCH once it has been reaped, as procfs's file holds its
# struct pid (before: the last text, read again); a zombie's mount tables cannot be
# opened (before: opened, and their reads failed with EIO).
reaped_native=$(python3 "$HELPERS/proc_reaped.py" cgroup cpuset)
echo "$reaped_native"
reaped_uk=$("$UKRUN" --mount cgroup:cpuset:$TMP/h3 --mount container:cpuacct:$TMP/h4 -- \
  python3 "$HELPERS/proc_reaped.py" cgroup cpuset container)
expect_eq "held files of a reaped process or thread" "$reaped_native
$(grep cpuset <<<"$reaped_native" | sed 's/cpuset/container/')" "$reaped_uk"
expect_no_uk_mounts
echo PASS
