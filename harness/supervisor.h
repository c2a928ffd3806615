// The supervisor: pid 1 of uk-run's namespaces and uk's init task. It boots the
// kernel, starts COMMAND under the seccomp filter, serves the filter's notifications
// on a thread of its own and keeps one FUSE filesystem per container mount. Its
// methods are split by concern: supervisor.cc (the run), trap_dispatch.cc and one
// trap_*.cc per trap family, placement.cc, tree_view.cc.
#ifndef UK_HARNESS_SUPERVISOR_H_
#define UK_HARNESS_SUPERVISOR_H_

#include <seccomp.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "harness/control_socket.h"
#include "harness/cpu_enforcer.h"
#include "harness/freezer_host.h"
#include "harness/fuse_bridge.h"
#include "harness/net_enforcer.h"
#include "harness/options.h"
#include "harness/reaped_time.h"
#include "harness/release_agents.h"
#include "harness/tracker.h"
#include "subsys/registry.h"
#include "uk/kernel.h"

namespace ukrun {

class supervisor {
 public:
  explicit supervisor(options opts)
      : opts_(std::move(opts)),
        trace_file_(opts_.trace_file.empty() ? nullptr : fopen(opts_.trace_file.c_str(), "we")),
        trace_(trace_file_),
        kernel_(uk::default_subsys_registry(), make_config()),
        tracker_(kernel_, trace_),
        freezer_host_(kernel_) {}

  int run();

 private:
  static uk::kernel_config make_config() {
    uk::kernel_config c;
    c.init_pid = getpid();
    c.init_comm = "uk-run";
    c.init_is_real = true;
    return c;
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
  void teardown();

  // trap_dispatch.cc: one notification to its trap family, and the reply.
  void serve(const seccomp_notif& req);
  void respond_continue(uint64_t id);
  void respond(uint64_t id, long result);
  bool id_valid(uint64_t id);
  // A NUL-terminated string from the tracee, at most PATH_MAX bytes.
  bool read_string(pid_t pid, uint64_t addr, std::string* out);
  // The tracee's path made absolute (its cwd) and canonical where it exists.
  std::string resolve(pid_t pid, const std::string& path);

  // trap_process.cc: the process lifecycle traps.
  void on_exec(const seccomp_notif& req, int dirfd, uint64_t path_addr);
  // --pids: a trapped fork, refused with EAGAIN over the forker's pids.max.
  void on_fork(const seccomp_notif& req, unsigned long clone_flags);
  // Without --pids no fork can be refused: tells the pids subsystem (a limit written
  // then fails with EOPNOTSUPP, and uk-run says once why).
  void set_fork_admission();

  // trap_mount.cc: mount(2) and umount2(2) of container hierarchies.
  void on_mount(const seccomp_notif& req);
  void on_umount(const seccomp_notif& req);
  // mount -t container: the kernel's sys_mount as `t`, then FUSE at the same path.
  long container_mount(uk::task_struct& t, const std::string& source, const std::string& dir,
                       const std::string& type, unsigned long flags, const char* data);
  long container_umount(uk::task_struct& t, const std::string& dir, int flags);

  // trap_proc.cc: /proc emulation and the merged mount table.
  void on_open(const seccomp_notif& req, uint64_t path_addr, int flags);
  std::optional<std::string> merge_mount_table(const std::string& host_path,
                                               const std::string& uk_text, bool mountinfo);

  // trap_statfs.cc: statfs/fstatfs on a uk mount: the kernel's magic, not FUSE's.
  void on_statfs(const seccomp_notif& req, bool by_fd);

  // placement.cc: -g SUBSYS:PATH at start, and --rules at exec: moves the process
  // `pid`, about to exec `file`, where the first matching rule says.
  absl::Status join_group(pid_t pid, const std::string& subsystems, const std::string& path);
  void apply_rules(pid_t pid, int dirfd, const std::string& file);

  // tree_view.cc: the --tree view: every hierarchy with its containers and their tasks.
  std::string render_tree();
  void print_tree();
  void start_control_socket();

  options opts_;
  FILE* trace_file_;
  trace_log trace_;
  release_agents agents_{trace_};
  // cpuacct's time of processes that were never tasks; outlives the kernel's hooks.
  reaped_time reaped_time_{getpid()};
  uk::kernel kernel_;
  tracker tracker_;
  freezer_host freezer_host_;                   // freezer.state: SIGSTOP / SIGCONT
  std::unique_ptr<cpu_enforcer> cpu_enforcer_;  // CPU shares; before tracker_ goes
  std::unique_ptr<net_enforcer> net_enforcer_;  // net.rate_bps; before tracker_ goes

  int notify_fd_ = -1;
  int epoll_fd_ = -1;
  pid_t child_ = -1;
  int child_status_ = -1;  // as waitpid gives it, once COMMAND is reaped

  struct mount_rec {
    std::string type, data;
    std::unique_ptr<fuse_bridge> fuse;
    dev_t dev = 0;            // st_dev of the FUSE mount
    unsigned long flags = 0;  // the mount(2) flags asked for
  };
  // By directory. Changed by the main thread only, under mounts_mu_; read there
  // without it, elsewhere (the control thread) under it.
  std::map<std::string, mount_rec> mounts_;
  absl::Mutex mounts_mu_;
  std::unique_ptr<control_server> control_;  // --tree-of's socket
  std::vector<std::string> created_dirs_;    // host mount points uk-run made
  int check_failures_ = 0;
  seccomp_notif* req_ = nullptr;  // the notification thread's
  seccomp_notif_resp* resp_ = nullptr;
  std::thread notify_thread_;
  std::atomic<bool> notify_stop_{false};
  std::atomic<bool> notify_done_{false};
};

}  // namespace ukrun

#endif  // UK_HARNESS_SUPERVISOR_H_
