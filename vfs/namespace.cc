// The mount table (2.6.24 fs/namespace.c): lookup_mnt, do_new_mount/do_add_mount/
// graft_tree, do_loopback (bind), do_remount, do_umount/umount_tree, and the mount and
// umount2 system calls.
//
// Mounts are attached under namespace_sem_ (and, for the table itself, dcache_lock,
// which plays vfsmount_lock). Drivers are called without either: get_sb before
// do_add_mount, remount_fs under namespace_sem_ only, kill_sb (via deactivate_super)
// after the table changed and the locks were dropped.
#include <sys/mount.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "vfs/dentry.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/mount.h"
#include "vfs/namei.h"
#include "vfs/super.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// do_mount(): the per-mount MS_* flags become MNT_* flags.
int mnt_flags_of(unsigned long flags) {
  int mnt_flags = 0;
  if (flags & MS_NOSUID) mnt_flags |= MNT_NOSUID;
  if (flags & MS_NODEV) mnt_flags |= MNT_NODEV;
  if (flags & MS_NOEXEC) mnt_flags |= MNT_NOEXEC;
  if (flags & MS_NOATIME) mnt_flags |= MNT_NOATIME;
  if (flags & MS_NODIRATIME) mnt_flags |= MNT_NODIRATIME;
  if (flags & MS_RELATIME) mnt_flags |= MNT_RELATIME;
  if (flags & MS_RDONLY) mnt_flags |= MNT_READONLY;
  return mnt_flags;
}

// ... and are not passed on to the filesystem.
constexpr unsigned long kPerMountFlags =
    MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_ACTIVE | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;

// do_remount_sb(): the bits of s_flags a remount may change.
constexpr unsigned long kRemountMask = MS_RDONLY | MS_SYNCHRONOUS | MS_MANDLOCK;

}  // namespace

std::shared_ptr<vfsmount> vfs::lookup_mnt(const vfsmount* mnt, const dentry* d) {
  absl::MutexLock l(&dcache_lock);
  auto it = mount_hash_.find({mnt, d});
  if (it == mount_hash_.end() || it->second.empty()) return nullptr;
  return it->second.back();
}

std::vector<std::shared_ptr<vfsmount>> vfs::mounts() {
  absl::MutexLock l(&dcache_lock);
  return mount_list_;
}

bool vfs::check_mnt(const vfsmount& mnt) {
  absl::MutexLock l(&dcache_lock);
  return mnt.mnt_ns == this;
}

// graft_tree() + attach_recursive_mnt() for one mount.
Errno vfs::graft_tree(const std::shared_ptr<vfsmount>& mnt, const path& mountpoint) {
  if (mnt->mnt_sb->s_flags & MS_NOUSER) return Errno(EINVAL);
  if (mountpoint.dentry->d_inode->is_dir() != mnt->mnt_root->d_inode->is_dir()) {
    return Errno(ENOTDIR);
  }
  // Under the mount point's i_mutex, so an rmdir cannot slip in between.
  absl::MutexLock il(&mountpoint.dentry->d_inode->i_mutex);
  absl::MutexLock l(&dcache_lock);
  if (!mountpoint.dentry->is_root() && mountpoint.dentry->d_deleted) return Errno(ENOENT);
  mnt->mnt_parent = mountpoint.mnt;
  mnt->mnt_mountpoint = mountpoint.dentry;
  mnt->mnt_ns = this;
  mountpoint.dentry->d_mounted++;
  mount_hash_[{mountpoint.mnt.get(), mountpoint.dentry.get()}].push_back(mnt);
  mount_list_.push_back(mnt);
  return kOk;
}

// do_add_mount(): onto whatever is mounted at `mountpoint` by now.
Errno vfs::do_add_mount(const std::shared_ptr<vfsmount>& mnt, const path& mountpoint,
                        int mnt_flags) {
  absl::MutexLock ns(&namespace_sem_);
  path where = follow_mounts(*this, mountpoint);
  if (!check_mnt(*where.mnt)) return Errno(EINVAL);
  // "Refuse the same filesystem on the same mount point".
  if (where.mnt->mnt_sb == mnt->mnt_sb && where.mnt->mnt_root == where.dentry) {
    return Errno(EBUSY);
  }
  mnt->mnt_flags = mnt_flags;
  return graft_tree(mnt, where);
}

