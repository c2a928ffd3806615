// The VFS shim: one FUSE filesystem per container mount, in uk-run's private mount
// namespace, showing a hierarchy of the kernel's VFS. uk-run mounts it itself (the new
// mount API, so that the mount's identity is known before it is attached) and speaks
// the protocol itself (fuse_handler.h: one handler set) over two transports: FUSE over
// io_uring (fuse_ring.h) when the host kernel offers it, /dev/fuse otherwise. libfuse
// 3.14 can neither negotiate the ring (INIT's flags2) nor hand it a request, and its
// replies go only to /dev/fuse, so it is not used.
//
// Kernel file descriptors opened through FUSE live in the fd table every supervised
// task shares (the tracker forks real tasks with CLONE_FILES), so an fd opened by one
// process stays valid when another process that inherited the real fd uses it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/fuse_handler.h"
#include "harness/fuse_ring.h"

namespace ukrun {

class fuse_bridge {
 public:
  // Mounts FUSE (type fuse.container, source `fsname`) at `dir` (absolute, existing),
  // on top of whatever is mounted there, served by `handler` (uk-run's: fuse_ops.h);
  // answers INIT and starts serving: on the ring if the kernel offers it
  // (/sys/module/fuse/parameters/enable_uring) and io_uring works, else with one
  // /dev/fuse loop per usable CPU (at most 8). Requests may be served concurrently.
  // The mount's own flags are mount(2)'s per-mount ones in `mount_flags` (MS_RDONLY,
  // MS_NOSUID, MS_NODEV, MS_NOEXEC, the atime ones, MS_NOSYMFOLLOW), relatime unless
  // they say otherwise, as path_mount() gives a new mount.
  static absl::StatusOr<std::unique_ptr<fuse_bridge>> mount(std::unique_ptr<fuse_handler> handler,
                                                            const std::string& dir,
                                                            const std::string& fsname,
                                                            unsigned long mount_flags = 0);
  // The same filesystem, never attached: it is in no mount table, and its files are
  // reached through mount_fd() alone. A file opened there names itself, in
  // /proc/<pid>/fd, by its path below the mount's root (fs/d_path.c stops at a mount
  // with no parent): what trap_proc.cc's emulated /proc files need.
  static absl::StatusOr<std::unique_ptr<fuse_bridge>> detached(
      std::unique_ptr<fuse_handler> handler, const std::string& fsname);
  // Joins the loops and closes the FUSE device, which aborts the connection; unmounts
  // nothing (the supervisor unmounts its mounts by identity, never by a path that may
  // by now name another mount). SIGUSR1 must have a handler installed without
  // SA_RESTART.
  ~fuse_bridge();
  fuse_bridge(const fuse_bridge&) = delete;
  fuse_bridge& operator=(const fuse_bridge&) = delete;

  // The FUSE super_block's device (st_dev; shared by every bind mount of it) and the
  // mount's id (mountinfo's first field) as it was made.
  dev_t dev() const { return dev_; }
  uint64_t mnt_id() const { return mnt_id_; }
  // Sends the kernel a notification (FUSE_NOTIFY_*: `code`, its argument); false if
  // the kernel refused it.
  bool notify(int32_t code, const void* arg, size_t len);
  // The detached mount's root (detached() only; -1 otherwise), owned.
  int mount_fd() const { return mount_fd_; }
  // Whether the connection is up: it ends with the super_block (the last unmount, or
  // the last file or cwd held on a lazily unmounted mount: fuse_conn_destroy aborts it).
  bool connected() const;
  // The FUSE device, which polls POLLERR once the connection has ended (fuse_dev_poll).
  int device_fd() const { return fd_; }
  // Which transport carries the requests, and if not the ring, why ("/dev/fuse (...)").
  const std::string& transport() const { return transport_; }

 private:
  fuse_bridge() = default;
  // Connects, answers INIT and makes the mount (mount_fd_), not attached; `what` names
  // it in messages.
  static absl::StatusOr<std::unique_ptr<fuse_bridge>> make(std::unique_ptr<fuse_handler> handler,
                                                           const std::string& what,
                                                           const std::string& fsname,
                                                           unsigned int attrs);
  absl::Status init();
  void start_workers(size_t max_workers);

  std::string dir_;  // where it was mounted (or what it is), for messages
  std::string transport_;
  dev_t dev_ = 0;
  uint64_t mnt_id_ = 0;
  std::unique_ptr<fuse_handler> handler_;
  int fd_ = -1;        // the /dev/fuse connection, owned
  int mount_fd_ = -1;  // the mount while not attached (fsmount's fd), owned
  std::unique_ptr<fuse_ring> ring_;
  // The /dev/fuse loops (start_workers()).
  struct worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::vector<std::unique_ptr<worker>> workers_;
  // Set by the destructor; read by the loops after poll(2) returns.
  std::atomic<bool> exiting_{false};
};

}  // namespace ukrun
