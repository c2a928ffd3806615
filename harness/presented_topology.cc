#include "harness/presented_topology.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/host_topology.h"

namespace ukrun {
namespace {

constexpr char kCpuDir[] = "/sys/devices/system/cpu";
constexpr char kNodeDir[] = "/sys/devices/system/node";
// The tmpfs's source in the mount table, as the tmpfs over /sys/fs/cgroup's.
constexpr char kSource[] = "uk-run";

// Nodes 0..n-1.
uk::nodemask_t node_range(int n) {
  uk::nodemask_t nodes;
  for (int i = 0; i < n; i++) nodes.set(i);
  return nodes;
}

// As sysfs prints a mask ("%*pbl\n"): "0-1\n", or "\n" when empty.
template <size_t N>
std::string sysfs_list(const std::bitset<N>& mask) {
  return uk::bitmap_scnlistprintf(mask) + "\n";
}

// Writes a file of mode 0444 named `name` in the directory `dirfd`.
absl::Status make_file_at(int dirfd, const std::string& name, const std::string& text) {
  int fd = openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return absl::ErrnoToStatus(errno, "creating a topology file");
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  close(fd);
  return ok ? absl::OkStatus() : absl::ErrnoToStatus(err, "writing a topology file");
}

// Bind-mounts the file `name` of the detached mount `mnt` read-only over `path`.
absl::Status bind_file(int mnt, const std::string& name, const std::string& path) {
  int tree = open_tree(mnt, name.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open_tree for ", path));
  struct mount_attr ro = {};
  ro.attr_set = MOUNT_ATTR_RDONLY;
  bool ok = mount_setattr(tree, "", AT_EMPTY_PATH, &ro, sizeof ro) == 0 &&
            move_mount(tree, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0;
  int err = errno;
  close(tree);
  return ok ? absl::OkStatus() : absl::ErrnoToStatus(err, absl::StrCat("mounting over ", path));
}

// Mounts each (path, text) read-only over the host file at that path: every file is made
// in one tmpfs that is never attached anywhere, and bind-mounted from it.
absl::Status mount_files(const std::vector<std::pair<std::string, std::string>>& files) {
  int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0) return absl::ErrnoToStatus(errno, "fsopen(tmpfs)");
  int mnt = -1;
  if (fsconfig(fs, FSCONFIG_SET_STRING, "source", kSource, 0) == 0 &&
      fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0) {
    mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  }
  int err = errno;
  close(fs);
  if (mnt < 0) return absl::ErrnoToStatus(err, "making the topology's tmpfs");
  absl::Status status;
  for (size_t i = 0; i < files.size() && status.ok(); i++) {
    std::string name = std::to_string(i);
    status = make_file_at(mnt, name, files[i].second);
    if (status.ok()) status = bind_file(mnt, name, files[i].first);
  }
  close(mnt);
  return status;
}

}  // namespace

absl::StatusOr<int> parse_nodes(absl::string_view value) {
  int n = 0;
  bool digits = !value.empty() && value.find_first_not_of("0123456789") == absl::string_view::npos;
  if (!digits || !absl::SimpleAtoi(value, &n) || n < 1 || n > uk::MAX_NUMNODES) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--nodes wants a number of memory nodes from 1 to ", uk::MAX_NUMNODES, ", got ", value));
  }
  return n;
}

absl::StatusOr<uk::cpumask_t> parse_cpus(absl::string_view value) {
  auto cpus = uk::bitmap_parselist<uk::NR_CPUS>(std::string_view(value.data(), value.size()));
  if (!cpus.ok() || cpus.value().none()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cpus wants a list of CPUs such as 0 or 0-1,3, got ", value));
  }
  uk::cpumask_t online = read_host_topology().cpu_online_mask;
  uk::cpumask_t missing = cpus.value() & ~online;
  if (missing.any()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cpus ", value, ": CPU ", uk::bitmap_scnlistprintf(missing),
                     " not online on this host (online: ", uk::bitmap_scnlistprintf(online), ")"));
  }
  return cpus.value();
}

uk::topology kernel_topology(const presented_topology& t) {
  uk::topology_maps maps = read_host_topology();
  // Within the host's present CPUs (parse_cpus took them from its online ones).
  if (t.cpus) maps.cpu_online_mask = *t.cpus;
  if (t.nodes > 0) maps.node_states.fill(node_range(t.nodes));
  // sched_domain_level_max stays the host's, as a kernel with this topology has it:
  // the CPUs --cpus leaves out read as unplugged after boot (present, offline), and the
  // kernel never lowers the level its boot-time domains reached; the nodes --nodes adds
  // have memory and no CPU, and sched_init_numa() counts only nodes with CPUs.
  return uk::topology(maps);
}

absl::Status apply_cpus(const presented_topology& t) {
  if (!t.cpus) return absl::OkStatus();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c = 0; c < uk::NR_CPUS && c < CPU_SETSIZE; c++) {
    if (t.cpus->test(c)) CPU_SET(c, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("--cpus ", uk::bitmap_scnlistprintf(*t.cpus), ": sched_setaffinity"));
  }
  return absl::OkStatus();
}

absl::Status mount_presented_topology(const presented_topology& t) {
  std::vector<std::pair<std::string, std::string>> files;
  // Only over files the host has (a kernel without NUMA has no node directory, CPU 0
  // often no online file).
  auto present = [&](std::string path, std::string text) {
    struct stat sb;
    if (stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode)) files.emplace_back(path, text);
  };
  if (t.nodes > 0) {
    uk::nodemask_t nodes = node_range(t.nodes);
    // Every presented node is possible, online and has (normal) memory; has_cpu and the
    // nodeN directories stay the host's.
    for (const char* state : {"possible", "online", "has_memory", "has_normal_memory"}) {
      present(absl::StrCat(kNodeDir, "/", state), sysfs_list(nodes));
    }
  }
  if (t.cpus) {
    // The CPUs left out read as hot-unplugged: still possible and present, offline.
    uk::cpumask_t possible = read_host_topology().cpu_possible_mask;
    present(absl::StrCat(kCpuDir, "/online"), sysfs_list(*t.cpus));
    present(absl::StrCat(kCpuDir, "/offline"), sysfs_list(possible & ~*t.cpus));
    for (int c = 0; c < uk::NR_CPUS; c++) {
      if (possible.test(c) && !t.cpus->test(c)) {
        present(absl::StrCat(kCpuDir, "/cpu", c, "/online"), "0\n");
      }
    }
  }
  if (files.empty()) return absl::OkStatus();
  return mount_files(files);
}

}  // namespace ukrun
