// Loopback TCP traffic for the net subsystem's e2e test (127.0.0.1 only).
//
//   net_flow recv PORTFILE NCONN MAXSECS FROM-TO...
//     listens on 127.0.0.1 (an ephemeral port, written to PORTFILE), accepts NCONN
//     connections and measures them (below).
//   net_flow send PORT NAME SECONDS
//     connects to PORT and sends (below).
//   net_flow push PORTFILE NAME SECONDS
//     listens as recv does, accepts one connection and sends on it (the accepted socket).
//   net_flow pull PORT MAXSECS FROM-TO...
//     connects to PORT and measures.
//   net_flow handoff PORT NAME PIDFILE SECONDS
//     connects to PORT, forks, closes its own copy of the socket and writes the child's
//     pid to PIDFILE; the child sends on the socket it inherited.
//
// Sending: NAME in 16 bytes, then 64 KiB writes for SECONDS; then prints
// "NAME pacing=RATE", the socket's SO_MAX_PACING_RATE (bytes/s) as uk-run set it.
// Measuring: reads each connection's 16-byte name, then everything until the
// connections close or MAXSECS after they are all established (t0); for each connection
// and window prints "NAME FROM-TO BITS_PER_S", the bits received between FROM and TO
// seconds after t0.
#define _GNU_SOURCE
#include <arpa/inet.h>
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
#define BUCKET 0.01  // seconds
#define MAXBUCKETS 6000

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

static int measure(int* fds, int nconn, double maxsecs, int nwin, char** windows) {
  struct pollfd p[MAXCONN];
  char name[MAXCONN][17];
  static long bytes[MAXCONN][MAXBUCKETS];
  for (int i = 0; i < nconn; i++) {
    p[i].fd = fds[i];
    p[i].events = POLLIN;
    memset(name[i], 0, sizeof name[i]);
    for (size_t got = 0; got < 16;) {
      ssize_t n = read(p[i].fd, name[i] + got, 16 - got);
      if (n <= 0) die("name");
      got += n;
    }
  }
  double t0 = now();
  static char buf[1 << 20];
  int open = nconn;
  while (open > 0 && now() - t0 < maxsecs) {
    if (poll(p, nconn, 100) < 0) die("poll");
    for (int i = 0; i < nconn; i++) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        open--;
        continue;
      }
      long b = (long)((now() - t0) / BUCKET);
      if (b < MAXBUCKETS) bytes[i][b] += n;
    }
  }
  for (int i = 0; i < nconn; i++) {
    for (int w = 0; w < nwin; w++) {
      double from, to;
      if (sscanf(windows[w], "%lf-%lf", &from, &to) != 2 || to <= from) return 2;
      long sum = 0;
      for (long b = (long)(from / BUCKET + 0.5); b < (long)(to / BUCKET + 0.5) && b < MAXBUCKETS;
           b++)
        sum += bytes[i][b];
      printf("%s %s %.0f\n", name[i], windows[w], sum * 8 / (to - from));
    }
  }
  return 0;
}

static int blast(int s, const char* who, double secs) {
  char name[16] = {0};
  strncpy(name, who, sizeof name - 1);
  if (write(s, name, sizeof name) != sizeof name) die("write");
  static char buf[65536];
  double t0 = now();
  while (now() - t0 < secs) {
    if (write(s, buf, sizeof buf) < 0) die("write");
  }
  unsigned long rate = 0;
  socklen_t len = sizeof rate;
  if (getsockopt(s, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, &len)) die("getsockopt");
  printf("%s pacing=%lu\n", who, rate);
  fflush(stdout);
  close(s);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "recv") == 0 && argc >= 6) {
    int nconn = atoi(argv[3]);
    if (nconn < 1 || nconn > MAXCONN) return 2;
    int ls = listen_port(argv[2], nconn);
    int fds[MAXCONN];
    for (int i = 0; i < nconn; i++) {
      if ((fds[i] = accept(ls, NULL, NULL)) < 0) die("accept");
    }
    return measure(fds, nconn, atof(argv[4]), argc - 5, argv + 5);
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
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) return blast(s, argv[3], atof(argv[5]));
    close(s);
    publish(argv[4], child);
    int status;
    if (waitpid(child, &status, 0) != child) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  if (strcmp(mode, "pull") == 0 && argc >= 5) {
    int s = connect_port(argv[2]);
    return measure(&s, 1, atof(argv[3]), argc - 4, argv + 4);
  }
  fprintf(stderr,
          "usage: net_flow recv PORTFILE NCONN MAXSECS FROM-TO...\n"
          "       net_flow send PORT NAME SECONDS\n"
          "       net_flow push PORTFILE NAME SECONDS\n"
          "       net_flow pull PORT MAXSECS FROM-TO...\n"
          "       net_flow handoff PORT NAME PIDFILE SECONDS\n");
  return 2;
}
