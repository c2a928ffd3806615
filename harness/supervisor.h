// The supervisor: pid 1 of uk-run's namespaces and uk's init task. It boots the
// kernel, starts COMMAND under the seccomp filter, serves the filter's notifications
// on a thread of its own and keeps one FUSE filesystem per container mount. Its
// methods are split by concern: supervisor.cc (the run), trap_dispatch.cc and one
// trap_*.cc per trap family, placement.cc, tree_view.cc.
#ifndef UK_HARNESS_SUPERVISOR_H_
#define UK_HARNESS_SUPERVISOR_H_

#include <seccomp.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "harness/affinity_host.h"
#include "harness/cgroup_root.h"
#include "harness/control_socket.h"
#include "harness/cpu_enforcer.h"
#include "harness/cputime_host.h"
#include "harness/freezer_host.h"
#include "harness/fuse_bridge.h"
#include "harness/host_clock.h"
#include "harness/host_cpuset.h"
#include "harness/net_enforcer.h"
#include "harness/options.h"
#include "harness/proc_path.h"
#include "harness/proc_shadow.h"
#include "harness/reaped_time.h"
#include "harness/release_agents.h"
#include "harness/replay/trace_recorder.h"
#include "harness/tracker.h"
#include "harness/tree_render.h"
#include "subsys/registry.h"
#include "uk/kernel.h"

namespace ukrun {

struct mountinfo_line;  // mountinfo.h

class supervisor {
 public:
  explicit supervisor(options opts)
      : opts_(std::move(opts)),
        trace_file_(opts_.trace_fd < 0 ? nullptr : fdopen(opts_.trace_fd, "w")),
        trace_(trace_file_),
        recorder_(make_recorder(trace_file_)),
        kernel_(uk::default_subsys_registry(), make_config(recorder_.get(), opts_.topology)),
        host_cpusets_(opts_.cpuset_subtree
                          ? std::make_unique<host_cpuset_tree>(*opts_.cpuset_subtree, getpid())
                          : nullptr),
        affinity_host_(kernel_, host_cpusets_.get()),
        tracker_(kernel_, trace_),
        freezer_host_(kernel_, opts_.freeze_subtree ? &*opts_.freeze_subtree : nullptr,
                      held_stops_),
        cputime_host_(kernel_) {}

  // The pipes to the outer uk-run, one byte a message (set before run()):
  // - from_outer: a signal number, forwarded to COMMAND (SIGCONT only while COMMAND is
  //   stopped, see below), or kQueryStopped;
  // - to_outer: COMMAND stopped (kStopped | its stop signal), the answer to a query
  //   (kConfirmed | the stop signal, or kConfirmed alone: COMMAND runs), and at the end
  //   the signal that killed COMMAND, after kCoreDumped if that death dumped a core
  //   (command_end).
  // A stop of COMMAND that is not uk's own (held_stops) makes the outer uk-run stop
  // with the same signal, after asking whether COMMAND is still stopped, so that its
  // caller's job control sees what it would natively (`kill -STOP $$` in COMMAND: the
  // shell reports the job stopped, `fg` continues it).
  // - to_outer, once: kEnded and one byte, uk-run's exit code, when COMMAND has ended
  //   but processes it left running remain (outlive_outer): the outer uk-run exits
  //   with that code and the supervisor stays until they have exited. (Otherwise the
  //   outer uk-run takes the code from the supervisor's exit status.)
  static constexpr unsigned char kQueryStopped = 0;
  static constexpr unsigned char kStopped = 0x80;
  // The signals the outer uk-run passes on to COMMAND when they were sent to it alone:
  // every one a program can catch (glibc's own two aside), but SIGCHLD, which is
  // uk-run's, and the synchronous faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP,
  // SIGSYS), which stay uk-run's own as a debugger expects.
  static bool forwarded_signal(int sig);
  // What every thread of the supervisor keeps blocked and reads from its signalfd
  // (read_own_signals): deaths, and the forwarded signals, which reach the supervisor
  // too when a process sends them COMMAND's group. Not SIGCONT (it continues whatever
  // the mask; its forward depends on COMMAND's state) nor SIGUSR1, the supervisor's own
  // wake-up of a thread, whose handler counts the copies (note_group_sigusr1). Blocked,
  // no stop signal stops the supervisor: a ^Z or a background read stops COMMAND's job,
  // not the server of the run's other process groups (the terminal takes a blocked
  // SIGTTIN or SIGTTOU for an ignored one), and its own write to a closed pipe fails
  // with EPIPE, as with SIGPIPE ignored.
  static sigset_t blocked_signals();
  // SIGUSR1's handler, for one another process sent (SI_USER): async-signal-safe.
  static void note_group_sigusr1();
  static constexpr unsigned char kConfirmed = 0xC0;
  // Outside the other messages' values: a signal (1-64), kStopped | sig, kConfirmed | sig.
  static constexpr unsigned char kEnded = 0x7F;
  static constexpr unsigned char kCoreDumped = 0x7E;
  void set_outer_link(int from_outer, int to_outer) {
    forwarded_fd_ = from_outer;
    report_fd_ = to_outer;
  }
  int run();
  // After run(): the signal that killed COMMAND, or 0 (it exited, or --check failed).
  int command_signal() const {
    return check_failures_ == 0 && WIFSIGNALED(child_status_) ? WTERMSIG(child_status_) : 0;
  }
  // The report of COMMAND's end for the outer uk-run into `out` (2 bytes): its signal, if
  // one killed it, after kCoreDumped if that dumped a core; the length (0: an exit).
  size_t command_end(unsigned char* out) const {
    size_t len = 0;
    if (command_signal() == 0) return 0;
    if (WCOREDUMP(child_status_)) out[len++] = kCoreDumped;
    out[len++] = static_cast<unsigned char>(command_signal());
    return len;
  }

