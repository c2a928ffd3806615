#include "harness/seccomp_filter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "uk/task.h"

namespace ukrun {

namespace {

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467  // Linux 6.15; the same number on every architecture
#endif
#ifndef __NR_statmount
#define __NR_statmount 457  // Linux 6.8, likewise
#endif
#ifndef __NR_listmount
#define __NR_listmount 458
#endif

// The new mount API gets ENOSYS, so libmount (util-linux 2.39+) falls back to mount(2),
// which uk traps: through fsopen("cgroup") + fsmount + move_mount a `mount -t cgroup`
// would bypass uk and mount a host hierarchy. open_tree, fspick and mount_setattr make
// or change mounts by fd as well, and libmount falls back for each of them too.
absl::StatusOr<std::vector<sock_filter>> export_filter(scmp_filter_ctx ctx);

int add_mount_api_rules(scmp_filter_ctx ctx) {
  int rc = 0;
  for (int nr :
       {SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount), SCMP_SYS(fspick),
        SCMP_SYS(move_mount), SCMP_SYS(open_tree), SCMP_SYS(mount_setattr), __NR_open_tree_attr}) {
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }
  return rc;
}

}  // namespace

// Built with libseccomp in the supervisor, loaded by the child with raw seccomp(2):
// libseccomp 2.5 cannot ask for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, which keeps
// a trapped fork from failing with EINTR when a signal arrives after uk-run has
// received the notification.
absl::StatusOr<std::vector<sock_filter>> build_filter(const filter_traps& traps) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return absl::InternalError("seccomp_init failed");
  int rc = 0;
  // Forks, execs and exits are not trapped by default: a signal arriving before uk-run
  // has received a notification makes the trapped syscall fail with EINTR (seccomp
  // answers -ERESTARTSYS), which a real fork, exec or exit never does. They are
  // observed instead (tracker.h): new pids at every settle, deaths through pidfds.
  // unshare: rare, and the ns subsystem's container_clone follows a namespace change.
  for (int nr : {SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(statfs), SCMP_SYS(fstatfs),
                 SCMP_SYS(unshare)}) {
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
  }
  // prctl(PR_GET_SECCOMP): rare; answered as without uk-run's filters (trap_prctl.cc).
  rc = rc ? rc
          : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(prctl), 1,
                             SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP));
  if (traps.execs) {
    // --rules: the move must precede the new image's first instruction.
    for (int nr : {SCMP_SYS(execve), SCMP_SYS(execveat)}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
  }
  if (traps.exits) {
    // --exact-exits: each exit runs in uk before the process can be reaped.
    for (int nr : {SCMP_SYS(exit), SCMP_SYS(exit_group)}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
  }
  if (traps.forks) {
    // --pids: forks are trapped after all, so that one over pids.max can fail with
    // EAGAIN (harness/README.md: "pids").
    for (int nr : {SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(clone)}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
  } else {
    // A clone that makes namespaces is trapped all the same: the ns subsystem moves the
    // child into node_<pid> (the patch's copy_namespaces -> ns_container_clone), and a
    // settle could not tell its namespaces from its parent's without reading six
    // /proc/<pid>/ns links per fork. Such clones are rare, and so is their EINTR window
    // (above). One rule per flag: a rule's argument tests are ANDed, rules are ORed.
    for (unsigned long flag = 1; flag != 0; flag <<= 1) {
      if (!(uk::kNamespaceFlags & flag)) continue;
      rc = rc ? rc
              : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
                                 SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    }
  }
  // clone3 carries its flags in a struct the filter cannot read: libc falls back to
  // clone on ENOSYS.
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (traps.sockets) {
    // --net: pace a new TCP socket before its first byte (harness/net_enforcer.h).
    for (int nr : {SCMP_SYS(connect), SCMP_SYS(accept), SCMP_SYS(accept4)}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
  }
  if (traps.proc) {
    // Only read-only opens of a file can be emulated, so the others never trap: the
    // flags are in a register. O_PATH and O_DIRECTORY opens read nothing (an O_PATH fd
    // reopened through /proc/self/fd/N is trapped then), and a directory open
    // (opendir: ls, find, a build's globbing) is the commonest open after a file's.
    constexpr uint64_t kTrapMask = O_ACCMODE | O_PATH | O_DIRECTORY;
    rc = rc ? rc
            : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(open), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, kTrapMask, O_RDONLY));
    rc = rc ? rc
            : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, kTrapMask, O_RDONLY));
    // openat2 carries its path in a struct: make libc fall back to openat.
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
    // The mount table by syscall: listmount and statmount list the namespace's mounts
    // themselves, the host's cgroup hierarchies hidden under /sys/fs/cgroup among them,
    // and uk's as fuse.container. libmount (util-linux 2.41+) falls back to the
    // emulated /proc/self/mountinfo on ENOSYS.
    for (int nr : {__NR_statmount, __NR_listmount}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
  }
  rc = rc ? rc : add_mount_api_rules(ctx);
  if (rc) {
    seccomp_release(ctx);
    return absl::InternalError(absl::StrCat("seccomp_rule_add: ", strerror(-rc)));
  }
  return export_filter(ctx);
}

