// The --tree view and --tree-of's control socket.
#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {

std::string supervisor::render_tree() {
  std::string out;
  uk::task_struct& init = *kernel_.init_task();
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
          uk::task_struct* t = kernel_.find_task_by_pid(std::stoi(std::string(p)));
          absl::StrAppend(&line, " ", p, t ? absl::StrCat("(", t->comm, ")") : "");
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
  std::vector<std::pair<std::string, std::string>> mounted;  // (dir, heading)
  {
    absl::MutexLock l(&mounts_mu_);
    for (const auto& [dir, m] : mounts_) {
      mounted.emplace_back(
          dir, absl::StrCat(dir, " (", m.type, m.data.empty() ? "" : " -o ", m.data, ")"));
    }
  }
  for (const auto& [dir, heading] : mounted) {
    absl::StrAppend(&out, heading, "\n");
    show(dir, "/", 1);
  }
  return out;
}

void supervisor::print_tree() {
  std::string tree;
  tracker_.observe([&] { tree = render_tree(); });
  fputs(tree.c_str(), stdout);
  fflush(stdout);
}

// uk-run --tree-of (control_socket.h): answered on the control thread, as an
// observation of the tree under the tracker's lock. Without the socket (its name is
// taken) uk-run runs on and says so.
void supervisor::start_control_socket() {
  auto server =
      control_server::start(control_socket_name(opts_.outer_pidns, opts_.outer_pid),
                            [this](std::string_view request) -> absl::StatusOr<std::string> {
                              if (request != "tree")
                                return absl::InvalidArgumentError("unknown request");
                              std::string tree;
                              tracker_.observe([&] { tree = render_tree(); });
                              return tree;
                            });
  if (!server.ok()) {
    fprintf(stderr, "uk-run: no --tree-of for this run: %s\n",
            std::string(server.status().message()).c_str());
    return;
  }
  control_ = std::move(server).value();
}

}  // namespace ukrun
