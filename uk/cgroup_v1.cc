// The `-t cgroup` flavour: cgroup v1 as Linux 6.x implements it (kernel/cgroup/
// cgroup-v1.c): its mount options (cgroup1_parse_param + check_cgroupfs_options, the
// reuse rule of cgroup1_root_to_use, cgroup1_reconfigure, cgroup1_show_options), its
// cgroup1_base_files[] and their write side, prefixed file names and modes, kstrtoull
// integer writes and kernfs's readdir order, gathered in container_flavour_cgroup at the
// bottom.
#include <sys/mount.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "uk/bitmap_str.h"
#include "uk/container_core.h"
#include "uk/container_files.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/containerfs_root.h"
#include "uk/lib.h"

namespace uk {

namespace {

// Today's include/linux/cgroup_subsys.h order (for_each_subsys) of uk's subsystems:
// cpuset, cpu, cpuacct, freezer, then net (uk's egress limit, where net_cls would be),
// pids, and debug last ("not supported on the default hierarchy"). No ns: removed in
// 3.0 ("cgroup: Remove ns_cgroup").
constexpr std::array<int, CONTAINER_SUBSYS_COUNT - 1> kSubsysOrder = {
    cpuset_subsys_id, cpu_subsys_id,  cpuacct_subsys_id, freezer_subsys_id,
    net_subsys_id,    pids_subsys_id, debug_subsys_id,
};

// MAX_CGROUP_ROOT_NAMELEN
constexpr size_t kMaxRootNameLen = 64;

// fs/fs_context.c vfs_parse_sb_flag(): before the filesystem sees an option, the VFS
// takes these keys (any value is ignored: `ro=1` is `ro`) as super_block flags.
bool vfs_parse_sb_flag(absl::string_view key, containerfs_options& opts) {
  static constexpr struct {
    absl::string_view name;
    unsigned long flag;
    bool set;
  } kSbFlags[] = {
      {"dirsync", MS_DIRSYNC, true},      {"lazytime", MS_LAZYTIME, true},
      {"mand", MS_MANDLOCK, true},        {"ro", MS_RDONLY, true},
      {"sync", MS_SYNCHRONOUS, true},     {"async", MS_SYNCHRONOUS, false},
      {"nolazytime", MS_LAZYTIME, false}, {"nomand", MS_MANDLOCK, false},
      {"rw", MS_RDONLY, false},
  };
  for (const auto& f : kSbFlags) {
    if (key != f.name) continue;
    opts.sb_flags_mask |= f.flag;
    opts.sb_flags = f.set ? opts.sb_flags | f.flag : opts.sb_flags & ~f.flag;
    return true;
  }
  return false;
}

// cgroup1_parse_param() + check_cgroupfs_options(): empty tokens and "=value" skipped; unknown
// option or subsystem EINVAL; favordynmods a flag with a "no" form (fsparam_flag_no);
// release_agent= and name= strings that cannot be empty (fsparam_string), each once;
// name= of [A-Za-z0-9_.-], 1..63 bytes; no
// subsystem, no `none` and no name= means all; `all` with a subsystem, `none` with a
// subsystem, neither subsystem nor name, or noprefix with anything but cpuset: EINVAL.
ErrorOr<containerfs_options> cgroup1_parse_options(const container_core& core, const char* data) {
  containerfs_options opts;
  bool all = false;
  absl::string_view spec = data != nullptr ? absl::string_view(data) : "";
  for (absl::string_view token : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    // An empty key with a value ("=x") never reaches the filesystem's parser:
    // vfs_parse_monolithic_sep() (fs/fs_context.c) skips it.
    if (token.front() == '=') continue;
    absl::string_view key = token, value;
    bool has_value = false;
    if (size_t eq = token.find('='); eq != absl::string_view::npos) {
      key = token.substr(0, eq);
      value = token.substr(eq + 1);
      has_value = true;
    }
    if (vfs_parse_sb_flag(key, opts)) {
      continue;
    } else if (key == "none" && !has_value) {
      opts.none = true;
    } else if (key == "all" && !has_value) {
      all = true;
    } else if (key == "noprefix" && !has_value) {
      opts.flags |= 1UL << ROOT_NOPREFIX;
    } else if (key == "xattr" && !has_value) {
      opts.flags |= 1UL << ROOT_XATTR;
    } else if (key == "cpuset_v2_mode" && !has_value) {
      opts.flags |= 1UL << ROOT_CPUSET_V2_MODE;
    } else if (key == "favordynmods" && !has_value) {
      opts.flags |= 1UL << ROOT_FAVOR_DYNMODS;
    } else if (key == "nofavordynmods" && !has_value) {
      opts.flags &= ~(1UL << ROOT_FAVOR_DYNMODS);
    } else if (key == "clone_children" && !has_value) {
      opts.clone_children = true;
    } else if (key == "release_agent") {
      if (!has_value || value.empty() || opts.release_agent) return Errno(EINVAL);
      opts.release_agent = std::string(value.substr(0, PATH_MAX - 1));
    } else if (key == "name") {
      if (!has_value || opts.name || value.empty() || value.size() >= kMaxRootNameLen) {
        return Errno(EINVAL);
      }
      for (char c : value) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
          return Errno(EINVAL);
        }
      }
      opts.name = std::string(value);
    } else {
      // "Unknown subsys name", a subsystem today's kernel lacks (ns) among them.
      auto it = std::find_if(kSubsysOrder.begin(), kSubsysOrder.end(),
                             [&](int id) { return !has_value && token == core.subsys(id)->name; });
      if (it == kSubsysOrder.end()) return Errno(EINVAL);
      opts.subsys_bits |= 1UL << *it;
    }
  }
  if (!opts.subsys_bits && !opts.none && !opts.name) all = true;
  if (all) {
    if (opts.subsys_bits) return Errno(EINVAL);
    for (int id : kSubsysOrder) opts.subsys_bits |= 1UL << id;
  }
  if (!opts.subsys_bits && !opts.name) return Errno(EINVAL);
  if ((opts.flags & (1UL << ROOT_NOPREFIX)) && (opts.subsys_bits & ~(1UL << cpuset_subsys_id))) {
    return Errno(EINVAL);
  }
  if (opts.subsys_bits && opts.none) return Errno(EINVAL);
  return opts;
}

