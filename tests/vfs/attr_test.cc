// utimensat, truncate and ftruncate, O_DIRECT, and the names no filesystem here makes
// (mknod, symlink, link): Linux's errnos in Linux's order (fs/utimes.c, fs/open.c,
// fs/namei.c).
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

class AttrTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(write_file(root(), "/d/f", "some bytes"), 10);
    clock_.realtime = 5'000'000'007;  // "now" from here on
  }
  static long utimes(vfs_task& t, const std::string& p, struct timespec a, struct timespec m) {
    struct timespec times[2] = {a, m};
    return sys_utimes(t, p.c_str(), times);
  }
};

constexpr struct timespec kNow = {0, UTIME_NOW};
constexpr struct timespec kOmit = {0, UTIME_OMIT};

TEST_F(AttrTest, UtimesSetsGivenTimesAndNow) {
  ASSERT_EQ(utimes(root(), "/d/f", {100, 1}, {200, 2}), 0);
  struct stat st = stat_of(root(), "/d/f");
  EXPECT_EQ(st.st_atim.tv_sec, 100);
  EXPECT_EQ(st.st_atim.tv_nsec, 1);
  EXPECT_EQ(st.st_mtim.tv_sec, 200);
  EXPECT_EQ(st.st_mtim.tv_nsec, 2);
  EXPECT_EQ(st.st_ctim.tv_sec, 5);  // always now
  // UTIME_OMIT leaves one alone, UTIME_NOW sets it to now.
  ASSERT_EQ(utimes(root(), "/d/f", kOmit, kNow), 0);
  st = stat_of(root(), "/d/f");
  EXPECT_EQ(st.st_atim.tv_sec, 100);
  EXPECT_EQ(st.st_mtim.tv_sec, 5);
  EXPECT_EQ(st.st_mtim.tv_nsec, 7);
  ASSERT_EQ(sys_utimes(root(), "/d/f", nullptr), 0);
  EXPECT_EQ(stat_of(root(), "/d/f").st_atim.tv_sec, 5);
  // Directories too.
  ASSERT_EQ(utimes(root(), "/d", {300, 0}, {400, 0}), 0);
  EXPECT_EQ(stat_of(root(), "/d").st_mtim.tv_sec, 400);
  EXPECT_EQ(utimes(root(), "/d/f", {0, 1'000'000'000}, kNow), -EINVAL);
  EXPECT_EQ(utimes(root(), "/d/nope", kNow, kNow), -ENOENT);
}

// Now: the owner, root, or whoever may write. Given times (any pair but both now): the
// owner or root only, EPERM (ATTR_TIMES_SET).
TEST_F(AttrTest, UtimesPermissions) {
  vfs_task& other = user(1000, 1000);
  EXPECT_EQ(sys_utimes(other, "/d/f", nullptr), -EACCES);  // 0644, root's
  EXPECT_EQ(utimes(other, "/d/f", kNow, kNow), -EACCES);   // the same as none
  EXPECT_EQ(utimes(other, "/d/f", kNow, kOmit), -EPERM);
  EXPECT_EQ(utimes(other, "/d/f", {1, 0}, {1, 0}), -EPERM);
  ASSERT_EQ(sys_chmod(root(), "/d/f", 0666), 0);
  EXPECT_EQ(sys_utimes(other, "/d/f", nullptr), 0);
  EXPECT_EQ(utimes(other, "/d/f", {1, 0}, {1, 0}), -EPERM);
  ASSERT_EQ(sys_chown(root(), "/d/f", 1000, 1000), 0);
  ASSERT_EQ(sys_chmod(root(), "/d/f", 0444), 0);
  EXPECT_EQ(utimes(other, "/d/f", {1, 0}, {2, 0}), 0);
  EXPECT_EQ(stat_of(root(), "/d/f").st_mtim.tv_sec, 2);
}

// No filesystem here has ->direct_IO: O_DIRECT is EINVAL, after the open's own checks.
TEST_F(AttrTest, ODirectIsRefused) {
  EXPECT_EQ(open(root(), "/d/f", O_RDONLY | O_DIRECT), -EINVAL);
  EXPECT_EQ(open(root(), "/d", O_RDONLY | O_DIRECTORY | O_DIRECT), -EINVAL);
  EXPECT_EQ(open(root(), "/d/nope", O_RDONLY | O_DIRECT), -ENOENT);
  EXPECT_EQ(open(user(1000, 1000), "/d/f", O_WRONLY | O_DIRECT), -EACCES);
}

TEST_F(AttrTest, TruncateAndFtruncate) {
  ASSERT_EQ(sys_truncate(root(), "/d/f", 4), 0);
  EXPECT_EQ(read_file(root(), "/d/f"), "some");
  struct stat st = stat_of(root(), "/d/f");
  EXPECT_EQ(st.st_mtim.tv_sec, 5);
  EXPECT_EQ(sys_truncate(root(), "/d/f", -1), -EINVAL);
  EXPECT_EQ(sys_truncate(root(), "/d", 0), -EISDIR);
  EXPECT_EQ(sys_truncate(user(1000, 1000), "/d/f", 0), -EACCES);
  long fd = open(root(), "/d/f", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys_ftruncate(root(), static_cast<int>(fd), 0), -EINVAL);  // not open to write
  sys_close(root(), static_cast<int>(fd));
  fd = open(root(), "/d/f", O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys_ftruncate(root(), static_cast<int>(fd), 1), 0);
  EXPECT_EQ(sys_ftruncate(root(), static_cast<int>(fd), -1), -EINVAL);
  sys_close(root(), static_cast<int>(fd));
  EXPECT_EQ(read_file(root(), "/d/f"), "s");
  EXPECT_EQ(sys_ftruncate(root(), 99, 0), -EBADF);
}

// No filesystem here has ->mknod, ->symlink or ->link: EPERM, after may_create (EEXIST,
// EACCES) and, for a device, CAP_MKNOD.
TEST_F(AttrTest, MknodSymlinkLinkAreRefused) {
  EXPECT_EQ(sys_mknod(root(), "/d/fifo", S_IFIFO | 0644), -EPERM);
  EXPECT_EQ(sys_mknod(root(), "/d/dev", S_IFCHR | 0644), -EPERM);
  EXPECT_EQ(sys_mknod(root(), "/d/dir", S_IFDIR | 0755), -EPERM);
  EXPECT_EQ(sys_mknod(root(), "/d/f", S_IFIFO | 0644), -EEXIST);
  EXPECT_EQ(sys_mknod(root(), "/d/bad", 0170000 | 0644), -EINVAL);
  EXPECT_EQ(sys_mknod(root(), "/d/new", S_IFREG | 0644), 0);  // vfs_create: ramfs makes it
  EXPECT_EQ(sys_symlink(root(), "target", "/d/sym"), -EPERM);
  EXPECT_EQ(sys_symlink(root(), "", "/d/sym"), -ENOENT);
  EXPECT_EQ(sys_symlink(root(), "target", "/d/f"), -EEXIST);
  EXPECT_EQ(sys_link(root(), "/d/f", "/d/hard"), -EPERM);
  EXPECT_EQ(sys_link(root(), "/d/nope", "/d/hard"), -ENOENT);
  EXPECT_EQ(sys_link(root(), "/d/f", "/d/new"), -EEXIST);
  ASSERT_EQ(mkdir(root(), "/m"), 0);
  ASSERT_EQ(sys_mount(root(), "none", "/m", "ramfs", 0, nullptr), 0);
  EXPECT_EQ(sys_link(root(), "/d/f", "/m/hard"), -EXDEV);
  vfs_task& other = user(1000, 1000);
  EXPECT_EQ(sys_mknod(other, "/d/fifo", S_IFIFO | 0644), -EACCES);
  EXPECT_EQ(sys_symlink(other, "target", "/d/sym"), -EACCES);
  EXPECT_EQ(sys_link(other, "/d/f", "/d/hard"), -EACCES);
  EXPECT_THAT(ls(root(), "/d"), ::testing::UnorderedElementsAre(".", "..", "f", "new"));
}

}  // namespace
}  // namespace uk::testing
