// A small procfs (fs/proc/base.c, fs/proc/root.c): directories are looked up on
// demand, nothing is pinned; each file's text is generated at open.
#include "uk/proc.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/super.h"
#include "vfs/vfs.h"

namespace uk {

namespace {

enum proc_kind { PROC_ROOT, PROC_PID_DIR, PROC_TASK_DIR, PROC_TID_DIR, PROC_FILE };
enum proc_file {
  FILE_CONTAINERS,     // /proc/containers (V10)
  FILE_PID_CONTAINER,  // /proc/<pid>/container (V10)
  FILE_PID_CPUSET,     // /proc/<pid>/cpuset
  FILE_CGROUPS,        // /proc/cgroups (cgroup flavour)
  FILE_PID_CGROUP,     // /proc/<pid>/cgroup (cgroup flavour)
  FILE_MOUNTS,         // /proc/mounts, /proc/<pid>/mounts
  FILE_PID_MOUNTINFO,  // /proc/<pid>/mountinfo
};

// The flavours' /proc names (container_flavour::proc_stats_name, proc_pid_name).
const container_flavour* const kFlavours[] = {&container_flavour_v10, &container_flavour_cgroup};

struct proc_name {
  const char* name;
  proc_file file;
};
// Files in /proc and in /proc/<pid> (and /proc/<pid>/task/<tid>), besides directories.
std::vector<proc_name> root_files() {
  std::vector<proc_name> out;
  for (const container_flavour* f : kFlavours) {
    out.push_back({f->proc_stats_name, f->hierarchy_ids ? FILE_CGROUPS : FILE_CONTAINERS});
  }
  out.push_back({"mounts", FILE_MOUNTS});
  return out;
}
std::vector<proc_name> pid_files() {
  std::vector<proc_name> out;
  for (const container_flavour* f : kFlavours) {
    out.push_back({f->proc_pid_name, f->hierarchy_ids ? FILE_PID_CGROUP : FILE_PID_CONTAINER});
  }
  out.push_back({"cpuset", FILE_PID_CPUSET});
  out.push_back({"mounts", FILE_MOUNTS});
  out.push_back({"mountinfo", FILE_PID_MOUNTINFO});
  return out;
}

// mangle() of fs/proc_namespace.c: space, tab, newline and backslash as octal.
std::string mangle(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      absl::StrAppend(&out, "\\", absl::Dec(c >> 6 & 7), absl::Dec(c >> 3 & 7), absl::Dec(c & 7));
    } else {
      out += c;
    }
  }
  return out;
}

// show_vfsmnt() / show_mountinfo(): every mount of the namespace, in mount order.
std::string mounts_show(kernel& k, bool mountinfo) {
  uk::vfs& v = k.vfs();
  std::vector<std::shared_ptr<vfsmount>> mounts = v.mounts();
  std::string out;
  auto id_of = [&mounts](const vfsmount* m) {
    for (size_t i = 0; i < mounts.size(); i++) {
      if (mounts[i].get() == m) return static_cast<int>(i) + 1;
    }
    return 0;
  };
  for (const auto& m : mounts) {
    std::string where = v.d_path(path{m, m->mnt_root});
    // show_vfsmnt(): ro when the mount or its super_block is (__mnt_is_readonly), then
    // the super_block's flags (show_sb_opts); show_mountinfo(): the mount's own ro bit,
    // and the super_block's ro and flags among the super options.
    const unsigned long s_flags = m->mnt_sb->s_flags;
    const bool mnt_ro = (m->mnt_flags & MNT_READONLY) != 0;
    std::string sb_flag_opts;
    if (s_flags & MS_SYNCHRONOUS) sb_flag_opts += ",sync";
    if (s_flags & MS_DIRSYNC) sb_flag_opts += ",dirsync";
    if (s_flags & MS_MANDLOCK) sb_flag_opts += ",mand";
    if (s_flags & MS_LAZYTIME) sb_flag_opts += ",lazytime";
    std::string mnt_opts;
    if (mountinfo) {
      mnt_opts = mnt_ro ? "ro" : "rw";
    } else {
      mnt_opts = absl::StrCat(mnt_ro || (s_flags & MS_RDONLY) ? "ro" : "rw", sb_flag_opts);
    }
    if (m->mnt_flags & MNT_NOSUID) mnt_opts += ",nosuid";
    if (m->mnt_flags & MNT_NODEV) mnt_opts += ",nodev";
    if (m->mnt_flags & MNT_NOEXEC) mnt_opts += ",noexec";
    mnt_opts += (m->mnt_flags & MNT_NOATIME) ? ",noatime" : ",relatime";
    std::string sb_opts;
    if (m->mnt_sb->s_op != nullptr) m->mnt_sb->s_op->show_options(sb_opts, *m);
    std::string type = m->mnt_sb->s_type != nullptr ? m->mnt_sb->s_type->name() : "none";
    std::string dev = m->mnt_devname.empty() ? "none" : m->mnt_devname;
    if (mountinfo) {
      absl::StrAppend(&out, id_of(m.get()), " ", id_of(m->mnt_parent.get()), " ",
                      major(m->mnt_sb->s_dev), ":", minor(m->mnt_sb->s_dev), " / ", mangle(where),
                      " ", mnt_opts, " - ", type, " ", mangle(dev), " ",
                      (s_flags & MS_RDONLY) ? "ro" : "rw", sb_flag_opts, sb_opts, "\n");
    } else {
      absl::StrAppend(&out, mangle(dev), " ", mangle(where), " ", type, " ", mnt_opts, sb_opts,
                      " 0 0\n");
    }
  }
  return out;
}

