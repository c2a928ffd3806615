#include "harness/proc_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/host_file.h"
#include "harness/mountinfo.h"

// Linux 6.8's (include/uapi/linux/stat.h); Debian 12's headers predate it.
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

namespace ukrun {

namespace {

// The kernel's limit on symlinks followed in one lookup (include/linux/namei.h MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;

std::string parent_of(const std::string& dir) {
  size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

// The process of thread `tid`.
std::optional<pid_t> tgid_of(pid_t tid) {
  std::optional<std::string> status = read_host_file(absl::StrCat("/proc/", tid, "/status"));
  if (!status) return std::nullopt;
  std::optional<std::string_view> field = proc_status_field(*status, "Tgid:");
  pid_t tgid;
  if (!field || !absl::SimpleAtoi(absl::string_view(field->data(), field->size()), &tgid)) {
    return std::nullopt;
  }
  return tgid;
}

// Where a path relative to `dirfd` starts for thread `tid`: its cwd or that directory.
std::string start_link(pid_t tid, int dirfd) {
  return dirfd == AT_FDCWD ? absl::StrCat("/proc/", tid, "/cwd")
                           : absl::StrCat("/proc/", tid, "/fd/", dirfd);
}

// The last component of `path` ("" for "/").
absl::string_view last_component(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// Where `tid`'s lookup of a path starts: its root for an absolute one (taken to be the
// supervisor's), else its cwd or the directory `dirfd`.
std::optional<std::string> start_of(pid_t tid, int dirfd, bool absolute) {
  if (absolute) return std::string("/");
  std::optional<std::string> dir = read_host_link(start_link(tid, dirfd));
  if (!dir || dir->empty() || (*dir)[0] != '/') return std::nullopt;
  return dir;
}

// `path` resolved as the program resolves it, from `start` (canonical), following the
// last symlink if `follow`: "self" and "thread-self" at a procfs root are the
// program's, where reading the links would give the supervisor's. nullopt where the
// kernel would fail the lookup (it then reports that itself).
std::optional<std::string> canonical_as(pid_t tid, std::string start, absl::string_view path,
                                        bool follow) {
  std::deque<std::string> rest = absl::StrSplit(path, '/', absl::SkipEmpty());
  std::string cur = std::move(start);
  int links = 0;
  while (!rest.empty()) {
    std::string c = std::move(rest.front());
    rest.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      cur = parent_of(cur);
      continue;
    }
    std::string next = cur == "/" ? "/" + c : absl::StrCat(cur, "/", c);
    if (c == "self" || c == "thread-self") {
      // A procfs root (its inode number is PROC_ROOT_INO, 1): the link is the reader's.
      struct stat dir;
      std::optional<pid_t> tgid;
      if (stat(cur.c_str(), &dir) == 0 && dir.st_ino == 1 && read_host_link(next) &&
          (tgid = tgid_of(tid))) {
        std::string root = cur == "/" ? "" : cur;
        cur = c == "self" ? absl::StrCat(root, "/", *tgid)
                          : absl::StrCat(root, "/", *tgid, "/task/", tid);
        continue;
      }
    }
    if (rest.empty() && !follow) return next;
    std::optional<std::string> target = read_host_link(next);
    if (!target) {
      // Not a symlink; or missing, which only the last component may be (a file uk's
      // procfs has and the host's lacks: /proc/self/container).
      if (errno != EINVAL && !(errno == ENOENT && rest.empty())) return std::nullopt;
      cur = std::move(next);
      continue;
    }
    if (++links > kMaxSymlinks || target->empty()) return std::nullopt;
    // A magic link to something that is not a path (pipe:[...], anon_inode:...).
    if ((*target)[0] != '/' && absl::StrContains(*target, ":[")) return std::nullopt;
    if ((*target)[0] == '/') cur = "/";
    std::vector<std::string> parts = absl::StrSplit(*target, '/', absl::SkipEmpty());
    rest.insert(rest.begin(), parts.begin(), parts.end());
  }
  return cur;
}

}  // namespace

std::optional<procfs_target> proc_paths::procfs_file(pid_t tid, int dirfd, const std::string& path,
                                                     bool follow) {
  if (path.empty()) return std::nullopt;  // ENOENT
  bool absolute = path[0] == '/';
  std::string where = absolute ? path : absl::StrCat(start_link(tid, dirfd), "/", path);
  int flags = AT_STATX_DONT_SYNC | (follow ? 0 : AT_SYMLINK_NOFOLLOW);
  // A path through procfs's self (or /dev/fd, a link to it) may go on through a magic
  // link (fd/N, cwd), which the supervisor's lookup would take as its own: resolved as
  // the program first. Any other is looked up once as it stands, which tells whether
  // its file is on a procfs (the common answer: no).
  auto resolve = [&]() -> std::optional<std::string> {
    std::optional<std::string> start = start_of(tid, dirfd, absolute);
    if (!start) return std::nullopt;
    return canonical_as(tid, std::move(*start), path, follow);
  };
  std::optional<std::string> canonical;
  if (absl::StrContains(path, "self/") || absl::StartsWith(path, "/dev/fd/")) {
    if (!(canonical = resolve())) return std::nullopt;
    where = *canonical;
  }
  int err = 0;
  std::optional<std::string> point = procfs_mount_point(where, flags, &err);
  if (!point && err == ENOENT && uk_only_names_.contains(last_component(path))) {
    // A file uk's procfs has and the host's lacks: its directory is on a procfs.
    point = procfs_mount_point(where.substr(0, where.find_last_of('/') + 1), 0, &err);
  }
  if (!point) return std::nullopt;
  if (!canonical && !(canonical = resolve())) return std::nullopt;
  // The file's path below the procfs's root.
  if (*point == "/") return procfs_target{*canonical, *canonical};
  if (*canonical == *point) return procfs_target{"/", *canonical};
  if (!absl::StartsWith(*canonical, *point + "/")) return std::nullopt;
  return procfs_target{canonical->substr(point->size()), *canonical};
}

std::optional<std::string> proc_paths::procfs_mount_point(const std::string& where, int flags,
                                                          int* err) {
  // The mount's unique id (Linux 6.8+) is never reused, so the answer is kept.
  struct statx sx;
  if (statx(AT_FDCWD, where.c_str(), flags, STATX_MODE | STATX_MNT_ID_UNIQUE, &sx) != 0) {
    *err = errno;
    return std::nullopt;
  }
  if (S_ISLNK(sx.stx_mode)) return std::nullopt;  // O_NOFOLLOW of a symlink: ELOOP
  uint64_t unique = (sx.stx_mask & STATX_MNT_ID_UNIQUE) ? sx.stx_mnt_id : 0;
  if (auto it = mounts_.find(unique); unique != 0 && it != mounts_.end()) {
    if (it->second.empty()) return std::nullopt;  // the common answer
    return it->second;
  }
  // The id mountinfo shows (reused after an unmount, so asked for each time).
  uint64_t id = sx.stx_mnt_id;
  if (unique != 0) {
    struct statx old;
    if (statx(AT_FDCWD, where.c_str(), flags, STATX_MNT_ID, &old) != 0) return std::nullopt;
    id = old.stx_mnt_id;
  }
  std::optional<std::vector<mountinfo_line>> lines = own_mountinfo();
  if (!lines) return std::nullopt;
  for (const mountinfo_line& m : *lines) {
    if (m.id != id) continue;
    // A procfs mounted whole (root "/"); a bind mount of a part of one would need its
    // root prepended, and is taken for what it is not: a rare leak, not a wrong answer.
    std::string point = m.fstype == "proc" && m.root == "/" ? m.mount_point : "";
    if (unique != 0) mounts_[unique] = point;
    if (point.empty()) return std::nullopt;
    return point;
  }
  return std::nullopt;  // gone meanwhile, or in a mount namespace of the program's own
}

}  // namespace ukrun
