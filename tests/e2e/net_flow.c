// Loopback TCP traffic for the net subsystem's e2e test (127.0.0.1 only).
//
//   net_flow recv PORTFILE NCONN
//     listens on 127.0.0.1 (an ephemeral port, written to PORTFILE), accepts NCONN
//     connections and reads them until they close.
//   net_flow send PORT NAME SECONDS
//     connects to PORT and sends (below).
//   net_flow push PORTFILE NAME SECONDS
//     listens as recv does, accepts one connection and sends on it (the accepted socket).
//   net_flow pull PORT
//     connects to PORT and reads until it closes.
//   net_flow handoff PORT NAME PIDFILE SECONDS
//     connects to PORT, forks and closes its own copy of the socket; then the child
//     writes its pid to PIDFILE and sends on the socket it inherited.
//
// Sending: NAME in 16 bytes, then 64 KiB writes for SECONDS. Every 10 ms or sooner the
// sender reads back what the kernel reports: the socket's SO_MAX_PACING_RATE (bytes/s,
// as uk-run set it) and the bytes the peer acknowledged (TCP_INFO). Each stretch of
// writes with one pacing rate is a period; at the end it prints, for each period,
//   NAME period RATE SECONDS STEADY_SECONDS BITS_PER_S
// (the time from the period's first sample to its last one; its steady part, from its
// first sample STEADY seconds or more into it to its last one, 0 if it has none; the
// acknowledged payload per second over the steady part, 0 if it is empty), then
// "NAME pacing=RATE", the last rate. The steady part leaves out the burst TCP sends unpaced at a
// connection's start (its initial window: 10 segments of up to 64 KiB on loopback) and bytes sent
// before a change at the old rate. The acknowledged bytes are what TCP delivered, so a receiver
// that a busy machine delays does not change them.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 8
#define MAXPERIODS 64
#define STEADY 0.3  // seconds

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

// Writes "VALUE\n" to `path` atomically: a reader polling for it sees all or nothing.
static void publish(const char* path, long value) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (!f) die(tmp);
  fprintf(f, "%ld\n", value);
  fclose(f);
  if (rename(tmp, path)) die("rename");
}

// A listening socket on 127.0.0.1, its port written to `portfile`.
static int listen_port(const char* portfile, int backlog) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (ls < 0 || bind(ls, (void*)&a, sizeof a) || listen(ls, backlog) ||
      getsockname(ls, (void*)&a, &len))
    die("listen");
  publish(portfile, ntohs(a.sin_port));
  return ls;
}

static int connect_port(const char* port) {
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(atoi(port)),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || connect(s, (void*)&a, sizeof a)) die("connect");
  return s;
}

// Reads every connection until all of them close.
static int drain(int* fds, int nconn) {
  struct pollfd p[MAXCONN];
  for (int i = 0; i < nconn; i++) p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
  static char buf[1 << 20];
  for (int open = nconn; open > 0;) {
    if (poll(p, nconn, -1) < 0) die("poll");
    for (int i = 0; i < nconn; i++) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (read(p[i].fd, buf, sizeof buf) <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        open--;
      }
    }
  }
  return 0;
}

struct sample {
  double t;
  unsigned long rate;
  unsigned long long acked;
};

static struct sample take(int s) {
  struct sample x = {.t = now()};
  socklen_t len = sizeof x.rate;
  if (getsockopt(s, SOL_SOCKET, SO_MAX_PACING_RATE, &x.rate, &len)) die("getsockopt");
  struct tcp_info info;
  len = sizeof info;
  if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len)) die("TCP_INFO");
  x.acked = info.tcpi_bytes_acked;
  return x;
}

static int blast(int s, const char* who, double secs) {
  char name[16] = {0};
  strncpy(name, who, sizeof name - 1);
  if (write(s, name, sizeof name) != sizeof name) die("write");
  static char buf[65536];
  // Each period's first sample, the first one of its steady part, and its last one.
  struct sample first[MAXPERIODS], steady[MAXPERIODS], last[MAXPERIODS];
  int n = 0;
  first[0] = steady[0] = last[0] = take(s);
  // Non-blocking, a sample every 10 ms or sooner: a write blocked while the send buffer
  // drains (for a second after a limit is lowered) would leave a period unsampled.
  if (fcntl(s, F_SETFL, O_NONBLOCK)) die("fcntl");
  for (double t0 = now(); now() - t0 < secs;) {
    struct pollfd p = {.fd = s, .events = POLLOUT};
    if (poll(&p, 1, 10) < 0) die("poll");
    if (p.revents && write(s, buf, sizeof buf) < 0 && errno != EAGAIN) die("write");
    struct sample x = take(s);
    if (x.rate == last[n].rate) {
      if (steady[n].t - first[n].t < STEADY) steady[n] = x;
      last[n] = x;
    } else if (n + 1 < MAXPERIODS) {
      n++;
      first[n] = steady[n] = last[n] = x;
    } else {
      die("too many pacing changes");
    }
  }
  for (int i = 0; i <= n; i++) {
    double d = steady[i].t - first[i].t >= STEADY ? last[i].t - steady[i].t : 0;
    printf("%s period %lu %.3f %.3f %.0f\n", who, first[i].rate, last[i].t - first[i].t, d,
           d > 0 ? (last[i].acked - steady[i].acked) * 8 / d : 0.0);
  }
  printf("%s pacing=%lu\n", who, last[n].rate);
  fflush(stdout);
  close(s);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "recv") == 0 && argc == 4) {
    int nconn = atoi(argv[3]);
    if (nconn < 1 || nconn > MAXCONN) return 2;
    int ls = listen_port(argv[2], nconn);
    int fds[MAXCONN];
    for (int i = 0; i < nconn; i++) {
      if ((fds[i] = accept(ls, NULL, NULL)) < 0) die("accept");
    }
    return drain(fds, nconn);
  }
  if (strcmp(mode, "send") == 0 && argc == 5)
    return blast(connect_port(argv[2]), argv[3], atof(argv[4]));
  if (strcmp(mode, "push") == 0 && argc == 5) {
    int s = accept(listen_port(argv[2], 1), NULL, NULL);
    if (s < 0) die("accept");
    return blast(s, argv[3], atof(argv[4]));
  }
  if (strcmp(mode, "handoff") == 0 && argc == 6) {
    int s = connect_port(argv[2]);
    int closed[2];
    if (pipe(closed)) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      // Named once the parent has closed its copy, and by the child itself: a thread
      // that a runtime starts in a forked child (TSan's) exists by then, and holds the
      // socket too (a shared fd table), so the test moves every thread listed.
      char c;
      close(closed[1]);
      if (read(closed[0], &c, 1) != 1) die("read");
      publish(argv[4], getpid());
      return blast(s, argv[3], atof(argv[5]));
    }
    close(s);
    close(closed[0]);
    if (write(closed[1], "x", 1) != 1) die("write");
    int status;
    if (waitpid(child, &status, 0) != child) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  if (strcmp(mode, "pull") == 0 && argc == 3) {
    int s = connect_port(argv[2]);
    return drain(&s, 1);
  }
  fprintf(stderr,
          "usage: net_flow recv PORTFILE NCONN\n"
          "       net_flow send PORT NAME SECONDS\n"
          "       net_flow push PORTFILE NAME SECONDS\n"
          "       net_flow pull PORT\n"
          "       net_flow handoff PORT NAME PIDFILE SECONDS\n");
  return 2;
}
