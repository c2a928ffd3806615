// The container core (the patch's kernel/container.c): hierarchies, the shared
// css_groups, attach, fork/exit, clone, release notification. The patch's globals are
// members here (one instance per kernel), its functions methods with its names.
//
// The kernel's lock tree (outer first), as in 2.6.24 kernel/cgroup.c. Every lock of
// uk/ is here; a subsystem's own locks are in its header and hang where shown.
//   inode::i_mutex of the directory          (vfs/inode.h; taken by the VFS)
//   seq_text::lock of an open control file   (uk/container_files.cc; a read's whole
//                                             show runs under it, as under kernfs's
//                                             of->mutex)
//     container_core::container_mutex        (the patch's container_mutex)
//       kernel::tasklist_lock                (read_lock(&tasklist_lock): pid lookups
//                                             of the tasks write, the invariant check)
//         cpuset_subsys::callback_mutex_     (subsys/cpuset.h)
//           container_core::css_group_lock   (css_set_lock)
//             task_struct::alloc_lock        (task_lock())
//             container_core::release_list_lock  (check_for_release from a put)
//       pids_subsys::forking_lock_           (subsys/pids.h)
//       vfs::dcache_lock                     (container_path, container_add_file)
//   Leaves, taken under any of the above, taking nothing: kernel::work_lock_
//   (schedule_work from check_for_release), kernel::helper_lock_, topology::lock_,
//   files_struct::file_lock, the cpu and net notifier_lock_, cpuacct's last_lock_,
//   freezer's frozen_mu_.
// do_fork, do_exit and release_task take tasklist_lock alone, never inside a task's
// alloc_lock or css_group_lock.
//
// container_mutex guards every structural change: mount of a new hierarchy, remount,
// kill_sb, mkdir, rmdir, attach, writes of notify_on_release/release_agent, reading
// release_agent, /proc/<pid>/container, /proc/containers, the release work (dropped
// around the helper) and container_clone (dropped around vfs_mkdir). Fork and exit
// take no container lock: only task_lock and css_group_lock, and
// need_forkexit_callback is fixed after boot.
//
// Deviations from the patch, each for a user-mode reason:
// - RCU is replaced by the css_group reference the reader holds: tasks' `containers`
//   is read under task_lock and the old group is kept until attach has finished.
// - css_group lookup uses a hash table keyed by the css array (as 2.6.26), not a
//   linear list, so attach stays O(1) with 100k containers. The key also names the
//   task's container in each subsystem-less (cgroup flavour `none,name=`) hierarchy,
//   which has no css to tell it (css_group_key).
// - Task lists in css_groups are always maintained (use_task_css_set_links is true
//   from boot), so the first read of `tasks` does not walk every thread.
#pragma once

#include <sys/types.h>

#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "uk/container.h"
#include "uk/container_flavour.h"
#include "uk/containerfs_root.h"
#include "uk/css_group.h"
#include "uk/css_idr.h"
#include "uk/subsystem.h"
#include "vfs/errno.h"

namespace uk {

class kernel;
struct task_struct;

class container_core {
 public:
  explicit container_core(kernel& k);
  ~container_core();
  container_core(const container_core&) = delete;
  container_core& operator=(const container_core&) = delete;

  // --- Boot (container_init_early / container_init) ---
  // Creates every subsystem from the registry, checks it as the patch does (name
  // non-empty and <= MAX_CONTAINER_TYPE_NAMELEN, subsys_id == index), creates each
  // root state on dummytop and puts it in every css_group.
  void container_init_early(const subsys_registry& registry, task_struct* init_task);
  // Kernel teardown: forgets every hierarchy (their trees and super_blocks), whatever
  // is still mounted or has children. Tasks and mounts are gone or about to go.
  void container_shutdown();

  // --- Subsystems ---
  container_subsys* subsys(int id) const { return subsys_[id].get(); }
  int need_forkexit_callback() const { return need_forkexit_callback_; }

  // --- Hierarchies (used by the container filesystem, uk/containerfs.cc) ---
  // rebind_subsystems(): moves subsystems between the dummy hierarchy and `root`.
  // EBUSY if a requested one is bound elsewhere, or if the hierarchy has children.
  Errno rebind_subsystems(containerfs_root* root, unsigned long final_bits)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  containerfs_root* rootnode() { return &rootnode_; }
  container* dummytop() { return &rootnode_.top_container; }
  // Live hierarchies, newest first (the dummy root last).
  std::list<std::shared_ptr<containerfs_root>> roots ABSL_GUARDED_BY(container_mutex);
  int root_count ABSL_GUARDED_BY(container_mutex) = 1;

