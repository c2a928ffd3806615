// open/close, read/write/pread/pwrite, lseek, dup/dup2, and when release() runs.
#include <sys/mount.h>

#include <climits>
#include <string>
#include <vector>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {

namespace {

using ::testing::ElementsAre;

class OpenTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(write_file(root(), "/f", "0123456789"), 10);
  }
  // Mounts sharedfs at /s and returns its driver.
  sharedfs_type& mount_sharedfs() {
    auto fs = std::make_unique<sharedfs_type>();
    sharedfs_type* raw = fs.get();
    EXPECT_EQ(v().register_filesystem(std::move(fs)), kOk);
    EXPECT_EQ(mkdir(root(), "/s"), 0);
    EXPECT_EQ(sys_mount(root(), "s", "/s", "sharedfs", 0, nullptr), 0);
    return *raw;
  }
};

// --- open ---

TEST_F(OpenTest, CreateModesAndOwner) {
  long fd = open(root(), "/new", O_WRONLY | O_CREAT, 0666);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(stat_of(root(), "/new").st_mode, S_IFREG | 0644);  // umask 022
  EXPECT_EQ(stat_of(root(), "/new").st_size, 0);
  EXPECT_EQ(stat_of(root(), "/new").st_nlink, 1u);
  EXPECT_EQ(sys_close(root(), fd), 0);
  // The file type bits of `mode` do not matter; S_ISUID etc. are kept.
  fd = open(root(), "/suid", O_WRONLY | O_CREAT, S_IFDIR | 04755);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(stat_of(root(), "/suid").st_mode, S_IFREG | 04755);
  EXPECT_EQ(sys_close(root(), fd), 0);
  vfs_task& u = user(1000, 100);
  ASSERT_EQ(sys_chmod(root(), "/d", 0777), 0);
  fd = open(u, "/d/users", O_RDWR | O_CREAT, 0400);
  ASSERT_THAT(fd, Succeeds());  // a new file is opened without a permission check
  EXPECT_EQ(sys_write(u, fd, "w", 1), 1);
  struct stat st = stat_of(root(), "/d/users");
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_mode, S_IFREG | 0400);
  EXPECT_EQ(sys_close(u, fd), 0);
  // But the second open is checked.
  EXPECT_THAT(open(u, "/d/users", O_RDWR | O_CREAT, 0400), IsErrno(EACCES));
}

