// A thread's ids on the host (host_creds.h).
#include "harness/host_creds.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

// The numbers on the line `key` of a status text, or nullopt without the line or with
// a field that is not a number.
std::optional<std::vector<uint32_t>> numbers(const std::string& status, std::string_view key) {
  std::optional<std::string_view> line = proc_status_field(status, key);
  if (!line) return std::nullopt;
  std::vector<uint32_t> out;
  for (absl::string_view f : absl::StrSplit(absl::string_view(line->data(), line->size()),
                                            absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    if (!absl::SimpleAtoi(f, &out.emplace_back())) return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<uk::task_creds> parse_status_creds(const std::string& status) {
  // Real, effective, saved and filesystem ids; then the supplementary groups (an empty
  // line: none).
  auto u = numbers(status, "Uid:"), g = numbers(status, "Gid:"),
       groups = numbers(status, "Groups:");
  if (!u || u->size() != 4 || !g || g->size() != 4 || !groups) return std::nullopt;
  uk::task_creds c{(*u)[0], (*u)[1], (*u)[2],
                   (*u)[3], (*g)[0], (*g)[1],
                   (*g)[2], (*g)[3], std::vector<gid_t>(groups->begin(), groups->end())};
  std::sort(c.groups.begin(), c.groups.end());
  return c;
}

std::optional<uk::task_creds> read_host_creds(pid_t tid) {
  std::optional<std::string> status = read_host_file(absl::StrCat("/proc/", tid, "/status"));
  if (!status) return std::nullopt;
  return parse_status_creds(*status);
}

}  // namespace ukrun
