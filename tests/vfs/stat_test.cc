// stat/fstat, statfs/fstatfs, chdir/fchdir/getcwd, chmod/chown.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <string>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

class StatTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(write_file(root(), "/d/f", "12345"), 5);
  }
};

// --- stat ---

TEST_F(StatTest, Fields) {
  struct stat d = stat_of(root(), "/d");
  struct stat f = stat_of(root(), "/d/f");
  EXPECT_EQ(d.st_mode, S_IFDIR | 0755);
  EXPECT_EQ(f.st_mode, S_IFREG | 0644);
  EXPECT_EQ(d.st_nlink, 2u);
  EXPECT_EQ(f.st_nlink, 1u);
  EXPECT_EQ(f.st_size, 5);
  EXPECT_EQ(f.st_blksize, 4096);
  EXPECT_EQ(f.st_blocks, 8);
  EXPECT_EQ(f.st_uid, 0u);
  EXPECT_EQ(f.st_dev, d.st_dev);
  EXPECT_NE(f.st_ino, d.st_ino);
  EXPECT_EQ(stat_of(root(), "/").st_ino, 1u);
  EXPECT_EQ(f.st_mtim.tv_sec, 1);  // the fixture's clock
  EXPECT_EQ(f.st_mtim.tv_nsec, 0);
  // A write moves mtime and size; fstat sees the same.
  clock_.realtime = 2'000'000'005;
  long fd = open(root(), "/d/f", O_WRONLY | O_APPEND);
  ASSERT_EQ(sys_write(root(), fd, "678", 3), 3);
  struct stat viafd;
  ASSERT_EQ(sys_fstat(root(), fd, &viafd), 0);
  EXPECT_EQ(viafd.st_size, 8);
  EXPECT_EQ(viafd.st_ino, f.st_ino);
  EXPECT_EQ(viafd.st_mtim.tv_sec, 2);
  EXPECT_EQ(viafd.st_mtim.tv_nsec, 5);
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(StatTest, Errors) {
  struct stat st;
  EXPECT_THAT(sys_stat(root(), "/d/f", nullptr), IsErrno(EFAULT));
  EXPECT_THAT(sys_stat(root(), "/nope", nullptr), IsErrno(ENOENT));  // the walk first
  EXPECT_THAT(sys_fstat(root(), 3, &st), IsErrno(EBADF));
  EXPECT_THAT(sys_fstat(root(), -1, &st), IsErrno(EBADF));
}

TEST_F(StatTest, DevicesDifferPerSuperBlock) {
  ASSERT_EQ(mkdir(root(), "/m1"), 0);
  ASSERT_EQ(mkdir(root(), "/m2"), 0);
  ASSERT_EQ(sys_mount(root(), "a", "/m1", "ramfs", 0, nullptr), 0);
  ASSERT_EQ(sys_mount(root(), "b", "/m2", "ramfs", 0, nullptr), 0);
  dev_t r = stat_of(root(), "/").st_dev, a = stat_of(root(), "/m1").st_dev,
        b = stat_of(root(), "/m2").st_dev;
  EXPECT_NE(r, a);
  EXPECT_NE(a, b);
  EXPECT_NE(r, b);
  EXPECT_EQ(major(a), 0u);  // anonymous devices
}

// --- statfs ---

TEST_F(StatTest, Statfs) {
  struct statfs sf;
  ASSERT_EQ(sys_statfs(root(), "/d", &sf), 0);
  EXPECT_EQ(static_cast<unsigned long>(sf.f_type), RAMFS_MAGIC);
  EXPECT_EQ(sf.f_bsize, 4096);
  EXPECT_EQ(sf.f_frsize, 4096);
  EXPECT_EQ(sf.f_namelen, 255);
  EXPECT_EQ(sf.f_blocks, 0u);
  long fd = open(root(), "/d/f", O_RDONLY);
  struct statfs viafd;
  ASSERT_EQ(sys_fstatfs(root(), fd, &viafd), 0);
  EXPECT_EQ(viafd.f_type, sf.f_type);
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_THAT(sys_statfs(root(), "/nope", &sf), IsErrno(ENOENT));
  EXPECT_THAT(sys_statfs(root(), "/d", nullptr), IsErrno(EFAULT));
  EXPECT_THAT(sys_fstatfs(root(), 9, &sf), IsErrno(EBADF));
  // A filesystem's own statfs.
  ASSERT_EQ(v().register_filesystem(std::make_unique<sharedfs_type>()), kOk);
  ASSERT_EQ(mkdir(root(), "/s"), 0);
  ASSERT_EQ(sys_mount(root(), "s", "/s", "sharedfs", 0, nullptr), 0);
  ASSERT_EQ(sys_statfs(root(), "/s/counter", &sf), 0);
  EXPECT_EQ(static_cast<unsigned long>(sf.f_type), sharedfs_type::kMagic);
  EXPECT_EQ(sf.f_blocks, 42u);
  EXPECT_EQ(sf.f_frsize, 512);
  EXPECT_EQ(sf.f_namelen, 64);
}

// calculate_f_flags(): the flags of the mount the path was reached through and of its
// super_block, with ST_VALID (0x20); read-only either way.
TEST_F(StatTest, StatfsFlagsAreTheMountsAndTheSuperBlocks) {
  constexpr long kStValid = 0x20;
  ASSERT_EQ(mkdir(root(), "/m"), 0);
  ASSERT_EQ(sys_mount(root(), "m", "/m", "ramfs", MS_NOSUID | MS_NOEXEC, nullptr), 0);
  struct statfs sf;
  ASSERT_EQ(sys_statfs(root(), "/m", &sf), 0);
  EXPECT_EQ(sf.f_flags, kStValid | ST_NOSUID | ST_NOEXEC | ST_RELATIME);
  ASSERT_EQ(sys_mount(root(), "m", "/m", nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0);
  ASSERT_EQ(sys_statfs(root(), "/m", &sf), 0);
  EXPECT_EQ(sf.f_flags & ST_RDONLY, ST_RDONLY);
  ASSERT_EQ(sys_statfs(root(), "/d", &sf), 0);
  EXPECT_EQ(sf.f_flags & (ST_RDONLY | ST_NOSUID), 0);
}

// --- chdir / getcwd ---

TEST_F(StatTest, ChdirAndGetcwd) {
  EXPECT_EQ(getcwd(root()), "/");
  char buf[64];
  EXPECT_EQ(sys_getcwd(root(), buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "/");
  ASSERT_EQ(sys_chdir(root(), "/d"), 0);
  EXPECT_EQ(getcwd(root()), "/d");
  EXPECT_EQ(read_file(root(), "f"), "12345");
  ASSERT_EQ(mkdir(root(), "sub"), 0);
  ASSERT_EQ(sys_chdir(root(), "sub/../sub/."), 0);
  EXPECT_EQ(getcwd(root()), "/d/sub");
  EXPECT_THAT(sys_getcwd(root(), buf, 6), IsErrno(ERANGE));  // needs 6 + NUL
  EXPECT_EQ(sys_getcwd(root(), buf, 7), 7);
  EXPECT_THAT(sys_getcwd(root(), nullptr, 0), IsErrno(ERANGE));
  EXPECT_THAT(sys_getcwd(root(), nullptr, 100), IsErrno(EFAULT));
  ASSERT_EQ(sys_chdir(root(), ".."), 0);
  EXPECT_EQ(getcwd(root()), "/d");
  // Into a mount and back out.
  ASSERT_EQ(sys_mount(root(), "m", "/d/sub", "ramfs", 0, nullptr), 0);
  ASSERT_EQ(sys_chdir(root(), "sub"), 0);
  ASSERT_EQ(mkdir(root(), "in"), 0);
  ASSERT_EQ(sys_chdir(root(), "in"), 0);
  EXPECT_EQ(getcwd(root()), "/d/sub/in");
  ASSERT_EQ(sys_chdir(root(), "../.."), 0);
  EXPECT_EQ(getcwd(root()), "/d");
}

TEST_F(StatTest, ChdirErrors) {
  EXPECT_THAT(sys_chdir(root(), "/d/f"), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_chdir(root(), "/nope"), IsErrno(ENOENT));
  EXPECT_THAT(sys_chdir(root(), nullptr), IsErrno(EFAULT));
  ASSERT_EQ(sys_chmod(root(), "/d", 0644), 0);
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(sys_chdir(u, "/d"), IsErrno(EACCES));
  EXPECT_EQ(getcwd(u), "/");  // unchanged
  EXPECT_THAT(sys_chdir(root(), "/d"), Succeeds());
}

TEST_F(StatTest, Fchdir) {
  long dir = open(root(), "/d", O_RDONLY);
  long file = open(root(), "/d/f", O_RDONLY);
  EXPECT_THAT(sys_fchdir(root(), file), IsErrno(ENOTDIR));
  EXPECT_THAT(sys_fchdir(root(), 77), IsErrno(EBADF));
  EXPECT_THAT(sys_fchdir(root(), dir), Succeeds());
  EXPECT_EQ(getcwd(root()), "/d");
  vfs_task& u = user(1000, 1000);
  ASSERT_EQ(sys_chmod(root(), "/d", 0700), 0);
  long udir = sys_dup(root(), dir);
  u.files = root().files;  // CLONE_FILES
  EXPECT_THAT(sys_fchdir(u, udir), IsErrno(EACCES));
  for (long fd : {dir, file, udir}) EXPECT_EQ(sys_close(root(), fd), 0);
}

// --- chmod / chown ---

TEST_F(StatTest, Chmod) {
  vfs_task& u = user(1000, 1000);
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  ASSERT_EQ(write_file(u, "/d/mine", ""), 0);
  EXPECT_THAT(sys_chmod(u, "/d/mine", 0600), Succeeds());  // the owner
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 0600);
  EXPECT_THAT(sys_chmod(u, "/d/f", 0666), IsErrno(EPERM));       // not the owner
  EXPECT_THAT(sys_chmod(root(), "/d/mine", 07755), Succeeds());  // root may
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 07755);
  EXPECT_THAT(sys_chmod(root(), "/d", S_IFREG | 0700), Succeeds());  // type bits ignored
  EXPECT_EQ(stat_of(root(), "/d").st_mode, S_IFDIR | 0700);
  EXPECT_THAT(sys_chmod(root(), "/nope", 0), IsErrno(ENOENT));
  EXPECT_THAT(sys_chmod(root(), nullptr, 0), IsErrno(EFAULT));
  // A non-root owner outside the file's group cannot set S_ISGID.
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  ASSERT_EQ(sys_chown(root(), "/d/mine", 1000, 50), 0);
  EXPECT_THAT(sys_chmod(u, "/d/mine", 02755), Succeeds());
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 0755);
  u.fsgid = 50;
  EXPECT_THAT(sys_chmod(u, "/d/mine", 02755), Succeeds());
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 02755);
}

