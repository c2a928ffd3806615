// Fork storm for uk-run: forks RATE short-lived children per second for SECONDS while
// a mover process moves tasks between containers DIR/g0..g3 and a churner makes and
// removes DIR/churn* directories. Prints one summary line; exits non-zero if the
// achieved fork rate is under MIN_RATE or a child could not be forked.
//
//   fork_storm DIR SECONDS RATE MIN_RATE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_str(const char* path, const char* s) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -errno;
  int r = write(fd, s, strlen(s)) < 0 ? -errno : 0;
  close(fd);
  return r;
}

static void mover(const char* dir, double end) {
  long ok = 0, failed = 0;
  char path[512], buf[1 << 16], pid[32];
  while (now() < end) {
    // Move a few tasks listed at the root into a group, and back.
    snprintf(path, sizeof path, "%s/tasks", dir);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    int k = 0;
    for (char* line = strtok(buf, "\n"); line && k < 8; line = strtok(NULL, "\n"), k++) {
      snprintf(path, sizeof path, "%s/g%d/tasks", dir, k % 4);
      snprintf(pid, sizeof pid, "%s", line);
      if (write_str(path, pid) == 0)
        ok++;
      else
        failed++;
    }
    snprintf(pid, sizeof pid, "%d", getpid());
    snprintf(path, sizeof path, "%s/g%d/tasks", dir, (int)(ok % 4));
    write_str(path, pid);
  }
  printf("mover: %ld moves, %ld failed (ESRCH: the task had exited)\n", ok, failed);
  fflush(stdout);
}

static void churner(const char* dir, double end) {
  long made = 0, removed = 0;
  char path[512];
  for (long i = 0; now() < end; i++) {
    snprintf(path, sizeof path, "%s/churn%ld", dir, i % 16);
    if (mkdir(path, 0755) == 0) made++;
    if (rmdir(path) == 0) removed++;
  }
  printf("churner: %ld mkdir, %ld rmdir\n", made, removed);
  fflush(stdout);
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: fork_storm DIR SECONDS RATE MIN_RATE\n");
    return 2;
  }
  const char* dir = argv[1];
  double secs = atof(argv[2]), rate = atof(argv[3]), min_rate = atof(argv[4]);
  char path[512];
  for (int g = 0; g < 4; g++) {
    snprintf(path, sizeof path, "%s/g%d", dir, g);
    mkdir(path, 0755);
  }
  double start = now(), end = start + secs;
  pid_t helpers[2];
  for (int h = 0; h < 2; h++) {
    helpers[h] = fork();
    if (helpers[h] == 0) {
      if (h == 0)
        mover(dir, end);
      else
        churner(dir, end);
      _exit(0);
    }
  }
  long forks = 0, fork_errors = 0;
  while (now() < end) {
    double due = (now() - start) * rate;
    while (forks < due) {
      pid_t p = fork();
      if (p == 0) _exit(0);
      if (p < 0) {
        fork_errors++;
        break;
      }
      forks++;
      // Some forks come from a child in a group, so children start in many places.
      if (forks % 64 == 0) {
        snprintf(path, sizeof path, "%s/g%ld/tasks", dir, (forks / 64) % 4);
        char me[32];
        snprintf(me, sizeof me, "%d", getpid());
        write_str(path, me);
      }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    usleep(1000);
  }
  for (int h = 0; h < 2; h++) waitpid(helpers[h], NULL, 0);
  while (wait(NULL) > 0) {
  }
  double took = now() - start;
  printf("fork_storm: %ld forks in %.1f s = %.0f/s (%ld fork errors)\n", forks, took, forks / took,
         fork_errors);
  snprintf(path, sizeof path, "%s/tasks", dir);
  char me[32];
  snprintf(me, sizeof me, "%d", getpid());
  write_str(path, me);
  for (int g = 0; g < 4; g++) {
    snprintf(path, sizeof path, "%s/g%d", dir, g);
    rmdir(path);
  }
  return (forks / took >= min_rate && fork_errors == 0) ? 0 : 1;
}
