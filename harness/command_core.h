// The outer uk-run's death by COMMAND's signal, with COMMAND's core flag: a caller's
// waitpid sees WCOREDUMP (a shell says "(core dumped)") only if uk-run dumped a core
// too. It does where that leaves no trace (prepare_traceless_core).
#pragma once

namespace ukrun {

// Readies the dying process to dump a core nobody will see: core_pattern names a file
// (a pipe's helper would record a crash of uk-run's: false), and a tmpfs is mounted
// over that file's directory in a mount namespace of this process's own, which ends
// with it; coredump_filter 0 keeps the core to a few kilobytes of notes, within any
// size limit that let COMMAND dump. False, with nothing changed that the caller could
// see, where it cannot (the flag is then lost, as before).
// `filter_fd` is the process's /proc/self/coredump_filter, opened for writing before it
// entered the run's namespaces (the run's procfs has no "self" for it).
bool prepare_traceless_core(int filter_fd);

}  // namespace ukrun
