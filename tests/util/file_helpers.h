// Shell-like helpers for tests that drive the kernel through the syscall-level API:
// `echo DATA > PATH`, `cat PATH` and `ls PATH`, each as a given task.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "vfs/syscalls.h"
#include "vfs/vfs_task.h"

namespace uk::testing {

// The write's result (bytes or -errno), or the open's -errno.
inline long write_file(vfs_task& t, const std::string& path, const std::string& data) {
  long fd = sys_open(t, path.c_str(), O_WRONLY);
  if (fd < 0) return fd;
  long n = sys_write(t, fd, data.data(), data.size());
  sys_close(t, fd);
  return n;
}

// The whole file, or "ERR:<errno>".
inline std::string read_file(vfs_task& t, const std::string& path) {
  long fd = sys_open(t, path.c_str(), O_RDONLY);
  if (fd < 0) return "ERR:" + std::to_string(-fd);
  std::string out;
  char buf[4096];
  long n;
  while ((n = sys_read(t, fd, buf, sizeof buf)) > 0) out.append(buf, n);
  sys_close(t, fd);
  if (n < 0) return "ERR:" + std::to_string(-n);
  return out;
}

// Directory entries without "." and "..", sorted.
inline std::vector<std::string> ls(vfs_task& t, const std::string& path) {
  std::vector<std::string> names;
  long fd = sys_open(t, path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return {"ERR:" + std::to_string(-fd)};
  alignas(8) char buf[8192];
  long n;
  while ((n = sys_getdents64(t, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<linux_dirent64*>(buf + off);
      std::string name = d->d_name;
      if (name != "." && name != "..") names.push_back(name);
      off += d->d_reclen;
    }
  }
  sys_close(t, fd);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace uk::testing
