// Mount options, the parser alone: parse_containerfs_options on arbitrary bytes against
// a booted kernel's subsystems, no mount. Errors are EINVAL/ENOENT; a success names at
// least one subsystem and parsing is deterministic. mount_options_fuzzer adds the real
// mount, mkdir, remount and umount. Seeds: corpus/mount_options.
#include "tests/fuzz/fuzz_kernel.h"
#include "uk/containerfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<uk::kernel> k = uk::fuzz::boot();
  std::string opts(reinterpret_cast<const char*>(data), size);  // mount(2) stops at NUL
  auto parsed = uk::parse_containerfs_options(k->containers(), opts.c_str());
  auto again = uk::parse_containerfs_options(k->containers(), opts.c_str());
  if (parsed.ok() != again.ok()) abort();
  if (!parsed.ok()) {
    int e = parsed.error().code();
    if (e != EINVAL && e != ENOENT) abort();
    if (again.error().code() != e) abort();
  } else if (parsed->subsys_bits == 0 || again->subsys_bits != parsed->subsys_bits) {
    abort();
  }
  return 0;
}
