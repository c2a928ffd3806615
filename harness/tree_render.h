// The tree `uk-run --tree` prints at the end of a run (and `--tree-of` and
// `uk-replay --tree`): every mounted hierarchy, its containers and their tasks, read
// through the kernel's syscall API as init.
#ifndef UK_HARNESS_TREE_RENDER_H_
#define UK_HARNESS_TREE_RENDER_H_

#include <string>
#include <vector>

#include "uk/kernel.h"

namespace ukrun {

// A hierarchy as uk-run mounted it: where the kernel has it (`kdir`), the directory the
// heading names (where the tree sees it), the type and options it was asked.
struct tree_mount {
  std::string kdir, dir, type, data;
};

// One heading per mount, in the given order, then its containers depth first (sorted
// by name), each with its tasks and their comm.
std::string render_tree(uk::kernel& k, const std::vector<tree_mount>& mounts);

}  // namespace ukrun

#endif  // UK_HARNESS_TREE_RENDER_H_
