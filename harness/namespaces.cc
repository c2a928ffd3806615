#include "harness/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"

namespace ukrun {
namespace {

bool write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

}  // namespace

absl::Status enter_namespaces() {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (uid != 0) {
    // An unprivileged user gets a user namespace in which it is root (like
    // `unshare -r`): enough to own the mount and pid namespaces below and to mount
    // FUSE there; nothing outside it changes.
    if (unshare(CLONE_NEWUSER) != 0) return absl::ErrnoToStatus(errno, "unshare(CLONE_NEWUSER)");
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", absl::StrCat("0 ", uid, " 1")) ||
        !write_file("/proc/self/gid_map", absl::StrCat("0 ", gid, " 1"))) {
      return absl::ErrnoToStatus(errno, "writing the user namespace maps");
    }
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
  // /proc of the new pid namespace, so that pids read there are the tree's own.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "mounting /proc");
  }
  return absl::OkStatus();
}

}  // namespace ukrun