TEST_F(OpenTest, CreateErrors) {
  EXPECT_THAT(open(root(), "/f", O_CREAT | O_EXCL | O_WRONLY), IsErrno(EEXIST));
  EXPECT_THAT(open(root(), "/d", O_CREAT | O_EXCL | O_RDONLY), IsErrno(EEXIST));
  EXPECT_THAT(open(root(), "/d", O_CREAT | O_RDONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/x/", O_CREAT | O_WRONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/f/", O_CREAT | O_WRONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/", O_CREAT | O_RDONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/d/.", O_CREAT | O_RDONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/d/..", O_CREAT | O_RDONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/nope/x", O_CREAT | O_WRONLY), IsErrno(ENOENT));
  EXPECT_THAT(open(root(), "/f/x", O_CREAT | O_WRONLY), IsErrno(ENOTDIR));
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(open(u, "/d/x", O_CREAT | O_WRONLY), IsErrno(EACCES));
  EXPECT_THAT(open(u, "/f", O_CREAT | O_EXCL | O_WRONLY), IsErrno(EEXIST));
  // O_CREAT on an existing file opens it, O_EXCL aside.
  long fd = open(root(), "/f", O_CREAT | O_RDONLY);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, OpenErrors) {
  EXPECT_THAT(open(root(), "/nope", O_RDONLY), IsErrno(ENOENT));
  EXPECT_THAT(open(root(), "/f", O_RDONLY | O_DIRECTORY), IsErrno(ENOTDIR));
  EXPECT_THAT(open(root(), "/f/", O_RDONLY), IsErrno(ENOTDIR));
  EXPECT_THAT(open(root(), "/d", O_WRONLY), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/d", O_RDWR), IsErrno(EISDIR));
  EXPECT_THAT(open(root(), "/d", O_RDONLY | O_TRUNC), IsErrno(EISDIR));
  EXPECT_THAT(sys_open(root(), nullptr, O_RDONLY), IsErrno(EFAULT));
  long fd = open(root(), "/d", O_RDONLY | O_DIRECTORY);
  EXPECT_THAT(fd, Succeeds());
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, PermissionByAccessMode) {
  ASSERT_EQ(sys_chmod(root(), "/f", 0644), 0);
  vfs_task& u = user(1000, 1000);
  long fd = open(u, "/f", O_RDONLY);
  EXPECT_THAT(fd, Succeeds());
  EXPECT_EQ(sys_close(u, fd), 0);
  EXPECT_THAT(open(u, "/f", O_WRONLY), IsErrno(EACCES));
  EXPECT_THAT(open(u, "/f", O_RDWR), IsErrno(EACCES));
  EXPECT_THAT(open(u, "/f", O_RDONLY | O_TRUNC), IsErrno(EACCES));  // O_TRUNC needs write
  EXPECT_THAT(open(u, "/f", O_ACCMODE), IsErrno(EACCES));           // 3 needs both
  EXPECT_EQ(read_file(root(), "/f"), "0123456789");
  ASSERT_EQ(sys_chmod(root(), "/f", 0600), 0);
  EXPECT_THAT(open(u, "/f", O_RDONLY), IsErrno(EACCES));
  ASSERT_EQ(sys_chmod(root(), "/f", 0), 0);
  fd = open(root(), "/f", O_RDWR);  // root reads and writes anything
  EXPECT_THAT(fd, Succeeds());
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, TruncateOnOpen) {
  long fd = open(root(), "/f", O_WRONLY | O_TRUNC);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(stat_of(root(), "/f").st_size, 0);
  EXPECT_EQ(sys_write(root(), fd, "ab", 2), 2);
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(read_file(root(), "/f"), "ab");
  // O_RDONLY|O_TRUNC truncates too (with write permission).
  fd = open(root(), "/f", O_RDONLY | O_TRUNC);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(stat_of(root(), "/f").st_size, 0);
  EXPECT_EQ(sys_close(root(), fd), 0);
  // The flags a file keeps: not O_CREAT/O_EXCL/O_TRUNC.
  fd = open(root(), "/g", O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(file_of(root(), fd)->f_flags, static_cast<unsigned>(O_RDWR | O_APPEND));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, LowestFreeDescriptorAndEmfile) {
  std::vector<long> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(open(root(), "/f", O_RDONLY));
  EXPECT_THAT(fds, ElementsAre(0, 1, 2));
  EXPECT_EQ(sys_close(root(), 1), 0);
  EXPECT_EQ(open(root(), "/f", O_RDONLY), 1);
  for (int i = 3; i < files_struct::NR_OPEN_DEFAULT; ++i) {
    ASSERT_EQ(open(root(), "/f", O_RDONLY), i);
  }
  EXPECT_THAT(open(root(), "/f", O_RDONLY), IsErrno(EMFILE));
  EXPECT_THAT(open(root(), "/nope", O_RDONLY), IsErrno(EMFILE));  // before the lookup
  EXPECT_THAT(sys_dup(root(), 0), IsErrno(EMFILE));
  EXPECT_EQ(sys_close(root(), 700), 0);
  EXPECT_EQ(sys_dup(root(), 0), 700);
}

TEST_F(OpenTest, CloseErrors) {
  EXPECT_THAT(sys_close(root(), -1), IsErrno(EBADF));
  EXPECT_THAT(sys_close(root(), 0), IsErrno(EBADF));
  EXPECT_THAT(sys_close(root(), 100000), IsErrno(EBADF));
  long fd = open(root(), "/f", O_RDONLY);
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_THAT(sys_close(root(), fd), IsErrno(EBADF));
}

// --- read / write ---

TEST_F(OpenTest, ReadWriteAndPositions) {
  long fd = open(root(), "/f", O_RDWR);
  char buf[32];
  EXPECT_EQ(sys_read(root(), fd, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_EQ(sys_write(root(), fd, "ab", 2), 2);  // at 4
  EXPECT_EQ(sys_read(root(), fd, buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "6789");
  EXPECT_EQ(sys_read(root(), fd, buf, sizeof buf), 0);  // end of file
  EXPECT_EQ(sys_read(root(), fd, buf, 0), 0);
  EXPECT_EQ(read_file(root(), "/f"), "0123ab6789");
  // pread/pwrite do not move the position.
  EXPECT_EQ(sys_pread64(root(), fd, buf, 3, 1), 3);
  EXPECT_EQ(std::string(buf, 3), "123");
  EXPECT_EQ(sys_pwrite64(root(), fd, "Z", 1, 0), 1);
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_CUR), 10);
  EXPECT_EQ(sys_pread64(root(), fd, buf, 5, 100), 0);
  // Writing past the end leaves zeros between.
  EXPECT_EQ(sys_pwrite64(root(), fd, "E", 1, 12), 1);
  EXPECT_EQ(read_file(root(), "/f"), std::string("Z123ab6789\0\0E", 13));
  EXPECT_EQ(stat_of(root(), "/f").st_size, 13);
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, ReadWriteErrors) {
  char buf[8];
  EXPECT_THAT(sys_read(root(), -1, buf, 1), IsErrno(EBADF));
  EXPECT_THAT(sys_read(root(), 42, buf, 1), IsErrno(EBADF));
  EXPECT_THAT(sys_write(root(), 42, buf, 1), IsErrno(EBADF));
  long ro = open(root(), "/f", O_RDONLY);
  long wo = open(root(), "/f", O_WRONLY);
  long dir = open(root(), "/d", O_RDONLY);
  long none = open(root(), "/f", O_ACCMODE);
  EXPECT_THAT(sys_write(root(), ro, "x", 1), IsErrno(EBADF));
  EXPECT_THAT(sys_read(root(), wo, buf, 1), IsErrno(EBADF));
  EXPECT_THAT(sys_pread64(root(), wo, buf, 1, 0), IsErrno(EBADF));
  EXPECT_THAT(sys_pwrite64(root(), ro, "x", 1, 0), IsErrno(EBADF));
  EXPECT_THAT(sys_read(root(), none, buf, 1), IsErrno(EBADF));
  EXPECT_THAT(sys_write(root(), none, buf, 1), IsErrno(EBADF));
  EXPECT_THAT(sys_read(root(), dir, buf, 1), IsErrno(EISDIR));
  EXPECT_THAT(sys_write(root(), dir, "x", 1), IsErrno(EBADF));
  EXPECT_THAT(sys_pread64(root(), 42, buf, 1, -1), IsErrno(EINVAL));  // before EBADF
  EXPECT_THAT(sys_pwrite64(root(), wo, "x", 1, -5), IsErrno(EINVAL));
  EXPECT_THAT(sys_read(root(), ro, buf, static_cast<size_t>(SSIZE_MAX) + 1), IsErrno(EINVAL));
  EXPECT_THAT(sys_pread64(root(), ro, buf, 8, INT64_MAX), IsErrno(EINVAL));  // pos + count
  EXPECT_THAT(sys_read(root(), ro, nullptr, 4), IsErrno(EFAULT));
  EXPECT_EQ(sys_read(root(), ro, nullptr, 0), 0);
  EXPECT_EQ(sys_write(root(), wo, "", 0), 0);
  // A file beyond ramfs's size limit.
  EXPECT_THAT(sys_pwrite64(root(), wo, "x", 1, RAMFS_MAX_BYTES), IsErrno(EFBIG));
  EXPECT_EQ(sys_pwrite64(root(), wo, "xyz", 3, RAMFS_MAX_BYTES - 1), 1);  // cut short
  for (long fd : {ro, wo, dir, none}) EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, AppendAlwaysWritesAtTheEnd) {
  long fd = open(root(), "/f", O_WRONLY | O_APPEND);
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_SET), 0);
  EXPECT_EQ(sys_write(root(), fd, "AB", 2), 2);
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_CUR), 12);
  EXPECT_EQ(sys_pwrite64(root(), fd, "C", 1, 0), 1);  // Linux appends even so
  EXPECT_EQ(read_file(root(), "/f"), "0123456789ABC");
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, Lseek) {
  long fd = open(root(), "/f", O_RDONLY);
  EXPECT_EQ(sys_lseek(root(), fd, 3, SEEK_SET), 3);
  EXPECT_EQ(sys_lseek(root(), fd, 2, SEEK_CUR), 5);
  EXPECT_EQ(sys_lseek(root(), fd, -1, SEEK_END), 9);
  EXPECT_EQ(sys_lseek(root(), fd, 100, SEEK_END), 110);  // past the end is fine
  EXPECT_THAT(sys_lseek(root(), fd, -11, SEEK_END), IsErrno(EINVAL));
  EXPECT_THAT(sys_lseek(root(), fd, -1, SEEK_SET), IsErrno(EINVAL));
  EXPECT_THAT(sys_lseek(root(), fd, INT64_MAX, SEEK_CUR), IsErrno(EINVAL));  // overflow
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_CUR), 110);  // unchanged by the failures
  EXPECT_THAT(sys_lseek(root(), fd, 0, 3), IsErrno(EINVAL));
  EXPECT_THAT(sys_lseek(root(), fd, 0, -1), IsErrno(EINVAL));
  EXPECT_THAT(sys_lseek(root(), 42, 0, 99), IsErrno(EBADF));  // EBADF first
  EXPECT_EQ(sys_close(root(), fd), 0);
}

