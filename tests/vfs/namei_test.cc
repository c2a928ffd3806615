// The path walk through the syscall API: errno per component in Linux's order, "." and
// "..", mounts both ways, limits (NAME_MAX, PATH_MAX), odd names, deep trees, search
// permission.
#include <sys/mount.h>

#include <string>
#include <vector>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

class NameiTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(mkdir(root(), "/d/e"), 0);
    ASSERT_EQ(write_file(root(), "/f", "x"), 1);
  }
};

TEST_F(NameiTest, EmptyAndNullNames) {
  struct stat st;
  EXPECT_THAT(sys_stat(root(), "", &st), IsErrno(ENOENT));
  EXPECT_THAT(sys_stat(root(), nullptr, &st), IsErrno(EFAULT));
  EXPECT_THAT(sys_mkdir(root(), "", 0755), IsErrno(ENOENT));
  EXPECT_THAT(sys_open(root(), "", O_RDONLY), IsErrno(ENOENT));
  EXPECT_THAT(sys_chdir(root(), ""), IsErrno(ENOENT));
  EXPECT_THAT(sys_rename(root(), "", "/x"), IsErrno(ENOENT));
  EXPECT_THAT(path_lookup(root(), ""), IsErrno(ENOENT));
  EXPECT_THAT(path_lookup(root(), std::string_view("\0/d", 3)), IsErrno(ENOENT));
}

TEST_F(NameiTest, MissingComponents) {
  EXPECT_THAT(stat_errno(root(), "/nope"), IsErrno(ENOENT));
  EXPECT_THAT(stat_errno(root(), "/nope/x"), IsErrno(ENOENT));
  EXPECT_THAT(stat_errno(root(), "/d/nope"), IsErrno(ENOENT));
  EXPECT_THAT(stat_errno(root(), "nope"), IsErrno(ENOENT));
}

