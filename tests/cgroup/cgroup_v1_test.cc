// The `-t cgroup` flavour (cgroup v1 as the host kernel has it) and the legacy
// `-t cpuset` type (spec section 3.2, checklist rows 19-20), through the syscall API
// on a kernel with the real subsystems and a fixed topology (CPUs 0-3, node 0).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subsys/registry.h"
#include "tests/util/file_helpers.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

class CgroupV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_config cfg;
    cpumask_t cpus;
    for (int i = 0; i < 4; i++) cpus.set(i);
    nodemask_t mems;
    mems.set(0);
    cfg.topo = topology(cpus, mems);
    k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
    k_->set_usermode_helper(
        [this](const std::vector<std::string>& argv, const std::vector<std::string>&) {
          absl::MutexLock l(&mu_);
          agents_.push_back(argv);
        });
  }

  task_struct& init() { return *k_->init_task(); }
  task_struct& spawn(task_struct& parent, unsigned long flags = 0) {
    auto t = k_->do_fork(&parent, flags);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }
  long mount(const std::string& dir, const char* opts, const char* type = "cgroup") {
    sys_mkdir(init(), dir.c_str(), 0755);
    return sys_mount(init(), "none", dir.c_str(), type, 0, opts);
  }
  long write(const std::string& path, const std::string& data, task_struct* t = nullptr) {
    return write_file(t ? *t : init(), path, data);
  }
  std::string read(const std::string& path, task_struct* t = nullptr) {
    return read_file(t ? *t : init(), path);
  }
  std::vector<std::string> ls(const std::string& dir) { return testing::ls(init(), dir); }
  mode_t mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(sys_stat(init(), path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  // The names getdents64 gives, in its order; a small buffer makes the listing continue
  // across calls.
  std::vector<std::string> readdir(const std::string& dir) {
    std::vector<std::string> names;
    long fd = sys_open(init(), dir.c_str(), O_RDONLY | O_DIRECTORY);
    EXPECT_GE(fd, 0) << dir;
    alignas(8) char buf[64];
    long n;
    while ((n = sys_getdents64(init(), fd, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<linux_dirent64*>(buf + off);
        names.push_back(d->d_name);
        off += d->d_reclen;
      }
    }
    sys_close(init(), fd);
    return names;
  }
  // The /proc/mounts line of the mount at `dir`.
  std::string mounts_line(const std::string& dir) {
    std::string all = read("/proc/mounts");
    for (absl::string_view line : absl::StrSplit(all, '\n')) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
      if (f.size() > 1 && f[1] == dir) return std::string(line);
    }
    return "NOT MOUNTED";
  }

  std::unique_ptr<kernel> k_;
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> agents_;
};

// --- The legacy cpuset type (rows 19-20) ---

TEST_F(CgroupV1Test, Row19_CpusetTypeMountsUnprefixedWithItsAgent) {
  ASSERT_EQ(mount("/cpuset", nullptr, "cpuset"), 0);
  EXPECT_THAT(ls("/cpuset"), IsSupersetOf({"cpus", "mems", "cpu_exclusive", "tasks",
                                           "memory_pressure_enabled", "release_agent"}));
  EXPECT_THAT(ls("/cpuset"), Not(::testing::Contains("cpuset.cpus")));
  EXPECT_EQ(read("/cpuset/release_agent"), "/sbin/cpuset_release_agent\n");
  // 2.6.24's cpuset_get_sb hands the cgroup type its own options: -o is ignored, and
  // the super_block is the cgroup type's.
  EXPECT_EQ(mounts_line("/cpuset"),
            "none /cpuset cgroup rw,relatime,cpuset,noprefix,"
            "release_agent=/sbin/cpuset_release_agent 0 0");
  EXPECT_EQ(mount("/cpuset2", "cpu", "cpuset"), 0);
  EXPECT_EQ(read("/cpuset2/cpus"), "0-3\n");
  // The same hierarchy as -t cgroup -o cpuset,noprefix.
  EXPECT_EQ(mount("/cg", "cpuset,noprefix"), 0);
  EXPECT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  EXPECT_EQ(mode("/cpuset/a"), 0755);
}

TEST_F(CgroupV1Test, Row20_CpusetTypeWhilePrefixedCpusetIsBusy) {
  ASSERT_EQ(mount("/cg", "cpuset"), 0);
  EXPECT_EQ(mount("/cpuset", nullptr, "cpuset"), -EBUSY);
  // ... and while cpuset shares a hierarchy with another subsystem.
  ASSERT_EQ(sys_umount(init(), "/cg", 0), 0);
  ASSERT_EQ(mount("/cg", "cpuset,cpu"), 0);
  EXPECT_EQ(mount("/cpuset", nullptr, "cpuset"), -EBUSY);
}

TEST_F(CgroupV1Test, Row20_CpusetTypeWithoutCgroupTypeIsNoDevice) {
  vfs v;  // a namespace where only the cpuset type is registered
  ASSERT_TRUE(v.register_filesystem(std::make_unique<cpuset_fs_type>(v)).ok());
  EXPECT_EQ(v.get_fs_type("cpuset")->get_sb(0, "none", nullptr).error(), Errno(ENODEV));
}

// --- Mount options (cgroup1_parse_param, check_cgroupfs_options) ---

TEST_F(CgroupV1Test, MountOptionErrors) {
  EXPECT_EQ(mount("/m", "nosuchsubsys"), -EINVAL);
  EXPECT_EQ(mount("/m", "CPUSET"), -EINVAL);
  EXPECT_EQ(mount("/m", "noprefix"), -EINVAL);       // no subsystem: all, noprefix
  EXPECT_EQ(mount("/m", "cpu,noprefix"), -EINVAL);   // noprefix is for cpuset only
  EXPECT_EQ(mount("/m", "all,cpu"), -EINVAL);        // all with a subsystem
  EXPECT_EQ(mount("/m", "none,cpu"), -EINVAL);       // none with a subsystem
  EXPECT_EQ(mount("/m", "none"), -EINVAL);           // neither subsystem nor name
  EXPECT_EQ(mount("/m", "name=x,name=y"), -EINVAL);  // name respecified
  EXPECT_EQ(mount("/m", "none,name="), -EINVAL);     // empty name
  EXPECT_EQ(mount("/m", "none,name=a/b"), -EINVAL);  // [\w.-] only
  EXPECT_EQ(mount("/m", ("none,name=" + std::string(64, 'n')).c_str()), -EINVAL);
  EXPECT_EQ(mount("/m", "none,name=x,release_agent=/a,release_agent=/b"), -EINVAL);
  EXPECT_EQ(mount("/m", "none,name=x,release_agent"), -EINVAL);
  EXPECT_EQ(mount("/m", "none,name=x,release_agent="), -EINVAL);  // fsparam_string
  EXPECT_EQ(mount("/m", "none,name=x,nofavordynmods=1"), -EINVAL);
  EXPECT_EQ(mount("/m", "name=x"), -EINVAL);  // a name alone finds, never makes
  EXPECT_EQ(sys_mount(init(), "none", "/m", "cgroup2", 0, nullptr), -ENODEV);
  // Empty tokens are skipped, unlike 2.6.24.
  EXPECT_EQ(mount("/m", ",cpuset,,"), 0);
  EXPECT_EQ(mounts_line("/m"), "none /m cgroup rw,relatime,cpuset 0 0");
  // fsparam_flag_no: nofavordynmods clears what favordynmods set.
  EXPECT_EQ(mount("/f", "none,name=f,favordynmods,nofavordynmods"), 0);
  EXPECT_EQ(mounts_line("/f"), "none /f cgroup rw,relatime,name=f 0 0");
}

// vfs_parse_sb_flag: ro, sync, ... are the VFS's, taken from the options by key; only a
// new hierarchy's super_block takes them, and its mount stays rw.
TEST_F(CgroupV1Test, SuperBlockFlagsAmongTheOptions) {
  EXPECT_EQ(mount("/m", "none,name=x,posixacl"), -EINVAL);
  EXPECT_EQ(mount("/m", "none,name=x,silent"), -EINVAL);
  ASSERT_EQ(mount("/m", "none,name=x,ro=1,sync,dirsync,mand,lazytime"), 0);
  EXPECT_EQ(mounts_line("/m"), "none /m cgroup ro,sync,dirsync,mand,lazytime,relatime,name=x 0 0");
  EXPECT_EQ(sys_mkdir(init(), "/m/a", 0755), -EROFS);
  // The same hierarchy again, rw: its super_block stays read-only.
  ASSERT_EQ(mount("/m2", "name=x,rw,async"), 0);
  EXPECT_EQ(sys_mkdir(init(), "/m2/a", 0755), -EROFS);
  // The last naming wins.
  ASSERT_EQ(mount("/r", "none,name=y,ro,rw"), 0);
  EXPECT_EQ(mounts_line("/r"), "none /r cgroup rw,relatime,name=y 0 0");
  EXPECT_EQ(sys_mkdir(init(), "/r/a", 0755), 0);
}

// kernfs_iop_lookup() has no NAME_MAX: a cgroup's name is bounded by PATH_MAX only.
TEST_F(CgroupV1Test, NamesLongerThanNameMax) {
  ASSERT_EQ(mount("/m", "none,name=x"), 0);
  const std::string name = "/m/" + std::string(NAME_MAX + 1, 'n');
  EXPECT_EQ(sys_mkdir(init(), name.c_str(), 0755), 0);
  EXPECT_THAT(ls("/m"), ::testing::Contains(std::string(NAME_MAX + 1, 'n')));
  EXPECT_EQ(sys_rmdir(init(), name.c_str()), 0);
  const std::string too_long = "/m/" + std::string(PATH_MAX, 'n');
  EXPECT_EQ(sys_mkdir(init(), too_long.c_str(), 0755), -ENAMETOOLONG);
}

TEST_F(CgroupV1Test, NamedHierarchyReuseRules) {
  ASSERT_EQ(mount("/n1", "none,name=x"), 0);
  EXPECT_EQ(sys_mkdir(init(), "/n1/a", 0755), 0);
  // name= alone, or with the same (empty) subsystem set, finds it.
  ASSERT_EQ(mount("/n2", "name=x"), 0);
  EXPECT_THAT(ls("/n2"), ::testing::Contains("a"));
  ASSERT_EQ(mount("/n3", "none,name=x"), 0);
  EXPECT_THAT(ls("/n3"), ::testing::Contains("a"));
  // The same name with other subsystems: EBUSY.
  EXPECT_EQ(mount("/n4", "cpu,name=x"), -EBUSY);
  // A subsystem set with a name matches only that name.
  ASSERT_EQ(mount("/c1", "cpu,name=y"), 0);
  EXPECT_EQ(mount("/c2", "cpu"), 0);  // no name asked: any hierarchy with {cpu}
  EXPECT_EQ(mount("/c3", "cpu,name=z"), -EBUSY);
  // Other flags do not stop a reuse (only a kernel warning).
  ASSERT_EQ(mount("/s1", "cpuset"), 0);
  EXPECT_EQ(mount("/s2", "cpuset,noprefix"), 0);
  EXPECT_THAT(ls("/s2"), ::testing::Contains("cpuset.cpus"));
  EXPECT_EQ(mounts_line("/n1"), "none /n1 cgroup rw,relatime,name=x 0 0");
  EXPECT_EQ(mounts_line("/c1"), "none /c1 cgroup rw,relatime,cpu,name=y 0 0");
}

TEST_F(CgroupV1Test, RootAndChildFiles) {
  ASSERT_EQ(mount("/cg", "cpuset,cpuacct,clone_children,release_agent=/bin/agent"), 0);
  EXPECT_THAT(ls("/cg"), IsSupersetOf({"cgroup.clone_children", "cgroup.procs",
                                       "cgroup.sane_behavior", "notify_on_release", "release_agent",
                                       "tasks", "cpuset.cpus", "cpuacct.usage"}));
  EXPECT_THAT(ls("/cg"), Not(::testing::Contains("releasable")));
  EXPECT_EQ(mode("/cg"), 0555);
  EXPECT_EQ(mode("/cg/cgroup.sane_behavior"), 0444);
  EXPECT_EQ(mode("/cg/tasks"), 0644);
  EXPECT_EQ(read("/cg/cgroup.sane_behavior"), "0\n");
  EXPECT_EQ(write("/cg/cgroup.sane_behavior", "1"), -EINVAL);
  EXPECT_EQ(read("/cg/cgroup.clone_children"), "1\n");
  EXPECT_EQ(mounts_line("/cg"),
            "none /cg cgroup rw,relatime,cpuset,cpuacct,release_agent=/bin/agent,"
            "clone_children 0 0");
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  EXPECT_THAT(ls("/cg/a"), Not(::testing::Contains("release_agent")));
  EXPECT_THAT(ls("/cg/a"), Not(::testing::Contains("cgroup.sane_behavior")));
  // clone_children: inherited, and cpuset copies its parent's cpus and mems.
  EXPECT_EQ(read("/cg/a/cgroup.clone_children"), "1\n");
  EXPECT_EQ(read("/cg/a/cpuset.cpus"), "0-3\n");
  EXPECT_EQ(read("/cg/a/cpuset.mems"), "0\n");
  EXPECT_EQ(write("/cg/cgroup.clone_children", "0"), 1);
  ASSERT_EQ(sys_mkdir(init(), "/cg/b", 0755), 0);
  EXPECT_EQ(read("/cg/b/cpuset.cpus"), "\n");
  EXPECT_EQ(read("/cg/b/cgroup.clone_children"), "0\n");
  EXPECT_EQ(sys_mkdir(init(), "/cg/bad\nname", 0755), -EINVAL);
}

TEST_F(CgroupV1Test, NotifyOnReleaseIsInheritedAndStrict) {
  ASSERT_EQ(mount("/cg", "none,name=n"), 0);
  EXPECT_EQ(write("/cg/notify_on_release", "foo"), -EINVAL);
  EXPECT_EQ(write("/cg/notify_on_release", " 1"), -EINVAL);
  EXPECT_EQ(write("/cg/notify_on_release", "99999999999999999999999"), -ERANGE);
  EXPECT_EQ(write("/cg/notify_on_release", "7\n"), 2);
  EXPECT_EQ(read("/cg/notify_on_release"), "1\n");
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  EXPECT_EQ(read("/cg/a/notify_on_release"), "1\n");
}

TEST_F(CgroupV1Test, TasksWriteErrorsAsTheHostKernel) {
  ASSERT_EQ(mount("/cg", "none,name=n"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  task_struct& t = spawn(init());
  for (const char* junk : {"abc", "12 34", "-1", "99999999999", "0 junk", "", "\n"}) {
    EXPECT_EQ(write("/cg/a/tasks", junk), junk[0] ? -EINVAL : -EINVAL) << junk;
  }
  EXPECT_EQ(write("/cg/a/tasks", "4000000"), -ESRCH);
  std::string pid = std::to_string(t.pid);
  EXPECT_EQ(write("/cg/a/tasks", " " + pid + " \n"), static_cast<long>(pid.size() + 3));
  EXPECT_EQ(read("/cg/a/tasks"), pid + "\n");
  EXPECT_EQ(write("/cg/a/tasks", "0", &t), 1);  // 0 is the writer, already there
  EXPECT_EQ(write("/cg/tasks", "+" + pid), static_cast<long>(pid.size() + 1));
  EXPECT_EQ(read("/cg/a/tasks"), "");
}

TEST_F(CgroupV1Test, CgroupProcsMovesTheWholeThreadGroup) {
  ASSERT_EQ(mount("/cg", "none,name=n"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  task_struct& p = spawn(init());
  task_struct& th = spawn(p, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
  task_struct& other = spawn(init());
  // A thread id moves its whole process.
  EXPECT_GT(write("/cg/a/cgroup.procs", std::to_string(th.pid)), 0);
  std::vector<pid_t> both = {p.pid, th.pid};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(read("/cg/a/tasks"), std::to_string(both[0]) + "\n" + std::to_string(both[1]) + "\n");
  EXPECT_EQ(read("/cg/a/cgroup.procs"), std::to_string(p.pid) + "\n");
  // `tasks` moves one thread.
  EXPECT_GT(write("/cg/tasks", std::to_string(th.pid)), 0);
  EXPECT_EQ(read("/cg/a/tasks"), std::to_string(p.pid) + "\n");
  EXPECT_EQ(read("/cg/a/cgroup.procs"), std::to_string(p.pid) + "\n");
  EXPECT_THAT(read("/cg/cgroup.procs"), HasSubstr(std::to_string(other.pid) + "\n"));
}

// cgroup_migrate_execute(): every thread passes can_attach before any moves. The cpu
// subsystem refuses a real-time thread (cpu_cgroup_can_attach); when the process's third
// thread is one, the write fails with its EINVAL and no thread has moved.
TEST_F(CgroupV1Test, CgroupProcsMovesNoThreadWhenALaterOneIsVetoed) {
  ASSERT_EQ(mount("/cg", "cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  constexpr unsigned long kThread =
      CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND;
  task_struct& p = spawn(init());
  task_struct& th1 = spawn(p, kThread);
  task_struct& th2 = spawn(p, kThread);
  th2.policy = SCHED_FIFO;
  container_core& core = k_->containers();
  auto path_of = [&core](task_struct& t) {
    absl::MutexLock l(&core.container_mutex);
    return core.container_path(core.task_container(&t, cpu_subsys_id)).value();
  };
  EXPECT_EQ(write("/cg/a/cgroup.procs", std::to_string(p.pid)), -EINVAL);
  EXPECT_EQ(path_of(p), "/");
  EXPECT_EQ(path_of(th1), "/");
  EXPECT_EQ(path_of(th2), "/");
  EXPECT_EQ(read("/cg/a/tasks"), "");
  // Once the third thread is an ordinary one, the whole process moves.
  th2.policy = SCHED_OTHER;
  EXPECT_EQ(write("/cg/a/cgroup.procs", std::to_string(th2.pid)),
            static_cast<long>(std::to_string(th2.pid).size()));
  EXPECT_EQ(path_of(p), "/a");
  EXPECT_EQ(path_of(th1), "/a");
  EXPECT_EQ(path_of(th2), "/a");
}

// A subsystem-less hierarchy tells its containers apart by the css_group's `named`
// entries: tasks in different named containers never share a group's membership.
TEST_F(CgroupV1Test, NamedHierarchiesKeepPerTaskMembership) {
  ASSERT_EQ(mount("/n", "none,name=n"), 0);
  ASSERT_EQ(mount("/m", "none,name=m"), 0);
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  for (const char* d : {"/n/a", "/n/b", "/m/x", "/cs/c"}) ASSERT_EQ(sys_mkdir(init(), d, 0755), 0);
  ASSERT_EQ(write("/cs/c/cpuset.cpus", "1"), 1);
  ASSERT_EQ(write("/cs/c/cpuset.mems", "0"), 1);
  task_struct& t1 = spawn(init());
  task_struct& t2 = spawn(init());
  std::string p1 = std::to_string(t1.pid), p2 = std::to_string(t2.pid);
  ASSERT_GT(write("/n/a/tasks", p1), 0);
  ASSERT_GT(write("/n/b/tasks", p2), 0);
  ASSERT_GT(write("/m/x/tasks", p1), 0);
  ASSERT_GT(write("/cs/c/tasks", p2), 0);
  EXPECT_EQ(read("/n/a/tasks"), p1 + "\n");
  EXPECT_EQ(read("/n/b/tasks"), p2 + "\n");
  EXPECT_EQ(read("/m/x/tasks"), p1 + "\n");
  EXPECT_NE(task_css_group(&t1), task_css_group(&t2));
  // A child inherits every membership, named ones included.
  task_struct& c1 = spawn(t1);
  EXPECT_EQ(task_css_group(&c1), task_css_group(&t1));
  EXPECT_THAT(read("/m/x/tasks"), HasSubstr(std::to_string(c1.pid)));
  // /proc/<pid>/cgroup: newest hierarchy first, "id:names:path".
  std::string cg = read("/proc/" + p1 + "/cgroup");
  EXPECT_THAT(cg, HasSubstr(":cpuset:/\n"));
  EXPECT_THAT(cg, HasSubstr(":name=m:/x\n"));
  EXPECT_THAT(cg, HasSubstr(":name=n:/a\n"));
  EXPECT_LT(cg.find("cpuset"), cg.find("name=m"));
  EXPECT_LT(cg.find("name=m"), cg.find("name=n"));
  // Busy while a task is in it; free once everyone left.
  EXPECT_EQ(sys_rmdir(init(), "/n/a"), -EBUSY);
  ASSERT_GT(write("/n/tasks", p1), 0);
  ASSERT_GT(write("/n/tasks", std::to_string(c1.pid)), 0);
  EXPECT_EQ(sys_rmdir(init(), "/n/a"), 0);
  // Moving back to the top gives the same group as never having left.
  ASSERT_GT(write("/m/tasks", p1), 0);
  ASSERT_GT(write("/m/tasks", std::to_string(c1.pid)), 0);
  task_struct& fresh = spawn(init());
  EXPECT_EQ(task_css_group(&t1), task_css_group(&fresh));
  // The zombie is at every root.
  k_->do_exit(&t2, 0);
  EXPECT_THAT(k_->containers().proc_container_show(&t2, container_flavour_cgroup),
              HasSubstr(":name=n:/\n"));
  EXPECT_EQ(read("/n/b/tasks"), "");
  EXPECT_EQ(sys_rmdir(init(), "/n/b"), 0);
}

TEST_F(CgroupV1Test, ReleaseAgentOfANamedHierarchy) {
  ASSERT_EQ(mount("/n", "none,name=n,release_agent=/bin/agent"), 0);
  ASSERT_EQ(write("/n/notify_on_release", "1"), 1);
  ASSERT_EQ(sys_mkdir(init(), "/n/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/n/a/b", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write("/n/a/b/tasks", std::to_string(t.pid)), 0);
  k_->do_exit(&t, 0);
  k_->flush_work();
  absl::MutexLock l(&mu_);
  ASSERT_EQ(agents_.size(), 1u);
  EXPECT_THAT(agents_[0], ElementsAre("/bin/agent", "/a/b"));
}

TEST_F(CgroupV1Test, ProcCgroupsHasIdsAndFourColumns) {
  EXPECT_EQ(read("/proc/cgroups"),
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
            "cpuset\t0\t1\t1\ncpu\t0\t1\t1\ncpuacct\t0\t1\t1\nfreezer\t0\t1\t1\n"
            "net\t0\t1\t1\npids\t0\t1\t1\ndebug\t0\t1\t1\n");
  ASSERT_EQ(mount("/a", "none,name=first"), 0);
  ASSERT_EQ(mount("/b", "cpu,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/b/x", 0755), 0);
  EXPECT_THAT(read("/proc/cgroups"), HasSubstr("cpu\t2\t2\t1\ncpuacct\t2\t2\t1\n"));
  EXPECT_EQ(read("/proc/self/cgroup"), "2:cpu,cpuacct:/\n1:name=first:/\n");
  // The V10 files stay as they were.
  EXPECT_THAT(read("/proc/containers"), HasSubstr("#subsys_name\thierarchy\tnum_containers\n"));
  EXPECT_EQ(read("/proc/self/container"), "cpuacct,cpu:/\nname=first:/\n");
  // Ids are not reused.
  ASSERT_EQ(sys_umount(init(), "/a", 0), 0);
  ASSERT_EQ(mount("/a", "none,name=again"), 0);
  EXPECT_THAT(read("/proc/self/cgroup"), HasSubstr("3:name=again:/\n"));
}

TEST_F(CgroupV1Test, ProcMountsAndMountinfo) {
  ASSERT_EQ(mount("/n", "none,name=n"), 0);
  EXPECT_EQ(mounts_line("/n"), "none /n cgroup rw,relatime,name=n 0 0");
  EXPECT_EQ(read("/proc/self/mounts"), read("/proc/mounts"));
  std::string mi = read("/proc/self/mountinfo");
  EXPECT_THAT(mi, HasSubstr(" / /n rw,relatime - cgroup none rw,name=n\n"));
}

// Accepted and shown as the host does (cgroup1_show_options order), a change at
// remount EINVAL; their effects are not modelled.
TEST_F(CgroupV1Test, XattrCpusetV2ModeFavordynmodsAreAcceptedAndShown) {
  ASSERT_EQ(mount("/x", "favordynmods,cpuset,cpuset_v2_mode,xattr,noprefix"), 0);
  EXPECT_EQ(mounts_line("/x"),
            "none /x cgroup rw,relatime,cpuset,noprefix,xattr,cpuset_v2_mode,favordynmods 0 0");
  EXPECT_EQ(sys_mount(init(), "none", "/x", "cgroup", MS_REMOUNT, "cpuset,noprefix"), -EINVAL);
  EXPECT_EQ(mount("/y", "xattr=1,none,name=y"), -EINVAL);
}

// Directories list in kernfs order: by kernfs_name_hash, not by name.
TEST_F(CgroupV1Test, ReaddirIsInKernfsHashOrder) {
  ASSERT_EQ(mount("/cg", "cpu,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  // As `ls -f` lists the same names on Linux 6.x (the host's cpu and cpuacct, merged).
  EXPECT_THAT(readdir("/cg"),
              ElementsAre(".", "..", "cpu.cfs_burst_us", "cgroup.procs", "cpu.cfs_period_us",
                          "cgroup.sane_behavior", "cpu.stat", "a", "cpuacct.usage_percpu_sys",
                          "cpu.shares", "cpuacct.usage_percpu", "cpuacct.stat", "cpuacct.usage",
                          "cpu.idle", "cpu.stat.local", "cpu.cfs_quota_us", "tasks",
                          "cpuacct.usage_sys", "cpuacct.usage_all", "cpuacct.usage_percpu_user",
                          "cpu.rt_runtime_us", "notify_on_release", "cpu.rt_period_us",
                          "release_agent", "cgroup.clone_children", "cpuacct.usage_user"));
  EXPECT_EQ(kernfs_name_hash("tasks"), 1245728267u);
}

TEST_F(CgroupV1Test, RemountRules) {
  ASSERT_EQ(mount("/cg", "cpu"), 0);
  EXPECT_EQ(sys_mount(init(), "none", "/cg", "cgroup", MS_REMOUNT, "cpu,name=x"), -EINVAL);
  EXPECT_EQ(sys_mount(init(), "none", "/cg", "cgroup", MS_REMOUNT, "cpu,cpuacct"), 0);
  EXPECT_THAT(ls("/cg"), ::testing::Contains("cpuacct.usage"));
  ASSERT_EQ(sys_mkdir(init(), "/cg/a", 0755), 0);
  EXPECT_EQ(sys_mount(init(), "none", "/cg", "cgroup", MS_REMOUNT, "cpu,cpuacct,release_agent=/y"),
            -EBUSY);
  // Unlike 2.6.24 (row 27), the failed remount leaves the agent alone.
  EXPECT_EQ(read("/cg/release_agent"), "\n");
}

// Today's cpuset flag files are write_u64: cgroup_file_write parses the text with
// kstrtoull(buf, 0) (base detection, one trailing newline, no blanks, no sign but '+')
// before cpuset_write_u64 sees it; any non-zero value sets the flag. The cases and
// their answers are the host's (Linux 6.18, a child of its v1 cpuset hierarchy).
TEST_F(CgroupV1Test, CpusetFlagFilesParseAsWriteU64) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/a", 0755), 0);
  struct flag_case {
    std::string text;
    long result;        // the write's
    const char* reads;  // the file afterwards
  };
  const flag_case cases[] = {
      {"A", -EINVAL, "0\n"},
      {"-1", -EINVAL, "0\n"},
      {"-0", -EINVAL, "0\n"},
      {" 1", -EINVAL, "0\n"},
      {"1 ", -EINVAL, "0\n"},
      {"0x", -EINVAL, "0\n"},
      {"18446744073709551616", -ERANGE, "0\n"},
      {"0x1", 3, "1\n"},
      {"+1", 2, "1\n"},
      {"1\n", 2, "1\n"},
      {"010", 3, "1\n"},
      {"2", 1, "1\n"},
  };
  for (const char* flag : {"cpu_exclusive", "mem_exclusive", "mem_hardwall", "memory_migrate",
                           "sched_load_balance", "memory_spread_page", "memory_spread_slab"}) {
    std::string file = absl::StrCat("/cs/a/cpuset.", flag);
    for (const flag_case& c : cases) {
      ASSERT_EQ(write(file, "0"), 1) << file;
      EXPECT_EQ(write(file, c.text), c.result) << file << " <- " << c.text;
      EXPECT_EQ(read(file), c.reads) << file << " <- " << c.text;
    }
  }
  EXPECT_EQ(write("/cs/cpuset.memory_pressure_enabled", "A"), -EINVAL);
  EXPECT_EQ(write("/cs/cpuset.memory_pressure_enabled", "0x1"), 3);
  EXPECT_EQ(read("/cs/cpuset.memory_pressure_enabled"), "1\n");
  EXPECT_EQ(write("/cs/cpuset.memory_pressure_enabled", "0"), 1);
}

// --- Today's cpuset1_files[] (subsys/cpuset_v1.cc) ---
// Every answer below is the host's (Linux 6.18, 2 CPUs, 1 node, a child of its v1
// cpuset hierarchy), except the hotplug ones, which the host cannot be made to show.

TEST_F(CgroupV1Test, CpusetV1FilesOrderModesAndDefaults) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/a", 0755), 0);
  // `ls -f` of a new child.
  EXPECT_THAT(
      readdir("/cs/a"),
      ElementsAre(".", "..", "cgroup.procs", "cpuset.memory_pressure", "cpuset.memory_migrate",
                  "cpuset.mem_exclusive", "cpuset.memory_spread_slab", "cpuset.cpu_exclusive",
                  "tasks", "cpuset.effective_mems", "cpuset.effective_cpus", "notify_on_release",
                  "cpuset.sched_load_balance", "cpuset.mems", "cpuset.mem_hardwall",
                  "cpuset.sched_relax_domain_level", "cpuset.cpus", "cgroup.clone_children",
                  "cpuset.memory_spread_page"));
  for (const char* ro : {"effective_cpus", "effective_mems", "memory_pressure"}) {
    std::string file = absl::StrCat("/cs/a/cpuset.", ro);
    EXPECT_EQ(mode(file), 0444) << file;
    EXPECT_EQ(write(file, "0"), -EINVAL) << file;
  }
  for (const char* rw :
       {"cpus", "mems", "cpu_exclusive", "mem_exclusive", "mem_hardwall", "sched_load_balance",
        "sched_relax_domain_level", "memory_migrate", "memory_spread_page", "memory_spread_slab"}) {
    EXPECT_EQ(mode(absl::StrCat("/cs/a/cpuset.", rw)), 0644) << rw;
  }
  EXPECT_EQ(read("/cs/a/cpuset.effective_cpus"), "\n");
  EXPECT_EQ(read("/cs/a/cpuset.effective_mems"), "\n");
  EXPECT_EQ(read("/cs/a/cpuset.mem_hardwall"), "0\n");
  EXPECT_EQ(read("/cs/a/cpuset.sched_relax_domain_level"), "-1\n");
  EXPECT_EQ(read("/cs/cpuset.sched_relax_domain_level"), "-1\n");
  EXPECT_EQ(read("/cs/cpuset.effective_cpus"), "0-3\n");
  EXPECT_EQ(read("/cs/cpuset.effective_mems"), "0\n");
  ASSERT_EQ(write("/cs/a/cpuset.cpus", "1"), 1);
  ASSERT_EQ(write("/cs/a/cpuset.mems", "0"), 1);
  EXPECT_EQ(read("/cs/a/cpuset.effective_cpus"), "1\n");
  EXPECT_EQ(read("/cs/a/cpuset.effective_mems"), "0\n");
}

// cgroup_file_write's write_s64 parse (kstrtoll(buf, 0)), then the range -1 ..
// sched_domain_level_max + 1, which is 2 on the host.
TEST_F(CgroupV1Test, SchedRelaxDomainLevelParsesAsWriteS64) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/a", 0755), 0);
  const std::string file = "/cs/a/cpuset.sched_relax_domain_level";
  struct s64_case {
    std::string text;
    long result;
    const char* reads;
  };
  const s64_case cases[] = {
      {"-1", 2, "-1\n"},
      {"0", 1, "0\n"},
      {"2", 1, "2\n"},
      {"-0x1", 4, "-1\n"},
      {"1\n", 2, "1\n"},
      {"-01", 3, "-1\n"},
      {"+1", 2, "1\n"},
      {"-0", 2, "0\n"},
      {"0X1", 3, "1\n"},
      {std::string("1\0"
                   "2",
                   3),
       3, "1\n"},
      {"-2", -EINVAL, "1\n"},
      {"3", -EINVAL, "1\n"},
      {"010", -EINVAL, "1\n"},
      {"08", -EINVAL, "1\n"},
      {" 1", -EINVAL, "1\n"},
      {"1 ", -EINVAL, "1\n"},
      {"\t1", -EINVAL, "1\n"},
      {"A", -EINVAL, "1\n"},
      {"1a", -EINVAL, "1\n"},
      {"0x", -EINVAL, "1\n"},
      {"+-1", -EINVAL, "1\n"},
      {"\n", -EINVAL, "1\n"},
      {"1\n\n", -EINVAL, "1\n"},
      {"9223372036854775807", -EINVAL, "1\n"},
      {"-9223372036854775808", -EINVAL, "1\n"},
      {"9223372036854775808", -ERANGE, "1\n"},
      {"-9223372036854775809", -ERANGE, "1\n"},
      {"99999999999999999999", -ERANGE, "1\n"},
  };
  for (const s64_case& c : cases) {
    ASSERT_EQ(write(file, "1"), 1);
    EXPECT_EQ(write(file, c.text), c.result) << c.text;
    EXPECT_EQ(read(file), c.reads) << c.text;
  }
}

// kernfs_fop_write_iter(): a write past the file's max_write_len (a page for these) is
// E2BIG before the handler; a page is parsed whole, up to its first NUL. The files of
// the other hierarchies, and the root-only ones, the conformance table cannot reach
// (the host answers the same in a child of its pids, freezer and cpu hierarchies).
TEST_F(CgroupV1Test, WritesPastAPageAreE2big) {
  ASSERT_EQ(mount("/h", "pids,freezer,cpu,cpuacct,cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/h/a", 0755), 0);
  struct file_value {
    const char* path;
    const char* value;
  };
  const file_value files[] = {
      {"/h/a/pids.max", "max"},
      {"/h/a/freezer.state", "THAWED"},
      {"/h/a/cpu.shares", "1024"},
      {"/h/cpuset.memory_pressure_enabled", "1"},
  };
  for (const file_value& f : files) {
    std::string page = std::string(f.value) + "\n";
    page.resize(4096, '\0');
    EXPECT_EQ(write(f.path, page), 4096) << f.path;
    EXPECT_EQ(write(f.path, page + '\0'), -E2BIG) << f.path;
  }
  EXPECT_EQ(read("/h/cpuset.memory_pressure_enabled"), "1\n");
  // release_agent's max_write_len is PATH_MAX - 1.
  std::string agent = "/bin/true\n";
  agent.resize(PATH_MAX - 1, '\0');
  EXPECT_EQ(write("/h/release_agent", agent), PATH_MAX - 1);
  EXPECT_EQ(write("/h/release_agent", agent + '\0'), -E2BIG);
  EXPECT_EQ(read("/h/release_agent"), "/bin/true\n");
}

// cpuset1_online_css(): with clone_children a new cpuset copies its parent's cpus and
// mems (and so its effective sets) unless a sibling is cpu_ or mem_exclusive; the
// spread flags are inherited, mem_hardwall and sched_relax_domain_level are not.
TEST_F(CgroupV1Test, CloneChildrenCopiesUnlessASiblingIsExclusive) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  for (const char* excl : {"cpuset.cpu_exclusive", "cpuset.mem_exclusive"}) {
    ASSERT_EQ(sys_mkdir(init(), "/cs/p", 0755), 0);
    ASSERT_EQ(write("/cs/p/cpuset.cpus", "1"), 1);
    ASSERT_EQ(write("/cs/p/cpuset.mems", "0"), 1);
    ASSERT_EQ(write(absl::StrCat("/cs/p/", excl), "1"), 1);
    ASSERT_EQ(write("/cs/p/cgroup.clone_children", "1"), 1);
    ASSERT_EQ(write("/cs/p/cpuset.mem_hardwall", "1"), 1);
    ASSERT_EQ(write("/cs/p/cpuset.memory_spread_page", "1"), 1);
    ASSERT_EQ(write("/cs/p/cpuset.sched_relax_domain_level", "2"), 1);
    ASSERT_EQ(sys_mkdir(init(), "/cs/p/a", 0755), 0);
    EXPECT_EQ(read("/cs/p/a/cgroup.clone_children"), "1\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.cpus"), "1\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.mems"), "0\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.effective_cpus"), "1\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.effective_mems"), "0\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.mem_hardwall"), "0\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.memory_spread_page"), "1\n");
    EXPECT_EQ(read("/cs/p/a/cpuset.sched_relax_domain_level"), "-1\n");
    // An exclusive sibling: the next child starts empty, and a task cannot enter.
    ASSERT_EQ(write(absl::StrCat("/cs/p/a/", excl), "1"), 1) << excl;
    ASSERT_EQ(sys_mkdir(init(), "/cs/p/b", 0755), 0);
    EXPECT_EQ(read("/cs/p/b/cpuset.cpus"), "\n") << excl;
    EXPECT_EQ(read("/cs/p/b/cpuset.mems"), "\n") << excl;
    EXPECT_EQ(read("/cs/p/b/cpuset.effective_cpus"), "\n") << excl;
    EXPECT_EQ(read("/cs/p/b/cpuset.effective_mems"), "\n") << excl;
    task_struct& t = spawn(init());
    EXPECT_EQ(write("/cs/p/b/tasks", std::to_string(t.pid)), -ENOSPC);
    k_->do_exit(&t, 0);
    for (const char* d : {"/cs/p/b", "/cs/p/a", "/cs/p"}) ASSERT_EQ(sys_rmdir(init(), d), 0);
  }
}

// Hotplug in v1 (cpuset_hotplug_update_tasks + cpuset1_hotplug_update_tasks, from the
// source): each cpuset keeps its part within its parent's, even an empty one, the
// effective sets with it; the tasks of an emptied cpuset move to the nearest ancestor
// with CPUs and memory and run there.
TEST_F(CgroupV1Test, CpusetV1HotplugEmptiesAndMovesTasksUp) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/p", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/p/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/cs/p/b", 0755), 0);
  ASSERT_EQ(write("/cs/p/cpuset.cpus", "2-3"), 3);
  ASSERT_EQ(write("/cs/p/cpuset.mems", "0"), 1);
  ASSERT_EQ(write("/cs/p/a/cpuset.cpus", "3"), 1);
  ASSERT_EQ(write("/cs/p/a/cpuset.mems", "0"), 1);
  ASSERT_EQ(write("/cs/p/b/cpuset.cpus", "2-3"), 3);
  ASSERT_EQ(write("/cs/p/b/cpuset.mems", "0"), 1);
  task_struct& t = spawn(init());
  std::string pid = std::to_string(t.pid);
  ASSERT_GT(write("/cs/p/a/tasks", pid), 0);
  cpumask_t online;
  for (int cpu : {0, 1, 2}) online.set(cpu);
  k_->topo().set_cpu_online(online);
  EXPECT_EQ(read("/cs/cpuset.cpus"), "0-2\n");
  EXPECT_EQ(read("/cs/cpuset.effective_cpus"), "0-2\n");
  EXPECT_EQ(read("/cs/p/cpuset.effective_cpus"), "2\n");
  EXPECT_EQ(read("/cs/p/a/cpuset.cpus"), "\n");
  EXPECT_EQ(read("/cs/p/a/cpuset.effective_cpus"), "\n");
  EXPECT_EQ(read("/cs/p/a/cpuset.effective_mems"), "0\n");
  EXPECT_EQ(read("/cs/p/b/cpuset.cpus"), "2\n");
  EXPECT_EQ(read("/cs/p/b/cpuset.effective_cpus"), "2\n");
  EXPECT_EQ(read("/cs/p/a/tasks"), "");
  EXPECT_EQ(read("/cs/p/tasks"), pid + "\n");
  cpumask_t cpu2;
  cpu2.set(2);
  {
    absl::MutexLock l(&t.alloc_lock);
    EXPECT_EQ(t.cpus_allowed, cpu2);
  }
  // CPU 3 back: v1 gives nothing back below the top cpuset.
  online.set(3);
  k_->topo().set_cpu_online(online);
  EXPECT_EQ(read("/cs/cpuset.effective_cpus"), "0-3\n");
  EXPECT_EQ(read("/cs/p/cpuset.cpus"), "2\n");
  EXPECT_EQ(read("/cs/p/b/cpuset.effective_cpus"), "2\n");
}

}  // namespace
}  // namespace uk::testing
