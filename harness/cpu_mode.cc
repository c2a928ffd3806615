#include "harness/cpu_mode.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace ukrun {

// The subtree's tasks are gone with the pid namespace by the time this runs; the bound
// only covers a kernel still releasing them.
constexpr absl::Duration kRemoveTimeout = absl::Seconds(5);

int prepare_cpu_enforcement(options& o) {
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
  if (o_.cpu_subtree) remove_host_subtree(*o_.cpu_subtree, kRemoveTimeout);
  if (o_.freeze_subtree) remove_host_subtree(*o_.freeze_subtree, kRemoveTimeout);
}

}  // namespace ukrun
