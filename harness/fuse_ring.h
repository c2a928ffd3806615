// FUSE over io_uring (Linux 6.14+): the kernel queues each request on its requester's
// CPU (fs/fuse/dev_uring.c fuse_uring_task_to_queue: qid = task_cpu(current)) and hands
// it to the io_uring task that registered that queue's entries, here a thread pinned to
// the same CPU: the requester blocks and the thread runs where it ran, without the
// cross-CPU wake-up a /dev/fuse reader costs. The same handlers serve both transports
// (fuse_handler.h); /dev/fuse still carries INIT, FORGET and INTERRUPT (fuse_bridge.cc).
//
// The order the kernel requires: the INIT reply sets FUSE_OVER_IO_URING, then every
// possible CPU's queue gets an entry (FUSE_IO_URING_CMD_REGISTER, which fails with
// EAGAIN before INIT is answered: fuse_uring_cmd checks fc->initialized). Until the last
// queue has one the kernel holds every new request (fs/fuse/dev.c fuse_block_alloc), so
// the rings are made before INIT is answered: a ring that cannot be made (the
// io_uring_disabled sysctl, no memory) means an INIT reply without the flag and
// /dev/fuse only. A REGISTER the kernel refuses clears fc->io_uring itself and requests
// flow through /dev/fuse again.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_handler.h"

namespace ukrun {

class fuse_ring {
 public:
  // One ring per usable CPU (at most kMaxWorkers), each made by a thread pinned to its
  // CPU; every possible CPU's queue is assigned to one of them (its own CPU's thread, or
  // the first thread for a CPU uk-run may not use). Fails, leaving no thread, if a ring
  // cannot be made.
  static absl::StatusOr<std::unique_ptr<fuse_ring>> create(fuse_handler& h, int fuse_fd);
  // After the INIT reply with FUSE_OVER_IO_URING: registers every queue's entries and
  // returns once each thread has, or with the first refusal.
  absl::Status start();
  // Ends the threads: unmounting ends their entries (ENOTCONN); a lazy unmount of a busy
  // mount does not, so they are also woken by SIGUSR1 (which must have a handler
  // installed without SA_RESTART) until each has ended.
  void stop();
  ~fuse_ring();
  fuse_ring(const fuse_ring&) = delete;
  fuse_ring& operator=(const fuse_ring&) = delete;

  static constexpr size_t kMaxWorkers = 8;

  struct worker;  // fuse_ring.cc

 private:
  fuse_ring() = default;
  void run(worker* w);

  fuse_handler* handler_ = nullptr;
  int fuse_fd_ = -1;
  std::vector<std::unique_ptr<worker>> workers_;

  // The hand-over between mount() and the threads.
  absl::Mutex mu_;
  int set_up_ ABSL_GUARDED_BY(mu_) = 0;      // threads whose ring is made (or failed)
  int registered_ ABSL_GUARDED_BY(mu_) = 0;  // threads whose entries are registered
  bool go_ ABSL_GUARDED_BY(mu_) = false;     // register (INIT answered) or end (failed)
  bool exiting_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // the first failure
};

}  // namespace ukrun