// cgroup1_root_to_use(): a name= must match; then the subsystems, if any (or `none`)
// were asked for; other options of an existing hierarchy win (the legacy cpuset type
// asks for exactly its flags). A name match with other subsystems is EBUSY; a name=
// alone finds hierarchies but does not make one (EINVAL).
ErrorOr<containerfs_root*> cgroup1_root_to_use(container_core& core,
                                               const container_flavour& flavour,
                                               const containerfs_options& opts, bool exact_flags)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  for (const auto& r : core.roots) {
    if (r->flavour != &flavour) continue;
    bool name_match = false;
    if (opts.name) {
      if (*opts.name != r->name) continue;
      name_match = true;
    }
    if ((opts.subsys_bits || opts.none) && opts.subsys_bits != r->subsys_bits) {
      if (!name_match) continue;
      return Errno(EBUSY);
    }
    if (exact_flags && r->flags != opts.flags) continue;
    return r.get();
  }
  if (!opts.subsys_bits && !opts.none) return Errno(EINVAL);
  return nullptr;
}

// cgroup1_reconfigure(): no name change, nothing with children, and the agent only
// once the subsystems moved.
Errno cgroup1_reconfigure(container_core& core, containerfs_root* root,
                          const containerfs_options& opts)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  if (opts.name && *opts.name != root->name) return Errno(EINVAL);
  if (!root->top_container.children.empty()) return Errno(EBUSY);
  UK_TRY(core.rebind_subsystems(root, opts.subsys_bits));
  if (opts.release_agent) root->release_agent_path = *opts.release_agent;
  return kOk;
}

