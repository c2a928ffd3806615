// The invariant checker (see uk/invariants.h).
//
// Lock order used here, consistent with uk/kernel.h and uk/container_core.h:
//   container_mutex -> tasklist_lock (shared) -> css_group_lock -> task alloc_lock,
// and dcache_lock (a leaf) only under container_mutex alone.
#include "uk/invariants.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "uk/container_core.h"
#include "uk/containerfs_root.h"
#include "uk/css_group.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/mount.h"
#include "vfs/path.h"
#include "vfs/super.h"
#include "vfs/vfs.h"

namespace uk {

namespace {

// What the walk of the trees learns about one container. Its printable name is made
// only when a violation is reported (where()): under ASan a check after every fuzzed
// operation spent most of its time formatting names nobody read.
struct container_info {
  const containerfs_root* root = nullptr;
  int root_index = 0;         // position in core.roots
  path tasks;                 // its `tasks` file (a mount of the hierarchy); empty if not read
  int contrib = 0;            // (css_group, subsystem) pairs naming this container
  std::vector<pid_t> listed;  // pids its `tasks` file lists (container_iter)
};

std::string pids_text(std::vector<pid_t> pids) {
  std::sort(pids.begin(), pids.end());
  std::string s;
  for (pid_t p : pids) absl::StrAppend(&s, p, "\n");
  return s;
}

// The whole file at `p` as a reader gets it: opened (its open() makes the snapshot a
// `tasks` file serves), read to the end through its file operations, released.
std::string read_all(const path& p, long* err) {
  std::string out;
  ErrorOr<std::shared_ptr<file>> f = dentry_open(p, O_RDONLY);
  if (!f.ok()) {
    *err = -f.error().code();
    return out;
  }
  char buf[4096];
  loff_t pos = 0;
  while (true) {
    ErrorOr<size_t> n = vfs_read(*f.value(), buf, sizeof buf, &pos);
    if (!n.ok()) {
      *err = -n.error().code();
      return out;
    }
    if (n.value() == 0) break;
    out.append(buf, n.value());
  }
  *err = 0;
  return out;
}

}  // namespace

std::vector<std::string> check_invariants(kernel& k, const invariant_options& opts) {
  std::vector<std::string> v;
  auto bad = [&v](auto&&... parts) { v.push_back(absl::StrCat(parts...)); };
  container_core& core = k.containers();
  const containerfs_root* dummy = core.rootnode();

  absl::flat_hash_map<const container*, container_info> conts;
  std::vector<const containerfs_root*> roots;
  std::vector<std::pair<path, std::string>> expected_files;  // tasks file, its text

  {
    absl::MutexLock cm(&core.container_mutex);
    // "#<hierarchy>:<path>", for reports only (container_path needs container_mutex).
    auto where = [&core, &conts](const container* c) {
      auto p = core.container_path(c);
      auto ci = conts.find(c);
      return absl::StrCat("#", ci == conts.end() ? -1 : ci->second.root_index, ":",
                          p.ok() ? p.value() : std::string("?"));
    };

    // --- Hierarchies and subsystem bindings ---
    for (const auto& r : core.roots) roots.push_back(r.get());
    if (core.root_count != static_cast<int>(roots.size())) {
      bad("root_count ", core.root_count, " != ", roots.size(), " hierarchies");
    }
    if (std::find(roots.begin(), roots.end(), dummy) == roots.end()) {
      bad("the dummy hierarchy is not on `roots`");
    }
    auto root_index = [&roots](const containerfs_root* r) {
      auto it = std::find(roots.begin(), roots.end(), r);
      return it == roots.end() ? -1 : static_cast<int>(it - roots.begin());
    };
    for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
      container_subsys* ss = core.subsys(i);
      if (root_index(ss->root) < 0) {
        bad("subsystem ", ss->name, " bound to a hierarchy that is not on `roots`");
        continue;
      }
      for (const containerfs_root* r : roots) {
        bool listed = std::count(r->subsys_list.begin(), r->subsys_list.end(), ss) > 0;
        bool bit = r->actual_subsys_bits & (1UL << i);
        bool bound = ss->root == r && r != dummy;
        if (listed != bound || bit != bound) {
          bad("subsystem ", ss->name, ": bound=", int{bound}, " but listed=", int{listed},
              " bit=", int{bit}, " in hierarchy #", root_index(r));
        }
      }
    }
    if (!dummy->subsys_list.empty()) bad("the dummy hierarchy lists subsystems");

    // --- The container trees ---
    std::vector<std::shared_ptr<vfsmount>> mounts = k.vfs().mounts();
    std::vector<const container*> pending;
    for (const containerfs_root* r : roots) {
      int ri = root_index(r);
      // Any mount of the hierarchy opens its files: each container's `tasks` is read
      // through its own dentry, so one under another mount is read too.
      std::shared_ptr<vfsmount> mnt;
      if (r != dummy && opts.read_tasks_files) {
        for (const auto& m : mounts) {
          if (m->mnt_sb != nullptr && m->mnt_sb.get() == r->sb) {
            mnt = m;
            break;
          }
        }
      }
      if (r->top_container.parent != nullptr) bad("hierarchy #", ri, ": top has a parent");
      int reached = 0;
      conts[&r->top_container];  // an entry from the push on marks it reached
      pending.assign(1, &r->top_container);
      while (!pending.empty()) {
        const container* c = pending.back();
        pending.pop_back();
        reached++;
        container_info& info = conts[c];  // not used once children are added below
        info.root = r;
        info.root_index = ri;
        if (mnt != nullptr && c->dentry != nullptr) {
          std::shared_ptr<dentry> tasks = d_lookup(*c->dentry, "tasks");
          if (tasks == nullptr) {
            bad(where(c), ": no tasks file");
          } else {
            info.tasks = path{mnt, std::move(tasks)};
          }
        }
        if (c->root != r) bad(where(c), ": root pointer is another hierarchy's");
        if (c->top_container != &r->top_container) bad(where(c), ": wrong top_container");
        if (c->removed()) bad(where(c), ": removed but still in the tree");
        if (r != dummy && c->dentry == nullptr) bad(where(c), ": no dentry");
        for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
          container_subsys_state* css = c->subsys[i];
          bool bound = core.subsys(i)->root == r;
          if (r == dummy) {
            // dummytop keeps every root state; it is its container only while unbound.
            if (css == nullptr) {
              bad(where(c), ": dummytop lost subsystem ", i, "'s root state");
            } else if (bound != (css->container == c)) {
              bad(where(c), ": root state of subsystem ", i, " points at the wrong container");
            }
          } else if (bound) {
            if (css == nullptr) {
              bad(where(c), ": bound subsystem ", core.subsys(i)->name, " has no css");
            } else if (css->container != c) {
              bad(where(c), ": css of ", core.subsys(i)->name, " points at another container");
            }
          } else if (css != nullptr) {
            bad(where(c), ": css of unbound subsystem ", core.subsys(i)->name);
          }
          if (css != nullptr && css->refcnt.load() < 0) {
            bad(where(c), ": css refcnt of subsystem ", i, " is ", css->refcnt.load());
          }
          if (css != nullptr && (css->flags & (1UL << CSS_ROOT)) && css->refcnt.load() != 0) {
            bad(where(c), ": a root css has refcnt ", css->refcnt.load());
          }
        }
        // Top containers keep no meaningful count, as in the patch: init_css_group never
        // counted, and root states move between hierarchies without their counts.
        if (c->parent != nullptr && c->count.load() < 0) bad(where(c), ": count ", c->count.load());
        for (auto it = c->children.begin(); it != c->children.end(); ++it) {
          const container* ch = *it;
          if (ch->parent != c) bad(where(c), ": a child's parent pointer is wrong");
          if (ch->sibling != it) bad(where(c), ": a child's sibling iterator is wrong");
          if (conts.contains(ch)) {
            bad(where(c), ": a child is reachable twice");
            continue;
          }
          conts[ch];
          pending.push_back(ch);
        }
      }
      if (r != dummy && reached != r->number_of_containers) {
        bad("hierarchy #", ri, ": number_of_containers ", r->number_of_containers, " but ", reached,
            " reachable");
      }
    }

