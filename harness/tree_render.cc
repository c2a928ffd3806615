// The --tree renderer (tree_render.h).
#include "harness/tree_render.h"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "vfs/syscalls.h"

namespace ukrun {

std::string render_tree(uk::kernel& k, const std::vector<tree_mount>& mounts) {
  std::string out;
  uk::task_struct& init = *k.init_task();
  auto read_all = [&](const std::string& path) {
    std::string out;
    long fd = uk::sys_open(init, path.c_str(), O_RDONLY);
    if (fd < 0) return out;
    char buf[4096];
    long n;
    while ((n = uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf)) > 0) out.append(buf, n);
    uk::sys_close(init, static_cast<int>(fd));
    return out;
  };
  std::function<void(const std::string&, const std::string&, int)> show =
      [&](const std::string& dir, const std::string& name, int depth) {
        std::string line = absl::StrCat(std::string(2 * depth, ' '), name, "  tasks:");
        for (absl::string_view p :
             absl::StrSplit(read_all(dir + "/tasks"), '\n', absl::SkipEmpty())) {
          uk::task_struct* t = k.find_task_by_pid(std::stoi(std::string(p)));
          absl::StrAppend(&line, " ", p, t ? absl::StrCat("(", t->get_task_comm(), ")") : "");
        }
        absl::StrAppend(&out, line, "\n");
        long fd = uk::sys_open(init, dir.c_str(), O_RDONLY | O_DIRECTORY);
        if (fd < 0) return;
        std::vector<std::string> subdirs;
        alignas(8) char buf[8192];
        long n;
        while ((n = uk::sys_getdents64(init, static_cast<int>(fd), buf, sizeof buf)) > 0) {
          for (long off = 0; off < n;) {
            auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
            std::string s = d->d_name;
            if (d->d_type == DT_DIR && s != "." && s != "..") subdirs.push_back(s);
            off += d->d_reclen;
          }
        }
        uk::sys_close(init, static_cast<int>(fd));
        std::sort(subdirs.begin(), subdirs.end());
        for (const auto& s : subdirs) show(dir + "/" + s, s, depth + 1);
      };
  for (const tree_mount& m : mounts) {
    absl::StrAppend(&out, m.dir, " (", m.type, m.data.empty() ? "" : " -o ", m.data, ")\n");
    show(m.kdir, "/", 1);
  }
  return out;
}

}  // namespace ukrun