  // --- css_group (find_css_group & co.) ---
  // The css_group for `oldcg` with `cont`'s hierarchy entries replaced by `cont`'s,
  // with a reference taken; shared if one exists.
  css_group* find_css_group(css_group* oldcg, container* cont)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  void get_css_group(css_group* cg) { cg->ref.fetch_add(1, std::memory_order_relaxed); }
  void put_css_group(css_group* cg) { put_css_group_(cg, false); }
  void put_css_group_taskexit(css_group* cg) { put_css_group_(cg, true); }
  css_group* init_css_group() { return init_css_group_; }
  size_t css_group_count();
  // Calls fn(const css_group_key& key, css_group*) for every css_group in the table
  // (for the invariant checker, uk/invariants.h).
  template <typename F>
  void for_each_css_group_locked(F&& fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(css_group_lock) {
    for (auto& [key, cg] : css_groups_) fn(key, cg.get());
  }
  // Links every css_group to a hierarchy's new top container (mount) or unlinks them
  // (kill_sb).
  void link_all_css_groups(container* top) ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  void unlink_all_css_groups(container* top) ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);

  // --- Tasks ---
  // attach_task(): moves one thread into `cont` (its hierarchy only). Returns 0 at once
  // if it is already there; else every bound subsystem's can_attach (first error
  // returned), a new css_group (ENOMEM), ESRCH if the task started exiting, then every
  // attach(), and the old container becomes releasable.
  Errno attach_task(container* cont, task_struct* tsk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  // attach_task_by_pid(): the `tasks` write: "%d" (else EIO), 0 = the writer, ESRCH,
  // EACCES for a non-root writer whose euid is neither the target's uid nor suid.
  Errno attach_task_by_pid(container* cont, std::string_view buf)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  // The cgroup flavour's `tasks` / `cgroup.procs` write (__cgroup1_procs_write):
  // kstrtoint(strstrip(buf), 0), EINVAL for junk or a negative pid; ESRCH once reaped;
  // 0 = the writer; EACCES as above; an exiting task or zombie stays where it is and
  // the write succeeds. `threadgroup` moves every live thread of the target's process
  // (attach_thread_group): all or none, the first can_attach veto is the errno.
  Errno attach_task_by_pid_strict(container* cont, std::string_view buf, bool threadgroup)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);

  // Fork: the child shares the parent's css_group (container_fork); a simulated
  // fork then asks every has_can_fork subsystem (container_can_fork, Linux 4.3's
  // cgroup_can_fork: the first error cancels the ones that said yes and is the fork's
  // error); then every fork hook runs (container_fork_callbacks), then it joins its
  // group's task list and the has_can_fork subsystems' post_fork run
  // (container_post_fork). The caller holds no container lock.
  void container_fork(task_struct* parent, task_struct* child);
  Errno container_can_fork(task_struct* child);
  void container_fork_callbacks(task_struct* child);
  void container_post_fork(task_struct* child);
  // Exit: exit hooks (if run_callbacks), leave the task list, switch to
  // init_css_group (the zombie shows "/" everywhere), drop the old group.
  void container_exit(task_struct* tsk, bool run_callbacks);
  // Reap (release_task): the release hooks. No container lock held.
  void container_release(task_struct* tsk);

  // container_clone(): makes "node_<pid>" under the task's container in `ss`'s
  // hierarchy and moves the task into it (ns subsystem, on clone/unshare).
  Errno container_clone(task_struct* tsk, container_subsys* ss);

  // --- Queries ---
  // "/" for a root, else "/a/b" (container_path); ENAMETOOLONG past PATH_MAX.
  ErrorOr<std::string> container_path(const container* cont);
  // The task's container in subsystem `subsys_id`'s hierarchy (task_container).
  container* task_container(task_struct* tsk, int subsys_id);
  // The task's container in `root`'s hierarchy.
  container* task_container_in(task_struct* tsk, const containerfs_root* root);
  // The container `cg` puts its tasks in, in `root`'s hierarchy.
  container* css_group_container(const css_group* cg, const containerfs_root* root);
  // A new state's id in its subsystem (today's css_idr), and its return when the state
  // is freed (mkdir and rmdir).
  int css_id_alloc(int subsys_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex) {
    return css_idr_[subsys_id].alloc();
  }
  void css_id_remove(int subsys_id, int id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex) {
    css_idr_[subsys_id].remove(id);
  }
  // A new hierarchy id for the cgroup flavour's /proc files (cyclic, never 0).
  int alloc_hierarchy_id() ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex) {
    return next_hierarchy_id_++;
  }
  // True if `cont` is `tsk`'s container in that hierarchy or below it
  // (container_is_descendant; for `current` in the patch).
  bool container_is_descendant(const container* cont, task_struct* tsk);
  // Sum of the references of the css_groups linked to `cont` (container_task_count;
  // over-counts at a root as the patch does).
  int container_task_count(const container* cont);
  // Calls fn for every task in `cont` (container_iter_start/next/end), under
  // css_group_lock. False, with no call, once rmdir has taken the container's name
  // (under the same lock): a commit point (vfs/entry_recorder.h) either side of it.
  bool container_iter(const container* cont, const std::function<void(task_struct*)>& fn);

