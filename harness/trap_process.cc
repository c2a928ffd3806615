// The process lifecycle traps: exec, and with --pids fork. Exits are served by the
// tracker (trap_dispatch.cc), forks otherwise observed (tracker.h).
#include <fcntl.h>
#include <seccomp.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "harness/supervisor.h"
#include "subsys/pids.h"

namespace ukrun {

void supervisor::on_exec(const seccomp_notif& req, int dirfd, uint64_t path_addr) {
  // The new comm comes from /proc once the exec is done: the file name is read from
  // the tracee only for the trace and the rules.
  if (!trace_.enabled() && opts_.rules.empty()) {
    tracker_.note_exec(req.pid, "");
    return respond_continue(req.id);
  }
  std::string file;
  bool ok = read_string(req.pid, path_addr, &file);
  if (ok && id_valid(req.id)) {
    tracker_.note_exec(req.pid, file);
    if (trace_.enabled()) {
      trace_.event("exec",
                   absl::StrFormat("\"pid\":%d,\"file\":\"%s\"", req.pid, json_escape(file)));
    }
    // Before the reply, so before the new image's first instruction. If the exec
    // then fails, the process stays moved (cgrulesengd moves only after a successful
    // exec, and so after the new image has started running).
    if (!opts_.rules.empty()) apply_rules(req.pid, dirfd, file);
  }
  respond_continue(req.id);
}

void supervisor::set_fork_admission() {
  if (opts_.pids) return;
  auto* pids = static_cast<uk::pids_subsys*>(kernel_.containers().subsys(uk::pids_subsys_id));
  pids->set_fork_admission(
      false, stderr_once("uk-run: pids.max: a limit is enforced only with --pids (forks are "
                         "trapped then); without it, writing one fails with EOPNOTSUPP"));
}

void supervisor::on_fork(const seccomp_notif& req, unsigned long clone_flags) {
  auto* pids = static_cast<uk::pids_subsys*>(kernel_.containers().subsys(uk::pids_subsys_id));
  uk::Errno e = tracker_.admit_fork(
      req.pid, clone_flags,
      [&](uk::task_struct* forker, const std::vector<uk::task_struct*>& in_flight) {
        // A notification whose tracee was interrupted is not answered (its syscall
        // restarts and traps again).
        if (!id_valid(req.id)) return uk::Errno(EINTR);
        return pids->can_fork(forker, in_flight);
      });
  if (e.ok()) return respond_continue(req.id);
  if (e.code() != EAGAIN) return;
  if (trace_.enabled()) {
    trace_.event("fork_refused", absl::StrFormat("\"pid\":%d,\"errno\":%d", req.pid, EAGAIN));
  }
  respond(req.id, -EAGAIN);
}

}  // namespace ukrun
