// uk-run's control socket: how `uk-run --tree-of PID` asks a running uk-run, from
// outside it, for the view `--tree` prints at the end (harness/README.md, "Control
// socket").
//
// The supervisor listens on an abstract unix socket named after the outer uk-run:
// "\0uk-run/<pid namespace inode>/<pid>", the outer uk-run's pid in its own pid
// namespace (so nested uk-runs, whose outer pids are small numbers of their parent's
// namespace, cannot collide). An abstract socket vanishes with its last fd, even
// after SIGKILL (a socket file would stay behind), and needs no directory. It has no
// file permissions, hence the credential checks on both ends:
//   - the server answers only a peer whose SO_PEERCRED uid, as seen in uk-run's user
//     namespace, is uk-run's own or 0 (the tree shows the pids and command names of
//     uk-run's user's processes; other users must not read them, as hidepid would
//     keep them from reading /proc). A non-root uk-run runs in a user namespace that
//     maps only its user, so any other uid, host root included, reads as 65534 there:
//     a root client therefore connects with the target uk-run's uid as its euid
//     (root may become any user anyway);
//   - the client accepts only a server whose SO_PEERCRED pid is a child of the
//     uk-run it asked for (the supervisor), or, once that uk-run has exited and the
//     run goes on, the supervisor in the chain of ancestors of the process asked
//     about, so another user's process that bound the name first cannot answer in its
//     place.
//
// Protocol: one request line ("tree\n"); the reply is "ok\n" and the text, or
// "error: MESSAGE\n"; then the server closes. One client at a time, each with 1 s
// to send its request and take the reply.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace ukrun {

// The socket name (with its leading NUL) of the uk-run whose outer process is `pid`
// in the pid namespace with inode `pidns`.
std::string control_socket_name(ino_t pidns, pid_t pid);
// The inode of the caller's pid namespace (/proc/self/ns/pid); 0 if unknown.
ino_t own_pid_namespace();

// The server, in the supervisor: a thread that answers one client at a time.
class control_server {
 public:
  // The answer to a request line (without "\n"); runs on the server's thread.
  // Returns the reply text or an error message (absl::Status).
  using handler_fn = std::function<absl::StatusOr<std::string>(std::string_view request)>;

  // Binds the name and starts the thread. EADDRINUSE if it is taken.
  static absl::StatusOr<std::unique_ptr<control_server>> start(const std::string& name,
                                                               handler_fn handler);
  ~control_server();  // stops the thread; the name is free again

 private:
  control_server(int listen_fd, int stop_fd, handler_fn handler);
  void loop();
  void serve(int client);

  int listen_fd_;
  int stop_fd_;  // an eventfd: written to stop the thread
  handler_fn handler_;
  std::thread thread_;
};

// `uk-run --tree-of PID`: prints the tree of the uk-run whose outer process is PID,
// or the nearest uk-run above the process PID (any process of a tree: its supervisor
// is a child of the outer uk-run, or, once that has exited, serves the socket named
// after it). Returns the exit status: 0, or 1 with a message
// on stderr (no such process or uk-run, permission denied, no answer).
int tree_of_main(const std::string& pid_arg);

}  // namespace ukrun
