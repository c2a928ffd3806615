// A mount flavour of the container filesystem: everything that differs between
// `-t container` (the patch, with 2.6.24 answers where V10 is unknown; uk/container_v10.cc)
// and `-t cgroup` (cgroup v1 as Linux 6.x implements it; uk/cgroup_v1.cc).
//
// containerfs_type holds one flavour; a mount stores it in containerfs_root::flavour
// and every later call goes through that table, so the code shared by both flavours
// never asks which one it serves. Each flavour's file defines its table with every
// entry named, beside the functions it points to: one flavour's behaviour is read in
// one file.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "uk/cftype.h"
#include "uk/cpumask.h"
#include "vfs/errno.h"
#include "vfs/file.h"
#include "vfs/types.h"

namespace uk {

class container_core;
class container_subsys;
struct containerfs_options;
struct containerfs_root;

// How cpuset's cpus and mems files take a list: the flavour's cpulist_parse() /
// nodelist_parse() (lib/bitmap.c's in 2.6.24, lib/bitmap-str.c's today) with its bit
// counts, and what a CPU or node outside the top cpuset's mask `top` gets.
struct cpuset_list_ops {
  // A write of more bytes is E2BIG (cpus and the other cpuset files / mems); 0: no
  // limit of cpuset's own (a kernfs_write_len flavour checks each cftype's).
  size_t max_write;
  size_t mems_max_write;
  // The mask a cpus / mems write (strstrip'ed, not empty) asks for, or its errno.
  ErrorOr<cpumask_t> (*parse_cpulist)(std::string_view buf, const cpumask_t& top,
                                      size_t nr_cpu_ids);
  ErrorOr<nodemask_t> (*parse_nodelist)(std::string_view buf, const nodemask_t& top);
};

struct container_flavour {
  // --- Names ---
  // The file_system_type name.
  const char* fs_name;
  // /proc/<proc_stats_name> and /proc/<pid>/<proc_pid_name>; `hierarchy_ids` picks
  // their format: "id:names:path" and the four-column /proc/cgroups, or the 2.6.24
  // "names:path" and three columns.
  const char* proc_stats_name;
  const char* proc_pid_name;
  bool hierarchy_ids;

  // --- Mount options ---
  // Parses -o. A null `data` is "no options".
  ErrorOr<containerfs_options> (*parse_options)(const container_core& core, const char* data);
  // The live hierarchy of this flavour a mount with `opts` joins; null: make a new one;
  // an errno fails the mount. `exact_flags` (the legacy cpuset type) reuses only a
  // hierarchy with exactly opts.flags. Called with core.container_mutex held.
  ErrorOr<containerfs_root*> (*root_to_use)(container_core& core, const container_flavour& flavour,
                                            const containerfs_options& opts, bool exact_flags);
  // A remount whose flags equal the root's (checked before): rebinds the subsystems and
  // stores release_agent= as the flavour's rule says. Called with container_mutex
  // held; the caller repopulates the root directory on success.
  Errno (*remount)(container_core& core, containerfs_root* root, const containerfs_options& opts);
  // The options /proc/mounts shows after the type, each with a leading ','. Called with
  // container_mutex held.
  void (*show_options)(std::string& out, const containerfs_root& root);

  // --- Directories ---
  // Mode of a hierarchy's root directory.
  umode_t root_mode;
  // The directories' file operations (their readdir order).
  const file_operations* dir_operations;
  // mkdir refuses a name with a newline (EINVAL).
  bool reject_newline_in_name;
  // Whether a name longer than NAME_MAX is ENAMETOOLONG at lookup: 2.6.24's directories
  // look names up with simple_lookup(); today's kernfs_iop_lookup() has no such limit
  // (a cgroup's name is bounded by PATH_MAX only).
  bool lookup_name_max;
  // CONT_* flags a new container copies from its parent.
  unsigned long inherited_flags;

