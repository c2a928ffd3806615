#include "sched/group_mirror.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/time/time.h"

namespace uk::sched {

group_mirror::group_mirror(source_fn source, host_groups& host, options opts)
    : source_(std::move(source)), host_(host), opts_(std::move(opts)) {}

group_mirror::~group_mirror() { shutdown(); }

// A hierarchy mounted before the thread started (--mount) is mirrored at once; then
// nothing is periodic (only a kick changes what to mirror) unless a step failed.
void group_mirror::start() {
  thread_.kick();
  thread_.start([this] { return sync(); }, absl::Nanoseconds(opts_.retry_ns));
}

void group_mirror::shutdown() { thread_.shutdown(); }

void group_mirror::kick() { thread_.kick(); }

bool group_mirror::place(pid_t tgid, pid_t tid, const std::string& path,
                         absl::flat_hash_map<pid_t, placement>& placed) {
  auto old = placed_.find(tid);
  if (old != placed_.end() && old->second.path == path) {
    placed[tid] = old->second;
    return false;
  }
  if (old == placed_.end()) {
    // New to us: the host's fork put it in its parent thread's group, which is this
    // one unless the parent moved since, or forked from another thread's container.
    std::optional<std::string> now = host_.where(tgid, tid);
    if (now && *now == path) {
      placed[tid] = {tgid, path};
      return false;
    }
  }
  int e = host_.move(tgid, tid, path);
  if (e == 0) {
    moves_++;
    placed[tid] = {tgid, path};
    return false;
  }
  if (e == ESRCH) {
    placed[tid] = {tgid, path};  // gone: nothing to move until uk forgets it too
    return false;
  }
  errors_++;
  if (old != placed_.end()) placed[tid] = old->second;  // still where it was
  return true;
}

bool group_mirror::remove_stale(const absl::flat_hash_map<std::string, uint64_t>& wanted) {
  std::vector<std::string> stale;
  for (const auto& [path, shares] : groups_) {
    if (!wanted.contains(path)) stale.push_back(path);
  }
  // Deepest first: a group can only go once its children have.
  auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  std::sort(stale.begin(), stale.end(), [&](const std::string& a, const std::string& b) {
    return depth(a) != depth(b) ? depth(a) > depth(b) : a < b;
  });
  bool retry = false;
  for (const std::string& path : stale) {
    int e = host_.remove(path);
    if (e == 0 || e == ENOENT) {
      groups_.erase(path);
    } else {
      if (e != EBUSY) errors_++;
      retry = true;
    }
  }
  return retry;
}

bool group_mirror::sync() {
  syncs_++;
  std::optional<share_snapshot> snap = source_();
  bool retry = false;
  absl::flat_hash_map<std::string, uint64_t> wanted;  // path -> share, the top aside
  absl::flat_hash_map<pid_t, placement> placed;
  if (!snap || snap->groups.empty()) {
    // Not mounted (any more): threads placed below the top go back to it, and are then
    // forgotten (the next mount finds them there).
    for (const auto& [tid, p] : placed_) {
      if (p.path == "/") continue;
      absl::flat_hash_map<pid_t, placement> back;  // forgotten once there
      if (place(p.tgid, tid, "/", back)) {
        placed[tid] = p;  // failed: retried
        retry = true;
      }
    }
  } else {
    if (!mounted_once_) {
      mounted_once_ = true;
      if (opts_.on_first_mount) opts_.on_first_mount();
    }
    const std::vector<share_group>& groups = snap->groups;
    std::vector<bool> made(groups.size(), true);  // the top always exists
    for (size_t i = 1; i < groups.size(); i++) {
      const share_group& g = groups[i];
      if (g.parent < 0 || !made[g.parent]) {
        made[i] = false;
        continue;
      }
      wanted[g.path] = g.shares;
      auto it = groups_.find(g.path);
      if (it == groups_.end()) {
        int e = host_.make(g.path);
        if (e != 0 && e != EEXIST) {
          errors_++;
          retry = true;
          made[i] = false;
          continue;
        }
        it = groups_.emplace(g.path, 0).first;  // share not written yet
      }
      if (it->second != g.shares) {
        if (host_.set_shares(g.path, g.shares) == 0) {
          it->second = g.shares;
        } else {
          errors_++;
          retry = true;
        }
      }
    }
    for (const share_task& t : snap->tasks) {
      if (!t.real || (opts_.exempt_tgid != 0 && t.tgid == opts_.exempt_tgid)) continue;
      if (!host_.per_thread() && t.pid != t.tgid) continue;  // goes with its leader
      if (!made[t.group]) {
        retry = true;  // placed once its group exists
        continue;
      }
      retry |= place(t.tgid, t.pid, groups[t.group].path, placed);
    }
  }
  placed_ = std::move(placed);
  retry |= remove_stale(wanted);
  return retry;
}

}  // namespace uk::sched