struct proc_entry {
  kernel* k;
  proc_kind kind;
  pid_t pid = 0;  // the process (PID_DIR, TASK_DIR) or thread (TID_DIR, files)
  proc_file file = FILE_CONTAINERS;
};

const proc_entry& entry_of(const inode& i) { return *static_cast<proc_entry*>(i.i_private.get()); }

class proc_dir_iops final : public inode_operations {
 public:
  ErrorOr<std::shared_ptr<inode>> lookup(inode& dir, std::string_view name) const override;
};
class proc_dir_fops final : public simple_dir_operations {
 public:
  proc_dir_fops() : simple_dir_operations(nullptr, false) {}  // no ->fsync
  Errno readdir(file& f, const filldir_t& filldir) const override;
};
class proc_file_fops final : public file_operations {
 public:
  Errno open(inode& i, file& f) const override;
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override;
};

const proc_dir_iops dir_iops;
const proc_dir_fops dir_fops;
const proc_file_fops file_fops;

// Inode numbers are derived from what the inode names, so a lookup twice gives the
// same st_ino.
std::shared_ptr<inode> proc_inode(super_block* sb, proc_entry e) {
  auto i = std::make_shared<inode>();
  i->i_sb = sb;
  bool dir = e.kind != PROC_FILE;
  i->i_mode = dir ? (S_IFDIR | 0555) : (S_IFREG | 0444);
  i->i_nlink = dir ? 2 : 1;
  i->i_op = &dir_iops;
  i->i_fop = dir ? static_cast<const file_operations*>(&dir_fops) : &file_fops;
  i->i_ino = (static_cast<unsigned long>(e.pid) << 8) | (e.kind << 4) | e.file;
  if (e.kind == PROC_ROOT) i->i_ino = 1;
  if (e.pid != 0) {
    if (task_struct* t = e.k->find_task_by_pid(e.pid)) {
      i->i_uid = t->euid;
      i->i_gid = t->egid;
    }
  }
  i->i_atime = i->i_mtime = i->i_ctime = current_fs_time(sb);
  i->i_private = std::make_shared<proc_entry>(e);
  return i;
}

// A task of /proc/<pid>: zombies included, as procfs shows them until they are reaped
// (their cgroup and cpuset files then say "/": the top container hack).
task_struct* proc_task(kernel& k, pid_t pid) { return k.find_task_by_pid(pid); }

bool parse_pid(std::string_view name, pid_t* pid) {
  int v;
  if (name.empty() || name[0] == '0' || name[0] == '+' ||
      !absl::SimpleAtoi(absl::string_view(name.data(), name.size()), &v) || v <= 0) {
    return false;
  }
  *pid = v;
  return true;
}

ErrorOr<std::shared_ptr<inode>> proc_dir_iops::lookup(inode& dir, std::string_view name) const {
  if (name.size() > NAME_MAX) return Errno(ENAMETOOLONG);
  const proc_entry& e = entry_of(dir);
  kernel& k = *e.k;
  pid_t pid;
  switch (e.kind) {
    case PROC_ROOT:
      for (const proc_name& f : root_files()) {
        if (name == f.name) return proc_inode(dir.i_sb, {&k, PROC_FILE, 0, f.file});
      }
      if (name == "self") {
        task_struct* me = current_task();
        if (me == nullptr) return Errno(ENOENT);
        return proc_inode(dir.i_sb, {&k, PROC_PID_DIR, me->tgid});
      }
      if (parse_pid(name, &pid) && proc_task(k, pid) != nullptr) {
        return proc_inode(dir.i_sb, {&k, PROC_PID_DIR, pid});
      }
      return Errno(ENOENT);
    case PROC_PID_DIR:
      if (name == "task") return proc_inode(dir.i_sb, {&k, PROC_TASK_DIR, e.pid});
      [[fallthrough]];
    case PROC_TID_DIR:
      for (const proc_name& f : pid_files()) {
        if (name == f.name) return proc_inode(dir.i_sb, {&k, PROC_FILE, e.pid, f.file});
      }
      return Errno(ENOENT);
    case PROC_TASK_DIR:
      if (parse_pid(name, &pid)) {
        task_struct* t = proc_task(k, pid);
        if (t != nullptr && t->tgid == e.pid) return proc_inode(dir.i_sb, {&k, PROC_TID_DIR, pid});
      }
      return Errno(ENOENT);
    case PROC_FILE:
      return Errno(ENOTDIR);
  }
  return Errno(ENOENT);
}

