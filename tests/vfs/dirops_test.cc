// mkdir, rmdir, unlink and rename: Linux's errnos in Linux's order, modes and link
// counts, and what the dcache does with the names (pins, unhashing, moves).
#include <sys/mount.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

class DiropsTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(write_file(root(), "/f", "file"), 4);
  }
  static mode_t mode_of(vfs_task& t, const std::string& p) { return stat_of(t, p).st_mode; }
  static void set_umask(vfs_task& t, mode_t m) {
    absl::MutexLock l(&t.fs->lock);
    t.fs->umask = m;
  }
};

// --- mkdir ---

TEST_F(DiropsTest, MkdirModeUsesUmaskAndDropsSetIdBits) {
  EXPECT_EQ(mode_of(root(), "/d"), S_IFDIR | 0755);
  set_umask(root(), 027);
  ASSERT_EQ(mkdir(root(), "/a", 0777), 0);
  EXPECT_EQ(mode_of(root(), "/a"), S_IFDIR | 0750);
  set_umask(root(), 0);
  // vfs_mkdir keeps S_IRWXUGO|S_ISVTX only.
  ASSERT_EQ(mkdir(root(), "/b", 07777), 0);
  EXPECT_EQ(mode_of(root(), "/b"), S_IFDIR | 01777);
  ASSERT_EQ(mkdir(root(), "/c", S_IFREG | 0700), 0);
  EXPECT_EQ(mode_of(root(), "/c"), S_IFDIR | 0700);
}

TEST_F(DiropsTest, MkdirOwnerLinksAndSetgidInheritance) {
  vfs_task& u = user(1000, 100);
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  ASSERT_EQ(mkdir(u, "/d/mine"), 0);
  struct stat st = stat_of(root(), "/d/mine");
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(stat_of(root(), "/d").st_nlink, 3u);
  ASSERT_EQ(mkdir(root(), "/d/other"), 0);
  EXPECT_EQ(stat_of(root(), "/d").st_nlink, 4u);
  ASSERT_EQ(sys_rmdir(root(), "/d/other"), 0);
  EXPECT_EQ(stat_of(root(), "/d").st_nlink, 3u);
  // A set-group-ID directory gives its group (and the bit) to new directories.
  ASSERT_EQ(sys_chown(root(), "/d", 0, 55), 0);
  ASSERT_EQ(sys_chmod(root(), "/d", 02777), 0);
  ASSERT_EQ(mkdir(u, "/d/sg"), 0);
  st = stat_of(root(), "/d/sg");
  EXPECT_EQ(st.st_gid, 55u);
  EXPECT_TRUE(st.st_mode & S_ISGID);
  ASSERT_EQ(write_file(u, "/d/sgf", ""), 0);
  st = stat_of(root(), "/d/sgf");
  EXPECT_EQ(st.st_gid, 55u);
  EXPECT_FALSE(st.st_mode & S_ISGID);
}

TEST_F(DiropsTest, MkdirErrors) {
  EXPECT_THAT(mkdir(root(), "/d"), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "/f"), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "/"), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "/d/."), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "/d/.."), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "."), IsErrno(EEXIST));
  EXPECT_THAT(mkdir(root(), "/nope/x"), IsErrno(ENOENT));
  EXPECT_THAT(mkdir(root(), "/f/x"), IsErrno(ENOTDIR));
  EXPECT_THAT(mkdir(root(), "/new/"), Succeeds());  // a trailing slash is fine here
  EXPECT_THAT(mkdir(root(), "/new2//"), Succeeds());
}

TEST_F(DiropsTest, MkdirPermissionOrder) {
  ASSERT_EQ(mkdir(root(), "/d/exists"), 0);
  ASSERT_EQ(sys_chmod(root(), "/d", 0555), 0);
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(mkdir(u, "/d/x"), IsErrno(EACCES));
  EXPECT_THAT(mkdir(u, "/d/exists"), IsErrno(EEXIST));  // EEXIST before EACCES
  EXPECT_THAT(mkdir(u, "/d/" + std::string(256, 'n')), IsErrno(ENAMETOOLONG));
  ASSERT_EQ(sys_chmod(root(), "/d", 0666), 0);  // no search permission
  EXPECT_THAT(mkdir(u, "/d/exists"), IsErrno(EACCES));
  EXPECT_THAT(mkdir(root(), "/d/x"), Succeeds());  // root passes
}

