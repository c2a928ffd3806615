// struct cftype: one control file kind of a container directory.
//
// Dispatch (container_file_read/write): read -> `read` if set, else `read_uint`
// ("%llu\n"), else `read_s64` ("%lld\n"), else EINVAL; write -> `write`, else
// `write_uint` (parsed by the core: empty EINVAL, >= 64 bytes E2BIG, one trailing
// newline stripped, base auto-detected, junk EINVAL), else `write_s64` (today's
// cgroup_file_write: kstrtoll(buf, 0)), else EINVAL. The s64 pair is today's kernel's
// (2.6.25+): only the cgroup flavour's tables have such files.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "vfs/errno.h"
#include "vfs/poll.h"
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

// struct cgroup_file: a control file its subsystem notifies of a change
// (cgroup_file_notify), as pids.events at a refused fork. It keeps what kernfs keeps in
// the file's kernfs_open_node: the count of changes, which poll(2) compares with the
// count an open file saw at its last read, and the pollers to wake. A file without one
// never changes for poll (its count stays 1).
struct cgroup_file {
  std::atomic<int> event{1};
  wait_queue_head poll;
};
// cgroup_file_notify() -> kernfs_notify(): one change more, and the pollers woken. The
// kernel defers a notification that comes within 20 ms of the last one
// (CGROUP_FILE_NOTIFY_MIN_INTV); here each is at once.
void cgroup_file_notify(cgroup_file* cfile);

struct cftype {
  // The name: literal under the patch's flavour, as container_add_file(cont, cft) created
  // it; the cgroup flavour prefixes "<subsys>." (cgroup_file_name).
  std::string name;
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
  std::function<int64_t(container*, const cftype*)> read_s64;
  std::function<Errno(container*, const cftype*, int64_t val)> write_s64;
  std::function<void(inode&, file&)> release;
  // Where a container keeps this file's cgroup_file, for a file its subsystem notifies
  // (today's cftype::file_offset); null for the others. Called with container_mutex
  // held; null once the container's state is gone.
  std::function<cgroup_file*(container*)> file_offset;
};

}  // namespace uk
