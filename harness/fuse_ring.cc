// FUSE over io_uring, spoken with raw io_uring syscalls (no liburing on Debian 12's
// build here, and the ring needs only setup, one mmap pair and io_uring_enter).
#include "harness/fuse_ring.h"

#include <linux/io_uring.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/fuse_abi.h"
#include "harness/thread_stop.h"

namespace ukrun {

namespace {

// What orders one ring thread's reply before another ring thread's next request (an
// OPENDIR's handle before the READDIR that uses it, served on another CPU's queue) is
// the kernel: the reply is committed by io_uring_enter, the requester wakes, and its
// next request reaches the other ring's buffer through the kernel. ThreadSanitizer sees
// no system call's ordering but a file descriptor's (as over /dev/fuse), so every
// io_uring_enter is modelled as a release before and an acquire after on one object.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
char kernel_order;
void kernel_order_release() { __tsan_release(&kernel_order); }
void kernel_order_acquire() { __tsan_acquire(&kernel_order); }
#else
void kernel_order_release() {}
void kernel_order_acquire() {}
#endif

// The number of possible CPUs: the kernel makes one queue per possible CPU
// (fuse_uring_create: nr_queues = num_possible_cpus()) and uses the ring only once each
// has an entry (is_ring_ready).
int possible_cpus() {
  FILE* f = fopen("/sys/devices/system/cpu/possible", "re");
  char buf[256] = {};
  if (f) {
    if (!fgets(buf, sizeof buf, f)) buf[0] = '\0';
    fclose(f);
  }
  int max = -1;
  for (absl::string_view range : absl::StrSplit(absl::StripAsciiWhitespace(buf), ',')) {
    absl::string_view last = range.substr(range.rfind('-') + 1);  // npos + 1 == 0
    int n;
    if (absl::SimpleAtoi(last, &n) && n > max) max = n;
  }
  return max >= 0 ? max + 1 : get_nprocs_conf();
}

// One ring entry: the kernel copies a request into it and takes the reply from it.
struct entry {
  uint16_t qid;
  fuse_abi::uring_req_header header;
  std::unique_ptr<char[]> payload{new char[kFuseMaxWrite]};
  iovec iov[2];
};

// A 128-byte-SQE io_uring made and used by one thread (IORING_SETUP_SINGLE_ISSUER), its
// task work run only when it waits (IORING_SETUP_DEFER_TASKRUN): the kernel's hand-over
// of a request (io_uring_cmd_complete_in_task) then just wakes the waiting thread.
class uring {
 public:
  ~uring() {
    if (sq_ != MAP_FAILED) munmap(sq_, sq_len_);
    if (sqes_ != MAP_FAILED) munmap(sqes_, sqes_len_);
    if (fd_ >= 0) close(fd_);
  }
  // -errno on failure.
  int setup(unsigned entries) {
    io_uring_params p = {};
    p.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    fd_ = static_cast<int>(syscall(__NR_io_uring_setup, entries, &p));
    if (fd_ < 0) return -errno;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) return -ENOSYS;  // 5.4+: always there
    sq_len_ = std::max<size_t>(p.sq_off.array + p.sq_entries * sizeof(unsigned),
                               p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe));
    sq_ = mmap(nullptr, sq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
               IORING_OFF_SQ_RING);
    if (sq_ == MAP_FAILED) return -errno;
    sqes_len_ = p.sq_entries * 128;
    sqes_ = mmap(nullptr, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                 IORING_OFF_SQES);
    if (sqes_ == MAP_FAILED) return -errno;
    char* base = static_cast<char*>(sq_);
    sq_tail_ = reinterpret_cast<unsigned*>(base + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(base + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<unsigned*>(base + p.sq_off.array);
    cq_head_ = reinterpret_cast<unsigned*>(base + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(base + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(base + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(base + p.cq_off.cqes);
    return 0;
  }
  // Queues a FUSE ring command for `e` (fuse_uring_cmd: IORING_OP_URING_CMD on the
  // /dev/fuse fd, the command in the SQE's 80-byte tail, the entry's two iovecs).
  void queue_cmd(int fuse_fd, uint32_t cmd_op, entry* e, uint64_t commit_id) {
    unsigned tail = *sq_tail_;  // only this thread writes it
    unsigned idx = tail & sq_mask_;
    auto* sqe = reinterpret_cast<io_uring_sqe*>(static_cast<char*>(sqes_) + idx * 128);
    memset(sqe, 0, 128);
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = fuse_fd;
    sqe->cmd_op = cmd_op;
    sqe->addr = reinterpret_cast<uint64_t>(e->iov);
    sqe->len = 2;
    sqe->user_data = reinterpret_cast<uint64_t>(e);
    fuse_abi::uring_cmd_req req = {};
    req.commit_id = commit_id;
    req.qid = e->qid;
    memcpy(sqe->cmd, &req, sizeof req);
    sq_array_[idx] = idx;
    __atomic_store_n(sq_tail_, tail + 1, __ATOMIC_RELEASE);
    to_submit_++;
  }
  // Submits what is queued and waits for `wait` completions; -errno (EINTR: a signal).
  int enter(unsigned wait) {
    kernel_order_release();
    long r =
        syscall(__NR_io_uring_enter, fd_, to_submit_, wait, IORING_ENTER_GETEVENTS, nullptr, 0);
    kernel_order_acquire();
    if (r < 0) return -errno;
    to_submit_ -= static_cast<unsigned>(r);
    return 0;
  }
  // The next completion, or false.
  bool next(io_uring_cqe* out) {
    unsigned head = *cq_head_;
    if (head == __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE)) return false;
    *out = cqes_[head & cq_mask_];
    __atomic_store_n(cq_head_, head + 1, __ATOMIC_RELEASE);
    return true;
  }

 private:
  int fd_ = -1;
  void* sq_ = MAP_FAILED;
  size_t sq_len_ = 0;
  void* sqes_ = MAP_FAILED;
  size_t sqes_len_ = 0;
  unsigned *sq_tail_ = nullptr, *sq_array_ = nullptr, sq_mask_ = 0;
  unsigned *cq_head_ = nullptr, *cq_tail_ = nullptr, cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned to_submit_ = 0;
};

// Serves the request in `e` and writes the reply into it.
void serve(fuse_handler& handler, entry* e) {
  auto* in = reinterpret_cast<const fuse_in_header*>(e->header.in_out);
  fuse_in_header h = *in;  // the reply header overwrites it
  fuse_request r = {&h, e->header.op_in, e->payload.get(),
                    std::min<size_t>(e->header.ring_ent_in_out.payload_sz, kFuseMaxWrite)};
  // The reply goes to the payload the request came in: every handler reads its data
  // (names, write data) before it writes the reply (fuse_handler.h).
  long n = handler.serve(r, e->payload.get());
  if (n == kFuseNoReply) n = -EINVAL;  // FORGET and INTERRUPT never come by the ring
  fuse_out_header out = {};
  out.unique = h.unique;
  out.error = n < 0 ? static_cast<int32_t>(n) : 0;
  out.len = static_cast<uint32_t>(sizeof out + (n > 0 ? n : 0));
  memcpy(e->header.in_out, &out, sizeof out);
  e->header.ring_ent_in_out.payload_sz = n > 0 ? static_cast<uint32_t>(n) : 0;
}

}  // namespace

struct fuse_ring::worker {
  int cpu;
  std::vector<uint16_t> qids;
  std::thread thread;
  std::atomic<bool> done{false};
};

absl::StatusOr<std::unique_ptr<fuse_ring>> fuse_ring::create(fuse_handler& h, int fuse_fd) {
  std::unique_ptr<fuse_ring> ring(new fuse_ring());
  ring->handler_ = &h;
  ring->fuse_fd_ = fuse_fd;
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (sched_getaffinity(0, sizeof usable, &usable) != 0) CPU_SET(sched_getcpu(), &usable);
  for (int cpu = 0; cpu < CPU_SETSIZE && ring->workers_.size() < kMaxWorkers; cpu++) {
    if (!CPU_ISSET(cpu, &usable)) continue;
    auto w = std::make_unique<worker>();
    w->cpu = cpu;
    ring->workers_.push_back(std::move(w));
  }
  int n = possible_cpus();
  for (int qid = 0; qid < n; qid++) {
    worker* owner = ring->workers_[0].get();
    for (auto& w : ring->workers_) {
      if (w->cpu == qid) owner = w.get();
    }
    owner->qids.push_back(static_cast<uint16_t>(qid));
  }
  fuse_ring* r = ring.get();
  for (auto& w : ring->workers_) {
    worker* wp = w.get();
    w->thread = std::thread([r, wp] { r->run(wp); });
  }
  absl::Status err;
  {
    absl::MutexLock l(&ring->mu_);
    ring->mu_.Await(absl::Condition(
        +[](fuse_ring* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
          return r->set_up_ == static_cast<int>(r->workers_.size());
        },
        r));
    err = ring->error_;
    if (!err.ok()) ring->go_ = true;  // the threads end without registering
  }
  if (!err.ok()) return err;  // ~fuse_ring joins them
  return ring;
}

absl::Status fuse_ring::start() {
  absl::MutexLock l(&mu_);
  go_ = true;
  mu_.Await(absl::Condition(
      +[](fuse_ring* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
        return r->registered_ == static_cast<int>(r->workers_.size()) || !r->error_.ok();
      },
      this));
  return error_;
}

void fuse_ring::run(worker* w) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(w->cpu, &one);
  sched_setaffinity(0, sizeof one, &one);  // best effort: unpinned still serves
  std::vector<std::unique_ptr<entry>> entries;
  uring ring;
  int r = ring.setup(static_cast<unsigned>(std::max<size_t>(8, w->qids.size())));
  {
    absl::MutexLock l(&mu_);
    if (r < 0 && error_.ok()) {
      error_ = absl::UnavailableError(absl::StrCat("io_uring_setup: ", strerror(-r)));
    }
    set_up_++;
    mu_.Await(absl::Condition(&go_));
    if (!error_.ok()) {
      w->done.store(true);
      return;
    }
  }
  for (uint16_t qid : w->qids) {
    auto e = std::make_unique<entry>();
    e->qid = qid;
    e->iov[0] = {&e->header, sizeof e->header};
    e->iov[1] = {e->payload.get(), kFuseMaxWrite};
    ring.queue_cmd(fuse_fd_, fuse_abi::kUringCmdRegister, e.get(), 0);
    entries.push_back(std::move(e));
  }
  // A refused REGISTER completes at once (fuse_uring_cmd returns the error, not
  // -EIOCBQUEUED); an accepted one only when a request comes.
  r = ring.enter(0);
  io_uring_cqe cqe;
  size_t live = entries.size();
  std::vector<io_uring_cqe> early;
  while (ring.next(&cqe)) early.push_back(cqe);
  {
    absl::MutexLock l(&mu_);
    for (const auto& c : early) {
      if (c.res < 0 && error_.ok()) {
        error_ =
            absl::UnavailableError(absl::StrCat("FUSE_IO_URING_CMD_REGISTER: ", strerror(-c.res)));
      }
    }
    if (r < 0 && error_.ok()) {
      error_ = absl::UnavailableError(absl::StrCat("io_uring_enter: ", strerror(-r)));
    }
    registered_++;
  }
  auto handle = [&](const io_uring_cqe& c) {
    auto* e = reinterpret_cast<entry*>(c.user_data);
    if (c.res < 0) {  // ENOTCONN: the connection ended; ECANCELED: so did the ring
      live--;
      return;
    }
    serve(*handler_, e);
    ring.queue_cmd(fuse_fd_, fuse_abi::kUringCmdCommitAndFetch, e,
                   e->header.ring_ent_in_out.commit_id);
  };
  for (const auto& c : early) handle(c);
  while (live > 0) {
    r = ring.enter(1);
    if (r == -EINTR) {
      absl::MutexLock l(&mu_);
      if (exiting_) break;
      continue;
    }
    if (r < 0 && r != -EBUSY) break;  // EBUSY: completions to reap first
    while (ring.next(&cqe)) handle(cqe);
  }
  w->done.store(true);
}

void fuse_ring::stop() {
  {
    absl::MutexLock l(&mu_);
    exiting_ = true;
  }
  for (auto& w : workers_) interrupt_and_join(w->thread, w->done);
  workers_.clear();
}

fuse_ring::~fuse_ring() { stop(); }

}  // namespace ukrun
