// mount(2) and umount2(2): new mounts, driver errors passing through, s_active and the
// moment kill_sb runs, bind mounts, remounts, lazy unmounts, the mount table and d_path.
#include <sys/mount.h>

#include <string>
#include <vector>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

class MountTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/a"), 0);
    ASSERT_EQ(mkdir(root(), "/b"), 0);
    ASSERT_EQ(write_file(root(), "/file", "f"), 1);
    auto shared = std::make_unique<sharedfs_type>();
    shared_ = shared.get();
    ASSERT_EQ(v().register_filesystem(std::move(shared)), kOk);
  }
  long mount(vfs_task& t, const char* dev, const char* dir, const char* type,
             unsigned long flags = 0, const char* data = nullptr) {
    return sys_mount(t, dev, dir, type, flags, data);
  }
  std::vector<std::string> table() {
    std::vector<std::string> out;
    for (const auto& m : v().mounts()) {
      out.push_back(m->mnt_devname + " " + v().d_path(path{m, m->mnt_root}) + " " +
                    m->mnt_sb->s_type->name());
    }
    return out;
  }
  sharedfs_type* shared_ = nullptr;
};

TEST_F(MountTest, TheNamespaceStartsWithRootfs) {
  EXPECT_THAT(table(), ElementsAre("rootfs / rootfs"));
  EXPECT_NE(v().get_fs_type("ramfs"), nullptr);
  EXPECT_EQ(v().get_fs_type("nope"), nullptr);
  EXPECT_EQ(v().register_filesystem(std::make_unique<ramfs_type>("ramfs")), Errno(EBUSY));
  EXPECT_EQ(v().root().dentry->d_inode->i_ino, 1u);
}

TEST_F(MountTest, NewMount) {
  ASSERT_THAT(mount(root(), "first", "/a", "ramfs"), Succeeds());
  ASSERT_THAT(mount(root(), nullptr, "/b/", "ramfs"), Succeeds());
  EXPECT_THAT(table(), ElementsAre("rootfs / rootfs", "first /a ramfs", "none /b ramfs"));
  ASSERT_EQ(write_file(root(), "/a/x", "in a"), 4);
  EXPECT_THAT(ls(root(), "/a"), ElementsAre(".", "..", "x"));
  EXPECT_THAT(ls(root(), "/b"), ElementsAre(".", ".."));
  std::vector<std::shared_ptr<vfsmount>> m = v().mounts();
  EXPECT_EQ(m[1]->mnt_sb->s_active.load(), 1);
  EXPECT_EQ(m[1]->mnt_parent, m[0]);
  EXPECT_EQ(m[1]->mnt_ns, &v());
  EXPECT_EQ(m[1]->mnt_mountpoint->d_mounted, 1);
  // Per-mount flags go to the mount, the rest to the filesystem.
  ASSERT_EQ(mkdir(root(), "/c"), 0);
  ASSERT_THAT(mount(root(), "s", "/c", "sharedfs", MS_NOSUID | MS_NODEV | MS_SYNCHRONOUS, "opt=1"),
              Succeeds());
  EXPECT_EQ(shared_->last_flags, MS_SYNCHRONOUS);
  EXPECT_EQ(shared_->last_data, "opt=1");
  EXPECT_EQ(shared_->last_dev_name, "s");
  EXPECT_EQ(v().mounts().back()->mnt_flags, MNT_NOSUID | MNT_NODEV);
}

