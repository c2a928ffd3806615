// The in-process demo (the README's first command until uk-run exists): the article's
// session replayed on simulated tasks through the syscall-level API: two hierarchies,
// a Guests/System tree, tasks moved by writing `tasks`, and the resulting tree.
#include <fcntl.h>

#include <cstdio>
#include <string>
#include <vector>

#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/syscalls.h"

namespace {

using uk::task_struct;

std::string cat(task_struct& t, const std::string& path) {
  long fd = uk::sys_open(t, path.c_str(), O_RDONLY);
  if (fd < 0) return "<error " + std::to_string(-fd) + ">";
  std::string out;
  char buf[4096];
  long n;
  while ((n = uk::sys_read(t, fd, buf, sizeof buf)) > 0) out.append(buf, n);
  uk::sys_close(t, fd);
  return out;
}

long echo(task_struct& t, const std::string& data, const std::string& path) {
  long fd = uk::sys_open(t, path.c_str(), O_WRONLY);
  if (fd < 0) return fd;
  long n = uk::sys_write(t, fd, data.data(), data.size());
  uk::sys_close(t, fd);
  return n;
}

void run(task_struct& t, const std::string& shown, long result) {
  std::printf("# %s%s\n", shown.c_str(),
              result < 0 ? ("   -> error " + std::to_string(-result)).c_str() : "");
}

void show_tree(task_struct& t, const std::string& dir, const std::string& indent) {
  std::string tasks = cat(t, dir + "/tasks");
  for (char& c : tasks) c = c == '\n' ? ' ' : c;
  std::printf("%s%s  tasks: %s\n", indent.c_str(), dir.c_str(), tasks.c_str());
  long fd = uk::sys_open(t, dir.c_str(), O_RDONLY | O_DIRECTORY);
  alignas(8) char buf[8192];
  long n;
  std::vector<std::string> subdirs;
  while ((n = uk::sys_getdents64(t, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
      std::string name = d->d_name;
      if (d->d_type == DT_DIR && name != "." && name != "..") subdirs.push_back(name);
      off += d->d_reclen;
    }
  }
  uk::sys_close(t, fd);
  for (const auto& s : subdirs) show_tree(t, dir + "/" + s, indent + "  ");
}

}  // namespace

int main() {
  uk::kernel k(uk::default_subsys_registry());
  task_struct& init = *k.init_task();
  auto spawn = [&](const char* comm) -> task_struct& {
    task_struct* t = k.do_fork(&init, 0).value();
    k.do_exec(t, comm);
    return *t;
  };
  task_struct& sh = spawn("/bin/sh");
  task_struct& mail = spawn("/usr/sbin/exim4");
  task_struct& guest_a = spawn("guest-a");
  task_struct& guest_b = spawn("guest-b");

  std::printf("uk in-process demo: the containers V10 session on simulated tasks\n\n");
  run(sh, "mkdir -p /containers/cpu /containers/cpuset",
      uk::sys_mkdir(init, "/containers", 0755) | uk::sys_mkdir(init, "/containers/cpu", 0755) |
          uk::sys_mkdir(init, "/containers/cpuset", 0755));
  run(sh, "mount -t container -o cpu,cpuacct cpu /containers/cpu",
      uk::sys_mount(init, "cpu", "/containers/cpu", "container", 0, "cpu,cpuacct"));
  run(sh, "mount -t container -o cpuset cpuset /containers/cpuset",
      uk::sys_mount(init, "cpuset", "/containers/cpuset", "container", 0, "cpuset"));
  for (const char* d :
       {"/containers/cpu/Guests", "/containers/cpu/System", "/containers/cpu/Guests/guest-a",
        "/containers/cpu/Guests/guest-b", "/containers/cpuset/new_container"}) {
    run(sh, std::string("mkdir ") + d, uk::sys_mkdir(sh, d, 0755));
  }
  run(sh, "echo 9216 > /containers/cpu/Guests/shares",
      echo(sh, "9216", "/containers/cpu/Guests/shares"));
  run(sh, "echo 1024 > /containers/cpu/System/shares",
      echo(sh, "1024", "/containers/cpu/System/shares"));
  std::string pid = std::to_string(sh.pid);
  run(sh, "echo $$ > /containers/cpuset/new_container/tasks   (no cpus/mems yet)",
      echo(sh, pid, "/containers/cpuset/new_container/tasks"));
  run(sh, "echo 0 > /containers/cpuset/new_container/cpus",
      echo(sh, "0", "/containers/cpuset/new_container/cpus"));
  run(sh, "echo 0 > /containers/cpuset/new_container/mems",
      echo(sh, "0", "/containers/cpuset/new_container/mems"));
  run(sh, "echo $$ > /containers/cpuset/new_container/tasks",
      echo(sh, pid, "/containers/cpuset/new_container/tasks"));
  run(sh, "echo $$ > /containers/cpu/System/tasks", echo(sh, pid, "/containers/cpu/System/tasks"));
  run(sh, "echo <exim4> > /containers/cpu/System/tasks",
      echo(sh, std::to_string(mail.pid), "/containers/cpu/System/tasks"));
  run(sh, "echo <guest-a> > /containers/cpu/Guests/guest-a/tasks",
      echo(sh, std::to_string(guest_a.pid), "/containers/cpu/Guests/guest-a/tasks"));
  run(sh, "echo <guest-b> > /containers/cpu/Guests/guest-b/tasks",
      echo(sh, std::to_string(guest_b.pid), "/containers/cpu/Guests/guest-b/tasks"));

  std::printf("\n$ cat /containers/cpuset/new_container/tasks\n%s",
              cat(sh, "/containers/cpuset/new_container/tasks").c_str());
  std::printf("\n$ cat /proc/self/container   (pid %d, sh)\n%s", sh.pid,
              cat(sh, "/proc/self/container").c_str());
  std::printf("\n$ cat /proc/containers\n%s", cat(sh, "/proc/containers").c_str());
  std::printf("\nThe tree:\n");
  show_tree(sh, "/containers/cpu", "  ");
  show_tree(sh, "/containers/cpuset", "  ");
  std::printf("\npids: sh=%d exim4=%d guest-a=%d guest-b=%d\n", sh.pid, mail.pid, guest_a.pid,
              guest_b.pid);
  return 0;
}
