// Reads of small host files (/proc, /sys) for the launcher: the kernel's layers (uk/,
// vfs/, subsys/, sched/) read none; what they need of the host comes through the
// seams uk-run installs (cputime_host.h, freezer_host.h, enforcer_host.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ukrun {

// The whole file, or nullopt if it cannot be opened or read or is empty. A read that
// does not fill the buffer is taken as the end: /proc and /sys make a file's whole text
// at once, and the extra read for EOF was a tenth of the launcher's work per fork.
std::optional<std::string> read_host_file(const std::string& path);
// The whole file, read to its end, or nullopt if it cannot be opened or read: for the
// seq_file tables (mountinfo, mounts), whose reads return whole lines and often stop
// short of the buffer before the end.
std::optional<std::string> read_host_table(const std::string& path);

// The target of the symlink `path` (often a magic link: /proc/<tid>/cwd, fd/N), or
// nullopt if it is none or cannot be read.
std::optional<std::string> read_host_link(const std::string& path);

// The comm, state and parent fields of a /proc/<pid>/stat line ("pid (comm) state ppid
// ...", where comm may hold spaces and parentheses), or nullopt if it does not parse.
struct proc_stat_head {
  std::string comm;
  char state;
  pid_t ppid;
};
std::optional<proc_stat_head> parse_proc_stat(const std::string& stat);
// That of /proc/<pid>/stat, or nullopt (no such process, or it does not parse).
std::optional<proc_stat_head> read_proc_stat(pid_t pid);
// The fields of the stat file at `path` after the ")" closing comm, so that field N of
// proc(5) is [N - 3] (state is [0], utime [11], cutime [13], processor [36]), or
// nullopt (no such file, or no ")").
std::optional<std::vector<std::string>> read_proc_stat_fields(const std::string& path);
// /proc's clock ticks (USER_HZ: utime, stime, cutime, cstime) in ns.
uint64_t clock_ticks_ns(uint64_t ticks);

// The numeric entries of a directory (/proc, /proc/<pid>/task, /proc/self/fd),
// ascending. If it cannot be opened, none, and `*err` (when given) is set to the errno.
std::vector<int> numeric_entries(const std::string& dir, int* err = nullptr);

// The value of the line `key` (e.g. "CapEff:") of a /proc/<pid>/status text, without
// the blanks after the key, or nullopt if there is no such line. (The text's first line
// is Name:, so every key asked for follows a newline.)
std::optional<std::string_view> proc_status_field(const std::string& status, std::string_view key);

}  // namespace ukrun
