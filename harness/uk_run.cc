// uk-run: runs a real command tree inside the uk mini kernel. See harness/README.md.
//
//   uk-run [OPTIONS] -- COMMAND [ARGS...]
//
// Process layout: the outer uk-run enters a user namespace (when not root), a mount
// namespace and a pid namespace, then forks the supervisor, which is pid 1 there and
// uk's init task. The supervisor boots the kernel, forks COMMAND under a seccomp
// filter whose notifications it serves, and mounts one FUSE filesystem per container
// mount. When the supervisor dies, the pid namespace takes every traced process with
// it and the mount namespace takes the mounts.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "harness/control_socket.h"
#include "harness/cpu_enforcer.h"
#include "harness/freezer_host.h"
#include "harness/fuse_bridge.h"
#include "harness/net_enforcer.h"
#include "harness/release_agents.h"
#include "harness/rules.h"
#include "harness/tracker.h"
#include "subsys/pids.h"
#include "subsys/registry.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

extern char** environ;

namespace ukrun {
namespace {

constexpr char kUsage[] = R"(usage: uk-run [OPTIONS] -- COMMAND [ARGS...]
       uk-run --tree-of PID

Runs COMMAND and every process it creates as tasks of the uk mini kernel (the 2007
process containers patch). Inside, `mount -t container [-o SUBSYS,...] NAME DIR`
mounts a container hierarchy at DIR for this process tree only, and
/proc/<pid>/container, /proc/<pid>/cpuset and /proc/containers show uk's view.
Nothing on the host changes: no host cgroup, no host mount.

Options:
  --mount TYPE:OPTIONS:DIR   mount a hierarchy before COMMAND starts, e.g.
                             --mount container:cpu,cpuacct:/containers/cpu
                             (DIR is created if missing and removed at exit)
  -g SUBSYS[,SUBSYS]:PATH    start COMMAND in container PATH of the hierarchy
                             holding SUBSYS (like cgexec); repeatable
  --rules FILE               exec-time placement, cgrules.conf format (like
                             cgrulesengd): a traced process that execs a matching
                             program is moved before the new image runs
  --pids                     trap forks so that the pids subsystem's pids.max is
                             enforced (a fork over the limit fails with EAGAIN);
                             implied by a --mount that binds pids. See
                             harness/README.md for the cost (a rare EINTR)
  --net                      trap connect/accept/accept4 so that a new TCP socket in
                             a container with net.rate_bps is paced from its first
                             byte (without it, within 100 ms); implied by a --mount
                             that binds net
  --trace FILE               write one JSON line per fork/exec/exit/attach/mount
  --tree                     print every hierarchy with its tasks when COMMAND ends
  --tree-of PID              print that view now for the running uk-run PID, or
                             the one running process PID (from outside it; same
                             user or root; exit 1 if there is none)
  --check                    check uk's invariants (uk/invariants.h) and the task
                             table against /proc every second and at the end;
                             violations are printed and make uk-run exit 125
  --proc / --no-proc         emulate (default) or not /proc/<pid>/container,
                             /proc/<pid>/cpuset and /proc/containers; --no-proc
                             stops trapping open(2)
  --no-cpu-shares            do not enforce the cpu subsystem's shares (by default
                             processes are duty-cycled with SIGSTOP/SIGCONT so that
                             containers get CPU in proportion to their shares)
  -h, --help                 this text

Exit status: COMMAND's, or 128+N if it was killed by signal N.
)";

struct options {
  struct mount_opt {
    std::string type, data, dir;
  };
  std::vector<mount_opt> mounts;
  std::vector<std::pair<std::string, std::string>> groups;  // (subsystems, path)
  std::string trace_file;
  std::vector<placement_rule> rules;
  bool tree = false;
  std::string tree_of;  // --tree-of PID: no COMMAND, ask that uk-run
  pid_t outer_pid = 0;  // the outer uk-run, in its pid namespace (the control socket)
  ino_t outer_pidns = 0;
  bool check = false;
  bool pids = false;  // trap forks for pids.max
  bool net = false;   // trap connect/accept for net.rate_bps
  bool proc = true;
  bool cpu_shares = true;
  std::vector<std::string> command;
};

[[noreturn]] void usage_error(const std::string& msg) {
  fprintf(stderr, "uk-run: %s\n(try uk-run --help)\n", msg.c_str());
  exit(2);
}

options parse_options(int argc, char** argv) {
  options o;
  int i = 1;
  auto value = [&](const std::string& name) -> std::string {
    if (i + 1 >= argc) usage_error(name + " needs a value");
    return argv[++i];
  };
  for (; i < argc; i++) {
    std::string a = argv[i];
    std::string v;
    if (a == "--") {
      i++;
      break;
    } else if (a == "-h" || a == "--help") {
      fputs(kUsage, stdout);
      exit(0);
    } else if (a == "--mount" || a.rfind("--mount=", 0) == 0) {
      v = a == "--mount" ? value(a) : a.substr(8);
      std::vector<std::string> parts = absl::StrSplit(v, absl::MaxSplits(':', 2));
      if (parts.size() != 3 || parts[2].empty() || parts[2][0] != '/') {
        usage_error("--mount wants TYPE:OPTIONS:/ABSOLUTE/DIR, got " + v);
      }
      o.mounts.push_back({parts[0], parts[1], parts[2]});
      if (parts[0] != "cpuset") {
        for (absl::string_view ss : absl::StrSplit(parts[1], ',')) {
          if (ss == "pids" || ss == "all") o.pids = true;
          if (ss == "net" || ss == "all") o.net = true;
        }
      }
    } else if (a == "-g" || a.rfind("-g=", 0) == 0) {
      v = a == "-g" ? value(a) : a.substr(3);
      size_t colon = v.find(':');
      if (colon == std::string::npos || colon == 0 || v.size() == colon + 1) {
        usage_error("-g wants SUBSYS[,SUBSYS]:PATH, got " + v);
      }
      o.groups.emplace_back(v.substr(0, colon), v.substr(colon + 1));
    } else if (a == "--trace" || a.rfind("--trace=", 0) == 0) {
      o.trace_file = a == "--trace" ? value(a) : a.substr(8);
    } else if (a == "--rules" || a.rfind("--rules=", 0) == 0) {
      v = a == "--rules" ? value(a) : a.substr(8);
      FILE* f = fopen(v.c_str(), "re");
      if (!f) usage_error(absl::StrCat("--rules ", v, ": ", strerror(errno)));
      std::string text;
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
      fclose(f);
      auto rules = parse_rules(text);
      if (!rules.ok()) usage_error(absl::StrCat("--rules ", v, ": ", rules.status().message()));
      o.rules.insert(o.rules.end(), rules->begin(), rules->end());
    } else if (a == "--tree") {
      o.tree = true;
    } else if (a == "--tree-of" || a.rfind("--tree-of=", 0) == 0) {
      o.tree_of = a == "--tree-of" ? value(a) : a.substr(10);
      return o;
    } else if (a == "--pids") {
      o.pids = true;
    } else if (a == "--net") {
      o.net = true;
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--proc") {
      o.proc = true;
    } else if (a == "--no-proc") {
      o.proc = false;
    } else if (a == "--no-cpu-shares") {
      o.cpu_shares = false;
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown option " + a);
    } else {
      break;  // COMMAND without "--"
    }
  }
  for (; i < argc; i++) o.command.push_back(argv[i]);
  if (o.command.empty()) usage_error("no COMMAND given");
  return o;
}

