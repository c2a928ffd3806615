// The recording seam: every entry into the kernel (a system call of vfs/syscalls.h, a
// fork, exec, exit, reap or unshare of uk/kernel.h, an attach, a release-agent run) and
// every host input the kernel consumes (clocks, CPU time, process state, topology) passes
// through one entry_recorder if the kernel was booted with one. uk-run's writes the
// trace (harness/replay/trace_recorder.h); uk-replay's feeds the recorded inputs back
// and collects what the replayed kernel did.
//
// Declared here, at the bottom, so that the system calls of vfs/ can call it; uk/ uses
// the same interface for its own entries. Without a recorder an entry costs one
// pointer test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace uk {

struct vfs_task;

enum class entry_kind : uint8_t {
  // uk/kernel.h
  fork,           // task: parent; flags: clone flags; arg: pid asked (0: allocate);
                  // result: child pid | -errno. CLONE_THREAD forks are threads.
  exec,           // task; data: file name (the task's comm is the result of it)
  exit,           // task; arg: exit code
  reap,           // task (release_task: the zombie's pid is free again)
  unshare,        // task; flags; result
  attach,         // task: current (may be null); target: the task moved; path: the
                  // container; data: its hierarchy's subsystems; result
  release_agent,  // task: null; data: the agent; path: the container (argv[1])
  // vfs/syscalls.h
  mount,     // path: dir; path2: device name; type; flags; data: options; result
  umount,    // path; flags; result
  mkdir,     // path; mode; result
  rmdir,     // path; result
  unlink,    // path; result
  rename,    // path -> path2; result
  open,      // path; flags; mode; result: fd | -errno
  close,     // fd; result
  read,      // fd; count; arg: position (pread64) or -1; result; data: the bytes read
  write,     // fd; data; arg: position (pwrite64) or -1; result
  lseek,     // fd; arg: offset; flags: whence; result
  dup,       // fd; result
  dup2,      // fd -> fd2; result
  getdents,  // fd; count; result; data: the raw linux_dirent64 records
  stat,      // path; result
  fstat,     // fd; result
  statfs,    // path; result
  fstatfs,   // fd; result
  chdir,     // path; result
  fchdir,    // fd; result
  getcwd,    // count; result; data: the name
  chmod,     // path; mode; result
  chown,     // path; flags: uid; arg: gid; result
  // harness/placement.cc
  rules,  // task: init (the engine moves); target: the exec'ing process; path: its
          // file; arg: the rule's line; data: the decision, a line "TID TASKS" per
          // write the engine made (TASKS a kernel path); result: 0 or the first -errno.
          // Its opens, writes, closes and attaches are nested in it.
  // subsys/cpuset.cc
  observe,  // task: null (the kernel): an observation of real threads' CPU masks that
            // found some changed by the program (taskset); its "affinity" inputs are
            // theirs. One that found none is not recorded.
  // uk/kernel.h, since trace version 4
  creds,  // task; data: its new ids, "uid euid suid fsuid gid egid sgid fsgid" in decimal
  // vfs/syscalls.h, since trace version 6
  truncate,     // path; arg: length; result
  ftruncate,    // fd; arg: length; result
  utimes,       // path; data: "" (now) or "ASEC ANSEC MSEC MNSEC"; result
  mknod,        // path; mode; result
  symlink,      // path: the target -> path2; result
  link,         // path -> path2; result
  setxattr,     // path; path2: the name; data: the value; flags; result
  getxattr,     // path; path2: the name; count; result; data: the value read
  listxattr,    // path; count; result; data: the names read, each ending in a NUL
  removexattr,  // path; path2: the name; result
  fsync,        // fd; result
  // since trace version 7
  poll,  // fd; result: the file's poll mask (sys_pollfd)
};
inline constexpr entry_kind kLastEntryKind = entry_kind::poll;

// One entry, filled by the kernel; the views live until end() returns.
struct entry {
  entry_kind kind;
  const vfs_task* task = nullptr;  // the caller; null: the kernel itself (a worker)
  pid_t target = 0;
  std::string_view path, path2, type, data;
  int fd = -1, fd2 = -1;
  unsigned long flags = 0;
  unsigned mode = 0;
  long long arg = 0;
  size_t count = 0;
  long result = 0;  // >= 0, or -errno
};

