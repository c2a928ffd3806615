// The FUSE bridge: the mount, INIT, and the /dev/fuse transport.
#include "harness/fuse_bridge.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/fuse_abi.h"
#include "harness/thread_stop.h"

namespace ukrun {

namespace {

// A /dev/fuse read needs room for the largest request: a WRITE of max_write bytes
// after its headers (fs/fuse/dev.c fuse_dev_do_read refuses a smaller buffer).
constexpr size_t kReadBufferSize = kFuseMaxWrite + 4096;

// Reads one request; -errno on failure (EAGAIN: none; ENODEV: unmounted).
ssize_t read_request(int fd, char* buf) {
  ssize_t n = read(fd, buf, kReadBufferSize);
  return n < 0 ? -errno : n;
}

// Writes a reply: the header, then `len` bytes of arguments (or an error).
void write_reply(int fd, uint64_t unique, long n, const char* args) {
  fuse_out_header out = {};
  out.unique = unique;
  out.error = n < 0 ? static_cast<int32_t>(n) : 0;
  size_t len = n > 0 ? static_cast<size_t>(n) : 0;
  out.len = static_cast<uint32_t>(sizeof out + len);
  iovec iov[2] = {{&out, sizeof out}, {const_cast<char*>(args), len}};
  // ENOENT: the request was interrupted or the connection aborted meanwhile.
  (void)!writev(fd, iov, len > 0 ? 2 : 1);
}

// Serves one request read from /dev/fuse into `buf` (n bytes), replying into `out`.
void serve(fuse_handler& handler, int fd, const char* buf, size_t n, char* out) {
  const auto* in = reinterpret_cast<const fuse_in_header*>(buf);
  if (n < sizeof *in || in->len != n) return;
  size_t arg = fuse_request_arg_size(in->opcode);
  if (n < sizeof *in + arg) {
    write_reply(fd, in->unique, -EINVAL, nullptr);
    return;
  }
  const char* data = buf + sizeof *in + arg;
  fuse_request r = {in, buf + sizeof *in, data, n - sizeof *in - arg};
  long res = handler.serve(r, out);
  if (res != kFuseNoReply) write_reply(fd, in->unique, res, out);
}

// fsmount()'s attributes for mount(2)'s per-mount flags (fs/namespace.c path_mount:
// relatime unless noatime or strictatime).
unsigned int mount_attrs(unsigned long flags) {
  unsigned int attrs = 0;
  if (flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOSYMFOLLOW) attrs |= MOUNT_ATTR_NOSYMFOLLOW;
  if (flags & MS_NOATIME) {
    attrs |= MOUNT_ATTR_NOATIME;
  } else if (flags & MS_STRICTATIME) {
    attrs |= MOUNT_ATTR_STRICTATIME;
  }
  return attrs;
}

}  // namespace

absl::StatusOr<std::unique_ptr<fuse_bridge>> fuse_bridge::make(
    std::unique_ptr<fuse_handler> handler, const std::string& what, const std::string& fsname,
    unsigned int attrs) {
  std::unique_ptr<fuse_bridge> b(new fuse_bridge());
  b->dir_ = what;
  b->handler_ = std::move(handler);
  b->fd_ = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (b->fd_ < 0) return absl::ErrnoToStatus(errno, "open /dev/fuse");
  // fsname shows in /proc/mounts; commas would split the option.
  std::string name = fsname.empty() ? "container" : fsname;
  for (char& c : name) c = c == ',' ? '_' : c;
  // The options libfuse would give: fd, rootmode, user_id, group_id; nosuid, nodev.
  // And allow_other: every process of the tree reaches uk, whatever its ids, as every
  // process reaches the kernel's cgroupfs (fs/fuse/dir.c fuse_allow_current_process
  // admits the mount's user namespace and those below it); without it a process that
  // changed its uid got EACCES for every file. Permissions are uk's own checks, with the
  // caller's ids (fuse_ops.cc), not the host's `default_permissions`, which would fetch
  // attributes (GETATTR) for each check: twice the cost of a tasks read or write.
  int fsfd = fsopen("fuse", FSOPEN_CLOEXEC);
  auto set = [fsfd](const char* key, const std::string& value) {
    return fsconfig(fsfd, FSCONFIG_SET_STRING, key, value.c_str(), 0) == 0;
  };
  bool ok = fsfd >= 0 && set("source", name) && set("subtype", "container") &&
            set("fd", std::to_string(b->fd_)) && set("rootmode", "40000") &&
            set("user_id", std::to_string(getuid())) && set("group_id", std::to_string(getgid())) &&
            fsconfig(fsfd, FSCONFIG_SET_FLAG, "allow_other", nullptr, 0) == 0 &&
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0;
  int err = errno;
  if (!ok) {
    if (fsfd >= 0) close(fsfd);
    return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", what));
  }
  // The super_block exists and has sent INIT (fs/fuse/inode.c fuse_fill_super): answer
  // it and start serving before the mount is attached.
  if (absl::Status st = b->init(); !st.ok()) {
    close(fsfd);
    return st;
  }
  fuse_bridge* bridge = b.get();  // the destructor clears this before the bridge goes
  b->handler_->notifier()->set([bridge](int32_t code, const void* arg, size_t len) {
    return bridge->notify(code, arg, len);
  });
  b->mount_fd_ = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
  err = errno;
  close(fsfd);
  if (b->mount_fd_ < 0) {
    return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", what));
  }
  // Not attached yet, so nothing else can be mounted on it: its id and device are ours.
  struct statx stx;
  if (statx(b->mount_fd_, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot mount FUSE at ", what));
  }
  b->dev_ = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  b->mnt_id_ = stx.stx_mnt_id;
  return b;
}

absl::StatusOr<std::unique_ptr<fuse_bridge>> fuse_bridge::mount(
    std::unique_ptr<fuse_handler> handler, const std::string& dir, const std::string& fsname,
    unsigned long mount_flags) {
  absl::StatusOr<std::unique_ptr<fuse_bridge>> b =
      make(std::move(handler), dir, fsname, mount_attrs(mount_flags));
  if (!b.ok()) return b;
  int mfd = (*b)->mount_fd_;
  (*b)->mount_fd_ = -1;
  int rc = move_mount(mfd, "", AT_FDCWD, dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH);
  int err = errno;
  close(mfd);  // a detached mount dies with its last fd
  if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", dir));
  return b;
}

absl::StatusOr<std::unique_ptr<fuse_bridge>> fuse_bridge::detached(
    std::unique_ptr<fuse_handler> handler, const std::string& fsname) {
  return make(std::move(handler), absl::StrCat("a detached mount (", fsname, ")"), fsname,
              MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

bool fuse_bridge::notify(int32_t code, const void* arg, size_t len) {
  fuse_out_header out = {};
  out.unique = 0;  // a notification, not a reply
  out.error = code;
  out.len = static_cast<uint32_t>(sizeof out + len);
  iovec iov[2] = {{&out, sizeof out}, {const_cast<void*>(arg), len}};
  return writev(fd_, iov, 2) == static_cast<ssize_t>(out.len);
}

// INIT, the first request on a new connection (fs/fuse/inode.c fuse_send_init): read
// and answered here, before any loop runs, with the capabilities libfuse 3.14 asked
// for by default (so the host kernel behaves as before), plus FUSE_OVER_IO_URING when
// the kernel offers it and the rings are made.
absl::Status fuse_bridge::init() {
  std::unique_ptr<char[]> buf(new char[kReadBufferSize]);
  ssize_t n;
  do {
    n = read_request(fd_, buf.get());
  } while (n == -EINTR);
  const auto* in = reinterpret_cast<const fuse_in_header*>(buf.get());
  if (n < static_cast<ssize_t>(sizeof *in + offsetof(fuse_init_in, unused)) ||
      in->opcode != FUSE_INIT) {
    return absl::InternalError(absl::StrCat("FUSE at ", dir_, ": no INIT (", n, ")"));
  }
  const auto* init = reinterpret_cast<const fuse_init_in*>(buf.get() + sizeof *in);
  fuse_init_out out = {};
  out.major = FUSE_KERNEL_VERSION;
  if (init->major != FUSE_KERNEL_VERSION) {
    // A kernel with another major version asks again with ours (the protocol's rule).
    write_reply(fd_, in->unique, sizeof out, reinterpret_cast<const char*>(&out));
    return absl::InternalError(absl::StrCat("FUSE at ", dir_, ": protocol ", init->major));
  }
  out.minor = std::min<uint32_t>(init->minor, FUSE_KERNEL_MINOR_VERSION);
  out.max_readahead = init->max_readahead;
  uint64_t offered = init->flags;
  if (offered & FUSE_INIT_EXT) offered |= static_cast<uint64_t>(init->flags2) << 32;
  uint64_t want = FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_AUTO_INVAL_DATA |
                  FUSE_HANDLE_KILLPRIV | FUSE_ASYNC_DIO | FUSE_HAS_IOCTL_DIR | FUSE_ATOMIC_O_TRUNC |
                  FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_INIT_EXT;
  transport_ = "/dev/fuse";
  if (offered & fuse_abi::kOverIoUring) {
    auto ring = fuse_ring::create(*handler_, fd_);
    if (ring.ok()) {
      ring_ = std::move(ring).value();
      want |= fuse_abi::kOverIoUring;
    } else {
      transport_ = absl::StrCat("/dev/fuse (", ring.status().message(), ")");
    }
  } else {
    transport_ = "/dev/fuse (the kernel does not offer io_uring: enable_uring is N)";
  }
  want &= offered;
  out.flags = static_cast<uint32_t>(want);
  out.flags2 = static_cast<uint32_t>(want >> 32);
  out.max_write = kFuseMaxWrite;
  out.max_pages = kFuseMaxWrite / 4096;
  out.time_gran = 1;
  // Older minors take a shorter reply (fs/fuse/inode.c: out_argvar).
  size_t size = out.minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof out;
  write_reply(fd_, in->unique, static_cast<long>(size), reinterpret_cast<const char*>(&out));
  if (ring_) {
    absl::Status st = ring_->start();
    if (st.ok()) {
      transport_ = "io_uring";
    } else {
      // The kernel cleared fc->io_uring on the refusal: /dev/fuse carries everything.
      transport_ = absl::StrCat("/dev/fuse (", st.message(), ")");
    }
  }
  // With the ring, /dev/fuse carries only FORGET and INTERRUPT: one loop is enough.
  start_workers(transport_ == "io_uring" ? 1 : fuse_ring::kMaxWorkers);
  return absl::OkStatus();
}

// One loop per CPU uk-run may use (at most max_workers), each pinned to its CPU and
// waiting in poll(2) on the non-blocking /dev/fuse fd. A request wakes every poller
// (poll waits are not exclusive); the loop on the requester's CPU runs as soon as the
// requester blocks and takes the request, the others find nothing (EAGAIN) and wait
// again. One unpinned reader is woken on another, idle CPU instead, and each round
// trip then crosses CPUs twice (measured in harness/README.md).
void fuse_bridge::start_workers(size_t max_workers) {
  int fd = fd_;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (sched_getaffinity(0, sizeof usable, &usable) != 0) CPU_SET(sched_getcpu(), &usable);
  fuse_handler* h = handler_.get();
  std::atomic<bool>* exiting = &exiting_;
  for (int cpu = 0; cpu < CPU_SETSIZE && workers_.size() < max_workers; cpu++) {
    if (!CPU_ISSET(cpu, &usable)) continue;
    auto w = std::make_unique<worker>();
    std::atomic<bool>* done = &w->done;
    bool pin = max_workers > 1;
    w->thread = std::thread([h, fd, cpu, pin, done, exiting] {
      if (pin) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        sched_setaffinity(0, sizeof one, &one);  // best effort: unpinned still serves
      }
      std::unique_ptr<char[]> buf(new char[kReadBufferSize]);
      std::unique_ptr<char[]> out(new char[kFuseMaxWrite]);
      // Ends on unmount (ENODEV), on the destructor's flag, or on an error.
      while (!exiting->load()) {
        ssize_t n = read_request(fd, buf.get());
        if (n == -EAGAIN) {
          pollfd p = {fd, POLLIN, 0};
          if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
          if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) break;  // aborted: unmounted
          continue;
        }
        if (n == -EINTR) continue;
        if (n <= 0) break;
        serve(*h, fd, buf.get(), static_cast<size_t>(n), out.get());
      }
      done->store(true);
    });
    workers_.push_back(std::move(w));
  }
}

bool fuse_bridge::connected() const {
  pollfd p = {fd_, POLLIN, 0};
  return fd_ >= 0 && poll(&p, 1, 0) >= 0 && !(p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

fuse_bridge::~fuse_bridge() {
  if (fd_ < 0) return;
  handler_->notifier()->set(nullptr);  // before the device closes (its number may be reused)
  exiting_.store(true);
  // A loop ends when the connection is aborted (poll reports an error) or, woken by a
  // signal (SIGUSR1: poll fails with EINTR), when it sees the exit flag; again until
  // each has ended, as a signal that lands just before poll is lost. Closing the device
  // below aborts the connection, so a mount still attached answers ENOTCONN.
  for (auto& w : workers_) interrupt_and_join(w->thread, w->done);
  if (ring_) ring_->stop();
  close(fd_);
  if (mount_fd_ >= 0) close(mount_fd_);
}

}  // namespace ukrun
