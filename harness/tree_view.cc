// The --tree view and --tree-of's control socket.
#include <cstdio>
#include <string_view>
#include <vector>

#include "harness/supervisor.h"
#include "harness/tree_render.h"

namespace ukrun {

std::string supervisor::render_tree() {
  std::vector<tree_mount> mounted;
  {
    absl::MutexLock l(&mounts_mu_);
    for (const auto& [dir, m] : mounts_) mounted.push_back({dir, m.type, m.data});
  }
  return ukrun::render_tree(kernel_, mounted);
}

void supervisor::print_tree() {
  fputs(render_tree().c_str(), stdout);
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
