// uk's mount table (supervisor::mounts_) against the real mount namespace: the
// reconcile after every change the supervisor did not make itself, --check's
// comparison, the end of the run, and the merged /proc/<pid>/mounts and mountinfo.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/cgroup_root.h"
#include "harness/host_file.h"
#include "harness/mountinfo.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

std::vector<std::string> kernel_mounts_under(uk::task_struct& init, const std::string& base) {
  std::vector<std::string> out;
  long fd = uk::sys_open(init, "/proc/self/mounts", O_RDONLY);
  if (fd < 0) return out;
  std::string text;
  char buf[4096];
  long n;
  while ((n = uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf)) > 0) text.append(buf, n);
  uk::sys_close(init, static_cast<int>(fd));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() > 1 && absl::StartsWith(f[1], base + "/")) out.emplace_back(f[1]);
  }
  return out;
}

// `k`, a kernel table line, with the per-mount flags `host` (mountinfo's field 6: ro or
// rw, then nosuid, nodev, noexec, the atime mode, nosymfollow; show_mnt_opts) in place
// of the kernel mount's. mounts: ro or rw (ro too when the super_block is), the
// super_block's flags, these, the super options (show_vfsmnt's order); mountinfo: field
// 6 is these.
void with_mount_flags(std::vector<std::string>* k, const std::string& host, mount_table kind) {
  static const std::set<absl::string_view> kMountFlags = {
      "ro",      "rw",         "nosuid",   "nodev",       "noexec",
      "noatime", "nodiratime", "relatime", "strictatime", "nosymfollow"};
  static const std::set<absl::string_view> kSbFlags = {"sync", "dirsync", "mand", "lazytime"};
  if (kind == mount_table::mountinfo) {
    if (k->size() > 5) (*k)[5] = host;
    return;
  }
  if (kind != mount_table::mounts || k->size() <= 3) return;
  std::vector<absl::string_view> mine = absl::StrSplit((*k)[3], ',');
  std::vector<absl::string_view> theirs = absl::StrSplit(host, ',');
  // The kernel's line says ro for its mount or its super_block; its mount is read-only
  // only with its super_block (a remount with MS_RDONLY makes both), so that ro is the
  // super_block's.
  bool ro = (!mine.empty() && mine[0] == "ro") || (!theirs.empty() && theirs[0] == "ro");
  std::vector<absl::string_view> out = {ro ? "ro" : "rw"};
  for (absl::string_view o : mine) {
    if (kSbFlags.contains(o)) out.push_back(o);
  }
  for (size_t j = 1; j < theirs.size(); j++) out.push_back(theirs[j]);
  for (absl::string_view o : mine) {
    if (!kMountFlags.contains(o) && !kSbFlags.contains(o)) out.push_back(o);
  }
  (*k)[3] = absl::StrJoin(out, ",");
}

}  // namespace

// Newest first, so that of two records stacked on one directory the top one goes
// first in the kernel too. A record lives while any mount of its FUSE device does (a
// bind of it, a moved one): its host directory follows its own mount, or else the
// first other mount of the device.
void supervisor::reconcile_locked(pid_t who, std::vector<std::unique_ptr<fuse_bridge>>* gone) {
  // Unreadable (out of fds): the next reconcile (a mount, --check, the next change)
  // catches up.
  auto lines = own_mountinfo();
  if (lines) reconcile_with(who, *lines, gone);
}

void supervisor::reconcile_with(pid_t who, const std::vector<mountinfo_line>& lines,
                                std::vector<std::unique_ptr<fuse_bridge>>* gone) {
  uk::task_struct& init = *kernel_.init_task();
  for (size_t i = mounts_.size(); i-- > 0;) {
    mount_rec& m = mounts_[i];
    const mountinfo_line* seen = nullptr;
    for (const mountinfo_line& l : lines) {
      if (l.dev != m.dev || l.fstype != "fuse.container") continue;
      if (!seen || l.id == m.fuse->mnt_id()) seen = &l;
    }
    if (seen && !m.detached) {
      if (m.dir != seen->mount_point && recorder_) {
        recorder_->mount_point(m.kdir, seen->mount_point);
      }
      m.dir = seen->mount_point;
      continue;
    }
    if (!m.detached && trace_.enabled()) {
      trace_.event("umount", absl::StrFormat("\"pid\":%d,\"dir\":\"%s\"", who, json_escape(m.dir)));
    }
    // The host's mount is gone. Its super_block may live on, held by a file or a cwd
    // there (umount -l): its files still read and write as natively, so the kernel's
    // mount and the loops stay until the connection ends, which the main loop hears
    // of (the device polls POLLERR; watched once).
    if (m.fuse->connected()) {
      if (!m.detached && epoll_fd_ >= 0) {
        epoll_event ev = {};
        ev.events = EPOLLONESHOT;  // EPOLLERR is reported whatever is asked
        ev.data.u64 = kDetachedMountEnded;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, m.fuse->device_fd(), &ev);
      }
      if (!m.detached) detached_mounts_.fetch_add(1);
      m.detached = true;
      continue;
    }
    if (m.detached) {
      detached_mounts_.fetch_sub(1);
      if (epoll_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, m.fuse->device_fd(), nullptr);
    }
    // The kernel's mount goes too (as sys_umount would have, had the call come through
    // the trap), and the FUSE loops end.
    if (uk::sys_umount(init, m.kdir.c_str(), 0) != 0) {
      uk::sys_umount(init, m.kdir.c_str(), MNT_DETACH);
    }
    uk::sys_rmdir(init, m.kdir.c_str());
    gone->push_back(std::move(m.fuse));
    mounts_.erase(mounts_.begin() + static_cast<ptrdiff_t>(i));
  }
}