absl::Status errno_status(const std::string& what) { return absl::ErrnoToStatus(errno, what); }

bool write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// ---------------------------------------------------------------------------------
// The seccomp filter.

// Built with libseccomp in the supervisor, loaded by the child with raw seccomp(2):
// libseccomp 2.5 cannot ask for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, which keeps
// a trapped fork from failing with EINTR when a signal arrives after uk-run has
// received the notification.
absl::StatusOr<std::vector<sock_filter>> build_filter(bool proc, bool forks, bool sockets) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return absl::InternalError("seccomp_init failed");
  int rc = 0;
  // Forks are not trapped: a signal arriving before uk-run has received a
  // notification makes the trapped syscall fail with EINTR (seccomp answers
  // -ERESTARTSYS), which a real fork never does. They are found in /proc instead
  // (see tracker.h).
  // unshare: rare, and the ns subsystem's container_clone follows a namespace change.
  for (int nr :
       {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(mount),
        SCMP_SYS(umount2), SCMP_SYS(statfs), SCMP_SYS(fstatfs), SCMP_SYS(unshare)}) {
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
  }
  if (forks) {
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
  if (sockets) {
    // --net: pace a new TCP socket before its first byte (harness/net_enforcer.h).
    for (int nr : {SCMP_SYS(connect), SCMP_SYS(accept), SCMP_SYS(accept4)}) {
      rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
  }
  if (proc) {
    // Only read-only opens can be emulated (on_open continues every other one), so
    // the others never trap: the flags are in a register.
    rc = rc ? rc
            : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(open), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY));
    rc = rc ? rc
            : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY));
    // openat2 carries its path in a struct: make libc fall back to openat.
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
  }
  if (rc) {
    seccomp_release(ctx);
    return absl::InternalError(absl::StrCat("seccomp_rule_add: ", strerror(-rc)));
  }
  int mfd = memfd_create("uk-run-bpf", MFD_CLOEXEC);
  rc = mfd < 0 ? -errno : seccomp_export_bpf(ctx, mfd);
  seccomp_release(ctx);
  if (rc) return absl::InternalError("seccomp_export_bpf failed");
  off_t size = lseek(mfd, 0, SEEK_END);
  std::vector<sock_filter> prog(static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(mfd, prog.data(), size, 0) != size) return errno_status("reading the filter");
  close(mfd);
  return prog;
}

