// The container filesystem driver: file_system_type "container" (and, later, the
// "cgroup" flavour sharing this code), the mount option parser, mkdir/rmdir/rename of
// containers, control files and their read/write dispatch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "uk/cftype.h"
#include "uk/container.h"
#include "vfs/errno.h"
#include "vfs/super.h"

namespace uk {

class container_core;
class vfs;
struct dentry;

// CONTAINER_SUPER_MAGIC (2.6.24 CGROUP_SUPER_MAGIC has the same value).
inline constexpr unsigned long CONTAINER_SUPER_MAGIC = 0x27e0eb;

// Everything that differs between the V10 `-t container` filesystem (the patch, with
// 2.6.24 behaviour where V10 is unknown) and the `-t cgroup` one (cgroup v1 as the host
// kernels of these machines implement it, Linux 6.x). The two share all other code.
struct container_flavour {
  const char* fs_name;
  // /proc/<proc_stats_name> and /proc/<pid>/<proc_pid_name>; `hierarchy_ids` picks
  // their format: "id:names:path" and the four-column /proc/cgroups, or the 2.6.24
  // "names:path" and three columns.
  const char* proc_stats_name;
  const char* proc_pid_name;
  bool hierarchy_ids;
  // true: subsystem files are "<subsys>.<name>" unless mounted noprefix (cgroup);
  // false: the literal V10 names (container_add_file(cont, cft)).
  bool prefix_subsys_files;
  // Mount options: cgroup v1's parser (`none`, `name=`, `clone_children`; empty
  // tokens skipped; unknown subsystem EINVAL; `noprefix` only with cpuset alone), its
  // reuse rule (a name= or subsystem-set match; other flags ignored; a name match with
  // other subsystems EBUSY) and its remount rule (EINVAL for a changed flag or name,
  // EBUSY with children; release_agent= stored only on success).
  bool v1_options;
  // Base files: `releasable` (2.6.24), or `cgroup.procs`, `cgroup.clone_children`
  // and, at the root, `cgroup.sane_behavior` (cgroup v1).
  bool releasable_file;
  bool procs_file;
  bool clone_children_file;
  bool sane_behavior_file;
  // mkdir copies the parent's notify_on_release and clone_children (2.6.26+).
  bool inherit_flags;
  // Integer writes: kstrtoint/kstrtoull (strict; EINVAL, ERANGE) as cgroup v1, or
  // 2.6.24's sscanf("%d") (EIO) for tasks and simple_strtoull for the rest.
  bool strict_integer_writes;
  // Mode of a hierarchy's root directory (kernfs makes it 0555 for cgroup v1).
  umode_t root_mode;
  // A read-only control file is 0444 (cgroup_file_mode), not 0644.
  bool read_only_mode;
  // Directories list in kernfs order (kernfs_name_hash, then name), not name order:
  // tools depend on it (libcgroup's cgget keeps the result of the last entry).
  bool kernfs_readdir_order;
};
extern const container_flavour container_flavour_v10;
extern const container_flavour container_flavour_cgroup;

// Parsed mount options (parse_containerfs_options).
struct containerfs_options {
  unsigned long subsys_bits = 0;
  unsigned long flags = 0;  // ROOT_NOPREFIX, ROOT_XATTR, ...
  std::optional<std::string> release_agent;
  // cgroup flavour only.
  std::optional<std::string> name;
  bool none = false;
  bool clone_children = false;
};
// V10: data null means "all". Empty token EINVAL; unknown subsystem ENOENT (exact,
// case-sensitive); a second release_agent= EINVAL; no subsystem selected EINVAL.
// cgroup v1 (check_cgroupfs_options): empty tokens skipped; unknown option or
// subsystem EINVAL; name= of [A-Za-z0-9_.-], 1..63 bytes, once; no subsystem, no
// `none` and no name= means all; `all` with a subsystem, `none` with a subsystem,
// neither subsystem nor name, or noprefix with anything but cpuset: EINVAL.
ErrorOr<containerfs_options> parse_containerfs_options(const container_core& core, const char* data,
                                                       const container_flavour& flavour);
inline ErrorOr<containerfs_options> parse_containerfs_options(const container_core& core,
                                                              const char* data) {
  return parse_containerfs_options(core, data, container_flavour_v10);
}

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
Errno container_add_files(container* cont, container_subsys* ss, const std::vector<cftype>& cfts);

// The container of a container directory dentry / the cftype of a control file
// (__d_cont / __d_cft).
container* __d_cont(const dentry* d);
const cftype* __d_cft(const dentry* d);

// Serves a read of `content` at *ppos (for cftype::read handlers).
size_t container_read_string(std::string_view content, char* buf, size_t nbytes, loff_t* ppos);

}  // namespace uk
