#include "harness/proc_shadow.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/host_file.h"

namespace ukrun {
namespace {

// The FUSE loops are stopped with SIGUSR1 (fuse_bridge.h).
void install_sigusr1() {
  struct sigaction sa = {};
  sa.sa_handler = [](int) {};
  sigaction(SIGUSR1, &sa, nullptr);
}

std::string read_all(int fd) {
  std::string text;
  char buf[7];  // small: several READs
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, n);
  return text;
}

struct stat procfs_like() {
  struct stat sb = {};
  sb.st_mode = S_IFREG | 0400;
  sb.st_nlink = 1;
  sb.st_uid = 7;
  sb.st_gid = 8;
  sb.st_ino = 123456;
  sb.st_blksize = 1024;
  sb.st_size = 99;  // not shown: a procfs file has size 0
  return sb;
}

// A file whose text is always `text`.
proc_shadow::text_maker fixed(std::string text) {
  return [text](pid_t) { return proc_shadow::made_text{text}; };
}

class ProcShadowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_sigusr1();
    auto made = proc_shadow::create();
    if (!made.ok()) GTEST_SKIP() << "no FUSE here: " << made.status();
    shadow_ = std::move(made).value();
  }
  std::unique_ptr<proc_shadow> shadow_;
};

TEST_F(ProcShadowTest, FileHasTheGivenAttributesAndNamesItsPath) {
  int fd = shadow_->open("/proc/42/mountstats", procfs_like(), O_NONBLOCK,
                         fixed("device proc mounted on /proc\n"));
  ASSERT_GE(fd, 0) << strerror(-fd);
  struct stat st;
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_mode, S_IFREG | 0400);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(st.st_ino, 123456u);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_blksize, 1024);
  EXPECT_EQ(st.st_dev, shadow_->dev());
  EXPECT_EQ(read_host_link(absl::StrCat("/proc/self/fd/", fd)), "/proc/42/mountstats");
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(read_all(fd), "device proc mounted on /proc\n");
  char c;
  EXPECT_EQ(pread(fd, &c, 1, 7), 1);
  EXPECT_EQ(c, 'p');
  close(fd);
}

// Each open reads its own text, as each open of a seq_file makes its own, however
// long the other is held.
TEST_F(ProcShadowTest, EachOpenKeepsItsOwnText) {
  int first = shadow_->open("/proc/7/cgroup", procfs_like(), 0, fixed("first\n"));
  int second = shadow_->open("/proc/7/cgroup", procfs_like(), 0, fixed("second\n"));
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  EXPECT_EQ(read_all(second), "second\n");
  EXPECT_EQ(read_all(first), "first\n");
  char buf[16];
  EXPECT_EQ(pread(first, buf, sizeof buf, 0), 6);
  close(first);
  close(second);
  // A directory on the way is one of the shadow's, read-only.
  int third = shadow_->open("/proc/7/task/8/cgroup", procfs_like(), 0, fixed("third\n"));
  ASSERT_GE(third, 0);
  EXPECT_EQ(read_all(third), "third\n");
  close(third);
}

