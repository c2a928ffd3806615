// uk-run's control socket (see control_socket.h for the design and its checks).
#include "harness/control_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

constexpr size_t kMaxRequest = 256;

sockaddr_un address_of(const std::string& name, socklen_t* len) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  size_t n = std::min(name.size(), sizeof addr.sun_path);
  memcpy(addr.sun_path, name.data(), n);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
  return addr;
}

void set_timeouts(int fd, int seconds) {
  timeval tv = {seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool send_all(int fd, const std::string& text) {
  for (size_t off = 0; off < text.size();) {
    ssize_t n = send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// The parent of host process `pid` (its /proc/<pid>/stat), 0 if unknown.
pid_t parent_of(pid_t pid) {
  std::optional<proc_stat_head> h = read_proc_stat(pid);
  return h ? h->ppid : 0;
}

// Connects to the control socket of the uk-run whose outer process is `pid`, as the
// user of process `owner` (by default that uk-run) when we are root (see
// control_socket.h); -1 if nobody listens.
int connect_to(ino_t pidns, pid_t pid, pid_t owner = 0) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t len;
  sockaddr_un addr = address_of(control_socket_name(pidns, pid), &len);
  struct stat st;
  bool as_owner = geteuid() == 0 &&
                  stat(absl::StrCat("/proc/", owner ? owner : pid).c_str(), &st) == 0 &&
                  st.st_uid != 0 && seteuid(st.st_uid) == 0;
  int r = connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
  if (as_owner && seteuid(0) != 0) {
    perror("uk-run: seteuid(0)");
    _exit(1);
  }
  if (r != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string control_socket_name(ino_t pidns, pid_t pid) {
  return absl::StrCat(std::string(1, '\0'), "uk-run/", pidns, "/", pid);
}

ino_t own_pid_namespace() {
  struct stat st;
  return stat("/proc/self/ns/pid", &st) == 0 ? st.st_ino : 0;
}

absl::StatusOr<std::unique_ptr<control_server>> control_server::start(const std::string& name,
                                                                      handler_fn handler) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "control socket");
  socklen_t len;
  sockaddr_un addr = address_of(name, &len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 8) != 0) {
    int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, absl::StrCat("control socket @", name.substr(1)));
  }
  int stop = eventfd(0, EFD_CLOEXEC);
  if (stop < 0) {
    int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "eventfd");
  }
  return std::unique_ptr<control_server>(new control_server(fd, stop, std::move(handler)));
}

control_server::control_server(int listen_fd, int stop_fd, handler_fn handler)
    : listen_fd_(listen_fd), stop_fd_(stop_fd), handler_(std::move(handler)) {
  thread_ = std::thread([this] { loop(); });
}

control_server::~control_server() {
  uint64_t one = 1;
  while (write(stop_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  thread_.join();
  close(listen_fd_);
  close(stop_fd_);
}

void control_server::loop() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      // Out of fds the connection stays queued and the socket readable: wait for the
      // stop fd a little instead of spinning until fds come back.
      if (errno == EMFILE || errno == ENFILE) poll(&p[1], 1, 100);
      continue;
    }
    serve(client);
    close(client);
  }
}

void control_server::serve(int client) {
  // One client at a time: a silent or slow one holds the next for at most 1 s each
  // way. The traced processes never wait for this thread.
  set_timeouts(client, 1);
  ucred peer = {};
  socklen_t len = sizeof peer;
  if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) return;
  // The request is read even from a stranger: closing with it unread would reset
  // the connection before the client read the answer.
  std::string request;
  char buf[kMaxRequest];
  while (request.find('\n') == std::string::npos && request.size() < kMaxRequest) {
    ssize_t n = recv(client, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  size_t nl = request.find('\n');
  if (peer.uid != 0 && peer.uid != geteuid()) {
    send_all(client, "error: permission denied (not uk-run's user)\n");
    return;
  }
  if (nl == std::string::npos) {
    send_all(client, "error: request too long\n");
    return;
  }
  absl::StatusOr<std::string> reply = handler_(std::string_view(request).substr(0, nl));
  send_all(client,
           reply.ok() ? "ok\n" + *reply : absl::StrCat("error: ", reply.status().message(), "\n"));
}

// The server (SO_PEERCRED) of a connected control socket, 0 if unknown.
pid_t server_of(int fd) {
  ucred server = {};
  socklen_t len = sizeof server;
  return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &server, &len) == 0 ? server.pid : 0;
}