TEST_F(StatTest, Chown) {
  vfs_task& u = user(1000, 1000);
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  ASSERT_EQ(write_file(u, "/d/mine", ""), 0);
  EXPECT_THAT(sys_chown(u, "/d/mine", 2000, -1), IsErrno(EPERM));  // only root gives away
  EXPECT_THAT(sys_chown(u, "/d/f", 1000, -1), IsErrno(EPERM));
  EXPECT_THAT(sys_chown(u, "/d/mine", 1000, -1), Succeeds());   // to itself: no change
  EXPECT_THAT(sys_chown(u, "/d/mine", -1, 1000), Succeeds());   // its own group
  EXPECT_THAT(sys_chown(u, "/d/mine", -1, 7), IsErrno(EPERM));  // not its group
  EXPECT_THAT(sys_chown(root(), "/d/mine", 3000, 7), Succeeds());
  struct stat st = stat_of(root(), "/d/mine");
  EXPECT_EQ(st.st_uid, 3000u);
  EXPECT_EQ(st.st_gid, 7u);
  EXPECT_THAT(sys_chown(root(), "/d/mine", -1, -1), Succeeds());
  EXPECT_EQ(stat_of(root(), "/d/mine").st_uid, 3000u);
  // chown of a file drops S_ISUID, and S_ISGID when group-executable.
  ASSERT_EQ(sys_chmod(root(), "/d/mine", 06755), 0);
  ASSERT_EQ(sys_chown(root(), "/d/mine", 1, 1), 0);
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 0755);
  ASSERT_EQ(sys_chmod(root(), "/d/mine", 06745), 0);
  ASSERT_EQ(sys_chown(root(), "/d/mine", 1, 1), 0);
  EXPECT_EQ(stat_of(root(), "/d/mine").st_mode, S_IFREG | 02745);  // mandatory locking bit
  // ... not of a directory.
  ASSERT_EQ(sys_chmod(root(), "/d", 06755), 0);
  ASSERT_EQ(sys_chown(root(), "/d", 1, 1), 0);
  EXPECT_EQ(stat_of(root(), "/d").st_mode, S_IFDIR | 06755);
  EXPECT_THAT(sys_chown(root(), "/nope", 0, 0), IsErrno(ENOENT));
}

