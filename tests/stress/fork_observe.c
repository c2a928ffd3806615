// The tracker's ns_last_pid race (issue 7): a fork's pid is allocated (ns_last_pid
// moves) before its task is attached and shows in /proc. A settle that runs in that
// window, triggered by another process's observation, must not count the new pid as
// looked at, or the child stays unknown until some later fork moves ns_last_pid.
//
// HAMMERS processes read DIR/tasks in a loop (an observation, so a settle, each) while
// FORKERS processes each fork ROUNDS children that wait in pause(); right after each
// fork returns the forker reads DIR/tasks and expects the child there, then kills it.
// Several forkers and their children's exits contend for the host's tasklist_lock,
// which copy_process() takes after alloc_pid(): that widens the window.
// Exits non-zero if a child was missing.
//
//   fork_observe DIR ROUNDS HAMMERS FORKERS
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[1 << 20];

// Whether DIR/tasks lists `pid`.
static int listed(const char* tasks, pid_t pid) {
  int fd = open(tasks, O_RDONLY);
  if (fd < 0) return -1;
  size_t n = 0;
  ssize_t r;
  while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  char* save;
  for (char* line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (atoi(line) == pid) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: fork_observe DIR ROUNDS HAMMERS FORKERS\n");
    return 2;
  }
  char tasks[512];
  snprintf(tasks, sizeof tasks, "%s/tasks", argv[1]);
  int rounds = atoi(argv[2]), hammers = atoi(argv[3]), forkers = atoi(argv[4]);
  pid_t hammer[16];
  for (int h = 0; h < hammers && h < 16; h++) {
    hammer[h] = fork();
    if (hammer[h] == 0) {
      for (;;) listed(tasks, 0);
    }
  }
  pid_t forker[16];
  for (int f = 0; f < forkers && f < 16; f++) {
    forker[f] = fork();
    if (forker[f] != 0) continue;
    int missed = 0;
    for (int i = 0; i < rounds; i++) {
      pid_t c = fork();
      if (c == 0) {
        pause();
        _exit(0);
      }
      if (c < 0) {
        perror("fork");
        _exit(255);
      }
      if (listed(tasks, c) != 1) {
        missed++;
        fprintf(stderr, "fork_observe: child %d not in %s right after fork returned\n", c, tasks);
      }
      kill(c, SIGKILL);
      waitpid(c, NULL, 0);
    }
    _exit(missed > 254 ? 254 : missed);
  }
  int missed = 0, failed = 0;
  for (int f = 0; f < forkers && f < 16; f++) {
    int status;
    waitpid(forker[f], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
      failed++;
    else
      missed += WEXITSTATUS(status);
  }
  for (int h = 0; h < hammers && h < 16; h++) {
    kill(hammer[h], SIGKILL);
    waitpid(hammer[h], NULL, 0);
  }
  printf("fork_observe: %d forks, %d children missing from tasks, %d forkers failed\n",
         rounds * forkers, missed, failed);
  return missed || failed ? 1 : 0;
}
