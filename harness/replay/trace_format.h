// The trace's line format, version 8 (harness/README.md, "--trace FILE"): one JSON
// object per line, written by trace_recorder (uk-run --trace) and read by uk-replay,
// which also reads versions 1 to 7 (no "realtime" inputs in 1; no "reaped" or
// "affinity" inputs, `rules` or `observe` entries in 1 and 2; no `creds` before 4; no
// truncation, times, refused names, xattrs or fsync before 6; no poll before 7; no
// "cpustat" or "reaped_user" inputs before 8).
//
//   {"seq":0,"kind":"header","version":8,"flavour_default":"container",
//    "init_pid":1,"init_comm":"uk-run","init_real":true}
//   {"seq":1,"kind":"input","pid":0,"tid":0,"path":"","data":"","result":0,
//    "in":[["cpus",0,"0-1"]]}
//   {"seq":9,"kind":"write","pid":7,"tid":7,"path":"","data":"7\n","result":2,"fd":3,...}
//
// Every entry line has seq, kind, pid, tid, path, data and result; the other fields
// belong to some kinds only (vfs/entry_recorder.h lists which). Strings are byte
// strings: \u00XX stands for the byte XX (so any byte survives), and only the escapes
// this writer makes are read back. Lines with "event" instead of "kind" are uk-run's
// own notes (the tracker, release agents, the enforcers) and are skipped by readers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "vfs/entry_recorder.h"
#include "vfs/vfs_task.h"

namespace ukrun {

// Written; read: kOldestTraceVersion to kTraceVersion. Version 2 records inode times
// (input "realtime"); version 3 reaped CPU time ("reaped"), host CPU masks
// ("affinity"), the `rules` and `observe` entries, and orders lines as the kernel
// executed them (harness/README.md); version 4 a real task's observed change of ids
// (`creds`); version 5 its supplementary groups after the eight ids; version 6 the
// `truncate`, `ftruncate`, `utimes`, `mknod`, `symlink`, `link`, `setxattr`, `getxattr`,
// `listxattr`, `removexattr` and `fsync` entries; version 7 the `poll` entry; version 8
// CPU splits under the cgroup flavour's cpuacct ("cpustat", "reaped_user").
inline constexpr int kTraceVersion = 8;
inline constexpr int kOldestTraceVersion = 1;

// Debian's absl has its own string_view (not std's): for absl::StrCat.
inline absl::string_view asv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The name of a kind in the trace ("fork", "write" ...), and back.
const char* entry_kind_name(uk::entry_kind k);
std::optional<uk::entry_kind> entry_kind_from_name(std::string_view name);
const char* input_kind_name(uk::input_kind k);
// The entries whose `data` is what the call gave back (the bytes read, a getdents's
// names, the cwd, an xattr's value or list), into a buffer of `count` bytes: a replay
// compares them.
bool entry_returns_data(uk::entry_kind k);
std::optional<uk::input_kind> input_kind_from_name(std::string_view name);

// One move of a `rules` entry's decision, "TID TASKS": init's open of TASKS for
// writing, its write of TID and the close. uk-run's rules engine makes these calls
// (harness/placement.cc) and uk-replay makes them again, so both nest the same
// entries. The write's result, or the open's -errno.
long rules_move(uk::vfs_task& init, const std::string& tasks, pid_t tid);

// Appends `bytes` as a JSON string, quotes included.
void append_json_string(std::string* out, std::string_view bytes);

// getdents's records as the trace shows them: the names, each followed by '/' (a
// character no name holds). Records that do not fit are left out.
std::string dirent_names(std::string_view records);

// One host input an entry consumed: ["cputime",tid,ns] (value null: nothing to read).
struct trace_input {
  uk::input_kind kind;
  pid_t key = 0;
  std::optional<uint64_t> value;
  std::string text;   // cpus, mems
  bool used = false;  // taken by the replay
};

// A parsed line. String fields are decoded copies; every field a line lacks is left
// at its default.
struct trace_record {
  // mountpoint: uk-run's mount of the kernel's hierarchy at `path` shows at `data`
  // (the kernel mounts every hierarchy at a private path; harness/README.md).
  enum class type { header, input, entry, note, mountpoint } what = type::entry;
  uint64_t seq = 0;
  uk::entry_kind kind = uk::entry_kind::fork;
  pid_t pid = 0, tid = 0, target = 0;
  std::string path, path2, fstype, data, comm;
  int fd = -1, fd2 = -1;
  unsigned long flags = 0;
  unsigned mode = 0;
  long long arg = 0;
  size_t count = 0;
  long result = 0;
  bool nested = false;
  std::vector<trace_input> inputs;
  // The header.
  int version = 0;
  std::string flavour_default, init_comm;
  pid_t init_pid = 0;
  bool init_real = false;
};

// Parses one line (without its newline) into `out`, which is reset first (its buffers
// are reused: a replay parses a million lines into one record). An error says what
// and at which byte; the caller adds the line number.
absl::Status parse_trace_line(std::string_view line, trace_record* out);

}  // namespace ukrun