// Host inputs, by where they enter the kernel.
enum class input_kind : uint8_t {
  clock,    // CLOCK_MONOTONIC (kernel.cc: a task's start time); key 0
  cputime,  // a thread's CPU time in ns (subsys/cpuacct.cc host_cputime); key: tid
  stopped,  // 1 if a process is stopped (subsys/freezer.cc, freezer_hooks); key: tgid
  cpus,     // the online CPUs at boot, a cpulist (uk/kernel.cc); key 0
  mems,     // the memory nodes at boot, a nodelist; key 0
  // The other maps the kernel boots with, lists like cpus and mems; key 0.
  cpu_possible,
  cpu_present,
  node_possible,
  node_online,
  node_normal_memory,
  realtime,  // CLOCK_REALTIME (vfs/vfs.cc current_time: inode times); key 0
  // Since trace version 3:
  reaped,    // a process's reaped CPU time no task was charged for, ns (subsys/cpuacct.cc,
             // reaped_time_hooks); key: tgid
  affinity,  // a real thread's CPU mask on the host, a cpulist, "" if the thread is gone
             // (subsys/cpuset.cc, affinity_hooks); key: tid
  // The boot's sched_domain_level_max (uk/sched_domains.h), in decimal; key 0.
  sched_domain_level_max,
  // Since trace version 8, under the cgroup flavour's cpuacct: a thread's split,
  // "utime stime cpu" (ns), "" if none (subsys/cpuacct.cc host_split), key: tid; and
  // the user part of a process's reaped time, ns, key: tgid.
  cpustat,
  reaped_user,
};
// The inputs whose value is text (a list), not a number.
inline bool input_is_text(input_kind k) {
  return (k >= input_kind::cpus && k <= input_kind::node_normal_memory) ||
         k == input_kind::affinity || k == input_kind::sched_domain_level_max ||
         k == input_kind::cpustat;
}

class entry_recorder {
 public:
  virtual ~entry_recorder() = default;
  // An entry starts on this thread; end() follows on the same thread. Entries nest (a
  // tasks write attaches; the ns subsystem's fork makes a container).
  virtual void begin() = 0;
  virtual void end(const entry& e) = 0;
  // The running entry's place in the kernel's order: called at the point where the
  // operation changes (or reads) the state it is about, under the lock that guards that
  // state, so two entries that conflict are ordered as they held that lock. The last
  // call inside an outermost entry (a nested one's included) places it; an entry with
  // none is placed at its end. Outside any entry it does nothing.
  virtual void commit() {}
  // A host input: `live` reads the host. Returns what the kernel is to use: the live
  // value when recording, the recorded one when replaying (live is never called then).
  // nullopt: nothing to read (the thread is gone).
  virtual std::optional<uint64_t> input(input_kind kind, pid_t key,
                                        absl::FunctionRef<std::optional<uint64_t>()> live) = 0;
  virtual std::string input_text(input_kind kind, pid_t key,
                                 absl::FunctionRef<std::string()> live) = 0;
};

// commit() if there is a recorder; for the kernel's commit points.
inline void entry_commit(entry_recorder* rec) {
  if (rec != nullptr) rec->commit();
}

// begin() at construction, end() with the filled entry at done(); nothing without a
// recorder. For the kernel's entry points:
//   entry_scope e(rec, entry_kind::mkdir, &t);
//   e->path = pathname;
//   return e.done(to_syscall_result(...));
class entry_scope {
 public:
  entry_scope(entry_recorder* rec, entry_kind kind, const vfs_task* task) : rec_(rec) {
    if (rec_ == nullptr) return;
    e_.kind = kind;
    e_.task = task;
    rec_->begin();
  }
  // An entry that returns early without done() still ends (with result 0).
  ~entry_scope() {
    if (rec_ != nullptr) rec_->end(e_);
  }
  entry_scope(const entry_scope&) = delete;
  entry_scope& operator=(const entry_scope&) = delete;

  bool recording() const { return rec_ != nullptr; }
  entry* operator->() { return &e_; }
  entry* get() { return &e_; }
  long done(long result) {
    if (rec_ == nullptr) return result;
    e_.result = result;
    rec_->end(e_);
    rec_ = nullptr;
    return result;
  }

 private:
  entry_recorder* rec_;
  entry e_{};
};

}  // namespace uk
