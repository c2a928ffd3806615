#include "harness/command_core.h"

#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "harness/host_file.h"

namespace ukrun {

bool prepare_traceless_core(int filter_fd) {
  if (filter_fd < 0) return false;
  std::optional<std::string> read = read_host_file("/proc/sys/kernel/core_pattern");
  if (!read) return false;
  std::string pattern = *read;
  while (!pattern.empty() && pattern.back() == '\n') pattern.pop_back();
  if (pattern.empty() || pattern[0] == '|') return false;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return false;
  // The directory the core goes to (fs/coredump.c format_corename: a relative name is
  // the dumping process's cwd's).
  std::string path = pattern[0] == '/' ? pattern : std::string(cwd) + "/" + pattern;
  std::string dir = path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  if (dir.find('%') != std::string::npos) return false;
  struct rlimit core;
  if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_max == 0) return false;
  // Private first, so that the tmpfs does not propagate to the run's own namespace.
  if (unshare(CLONE_NEWNS) != 0) return false;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  if (mount("uk-run-core", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m") !=
      0) {
    return false;
  }
  if (pattern[0] != '/' && chdir(cwd) != 0) return false;  // onto the tmpfs, if it covers cwd
  if (write(filter_fd, "0", 1) != 1) return false;
  core.rlim_cur = core.rlim_max;
  if (setrlimit(RLIMIT_CORE, &core) != 0) return false;
  return prctl(PR_SET_DUMPABLE, 1) == 0;
}

}  // namespace ukrun
