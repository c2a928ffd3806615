// The task's side: `current`, make_init_vfs_task, and fork's copies of fs_struct and
// files_struct (copy_fs_struct, dup_fd) next to sharing them (CLONE_FS, CLONE_FILES).
#include <string>
#include <thread>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

TEST_F(VfsTest, InitTask) {
  vfs_task& t = root();
  EXPECT_EQ(t.pid, 1);
  EXPECT_EQ(t.euid, 0u);
  EXPECT_TRUE(t.capable());
  EXPECT_EQ(t.mnt_ns, &v());
  absl::MutexLock l(&t.fs->lock);
  EXPECT_EQ(t.fs->root, v().root());
  EXPECT_EQ(t.fs->pwd, v().root());
  EXPECT_EQ(t.fs->umask, 022u);
  absl::MutexLock fl(&t.files->file_lock);
  EXPECT_TRUE(t.files->fd.empty());
}

TEST_F(VfsTest, CurrentIsSetPerCallAndNests) {
  EXPECT_EQ(current(), nullptr);
  vfs_task& u = user(5, 5);
  {
    current_scope outer(root());
    EXPECT_EQ(current(), &root());
    {
      current_scope inner(u);
      EXPECT_EQ(current(), &u);
    }
    EXPECT_EQ(current(), &root());
    // A system call sets and restores it.
    EXPECT_EQ(mkdir(u, "/x"), -EACCES);
    EXPECT_EQ(current(), &root());
  }
  EXPECT_EQ(current(), nullptr);
  // Per thread.
  current_scope here(root());
  std::thread([] { EXPECT_EQ(current(), nullptr); }).join();
}

TEST_F(VfsTest, RamfsOwnsNewInodesByCurrent) {
  ASSERT_EQ(sys_chmod(root(), "/", 0777), 0);
  vfs_task& u = user(7, 8);
  u.fsuid = 70;
  u.fsgid = 80;
  ASSERT_EQ(mkdir(u, "/byfs"), 0);
  struct stat st = stat_of(root(), "/byfs");
  EXPECT_EQ(st.st_uid, 70u);
  EXPECT_EQ(st.st_gid, 80u);
}

TEST_F(VfsTest, ForkCopiesTheFsContext) {
  ASSERT_EQ(mkdir(root(), "/p"), 0);
  ASSERT_EQ(mkdir(root(), "/c"), 0);
  ASSERT_EQ(sys_chdir(root(), "/p"), 0);
  vfs_task child;
  child.fs = root().fs->copy();
  child.files = root().files->copy();
  child.mnt_ns = root().mnt_ns;
  EXPECT_EQ(getcwd(child), "/p");
  ASSERT_EQ(sys_chdir(child, "/c"), 0);
  EXPECT_EQ(getcwd(child), "/c");
  EXPECT_EQ(getcwd(root()), "/p");  // not shared
  {
    absl::MutexLock l(&child.fs->lock);
    child.fs->umask = 077;
  }
  ASSERT_EQ(mkdir(root(), "/p/m", 0777), 0);
  EXPECT_EQ(stat_of(root(), "/p/m").st_mode, S_IFDIR | 0755);
  // CLONE_FS: the same object, so chdir is shared.
  vfs_task thread;
  thread.fs = root().fs;
  thread.files = root().files;
  thread.mnt_ns = root().mnt_ns;
  ASSERT_EQ(sys_chdir(thread, "/c"), 0);
  EXPECT_EQ(getcwd(root()), "/c");
}

TEST_F(VfsTest, ForkSharesOpenFilesButNotTheTable) {
  ASSERT_EQ(write_file(root(), "/f", "abcdef"), 6);
  long fd = open(root(), "/f", O_RDONLY | O_CLOEXEC);
  vfs_task child;
  child.fs = root().fs->copy();
  child.files = root().files->copy();
  child.mnt_ns = root().mnt_ns;
  char buf[2];
  ASSERT_EQ(sys_read(root(), fd, buf, 2), 2);
  ASSERT_EQ(sys_read(child, fd, buf, 2), 2);  // the same open file: f_pos is shared
  EXPECT_EQ(std::string(buf, 2), "cd");
  {
    absl::MutexLock l(&child.files->file_lock);
    EXPECT_TRUE(child.files->close_on_exec[fd]);
  }
  EXPECT_EQ(sys_close(child, fd), 0);
  EXPECT_THAT(sys_read(child, fd, buf, 1), IsErrno(EBADF));
  EXPECT_EQ(sys_read(root(), fd, buf, 2), 2);  // still open in the parent
  EXPECT_EQ(open(child, "/f", O_RDONLY), fd);  // the child's own lowest free slot
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(sys_close(child, fd), 0);
}

TEST_F(VfsTest, ConcurrentOpenCloseAndWalks) {
  ASSERT_EQ(mkdir(root(), "/w"), 0);
  ASSERT_EQ(write_file(root(), "/w/f", "x"), 1);
  auto worker = [this](int id) {
    vfs_task t;
    init_vfs_task(t, v());
    std::string mine = "/w/d" + std::to_string(id);
    for (int i = 0; i < 200; ++i) {
      EXPECT_EQ(mkdir(t, mine), 0);
      long fd = open(t, "/w/f", O_RDONLY);
      EXPECT_GE(fd, 0);
      EXPECT_EQ(stat_errno(t, mine + "/../f"), 0);
      EXPECT_EQ(sys_close(t, fd), 0);
      EXPECT_EQ(sys_rmdir(t, mine.c_str()), 0);
    }
  };
  std::thread a(worker, 1), b(worker, 2), c(worker, 3);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(ls(root(), "/w").size(), 3u);
}

}  // namespace
}  // namespace uk::testing
