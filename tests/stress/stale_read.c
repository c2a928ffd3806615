// stale_read DIR SECONDS CHECKERS: readers against forks, exits and moves, under uk-run
// on the container hierarchy mounted at DIR, for SECONDS. Each of CHECKERS processes,
// in containers of its own (DIR/cK_a, DIR/cK_b), loops:
//   - forks a child and at once reads its container's tasks with a fresh open: the
//     child must be listed (a fork uk has not observed yet must show);
//   - preads offset 0 of a tasks fd it opened before the fork: uk's tasks is a
//     snapshot taken at open (uk/container_files.cc), so the fd must show the same;
//   - moves the child to its other container: listed there, not in the first;
//   - kills and reaps it: listed nowhere (an exit must show), and its other container,
//     emptied so, is removed at once (rmdir) and made again;
//   - a child attaches itself there, forks, moves itself back and exits: that
//     container's rmdir is EBUSY (the grandchild, forked there before the move, must
//     count); once the grandchild is killed and its pidfd readable, the rmdir succeeds;
//   - writes 0 or 1 to notify_on_release and preads offset 0 of an fd kept open since
//     the start: the value just written (a control-file reader against a writer).
// Meanwhile a forker (in DIR/fork) forks and reaps children as fast as it can.
// Prints "checks=N stale=M" and exits 1 if any check failed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* dir;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char* what) {
  perror(what);
  exit(2);
}

static void put(const char* path, const char* text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) die(path);
  close(fd);
}

// The whole file at `path` read through a fresh open.
static void slurp(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) die(path);
  ssize_t n, used = 0;
  while ((n = read(fd, buf + used, cap - 1 - used)) > 0) used += n;
  if (n < 0) die(path);
  buf[used] = '\0';
  close(fd);
}

static int listed(const char* text, pid_t pid) {
  char line[32];
  snprintf(line, sizeof line, "%d\n", pid);
  size_t len = strlen(line);
  for (const char* p = text; *p;) {
    if (strncmp(p, line, len) == 0) return 1;
    const char* nl = strchr(p, '\n');
    if (!nl) break;
    p = nl + 1;
  }
  return 0;
}

// rmdir of `path` must fail with `err` (0: succeed, then it is made again).
static void rmdir_check(const char* path, int err, long* checks, long* stale) {
  int r = rmdir(path), got = r == 0 ? 0 : errno;
  ++*checks;
  if (got != err) ++*stale, fprintf(stderr, "rmdir %s: %s, not %s\n", path, strerror(got), strerror(err));
  if (r == 0 && mkdir(path, 0755)) die("mkdir");
}

