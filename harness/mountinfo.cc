#include "harness/mountinfo.h"

#include <sys/sysmacros.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

std::string unmangle(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + s[i + 3] - '0'));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<mountinfo_line> parse_mountinfo(const std::string& text) {
  std::vector<mountinfo_line> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    mountinfo_line m;
    m.fields = absl::StrSplit(line, ' ');
    auto dash = std::find(m.fields.begin(), m.fields.end(), "-");
    std::vector<std::string> dev = absl::StrSplit(m.fields.size() > 2 ? m.fields[2] : "", ':');
    unsigned major = 0, minor = 0;
    if (m.fields.size() < 5 || dash == m.fields.end() || dash + 1 == m.fields.end() ||
        dev.size() != 2 || !absl::SimpleAtoi(m.fields[0], &m.id) ||
        !absl::SimpleAtoi(dev[0], &major) || !absl::SimpleAtoi(dev[1], &minor)) {
      continue;
    }
    m.dev = makedev(major, minor);
    m.root = unmangle(m.fields[3]);
    m.mount_point = unmangle(m.fields[4]);
    m.fstype = *(dash + 1);
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::vector<mountinfo_line>> own_mountinfo() {
  auto text = read_host_table("/proc/self/mountinfo");
  if (!text) return std::nullopt;
  return parse_mountinfo(*text);
}

}  // namespace ukrun
