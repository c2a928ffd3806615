// What the fuzz targets share: a kernel with the real subsystems on a fixed topology
// (4 CPUs, 2 memory nodes), file helpers through the syscall API, and the invariant
// check that turns a violation into a crash libFuzzer reports.
#pragma once

#include <fcntl.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subsys/registry.h"
#include "uk/invariants.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::fuzz {

inline std::unique_ptr<kernel> boot() {
  kernel_config cfg;
  cpumask_t cpus;
  for (int i = 0; i < 4; i++) cpus.set(i);
  nodemask_t mems;
  mems.set(0);
  mems.set(1);
  cfg.topo = topology(cpus, mems);
  auto k = std::make_unique<kernel>(default_subsys_registry(), cfg);
  // Release agents are recorded nowhere: the helper does nothing.
  k->set_usermode_helper([](const std::vector<std::string>&, const std::vector<std::string>&) {});
  return k;
}

// The write's result (bytes or -errno), or the open's -errno. At `offset` if >= 0.
inline long write_file(task_struct& t, const std::string& path, std::string_view data,
                       long offset = -1) {
  long fd = sys_open(t, path.c_str(), O_WRONLY);
  if (fd < 0) return fd;
  long n = offset >= 0 ? sys_pwrite64(t, static_cast<int>(fd), data.data(), data.size(), offset)
                       : sys_write(t, static_cast<int>(fd), data.data(), data.size());
  sys_close(t, static_cast<int>(fd));
  return n;
}

inline std::string read_file(task_struct& t, const std::string& path) {
  long fd = sys_open(t, path.c_str(), O_RDONLY);
  if (fd < 0) return "ERR";
  std::string out;
  char buf[4096];
  long n;
  while ((n = sys_read(t, static_cast<int>(fd), buf, sizeof buf)) > 0) out.append(buf, n);
  sys_close(t, static_cast<int>(fd));
  return out;
}

// Aborts with the violations (a finding) unless every invariant holds.
inline void check(kernel& k, const char* after = "") {
  std::vector<std::string> v = check_invariants(k);
  if (v.empty()) return;
  fprintf(stderr, "invariant violated after %s:\n", after);
  for (const auto& s : v) fprintf(stderr, "  %s\n", s.c_str());
  abort();
}

// Aborts unless `r` is 0/positive or one of the allowed -errnos.
inline void expect_result(long r, std::initializer_list<int> allowed, const char* what) {
  if (r >= 0) return;
  for (int e : allowed) {
    if (-r == e) return;
  }
  fprintf(stderr, "%s: unexpected errno %ld\n", what, -r);
  abort();
}

}  // namespace uk::fuzz