static void checker(int k, double end, long* counts) {
  char a[4096], b[4096], at[4200], bt[4200], nor[4200], me[32];
  snprintf(a, sizeof a, "%s/c%d_a", dir, k);
  snprintf(b, sizeof b, "%s/c%d_b", dir, k);
  if (mkdir(a, 0755) || mkdir(b, 0755)) die("mkdir");
  snprintf(at, sizeof at, "%s/tasks", a);
  snprintf(bt, sizeof bt, "%s/tasks", b);
  snprintf(nor, sizeof nor, "%s/notify_on_release", a);
  snprintf(me, sizeof me, "%d", getpid());
  put(at, me);
  int nor_fd = open(nor, O_RDONLY);
  if (nor_fd < 0) die(nor);
  static char text[1 << 16], held_text[1 << 16], again[1 << 16];
  long checks = 0, stale = 0;
  for (int round = 0; now() < end; round++) {
    int held = open(at, O_RDONLY);
    if (held < 0) die(at);
    ssize_t hn = pread(held, held_text, sizeof held_text - 1, 0);
    if (hn < 0) die("pread");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      pause();
      _exit(0);
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", child);
    slurp(at, text, sizeof text);
    checks++;
    if (!listed(text, child)) stale++, fprintf(stderr, "fork %d not in %s\n", child, at);
    ssize_t n = pread(held, again, sizeof again - 1, 0);
    checks++;
    if (n != hn || memcmp(again, held_text, (size_t)hn) != 0) {
      stale++, fprintf(stderr, "held fd of %s changed\n", at);
    }
    close(held);
    put(bt, pid);
    slurp(bt, text, sizeof text);
    checks++;
    if (!listed(text, child)) stale++, fprintf(stderr, "moved %d not in %s\n", child, bt);
    slurp(at, text, sizeof text);
    checks++;
    if (listed(text, child)) stale++, fprintf(stderr, "moved %d still in %s\n", child, at);
    kill(child, SIGKILL);
    if (waitpid(child, NULL, 0) != child) die("waitpid");
    slurp(bt, text, sizeof text);
    checks++;
    if (listed(text, child)) stale++, fprintf(stderr, "exited %d still in %s\n", child, bt);
    rmdir_check(b, 0, &checks, &stale);
    int p[2];
    if (pipe(p)) die("pipe");
    pid_t mid = fork();
    if (mid < 0) die("fork");
    if (mid == 0) {
      char m[32];
      snprintf(m, sizeof m, "%d", getpid());
      put(bt, m);
      pid_t g = fork();
      if (g == 0) {
        pause();
        _exit(0);
      }
      put(at, m);
      _exit(write(p[1], &g, sizeof g) == sizeof g ? 0 : 1);
    }
    pid_t g;
    if (read(p[0], &g, sizeof g) != sizeof g || g <= 0) die("grandchild");
    close(p[0]);
    close(p[1]);
    if (waitpid(mid, NULL, 0) != mid) die("waitpid");
    int gfd = (int)syscall(SYS_pidfd_open, g, 0);
    if (gfd < 0) die("pidfd_open");
    rmdir_check(b, EBUSY, &checks, &stale);
    kill(g, SIGKILL);
    struct pollfd pfd = {gfd, POLLIN, 0};
    if (poll(&pfd, 1, -1) != 1) die("poll");
    close(gfd);
    rmdir_check(b, 0, &checks, &stale);
    const char* v = round % 2 ? "1" : "0";
    put(nor, v);
    char got[8] = {0};
    checks++;
    if (pread(nor_fd, got, sizeof got - 1, 0) < 1 || got[0] != v[0]) {
      stale++, fprintf(stderr, "%s: wrote %s, held fd read %s\n", nor, v, got);
    }
  }
  counts[2 * k] = checks;
  counts[2 * k + 1] = stale;
  char root[4200];
  snprintf(root, sizeof root, "%s/tasks", dir);
  put(root, me);
  rmdir(a);
  rmdir(b);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: stale_read DIR SECONDS CHECKERS\n");
    return 2;
  }
  dir = argv[1];
  double end = now() + atof(argv[2]);
  int n = atoi(argv[3]);
  long* counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (counts == MAP_FAILED || n < 1 || n > 64) die("setup");
  char fork_dir[4096], fork_tasks[4200], me[32];
  snprintf(fork_dir, sizeof fork_dir, "%s/fork", dir);
  if (mkdir(fork_dir, 0755)) die("mkdir fork");
  snprintf(fork_tasks, sizeof fork_tasks, "%s/tasks", fork_dir);
  pid_t forker = fork();
  if (forker == 0) {
    snprintf(me, sizeof me, "%d", getpid());
    put(fork_tasks, me);
    while (now() < end) {
      pid_t c = fork();
      if (c == 0) _exit(0);
      if (c > 0) waitpid(c, NULL, 0);
    }
    _exit(0);
  }
  for (int k = 0; k < n; k++) {
    if (fork() == 0) {
      checker(k, end, counts);
      _exit(0);
    }
  }
  int status, bad = 0;
  while (wait(&status) > 0) bad |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  rmdir(fork_dir);
  long checks = 0, stale = 0;
  for (int k = 0; k < n; k++) checks += counts[2 * k], stale += counts[2 * k + 1];
  printf("checks=%ld stale=%ld\n", checks, stale);
  return stale || bad ? 1 : 0;
}
