#include "harness/freezer_host.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "uk/container_core.h"
#include "uk/host_file.h"

namespace ukrun {

freezer_host::freezer_host(uk::kernel& k)
    : freezer_(static_cast<uk::freezer_subsys*>(k.containers().subsys(uk::freezer_subsys_id))),
      self_(getpid()) {
  freezer_->set_hooks(this);
}

freezer_host::~freezer_host() { freezer_->set_hooks(nullptr); }

void freezer_host::freeze(pid_t tgid) {
  if (tgid != self_) ::kill(tgid, SIGSTOP);
}

void freezer_host::thaw(pid_t tgid) {
  if (tgid != self_) ::kill(tgid, SIGCONT);
}

bool freezer_host::stopped(pid_t tgid) {
  if (tgid == self_) return true;
  auto text = uk::read_host_file("/proc/" + std::to_string(tgid) + "/stat");
  if (!text) return true;  // gone
  const std::string& stat = *text;
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return true;
  char state = stat[close + 2];
  return state == 'T' || state == 't' || state == 'Z' || state == 'X';
}

}  // namespace ukrun
