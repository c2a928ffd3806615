// A clone(2) that makes a namespace, as container runtimes do: the child prints
// "child=<pid> <its /proc/self/container>" and the parent, after reaping it,
// "parent=<pid> <its /proc/self/container>". Then clone3(2) with the same flag, which
// uk-run answers ENOSYS (the filter cannot read clone3's flags): "clone3=<errno name>".
// Needs CAP_SYS_ADMIN (CLONE_NEWUTS); exits 77 without it.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void print_container(const char* who) {
  char buf[4096] = "";
  FILE* f = fopen("/proc/self/container", "r");
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = '\0';  // the first hierarchy's line is enough
  printf("%s=%d %s\n", who, getpid(), buf);
  fflush(stdout);
}

static int child_main(void* arg) {
  (void)arg;
  print_container("child");
  return 0;
}

int main(void) {
  static char stack[64 * 1024];
  pid_t pid = clone(child_main, stack + sizeof stack, CLONE_NEWUTS | SIGCHLD, NULL);
  if (pid < 0) {
    perror("clone(CLONE_NEWUTS)");
    return errno == EPERM ? 77 : 1;
  }
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  print_container("parent");
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_NEWUTS;
  args.exit_signal = SIGCHLD;
  long r = syscall(SYS_clone3, &args, sizeof args);
  if (r == 0) _exit(0);
  if (r > 0) waitpid((pid_t)r, NULL, 0);
  printf("clone3=%s\n", r >= 0 ? "ok" : errno == ENOSYS ? "ENOSYS" : strerror(errno));
  return 0;
}
