// uk-run: runs a real command tree inside the uk mini kernel. See harness/README.md.
//
//   uk-run [OPTIONS] -- COMMAND [ARGS...]
//
// Process layout: the outer uk-run enters a user namespace (when not root), a mount
// namespace and a pid namespace, then forks the supervisor (supervisor.h), which is
// pid 1 there and uk's init task. When the supervisor dies, the pid namespace takes
// every traced process with it and the mount namespace takes the mounts. uk-run exits
// when COMMAND does; the supervisor stays until what COMMAND left running has exited.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "harness/caller_caps.h"
#include "harness/command_core.h"
#include "harness/control_socket.h"
#include "harness/cpu_mode.h"
#include "harness/namespaces.h"
#include "harness/options.h"
#include "harness/supervisor.h"

namespace ukrun {
namespace {

// Interrupts a FUSE loop's read or the notification receive (pthread_kill: SI_TKILL).
// One another process sent (COMMAND's group, say) is counted as a copy of a signal the
// outer uk-run may forward (supervisor::read_own_signals).
void on_sigusr1(int, siginfo_t* info, void*) {
  if (info->si_code == SI_USER) supervisor::note_group_sigusr1();
}

// Out of memory in the supervisor (RLIMIT_AS, a memory cgroup): the kernel's state can
// no longer be kept, so the run stops with a message instead of an abort with a core
// dump; the pid namespace takes every process with it, as on any supervisor exit.
void on_out_of_memory() {
  static const char msg[] =
      "uk-run: the supervisor is out of memory; stopping the run (every process of it is "
      "killed)\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  _exit(125);
}

// The supervisor, as pid 1 of the new pid namespace, linked to the outer uk-run by two
// pipes (supervisor::set_outer_link). If COMMAND was killed by a signal, its number is
// the last message on `report_fd`: the outer uk-run dies by it too.
int supervise(options opts, int parent_alive_fd, int report_fd) {
  std::set_new_handler(on_out_of_memory);
  // The run ends with the outer uk-run while COMMAND runs (supervisor::outlive_outer
  // clears this once COMMAND has ended, for what it left running).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The outer uk-run may have died before the line above (its end of the pipe is
  // closed; a byte in it is a forwarded signal, for COMMAND once it runs).
  struct pollfd p = {parent_alive_fd, POLLIN, 0};
  if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP)) return 125;
  if (absl::Status s = prepare_mount_namespace(); !s.ok()) {
    fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
    return 125;
  }
  // The tracker holds a pidfd for every process and thread of the run: under a soft fd
  // limit of 1024 (the common default) about 1000 of them ran the supervisor out, and
  // processes went unseen. Its own soft limit goes up to the hard one; COMMAND starts
  // with the caller's (supervisor::start_command).
  getrlimit(RLIMIT_NOFILE, &opts.nofile);
  struct rlimit raised = opts.nofile;
  raised.rlim_cur = raised.rlim_max;
  setrlimit(RLIMIT_NOFILE, &raised);
  // Every thread (the kernel's worker, FUSE loops) starts with these blocked, so the
  // signalfd gets them.
  sigset_t sigs = supervisor::blocked_signals();
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  struct sigaction sa = {};
  sa.sa_sigaction = on_sigusr1;
  sa.sa_flags = SA_SIGINFO;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, nullptr);
  supervisor s(std::move(opts));
  fcntl(parent_alive_fd, F_SETFL, fcntl(parent_alive_fd, F_GETFL) | O_NONBLOCK);
  s.set_outer_link(parent_alive_fd, report_fd);
  int rc = s.run();
  unsigned char end[2];
  size_t len = s.command_end(end);
  ssize_t ignored = write(report_fd, end, len);  // one write: never split (PIPE_BUF)
  (void)ignored;
  return rc;
}