int send_fd(int sock, int fd) {
  char byte = 0;
  iovec iov = {&byte, 1};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

int recv_fd(int sock) {
  char byte;
  iovec iov = {&byte, 1};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

// ---------------------------------------------------------------------------------
// The supervisor (pid 1 of the namespaces).

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

  absl::Status start_command();
  // The notification thread: blocked in SECCOMP_IOCTL_NOTIF_RECV itself, so that with
  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP a trap wakes it on the tracee's CPU. Waiting in
  // epoll (as the main loop once did) loses that: the wake-up reached the epoll waiter
  // on whatever CPU it slept (a trap every 40 us of work cost 16 us here, 28 us through
  // epoll), and a trap also waited while the loop reaped or checked, which widened the
  // window in which a signal fails the trapped call (harness/README.md).
  void notify_loop();
  void start_notify_thread();
  void stop_notify_thread();
  void serve(const seccomp_notif& req);
  void respond_continue(uint64_t id);
  void respond(uint64_t id, long result);
  bool id_valid(uint64_t id);
  // A NUL-terminated string from the tracee, at most PATH_MAX bytes.
  bool read_string(pid_t pid, uint64_t addr, std::string* out);
  // The tracee's path made absolute (its cwd) and canonical where it exists.
  std::string resolve(pid_t pid, const std::string& path);

  void on_mount(const seccomp_notif& req);
  void on_umount(const seccomp_notif& req);
  // --pids: a trapped fork, refused with EAGAIN over the forker's pids.max.
  void on_fork(const seccomp_notif& req, unsigned long clone_flags);
  void on_open(const seccomp_notif& req, uint64_t path_addr, int flags);
  // statfs/fstatfs on a uk mount: the kernel's magic, not FUSE's.
  void on_statfs(const seccomp_notif& req, bool by_fd);
  std::optional<std::string> merge_mount_table(const std::string& host_path,
                                               const std::string& uk_text, bool mountinfo);
  void on_exec(const seccomp_notif& req, int dirfd, uint64_t path_addr);
  // --rules: moves the process `pid`, about to exec `file`, where the first matching
  // rule says.
  void apply_rules(pid_t pid, int dirfd, const std::string& file);

  // mount -t container: the kernel's sys_mount as `t`, then FUSE at the same path.
  long container_mount(uk::task_struct& t, const std::string& source, const std::string& dir,
                       const std::string& type, unsigned long flags, const char* data);
  long container_umount(uk::task_struct& t, const std::string& dir, int flags);
  absl::Status join_group(pid_t pid, const std::string& subsystems, const std::string& path);
  // The --tree view: every hierarchy with its containers and their tasks.
  std::string render_tree();
  void print_tree();
  void start_control_socket();
  // --check: prints each violation; `final` also reads every tasks file.
  void run_check(bool final);
  void reap_children();
  void teardown();

  options opts_;
  FILE* trace_file_;
  trace_log trace_;
  release_agents agents_{trace_};
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

void supervisor::respond_continue(uint64_t id) {
  memset(resp_, 0, sizeof *resp_);
  resp_->id = id;
  resp_->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  seccomp_notify_respond(notify_fd_, resp_);  // ENOENT: the tracee is gone or interrupted
}

void supervisor::respond(uint64_t id, long result) {
  memset(resp_, 0, sizeof *resp_);
  resp_->id = id;
  if (result < 0) {
    resp_->error = static_cast<int32_t>(result);
  } else {
    resp_->val = result;
  }
  seccomp_notify_respond(notify_fd_, resp_);
}

bool supervisor::id_valid(uint64_t id) { return seccomp_notify_id_valid(notify_fd_, id) == 0; }

bool supervisor::read_string(pid_t pid, uint64_t addr, std::string* out) {
  out->clear();
  if (addr == 0) return false;
  char buf[4096];
  while (out->size() < PATH_MAX) {
    // Never read across a page boundary in one go: the next page may be unmapped.
    size_t chunk = 4096 - (addr % 4096);
    iovec local = {buf, chunk};
    iovec remote = {reinterpret_cast<void*>(addr), chunk};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return false;
    const char* end = static_cast<const char*>(memchr(buf, 0, static_cast<size_t>(n)));
    if (end) {
      out->append(buf, end - buf);
      return true;
    }
    out->append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return false;
}

std::string supervisor::resolve(pid_t pid, const std::string& path) {
  std::string abs = path;
  if (abs.empty() || abs[0] != '/') {
    char cwd[PATH_MAX];
    ssize_t n = readlink(absl::StrCat("/proc/", pid, "/cwd").c_str(), cwd, sizeof cwd - 1);
    if (n <= 0) return path;
    abs = absl::StrCat(std::string(cwd, n), "/", path);
  }
  char real[PATH_MAX];
  if (realpath(abs.c_str(), real)) return real;
  // Missing: normalise slashes only.
  std::string out;
  for (absl::string_view part : absl::StrSplit(abs, '/', absl::SkipEmpty())) {
    absl::StrAppend(&out, "/", part);
  }
  return out.empty() ? "/" : out;
}

void supervisor::on_exec(const seccomp_notif& req, int dirfd, uint64_t path_addr) {
  // The new comm comes from /proc once the exec is done: the file name is read from
  // the tracee only for the trace and the rules.
  if (!trace_.enabled() && opts_.rules.empty()) {
    tracker_.note_exec(req.pid, "");
    return respond_continue(req.id);
  }
  std::string file;
  bool ok = read_string(req.pid, path_addr, &file);
  if (ok && id_valid(req.id)) {
    tracker_.note_exec(req.pid, file);
    if (trace_.enabled()) {
      trace_.event("exec",
                   absl::StrFormat("\"pid\":%d,\"file\":\"%s\"", req.pid, json_escape(file)));
    }
    // Before the reply, so before the new image's first instruction. If the exec
    // then fails, the process stays moved (cgrulesengd moves only after a successful
    // exec, and so after the new image has started running).
    if (!opts_.rules.empty()) apply_rules(req.pid, dirfd, file);
  }
  respond_continue(req.id);
}

void supervisor::apply_rules(pid_t pid, int dirfd, const std::string& file) {
  exec_identity who;
  who.pid = pid;
  std::string status;
  {
    int fd = open(absl::StrCat("/proc/", pid, "/status").c_str(), O_RDONLY | O_CLOEXEC);
    char buf[4096];
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    if (fd >= 0) close(fd);
    if (n <= 0) return;
    status.assign(buf, static_cast<size_t>(n));
  }
  // The effective ids, as cgrulesengd takes them.
  unsigned r, e;
  size_t at = status.find("\nUid:");
  if (at == std::string::npos || sscanf(status.c_str() + at + 5, "%u %u", &r, &e) != 2) return;
  who.uid = e;
  at = status.find("\nGid:");
  if (at == std::string::npos || sscanf(status.c_str() + at + 5, "%u %u", &r, &e) != 2) return;
  who.gid = e;
  if (passwd* pw = getpwuid(who.uid)) {
    who.user_name = pw->pw_name;
    gid_t groups[256];
    int ngroups = 256;
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) >= 0) {
      for (int i = 0; i < ngroups; i++) {
        if (group* gr = getgrgid(groups[i])) who.user_groups.push_back(gr->gr_name);
      }
    }
  }
  if (group* gr = getgrgid(who.gid)) who.group_name = gr->gr_name;
  // The file as given, absolute, and with its symlinks resolved.
  std::string abs = file;
  if (!file.empty() && file[0] != '/' && dirfd != AT_FDCWD) {
    char dir[PATH_MAX];
    ssize_t n = readlink(absl::StrCat("/proc/", pid, "/fd/", dirfd).c_str(), dir, sizeof dir - 1);
    if (n > 0) abs = absl::StrCat(std::string(dir, n), "/", file);
  }
  who.paths = {file, resolve(pid, abs)};
  if (abs != file) who.paths.push_back(abs);
  std::vector<placement> where = match_rules(opts_.rules, who);
  if (where.empty()) return;
  // Pinned: no task is freed while the placements below look tasks up.
  tracker::pinned_task pinned = tracker_.task_for(pid);
  if (!pinned.task) return;
  // The whole thread group moves (execve ends the other threads anyway).
  std::vector<pid_t> tids;
  if (DIR* d = opendir(absl::StrCat("/proc/", pid, "/task").c_str())) {
    while (dirent* ent = readdir(d)) {
      if (ent->d_name[0] != '.') tids.push_back(static_cast<pid_t>(atoi(ent->d_name)));
    }
    closedir(d);
  }
  if (tids.empty()) tids.push_back(pid);
  for (const placement& p : where) {
    for (const std::string& c : p.controllers) {
      for (pid_t tid : tids) {
        if (!kernel_.find_task_by_pid(tid)) continue;
        absl::Status s = join_group(tid, c, p.destination);
        if (!s.ok()) {
          // As cgrulesengd: the destination must exist; the process stays where it is.
          fprintf(stderr, "uk-run: --rules line %d: %s (pid %d): %s\n", p.line, file.c_str(), tid,
                  std::string(s.message()).c_str());
          break;
        }
      }
    }
  }
}

void supervisor::on_fork(const seccomp_notif& req, unsigned long clone_flags) {
  auto* pids = static_cast<uk::pids_subsys*>(kernel_.containers().subsys(uk::pids_subsys_id));
  uk::Errno e = tracker_.admit_fork(
      req.pid, clone_flags,
      [&](uk::task_struct* forker, const std::vector<uk::task_struct*>& in_flight) {
        // A notification whose tracee was interrupted is not answered (its syscall
        // restarts and traps again).
        if (!id_valid(req.id)) return uk::Errno(EINTR);
        return pids->can_fork(forker, in_flight);
      });
  if (e.ok()) return respond_continue(req.id);
  if (e.code() != EAGAIN) return;
  if (trace_.enabled()) {
    trace_.event("fork_refused", absl::StrFormat("\"pid\":%d,\"errno\":%d", req.pid, EAGAIN));
  }
  respond(req.id, -EAGAIN);
}

void supervisor::on_mount(const seccomp_notif& req) {
  std::string source, target, type, data;
  uint64_t flags = req.data.args[3];
  read_string(req.pid, req.data.args[0], &source);
  bool have_target = read_string(req.pid, req.data.args[1], &target);
  bool have_type = read_string(req.pid, req.data.args[2], &type);
  bool have_data = read_string(req.pid, req.data.args[4], &data);
  if (!id_valid(req.id)) return;  // the arguments may be from another syscall
  tracker_.note_syscall(req.pid);
  if (!have_target) return respond_continue(req.id);
  std::string dir = resolve(req.pid, target);
  bool ours = mounts_.contains(dir);
  if ((flags & MS_REMOUNT) && ours) {
    tracker::pinned_task pinned = tracker_.task_for(req.pid);
    uk::task_struct* t = pinned.task;
    long r = uk::sys_mount(t ? *t : *kernel_.init_task(), source.c_str(), dir.c_str(), "container",
                           flags & (MS_REMOUNT | MS_RDONLY), have_data ? data.c_str() : nullptr);
    return respond(req.id, r);
  }
  if (flags &
      (MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
    return respond_continue(req.id);
  }
  if (have_type && (type == "container" || type == "cgroup" || type == "cpuset")) {
    tracker::pinned_task pinned = tracker_.task_for(req.pid);
    uk::task_struct* t = pinned.task;
    return respond(req.id, container_mount(t ? *t : *kernel_.init_task(), source, dir, type, flags,
                                           have_data ? data.c_str() : nullptr));
  }
  // The host's cgroups are never touched from inside: cgroup v1 is the kernel's
  // `cgroup` flavour (above), and the kernel has no cgroup2.
  if (have_type && type == "cgroup2") return respond(req.id, -ENODEV);
  respond_continue(req.id);
}

void supervisor::on_umount(const seccomp_notif& req) {
  std::string target;
  bool ok = read_string(req.pid, req.data.args[0], &target);
  if (!id_valid(req.id)) return;
  tracker_.note_syscall(req.pid);
  if (!ok) return respond_continue(req.id);
  std::string dir = resolve(req.pid, target);
  if (!mounts_.contains(dir)) return respond_continue(req.id);
  tracker::pinned_task pinned = tracker_.task_for(req.pid);
  uk::task_struct* t = pinned.task;
  respond(req.id,
          container_umount(t ? *t : *kernel_.init_task(), dir, static_cast<int>(req.data.args[1])));
}

// /proc/self/container and friends, answered from the kernel's procfs with a memfd.
void supervisor::on_open(const seccomp_notif& req, uint64_t path_addr, int flags) {
  std::string path;
  if (!read_string(req.pid, path_addr, &path) || path.rfind("/proc/", 0) != 0 ||
      (flags & O_ACCMODE) != O_RDONLY) {
    return respond_continue(req.id);
  }
  // The pieces point into `rest`, which must outlive them.
  const std::string rest = path.substr(6);
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/', absl::SkipEmpty());
  auto numeric = [](absl::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == absl::string_view::npos;
  };
  auto leaf = [](absl::string_view s) {
    return s == "container" || s == "cpuset" || s == "cgroup" || s == "mounts" || s == "mountinfo";
  };
  std::string kpath;
  if (parts.size() == 1 && (parts[0] == "containers" || parts[0] == "cgroups")) {
    kpath = absl::StrCat("/proc/", parts[0]);
  } else if (parts.size() == 1 && parts[0] == "mounts") {
    kpath = "/proc/self/mounts";
  } else if (parts.size() == 2 && leaf(parts[1]) &&
             (numeric(parts[0]) || parts[0] == "self" || parts[0] == "thread-self")) {
    kpath = absl::StrCat("/proc/", parts[0], "/", parts[1]);
  } else if (parts.size() == 4 && leaf(parts[3]) && parts[2] != "" && numeric(parts[2]) &&
             parts[1] == "task" && (numeric(parts[0]) || parts[0] == "self")) {
    kpath = absl::StrCat("/proc/", parts[0], "/task/", parts[2], "/", parts[3]);
  } else {
    return respond_continue(req.id);
  }
  if (!id_valid(req.id)) return;
  tracker::pinned_task pinned = tracker_.task_for(req.pid);
  uk::task_struct* t = pinned.task;
  if (!t) return respond_continue(req.id);
  if (parts[0] == "thread-self") {
    kpath = absl::StrCat("/proc/", t->tgid, "/task/", t->pid, "/", parts[1]);
  }
  // The kernel resolves "self" as `t`.
  long fd = uk::sys_open(*t, kpath.c_str(), O_RDONLY);
  if (fd < 0) return respond(req.id, fd);
  std::string text;
  char buf[4096];
  long n;
  while ((n = uk::sys_read(*t, static_cast<int>(fd), buf, sizeof buf)) > 0) text.append(buf, n);
  uk::sys_close(*t, static_cast<int>(fd));
  if (n < 0) return respond(req.id, n);
  // The mount table: the host's, with uk's lines for uk's mounts.
  if (absl::EndsWith(kpath, "/mounts") || absl::EndsWith(kpath, "/mountinfo")) {
    std::string host_path = path;
    if (parts[0] == "self" || parts[0] == "thread-self" || parts[0] == "mounts") {
      host_path = absl::StrCat("/proc/", req.pid, "/", parts.back());
    }
    auto merged = merge_mount_table(host_path, text, absl::EndsWith(kpath, "/mountinfo"));
    if (!merged) return respond_continue(req.id);
    text = std::move(*merged);
  }
  int mfd = memfd_create("container", MFD_CLOEXEC);
  if (mfd < 0 || write(mfd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (mfd >= 0) close(mfd);
    return respond(req.id, -ENOMEM);
  }
  // A read-only description of the same memfd, at offset 0.
  int rfd = open(absl::StrCat("/proc/self/fd/", mfd).c_str(), O_RDONLY | O_CLOEXEC);
  close(mfd);
  if (rfd < 0) return respond(req.id, -ENOMEM);
  seccomp_notif_addfd addfd = {};
  addfd.id = req.id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
  addfd.srcfd = static_cast<uint32_t>(rfd);
  addfd.newfd_flags = static_cast<uint32_t>(flags & O_CLOEXEC);
  ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);  // also the reply
  close(rfd);
}

// statfs(2) and fstatfs(2): a path or fd on one of uk-run's FUSE mounts gets what the
// kernel's statfs gives for a cgroup/container super_block (simple_statfs: the magic,
// 4096-byte blocks, no counts, 255-byte names), with the mount's flags and an fsid from
// the FUSE device; everything else continues. The file is looked up through the
// tracee's own root, cwd or fd table in /proc. Errors are left to the real syscall.
void supervisor::on_statfs(const seccomp_notif& req, bool by_fd) {
  if (mounts_.empty()) return respond_continue(req.id);
  std::string target;
  if (by_fd) {
    target = absl::StrCat("/proc/", req.pid, "/fd/", static_cast<int>(req.data.args[0]));
  } else {
    std::string path;
    if (!read_string(req.pid, req.data.args[0], &path) || path.empty()) {
      return respond_continue(req.id);
    }
    target = absl::StrCat("/proc/", req.pid, path[0] == '/' ? "/root" : "/cwd/", path);
  }
  struct stat st;
  struct statfs sfs;
  if (!id_valid(req.id) || stat(target.c_str(), &st) != 0) return respond_continue(req.id);
  auto m = std::find_if(mounts_.begin(), mounts_.end(),
                        [&](const auto& m) { return m.second.dev == st.st_dev; });
  if (m == mounts_.end() || statfs(target.c_str(), &sfs) != 0) return respond_continue(req.id);
  struct statfs out = {};
  out.f_type = static_cast<__fsword_t>(uk::CONTAINER_SUPER_MAGIC);
  out.f_bsize = 4096;
  out.f_frsize = 4096;
  out.f_namelen = 255;
  // FUSE adds nosuid and nodev: only those asked for show (ST_* == MS_* for these).
  out.f_flags =
      (sfs.f_flags & ~(ST_NOSUID | ST_NODEV)) | (m->second.flags & (MS_NOSUID | MS_NODEV));
  uint64_t dev = st.st_dev;
  memcpy(&out.f_fsid, &dev, sizeof out.f_fsid);
  iovec local = {&out, sizeof out};
  iovec remote = {reinterpret_cast<void*>(req.data.args[1]), sizeof out};
  if (!id_valid(req.id)) return;
  if (process_vm_writev(req.pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof out)) {
    return respond(req.id, -EFAULT);
  }
  respond(req.id, 0);
}

// /proc/<pid>/mounts or mountinfo as the host has it, where each FUSE mount of uk-run
// shows as the kernel shows that mount (type cgroup or container, its options). In
// mountinfo the host's mount ids and device numbers stay (they match stat(2)).
std::optional<std::string> supervisor::merge_mount_table(const std::string& host_path,
                                                         const std::string& uk_text,
                                                         bool mountinfo) {
  int fd = open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string host;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) host.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t mp_field = mountinfo ? 4 : 1;
  std::map<std::string, std::vector<std::string>> uk_lines;  // mount point -> fields
  for (absl::string_view line : absl::StrSplit(uk_text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() > mp_field) uk_lines[f[mp_field]] = std::move(f);
  }
  std::string out;
  for (absl::string_view line : absl::StrSplit(host, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    // The host's own cgroup hierarchies are not this kernel's: tools that look
    // hierarchies up in the table (libcgroup) must find only uk's.
    auto host_dash = std::find(f.begin(), f.end(), "-");
    size_t type_field = mountinfo ? static_cast<size_t>(host_dash - f.begin()) + 1 : 2;
    if (type_field < f.size() && (f[type_field] == "cgroup" || f[type_field] == "cgroup2")) {
      continue;
    }
    auto it = f.size() > mp_field ? uk_lines.find(f[mp_field]) : uk_lines.end();
    if (it == uk_lines.end() || !mounts_.contains(f[mp_field]) ||
        !absl::StrContains(line, "fuse.container")) {
      absl::StrAppend(&out, line, "\n");
      continue;
    }
    const std::vector<std::string>& k = it->second;
    if (!mountinfo) {
      absl::StrAppend(&out, absl::StrJoin(k, " "), "\n");
      continue;
    }
    // ids, device, root and mount point from the host; options onwards from uk,
    // with the host's optional fields.
    auto dash = std::find(k.begin(), k.end(), "-");
    std::vector<std::string> m(f.begin(), f.begin() + 5);
    m.push_back(k[5]);
    if (host_dash != f.end()) m.insert(m.end(), f.begin() + 6, host_dash);
    m.insert(m.end(), dash, k.end());
    absl::StrAppend(&out, absl::StrJoin(m, " "), "\n");
  }
  return out;
}

void supervisor::serve(const seccomp_notif& req) {
  int nr = req.data.nr;
  const auto& a = req.data.args;
  if (nr == SCMP_SYS(clone)) {
    return on_fork(req, a[0]);
  } else if (nr == SCMP_SYS(fork)) {
    return on_fork(req, SIGCHLD);
  } else if (nr == SCMP_SYS(vfork)) {
    return on_fork(req, CLONE_VFORK | CLONE_VM | SIGCHLD);
  } else if (nr == SCMP_SYS(execve)) {
    return on_exec(req, AT_FDCWD, a[0]);
  } else if (nr == SCMP_SYS(execveat)) {
    return on_exec(req, static_cast<int>(a[0]), a[1]);
  } else if (nr == SCMP_SYS(exit)) {
    tracker_.thread_exit(req.pid);
  } else if (nr == SCMP_SYS(exit_group)) {
    tracker_.group_exit(req.pid, static_cast<int>(a[0] & 0xff) << 8);
  } else if (nr == SCMP_SYS(mount)) {
    return on_mount(req);
  } else if (nr == SCMP_SYS(umount2)) {
    return on_umount(req);
  } else if (nr == SCMP_SYS(open)) {
    return on_open(req, a[0], static_cast<int>(a[1]));
  } else if (nr == SCMP_SYS(openat)) {
    return on_open(req, a[1], static_cast<int>(a[2]));
  } else if (nr == SCMP_SYS(statfs)) {
    return on_statfs(req, false);
  } else if (nr == SCMP_SYS(fstatfs)) {
    return on_statfs(req, true);
  } else if (nr == SCMP_SYS(connect) || nr == SCMP_SYS(accept) || nr == SCMP_SYS(accept4)) {
    tracker_.note_syscall(req.pid);
    net_enforcer_->on_socket_call(req.pid, static_cast<int>(a[0]), nr == SCMP_SYS(connect));
  } else if (nr == SCMP_SYS(unshare)) {
    // Applied once it has returned (tracker.h: note_unshare).
    tracker_.note_unshare(req.pid, a[0]);
  }
  respond_continue(req.id);
}

long supervisor::container_mount(uk::task_struct& t, const std::string& source,
                                 const std::string& dir, const std::string& type,
                                 unsigned long flags, const char* data) {
  if (mounts_.contains(dir)) return -EBUSY;
  struct stat sb;
  bool created = false;
  if (stat(dir.c_str(), &sb) != 0) {
    // The host has no such directory: make one, as a mount point only, and remove
    // it at exit.
    if (mkdir(dir.c_str(), 0755) != 0) return -ENOENT;
    created = true;
  } else if (!S_ISDIR(sb.st_mode)) {
    return -ENOTDIR;
  }
  // The same path in the kernel's own namespace.
  std::string partial;
  for (absl::string_view part : absl::StrSplit(dir, '/', absl::SkipEmpty())) {
    absl::StrAppend(&partial, "/", part);
    uk::sys_mkdir(*kernel_.init_task(), partial.c_str(), 0755);
  }
  unsigned long kflags =
      flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
  long r = uk::sys_mount(t, source.c_str(), dir.c_str(), type.c_str(), kflags, data);
  if (r == 0) {
    auto fuse = fuse_bridge::mount(kernel_, tracker_, dir, source);
    if (!fuse.ok()) {
      fprintf(stderr, "uk-run: %s\n", fuse.status().ToString().c_str());
      uk::sys_umount(*kernel_.init_task(), dir.c_str(), 0);
      r = -EIO;
    } else {
      struct stat st = {};
      stat(dir.c_str(), &st);
      absl::MutexLock l(&mounts_mu_);
      mounts_[dir] = {type, data ? data : "", std::move(fuse).value(), st.st_dev, flags};
      if (created) created_dirs_.push_back(dir);
    }
  }
  if (r != 0 && created) rmdir(dir.c_str());
  if (trace_.enabled()) {
    trace_.event("mount",
                 absl::StrFormat("\"pid\":%d,\"type\":\"%s\",\"options\":\"%s\","
                                 "\"dir\":\"%s\",\"result\":%d",
                                 t.pid, type, json_escape(data ? data : ""), json_escape(dir), r));
  }
  return r;
}

long supervisor::container_umount(uk::task_struct& t, const std::string& dir, int flags) {
  // The host side first: a busy mount stays as it is (EBUSY), as in the kernel.
  if (umount2(dir.c_str(), flags & (MNT_FORCE | MNT_DETACH)) != 0) return -errno;
  long r = uk::sys_umount(t, dir.c_str(), 0);
  if (r != 0) uk::sys_umount(*kernel_.init_task(), dir.c_str(), MNT_DETACH);
  {
    // Destroyed after the lock: joins the FUSE loop, which the unmount ended.
    decltype(mounts_)::node_type gone;
    absl::MutexLock l(&mounts_mu_);
    gone = mounts_.extract(dir);
  }
  if (trace_.enabled()) {
    trace_.event("umount", absl::StrFormat("\"pid\":%d,\"dir\":\"%s\"", t.pid, json_escape(dir)));
  }
  return 0;
}

// -g SUBSYS[,SUBSYS]:PATH: the hierarchy whose mount options name SUBSYS (or all).
absl::Status supervisor::join_group(pid_t pid, const std::string& subsystems,
                                    const std::string& path) {
  std::vector<std::string> wanted = absl::StrSplit(subsystems, ',', absl::SkipEmpty());
  if (wanted.size() == 1 && wanted[0] == "*") {
    // Every mounted hierarchy (cgrules.conf's `*`).
    wanted.clear();
    for (const auto& [d, m] : mounts_) wanted.push_back("*" + d);
  }
  for (absl::string_view want : wanted) {
    const std::string* dir = nullptr;
    for (const auto& [d, m] : mounts_) {
      bool all = true, has = false;
      for (absl::string_view o : absl::StrSplit(m.data, ',', absl::SkipEmpty())) {
        if (o == "noprefix" || o.rfind("release_agent=", 0) == 0) continue;
        all = all && o == "all";
        has = has || o == want || o == "all";
      }
      if (has || (all && (m.type == "container" || m.type == "cgroup"))) dir = &d;
      if (m.type == "cpuset" && want == "cpuset") dir = &d;
      if (want[0] == '*' && want.substr(1) == d) dir = &d;
    }
    if (!dir) return absl::NotFoundError(absl::StrCat("-g: no hierarchy mounted with ", want));
    std::string tasks = absl::StrCat(*dir, path == "/" ? "" : path, "/tasks");
    uk::task_struct& init = *kernel_.init_task();
    long fd = uk::sys_open(init, tasks.c_str(), O_WRONLY);
    std::string text = std::to_string(pid);
    long r = fd < 0 ? fd : uk::sys_write(init, static_cast<int>(fd), text.data(), text.size());
    if (fd >= 0) uk::sys_close(init, static_cast<int>(fd));
    if (r < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("-g ", want, ":", path, ": ", strerror(static_cast<int>(-r))));
    }
    if (trace_.enabled()) {
      trace_.event("attach", absl::StrFormat("\"pid\":%d,\"tasks\":\"%s\"", pid, tasks));
    }
  }
  return absl::OkStatus();
}

absl::Status supervisor::start_command() {
  auto prog = build_filter(opts_.proc, opts_.pids, opts_.net);
  if (!prog.ok()) return prog.status();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return errno_status("socketpair");
  std::vector<char*> argv;
  for (auto& a : opts_.command) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return errno_status("fork");
  if (pid == 0) {
    // COMMAND: dies with the supervisor, gets the usual signal state back, loads the
    // filter and hands the listener to the supervisor, then waits to be a task.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(sv[0]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGUSR1, SIG_DFL);
    sock_fprog fprog = {static_cast<unsigned short>(prog->size()), prog->data()};
    // SPEC_ALLOW: without it the kernel forces Speculative Store Bypass (and, where
    // available, STIBP) mitigations on every process under the filter, a per-syscall
    // and per-context-switch cost native processes do not pay (the filter is not a
    // sandbox against the supervised code: it only reports).
    unsigned long base = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    long lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                       base | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
    if (lfd < 0) {
      // Kernels before 5.19 lack WAIT_KILLABLE_RECV.
      lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, base, &fprog);
    }
    if (lfd < 0) {
      fprintf(stderr, "uk-run: seccomp: %s\n", strerror(errno));
      _exit(126);
    }
    if (send_fd(sv[1], static_cast<int>(lfd)) != 0) _exit(126);
    close(static_cast<int>(lfd));
    char go;
    if (read(sv[1], &go, 1) != 1) _exit(126);
    close(sv[1]);
    execvp(argv[0], argv.data());
    int err = errno;
    fprintf(stderr, "uk-run: %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  close(sv[1]);
  child_ = pid;
  notify_fd_ = recv_fd(sv[0]);
  if (notify_fd_ < 0) {
    close(sv[0]);
    return absl::InternalError("the command did not hand over its seccomp listener");
  }
  // Wake this thread on the tracee's CPU (Linux 6.6+; ignored before).
  ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  tracker_.add_root_process(pid);
  for (const auto& [ss, path] : opts_.groups) {
    absl::Status s = join_group(pid, ss, path);
    if (!s.ok()) {
      kill(pid, SIGKILL);
      close(sv[0]);
      return s;
    }
  }
  char go = 1;
  if (write(sv[0], &go, 1) != 1) return errno_status("starting the command");
  close(sv[0]);
  return absl::OkStatus();
}

void supervisor::reap_children() {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
    if (pid == child_) {
      child_status_ = status;
    } else {
      agents_.reaped(pid, status);
    }
  }
}

std::string supervisor::render_tree() {
  std::string out;
  uk::task_struct& init = *kernel_.init_task();
  auto read_all = [&](const std::string& path) {
    std::string out;
    long fd = uk::sys_open(init, path.c_str(), O_RDONLY);
    if (fd < 0) return out;
    char buf[4096];
    long n;
    while ((n = uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf)) > 0) out.append(buf, n);
    uk::sys_close(init, static_cast<int>(fd));
    return out;
  };
  std::function<void(const std::string&, const std::string&, int)> show =
      [&](const std::string& dir, const std::string& name, int depth) {
        std::string line = absl::StrCat(std::string(2 * depth, ' '), name, "  tasks:");
        for (absl::string_view p :
             absl::StrSplit(read_all(dir + "/tasks"), '\n', absl::SkipEmpty())) {
          uk::task_struct* t = kernel_.find_task_by_pid(std::stoi(std::string(p)));
          absl::StrAppend(&line, " ", p, t ? absl::StrCat("(", t->comm, ")") : "");
        }
        absl::StrAppend(&out, line, "\n");
        long fd = uk::sys_open(init, dir.c_str(), O_RDONLY | O_DIRECTORY);
        if (fd < 0) return;
        std::vector<std::string> subdirs;
        alignas(8) char buf[8192];
        long n;
        while ((n = uk::sys_getdents64(init, static_cast<int>(fd), buf, sizeof buf)) > 0) {
          for (long off = 0; off < n;) {
            auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
            std::string s = d->d_name;
            if (d->d_type == DT_DIR && s != "." && s != "..") subdirs.push_back(s);
            off += d->d_reclen;
          }
        }
        uk::sys_close(init, static_cast<int>(fd));
        std::sort(subdirs.begin(), subdirs.end());
        for (const auto& s : subdirs) show(dir + "/" + s, s, depth + 1);
      };
  std::vector<std::pair<std::string, std::string>> mounted;  // (dir, heading)
  {
    absl::MutexLock l(&mounts_mu_);
    for (const auto& [dir, m] : mounts_) {
      mounted.emplace_back(
          dir, absl::StrCat(dir, " (", m.type, m.data.empty() ? "" : " -o ", m.data, ")"));
    }
  }
  for (const auto& [dir, heading] : mounted) {
    absl::StrAppend(&out, heading, "\n");
    show(dir, "/", 1);
  }
  return out;
}

