// Mount options: parse_containerfs_options on arbitrary bytes, then a real mount,
// a mkdir, a remount with the same options and the umount. Every error is one the
// parser documents; the hierarchy is gone afterwards and the invariants hold.
#include <sys/mount.h>

#include "tests/fuzz/fuzz_kernel.h"
#include "uk/containerfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<uk::kernel> k = [] {
    auto k = uk::fuzz::boot();
    uk::sys_mkdir(*k->init_task(), "/m", 0755);
    return k;
  }();
  uk::task_struct& init = *k->init_task();
  std::string opts(reinterpret_cast<const char*>(data), size);  // mount(2) stops at NUL
  auto parsed = uk::parse_containerfs_options(k->containers(), opts.c_str());
  if (!parsed.ok()) {
    int e = parsed.error().code();
    if (e != EINVAL && e != ENOENT) abort();
  } else if (parsed->subsys_bits == 0) {
    abort();
  }
  long r = uk::sys_mount(init, "none", "/m", "container", 0, opts.c_str());
  if (parsed.ok() != (r == 0)) abort();  // a fresh kernel: only the parser can refuse
  if (r == 0) {
    uk::fuzz::expect_result(uk::sys_mkdir(init, "/m/x", 0755), {}, "mkdir");
    // Same options: no change (EBUSY only because of the child).
    uk::fuzz::expect_result(
        uk::sys_mount(init, "none", "/m", "container", MS_REMOUNT, opts.c_str()), {EBUSY},
        "remount");
    uk::fuzz::check(*k, "mount");
    uk::fuzz::expect_result(uk::sys_rmdir(init, "/m/x"), {}, "rmdir");
    uk::fuzz::expect_result(uk::sys_umount(init, "/m", 0), {}, "umount");
    k->flush_work();
  }
  return 0;
}
