// The lines of a mountinfo file (proc(5)), for the supervisor's mount table
// (mount_table.cc) and for finding which procfs a trapped open reaches (proc_path.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ukrun {

// One line of mountinfo.
struct mountinfo_line {
  uint64_t id = 0;
  dev_t dev = 0;
  std::string root;         // of the mount within its filesystem, unescaped
  std::string mount_point;  // unescaped (show_mountinfo's mangle: \ooo)
  std::string fstype;
  std::vector<std::string> fields;  // the whole line, split
};

// The lines of `text` that parse.
std::vector<mountinfo_line> parse_mountinfo(const std::string& text);
// Those of /proc/self/mountinfo, or nullopt if it cannot be read.
std::optional<std::vector<mountinfo_line>> own_mountinfo();

}  // namespace ukrun