// The text is made at each read from offset 0, and at a read anywhere but where the last
// one ended, as a seq_file's (traverse); a read that goes on reads the text it started.
TEST_F(ProcShadowTest, ReadFromTheStartMakesTheTextAnew) {
  std::atomic<int> made{0};  // made on a FUSE loop
  auto count = [&made](pid_t) { return proc_shadow::made_text{absl::StrCat("text ", ++made)}; };
  int fd = shadow_->open("/proc/9/mountinfo", procfs_like(), 0, count);
  ASSERT_GE(fd, 0);
  char c;
  EXPECT_EQ(pread(fd, &c, 1, 5), 1);  // a first read, not from the start
  EXPECT_EQ(c, '1');
  EXPECT_EQ(read_all(fd), "text 2");  // from 0, then on from 6 (the same text)
  EXPECT_EQ(made, 2);
  char buf[16];
  ASSERT_EQ(pread(fd, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "text 3");
  ASSERT_EQ(pread(fd, buf, sizeof buf, 2), 4);  // not where the last read ended
  EXPECT_EQ(std::string(buf, 4), "xt 4");
  EXPECT_EQ(pread(fd, buf, sizeof buf, 6), 0);  // where it ended: that text's end
  EXPECT_EQ(made, 4);
  close(fd);
  // A text that cannot be made, and none before: EIO.
  int none = shadow_->open("/proc/9/cgroup", procfs_like(), 0,
                           [](pid_t) { return proc_shadow::made_text{}; });
  ASSERT_GE(none, 0);
  EXPECT_EQ(read(none, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EIO);
  close(none);
}

// A maker's errno fails the read, a first one or one from offset 0 after texts were
// read (procfs's ESRCH once the file's process has been reaped), and a later text
// reads again.
TEST_F(ProcShadowTest, MakersErrnoFailsTheRead) {
  std::atomic<int> reads{0};  // made on a FUSE loop
  auto gone_on_second = [&reads](pid_t) {
    return ++reads == 2 ? proc_shadow::made_text{std::nullopt, ESRCH}
                        : proc_shadow::made_text{"0::/\n"};
  };
  int fd = shadow_->open("/proc/11/cgroup", procfs_like(), 0, gone_on_second);
  ASSERT_GE(fd, 0);
  char buf[16];
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 5);
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 5);
  close(fd);
  int first = shadow_->open("/proc/12/cgroup", procfs_like(), 0, [](pid_t) {
    return proc_shadow::made_text{std::nullopt, ESRCH};
  });
  ASSERT_GE(first, 0);
  EXPECT_EQ(read(first, buf, sizeof buf), -1);
  EXPECT_EQ(errno, ESRCH);
  close(first);
}

// What a seq_file refuses, refused alike: lseek to the end, to data or a hole (fs/seq_file.c
// seq_lseek), and fsync (no ->fsync). A splice, sendfile's way, reads the text, as
// read(2) does: not the empty page cache (proc_shadow::splice_reads_through_fuse).
TEST_F(ProcShadowTest, SeqFileOperationsAnswerAsProcfs) {
  const std::string text = "22 1 0:5 / /proc\n";
  int fd = shadow_->open("/proc/5/mountinfo", procfs_like(), 0, fixed(text));
  ASSERT_GE(fd, 0);
  for (int whence : {SEEK_END, SEEK_DATA, SEEK_HOLE}) {
    EXPECT_EQ(lseek(fd, 0, whence), -1) << whence;
    EXPECT_EQ(errno, EINVAL) << whence;
  }
  EXPECT_EQ(lseek(fd, 3, SEEK_SET), 3);
  EXPECT_EQ(fsync(fd), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(fdatasync(fd), -1);
  EXPECT_EQ(errno, EINVAL);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  loff_t from = 0;
  EXPECT_EQ(splice(fd, &from, pipe_fds[1], nullptr, 64, 0), static_cast<ssize_t>(text.size()));
  char buf[64];
  ssize_t n = read(pipe_fds[0], buf, sizeof buf);
  ASSERT_GE(n, 0);
  EXPECT_EQ(std::string(buf, n), text);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  close(fd);
}

// Reopened through /proc/self/fd/N, which uk-run traps only for reading (it answers
// that with a fresh open()): for writing there is no text to give, so EACCES.
TEST_F(ProcShadowTest, ReopenForWritingIsRefused) {
  int fd = shadow_->open("/proc/cgroups", procfs_like(), 0, fixed("text\n"));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open(absl::StrCat("/proc/self/fd/", fd).c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
  close(fd);
}

TEST_F(ProcShadowTest, RelativePathIsRefused) {
  EXPECT_EQ(shadow_->open("proc/1/cgroup", procfs_like(), 0, fixed("x")), -ENOENT);
  EXPECT_EQ(shadow_->open("/", procfs_like(), 0, fixed("x")), -ENOENT);
}

}  // namespace
}  // namespace ukrun
