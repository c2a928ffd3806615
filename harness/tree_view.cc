// The --tree view and --tree-of's control socket.
#include <cstdio>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "harness/supervisor.h"
#include "harness/tree_render.h"

namespace ukrun {

std::vector<tree_mount> supervisor::tree_roots() {
  std::vector<tree_mount> roots;
  absl::MutexLock l(&mounts_mu_);
  for (const mount_rec& m : mounts_) {
    if (!m.detached) roots.push_back({m.kdir, m.dir, m.type, m.data});
  }
  return roots;
}

void supervisor::print_tree() {
  std::vector<tree_mount> roots = tree_roots();
  std::string tree;
  // An observation: comms are read from /proc for the tree (execs are not trapped).
  tracker_.observe([&] { tree = render_tree(kernel_, roots); });
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
                              std::vector<tree_mount> roots = tree_roots();
                              tracker_.observe([&] { tree = render_tree(kernel_, roots); });
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
