// The run's own host cgroup subtree, for `--cpu-enforcement=host-cgroup`
// (harness/README.md, "CPU shares"): the host's scheduler enforces the cpu subsystem's
// shares, so no process is ever stopped.
//
// The outer uk-run makes the subtree before it enters any namespace (inside, the host's
// /sys/fs/cgroup is not reachable by path) and passes it down as directory fds; it
// removes it once the supervisor is gone, however it died. Only this subtree is ever
// written: it is named `uk-run.<outer pid>.<random>` and lives under the cgroup the outer
// uk-run is in, in cgroup2 when that cgroup hands `cpu` to its children
// (cgroup.subtree_control) and is writable, else in the v1 cpu hierarchy (root).
//
// Layout, by uk container path P ("/" for the hierarchy's top), in subtree root R:
//   v1: R/P with cpu.shares = the container's shares; thread tid in R/P/tasks.
//   v2: R/P with cpu.weight = shares_to_weight(shares) and +cpu in its subtree_control;
//       its own processes in the leaf R/P/tasks (a container can hold both tasks and
//       children, a cgroup2 cgroup with controllers for its children cannot; `tasks`
//       is never a container's name: it is a file there). cgroup.procs moves whole
//       processes: a process goes where its leader is (group_mirror's !per_thread()).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sched/group_mirror.h"

namespace ukrun {

// What the subtree's code does to a cgroupfs besides reading it: on the host
// (host_cgroupfs()), mkdirat, unlinkat(AT_REMOVEDIR) and one write(2) of the whole text
// to a control file, the kernel making and dropping the control files itself. A test
// lays a temporary directory out as a cgroupfs instead (host_cgroup_test).
class cgroupfs_ops {
 public:
  virtual ~cgroupfs_ops() = default;
  // 0 or an errno; `path` is below the directory `dirfd`.
  virtual int mkdir(int dirfd, const std::string& path) const = 0;
  virtual int rmdir(int dirfd, const std::string& path) const = 0;
  virtual int write(int dirfd, const std::string& file, const std::string& text) const = 0;
};
const cgroupfs_ops& host_cgroupfs();

struct host_subtree {
  bool v2 = false;
  const cgroupfs_ops* fs = &host_cgroupfs();  // never null
  int parent_fd = -1;       // the cgroup the outer uk-run is in (only R is made there)
  int fd = -1;              // R
  std::string name;         // uk-run.<outer pid>.<random>
  std::string host_path;    // R as the host's mount table shows it (messages)
  std::string cgroup_path;  // R as /proc/<pid>/cgroup shows it
};

// uk-run.<pid>.<8 hex random digits>.
std::string subtree_name();

// The outer uk-run, before the namespaces: makes R named `name` (v2 first, then v1). An
// error says why neither is available (no controller, not writable...).
absl::StatusOr<host_subtree> make_host_subtree(const std::string& name);

// make_host_subtree's work in one hierarchy, below the cgroup at `parent_dir` (shown as
// `parent_cgroup` in /proc/<pid>/cgroup): in cgroup2 (`v2`) it must give cpu to its
// children; R then gives cpu to its own and holds the leaf R/tasks. In v1, R's
// cpu.shares must be writable. Tests pass a temporary directory and their `fs`.
absl::StatusOr<host_subtree> make_host_subtree_at(bool v2, const std::string& parent_dir,
                                                  const std::string& parent_cgroup,
                                                  const std::string& name,
                                                  const cgroupfs_ops& fs = host_cgroupfs());

// The freezer's subtree, also made by the outer uk-run: R named `name` in cgroup2 (which
// needs no controller for it) with a child `frozen` whose cgroup.freeze is 1. Freezing a
// process is moving it there (cgroup.procs), thawing is moving it back to R. cgroup2's,
// not v1's freezer: a v1-frozen task does not die of SIGKILL until thawed, and the pid
// namespace's teardown must kill every process of the run however it ended.
absl::StatusOr<host_subtree> make_freeze_subtree(const std::string& name);

// R named `name` below the outer uk-run's cgroup of `controller` ("" for cgroup2), made
// and opened; nothing written in it yet (the freezer's, the cpuset subtree).
absl::StatusOr<host_subtree> make_subtree_in(absl::string_view controller, const std::string& name);

// The outer uk-run, once the supervisor has exited (its pid namespace with it): removes
// every directory of R, deepest first, retrying while the last tasks drain, for at most
// `timeout`. Closes the fds. False (with a message on stderr) if something is left.
bool remove_host_subtree(host_subtree& s, absl::Duration timeout);
// The same by the subtree's host path, from outside the namespaces; true if it is gone.
bool remove_host_subtree_at(const std::string& host_path, absl::Duration timeout);

// The supervisor: group_mirror's host side over R.
std::unique_ptr<uk::sched::host_groups> make_host_groups(const host_subtree& s);

// --- For the tests. ---
// The path of the cgroup of `controller` ("" for cgroup2's "0::" line) in a
// /proc/<pid>/cgroup text.
std::optional<std::string> cgroup_of(absl::string_view proc_cgroup, absl::string_view controller);
// Where the hierarchy of `controller` ("" for cgroup2) is mounted, per a mountinfo
// text, and which cgroup that mount shows at its top (`root`).
struct cgroup_mount {
  std::string dir, root;
};
std::optional<cgroup_mount> find_cgroup_mount(absl::string_view mountinfo,
                                              absl::string_view controller);
// The kernel's conversion (kernel/sched/sched.h sched_weight_to_cgroup(): the v2 weight
// that the scheduler turns back into this share, sched_weight_from_cgroup()):
// round(shares * 100 / 1024) within [1, 10000], so shares 1024 is weight 100, both
// defaults.
uint64_t shares_to_weight(uint64_t shares);

}  // namespace ukrun