 private:
  static uk::kernel_config make_config(uk::entry_recorder* recorder,
                                       const presented_topology& topology) {
    uk::kernel_config c;
    c.topo = kernel_topology(topology);
    c.init_pid = getpid();
    c.init_comm = "uk-run";
    c.init_is_real = true;
    c.clock = &host_clock();
    c.recorder = recorder;
    return c;
  }
  // --trace: every kernel entry, as harness/replay/README.md describes.
  static std::unique_ptr<trace_recorder> make_recorder(FILE* f) {
    if (f == nullptr) return nullptr;
    return std::make_unique<trace_recorder>(f, trace_header{getpid(), "uk-run", true});
  }

  // supervisor.cc: the run.
  absl::Status start_command();
  // The notification thread: blocked in SECCOMP_IOCTL_NOTIF_RECV itself, so that with
  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP a trap wakes it on the tracee's CPU (an epoll
  // waiter is woken wherever it slept), and no trap waits while the main loop reaps or
  // checks, which would widen the window in which a signal fails the trapped call
  // (harness/README.md).
  void notify_loop();
  void start_notify_thread();
  void stop_notify_thread();
  // --check: prints each violation; `final` also reads every tasks file.
  void run_check(bool final);
  void reap_children();
  // The main loop (signals, deaths, the outer uk-run's messages, mountinfo, --check)
  // until `done`.
  void serve_events(const std::function<bool()>& done);
  // Whether a process of COMMAND's tree is left (release agents do not count).
  bool command_tree_remains();
  // --end-with-command: SIGKILLs what COMMAND left running, and reaps it.
  void kill_command_tree();
  // COMMAND has ended and processes it left running remain: the end of COMMAND is
  // reported (--check, --tree, the exit code to the outer uk-run), and the supervisor
  // lets go of everything of its caller's (PR_SET_PDEATHSIG, inherited fds).
  void outlive_outer();
  // uk-run's exit code for COMMAND's end (125 after --check found a violation).
  int exit_code() const;
  // The supervisor's own SIGCHLD, SIGINT, SIGTERM and SIGHUP (signal_fd_): reaps, and
  // remembers a signal a process sent it (group_copies_).
  void read_own_signals();
  // Whether a `sig` the outer uk-run forwards is one it got as a member of COMMAND's
  // process group, as the supervisor did (and COMMAND itself): then it is not passed on.
  bool take_group_copy(int sig);
  // The outer uk-run's messages (set_outer_link), and what COMMAND's stops tell it.
  void serve_outer_link();
  void on_command_stopped(int sig);
  bool command_stopped_by_itself();
  void teardown();