    // --- css_groups and tasks ---
    {
      absl::ReaderMutexLock tl(&k.tasklist_lock);
      absl::MutexLock gl(&core.css_group_lock);
      struct task_view {
        css_group* cg;
        bool linked, zombie, exiting;
        pid_t pid;
        int on_lists;  // css_group task lists naming it
        int index;     // its row in `membership`
      };
      absl::flat_hash_map<const task_struct*, task_view> tasks;
      // css_group -> live tasks pointing at it.
      absl::flat_hash_map<const css_group*, int> pointing;
      k.for_each_task_locked([&](task_struct* t) {
        absl::MutexLock l(&t->alloc_lock);
        bool linked = t->cg_list_linked;
        if (linked && *t->cg_list != t) bad("task ", t->pid, ": cg_list iterator points elsewhere");
        bool exiting = t->flags & PF_EXITING;
        int index = static_cast<int>(tasks.size());
        tasks[t] = {t->containers, linked, t->zombie, exiting, t->pid, 0, index};
        // A zombie points at init_css_group without a reference (container_exit); an
        // exiting task still holds its group's until container_exit puts it.
        if (!exiting && !t->zombie) pointing[t->containers]++;
      });

      absl::flat_hash_set<const css_group*> groups;
      core.for_each_css_group_locked(
          [&](const css_group_key& key, css_group* cg) { groups.insert(cg); });
      if (!groups.contains(core.init_css_group())) bad("init_css_group is not in the table");

      // [task index * hierarchies + hierarchy index] -> containers whose lattice lists it.
      std::vector<int> membership(tasks.size() * roots.size(), 0);
      std::vector<const container*> in_root;  // per group: its container in each hierarchy
      std::vector<int> links_per_root;
      core.for_each_css_group_locked([&](const css_group_key& key, css_group* cg) {
        auto name = [cg] {
          return absl::StrCat("css_group ", absl::Hex(reinterpret_cast<uintptr_t>(cg)));
        };
        if (!(key == cg->key())) bad(name(), ": stored under another key");
        in_root.assign(roots.size(), nullptr);
        for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
          container_subsys_state* css = cg->subsys[i];
          if (css == nullptr || css->container == nullptr) {
            bad(name(), ": no css for subsystem ", i);
            continue;
          }
          const container* c = css->container;
          auto ci = conts.find(c);
          if (ci == conts.end()) {
            bad(name(), ": css of subsystem ", i, " belongs to a container not in any tree");
            continue;
          }
          ci->second.contrib++;
          if (c->subsys[i] != css) bad(name(), ": css of subsystem ", i, " is not its container's");
          int want = root_index(core.subsys(i)->root);
          if (ci->second.root_index != want) {
            bad(name(), ": subsystem ", i, " css in hierarchy #", ci->second.root_index,
                " but the subsystem is bound to #", want);
            continue;
          }
          if (want < 0) continue;
          if (in_root[want] != nullptr && in_root[want] != c) {
            bad(name(), ": two containers in hierarchy #", want, " (", where(in_root[want]),
                " and ", where(c), ")");
          }
          in_root[want] = c;
        }
        // Subsystem-less hierarchies (cgroup `none,name=`): the `named` containers, one
        // per such hierarchy at most, never a top (that is the default), sorted by root.
        const containerfs_root* prev_root = nullptr;
        for (const container* c : cg->named) {
          auto ci = conts.find(c);
          if (ci == conts.end()) {
            bad(name(), ": names a container not in any tree");
            continue;
          }
          ci->second.contrib++;
          int ri = ci->second.root_index;
          if (c->parent == nullptr) bad(name(), ": names the top of hierarchy #", ri);
          if (!roots[ri]->subsys_list.empty() || roots[ri] == dummy) {
            bad(name(), ": names ", where(c), " of a hierarchy with subsystems");
          }
          if (prev_root != nullptr && !std::less<const containerfs_root*>()(prev_root, c->root)) {
            bad(name(), ": `named` not sorted by hierarchy or has two entries for one");
          }
          prev_root = c->root;
          if (in_root[ri] != nullptr) bad(name(), ": two containers in hierarchy #", ri);
          in_root[ri] = c;
        }
        for (size_t ri = 0; ri < roots.size(); ri++) {
          if (in_root[ri] == nullptr) in_root[ri] = &roots[ri]->top_container;
        }
        links_per_root.assign(roots.size(), 0);
        for (const auto& link : cg->cg_links) {
          if (link->cg != cg) bad(name(), ": a link names another group");
          auto ci = conts.find(link->cont);
          if (ci == conts.end()) {
            bad(name(), ": linked to a container not in any tree");
            continue;
          }
          int ri = ci->second.root_index;
          links_per_root[ri]++;
          if (link->cont != in_root[ri]) {
            bad(name(), ": linked to ", where(link->cont), " but its css say ", where(in_root[ri]));
          }
          if (*link->cont_link_list != link.get()) {
            bad(name(), ": link not at its place on ", where(link->cont), "'s css_groups");
          }
        }
        for (size_t ri = 0; ri < roots.size(); ri++) {
          if (links_per_root[ri] != 1) {
            bad(name(), ": ", links_per_root[ri], " links into hierarchy #", ri, " (want 1)");
          }
        }
        int refs = cg->ref.load();
        auto pi = pointing.find(cg);
        int live = pi == pointing.end() ? 0 : pi->second;
        int want = live + (cg == core.init_css_group() ? 1 : 0);
        if (refs <= 0) bad(name(), ": ref ", refs, " but still in the table");
        if (opts.quiescent ? refs != want : refs < want) {
          bad(name(), ": ref ", refs, " but ", want, " references exist (", live,
              " live tasks point at it)");
        }
        for (task_struct* t : cg->tasks) {
          auto ti = tasks.find(t);
          if (ti == tasks.end()) {
            bad(name(), ": lists a task that is not in the task table");
            continue;
          }
          task_view& tv = ti->second;
          tv.on_lists++;
          if (tv.cg != cg) bad("task ", tv.pid, " is on another group's list");
          if (tv.zombie) bad("zombie ", tv.pid, " is still on a task list");
          for (size_t ri = 0; ri < roots.size(); ri++) {
            membership[tv.index * roots.size() + ri]++;
            container_info& listing = conts[in_root[ri]];
            if (listing.tasks) listing.listed.push_back(tv.pid);
          }
        }
      });

