// The capability bounding set uk-run's caller started it with, which COMMAND gets back.
// A user namespace gives its first process every capability, the bounding set included
// (kernel/user_namespace.c set_cred_user_ns), so without this a program run by root from
// a restricted caller (a container without CAP_SYS_RESOURCE, `setpriv --bounding-set`)
// saw a full CapBnd, and a full CapEff after its exec as root.
#pragma once

#include <cstdint>

namespace ukrun {

// Bit N: capability N is in the bounding set. Read first thing in the outer uk-run.
uint64_t capture_caller_bounding_set();

// In COMMAND's process before its exec: drops from its bounding set every capability
// that is not in `caller` (PR_CAPBSET_DROP; root's exec then gets no more). Its own
// capabilities until the exec are untouched. Async-signal-safe.
void restore_caller_bounding_set(uint64_t caller);

}  // namespace ukrun
