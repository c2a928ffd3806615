#include "harness/enforcer_host.h"

#include <signal.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "harness/cputime_host.h"
#include "harness/host_file.h"

namespace ukrun {

std::optional<uk::sched::host_ops::sample> enforcer_host::read_thread(pid_t tgid, pid_t tid) {
  auto stat = read_host_file(absl::StrCat("/proc/", tgid, "/task/", tid, "/stat"));
  if (!stat) return std::nullopt;
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return std::nullopt;
  sample s;
  s.state = (*stat)[close + 2];
  // The same clock cpuacct charges from.
  auto ns = read_schedstat_ns(tgid, tid);
  if (!ns) return std::nullopt;
  s.cputime_ns = *ns;
  return s;
}

void enforcer_host::stop(pid_t tgid) {
  held_.stopped(tgid, held_stops::cpu_enforcer);  // before the stop can be reported
  ::kill(tgid, SIGSTOP);
}

void enforcer_host::resume(pid_t tgid) {
  ::kill(tgid, SIGCONT);
  held_.resumed(tgid, held_stops::cpu_enforcer);
}

}  // namespace ukrun
