// Path walk with arbitrary names: the input is split into up to four paths (at 0xff)
// that go to mkdir, open, stat, rename, rmdir and unlink in a namespace holding a
// container hierarchy, a ramfs-like rootfs tree and /proc. Every result is success or
// an errno a path walk may give; the invariants hold and the tree can still be torn
// down.
#include <sys/stat.h>

#include "tests/fuzz/fuzz_kernel.h"

namespace {

const std::initializer_list<int> kWalkErrnos = {
    ENOENT, ENOTDIR,   EISDIR, EEXIST, ENAMETOOLONG, ELOOP, EINVAL, EPERM,  EACCES,
    EBUSY,  ENOTEMPTY, EXDEV,  EIO,    ENODEV,       EROFS, ENOSPC, EMLINK, ESRCH};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto k = uk::fuzz::boot();
  uk::task_struct& init = *k->init_task();
  uk::sys_mkdir(init, "/m", 0755);
  if (uk::sys_mount(init, "none", "/m", "container", 0, "cpu,cpuacct") != 0) abort();
  uk::sys_mkdir(init, "/m/a", 0755);
  uk::sys_mkdir(init, "/d", 0755);
  std::vector<std::string> paths(1);
  for (size_t i = 0; i < size && paths.size() <= 4; i++) {
    if (data[i] == 0xff) {
      paths.emplace_back();
    } else {
      paths.back() += static_cast<char>(data[i]);
    }
  }
  while (paths.size() < 4) paths.push_back(paths.back());
  const char* p0 = paths[0].c_str();
  const char* p1 = paths[1].c_str();
  uk::fuzz::expect_result(uk::sys_mkdir(init, p0, 0755), kWalkErrnos, "mkdir");
  uk::fuzz::expect_result(uk::sys_mkdir(init, p1, 0755), kWalkErrnos, "mkdir");
  struct stat st;
  uk::fuzz::expect_result(uk::sys_stat(init, paths[2].c_str(), &st), kWalkErrnos, "stat");
  long fd = uk::sys_open(init, paths[3].c_str(), O_RDONLY);
  uk::fuzz::expect_result(fd, kWalkErrnos, "open");
  if (fd >= 0) {
    char buf[256];
    uk::fuzz::expect_result(uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf),
                            {EISDIR, EINVAL}, "read");
    uk::sys_close(init, static_cast<int>(fd));
  }
  uk::fuzz::expect_result(uk::sys_chdir(init, p1), kWalkErrnos, "chdir");
  uk::fuzz::expect_result(uk::sys_rename(init, p0, paths[2].c_str()), kWalkErrnos, "rename");
  uk::fuzz::expect_result(uk::sys_unlink(init, paths[3].c_str()), kWalkErrnos, "unlink");
  uk::fuzz::expect_result(uk::sys_rmdir(init, paths[2].c_str()), kWalkErrnos, "rmdir");
  uk::fuzz::expect_result(uk::sys_rmdir(init, p1), kWalkErrnos, "rmdir");
  uk::fuzz::check(*k, "path walk");
  uk::sys_chdir(init, "/");
  return 0;
}
