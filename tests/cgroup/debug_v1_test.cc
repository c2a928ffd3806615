// Today's debug files (kernel/cgroup/debug.c debug_legacy_files[]), the cgroup
// flavour's. The host's kernel is built without CONFIG_CGROUP_DEBUG, so the answers
// here are the source's: each expected text is built as its seq_show prints it.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cgroup/v1_kernel.h"
#include "tests/util/file_helpers.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

using ::testing::Contains;
using ::testing::ContainsRegex;
using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;
using ::testing::Not;

using DebugV1Test = V1KernelTest;

// "css_set %pK": 16 digits, the upper 8 zero (a 32-bit hash).
constexpr const char* kCssSet = "css_set 00000000[0-9a-f]{8}";

TEST_F(DebugV1Test, TodaysFilesTheCurrentOnesAtTheTopOnly) {
  ASSERT_EQ(mount("/d", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/d/a", 0755), 0);
  const std::vector<std::string> everywhere = {"debug.taskcount", "debug.cgroup_css_links",
                                               "debug.cgroup_subsys_states", "debug.cgroup_masks",
                                               "debug.releasable"};
  const std::vector<std::string> top_only = {
      "debug.current_css_set", "debug.current_css_set_refcount", "debug.current_css_set_cg_links"};
  EXPECT_THAT(ls(init(), "/d"), IsSupersetOf(everywhere));
  EXPECT_THAT(ls(init(), "/d"), IsSupersetOf(top_only));
  EXPECT_THAT(ls(init(), "/d/a"), IsSupersetOf(everywhere));
  for (const std::string& f : top_only) EXPECT_THAT(ls(init(), "/d/a"), Not(Contains(f)));
  // The patch's cgroup_refcount is gone.
  EXPECT_THAT(ls(init(), "/d"), Not(Contains("debug.cgroup_refcount")));
  EXPECT_EQ(write("/d/a/debug.releasable", "1"), -EINVAL);
  EXPECT_EQ(write("/d/debug.current_css_set", "1"), -EINVAL);
}

// cgroup_masks_read(): "%-17s: " and the names, ", " between them, in for_each_subsys
// order, the same in every group of a v1 hierarchy.
TEST_F(DebugV1Test, MasksAreTheHierarchysSubsystems) {
  ASSERT_EQ(mount("/d", "debug,cpuacct,cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/d/a", 0755), 0);
  const std::string masks =
      "subtree_control  : cpu, cpuacct, debug\nsubtree_ss_mask  : cpu, cpuacct, debug\n";
  EXPECT_EQ(read("/d/debug.cgroup_masks"), masks);
  EXPECT_EQ(read("/d/a/debug.cgroup_masks"), masks);
}

// cgroup_subsys_states_read(): " %2d: %-4s\t- %lx[%d] %d P=%d". Ids are per subsystem,
// 1 at the top and the lowest free from 2 below (cgroup_idr_alloc); online_cnt is one
// and one per child.
TEST_F(DebugV1Test, SubsysStatesNumberEachStateAndCountItsChildren) {
  ASSERT_EQ(mount("/d", "cpuacct,debug"), 0);
  for (const char* g : {"/d/a", "/d/a/b", "/d/c"}) ASSERT_EQ(sys_mkdir(init(), g, 0755), 0);
  auto states = [this](const std::string& g) { return read(g + "/debug.cgroup_subsys_states"); };
  EXPECT_THAT(states("/d"), MatchesRegex(" 2: cpuacct\t- [0-9a-f]+\\[1\\] 3\n"
                                         " 6: debug\t- [0-9a-f]+\\[1\\] 3\n"));
  EXPECT_THAT(states("/d/a"), MatchesRegex(" 2: cpuacct\t- [0-9a-f]+\\[2\\] 2 P=1\n"
                                           " 6: debug\t- [0-9a-f]+\\[2\\] 2 P=1\n"));
  EXPECT_THAT(states("/d/a/b"), MatchesRegex(" 2: cpuacct\t- [0-9a-f]+\\[3\\] 1 P=2\n"
                                             " 6: debug\t- [0-9a-f]+\\[3\\] 1 P=2\n"));
  EXPECT_THAT(states("/d/c"), ContainsRegex("\\[4\\] 1 P=1\n"));
  // An id comes back when its state is freed, and the lowest free one is taken.
  ASSERT_EQ(sys_rmdir(init(), "/d/a/b"), 0);
  EXPECT_THAT(states("/d/a"), ContainsRegex("\\[2\\] 1 P=1\n"));
  ASSERT_EQ(sys_mkdir(init(), "/d/e", 0755), 0);
  EXPECT_THAT(states("/d/e"), ContainsRegex(" 6: debug\t- [0-9a-f]+\\[3\\] 1 P=1\n"));
  ASSERT_EQ(sys_mkdir(init(), "/d/f", 0755), 0);
  EXPECT_THAT(states("/d/f"), ContainsRegex("\\[5\\] 1 P=1\n"));
  // A named hierarchy's groups have no states.
  ASSERT_EQ(mount("/n", "none,name=x"), 0);
  EXPECT_EQ(read("/d/debug.cgroup_masks"),
            "subtree_control  : cpuacct, debug\n"
            "subtree_ss_mask  : cpuacct, debug\n");
}

// cgroup_css_links_read(), debug_taskcount_read(), releasable_read(): the css_sets of a
// group with their tasks in the order they came, up to 26 of them and the rest counted.
TEST_F(DebugV1Test, CssLinksListTheTasksInTheOrderTheyCame) {
  ASSERT_EQ(mount("/d", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/d/a", 0755), 0);
  EXPECT_EQ(read("/d/a/debug.cgroup_css_links"), "");
  EXPECT_EQ(read("/d/a/debug.taskcount"), "0\n");
  EXPECT_EQ(read("/d/a/debug.releasable"), "1\n");
  EXPECT_EQ(read("/d/debug.releasable"), "0\n");
  std::vector<task_struct*> tasks;
  for (int i = 0; i < 28; i++) {
    tasks.push_back(&spawn(init()));
    move(*tasks.back(), "/d/a");
  }
  std::string want = absl::StrCat(kCssSet, " 28\n");
  for (int i = 0; i <= 25; i++) absl::StrAppend(&want, "  task ", tasks[i]->pid, "\n");
  absl::StrAppend(&want, "  \\.\\.\\. \\(3\\)\n");
  EXPECT_THAT(read("/d/a/debug.cgroup_css_links"), MatchesRegex(want));
  EXPECT_EQ(read("/d/a/debug.taskcount"), "28\n");
  EXPECT_EQ(read("/d/a/debug.releasable"), "0\n");
  // A child makes the group unreleasable, tasks or not.
  for (task_struct* t : tasks) move(*t, "/d");
  ASSERT_EQ(sys_mkdir(init(), "/d/a/b", 0755), 0);
  EXPECT_EQ(read("/d/a/debug.releasable"), "0\n");
  EXPECT_EQ(read("/d/a/b/debug.releasable"), "1\n");
}

// init_css_set's permanent reference shows as "+1" but is not counted as extra.
TEST_F(DebugV1Test, InitsOwnReferenceIsNoExtra) {
  ASSERT_EQ(mount("/d", "debug"), 0);
  std::string links = read("/d/debug.cgroup_css_links");
  EXPECT_THAT(links, MatchesRegex(absl::StrCat(kCssSet, " 2 \\+1\n  task ", init().pid, "\n")));
}

// current_css_set_read(): the reader's css_set, its references, and every subsystem's
// state in it, the unbound ones the default hierarchy's (id 1).
TEST_F(DebugV1Test, CurrentCssSetIsTheReaders) {
  ASSERT_EQ(mount("/d", "cpu,debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/d/a", 0755), 0);
  task_struct& t = spawn(init());
  move(t, "/d/a");
  std::string text = read_file(t, "/d/debug.current_css_set");
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_EQ(lines.size(), 9u) << text;
  EXPECT_THAT(lines[0], MatchesRegex(absl::StrCat(kCssSet, " 1")));
  EXPECT_THAT(lines[1], MatchesRegex(" 0: cpuset\t- [0-9a-f]+\\[1\\]"));
  EXPECT_THAT(lines[2], MatchesRegex(" 1: cpu \t- [0-9a-f]+\\[2\\]"));
  EXPECT_THAT(lines[3], MatchesRegex(" 2: cpuacct\t- [0-9a-f]+\\[1\\]"));
  EXPECT_THAT(lines[4], MatchesRegex(" 3: freezer\t- [0-9a-f]+\\[1\\]"));
  EXPECT_THAT(lines[5], MatchesRegex(" 4: net \t- [0-9a-f]+\\[1\\]"));
  EXPECT_THAT(lines[6], MatchesRegex(" 5: pids\t- [0-9a-f]+\\[1\\]"));
  EXPECT_THAT(lines[7], MatchesRegex(" 6: debug\t- [0-9a-f]+\\[2\\]"));
  EXPECT_EQ(lines[8], "");
  EXPECT_EQ(read_file(t, "/d/debug.current_css_set_refcount"), "1\n");
  // The same css_set is named the same way in every file.
  EXPECT_THAT(read("/d/a/debug.cgroup_css_links"), ::testing::HasSubstr(lines[0] + "\n"));
}

// current_css_set_cg_links_read(): "Root %d group %s", the default hierarchy (0) first,
// then each hierarchy as it was mounted, with the group's own name.
TEST_F(DebugV1Test, CgLinksNameTheReadersGroupInEachHierarchy) {
  ASSERT_EQ(mount("/d", "debug"), 0);
  ASSERT_EQ(mount("/n", "none,name=x"), 0);
  ASSERT_EQ(mount("/c", "cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/d/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/n/b", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/n/b/bb", 0755), 0);
  task_struct& t = spawn(init());
  move(t, "/d/a");
  move(t, "/n/b/bb");
  EXPECT_EQ(read_file(t, "/d/debug.current_css_set_cg_links"),
            "Root 0 group /\nRoot 1 group a\nRoot 2 group bb\nRoot 3 group /\n");
  EXPECT_EQ(read("/d/debug.current_css_set_cg_links"),
            "Root 0 group /\nRoot 1 group /\nRoot 2 group /\nRoot 3 group /\n");
}

// The patch's flavour keeps 2.6.24's four files.
TEST_F(DebugV1Test, ThePatchsFlavourKeepsItsFiles) {
  ASSERT_EQ(mount("/v", "debug", "container"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  EXPECT_THAT(ls(init(), "/v/a"),
              IsSupersetOf({"container_refcount", "taskcount", "current_css_group",
                            "current_css_group_refcount"}));
  EXPECT_THAT(ls(init(), "/v/a"), Not(Contains("cgroup_masks")));
}

}  // namespace
}  // namespace uk::testing
