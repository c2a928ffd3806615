// Signals interrupting writes to `tasks`: a signaller floods this process with SIGUSR1
// (a handler without SA_RESTART, so any interruptible wait returns EINTR) while it moves
// itself between DIR/a and DIR/b ROUNDS times. After each attempt it must be in exactly
// one container: the target if the write succeeded, where it was if the open or the
// write failed with EINTR. Any other error or state fails.
//
//   signal_attach DIR ROUNDS
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t signals;
static void on_usr1(int sig) { signals++; }

// How many of DIR, DIR/a, DIR/b list `pid`; *where gets the last one (0, 1, 2). Reads
// are retried on EINTR (they are not under test).
static int membership(const char* dir, pid_t pid, int* where) {
  static const char* sub[] = {"", "/a", "/b"};
  char path[512], buf[1 << 16];
  int n = 0;
  for (int g = 0; g < 3; g++) {
    snprintf(path, sizeof path, "%s%s/tasks", dir, sub[g]);
    int fd;
    while ((fd = open(path, O_RDONLY)) < 0 && errno == EINTR) {
    }
    if (fd < 0) return -1;
    ssize_t len;
    while ((len = read(fd, buf, sizeof buf - 1)) < 0 && errno == EINTR) {
    }
    close(fd);
    if (len < 0) return -1;
    buf[len] = 0;
    char* save;
    for (char* line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      if (atoi(line) == pid) {
        n++;
        *where = g;
      }
    }
  }
  return n;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: signal_attach DIR ROUNDS\n");
    return 2;
  }
  const char* dir = argv[1];
  int rounds = atoi(argv[2]);
  char path[512], me[32];
  snprintf(me, sizeof me, "%d", getpid());
  for (int g = 0; g < 2; g++) {
    snprintf(path, sizeof path, "%s/%c", dir, 'a' + g);
    mkdir(path, 0755);
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, NULL);
  pid_t self = getpid();
  pid_t sender = fork();
  if (sender == 0) {
    for (;;) {
      if (kill(self, SIGUSR1) != 0) _exit(0);
      if (rand() % 4 == 0) usleep(rand() % 50);
    }
  }
  long ok = 0, eintr_open = 0, eintr_write = 0, bad = 0;
  int where = 0;
  for (int i = 0; i < rounds && bad < 10; i++) {
    int target = 1 + i % 2;
    snprintf(path, sizeof path, "%s/%c/tasks", dir, 'a' + target - 1);
    int fd = open(path, O_WRONLY);
    int moved = 0;
    if (fd < 0) {
      if (errno != EINTR) {
        fprintf(stderr, "signal_attach: open %s: %s\n", path, strerror(errno));
        bad++;
        continue;
      }
      eintr_open++;
    } else {
      ssize_t r = write(fd, me, strlen(me));
      int e = errno;
      close(fd);
      if (r > 0) {
        moved = 1;
        ok++;
      } else if (e == EINTR) {
        eintr_write++;
      } else {
        fprintf(stderr, "signal_attach: write %s: %s\n", path, strerror(e));
        bad++;
        continue;
      }
    }
    int now = -1;
    int n = membership(dir, self, &now);
    int want = moved ? target : where;
    if (n != 1 || now != want) {
      fprintf(stderr, "signal_attach: round %d: in %d containers (last %d), expected only %d\n",
              i, n, now, want);
      bad++;
    }
    if (n == 1) where = now;
  }
  kill(sender, SIGKILL);
  waitpid(sender, NULL, 0);
  printf("signal_attach: %d rounds, %ld moved, %ld open EINTR, %ld write EINTR, %ld signals, "
         "%ld inconsistent\n",
         rounds, ok, eintr_open, eintr_write, (long)signals, bad);
  // Back to the root so that DIR/a and DIR/b can go.
  snprintf(path, sizeof path, "%s/tasks", dir);
  int fd;
  while ((fd = open(path, O_WRONLY)) < 0 && errno == EINTR) {
  }
  if (fd >= 0) {
    while (write(fd, me, strlen(me)) < 0 && errno == EINTR) {
    }
    close(fd);
  }
  return bad ? 1 : 0;
}
