#include "subsys/freezer.h"

#include <cerrno>
#include <string>

#include "subsys/subsystems.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "vfs/file.h"

namespace uk {

const char* freezer_state_name(freezer_subsys::freezer_state s) {
  switch (s) {
    case freezer_subsys::freezer_state::THAWED:
      return "THAWED";
    case freezer_subsys::freezer_state::FREEZING:
      return "FREEZING";
    case freezer_subsys::freezer_state::FROZEN:
      return "FROZEN";
  }
  return "?";
}

freezer_subsys::freezer_subsys(kernel& k)
    : container_subsys(k, "freezer", freezer_subsys_id), core_(k.containers()) {
  has_fork_callback = true;
  has_exit_callback = true;
  std::vector<cftype>& files = files_[CFTYPES_V10];
  files.resize(1);
  files[0].name = "state";
  // freezer_read(): the state and a newline.
  files[0].read = [this](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                         loff_t* ppos) -> ErrorOr<size_t> {
    std::string text;
    {
      absl::MutexLock l(&core_.container_mutex);
      if (css_of(cont) == nullptr) return Errno(ENODEV);
    }
    text = std::string(freezer_state_name(state_of_container(cont))) + "\n";
    return simple_read_from_buffer(buf, nbytes, ppos, text);
  };
  // freezer_write(): strstrip, then THAWED or FROZEN; FREEZING and anything else are
  // EINVAL.
  files[0].write = [this](container* cont, const cftype*, file&, const char* buf, size_t nbytes,
                          loff_t*) -> ErrorOr<size_t> {
    // (Past a page under -t cgroup: E2BIG in the dispatch, kernfs_write_len.)
    if (!cont->root->flavour->kernfs_write_len && nbytes >= 64) return Errno(EINVAL);
    std::string v = strstrip(std::string(buf, nbytes).c_str());
    bool frozen;
    if (v == "FROZEN") {
      frozen = true;
    } else if (v == "THAWED") {
      frozen = false;
    } else {
      return Errno(EINVAL);
    }
    Errno e = set_frozen(cont, frozen);
    if (e != kOk) return e;
    return nbytes;
  };
  // Today's legacy_freezer.c files[] adds two read_u64 files (Linux 3.13): whether the
  // container itself was written FROZEN (CGROUP_FREEZING_SELF), and whether it freezes
  // because an ancestor does (CGROUP_FREEZING_PARENT, set by freezer_css_online and
  // freezer_change_state on every descendant of a freezing container).
  std::vector<cftype>& legacy = files_[CFTYPES_LEGACY];
  legacy = files;
  legacy.resize(3);
  legacy[1].name = "self_freezing";
  legacy[1].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    const freezer_cgroup* f = css_of(cont);
    return f != nullptr && f->self_freezing;
  };
  legacy[2].name = "parent_freezing";
  legacy[2].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return css_of(cont) != nullptr && cont->parent != nullptr && freezing(cont->parent);
  };
}

Errno freezer_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<freezer_cgroup>());
  return kOk;
}

// A container is only removed when it has no tasks: nothing to thaw.
void freezer_subsys::destroy(container* cont) {
  freezer_cgroup* f = css_of(cont);
  if (f != nullptr && f->self_freezing) freezing_count_--;
  cont->free_css(subsys_id);
}

// Linux's freezer files are CFTYPE_NOT_ON_ROOT.
Errno freezer_subsys::populate(container* cont) {
  if (cont->parent == nullptr) return kOk;
  return container_add_files(cont, this, files_[cont->root->flavour->subsys_cftypes]);
}

void freezer_subsys::set_hooks(freezer_hooks* hooks) {
  absl::MutexLock l(&core_.container_mutex);
  hooks_ = hooks;
}

bool freezer_subsys::is_frozen_tgid(pid_t tgid) const {
  absl::MutexLock l(&frozen_mu_);
  return frozen_tgids_.contains(tgid);
}

bool freezer_subsys::is_frozen(pid_t pid) const {
  absl::MutexLock l(&frozen_mu_);
  return frozen_.contains(pid);
}

bool freezer_subsys::freezing(const container* cont) const {
  for (const container* c = cont; c != nullptr; c = c->parent) {
    freezer_cgroup* f = css_of(c);
    if (f != nullptr && f->self_freezing) return true;
  }
  return false;
}

