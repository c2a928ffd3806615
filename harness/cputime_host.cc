#include "harness/cputime_host.h"

#include <time.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/host_file.h"
#include "uk/container_core.h"
#include "vfs/clock.h"

namespace ukrun {

namespace {

// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) (include/linux/posix-timers_types.h): the
// summed runtime of every thread of the process, readable for any process the caller's
// pid namespace sees (posix_cpu_clock_get(); only thread clocks are confined to the
// caller's own thread group).
clockid_t process_sched_clock(pid_t tgid) {
  constexpr unsigned kCpuclockSched = 2;
  return static_cast<clockid_t>((~static_cast<unsigned>(tgid) << 3) | kCpuclockSched);
}

}  // namespace

// "<ns on cpu> <ns waiting> <timeslices>\n"
std::optional<uint64_t> read_schedstat_ns(pid_t tgid, pid_t tid) {
  auto text = read_host_file(absl::StrCat("/proc/", tgid, "/task/", tid, "/schedstat"));
  if (!text) return std::nullopt;
  uint64_t ns;
  std::string_view first = std::string_view(*text).substr(0, text->find(' '));
  if (!absl::SimpleAtoi(absl::string_view(first.data(), first.size()), &ns)) return std::nullopt;
  return ns;
}

cputime_host::cputime_host(uk::kernel& k)
    : cpuacct_(static_cast<uk::cpuacct_subsys*>(k.containers().subsys(uk::cpuacct_subsys_id))),
      use_schedstat_(::access("/proc/self/schedstat", R_OK) == 0) {
  cpuacct_->set_cputime_hooks(this);
}

cputime_host::~cputime_host() { cpuacct_->set_cputime_hooks(nullptr); }

namespace {

std::string stat_path(pid_t tgid, pid_t tid, bool whole_process) {
  return whole_process ? absl::StrCat("/proc/", tgid, "/stat")
                       : absl::StrCat("/proc/", tgid, "/task/", tid, "/stat");
}

}  // namespace

std::optional<uint64_t> cputime_host::cputime(pid_t tgid, pid_t tid, bool whole_process) {
  if (whole_process) {
    timespec ts;
    if (::clock_gettime(process_sched_clock(tgid), &ts) != 0) return std::nullopt;  // gone
    return uk::timespec_ns(ts);
  }
  if (use_schedstat_) return read_schedstat_ns(tgid, tid);
  // utime and stime are fields 14 and 15.
  auto fields = read_proc_stat_fields(stat_path(tgid, tid, false));
  uint64_t utime, stime;
  if (!fields || fields->size() < 13 || !absl::SimpleAtoi((*fields)[11], &utime) ||
      !absl::SimpleAtoi((*fields)[12], &stime)) {
    return std::nullopt;
  }
  return clock_ticks_ns(utime + stime);
}

// Fields 14-15 (utime, stime) and 39 (processor).
std::optional<uk::cpu_split> cputime_host::split(pid_t tgid, pid_t tid, bool whole_process) {
  auto fields = read_proc_stat_fields(stat_path(tgid, tid, whole_process));
  uint64_t utime, stime;
  uk::cpu_split s;
  if (!fields || fields->size() < 37 || !absl::SimpleAtoi((*fields)[11], &utime) ||
      !absl::SimpleAtoi((*fields)[12], &stime) || !absl::SimpleAtoi((*fields)[36], &s.cpu)) {
    return std::nullopt;
  }
  s.utime = clock_ticks_ns(utime);
  s.stime = clock_ticks_ns(stime);
  return s;
}

}  // namespace ukrun
