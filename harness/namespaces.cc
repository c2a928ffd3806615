#include "harness/namespaces.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/cgroup_root.h"
#include "harness/mountinfo.h"

namespace ukrun {
namespace {

bool write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

std::string read_file(const std::string& path) {
  std::string text;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fd);
  return text;
}

// The sysctls a new namespace resets, as the caller's namespaces have them: path and
// value, read by the outer uk-run (enter_namespaces) and, in the supervisor it forks (a
// copy of its memory), given to the run's namespaces (prepare_mount_namespace).
// - kernel/pid_max: since Linux 6.14 each pid namespace has one, and a new one starts at
//   PID_MAX_LIMIT (4194304) whatever its parent's (kernel/pid.c);
// - user/max_*: a new user namespace's limits start at INT_MAX (kernel/user_namespace.c
//   create_user_ns), though what it creates still counts against its parents' limits.
std::vector<std::pair<std::string, std::string>> caller_sysctls;

void read_caller_sysctls() {
  std::vector<std::string> paths = {"/proc/sys/kernel/pid_max"};
  if (DIR* d = opendir("/proc/sys/user")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') paths.push_back(absl::StrCat("/proc/sys/user/", e->d_name));
    }
    closedir(d);
  }
  for (const std::string& p : paths) {
    std::string value = read_file(p);
    if (!value.empty()) caller_sysctls.emplace_back(p, std::move(value));
  }
}

// Every id this process's user namespace maps, mapped to itself one level down:
// "0 0 4294967295" for the host's root, "0 0 1" inside a non-root run's first namespace.
std::string identity_map(const std::string& own_map) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(own_map, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() == 3) absl::StrAppend(&out, f[0], " ", f[0], " ", f[2], "\n");
  }
  return out;
}

// Project ids (XFS and ext4 quotas) map as natively, where a program reads its map
// (/proc/self/projid_map): any process may write any projid map, as it grants nothing
// (kernel/user_namespace.c new_idmap_permitted), so this fails only where the kernel
// lacks it, and the run goes on without.
void write_projid_map(const std::string& proc, const std::string& map) {
  if (!map.empty()) write_file(proc + "projid_map", map);
}

// A user namespace below the current one that maps every id this one maps to itself:
// root stays root with the same files (chown to any uid, setuid programs and su work),
// but holds its capabilities only over namespaces this one creates, so nothing can
// mount a host cgroup hierarchy or reveal what is under a mount made before (mounts
// copied into a less privileged mount namespace are locked: no umount, no MS_MOVE).
// A map of more than one id needs CAP_SETUID in the parent namespace, which the caller
// no longer has once inside: a helper forked before the unshare writes the maps.
absl::Status enter_child_user_namespace() {
  std::string uid_map = identity_map(read_file("/proc/self/uid_map"));
  std::string gid_map = identity_map(read_file("/proc/self/gid_map"));
  std::string projid_map = identity_map(read_file("/proc/self/projid_map"));
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  pid_t self = getpid();
  pid_t helper = fork();
  if (helper < 0) return absl::ErrnoToStatus(errno, "fork");
  if (helper == 0) {
    // A name of its own: tools that look for uk-run (or its child, uk-supervisor) by name
    // must not take it for either.
    prctl(PR_SET_NAME, "uk-run-idmap");
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(0);  // the unshare failed
    std::string proc = absl::StrCat("/proc/", self, "/");
    if (!write_file(proc + "uid_map", uid_map) || !write_file(proc + "gid_map", gid_map)) {
      _exit(errno ? errno : EIO);
    }
    write_projid_map(proc, projid_map);
    _exit(0);
  }
  close(go[0]);
  int err = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
  if (err == 0 && write(go[1], "x", 1) != 1) err = errno;
  close(go[1]);
  int status = 0;
  while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (err != 0) return absl::ErrnoToStatus(err, "unshare(CLONE_NEWUSER)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::ErrnoToStatus(WIFEXITED(status) ? WEXITSTATUS(status) : EIO,
                               "writing the user namespace maps");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status enter_namespaces(bool userns, const presented_topology& topology) {
  read_caller_sysctls();
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (uid != 0) {
    // An unprivileged user gets a user namespace in which it is root (like
    // `unshare -r`): enough to own the namespaces below and to mount FUSE there;
    // nothing outside it changes.
    std::string projid_map = identity_map(read_file("/proc/self/projid_map"));
    if (unshare(CLONE_NEWUSER) != 0) return absl::ErrnoToStatus(errno, "unshare(CLONE_NEWUSER)");
    write_projid_map("/proc/self/", projid_map);
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", absl::StrCat("0 ", uid, " 1")) ||
        !write_file("/proc/self/gid_map", absl::StrCat("0 ", gid, " 1"))) {
      return absl::ErrnoToStatus(errno, "writing the user namespace maps");
    }
  }
  // uk's /sys/fs/cgroup, mounted in a mount namespace of this user namespace so that
  // the tree's (below) gets it locked over the host's cgroup mounts.
  if (unshare(CLONE_NEWNS) != 0) return absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNS)");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "making mounts private");
  }
  if (absl::Status s = mount_cgroup_root(); !s.ok()) return s;
  if (absl::Status s = mount_presented_topology(topology); !s.ok()) return s;
  // --no-userns (root only): the tmpfs stays unlocked, root keeps its capabilities.
  if (userns || uid != 0) {
    if (absl::Status s = enter_child_user_namespace(); !s.ok()) return s;
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID) != 0) {
    return absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNS|CLONE_NEWPID)");
  }
  return absl::OkStatus();
}

absl::Status prepare_mount_namespace() {
  // Nothing mounted here propagates back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "making mounts private");
  }
  // /proc of the new pid namespace, so that pids read there are the tree's own. With
  // the flags and options of the /proc it covers, so that the mount table shows what it
  // showed (the covered one is left out of the emulated table: mount_table.cc).
  unsigned long flags = 0;
  std::string options;
  struct statvfs sv;
  if (statvfs("/proc", &sv) == 0) {
    for (auto [st, ms] : {std::pair{ST_RDONLY, MS_RDONLY},
                          {ST_NOSUID, MS_NOSUID},
                          {ST_NODEV, MS_NODEV},
                          {ST_NOEXEC, MS_NOEXEC},
                          {ST_NOATIME, MS_NOATIME},
                          {ST_NODIRATIME, MS_NODIRATIME},
                          {ST_RELATIME, MS_RELATIME}}) {
      if (sv.f_flag & st) flags |= ms;
    }
  }
  if (std::optional<std::vector<mountinfo_line>> lines = own_mountinfo()) {
    for (const mountinfo_line& m : *lines) {
      if (m.mount_point != "/proc" || m.fstype != "proc" || m.fields.empty()) continue;
      // The super options (hidepid=, gid=, subset=), but the read-only flag's.
      std::vector<absl::string_view> kept;
      for (absl::string_view o : absl::StrSplit(m.fields.back(), ',')) {
        if (o != "rw" && o != "ro") kept.push_back(o);
      }
      options = absl::StrJoin(kept, ",");
    }
  }
  if (mount("proc", "/proc", "proc", flags, options.empty() ? nullptr : options.c_str()) != 0 &&
      mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "mounting /proc");
  }
  // The caller's values, as the program would read natively (root of the run's user
  // namespace may write them there). Best effort: a kernel that shares one pid_max
  // between namespaces does not let this write it.
  for (const auto& [path, value] : caller_sysctls) {
    if (read_file(path) != value) write_file(path, value);
  }
  return absl::OkStatus();
}

}  // namespace ukrun
