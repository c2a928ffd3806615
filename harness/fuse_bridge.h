// The VFS shim: one FUSE filesystem (libfuse3 low-level API) per container mount,
// mounted at the same path in uk-run's private mount namespace as the hierarchy is
// in the kernel's VFS. Every operation runs in the kernel's syscall API as the task
// of the calling thread (fuse_req_ctx()->pid; uk-run's init task for processes uk
// does not know), and replies carry the kernel's errno unchanged.
//
// Control files are opened direct_io with zero attribute and entry timeouts: the
// kernel generates their contents at open/read, so the host's page cache and
// dentry cache must never answer for it.
//
// Kernel file descriptors opened through FUSE live in the fd table every supervised
// task shares (the tracker forks real tasks with CLONE_FILES), so an fd opened by one
// process stays valid when another process that inherited the real fd uses it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/tracker.h"
#include "uk/kernel.h"

struct fuse_session;

namespace ukrun {

class fuse_bridge {
 public:
  // Mounts FUSE (type fuse.container, source `fsname`) at `dir` (absolute, existing),
  // on top of whatever is mounted there, showing the kernel's tree at `kernel_root`,
  // and starts its request loops, one thread per usable CPU (at most 8): requests may
  // be served concurrently.
  static absl::StatusOr<std::unique_ptr<fuse_bridge>> mount(uk::kernel& k, tracker& tr,
                                                            const std::string& kernel_root,
                                                            const std::string& dir,
                                                            const std::string& fsname);
  // Joins the loops and closes the FUSE device, which aborts the connection; unmounts
  // nothing. SIGUSR1 must have a handler installed without SA_RESTART.
  ~fuse_bridge();
  fuse_bridge(const fuse_bridge&) = delete;
  fuse_bridge& operator=(const fuse_bridge&) = delete;

  // The FUSE super_block's device (st_dev; shared by every bind mount of it) and the
  // mount's id (mountinfo's first field) as it was made.
  dev_t dev() const { return dev_; }
  uint64_t mnt_id() const { return mnt_id_; }

  struct state;  // the node table and the kernel handles (fuse_bridge.cc)

 private:
  fuse_bridge() = default;

  dev_t dev_ = 0;
  uint64_t mnt_id_ = 0;
  std::unique_ptr<state> state_;
  fuse_session* se_ = nullptr;
  // The request loops (start_workers()).
  struct worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void start_workers();
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace ukrun
