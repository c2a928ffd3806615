// Super blocks (fs/super.c, fs/libfs.c): anonymous device numbers, simple_statfs,
// deactivate_super and kill_litter_super.
#include "vfs/super.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "vfs/dentry.h"
#include "vfs/internal.h"

namespace uk {

dev_t new_anon_dev() {
  // set_anon_super() takes the lowest free minor of major 0; minors are never reused
  // here, which only makes them more unique.
  static std::atomic<unsigned int> next_minor{1};
  return makedev(0, next_minor.fetch_add(1, std::memory_order_relaxed));
}

// simple_statfs().
Errno super_operations::statfs(dentry& d, struct statfs* buf) const {
  buf->f_type = d.d_sb ? d.d_sb->s_magic : 0;
  buf->f_bsize = 4096;
  buf->f_namelen = NAME_MAX;
  return kOk;
}

const super_operations& s_op_of(const super_block& sb) {
  static const super_operations defaults;
  return sb.s_op ? *sb.s_op : defaults;
}

void file_system_type::kill_sb(super_block& sb) { kill_litter_super(sb); }

void deactivate_super(super_block& sb) {
  int before = sb.s_active.fetch_sub(1, std::memory_order_acq_rel);
  UK_CHECK(before > 0);
  if (before != 1) return;
  if (sb.s_type != nullptr) {
    sb.s_type->kill_sb(sb);
  } else {
    kill_litter_super(sb);
  }
}

void kill_litter_super(super_block& sb) {
  if (!sb.s_root) return;
  dentry_graveyard g;
  dcache_guard l(*sb.s_root);
  d_genocide_locked(*sb.s_root, g);
  // generic_shutdown_super: the tree is dead. A cwd left at its root must not create
  // names there (they would pin themselves to a tree nobody tears down again).
  sb.s_root->d_deleted = true;
}

}  // namespace uk
