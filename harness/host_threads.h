// The host's threads from /proc, for `--check`'s comparison of uk's task table with
// the real process tree (uk/invariants.h compare_with_host, which reads no host file).
#pragma once

#include <string>
#include <vector>

#include "uk/invariants.h"

namespace ukrun {

// Every thread under `proc_dir` (a procfs mount), ascending by tid, with the state of
// its /proc/<tgid>/task/<tid>/stat. A directory or file that could not be opened for
// another reason than its process being gone (EMFILE, ENFILE, ENOMEM...) sets `*err`
// to that errno: the list is then incomplete.
std::vector<uk::host_thread> list_host_threads(const std::string& proc_dir = "/proc",
                                               int* err = nullptr);

}  // namespace ukrun
