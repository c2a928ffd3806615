// The shim's FUSE node table: nodeid <-> kernel path, with the host kernel's reference
// count per node. Every entry reply (LOOKUP, MKDIR, CREATE) gives the host one more
// reference to its node (fs/fuse/dir.c fuse_lookup_name -> fuse_iget counts nlookup);
// FORGET and BATCH_FORGET give references back once the host has evicted the inode
// (fs/fuse/inode.c fuse_evict_inode -> fuse_queue_forget). A node none holds leaves the
// table, so it grows with the names the host holds, not with every name ever looked
// up (a suite that makes and removes uniquely named groups for hours).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_handler.h"

namespace ukrun {

class fuse_nodes {
 public:
  // The mount's root, FUSE_ROOT_ID: never forgotten.
  explicit fuse_nodes(const std::string& root);

  // nodeid -> kernel path; "" for a node that is not (or no longer) in the table.
  std::string path(uint64_t nodeid);

  // The node of `path` for an entry reply, made on first use; counts the reference the
  // reply gives the host. A path whose node was forgotten gets a new id: ids are never
  // reused, so a request still naming an old one finds no path.
  uint64_t entry(const std::string& path);

  // The path of `name` in directory `parent` ("/name" in the root; "" if `parent` is
  // not in the table, which then has no such child either).
  std::string child(uint64_t parent, const char* name);

  // The host gave back `nlookup` references to `nodeid`; true if it left the table.
  bool forget(uint64_t nodeid, uint64_t nlookup);
  // FORGET or BATCH_FORGET: the references `r` gives back; the nodes that left.
  std::vector<uint64_t> forget(const fuse_request& r);

  // After a rename: every node at or below `from` moves to `to`, its count kept.
  void moved(const std::string& from, const std::string& to);

  // Nodes in the table, the root included.
  size_t size();

 private:
  struct node {
    std::string path;
    uint64_t nlookup;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, node> nodes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> ids_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ukrun
