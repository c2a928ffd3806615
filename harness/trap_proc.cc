// /proc emulation: /proc/<pid>/container, cpuset, cgroup, /proc/containers,
// /proc/cgroups and the mount table, answered from the kernel's procfs through a memfd.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {

// /proc/self/container and friends, answered from the kernel's procfs with a memfd.
void supervisor::on_open(const seccomp_notif& req, uint64_t path_addr, int flags) {
  std::string path;
  if (!read_string(req.pid, path_addr, &path) || path.rfind("/proc/", 0) != 0 ||
      (flags & O_ACCMODE) != O_RDONLY) {
    return respond_continue(req.id);
  }
  // The pieces point into `rest`, which must outlive them.
  const std::string rest = path.substr(6);
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/', absl::SkipEmpty());
  auto numeric = [](absl::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == absl::string_view::npos;
  };
  auto leaf = [](absl::string_view s) {
    return s == "container" || s == "cpuset" || s == "cgroup" || s == "mounts" || s == "mountinfo";
  };
  std::string kpath;
  if (parts.size() == 1 && (parts[0] == "containers" || parts[0] == "cgroups")) {
    kpath = absl::StrCat("/proc/", parts[0]);
  } else if (parts.size() == 1 && parts[0] == "mounts") {
    kpath = "/proc/self/mounts";
  } else if (parts.size() == 2 && leaf(parts[1]) &&
             (numeric(parts[0]) || parts[0] == "self" || parts[0] == "thread-self")) {
    kpath = absl::StrCat("/proc/", parts[0], "/", parts[1]);
  } else if (parts.size() == 4 && leaf(parts[3]) && parts[2] != "" && numeric(parts[2]) &&
             parts[1] == "task" && (numeric(parts[0]) || parts[0] == "self")) {
    kpath = absl::StrCat("/proc/", parts[0], "/task/", parts[2], "/", parts[3]);
  } else {
    return respond_continue(req.id);
  }
  if (!id_valid(req.id)) return;
  tracker::pinned_task pinned = tracker_.task_for(req.pid);
  uk::task_struct* t = pinned.task;
  if (!t) return respond_continue(req.id);
  if (parts[0] == "thread-self") {
    kpath = absl::StrCat("/proc/", t->tgid, "/task/", t->pid, "/", parts[1]);
  }
  // The kernel resolves "self" as `t`.
  long fd = uk::sys_open(*t, kpath.c_str(), O_RDONLY);
  if (fd < 0) return respond(req.id, fd);
  std::string text;
  char buf[4096];
  long n;
  while ((n = uk::sys_read(*t, static_cast<int>(fd), buf, sizeof buf)) > 0) text.append(buf, n);
  uk::sys_close(*t, static_cast<int>(fd));
  if (n < 0) return respond(req.id, n);
  // The mount table: the host's, with uk's lines for uk's mounts.
  if (absl::EndsWith(kpath, "/mounts") || absl::EndsWith(kpath, "/mountinfo")) {
    std::string host_path = path;
    if (parts[0] == "self" || parts[0] == "thread-self" || parts[0] == "mounts") {
      host_path = absl::StrCat("/proc/", req.pid, "/", parts.back());
    }
    auto merged = merge_mount_table(host_path, text, absl::EndsWith(kpath, "/mountinfo"));
    if (!merged) return respond_continue(req.id);
    text = std::move(*merged);
  }
  int mfd = memfd_create("container", MFD_CLOEXEC);
  if (mfd < 0 || write(mfd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (mfd >= 0) close(mfd);
    return respond(req.id, -ENOMEM);
  }
  // A read-only description of the same memfd, at offset 0.
  int rfd = open(absl::StrCat("/proc/self/fd/", mfd).c_str(), O_RDONLY | O_CLOEXEC);
  close(mfd);
  if (rfd < 0) return respond(req.id, -ENOMEM);
  seccomp_notif_addfd addfd = {};
  addfd.id = req.id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
  addfd.srcfd = static_cast<uint32_t>(rfd);
  addfd.newfd_flags = static_cast<uint32_t>(flags & O_CLOEXEC);
  tracker_.note_answer();
  ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);  // also the reply
  close(rfd);
}

// /proc/<pid>/mounts or mountinfo as the host has it, where each FUSE mount of uk-run
// shows as the kernel shows that mount (type cgroup or container, its options). In
// mountinfo the host's mount ids and device numbers stay (they match stat(2)).
std::optional<std::string> supervisor::merge_mount_table(const std::string& host_path,
                                                         const std::string& uk_text,
                                                         bool mountinfo) {
  int fd = open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string host;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) host.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t mp_field = mountinfo ? 4 : 1;
  std::map<std::string, std::vector<std::string>> uk_lines;  // mount point -> fields
  for (absl::string_view line : absl::StrSplit(uk_text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() > mp_field) uk_lines[f[mp_field]] = std::move(f);
  }
  std::string out;
  for (absl::string_view line : absl::StrSplit(host, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    // The host's own cgroup hierarchies are not this kernel's: tools that look
    // hierarchies up in the table (libcgroup) must find only uk's.
    auto host_dash = std::find(f.begin(), f.end(), "-");
    size_t type_field = mountinfo ? static_cast<size_t>(host_dash - f.begin()) + 1 : 2;
    if (type_field < f.size() && (f[type_field] == "cgroup" || f[type_field] == "cgroup2")) {
      continue;
    }
    auto it = f.size() > mp_field ? uk_lines.find(f[mp_field]) : uk_lines.end();
    if (it == uk_lines.end() || !mounts_.contains(f[mp_field]) ||
        !absl::StrContains(line, "fuse.container")) {
      absl::StrAppend(&out, line, "\n");
      continue;
    }
    const std::vector<std::string>& k = it->second;
    if (!mountinfo) {
      absl::StrAppend(&out, absl::StrJoin(k, " "), "\n");
      continue;
    }
    // ids, device, root and mount point from the host; options onwards from uk,
    // with the host's optional fields.
    auto dash = std::find(k.begin(), k.end(), "-");
    std::vector<std::string> m(f.begin(), f.begin() + 5);
    m.push_back(k[5]);
    if (host_dash != f.end()) m.insert(m.end(), f.begin() + 6, host_dash);
    m.insert(m.end(), dash, k.end());
    absl::StrAppend(&out, absl::StrJoin(m, " "), "\n");
  }
  return out;
}

}  // namespace ukrun