TEST_F(MountTest, NewMountErrorsInOrder) {
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(mount(u, "x", "/nope", "ramfs"), IsErrno(ENOENT));  // the lookup first
  EXPECT_THAT(mount(u, "x", "/a", "ramfs"), IsErrno(EPERM));
  EXPECT_THAT(mount(u, "x", "/a", nullptr), IsErrno(EINVAL));  // no type before EPERM
  EXPECT_THAT(mount(root(), "x", "/a", "nosuchfs"), IsErrno(ENODEV));
  EXPECT_THAT(mount(root(), "x", "", "ramfs"), IsErrno(ENOENT));
  EXPECT_THAT(mount(root(), "x", nullptr, "ramfs"), IsErrno(EFAULT));
  EXPECT_THAT(mount(root(), "x", "/file/", "ramfs"), IsErrno(ENOTDIR));
  EXPECT_THAT(mount(root(), "x", "/file", "ramfs"), IsErrno(ENOTDIR));  // file vs dir root
  EXPECT_THAT(mount(root(), "x", "/a", "rootfs"), IsErrno(EINVAL));     // MS_NOUSER
  EXPECT_THAT(mount(root(), "x", "/a", "ramfs", MS_MOVE), IsErrno(EINVAL));
  EXPECT_THAT(table(), ElementsAre("rootfs / rootfs"));
}

TEST_F(MountTest, DriverErrorsPassThroughUnchanged) {
  for (int err : {EIO, EINVAL, ENOMEM, EBUSY, ENOSPC, 200}) {
    std::string name = "fail" + std::to_string(err);
    auto fs = std::make_unique<failing_fs_type>(name, err);
    failing_fs_type* raw = fs.get();
    ASSERT_EQ(v().register_filesystem(std::move(fs)), kOk);
    EXPECT_THAT(mount(root(), "x", "/a", name.c_str()), IsErrno(err));
    EXPECT_EQ(raw->calls, 1);
    // Permission and lookup errors come before the driver is asked.
    EXPECT_THAT(mount(user(1, 1), "x", "/a", name.c_str()), IsErrno(EPERM));
    EXPECT_THAT(mount(root(), "x", "/file", name.c_str()), IsErrno(err));  // before ENOTDIR
    EXPECT_EQ(raw->calls, 2);
  }
}

TEST_F(MountTest, SharedSuperBlockCountsMountsAndDies) {
  ASSERT_THAT(mount(root(), "s", "/a", "sharedfs"), Succeeds());
  super_block* sb = shared_->sb.get();
  EXPECT_EQ(sb->s_active.load(), 1);
  ASSERT_THAT(mount(root(), "s", "/b", "sharedfs"), Succeeds());
  EXPECT_EQ(sb->s_active.load(), 2);
  EXPECT_EQ(read_file(root(), "/b/counter"), "hello\n");
  // The same super_block again right on top of itself: EBUSY, count unchanged.
  EXPECT_THAT(mount(root(), "s", "/a", "sharedfs"), IsErrno(EBUSY));
  EXPECT_EQ(sb->s_active.load(), 2);
  ASSERT_THAT(sys_umount(root(), "/a", 0), Succeeds());
  EXPECT_EQ(sb->s_active.load(), 1);
  EXPECT_EQ(shared_->kills, 0);
  ASSERT_THAT(sys_umount(root(), "/b", 0), Succeeds());
  EXPECT_EQ(shared_->kills, 1);  // at zero
  EXPECT_EQ(shared_->sb, nullptr);
  // A new mount gets a new super_block.
  ASSERT_THAT(mount(root(), "s", "/a", "sharedfs"), Succeeds());
  EXPECT_EQ(shared_->sb->s_active.load(), 1);
}

TEST_F(MountTest, DriverPinsKeepTheSuperBlockPastUmount) {
  ASSERT_THAT(mount(root(), "s", "/a", "sharedfs"), Succeeds());
  std::shared_ptr<super_block> sb = shared_->sb;
  sb->s_active.fetch_add(1);  // e.g. a child container
  ASSERT_THAT(sys_umount(root(), "/a", 0), Succeeds());
  EXPECT_EQ(shared_->kills, 0);
  EXPECT_EQ(sb->s_active.load(), 1);
  // Mounting again finds the same live super_block.
  ASSERT_THAT(mount(root(), "s", "/b", "sharedfs"), Succeeds());
  EXPECT_EQ(shared_->sb, sb);
  EXPECT_EQ(sb->s_active.load(), 2);
  ASSERT_THAT(sys_umount(root(), "/b", 0), Succeeds());
  EXPECT_EQ(shared_->kills, 0);
  deactivate_super(*sb);  // the driver drops its pin
  EXPECT_EQ(shared_->kills, 1);
}

