#include "harness/freezer_host.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/host_file.h"
#include "uk/container_core.h"

namespace ukrun {

namespace {

// Moves process `tgid` into `dir` (relative to `fd`) of the freeze subtree. A process
// gone meanwhile (ESRCH) has nothing left to freeze or thaw.
void move_to(int fd, const char* procs, pid_t tgid) {
  int f = openat(fd, procs, O_WRONLY | O_CLOEXEC);
  if (f < 0) return;
  std::string text = std::to_string(tgid);
  ssize_t ignored = write(f, text.data(), text.size());
  (void)ignored;
  close(f);
}

}  // namespace

freezer_host::freezer_host(uk::kernel& k, const host_subtree* subtree, held_stops& held)
    : freezer_(static_cast<uk::freezer_subsys*>(k.containers().subsys(uk::freezer_subsys_id))),
      self_(getpid()),
      held_(held),
      fd_(subtree != nullptr ? subtree->fd : -1) {
  freezer_->set_hooks(this);
}

freezer_host::~freezer_host() { freezer_->set_hooks(nullptr); }

void freezer_host::freeze(pid_t tgid) {
  if (tgid == self_) return;
  if (fd_ >= 0) {
    move_to(fd_, "frozen/cgroup.procs", tgid);
  } else {
    held_.stopped(tgid, held_stops::freezer);  // before the stop can be reported
    ::kill(tgid, SIGSTOP);
  }
}

void freezer_host::thaw(pid_t tgid) {
  if (tgid == self_) return;
  if (fd_ >= 0) {
    move_to(fd_, "cgroup.procs", tgid);
  } else {
    ::kill(tgid, SIGCONT);
    held_.resumed(tgid, held_stops::freezer);
  }
}

bool freezer_host::stopped(pid_t tgid) {
  if (tgid == self_) return true;
  if (fd_ >= 0) {
    // Read through the fd (the host's /sys/fs/cgroup may be hidden here), in this pid
    // namespace's numbers: no cgroup path to compare, so a cgroup namespace changes
    // nothing. An empty cgroup.procs reads as nullopt.
    std::string dir = absl::StrCat("/proc/self/fd/", fd_, "/frozen/");
    auto procs = read_host_file(dir + "cgroup.procs");
    auto events = read_host_file(dir + "cgroup.events");
    if (!events) return false;
    const std::string listing = procs.value_or("");
    bool listed = false;
    for (absl::string_view line : absl::StrSplit(listing, '\n', absl::SkipEmpty())) {
      listed |= line == std::to_string(tgid);
    }
    if (!listed) return kill(tgid, 0) != 0 && errno == ESRCH;  // gone: nothing to stop
    return absl::StrContains(*events, "frozen 1");
  }
  std::optional<proc_stat_head> head = read_proc_stat(tgid);
  if (!head) return true;  // gone
  return head->state == 'T' || head->state == 't' || head->state == 'Z' || head->state == 'X';
}

}  // namespace ukrun
