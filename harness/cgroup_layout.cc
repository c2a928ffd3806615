// --cgroup-v1-layout: uk hierarchies under uk-run's /sys/fs/cgroup, where a cgroup v1
// distribution (systemd's) mounts them, so legacy v1 tooling finds them there.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "harness/cgroup_root.h"
#include "harness/supervisor.h"

namespace ukrun {
namespace {

struct layout_mount {
  const char* dir;      // under kCgroupRoot
  const char* options;  // mount -o
};
// systemd's order: its named hierarchy first.
constexpr layout_mount kLayout[] = {
    {"systemd", "none,name=systemd"}, {"cpuset", "cpuset"}, {"cpu,cpuacct", "cpu,cpuacct"},
    {"freezer", "freezer"},           {"pids", "pids"},
};
// The co-mounted controllers' own names, as systemd links them.
constexpr const char* kLinks[][2] = {{"cpu", "cpu,cpuacct"}, {"cpuacct", "cpu,cpuacct"}};

}  // namespace

absl::Status supervisor::mount_cgroup_v1_layout() {
  for (const layout_mount& m : kLayout) {
    std::string dir = absl::StrCat(kCgroupRoot, "/", m.dir);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("--cgroup-v1-layout: mkdir ", dir));
    }
    long r =
        container_mount(0, "cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, m.options);
    if (r != 0) {
      return absl::ErrnoToStatus(static_cast<int>(-r),
                                 absl::StrCat("--cgroup-v1-layout: mounting ", dir));
    }
  }
  for (const auto& [name, target] : kLinks) {
    std::string link = absl::StrCat(kCgroupRoot, "/", name);
    if (symlink(target, link.c_str()) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("--cgroup-v1-layout: symlink ", link));
    }
  }
  return absl::OkStatus();
}

}  // namespace ukrun
