// Edge inputs to the container filesystem, with the exact errnos Linux gives: names at
// and over NAME_MAX, with '/' or NUL, unicode, 1000-deep hierarchies, 100k siblings,
// paths over PATH_MAX, 4 KiB and 1 MiB writes to tasks. (Garbage in control files and
// offsets: bad_input_test; names in the plain VFS: tests/vfs/namei_test.)
#include <linux/limits.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"
#include "uk/invariants.h"

namespace uk::testing {
namespace {

using EdgeInputTest = KernelTest;

std::string proc_container(task_struct& t) { return read_file(t, "/proc/self/container"); }

// `files` plus `extra`, sorted (ls's order); without release_agent for a child container.
std::vector<std::string> plus(std::vector<std::string> files, std::vector<std::string> extra,
                              bool child = false) {
  if (child) std::erase(files, "release_agent");
  files.insert(files.end(), extra.begin(), extra.end());
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(EdgeInputTest, NameLengths) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  const std::vector<std::string> root_files = ls(init(), "/a");
  const std::string n255(255, 'n'), n256(256, 'n');
  EXPECT_EQ(sys_mkdir(init(), ("/a/" + n255).c_str(), 0755), 0);
  EXPECT_EQ(sys_mkdir(init(), ("/a/" + n256).c_str(), 0755), -ENAMETOOLONG);
  EXPECT_EQ(sys_rmdir(init(), ("/a/" + n256).c_str()), -ENAMETOOLONG);
  EXPECT_EQ(ls(init(), "/a/" + n255), plus(root_files, {}, true));
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(t, "/a/" + n255 + "/tasks", "0"), 1);
  EXPECT_EQ(proc_container(t), "debug:/" + n255 + "\n");
  EXPECT_EQ(sys_rmdir(init(), ("/a/" + n255).c_str()), -EBUSY);
  ASSERT_EQ(write_file(t, "/a/tasks", "0"), 1);
  EXPECT_EQ(sys_rmdir(init(), ("/a/" + n255).c_str()), 0);
}

TEST_F(EdgeInputTest, SlashAndNulInNames) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  const std::vector<std::string> root_files = ls(init(), "/a");
  // A '/' separates components: the parent must exist.
  EXPECT_EQ(sys_mkdir(init(), "/a/x/y", 0755), -ENOENT);
  EXPECT_EQ(sys_mkdir(init(), "/a/x/", 0755), 0);  // a trailing slash is allowed
  EXPECT_EQ(sys_mkdir(init(), "/a/x//y", 0755), 0);
  EXPECT_EQ(ls(init(), "/a/x"), plus(root_files, {"y"}, true));
  // A name cannot hold a NUL: the path ends there, as it does for the host's mkdir(2).
  const std::string with_nul("/a/ab\0cd", 8);
  EXPECT_EQ(sys_mkdir(init(), with_nul.c_str(), 0755), 0);
  EXPECT_EQ(ls(init(), "/a"), plus(root_files, {"ab", "x"}));
  EXPECT_EQ(sys_mkdir(init(), "", 0755), -ENOENT);
  EXPECT_EQ(sys_mkdir(init(), "/a/.", 0755), -EEXIST);
  EXPECT_EQ(sys_mkdir(init(), "/a/..", 0755), -EEXIST);
  EXPECT_EQ(sys_rmdir(init(), "/a/x/y/."), -EINVAL);
  EXPECT_EQ(sys_rmdir(init(), "/a/x/.."), -ENOTEMPTY);
}

TEST_F(EdgeInputTest, UnicodeNames) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  const std::string name = "\xe5\xae\xb9\xe5\x99\xa8-\xc3\xa9-\xf0\x9f\x99\x82";  // 容器-é-🙂
  const std::string invalid = "\xff\xfe\xc3";  // not UTF-8: still just bytes
  ASSERT_EQ(sys_mkdir(init(), ("/a/" + name).c_str(), 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), ("/a/" + invalid).c_str(), 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(t, "/a/" + name + "/tasks", "0"), 1);
  EXPECT_EQ(proc_container(t), "debug:/" + name + "\n");
  EXPECT_EQ(read_file(init(), "/a/" + name + "/tasks"), pids_text({t.pid}));
  ASSERT_EQ(write_file(t, "/a/" + invalid + "/tasks", "0"), 1);
  EXPECT_EQ(proc_container(t), "debug:/" + invalid + "\n");
}

