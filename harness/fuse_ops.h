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

#include "harness/fuse_handler.h"
#include "harness/fuse_nodes.h"
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
  fuse_nodes& nodes() { return nodes_; }

 private:
  uk::kernel& kernel_;
  tracker& tr_;
  fuse_nodes nodes_;
};

}  // namespace ukrun