// --- dup and sharing ---

TEST_F(OpenTest, DupSharesThePosition) {
  long fd = open(root(), "/f", O_RDONLY);
  long copy = sys_dup(root(), fd);
  ASSERT_THAT(copy, Succeeds());
  char buf[4];
  EXPECT_EQ(sys_read(root(), fd, buf, 4), 4);
  EXPECT_EQ(sys_read(root(), copy, buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "45");
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(sys_read(root(), copy, buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "67");
  EXPECT_THAT(sys_dup(root(), 55), IsErrno(EBADF));
  EXPECT_EQ(sys_close(root(), copy), 0);
}

TEST_F(OpenTest, Dup2) {
  long a = open(root(), "/f", O_RDONLY);
  long b = open(root(), "/d", O_RDONLY);
  EXPECT_EQ(sys_dup2(root(), a, a), a);
  EXPECT_THAT(sys_dup2(root(), 77, 77), IsErrno(EBADF));
  EXPECT_THAT(sys_dup2(root(), 77, a), IsErrno(EBADF));
  EXPECT_THAT(sys_dup2(root(), a, -1), IsErrno(EBADF));
  EXPECT_THAT(sys_dup2(root(), a, files_struct::NR_OPEN_DEFAULT), IsErrno(EBADF));
  EXPECT_EQ(sys_dup2(root(), a, b), b);  // closes the directory
  char buf[2];
  EXPECT_EQ(sys_read(root(), b, buf, 2), 2);
  EXPECT_EQ(sys_dup2(root(), a, 500), 500);
  EXPECT_EQ(sys_lseek(root(), 500, 0, SEEK_CUR), 2);
  for (long fd : {a, b, 500L}) EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(OpenTest, CloseOnExecFlag) {
  long fd = open(root(), "/f", O_RDONLY | O_CLOEXEC);
  long plain = sys_dup(root(), fd);
  absl::MutexLock l(&root().files->file_lock);
  EXPECT_TRUE(root().files->close_on_exec[fd]);
  EXPECT_FALSE(root().files->close_on_exec[plain]);
}

// --- release ---

TEST_F(OpenTest, ReleaseRunsOnTheLastReferenceOnly) {
  sharedfs_type& fs = mount_sharedfs();
  long fd = open(root(), "/s/counter", O_RDONLY);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_EQ(fs.counter.opens, 1);
  EXPECT_EQ(fs.counter.open_task, &root());
  EXPECT_EQ(read_file(root(), "/s/counter"), "hello\n");
  EXPECT_EQ(fs.counter.opens, 2);
  EXPECT_EQ(fs.counter.releases, 1);
  long copy = sys_dup(root(), fd);
  auto child_files = root().files->copy();  // fork
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(fs.counter.releases, 1);
  EXPECT_EQ(sys_close(root(), copy), 0);
  EXPECT_EQ(fs.counter.releases, 1);  // the child still has both
  child_files.reset();                // the child's files go (no task: current is null)
  EXPECT_EQ(fs.counter.releases, 2);
  EXPECT_EQ(fs.counter.release_task, nullptr);
  // Closed in a system call, release runs as that task.
  vfs_task& u = user(0, 0);
  fd = open(u, "/s/counter", O_RDONLY);
  EXPECT_EQ(sys_close(u, fd), 0);
  EXPECT_EQ(fs.counter.release_task, &u);
}

TEST_F(OpenTest, FailedOpenIsNotReleasedAndUsesNoDescriptor) {
  sharedfs_type& fs = mount_sharedfs();
  fs.counter.fail_open = ENXIO;
  EXPECT_THAT(open(root(), "/s/counter", O_RDONLY), IsErrno(ENXIO));
  EXPECT_EQ(fs.counter.releases, 0);
  fs.counter.fail_open = 0;
  EXPECT_EQ(open(root(), "/s/counter", O_RDONLY), 0);
  // A file without read/write ops: EINVAL.
  char buf[4];
  EXPECT_THAT(sys_write(root(), 0, buf, 1), IsErrno(EBADF));  // opened read-only
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(open(u, "/s/counter", O_WRONLY), IsErrno(EACCES));  // mode 0444
  long fd = open(u, "/s/counter", O_RDONLY);
  EXPECT_THAT(fd, Succeeds());
  EXPECT_EQ(sys_close(u, fd), 0);
  EXPECT_EQ(sys_close(root(), 0), 0);
}

TEST_F(OpenTest, DefaultFileOperations) {
  sharedfs_type& fs = mount_sharedfs();
  ASSERT_EQ(sys_chmod(root(), "/s/counter", 0666), 0);
  long fd = open(root(), "/s/counter", O_RDWR);
  ASSERT_THAT(fd, Succeeds());
  EXPECT_THAT(sys_write(root(), fd, "x", 1), IsErrno(EINVAL));  // no write op
  alignas(8) char buf[64];
  EXPECT_THAT(sys_getdents64(root(), fd, buf, sizeof buf), IsErrno(ENOTDIR));
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_END), 0);  // i_size 0
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(fs.counter.releases, 1);
  // A file's lseek needs no i_fop llseek; a directory's is SEEK_SET/SEEK_CUR only.
  fd = open(root(), "/s", O_RDONLY);
  EXPECT_THAT(sys_lseek(root(), fd, 0, SEEK_END), IsErrno(EINVAL));
  EXPECT_EQ(sys_lseek(root(), fd, 1, SEEK_SET), 1);
  EXPECT_EQ(sys_lseek(root(), fd, 1, SEEK_CUR), 2);
  EXPECT_THAT(sys_lseek(root(), fd, -3, SEEK_CUR), IsErrno(EINVAL));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

}  // namespace
}  // namespace uk::testing
