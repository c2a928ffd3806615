// struct container (one node of one hierarchy) and struct container_subsys_state.
//
// Ownership: a child container is owned by its directory inode (i_private) and kept by
// open files below it; a hierarchy's top container lives inside its containerfs_root.
// A container owns the states (css) its subsystems' create() installed, except the
// dummy top container's, which are the subsystems' root states and never freed.
// `count` and css `refcnt` are the patch's counts, not lifetimes.
// Tree links (children, sibling, parent) and flags are guarded by container_mutex;
// the release-list membership by release_list_lock.
#pragma once

#include <array>
#include <atomic>
#include <list>
#include <memory>
#include <string>

#include "uk/subsystem.h"

namespace uk {

struct cg_container_link;
struct containerfs_root;
struct dentry;

// Container flags (CONT_* bit numbers).
enum {
  CONT_REMOVED = 0,            // rmdir done
  CONT_RELEASABLE = 1,         // had a task or child and lost it
  CONT_NOTIFY_ON_RELEASE = 2,  // user asked for release notification
  CONT_CLONE_CHILDREN = 3,     // cgroup flavour: cgroup.clone_children (post_clone at mkdir)
  CONT_UNLINKED = 4,  // rmdir passed its busy check and took the name (under css_group_lock)
};

// Embedded at the start of every subsystem's per-container state.
struct container_subsys_state {
  virtual ~container_subsys_state() = default;

  // Back pointer (V10 name). Atomic: rebind_subsystems moves a root state between the
  // dummy top and a hierarchy's top under container_mutex, while fork hooks read it
  // under task_lock only (the kernel reads css->cgroup under RCU there).
  std::atomic<uk::container*> container{nullptr};
  std::atomic<int> refcnt{0};  // subsystem pins (css_get); non-zero blocks rmdir
  unsigned long flags = 0;     // CSS_ROOT
  // Today's css->id (uk/css_idr.h): set under container_mutex before the state is in
  // any directory or css_group, and read under it.
  int id = 0;
};
enum { CSS_ROOT = 0 };

struct container {
  std::atomic<unsigned long> flags{0};
  // Once per subsystem for every css_group that references this container: 0 iff no
  // task (other than the root's init_css_group tasks) is in it.
  std::atomic<int> count{0};

  std::list<container*> children;  // newest first
  std::list<container*>::iterator sibling;
  container* parent = nullptr;   // null only for a hierarchy root
  uk::dentry* dentry = nullptr;  // its directory; null after rmdir

  std::array<container_subsys_state*, CONTAINER_SUBSYS_COUNT> subsys{};
  containerfs_root* root = nullptr;
  container* top_container = nullptr;

  // Every css_group that references this container (the lattice).
  std::list<cg_container_link*> css_groups;

  bool on_release_list = false;  // release_list membership

  bool test_flag(int bit) const { return flags.load() & (1UL << bit); }
  void set_flag(int bit) { flags.fetch_or(1UL << bit); }
  void clear_flag(int bit) { flags.fetch_and(~(1UL << bit)); }
  bool removed() const { return test_flag(CONT_REMOVED); }  // container_is_removed
  bool notify_on_release() const { return test_flag(CONT_NOTIFY_ON_RELEASE); }

  // For create(): installs the subsystem's state for this container (V10 create()
  // stored cont->subsys[subsys_id] itself). Sets css->container.
  template <typename T>
  T* install_css(int subsys_id, std::unique_ptr<T> css) {
    T* raw = css.get();
    raw->container = this;
    owned_css_[subsys_id] = std::move(css);
    subsys[subsys_id] = raw;
    return raw;
  }
  // For destroy(): frees the state create() installed.
  void free_css(int subsys_id) {
    subsys[subsys_id] = nullptr;
    owned_css_[subsys_id].reset();
  }

 private:
  std::array<std::unique_ptr<container_subsys_state>, CONTAINER_SUBSYS_COUNT> owned_css_;
};

}  // namespace uk
