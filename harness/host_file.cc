#include "harness/host_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_split.h"

namespace ukrun {

namespace {

// The file's text; at the first short read if `short_read_ends` (read_host_file).
std::optional<std::string> read_text(const std::string& path, bool short_read_ends) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (short_read_ends && static_cast<size_t>(n) < sizeof buf) break;
  }
  ::close(fd);
  if (n < 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> read_host_file(const std::string& path) {
  std::optional<std::string> text = read_text(path, true);
  if (!text || text->empty()) return std::nullopt;
  return text;
}

std::optional<std::string> read_host_table(const std::string& path) {
  return read_text(path, false);
}

std::optional<std::string> read_host_link(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<proc_stat_head> parse_proc_stat(const std::string& stat) {
  size_t open_paren = stat.find('(');
  size_t close_paren = stat.rfind(')');
  if (open_paren == std::string::npos || close_paren == std::string::npos ||
      close_paren < open_paren) {
    return std::nullopt;
  }
  proc_stat_head h;
  h.comm = stat.substr(open_paren + 1, close_paren - open_paren - 1);
  int ppid;
  if (sscanf(stat.c_str() + close_paren + 1, " %c %d", &h.state, &ppid) != 2) return std::nullopt;
  h.ppid = ppid;
  return h;
}

std::optional<proc_stat_head> read_proc_stat(pid_t pid) {
  std::optional<std::string> stat = read_host_file("/proc/" + std::to_string(pid) + "/stat");
  return stat ? parse_proc_stat(*stat) : std::nullopt;
}

std::optional<std::vector<std::string>> read_proc_stat_fields(const std::string& path) {
  std::optional<std::string> text = read_host_file(path);
  if (!text) return std::nullopt;
  size_t close_paren = text->rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  return absl::StrSplit(absl::string_view(*text).substr(close_paren + 1), ' ', absl::SkipEmpty());
}

uint64_t clock_ticks_ns(uint64_t ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return ticks * (1000000000ull / static_cast<uint64_t>(hz > 0 ? hz : 100));
}

std::vector<int> numeric_entries(const std::string& dir, int* err) {
  std::vector<int> out;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (err != nullptr) *err = errno;
    return out;
  }
  while (struct dirent* e = readdir(d)) {
    char* end;
    long v = strtol(e->d_name, &end, 10);
    if (*end == 0 && v >= 0 && e->d_name[0] != 0) out.push_back(static_cast<int>(v));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string_view> proc_status_field(const std::string& status, std::string_view key) {
  std::string line_start = "\n";
  line_start.append(key);
  size_t at = status.find(line_start);
  if (at == std::string::npos) return std::nullopt;
  at = status.find_first_not_of(" \t", at + line_start.size());
  if (at == std::string::npos) return std::string_view();
  size_t end = status.find('\n', at);
  return std::string_view(status).substr(at, end == std::string::npos ? end : end - at);
}

}  // namespace ukrun