  // --- Control files ---
  // The core's own files (CFTYPE_ONLY_ON_ROOT ones in the top container only).
  std::span<const cftype> files;
  // The name and mode of a control file of subsystem `ss` (null for the core's).
  std::string (*file_name)(const containerfs_root& root, const container_subsys* ss,
                           const cftype& cft);
  umode_t (*file_mode)(const cftype& cft);
  // Parses the buffer of a write to a `write_uint` file (nbytes > 0).
  ErrorOr<unsigned long long> (*parse_write_uint)(const char* buf, size_t nbytes);
  // Whether a subsystem's integer and flag files are parsed that way too: today's
  // kernel declares them write_u64, so cgroup_file_write parses the text (kstrtoull)
  // before the subsystem sees a value; 2.6.24's subsystems parse their own text
  // (cpuset_common_file_write: simple_strtoul, junk is 0).
  bool subsys_writes_parse_uint;
  // Whether every write to a control file longer than its cftype's max_write_len
  // (CFTYPE_PAGE_SIZE when unset) is E2BIG before the handler runs, as today's
  // kernfs_fop_write_iter() does with the atomic_write_len cgroup_init_cftypes() gives
  // every cgroup file; 2.6.24's handlers each check their own limit.
  bool kernfs_write_len;
  // Whether a group and its files keep extended attributes (user., trusted., security.):
  // kernfs's simple_xattrs do, for every cgroup root (KERNFS_ROOT_SUPPORT_USER_XATTR,
  // whatever the v1 `xattr` option says); 2.6.24's cgroupfs had no xattr operations.
  bool simple_xattrs;
  // Whether a truncation leaves a control file's size alone: kernfs_iop_setattr copies
  // every attribute but the size ("this ignores size changes"), so `truncate -s 5`
  // leaves it 0; 2.6.24's inode_setattr truncated to it (vmtruncate), and stat says 5.
  bool setattr_ignores_size;
  // Whether statfs gives each hierarchy an f_fsid of its own: kernfs_statfs's
  // uuid_to_fsid() of the random s_uuid its super_block was given, the same through
  // every mount of it; 2.6.24's simple_statfs left f_fsid 0.
  bool hierarchy_fsid;
  // Whether fsync of a control file succeeds: kernfs's files have noop_fsync; 2.6.24's
  // cgroup_file_operations had no ->fsync (EINVAL).
  bool files_fsync;
  // Whether poll(2) of a control file says POLLERR | POLLPRI until the file has read
  // its subsystem's last notification (kernfs_generic_poll: every kernfs file polls
  // so, from its open until a first read); 2.6.24's files have no ->poll
  // (DEFAULT_POLLMASK).
  bool kernfs_poll;
  // Whether a file still open after its group's rmdir (or a remount that dropped it)
  // answers ENODEV to every read and write: kernfs deactivates the node, and
  // kernfs_get_active() fails; 2.6.24's core checked removal in its own handlers only
  // (cgroup_common_file_write), so such a file still read its value.
  bool kernfs_deactivate;
  // When `tasks` and `cgroup.procs` take their list: at the first read after the open
  // (today's cgroup_pidlist_start loads the pidlist then, so a pid written on the same
  // fd before that read is listed), or at the open (2.6.24's cgroup_tasks_open).
  bool pidlist_at_first_read;
  // Whether a control file's text is made once for a run of reads (kernfs files are
  // seq_files, vfs/seq_file.h: a read from offset 0, or from anywhere but where the
  // last one ended, shows the text, and reads that go on are served from it), or at
  // each read (2.6.24's handlers format a fresh text into simple_read_from_buffer, so a
  // reader with a small buffer may get pieces of two values).
  bool seq_file_reads;
  // Which of its file tables a subsystem adds to this flavour's directories (and whose
  // rules it applies there, e.g. cpuset's hotplug).
  cftype_set subsys_cftypes;

  // --- Subsystems ---
  // The subsystems a mount can bind ("all" binds these) in the order this flavour lists
  // them (its mount options, /proc/<pid>/cgroup's names, /proc/cgroups' rows): today's
  // for_each_subsys order, include/linux/cgroup_subsys.h's, without the ns subsystem
  // (removed in 3.0). Empty: every subsystem, listed as the patch lists them (a
  // hierarchy's subsys_list, newest bound first; /proc/containers in id order).
  std::span<const int> subsys_order;
  // Whether a cpuset's change of a task's CPUs (attach, a cpus write) keeps within
  // the mask the task asked for (task_struct::user_cpus_ptr) when the two intersect:
  // today's __set_cpus_allowed_ptr() does; 2.6.24's set_cpus_allowed() replaces the
  // mask, so a narrowed and widened cpuset gives back all its CPUs.
  bool keeps_user_cpus;
  // cpuset's list files.
  const cpuset_list_ops* cpuset_lists;
};

extern const container_flavour container_flavour_v10;
extern const container_flavour container_flavour_cgroup;

}  // namespace uk
