// The shim's FUSE node table (fuse_nodes.h).
#include "harness/fuse_nodes.h"

#include <linux/fuse.h>

#include <utility>
#include <vector>

#include "absl/strings/match.h"

namespace ukrun {

fuse_nodes::fuse_nodes(const std::string& root) : next_id_(FUSE_ROOT_ID + 1) {
  absl::MutexLock l(&mu_);
  nodes_[FUSE_ROOT_ID] = {root, 1};
  ids_[root] = FUSE_ROOT_ID;
}

std::string fuse_nodes::path(uint64_t nodeid) {
  absl::MutexLock l(&mu_);
  auto it = nodes_.find(nodeid);
  return it == nodes_.end() ? std::string() : it->second.path;
}

uint64_t fuse_nodes::entry(const std::string& path) {
  absl::MutexLock l(&mu_);
  auto [it, inserted] = ids_.try_emplace(path, next_id_);
  if (inserted) {
    nodes_[next_id_++] = {path, 1};
  } else if (it->second != FUSE_ROOT_ID) {
    nodes_[it->second].nlookup++;
  }
  return it->second;
}

void fuse_nodes::forget(uint64_t nodeid, uint64_t nlookup) {
  if (nodeid == FUSE_ROOT_ID) return;
  absl::MutexLock l(&mu_);
  auto it = nodes_.find(nodeid);
  if (it == nodes_.end()) return;
  if (it->second.nlookup > nlookup) {
    it->second.nlookup -= nlookup;
    return;
  }
  // A rename may have given the name to another node since (fuse_nodes::moved).
  auto name = ids_.find(it->second.path);
  if (name != ids_.end() && name->second == nodeid) ids_.erase(name);
  nodes_.erase(it);
}

void fuse_nodes::moved(const std::string& from, const std::string& to) {
  absl::MutexLock l(&mu_);
  std::vector<std::pair<std::string, uint64_t>> hit;
  for (const auto& [p, id] : ids_) {
    if (p == from || absl::StartsWith(p, from + "/")) hit.emplace_back(p, id);
  }
  for (const auto& [p, id] : hit) ids_.erase(p);
  for (const auto& [p, id] : hit) {
    std::string np = to + p.substr(from.size());
    nodes_[id].path = np;
    ids_[np] = id;
  }
}

size_t fuse_nodes::size() {
  absl::MutexLock l(&mu_);
  return nodes_.size();
}

}  // namespace ukrun
