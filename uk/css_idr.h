// The ids of one subsystem's states (today's cgroup_subsys::css_idr): a new state takes
// the lowest free id from 2, as cgroup_idr_alloc(&ss->css_idr, NULL, 2, 0) does (idr_alloc
// is not cyclic), and gives it back when it is freed; a root state is 1 (cgroup_init_subsys).
// The patch had none; the cgroup flavour's debug files show them. O(log n) per call, so a
// tree of 40,000 groups costs nothing to build.
#pragma once

#include <iterator>

#include "absl/container/btree_set.h"

namespace uk {

inline constexpr int CSS_ROOT_ID = 1;

class css_idr {
 public:
  int alloc() {
    if (freed_.empty()) return next_++;
    int id = *freed_.begin();
    freed_.erase(freed_.begin());
    return id;
  }
  void remove(int id) {
    if (id < kFirst || id >= next_) return;
    freed_.insert(id);
    // Keep freed_ below next_: the top of the range goes back to it.
    while (!freed_.empty() && *freed_.rbegin() == next_ - 1) {
      freed_.erase(std::prev(freed_.end()));
      next_--;
    }
  }

 private:
  static constexpr int kFirst = 2;
  int next_ = kFirst;           // every id from here up is free
  absl::btree_set<int> freed_;  // the free ids below next_
};

}  // namespace uk
