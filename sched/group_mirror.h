// Enforcement of CPU shares by the host's own scheduler: uk's cpu hierarchy mirrored
// into host groups (one per container, its share copied) and every real thread placed
// in its container's group, so that nothing is ever stopped. The host side is behind
// `host_groups` (implemented in harness/host_cgroup.cc over the run's own host cgroup
// subtree, and by a fake in tests/sched); nothing here does host I/O.
//
// A sync (after every kick: bind, mkdir, rmdir, shares write, attach, fork, exit):
//   1. while cpu is mounted: every container's group exists with the container's share
//      (parents first); every real thread is in its container's group (a thread not
//      seen before is asked where it is first: the host's fork put it in its parent's);
//   2. while it is not (never bound, or unmounted): threads placed below the top go
//      back to the top, and nothing else is moved (a run that never binds cpu is never
//      touched);
//   3. groups of removed containers go, deepest first; EBUSY (the last tasks are still
//      leaving) and failed moves are retried every `retry_ns` until they succeed.
// Without per-thread groups (host_groups::per_thread() false: cgroup2 without threaded
// mode) a process goes where its leader's container is; its other threads follow it.
//
// Lock order: the thread's wake lock is a leaf (kick() may be called with kernel locks
// held); the mirror state is owned by whichever thread runs sync() (the mirror thread
// once start() ran); the source takes the kernel's locks itself.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "sched/kicked_thread.h"
#include "sched/snapshot.h"

namespace uk::sched {

// The host's groups, named by container path: "/" is the top (the subtree's root, which
// always exists), "/Guests/A" the group of container /Guests/A. Errors are errnos.
class host_groups {
 public:
  virtual ~host_groups() = default;
  // Threads of one process can be in different groups (cgroup v1 `tasks`).
  virtual bool per_thread() const = 0;
  // Creates group `path` (not "/"), whose parent exists. 0, EEXIST or an errno.
  virtual int make(const std::string& path) = 0;
  // Removes the empty group `path`. 0, ENOENT, EBUSY (tasks still leaving) or an errno.
  virtual int remove(const std::string& path) = 0;
  virtual int set_shares(const std::string& path, uint64_t shares) = 0;
  // Moves thread `tid` of process `tgid` (the whole process if !per_thread()).
  // 0, ESRCH (gone) or an errno.
  virtual int move(pid_t tgid, pid_t tid, const std::string& path) = 0;
  // The group the thread is in now; nullopt if it is gone or outside the subtree.
  virtual std::optional<std::string> where(pid_t tgid, pid_t tid) = 0;
};

class group_mirror {
 public:
  // The cpu hierarchy with its real tasks, or nullopt while cpu is not mounted.
  using source_fn = std::function<std::optional<share_snapshot>()>;
  struct options {
    pid_t exempt_tgid = 0;           // never moved (the supervisor, uk's init)
    uint64_t retry_ns = 20'000'000;  // a failed step is tried again after this
    // Called once, from the syncing thread, at the first sync that finds cpu mounted.
    std::function<void()> on_first_mount;
  };
  struct stats {
    uint64_t syncs = 0;
    uint64_t moves = 0;   // threads (or processes) moved
    uint64_t errors = 0;  // failed host operations (retried)
  };

  group_mirror(source_fn source, host_groups& host, options opts);
  ~group_mirror();
  group_mirror(const group_mirror&) = delete;
  group_mirror& operator=(const group_mirror&) = delete;

  void start();
  // Stops the thread; idempotent. Host groups are left as they are (the outer uk-run
  // removes the whole subtree once every process is gone).
  void shutdown();
  // Safe from any thread, with any kernel lock held.
  void kick();
  // One sync; true if something is left to retry. Called by the thread; tests call it.
  bool sync();
  stats get_stats() const { return {syncs_.load(), moves_.load(), errors_.load()}; }
  // The groups made and not removed yet, with the share last written (tests).
  const absl::flat_hash_map<std::string, uint64_t>& groups() const { return groups_; }

 private:
  struct placement {
    pid_t tgid = 0;
    std::string path;
  };
  bool place(pid_t tgid, pid_t tid, const std::string& path,
             absl::flat_hash_map<pid_t, placement>& placed);
  bool remove_stale(const absl::flat_hash_map<std::string, uint64_t>& wanted);

  const source_fn source_;
  host_groups& host_;
  const options opts_;

  // Owned by the thread running sync().
  absl::flat_hash_map<std::string, uint64_t> groups_;  // made: path -> share written
  absl::flat_hash_map<pid_t, placement> placed_;       // by tid
  bool mounted_once_ = false;
  // Written by the syncing thread, read by get_stats() from any thread.
  std::atomic<uint64_t> syncs_{0}, moves_{0}, errors_{0};
  kicked_thread thread_;  // last: stopped before the state above goes
};

}  // namespace uk::sched