void supervisor::reconcile() {
  std::vector<std::unique_ptr<fuse_bridge>> gone;  // destroyed after the lock
  absl::MutexLock l(&mounts_mu_);
  reconcile_locked(kernel_.init_task()->pid, &gone);
}

std::vector<std::string> supervisor::check_mounts() {
  std::vector<std::string> v;
  std::vector<std::unique_ptr<fuse_bridge>> gone;  // destroyed after the lock
  absl::MutexLock l(&mounts_mu_);
  // One snapshot for both: a change after it is the next check's (the reconcile first
  // takes in what the main loop has not seen yet).
  auto lines = own_mountinfo();
  if (!lines) {
    // Out of fds, say: nothing is known to differ; the next pass compares.
    fprintf(stderr, "uk-run: mount table not compared (--check): /proc/self/mountinfo: %s\n",
            strerror(errno));
    return {};
  }
  reconcile_with(kernel_.init_task()->pid, *lines, &gone);
  std::set<dev_t> devs;
  uk::task_struct& init = *kernel_.init_task();
  std::vector<std::string> kmounts = kernel_mounts_under(init, kMountBase);
  for (const mount_rec& m : mounts_) {
    devs.insert(m.dev);
    bool live = std::any_of(lines->begin(), lines->end(), [&](const mountinfo_line& l) {
      return l.dev == m.dev && l.fstype == "fuse.container";
    });
    if (!live && !m.detached) {
      v.push_back(absl::StrFormat("mount table: uk's mount at %s (device %u:%u) is not mounted",
                                  m.dir, major(m.dev), minor(m.dev)));
    }
    if (live && m.detached) {
      v.push_back(absl::StrFormat("mount table: uk's unmounted %s (device %u:%u) is mounted", m.dir,
                                  major(m.dev), minor(m.dev)));
    }
    struct stat st;
    if (std::find(kmounts.begin(), kmounts.end(), m.kdir) == kmounts.end() ||
        uk::sys_stat(init, m.kdir.c_str(), &st) != 0 || st.st_dev != m.kdev) {
      v.push_back(absl::StrFormat("mount table: uk's mount at %s has no kernel mount at %s", m.dir,
                                  m.kdir));
    }
  }
  for (const mountinfo_line& l : *lines) {
    if (l.fstype == "fuse.container" && !devs.count(l.dev)) {
      v.push_back(absl::StrFormat("mount table: %s (fuse.container, device %u:%u) is not uk's",
                                  l.mount_point, major(l.dev), minor(l.dev)));
    }
  }
  for (const std::string& k : kmounts) {
    if (std::none_of(mounts_.begin(), mounts_.end(),
                     [&](const mount_rec& m) { return m.kdir == k; })) {
      v.push_back(absl::StrCat("mount table: the kernel's mount at ", k, " has no record"));
    }
  }
  return v;
}

void supervisor::unmount_all() {
  std::vector<std::unique_ptr<fuse_bridge>> gone;  // destroyed after the lock
  absl::MutexLock l(&mounts_mu_);
  auto lines = own_mountinfo();
  std::set<dev_t> devs;
  for (const mount_rec& m : mounts_) devs.insert(m.dev);
  // Newest first (the top of a stack before what it covers), each only while its
  // path still names that very mount: never someone else's by path.
  if (lines) std::reverse(lines->begin(), lines->end());
  for (const mountinfo_line& l : lines ? *lines : std::vector<mountinfo_line>()) {
    if (l.fstype != "fuse.container" || !devs.count(l.dev)) continue;
    struct statx stx;
    if (statx(AT_FDCWD, l.mount_point.c_str(), AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW,
              STATX_MNT_ID, &stx) == 0 &&
        stx.stx_mnt_id == l.id) {
      umount2(l.mount_point.c_str(), MNT_DETACH);
    }
  }
  for (mount_rec& m : mounts_) gone.push_back(std::move(m.fuse));
  mounts_.clear();
  detached_mounts_.store(0);
}