void supervisor::print_tree() {
  fputs(render_tree().c_str(), stdout);
  fflush(stdout);
}

// uk-run --tree-of (control_socket.h): answered on the control thread, as an
// observation of the tree under the tracker's lock. Without the socket (its name is
// taken) uk-run runs on and says so.
void supervisor::start_control_socket() {
  auto server =
      control_server::start(control_socket_name(opts_.outer_pidns, opts_.outer_pid),
                            [this](std::string_view request) -> absl::StatusOr<std::string> {
                              if (request != "tree")
                                return absl::InvalidArgumentError("unknown request");
                              std::string tree;
                              tracker_.observe([&] { tree = render_tree(); });
                              return tree;
                            });
  if (!server.ok()) {
    fprintf(stderr, "uk-run: no --tree-of for this run: %s\n",
            std::string(server.status().message()).c_str());
    return;
  }
  control_ = std::move(server).value();
}

void supervisor::teardown() {
  control_.reset();
  mounts_.clear();  // unmounts every FUSE filesystem
  for (const auto& d : created_dirs_) rmdir(d.c_str());
  if (trace_file_) fclose(trace_file_);
}

void supervisor::notify_loop() {
  while (!notify_stop_.load()) {
    memset(req_, 0, sizeof *req_);
    // EINTR (the stop signal), ENOENT (the tracee died or was interrupted meanwhile).
    if (seccomp_notify_receive(notify_fd_, req_) != 0) continue;
    serve(*req_);
    tracker_.release_zombies();  // an exit just served, unless a FUSE operation pins it
  }
  notify_done_.store(true);
}

