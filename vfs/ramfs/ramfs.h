// ramfs (2.6.24 fs/ramfs/inode.c over fs/libfs.c): an in-memory filesystem. Its
// "rootfs" instance holds "/" and the mount points; "ramfs" mounts give tests and
// users plain directories and byte files.
//
// Every name lives in the dcache, pinned by its directory (simple_lookup answers
// ENOENT for anything else). Directories: mkdir, rmdir (ENOTEMPTY unless empty),
// rename (simple_rename: a directory replaces only an empty one), and files made by
// open(O_CREAT) and removed by unlink. A file's bytes sit in the inode (i_private),
// guarded by its i_mutex; read/write honour O_APPEND, O_TRUNC truncates via setattr.
// Unlike ramfs's page cache the bytes are not sparse, so a file stops at
// RAMFS_MAX_BYTES (EFBIG, as past s_maxbytes). chmod/chown change the inode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vfs/errno.h"
#include "vfs/super.h"
#include "vfs/types.h"

namespace uk {

inline constexpr unsigned long RAMFS_MAGIC = 0x858458f6;
inline constexpr loff_t RAMFS_MAX_BYTES = loff_t{64} << 20;

// The "ramfs" type (or, named "rootfs", init_mount_tree's rootfs_fs_type): every
// get_sb makes a new, empty filesystem whose root is a 0755 directory owned by the
// mounting task (get_sb_nodev + ramfs_fill_super). A "rootfs" super_block carries
// MS_NOUSER, so mount(2) of "rootfs" fails with EINVAL as in Linux.
class ramfs_type : public file_system_type {
 public:
  explicit ramfs_type(std::string name = "ramfs") : file_system_type(std::move(name)) {}
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;
};

// ramfs_get_inode(): a new inode of `sb` with `mode` (S_IFDIR or S_IFREG and the
// permission bits), owned by current's fsuid/fsgid (root without a current task), with
// ramfs's operations for its type.
std::shared_ptr<inode> ramfs_get_inode(super_block& sb, umode_t mode);

}  // namespace uk
