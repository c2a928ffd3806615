// The trace's host inputs at the kernel's seams: a session recorded on a kernel with a
// fixed clock carries its inode times ("realtime", since format version 2) and replays with
// every input matched; the same trace without them diverges under --verify (version 3), unless it
// says it is version 1, which recorded none.
#include <fcntl.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "harness/replay/trace_format.h"
#include "harness/replay/trace_testing.h"
#include "vfs/syscalls.h"

namespace ukrun {
namespace {

// The trace of: mount a cpu hierarchy, mkdir a container in it, at realtime 7 s + 5 ns.
std::string record_mkdir_session() {
  return record_session(
      [](uk::kernel& k) {
        uk::task_struct& init = *k.init_task();
        EXPECT_EQ(uk::sys_mkdir(init, "/c", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/c", "container", 0, "cpu"), 0);
        EXPECT_EQ(uk::sys_mkdir(init, "/c/a", 0755), 0);
        EXPECT_EQ(uk::sys_rmdir(init, "/c/a"), 0);
        EXPECT_EQ(uk::sys_umount(init, "/c", 0), 0);
      },
      7'000'000'005);
}

// What the replay said at its divergences under --verify.
std::vector<std::string> verify(const std::string& trace) {
  std::vector<std::string> out;
  for (const divergence& d : verify_trace(trace)) out.push_back(d.replayed);
  return out;
}

TEST(TraceVersion, InodeTimesAreRecordedAndFedBack) {
  std::string trace = record_mkdir_session();
  EXPECT_NE(trace.find(absl::StrCat("\"version\":", kTraceVersion, ",")), std::string::npos)
      << trace;
  // The mkdir's container files are dated by the clock, through the seam.
  EXPECT_NE(trace.find("[\"realtime\",0,7000000005]"), std::string::npos) << trace;
  EXPECT_TRUE(verify(trace).empty());
}

TEST(TraceVersion, MissingTimesDivergeInVersion2ButNotInVersion1) {
  std::string trace = record_mkdir_session();
  std::string stripped = absl::StrReplaceAll(trace, {{"[\"realtime\",0,7000000005],", ""},
                                                     {",[\"realtime\",0,7000000005]", ""},
                                                     {"[\"realtime\",0,7000000005]", ""}});
  ASSERT_EQ(stripped.find("realtime"), std::string::npos);
  std::vector<std::string> v2 = verify(stripped);
  ASSERT_EQ(v2.size(), 1u);
  EXPECT_EQ(v2[0], "input realtime of 0 asked");
  std::string v1 = absl::StrReplaceAll(
      stripped, {{absl::StrCat("\"version\":", kTraceVersion, ","), "\"version\":1,"}});
  EXPECT_TRUE(verify(v1).empty());
}

// A task whose ids changed (version 4's `creds` entry) is refused a mkdir in init's
// directory; the replay applies the recorded ids and is refused too. Without the line
// the replayed task is still root and its mkdir succeeds: a divergence.
// The trace of: a cpu hierarchy at /c (mode 0775 and group `group` when not 0), a task
// forked from init that takes uid and gid 65534 with `groups`, then its mkdir /c/a,
// which must return `expected`.
std::string record_user_mkdir(gid_t group, std::vector<gid_t> groups, long expected) {
  return record_session(
      [&](uk::kernel& k) {
        uk::task_struct& init = *k.init_task();
        EXPECT_EQ(uk::sys_mkdir(init, "/c", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/c", "container", 0, "cpu"), 0);
        if (group != 0) {
          EXPECT_EQ(uk::sys_chown(init, "/c", 0, group), 0);
          EXPECT_EQ(uk::sys_chmod(init, "/c", 0775), 0);
        }
        uk::task_struct* user = k.do_fork(&init, 0).value();
        k.set_creds(user, {65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, groups});
        EXPECT_EQ(uk::sys_mkdir(*user, "/c/a", 0755), expected);
      },
      1);
}

TEST(TraceVersion, ChangedIdsAreRecordedAndReplayed) {
  std::string trace = record_user_mkdir(0, {}, -EACCES);
  EXPECT_NE(trace.find("\"kind\":\"creds\""), std::string::npos) << trace;
  EXPECT_NE(trace.find("\"65534 65534 65534 65534 65534 65534 65534 65534\""), std::string::npos);
  EXPECT_TRUE(verify(trace).empty());
  std::string without;
  for (absl::string_view line : absl::StrSplit(trace, '\n', absl::SkipEmpty())) {
    if (!absl::StrContains(line, "\"kind\":\"creds\"")) absl::StrAppend(&without, line, "\n");
  }
  std::vector<std::string> v = verify(without);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "0");
}

// A task in a supplementary group that owns the directory (version 5: the groups follow
// the eight ids) may mkdir there, in the recording and in the replay. Without its
// groups the replayed task is refused: a divergence.
TEST(TraceVersion, SupplementaryGroupsAreRecordedAndReplayed) {
  std::string trace = record_user_mkdir(1234, {1234}, 0);
  EXPECT_NE(trace.find("\"65534 65534 65534 65534 65534 65534 65534 65534 1234\""),
            std::string::npos)
      << trace;
  EXPECT_TRUE(verify(trace).empty());
  std::vector<std::string> v = verify(absl::StrReplaceAll(trace, {{" 65534 1234\"", " 65534\""}}));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "EACCES");
}

// Version 6's entries: utimes, truncate and ftruncate of a control file, and mknod,
// symlink and link in a container (EPERM), as a user of another uid (EACCES, EPERM).
// Each replays with its result; a recorded result the replay cannot give diverges.
TEST(TraceVersion, TimesTruncationAndRefusedNamesAreRecordedAndReplayed) {
  std::string trace = record_session(
      [](uk::kernel& k) {
        uk::task_struct& init = *k.init_task();
        EXPECT_EQ(uk::sys_mkdir(init, "/c", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/c", "container", 0, "cpu"), 0);
        struct timespec times[2] = {{100, 0}, {200, 0}};
        EXPECT_EQ(uk::sys_utimes(init, "/c/tasks", times), 0);
        EXPECT_EQ(uk::sys_utimes(init, "/c/tasks", nullptr), 0);
        EXPECT_EQ(uk::sys_truncate(init, "/c/notify_on_release", 0), 0);
        long fd = uk::sys_open(init, "/c/notify_on_release", O_WRONLY);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(uk::sys_ftruncate(init, static_cast<int>(fd), 0), 0);
        EXPECT_EQ(uk::sys_fsync(init, static_cast<int>(fd)), -EINVAL);
        EXPECT_EQ(uk::sys_close(init, static_cast<int>(fd)), 0);
        EXPECT_EQ(uk::sys_mknod(init, "/c/fifo", S_IFIFO | 0644), -EPERM);
        EXPECT_EQ(uk::sys_symlink(init, "x", "/c/sym"), -EPERM);
        EXPECT_EQ(uk::sys_link(init, "/c/tasks", "/c/hard"), -EPERM);
        uk::task_struct* user = k.do_fork(&init, 0).value();
        k.set_creds(user, {65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, {}});
        EXPECT_EQ(uk::sys_utimes(*user, "/c/tasks", times), -EPERM);
        EXPECT_EQ(uk::sys_utimes(*user, "/c/tasks", nullptr), -EACCES);
        EXPECT_EQ(uk::sys_mknod(*user, "/c/fifo", S_IFIFO | 0644), -EACCES);
        EXPECT_EQ(uk::sys_mkdir(init, "/x", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/x", "cgroup", 0, "none,name=x"), 0);
        EXPECT_EQ(uk::sys_setxattr(init, "/x", "user.a", "va", 2, 0), 0);
        EXPECT_EQ(uk::sys_setxattr(init, "/x/tasks", "trusted.t", "", 0, 0), 0);
        char buf[64];
        EXPECT_EQ(uk::sys_getxattr(init, "/x", "user.a", buf, sizeof buf), 2);
        EXPECT_EQ(uk::sys_listxattr(init, "/x/tasks", buf, sizeof buf), 10);
        EXPECT_EQ(uk::sys_removexattr(init, "/x", "user.a"), 0);
        EXPECT_EQ(uk::sys_getxattr(*user, "/x/tasks", "trusted.t", buf, sizeof buf), -ENODATA);
      },
      1);
  for (const char* kind : {"utimes", "truncate", "ftruncate", "mknod", "symlink", "link",
                           "setxattr", "getxattr", "listxattr", "removexattr", "fsync"}) {
    EXPECT_NE(trace.find(absl::StrCat("\"kind\":\"", kind, "\"")), std::string::npos) << kind;
  }
  EXPECT_NE(trace.find("\"data\":\"100 0 200 0\""), std::string::npos) << trace;
  EXPECT_TRUE(verify(trace).empty());
  // A value read is compared too.
  std::vector<std::string> value = verify(absl::StrReplaceAll(
      trace, {{"\"kind\":\"getxattr\",\"pid\":1,\"tid\":1,\"path\":\"/x\",\"data\":\"va\"",
               "\"kind\":\"getxattr\",\"pid\":1,\"tid\":1,\"path\":\"/x\",\"data\":\"vb\""}}));
  ASSERT_EQ(value.size(), 1u) << trace;
  // The user's mknod, recorded as allowed: the replay is refused.
  std::string last = trace.substr(trace.rfind("\"kind\":\"mknod\""));
  std::string tampered = absl::StrReplaceAll(
      trace, {{last, absl::StrReplaceAll(last, {{"\"result\":-13", "\"result\":-1"}})}});
  ASSERT_NE(tampered, trace);
  std::vector<std::string> v = verify(tampered);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "EACCES");
}

// Version 7's poll: the mask a control file's poll gave (kernfs's POLLERR | POLLPRI
// before a first read, then DEFAULT_POLLMASK) replays as recorded; a mask the replay
// cannot give diverges.
TEST(TraceVersion, PollIsRecordedAndReplayed) {
  std::string trace = record_session(
      [](uk::kernel& k) {
        uk::task_struct& init = *k.init_task();
        EXPECT_EQ(uk::sys_mkdir(init, "/x", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/x", "cgroup", 0, "none,name=x"), 0);
        long fd = uk::sys_open(init, "/x/notify_on_release", O_RDONLY);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(uk::sys_pollfd(init, static_cast<int>(fd)),
                  0x14f);  // DEFAULT_POLLMASK | POLLERR | POLLPRI
        char buf[8];
        EXPECT_EQ(uk::sys_read(init, static_cast<int>(fd), buf, sizeof buf), 2);
        EXPECT_EQ(uk::sys_pollfd(init, static_cast<int>(fd)), 0x145);
        EXPECT_EQ(uk::sys_close(init, static_cast<int>(fd)), 0);
      },
      1);
  EXPECT_NE(trace.find("\"kind\":\"poll\""), std::string::npos) << trace;
  EXPECT_TRUE(verify(trace).empty());
  std::string tampered = absl::StrReplaceAll(trace, {{"\"result\":335", "\"result\":325"}});
  ASSERT_NE(tampered, trace);
  std::vector<std::string> v = verify(tampered);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "335");
}

}  // namespace
}  // namespace ukrun
