// Extended attributes of groups and their files (vfs/xattr.cc): the cgroup flavour keeps
// them as kernfs does, the container flavour (2.6.24's cgroupfs) has none; the checks a
// caller without root meets, which the host skips for uk-run's FUSE mount.
#include <sys/xattr.h>

#include <string>

#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

class XattrTest : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    ASSERT_EQ(sys_mkdir(init(), "/c", 0755), 0);
    ASSERT_EQ(sys_mount(init(), "none", "/c", "cgroup", 0, "none,name=x"), 0);
    ASSERT_EQ(sys_mkdir(init(), "/c/g", 0755), 0);
  }
  static long set(task_struct& t, const char* path, const char* name, const std::string& v,
                  int flags = 0) {
    return sys_setxattr(t, path, name, v.data(), v.size(), flags);
  }
  static std::string get(task_struct& t, const char* path, const char* name) {
    char buf[256];
    long n = sys_getxattr(t, path, name, buf, sizeof buf);
    return n < 0 ? "errno " + std::to_string(-n) : std::string(buf, n);
  }
  static std::string list(task_struct& t, const char* path) {
    char buf[256];
    long n = sys_listxattr(t, path, buf, sizeof buf);
    return n < 0 ? "errno " + std::to_string(-n) : std::string(buf, n);
  }
  // A task of uid and gid 1000.
  task_struct& user() {
    task_struct& u = spawn(init());
    u.uid = u.euid = u.suid = u.fsuid = 1000;
    u.gid = u.egid = u.sgid = u.fsgid = 1000;
    return u;
  }
};

TEST_F(XattrTest, KeptListedDescendingAndSizedAsKernfs) {
  ASSERT_EQ(set(init(), "/c/g", "user.b", "1"), 0);
  ASSERT_EQ(set(init(), "/c/g", "trusted.t", "22"), 0);
  ASSERT_EQ(set(init(), "/c/g", "user.c", ""), 0);
  EXPECT_EQ(list(init(), "/c/g"), std::string("user.c\0user.b\0trusted.t\0", 24));
  EXPECT_EQ(get(init(), "/c/g", "trusted.t"), "22");
  EXPECT_EQ(get(init(), "/c/g", "user.c"), "");
  EXPECT_EQ(sys_getxattr(init(), "/c/g", "trusted.t", nullptr, 0), 2);
  char one;
  EXPECT_EQ(sys_getxattr(init(), "/c/g", "trusted.t", &one, 1), -ERANGE);
  EXPECT_EQ(sys_listxattr(init(), "/c/g", nullptr, 0), 24);
  EXPECT_EQ(sys_listxattr(init(), "/c/g", &one, 1), -ERANGE);
  EXPECT_EQ(sys_removexattr(init(), "/c/g", "user.b"), 0);
  EXPECT_EQ(sys_removexattr(init(), "/c/g", "user.b"), -ENODATA);
  EXPECT_EQ(set(init(), "/c/g", "", "1"), -ERANGE);
  EXPECT_EQ(set(init(), "/c/g", "user.x", "1", 4), -EINVAL);  // not CREATE or REPLACE
  EXPECT_EQ(sys_setxattr(init(), "/c/g", "user.x", "", XATTR_SIZE_MAX + 1, 0), -E2BIG);
  EXPECT_EQ(list(init(), "/c/g/tasks"), "");
  EXPECT_EQ(list(init(), "/c/nope"), "errno " + std::to_string(ENOENT));
}

// user.: the file's own permission (EACCES), EPERM in a sticky directory not one's own;
// trusted.: root's (EPERM to write, ENODATA to read, left out of a list); security.:
// root's to write (the capability hook), anyone's to read.
TEST_F(XattrTest, CallerWithoutRoot) {
  ASSERT_EQ(set(init(), "/c/g", "trusted.t", "1"), 0);
  ASSERT_EQ(set(init(), "/c/g", "security.s", "2"), 0);
  ASSERT_EQ(set(init(), "/c/g", "user.u", "3"), 0);
  task_struct& u = user();
  EXPECT_EQ(set(u, "/c/g", "user.v", "1"), -EACCES);  // 0755, root's
  EXPECT_EQ(get(u, "/c/g", "user.u"), "3");
  EXPECT_EQ(set(u, "/c/g", "trusted.t", "1"), -EPERM);
  EXPECT_EQ(get(u, "/c/g", "trusted.t"), "errno " + std::to_string(ENODATA));
  EXPECT_EQ(set(u, "/c/g", "security.s", "1"), -EPERM);
  EXPECT_EQ(sys_removexattr(u, "/c/g", "security.s"), -EPERM);
  EXPECT_EQ(get(u, "/c/g", "security.s"), "2");
  EXPECT_EQ(list(u, "/c/g"), std::string("user.u\0security.s\0", 18));
  ASSERT_EQ(sys_chmod(init(), "/c/g", 0777), 0);
  EXPECT_EQ(set(u, "/c/g", "user.v", "1"), 0);
  ASSERT_EQ(sys_chmod(init(), "/c/g", 01777), 0);
  EXPECT_EQ(set(u, "/c/g", "user.w", "1"), -EPERM);
  ASSERT_EQ(sys_chmod(init(), "/c/g/tasks", 0444), 0);
  EXPECT_EQ(set(u, "/c/g/tasks", "user.x", "1"), -EACCES);
}

// 2.6.24's cgroupfs had no xattr operations: every name is EOPNOTSUPP, after the
// permission checks, and the list is empty.
TEST_F(XattrTest, ContainerFlavourHasNone) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(set(init(), "/a", "user.x", "1"), -EOPNOTSUPP);
  EXPECT_EQ(get(init(), "/a/tasks", "user.x"), "errno " + std::to_string(EOPNOTSUPP));
  EXPECT_EQ(sys_removexattr(init(), "/a", "user.x"), -EOPNOTSUPP);
  EXPECT_EQ(list(init(), "/a"), "");
  EXPECT_EQ(set(user(), "/a", "user.x", "1"), -EACCES);
}

}  // namespace
}  // namespace uk::testing
