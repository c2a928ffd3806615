// Starts 4 threads (and, built static, forks with raw syscalls), then checks that
// every tid of the process is listed in the tasks file given as argv[1] (the 5 it made
// and any a runtime added: TSan starts a thread of its own), and that the threads
// leave it once they have exited.
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t barrier;
static long tids[4];  // each worker's
static long main_tid;

static void* worker(void* arg) {
  tids[(long)arg] = syscall(SYS_gettid);
  pthread_barrier_wait(&barrier);  // all threads exist
  pthread_barrier_wait(&barrier);  // the main thread has checked
  return arg;
}

static int listed(const char* tasks, long id) {
  FILE* f = fopen(tasks, "r");
  if (!f) return 0;
  long v;
  int found = 0;
  while (fscanf(f, "%ld", &v) == 1) found |= v == id;
  fclose(f);
  return found;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  pthread_t t[4];
  pthread_barrier_init(&barrier, NULL, 5);
  main_tid = syscall(SYS_gettid);
  for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void*)i);
  pthread_barrier_wait(&barrier);
  int n = 0, bad = 0, found_made = 0;
  DIR* d = opendir("/proc/self/task");
  struct dirent* e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    n++;
    long tid = atol(e->d_name);
    if (!listed(argv[1], tid)) bad++;
    found_made += tid == main_tid;
    for (int i = 0; i < 4; i++) found_made += tid == tids[i];
  }
  closedir(d);
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  // A joined thread has left exit_mm (which wakes the joiner) but maybe not yet
  // exit_notify, after which it is dead: allow it 2 s to get there.
  for (int i = 0; i < 4; i++) {
    int tries = 0;
    while (listed(argv[1], tids[i]) && tries++ < 2000) usleep(1000);
    if (tries > 2000) {
      printf("threads: exited thread %ld still listed\n", tids[i]);
      bad++;
    }
  }
  // A raw fork (no libc wrapper): the child is listed, then gone after it exits.
  int pfd[2];
  if (pipe(pfd) != 0) return 1;
  long child = syscall(SYS_fork);
  if (child == 0) {
    char c;
    read(pfd[0], &c, 1);
    syscall(SYS_exit_group, 0);
  }
  if (!listed(argv[1], child)) bad++;
  write(pfd[1], "x", 1);
  waitpid((pid_t)child, NULL, 0);
  if (listed(argv[1], child)) bad++;
  if (bad || found_made != 5) {
    printf("threads: %d failed checks, %d of the 5 made found among %d tids\n", bad, found_made, n);
    return 1;
  }
  printf("threads: all %d tids listed\n", n);
  return 0;
}
