// Loopback TCP traffic for the net subsystem's e2e test (127.0.0.1 only).
//
//   net_flow recv PORTFILE NCONN MAXSECS FROM-TO...
//     listens on 127.0.0.1 (an ephemeral port, written to PORTFILE), accepts NCONN
//     connections, each of which starts with a 16-byte name, and reads them all until
//     they close or MAXSECS after the last accept (t0). For each connection and window
//     prints "NAME FROM-TO BITS_PER_S": the bits received between FROM and TO seconds
//     after t0.
//   net_flow send PORT NAME SECONDS
//     connects, sends NAME, then 64 KiB writes for SECONDS; prints
//     "NAME pacing=RATE" (its socket's SO_MAX_PACING_RATE, bytes/s, as uk-run set it).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int recv_main(int argc, char** argv) {
  if (argc < 6) return 2;
  int nconn = atoi(argv[3]);
  double maxsecs = atof(argv[4]);
  if (nconn < 1 || nconn > MAXCONN) return 2;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (ls < 0 || bind(ls, (void*)&a, sizeof a) || listen(ls, nconn) ||
      getsockname(ls, (void*)&a, &len))
    die("listen");
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
  FILE* f = fopen(tmp, "w");
  if (!f) die(tmp);
  fprintf(f, "%d\n", ntohs(a.sin_port));
  fclose(f);
  if (rename(tmp, argv[2])) die("rename");
  struct pollfd p[MAXCONN];
  char name[MAXCONN][17];
  static long bytes[MAXCONN][MAXBUCKETS];
  for (int i = 0; i < nconn; i++) {
    p[i].fd = accept(ls, NULL, NULL);
    p[i].events = POLLIN;
    if (p[i].fd < 0) die("accept");
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
    for (int w = 5; w < argc; w++) {
      double from, to;
      if (sscanf(argv[w], "%lf-%lf", &from, &to) != 2 || to <= from) return 2;
      long sum = 0;
      for (long b = (long)(from / BUCKET + 0.5); b < (long)(to / BUCKET + 0.5) && b < MAXBUCKETS;
           b++)
        sum += bytes[i][b];
      printf("%s %s %.0f\n", name[i], argv[w], sum * 8 / (to - from));
    }
  }
  return 0;
}

static int send_main(int argc, char** argv) {
  if (argc < 5) return 2;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(atoi(argv[2])),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  double secs = atof(argv[4]);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || connect(s, (void*)&a, sizeof a)) die("connect");
  char name[16] = {0};
  strncpy(name, argv[3], sizeof name - 1);
  if (write(s, name, sizeof name) != sizeof name) die("write");
  static char buf[65536];
  double t0 = now();
  while (now() - t0 < secs) {
    if (write(s, buf, sizeof buf) < 0) die("write");
  }
  unsigned long rate = 0;
  socklen_t len = sizeof rate;
  if (getsockopt(s, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, &len)) die("getsockopt");
  printf("%s pacing=%lu\n", argv[3], rate);
  fflush(stdout);
  close(s);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "recv") == 0) return recv_main(argc, argv);
  if (argc > 1 && strcmp(argv[1], "send") == 0) return send_main(argc, argv);
  fprintf(stderr, "usage: net_flow recv PORTFILE NCONN MAXSECS FROM-TO...\n"
                  "       net_flow send PORT NAME SECONDS\n");
  return 2;
}