TEST_F(NameiTest, NonDirectoryInThePath) {
  EXPECT_THAT(stat_errno(root(), "/f"), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/f/x"), IsErrno(ENOTDIR));
  EXPECT_THAT(stat_errno(root(), "/f/"), IsErrno(ENOTDIR));
  EXPECT_THAT(stat_errno(root(), "/f//"), IsErrno(ENOTDIR));
  EXPECT_THAT(stat_errno(root(), "/f/."), IsErrno(ENOTDIR));
  EXPECT_THAT(stat_errno(root(), "/f/.."), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_open(root(), "/f", O_RDONLY | O_DIRECTORY), IsErrno(ENOTDIR));
}

TEST_F(NameiTest, SlashesDotsAndDotDots) {
  ino_t d = stat_of(root(), "/d").st_ino;
  ino_t e = stat_of(root(), "/d/e").st_ino;
  ino_t r = stat_of(root(), "/").st_ino;
  EXPECT_EQ(stat_of(root(), "/d/").st_ino, d);
  EXPECT_EQ(stat_of(root(), "//d//").st_ino, d);
  EXPECT_EQ(stat_of(root(), "/d/./e/../e/.").st_ino, e);
  EXPECT_EQ(stat_of(root(), "/d/e/..").st_ino, d);
  EXPECT_EQ(stat_of(root(), "d/e").st_ino, e);
  EXPECT_EQ(stat_of(root(), "./d/../d/e").st_ino, e);
  EXPECT_EQ(stat_of(root(), "///").st_ino, r);
  // ".." never goes above the root.
  EXPECT_EQ(stat_of(root(), "/..").st_ino, r);
  EXPECT_EQ(stat_of(root(), "/../../..").st_ino, r);
  EXPECT_EQ(stat_of(root(), "../../d").st_ino, d);
  // A missing name is missing even when followed by "..".
  EXPECT_THAT(stat_errno(root(), "/nope/.."), IsErrno(ENOENT));
}

TEST_F(NameiTest, DotDotStopsAtTheTaskRoot) {
  ASSERT_EQ(write_file(root(), "/d/e/inside", "1"), 1);
  vfs_task& t = user(0, 0);
  set_root(t, "/d/e");
  EXPECT_EQ(stat_of(t, "/..").st_ino, stat_of(root(), "/d/e").st_ino);
  EXPECT_EQ(stat_of(t, "../../inside").st_ino, stat_of(root(), "/d/e/inside").st_ino);
  EXPECT_THAT(stat_errno(t, "/f"), IsErrno(ENOENT));
  EXPECT_EQ(getcwd(t), "/");
}

TEST_F(NameiTest, NameMaxAndLongComponents) {
  std::string n255(255, 'n'), n256(256, 'n');
  EXPECT_THAT(mkdir(root(), "/d/" + n255), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/d/" + n255), Succeeds());
  EXPECT_THAT(mkdir(root(), "/d/" + n256), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(stat_errno(root(), "/d/" + n256), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(stat_errno(root(), "/d/" + n256 + "/x"), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(open(root(), "/d/" + n256, O_CREAT | O_WRONLY), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(stat_errno(root(), "/d/" + std::string(255, 'm')), IsErrno(ENOENT));
  // The first failing component decides.
  EXPECT_THAT(stat_errno(root(), "/nope/" + n256), IsErrno(ENOENT));
  EXPECT_THAT(stat_errno(root(), "/" + n256 + "/nope"), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(stat_errno(root(), "/f/" + n256), IsErrno(ENOTDIR));
  EXPECT_THAT(path_lookup(root(), "/d/" + n256), IsErrno(ENAMETOOLONG));
}

TEST_F(NameiTest, PathMax) {
  // 4095 characters with the NUL fit; 4096 do not.
  std::string fits = std::string(PATH_MAX - 2, '/') + "d";
  ASSERT_EQ(fits.size(), PATH_MAX - 1);
  EXPECT_THAT(stat_errno(root(), fits), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/" + fits), IsErrno(ENAMETOOLONG));
  std::string dots;
  while (dots.size() + 1 < PATH_MAX) dots += "./";
  EXPECT_THAT(stat_errno(root(), dots + "d"), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(mkdir(root(), std::string(PATH_MAX, 'x')), IsErrno(ENAMETOOLONG));
  EXPECT_THAT(path_lookup(root(), std::string(PATH_MAX, '/')), IsErrno(ENAMETOOLONG));
  // A buffer without any NUL in the first PATH_MAX bytes is not read past them.
  std::vector<char> unterminated(PATH_MAX, 'a');
  struct stat st;
  EXPECT_THAT(sys_stat(root(), unterminated.data(), &st), IsErrno(ENAMETOOLONG));
}

TEST_F(NameiTest, OddNamesAreJustNames) {
  std::vector<std::string> names = {"...", " ", "-", "a b", "\x01",    "\x7f\xff\xfe", "\t\n",
                                    "#",   "*", "?", "\\",  ".hidden", "..."};
  for (int c = 1; c < 256; ++c) {
    if (c != '/' && c != '.') names.push_back("c" + std::string(1, static_cast<char>(c)));
  }
  for (const std::string& n : names) {
    long r = mkdir(root(), "/d/e/" + n);
    EXPECT_TRUE(r == 0 || (n == "..." && r == -EEXIST)) << r;
    EXPECT_THAT(stat_errno(root(), "/d/e/" + n), Succeeds());
  }
  std::vector<std::string> listed = ls(root(), "/d/e");
  EXPECT_EQ(listed.size(), names.size() - 1 + 2);  // "..." twice; "." and ".."
  EXPECT_THAT(mkdir(root(), "/d/e/."), IsErrno(EEXIST));
}

TEST_F(NameiTest, DeepNesting) {
  // 1000 levels by one absolute path each time (the last one 2001 characters long).
  std::string p;
  for (int i = 0; i < 1000; ++i) {
    p += "/a";
    ASSERT_EQ(mkdir(root(), p), 0) << i;
  }
  EXPECT_THAT(stat_errno(root(), p), Succeeds());
  EXPECT_THAT(write_file(root(), p + "/leaf", "deep"), 4);
  EXPECT_EQ(read_file(root(), p + "/leaf"), "deep");
  ASSERT_EQ(sys_chdir(root(), p.c_str()), 0);
  EXPECT_EQ(getcwd(root()), p);
  std::string up;
  for (int i = 0; i < 999; ++i) up += "../";
  EXPECT_EQ(stat_of(root(), up).st_ino, stat_of(root(), "/a").st_ino);
  EXPECT_EQ(stat_of(root(), up + "..").st_ino, stat_of(root(), "/").st_ino);
  // Beyond a page, getcwd cannot name it.
  for (int i = 0; i < 1100; ++i) {
    ASSERT_EQ(mkdir(root(), "b"), 0) << i;
    ASSERT_EQ(sys_chdir(root(), "b"), 0) << i;
  }
  char buf[16];
  EXPECT_THAT(sys_getcwd(root(), buf, sizeof buf), IsErrno(ENAMETOOLONG));
  ASSERT_EQ(sys_chdir(root(), "/"), 0);
  EXPECT_THAT(sys_unlink(root(), (p + "/leaf").c_str()), Succeeds());
  EXPECT_THAT(sys_rmdir(root(), p.c_str()), IsErrno(ENOTEMPTY));  // the "b" chain
  // The vfs drops the 2100-deep rest without recursing that deep.
}

TEST_F(NameiTest, SearchPermissionPerDirectory) {
  ASSERT_EQ(sys_chmod(root(), "/d", 0700), 0);
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(stat_errno(u, "/d"), Succeeds());  // only "/" is searched
  EXPECT_THAT(stat_errno(u, "/d/e"), IsErrno(EACCES));
  EXPECT_THAT(stat_errno(u, "/d/nope"), IsErrno(EACCES));  // EACCES before ENOENT
  EXPECT_THAT(stat_errno(u, "/d/."), IsErrno(EACCES));
  EXPECT_THAT(sys_chdir(u, "/d"), IsErrno(EACCES));
  // Group search.
  ASSERT_EQ(sys_chown(root(), "/d", 0, 1000), 0);
  ASSERT_EQ(sys_chmod(root(), "/d", 0710), 0);
  EXPECT_THAT(stat_errno(u, "/d/e"), Succeeds());
  // Other search, denied to the owner whose own bits lack x.
  ASSERT_EQ(sys_chown(root(), "/d", 1000, 0), 0);
  ASSERT_EQ(sys_chmod(root(), "/d", 0601), 0);
  EXPECT_THAT(stat_errno(u, "/d/e"), IsErrno(EACCES));
  // It is fsuid that counts, and root passes anyway.
  u.fsuid = 2000;
  EXPECT_THAT(stat_errno(u, "/d/e"), Succeeds());
  ASSERT_EQ(sys_chmod(root(), "/d", 0), 0);
  EXPECT_THAT(stat_errno(root(), "/d/e"), Succeeds());
  // A relative walk checks the cwd itself: "." needs search permission too.
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  ASSERT_EQ(sys_chdir(u, "/d"), 0);
  ASSERT_EQ(sys_chmod(root(), "/d", 0666), 0);
  EXPECT_THAT(stat_errno(u, "."), IsErrno(EACCES));
  EXPECT_THAT(stat_errno(u, "e"), IsErrno(EACCES));
}

TEST_F(NameiTest, MountsAreCrossedBothWays) {
  ASSERT_EQ(mkdir(root(), "/mnt"), 0);
  struct stat under = stat_of(root(), "/mnt");
  ASSERT_EQ(sys_mount(root(), "m1", "/mnt", "ramfs", 0, nullptr), 0);
  struct stat over = stat_of(root(), "/mnt");
  EXPECT_NE(over.st_dev, under.st_dev);
  EXPECT_NE(over.st_dev, stat_of(root(), "/").st_dev);
  ASSERT_EQ(mkdir(root(), "/mnt/sub"), 0);
  // ".." from the mounted root is the mount point's parent, in the parent mount.
  EXPECT_EQ(stat_of(root(), "/mnt/..").st_ino, stat_of(root(), "/").st_ino);
  EXPECT_EQ(stat_of(root(), "/mnt/sub/../..").st_dev, stat_of(root(), "/").st_dev);
  EXPECT_EQ(stat_of(root(), "/mnt/sub/../../mnt").st_dev, over.st_dev);
  // Stacked: the newest is what the walk finds; ".." passes both.
  ASSERT_EQ(sys_mount(root(), "m2", "/mnt", "ramfs", 0, nullptr), 0);
  EXPECT_THAT(stat_errno(root(), "/mnt/sub"), IsErrno(ENOENT));
  EXPECT_EQ(stat_of(root(), "/mnt/..").st_ino, stat_of(root(), "/").st_ino);
  ASSERT_EQ(sys_umount(root(), "/mnt", 0), 0);
  EXPECT_THAT(stat_errno(root(), "/mnt/sub"), Succeeds());
  ASSERT_EQ(sys_umount(root(), "/mnt", 0), 0);
  EXPECT_EQ(stat_of(root(), "/mnt").st_dev, under.st_dev);
}

TEST_F(NameiTest, CwdDoesNotFollowLaterMounts) {
  ASSERT_EQ(mkdir(root(), "/mnt"), 0);
  ASSERT_EQ(write_file(root(), "/mnt/under", "u"), 1);
  ASSERT_EQ(sys_chdir(root(), "/mnt"), 0);
  ASSERT_EQ(sys_mount(root(), "m", "/mnt", "ramfs", 0, nullptr), 0);
  EXPECT_THAT(stat_errno(root(), "under"), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/mnt/under"), IsErrno(ENOENT));
  EXPECT_THAT(ls(root(), "."), ElementsAre(".", "..", "under"));
}

TEST_F(NameiTest, LookupOneRejectsNonNames) {
  path d = path_of(root(), "/d");
  EXPECT_THAT(lookup_one(d, ""), IsErrno(EACCES));
  EXPECT_THAT(lookup_one(d, "a/b"), IsErrno(EACCES));
  EXPECT_THAT(lookup_one(d, std::string_view("a\0b", 3)), IsErrno(EACCES));
  EXPECT_THAT(lookup_one(d, ".."), IsErrno(EACCES));
  EXPECT_THAT(lookup_one(d, std::string(256, 'x')), IsErrno(ENAMETOOLONG));
  ErrorOr<std::shared_ptr<dentry>> e = lookup_one(d, "e");
  ASSERT_TRUE(e.ok());
  EXPECT_NE(e.value()->d_inode, nullptr);
  ErrorOr<std::shared_ptr<dentry>> missing = lookup_one(d, "missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.value()->d_inode, nullptr);  // negative
  EXPECT_THAT(path_lookup_parent(root(), "/d/e/x"), Succeeds());
  ErrorOr<nameidata> nd = path_lookup_parent(root(), "/d/e/x/");
  ASSERT_TRUE(nd.ok());
  EXPECT_EQ(nd.value().last, "x");
  EXPECT_TRUE(nd.value().trailing_slash);
  nd = path_lookup_parent(root(), "/");
  ASSERT_TRUE(nd.ok());
  EXPECT_EQ(nd.value().last, "");
  EXPECT_THAT(path_lookup_parent(root(), "/f/x"), IsErrno(ENOTDIR));
  EXPECT_THAT(path_lookup(root(), "/f", LOOKUP_DIRECTORY), IsErrno(ENOTDIR));
}

}  // namespace
}  // namespace uk::testing
