#include "harness/cgroup_root.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ukrun {

absl::Status mount_cgroup_root() {
  struct stat sb;
  if (stat(kCgroupRoot, &sb) != 0 || !S_ISDIR(sb.st_mode)) return absl::OkStatus();
  // Options as a v1 distribution's (systemd's) tmpfs there, but writable: root inside
  // may make mount points for its own hierarchies.
  if (mount(kCgroupRootSource, kCgroupRoot, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "mode=755") != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mounting a tmpfs over ", kCgroupRoot));
  }
  return absl::OkStatus();
}

std::vector<bool> covered_by_cgroup_root(const std::vector<absl::string_view>& lines,
                                         mount_table t) {
  std::vector<bool> covered(lines.size(), false);
  std::vector<std::vector<absl::string_view>> fields;
  fields.reserve(lines.size());
  for (absl::string_view line : lines) fields.push_back(absl::StrSplit(line, ' '));
  const size_t mp = mount_point_field(t);
  auto is_root_tmpfs = [&](const std::vector<absl::string_view>& f) {
    if (f.size() <= mp || f[mp] != kCgroupRoot) return false;
    type_and_source at = type_and_source_fields(f, t);
    return std::max(at.type, at.source) < f.size() && f[at.type] == "tmpfs" &&
           f[at.source] == kCgroupRootSource;
  };
  size_t root = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    if (is_root_tmpfs(fields[i])) {
      root = i;
      break;
    }
  }
  const std::string below = absl::StrCat(kCgroupRoot, "/");
  for (size_t i = 0; i < root && root < lines.size(); i++) {
    const auto& f = fields[i];
    covered[i] = f.size() > mp && (f[mp] == kCgroupRoot || absl::StartsWith(f[mp], below));
  }
  return covered;
}

}  // namespace ukrun