TEST_F(EdgeInputTest, ThousandDeepHierarchy) {
  ASSERT_EQ(mount("/a", "debug,cpuacct"), 0);
  const std::vector<std::string> root_files = ls(init(), "/a");
  std::string path = "/a";
  for (int i = 0; i < 1000; i++) {
    path += "/d";
    ASSERT_EQ(sys_mkdir(init(), path.c_str(), 0755), 0) << i;
  }
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(t, path + "/tasks", "0"), 1);
  std::string rel = path.substr(2);  // "/d/d/..."
  EXPECT_EQ(proc_container(t), "cpuacct,debug:" + rel + "\n");
  EXPECT_TRUE(check_invariants(k()).empty());
  // Busy all the way up; the leaf goes once empty, then each parent in turn.
  EXPECT_EQ(sys_rmdir(init(), "/a/d"), -EBUSY);
  ASSERT_EQ(write_file(t, "/a/tasks", "0"), 1);
  for (int i = 0; i < 1000; i++) {
    ASSERT_EQ(sys_rmdir(init(), path.c_str()), 0) << i;
    path.resize(path.size() - 2);
  }
  EXPECT_EQ(ls(init(), "/a"), root_files);
}

TEST_F(EdgeInputTest, PathsOverPathMax) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  const std::string n200(200, 'p');
  std::string path = "/a";
  while (path.size() + 1 + n200.size() < PATH_MAX) {
    path += "/" + n200;
    ASSERT_EQ(sys_mkdir(init(), path.c_str(), 0755), 0);
  }
  // One more component makes the path PATH_MAX bytes or longer (with its NUL).
  EXPECT_EQ(sys_mkdir(init(), (path + "/" + n200).c_str(), 0755), -ENAMETOOLONG);
  EXPECT_EQ(read_file(init(), path + "/" + n200 + "/tasks"), "ERR:" + std::to_string(ENAMETOOLONG));
}

TEST_F(EdgeInputTest, HundredThousandSiblings) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  const size_t nfiles = ls(init(), "/a").size();
  constexpr int kN = 100000;
  for (int i = 0; i < kN; i++) {
    ASSERT_EQ(sys_mkdir(init(), ("/a/" + std::to_string(i)).c_str(), 0755), 0) << i;
  }
  EXPECT_EQ(sys_mkdir(init(), "/a/99999", 0755), -EEXIST);
  EXPECT_EQ(ls(init(), "/a").size(), kN + nfiles);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(t, "/a/54321/tasks", "0"), 1);
  EXPECT_EQ(proc_container(t), "debug:/54321\n");
  ASSERT_EQ(write_file(t, "/a/tasks", "0"), 1);
  for (int i = 0; i < kN; i++) {
    ASSERT_EQ(sys_rmdir(init(), ("/a/" + std::to_string(i)).c_str()), 0) << i;
  }
  EXPECT_EQ(ls(init(), "/a").size(), nfiles);
  EXPECT_TRUE(check_invariants(k()).empty());
}

TEST_F(EdgeInputTest, FourKibAndOneMibTasksWrites) {
  ASSERT_EQ(mount("/a", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  // A pid padded with whitespace to 4 KiB - 1 still parses; 4 KiB does not fit the buffer.
  std::string pid = std::to_string(t.pid);
  std::string padded = pid + std::string(4095 - pid.size(), ' ');
  EXPECT_EQ(write_file(init(), "/a/c/tasks", padded), 4095);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t.pid}));
  EXPECT_EQ(write_file(init(), "/a/tasks", pid + std::string(4096 - pid.size(), ' ')), -E2BIG);
  EXPECT_EQ(write_file(init(), "/a/tasks", std::string(1 << 20, '1')), -E2BIG);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t.pid}));  // unchanged
  EXPECT_TRUE(check_invariants(k()).empty());
}

}  // namespace
}  // namespace uk::testing
