// The container filesystem driver: file_system_type "container" and "cgroup" (one
// driver, two flavours: uk/container_flavour.h), mkdir/rmdir/rename of containers,
// the population of their directories with control files.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_flavour.h"
#include "vfs/errno.h"
#include "vfs/super.h"

namespace uk {

class container_core;
class vfs;
struct dentry;

// CONTAINER_SUPER_MAGIC (2.6.24 CGROUP_SUPER_MAGIC has the same value).
inline constexpr unsigned long CONTAINER_SUPER_MAGIC = 0x27e0eb;

// Parsed mount options (parse_containerfs_options).
struct containerfs_options {
  unsigned long subsys_bits = 0;
  unsigned long flags = 0;  // ROOT_NOPREFIX, ROOT_XATTR, ...
  std::optional<std::string> release_agent;
  // cgroup flavour only.
  std::optional<std::string> name;
  bool none = false;
  bool clone_children = false;
  // cgroup flavour only: the super_block flags named among the options (today's VFS
  // takes `ro`, `sync`, ... from any mount's data, vfs_parse_sb_flag): which bits were
  // named, and their values, the last naming winning.
  unsigned long sb_flags_mask = 0;
  unsigned long sb_flags = 0;
};
// The `-t container` parser (uk/container_v10.cc): data null means "all". Empty token
// EINVAL; unknown subsystem ENOENT (exact, case-sensitive); a second release_agent=
// EINVAL; no subsystem selected EINVAL. The cgroup flavour's is cgroup1_parse_options
// (uk/cgroup_v1.cc).
ErrorOr<containerfs_options> parse_containerfs_options(const container_core& core,
                                                       const char* data);

class containerfs_type : public file_system_type {
 public:
  containerfs_type(container_core& core, const container_flavour& flavour);
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;
  void kill_sb(super_block& sb) override;
  // The legacy cpuset type's mount: as get_sb, but only a hierarchy with exactly the
  // same flags is reused (2.6.24's sget match), so a prefixed {cpuset} is EBUSY.
  ErrorOr<std::shared_ptr<super_block>> get_sb_exact(int flags, std::string_view dev_name,
                                                     const char* data);

 private:
  ErrorOr<std::shared_ptr<super_block>> get_sb_(int flags, const char* data, bool exact_flags);

  container_core& core_;
  const container_flavour& flavour_;
};

// The legacy "cpuset" type (2.6.24 cpuset_get_sb): mounts the "cgroup" type with
// "cpuset,noprefix,release_agent=/sbin/cpuset_release_agent", whatever -o says.
// ENODEV when no "cgroup" type is registered in `v`; EBUSY when cpuset is bound in a
// hierarchy with other subsystems or without noprefix.
class cpuset_fs_type : public file_system_type {
 public:
  explicit cpuset_fs_type(vfs& v) : file_system_type("cpuset"), vfs_(v) {}
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;

 private:
  vfs& vfs_;
};

// Adds one control file to `cont`'s directory (from populate(); `ss` null for the
// core's own files). EEXIST if the name exists.
Errno container_add_file(container* cont, container_subsys* ss, const cftype* cft);
// Adds a table's files in order, the CFTYPE_ONLY_ON_ROOT ones at the top only; stops at
// the first error.
Errno container_add_files(container* cont, container_subsys* ss, std::span<const cftype> cfts);

// The container of a container directory dentry / the cftype of a control file
// (__d_cont / __d_cft).
container* __d_cont(const dentry* d);
const cftype* __d_cft(const dentry* d);

// Serves a read of `content` at *ppos (for cftype::read handlers).
size_t container_read_string(std::string_view content, char* buf, size_t nbytes, loff_t* ppos);

}  // namespace uk
