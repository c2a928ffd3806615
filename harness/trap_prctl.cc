// prctl(PR_GET_SECCOMP): the mode the program would see without uk-run's filters.
#include <sys/prctl.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "harness/host_file.h"
#include "harness/seccomp_filter.h"
#include "harness/supervisor.h"

namespace ukrun {

// Natively 0 unless the caller or the program loaded a filter (then 2, SECCOMP_MODE_FILTER,
// which the host answers when the call continues): kernel/seccomp.c prctl_get_seccomp
// reads the thread's mode, which uk-run's own filters set.
void supervisor::on_prctl_get_seccomp(const seccomp_notif& req) {
  auto status = read_host_file(absl::StrCat("/proc/", req.pid, "/status"));
  const char* at = status ? strstr(status->c_str(), "\nSeccomp_filters:") : nullptr;
  if (at == nullptr || strtol(at + strlen("\nSeccomp_filters:"), nullptr, 10) > kOwnFilters) {
    return respond_continue(req.id);
  }
  respond(req.id, 0);
}

}  // namespace ukrun
