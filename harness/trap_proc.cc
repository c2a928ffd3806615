// /proc emulation: /proc/<pid>/container, cpuset, cgroup, /proc/containers,
// /proc/cgroups and the mount table (merged in mount_table.cc), answered from the
// kernel's procfs through files of proc_shadow's.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/cgroup_root.h"
#include "harness/proc_path.h"
#include "harness/supervisor.h"
#include "harness/thread_pidfd.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

// Which mount table `kpath` is, if any.
std::optional<mount_table> mount_table_of(const std::string& kpath) {
  if (absl::EndsWith(kpath, "/mounts")) return mount_table::mounts;
  if (absl::EndsWith(kpath, "/mountinfo")) return mount_table::mountinfo;
  if (absl::EndsWith(kpath, "/mountstats")) return mount_table::mountstats;
  return std::nullopt;
}

// The attributes of the procfs file at `path` (mode, owner, inode number, times), or
// for a file only uk's procfs has, its cgroup namesake's (/proc/<pid>/cgroup for
// container, /proc/cgroups for containers).
struct stat procfs_attributes(const std::string& path) {
  struct stat sb;
  if (stat(path.c_str(), &sb) == 0) return sb;
  std::string namesake = path;
  if (absl::EndsWith(path, "/container")) {
    namesake = absl::StrCat(path.substr(0, path.size() - 9), "cgroup");
  }
  if (absl::EndsWith(path, "/containers")) {
    namesake = absl::StrCat(path.substr(0, path.size() - 10), "cgroups");
  }
  if (stat(namesake.c_str(), &sb) == 0) return sb;
  sb = {};
  sb.st_mode = S_IFREG | 0444;
  sb.st_nlink = 1;
  sb.st_blksize = 1024;
  return sb;
}

}  // namespace