// do_new_mount() + do_kern_mount()/vfs_kern_mount().
Errno vfs::do_new_mount(const path& mountpoint, std::string_view type, int flags,
                        std::string_view dev_name, const char* data) {
  int mnt_flags = mnt_flags_of(static_cast<unsigned int>(flags));
  flags &= ~static_cast<int>(kPerMountFlags);
  file_system_type* fs = get_fs_type(type);
  if (fs == nullptr) return Errno(ENODEV);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<super_block> sb, fs->get_sb(flags, dev_name, data));
  UK_CHECK(sb != nullptr && sb->s_root != nullptr && sb->s_root->d_inode != nullptr);
  if (sb->s_type == nullptr) sb->s_type = fs;
  vfs* expected = nullptr;
  // A super_block belongs to the namespace that mounted it first.
  if (!sb->s_vfs.compare_exchange_strong(expected, this)) UK_CHECK(expected == this);
  sb->s_active.fetch_add(1);
  auto mnt = std::make_shared<vfsmount>();
  mnt->mnt_sb = sb;
  mnt->mnt_root = sb->s_root;
  mnt->mnt_devname = std::string(dev_name);
  Errno err = do_add_mount(mnt, mountpoint, mnt_flags);
  if (!err.ok()) deactivate_super(*sb);  // mntput() of the mount that never was
  return err;
}

// do_loopback() without MS_REC: clone_mnt() of `source` grafted at `mountpoint`.
Errno vfs::do_bind_mount(const path& mountpoint, const path& source) {
  std::shared_ptr<super_block> sb = source.mnt->mnt_sb;
  Errno err;
  {
    absl::MutexLock ns(&namespace_sem_);
    if (!check_mnt(*mountpoint.mnt) || !check_mnt(*source.mnt)) return Errno(EINVAL);
    sb->s_active.fetch_add(1);
    auto mnt = std::make_shared<vfsmount>();
    mnt->mnt_sb = sb;
    mnt->mnt_root = source.dentry;
    mnt->mnt_devname = source.mnt->mnt_devname;
    mnt->mnt_flags = source.mnt->mnt_flags;
    err = graft_tree(mnt, mountpoint);
  }
  if (!err.ok()) deactivate_super(*sb);
  return err;
}

// do_remount() + do_remount_sb().
Errno vfs::do_remount(const path& mountpoint, int flags, const char* data) {
  if (!check_mnt(*mountpoint.mnt)) return Errno(EINVAL);
  if (mountpoint.dentry != mountpoint.mnt->mnt_root) return Errno(EINVAL);
  int mnt_flags = mnt_flags_of(static_cast<unsigned int>(flags));
  flags &= ~static_cast<int>(kPerMountFlags);
  absl::MutexLock ns(&namespace_sem_);
  super_block& sb = *mountpoint.mnt->mnt_sb;
  UK_TRY(s_op_of(sb).remount_fs(sb, &flags, data));
  sb.s_flags = (sb.s_flags & ~kRemountMask) | (static_cast<unsigned int>(flags) & kRemountMask);
  mountpoint.mnt->mnt_flags = mnt_flags;
  return kOk;
}

// do_umount() + umount_tree(): the mount and, with MNT_DETACH, everything below it leave
// the namespace; each then drops its super_block reference.
Errno vfs::do_umount(const path& mountpoint, int flags) {
  std::vector<std::shared_ptr<vfsmount>> gone;
  {
    absl::MutexLock ns(&namespace_sem_);
    absl::MutexLock l(&dcache_lock);
    const std::shared_ptr<vfsmount>& mnt = mountpoint.mnt;
    if (mnt->mnt_ns != this || mountpoint.dentry != mnt->mnt_root) return Errno(EINVAL);
    if (mnt == root_mnt_) return Errno(EINVAL);  // the namespace root has no parent
    auto below = [&](const vfsmount* m) {
      for (; m != nullptr; m = m->mnt_parent.get()) {
        if (m == mnt.get()) return true;
      }
      return false;
    };
    for (const auto& m : mount_list_) {
      if (m == mnt || !below(m.get())) continue;
      if (!(flags & MNT_DETACH)) return Errno(EBUSY);
      gone.push_back(m);
    }
    gone.insert(gone.begin(), mnt);
    for (const auto& m : gone) {
      auto key =
          std::make_pair(m->mnt_parent.get(), static_cast<const dentry*>(m->mnt_mountpoint.get()));
      auto it = mount_hash_.find(key);
      UK_CHECK(it != mount_hash_.end());
      std::erase(it->second, m);
      if (it->second.empty()) mount_hash_.erase(it);
      m->mnt_mountpoint->d_mounted--;
      m->mnt_ns = nullptr;
      std::erase(mount_list_, m);
    }
  }
  // release_mounts(): children first.
  for (auto it = gone.rbegin(); it != gone.rend(); ++it) deactivate_super(*(*it)->mnt_sb);
  return kOk;
}

