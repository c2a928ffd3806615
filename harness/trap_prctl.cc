// prctl(PR_GET_SECCOMP): the mode the program would see without uk-run's filters.
#include <sys/prctl.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/host_file.h"
#include "harness/seccomp_filter.h"
#include "harness/supervisor.h"

namespace ukrun {

// Natively 0 unless the caller or the program loaded a filter (then 2, SECCOMP_MODE_FILTER,
// which the host answers when the call continues): kernel/seccomp.c prctl_get_seccomp
// reads the thread's mode, which uk-run's own filters set.
void supervisor::on_prctl_get_seccomp(const seccomp_notif& req) {
  std::optional<std::string> status = read_host_file(absl::StrCat("/proc/", req.pid, "/status"));
  std::optional<std::string_view> count =
      status ? proc_status_field(*status, "Seccomp_filters:") : std::nullopt;
  int filters;
  if (!count || !absl::SimpleAtoi(absl::string_view(count->data(), count->size()), &filters) ||
      filters > kOwnFilters) {
    return respond_continue(req.id);
  }
  respond(req.id, 0);
}

}  // namespace ukrun
