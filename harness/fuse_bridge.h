// The VFS shim: one FUSE filesystem per container mount, mounted at the same path in
// uk-run's private mount namespace as the hierarchy is in the kernel's VFS. libfuse
// mounts and unmounts it; uk-run speaks the protocol itself (fuse_ops.h: one handler
// set) over two transports: FUSE over io_uring (fuse_ring.h) when the host kernel
// offers it, /dev/fuse otherwise. libfuse 3.14 can neither negotiate the ring (INIT's
// flags2) nor hand it a request, and its replies go only to /dev/fuse.
//
// Kernel file descriptors opened through FUSE live in the fd table every supervised
// task shares (the tracker forks real tasks with CLONE_FILES), so an fd opened by one
// process stays valid when another process that inherited the real fd uses it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/fuse_ops.h"
#include "harness/fuse_ring.h"
#include "harness/tracker.h"
#include "uk/kernel.h"

struct fuse_session;

namespace ukrun {

class fuse_bridge {
 public:
  // Mounts FUSE at `dir` (absolute, existing) showing the kernel's tree at the same
  // path, answers INIT and starts serving: on the ring if the kernel offers it
  // (/sys/module/fuse/parameters/enable_uring) and io_uring works, else with one
  // /dev/fuse loop per usable CPU (at most 8). Requests may be served concurrently.
  static absl::StatusOr<std::unique_ptr<fuse_bridge>> mount(uk::kernel& k, tracker& tr,
                                                            const std::string& dir,
                                                            const std::string& fsname);
  // Unmounts (if still mounted) and joins the loops; SIGUSR1 must have a handler
  // installed without SA_RESTART.
  ~fuse_bridge();
  fuse_bridge(const fuse_bridge&) = delete;
  fuse_bridge& operator=(const fuse_bridge&) = delete;

  const std::string& dir() const { return dir_; }
  // Which transport carries the requests, and if not the ring, why ("/dev/fuse (...)").
  const std::string& transport() const { return transport_; }

 private:
  fuse_bridge() = default;
  absl::Status init();
  void start_workers(size_t max_workers);

  std::string dir_;
  std::string transport_;
  std::unique_ptr<fuse_state> state_;
  fuse_session* se_ = nullptr;  // libfuse: the mount and the /dev/fuse fd only
  int fd_ = -1;
  std::unique_ptr<fuse_ring> ring_;
  // The /dev/fuse loops (start_workers()).
  struct worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::vector<std::unique_ptr<worker>> workers_;
  // Set by the destructor; read by the loops after poll(2) returns.
  std::atomic<bool> exiting_{false};
};

}  // namespace ukrun