// The supervisor's name in ps and in /proc/<pid>/comm and cmdline: not uk-run's, so
// that `pkill uk-run` (or -f) signals the outer uk-run alone, which forwards the signal
// once; a signal that reached the supervisor too is taken for one sent to the whole
// process group, which COMMAND got itself (supervisor::read_own_signals).
void name_supervisor(int argc, char** argv) {
  constexpr char kName[] = "uk-supervisor";
  prctl(PR_SET_NAME, kName);
  if (argc == 0) return;
  // The arguments are one block (the kernel's copy); its last NUL stays where it is.
  char* begin = argv[0];
  char* end = argv[argc - 1] + strlen(argv[argc - 1]);
  memset(begin, 0, static_cast<size_t>(end - begin));
  memcpy(begin, kName, std::min(sizeof kName - 1, static_cast<size_t>(end - begin)));
}

// The pipe to the supervisor, which sends COMMAND each signal written to it
// (supervisor::set_outer_link).
int g_forward_fd = -1;
// A signal for COMMAND (supervisor::forwarded_signal: every one a program can catch,
// but SIGCHLD and the synchronous faults), except one the kernel sent the process group
// (the terminal's ^C, ^Z, SIGWINCH, a hangup: SI_KERNEL): COMMAND, in the same group,
// got it itself, and forwarding made it see a ^C three times (once more through the
// supervisor, which is in the group too). One a process sent the whole group is
// forwarded too, and the supervisor, which got it as well, drops it
// (supervisor::take_group_copy). Before, a signal other than SIGINT, SIGTERM, SIGHUP
// and SIGCONT sent to uk-run (`kill -USR1`, systemd's SIGQUIT...) killed the run.
void forward(int sig, siginfo_t* info, void*) {
  if (info->si_code == SI_KERNEL || g_forward_fd < 0) return;
  // Its own: the SIGPIPE of a write to a closed pipe (the supervisor gone), an abort().
  if (info->si_pid == getpid()) return;
  unsigned char b = static_cast<unsigned char>(sig);
  ssize_t ignored = write(g_forward_fd, &b, 1);
  (void)ignored;
}

// The stop signals are caught rather than left to stop the outer uk-run: one the
// terminal sent the job (a ^Z, a background read or write of COMMAND's: SI_KERNEL)
// reached COMMAND itself, which may ignore it or handle it without stopping, and one
// sent to uk-run alone (`kill -TSTP`) is COMMAND's. The outer uk-run stops when COMMAND
// does (kStopped), as its caller would see natively. Only while it waits: it writes
// nothing to the terminal then, and a caught SIGTTOU would restart a background write
// of its own forever (drivers/tty/tty_jobctrl.c __tty_check_change).
constexpr int kForwardedStops[] = {SIGTSTP, SIGTTIN, SIGTTOU};

// The handler is installed before the supervisor is forked (which puts back the
// defaults) for every forwarded signal but the stop signals, and for those only while
// the outer uk-run waits for the supervisor (kForwardedStops). SIGCONT resumes COMMAND
// when only the outer uk-run was sent it (`kill -CONT`); the supervisor drops it while
// COMMAND runs.
bool forwarded_at_fork(int sig) {
  return supervisor::forwarded_signal(sig) && !absl::c_linear_search(kForwardedStops, sig);
}

// Takes `sig`'s default action on the outer uk-run itself (whatever its handler or
// mask), as COMMAND took it, then puts the handler and mask back: returns if that
// action stopped it and it was continued (or if it ignores the signal).
void raise_default(int sig) {
  struct sigaction dfl = {}, old;
  dfl.sa_handler = SIG_DFL;
  bool restore = sigaction(sig, &dfl, &old) == 0;  // SIGSTOP, SIGKILL: EINVAL, fixed
  sigset_t one, mask;
  sigemptyset(&one);
  sigaddset(&one, sig);
  sigprocmask(SIG_UNBLOCK, &one, &mask);
  raise(sig);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
  if (restore) sigaction(sig, &old, nullptr);
}