namespace {

// copy_mount_options() for a string: at most a page, NUL-terminated.
std::string copy_mount_string(const void* data) {
  const char* s = static_cast<const char*>(data);
  return std::string(s, strnlen(s, kPageSize - 1));
}

// do_mount(): flags decide the operation; the mount point is looked up first.
Errno do_mount(vfs_task& t, const char* dev_name, const char* dir_name, const char* type,
               unsigned long flags, const void* data) {
  UK_ASSIGN_OR_RETURN(std::string_view dir, getname(dir_name));
  check_task(t);
  std::string data_page;
  if (data != nullptr) data_page = copy_mount_string(data);
  const char* data_arg = data != nullptr ? data_page.c_str() : nullptr;
  if ((flags & MS_MGC_MSK) == MS_MGC_VAL) flags &= ~MS_MGC_MSK;  // "Discard magic"
  if (dev_name != nullptr && strnlen(dev_name, kPageSize) == kPageSize) return Errno(EINVAL);
  UK_ASSIGN_OR_RETURN(path mp, path_lookup(t, dir, LOOKUP_FOLLOW));
  vfs& v = *t.mnt_ns;
  if (flags & MS_REMOUNT) {
    if (!t.capable()) return Errno(EPERM);
    return v.do_remount(mp, static_cast<int>(flags & ~MS_REMOUNT), data_arg);
  }
  if (flags & MS_BIND) {
    if (!t.capable()) return Errno(EPERM);  // mount_is_safe()
    if (dev_name == nullptr || *dev_name == '\0') return Errno(EINVAL);
    UK_ASSIGN_OR_RETURN(path source, path_lookup(t, dev_name, LOOKUP_FOLLOW));
    return v.do_bind_mount(mp, source);
  }
  if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
    // do_change_type(): every mount here is private and there is no propagation.
    if (!t.capable()) return Errno(EPERM);
    if (mp.dentry != mp.mnt->mnt_root) return Errno(EINVAL);
    return (flags & (MS_SHARED | MS_SLAVE | MS_UNBINDABLE)) ? Errno(EINVAL) : kOk;
  }
  if (flags & MS_MOVE) return Errno(EINVAL);  // do_move_mount() is not supported
  if (type == nullptr || strnlen(type, kPageSize) == kPageSize) return Errno(EINVAL);
  if (!t.capable()) return Errno(EPERM);
  return v.do_new_mount(mp, type, static_cast<int>(flags), dev_name ? dev_name : "none", data_arg);
}

// sys_umount(): EINVAL for a path that is not a mount root before EPERM.
Errno do_umount(vfs_task& t, const char* name, int flags) {
  UK_ASSIGN_OR_RETURN(std::string_view target, getname(name));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, target, LOOKUP_FOLLOW));
  if (p.dentry != p.mnt->mnt_root) return Errno(EINVAL);
  if (!t.mnt_ns->check_mnt(*p.mnt)) return Errno(EINVAL);
  if (!t.capable()) return Errno(EPERM);
  return t.mnt_ns->do_umount(p, flags);
}

}  // namespace

long sys_mount(vfs_task& t, const char* dev_name, const char* dir_name, const char* type,
               unsigned long flags, const void* data) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::mount, &t);
  if (e.recording()) {
    e->path = dir_name ? dir_name : "";
    e->path2 = dev_name ? dev_name : "";
    e->type = type ? type : "";
    e->flags = flags;
    // Options are a string for every filesystem type uk has.
    e->data = data ? static_cast<const char*>(data) : "";
  }
  return e.done(to_syscall_result(do_mount(t, dev_name, dir_name, type, flags, data)));
}

long sys_umount(vfs_task& t, const char* name, int flags) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::umount, &t);
  if (e.recording()) e->path = name ? name : "", e->flags = static_cast<unsigned>(flags);
  return e.done(to_syscall_result(do_umount(t, name, flags)));
}

}  // namespace uk
