// forker N: forks N children that each exec `sleep 30`, without retrying, and prints
// "forked=F eagain=E other=O" (a shell would retry EAGAIN, or die on it), then the
// children's pids, one per line, then "done", and waits to be killed.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  int forked = 0, eagain = 0, other = 0;
  pid_t pids[1024];
  for (int i = 0; i < n && i < 1024; i++) {
    pid_t pid = fork();
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
  printf("forked=%d eagain=%d other=%d\n", forked, eagain, other);
  for (int i = 0; i < forked; i++) printf("%d\n", pids[i]);
  printf("done\n");
  fflush(stdout);
  pause();
  return 0;
}