void supervisor::start_notify_thread() {
  notify_thread_ = std::thread([this] { notify_loop(); });
}

// The receive blocks even once no tracee is left: SIGUSR1 (no SA_RESTART) ends it,
// sent again until the loop has seen the flag (a signal just before the ioctl is lost).
void supervisor::stop_notify_thread() {
  if (!notify_thread_.joinable()) return;
  notify_stop_.store(true);
  while (!notify_done_.load()) {
    pthread_kill(notify_thread_.native_handle(), SIGUSR1);
    usleep(1000);
  }
  notify_thread_.join();
}

void supervisor::run_check(bool final) {
  for (const std::string& v : tracker_.check(final)) {
    fprintf(stderr, "uk-run: --check: %s\n", v.c_str());
    check_failures_++;
  }
}

int supervisor::run() {
  req_ = nullptr;
  resp_ = nullptr;
  if (seccomp_notify_alloc(&req_, &resp_) != 0) {
    fprintf(stderr, "uk-run: seccomp_notify_alloc failed\n");
    return 125;
  }
  // Release agents: real processes with uk-run's rights (harness/release_agents.h).
  kernel_.set_usermode_helper(
      [this](const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
        agents_.spawn(argv, envp);
      });
  for (const auto& m : opts_.mounts) {
    const char* data = m.data.empty() ? nullptr : m.data.c_str();
    long r = container_mount(*kernel_.init_task(), m.type, m.dir, m.type, 0, data);
    if (r != 0) {
      fprintf(stderr, "uk-run: --mount %s:%s:%s: %s\n", m.type.c_str(), m.data.c_str(),
              m.dir.c_str(), strerror(static_cast<int>(-r)));
      teardown();
      return 125;
    }
  }
  if (absl::Status s = start_command(); !s.ok()) {
    fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
    reap_children();
    teardown();
    return 125;
  }
  if (opts_.cpu_shares) {
    cpu_enforcer_ = std::make_unique<cpu_enforcer>(kernel_, tracker_);
    cpu_enforcer_->start();
  }
  start_control_socket();
  net_enforcer_ = std::make_unique<net_enforcer>(kernel_, tracker_, trace_);
  net_enforcer_->start();

  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&sigs, s);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u64 = ~1ull;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sfd, &ev);
  ev.data.u64 = ~2ull;  // the tracker's pidfds: a process died
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, tracker_.exit_fd(), &ev);
  tracker_.set_event_checks(opts_.check);
  start_notify_thread();
  while (child_status_ < 0) {
    epoll_event evs[16];
    int n = epoll_wait(epoll_fd_, evs, 16, opts_.check ? 1000 : -1);
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
      if (tag == ~1ull) {
        signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {
          if (si.ssi_signo == SIGCHLD) {
            reap_children();
          } else {
            kill(child_, static_cast<int>(si.ssi_signo));  // forwarded to COMMAND
          }
        }
      } else if (tag == ~2ull) {
        tracker_.reap_exited();
      }
    }
    tracker_.release_zombies();  // the deaths above, unless a FUSE operation pins them
    if (opts_.check) {
      static struct timespec last;
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec > last.tv_sec) {
        last = now;
        run_check(false);
      }
    }
  }
  stop_notify_thread();
  cpu_enforcer_.reset();  // resumes whatever it stopped
  net_enforcer_.reset();  // unpaces what it paced
  tracker_.settle();
  kernel_.flush_work();  // release agents triggered by the last exits
  agents_.finish(1000, [this] { reap_children(); });
  if (opts_.check) run_check(true);
  if (opts_.tree) print_tree();
  teardown();
  seccomp_notify_free(req_, resp_);
  if (check_failures_ > 0) return 125;
  if (WIFSIGNALED(child_status_)) return 128 + WTERMSIG(child_status_);
  return WEXITSTATUS(child_status_);
}

