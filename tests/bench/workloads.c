// Workloads for uk_run_bench.sh; each prints the nanoseconds it measured itself, so
// uk-run's start-up is not part of the comparison.
//   workloads forkloop N        N fork+exit+wait
//   workloads openloop N        N open+close of /etc/hostname
//   workloads cgops DIR N       N tasks writes, N tasks reads, N mkdir+rmdir in DIR
//                               (a mounted container or cgroup hierarchy); prints
//                               "attach read mkdir_rmdir" in ns per operation
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
    fprintf(stderr, "usage: workloads forkloop|openloop N | cgops DIR N\n");
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
  } else {
    fprintf(stderr, "unknown workload\n");
    return 2;
  }
  return 0;
}
