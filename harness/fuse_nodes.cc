// The shim's FUSE node table (fuse_nodes.h).
#include "harness/fuse_nodes.h"

#include <linux/fuse.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

bool fuse_nodes::forget(uint64_t nodeid, uint64_t nlookup) {
  if (nodeid == FUSE_ROOT_ID) return false;
  absl::MutexLock l(&mu_);
  auto it = nodes_.find(nodeid);
  if (it == nodes_.end()) return false;
  if (it->second.nlookup > nlookup) {
    it->second.nlookup -= nlookup;
    return false;
  }
  // A rename may have given the name to another node since (fuse_nodes::moved).
  auto name = ids_.find(it->second.path);
  if (name != ids_.end() && name->second == nodeid) ids_.erase(name);
  nodes_.erase(it);
  return true;
}

std::string fuse_nodes::child(uint64_t parent, const char* name) {
  std::string p = path(parent);
  if (p.empty()) return p;
  return p == "/" ? absl::StrCat("/", name) : absl::StrCat(p, "/", name);
}

std::vector<uint64_t> fuse_nodes::forget(const fuse_request& r) {
  std::vector<uint64_t> gone;
  auto one = [&](uint64_t nodeid, uint64_t nlookup) {
    if (forget(nodeid, nlookup)) gone.push_back(nodeid);
  };
  if (r.in->opcode == FUSE_FORGET) {
    one(r.in->nodeid, reinterpret_cast<const fuse_forget_in*>(r.arg)->nlookup);
    return gone;
  }
  // BATCH_FORGET: `count` fuse_forget_one records after its first argument.
  uint32_t count = reinterpret_cast<const fuse_batch_forget_in*>(r.arg)->count;
  const size_t room = r.data_len / sizeof(fuse_forget_one);
  for (size_t i = 0; i < count && i < room; i++) {
    fuse_forget_one record;
    memcpy(&record, r.data + i * sizeof record, sizeof record);
    one(record.nodeid, record.nlookup);
  }
  return gone;
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
