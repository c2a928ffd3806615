// The `-t container` flavour: the patch's filesystem (V10 names, 2.6.24 answers where
// V10 is unknown). Its mount options (parse_containerfs_options, the reuse rule,
// container_remount's rule, the shown options), its files[] and their write side
// (container_common_file_write), the literal file names and container_write_uint's
// parser, gathered in container_flavour_v10 at the bottom.
#include <climits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "uk/container_core.h"
#include "uk/container_files.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/containerfs_root.h"
#include "uk/lib.h"

namespace uk {

ErrorOr<containerfs_options> parse_containerfs_options(const container_core& core,
                                                       const char* data) {
  containerfs_options opts;
  // Debian's Abseil has its own string_view.
  absl::string_view spec = data != nullptr ? absl::string_view(data) : "all";
  for (absl::string_view token : absl::StrSplit(spec, ',')) {
    if (token.empty()) return Errno(EINVAL);
    if (token == "all") {
      opts.subsys_bits = (1UL << CONTAINER_SUBSYS_COUNT) - 1;
    } else if (token == "noprefix") {
      opts.flags |= 1UL << ROOT_NOPREFIX;
    } else if (token.substr(0, 14) == "release_agent=") {
      if (opts.release_agent) return Errno(EINVAL);
      // The patch copies at most PATH_MAX - 1 bytes.
      opts.release_agent = std::string(token.substr(14, PATH_MAX - 1));
    } else {
      int i = 0;
      for (; i < CONTAINER_SUBSYS_COUNT; i++) {
        if (token == core.subsys(i)->name) break;
      }
      if (i == CONTAINER_SUBSYS_COUNT) return Errno(ENOENT);
      opts.subsys_bits |= 1UL << i;
    }
  }
  if (opts.subsys_bits == 0) return Errno(EINVAL);
  return opts;
}

namespace {

// container_test_super(): the hierarchy with the same subsystems and flags, else a new
// one (the new mount's release_agent= is then ignored).
ErrorOr<containerfs_root*> container_root_to_use(container_core& core,
                                                 const container_flavour& flavour,
                                                 const containerfs_options& opts, bool exact_flags)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  for (const auto& r : core.roots) {
    if (r->flavour != &flavour) continue;
    if (r->subsys_bits == opts.subsys_bits && r->flags == opts.flags) return r.get();
  }
  return nullptr;
}

// container_remount(): rebind (EBUSY with children or a subsystem bound elsewhere); a
// given release_agent= is stored even when the rebind failed.
Errno container_remount(container_core& core, containerfs_root* root,
                        const containerfs_options& opts)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  Errno err = core.rebind_subsystems(root, opts.subsys_bits);
  if (opts.release_agent) root->release_agent_path = *opts.release_agent;
  return err;
}

// container_show_options(): the bound subsystems in subsys_list order, noprefix, then
// release_agent= if set.
void container_show_options(std::string& out, const containerfs_root& root) {
  for (container_subsys* ss : root.subsys_list) absl::StrAppend(&out, ",", ss->name);
  if (root.flags & (1UL << ROOT_NOPREFIX)) out += ",noprefix";
  if (!root.release_agent_path.empty()) {
    absl::StrAppend(&out, ",release_agent=", root.release_agent_path);
  }
}

// container_add_file(cont, cft): the literal name, mode 0644.
std::string container_file_name(const containerfs_root& root, const container_subsys* ss,
                                const cftype& cft) {
  return cft.name;
}
umode_t container_file_mode(const cftype& cft) { return 0644; }

// container_write_uint(): >= 64 bytes E2BIG, one trailing '\n' stripped, then the
// whole rest must be a number of the auto-detected base (simple_strtoull) or EINVAL.
ErrorOr<unsigned long long> container_parse_write_uint(const char* buf, size_t nbytes) {
  if (nbytes >= 64) return Errno(E2BIG);
  std::string s(buf, nbytes);
  if (s.back() == '\n') s.pop_back();
  s = std::string(s.c_str());
  const char* end;
  unsigned long long val = simple_strtoull(s.c_str(), &end, 0);
  if (*end != '\0') return Errno(EINVAL);
  return val;
}

