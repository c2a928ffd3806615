// uk-run --rules FILE: exec-time placement in libcgroup's cgrules.conf format (what
// cgrulesengd applies), e.g.
//
//   # user[:process]   controllers   destination
//   *:firefox          cpu,cpuacct   browser/
//   @users:transmission-cli  cpu     bulk/
//   %                  cpuset        bulk/
//   alice              *             users/%u
//
// user is a name, a uid, `@group` or `*`; process (optional) is a program name matched
// against the exec'd file's base name, or its full path when it contains '/'; a
// trailing `*` matches any suffix. controllers is a comma list of subsystems or `*`
// (every mounted hierarchy). A `%` line continues the rule above it (same user and
// process, another destination). The first matching rule wins, with its `%` lines.
// destination is relative to each hierarchy's root and may use %u %U %g %G %p %P
// (user, uid, group, gid, process name, pid).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ukrun {

struct placement_rule {
  std::string user;                      // "*", "@group", a name or a uid
  std::string process;                   // "" matches every program
  std::vector<std::string> controllers;  // {"*"} = every hierarchy
  std::string destination;
  bool continuation = false;  // a `%` line
  int line = 0;
};

// Who execs what: the caller fills it from /proc/<pid>/status and the exec'd path.
struct exec_identity {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::string user_name, group_name;     // "" when the id has no name
  std::vector<std::string> user_groups;  // names of the groups listing the user
  std::vector<std::string> paths;        // the exec'd file: as given, resolved, ...
};

// One placement: write the pid into `destination`'s tasks in the hierarchies of
// `controllers`.
struct placement {
  std::vector<std::string> controllers;
  std::string destination;  // templates expanded, "/"-prefixed, no trailing '/'
  int line = 0;
};

absl::StatusOr<std::vector<placement_rule>> parse_rules(absl::string_view text);

// The placements of the first rule that matches `who` (empty if none does).
std::vector<placement> match_rules(const std::vector<placement_rule>& rules,
                                   const exec_identity& who);

}  // namespace ukrun