TEST_F(MountTest, FailedGraftDropsTheReference) {
  ASSERT_THAT(mount(root(), "s", "/a", "sharedfs"), Succeeds());
  std::shared_ptr<super_block> sb = shared_->sb;
  EXPECT_THAT(mount(root(), "s", "/file", "sharedfs"), IsErrno(ENOTDIR));
  EXPECT_EQ(sb->s_active.load(), 1);
  ASSERT_THAT(sys_umount(root(), "/a", 0), Succeeds());
  // A fresh super_block that fails to graft is killed at once.
  EXPECT_THAT(mount(root(), "s", "/file", "sharedfs"), IsErrno(ENOTDIR));
  EXPECT_EQ(shared_->kills, 2);
}

TEST_F(MountTest, UmountErrorsInOrder) {
  ASSERT_THAT(mount(root(), "m", "/a", "ramfs"), Succeeds());
  ASSERT_EQ(mkdir(root(), "/a/sub"), 0);
  vfs_task& u = user(1000, 1000);
  EXPECT_THAT(sys_umount(u, "/b", 0), IsErrno(EINVAL));  // not a mount: before EPERM
  EXPECT_THAT(sys_umount(u, "/a", 0), IsErrno(EPERM));
  EXPECT_THAT(sys_umount(root(), "/a/sub", 0), IsErrno(EINVAL));
  EXPECT_THAT(sys_umount(root(), "/nope", 0), IsErrno(ENOENT));
  EXPECT_THAT(sys_umount(root(), "", 0), IsErrno(ENOENT));
  EXPECT_THAT(sys_umount(root(), "/", 0), IsErrno(EINVAL));
  EXPECT_THAT(sys_umount(root(), "/", MNT_DETACH), IsErrno(EINVAL));
  // Something mounted below: EBUSY, unless lazily.
  ASSERT_THAT(mount(root(), "inner", "/a/sub", "ramfs"), Succeeds());
  EXPECT_THAT(sys_umount(root(), "/a", 0), IsErrno(EBUSY));
  EXPECT_EQ(table().size(), 3u);
  EXPECT_THAT(sys_umount(root(), "/a/sub", 0), Succeeds());
  EXPECT_THAT(sys_umount(root(), "/a", 0), Succeeds());
  EXPECT_THAT(sys_umount(root(), "/a", 0), IsErrno(EINVAL));  // plain directory again
}

TEST_F(MountTest, LazyUmountDetachesTheSubtree) {
  ASSERT_THAT(mount(root(), "outer", "/a", "ramfs"), Succeeds());
  ASSERT_EQ(mkdir(root(), "/a/sub"), 0);
  ASSERT_THAT(mount(root(), "inner", "/a/sub", "ramfs"), Succeeds());
  ASSERT_EQ(write_file(root(), "/a/sub/f", "inner file"), 10);
  long fd = open(root(), "/a/sub/f", O_RDONLY);
  vfs_task& inside = user(0, 0);
  ASSERT_EQ(sys_chdir(inside, "/a/sub"), 0);
  ASSERT_THAT(sys_umount(root(), "/a", MNT_DETACH), Succeeds());
  EXPECT_THAT(table(), ElementsAre("rootfs / rootfs"));
  EXPECT_THAT(ls(root(), "/a"), ElementsAre(".", ".."));
  // What was open stays usable; the killed trees have no names left.
  char buf[16];
  EXPECT_EQ(sys_read(root(), fd, buf, sizeof buf), 10);
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_THAT(stat_errno(inside, "f"), IsErrno(ENOENT));
  EXPECT_THAT(mkdir(inside, "new"), IsErrno(ENOENT));
  EXPECT_EQ(stat_of(inside, "..").st_ino, stat_of(inside, ".").st_ino);  // a detached root
  EXPECT_THAT(sys_umount(root(), "/a", 0), IsErrno(EINVAL));
}

