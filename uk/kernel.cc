// The kernel object: boot, the task table, fork/exec/exit, the work queue.
#include "uk/kernel.h"

#include <sched.h>
#include <time.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "uk/containerfs.h"
#include "uk/proc.h"
#include "vfs/fs_struct.h"
#include "vfs/syscalls.h"

namespace uk {

namespace {

// One map through the recorder: the recorded list when replaying, unless it does not
// parse or is empty (then the configured one).
template <size_t N>
std::bitset<N> boot_map(entry_recorder* rec, input_kind kind, const std::bitset<N>& configured) {
  std::string text = rec->input_text(kind, 0, [&] { return bitmap_scnlistprintf(configured); });
  auto m = bitmap_parselist<N>(text);
  return m.ok() && m.value().any() ? m.value() : configured;
}

// The maps the kernel boots with, through the recorder (replayed: the recorded ones).
// A trace of before the possible, present, online-node and normal-memory maps were
// recorded holds only cpus and mems: the configured maps are widened to hold them.
topology boot_topology(entry_recorder* rec, const topology& topo) {
  if (rec == nullptr) return topo;
  topology_maps maps = topo.maps();
  maps.cpu_possible_mask = boot_map(rec, input_kind::cpu_possible, maps.cpu_possible_mask);
  maps.cpu_present_mask = boot_map(rec, input_kind::cpu_present, maps.cpu_present_mask);
  maps.cpu_online_mask = boot_map(rec, input_kind::cpus, maps.cpu_online_mask);
  maps.cpu_present_mask |= maps.cpu_online_mask;
  maps.cpu_possible_mask |= maps.cpu_present_mask;
  auto& ns = maps.node_states;
  ns[N_POSSIBLE] = boot_map(rec, input_kind::node_possible, ns[N_POSSIBLE]);
  ns[N_ONLINE] = boot_map(rec, input_kind::node_online, ns[N_ONLINE]);
  ns[N_MEMORY] = boot_map(rec, input_kind::mems, ns[N_MEMORY]);
  ns[N_NORMAL_MEMORY] = boot_map(rec, input_kind::node_normal_memory, ns[N_NORMAL_MEMORY]);
  ns[N_NORMAL_MEMORY] &= ns[N_MEMORY];
  ns[N_ONLINE] |= ns[N_MEMORY];
  ns[N_POSSIBLE] |= ns[N_ONLINE];
  // A trace of before it was recorded: the configured value.
  std::string level_max = rec->input_text(input_kind::sched_domain_level_max, 0, [&] {
    return std::to_string(maps.sched_domain_level_max);
  });
  int v;
  if (absl::SimpleAtoi(level_max, &v) && v >= 0) maps.sched_domain_level_max = v;
  return topology(maps);
}

}  // namespace

// CLOCK_MONOTONIC through the seam (a task's start time).
uint64_t kernel::clock_ns() {
  return host_input(
             input_kind::clock, 0,
             [this] {
               return std::optional<uint64_t>(clock_ != nullptr ? clock_->monotonic_ns() : 0);
             })
      .value_or(0);
}

kernel::kernel(const subsys_registry& registry, kernel_config config)
    : recorder_(config.recorder),
      clock_(config.clock),
      vfs_(config.clock),
      topo_(boot_topology(config.recorder, config.topo)),
      core_(*this) {
  auto init = std::make_unique<task_struct>();
  init->pid = init->tgid = config.init_pid;
  init->set_task_comm(config.init_comm);
  init->real = config.init_is_real;
  init->start_time_ns = clock_ns();
  init->mnt_ns = &vfs_;
  init->fs = std::make_shared<fs_struct>();
  {
    absl::MutexLock l(&init->fs->lock);
    init->fs->root = init->fs->pwd = vfs_.root();
  }
  init->files = std::make_shared<files_struct>();
  init->cpus_allowed = topo_.cpu_online_mask();
  init->mems_allowed = topo_.node_states(N_MEMORY);
  init_task_ = init.get();
  {
    absl::MutexLock l(&tasklist_lock);
    tasks_.emplace(init->pid, std::move(init));
    last_pid_ = std::max<pid_t>(last_pid_, config.init_pid);
  }
  core_.container_init_early(registry, init_task_);
  UK_CHECK(
      vfs_.register_filesystem(std::make_unique<containerfs_type>(core_, container_flavour_v10))
          .ok());
  UK_CHECK(
      vfs_.register_filesystem(std::make_unique<containerfs_type>(core_, container_flavour_cgroup))
          .ok());
  UK_CHECK(vfs_.register_filesystem(std::make_unique<cpuset_fs_type>(vfs_)).ok());
  UK_CHECK(vfs_.register_filesystem(std::make_unique<procfs_type>(*this)).ok());
  UK_CHECK(sys_mkdir(*init_task_, "/proc", 0555) == 0);
  UK_CHECK(sys_mount(*init_task_, "proc", "/proc", "proc", 0, nullptr) == 0);
  // From here on the system calls are recorded; the boot's own are the boot, which a
  // replay repeats by booting.
  vfs_.set_recorder(recorder_);
}

kernel::~kernel() {
  flush_work();
  // Hierarchies still mounted or kept by child containers hold their super_block
  // (and it them) until kill_sb; a kernel going away drops them all at once.
  core_.container_shutdown();
  flush_work();
  std::thread worker;
  {
    absl::MutexLock l(&work_lock_);
    stopping_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

task_struct* kernel::find_task_by_pid(pid_t pid) {
  absl::ReaderMutexLock l(&tasklist_lock);
  auto it = tasks_.find(pid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

size_t kernel::nr_tasks() {
  absl::ReaderMutexLock l(&tasklist_lock);
  return tasks_.size();
}

std::vector<pid_t> kernel::thread_group(pid_t tgid) {
  std::vector<pid_t> out;
  absl::ReaderMutexLock l(&tasklist_lock);
  for (const auto& [pid, t] : tasks_) {
    if (t->tgid == tgid && !t->zombie) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> kernel::all_pids() {
  std::vector<pid_t> out;
  absl::ReaderMutexLock l(&tasklist_lock);
  out.reserve(tasks_.size());
  for (const auto& [pid, t] : tasks_) out.push_back(pid);
  std::sort(out.begin(), out.end());
  return out;
}

pid_t kernel::alloc_pid() {
  // Simulated pids go up and wrap like the kernel's (pid_max 4194304), skipping
  // used ones.
  constexpr pid_t kPidMax = 4194304;
  do {
    last_pid_ = last_pid_ >= kPidMax - 1 ? 2 : last_pid_ + 1;
  } while (tasks_.contains(last_pid_));
  return last_pid_;
}

// copy_process(): the child shares or copies what the flags say, inherits its
// parent's containers and runs every fork hook before it becomes visible.
ErrorOr<task_struct*> kernel::do_fork(task_struct* parent, unsigned long clone_flags, pid_t pid) {
  entry_scope e(recorder_, entry_kind::fork, parent);
  if (e.recording()) e->flags = clone_flags, e->arg = pid;
  ErrorOr<task_struct*> r = copy_process(parent, clone_flags, pid);
  e.done(r.ok() ? r.value()->pid : -static_cast<long>(r.error().code()));
  return r;
}

ErrorOr<task_struct*> kernel::copy_process(task_struct* parent, unsigned long clone_flags,
                                           pid_t pid) {
  if ((clone_flags & kNamespaceFlags) && !parent->capable()) return Errno(EPERM);
  current_scope as_parent(*parent);  // the fork runs in the parent's context
  auto t = std::make_unique<task_struct>();
  set_task_creds(*t, creds_of(*parent));
  t->fs = (clone_flags & CLONE_FS) ? parent->fs : parent->fs->copy();
  t->files = (clone_flags & CLONE_FILES) ? parent->files : parent->files->copy();
  t->mnt_ns = parent->mnt_ns;
  t->set_task_comm(parent->get_task_comm());
  t->policy = parent->policy;
  {
    // cpuset's attach sets them under the parent's task_lock, from another thread in
    // uk-run (a FUSE write to `tasks`) while the tracker mirrors a fork; the child is
    // not shared yet, its lock is for the analysis (dup_user_cpus_ptr()).
    absl::MutexLock pl(&parent->alloc_lock);
    absl::MutexLock cl(&t->alloc_lock);
    t->cpus_allowed = parent->cpus_allowed;
    t->mems_allowed = parent->mems_allowed;
    t->user_cpus_ptr = parent->user_cpus_ptr;
  }
  t->real = pid != 0;
  t->start_time_ns = clock_ns();
  t->ppid = (clone_flags & CLONE_THREAD) ? parent->ppid : parent->tgid;
  // Until the pid is allocated the child still carries its parent's (so the ns node
  // is named after the parent, as in 2.6.24).
  t->pid = parent->pid;

  core_.container_fork(parent, t.get());
  if (clone_flags & kNamespaceFlags) {
    Errno err = core_.container_clone(t.get(), core_.subsys(ns_subsys_id));
    if (!err.ok()) {
      core_.container_exit(t.get(), false);
      return err;
    }
  }
  bool taken = false;
  {
    absl::MutexLock l(&tasklist_lock);
    if (pid == 0) {
      pid = alloc_pid();
    } else {
      taken = tasks_.contains(pid);
    }
  }
  if (taken) {
    core_.container_exit(t.get(), false);
    return Errno(EEXIST);
  }
  t->pid = pid;
  t->tgid = (clone_flags & CLONE_THREAD) ? parent->tgid : pid;
  // cgroup_can_fork() (Linux 4.3: after alloc_pid, before the task is visible), e.g.
  // pids.max -> EAGAIN. Not for a real task: the host has forked it already (with
  // --pids, uk-run's fork trap asked the same pids check before letting that fork
  // happen, harness/README.md "pids"); refusing here would only lose track of a process.
  if (!t->real) {
    Errno err = core_.container_can_fork(t.get());
    if (!err.ok()) {
      core_.container_exit(t.get(), false);
      return err;
    }
  }
  core_.container_fork_callbacks(t.get());
  task_struct* raw = t.get();
  {
    absl::MutexLock l(&tasklist_lock);
    tasks_.emplace(pid, std::move(t));
  }
  core_.container_post_fork(raw);
  return raw;
}

Errno kernel::sys_unshare(task_struct* tsk, unsigned long flags) {
  entry_scope e(recorder_, entry_kind::unshare, tsk);
  if (e.recording()) e->flags = flags;
  Errno err = kOk;
  if (!(flags & (kNamespaceFlags & ~CLONE_NEWPID))) {
    err = kOk;
  } else if (!tsk->capable()) {
    err = Errno(EPERM);
  } else {
    current_scope as_caller(*tsk);
    err = core_.container_clone(tsk, core_.subsys(ns_subsys_id));
  }
  e.done(to_syscall_result(err));
  return err;
}

void kernel::do_exec(task_struct* tsk, std::string_view filename) {
  entry_scope e(recorder_, entry_kind::exec, tsk);
  if (e.recording()) e->data = filename;
  std::string_view base = filename.substr(filename.rfind('/') + 1);
  tsk->set_task_comm(base);
  // flush_old_exec(): unshare_files() first, so a CLONE_FILES table keeps the other sharers'
  // descriptors; then the close-on-exec ones go with the old image. Real tasks keep
  // uk-run's one table: it stands for the host's open FUSE files, which the host keeps
  // across exec (the bridge never opens close-on-exec), harness/README.md.
  if (tsk->files && !tsk->real && tsk->files.use_count() > 1) tsk->files = tsk->files->copy();
  if (tsk->files) tsk->files->do_close_on_exec();
}

void kernel::set_creds(task_struct* tsk, const task_creds& c) {
  std::string ids;  // outlives the entry, which views it
  entry_scope e(recorder_, entry_kind::creds, tsk);
  if (e.recording()) {
    ids = absl::StrCat(c.uid, " ", c.euid, " ", c.suid, " ", c.fsuid, " ", c.gid, " ", c.egid, " ",
                       c.sgid, " ", c.fsgid);
    for (gid_t g : c.groups) absl::StrAppend(&ids, " ", g);  // supplementary (version 5)
    e->data = ids;
  }
  set_task_creds(*tsk, c);
}

void kernel::do_exit(task_struct* tsk, int exit_code) {
  entry_scope e(recorder_, entry_kind::exit, tsk);
  if (e.recording()) e->arg = exit_code;
  {
    absl::MutexLock l(&tsk->alloc_lock);
    if (tsk->flags & PF_EXITING) return;  // exits once
    entry_commit(recorder_);              // before or after an attach's check of PF_EXITING
    tsk->flags |= PF_EXITING;
    tsk->exit_code = exit_code;
  }
  core_.container_exit(tsk, true);
  // exit_files() and exit_fs() are left to release_task, which frees the task_struct
  // and with it these references: uk-run's FUSE and trap threads act as a task whose
  // host process can die mid-operation (the tracker then runs this on its own thread),
  // and their pin keeps the task_struct, fs and files included, until release. In the
  // kernel do_exit runs in the task itself, so none of its system calls is in flight.
  tsk->zombie = true;
}

void kernel::release_task(task_struct* tsk) {
  UK_CHECK(tsk != init_task_);
  std::unique_ptr<task_struct> gone;  // freed after the entry is recorded (it names the task)
  entry_scope e(recorder_, entry_kind::reap, tsk);
  if (!tsk->zombie) do_exit(tsk, 0);
  core_.container_release(tsk);
  absl::MutexLock l(&tasklist_lock);
  auto it = tasks_.find(tsk->pid);
  if (it != tasks_.end()) {
    gone = std::move(it->second);
    tasks_.erase(it);
  }
}

void kernel::schedule_work(std::function<void()> work) {
  absl::MutexLock l(&work_lock_);
  work_.push_back(std::move(work));
  // Started by the first work item: most kernels (tests, fuzz inputs) never queue one,
  // and a thread per boot was a third of a fuzz input's boot time.
  if (!worker_.joinable()) worker_ = std::thread([this] { worker_loop(); });
}

void kernel::flush_work() {
  absl::MutexLock l(&work_lock_);
  work_lock_.Await(absl::Condition(
      +[](kernel* k)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return k->work_.empty() && !k->work_running_; },
      this));
}

void kernel::worker_loop() {
  absl::MutexLock l(&work_lock_);
  while (true) {
    work_lock_.Await(absl::Condition(
        +[](kernel* k) ABSL_NO_THREAD_SAFETY_ANALYSIS { return k->stopping_ || !k->work_.empty(); },
        this));
    if (work_.empty()) return;  // stopping, nothing left
    std::function<void()> work = std::move(work_.front());
    work_.pop_front();
    work_running_ = true;
    work_lock_.Unlock();
    work();
    work = nullptr;
    work_lock_.Lock();
    work_running_ = false;
  }
}

void kernel::call_usermodehelper(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& envp) {
  usermode_helper_fn fn;
  {
    absl::MutexLock l(&helper_lock_);
    fn = usermode_helper_;
  }
  entry_scope e(recorder_, entry_kind::release_agent, nullptr);
  if (e.recording()) {
    e->data = argv.empty() ? std::string_view() : argv[0];
    e->path = argv.size() > 1 ? std::string_view(argv[1]) : std::string_view();
  }
  if (fn) fn(argv, envp);
}

void kernel::set_usermode_helper(usermode_helper_fn fn) {
  absl::MutexLock l(&helper_lock_);
  usermode_helper_ = std::move(fn);
}

}  // namespace uk
