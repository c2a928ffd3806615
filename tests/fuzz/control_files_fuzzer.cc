// Flag, uint and string control files (notify_on_release, release_agent, cpu's
// shares, cpuset's flags, memory_pressure_enabled ...): arbitrary bytes at arbitrary
// offsets. Errors are from the documented set; what was written reads back in the
// file's format; the invariants hold.
#include "tests/fuzz/fuzz_kernel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<uk::kernel> k = [] {
    auto k = uk::fuzz::boot();
    uk::task_struct& init = *k->init_task();
    uk::sys_mkdir(init, "/m", 0755);
    if (uk::sys_mount(init, "none", "/m", "container", 0, nullptr) != 0) abort();
    uk::sys_mkdir(init, "/m/a", 0755);
    return k;
  }();
  if (size < 2) return 0;
  static const char* const files[] = {"/m/a/notify_on_release",
                                      "/m/release_agent",
                                      "/m/a/shares",
                                      "/m/a/cpu_exclusive",
                                      "/m/a/mem_exclusive",
                                      "/m/a/memory_migrate",
                                      "/m/a/sched_load_balance",
                                      "/m/a/memory_spread_page",
                                      "/m/a/memory_spread_slab",
                                      "/m/memory_pressure_enabled",
                                      "/m/a/memory_pressure",
                                      "/m/a/releasable",
                                      "/m/a/usage",
                                      "/m/a/tasks",
                                      "/m/a/cpus",
                                      "/m/a/mems"};
  const char* file = files[data[0] % (sizeof files / sizeof files[0])];
  long offset = data[1] & 0x80 ? data[1] & 0x7f : -1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  uk::task_struct& init = *k->init_task();
  long r = uk::fuzz::write_file(init, file, rest, offset);
  uk::fuzz::expect_result(r, {EINVAL, E2BIG, ERANGE, EACCES, EBUSY, EIO, ESRCH, ENOSPC, ENOENT},
                          file);
  if (r >= 0 && static_cast<size_t>(r) != rest.size()) abort();
  std::string back = uk::fuzz::read_file(init, file);
  if (back != "ERR" && !back.empty() && back.back() != '\n') abort();
  uk::fuzz::check(*k, file);
  return 0;
}