namespace {

absl::StatusOr<std::vector<sock_filter>> export_filter(scmp_filter_ctx ctx) {
  int mfd = memfd_create("uk-run-bpf", MFD_CLOEXEC);
  int rc = mfd < 0 ? -errno : seccomp_export_bpf(ctx, mfd);
  seccomp_release(ctx);
  if (rc) return absl::InternalError("seccomp_export_bpf failed");
  off_t size = lseek(mfd, 0, SEEK_END);
  std::vector<sock_filter> prog(static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(mfd, prog.data(), size, 0) != size) {
    int err = errno;
    close(mfd);
    return absl::ErrnoToStatus(err, "reading the filter");
  }
  close(mfd);
  return prog;
}

}  // namespace

// A filter of its own: across filters the kernel takes the action of highest
// precedence, and ERRNO beats the main filter's NOTIFY whatever that one traps (within
// one filter libseccomp lets an unconditional rule for unshare, or the first matching
// flag rule for clone, win over a conditional one). A cgroup namespace owned by the
// tree's user namespace would let a cgroup v1 mount that got past uk's trap mount the
// host's hierarchies (rooted at the caller's host cgroup); the 2007 kernel has no
// cgroup namespaces. clone3 gets ENOSYS in the main filter.
absl::StatusOr<std::vector<sock_filter>> build_cgroupns_filter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return absl::InternalError("seccomp_init failed");
  int rc = 0;
  for (int nr : {SCMP_SYS(unshare), SCMP_SYS(clone)}) {
    rc = rc ? rc
            : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWCGROUP, CLONE_NEWCGROUP));
  }
  if (rc) {
    seccomp_release(ctx);
    return absl::InternalError(absl::StrCat("seccomp_rule_add: ", strerror(-rc)));
  }
  return export_filter(ctx);
}

long install_plain_filter(std::vector<sock_filter>& prog) {
  sock_fprog fprog = {static_cast<unsigned short>(prog.size()), prog.data()};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
}

// SPEC_ALLOW: without it the kernel forces Speculative Store Bypass (and, where
// available, STIBP) mitigations on every process under the filter, a per-syscall and
// per-context-switch cost native processes do not pay (the filter is not a sandbox
// against the supervised code: it only reports).
long install_filter(std::vector<sock_filter>& prog) {
  sock_fprog fprog = {static_cast<unsigned short>(prog.size()), prog.data()};
  unsigned long base = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  long lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                     base | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
  // Kernels before 5.19 lack WAIT_KILLABLE_RECV.
  if (lfd < 0) lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, base, &fprog);
  return lfd;
}

namespace {

// One byte with room for one SCM_RIGHTS fd: the message both directions use.
// Self-referential (msg points into it): neither copied nor moved.
struct fd_message {
  char byte = 0;
  iovec iov = {&byte, 1};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = {};

  fd_message() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
  }
  fd_message(const fd_message&) = delete;
  fd_message& operator=(const fd_message&) = delete;
};

}  // namespace

int send_fd(int sock, int fd) {
  fd_message m;
  cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &m.msg, 0) == 1 ? 0 : -1;
}

int recv_fd(int sock) {
  fd_message m;
  if (recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

}  // namespace ukrun