      // Every css_group on a container's list must be in the table and link back.
      for (auto& [c, info] : conts) {
        for (const cg_container_link* link : c->css_groups) {
          if (link->cont != c) bad(where(c), ": a link on its css_groups names another container");
          if (!groups.contains(link->cg)) bad(where(c), ": links a freed css_group");
        }
        if (c->parent != nullptr && c->count.load() != info.contrib) {
          bad(where(c), ": count ", c->count.load(), " but ", info.contrib,
              " css_group references exist");
        }
      }

      for (const auto& [t, tv] : tasks) {
        if (!groups.contains(tv.cg)) {
          bad("task ", tv.pid, " points at a css_group not in the table");
          continue;
        }
        if (tv.zombie) {
          if (tv.cg != core.init_css_group()) bad("zombie ", tv.pid, " not in init_css_group");
          if (tv.linked) bad("zombie ", tv.pid, " still linked");
          continue;
        }
        if (tv.exiting) continue;  // between PF_EXITING and container_exit
        if (!tv.linked) {
          if (opts.quiescent) bad("task ", tv.pid, " is on no task list");
          continue;
        }
        if (tv.on_lists != 1) bad("task ", tv.pid, " is on ", tv.on_lists, " task lists");
        for (size_t ri = 0; ri < roots.size(); ri++) {
          int n = membership[tv.index * roots.size() + ri];
          if (n != 1) bad("task ", tv.pid, " is in ", n, " containers of hierarchy #", ri);
        }
      }
    }

    for (auto& [c, info] : conts) {
      if (info.tasks) {
        expected_files.emplace_back(std::move(info.tasks), pids_text(std::move(info.listed)));
      }
    }
  }  // container_mutex

  // --- The `tasks` files, as a reader sees them (without container_mutex, as a
  // reader's open and read run) ---
  for (const auto& [file, want] : expected_files) {
    long err = 0;
    std::string got = read_all(file, &err);
    if (err != 0) {
      bad(k.vfs().d_path(file), ": read failed with errno ", -err);
    } else if (got != want) {
      bad(k.vfs().d_path(file), ": lists [", got, "] but the task table says [", want, "]");
    }
  }
  return v;
}