TEST_F(StatTest, ReadOnlyRemount) {
  ASSERT_EQ(mkdir(root(), "/m"), 0);
  ASSERT_EQ(sys_mount(root(), "m", "/m", "ramfs", 0, nullptr), 0);
  ASSERT_EQ(write_file(root(), "/m/f", "x"), 1);
  ASSERT_EQ(sys_mount(root(), nullptr, "/m", nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0);
  EXPECT_THAT(mkdir(root(), "/m/d"), IsErrno(EROFS));
  EXPECT_THAT(open(root(), "/m/f", O_WRONLY), IsErrno(EROFS));
  EXPECT_THAT(open(root(), "/m/g", O_WRONLY | O_CREAT), IsErrno(EROFS));
  EXPECT_THAT(sys_chmod(root(), "/m/f", 0600), IsErrno(EROFS));
  EXPECT_THAT(sys_chown(root(), "/m/f", 1, 1), IsErrno(EROFS));
  EXPECT_THAT(sys_unlink(root(), "/m/f"), IsErrno(EROFS));
  EXPECT_EQ(read_file(root(), "/m/f"), "x");
  ASSERT_EQ(sys_mount(root(), nullptr, "/m", nullptr, MS_REMOUNT, nullptr), 0);
  EXPECT_THAT(mkdir(root(), "/m/d"), Succeeds());
}

}  // namespace
}  // namespace uk::testing
