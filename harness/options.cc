#include "harness/options.h"

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
  --version                  print uk-run's version and exit
  -h, --help                 this text

Exit status: COMMAND's, or 128+N if it was killed by signal N.
)";

[[noreturn]] void usage_error(const std::string& msg) {
  fprintf(stderr, "uk-run: %s\n(try uk-run --help)\n", msg.c_str());
  exit(2);
}

}  // namespace

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

}  // namespace ukrun