  // css_get / css_put: subsystem pins; the last put on a notify_on_release container
  // makes it releasable and checks for release.
  void css_get(container_subsys_state* css);
  void css_put(container_subsys_state* css);

  // --- Release notification ---
  // check_for_release(): queues `cont` for the release agent when it is releasable,
  // empty, childless, unpinned, not removed and not queued.
  void check_for_release(container* cont);
  // Runs the queued work now, on the caller's thread (container_release_agent); the
  // kernel's worker calls it asynchronously. Tests call kernel::flush_work().
  void container_release_agent();
  bool release_list_empty();
  // Takes a removed container off the pending list (rmdir).
  void release_list_remove(container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(release_list_lock);

  // --- proc ---
  // /proc/<pid>/container: "names:path\n" per hierarchy, newest first; ESRCH if the
  // task is gone (the caller looks it up). As `flavour` names it: the cgroup flavour's
  // /proc/<pid>/cgroup is "id:names:path", names in its subsys_order (then those it
  // lacks, in id order), then "name=X".
  std::string proc_container_show(task_struct* tsk,
                                  const container_flavour& flavour = container_flavour_v10);
  // /proc/containers; the cgroup flavour's /proc/cgroups as cgroup v1 prints it
  // (hierarchy id, num_cgroups, enabled; its subsystems only, in its order).
  std::string proc_containerstats_show(const container_flavour& flavour = container_flavour_v10);
  // The ids of the subsystems in `bits` as `flavour` lists them.
  static std::vector<int> subsys_listed(const container_flavour& flavour, unsigned long bits);
  // /proc/<pid>/cpuset: the path in the hierarchy holding cpuset ("/" when unbound).
  std::string proc_cpuset_show(task_struct* tsk);

  kernel& k() const { return kernel_; }
  // The running entry's commit point (vfs/entry_recorder.h): called under the lock of
  // the state the operation changes or reads there.
  void commit_point() const;

  absl::Mutex container_mutex;
  absl::Mutex css_group_lock ABSL_ACQUIRED_AFTER(container_mutex);
  absl::Mutex release_list_lock ABSL_ACQUIRED_AFTER(container_mutex);

 private:
  // attach_task's work: the veto, then the move (attach_task records it as one entry).
  Errno do_attach_task(container* cont, task_struct* tsk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  // Runs `move` (an attach of `tsk` to `cont`) as one recorded attach entry
  // (vfs/entry_recorder.h) with the container's path and its hierarchy's subsystems.
  Errno recorded_attach(container* cont, task_struct* tsk, absl::FunctionRef<Errno()> move)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  // attach_task()'s halves: every bound subsystem's can_attach (the first veto), and
  // the move itself with every attach() (ESRCH, nothing changed, if the task started
  // exiting).
  Errno can_attach_task(container* cont, task_struct* tsk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  Errno attach_task_commit(container* cont, container* oldcont, task_struct* tsk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  // Moves every thread of `leader`'s process into `cont` once all passed can_attach.
  Errno attach_thread_group(container* cont, task_struct* leader)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(container_mutex);
  void put_css_group_(css_group* cg, bool taskexit);
  void link_css_group(css_group* cg, container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(css_group_lock);
  void free_css_group(css_group* cg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(css_group_lock);

  kernel& kernel_;
  std::array<std::unique_ptr<container_subsys>, CONTAINER_SUBSYS_COUNT> subsys_;
  int need_forkexit_callback_ = 0;

  containerfs_root rootnode_;            // the dummy hierarchy
  css_group* init_css_group_ = nullptr;  // in css_groups_; one permanent extra ref
  absl::flat_hash_map<css_group_key, std::unique_ptr<css_group>> css_groups_
      ABSL_GUARDED_BY(css_group_lock);
  int next_hierarchy_id_ ABSL_GUARDED_BY(container_mutex) = 1;
  std::array<css_idr, CONTAINER_SUBSYS_COUNT> css_idr_ ABSL_GUARDED_BY(container_mutex);

  std::deque<container*> release_list_ ABSL_GUARDED_BY(release_list_lock);
};

}  // namespace uk
