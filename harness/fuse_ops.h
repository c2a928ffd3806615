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
#include "harness/tracker.h"
#include "uk/kernel.h"

namespace ukrun {

// One mount's node table and kernel handles, shared by its transports' threads.
class fuse_state {
 public:
  fuse_state(uk::kernel& k, tracker& tr, const std::string& root);

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

// One request as a transport received it: the header, the opcode's fixed-size first
// argument (`arg`, fuse_request_arg_size(opcode) bytes; the ring carries it apart from
// the rest, /dev/fuse right after the header), and what follows (names, write data).
struct fuse_request {
  const fuse_in_header* in;
  const char* arg;
  const char* data;
  size_t data_len;
};

// The size of `opcode`'s first argument as the kernel sends it at protocol 7.38 (what
// the ring puts in fuse_uring_req_header.op_in; 0 for opcodes whose first argument is
// the name: fs/fuse/dir.c fuse_set_zero_arg0).
size_t fuse_request_arg_size(uint32_t opcode);

// The largest reply argument: a READ of max_write bytes (the INIT reply's max_write and
// max_pages bound reads to it) or a READDIR page.
constexpr size_t kFuseMaxWrite = 128 * 1024;

// No reply is sent (FORGET, BATCH_FORGET, INTERRUPT).
constexpr long kFuseNoReply = 1L << 40;

// Serves `r`, writing the reply's arguments to out (room for kFuseMaxWrite bytes).
// Returns their size, -errno for an error reply, or kFuseNoReply.
long fuse_dispatch(fuse_state& s, const fuse_request& r, char* out);

}  // namespace ukrun
