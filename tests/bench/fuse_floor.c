// fuse_floor DIR CMD [ARGS...]: mounts at DIR a FUSE filesystem that does no work and
// runs CMD (typically `workloads cgops DIR N`), then unmounts. It is served as uk-run's
// shim serves (harness/fuse_bridge.cc): one loop per usable CPU, pinned, polling the
// non-blocking /dev/fuse fd; names kept 1 s, attributes never; direct I/O; no FLUSH.
// What it costs is what any FUSE server costs a tasks write, a tasks read and a
// mkdir+rmdir before it does anything: uk_run_bench prints it beside the shim's ratios.
//
// The tree: the root and the directories made in it, each with a file `tasks` that
// reads "1\n" and accepts any write. Inode numbers: 1 the root, 3 its tasks file; the
// directory in slot k (k >= 2) 2k, its tasks file 2k+1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/bench/wait_for.h"

enum { kMaxDirs = 64, kMaxLoops = 8 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char dir_names[kMaxDirs][256];  // "" = free; slots 0 and 1 unused

static fuse_ino_t tasks_ino(fuse_ino_t dir) { return dir == FUSE_ROOT_ID ? 3 : dir + 1; }

static void fill_attr(fuse_ino_t ino, struct stat* st) {
  memset(st, 0, sizeof *st);
  st->st_ino = ino;
  int is_dir = ino == FUSE_ROOT_ID || (ino >= 4 && ino % 2 == 0);
  st->st_mode = is_dir ? S_IFDIR | 0755 : S_IFREG | 0644;
  st->st_nlink = is_dir ? 2 : 1;
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino) {
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  e.ino = ino;
  fill_attr(ino, &e.attr);
  e.entry_timeout = 1.0;
  e.attr_timeout = 0;
  fuse_reply_entry(req, &e);
}

// The directory slot named `name`, or -1.
static int find_dir(const char* name) {
  for (int k = 2; k < kMaxDirs; k++)
    if (strcmp(dir_names[k], name) == 0) return k;
  return -1;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (strcmp(name, "tasks") == 0) {
    reply_entry(req, tasks_ino(parent));
    return;
  }
  pthread_mutex_lock(&lock);
  int k = parent == FUSE_ROOT_ID ? find_dir(name) : -1;
  pthread_mutex_unlock(&lock);
  if (k < 0) {
    fuse_reply_err(req, ENOENT);
  } else {
    reply_entry(req, 2 * (fuse_ino_t)k);
  }
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)fi;
  struct stat st;
  fill_attr(ino, &st);
  fuse_reply_attr(req, &st, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  fi->direct_io = 1;
  fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info* fi) {
  (void)ino, (void)size, (void)fi;
  fuse_reply_buf(req, "1\n", off == 0 ? 2 : 0);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off,
                     struct fuse_file_info* fi) {
  (void)ino, (void)buf, (void)off, (void)fi;
  fuse_reply_write(req, size);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino, (void)fi;
  fuse_reply_err(req, 0);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  (void)mode;
  if (parent != FUSE_ROOT_ID || strlen(name) >= sizeof dir_names[0]) {
    fuse_reply_err(req, EPERM);
    return;
  }
  pthread_mutex_lock(&lock);
  int k = find_dir(name) >= 0 ? -EEXIST : find_dir("");
  if (k >= 0) strcpy(dir_names[k], name);
  pthread_mutex_unlock(&lock);
  if (k < 0) {
    fuse_reply_err(req, k == -EEXIST ? EEXIST : ENOSPC);
  } else {
    reply_entry(req, 2 * (fuse_ino_t)k);
  }
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  pthread_mutex_lock(&lock);
  int k = parent == FUSE_ROOT_ID ? find_dir(name) : -1;
  if (k >= 0) dir_names[k][0] = '\0';
  pthread_mutex_unlock(&lock);
  fuse_reply_err(req, k < 0 ? ENOENT : 0);
}

static struct fuse_session* se;
// Readable once the loops are to stop: they end before the fd they read is closed.
static int stop_pipe[2];

// As uk-run's per-CPU request loop: pinned to its CPU, polling the non-blocking fd.
static void* serve(void* arg) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET((int)(long)arg, &one);
  sched_setaffinity(0, sizeof one, &one);
  int fd = fuse_session_fd(se);
  struct fuse_buf buf = {0};
  while (!fuse_session_exited(se)) {
    int r = fuse_session_receive_buf(se, &buf);
    if (r == -EAGAIN) {
      struct pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0 && errno != EINTR) break;
      if ((p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) || p[1].revents) break;
      continue;
    }
    if (r == -EINTR) continue;
    if (r <= 0) break;
    fuse_session_process_buf(se, &buf);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: fuse_floor DIR CMD [ARGS...]\n");
    return 2;
  }
  struct fuse_lowlevel_ops ops;
  memset(&ops, 0, sizeof ops);
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.release = op_release;
  ops.mkdir = op_mkdir;
  ops.rmdir = op_rmdir;
  char* fuse_argv[] = {"fuse_floor", "-o", "fsname=fuse_floor", NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  se = fuse_session_new(&args, &ops, sizeof ops, NULL);
  if (se == NULL || fuse_session_mount(se, argv[1]) != 0) {
    fprintf(stderr, "fuse_floor: cannot mount FUSE at %s\n", argv[1]);
    return 1;
  }
  int fd = fuse_session_fd(se);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (pipe(stop_pipe) != 0) {
    perror("fuse_floor: pipe");
    return 1;
  }
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (sched_getaffinity(0, sizeof usable, &usable) != 0) CPU_SET(sched_getcpu(), &usable);
  pthread_t loop[kMaxLoops];
  int loops = 0;
  for (long cpu = 0; cpu < CPU_SETSIZE && loops < kMaxLoops; cpu++) {
    if (CPU_ISSET(cpu, &usable) && pthread_create(&loop[loops], NULL, serve, (void*)cpu) == 0) {
      loops++;
    }
  }
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  int status = wait_for(pid);
  // The loops end and are joined before the unmount closes the fd they poll (closing
  // it under them was a data race, and it could be reused meanwhile).
  fuse_session_exit(se);
  if (write(stop_pipe[1], "x", 1) != 1) perror("fuse_floor: write");
  for (int i = 0; i < loops; i++) pthread_join(loop[i], NULL);
  fuse_session_unmount(se);
  fflush(stdout);
  _exit(status);
}
