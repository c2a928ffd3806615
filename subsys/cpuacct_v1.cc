// Today's cpuacct files (kernel/sched/cpuacct.c files[]), the cgroup flavour's, in the
// kernel's order: usage, usage_user, usage_sys, usage_percpu, usage_percpu_user,
// usage_percpu_sys, usage_all and stat. Each read first brings the group's real members
// up to date, as every uk read of CPU time does (cpuacct.h).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "subsys/cpuacct.h"
#include "uk/container_core.h"
#include "vfs/file.h"

namespace uk {

namespace {

// USER_HZ on x86: what nsec_to_clock_t() divides to.
constexpr uint64_t NSEC_PER_USER_HZ = 1000000000 / 100;

// mul_u64_u64_div_u64(), exact.
uint64_t mul_u64_u64_div_u64(uint64_t a, uint64_t b, uint64_t c) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b / c);
}

}  // namespace

template <typename Fn>
auto cpuacct_subsys::with_settled(container* cont, Fn fn)
    -> std::optional<decltype(fn(*ca_of(cont)))> {
  absl::MutexLock l(&core_.container_mutex);
  cpuacct* ca = ca_of(cont);
  if (ca == nullptr) return std::nullopt;
  std::vector<container*> todo = {cont};
  while (!todo.empty()) {
    container* c = todo.back();
    todo.pop_back();
    if (ca_of(c) == nullptr) continue;
    settle_members(c);
    todo.insert(todo.end(), c->children.begin(), c->children.end());
  }
  return fn(*ca);
}

// cputime_adjust() (kernel/sched/cputime.c): the user and system times scaled so that
// they sum to the precise time, never going backwards (prev).
std::pair<uint64_t, uint64_t> cpuacct_subsys::stat_adjusted(cpuacct& ca) {
  uint64_t rtime = ca.sum(&cpuacct_usage::usage);
  if (ca.prev_stime + ca.prev_utime < rtime) {
    uint64_t utime = ca.sum(&cpuacct_usage::user);
    uint64_t stime = ca.sum(&cpuacct_usage::sys);
    // Either zero: all of it is user time until both have some.
    if (stime == 0 || utime == 0) {
      if (utime == 0) stime = rtime;
    } else {
      stime = std::min(mul_u64_u64_div_u64(stime, rtime, stime + utime), rtime);
    }
    // Neither goes backwards: rtime is monotonic, so one floor keeps both.
    stime = std::max(stime, ca.prev_stime);
    utime = rtime - stime;
    if (utime < ca.prev_utime) {
      utime = ca.prev_utime;
      stime = rtime - utime;
    }
    ca.prev_stime = stime;
    ca.prev_utime = utime;
  }
  return {ca.prev_utime, ca.prev_stime};
}

std::vector<cftype> cpuacct_subsys::legacy_files() {
  using field = std::atomic<uint64_t> cpuacct_usage::*;
  // __cpuusage_read(): the sum over possible CPUs.
  auto total = [this](field f) {
    return [this, f](container* cont, const cftype*) -> uint64_t {
      return with_settled(cont, [f](cpuacct& ca) { return ca.sum(f); }).value_or(0);
    };
  };
  // A seq_show's text, or ENODEV for a group removed while the file was open.
  auto text_file = [this](const char* name, auto show) {
    cftype cft;
    cft.name = name;
    cft.read = [this, show](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                            loff_t* ppos) -> ErrorOr<size_t> {
      std::optional<std::string> text = with_settled(cont, show);
      if (!text) return Errno(ENODEV);
      return simple_read_from_buffer(buf, nbytes, ppos, *text);
    };
    return cft;
  };
  // __cpuacct_percpu_seq_show(): each possible CPU's count, each followed by a space.
  auto percpu = [text_file](const char* name, field f) {
    return text_file(name, [f](cpuacct& ca) {
      std::string text;
      for (size_t cpu = 0; cpu < ca.nr_cpu_ids; cpu++) {
        absl::StrAppend(&text, (ca.percpu[cpu].*f).load(), " ");
      }
      return text + "\n";
    });
  };

  std::vector<cftype> files;
  cftype usage;
  usage.name = "usage";
  usage.read_uint = total(&cpuacct_usage::usage);
  // cpuusage_write(): only 0, which resets every CPU's counts; the root's are kept
  // (cpuacct_cpuusage_write: the global kernel_cpustat is not reset). cpuacct.stat's
  // floor (prev_cputime) is not reset either.
  usage.write_uint = [this](container* cont, const cftype*, uint64_t val) -> Errno {
    if (val != 0) return Errno(EINVAL);
    absl::MutexLock l(&core_.container_mutex);
    cpuacct* ca = ca_of(cont);
    if (ca == nullptr) return Errno(ENODEV);
    if (cont->parent == nullptr) return kOk;
    for (size_t cpu = 0; cpu < ca->nr_cpu_ids; cpu++) {
      ca->percpu[cpu].usage.store(0);
      ca->percpu[cpu].user.store(0);
      ca->percpu[cpu].sys.store(0);
    }
    return kOk;
  };
  files.push_back(std::move(usage));
  cftype usage_user;
  usage_user.name = "usage_user";
  usage_user.read_uint = total(&cpuacct_usage::user);
  files.push_back(std::move(usage_user));
  cftype usage_sys;
  usage_sys.name = "usage_sys";
  usage_sys.read_uint = total(&cpuacct_usage::sys);
  files.push_back(std::move(usage_sys));
  files.push_back(percpu("usage_percpu", &cpuacct_usage::usage));
  files.push_back(percpu("usage_percpu_user", &cpuacct_usage::user));
  files.push_back(percpu("usage_percpu_sys", &cpuacct_usage::sys));
  // cpuacct_all_seq_show().
  files.push_back(text_file("usage_all", [](cpuacct& ca) {
    std::string text = "cpu user system\n";
    for (size_t cpu = 0; cpu < ca.nr_cpu_ids; cpu++) {
      absl::StrAppend(&text, cpu, " ", ca.percpu[cpu].user.load(), " ", ca.percpu[cpu].sys.load(),
                      "\n");
    }
    return text;
  }));
  // cpuacct_stats_show(): in clock ticks.
  files.push_back(text_file("stat", [this](cpuacct& ca) {
    core_.container_mutex.AssertHeld();
    auto [user, sys] = stat_adjusted(ca);
    return absl::StrCat("user ", user / NSEC_PER_USER_HZ, "\nsystem ", sys / NSEC_PER_USER_HZ,
                        "\n");
  }));
  return files;
}

}  // namespace uk
