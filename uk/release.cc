// Release notification (the patch's check_for_release, container_release_agent):
// a notify_on_release container that had a task or child and is now empty is
// reported to the hierarchy's release agent, asynchronously, at most once per queueing.
#include <string>
#include <vector>

#include "uk/container_core.h"
#include "uk/kernel.h"

namespace uk {

// Callable with css_group_lock held (from the css_group release). It checks what is
// atomic here; children and the removed bit are checked again by the work function
// under container_mutex, which the patch reads under RCU instead.
void container_core::check_for_release(container* cont) {
  if (!cont->test_flag(CONT_RELEASABLE) || !cont->notify_on_release()) return;
  if (cont->count.load() != 0) return;
  for (container_subsys_state* css : cont->subsys) {
    if (css != nullptr && css->refcnt.load() != 0) return;
  }
  bool schedule = false;
  {
    absl::MutexLock l(&release_list_lock);
    if (!cont->removed() && !cont->on_release_list) {
      cont->on_release_list = true;
      release_list_.push_back(cont);
      schedule = true;
    }
  }
  if (schedule) kernel_.schedule_work([this] { container_release_agent(); });
}

bool container_core::release_list_empty() {
  absl::MutexLock l(&release_list_lock);
  return release_list_.empty();
}

// The work function: for each queued container, run
// `<release_agent> <path>` with HOME=/ and a fixed PATH, with container_mutex dropped
// around the helper.
void container_core::container_release_agent() {
  container_mutex.Lock();
  while (true) {
    container* cont;
    {
      absl::MutexLock l(&release_list_lock);
      if (release_list_.empty()) break;
      cont = release_list_.front();
      release_list_.pop_front();
      cont->on_release_list = false;
    }
    // rmdir takes a container off the list before freeing it, so `cont` is alive.
    if (!cont->children.empty()) continue;
    auto path = container_path(cont);
    if (!path.ok()) continue;
    std::string agent = cont->root->release_agent_path;
    if (agent.empty()) continue;  // the helper's exec of "" would fail
    std::vector<std::string> argv = {agent, path.value()};
    std::vector<std::string> envp = {"HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin"};
    container_mutex.Unlock();
    kernel_.call_usermodehelper(argv, envp);
    container_mutex.Lock();
  }
  container_mutex.Unlock();
}

}  // namespace uk

namespace uk {

void container_core::release_list_remove(container* cont) {
  for (auto it = release_list_.begin(); it != release_list_.end(); ++it) {
    if (*it == cont) {
      release_list_.erase(it);
      break;
    }
  }
  cont->on_release_list = false;
}

}  // namespace uk
