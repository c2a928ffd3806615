// The node table against the host kernel's reference counting (fuse_nodes.h).
#include "harness/fuse_nodes.h"

#include <linux/fuse.h>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

TEST(FuseNodes, RootIsKnownAndNeverForgotten) {
  fuse_nodes n("/.uk-run-mounts/1");
  EXPECT_EQ(n.path(FUSE_ROOT_ID), "/.uk-run-mounts/1");
  n.forget(FUSE_ROOT_ID, 1000);
  EXPECT_EQ(n.path(FUSE_ROOT_ID), "/.uk-run-mounts/1");
  EXPECT_EQ(n.size(), 1u);
}

TEST(FuseNodes, EachEntryReplyIsOneReference) {
  fuse_nodes n("/m");
  uint64_t a = n.entry("/m/a");
  EXPECT_NE(a, FUSE_ROOT_ID);
  EXPECT_EQ(n.entry("/m/a"), a);
  EXPECT_EQ(n.entry("/m/a"), a);
  EXPECT_EQ(n.size(), 2u);
  n.forget(a, 2);
  EXPECT_EQ(n.path(a), "/m/a");
  n.forget(a, 1);
  EXPECT_EQ(n.path(a), "");
  EXPECT_EQ(n.size(), 1u);
}

TEST(FuseNodes, BatchOfForgetsOverCountingDropsTheNode) {
  fuse_nodes n("/m");
  uint64_t a = n.entry("/m/a");
  n.forget(a, 5);
  EXPECT_EQ(n.path(a), "");
  n.forget(a, 1);  // again: unknown by now, nothing happens
  EXPECT_EQ(n.size(), 1u);
}

TEST(FuseNodes, AForgottenPathGetsANewIdAndTheOldOneStaysUnknown) {
  fuse_nodes n("/m");
  uint64_t a = n.entry("/m/a");
  n.forget(a, 1);
  uint64_t again = n.entry("/m/a");
  EXPECT_NE(again, a);
  EXPECT_EQ(n.path(again), "/m/a");
  EXPECT_EQ(n.path(a), "");
}

TEST(FuseNodes, ManyUniqueNamesDoNotAccumulate) {
  fuse_nodes n("/m");
  for (int i = 0; i < 10000; i++) {
    std::string p = "/m/test-" + std::to_string(i);
    uint64_t id = n.entry(p);  // mkdir's entry reply
    n.forget(id, 1);           // the host evicted it after rmdir
  }
  EXPECT_EQ(n.size(), 1u);
}

TEST(FuseNodes, RenameMovesTheSubtreeWithItsCounts) {
  fuse_nodes n("/m");
  uint64_t a = n.entry("/m/a");
  uint64_t t = n.entry("/m/a/tasks");
  uint64_t ab = n.entry("/m/ab");  // a sibling sharing the prefix stays
  n.moved("/m/a", "/m/b");
  EXPECT_EQ(n.path(a), "/m/b");
  EXPECT_EQ(n.path(t), "/m/b/tasks");
  EXPECT_EQ(n.path(ab), "/m/ab");
  EXPECT_EQ(n.entry("/m/b"), a);  // the name now finds the moved node
  n.forget(a, 2);
  EXPECT_EQ(n.path(a), "");
  EXPECT_EQ(n.path(t), "/m/b/tasks");
}

TEST(FuseNodes, ForgettingANodeWhoseNameARenameTookKeepsTheName) {
  fuse_nodes n("/m");
  uint64_t old = n.entry("/m/x");  // x removed; the host still holds its inode
  uint64_t y = n.entry("/m/y");
  n.moved("/m/y", "/m/x");  // then y renamed to x
  EXPECT_EQ(n.entry("/m/x"), y);
  n.forget(old, 1);  // the old x evicted at last
  EXPECT_EQ(n.path(y), "/m/x");
  EXPECT_EQ(n.entry("/m/x"), y);
}

}  // namespace
}  // namespace ukrun
