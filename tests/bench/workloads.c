// Workloads for uk_run_bench.sh; each prints the nanoseconds it measured itself, so
// uk-run's start-up is not part of the comparison.
//   workloads forkloop N        N fork+exit+wait
//   workloads openloop N        N open+close of /etc/hostname
//   workloads cgops DIR N       N tasks writes, N tasks reads, N mkdir+rmdir in DIR
//                               (a mounted container or cgroup hierarchy); prints
//                               "attach read mkdir_rmdir" in ns per operation
//   workloads requests DIR N    in a new, empty DIR/bench_q: N pread(fd, 0) of its tasks
//                               kept open (one FUSE READ each), then N open(O_WRONLY)
//                               +close of it (OPEN; RELEASE is asynchronous); prints
//                               "pread open_close" in ns per call, each after N/10
//                               untimed calls (the first calls after a mount are slower)
//   workloads pingpong N        N one-byte round trips through two pipes between two
//                               processes: what two context switches cost here
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

static void write_pid(const char* path, const char* pid) {
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, pid, strlen(pid)) < 0) die(path);
  close(fd);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: workloads forkloop|openloop|pingpong N | cgops|requests DIR N\n");
    return 2;
  }
  if (strcmp(argv[1], "forkloop") == 0) {
    long n = atol(argv[2]);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
      pid_t p = fork();
      if (p < 0) die("fork");
      if (p == 0) _exit(0);
      if (waitpid(p, NULL, 0) != p) die("waitpid");
    }
    printf("%lld\n", now_ns() - t0);
  } else if (strcmp(argv[1], "openloop") == 0) {
    long n = atol(argv[2]);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
      int fd = open("/etc/hostname", O_RDONLY);
      if (fd < 0) die("open");
      close(fd);
    }
    printf("%lld\n", now_ns() - t0);
  } else if (strcmp(argv[1], "cgops") == 0 && argc == 4) {
    const char* dir = argv[2];
    long n = atol(argv[3]);
    char a[4096], b[4096], x[4096], pid[32];
    snprintf(a, sizeof a, "%s/bench_a", dir);
    snprintf(b, sizeof b, "%s/bench_b", dir);
    snprintf(x, sizeof x, "%s/bench_x", dir);
    snprintf(pid, sizeof pid, "%d", getpid());
    if (mkdir(a, 0755) || mkdir(b, 0755)) die("mkdir");
    char at[4200], bt[4200], rt[4200];
    snprintf(at, sizeof at, "%s/tasks", a);
    snprintf(bt, sizeof bt, "%s/tasks", b);
    snprintf(rt, sizeof rt, "%s/tasks", dir);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) write_pid(i % 2 ? bt : at, pid);
    long long t1 = now_ns();
    char buf[65536];
    for (long i = 0; i < n; i++) {
      int fd = open(i % 2 ? bt : at, O_RDONLY);
      if (fd < 0 || read(fd, buf, sizeof buf) < 0) die("read tasks");
      close(fd);
    }
    long long t2 = now_ns();
    for (long i = 0; i < n; i++) {
      if (mkdir(x, 0755) || rmdir(x)) die("mkdir/rmdir");
    }
    long long t3 = now_ns();
    write_pid(rt, pid);
    rmdir(a);
    rmdir(b);
    printf("%lld %lld %lld\n", (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n);
  } else if (strcmp(argv[1], "requests") == 0 && argc == 4) {
    char q[4096], file[4200];
    snprintf(q, sizeof q, "%s/bench_q", argv[2]);
    snprintf(file, sizeof file, "%s/tasks", q);
    if (mkdir(q, 0755)) die("mkdir");
    long n = atol(argv[3]);
    char buf[4096];
    int fd = open(file, O_RDONLY);
    if (fd < 0) die(file);
    long long t[3] = {0, 0, 0};
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t[0] = now_ns();
      if (pread(fd, buf, sizeof buf, 0) < 0) die("pread");
    }
    t[1] = now_ns();
    close(fd);
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t[1] = now_ns();
      if ((fd = open(file, O_WRONLY)) < 0) die(file);
      close(fd);
    }
    t[2] = now_ns();
    rmdir(q);
    printf("%lld %lld\n", (t[1] - t[0]) / n, (t[2] - t[1]) / n);
  } else if (strcmp(argv[1], "pingpong") == 0) {
    long n = atol(argv[2]);
    int to[2], from[2];
    char c = 0;
    if (pipe(to) || pipe(from)) die("pipe");
    pid_t p = fork();
    if (p < 0) die("fork");
    if (p == 0) {
      close(to[1]);  // so that the parent's close ends the loop
      while (read(to[0], &c, 1) == 1 && write(from[1], &c, 1) == 1) {
      }
      _exit(0);
    }
    long long t0 = 0;
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t0 = now_ns();
      if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1) die("pingpong");
    }
    long long t1 = now_ns();
    close(to[1]);
    waitpid(p, NULL, 0);
    printf("%lld\n", (t1 - t0) / n);
  } else {
    fprintf(stderr, "unknown workload\n");
    return 2;
  }
  return 0;
}
