// trap_floor SYSCALL[,SYSCALL...] CMD [ARGS...]: runs CMD under a seccomp filter that
// notifies on the named syscalls, served as uk-run serves them (a listener with
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, a thread blocked in SECCOMP_IOCTL_NOTIF_RECV)
// but answered CONTINUE at once: what trapping them costs before uk-run does any
// work. uk_run_bench prints it beside uk-run's ratio. `none` traps nothing: the filter
// then only allows, which is what having any seccomp filter costs every syscall.
#define _GNU_SOURCE
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/bench/wait_for.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

static int listener = -1;

static void* serve(void* unused) {
  (void)unused;
  struct seccomp_notif* req;
  struct seccomp_notif_resp* resp;
  if (seccomp_notify_alloc(&req, &resp) != 0) return NULL;
  for (;;) {
    memset(req, 0, sizeof *req);
    if (seccomp_notify_receive(listener, req) != 0) continue;  // the tracee died meanwhile
    memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    seccomp_notify_respond(listener, resp);
  }
}

// One fd over a unix socket (SCM_RIGHTS); returns it, or -1.
static int pass_fd(int sock, int fd) {
  char byte = 0;
  struct iovec io = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr m = {0};
  m.msg_iov = &io;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  if (fd >= 0) {
    struct cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(sock, &m, 0) == 1 ? fd : -1;
  }
  if (recvmsg(sock, &m, 0) != 1 || CMSG_FIRSTHDR(&m) == NULL) return -1;
  memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: trap_floor SYSCALL[,SYSCALL...]|none CMD [ARGS...]\n");
    return 2;
  }
  const bool trap_none = strcmp(argv[1], "none") == 0;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    // The filter is loaded by the child, which hands its listener to the parent and
    // waits until it is served before it execs.
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    for (char* name = trap_none ? NULL : strtok(argv[1], ","); name != NULL;
         name = strtok(NULL, ",")) {
      int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0) != 0) {
        fprintf(stderr, "trap_floor: cannot trap %s\n", name);
        _exit(2);
      }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) {
      perror("trap_floor: seccomp");
      _exit(1);
    }
    char go;
    if (!trap_none && (pass_fd(sv[0], seccomp_notify_fd(ctx)) < 0 || read(sv[0], &go, 1) != 1)) {
      _exit(1);
    }
    execvp(argv[2], argv + 2);
    perror("trap_floor: exec");
    _exit(127);
  }
  if (trap_none) return wait_for(pid);  // no listener to serve
  listener = pass_fd(sv[1], -1);
  if (listener < 0) return 1;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) != 0) {
    perror("trap_floor: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP");  // older kernel: cross-CPU
  }
  pthread_t t;
  if (pthread_create(&t, NULL, serve, NULL) != 0 || write(sv[1], "g", 1) != 1) return 1;
  return wait_for(pid);
}
