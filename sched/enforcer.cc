#include "sched/enforcer.h"

#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace uk::sched {

share_enforcer::share_enforcer(source_fn source, host_ops& host, options opts)
    : source_(std::move(source)), host_(host), opts_(opts) {}

share_enforcer::~share_enforcer() { shutdown(); }

// Nothing to share (no cpu hierarchy, or no real task in it): no periodic step, only a
// kick (the cpu subsystem's bind, attach, fork, exit or shares write) can change that.
// Saves a wake-up every period for every uk-run without cpu.
void share_enforcer::start() {
  thread_.start(
      [this] {
        tick();
        return !idle_.load();
      },
      absl::Nanoseconds(opts_.period_ns));
}

void share_enforcer::shutdown() {
  thread_.shutdown();
  resume_all();
}

void share_enforcer::kick() { thread_.kick(); }

void share_enforcer::resume(pid_t tgid) {
  if (frozen(tgid)) return;  // the freezer's stop outlasts ours
  host_.resume(tgid);
  resumes_++;
}

void share_enforcer::resume_all() {
  for (pid_t tgid : stopped_) resume(tgid);
  stopped_.clear();
}

void share_enforcer::tick() {
  ticks_++;
  share_snapshot snap = source_();
  // The exempt process never competes nor is stopped.
  std::erase_if(snap.tasks, [this](const share_task& t) {
    return !t.real || (opts_.exempt_tgid != 0 && t.tgid == opts_.exempt_tgid);
  });
  tree_.rebuild(snap);
  const std::vector<share_task>& tasks = tree_.snapshot().tasks;
  idle_.store(tasks.empty() && stopped_.empty());

  // Observe: charge what each thread ran since the last step; who wants the CPU.
  std::vector<bool> runnable(tasks.size(), false);
  absl::flat_hash_map<pid_t, thread_state> seen;
  absl::flat_hash_set<pid_t> present;  // tgids
  const uint64_t busy = opts_.period_ns / 4;
  for (size_t i = 0; i < tasks.size(); i++) {
    const share_task& t = tasks[i];
    present.insert(t.tgid);
    auto s = host_.read_thread(t.tgid, t.pid);
    if (!s) continue;
    auto old = threads_.find(t.pid);
    thread_state st;
    st.last_cputime = s->cputime_ns;
    uint64_t delta = 0;
    if (old != threads_.end()) {
      delta =
          s->cputime_ns > old->second.last_cputime ? s->cputime_ns - old->second.last_cputime : 0;
      st.wants = old->second.wants;
    }
    tree_.charge(i, delta);
    if (frozen(t.tgid)) {
      // Frozen: does not compete until thawed. Stopped again if a resume of ours
      // raced with the freeze.
      st.wants = false;
      if (s->state != 'T' && s->state != 't' && s->state != 'Z' && s->state != 'X') {
        host_.stop(t.tgid);
      }
    } else if (s->state == 'T' || s->state == 't') {
      // Stopped by us: it keeps wanting what it wanted; by anyone else: it does not
      // compete (and is never resumed here).
      if (!stopped_.contains(t.tgid)) st.wants = false;
    } else if (s->state == 'Z' || s->state == 'X') {
      st.wants = false;
    } else {
      st.wants = s->state == 'R' || delta >= busy;
    }
    runnable[i] = st.wants;
    seen[t.pid] = st;
  }
  threads_ = std::move(seen);
  // Processes that left the tree: let them go.
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    auto cur = it++;
    if (!present.contains(*cur)) {
      resume(*cur);
      stopped_.erase(cur);
    }
  }

  // Decide.
  absl::flat_hash_set<int> groups;
  for (size_t i = 0; i < tasks.size(); i++) {
    if (runnable[i]) groups.insert(tasks[i].group);
  }
  absl::flat_hash_set<pid_t> allowed, wanting;
  for (size_t i = 0; i < tasks.size(); i++) {
    if (runnable[i]) wanting.insert(tasks[i].tgid);
  }
  // Picked even when it is not applied, so that the tree's notion of who competes
  // stays current.
  std::vector<int> placed = tree_.pick(runnable, opts_.cpus, opts_.period_ns);
  if (groups.size() <= 1) {
    allowed = wanting;
  } else {
    for (int idx : placed) {
      if (idx >= 0) allowed.insert(tasks[idx].tgid);
    }
  }

  // Apply: resume first, so that a CPU is never left idle between the two.
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    auto cur = it++;
    if (allowed.contains(*cur) || !wanting.contains(*cur)) {
      resume(*cur);
      stopped_.erase(cur);
    }
  }
  for (pid_t tgid : wanting) {
    if (!allowed.contains(tgid) && !stopped_.contains(tgid)) {
      host_.stop(tgid);
      stops_++;
      stopped_.insert(tgid);
    }
  }
}

}  // namespace uk::sched
