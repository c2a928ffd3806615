// Control-file names between the two mount flavours, for `uk-replay --flavour`: a
// trace recorded on `-t container` (V10 names: `shares`, `rate_bps`) replayed on
// `-t cgroup` (v1 names: `cpu.shares`, `net.rate_bps`), and back.
//
// The names are learnt, not listed: a scratch kernel mounts each subsystem under each
// flavour (selected by the mount type string only) and lists a hierarchy's root and a
// child, so the table follows whatever files the flavours have. A name that one
// flavour lacks (`cgroup.procs`, `cgroup.clone_children`) is left as it is: its
// replay fails as the other flavour fails it (ENOENT).
#pragma once

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "harness/replay/trace_format.h"

namespace ukrun {

class flavour_map {
 public:
  // Boots the scratch kernel (a few milliseconds); shared() does it once per process.
  flavour_map();
  static const flavour_map& shared();

  // `name` (a file name, no '/') of a `from` hierarchy as the `to` flavour names it;
  // `from` and `to` are "container" or "cgroup".
  std::string map(std::string_view from, std::string_view to, std::string_view name) const;

  // Whether `type` is a flavour's mount type, i.e. one `--flavour` replaces.
  static bool is_flavour(std::string_view type) { return type == "container" || type == "cgroup"; }

 private:
  absl::flat_hash_map<std::string, std::string> to_cgroup_, to_container_;
};

}  // namespace ukrun
