#include "subsys/pids.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "subsys/subsystems.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "vfs/file.h"

namespace uk {

pids_subsys::pids_subsys(kernel& k)
    : container_subsys(k, "pids", pids_subsys_id), core_(k.containers()) {
  has_can_fork = true;
  has_exit_callback = true;
  has_release_callback = true;
  std::vector<cftype>& files = files_[CFTYPES_V10];
  files.resize(2);
  files[0].name = "max";
  // pids_max_show(): "max\n" or the number.
  files[0].read = [this](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                         loff_t* ppos) -> ErrorOr<size_t> {
    std::string text;
    {
      absl::MutexLock l(&core_.container_mutex);
      pids_cgroup* p = state_of(cont);
      if (p == nullptr) return Errno(ENODEV);
      int64_t limit = p->limit.load();
      text = limit == PIDS_MAX ? "max\n" : std::to_string(limit) + "\n";
    }
    return simple_read_from_buffer(buf, nbytes, ppos, text);
  };
  // pids_max_write(): strstrip, then "max" or kstrtoll(buf, 0) (its EINVAL / ERANGE)
  // in 0..PID_MAX_LIMIT, else EINVAL.
  files[0].write = [this](container* cont, const cftype*, file&, const char* buf, size_t nbytes,
                          loff_t*) -> ErrorOr<size_t> {
    // (Past a page under -t cgroup: E2BIG in the dispatch, kernfs_write_len.)
    if (!cont->root->flavour->kernfs_write_len && nbytes >= 64) return Errno(E2BIG);
    std::string v = strstrip(std::string(buf, nbytes).c_str());
    int64_t limit;
    if (v == "max") {
      limit = PIDS_MAX;
    } else {
      long long val;
      UK_TRY(kstrtoll(v.c_str(), 0, &val));
      if (val < 0 || val > PID_MAX_LIMIT) return Errno(EINVAL);
      limit = val;
      // No fork admission: a limit that nothing would enforce. EOPNOTSUPP, as a kernel
      // answers a write its configuration cannot honour (not EPERM: no privilege
      // would help, and not EINVAL: the value is valid).
      bool refuse;
      std::function<void()> notice;
      {
        absl::MutexLock l(&admission_lock_);
        refuse = !fork_admission_;
        notice = on_refused_;
      }
      if (refuse) {
        if (notice) notice();
        return Errno(EOPNOTSUPP);
      }
    }
    absl::MutexLock l(&core_.container_mutex);
    pids_cgroup* p = state_of(cont);
    if (p == nullptr) return Errno(ENODEV);
    p->limit.store(limit);
    return nbytes;
  };
  files[1].name = "current";
  files[1].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return state_of(cont) == nullptr ? 0 : static_cast<uint64_t>(current_of(cont));
  };
  // Today's pids_files_legacy[] adds peak (pids_peak_read: the watermark, read_s64) and
  // events (pids_events_show: "max N", N the forks refused in this container, whichever
  // ancestor's limit refused them: the legacy hierarchy reports events_local's
  // PIDCG_FORKFAIL), which pids_event() notifies.
  std::vector<cftype>& legacy = files_[CFTYPES_LEGACY];
  legacy = files;
  legacy.resize(4);
  legacy[2].name = "peak";
  legacy[2].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    const pids_cgroup* p = state_of(cont);
    return p == nullptr ? 0 : static_cast<uint64_t>(p->watermark);
  };
  legacy[3].name = "events";
  legacy[3].read = [this](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                          loff_t* ppos) -> ErrorOr<size_t> {
    std::string text;
    {
      absl::MutexLock l(&core_.container_mutex);
      const pids_cgroup* p = state_of(cont);
      if (p == nullptr) return Errno(ENODEV);
      text = absl::StrCat("max ", p->events_local[PIDCG_FORKFAIL], "\n");
    }
    return simple_read_from_buffer(buf, nbytes, ppos, text);
  };
  legacy[3].file_offset = [this](container* cont) -> cgroup_file* {
    core_.container_mutex.AssertHeld();
    pids_cgroup* p = state_of(cont);
    return p == nullptr ? nullptr : &p->events_file;
  };
}

Errno pids_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<pids_cgroup>());
  return kOk;
}

void pids_subsys::destroy(container* cont) {
  core_.container_mutex.AssertHeld();
  for (auto& [task, where] : zombies_) {
    if (where == cont) where = cont->parent;
  }
  cont->free_css(subsys_id);
}

// Linux's pids files are CFTYPE_NOT_ON_ROOT.
Errno pids_subsys::populate(container* cont) {
  if (cont->parent == nullptr) return kOk;
  return container_add_files(cont, this, files_[cont->root->flavour->subsys_cftypes]);
}

// pids_update_watermark() of `cont` and each ancestor below the root, which count
// `extra` more than current_of() says.
void pids_subsys::update_watermarks(const container* cont, const container* extra_below,
                                    int64_t extra) {
  for (const container* c = cont; c != nullptr && c->parent != nullptr; c = c->parent) {
    pids_cgroup* p = state_of(c);
    if (p == nullptr) continue;
    int64_t n = current_of(c);
    for (const container* a = extra_below; a != nullptr; a = a->parent) {
      if (a == c) {
        n += extra;
        break;
      }
    }
    p->watermark = std::max(p->watermark, n);
  }
}

