// The namespaces uk-run runs in (harness/README.md, "Processes and namespaces").
#ifndef UK_HARNESS_NAMESPACES_H_
#define UK_HARNESS_NAMESPACES_H_

#include "absl/status/status.h"
#include "harness/presented_topology.h"

namespace ukrun {

// The outer uk-run, before it forks the supervisor: a user namespace in which the
// caller is root (only when not root already), a mount namespace with uk-run's tmpfs
// over /sys/fs/cgroup and the files of the presented topology over /sys, the tree's
// user namespace (unless root and not `userns`), then
// new mount and pid namespaces; the next child is pid 1 of the latter.
absl::Status enter_namespaces(bool userns, const presented_topology& topology);

// The supervisor, pid 1 of the new pid namespace: makes every mount private, mounts
// that namespace's own /proc, and gives the namespaces the caller's values of the
// sysctls a new namespace resets (pid_max, user/max_*).
absl::Status prepare_mount_namespace();

}  // namespace ukrun

#endif  // UK_HARNESS_NAMESPACES_H_
