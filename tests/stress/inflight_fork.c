// The tracker's ns_last_pid race (issue 7), made deterministic: a fork is held inside
// copy_process() after alloc_pid() (so ns_last_pid names the new pid) and before the
// task is attached (so /proc and pidfd_open do not know it), while this process makes
// an observation (reads DIR/tasks: uk-run settles). Then the fork is let go, and the
// next observation must list the child, although ns_last_pid has not moved since.
//
// How it is held: clone(CLONE_PIDFD) stores the pidfd with put_user() in that window
// (kernel/fork.c copy_process), and the store goes to a page registered with
// userfaultfd, so the forking thread sleeps in the fault until this thread fills the
// page (UFFDIO_ZEROPAGE). Kernel-mode faults need CAP_SYS_PTRACE (or the sysctl
// vm.unprivileged_userfaultfd): without it this exits 77 (skip).
//
//   inflight_fork DIR
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char* page;
static long page_size;
static pid_t child = -1;

// Whether `tasks` lists `pid` (-1: cannot read it).
static int listed(const char* tasks, pid_t pid) {
  static char buf[1 << 16];
  int fd = open(tasks, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  char* save;
  for (char* line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (atoi(line) == pid) return 1;
  }
  return 0;
}

static void* forker(void* arg) {
  // clone(2) returns the pidfd through parent_tid under CLONE_PIDFD.
  long r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, (int*)page, NULL, 0);
  if (r == 0) {
    pause();
    _exit(0);
  }
  child = (pid_t)r;
  return NULL;
}

static pid_t ns_last_pid(void) {
  char buf[32] = {0};
  int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0) return -1;
  close(fd);
  return atoi(buf);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: inflight_fork DIR\n");
    return 2;
  }
  char tasks[512];
  snprintf(tasks, sizeof tasks, "%s/tasks", argv[1]);
  int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
  if (uffd < 0) {
    printf("inflight_fork: skipped, no userfaultfd for kernel faults (%s)\n", strerror(errno));
    return 77;
  }
  struct uffdio_api api = {.api = UFFD_API};
  if (ioctl(uffd, UFFDIO_API, &api) != 0) {
    perror("UFFDIO_API");
    return 1;
  }
  page_size = sysconf(_SC_PAGESIZE);
  page = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct uffdio_register reg = {.range = {(unsigned long)page, page_size},
                                .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
    perror("UFFDIO_REGISTER");
    return 1;
  }
  pthread_t th;
  pthread_create(&th, NULL, forker, NULL);
  // The forking thread is now stuck in put_user(): its pid is allocated.
  struct pollfd p = {uffd, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1) {
    fprintf(stderr, "inflight_fork: the fork never reached the pidfd store\n");
    return 1;
  }
  struct uffd_msg msg;
  if (read(uffd, &msg, sizeof msg) != sizeof msg || msg.event != UFFD_EVENT_PAGEFAULT) {
    fprintf(stderr, "inflight_fork: unexpected userfaultfd message\n");
    return 1;
  }
  pid_t allocated = ns_last_pid();
  // The observation in the window: uk-run settles while the pid has no task.
  if (listed(tasks, allocated) < 0) {
    perror(tasks);
    return 1;
  }
  struct uffdio_zeropage zp = {.range = {(unsigned long)page, page_size}};
  if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp) != 0) {
    perror("UFFDIO_ZEROPAGE");
    return 1;
  }
  pthread_join(th, NULL);
  if (child < 0) {
    fprintf(stderr, "inflight_fork: clone failed\n");
    return 1;
  }
  int ok = ns_last_pid() == allocated && child == allocated;
  int seen = listed(tasks, child);
  printf("inflight_fork: child %d (ns_last_pid %d during the observation, %s since): %s\n", child,
         allocated, ns_last_pid() == allocated ? "unchanged" : "moved",
         seen == 1 ? "listed" : "MISSING from tasks");
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (!ok) printf("inflight_fork: another fork moved ns_last_pid: the check is weaker\n");
  return seen == 1 ? 0 : 1;
}
