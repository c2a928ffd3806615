// fs/select.c: poll(2) of one open file (do_pollfd's vfs_poll) and the wait queue.
#include "vfs/poll.h"

#include <utility>
#include <vector>

#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

void wait_queue_head::add(const file* f, std::function<void()> wake) {
  absl::MutexLock l(&lock_);
  waiters_[f] = std::move(wake);
}

void wait_queue_head::remove(const file* f) {
  absl::MutexLock l(&lock_);
  waiters_.erase(f);
}

void wait_queue_head::wake_up() {
  std::vector<std::function<void()>> woken;
  {
    absl::MutexLock l(&lock_);
    woken.reserve(waiters_.size());
    for (auto& [f, wake] : waiters_) woken.push_back(std::move(wake));
    waiters_.clear();
  }
  for (const std::function<void()>& wake : woken) wake();
}

void poll_wait(const file& f, wait_queue_head& q, const poll_table* p) {
  if (p != nullptr && p->wake) q.add(&f, p->wake);
}

unsigned file_operations::poll(file& f, const poll_table* wait) const { return DEFAULT_POLLMASK; }

namespace {

ErrorOr<unsigned> do_pollfd(vfs_task& t, int fd, const poll_table* wait) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return f->f_op->poll(*f, wait);
}

}  // namespace

long sys_pollfd(vfs_task& t, int fd, const poll_table* wait) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::poll, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_pollfd(t, fd, wait)));
}

}  // namespace uk
