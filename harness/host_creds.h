// A thread's ids on the host, as uk-run's user namespace sees them: what a real task's
// credentials in uk follow when the program changes its own (setuid and its family).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "vfs/vfs_task.h"

namespace ukrun {

// The Uid: and Gid: lines (real, effective, saved, filesystem) and the Groups: line
// (supplementary) of a /proc/<tid>/status text, or nullopt if one is missing or
// malformed.
std::optional<uk::task_creds> parse_status_creds(const std::string& status);

// /proc/<tid>/status's ids; nullopt once the thread is gone.
std::optional<uk::task_creds> read_host_creds(pid_t tid);

}  // namespace ukrun
