// The part of a task that the VFS sees: credentials, cwd/root, the fd table and the
// mount namespace. uk's task_struct derives from it, so the VFS never includes uk/.
//
// `current` is the task a system call runs for, as in the kernel: the syscall entry
// sets it for the duration of the call (current_scope), and file operations that need
// the caller (a write of "0" to `tasks` means the writer) read it.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "vfs/types.h"

namespace uk {

struct vfs_task {
  virtual ~vfs_task() = default;

  pid_t pid = 0;  // thread id
  // 2.6.24 keeps the credentials in task_struct itself. Atomic: a real task's are set
  // when uk-run sees the host's change (uk::kernel::set_creds, on the thread serving
  // that task's own request) while other threads read them (an attach checks its
  // target's uid and suid); each id is read whole, as the kernel of the time read them
  // without a lock.
  std::atomic<uid_t> uid{0}, euid{0}, suid{0}, fsuid{0};
  std::atomic<gid_t> gid{0}, egid{0}, sgid{0}, fsgid{0};
  // The supplementary groups (group_info), set with the ids and read by permission
  // checks on other threads; sorted, as groups_search() wants them.
  mutable absl::Mutex groups_mu;
  std::vector<gid_t> groups ABSL_GUARDED_BY(groups_mu);

  // 2.6.24 kernel/sys.c in_group_p(): the fsgid or a supplementary group.
  bool in_group_p(gid_t grp) const {
    if (fsgid == grp) return true;
    absl::MutexLock l(&groups_mu);
    return std::binary_search(groups.begin(), groups.end(), grp);
  }

  std::shared_ptr<fs_struct> fs;        // shared with CLONE_FS
  std::shared_ptr<files_struct> files;  // shared with CLONE_FILES
  vfs* mnt_ns = nullptr;                // the mount namespace (nsproxy->mnt_ns)

  // capable(CAP_SYS_ADMIN) / CAP_DAC_OVERRIDE: root only, no capability sets here.
  bool capable() const { return euid == 0; }
};

// A task's ids as one value: what a fork copies, and what uk-run installs when the
// host's change (setuid and its family) shows (uk::kernel::set_creds).
struct task_creds {
  uid_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  gid_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<gid_t> groups;  // supplementary, sorted
  friend bool operator==(const task_creds& a, const task_creds& b) {
    return a.uid == b.uid && a.euid == b.euid && a.suid == b.suid && a.fsuid == b.fsuid &&
           a.gid == b.gid && a.egid == b.egid && a.sgid == b.sgid && a.fsgid == b.fsgid &&
           a.groups == b.groups;
  }
};
inline task_creds creds_of(const vfs_task& t) {
  absl::MutexLock l(&t.groups_mu);
  return {t.uid, t.euid, t.suid, t.fsuid, t.gid, t.egid, t.sgid, t.fsgid, t.groups};
}
inline void set_task_creds(vfs_task& t, const task_creds& c) {
  t.uid = c.uid, t.euid = c.euid, t.suid = c.suid, t.fsuid = c.fsuid;
  t.gid = c.gid, t.egid = c.egid, t.sgid = c.sgid, t.fsgid = c.fsgid;
  std::vector<gid_t> sorted = c.groups;
  std::sort(sorted.begin(), sorted.end());
  absl::MutexLock l(&t.groups_mu);
  t.groups = std::move(sorted);
}

vfs_task* current();

// Gives `t` the fs context of a first task in `v`: root and cwd at v.root(), umask
// 022, an empty fd table, mnt_ns = &v (credentials untouched). For the kernel's init
// task and tests.
void init_vfs_task(vfs_task& t, vfs& v);
// A root task (pid 1, uid/gid 0) set up by init_vfs_task.
std::unique_ptr<vfs_task> make_init_vfs_task(vfs& v);

// Sets `current` for a scope (a system call); nests.
class current_scope {
 public:
  explicit current_scope(vfs_task& t);
  ~current_scope();
  current_scope(const current_scope&) = delete;
  current_scope& operator=(const current_scope&) = delete;

 private:
  vfs_task* saved_;
};

}  // namespace uk