  // trap_dispatch.cc: one notification to its trap family, and the reply.
  void serve(const seccomp_notif& req);
  void respond_continue(uint64_t id);
  void respond(uint64_t id, long result);
  bool id_valid(uint64_t id);
  // A NUL-terminated string from the tracee, at most PATH_MAX bytes.
  bool read_string(pid_t pid, uint64_t addr, std::string* out);
  // The same, at most `limit` bytes before its NUL: 0; -EFAULT if a byte before the
  // NUL cannot be read; -ENAMETOOLONG without a NUL in `limit` bytes. `out` holds what
  // was read either way.
  int read_string_upto(pid_t pid, uint64_t addr, size_t limit, std::string* out);
  // The tracee's path made absolute (its cwd) and canonical where it exists.
  std::string resolve(pid_t pid, const std::string& path);

  // trap_process.cc: the process lifecycle traps.
  void on_exec(const seccomp_notif& req, int dirfd, uint64_t path_addr);
  // --pids: a trapped fork, refused with EAGAIN over the forker's pids.max.
  void on_fork(const seccomp_notif& req, unsigned long clone_flags);
  // Without --pids no fork can be refused: tells the pids subsystem (a limit written
  // then fails with EOPNOTSUPP, and uk-run says once why).
  void set_fork_admission();
  // A notice for a refused setting: `line` on stderr, the first time it runs only. Safe
  // from any thread, under any lock (it takes none).
  static std::function<void()> stderr_once(std::string line);

  // trap_mount.cc: mount(2) and umount2(2) of container hierarchies.
  void on_mount(const seccomp_notif& req);
  void on_umount(const seccomp_notif& req);
  // mount -t container: the kernel's sys_mount as `t` at a private path, then FUSE at
  // `dir` (stacked on what is there). `parents`: create every missing component of
  // `dir` (--mount), not just the last.
  // The kernel's mount runs as `caller`'s task (0: init).
  long container_mount(pid_t caller, const std::string& source, const std::string& dir,
                       const std::string& type, unsigned long flags, const char* data,
                       bool parents = false);
  // Thread `tid`'s umount2(target, flags) (notification `id`), made by the supervisor
  // with the tracee's root and cwd; then the mounts it took leave the table.
  long umount_for(pid_t tid, uint64_t id, std::string target, int flags);
  // Its mount(MS_REMOUNT | MS_BIND) of a uk mount's root, made likewise: the host sets
  // that one mount's flags (do_reconfigure_mnt), which its table lines show.
  long reconfigure_mount_for(pid_t tid, uint64_t id, std::string target, unsigned long flags);
  // `call` made with thread `tid`'s root and cwd (notification `id` still waiting),
  // under mounts_mu_, with `target`'s /proc/self/ made the tracee's; -ESRCH if the
  // tracee is gone.
  long in_tracee_fs(pid_t tid, uint64_t id, std::string& target, absl::FunctionRef<long()> call)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mounts_mu_);
  // Gives the notification thread an fs_struct of its own (notify_loop).
  void private_fs();

  // cgroup_layout.cc: --cgroup-v1-layout's hierarchies under /sys/fs/cgroup.
  absl::Status mount_cgroup_v1_layout();

  // mount_table.cc: uk's mount table against the real mount namespace.
  // Drops every record whose FUSE device no longer shows in /proc/self/mountinfo (and
  // its kernel mount; `who` is the pid traced) and follows moved mounts; the bridges
  // dropped go to `gone`, to be destroyed once mounts_mu_ is released (that joins
  // their FUSE loops).
  void reconcile_locked(pid_t who, std::vector<std::unique_ptr<fuse_bridge>>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mounts_mu_);
  void reconcile_with(pid_t who, const std::vector<mountinfo_line>& lines,
                      std::vector<std::unique_ptr<fuse_bridge>>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mounts_mu_);
  void reconcile();  // on a mountinfo change (POLLPRI)
  // --check: reconciles, then every record must have its FUSE device mounted and its
  // kernel mount in place, and every fuse.container mount and kernel hierarchy mount
  // must be a record's. Returns the violations.
  std::vector<std::string> check_mounts();
  // The end of the run: every host mount of a record is detached, the records dropped.
  void unmount_all();
  // /proc/<pid>/mounts, mountinfo or mountstats: the host's, each uk mount as the
  // kernel shows it.
  std::optional<std::string> merge_mount_table(const std::string& host_path,
                                               const std::string& uk_text, mount_table kind);

