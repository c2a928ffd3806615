// struct cftype: one control file kind of a container directory.
//
// Dispatch (container_file_read/write): read -> `read` if set, else `read_uint`
// ("%llu\n"), else EINVAL; write -> `write`, else `write_uint` (parsed by the core:
// empty EINVAL, >= 64 bytes E2BIG, one trailing newline stripped, base auto-detected,
// junk EINVAL), else EINVAL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "vfs/errno.h"
#include "vfs/types.h"

namespace uk {

struct container;
struct file;
struct inode;

// MAX_CFTYPE_NAME
inline constexpr size_t MAX_CFTYPE_NAME = 64;
// PAGE_SIZE (x86): kernfs's atomic_write_len for a cftype without max_write_len.
inline constexpr size_t CFTYPE_PAGE_SIZE = 4096;

// cftype::flags (Linux's CFTYPE_*): where the core creates a file of its own table.
enum : unsigned {
  CFTYPE_ONLY_ON_ROOT = 1U << 0,  // in the top container only
};

// Which of a subsystem's control-file tables a hierarchy's directories get. The mount
// flavour chooses (container_flavour::subsys_cftypes), as Linux adds a subsystem's
// legacy_cftypes or dfl_cftypes by the hierarchy it is bound to: the patch's files, or
// today's cgroup v1 ones (cpuset-v1.c's cpuset1_files[]).
enum cftype_set {
  CFTYPES_V10,
  CFTYPES_LEGACY,
  CFTYPE_SET_COUNT,
};

struct cftype {
  // The V10 name: literal, as container_add_file(cont, cft) created it.
  std::string name;
  // Set where 2.6.24 named the file differently (before its "<subsys>." prefix), for
  // the cgroup flavour.
  std::string cgroup_name;
  int private_ = 0;
  unsigned flags = 0;  // CFTYPE_*
  // The longest write (today's cftype::max_write_len; 0: CFTYPE_PAGE_SIZE), for a
  // flavour that checks it before the handler (container_flavour::kernfs_write_len).
  size_t max_write_len = 0;

  std::function<Errno(inode&, file&)> open;
  std::function<ErrorOr<size_t>(container*, const cftype*, file&, char* buf, size_t nbytes,
                                loff_t* ppos)>
      read;
  std::function<uint64_t(container*, const cftype*)> read_uint;
  std::function<ErrorOr<size_t>(container*, const cftype*, file&, const char* buf, size_t nbytes,
                                loff_t* ppos)>
      write;
  std::function<Errno(container*, const cftype*, uint64_t val)> write_uint;
  std::function<void(inode&, file&)> release;
};

}  // namespace uk
