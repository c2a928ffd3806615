// One recorded system call run again (replayer::run_syscall): the entry's arguments,
// mapped to the replay's fds and paths, to the vfs/syscalls.h call it stands for.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/replay/flavour_map.h"
#include "harness/replay/replayer.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

using uk::entry_kind;

// The largest buffer a call that gives data back may ask for (FUSE asks 128 KiB at
// most); more is bad input rather than a large allocation.
constexpr size_t kMaxBuffer = 1 << 20;

}  // namespace

absl::StatusOr<long> replayer::run_syscall(const trace_record& r, uk::task_struct& t) {
  auto buffer = [&](size_t n) -> char* {
    buf_.resize(std::max<size_t>(n, 1));
    return buf_.data();
  };
  if (entry_returns_data(r.kind) && r.count > kMaxBuffer) {
    return absl::InvalidArgumentError(
        absl::StrCat(entry_kind_name(r.kind), ": count ", r.count, " above ", kMaxBuffer));
  }
  int fd = map_fd(r.fd);
  // As recorded unless --flavour renames a control file.
  std::string mapped;
  if (names_ != nullptr) mapped = map_path(r.path);
  const std::string& path = names_ != nullptr ? mapped : r.path;
  switch (r.kind) {
    case entry_kind::mount: {
      std::string type = r.fstype;
      if (!opts_.flavour.empty() && flavour_map::is_flavour(type)) type = opts_.flavour;
      if (flavour_map::is_flavour(r.fstype)) recorded_types_.insert(r.fstype);
      long rep =
          uk::sys_mount(t, r.path2.c_str(), r.path.c_str(), type.c_str(), r.flags, r.data.c_str());
      bool tree = flavour_map::is_flavour(type) || type == "cpuset";
      if (rep == 0 && !(r.flags & MS_REMOUNT) && tree) {
        mounts_[r.path] = {type, r.data, r.fstype, mounts_made_++};
      }
      return rep;
    }
    case entry_kind::umount: {
      long rep = uk::sys_umount(t, r.path.c_str(), static_cast<int>(r.flags));
      if (rep == 0) {
        mounts_.erase(r.path);
        mount_points_.erase(r.path);
      }
      return rep;
    }
    case entry_kind::mkdir: {
      long rep = uk::sys_mkdir(t, path.c_str(), r.mode);
      if (rep == 0) {
        for (const auto& [dir, m] : mounts_) {
          if (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
              path[dir.size()] == '/') {
            stats_.containers_created++;
            stats_.peak_containers = std::max(stats_.peak_containers, ++stats_.live_containers);
            break;
          }
        }
      }
      return rep;
    }
    case entry_kind::rmdir: {
      long rep = uk::sys_rmdir(t, path.c_str());
      if (rep == 0 && stats_.live_containers > 0) stats_.live_containers--;
      return rep;
    }
    case entry_kind::unlink:
      return uk::sys_unlink(t, path.c_str());
    case entry_kind::rename:
      return uk::sys_rename(t, path.c_str(), map_path(r.path2).c_str());
    case entry_kind::open: {
      long rep = uk::sys_open(t, path.c_str(), static_cast<int>(r.flags), r.mode);
      if (rep >= 0) {
        if (r.result >= 0) fds_[static_cast<int>(r.result)].push_back(static_cast<int>(rep));
        fd_paths_[static_cast<int>(rep)] = path;
      }
      return rep;
    }
    case entry_kind::close: {
      int closed = map_closed_fd(r.fd);
      long rep = uk::sys_close(t, closed);
      if (rep == 0) {
        if (auto it = fds_.find(r.fd); it != fds_.end()) {
          it->second.pop_front();
          if (it->second.empty()) fds_.erase(it);
        }
        fd_paths_.erase(closed);
      }
      return rep;
    }
    case entry_kind::read:
      return r.arg >= 0 ? uk::sys_pread64(t, fd, buffer(r.count), r.count, r.arg)
                        : uk::sys_read(t, fd, buffer(r.count), r.count);
    case entry_kind::write:
      return r.arg >= 0 ? uk::sys_pwrite64(t, fd, r.data.data(), r.data.size(), r.arg)
                        : uk::sys_write(t, fd, r.data.data(), r.data.size());
    case entry_kind::lseek:
      return uk::sys_lseek(t, fd, r.arg, static_cast<int>(r.flags));
    case entry_kind::dup: {
      long rep = uk::sys_dup(t, fd);
      if (rep >= 0 && r.result >= 0)
        fds_[static_cast<int>(r.result)].push_back(static_cast<int>(rep));
      return rep;
    }
    case entry_kind::dup2: {
      long rep = uk::sys_dup2(t, fd, map_fd(r.fd2));
      // dup2 closed whatever the number named: it names only the copy now.
      if (rep >= 0 && r.result >= 0) fds_[static_cast<int>(r.result)] = {static_cast<int>(rep)};
      return rep;
    }
    case entry_kind::getdents: {
      // linux_dirent64 records are 8-byte aligned; the buffer is too.
      buf_.resize(std::max<size_t>(r.count, 1) + 8);
      char* p = buf_.data() + (-reinterpret_cast<uintptr_t>(buf_.data()) & 7);
      return uk::sys_getdents64(t, fd, p, r.count);
    }
    case entry_kind::stat: {
      struct stat st;
      return uk::sys_stat(t, path.c_str(), &st);
    }
    case entry_kind::fstat: {
      struct stat st;
      return uk::sys_fstat(t, fd, &st);
    }
    case entry_kind::statfs: {
      struct statfs st;
      return uk::sys_statfs(t, path.c_str(), &st);
    }
    case entry_kind::fstatfs: {
      struct statfs st;
      return uk::sys_fstatfs(t, fd, &st);
    }
    case entry_kind::chdir:
      return uk::sys_chdir(t, path.c_str());
    case entry_kind::fchdir:
      return uk::sys_fchdir(t, fd);
    case entry_kind::getcwd:
      return uk::sys_getcwd(t, buffer(r.count), r.count);
    case entry_kind::chmod:
      return uk::sys_chmod(t, path.c_str(), r.mode);
    case entry_kind::chown:
      return uk::sys_chown(t, path.c_str(), static_cast<uid_t>(r.flags), static_cast<gid_t>(r.arg));
    case entry_kind::truncate:
      return uk::sys_truncate(t, path.c_str(), r.arg);
    case entry_kind::ftruncate:
      return uk::sys_ftruncate(t, fd, r.arg);
    case entry_kind::utimes: {
      if (r.data.empty()) return uk::sys_utimes(t, path.c_str(), nullptr);
      std::vector<absl::string_view> parts = absl::StrSplit(asv(r.data), ' ');
      struct timespec times[2];
      if (parts.size() != 4 || !absl::SimpleAtoi(parts[0], &times[0].tv_sec) ||
          !absl::SimpleAtoi(parts[1], &times[0].tv_nsec) ||
          !absl::SimpleAtoi(parts[2], &times[1].tv_sec) ||
          !absl::SimpleAtoi(parts[3], &times[1].tv_nsec)) {
        return absl::InvalidArgumentError("utimes: not four numbers");
      }
      return uk::sys_utimes(t, path.c_str(), times);
    }
    case entry_kind::mknod:
      return uk::sys_mknod(t, path.c_str(), r.mode);
    case entry_kind::symlink:
      return uk::sys_symlink(t, r.path.c_str(), map_path(r.path2).c_str());
    case entry_kind::link:
      return uk::sys_link(t, path.c_str(), map_path(r.path2).c_str());
    case entry_kind::setxattr:
      return uk::sys_setxattr(t, path.c_str(), r.path2.c_str(), r.data.data(), r.data.size(),
                              static_cast<int>(r.flags));
    case entry_kind::getxattr:
      return uk::sys_getxattr(t, path.c_str(), r.path2.c_str(), buffer(r.count), r.count);
    case entry_kind::listxattr:
      return uk::sys_listxattr(t, path.c_str(), buffer(r.count), r.count);
    case entry_kind::removexattr:
      return uk::sys_removexattr(t, path.c_str(), r.path2.c_str());
    case entry_kind::fsync:
      return uk::sys_fsync(t, fd);
    case entry_kind::poll:
      return uk::sys_pollfd(t, fd);
    case entry_kind::rules:
      return run_rules(r, t);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(entry_kind_name(r.kind), " is not a system call"));
  }
}

}  // namespace ukrun
