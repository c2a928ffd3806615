// The shim's FUSE request handlers, one set for both transports (/dev/fuse in
// fuse_bridge.cc, FUSE over io_uring in fuse_ring.cc). Every operation runs in the
// kernel's syscall API as the task of the calling thread (fuse_in_header.pid; uk-run's
// init task for processes uk does not know), and replies carry the kernel's errno
// unchanged.
//
// Control files are opened direct_io with zero attribute timeouts: the kernel generates
// their contents at open/read, so the host's page cache must never answer for it.
#pragma once

#include <linux/fuse.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_handler.h"
#include "harness/tracker.h"
#include "uk/kernel.h"

namespace ukrun {

// One mount's node table and kernel handles, shared by its transports' threads.
class fuse_state : public fuse_handler {
 public:
  fuse_state(uk::kernel& k, tracker& tr, const std::string& root);

  // Routes `r` to its handler (below in fuse_ops.cc).
  long serve(const fuse_request& r, char* out) override;

  uk::kernel& kernel() { return kernel_; }
  tracker& tr() { return tr_; }

  // nodeid -> kernel path ("" if unknown).
  std::string path(uint64_t nodeid);
  // The nodeid of `p`, made on first use; ids are never reused (FORGET is a no-op: the
  // table only grows by the number of distinct paths looked up).
  uint64_t id(const std::string& p);
  // After a rename: every node at or below `from` moves to `to`.
  void moved(const std::string& from, const std::string& to);

 private:
  uk::kernel& kernel_;
  tracker& tr_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::string> paths_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> ids_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = FUSE_ROOT_ID + 1;
};

}  // namespace ukrun
