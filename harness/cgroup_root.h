// /sys/fs/cgroup inside uk-run: a tmpfs of uk-run's own over the host's cgroup mounts
// (harness/README.md, "Processes and namespaces"), and what the mount table shows of it.
#ifndef UK_HARNESS_CGROUP_ROOT_H_
#define UK_HARNESS_CGROUP_ROOT_H_

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ukrun {

inline constexpr char kCgroupRoot[] = "/sys/fs/cgroup";
// The tmpfs's source in the mount table: how the merged table finds it.
inline constexpr char kCgroupRootSource[] = "uk-run";

// In the outer uk-run's private mount namespace, before the tree's user namespace:
// mounts the tmpfs over kCgroupRoot (nothing to do where the host has no such
// directory). The tree's mount namespace, owned by a less privileged user namespace,
// gets it locked: it cannot be unmounted or moved to reveal the host's mounts.
absl::Status mount_cgroup_root();

// The mount tables of /proc/<pid>, one line a mount, in the same order:
//   mounts:     SOURCE MOUNT_POINT TYPE OPTIONS 0 0
//   mountinfo:  ID PARENT DEV ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE ...
//   mountstats: device SOURCE mounted on MOUNT_POINT with fstype TYPE [STATS...]
enum class mount_table { mounts, mountinfo, mountstats };
// The field of a mount point in a line of `t`.
inline size_t mount_point_field(mount_table t) { return t == mount_table::mounts ? 1 : 4; }
// The fields of the type and the source in a line of `t`, split at spaces (`fields`;
// for mountinfo they follow the "-", past the end of a line that has none).
struct type_and_source {
  size_t type, source;
};
template <typename S>
type_and_source type_and_source_fields(const std::vector<S>& fields, mount_table t) {
  switch (t) {
    case mount_table::mounts:
      return {2, 0};
    case mount_table::mountstats:
      return {7, 1};
    case mount_table::mountinfo:
      break;
  }
  size_t dash = static_cast<size_t>(std::find(fields.begin(), fields.end(), "-") - fields.begin());
  return {dash + 1, dash + 2};
}

// For each line of a mount table of kind `t`: whether it is a mount the tmpfs covers,
// i.e. at or under kCgroupRoot and listed before the tmpfs (the table lists mounts
// oldest first). Such mounts cannot be reached by any path, so the merged table leaves
// them out, as it does the host's cgroup lines.
std::vector<bool> covered_by_cgroup_root(const std::vector<absl::string_view>& lines,
                                         mount_table t);

}  // namespace ukrun

#endif  // UK_HARNESS_CGROUP_ROOT_H_