// What the supervisor's messages said (supervisor::set_outer_link).
struct supervisor_reports {
  int command_signal = 0;
  bool command_core = false;  // kCoreDumped came before it
  bool code_next = false;     // kEnded came: the next byte is the exit code
  int ended_code = -1;        // COMMAND ended and the run goes on: uk-run exits with this
};

// One message of the supervisor's.
void on_report(unsigned char b, int query_fd, supervisor_reports* r) {
  using sv = supervisor;
  if (r->code_next) {
    r->code_next = false;
    r->ended_code = b;
  } else if (b == sv::kEnded) {
    r->code_next = true;
  } else if (b == sv::kCoreDumped) {
    r->command_core = true;
  } else if ((b & sv::kConfirmed) == sv::kConfirmed) {
    // Stopped as COMMAND was: the caller's waitpid(WUNTRACED) sees the stop it would
    // natively (a shell: "Stopped", "Stopped (tty input)"...). In an orphaned process
    // group SIGTSTP, SIGTTIN and SIGTTOU stop nothing, as for COMMAND.
    if (int sig = b & ~sv::kConfirmed; sig != 0) raise_default(sig);
  } else if (b & sv::kStopped) {
    // Asked first: after a ^Z the outer uk-run was stopped with COMMAND, and this
    // report is read only after `fg` resumed both.
    unsigned char query = sv::kQueryStopped;
    ssize_t ignored = write(query_fd, &query, 1);
    (void)ignored;
  } else {
    r->command_signal = b;
  }
}

// Waits for the supervisor's end (its status in `status`), or for its report that
// COMMAND ended while the run goes on (r->ended_code), meanwhile answering its
// messages on report_fd (non-blocking). False if waiting failed.
bool wait_for_supervisor(pid_t inner, int report_fd, int query_fd, int* status,
                         supervisor_reports* r) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, inner, 0));  // else no stops passed on
  struct pollfd p[2] = {{pidfd, POLLIN, 0}, {report_fd, POLLIN, 0}};
  // Every message waiting; false once the supervisor's end is closed.
  auto drain = [&] {
    unsigned char b;
    ssize_t got;
    while ((got = read(report_fd, &b, 1)) == 1) on_report(b, query_fd, r);
    return got != 0;
  };
  for (;;) {
    if (pidfd >= 0 && poll(p, 2, -1) < 0 && errno != EINTR) {
      close(pidfd);  // waitpid blocks from now on
      pidfd = p[0].fd = -1;
    }
    if (!drain()) p[1].fd = -1;  // poll it no more
    if (r->ended_code >= 0) break;
    pid_t w = waitpid(inner, status, pidfd >= 0 ? WNOHANG : 0);
    if (w == inner) break;
    if (w < 0 && errno != EINTR) {
      if (pidfd >= 0) close(pidfd);
      return false;
    }
  }
  if (pidfd >= 0) close(pidfd);
  drain();
  return true;
}

// How the outer uk-run ends: an exit code, or COMMAND's fatal signal (and whether it
// dumped a core).
struct run_end {
  int code = 0;
  int signal = 0;
  bool core = false;
  int core_filter_fd = -1;  // for die_by: /proc/self/coredump_filter, opened in time
};

// The caller of uk-run sees what it would see of COMMAND natively: a death by `sig`
// (waitpid's WIFSIGNALED; a shell still says 128+N), not an exit code, with the core
// flag where COMMAND dumped one (command_core.h: uk-run's own core goes nowhere). Called
// once every guard has run (the run's host subtrees are gone). Otherwise no core of
// uk-run is dumped (not dumpable): COMMAND's own core, if any, was dumped when it died.
[[noreturn]] void die_by(int sig, bool core, int core_filter_fd) {
  fflush(nullptr);
  if (!core || !prepare_traceless_core(core_filter_fd)) prctl(PR_SET_DUMPABLE, 0);
  raise_default(sig);
  _exit(128 + sig);  // a signal whose default is not to terminate: no waitpid status has one
}