// cgroup1_show_options(): subsystems in id order, then the flags, release_agent=,
// clone_children and name=.
void cgroup1_show_options(std::string& out, const containerfs_root& root) {
  for (int id : container_core::subsys_listed(container_flavour_cgroup, root.actual_subsys_bits)) {
    absl::StrAppend(&out, ",", root.core->subsys(id)->name);
  }
  if (root.flags & (1UL << ROOT_NOPREFIX)) out += ",noprefix";
  if (root.flags & (1UL << ROOT_XATTR)) out += ",xattr";
  if (root.flags & (1UL << ROOT_CPUSET_V2_MODE)) out += ",cpuset_v2_mode";
  if (root.flags & (1UL << ROOT_FAVOR_DYNMODS)) out += ",favordynmods";
  if (!root.release_agent_path.empty()) {
    absl::StrAppend(&out, ",release_agent=", root.release_agent_path);
  }
  if (root.top_container.test_flag(CONT_CLONE_CHILDREN)) out += ",clone_children";
  if (!root.name.empty()) absl::StrAppend(&out, ",name=", root.name);
}

// cgroup_file_name(): "<subsys>.<name>" unless mounted noprefix.
std::string cgroup_file_name(const containerfs_root& root, const container_subsys* ss,
                             const cftype& cft) {
  std::string name;
  if (ss != nullptr && !(root.flags & (1UL << ROOT_NOPREFIX))) name = absl::StrCat(ss->name, ".");
  return name + cft.name;
}

// cgroup_file_mode(): a file without a write handler is read-only.
umode_t cgroup_file_mode(const cftype& cft) {
  return !cft.write && !cft.write_uint && !cft.write_s64 ? 0444 : 0644;
}

// cgroup_file_write() of a write_u64 file: kstrtoull(buf, 0).
ErrorOr<unsigned long long> cgroup_parse_write_uint(const char* buf, size_t nbytes) {
  unsigned long long val;
  UK_TRY(kstrtoull(kernel_copy(buf, nbytes).c_str(), 0, &val));
  return val;
}

// The core's writes (longer than a page: E2BIG, in the dispatch), ENODEV once removed,
// under container_mutex.
// tasks / cgroup.procs: cgroup1_tasks_write / cgroup1_procs_write (kstrtoint of the
// stripped buffer); notify_on_release / cgroup.clone_children: write_u64 (kstrtoull);
// release_agent: cgroup_release_agent_write (strstrip).
ErrorOr<size_t> cgroup1_common_file_write(container* cont, const cftype* cft, file& f,
                                          const char* buf, size_t nbytes, loff_t* ppos) {
  std::string buffer = kernel_copy(buf, nbytes);
  container_core& core = *cont->root->core;
  absl::MutexLock l(&core.container_mutex);
  core.commit_point();  // removed or not, as rmdir left it (an attach places it later)
  if (cont->removed()) return Errno(ENODEV);
  switch (cft->private_) {
    case FILE_TASKLIST:
    case FILE_PROCS:
      UK_TRY(core.attach_task_by_pid_strict(cont, buffer, cft->private_ == FILE_PROCS));
      break;
    case FILE_NOTIFY_ON_RELEASE:
    case FILE_CLONE_CHILDREN: {
      int bit = cft->private_ == FILE_CLONE_CHILDREN ? CONT_CLONE_CHILDREN : CONT_NOTIFY_ON_RELEASE;
      unsigned long long val;
      UK_TRY(kstrtoull(buffer.c_str(), 0, &val));
      if (bit == CONT_NOTIFY_ON_RELEASE) cont->clear_flag(CONT_RELEASABLE);
      if (val != 0) {
        cont->set_flag(bit);
      } else {
        cont->clear_flag(bit);
      }
      break;
    }
    case FILE_RELEASE_AGENT:
      cont->root->release_agent_path = strstrip(buffer.c_str());
      break;
    default:
      return Errno(EINVAL);
  }
  return nbytes;
}

// cgroup1_base_files[].
const cftype cgroup1_base_files[] = {
    {
        .name = "cgroup.procs",
        .private_ = FILE_PROCS,
        .open = container_procs_open,
        .read = container_tasks_read,
        .write = cgroup1_common_file_write,
    },
    {
        .name = "cgroup.clone_children",
        .private_ = FILE_CLONE_CHILDREN,
        .read = container_common_file_read,
        .write = cgroup1_common_file_write,
    },
    {
        .name = "cgroup.sane_behavior",
        .private_ = FILE_SANE_BEHAVIOR,
        .flags = CFTYPE_ONLY_ON_ROOT,
        .read = container_common_file_read,
    },
    {
        .name = "tasks",
        .private_ = FILE_TASKLIST,
        .open = container_tasks_open,
        .read = container_tasks_read,
        .write = cgroup1_common_file_write,
    },
    {
        .name = "notify_on_release",
        .private_ = FILE_NOTIFY_ON_RELEASE,
        .read = container_common_file_read,
        .write = cgroup1_common_file_write,
    },
    {
        .name = "release_agent",
        .private_ = FILE_RELEASE_AGENT,
        .flags = CFTYPE_ONLY_ON_ROOT,
        .max_write_len = PATH_MAX - 1,
        .read = container_common_file_read,
        .write = cgroup1_common_file_write,
    },
};

