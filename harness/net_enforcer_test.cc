// net_split: the even split of each limited container's rate over the sending sockets
// of its subtree, the smallest share for a socket under several limits, listeners.
#include "harness/net_enforcer.h"

#include <vector>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

using group = net_split_input::group;
using sock = net_split_input::socket;

TEST(NetSplitTest, NoLimitLeavesEverySocketUnpaced) {
  net_split_input in{{{-1, 0}, {0, 0}}, {{{0}, false}, {{1}, false}, {{1}, true}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{kUnpaced, kUnpaced, kUnpaced}));
}

TEST(NetSplitTest, EvenSplitPerContainerInBytes) {
  // root, a (80 Mbit/s = 10 MB/s, two sockets), b (10 Mbit/s, one socket), c unlimited.
  net_split_input in{{{-1, 0}, {0, 80'000'000}, {0, 10'000'000}, {0, 0}},
                     {{{1}, false}, {{1}, false}, {{2}, false}, {{3}, false}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{5'000'000, 5'000'000, 1'250'000, kUnpaced}));
}

TEST(NetSplitTest, AncestorLimitCoversTheSubtreeAndTheSmallestShareWins) {
  // a: 8000 B/s over a's socket and a/x's two; a/x's own 1600 B/s is the smaller for
  // its sockets (800 each), a's share is 8000/3 = 2666.
  net_split_input in{{{-1, 0}, {0, 64'000}, {1, 12'800}},
                     {{{1}, false}, {{2}, false}, {{2}, false}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{2666, 800, 800}));
}

TEST(NetSplitTest, SharedSocketCountsInBothContainers) {
  // One socket held by tasks of a and b: counted in both, the smaller share.
  net_split_input in{{{-1, 0}, {0, 8000}, {0, 16'000}},
                     {{{1, 2}, false}, {{2}, false}, {{1}, false}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{500, 1000, 500}));
}

TEST(NetSplitTest, ListenerGetsTheNextConnectionsShareAndIsNotCounted) {
  net_split_input in{{{-1, 0}, {0, 8000}}, {{{1}, true}, {{1}, false}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{500, 1000}));
}

TEST(NetSplitTest, TinyRateIsOneByteNotZero) {
  // 0 would turn pacing off.
  net_split_input in{{{-1, 0}, {0, 7}}, {{{1}, false}}};
  EXPECT_EQ(net_split(in), (std::vector<uint64_t>{1}));
}

}  // namespace
}  // namespace ukrun