// /proc/self/container and friends, answered from the kernel's procfs with a file of
// proc_shadow's (proc_shadow.h).
// Which file the open names is found as the kernel will find it (proc_path.h), so a
// relative path, a symlink (/etc/mtab) or `..` reaches uk's file too, never the host's.
void supervisor::on_open(const seccomp_notif& req, int dirfd, uint64_t path_addr, int flags) {
  // The filter traps read-only opens of files only (seccomp_filter.cc).
  std::string path;
  if (!read_string(req.pid, path_addr, &path)) return respond_continue(req.id);
  std::optional<procfs_target> file =
      proc_paths_.procfs_file(req.pid, dirfd, path, !(flags & O_NOFOLLOW));
  if (!file) return respond_continue(req.id);
  // The pieces point into `rest`, which must outlive them.
  const std::string rest = file->file.substr(1);
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/', absl::SkipEmpty());
  auto numeric = [](absl::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == absl::string_view::npos;
  };
  auto leaf = [](absl::string_view s) {
    return s == "container" || s == "cpuset" || s == "cgroup" || s == "mounts" ||
           s == "mountinfo" || s == "mountstats";
  };
  std::string kpath;
  absl::string_view thread;  // whose file it is, for a file of one process or thread
  if (parts.size() == 1 && (parts[0] == "containers" || parts[0] == "cgroups")) {
    kpath = absl::StrCat("/proc/", parts[0]);
  } else if (parts.size() == 2 && leaf(parts[1]) && numeric(parts[0])) {
    kpath = absl::StrCat("/proc/", parts[0], "/", parts[1]);
    thread = parts[0];
  } else if (parts.size() == 4 && leaf(parts[3]) && numeric(parts[0]) && parts[1] == "task" &&
             numeric(parts[2])) {
    kpath = absl::StrCat("/proc/", parts[0], "/task/", parts[2], "/", parts[3]);
    thread = parts[2];
  } else {
    return respond_continue(req.id);
  }
  if (!id_valid(req.id)) return;
  // The file holds its thread as procfs's holds the struct pid: once that thread has
  // been reaped its reads fail with ESRCH. Not a mount table's, which holds the
  // namespace instead (fs/proc_namespace.c mounts_open_common) and reads on.
  std::optional<mount_table> table = mount_table_of(kpath);
  std::shared_ptr<const held_thread> owner;
  pid_t tid;
  if (!thread.empty() && !table && absl::SimpleAtoi(thread, &tid)) {
    owner = std::make_shared<const held_thread>(tid);
  }
  long err = 0;
  // The open is checked now, as the kernel's (the text comes at the first read). Of a
  // file that is there, O_CREAT | O_EXCL is EEXIST before any check of the file's own
  // (fs/namei.c open_last_lookups).
  bool there = emulated_text(req.pid, kpath, &err, false).has_value();
  if ((there || err == -EACCES) && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
    return respond(req.id, -EEXIST);
  }
  if (!there) return err ? respond(req.id, err) : respond_continue(req.id);
  if (!proc_shadow_) {
    absl::StatusOr<std::unique_ptr<proc_shadow>> made = proc_shadow::create();
    if (!made.ok()) {
      fprintf(stderr, "uk-run: emulated /proc files: %s\n", made.status().ToString().c_str());
      return respond(req.id, -ENOMEM);
    }
    proc_shadow_ = std::move(made).value();
    if (opts_.verbose) {
      fprintf(stderr, "uk-run: FUSE at /proc (emulated files, not mounted): %s\n",
              proc_shadow_->transport().c_str());
    }
  }
  // A mount table's open is the host's too: it fails where the kernel's does (a zombie
  // has no mount namespace left: EINVAL, fs/proc_namespace.c mounts_open_common), and
  // mounts and mountinfo poll as that fd does, as the namespace's mounts change
  // (mountstats does not poll).
  int changes = -1;
  if (table) {
    changes = open(kpath.c_str(), O_RDONLY | O_CLOEXEC);
    if (changes < 0) return respond(req.id, -errno);
    if (table == mount_table::mountstats) {
      close(changes);
      changes = -1;
    }
  }
  // The text is made at each read from offset 0 and anywhere but where the last read
  // ended, as a seq_file's (vfs/seq_file.h): a program that polls a mount table and reads
  // it again on each change, or keeps /proc/self/cgroup open, sees what is true then.
  // As the reading thread (the opener may be gone: its fd is its process's), else as
  // the opener.
  pid_t opener = req.pid;
  auto make_text = [this, opener, kpath, owner](pid_t reader) -> proc_shadow::made_text {
    if (owner && owner->reaped()) return {std::nullopt, ESRCH};
    long ignored;
    std::optional<std::string> text = emulated_text(reader, kpath, &ignored, true);
    return {text ? text : emulated_text(opener, kpath, &ignored, true)};
  };
  int rfd =
      proc_shadow_->open(file->path, procfs_attributes(file->path), flags, make_text, changes);
  if (rfd < 0) return respond(req.id, rfd);
  seccomp_notif_addfd addfd = {};
  addfd.id = req.id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
  addfd.srcfd = static_cast<uint32_t>(rfd);
  addfd.newfd_flags = static_cast<uint32_t>(flags & O_CLOEXEC);
  tracker_.note_answer();
  ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);  // also the reply
  close(rfd);
}

std::optional<std::string> supervisor::emulated_text(pid_t tid, const std::string& kpath, long* err,
                                                     bool text_wanted) {
  *err = 0;
  if (detached_mounts_.load() > 0) reconcile();  // a hierarchy its last close ended
  // The mount tables: the kernel's text to merge (it has no mountstats: its mounts give
  // each uk mount's line there).
  std::optional<mount_table> table = mount_table_of(kpath);
  std::string uk_path = kpath;
  if (table == mount_table::mountstats) {
    uk_path = absl::StrCat(kpath.substr(0, kpath.rfind('/')), "/mounts");
  }
  std::string text;
  {
    // The pin ends before mounts_mu_ is taken below: on a FUSE loop, a pin held while
    // waiting for the lock would close a cycle with a mount trap that holds it and
    // waits for the container mounts' loops, whose pins wait behind --check's writer.
    tracker::pinned_task pinned = tracker_.task_for(tid);
    uk::task_struct* t = pinned.task;
    if (!t) return std::nullopt;
    long fd = uk::sys_open(*t, uk_path.c_str(), O_RDONLY);
    if (fd < 0) {
      *err = fd;
      return std::nullopt;
    }
    char buf[4096];
    long n = 0;
    while (text_wanted && (n = uk::sys_read(*t, static_cast<int>(fd), buf, sizeof buf)) > 0) {
      text.append(buf, n);
    }
    uk::sys_close(*t, static_cast<int>(fd));
    if (n < 0) {
      *err = n;
      return std::nullopt;
    }
  }
  // The mount table: the host's, with uk's lines for uk's mounts.
  if (table && text_wanted) return merge_mount_table(kpath, text, *table);
  return text;
}

}  // namespace ukrun