// /proc/<pid>/mounts, mountinfo or mountstats as the host has it, where each FUSE mount
// of uk-run shows as the kernel shows that mount (type cgroup or container, its options)
// at the host's mount point. In mountinfo the host's mount ids, device numbers and roots
// stay (they match stat(2)). A uk mount is known by its FUSE device, which mountinfo has
// and the others lack: they are read with mountinfo beside them, line for line (every
// table lists the namespace's mounts in the same order), again if they differ.
// `uk_text` is the kernel's table of the same kind, but mounts for mountstats (the
// kernel has none; a line there is the source, mount point and type).
std::optional<std::string> supervisor::merge_mount_table(const std::string& host_path,
                                                         const std::string& uk_text,
                                                         mount_table kind) {
  const bool mountinfo = kind == mount_table::mountinfo;
  std::map<dev_t, std::string> kdirs;  // FUSE device -> the kernel's mount point
  {
    absl::MutexLock l(&mounts_mu_);
    for (const mount_rec& m : mounts_) kdirs[m.dev] = m.kdir;
  }
  const size_t mp_field = mount_point_field(kind);
  const size_t uk_mp_field = kind == mount_table::mountstats ? 1 : mp_field;
  std::map<std::string, std::vector<std::string>> uk_lines;  // kernel mount point -> fields
  for (absl::string_view line : absl::StrSplit(uk_text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() > uk_mp_field) uk_lines[f[uk_mp_field]] = std::move(f);
  }
  std::optional<std::string> host, info;
  std::vector<mountinfo_line> lines;
  std::vector<std::string> host_lines;
  for (int attempt = 0; attempt < 10; attempt++) {
    host = read_host_table(host_path);
    if (!host) return std::nullopt;
    host_lines = absl::StrSplit(*host, '\n', absl::SkipEmpty());
    info = mountinfo ? host
                     : read_host_table(host_path.substr(0, host_path.rfind('/')) + "/mountinfo");
    if (!info) return std::nullopt;
    lines = parse_mountinfo(*info);
    bool same = lines.size() == host_lines.size();
    for (size_t i = 0; same && i < lines.size(); i++) {
      std::vector<absl::string_view> f = absl::StrSplit(host_lines[i], ' ');
      same = f.size() > mp_field && f[mp_field] == lines[i].fields[4];
    }
    if (same) break;
    lines.clear();  // no line is replaced if they never agree
  }
  // What uk-run's tmpfs covers at /sys/fs/cgroup is out of reach: left out.
  std::vector<bool> covered = covered_by_cgroup_root(
      std::vector<absl::string_view>(host_lines.begin(), host_lines.end()), kind);
  // So is the /proc that the run's own procfs covers (namespaces.cc: the first procfs on
  // /proc mounted on one), which takes its place in the tree: one /proc, as natively.
  auto proc_on_proc = [](const mountinfo_line& m) {
    return m.fstype == "proc" && m.mount_point == "/proc" && m.fields.size() > 1;
  };
  size_t run_proc = lines.size();
  std::string run_proc_parent;
  for (size_t j = 0; j < lines.size() && run_proc == lines.size(); j++) {
    uint64_t parent;
    if (!proc_on_proc(lines[j]) || !absl::SimpleAtoi(lines[j].fields[1], &parent)) continue;
    for (size_t i = 0; i < lines.size(); i++) {
      if (lines[i].id == parent && proc_on_proc(lines[i])) {
        covered[i] = true;
        run_proc = j;
        run_proc_parent = lines[i].fields[1];
        break;
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < host_lines.size(); i++) {
    if (covered[i]) continue;
    const std::string& line = host_lines[i];
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (i == run_proc && mountinfo) {
      f[1] = run_proc_parent;
      absl::StrAppend(&out, absl::StrJoin(f, " "), "\n");
      continue;
    }
    // The host's own cgroup hierarchies are not this kernel's: tools that look
    // hierarchies up in the table (libcgroup) must find only uk's.
    auto host_dash = std::find(f.begin(), f.end(), "-");
    size_t type_field = type_and_source_fields(f, kind).type;
    if (type_field < f.size() && (f[type_field] == "cgroup" || f[type_field] == "cgroup2")) {
      continue;
    }
    auto kdir = i < lines.size() && lines[i].fstype == "fuse.container" ? kdirs.find(lines[i].dev)
                                                                        : kdirs.end();
    auto it = kdir == kdirs.end() ? uk_lines.end() : uk_lines.find(kdir->second);
    if (it == uk_lines.end() || f.size() <= mp_field) {
      absl::StrAppend(&out, line, "\n");
      continue;
    }
    std::vector<std::string> k = it->second;
    // Each mount's own flags are the host's: a FUSE mount is made with the flags its
    // mount(2) asked for, and a bind, a remount and MS_REMOUNT | MS_BIND set them on the
    // host mount they name (the kernel has one mount for all binds of a hierarchy).
    if (lines[i].fields.size() > 5) with_mount_flags(&k, lines[i].fields[5], kind);
    if (kind == mount_table::mountstats) {
      absl::StrAppend(&out, "device ", k[0], " mounted on ", f[mp_field], " with fstype ", k[2],
                      "\n");
      continue;
    }
    k[mp_field] = f[mp_field];
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
