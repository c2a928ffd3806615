// A handled signal (no SA_RESTART) aimed at a process while it execs, exits or opens
// directories, over and over: natively none of these calls ever fails, nor under uk-run
// by default (none is trapped). Under `uk-run --exact-exits` (exits) or `--rules`
// (execs) they are, and a signal that lands before the supervisor has received the trap
// fails the call with EINTR (harness/README.md, "Known gaps").
//   trap_signal exec|exit|opendir N [restart]  ->  prints "<runs> <failed>"; exits 0.
// A failed exec makes the child exit 99; a failed exit_group makes glibc try exit(2)
// and then hlt, so the child dies by SIGSEGV: both count as failed. `opendir`: the
// child opens "/" with O_DIRECTORY kOpens times, and exits 99 if one fails. With
// `restart` the handler has SA_RESTART: an interrupted trap restarts the call, so
// nothing may fail.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_winch(int sig) { (void)sig; }

// Under the barrage an open takes 0.4-0.6 ms (the child spends its time in signal
// delivery): 10 a child keep 3000 children under uk-run at about 14 s (50: 25 s).
enum { kOpens = 10 };

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 ||
      (strcmp(argv[1], "exec") != 0 && strcmp(argv[1], "exit") != 0 &&
       strcmp(argv[1], "opendir") != 0) ||
      (argc == 4 && strcmp(argv[3], "restart") != 0)) {
    fprintf(stderr, "usage: trap_signal exec|exit|opendir N [restart]\n");
    return 2;
  }
  int exec = strcmp(argv[1], "exec") == 0;
  int opendir = strcmp(argv[1], "opendir") == 0;
  int restart = argc == 4;
  int n = atoi(argv[2]), failed = 0;
  for (int i = 0; i < n; i++) {
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      // SIGWINCH: ignored by default, so a signal after the exec is harmless.
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_winch;
      sa.sa_flags = restart ? SA_RESTART : 0;
      sigaction(SIGWINCH, &sa, NULL);
      close(ready[0]);
      close(ready[1]);  // "ready": the parent's read returns 0
      if (exec) {
        execl("/bin/true", "true", (char*)NULL);
        _exit(errno == EINTR ? 99 : 98);
      }
      for (int k = 0; opendir && k < kOpens; k++) {
        int fd = open("/", O_RDONLY | O_DIRECTORY);
        if (fd < 0) _exit(errno == EINTR ? 99 : 98);
        close(fd);
      }
      _exit(0);
    }
    close(ready[1]);
    char c;
    while (read(ready[0], &c, 1) > 0) {
    }
    close(ready[0]);
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) kill(pid, SIGWINCH);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
  }
  printf("%d %d\n", n, failed);
  return 0;
}
