// Writes to `tasks`: arbitrary bytes, written whole or in pieces at arbitrary offsets,
// by root or by an unprivileged task. Errors are the documented ones (EIO, ESRCH,
// EACCES, E2BIG, ENOSPC for an empty cpuset) and the invariants hold after each.
#include "tests/fuzz/fuzz_kernel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  struct world {
    std::unique_ptr<uk::kernel> k;
    uk::task_struct* user = nullptr;
  };
  static world w = [] {
    world w;
    w.k = uk::fuzz::boot();
    uk::task_struct& init = *w.k->init_task();
    uk::sys_mkdir(init, "/m", 0755);
    if (uk::sys_mount(init, "none", "/m", "container", 0, nullptr) != 0) abort();
    for (const char* d : {"/m/a", "/m/a/b", "/m/c"}) uk::sys_mkdir(init, d, 0777);
    uk::fuzz::write_file(init, "/m/a/cpus", "0-3");
    uk::fuzz::write_file(init, "/m/a/mems", "0");
    uk::fuzz::write_file(init, "/m/a/b/cpus", "1");
    uk::fuzz::write_file(init, "/m/a/b/mems", "0");
    // /m/c keeps an empty cpuset: attaching there is ENOSPC.
    for (int i = 0; i < 6; i++) (void)w.k->do_fork(&init, 0);
    w.user = w.k->do_fork(&init, 0).value();
    w.user->uid = w.user->euid = w.user->suid = w.user->fsuid = 1000;
    return w;
  }();
  uk::kernel& k = *w.k;
  if (size == 0) return 0;
  uk::task_struct& who = (data[0] & 1) ? *w.user : *k.init_task();
  static const char* const files[] = {"/m/tasks", "/m/a/tasks", "/m/a/b/tasks", "/m/c/tasks"};
  const char* file = files[(data[0] >> 1) & 3];
  bool pieces = data[0] & 8;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  long fd = uk::sys_open(who, file, O_WRONLY);
  if (fd < 0) {
    uk::fuzz::expect_result(fd, {EACCES}, "open");
    return 0;
  }
  while (!rest.empty()) {
    size_t n = pieces ? std::min<size_t>(rest.size(), 1 + static_cast<uint8_t>(rest[0]) % 16)
                      : rest.size();
    long r = pieces ? uk::sys_pwrite64(who, static_cast<int>(fd), rest.data(), n, rest[0] & 7)
                    : uk::sys_write(who, static_cast<int>(fd), rest.data(), n);
    uk::fuzz::expect_result(r, {EIO, ESRCH, EACCES, EPERM, E2BIG, ENOSPC, EINVAL}, "tasks write");
    if (r > 0 && static_cast<size_t>(r) != n) abort();  // all or nothing
    rest.remove_prefix(n);
  }
  uk::sys_close(who, static_cast<int>(fd));
  uk::fuzz::check(k, "tasks write");
  return 0;
}