  // trap_proc.cc: /proc emulation.
  void on_open(const seccomp_notif& req, int dirfd, uint64_t path_addr, int flags);
  // The text of the emulated file `kpath` ("/proc/12/cgroup" in the run's procfs) as
  // thread `tid` reads it now: uk's, and for a mount table the namespace's with uk's
  // lines (merge_mount_table); "" if not `text_wanted` (the open alone). nullopt with
  // *err the kernel's errno, or 0 where uk has no answer (an unknown thread, a table
  // that kept changing): the host's file stands. Any thread (a FUSE loop makes the
  // texts, proc_shadow.h).
  std::optional<std::string> emulated_text(pid_t tid, const std::string& kpath, long* err,
                                           bool text_wanted);

  // trap_statfs.cc: statfs/fstatfs on a uk mount: the kernel's magic, not FUSE's; on an
  // emulated /proc file, its procfs's.
  void on_statfs(const seccomp_notif& req, bool by_fd);
  void write_statfs(const seccomp_notif& req, const struct statfs& out);
  static std::string own_links(pid_t tid, const std::string& path);
  // trap_prctl.cc: PR_GET_SECCOMP.
  void on_prctl_get_seccomp(const seccomp_notif& req);

  // placement.cc: -g SUBSYS:PATH at start, and --rules at exec: moves the process
  // `pid`, about to exec `file`, where the first matching rule says.
  // `decision`, if not null, gets a line "PID TASKS" per tasks file written (the
  // trace's `rules` entry); `err` the first write's -errno.
  absl::Status join_group(pid_t pid, const std::string& subsystems, const std::string& path,
                          std::string* decision = nullptr, long* err = nullptr);
  void apply_rules(pid_t pid, int dirfd, const std::string& file);

  // tree_view.cc: the --tree view: every hierarchy with its containers and their tasks.
  // Every mount as the tree shows it, taken under mounts_mu_ before the tracker's lock
  // (observe): a mount trap may hold mounts_mu_ while FUSE loops wait for the tracker.
  std::vector<tree_mount> tree_roots();
  void print_tree();
  void start_control_socket();

  options opts_;
  FILE* trace_file_;
  trace_log trace_;
  release_agents agents_{trace_};
  std::unique_ptr<trace_recorder> recorder_;  // outlives kernel_, which reports to it
  // cpuacct's time of processes that were never tasks; outlives the kernel's hooks.
  reaped_time reaped_time_{getpid()};
  uk::kernel kernel_;
  std::unique_ptr<host_cpuset_tree> host_cpusets_;  // the run's host cpusets; outlive the hooks
  affinity_host affinity_host_;  // cpuset on real tasks; the tracker's observer, outlives it
  tracker tracker_;
  held_stops held_stops_;      // before the freezer and the enforcer, which note their stops
  freezer_host freezer_host_;  // freezer.state: cgroup2 or SIGSTOP / SIGCONT
  cputime_host cputime_host_;  // cpuacct's readings of real tasks
  // on_open's, the notification thread's alone; the patch's names are uk's only.
  proc_paths proc_paths_{{"container", "containers", "cpuset", "cgroup", "cgroups"}};
  std::unique_ptr<cpu_enforcer> cpu_enforcer_;  // CPU shares; before tracker_ goes
  std::unique_ptr<net_enforcer> net_enforcer_;  // net.rate_bps; before tracker_ goes

