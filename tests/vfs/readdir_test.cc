// getdents64: record layout, ".", ".." and their inodes, order, small buffers, d_off,
// lseek on directories, and listings that survive removals between calls.
#include <sys/mount.h>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "tests/vfs/vfs_fixture.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

struct entry {
  std::string name;
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
};

std::vector<entry> parse(const char* buf, long n) {
  std::vector<entry> out;
  for (long off = 0; off < n;) {
    const auto* d = reinterpret_cast<const linux_dirent64*>(buf + off);
    out.push_back({d->d_name, d->d_ino, d->d_off, d->d_reclen, d->d_type});
    off += d->d_reclen;
  }
  return out;
}

size_t reclen_for(const std::string& name) {
  return (offsetof(linux_dirent64, d_name) + name.size() + 1 + 7) / 8 * 8;
}

class ReaddirTest : public VfsTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(root(), "/d"), 0);
    ASSERT_EQ(mkdir(root(), "/d/b"), 0);
    ASSERT_EQ(write_file(root(), "/d/a", "1"), 1);
    ASSERT_EQ(write_file(root(), "/d/c", "22"), 2);
  }
};

TEST_F(ReaddirTest, RecordsInOrderWithInodesTypesAndOffsets) {
  long fd = open(root(), "/d", O_RDONLY | O_DIRECTORY);
  alignas(8) char buf[1024];
  long n = sys_getdents64(root(), fd, buf, sizeof buf);
  ASSERT_GT(n, 0);
  std::vector<entry> e = parse(buf, n);
  ASSERT_EQ(e.size(), 5u);
  std::vector<std::string> names;
  for (const entry& x : e) names.push_back(x.name);
  EXPECT_THAT(names, ElementsAre(".", "..", "a", "b", "c"));
  EXPECT_EQ(e[0].ino, stat_of(root(), "/d").st_ino);
  EXPECT_EQ(e[1].ino, stat_of(root(), "/").st_ino);
  EXPECT_EQ(e[2].ino, stat_of(root(), "/d/a").st_ino);
  EXPECT_EQ(e[3].ino, stat_of(root(), "/d/b").st_ino);
  EXPECT_EQ(e[0].type, DT_DIR);
  EXPECT_EQ(e[1].type, DT_DIR);
  EXPECT_EQ(e[2].type, DT_REG);
  EXPECT_EQ(e[3].type, DT_DIR);
  size_t total = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_EQ(e[i].reclen, reclen_for(e[i].name));
    EXPECT_EQ(e[i].reclen % 8, 0);
    EXPECT_EQ(e[i].off, static_cast<int64_t>(i + 1));  // the next entry's position
    total += e[i].reclen;
  }
  EXPECT_EQ(static_cast<size_t>(n), total);
  EXPECT_EQ(sys_getdents64(root(), fd, buf, sizeof buf), 0);  // the end
  EXPECT_EQ(sys_getdents64(root(), fd, buf, sizeof buf), 0);
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, DotDotOfTheRootAndOfAMountRootIsItself) {
  alignas(8) char buf[512];
  long fd = open(root(), "/", O_RDONLY);
  std::vector<entry> e = parse(buf, sys_getdents64(root(), fd, buf, sizeof buf));
  ASSERT_GE(e.size(), 2u);
  EXPECT_EQ(e[1].name, "..");
  EXPECT_EQ(e[1].ino, e[0].ino);
  EXPECT_EQ(sys_close(root(), fd), 0);
  ASSERT_EQ(sys_mount(root(), "m", "/d/b", "ramfs", 0, nullptr), 0);
  fd = open(root(), "/d/b", O_RDONLY);
  e = parse(buf, sys_getdents64(root(), fd, buf, sizeof buf));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].ino, e[0].ino);  // dcache_readdir's parent_ino of a root
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, SmallBuffers) {
  long fd = open(root(), "/d", O_RDONLY);
  alignas(8) char buf[64];
  // Too small for the first record.
  EXPECT_THAT(sys_getdents64(root(), fd, buf, reclen_for(".") - 1), IsErrno(EINVAL));
  EXPECT_THAT(sys_getdents64(root(), fd, buf, 0), IsErrno(EINVAL));
  // Exactly one record.
  EXPECT_EQ(sys_getdents64(root(), fd, buf, reclen_for(".")), 24);
  EXPECT_EQ(parse(buf, 24)[0].name, ".");
  EXPECT_EQ(parse(buf, 24)[0].off, 1);
  std::vector<std::string> rest;
  long n;
  while ((n = sys_getdents64(root(), fd, buf, 30)) > 0) {
    for (const entry& x : parse(buf, n)) rest.push_back(x.name);
  }
  EXPECT_EQ(n, 0);
  EXPECT_THAT(rest, ElementsAre("..", "a", "b", "c"));
  EXPECT_THAT(sys_getdents64(root(), fd, nullptr, 64), IsErrno(EFAULT));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, Errors) {
  alignas(8) char buf[64];
  EXPECT_THAT(sys_getdents64(root(), 99, buf, sizeof buf), IsErrno(EBADF));
  long fd = open(root(), "/d/a", O_RDONLY);
  EXPECT_THAT(sys_getdents64(root(), fd, buf, sizeof buf), IsErrno(ENOTDIR));
  EXPECT_EQ(sys_close(root(), fd), 0);
  fd = open(root(), "/d/b", O_RDONLY);
  ASSERT_EQ(sys_rmdir(root(), "/d/b"), 0);
  EXPECT_THAT(sys_getdents64(root(), fd, buf, sizeof buf), IsErrno(ENOENT));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, LseekRewindsAndSkips) {
  long fd = open(root(), "/d", O_RDONLY);
  alignas(8) char buf[1024];
  ASSERT_GT(sys_getdents64(root(), fd, buf, sizeof buf), 0);
  EXPECT_EQ(sys_lseek(root(), fd, 0, SEEK_SET), 0);
  EXPECT_EQ(parse(buf, sys_getdents64(root(), fd, buf, sizeof buf)).size(), 5u);
  EXPECT_EQ(sys_lseek(root(), fd, 3, SEEK_SET), 3);
  std::vector<entry> e = parse(buf, sys_getdents64(root(), fd, buf, sizeof buf));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].name, "b");
  EXPECT_EQ(e[0].off, 4);
  EXPECT_EQ(sys_lseek(root(), fd, 1000, SEEK_SET), 1000);
  EXPECT_EQ(sys_getdents64(root(), fd, buf, sizeof buf), 0);
  EXPECT_THAT(sys_lseek(root(), fd, 0, SEEK_END), IsErrno(EINVAL));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, RemovingListedEntriesSkipsNothing) {
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(write_file(root(), "/d/f" + std::to_string(100 + i), ""), 0);
  long fd = open(root(), "/d", O_RDONLY);
  alignas(8) char buf[96];
  std::multiset<std::string> seen;
  long n;
  while ((n = sys_getdents64(root(), fd, buf, sizeof buf)) > 0) {
    for (const entry& x : parse(buf, n)) {
      seen.insert(x.name);
      // rm -r style: remove what was just listed before reading on.
      if (x.name[0] == 'f') {
        ASSERT_EQ(sys_unlink(root(), ("/d/" + x.name).c_str()), 0);
      }
    }
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(seen.size(), 45u);
  for (const std::string& name : seen) EXPECT_EQ(seen.count(name), 1u) << name;
  EXPECT_THAT(ls(root(), "/d"), ElementsAre(".", "..", "a", "b", "c"));
  EXPECT_EQ(sys_close(root(), fd), 0);
}

TEST_F(ReaddirTest, LongNamesAndManyEntries) {
  std::string longest(255, 'L');
  ASSERT_EQ(mkdir(root(), "/d/b/" + longest), 0);
  long fd = open(root(), "/d/b", O_RDONLY);
  alignas(8) char buf[512];
  std::vector<entry> e = parse(buf, sys_getdents64(root(), fd, buf, sizeof buf));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[2].name, longest);
  EXPECT_EQ(e[2].reclen, 280);
  EXPECT_EQ(sys_close(root(), fd), 0);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(mkdir(root(), "/d/b/n" + std::to_string(i)), 0);
  EXPECT_EQ(ls(root(), "/d/b").size(), 503u);
}

// More entries than one call returns, and more in one call than readdir takes from the
// dcache at a time: each listed once, in name order, d_off counting up by one.
TEST_F(ReaddirTest, ManyEntriesAcrossCallsInOrder) {
  std::set<std::string> names;
  for (int i = 0; i < 700; ++i) names.insert("n" + std::to_string(i));
  for (const std::string& name : names) ASSERT_EQ(mkdir(root(), "/d/b/" + name), 0);
  std::vector<std::string> want = {".", ".."};
  want.insert(want.end(), names.begin(), names.end());
  long fd = open(root(), "/d/b", O_RDONLY);
  alignas(8) char buf[4096];  // 170 records of these names
  std::vector<std::string> got;
  long n, calls = 0;
  while ((n = sys_getdents64(root(), fd, buf, sizeof buf)) > 0) {
    ++calls;
    for (const entry& x : parse(buf, n)) {
      got.push_back(x.name);
      EXPECT_EQ(x.off, static_cast<int64_t>(got.size())) << x.name;
    }
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(got, want);
  EXPECT_EQ(sys_close(root(), fd), 0);
}

}  // namespace
}  // namespace uk::testing
