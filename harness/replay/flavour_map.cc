// The flavour name table, learnt from a scratch kernel (flavour_map.h).
#include "harness/replay/flavour_map.h"

#include <fcntl.h>

#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

std::set<std::string> list_dir(uk::task_struct& t, const std::string& dir) {
  std::set<std::string> names;
  long fd = uk::sys_open(t, dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return names;
  alignas(8) char buf[8192];
  long n;
  while ((n = uk::sys_getdents64(t, static_cast<int>(fd), buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
      if (d->d_type != DT_DIR) names.insert(d->d_name);
      off += d->d_reclen;
    }
  }
  uk::sys_close(t, static_cast<int>(fd));
  return names;
}

// The files of a hierarchy of `subsys` under mount type `type`: its root's and a
// child's (some files exist on children only, e.g. freezer's state).
std::set<std::string> files_of(uk::kernel& k, const std::string& type, const std::string& subsys) {
  uk::task_struct& init = *k.init_task();
  std::string dir = absl::StrCat("/", type, "_", subsys);
  uk::sys_mkdir(init, dir.c_str(), 0755);
  std::set<std::string> names;
  if (uk::sys_mount(init, "none", dir.c_str(), type.c_str(), 0, subsys.c_str()) != 0) return names;
  std::string child = dir + "/c";
  uk::sys_mkdir(init, child.c_str(), 0755);
  names = list_dir(init, dir);
  names.merge(list_dir(init, child));
  uk::sys_rmdir(init, child.c_str());
  uk::sys_umount(init, dir.c_str(), 0);
  return names;
}

}  // namespace

flavour_map::flavour_map() {
  uk::kernel_config cfg;
  cfg.topo = uk::topology(uk::cpumask_t(1), uk::nodemask_t(1));
  uk::kernel k(uk::default_subsys_registry(), cfg);
  uk::task_struct& init = *k.init_task();
  // The subsystems' names: /proc/containers' first column ("#subsys_name ...").
  std::string text;
  long fd = uk::sys_open(init, "/proc/containers", O_RDONLY);
  if (fd >= 0) {
    char buf[4096];
    long n;
    while ((n = uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf)) > 0) text.append(buf, n);
    uk::sys_close(init, static_cast<int>(fd));
  }
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    std::string subsys(line.substr(0, line.find_first_of(" \t")));
    std::set<std::string> v10 = files_of(k, "container", subsys);
    std::set<std::string> v1 = files_of(k, "cgroup", subsys);
    std::string prefix = subsys + ".";
    for (const std::string& name : v1) {
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      std::string bare = name.substr(prefix.size());
      if (!v10.contains(bare) || v1.contains(bare)) continue;
      to_cgroup_[bare] = name;
      to_container_[name] = bare;
    }
  }
}

const flavour_map& flavour_map::shared() {
  static const flavour_map* const names = new flavour_map();  // immutable once built
  return *names;
}

std::string flavour_map::map(std::string_view from, std::string_view to,
                             std::string_view name) const {
  if (from == to) return std::string(name);
  const auto& table = to == "cgroup" ? to_cgroup_ : to_container_;
  auto it = table.find(asv(name));
  return it == table.end() ? std::string(name) : it->second;
}

}  // namespace ukrun