  int notify_fd_ = -1;
  int epoll_fd_ = -1;  // the main loop's; made before any other thread
  // Its tag for a lazily unmounted mount's FUSE device (mount_rec::detached): the
  // connection ended.
  static constexpr uint64_t kDetachedMountEnded = ~5ull;
  pid_t child_ = -1;
  int child_status_ = -1;  // as waitpid gives it, once COMMAND is reaped

  // One container mount. The kernel mounts the hierarchy at a private path of its own
  // (`kdir`), not at the host's mount point: a mount stacked on another, or one moved
  // or bind-mounted on the host, still reaches its own hierarchy, and the kernel's
  // mount table need not follow the host's.
  struct mount_rec {
    std::string dir;   // the host mount point (mountinfo's, should the mount move)
    std::string kdir;  // the kernel's mount point, kMountBase/<n>
    std::string type, data;
    std::unique_ptr<fuse_bridge> fuse;
    dev_t dev = 0;   // st_dev of the FUSE mount (and of every bind of it)
    dev_t kdev = 0;  // the kernel super_block's s_dev: one per hierarchy
    // The host's mount is gone but its super_block lives on (a lazy unmount while a
    // file or a cwd is held there): the kernel's mount and the FUSE loops stay, as the
    // hierarchy stays natively, until the connection ends with the last reference.
    // Found by dev only; never by its path, which may by now name another mount.
    bool detached = false;
  };
  static constexpr char kMountBase[] = "/.uk-run-mounts";
  // Every thread that reads or changes the table, or changes the host mounts it
  // describes (a mount, an umount2 made for a tracee, the reconcile on the main
  // thread), holds mounts_mu_ throughout, so the two never disagree under the lock.
  // Lock order: the tracker's lock (task_for, observe) before mounts_mu_.
  absl::Mutex mounts_mu_;
  std::vector<mount_rec> mounts_ ABSL_GUARDED_BY(mounts_mu_);  // in mount order
  // How many of them are detached: written under mounts_mu_, read without it by a
  // /proc text, which reconciles first while any is (its connection may have ended with
  // a close just before, which natively ends the hierarchy at once).
  std::atomic<int> detached_mounts_{0};
  uint64_t next_kdir_ ABSL_GUARDED_BY(mounts_mu_) = 1;
  int mountinfo_fd_ = -1;        // /proc/self/mountinfo, polled for POLLPRI
  int forwarded_fd_ = -1;        // from the outer uk-run (set_outer_link)
  int report_fd_ = -1;           // to it
  int command_stop_signal_ = 0;  // COMMAND's last stop (main loop only)
  int signal_fd_ = -1;           // read_own_signals (main loop only)
  // SIGINT, SIGTERM or SIGHUP a process sent the supervisor (SI_USER), with when it was
  // read (CLOCK_MONOTONIC ns), until the outer uk-run forwards the same (main loop only).
  std::vector<std::pair<int, uint64_t>> group_copies_;
  // SIGUSR1s another process sent the supervisor since read_own_signals last looked
  // (note_group_sigusr1, a signal handler: atomic).
  static std::atomic<int> group_sigusr1_;
  std::unique_ptr<control_server> control_;  // --tree-of's socket
  // Host directories uk-run made (mount points and, for --mount, their missing
  // parents), in creation order; removed in reverse at exit.
  std::vector<std::string> created_dirs_ ABSL_GUARDED_BY(mounts_mu_);
  // The notification thread's own root and cwd (private_fs), to return to after an
  // umount2 made in a tracee's.
  int own_root_fd_ = -1;
  int own_cwd_fd_ = -1;
  int check_failures_ = 0;
  seccomp_notif* req_ = nullptr;  // the notification thread's
  seccomp_notif_resp* resp_ = nullptr;
  std::thread notify_thread_;
  std::atomic<bool> notify_stop_{false};
  std::atomic<bool> notify_done_{false};
  // Where on_open's files live, made at the first (the notification thread's alone).
  // Last, so destroyed first: its FUSE loops make texts from the members above
  // (emulated_text: the tracker, the mount table).
  std::unique_ptr<proc_shadow> proc_shadow_;
};

}  // namespace ukrun

#endif  // UK_HARNESS_SUPERVISOR_H_