// pids_can_attach() charges the task to its new container's levels before it uncharges
// the old ones: the task counts in both for that instant, so a common ancestor's
// watermark may pass its count (the kernel's tally, "tolerable" as its comment says).
void pids_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();
  update_watermarks(cont, old_cont, 1);
}

int64_t pids_subsys::tasks_below(const container* cont) {
  int64_t n = 0;
  core_.container_iter(cont, [&n](task_struct*) { n++; });
  for (const container* child : cont->children) n += tasks_below(child);
  return n;
}

int64_t pids_subsys::current_of(const container* cont) {
  int64_t n = tasks_below(cont);
  for (const auto& [task, where] : zombies_) {
    for (const container* c = where; c != nullptr; c = c->parent) {
      if (c == cont) {
        n++;
        break;
      }
    }
  }
  return n;
}

// The exit hook runs while the task is still in its container.
void pids_subsys::exit(task_struct* task) {
  if (!bound_.load()) return;
  absl::MutexLock l(&core_.container_mutex);
  if (root != core_.rootnode()) zombies_[task] = core_.task_container(task, subsys_id);
}

void pids_subsys::release(task_struct* task) {
  absl::MutexLock l(&core_.container_mutex);
  zombies_.erase(task);
}

Errno pids_subsys::check_fork_locked(container* mine, const std::vector<container*>& pending) {
  std::vector<container*> others = pending;
  {
    absl::MutexLock l(&forking_lock_);
    for (task_struct* t : forking_) others.push_back(core_.task_container(t, subsys_id));
  }
  for (container* c = mine; c != nullptr && c->parent != nullptr; c = c->parent) {
    pids_cgroup* p = state_of(c);
    if (p == nullptr) continue;
    int64_t n = current_of(c) + 1;
    for (container* o : others) {
      for (container* a = o; a != nullptr; a = a->parent) {
        if (a == c) {
          n++;
          break;
        }
      }
    }
    if (n > p->limit.load()) {
      pids_event(mine);
      return Errno(EAGAIN);
    }
    // pids_try_charge(): each level it passes, the levels below a refusing one too.
    p->watermark = std::max(p->watermark, n);
  }
  return kOk;
}

// pids_event() on the legacy hierarchy: the refused fork counts in the container it
// was made in, and that container's events file is notified.
void pids_subsys::pids_event(container* forking) {
  pids_cgroup* p = state_of(forking);
  if (p == nullptr) return;
  p->events_local[PIDCG_FORKFAIL]++;
  cgroup_file_notify(&p->events_file);
}

Errno pids_subsys::can_fork(task_struct* parent, const std::vector<task_struct*>& pending) {
  // The containers first (task_lock), then the walk under container_mutex.
  container* mine = core_.task_container(parent, subsys_id);
  std::vector<container*> others;
  others.reserve(pending.size());
  for (task_struct* t : pending) others.push_back(core_.task_container(t, subsys_id));
  absl::MutexLock l(&core_.container_mutex);
  return check_fork_locked(mine, others);
}

// pids_can_fork() of a simulated fork: the child is in its parent's containers
// (container_fork ran), not yet in a task list, so current_of() does not count it.
Errno pids_subsys::can_fork(task_struct* child) {
  if (!bound_.load()) return kOk;  // no limit anywhere
  container* mine = core_.task_container(child, subsys_id);
  absl::MutexLock l(&core_.container_mutex);
  if (root == core_.rootnode()) return kOk;  // unbound: no limit anywhere
  Errno err = check_fork_locked(mine, {});
  if (!err.ok()) return err;
  absl::MutexLock fl(&forking_lock_);
  forking_.push_back(child);
  nr_forking_++;
  return kOk;
}

void pids_subsys::set_fork_admission(bool available, std::function<void()> on_refused) {
  absl::MutexLock l(&admission_lock_);
  fork_admission_ = available;
  on_refused_ = std::move(on_refused);
}

// A new hierarchy's limits are all "max", so a fork admitted just before the bind
// exceeds nothing.
void pids_subsys::bind(container* root) {
  core_.container_mutex.AssertHeld();
  bound_.store(root != core_.dummytop());
  zombies_.clear();
}

bool pids_subsys::unreserve(task_struct* child) {
  if (nr_forking_.load() == 0) return false;
  absl::MutexLock fl(&forking_lock_);
  auto it = std::find(forking_.begin(), forking_.end(), child);
  if (it == forking_.end()) return false;
  forking_.erase(it);
  nr_forking_--;
  return true;
}

// pids_cancel_fork(): a later subsystem refused; the slot is free again.
void pids_subsys::cancel_fork(task_struct* child) { unreserve(child); }

// The child is in its group's task list: current_of() counts it from now on. A fork
// can_fork(child) did not admit (a real one, which uk-run observes after the fact)
// reaches the watermarks here; an admitted one was counted there already, with the
// same child.
void pids_subsys::post_fork(task_struct* child) {
  if (unreserve(child) || !bound_.load()) return;
  absl::MutexLock l(&core_.container_mutex);
  update_watermarks(core_.task_container(child, subsys_id), nullptr, 0);
}

std::unique_ptr<container_subsys> pids_subsys_create(kernel& k) {
  return std::make_unique<pids_subsys>(k);
}

}  // namespace uk