void freezer_subsys::sync_task(task_struct* t, bool freeze) {
  bool act = false;
  {
    absl::MutexLock l(&frozen_mu_);
    if (freeze && !frozen_.contains(t->pid)) {
      frozen_[t->pid] = t->tgid;
      // The process is stopped as a whole: once, for its first frozen thread.
      act = frozen_tgids_[t->tgid]++ == 0;
    } else if (!freeze && frozen_.contains(t->pid)) {
      frozen_.erase(t->pid);
      // ... and resumed when its last frozen thread is thawed.
      act = --frozen_tgids_[t->tgid] == 0;
      if (act) frozen_tgids_.erase(t->tgid);
    }
  }
  if (!act || !t->real || hooks_ == nullptr) return;
  if (freeze) {
    hooks_->freeze(t->tgid);
  } else {
    hooks_->thaw(t->tgid);
  }
}

bool freezer_subsys::task_stopped(task_struct* t) {
  if (!t->real || hooks_ == nullptr) return true;
  freezer_hooks* hooks = hooks_;  // read under container_mutex, for the lambda below
  // A process state: a host input, through the recording seam.
  auto stopped = k().host_input(input_kind::stopped, t->tgid, [&] {
    return std::optional<uint64_t>(hooks->stopped(t->tgid) ? 1 : 0);
  });
  if (stopped.value_or(0) != 0) return true;
  hooks_->freeze(t->tgid);  // resumed by someone else meanwhile: again
  return false;
}

void freezer_subsys::sync_subtree(const container* cont) {
  bool freeze = freezing(cont);
  // container_iter calls back at once, on this thread, which holds container_mutex.
  core_.container_iter(cont, [this, freeze](task_struct* t) {
    core_.container_mutex.AssertHeld();
    sync_task(t, freeze);
  });
  for (const container* child : cont->children) sync_subtree(child);
}

Errno freezer_subsys::set_frozen(container* cont, bool frozen) {
  absl::MutexLock l(&core_.container_mutex);
  freezer_cgroup* f = css_of(cont);
  if (f == nullptr) return Errno(ENODEV);
  if (cont->parent == nullptr) return Errno(EINVAL);  // the root cannot be frozen
  if (f->self_freezing != frozen) freezing_count_ += frozen ? 1 : -1;
  f->self_freezing = frozen;
  sync_subtree(cont);
  return kOk;
}

freezer_subsys::freezer_state freezer_subsys::state_of_container(container* cont) {
  absl::MutexLock l(&core_.container_mutex);
  if (css_of(cont) == nullptr || !freezing(cont)) return freezer_state::THAWED;
  bool all = true;
  std::vector<const container*> todo = {cont};
  while (!todo.empty()) {
    const container* c = todo.back();
    todo.pop_back();
    core_.container_iter(c, [&](task_struct* t) {
      core_.container_mutex.AssertHeld();  // called back at once, on this thread
      if (!task_stopped(t)) all = false;
    });
    for (const container* child : c->children) todo.push_back(child);
  }
  return all ? freezer_state::FROZEN : freezer_state::FREEZING;
}

// Moved into or out of a freezing container: frozen or thawed as its new one says.
void freezer_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();  // attach_task_commit() holds it
  sync_task(tsk, freezing(cont));
}

// freezer_fork(): a child forked in a freezing container starts frozen.
void freezer_subsys::fork(task_struct* task) {
  if (freezing_count_.load() == 0) return;  // the common case: no lock
  container* cont = core_.task_container(task, subsys_id);
  absl::MutexLock l(&core_.container_mutex);
  if (cont != nullptr && freezing(cont)) sync_task(task, true);
}

// An exiting task is forgotten (its process is resumed only if it was the last frozen
// thread and the process lives on: a thread's exit).
void freezer_subsys::exit(task_struct* task) {
  if (!is_frozen(task->pid)) return;
  absl::MutexLock l(&core_.container_mutex);
  sync_task(task, false);
}

std::unique_ptr<container_subsys> freezer_subsys_create(kernel& k) {
  return std::make_unique<freezer_subsys>(k);
}

}  // namespace uk
