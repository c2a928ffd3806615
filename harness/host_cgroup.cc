#include "harness/host_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "harness/host_file.h"

namespace ukrun {
namespace {

bool has_word(const std::optional<std::string>& text, absl::string_view word) {
  if (!text) return false;
  for (absl::string_view w : absl::StrSplit(*text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    if (w == word) return true;
  }
  return false;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "A/B" for "/A/B"; "." for "/".
std::string rel(const std::string& path) { return path == "/" ? "." : path.substr(1); }

// The group path below the subtree `prefix` (as /proc/<pid>/cgroup shows it) of cgroup
// `own`: "/" for the subtree itself, nullopt outside it.
std::optional<std::string> below(const std::string& prefix, absl::string_view own) {
  if (own == prefix) return "/";
  if (!absl::StartsWith(own, prefix + "/")) return std::nullopt;
  return std::string(own.substr(prefix.size()));
}

// The outer uk-run's cgroup of `controller` ("" for cgroup2) as a directory, and as
// /proc/self/cgroup shows it.
absl::StatusOr<std::pair<std::string, std::string>> own_cgroup(absl::string_view controller,
                                                               const std::string& proc_cgroup,
                                                               const std::string& mountinfo) {
  std::string what = controller.empty() ? "cgroup2" : absl::StrCat("cgroup v1 ", controller);
  auto mnt = find_cgroup_mount(mountinfo, controller);
  if (!mnt) return absl::NotFoundError(absl::StrCat(what, ": not mounted"));
  auto own = cgroup_of(proc_cgroup, controller);
  if (!own) return absl::NotFoundError(absl::StrCat(what, ": not in /proc/self/cgroup"));
  // The mount shows the hierarchy from `root` down (a container's view).
  std::string within = *own;
  if (mnt->root != "/") {
    if (within != mnt->root && !absl::StartsWith(within, mnt->root + "/")) {
      return absl::NotFoundError(absl::StrCat(what, ": our cgroup is not below the mount"));
    }
    within = within.substr(mnt->root.size());
  }
  return std::make_pair(mnt->dir + (within == "/" ? "" : within), *own);
}

void close_subtree(host_subtree& s) {
  if (s.fd >= 0) close(s.fd);
  if (s.parent_fd >= 0) close(s.parent_fd);
  s.fd = s.parent_fd = -1;
}

// The names of the directories right below `dirfd`, or nullopt if it cannot be read.
std::optional<std::vector<std::string>> subdirs_of(int dirfd) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd < 0 ? nullptr : fdopendir(fd);
  if (d == nullptr) {
    if (fd >= 0) close(fd);
    return std::nullopt;
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      names.push_back(e->d_name);
    }
  }
  closedir(d);
  return names;
}

// Removes every directory below `dirfd`, deepest first; false if one is left.
bool remove_below(int dirfd, const cgroupfs_ops& fs) {
  std::optional<std::vector<std::string>> subdirs = subdirs_of(dirfd);
  if (!subdirs) return false;
  bool ok = true;
  for (const std::string& sub : *subdirs) {
    int subfd = openat(dirfd, sub.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (subfd >= 0) {
      ok &= remove_below(subfd, fs);
      close(subfd);
    }
    if (int e = fs.rmdir(dirfd, sub); e != 0 && e != ENOENT) ok = false;
  }
  return ok;
}

// Whether the run that made the subtree `name` (uk-run.<outer pid>.<random>) may still
// live: its outer uk-run's pid exists here, or the name is not one of ours.
bool owner_may_live(const std::string& name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
  int pid = 0;
  if (parts.size() != 3 || parts[0] != "uk-run" || !absl::SimpleAtoi(parts[1], &pid) || pid <= 0) {
    return true;
  }
  return kill(pid, 0) == 0 || errno != ESRCH;
}

// Removes, below the cgroup `parent_fd`, the subtrees of runs that died with their
// cleanup helper: a test runner that is a child subreaper (Bazel's process-wrapper)
// kills every descendant, the helper too, which setsid cannot escape. Such a subtree's
// outer uk-run is gone and no process holds its lock (make_at); one that still holds
// tasks (rmdir's EBUSY) is left alone. Nothing but `uk-run.*` directories is touched.
void sweep_abandoned(int parent_fd, const cgroupfs_ops& fs) {
  for (const std::string& name : subdirs_of(parent_fd).value_or(std::vector<std::string>())) {
    if (owner_may_live(name)) continue;  // also every name not uk-run.<pid>.<random>
    int sub = openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0) continue;
    if (flock(sub, LOCK_EX | LOCK_NB) == 0 && remove_below(sub, fs))
      (void)fs.rmdir(parent_fd, name);
    close(sub);  // drops the lock
  }
}

// Makes R below the cgroup at `parent_dir` (`own` in /proc/<pid>/cgroup), opened, and
// opens both. The caller checks R's controller files. R's fd holds an exclusive flock
// for as long as the outer uk-run or the supervisor (which inherits the fd) lives: a
// later run's sweep_abandoned takes a free lock as proof that the owner is gone.
absl::StatusOr<host_subtree> make_at(bool v2, const std::string& parent_dir, const std::string& own,
                                     const std::string& name, bool need_cpu,
                                     const cgroupfs_ops& fs) {
  std::string what = v2 ? "cgroup2" : "cgroup v1";
  host_subtree s;
  s.v2 = v2;
  s.fs = &fs;
  s.name = name;
  s.parent_fd = open(parent_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.parent_fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat(what, ": ", parent_dir));
  if (v2 && need_cpu && !has_word(read_host_file(parent_dir + "/cgroup.subtree_control"), "cpu")) {
    close(s.parent_fd);
    return absl::NotFoundError(
        absl::StrCat(what, ": ", parent_dir, " does not give cpu to its children"));
  }
  sweep_abandoned(s.parent_fd, fs);
  if (int e = fs.mkdir(s.parent_fd, name); e != 0) {
    close(s.parent_fd);
    return absl::ErrnoToStatus(e, absl::StrCat(what, ": mkdir in ", parent_dir));
  }
  s.fd = openat(s.parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // Locked before any other run could take R for abandoned: a sweep skips a name whose
  // outer uk-run (this process) lives.
  if (s.fd < 0 || flock(s.fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    if (s.fd >= 0) close(s.fd);
    (void)fs.rmdir(s.parent_fd, name);
    close(s.parent_fd);
    return absl::ErrnoToStatus(e, absl::StrCat(what, ": cannot open and lock ", name));
  }
  s.host_path = absl::StrCat(parent_dir, "/", name);
  s.cgroup_path = absl::StrCat(own == "/" ? "" : own, "/", name);
  return s;
}

class groups_v1 final : public uk::sched::host_groups {
 public:
  explicit groups_v1(const host_subtree& s) : fs_(*s.fs), fd_(s.fd), prefix_(s.cgroup_path) {}
  bool per_thread() const override { return true; }
  int make(const std::string& path) override { return fs_.mkdir(fd_, rel(path)); }
  int remove(const std::string& path) override { return fs_.rmdir(fd_, rel(path)); }
  int set_shares(const std::string& path, uint64_t shares) override {
    return fs_.write(fd_, rel(path) + "/cpu.shares", std::to_string(shares));
  }
  int move(pid_t tgid, pid_t tid, const std::string& path) override {
    return fs_.write(fd_, rel(path) + "/tasks", std::to_string(tid));
  }
  std::optional<std::string> where(pid_t tgid, pid_t tid) override {
    auto text = read_host_file(absl::StrCat("/proc/", tgid, "/task/", tid, "/cgroup"));
    if (!text) return std::nullopt;
    auto own = cgroup_of(*text, "cpu");
    return own ? below(prefix_, *own) : std::nullopt;
  }

 private:
  const cgroupfs_ops& fs_;
  const int fd_;
  const std::string prefix_;
};

class groups_v2 final : public uk::sched::host_groups {
 public:
  explicit groups_v2(const host_subtree& s) : fs_(*s.fs), fd_(s.fd), prefix_(s.cgroup_path) {}
  bool per_thread() const override { return false; }
  int make(const std::string& path) override {
    std::string r = rel(path);
    if (int e = fs_.mkdir(fd_, r); e != 0) return e;
    if (int e = fs_.write(fd_, r + "/cgroup.subtree_control", "+cpu"); e != 0) return e;
    return fs_.mkdir(fd_, r + "/tasks");
  }
  int remove(const std::string& path) override {
    std::string r = rel(path);
    if (int e = fs_.rmdir(fd_, r + "/tasks"); e != 0 && e != ENOENT) return e;
    return fs_.rmdir(fd_, r);
  }
  int set_shares(const std::string& path, uint64_t shares) override {
    return fs_.write(fd_, rel(path) + "/cpu.weight", std::to_string(shares_to_weight(shares)));
  }
  int move(pid_t tgid, pid_t tid, const std::string& path) override {
    return fs_.write(fd_, rel(path) + "/tasks/cgroup.procs", std::to_string(tgid));
  }
  std::optional<std::string> where(pid_t tgid, pid_t tid) override {
    auto text = read_host_file(absl::StrCat("/proc/", tgid, "/cgroup"));
    if (!text) return std::nullopt;
    auto own = cgroup_of(*text, "");
    if (!own) return std::nullopt;
    absl::string_view leaf = *own;  // a container's processes are in its `tasks` leaf
    return absl::ConsumeSuffix(&leaf, "/tasks") ? below(prefix_, leaf) : std::nullopt;
  }

 private:
  const cgroupfs_ops& fs_;
  const int fd_;
  const std::string prefix_;
};

}  // namespace

std::optional<std::string> cgroup_of(absl::string_view proc_cgroup, absl::string_view controller) {
  for (absl::string_view line : absl::StrSplit(proc_cgroup, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (controller.empty()
            ? (f[0] == "0" && f[1].empty())
            : has_word(std::string(absl::StrReplaceAll(f[1], {{",", " "}})), controller)) {
      return std::string(f[2]);
    }
  }
  return std::nullopt;
}

std::optional<cgroup_mount> find_cgroup_mount(absl::string_view mountinfo,
                                              absl::string_view controller) {
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") dash++;
    if (dash + 3 >= f.size() || f.size() < 5) continue;
    absl::string_view type = f[dash + 1], super = f[dash + 3];
    bool match =
        controller.empty()
            ? type == "cgroup2"
            : type == "cgroup" &&
                  has_word(std::string(absl::StrReplaceAll(super, {{",", " "}})), controller);
    if (match) return cgroup_mount{unescape(f[4]), unescape(f[3])};
  }
  return std::nullopt;
}

namespace {

// The host's cgroupfs: the kernel makes and drops the control files.
class host_fs final : public cgroupfs_ops {
 public:
  int mkdir(int dirfd, const std::string& path) const override {
    return mkdirat(dirfd, path.c_str(), 0755) == 0 ? 0 : errno;
  }
  int rmdir(int dirfd, const std::string& path) const override {
    return unlinkat(dirfd, path.c_str(), AT_REMOVEDIR) == 0 ? 0 : errno;
  }
  int write(int dirfd, const std::string& file, const std::string& text) const override {
    int fd = openat(dirfd, file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : errno;
    close(fd);
    return e;
  }
};

}  // namespace

const cgroupfs_ops& host_cgroupfs() {
  static const host_fs fs;
  return fs;
}

absl::StatusOr<host_subtree> make_subtree_in(absl::string_view controller,
                                             const std::string& name) {
  auto proc_cgroup = read_host_file("/proc/self/cgroup");
  auto mountinfo = read_host_file("/proc/self/mountinfo");
  if (!proc_cgroup || !mountinfo) return absl::NotFoundError("cannot read /proc/self");
  auto parent = own_cgroup(controller, *proc_cgroup, *mountinfo);
  if (!parent.ok()) return parent.status();
  return make_at(controller.empty(), parent->first, parent->second, name, /*need_cpu=*/false,
                 host_cgroupfs());
}

uint64_t shares_to_weight(uint64_t shares) {
  uint64_t w = (shares * 100 + 512) / 1024;  // DIV_ROUND_CLOSEST_ULL(shares * 100, 1024)
  return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

std::string subtree_name() {
  uint32_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = static_cast<uint32_t>(getpid());
  char hex[9];
  snprintf(hex, sizeof hex, "%08x", rnd);
  return absl::StrCat("uk-run.", getpid(), ".", hex);
}

absl::StatusOr<host_subtree> make_freeze_subtree(const std::string& name) {
  auto s = make_subtree_in("", name);
  if (!s.ok()) return s;
  int e = s->fs->mkdir(s->fd, "frozen");
  if (e == 0) e = s->fs->write(s->fd, "frozen/cgroup.freeze", "1");
  if (e == 0) return s;
  remove_host_subtree(*s, absl::Seconds(1));
  return absl::ErrnoToStatus(e, "cgroup2: frozen/cgroup.freeze");
}

absl::StatusOr<host_subtree> make_host_subtree_at(bool v2, const std::string& parent_dir,
                                                  const std::string& parent_cgroup,
                                                  const std::string& name, const cgroupfs_ops& fs) {
  auto s = make_at(v2, parent_dir, parent_cgroup, name, /*need_cpu=*/true, fs);
  if (!s.ok()) return s;
  // Ours now. v2: cpu for its children, and the leaf for the top's own processes.
  bool usable = v2 ? has_word(read_host_file(s->host_path + "/cgroup.controllers"), "cpu") &&
                         fs.write(s->fd, "cgroup.subtree_control", "+cpu") == 0 &&
                         fs.mkdir(s->fd, "tasks") == 0
                   : faccessat(s->fd, "cpu.shares", W_OK, 0) == 0;
  if (usable) return s;
  remove_host_subtree(*s, absl::Seconds(1));
  return absl::FailedPreconditionError(v2 ? "cgroup2: cpu not usable in our subtree"
                                          : "cgroup v1 cpu: no writable cpu.shares");
}

absl::StatusOr<host_subtree> make_host_subtree(const std::string& name) {
  auto proc_cgroup = read_host_file("/proc/self/cgroup");
  auto mountinfo = read_host_file("/proc/self/mountinfo");
  if (!proc_cgroup || !mountinfo) return absl::NotFoundError("cannot read /proc/self");
  absl::Status why[2];
  for (bool v2 : {true, false}) {
    auto parent = own_cgroup(v2 ? "" : "cpu", *proc_cgroup, *mountinfo);
    auto s = parent.ok() ? make_host_subtree_at(v2, parent->first, parent->second, name)
                         : absl::StatusOr<host_subtree>(parent.status());
    if (s.ok()) return s;
    why[v2] = s.status();
  }
  return absl::FailedPreconditionError(absl::StrCat(why[1].message(), "; ", why[0].message()));
}

bool remove_host_subtree(host_subtree& s, absl::Duration timeout) {
  if (s.parent_fd < 0) return true;
  absl::Time deadline = absl::Now() + timeout;
  int e = 0;
  while (true) {
    if (s.fd >= 0) remove_below(s.fd, *s.fs);
    e = s.fs->rmdir(s.parent_fd, s.name);
    if (e == 0 || e == ENOENT) break;
    // EBUSY while the last tasks of the run drain from it.
    if (absl::Now() >= deadline) {
      fprintf(stderr, "uk-run: could not remove the host cgroup %s: %s\n", s.host_path.c_str(),
              strerror(e));
      close_subtree(s);
      return false;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  close_subtree(s);
  return true;
}

bool remove_host_subtree_at(const std::string& host_path, absl::Duration timeout) {
  host_subtree s;
  size_t slash = host_path.rfind('/');
  if (slash == std::string::npos) return false;
  s.name = host_path.substr(slash + 1);
  s.host_path = host_path;
  s.parent_fd = open(host_path.substr(0, slash).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.parent_fd < 0) return errno == ENOENT;
  s.fd = open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.fd < 0 && errno == ENOENT) {
    close(s.parent_fd);
    return true;
  }
  return remove_host_subtree(s, timeout);
}

std::unique_ptr<uk::sched::host_groups> make_host_groups(const host_subtree& s) {
  if (s.v2) return std::make_unique<groups_v2>(s);
  return std::make_unique<groups_v1>(s);
}

}  // namespace ukrun