TEST_F(MountTest, UmountWithOpenFilesAndCwdSucceeds) {
  ASSERT_THAT(mount(root(), "m", "/a", "ramfs"), Succeeds());
  ASSERT_EQ(write_file(root(), "/a/f", "data"), 4);
  long fd = open(root(), "/a/f", O_RDWR);
  ASSERT_EQ(sys_chdir(root(), "/a"), 0);
  EXPECT_THAT(sys_umount(root(), "/a", 0), Succeeds());  // files are not tracked
  EXPECT_EQ(sys_write(root(), fd, "DA", 2), 2);
  char buf[8];
  EXPECT_EQ(sys_pread64(root(), fd, buf, sizeof buf, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "DAta");
  EXPECT_EQ(sys_close(root(), fd), 0);
  EXPECT_EQ(getcwd(root()), "/");  // named from its own (detached) root
}

TEST_F(MountTest, BindMounts) {
  ASSERT_THAT(mount(root(), "m", "/a", "ramfs"), Succeeds());
  ASSERT_EQ(mkdir(root(), "/a/dir"), 0);
  ASSERT_EQ(write_file(root(), "/a/dir/f", "shared"), 6);
  ASSERT_THAT(mount(root(), "/a/dir", "/b", nullptr, MS_BIND), Succeeds());
  EXPECT_EQ(read_file(root(), "/b/f"), "shared");
  ASSERT_EQ(write_file(root(), "/b/g", "via b"), 5);
  EXPECT_EQ(read_file(root(), "/a/dir/g"), "via b");
  EXPECT_EQ(stat_of(root(), "/b").st_ino, stat_of(root(), "/a/dir").st_ino);
  EXPECT_EQ(stat_of(root(), "/b").st_dev, stat_of(root(), "/a").st_dev);
  EXPECT_EQ(v().mounts().back()->mnt_sb->s_active.load(), 2);
  EXPECT_THAT(table(), ElementsAre("rootfs / rootfs", "m /a ramfs", "m /b ramfs"));
  EXPECT_EQ(stat_of(root(), "/b/..").st_ino, stat_of(root(), "/").st_ino);
  // Errors.
  EXPECT_THAT(mount(user(1, 1), "/a/dir", "/b", nullptr, MS_BIND), IsErrno(EPERM));
  EXPECT_THAT(mount(root(), "", "/b", nullptr, MS_BIND), IsErrno(EINVAL));
  EXPECT_THAT(mount(root(), nullptr, "/b", nullptr, MS_BIND), IsErrno(EINVAL));
  EXPECT_THAT(mount(root(), "/nope", "/b", nullptr, MS_BIND), IsErrno(ENOENT));
  EXPECT_THAT(mount(root(), "/a/dir/f", "/b", nullptr, MS_BIND), IsErrno(ENOTDIR));
  EXPECT_THAT(mount(root(), "/b", "/file", nullptr, MS_BIND), IsErrno(ENOTDIR));
  EXPECT_THAT(mount(root(), "/file", "/b", nullptr, MS_BIND), IsErrno(EINVAL));  // rootfs
  // A file onto a file.
  ASSERT_EQ(write_file(root(), "/a/target", "old"), 3);
  ASSERT_THAT(mount(root(), "/a/dir/f", "/a/target", nullptr, MS_BIND), Succeeds());
  EXPECT_EQ(read_file(root(), "/a/target"), "shared");
  EXPECT_THAT(sys_unlink(root(), "/a/target"), IsErrno(EBUSY));
  EXPECT_THAT(sys_umount(root(), "/a/target", 0), Succeeds());
  EXPECT_EQ(read_file(root(), "/a/target"), "old");
  // Unmounting the bind leaves the original.
  ASSERT_THAT(sys_umount(root(), "/b", 0), Succeeds());
  EXPECT_EQ(read_file(root(), "/a/dir/f"), "shared");
  EXPECT_EQ(v().mounts().back()->mnt_sb->s_active.load(), 1);
}

TEST_F(MountTest, Remount) {
  ASSERT_THAT(mount(root(), "s", "/a", "sharedfs"), Succeeds());
  ASSERT_EQ(mkdir(root(), "/a2"), 0);
  EXPECT_THAT(mount(root(), nullptr, "/a", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOEXEC, "ok"),
              Succeeds());
  EXPECT_TRUE(shared_->sb->s_flags & MS_RDONLY);
  EXPECT_EQ(v().mounts().back()->mnt_flags, MNT_NOEXEC | MNT_READONLY);
  EXPECT_THAT(mount(root(), nullptr, "/a", nullptr, MS_REMOUNT, "bad"), IsErrno(EINVAL));
  EXPECT_TRUE(shared_->sb->s_flags & MS_RDONLY);  // unchanged by the failure
  EXPECT_THAT(mount(user(1, 1), nullptr, "/a", nullptr, MS_REMOUNT), IsErrno(EPERM));
  EXPECT_THAT(mount(root(), nullptr, "/a2", nullptr, MS_REMOUNT), IsErrno(EINVAL));
  EXPECT_THAT(mount(root(), nullptr, "/a/counter", nullptr, MS_REMOUNT), IsErrno(EINVAL));
  EXPECT_THAT(mount(root(), nullptr, "/a", nullptr, MS_REMOUNT), Succeeds());
  EXPECT_FALSE(shared_->sb->s_flags & MS_RDONLY);
  // Propagation flags: everything is private already.
  EXPECT_THAT(mount(root(), nullptr, "/a", nullptr, MS_PRIVATE), Succeeds());
  EXPECT_THAT(mount(root(), nullptr, "/a", nullptr, MS_SHARED), IsErrno(EINVAL));
  EXPECT_THAT(mount(root(), nullptr, "/a2", nullptr, MS_PRIVATE), IsErrno(EINVAL));
}

TEST_F(MountTest, MountOnARemovedDirectoryFails) {
  ASSERT_EQ(sys_chdir(root(), "/a"), 0);
  ASSERT_EQ(sys_rmdir(root(), "/a"), 0);
  EXPECT_THAT(mount(root(), "x", ".", "ramfs"), IsErrno(ENOENT));
}

TEST_F(MountTest, DPath) {
  ASSERT_THAT(mount(root(), "m", "/a", "ramfs"), Succeeds());
  ASSERT_EQ(mkdir(root(), "/a/x"), 0);
  ASSERT_EQ(mkdir(root(), "/a/x/y"), 0);
  path p = path_of(root(), "/a/x/y");
  EXPECT_EQ(v().d_path(p), "/a/x/y");
  EXPECT_EQ(v().d_path(path_of(root(), "/")), "/");
  EXPECT_EQ(v().d_path(path_of(root(), "/a")), "/a");
  // From a task root inside the mount, and with a length limit.
  path r = path_of(root(), "/a/x");
  EXPECT_THAT(v().d_path(p, r, 100), Succeeds());
  EXPECT_EQ(v().d_path(p, r, 100).value(), "/y");
  EXPECT_EQ(v().d_path(p, p, 100).value(), "/");
  EXPECT_THAT(v().d_path(p, v().root(), 6), IsErrno(ENAMETOOLONG));  // 6 + NUL
  EXPECT_EQ(v().d_path(p, v().root(), 7).value(), "/a/x/y");
  ASSERT_EQ(sys_rmdir(root(), "/a/x/y"), 0);
  EXPECT_EQ(v().d_path(p), "/a/x/y (deleted)");
}

}  // namespace
}  // namespace uk::testing
