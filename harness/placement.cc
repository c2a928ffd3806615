// Placing processes in containers from outside the tree: -g at start, --rules at exec.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/host_creds.h"
#include "harness/host_file.h"
#include "harness/replay/trace_format.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {

void supervisor::apply_rules(pid_t pid, int dirfd, const std::string& file) {
  exec_identity who;
  who.pid = pid;
  // The effective ids, as cgrulesengd takes them.
  std::optional<uk::task_creds> creds = read_host_creds(pid);
  if (!creds) return;
  who.uid = creds->euid;
  who.gid = creds->egid;
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
    std::optional<std::string> dir = read_host_link(absl::StrCat("/proc/", pid, "/fd/", dirfd));
    if (dir && !dir->empty()) abs = absl::StrCat(*dir, "/", file);
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
  // One `rules` entry holds the moves (vfs/entry_recorder.h): a replay makes the same
  // writes from the decision, without the rules file or the exec'ing process's ids.
  uk::entry_scope moves(kernel_.recorder(), uk::entry_kind::rules, kernel_.init_task());
  std::string decision;
  long err = 0;
  for (const placement& p : where) {
    for (const std::string& c : p.controllers) {
      for (pid_t tid : tids) {
        if (!kernel_.find_task_by_pid(tid)) continue;
        absl::Status s =
            join_group(tid, c, p.destination, moves.recording() ? &decision : nullptr, &err);
        if (!s.ok()) {
          // As cgrulesengd: the destination must exist; the process stays where it is.
          fprintf(stderr, "uk-run: --rules line %d: %s (pid %d): %s\n", p.line, file.c_str(), tid,
                  std::string(s.message()).c_str());
          break;
        }
      }
    }
  }
  if (!moves.recording()) return;
  moves->target = pid;
  moves->path = file;
  moves->arg = where.front().line;
  moves->data = decision;
  moves.done(err);
}

// -g SUBSYS[,SUBSYS]:PATH: the hierarchy whose mount options name SUBSYS (or all).
absl::Status supervisor::join_group(pid_t pid, const std::string& subsystems,
                                    const std::string& path, std::string* decision, long* err) {
  std::vector<std::string> wanted = absl::StrSplit(subsystems, ',', absl::SkipEmpty());
  struct hierarchy {
    std::string kdir, type, data;
  };
  std::vector<hierarchy> mounted;
  {
    absl::MutexLock l(&mounts_mu_);
    for (const mount_rec& m : mounts_) {
      if (!m.detached) mounted.push_back({m.kdir, m.type, m.data});
    }
  }
  if (wanted.size() == 1 && wanted[0] == "*") {
    // Every mounted hierarchy (cgrules.conf's `*`).
    wanted.clear();
    for (const hierarchy& h : mounted) wanted.push_back("*" + h.kdir);
  }
  for (absl::string_view want : wanted) {
    const std::string* dir = nullptr;
    for (const hierarchy& m : mounted) {
      bool all = true, has = false;
      for (absl::string_view o : absl::StrSplit(m.data, ',', absl::SkipEmpty())) {
        if (o == "noprefix" || o.rfind("release_agent=", 0) == 0) continue;
        all = all && o == "all";
        has = has || o == want || o == "all";
      }
      if (has || (all && (m.type == "container" || m.type == "cgroup"))) dir = &m.kdir;
      if (m.type == "cpuset" && want == "cpuset") dir = &m.kdir;
      if (want[0] == '*' && want.substr(1) == m.kdir) dir = &m.kdir;
    }
    if (!dir) return absl::NotFoundError(absl::StrCat("-g: no hierarchy mounted with ", want));
    std::string tasks = absl::StrCat(*dir, path == "/" ? "" : path, "/tasks");
    uk::task_struct& init = *kernel_.init_task();
    long r = rules_move(init, tasks, pid);
    if (decision != nullptr) absl::StrAppend(decision, pid, " ", tasks, "\n");
    if (r < 0 && err != nullptr && *err == 0) *err = r;
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

}  // namespace ukrun
