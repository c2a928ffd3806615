#include "harness/enforcer_host.h"

#include <signal.h>

#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "uk/host_file.h"

namespace ukrun {

std::optional<uk::sched::host_ops::sample> enforcer_host::read_thread(pid_t tgid, pid_t tid) {
  std::string dir = absl::StrCat("/proc/", tgid, "/task/", tid, "/");
  auto stat = uk::read_host_file(dir + "stat");
  if (!stat) return std::nullopt;
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return std::nullopt;
  sample s;
  s.state = (*stat)[close + 2];
  // "<ns on cpu> <ns waiting> <timeslices>": the same clock cpuacct charges from.
  auto sched = uk::read_host_file(dir + "schedstat");
  if (!sched) return std::nullopt;
  std::string_view first = std::string_view(*sched).substr(0, sched->find(' '));
  if (!absl::SimpleAtoi(absl::string_view(first.data(), first.size()), &s.cputime_ns)) {
    return std::nullopt;
  }
  return s;
}

void enforcer_host::stop(pid_t tgid) { ::kill(tgid, SIGSTOP); }

void enforcer_host::resume(pid_t tgid) { ::kill(tgid, SIGCONT); }

}  // namespace ukrun
