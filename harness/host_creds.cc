// A thread's ids on the host (host_creds.h).
#include "harness/host_creds.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

// The four ids after `key` ("Uid:" or "Gid:") at the start of a line.
bool four_ids(const std::string& status, absl::string_view key, uint32_t out[4]) {
  size_t at = status.rfind(absl::StrCat("\n", key), std::string::npos);
  if (at == std::string::npos) return false;
  at += key.size() + 1;
  size_t end = status.find('\n', at);
  std::vector<absl::string_view> f = absl::StrSplit(
      absl::string_view(status).substr(at, end == std::string::npos ? end : end - at),
      absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (f.size() != 4) return false;
  for (int i = 0; i < 4; i++) {
    if (!absl::SimpleAtoi(f[i], &out[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<uk::task_creds> parse_status_creds(const std::string& status) {
  uint32_t u[4], g[4];
  if (!four_ids(status, "Uid:", u) || !four_ids(status, "Gid:", g)) return std::nullopt;
  uk::task_creds c{u[0], u[1], u[2], u[3], g[0], g[1], g[2], g[3]};
  // "Groups:" lists the supplementary groups, space-separated (none: the line is empty).
  size_t at = status.find("\nGroups:");
  if (at == std::string::npos) return std::nullopt;
  at += 8;
  size_t end = status.find('\n', at);
  for (absl::string_view id : absl::StrSplit(
           absl::string_view(status).substr(at, end == std::string::npos ? end : end - at),
           absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    gid_t gid;
    if (!absl::SimpleAtoi(id, &gid)) return std::nullopt;
    c.groups.push_back(gid);
  }
  std::sort(c.groups.begin(), c.groups.end());
  return c;
}

std::optional<uk::task_creds> read_host_creds(pid_t tid) {
  std::optional<std::string> status = read_host_file(absl::StrCat("/proc/", tid, "/status"));
  if (!status) return std::nullopt;
  return parse_status_creds(*status);
}

}  // namespace ukrun
