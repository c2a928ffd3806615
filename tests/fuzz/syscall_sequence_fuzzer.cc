// A sequence of syscall-level operations on a fresh kernel: mount, remount, umount,
// mkdir, rmdir, rename, attach (tasks write), fork, clone of a thread, exit, reap,
// notify_on_release, unshare (ns clone). Each byte pair is one operation; after every
// operation all invariants of uk/invariants.h must hold (else abort = a finding).
#include <sched.h>
#include <sys/mount.h>

#include "tests/fuzz/fuzz_kernel.h"

namespace {

constexpr int kMaxOps = 48;
const char* const kSubsys[] = {"cpuset", "debug", "ns", "cpu", "cpuacct"};

std::string options(uint8_t mask) {
  mask %= 33;
  if (mask == 32) return "";  // no options: all subsystems
  std::string s;
  for (int i = 0; i < 5; i++) {
    if (mask & (1 << i)) s += std::string(s.empty() ? "" : ",") + kSubsys[i];
  }
  return s.empty() ? "cpu,noprefix" : s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto k = uk::fuzz::boot();
  uk::task_struct& init = *k->init_task();
  std::vector<uk::task_struct*> tasks = {&init};
  std::vector<std::string> dirs;  // every container directory ever made (some gone)
  for (int i = 0; i < 3; i++) {
    std::string d = "/h" + std::to_string(i);
    uk::sys_mkdir(init, d.c_str(), 0755);
    dirs.push_back(d);
  }
  auto task = [&](uint8_t b) { return tasks[b % tasks.size()]; };
  auto dir = [&](uint8_t b) { return dirs[b % dirs.size()]; };
  int ops = 0;
  for (size_t i = 0; i + 1 < size && ops < kMaxOps; i += 2, ops++) {
    uint8_t op = data[i] % 13, arg = data[i + 1];
    const char* what = "";
    switch (op) {
      case 0: {  // mount
        what = "mount";
        std::string d = "/h" + std::to_string(arg % 3);
        std::string o = options(arg >> 2);
        uk::sys_mount(init, "none", d.c_str(), "container", 0, o.empty() ? nullptr : o.c_str());
        break;
      }
      case 1:  // remount
        what = "remount";
        uk::sys_mount(init, "none", ("/h" + std::to_string(arg % 3)).c_str(), "container",
                      MS_REMOUNT, options(arg >> 2).c_str());
        break;
      case 2:  // umount
        what = "umount";
        uk::sys_umount(init, ("/h" + std::to_string(arg % 3)).c_str(), 0);
        break;
      case 3: {  // mkdir
        what = "mkdir";
        std::string d = dir(arg) + "/c" + std::to_string(arg % 4);
        if (uk::sys_mkdir(init, d.c_str(), 0755) == 0 && dirs.size() < 64) dirs.push_back(d);
        break;
      }
      case 4:  // rmdir
        what = "rmdir";
        uk::sys_rmdir(init, dir(arg).c_str());
        break;
      case 5: {  // rename within the parent
        what = "rename";
        std::string from = dir(arg);
        std::string to = from.substr(0, from.rfind('/')) + "/r" + std::to_string(arg % 3);
        if (uk::sys_rename(init, from.c_str(), to.c_str()) == 0 && dirs.size() < 64) {
          dirs.push_back(to);
        }
        break;
      }
      case 6: {  // attach: the task picked by the next byte into dir(arg)
        what = "attach";
        uint8_t who = i + 2 < size ? data[i + 2] : 0;
        uk::fuzz::write_file(init, dir(arg) + "/tasks", std::to_string(task(who)->pid));
        break;
      }
      case 7: {  // fork
        what = "fork";
        uk::task_struct* p = task(arg);
        if (p->zombie || tasks.size() >= 32) break;
        auto c = k->do_fork(p, 0);
        if (c.ok()) tasks.push_back(c.value());
        break;
      }
      case 8: {  // clone a thread
        what = "clone";
        uk::task_struct* p = task(arg);
        if (p->zombie || tasks.size() >= 32) break;
        auto c = k->do_fork(p, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
        if (c.ok()) tasks.push_back(c.value());
        break;
      }
      case 9: {  // exit (stays a zombie)
        what = "exit";
        uk::task_struct* t = task(arg);
        if (t != &init) k->do_exit(t, 0);
        break;
      }
      case 10: {  // reap
        what = "reap";
        size_t idx = arg % tasks.size();
        if (tasks[idx] == &init) break;
        k->release_task(tasks[idx]);
        tasks.erase(tasks.begin() + static_cast<long>(idx));
        break;
      }
      case 11:  // notify_on_release
        what = "notify_on_release";
        uk::fuzz::write_file(init, dir(arg) + "/notify_on_release", arg & 1 ? "1" : "0");
        break;
      case 12: {  // unshare: container_clone in the ns hierarchy
        what = "unshare";
        uk::task_struct* t = task(arg);
        if (!t->zombie) (void)k->sys_unshare(t, CLONE_NEWNS);
        break;
      }
    }
    k->flush_work();  // release notifications run here, not under the check
    uk::fuzz::check(*k, what);
  }
  return 0;
}