run_end outer_main(int argc, char** argv) {
#ifdef NDEBUG
  // Upstream absl checks lock order (deadlock detection) only without NDEBUG; Debian's
  // libabsl is built without it, so every build would pay a global graph update per
  // Mutex::Lock. Optimised builds drop it as upstream's would; the tests (fastbuild,
  // sanitizers) keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  caller_signals signals = capture_caller_signals();  // before any is changed
  options opts = parse_options(argc, argv);
  opts.signals = signals;
  opts.bounding_set = capture_caller_bounding_set();
  if (!opts.tree_of.empty()) return {tree_of_main(opts.tree_of)};
  // --cpus: before anything starts, so every process of the run inherits it; refused
  // like a bad option (the caller's own cpuset may lack a CPU the host has online).
  if (absl::Status s = apply_cpus(opts.topology); !s.ok()) {
    fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
    return {2};
  }
  if (!opts.trace_file.empty()) {
    opts.trace_fd = open(opts.trace_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (opts.trace_fd < 0)
      usage_error(absl::StrCat("--trace ", opts.trace_file, ": ", strerror(errno)));
  }
  opts.outer_pid = getpid();  // before the pid namespace: the user's view
  opts.outer_pidns = own_pid_namespace();
  // The run's host cgroup subtree: made before the namespaces hide the host's
  // /sys/fs/cgroup, removed by the guard once the supervisor is gone (harness/cpu_mode.h).
  if (int rc = prepare_cpu_enforcement(opts); rc != 0) return {rc};
  cpu_subtree_guard subtree_guard(opts);
  // Before the run's procfs covers /proc: it has no "self" for this process.
  int core_filter_fd = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);
  if (absl::Status s = enter_namespaces(opts.userns, opts.topology); !s.ok()) {
    fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
    return {125};
  }
  int alive[2], reports[2];
  if (pipe2(alive, O_CLOEXEC) != 0 || pipe2(reports, O_CLOEXEC | O_NONBLOCK) != 0) return {125};
  struct sigaction sa = {};
  sa.sa_sigaction = forward;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  for (int s = 1; s <= SIGRTMAX; s++) {
    if (forwarded_at_fork(s)) sigaction(s, &sa, nullptr);
  }
  pid_t inner = fork();
  if (inner < 0) {
    perror("uk-run: fork");
    return {125};
  }
  if (inner == 0) {
    name_supervisor(argc, argv);
    close(alive[1]);
    close(reports[0]);
    for (int s = 1; s <= SIGRTMAX; s++) {
      if (forwarded_at_fork(s)) signal(s, SIG_DFL);
    }
    fflush(stdout);
    _exit(supervise(std::move(opts), alive[0], reports[1]));
  }
  g_forward_fd = alive[1];
  close(alive[0]);
  close(reports[1]);
  if (opts.trace_fd >= 0) close(opts.trace_fd);  // the supervisor's now
  for (int s : kForwardedStops) sigaction(s, &sa, nullptr);
  int status;
  supervisor_reports r;
  bool waited = wait_for_supervisor(inner, reports[0], alive[1], &status, &r);
  // What follows may write to the terminal (an error, the subtrees' removal).
  for (int s : kForwardedStops) signal(s, SIG_DFL);
  if (!waited) return {125};
  close(reports[0]);
  if (r.ended_code >= 0) {
    // The supervisor goes on for what COMMAND left running; the cleanup helper removes
    // the run's host subtrees once it is gone.
    subtree_guard.leave_to_cleanup_helper();
    return {r.ended_code, r.command_signal, r.command_core, core_filter_fd};
  }
  if (WIFSIGNALED(status)) return {128 + WTERMSIG(status)};  // the supervisor itself
  return {WEXITSTATUS(status), r.command_signal, r.command_core, core_filter_fd};
}

}  // namespace
}  // namespace ukrun

int main(int argc, char** argv) {
  ukrun::run_end end = ukrun::outer_main(argc, argv);  // every guard has run
  if (end.signal != 0) ukrun::die_by(end.signal, end.core, end.core_filter_fd);
  return end.code;
}
