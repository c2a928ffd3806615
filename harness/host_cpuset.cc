#include "harness/host_cpuset.h"

#include <cerrno>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "harness/host_file.h"

namespace ukrun {
namespace {

// A cpuset list file without its newline; "" if unreadable.
std::string read_list(const std::string& path) {
  auto text = read_host_file(path);
  return text ? std::string(absl::StripTrailingAsciiWhitespace(*text)) : "";
}

}  // namespace

absl::StatusOr<host_subtree> make_cpuset_subtree(const std::string& name,
                                                 const std::optional<uk::cpumask_t>& cpus) {
  absl::StatusOr<host_subtree> s = make_subtree_in("cpuset", name);
  if (!s.ok()) return s;
  // cpus before mems, as a v1 cpuset takes no task without both.
  std::string parent = s->host_path.substr(0, s->host_path.size() - name.size());
  std::string list = cpus ? uk::bitmap_scnlistprintf(*cpus) : read_list(parent + "cpuset.cpus");
  int e = s->fs->write(s->fd, "cpuset.cpus", list + "\n");
  if (e == 0) e = s->fs->write(s->fd, "cpuset.mems", read_list(parent + "cpuset.mems") + "\n");
  if (e == 0) return s;
  remove_host_subtree(*s, absl::Seconds(1));
  return absl::ErrnoToStatus(e, absl::StrCat("cgroup v1 cpuset: ", s->host_path));
}

host_cpuset_tree::host_cpuset_tree(const host_subtree& s, pid_t exempt_tgid)
    : fs_(*s.fs),
      fd_(s.fd),
      exempt_tgid_(exempt_tgid),
      prefix_(s.cgroup_path),
      // Through the fd: inside the run, /sys/fs/cgroup is uk-run's tmpfs.
      mems_(read_list(absl::StrCat("/proc/self/fd/", s.fd, "/cpuset.mems")) + "\n") {}

std::string host_cpuset_tree::dir(uint64_t id) { return absl::StrCat("cs", id); }

int host_cpuset_tree::make(uint64_t id) {
  retry_removals();
  std::string d = dir(id);
  if (int e = fs_.mkdir(fd_, d); e != 0) return e;
  if (int e = fs_.write(fd_, d + "/cpuset.mems", mems_); e != 0) {
    fs_.rmdir(fd_, d);
    return e;
  }
  return 0;
}

int host_cpuset_tree::set_cpus(uint64_t id, const uk::cpumask_t& cpus) {
  retry_removals();
  // An empty list is written as "\n": a write of nothing is not a write at all.
  std::string list = uk::bitmap_scnlistprintf(cpus) + "\n";
  return fs_.write(fd_, id == 0 ? "cpuset.cpus" : dir(id) + "/cpuset.cpus", list);
}

void host_cpuset_tree::remove(uint64_t id) {
  retry_removals();
  rmdir_or_keep(id);
}

void host_cpuset_tree::rmdir_or_keep(uint64_t id) {
  if (fs_.rmdir(fd_, dir(id)) == EBUSY) busy_.push_back(id);
}

int host_cpuset_tree::move(pid_t tgid, pid_t tid, uint64_t id) {
  if (tgid == exempt_tgid_) return EPERM;
  return fs_.write(fd_, id == 0 ? "tasks" : dir(id) + "/tasks", std::to_string(tid));
}

std::optional<uint64_t> host_cpuset_tree::where(pid_t tgid, pid_t tid) {
  auto text = read_host_file(absl::StrCat("/proc/", tgid, "/task/", tid, "/cpuset"));
  if (!text) return std::nullopt;
  absl::string_view path = absl::StripTrailingAsciiWhitespace(*text);
  if (path == prefix_) return 0;
  uint64_t id;
  if (!absl::ConsumePrefix(&path, prefix_ + "/cs") || !absl::SimpleAtoi(path, &id)) {
    return std::nullopt;
  }
  return id;
}

void host_cpuset_tree::retry_removals() {
  std::vector<uint64_t> busy = std::move(busy_);
  busy_.clear();
  for (uint64_t id : busy) rmdir_or_keep(id);
}

}  // namespace ukrun