std::vector<std::string> check_task(kernel& k, task_struct* t) {
  std::vector<std::string> v;
  auto bad = [&v, t](auto&&... parts) { v.push_back(absl::StrCat("task ", t->pid, parts...)); };
  container_core& core = k.containers();
  absl::MutexLock cm(&core.container_mutex);
  if (k.find_task_by_pid(t->pid) != t) bad(" is not in the task table under its pid");
  absl::ReaderMutexLock tl(&k.tasklist_lock);
  absl::MutexLock gl(&core.css_group_lock);
  absl::MutexLock al(&t->alloc_lock);
  if (t->zombie || (t->flags & PF_EXITING)) {
    bad(" is exiting");
    return v;
  }
  const css_group* cg = t->containers;
  if (cg == nullptr) {
    bad(" has no css_group");
    return v;
  }
  if (!t->cg_list_linked) {
    bad(" is on no task list");
  } else if (*t->cg_list != t) {
    bad(": cg_list iterator points elsewhere");
  }
  if (cg->ref.load() <= 0) bad(": its css_group has ref ", cg->ref.load());
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    const container_subsys_state* css = cg->subsys[i];
    if (css == nullptr || css->container == nullptr) {
      bad(": no css for subsystem ", i);
      continue;
    }
    const container* c = css->container;
    if (c->subsys[i] != css) bad(": css of subsystem ", i, " is not its container's");
    if (c->root != core.subsys(i)->root) {
      bad(": css of subsystem ", i, " in another hierarchy than the subsystem's");
    }
    if (c->removed()) bad(" is in a removed container (subsystem ", i, ")");
  }
  for (const auto& r : core.roots) {
    int links = 0;
    for (const auto& link : cg->cg_links) links += link->cont->root == r.get();
    if (links != 1) bad(" is in ", links, " containers of a hierarchy (want 1)");
  }
  return v;
}