TEST_F(DiropsTest, MkdirInRemovedCwdIsEnoent) {
  ASSERT_EQ(mkdir(root(), "/gone"), 0);
  ASSERT_EQ(sys_chdir(root(), "/gone"), 0);
  ASSERT_EQ(sys_rmdir(root(), "/gone"), 0);
  EXPECT_THAT(mkdir(root(), "x"), IsErrno(ENOENT));
  EXPECT_THAT(open(root(), "y", O_CREAT | O_WRONLY), IsErrno(ENOENT));
  EXPECT_THAT(stat_errno(root(), "."), Succeeds());
  EXPECT_EQ(stat_of(root(), ".").st_nlink, 0u);
  EXPECT_EQ(getcwd(root()), "ERR:ENOENT");
  long fd = open(root(), ".", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  alignas(8) char buf[256];
  EXPECT_THAT(sys_getdents64(root(), fd, buf, sizeof buf), IsErrno(ENOENT));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(DiropsTest, VfsMkdirForKernelCallers) {
  path d = path_of(root(), "/d");
  ErrorOr<std::shared_ptr<dentry>> child = vfs_mkdir(d.dentry, "k", 0777);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child.value()->d_name, "k");
  EXPECT_EQ(mode_of(root(), "/d/k"), S_IFDIR | 0777);  // no umask without sys_mkdir
  EXPECT_THAT(vfs_mkdir(d.dentry, "k", 0777), IsErrno(EEXIST));
  EXPECT_THAT(vfs_mkdir(d.dentry, std::string(256, 'k'), 0777), IsErrno(ENAMETOOLONG));
  // For `current` when there is one.
  vfs_task& u = user(1000, 1000);
  current_scope as_user(u);
  EXPECT_THAT(vfs_mkdir(d.dentry, "u", 0777), IsErrno(EACCES));
}

// --- rmdir ---

TEST_F(DiropsTest, RmdirErrorsInOrder) {
  ASSERT_EQ(mkdir(root(), "/d/sub"), 0);
  EXPECT_THAT(sys_rmdir(root(), "/nope"), IsErrno(ENOENT));
  EXPECT_THAT(sys_rmdir(root(), "/nope/x"), IsErrno(ENOENT));
  EXPECT_THAT(sys_rmdir(root(), "/f"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_rmdir(root(), "/f/"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_rmdir(root(), "/d/."), IsErrno(EINVAL));
  EXPECT_THAT(sys_rmdir(root(), "."), IsErrno(EINVAL));
  EXPECT_THAT(sys_rmdir(root(), "/d/sub/.."), IsErrno(ENOTEMPTY));
  EXPECT_THAT(sys_rmdir(root(), "/"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rmdir(root(), "/d"), IsErrno(ENOTEMPTY));  // ramfs says so itself
  EXPECT_THAT(sys_rmdir(root(), ("/d/" + std::string(256, 's')).c_str()), IsErrno(ENAMETOOLONG));
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(sys_rmdir(u, "/d/sub"), IsErrno(EACCES));
  EXPECT_THAT(sys_rmdir(u, "/d/nope"), IsErrno(ENOENT));  // ENOENT before EACCES
  EXPECT_THAT(sys_rmdir(root(), "/d/sub/"), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/d/sub"), IsErrno(ENOENT));
  EXPECT_THAT(sys_rmdir(root(), "/d"), Succeeds());
}

TEST_F(DiropsTest, RmdirOfAMountPointIsBusy) {
  ASSERT_EQ(mkdir(root(), "/m"), 0);
  ASSERT_EQ(sys_mount(root(), "x", "/m", "ramfs", 0, nullptr), 0);
  EXPECT_THAT(sys_rmdir(root(), "/m"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rmdir(root(), "/m/"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rmdir(root(), "/m/."), IsErrno(EINVAL));
  ASSERT_EQ(sys_umount(root(), "/m", 0), 0);
  EXPECT_THAT(sys_rmdir(root(), "/m"), Succeeds());
}

TEST_F(DiropsTest, StickyDirectory) {
  ASSERT_EQ(mkdir(root(), "/tmp", 01777), 0);
  ASSERT_EQ(sys_chmod(root(), "/tmp", 01777), 0);
  vfs_task& a = user(1000, 1000);
  vfs_task& b = user(2000, 2000);
  ASSERT_EQ(mkdir(a, "/tmp/a"), 0);
  ASSERT_EQ(write_file(a, "/tmp/af", "a"), 1);
  EXPECT_THAT(sys_rmdir(b, "/tmp/a"), IsErrno(EPERM));
  EXPECT_THAT(sys_unlink(b, "/tmp/af"), IsErrno(EPERM));
  EXPECT_THAT(sys_rename(b, "/tmp/af", "/tmp/bf"), IsErrno(EPERM));
  EXPECT_THAT(sys_unlink(a, "/tmp/af"), Succeeds());
  EXPECT_THAT(sys_rmdir(root(), "/tmp/a"), Succeeds());
}

TEST_F(DiropsTest, RmdirKeepsOpenDirectoriesAlive) {
  ASSERT_EQ(mkdir(root(), "/d/x"), 0);
  long fd = open(root(), "/d/x", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_rmdir(root(), "/d/x"), 0);
  struct stat st;
  EXPECT_THAT(sys_fstat(root(), fd, &st), Succeeds());
  EXPECT_EQ(st.st_nlink, 0u);
  alignas(8) char buf[256];
  EXPECT_THAT(sys_getdents64(root(), fd, buf, sizeof buf), IsErrno(ENOENT));
  EXPECT_EQ(v().d_path(file_of(root(), fd)->f_path), "/d/x (deleted)");
  EXPECT_THAT(sys_close(root(), fd), Succeeds());
  // The name is free again.
  EXPECT_THAT(mkdir(root(), "/d/x"), Succeeds());
}

// --- unlink ---

TEST_F(DiropsTest, UnlinkErrors) {
  EXPECT_THAT(sys_unlink(root(), "/d"), IsErrno(EISDIR));
  EXPECT_THAT(sys_unlink(root(), "/d/"), IsErrno(EISDIR));
  EXPECT_THAT(sys_unlink(root(), "/f/"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_unlink(root(), "/nope/"), IsErrno(ENOENT));
  EXPECT_THAT(sys_unlink(root(), "/nope"), IsErrno(ENOENT));
  EXPECT_THAT(sys_unlink(root(), "/"), IsErrno(EISDIR));
  EXPECT_THAT(sys_unlink(root(), "/d/."), IsErrno(EISDIR));
  EXPECT_THAT(sys_unlink(root(), "/d/.."), IsErrno(EISDIR));
  EXPECT_THAT(sys_unlink(root(), "/f/x"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_unlink(root(), nullptr), IsErrno(EFAULT));
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(sys_unlink(u, "/f"), IsErrno(EACCES));
  EXPECT_THAT(sys_unlink(root(), "/f"), Succeeds());
  EXPECT_THAT(stat_errno(root(), "/f"), IsErrno(ENOENT));
  EXPECT_THAT(sys_unlink(root(), "/f"), IsErrno(ENOENT));
}

TEST_F(DiropsTest, UnlinkedOpenFileStaysUsable) {
  long fd = open(root(), "/f", O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_unlink(root(), "/f"), 0);
  EXPECT_THAT(sys_write(root(), fd, "more", 4), 4);
  char buf[16];
  EXPECT_EQ(sys_pread64(root(), fd, buf, sizeof buf, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "more");
  struct stat st;
  ASSERT_EQ(sys_fstat(root(), fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(v().d_path(file_of(root(), fd)->f_path), "/f (deleted)");
  // A new file of that name is another file.
  ASSERT_EQ(write_file(root(), "/f", "new"), 3);
  EXPECT_EQ(read_file(root(), "/f"), "new");
  EXPECT_NE(stat_of(root(), "/f").st_ino, st.st_ino);
  EXPECT_EQ(sys_close(root(), fd), 0);
}

// --- rename ---

TEST_F(DiropsTest, RenameFiles) {
  ino_t ino = stat_of(root(), "/f").st_ino;
  ASSERT_EQ(sys_rename(root(), "/f", "/d/g"), 0);
  EXPECT_THAT(stat_errno(root(), "/f"), IsErrno(ENOENT));
  EXPECT_EQ(stat_of(root(), "/d/g").st_ino, ino);
  EXPECT_EQ(read_file(root(), "/d/g"), "file");
  // Over an existing file: replaced.
  ASSERT_EQ(write_file(root(), "/h", "other"), 5);
  ASSERT_EQ(sys_rename(root(), "/d/g", "/h"), 0);
  EXPECT_EQ(read_file(root(), "/h"), "file");
  EXPECT_THAT(ls(root(), "/d"), ElementsAre(".", ".."));
  // Onto itself: nothing happens.
  EXPECT_THAT(sys_rename(root(), "/h", "/h"), Succeeds());
  EXPECT_THAT(sys_rename(root(), "/h", "//h"), Succeeds());
  EXPECT_EQ(read_file(root(), "/h"), "file");
}

TEST_F(DiropsTest, RenameDirectories) {
  ASSERT_EQ(mkdir(root(), "/d/a"), 0);
  ASSERT_EQ(write_file(root(), "/d/a/in", "in"), 2);
  ASSERT_EQ(mkdir(root(), "/e"), 0);
  ASSERT_EQ(sys_rename(root(), "/d/a", "/e/b/"), 0);
  EXPECT_EQ(read_file(root(), "/e/b/in"), "in");
  EXPECT_EQ(stat_of(root(), "/d").st_nlink, 2u);
  EXPECT_EQ(stat_of(root(), "/e").st_nlink, 3u);
  // Over an empty directory: allowed; over a full one: ENOTEMPTY (ramfs decides).
  ASSERT_EQ(mkdir(root(), "/empty"), 0);
  EXPECT_THAT(sys_rename(root(), "/e/b", "/empty"), Succeeds());
  EXPECT_EQ(read_file(root(), "/empty/in"), "in");
  ASSERT_EQ(mkdir(root(), "/full"), 0);
  ASSERT_EQ(mkdir(root(), "/full/x"), 0);
  EXPECT_THAT(sys_rename(root(), "/empty", "/full"), IsErrno(ENOTEMPTY));
  // A task inside sees the new name.
  ASSERT_EQ(sys_chdir(root(), "/empty"), 0);
  ASSERT_EQ(sys_rename(root(), "/empty", "/moved"), 0);
  EXPECT_EQ(getcwd(root()), "/moved");
  EXPECT_EQ(read_file(root(), "in"), "in");
}

TEST_F(DiropsTest, RenameErrors) {
  ASSERT_EQ(mkdir(root(), "/d/sub"), 0);
  ASSERT_EQ(mkdir(root(), "/d/sub/deeper"), 0);
  EXPECT_THAT(sys_rename(root(), "/nope", "/x"), IsErrno(ENOENT));
  EXPECT_THAT(sys_rename(root(), "/f", "/nope/x"), IsErrno(ENOENT));
  EXPECT_THAT(sys_rename(root(), "/d", "/d/sub/x"), IsErrno(EINVAL));  // into itself
  EXPECT_THAT(sys_rename(root(), "/d", "/d/x"), IsErrno(EINVAL));
  EXPECT_THAT(sys_rename(root(), "/d/sub/deeper", "/d"), IsErrno(ENOTEMPTY));  // over an ancestor
  EXPECT_THAT(sys_rename(root(), "/d", "/f"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_rename(root(), "/f", "/d"), IsErrno(EISDIR));
  EXPECT_THAT(sys_rename(root(), "/f/", "/g"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_rename(root(), "/f", "/g/"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_rename(root(), "/d/.", "/x"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rename(root(), "/f", "/d/.."), IsErrno(EBUSY));
  EXPECT_THAT(sys_rename(root(), "/", "/x"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rename(root(), "/f", nullptr), IsErrno(EFAULT));
  EXPECT_THAT(sys_rename(root(), "/f", ""), IsErrno(ENOENT));
  EXPECT_THAT(sys_rename(root(), "/f", ("/" + std::string(256, 'r')).c_str()),
              IsErrno(ENAMETOOLONG));
}

TEST_F(DiropsTest, RenameAcrossMountsIsExdev) {
  ASSERT_EQ(mkdir(root(), "/m"), 0);
  ASSERT_EQ(sys_mount(root(), "x", "/m", "ramfs", 0, nullptr), 0);
  EXPECT_THAT(sys_rename(root(), "/f", "/m/f"), IsErrno(EXDEV));
  EXPECT_THAT(sys_rename(root(), "/nope", "/m/f"), IsErrno(EXDEV));  // EXDEV first
  // A bind mount of the same filesystem is another mount: still EXDEV.
  ASSERT_EQ(mkdir(root(), "/m/a"), 0);
  ASSERT_EQ(write_file(root(), "/m/a/f", "f"), 1);
  ASSERT_EQ(mkdir(root(), "/b"), 0);
  ASSERT_EQ(sys_mount(root(), "/m/a", "/b", nullptr, MS_BIND, nullptr), 0);
  EXPECT_THAT(sys_rename(root(), "/m/a/f", "/b/g"), IsErrno(EXDEV));
  EXPECT_THAT(sys_rename(root(), "/b/f", "/b/g"), Succeeds());
  // Mount points do not move.
  EXPECT_THAT(sys_rename(root(), "/m", "/mm"), IsErrno(EBUSY));
  EXPECT_THAT(sys_rename(root(), "/d", "/m"), IsErrno(EBUSY));
}

TEST_F(DiropsTest, RenamePermissions) {
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  vfs_task& u = user(1000, 1000);
  ASSERT_EQ(mkdir(u, "/d/mine"), 0);
  ASSERT_EQ(mkdir(u, "/d/dest"), 0);
  EXPECT_THAT(sys_rename(u, "/f", "/d/f"), IsErrno(EACCES));  // no write on "/"
  EXPECT_THAT(sys_rename(u, "/d/mine", "/d/mine2"), Succeeds());
  // Moving a directory to another parent rewrites its "..": needs write on it.
  ASSERT_EQ(sys_chmod(u, "/d/mine2", 0555), 0);
  EXPECT_THAT(sys_rename(u, "/d/mine2", "/d/dest/mine"), IsErrno(EACCES));
  EXPECT_THAT(sys_rename(u, "/d/mine2", "/d/same-parent"), Succeeds());
}

TEST_F(DiropsTest, ConcurrentCrossRenamesDoNotDeadlock) {
  ASSERT_EQ(mkdir(root(), "/x"), 0);
  ASSERT_EQ(mkdir(root(), "/y"), 0);
  ASSERT_EQ(write_file(root(), "/x/a", "a"), 1);
  ASSERT_EQ(write_file(root(), "/y/b", "b"), 1);
  vfs_task& t2 = user(0, 0);
  std::atomic<int> ok{0};
  auto worker = [&ok](vfs_task& t, const char* from, const char* to) {
    for (int i = 0; i < 300; ++i) {
      if (sys_rename(t, from, to) == 0) ok++;
      if (sys_rename(t, to, from) == 0) ok++;
    }
  };
  std::thread th1(worker, std::ref(root()), "/x/a", "/y/a");
  std::thread th2(worker, std::ref(t2), "/y/b", "/x/b");
  th1.join();
  th2.join();
  EXPECT_EQ(ok.load(), 1200);
  EXPECT_EQ(read_file(root(), "/x/a"), "a");
  EXPECT_EQ(read_file(root(), "/y/b"), "b");
}

}  // namespace
}  // namespace uk::testing
