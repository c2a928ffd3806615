// `current` (a thread-local pointer, as the kernel's per-CPU current) and the set-up of
// a first task's fs context (init_task's fs_struct/files_struct, fs/namespace.c
// init_mount_tree's set_fs_pwd/set_fs_root).
#include "vfs/vfs_task.h"

#include <memory>

#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/vfs.h"

namespace uk {

namespace {
// The task the running system call is for; null outside system calls. Each thread runs
// one call at a time, so a thread-local pointer is the whole story.
thread_local vfs_task* current_task = nullptr;
}  // namespace

vfs_task* current() { return current_task; }

entry_recorder* recorder_of(const vfs_task& t) {
  return t.mnt_ns != nullptr ? t.mnt_ns->recorder() : nullptr;
}

current_scope::current_scope(vfs_task& t) : saved_(current_task) { current_task = &t; }

current_scope::~current_scope() { current_task = saved_; }

void init_vfs_task(vfs_task& t, vfs& v) {
  auto fs = std::make_shared<fs_struct>();
  {
    absl::MutexLock l(&fs->lock);
    fs->root = v.root();
    fs->pwd = v.root();
    fs->umask = 022;
  }
  t.fs = std::move(fs);
  t.files = std::make_shared<files_struct>();
  t.mnt_ns = &v;
}

std::unique_ptr<vfs_task> make_init_vfs_task(vfs& v) {
  auto t = std::make_unique<vfs_task>();
  t->pid = 1;
  init_vfs_task(*t, v);
  return t;
}

}  // namespace uk
