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
struct dentry;

// CONTAINER_SUPER_MAGIC (2.6.24 CGROUP_SUPER_MAGIC has the same value).
inline constexpr unsigned long CONTAINER_SUPER_MAGIC = 0x27e0eb;

// What differs between the V10 `-t container` filesystem and later flavours.
struct container_flavour {
  const char* fs_name;
  // true: subsystem files are "<subsys>.<name>" unless mounted noprefix (cgroup);
  // false: the literal V10 names (container_add_file(cont, cft)).
  bool prefix_subsys_files;
};
extern const container_flavour container_flavour_v10;

// Parsed mount options (parse_containerfs_options).
struct containerfs_options {
  unsigned long subsys_bits = 0;
  unsigned long flags = 0;  // ROOT_NOPREFIX
  std::optional<std::string> release_agent;
};
// data null means "all". Empty token EINVAL; unknown subsystem ENOENT (exact,
// case-sensitive); a second release_agent= EINVAL; no subsystem selected EINVAL.
ErrorOr<containerfs_options> parse_containerfs_options(const container_core& core,
                                                       const char* data);

class containerfs_type : public file_system_type {
 public:
  containerfs_type(container_core& core, const container_flavour& flavour);
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;
  void kill_sb(super_block& sb) override;

 private:
  container_core& core_;
  const container_flavour& flavour_;
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

// simple_strtoul/simple_strtoull of lib/vsprintf.c: base 0 auto-detects 0x / 0; stops
// at the first character that is not a digit of the base; *end points there.
unsigned long long simple_strtoull(const char* cp, const char** end, unsigned base);

}  // namespace uk
