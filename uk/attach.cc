// Moving a task between containers: attach_task() and the `tasks` write
// (the patch's attach_task / attach_task_by_pid).
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "uk/container_core.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"

namespace uk {

Errno container_core::recorded_attach(container* cont, task_struct* tsk,
                                      absl::FunctionRef<Errno()> move) {
  entry_scope e(kernel_.recorder(), entry_kind::attach, current_task());
  if (!e.recording()) return move();
  auto p = container_path(cont);
  std::string path = p.ok() ? p.value() : "?";
  std::string subsystems;
  for (container_subsys* ss : cont->root->subsys_list) {
    if (!subsystems.empty()) subsystems += ',';
    subsystems += ss->name;
  }
  e->target = tsk->pid;
  e->path = path;
  e->data = subsystems;
  Errno err = move();
  e.done(to_syscall_result(err));
  return err;
}

Errno container_core::can_attach_task(container* cont, task_struct* tsk) {
  for (container_subsys* ss : cont->root->subsys_list) UK_TRY(ss->can_attach(cont, tsk));
  return kOk;
}

Errno container_core::attach_task(container* cont, task_struct* tsk) {
  // The lambda runs inside recorded_attach, under the caller's container_mutex.
  return recorded_attach(cont, tsk, [&] {
    container_mutex.AssertHeld();
    return do_attach_task(cont, tsk);
  });
}

Errno container_core::do_attach_task(container* cont, task_struct* tsk) {
  container* oldcont = task_container_in(tsk, cont->root);
  if (oldcont == cont) return kOk;  // already there: no callbacks
  // Validate first: every subsystem may veto before anything changes.
  UK_TRY(can_attach_task(cont, tsk));
  return attach_task_commit(cont, oldcont, tsk);
}

Errno container_core::attach_task_commit(container* cont, container* oldcont, task_struct* tsk) {
  css_group* oldcg;
  {
    absl::MutexLock l(&tsk->alloc_lock);
    oldcg = tsk->containers;
  }
  // Only attach (under container_mutex) and exit (which sets PF_EXITING first)
  // change tsk->containers, so oldcg stays the task's until we publish.
  css_group* newcg = find_css_group(oldcg, cont);
  bool exiting;
  {
    absl::MutexLock cl(&css_group_lock);
    absl::MutexLock l(&tsk->alloc_lock);
    commit_point();  // the move, ordered with fork's copy and exit's PF_EXITING
    exiting = tsk->flags & PF_EXITING;
    if (!exiting) {
      tsk->containers = newcg;
      if (tsk->cg_list_linked) {
        // The node moves between lists, so the task's cg_list iterator stays valid.
        newcg->tasks.splice(newcg->tasks.begin(), oldcg->tasks, tsk->cg_list);
      }
    }
  }
  if (exiting) {
    put_css_group(newcg);
    return Errno(ESRCH);
  }
  for (container_subsys* ss : cont->root->subsys_list) ss->attach(cont, oldcont, tsk);
  oldcont->set_flag(CONT_RELEASABLE);
  put_css_group(oldcg);  // the task's old reference
  return kOk;
}

namespace {

// PF_EXITING or exited: cgroup_migrate_add_task() leaves such a task where it is.
bool task_exiting(task_struct* tsk) {
  absl::MutexLock l(&tsk->alloc_lock);
  return tsk->zombie || (tsk->flags & PF_EXITING);
}

}  // namespace

// cgroup_migrate() of a thread group: the threads to move are collected (the leader
// first; exiting ones, the leader included, and those already in `cont` skipped, as
// cgroup_migrate_add_task and the src == dst check do), every one passes every
// can_attach, and only then does any move (cgroup_migrate_execute: can_attach for the
// whole set, then the commit). A thread that starts exiting between the two steps is
// skipped too (the commit's ESRCH).
Errno container_core::attach_thread_group(container* cont, task_struct* leader) {
  struct move {
    task_struct* tsk;
    container* oldcont;
  };
  std::vector<move> moves;
  std::vector<task_struct*> threads = {leader};
  for (pid_t tid : kernel_.thread_group(leader->tgid)) {
    task_struct* t = kernel_.find_task_by_pid(tid);
    if (t != nullptr && t != leader) threads.push_back(t);
  }
  for (task_struct* t : threads) {
    if (task_exiting(t)) continue;
    container* oldcont = task_container_in(t, cont->root);
    if (oldcont == cont) continue;
    UK_TRY(can_attach_task(cont, t));
    moves.push_back({t, oldcont});
  }
  for (const move& m : moves) {
    // ESRCH: the thread began exiting since it was collected, and stays (skipped).
    Errno moved = recorded_attach(cont, m.tsk, [&] {
      container_mutex.AssertHeld();
      return attach_task_commit(cont, m.oldcont, m.tsk);
    });
    static_cast<void>(moved);
  }
  return kOk;
}

// attach_task_by_pid(): sscanf("%d") semantics: leading blanks skipped, '-' accepted,
// trailing text ignored; no number at all is EIO.
Errno container_core::attach_task_by_pid(container* cont, std::string_view buf) {
  std::string s(buf);
  const char* p = s.c_str();
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\v' || *p == '\f' || *p == '\r') p++;
  const char* digits = (*p == '-' || *p == '+') ? p + 1 : p;
  // The kernel's vsscanf takes no '+' sign for %d.
  if (*p == '+' || !(*digits >= '0' && *digits <= '9')) return Errno(EIO);
  errno = 0;
  long long v = std::strtoll(p, nullptr, 10);
  // The kernel's %d conversion truncates to int.
  pid_t pid = static_cast<pid_t>(v);

  task_struct* me = current_task();
  task_struct* tsk;
  if (pid != 0) {
    tsk = kernel_.find_task_by_pid(pid);
    if (tsk == nullptr || tsk->zombie) return Errno(ESRCH);
    {
      absl::MutexLock l(&tsk->alloc_lock);
      if (tsk->flags & PF_EXITING) return Errno(ESRCH);
    }
    if (me != nullptr && me->euid != 0 && me->euid != tsk->uid && me->euid != tsk->suid) {
      return Errno(EACCES);
    }
  } else {
    tsk = me;
    if (tsk == nullptr) return Errno(ESRCH);
  }
  return attach_task(cont, tsk);
}

Errno container_core::attach_task_by_pid_strict(container* cont, std::string_view buf,
                                                bool threadgroup) {
  int pid;
  std::string pidbuf = strstrip(std::string(buf).c_str());
  if (!kstrtoint(pidbuf.c_str(), 0, &pid).ok() || pid < 0) return Errno(EINVAL);
  task_struct* me = current_task();
  // cgroup_procs_write_start(): find_task_by_vpid() finds a zombie too, until the reap.
  task_struct* tsk = pid != 0 ? kernel_.find_task_by_pid(pid) : me;
  if (tsk == nullptr) return Errno(ESRCH);
  if (threadgroup && !tsk->is_thread_group_leader()) {
    tsk = kernel_.find_task_by_pid(tsk->tgid);
    if (tsk == nullptr) return Errno(ESRCH);
  }
  if (me != nullptr && me->euid != 0 && me->euid != tsk->uid && me->euid != tsk->suid) {
    return Errno(EACCES);
  }
  if (threadgroup) return attach_thread_group(cont, tsk);
  // An exiting task is not migrated and the write succeeds (2.6.24 said ESRCH), also
  // when it began exiting after this look (the commit's ESRCH).
  if (task_exiting(tsk)) return kOk;
  Errno err = attach_task(cont, tsk);
  return err.code() == ESRCH && task_exiting(tsk) ? kOk : err;
}

}  // namespace uk
