// A fresh vfs per test with a root task, user tasks, shell-like helpers over the
// syscall API, and test-only filesystems: one whose get_sb fails with a chosen errno
// and one whose single super_block the driver can pin (like the container
// filesystem), with a file that counts open/release.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/errno_matchers.h"
#include "vfs/clock.h"
#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/namei.h"
#include "vfs/ramfs/ramfs.h"
#include "vfs/super.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk::testing {

// get_sb always fails with `err`.
class failing_fs_type : public file_system_type {
 public:
  failing_fs_type(std::string name, int err) : file_system_type(std::move(name)), err_(err) {}
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override {
    ++calls;
    return Errno(err_);
  }
  int calls = 0;

 private:
  int err_;
};

// The file "counter" of sharedfs: counts open() and release() and remembers the task
// each ran for; open() fails with fail_open (if not 0).
struct counting_state {
  int opens = 0;
  int releases = 0;
  int fail_open = 0;
  vfs_task* open_task = nullptr;
  vfs_task* release_task = nullptr;
};

class counting_fops final : public file_operations {
 public:
  explicit counting_fops(counting_state& s) : s_(s) {}
  Errno open(inode& i, file& f) const override {
    if (s_.fail_open != 0) return Errno(s_.fail_open);
    ++s_.opens;
    s_.open_task = current();
    return kOk;
  }
  void release(inode& i, file& f) const override {
    ++s_.releases;
    s_.release_task = current();
  }
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override {
    return simple_read_from_buffer(buf, count, pos, "hello\n");
  }

 private:
  counting_state& s_;
};

class sharedfs_sops final : public super_operations {
 public:
  Errno statfs(dentry& d, struct statfs* buf) const override {
    buf->f_type = d.d_sb->s_magic;
    buf->f_bsize = 512;
    buf->f_blocks = 42;
    buf->f_namelen = 64;
    return kOk;
  }
  Errno remount_fs(super_block& sb, int* flags, const char* data) const override {
    if (data != nullptr && std::string_view(data) == "bad") return Errno(EINVAL);
    return kOk;
  }
};

// Every mount gets the same super_block (made on first use), like a container
// hierarchy; kill_sb counts and forgets it. The root holds the file "counter".
class sharedfs_type : public file_system_type {
 public:
  static constexpr unsigned long kMagic = 0x5ea7ed;
  sharedfs_type() : file_system_type("sharedfs") {}

  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override {
    last_flags = flags;
    last_dev_name = std::string(dev_name);
    last_data = data ? std::string(data) : "<null>";
    if (!sb) {
      sb = std::make_shared<super_block>();
      sb->s_magic = kMagic;
      sb->s_op = &sops_;
      auto root = std::make_shared<inode>();
      root->i_ino = sb->get_next_ino();
      root->i_mode = S_IFDIR | 0755;
      root->i_nlink = 2;
      root->i_sb = sb.get();
      root->i_op = &dir_iops_;
      root->i_fop = &dir_fops_;
      sb->s_root = d_alloc_root(root, sb.get());
      auto counter = std::make_shared<inode>();
      counter->i_ino = sb->get_next_ino();
      counter->i_mode = S_IFREG | 0444;
      counter->i_sb = sb.get();
      counter->i_fop = &file_fops_;
      auto d = d_alloc(sb->s_root, "counter");
      d->d_inode = counter;
      d_pin(d);  // before the first mount: no lock needed, none taken
    }
    return sb;
  }
  void kill_sb(super_block& s) override {
    ++kills;
    kill_litter_super(s);
    sb.reset();  // our reference; the mounts' keep the object itself alive
  }

  std::shared_ptr<super_block> sb;
  int kills = 0;
  int last_flags = 0;
  std::string last_dev_name, last_data;
  counting_state counter;

 private:
  sharedfs_sops sops_;
  simple_dir_inode_operations dir_iops_;
  simple_dir_operations dir_fops_;
  counting_fops file_fops_{counter};
};

class VfsTest : public ::testing::Test {
 protected:
  vfs& v() { return vfs_; }
  vfs_task& root() { return *root_; }

