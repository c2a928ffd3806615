#include "harness/host_ns.h"

#include <sched.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "harness/host_file.h"
#include "uk/task.h"

namespace ukrun {

namespace {

struct ns_file {
  unsigned long flag;
  const char* name;
};
constexpr ns_file kFiles[] = {
    {CLONE_NEWNS, "mnt"},
    {CLONE_NEWUTS, "uts"},
    {CLONE_NEWIPC, "ipc"},
    {CLONE_NEWUSER, "user"},
    {CLONE_NEWPID, "pid_for_children"},
    {CLONE_NEWNET, "net"},
};
static_assert(sizeof kFiles / sizeof kFiles[0] == std::tuple_size_v<decltype(host_ns::ino)>);

}  // namespace

const unsigned long kHostNsFlags = uk::kNamespaceFlags;

host_ns read_host_ns(pid_t tid, unsigned long flags) {
  host_ns ns;
  for (size_t i = 0; i < ns.ino.size(); i++) {
    if (!(flags & kFiles[i].flag)) continue;
    struct stat sb;
    // /proc/<tid> resolves threads too (hidden from readdir).
    if (stat(absl::StrCat("/proc/", tid, "/ns/", kFiles[i].name).c_str(), &sb) == 0) {
      ns.ino[i] = sb.st_ino;
    }
  }
  return ns;
}

bool unshare_allowed(pid_t tid, unsigned long flags) {
  if (flags & CLONE_NEWUSER) return true;  // the new user namespace grants the rest
  return has_cap_sys_admin(tid);
}

bool has_cap_sys_admin(pid_t tid) {
  std::optional<std::string> status = read_host_file(absl::StrCat("/proc/", tid, "/status"));
  std::optional<std::string_view> eff =
      status ? proc_status_field(*status, "CapEff:") : std::nullopt;
  if (!eff) return false;
  constexpr int kCapSysAdmin = 21;
  return (strtoull(std::string(*eff).c_str(), nullptr, 16) >> kCapSysAdmin) & 1;
}

bool host_ns_unread(const host_ns& ns) {
  for (ino_t i : ns.ino) {
    if (i != 0) return false;
  }
  return true;
}

unsigned long changed_host_ns(const host_ns& before, const host_ns& after) {
  unsigned long changed = 0;
  for (size_t i = 0; i < before.ino.size(); i++) {
    if (before.ino[i] != 0 && after.ino[i] != 0 && before.ino[i] != after.ino[i]) {
      changed |= kFiles[i].flag;
    }
  }
  return changed;
}

}  // namespace ukrun
