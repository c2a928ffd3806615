#include "harness/host_threads.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "harness/host_file.h"

namespace ukrun {

std::vector<uk::host_thread> list_host_threads(const std::string& proc_dir, int* err) {
  std::vector<uk::host_thread> out;
  auto failed = [err](int e) {
    if (err != nullptr && e != ENOENT && e != ESRCH) *err = e;
  };
  auto entries = [&failed](const std::string& dir) {
    int e = 0;
    std::vector<int> ids = numeric_entries(dir, &e);
    if (e != 0) failed(e);
    return ids;
  };
  for (pid_t tgid : entries(proc_dir)) {
    std::string task_dir = absl::StrCat(proc_dir, "/", tgid, "/task");
    for (pid_t tid : entries(task_dir)) {
      uk::host_thread h{tid, tgid, '?'};
      int fd = open(absl::StrCat(task_dir, "/", tid, "/stat").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        failed(errno);  // ENOENT: gone meanwhile
        continue;
      }
      char buf[512];
      ssize_t n = read(fd, buf, sizeof buf - 1);
      close(fd);
      if (n <= 0) continue;
      buf[n] = 0;
      const char* paren = strrchr(buf, ')');
      if (paren != nullptr && paren[1] == ' ') h.state = paren[2];
      out.push_back(h);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const uk::host_thread& a, const uk::host_thread& b) { return a.tid < b.tid; });
  return out;
}

}  // namespace ukrun
