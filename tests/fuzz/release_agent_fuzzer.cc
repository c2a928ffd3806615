// release_agent: arbitrary bytes written (E2BIG at PATH_MAX), read back, then a
// release is triggered; the agent gets exactly what was stored (up to the first NUL,
// one trailing newline dropped) and the container's path, or is not run when empty.
#include "absl/synchronization/mutex.h"
#include "tests/fuzz/fuzz_kernel.h"

namespace {
absl::Mutex mu;
std::vector<std::vector<std::string>> calls;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  struct world {
    std::unique_ptr<uk::kernel> k;
    uk::task_struct* t = nullptr;
  };
  static world w = [] {
    world w;
    w.k = uk::fuzz::boot();
    w.k->set_usermode_helper(
        [](const std::vector<std::string>& argv, const std::vector<std::string>&) {
          absl::MutexLock l(&mu);
          calls.push_back(argv);
        });
    uk::task_struct& init = *w.k->init_task();
    uk::sys_mkdir(init, "/m", 0755);
    if (uk::sys_mount(init, "none", "/m", "container", 0, "cpu") != 0) abort();
    uk::sys_mkdir(init, "/m/r", 0755);
    if (uk::fuzz::write_file(init, "/m/r/notify_on_release", "1") != 1) abort();
    w.t = w.k->do_fork(&init, 0).value();
    return w;
  }();
  uk::kernel& k = *w.k;
  uk::task_struct& init = *k.init_task();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  long r = uk::fuzz::write_file(init, "/m/release_agent", in);
  if (size >= PATH_MAX) {
    if (r != -E2BIG) abort();
    return 0;
  }
  if (r != static_cast<long>(size)) abort();
  std::string want(in);
  if (!want.empty() && want.back() == '\n') want.pop_back();
  want = std::string(want.c_str());
  if (uk::fuzz::read_file(init, "/m/release_agent") != want + "\n") abort();
  {
    absl::MutexLock l(&mu);
    calls.clear();
  }
  std::string pid = std::to_string(w.t->pid);
  if (uk::fuzz::write_file(init, "/m/r/tasks", pid) <= 0) abort();
  if (uk::fuzz::write_file(init, "/m/tasks", pid) <= 0) abort();
  k.flush_work();
  absl::MutexLock l(&mu);
  if (want.empty() ? !calls.empty()
                   : calls.size() != 1 || calls[0] != std::vector<std::string>{want, "/r"}) {
    abort();
  }
  return 0;
}
