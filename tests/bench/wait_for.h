// wait_for(pid): waits for a child and returns its status as a shell reports it
// (128+N for death by signal N; 1 if it cannot be waited for). The bench wrappers
// (trap_floor, fuse_floor) run a command and exit with this.
#ifndef TESTS_BENCH_WAIT_FOR_H_
#define TESTS_BENCH_WAIT_FOR_H_

#include <sys/types.h>
#include <sys/wait.h>

static inline int wait_for(pid_t pid) {
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif  // TESTS_BENCH_WAIT_FOR_H_
