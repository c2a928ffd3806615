#include "harness/options.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/version.h"

namespace ukrun {
namespace {

constexpr char kUsage[] = R"(usage: uk-run [OPTIONS] -- COMMAND [ARGS...]
       uk-run --tree-of PID

Runs COMMAND and every process it creates as tasks of the uk mini kernel (the 2007
process containers patch). Inside, `mount -t container [-o SUBSYS,...] NAME DIR`
(or -t cgroup) mounts a container hierarchy at DIR for this process tree only, and
/proc/<pid>/container, /proc/<pid>/cpuset and /proc/containers show uk's view.
Nothing on the host changes but the run's own host cgroup subtrees (below): no
other host cgroup, no host mount.

The tree runs as root in user, mount and pid namespaces of its own, whoever starts
it. Started by root, the user namespace maps every uid and gid to itself (files keep
their owners, chown and setuid programs work), but root's capabilities stop at the
host's namespaces; started by another user, it maps only that user, to root.
/sys/fs/cgroup inside is an empty tmpfs of uk-run's, which hides the host's cgroup
mounts and cannot be unmounted from inside. The new mount API (fsopen, fsmount,
move_mount, open_tree, mount_setattr, ...) fails with ENOSYS, so mount(8) uses
mount(2), which uk-run answers; a cgroup namespace cannot be made (EPERM).

A cpuset's cpus set the real CPU affinity of its processes. Started by root on a host
with the v1 cpuset hierarchy, uk-run mirrors its cpusets into host cpusets of the
run's own (uk-run.PID.RANDOM below its cpuset, removed at exit, SIGKILL included) and
moves processes there, so the host's kernel answers a program's own sched_setaffinity
(taskset) exactly: the intersection with its cpuset, EINVAL when that is empty.
Elsewhere (not root, no v1 cpuset) a mask a program sets itself is bounded by its
cpuset when uk-run next looks (any access to a container file, a trapped call,
--tree): until then the task runs on what it asked for, and a mask with no CPU of its
cpuset succeeds (the kernel says EINVAL) and is then undone. A cpuset's mems are
bookkeeping only: a process's memory policy cannot be set from another process.

Options:
  --mount TYPE:OPTIONS:DIR   mount a hierarchy before COMMAND starts, e.g.
                             --mount container:cpu,cpuacct:/containers/cpu
                             (DIR and its missing parents are created, and
                             removed at exit)
  --cgroup-v1-layout         mount hierarchies under /sys/fs/cgroup as a cgroup v1
                             distribution does: systemd (none,name=systemd),
                             cpuset, cpu,cpuacct (with cpu and cpuacct links),
                             freezer and pids, all -t cgroup (pids.max is
                             enforced only with --pids)
  --no-userns                root only: keep the host's user namespace, for what
                             needs capabilities there (userfaultfd for kernel
                             faults, real-time scheduling, raising hard rlimits);
                             /sys/fs/cgroup's tmpfs can then be unmounted inside
  -g SUBSYS[,SUBSYS]:PATH    start COMMAND in container PATH of the hierarchy
                             holding SUBSYS (like cgexec); repeatable
  --rules FILE               exec-time placement, cgrules.conf format (like
                             cgrulesengd): a traced process that execs a matching
                             program is moved before the new image runs. Traps
                             execve: under a signal handler without SA_RESTART an
                             exec can then fail with EINTR (measured under a
                             signal barrage: 22-43 execs in 2000)
  --pids                     trap forks so that the pids subsystem's pids.max is
                             enforced (a fork over the limit fails with EAGAIN);
                             implied by a --mount that binds pids (without it,
                             writing a limit fails with EOPNOTSUPP). See
                             harness/README.md for the cost (a rare EINTR)
  --net                      trap connect/accept/accept4 so that a new TCP socket in
                             a container with net.rate_bps is paced from its first
                             byte (without it, within 100 ms); implied by a --mount
                             that binds net
  --exact-exits              trap exit/exit_group, so that every exit reaches uk
                             before the process can be reaped (by default exits
                             are observed through pidfds, and a process whose
                             parent exits before anyone looked joins init's
                             containers). Under a signal handler without
                             SA_RESTART an exit can then fail and the process
                             die by SIGSEGV (measured under a signal barrage:
                             0-15 exits in 2000)
  --trace FILE               write one JSON line per fork/exec/exit/attach/mount
  --tree                     print every hierarchy with its tasks when COMMAND ends
  --end-with-command         end the run when COMMAND exits: whatever it left
                             running in the background is killed (as with
                             `unshare --fork --pid` or bubblewrap). By default it
                             goes on, as natively: uk-run exits with COMMAND's
                             status, and its supervisor (uk-supervisor) stays
                             until the last of those processes has exited
  --tree-of PID              print that view now for the running uk-run PID, or
                             the one running process PID (from outside it; same
                             user or root; exit 1 if there is none)
  --check                    check uk's invariants (uk/invariants.h) and the task
                             table against /proc every second and at the end;
                             violations are printed and make uk-run exit 125
  --proc / --no-proc         emulate (default) or not /proc/<pid>/container,
                             /proc/<pid>/cpuset and /proc/containers; --no-proc
                             stops trapping open(2)
  --cpu-enforcement=MODE     how containers get CPU in proportion to the cpu
                             subsystem's shares (harness/README.md, "CPU shares"):
                             host-cgroup: the host's scheduler, through a host
                               cgroup subtree of the run's own, mirroring uk's cpu
                               containers (uk-run.<pid>.<random>, removed at exit,
                               or by the next run if a runner killed its helper);
                               a program sees nothing: no signal, no stop, its
                               /proc/<pid>/cgroup is uk's; freezer.state then
                               uses cgroup2's freeze where it can (no signal)
                             signals: SIGSTOP/SIGCONT duty cycling; a program sees
                               SIGCONT at each resume, a shell with job control may
                               report its job "Stopped"
                             none: not enforced; the host shares per thread
                             Default: host-cgroup where the host allows it (root with
                             the v1 cpu hierarchy, or cgroup2 with cpu delegated),
                             else signals; which one is said on stderr once, when cpu
                             is first mounted
  --no-cpu-shares            --cpu-enforcement=none
  --nodes N                  present N memory nodes (0 to N-1) to the tree: uk's
                             cpuset (the top cpuset's mems) and, read-only,
                             /sys/devices/system/node/{possible,online,has_memory,
                             has_normal_memory}. Bookkeeping only: the host still
                             has its own nodes, so a real mbind or set_mempolicy
                             to a node it lacks fails (EINVAL)
  --cpus LIST                present only these of the host's online CPUs (e.g. 0
                             or 0-1,3): every process of the run gets them as its
                             affinity (nproc, taskset), uk's top cpuset has them,
                             and /sys/devices/system/cpu/{online,offline} (and
                             cpuN/online) show the others hot-unplugged (still
                             possible and present). A CPU the host does not have
                             online is an error
  --verbose                  print one line on stderr per FUSE mount naming its
                             transport (io_uring, or /dev/fuse and why), and
                             one for the emulated /proc files' FUSE filesystem
  --version                  print uk-run's version and exit
  -h, --help                 this text

What COMMAND can still tell (README.md, "What a program can still tell"): uk's
/proc/<pid>/cgroup, /proc/cgroups, mount tables and /sys/fs/cgroup; a pid namespace of
its own (COMMAND's parent is pid 1, ps lists the run only, getpgrp and getsid say 0);
Seccomp: 2 in /proc/<pid>/status (not in prctl(PR_GET_SECCOMP)); an emulated /proc file's
st_dev and mnt_id; what COMMAND leaves running in the background goes on after uk-run has
exited, as natively, but as a child of the run's pid 1 (uk-supervisor, which stays until
the last of them has exited and takes them with it if it is killed); a signal sent by pid
to both uk-run and its supervisor (uk-supervisor) within 3 s is taken for one sent to
their process group and does not reach COMMAND; a SIGSTOP or, while COMMAND runs, a
SIGCONT sent to uk-run alone does not reach it; a non-root user's run is uid 0 of a user
namespace mapping that uid alone; a process that changes its ids is checked with them and
its groups, without capabilities; a mount on a missing directory makes it; ENOSYS for the
new mount API, clone3 and (with /proc emulation) openat2, statmount and listmount; EBUSY
for a second seccomp listener (uk-run cannot run inside uk-run), and a filter's RET_TRACE
or RET_LOG (strace --seccomp-bpf) misses the trapped calls; EPERM for a cgroup namespace
and, as root, for what needs the host's user namespace (unless --no-userns); EOPNOTSUPP
for a pids.max limit without --pids, and for a CPU quota (cpu.cfs_quota_us) or an RT
runtime (cpu.rt_runtime_us), which uk does not enforce; a double-forked child starts in the root containers;
without host cpusets, a CPU mask outside its cpuset holds until uk-run next looks
(above); trapped calls take microseconds more and, under a signal handler without
SA_RESTART, can fail with EINTR: with /proc emulation every read-only open of a file is
trapped (--no-proc: none is); --exact-exits, --rules and --pids add theirs (above);
--cpu-enforcement=signals adds SIGSTOP/SIGCONT.

Exit status: COMMAND's. If COMMAND was killed by signal N, uk-run then kills itself with
N: a shell says 128+N, and a parent's waitpid sees the signal, with the core flag if
COMMAND dumped a core (uk-run's own dump goes to a tmpfs that ends with it; where
kernel.core_pattern is a pipe, the flag is lost, as the helper would get the dump).
)";

}  // namespace

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
    } else if (a == "--version") {
      printf("uk-run %s\n", kVersion);
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
      if (o.trace_file.empty()) usage_error("--trace wants a FILE, got an empty name");
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
    } else if (a == "--exact-exits") {
      o.exact_exits = true;
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--proc") {
      o.proc = true;
    } else if (a == "--no-proc") {
      o.proc = false;
    } else if (a == "--no-userns") {
      if (getuid() != 0) usage_error("--no-userns: only root can run without a user namespace");
      o.userns = false;
    } else if (a == "--cgroup-v1-layout") {
      o.cgroup_v1_layout = true;
    } else if (a == "--no-cpu-shares") {
      o.cpu = options::cpu_mode::none;
    } else if (a == "--cpu-enforcement" || a.rfind("--cpu-enforcement=", 0) == 0) {
      v = a == "--cpu-enforcement" ? value(a) : a.substr(18);
      if (v == "host-cgroup") {
        o.cpu = options::cpu_mode::host_cgroup;
      } else if (v == "signals") {
        o.cpu = options::cpu_mode::signals;
      } else if (v == "none") {
        o.cpu = options::cpu_mode::none;
      } else {
        usage_error("--cpu-enforcement wants host-cgroup, signals or none, got " + v);
      }
    } else if (a == "--nodes" || a.rfind("--nodes=", 0) == 0) {
      auto n = parse_nodes(a == "--nodes" ? value(a) : a.substr(8));
      if (!n.ok()) usage_error(std::string(n.status().message()));
      o.topology.nodes = *n;
    } else if (a == "--cpus" || a.rfind("--cpus=", 0) == 0) {
      auto cpus = parse_cpus(a == "--cpus" ? value(a) : a.substr(7));
      if (!cpus.ok()) usage_error(std::string(cpus.status().message()));
      o.topology.cpus = *cpus;
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "--end-with-command") {
      o.end_with_command = true;
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

}  // namespace ukrun