Errno proc_dir_fops::readdir(file& f, const filldir_t& filldir) const {
  const proc_entry& e = entry_of(*f.f_inode);
  kernel& k = *e.k;
  std::vector<std::pair<std::string, unsigned char>> names = {{".", DT_DIR}, {"..", DT_DIR}};
  switch (e.kind) {
    case PROC_ROOT:
      for (const proc_name& f : root_files()) names.push_back({f.name, DT_REG});
      names.push_back({"self", DT_DIR});
      for (pid_t pid : k.all_pids()) {
        task_struct* t = proc_task(k, pid);
        if (t != nullptr && t->is_thread_group_leader())
          names.push_back({absl::StrCat(pid), DT_DIR});
      }
      break;
    case PROC_PID_DIR:
      names.push_back({"task", DT_DIR});
      [[fallthrough]];
    case PROC_TID_DIR:
      for (const proc_name& f : pid_files()) names.push_back({f.name, DT_REG});
      break;
    case PROC_TASK_DIR:
      for (pid_t tid : k.thread_group(e.pid)) names.push_back({absl::StrCat(tid), DT_DIR});
      break;
    case PROC_FILE:
      return Errno(ENOTDIR);
  }
  absl::MutexLock l(&f.f_pos_lock);
  for (loff_t i = f.f_pos; i < static_cast<loff_t>(names.size()); i++) {
    if (!filldir(names[i].first, f.f_inode->i_ino + i, names[i].second)) break;
    f.f_pos = i + 1;
  }
  return kOk;
}

Errno proc_file_fops::open(inode& i, file& f) const {
  const proc_entry& e = entry_of(i);
  kernel& k = *e.k;
  std::string text;
  if (e.file == FILE_CONTAINERS || e.file == FILE_CGROUPS) {
    text = k.containers().proc_containerstats_show(e.file == FILE_CGROUPS ? container_flavour_cgroup
                                                                          : container_flavour_v10);
  } else if (e.file == FILE_MOUNTS || e.file == FILE_PID_MOUNTINFO) {
    if (e.pid != 0 && k.find_task_by_pid(e.pid) == nullptr) return Errno(ESRCH);
    text = mounts_show(k, e.file == FILE_PID_MOUNTINFO);
  } else {
    task_struct* t = k.find_task_by_pid(e.pid);
    if (t == nullptr) return Errno(ESRCH);
    if (e.file == FILE_PID_CPUSET) {
      text = k.containers().proc_cpuset_show(t);
    } else {
      text = k.containers().proc_container_show(
          t, e.file == FILE_PID_CGROUP ? container_flavour_cgroup : container_flavour_v10);
    }
  }
  f.private_data = std::make_shared<std::string>(std::move(text));
  return kOk;
}

ErrorOr<size_t> proc_file_fops::read(file& f, char* buf, size_t count, loff_t* pos) const {
  auto* text = std::any_cast<std::shared_ptr<std::string>>(&f.private_data);
  if (text == nullptr) return Errno(EINVAL);
  return simple_read_from_buffer(buf, count, pos, **text);
}

}  // namespace

procfs_type::procfs_type(kernel& k) : file_system_type("proc"), kernel_(k) {}

ErrorOr<std::shared_ptr<super_block>> procfs_type::get_sb(int flags, std::string_view dev_name,
                                                          const char* data) {
  auto sb = std::make_shared<super_block>();
  sb->s_type = this;
  sb->s_magic = PROC_SUPER_MAGIC;
  sb->s_flags = flags;
  static const super_operations proc_sops;
  sb->s_op = &proc_sops;
  sb->s_root = d_alloc_root(proc_inode(sb.get(), {&kernel_, PROC_ROOT}), sb.get());
  return sb;
}

}  // namespace uk
