// uk-replay: replays a `uk-run --trace` file into a fresh in-process kernel
// (harness/replay/README.md).
//
//   uk-replay --verify TRACE              every recorded result must come out again
//   uk-replay --tree TRACE                the tree `uk-run --tree` printed at the end
//   uk-replay --flavour=container|cgroup TRACE   the results that differ under it
//   uk-replay --stats TRACE               events, tasks, containers, events per second
//
// Exit status: 0; 1 when --verify finds a divergence; 2 for a usage error or bad input
// (the message names the line).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "harness/replay/replayer.h"

namespace {

constexpr char kUsage[] =
    "usage: uk-replay [--verify] [--tree] [--stats] [--flavour=container|cgroup] TRACE\n"
    "  --verify   every recorded result (errno, bytes read) must match; the first\n"
    "             divergence is printed and the exit status is 1\n"
    "  --tree     print the tree uk-run --tree printed at the end of the run\n"
    "  --flavour  replay under that flavour's semantics; print where results differ\n"
    "             (the first divergence of each object)\n"
    "  --stats    events by kind, tasks, containers, events per second, memory\n"
    "TRACE `-` reads standard input.\n";

void print_divergence(const ukrun::divergence& d) {
  printf("seq %llu (line %zu): %s: recorded %s, replayed %s\n",
         static_cast<unsigned long long>(d.seq), d.line, d.what.c_str(), d.recorded.c_str(),
         d.replayed.c_str());
}

// Both rates: on a shared machine the wall clock also counts the other users' turns.
void print_stats(const ukrun::replay_stats& s, double seconds) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu =
      ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  printf("events: %llu in %.3f s (%.0f events/s); %.3f s of CPU (%.0f events per CPU second)\n",
         static_cast<unsigned long long>(s.events), seconds, seconds > 0 ? s.events / seconds : 0.0,
         cpu, cpu > 0 ? s.events / cpu : 0.0);
  std::string mix;
  for (size_t i = 0; i < std::size(s.by_kind); i++) {
    if (s.by_kind[i] == 0) continue;
    absl::StrAppendFormat(&mix, " %s %.1f%%",
                          ukrun::entry_kind_name(static_cast<uk::entry_kind>(i)),
                          100.0 * s.by_kind[i] / s.events);
  }
  printf("mix:%s\n", mix.c_str());
  printf("tasks: %llu created, %llu live at the end, %llu at most\n",
         static_cast<unsigned long long>(s.tasks_created),
         static_cast<unsigned long long>(s.live_tasks),
         static_cast<unsigned long long>(s.peak_tasks));
  printf("containers: %llu created, %llu live at the end, %llu at most\n",
         static_cast<unsigned long long>(s.containers_created),
         static_cast<unsigned long long>(s.live_containers),
         static_cast<unsigned long long>(s.peak_containers));
  printf("max RSS: %ld KiB\n", ru.ru_maxrss);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef NDEBUG
  // As uk-run: Debian's libabsl checks lock order on every Mutex::Lock (a global graph
  // update, the largest cost of a replay); optimised builds drop it, tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  bool verify = false, tree = false, stats = false;
  ukrun::replayer::options opts;
  const char* file = nullptr;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--verify") {
      verify = true;
    } else if (a == "--tree") {
      tree = true;
    } else if (a == "--stats") {
      stats = true;
    } else if (a.rfind("--flavour=", 0) == 0) {
      opts.flavour = a.substr(10);
      if (opts.flavour != "container" && opts.flavour != "cgroup") {
        fprintf(stderr, "uk-replay: --flavour is container or cgroup, not '%s'\n%s",
                opts.flavour.c_str(), kUsage);
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      fprintf(stderr, "uk-replay: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else if (file == nullptr) {
      file = argv[i];
    } else {
      fprintf(stderr, "uk-replay: one TRACE only\n%s", kUsage);
      return 2;
    }
  }
  if (file == nullptr) {
    fprintf(stderr, "uk-replay: no TRACE\n%s", kUsage);
    return 2;
  }
  if (verify && !opts.flavour.empty()) {
    fprintf(stderr, "uk-replay: --verify replays as recorded; --flavour reports differences\n");
    return 2;
  }
  if (!verify && !tree && !stats && opts.flavour.empty()) verify = true;
  opts.stop_at_first = verify;

  FILE* in = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
  if (in == nullptr) {
    fprintf(stderr, "uk-replay: %s: %s\n", file, strerror(errno));
    return 2;
  }
  ukrun::replayer r(opts);
  auto start = std::chrono::steady_clock::now();
  int status = 0;
  if (absl::Status st = ukrun::replay_stream(r, in); !st.ok()) {
    fprintf(stderr, "uk-replay: %s %s\n", file, std::string(st.message()).c_str());
    status = 2;
  }
  if (in != stdin) fclose(in);
  if (status == 0) {
    if (absl::Status st = r.finish(); !st.ok()) {
      fprintf(stderr, "uk-replay: %s: %s\n", file, std::string(st.message()).c_str());
      return 2;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (status != 0) return status;

  if (verify) {
    if (!r.divergences().empty()) {
      printf("uk-replay: first divergence:\n");
      print_divergence(r.divergences()[0]);
      status = 1;
    } else {
      printf("uk-replay: %llu events replayed, every result matches\n",
             static_cast<unsigned long long>(r.stats().events));
    }
  }
  if (!opts.flavour.empty()) {
    printf("uk-replay: recorded under %s, replayed under %s: %llu results differ",
           r.recorded_flavours().c_str(), opts.flavour.c_str(),
           static_cast<unsigned long long>(r.nr_divergences()));
    printf(" (the first of each object below; later states may drift)\n");
    for (const ukrun::divergence& d : r.divergences()) print_divergence(d);
  }
  if (tree) fputs(r.tree().c_str(), stdout);
  if (stats) print_stats(r.stats(), seconds);
  return status;
}
