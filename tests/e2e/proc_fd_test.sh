#!/bin/bash
# An fd of an emulated /proc file looks like the procfs file's, as natively: fstat's
# mode, links, owner, size 0, block size and inode number; fstatfs and a statfs through
# /proc/self/fd/N say procfs; /proc/self/fd/N names the file (/proc/<pid>/cgroup); the
# file status flags are the open's; a pread from 0 reads what the reads did. Only the
# text is uk's. uk's own files (/proc/self/container, /proc/containers) look like their
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
expect_no_uk_mounts
echo PASS