// The outer pids the control sockets of this pid namespace's uk-runs are named by, as
// /proc/net/unix lists them (an abstract name with '@' for its NUL), the outer uk-run
// gone or not.
std::vector<pid_t> listed_runs(ino_t pidns) {
  std::vector<pid_t> out;
  std::optional<std::string> table = read_host_file("/proc/net/unix");
  if (!table) return out;
  const std::string prefix = absl::StrCat("@uk-run/", pidns, "/");
  for (absl::string_view line : absl::StrSplit(*table, '\n', absl::SkipEmpty())) {
    absl::string_view name = line.substr(line.rfind(' ') + 1);
    pid_t outer;
    if (absl::ConsumePrefix(&name, prefix) && absl::SimpleAtoi(name, &outer)) {
      out.push_back(outer);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Asks the uk-run named by `outer` over `fd` for its tree and prints it (for `pid`).
int ask_tree(int fd, pid_t pid, pid_t outer) {
  set_timeouts(fd, 10);
  std::string reply;
  send_all(fd, "tree\n");  // an error reply may still be there if this fails
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (reply.rfind("ok\n", 0) == 0) {
    fwrite(reply.data() + 3, 1, reply.size() - 3, stdout);
    fflush(stdout);
    return 0;
  }
  if (reply.rfind("error: ", 0) == 0) {
    size_t end = reply.find('\n');
    fprintf(stderr, "uk-run: --tree-of %d: uk-run %d: %s\n", pid, outer,
            reply.substr(7, end == std::string::npos ? end : end - 7).c_str());
  } else {
    fprintf(stderr, "uk-run: --tree-of %d: uk-run %d did not answer\n", pid, outer);
  }
  return 1;
}

int tree_of_main(const std::string& pid_arg) {
  pid_t pid;
  if (!absl::SimpleAtoi(pid_arg, &pid) || pid <= 0) {
    fprintf(stderr, "uk-run: --tree-of wants a pid, got \"%s\"\n", pid_arg.c_str());
    return 2;
  }
  struct stat st;
  if (stat(absl::StrCat("/proc/", pid).c_str(), &st) != 0) {
    fprintf(stderr, "uk-run: --tree-of %d: no such process\n", pid);
    return 1;
  }
  ino_t pidns = own_pid_namespace();
  // The supervisors of runs whose outer uk-run has exited (harness/README.md, "What
  // COMMAND leaves running goes on"): each still serves the socket named after its
  // outer pid, which is no longer an ancestor. (server, outer), read once if needed.
  std::optional<std::vector<std::pair<pid_t, pid_t>>> served;
  auto outer_served_by = [&](pid_t supervisor) -> pid_t {
    if (!served) {
      served.emplace();
      for (pid_t outer : listed_runs(pidns)) {
        int fd = connect_to(pidns, outer);
        if (fd < 0) continue;
        served->emplace_back(server_of(fd), outer);
        close(fd);
      }
    }
    for (const auto& [server, outer] : *served) {
      if (server == supervisor) return outer;
    }
    return 0;
  };
  // PID itself, then its ancestors: the first uk-run found is the innermost one.
  for (pid_t p = pid; p > 0;) {
    std::optional<proc_stat_head> head = read_proc_stat(p);
    if (int fd = connect_to(pidns, p); fd >= 0) {
      // Only the real supervisor, a child of that uk-run, may answer for it.
      pid_t server = server_of(fd);
      if (server > 0 && parent_of(server) == p) return ask_tree(fd, pid, p);
      fprintf(stderr,
              "uk-run: --tree-of %d: ignoring the control socket of %d: not served by "
              "a child of it\n",
              pid, p);
      close(fd);
    }
    if (head && head->comm == "uk-supervisor") {
      if (pid_t outer = outer_served_by(p); outer > 0) {
        int fd = connect_to(pidns, outer, p);  // as the supervisor's user when root
        if (fd >= 0 && server_of(fd) == p) return ask_tree(fd, pid, outer);
        if (fd >= 0) close(fd);
      }
    }
    p = head ? head->ppid : 0;
  }
  fprintf(stderr, "uk-run: --tree-of %d: not a running uk-run nor a process of one\n", pid);
  return 1;
}

}  // namespace ukrun
