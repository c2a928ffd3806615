// The namespaces a host thread is in, as /proc/<tid>/ns/* inode numbers: how uk-run
// learns which namespaces an unshare(2) really replaced (the host decides: the call may
// fail, or ask for namespaces the thread already has to itself).
#pragma once

#include <sys/types.h>

#include <array>

namespace ukrun {

struct host_ns {
  // One per CLONE_NEW* flag of kHostNsFlags, in the order of host_ns.cc's table; 0: not
  // read (not asked for, or the thread is gone).
  std::array<ino_t, 6> ino{};
};

// CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET.
extern const unsigned long kHostNsFlags;

// The namespaces of `flags` that thread `tid` is in now.
host_ns read_host_ns(pid_t tid, unsigned long flags);

// Whether thread `tid`'s unshare(`flags`) should succeed, by the capability check the
// host makes (CAP_SYS_ADMIN in its user namespace, unless it makes a new one): for an
// unshare whose caller died before its namespaces were read (harness/README.md).
bool unshare_allowed(pid_t tid, unsigned long flags);

// Whether thread `tid` has CAP_SYS_ADMIN in its effective set (in its own user
// namespace): the CapEff line of its /proc status.
bool has_cap_sys_admin(pid_t tid);

// Whether a reading found none of the namespaces (the thread is gone or has exited).
bool host_ns_unread(const host_ns& ns);

// The flags whose namespace differs between two readings of the same thread (both
// read). CLONE_NEWPID compares pid_for_children: unshare(CLONE_NEWPID) moves only the
// children.
unsigned long changed_host_ns(const host_ns& before, const host_ns& after);

}  // namespace ukrun