  // A task with its own fs context at "/" and an empty fd table.
  vfs_task& user(uid_t uid, gid_t gid) {
    auto t = std::make_unique<vfs_task>();
    t->pid = 100 + static_cast<pid_t>(tasks_.size());
    t->uid = t->euid = t->suid = t->fsuid = uid;
    t->gid = t->egid = t->sgid = t->fsgid = gid;
    init_vfs_task(*t, vfs_);
    tasks_.push_back(std::move(t));
    return *tasks_.back();
  }

  static long open(vfs_task& t, const std::string& p, int flags, mode_t mode = 0644) {
    return sys_open(t, p.c_str(), flags, mode);
  }
  static long mkdir(vfs_task& t, const std::string& p, mode_t mode = 0755) {
    return sys_mkdir(t, p.c_str(), mode);
  }
  // Creates (or truncates) `p` with `data`; the write's result or the open's -errno.
  static long write_file(vfs_task& t, const std::string& p, const std::string& data,
                         mode_t mode = 0644) {
    long fd = open(t, p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return fd;
    long n = sys_write(t, static_cast<int>(fd), data.data(), data.size());
    EXPECT_EQ(sys_close(t, static_cast<int>(fd)), 0);
    return n;
  }
  // The whole file, or "ERR:<errno name>".
  static std::string read_file(vfs_task& t, const std::string& p) {
    long fd = open(t, p, O_RDONLY);
    if (fd < 0) return "ERR:" + ErrnoName(static_cast<int>(-fd));
    std::string out;
    char buf[512];
    long n;
    while ((n = sys_read(t, static_cast<int>(fd), buf, sizeof buf)) > 0) out.append(buf, n);
    EXPECT_EQ(sys_close(t, static_cast<int>(fd)), 0);
    if (n < 0) return "ERR:" + ErrnoName(static_cast<int>(-n));
    return out;
  }
  // Names in a directory, in getdents64 order, "." and ".." included.
  static std::vector<std::string> ls(vfs_task& t, const std::string& p) {
    long fd = open(t, p, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return {"ERR:" + ErrnoName(static_cast<int>(-fd))};
    std::vector<std::string> names;
    alignas(8) char buf[4096];
    long n;
    while ((n = sys_getdents64(t, static_cast<int>(fd), buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<linux_dirent64*>(buf + off);
        names.emplace_back(d->d_name);
        off += d->d_reclen;
      }
    }
    EXPECT_EQ(n, 0);
    EXPECT_EQ(sys_close(t, static_cast<int>(fd)), 0);
    return names;
  }
  static struct stat stat_of(vfs_task& t, const std::string& p) {
    struct stat st {};
    EXPECT_EQ(sys_stat(t, p.c_str(), &st), 0) << p;
    return st;
  }
  static long stat_errno(vfs_task& t, const std::string& p) {
    struct stat st {};
    return sys_stat(t, p.c_str(), &st);
  }
  static std::string getcwd(vfs_task& t) {
    char buf[8192];
    long n = sys_getcwd(t, buf, sizeof buf);
    if (n < 0) return "ERR:" + ErrnoName(static_cast<int>(-n));
    return std::string(buf, n - 1);
  }
  // The open file behind `fd`.
  static std::shared_ptr<file> file_of(vfs_task& t, long fd) {
    auto f = t.files->fget(static_cast<int>(fd));
    EXPECT_TRUE(f.ok());
    return f.ok() ? f.value() : nullptr;
  }
  // Sets the task's root directory (no chroot syscall here).
  static void set_root(vfs_task& t, const std::string& p) {
    auto r = path_of(t, p);
    absl::MutexLock l(&t.fs->lock);
    t.fs->root = r;
    t.fs->pwd = r;
  }
  static path path_of(vfs_task& t, const std::string& p) {
    ErrorOr<path> r = path_lookup(t, p);
    EXPECT_TRUE(r.ok()) << p;
    return r.ok() ? r.value() : path{};
  }

  // The vfs's clock: inode times are what a test sets here (1 s after the epoch first).
  fixed_clock clock_{1'000'000'000};
  // Members die in reverse: tasks (and their files) before the vfs.
  vfs vfs_{&clock_};
  std::unique_ptr<vfs_task> root_ = make_init_vfs_task(vfs_);
  std::vector<std::unique_ptr<vfs_task>> tasks_;
};

}  // namespace uk::testing
