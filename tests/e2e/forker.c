// forker N: forks N children that each exec `sleep 30`, without retrying, and prints
// "threads=T forked=F eagain=E other=O" (T: the threads this process has before its
// first fork, which a runtime may add to: each counts against pids.max as a fork does;
// a shell would retry EAGAIN, or die on it), then the children's pids, one per line,
// then "done", and waits to be killed.
//
// The fork system call, not libc's wrapper: a sanitizer's fork interceptor starts a
// thread of its own in the child (TSan's background thread), which counts against
// pids.max until the child execs, as it would natively, so how many forks fit would
// depend on how soon each child got to exec.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int own_threads(void) {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  for (struct dirent* e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  int threads = own_threads();
  int forked = 0, eagain = 0, other = 0;
  pid_t pids[1024];
  for (int i = 0; i < n && i < 1024; i++) {
    pid_t pid = syscall(SYS_fork);
    if (pid == 0) {
      execl("/bin/sleep", "sleep", "30", (char*)NULL);
      _exit(127);
    }
    if (pid > 0) {
      pids[forked++] = pid;
    } else if (errno == EAGAIN) {
      eagain++;
    } else {
      other++;
    }
  }
  printf("threads=%d forked=%d eagain=%d other=%d\n", threads, forked, eagain, other);
  for (int i = 0; i < forked; i++) printf("%d\n", pids[i]);
  printf("done\n");
  fflush(stdout);
  pause();
  return 0;
}
