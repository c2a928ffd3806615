// Fork storm for uk-run: forks RATE short-lived children per second for SECONDS while
// a mover process moves tasks between the containers DIR, DIR/g0..g3 (each round reads
// one group's `tasks` and writes up to 8 of its pids into the next group) and a churner
// makes and removes DIR/churn* directories. Every 4th child lives 2 ms, so exits race
// with moves. At the end, with every child reaped, no `tasks` file may list a pid that
// is gone (a leaked task) and this process must be listed exactly once.
//
// Prints one summary line; exits non-zero if fewer than MIN_RATE * SECONDS children were
// forked or the fork loop ended late (MIN_RATE 0: no rate check, for sanitizer builds),
// a child could not be forked, or a task leaked or was lost.
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

#define NGROUPS 4

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

// Group `g` of DIR: -1 is DIR itself, 0..NGROUPS-1 are DIR/g<g>.
static void group_path(char* out, size_t size, const char* dir, int g, const char* file) {
  if (g < 0)
    snprintf(out, size, "%s/%s", dir, file);
  else
    snprintf(out, size, "%s/g%d/%s", dir, g, file);
}

// The tasks file of group `g` into buf (NUL-terminated); its length or -1.
static ssize_t read_tasks(const char* dir, int g, char* buf, size_t size) {
  char path[512];
  group_path(path, sizeof path, dir, g, "tasks");
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t n = 0;
  ssize_t r;
  while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return (ssize_t)n;
}

static void mover(const char* dir, double end) {
  long ok = 0, failed = 0, rounds = 0;
  char path[512], buf[1 << 16];
  for (int src = -1; now() < end; src = src + 1 < NGROUPS ? src + 1 : -1, rounds++) {
    if (read_tasks(dir, src, buf, sizeof buf) <= 0) continue;
    int dst = src + 1 < NGROUPS ? src + 1 : -1;
    group_path(path, sizeof path, dir, dst, "tasks");
    int k = 0;
    char* save;
    for (char* line = strtok_r(buf, "\n", &save); line && k < 8;
         line = strtok_r(NULL, "\n", &save), k++) {
      if (write_str(path, line) == 0)
        ok++;
      else
        failed++;
    }
  }
  printf("mover: %ld rounds, %ld moves, %ld failed (ESRCH: the task had exited)\n", rounds, ok,
         failed);
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

// After the storm: every listed pid must exist, and `self` be listed exactly once.
static int check_tasks(const char* dir, pid_t self) {
  static char buf[1 << 20];
  int leaked = 0, seen_self = 0;
  for (int g = -1; g < NGROUPS; g++) {
    if (read_tasks(dir, g, buf, sizeof buf) < 0) continue;
    char* save;
    for (char* line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      pid_t p = atoi(line);
      if (p == self) seen_self++;
      if (kill(p, 0) != 0 && errno == ESRCH) {
        fprintf(stderr, "fork_storm: leaked task %d in group %d\n", p, g);
        leaked++;
      }
    }
  }
  if (seen_self != 1) fprintf(stderr, "fork_storm: listed %d times, not once\n", seen_self);
  return leaked + (seen_self != 1);
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: fork_storm DIR SECONDS RATE MIN_RATE\n");
    return 2;
  }
  const char* dir = argv[1];
  double secs = atof(argv[2]), rate = atof(argv[3]), min_rate = atof(argv[4]);
  char path[512], me[32];
  snprintf(me, sizeof me, "%d", getpid());
  for (int g = 0; g < NGROUPS; g++) {
    group_path(path, sizeof path, dir, g, "");
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
      if (p == 0) {
        if (getpid() % 4 == 0) usleep(2000);
        _exit(0);
      }
      if (p < 0) {
        fork_errors++;
        break;
      }
      forks++;
      // Some forks come from a child in a group, so children start in many places.
      if (forks % 64 == 0) {
        group_path(path, sizeof path, dir, (int)((forks / 64) % NGROUPS), "tasks");
        write_str(path, me);
      }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    usleep(1000);
  }
  double storm = now() - start;
  for (int h = 0; h < 2; h++) waitpid(helpers[h], NULL, 0);
  while (wait(NULL) > 0) {
  }
  int bad = check_tasks(dir, getpid());
  double took = now() - start;
  printf("fork_storm: %ld forks in %.1f s = %.0f/s (%ld fork errors, %d leaked or lost; %.1f s "
         "with the wind-down)\n",
         forks, storm, forks / storm, fork_errors, bad, took);
  group_path(path, sizeof path, dir, -1, "tasks");
  write_str(path, me);
  for (int g = 0; g < NGROUPS; g++) {
    group_path(path, sizeof path, dir, g, "");
    rmdir(path);
  }
  // The rate over the window: the forks it asked for, less the last sleep's worth (the
  // usleep(1000) before the end overshoots by up to ~20 ms on a loaded host: 16 forks
  // short at load 10), and the loop ended on time (a stall makes it late).
  int fast = min_rate <= 0 || (forks >= (long)(min_rate * (secs - 0.02)) && storm < secs + 0.5);
  return (fast && fork_errors == 0 && bad == 0) ? 0 : 1;
}