// Tools depend on kernfs's order (libcgroup's cgget keeps the result of the last
// entry).
const simple_dir_operations kernfs_dir_operations(kernfs_name_hash, false);  // no ->fsync

// A list of today's syntax (lib/bitmap-str.c) with `nbits` bits, within `top`: a bit
// outside it is EINVAL.
template <size_t N>
ErrorOr<std::bitset<N>> parse_list_within(std::string_view buf, const std::bitset<N>& top,
                                          size_t nbits) {
  UK_ASSIGN_OR_RETURN(std::bitset<N> mask, bitmap_str::bitmap_parselist<N>(buf, nbits));
  if ((mask & ~top).any()) return Errno(EINVAL);
  return mask;
}

// parse_cpuset_cpulist() (kernel/cgroup/cpuset.c): cpulist_parse() with nr_cpu_ids
// bits (a CPU that cannot exist is ERANGE), then a CPU not in the top cpuset (possible
// but offline) is EINVAL.
ErrorOr<cpumask_t> parse_cpuset_cpulist(std::string_view buf, const cpumask_t& top,
                                        size_t nr_cpu_ids) {
  return parse_list_within(buf, top, nr_cpu_ids);
}
// update_nodemask(): nodelist_parse() with MAX_NUMNODES bits, then a node not in the top
// cpuset (without memory) is EINVAL.
ErrorOr<nodemask_t> parse_cpuset_nodelist(std::string_view buf, const nodemask_t& top) {
  return parse_list_within(buf, top, MAX_NUMNODES);
}

// Every cpuset file's limit is its cftype's max_write_len (cpuset1_files[]), which
// kernfs checks (kernfs_write_len).
const cpuset_list_ops cpuset_lists_v1 = {
    .max_write = 0,
    .mems_max_write = 0,
    .parse_cpulist = parse_cpuset_cpulist,
    .parse_nodelist = parse_cpuset_nodelist,
};

}  // namespace

const container_flavour container_flavour_cgroup = {
    .fs_name = "cgroup",
    .proc_stats_name = "cgroups",
    .proc_pid_name = "cgroup",
    .hierarchy_ids = true,
    .parse_options = cgroup1_parse_options,
    .root_to_use = cgroup1_root_to_use,
    .remount = cgroup1_reconfigure,
    .show_options = cgroup1_show_options,
    .root_mode = 0555,  // kernfs makes a hierarchy's root 0555
    .dir_operations = &kernfs_dir_operations,
    .reject_newline_in_name = true,  // it would break /proc/<pid>/cgroup
    .lookup_name_max = false,
    // cgroup_create() copies notify_on_release and clone_children (2.6.26+).
    .inherited_flags = (1UL << CONT_NOTIFY_ON_RELEASE) | (1UL << CONT_CLONE_CHILDREN),
    .files = cgroup1_base_files,
    .file_name = cgroup_file_name,
    .file_mode = cgroup_file_mode,
    .parse_write_uint = cgroup_parse_write_uint,
    .subsys_writes_parse_uint = true,
    .kernfs_write_len = true,
    .simple_xattrs = true,
    .setattr_ignores_size = true,
    .hierarchy_fsid = true,
    .files_fsync = true,
    .kernfs_poll = true,
    .kernfs_deactivate = true,
    .pidlist_at_first_read = true,
    .seq_file_reads = true,
    .subsys_cftypes = CFTYPES_LEGACY,
    .subsys_order = kSubsysOrder,
    .keeps_user_cpus = true,
    .cpuset_lists = &cpuset_lists_v1,
};

}  // namespace uk