// container_common_file_write(): E2BIG at PATH_MAX, ENODEV once removed, under
// container_mutex. tasks: attach_task_by_pid (sscanf "%d"); notify_on_release:
// simple_strtoul(buf, 10) != 0 (junk is 0); release_agent: the buffer.
ErrorOr<size_t> container_common_file_write(container* cont, const cftype* cft, file& f,
                                            const char* buf, size_t nbytes, loff_t* ppos) {
  if (nbytes >= PATH_MAX) return Errno(E2BIG);
  // A trailing newline is stripped from the whole buffer, then C string semantics.
  bool newline = nbytes > 0 && buf[nbytes - 1] == '\n';
  std::string buffer = kernel_copy(buf, newline ? nbytes - 1 : nbytes);
  container_core& core = *cont->root->core;
  absl::MutexLock l(&core.container_mutex);
  core.commit_point();  // removed or not, as rmdir left it (an attach places it later)
  if (cont->removed()) return Errno(ENODEV);
  switch (cft->private_) {
    case FILE_TASKLIST:
      UK_TRY(core.attach_task_by_pid(cont, buffer));
      break;
    case FILE_NOTIFY_ON_RELEASE:
      cont->clear_flag(CONT_RELEASABLE);
      if (simple_strtoull(buffer.c_str(), nullptr, 10) != 0) {
        cont->set_flag(CONT_NOTIFY_ON_RELEASE);
      } else {
        cont->clear_flag(CONT_NOTIFY_ON_RELEASE);
      }
      break;
    case FILE_RELEASE_AGENT:
      cont->root->release_agent_path = buffer;
      break;
    default:
      return Errno(EINVAL);
  }
  return nbytes;
}

// The patch's files[] and, at the top container, release_agent.
const cftype files[] = {
    {
        .name = "tasks",
        .private_ = FILE_TASKLIST,
        .open = container_tasks_open,
        .read = container_tasks_read,
        .write = container_common_file_write,
    },
    {
        .name = "notify_on_release",
        .private_ = FILE_NOTIFY_ON_RELEASE,
        .read = container_common_file_read,
        .write = container_common_file_write,
    },
    {
        .name = "releasable",
        .private_ = FILE_RELEASABLE,
        .read = container_common_file_read,
    },
    {
        .name = "release_agent",
        .private_ = FILE_RELEASE_AGENT,
        .flags = CFTYPE_ONLY_ON_ROOT,
        .read = container_common_file_read,
        .write = container_common_file_write,
    },
};

const simple_dir_operations container_dir_operations;

// 2.6.24's MAX_NUMNODES (x86_64's default CONFIG_NODES_SHIFT, 6): a mems list's bits.
constexpr size_t kMaxNumnodes2624 = 64;

// update_cpumask() / update_nodemask() of 2.6.24's kernel/cpuset.c: cpulist_parse()
// with NR_CPUS bits, nodelist_parse() with MAX_NUMNODES, then what is not online (not
// in node_states[N_HIGH_MEMORY]) is dropped silently: the top cpuset tracks those maps.
ErrorOr<cpumask_t> cpuset_parse_cpulist(std::string_view buf, const cpumask_t& top, size_t) {
  UK_ASSIGN_OR_RETURN(cpumask_t cpus, bitmap_parselist<NR_CPUS>(buf));
  return cpus & top;
}
ErrorOr<nodemask_t> cpuset_parse_nodelist(std::string_view buf, const nodemask_t& top) {
  UK_ASSIGN_OR_RETURN(nodemask_t mems, bitmap_parselist<MAX_NUMNODES>(buf, kMaxNumnodes2624));
  return mems & top;
}

// cpuset_common_file_write(): one limit for every file,
// 100 + 6 * max(NR_CPUS, MAX_NUMNODES).
constexpr size_t kCpusetMaxWrite2624 =
    100 + 6 * (NR_CPUS > kMaxNumnodes2624 ? NR_CPUS : kMaxNumnodes2624);
const cpuset_list_ops cpuset_lists_2624 = {
    .max_write = kCpusetMaxWrite2624,
    .mems_max_write = kCpusetMaxWrite2624,
    .parse_cpulist = cpuset_parse_cpulist,
    .parse_nodelist = cpuset_parse_nodelist,
};

}  // namespace

const container_flavour container_flavour_v10 = {
    .fs_name = "container",
    .proc_stats_name = "containers",
    .proc_pid_name = "container",
    .hierarchy_ids = false,
    .parse_options = parse_containerfs_options,
    .root_to_use = container_root_to_use,
    .remount = container_remount,
    .show_options = container_show_options,
    .root_mode = 0755,
    .dir_operations = &container_dir_operations,  // by name
    .reject_newline_in_name = false,
    .lookup_name_max = true,
    .inherited_flags = 0,
    .files = files,
    .file_name = container_file_name,
    .file_mode = container_file_mode,
    .parse_write_uint = container_parse_write_uint,
    .subsys_writes_parse_uint = false,
    .kernfs_write_len = false,
    .simple_xattrs = false,
    .setattr_ignores_size = false,
    .hierarchy_fsid = false,
    .files_fsync = false,
    .kernfs_poll = false,
    .kernfs_deactivate = false,
    .pidlist_at_first_read = false,
    .seq_file_reads = false,
    .subsys_cftypes = CFTYPES_V10,
    .subsys_order = {},  // every subsystem, as the patch lists them
    .keeps_user_cpus = false,
    .cpuset_lists = &cpuset_lists_2624,
};

}  // namespace uk
