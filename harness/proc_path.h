// Which procfs file a trapped open names (trap_proc.cc's /proc emulation). The open's
// path is what the program passed: relative to its cwd or a directory fd, through
// symlinks (/etc/mtab -> /proc/mounts -> self/mounts), `..`, `//` or a magic link
// (/proc/self/fd/N/..., /proc/self/root/...). Matching its text alone let all of these
// read the host's files, the host's cgroup paths and mounts among them. So the file is
// found as the kernel will find it: whether it is on a procfs at all by one statx of
// the same path (the common answer, no), and then, for a procfs file, its canonical
// path, resolved component by component as the program would (`self` and
// `thread-self` are the program's, not the supervisor's).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace ukrun {

// A file on a procfs, as a trapped open names it.
struct procfs_target {
  std::string file;  // its path below the procfs's root: "/123/cgroup", "/cgroups"
  std::string path;  // its canonical path: "/proc/123/cgroup"
};

class proc_paths {
 public:
  // `uk_only_names`: files of uk's procfs that the host's may lack (container,
  // containers...), found by their directory when the host has no such file.
  explicit proc_paths(absl::flat_hash_set<std::string> uk_only_names)
      : uk_only_names_(std::move(uk_only_names)) {}

  // Thread `tid` opens `path` relative to `dirfd` (AT_FDCWD: its cwd), following a
  // final symlink unless `follow` is false (O_NOFOLLOW). If the file it would open is
  // on a procfs: where (procfs_target). Else nullopt, also when the path does not
  // resolve (the open reports that itself). Absolute paths are resolved in the
  // supervisor's root, which is the program's unless it chrooted.
  std::optional<procfs_target> procfs_file(pid_t tid, int dirfd, const std::string& path,
                                           bool follow);

 private:
  // A mount, by its unique id: its mount point if it is a procfs, "" if it is not.
  // Unique ids are never reused, so an entry never goes stale. One caller only (the
  // notification thread): no lock.
  absl::flat_hash_map<uint64_t, std::string> mounts_;
  // The mount point of the procfs that the lookup of `where` (statx `flags`) ends on,
  // or nullopt if it ends on no procfs, or fails (`*err`: the errno): mountinfo is read
  // on a mount's first ask only.
  std::optional<std::string> procfs_mount_point(const std::string& where, int flags, int* err);
  const absl::flat_hash_set<std::string> uk_only_names_;
};

}  // namespace ukrun
