#include "harness/cpu_mode.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/host_cpuset.h"

namespace ukrun {

// The subtree's tasks are gone with the pid namespace by the time this runs; the bound
// only covers a kernel still releasing them.
constexpr absl::Duration kRemoveTimeout = absl::Seconds(5);

namespace {

// Where the outer uk-run cannot remove the subtrees itself (SIGKILL, a test runner's
// timeout killing its process group), a helper forked before the namespaces does:
// `uk-run-cleanup` (not `uk-run`: tools that look for uk-run by name must not find
// it), not uk-run's child, in a session of its own, holding no fd of its caller's
// but a pipe from the outer uk-run. At EOF (the outer and the supervisor, which
// inherited the write end, are gone) it removes whatever is left; after a normal run,
// nothing is.
void start_cleanup_helper(const options& o) {
  std::vector<std::string> paths;
  for (const auto* s : {&o.cpu_subtree, &o.freeze_subtree, &o.cpuset_subtree}) {
    if (*s) paths.push_back((*s)->host_path);
  }
  int p[2];
  if (paths.empty() || pipe2(p, O_CLOEXEC) != 0) return;
  // Twice, so that it is not uk-run's child: tools that take uk-run's child for the
  // supervisor (pgrep -P) must not find it.
  pid_t mid = fork();
  if (mid == 0) prctl(PR_SET_NAME, "uk-run-cleanup");
  if (mid == 0 && fork() != 0) _exit(0);
  if (mid == 0) {
    setsid();
    dup2(p[0], 3);  // without O_CLOEXEC: the helper never execs
    close_range(4, ~0U, 0);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; fd++) dup2(null, fd);  // a caller waiting for EOF on them
    if (null > 2) close(null);
    char c;
    while (read(3, &c, 1) < 0 && errno == EINTR) {
    }
    for (const std::string& path : paths) remove_host_subtree_at(path, absl::Seconds(10));
    _exit(0);
  }
  close(p[0]);  // the write end stays open in this process (and the supervisor) only
  if (mid > 0) waitpid(mid, nullptr, 0);
}

}  // namespace

int prepare_cpu_enforcement(options& o) {
  int rc = choose_cpu_enforcement(o);
  if (rc != 0) return rc;
  // Where it cannot be made (not root, no v1 cpuset), masks are bounded by observation.
  absl::StatusOr<host_subtree> cs = make_cpuset_subtree(subtree_name(), o.topology.cpus);
  if (cs.ok()) o.cpuset_subtree = std::move(*cs);
  start_cleanup_helper(o);
  return 0;
}

int choose_cpu_enforcement(options& o) {
  using mode = options::cpu_mode;
  if (o.cpu != mode::automatic && o.cpu != mode::host_cgroup) return 0;
  const std::string name = subtree_name();
  absl::StatusOr<host_subtree> s = make_host_subtree(name);
  if (s.ok()) {
    // The freezer too, where cgroup2 is free for it (not the cpu subtree's hierarchy,
    // where freezing would move a process out of its cpu group).
    if (!s->v2) {
      absl::StatusOr<host_subtree> f = make_freeze_subtree(name);
      if (f.ok()) o.freeze_subtree = std::move(*f);
    }
    if (o.cpu == mode::automatic) {
      o.cpu_announce =
          absl::StrCat("uk-run: cpu shares enforced by a host cgroup subtree (", s->host_path, ")");
      if (o.freeze_subtree) {
        absl::StrAppend(&o.cpu_announce, "; freezer.state by cgroup2's freeze (",
                        o.freeze_subtree->host_path, ")");
      }
    }
    o.cpu = mode::host_cgroup;
    o.cpu_subtree = std::move(*s);
    return 0;
  }
  if (o.cpu == mode::host_cgroup) {
    fprintf(stderr, "uk-run: --cpu-enforcement=host-cgroup: no host cgroup for the run: %s\n",
            std::string(s.status().message()).c_str());
    return 125;
  }
  o.cpu = mode::signals;
  o.cpu_announce = absl::StrCat(
      "uk-run: cpu shares enforced by SIGSTOP/SIGCONT duty cycling (no host cgroup for the run: ",
      s.status().message(), ")");
  return 0;
}

cpu_subtree_guard::~cpu_subtree_guard() {
  if (leave_) return;
  if (o_.cpu_subtree) remove_host_subtree(*o_.cpu_subtree, kRemoveTimeout);
  if (o_.freeze_subtree) remove_host_subtree(*o_.freeze_subtree, kRemoveTimeout);
  if (o_.cpuset_subtree) remove_host_subtree(*o_.cpuset_subtree, kRemoveTimeout);
}

}  // namespace ukrun