std::vector<std::string> compare_with_host(kernel& k, const std::vector<host_thread>& host,
                                           pid_t exclude_tgid) {
  std::vector<std::string> v;
  absl::flat_hash_map<pid_t, const host_thread*> by_tid;
  for (const host_thread& h : host) by_tid[h.tid] = &h;
  absl::flat_hash_set<pid_t> live_tasks;
  const task_struct* init = k.init_task();
  {
    absl::ReaderMutexLock tl(&k.tasklist_lock);
    k.for_each_task_locked([&](task_struct* t) {
      if (t == init) return;
      if (!t->zombie) live_tasks.insert(t->pid);
      auto it = by_tid.find(t->pid);
      if (it == by_tid.end()) {
        v.push_back(absl::StrCat("task ", t->pid, " (", t->get_task_comm(), ") has no host thread",
                                 t->zombie ? " (zombie)" : ""));
      } else if (it->second->tgid != t->tgid) {
        v.push_back(absl::StrCat("task ", t->pid, " is in thread group ", t->tgid,
                                 " but the host thread in ", it->second->tgid));
      }
    });
  }
  for (const host_thread& h : host) {
    if (h.tgid == exclude_tgid || h.state == 'Z' || h.state == 'X') continue;
    if (!live_tasks.contains(h.tid)) {
      v.push_back(absl::StrCat("host thread ", h.tid, " (process ", h.tgid, ", state ",
                               std::string(1, h.state), ") is not a task"));
    }
  }
  return v;
}

}  // namespace uk
