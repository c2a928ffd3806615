// CPU and node lists (uk/cpumask.h, uk/bitmap_str.h): each bitmap_parselist never
// crashes, its errors are its documented ones, and what it accepts prints back to a
// list that parses to the same mask. The same bytes then go to a cpuset's `cpus` and
// `mems` files.
#include "tests/fuzz/cpulist_roundtrip.h"
#include "tests/fuzz/fuzz_kernel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<uk::kernel> k = [] {
    auto k = uk::fuzz::boot();
    uk::task_struct& init = *k->init_task();
    uk::sys_mkdir(init, "/m", 0755);
    if (uk::sys_mount(init, "none", "/m", "container", 0, "cpuset") != 0) abort();
    if (uk::sys_mkdir(init, "/m/a", 0755) != 0) abort();
    return k;
  }();
  std::string_view s(reinterpret_cast<const char*>(data), size);
  uk::fuzz::cpulist_roundtrip<uk::NR_CPUS>(s);
  uk::fuzz::cpulist_roundtrip<uk::MAX_NUMNODES>(s);
  uk::task_struct& init = *k->init_task();
  uk::fuzz::expect_result(uk::fuzz::write_file(init, "/m/a/cpus", s),
                          {EINVAL, ERANGE, E2BIG, EBUSY, ENOSPC}, "cpus");
  uk::fuzz::expect_result(uk::fuzz::write_file(init, "/m/a/mems", s),
                          {EINVAL, ERANGE, E2BIG, EBUSY, ENOSPC}, "mems");
  // What was stored reads back as a list of online CPUs / nodes.
  std::string cpus = uk::fuzz::read_file(init, "/m/a/cpus");
  if (cpus.empty() || cpus.back() != '\n') abort();
  auto m = uk::bitmap_str::bitmap_parselist<uk::NR_CPUS>(
      std::string_view(cpus).substr(0, cpus.size() - 1), uk::NR_CPUS);
  if (!m.ok() || (m.value() & ~k->topo().cpu_online_mask()).any()) abort();
  return 0;
}
