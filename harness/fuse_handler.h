// What a FUSE transport (/dev/fuse in fuse_bridge.cc, FUSE over io_uring in fuse_ring.cc)
// hands the filesystem it serves: one request in, the reply's arguments or an errno
// out. uk-run's handlers are fuse_ops.h; tests/bench:fuse_floor's do no work, so the
// floor measures the transports uk-run uses and nothing else.
#pragma once

#include <linux/fuse.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ukrun {

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

// The name argument of LOOKUP, MKDIR, RMDIR...: NUL-terminated within the `len` bytes
// at `data`, or nullptr.
const char* fuse_name_arg(const char* data, size_t len);

// `sb` as FUSE attributes.
void to_fuse_attr(const struct stat& sb, fuse_attr* a);

// An OPEN or OPENDIR reply: the server's handle and FOPEN_* flags.
long fuse_open_reply(uint64_t fh, uint32_t open_flags, char* out);

// How a handler's notifications (FUSE_NOTIFY_*) reach the kernel: its transport sets
// the way once the connection is up and clears it before closing the connection. Shared,
// so that what may outlive the handler (a poll's waker that uk keeps) finds it cleared.
class fuse_notifier {
 public:
  using sender = std::function<bool(int32_t code, const void* arg, size_t len)>;
  // Sends `code` with its argument; false when there is no connection, or the kernel
  // refused it. Safe from any thread, with any lock held: the kernel answers a
  // notification at once, without asking the server.
  bool send(int32_t code, const void* arg, size_t len);
  // For the transport; set(nullptr) returns once no send is in flight.
  void set(sender s);

 private:
  absl::Mutex mu_;  // held while sending
  sender send_ ABSL_GUARDED_BY(mu_);
};

class fuse_handler {
 public:
  virtual ~fuse_handler() = default;
  // The connection's notifications (fuse_notifier).
  const std::shared_ptr<fuse_notifier>& notifier() const { return notifier_; }
  // Serves `r`, writing the reply's arguments to out (room for kFuseMaxWrite bytes;
  // the ring's `out` is the buffer `r.data` points into, so read the data first).
  // Returns their size, -errno for an error reply, or kFuseNoReply. Called from several
  // threads at once.
  virtual long serve(const fuse_request& r, char* out) = 0;

 private:
  const std::shared_ptr<fuse_notifier> notifier_ = std::make_shared<fuse_notifier>();
};

}  // namespace ukrun