void on_sigusr1(int) {}  // interrupts a FUSE loop's read or the notification receive

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

// The supervisor, as pid 1 of the new pid namespace.
int supervise(options opts, int parent_alive_fd) {
  std::set_new_handler(on_out_of_memory);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The outer uk-run may have died before the line above.
  struct pollfd p = {parent_alive_fd, POLLIN, 0};
  if (poll(&p, 1, 0) > 0) return 125;
  // Nothing mounted here propagates back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    perror("uk-run: making mounts private");
    return 125;
  }
  // /proc of the new pid namespace, so that pids read there are the tree's own.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    perror("uk-run: mounting /proc");
    return 125;
  }
  // Every thread (the kernel's worker, FUSE loops) starts with these blocked, so the
  // signalfd gets them.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&sigs, s);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  struct sigaction sa = {};
  sa.sa_handler = on_sigusr1;
  sigaction(SIGUSR1, &sa, nullptr);  // no SA_RESTART
  signal(SIGPIPE, SIG_IGN);
  supervisor s(std::move(opts));
  return s.run();
}

pid_t g_inner = -1;
void forward(int sig) {
  if (g_inner > 0) kill(g_inner, sig);
}

int outer_main(int argc, char** argv) {
#ifdef NDEBUG
  // Upstream absl checks lock order (deadlock detection) only without NDEBUG; Debian's
  // libabsl is built without it, so every build would pay a global graph update per
  // Mutex::Lock. Optimised builds drop it as upstream's would; the tests (fastbuild,
  // sanitizers) keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  options opts = parse_options(argc, argv);
  if (!opts.tree_of.empty()) return tree_of_main(opts.tree_of);
  opts.outer_pid = getpid();  // before the pid namespace: the user's view
  opts.outer_pidns = own_pid_namespace();
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (uid != 0) {
    // An unprivileged user gets a user namespace in which it is root (like
    // `unshare -r`): enough to own the mount and pid namespaces below and to mount
    // FUSE there; nothing outside it changes.
    if (unshare(CLONE_NEWUSER) != 0) {
      perror("uk-run: unshare(CLONE_NEWUSER)");
      return 125;
    }
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", absl::StrCat("0 ", uid, " 1")) ||
        !write_file("/proc/self/gid_map", absl::StrCat("0 ", gid, " 1"))) {
      perror("uk-run: writing the user namespace maps");
      return 125;
    }
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID) != 0) {
    perror("uk-run: unshare(CLONE_NEWNS|CLONE_NEWPID)");
    return 125;
  }
  int alive[2];
  if (pipe2(alive, O_CLOEXEC) != 0) return 125;
  struct sigaction sa = {};
  sa.sa_handler = forward;
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);
  pid_t inner = fork();
  if (inner < 0) {
    perror("uk-run: fork");
    return 125;
  }
  if (inner == 0) {
    close(alive[1]);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) signal(s, SIG_DFL);
    fflush(stdout);
    _exit(supervise(std::move(opts), alive[0]));
  }
  g_inner = inner;
  close(alive[0]);
  int status;
  while (waitpid(inner, &status, 0) < 0) {
    if (errno != EINTR) return 125;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace
}  // namespace ukrun

int main(int argc, char** argv) { return ukrun::outer_main(argc, argv); }
