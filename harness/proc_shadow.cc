// The emulated /proc files' filesystem (proc_shadow.h).
#include "harness/proc_shadow.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_handler.h"
#include "harness/fuse_nodes.h"
#include "vfs/seq_file.h"

namespace ukrun {

namespace {

// Names and attributes stay cached this long. A name here never changes what it is: a
// path is a file exactly when the procfs path it mirrors is one.
constexpr uint64_t kEntryTimeoutSeconds = 3600;
// A file's attributes are never cached: its owner follows its process's ids (a setuid
// program's /proc/<pid> files change owner), and lseek(SEEK_END) must reach the server
// to fail as procfs's does (fs/fuse/file.c fuse_file_llseek refreshes the size first).
constexpr uint64_t kFileAttrTimeoutSeconds = 0;

}  // namespace

// The FUSE handlers. Every name is a directory, but the paths proc_shadow::open has
// asked for (and been given) as files. A file's OPEN takes the text its open() left
// pending for that path; a read is served from it until the RELEASE.
class proc_shadow_fs : public fuse_handler {
 public:
  // What one open() leaves for the OPEN it causes.
  struct seed {
    struct stat attrs;
    proc_shadow::text_maker make_text;
    int changes = -1;  // owned
  };

  proc_shadow_fs() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;  // no fh is 0
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev);
  }
  ~proc_shadow_fs() override {
    stop();
    for (auto& [fh, f] : open_) {
      if (f->changes >= 0) close(f->changes);
    }
    for (auto& [path, s] : pending_) {
      if (s.changes >= 0) close(s.changes);
    }
    close(epoll_fd_);
    close(stop_fd_);
  }

  // Ends the watcher, before the connection it notifies goes.
  void stop() {
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) < 0) return;
    if (watcher_.joinable()) watcher_.join();
  }

  void expect(const std::string& path, seed s) {
    absl::MutexLock l(&mu_);
    seed& slot = pending_[path];
    if (slot.changes >= 0) close(slot.changes);
    slot = std::move(s);
  }
  // After a failed open: its seed, if the OPEN never took it.
  void drop(const std::string& path) {
    absl::MutexLock l(&mu_);
    auto it = pending_.find(path);
    if (it == pending_.end()) return;
    if (it->second.changes >= 0) close(it->second.changes);
    pending_.erase(it);
  }

  long serve(const fuse_request& r, char* out) override {
    switch (r.in->opcode) {
      case FUSE_LOOKUP:
        return lookup(r, out);
      case FUSE_GETATTR: {
        // With the open file's fh only from lseek(SEEK_END), which a seq_file refuses
        // (fs/seq_file.c seq_lseek); fstat asks without one (fuse_getattr).
        const auto* in = reinterpret_cast<const fuse_getattr_in*>(r.arg);
        if (in->getattr_flags & FUSE_GETATTR_FH) return -EINVAL;
        auto* a = reinterpret_cast<fuse_attr_out*>(out);
        *a = {};
        uint64_t valid = attrs_of(r.in->nodeid, &a->attr);
        a->attr_valid = valid;
        return sizeof *a;
      }
      case FUSE_OPEN:
        return open_file(r, out);
      case FUSE_READ:
        return read_file(r, out);
      case FUSE_POLL:
        return poll_file(r, out);
      case FUSE_RELEASE: {
        absl::MutexLock l(&mu_);
        auto it = open_.find(reinterpret_cast<const fuse_release_in*>(r.arg)->fh);
        if (it == open_.end()) return 0;
        if (it->second->changes >= 0) close(it->second->changes);  // leaves the epoll set
        open_.erase(it);
        return 0;
      }
      case FUSE_STATFS: {
        // Reached only past the statfs trap; procfs's numbers (fs/libfs.c simple_statfs).
        auto* o = reinterpret_cast<fuse_statfs_out*>(out);
        *o = {};
        o->st.bsize = 4096;
        o->st.frsize = 4096;
        o->st.namelen = 255;
        return sizeof *o;
      }
      case FUSE_FORGET:
      case FUSE_BATCH_FORGET: {
        std::vector<uint64_t> gone = nodes_.forget(r);
        absl::MutexLock l(&mu_);
        for (uint64_t id : gone) files_.erase(id);
        return kFuseNoReply;
      }
      case FUSE_INTERRUPT:
        return kFuseNoReply;
      case FUSE_LSEEK:  // SEEK_DATA, SEEK_HOLE: seq_lseek's EINVAL
      case FUSE_FSYNC:  // fsync, fdatasync: procfs has no fsync (vfs_fsync_range's EINVAL)
        return -EINVAL;
      default:
        // FLUSH among them: its ENOSYS stops the kernel sending it (fuse_flush).
        return -ENOSYS;
    }
  }

 private:
  // One open file: its text, and for a mount table the real one's fd (`changes`),
  // whose poll reports a change of the mount namespace once per change
  // (fs/proc_namespace.c mounts_poll), as the program's file must.
  struct shadow_file {
    std::shared_ptr<const std::string> text;  // none before the first read
    uk::seq_position seq;                     // when the next read makes it again
    proc_shadow::text_maker make_text;
    int changes = -1;
    bool changed = false;  // seen by the watcher, not yet reported
    bool watched = false;  // in the epoll set
    uint64_t kh = 0;       // the poll to notify
  };

  long lookup(const fuse_request& r, char* out) {
    const char* name = fuse_name_arg(r.data, r.data_len);
    if (!name) return -EINVAL;
    std::string path = nodes_.child(r.in->nodeid, name);
    if (path.empty()) return -ENOENT;
    auto* e = reinterpret_cast<fuse_entry_out*>(out);
    *e = {};
    e->nodeid = nodes_.entry(path);
    {
      absl::MutexLock l(&mu_);
      // The first lookup of a file comes from the open() that made its seed.
      if (auto it = pending_.find(path); it != pending_.end()) {
        files_[e->nodeid] = it->second.attrs;
      }
    }
    e->entry_valid = kEntryTimeoutSeconds;
    e->attr_valid = attrs_of(e->nodeid, &e->attr);
    return sizeof *e;
  }

  // `nodeid`'s attributes, and how long they may be cached.
  uint64_t attrs_of(uint64_t nodeid, fuse_attr* a) {
    absl::MutexLock l(&mu_);
    if (auto it = files_.find(nodeid); it != files_.end()) {
      struct stat sb = it->second;
      sb.st_size = 0;  // procfs's: the text is generated at open
      sb.st_blocks = 0;
      to_fuse_attr(sb, a);
      return kFileAttrTimeoutSeconds;
    }
    struct stat dir = {};
    dir.st_ino = nodeid;
    dir.st_mode = S_IFDIR | 0555;
    dir.st_nlink = 2;
    to_fuse_attr(dir, a);
    return kEntryTimeoutSeconds;
  }

  long open_file(const fuse_request& r, char* out) {
    std::string path = nodes_.path(r.in->nodeid);
    uint64_t fh;
    {
      absl::MutexLock l(&mu_);
      auto it = pending_.find(path);
      // No seed: a program reopening its fd for writing through /proc/self/fd/N (a
      // read-only reopen is trapped and answered anew).
      if (it == pending_.end()) return -EACCES;
      files_[r.in->nodeid] = it->second.attrs;
      auto f = std::make_unique<shadow_file>();
      f->make_text = std::move(it->second.make_text);
      f->changes = it->second.changes;
      fh = next_fh_++;
      open_.emplace(fh, std::move(f));
      pending_.erase(it);
    }
    // Direct I/O: every read is served here, from this open's text, never from the
    // page cache another open filled.
    return fuse_open_reply(fh, FOPEN_DIRECT_IO, out);
  }

  // A READ: from this open's text, made again where a seq_file makes it (vfs/seq_file.h:
  // at offset 0, and anywhere but where the last read ended). The text is made without
  // the lock (it takes the tracker's and the mount table's).
  long read_file(const fuse_request& r, char* out) {
    const auto* in = reinterpret_cast<const fuse_read_in*>(r.arg);
    std::shared_ptr<const std::string> text;
    proc_shadow::text_maker make_text;
    {
      absl::MutexLock l(&mu_);
      auto it = open_.find(in->fh);
      if (it == open_.end()) return -EBADF;
      shadow_file& f = *it->second;
      // Also true before the first show and after a failed one: no text yet.
      if (f.seq.needs_show(static_cast<uk::loff_t>(in->offset))) make_text = f.make_text;
      text = f.text;
    }
    if (make_text) {
      proc_shadow::made_text fresh = make_text(static_cast<pid_t>(r.in->pid));
      if (fresh.err != 0) {
        absl::MutexLock l(&mu_);
        if (auto it = open_.find(in->fh); it != open_.end()) it->second->seq.reset();
        return -fresh.err;
      }
      if (fresh.text) {
        text = std::make_shared<const std::string>(std::move(*fresh.text));
        absl::MutexLock l(&mu_);
        if (auto it = open_.find(in->fh); it != open_.end()) it->second->text = text;
      }
      if (!text) return -EIO;  // no text at all: the table could not be read
    }
    size_t n = in->offset >= text->size()
                   ? 0
                   : std::min<size_t>({in->size, text->size() - in->offset, kFuseMaxWrite});
    memcpy(out, text->data() + std::min<size_t>(in->offset, text->size()), n);
    absl::MutexLock l(&mu_);
    if (auto it = open_.find(in->fh); it != open_.end()) {
      it->second->seq.read_done(static_cast<uk::loff_t>(in->offset), n);
    }
    return static_cast<long>(n);
  }

  // poll(2): a mount table reads as procfs's (POLLIN, and POLLERR | POLLPRI once per
  // change of the namespace's mounts since the last report), every other file as a
  // file without a poll operation (DEFAULT_POLLMASK). A poll that will wait
  // (SCHEDULE_NOTIFY) has the real table watched, and is woken by FUSE_NOTIFY_POLL.
  long poll_file(const fuse_request& r, char* out) {
    const auto* in = reinterpret_cast<const fuse_poll_in*>(r.arg);
    auto* o = reinterpret_cast<fuse_poll_out*>(out);
    *o = {};
    absl::MutexLock l(&mu_);
    auto it = open_.find(in->fh);
    if (it == open_.end()) return -EBADF;
    shadow_file& f = *it->second;
    if (f.changes < 0) {
      o->revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
      return sizeof *o;
    }
    o->revents = POLLIN | POLLRDNORM;
    pollfd p = {f.changes, POLLPRI, 0};
    if (f.changed || (::poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR)))) {
      o->revents |= POLLERR | POLLPRI;
      f.changed = false;
    } else if (in->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
      f.kh = in->kh;
      epoll_event ev = {};
      ev.events = EPOLLPRI | EPOLLONESHOT;
      ev.data.u64 = in->fh;
      epoll_ctl(epoll_fd_, f.watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, f.changes, &ev);
      f.watched = true;
      if (!watcher_.joinable()) watcher_ = std::thread([this] { watch(); });
    }
    return sizeof *o;
  }

  // The watcher: a watched table that changed is marked and its poll notified.
  void watch() {
    for (;;) {
      epoll_event ev[8];
      int n = epoll_wait(epoll_fd_, ev, 8, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;
      for (int i = 0; i < n; i++) {
        // A copy: epoll_event is packed on x86-64, so a reference to its u64 (as find()
        // takes) would be misaligned.
        uint64_t fh = ev[i].data.u64;
        if (fh == 0) return;  // stop()
        uint64_t kh;
        {
          absl::MutexLock l(&mu_);
          auto it = open_.find(fh);
          if (it == open_.end()) continue;
          it->second->changed = true;
          kh = it->second->kh;
        }
        // How a change of a mount table reaches a program's poll(2).
        fuse_notify_poll_wakeup_out wake = {};
        wake.kh = kh;
        notifier()->send(FUSE_NOTIFY_POLL, &wake, sizeof wake);
      }
    }
  }

  fuse_nodes nodes_{"/"};
  int epoll_fd_ = -1;  // the watched tables (their fh), and stop_fd_ (0)
  int stop_fd_ = -1;
  std::thread watcher_;  // made by the first poll that waits; joined by stop()
  absl::Mutex mu_;
  // Seeds by path: left by open(), taken by the OPEN it causes (open() has one caller
  // at a time, so a path has one seed at most).
  absl::flat_hash_map<std::string, seed> pending_ ABSL_GUARDED_BY(mu_);
  // The file nodes' attributes (every other node is a directory).
  absl::flat_hash_map<uint64_t, struct stat> files_ ABSL_GUARDED_BY(mu_);
  // Each open file, by its fh (never reused: a stale watch event finds nothing); freed
  // at its RELEASE, or with the handler when the connection ends first.
  absl::flat_hash_map<uint64_t, std::unique_ptr<shadow_file>> open_ ABSL_GUARDED_BY(mu_);
  uint64_t next_fh_ ABSL_GUARDED_BY(mu_) = 1;
};

absl::StatusOr<std::unique_ptr<proc_shadow>> proc_shadow::create() {
  std::unique_ptr<proc_shadow> s(new proc_shadow());
  auto fs = std::make_unique<proc_shadow_fs>();
  s->fs_ = fs.get();
  absl::StatusOr<std::unique_ptr<fuse_bridge>> b = fuse_bridge::detached(std::move(fs), "proc");
  if (!b.ok()) return b.status();
  s->bridge_ = std::move(b).value();
  if (!s->splice_reads_through_fuse()) s->splice_flag_ = O_DIRECT;
  return s;
}

// fs/fuse/file.c fuse_splice_read (6.18) splices a direct-I/O file from the page cache,
// which holds nothing of these files (their size is 0): sendfile(2) and splice(2) of one
// read 0 bytes, and a copy (Python's shutil.copyfile) came out empty. O_DIRECT on the
// open file makes vfs_splice_read take copy_splice_read, which reads through FUSE as
// read(2) does. Kernels whose fuse_splice_read does that for direct-I/O files need no
// flag, so the kernel is asked, with a file of one byte.
bool proc_shadow::splice_reads_through_fuse() {
  struct stat like = {};
  like.st_mode = S_IFREG | 0444;
  like.st_nlink = 1;
  int fd = open("/.splice-probe", like, 0, [](pid_t) { return made_text{"x"}; });
  if (fd < 0) return false;
  int pipe_fds[2];
  ssize_t n = -1;
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    n = splice(fd, nullptr, pipe_fds[1], nullptr, 1, SPLICE_F_NONBLOCK);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  close(fd);
  return n == 1;
}

proc_shadow::~proc_shadow() {
  if (fs_) fs_->stop();  // before the bridge closes the connection it notifies
}

int proc_shadow::open(const std::string& path, const struct stat& like, int flags,
                      text_maker make_text, int changes) {
  if (path.size() < 2 || path[0] != '/') {
    if (changes >= 0) close(changes);
    return -ENOENT;
  }
  fs_->expect(path, {like, std::move(make_text), changes});
  int fd = openat(bridge_->mount_fd(), path.c_str() + 1,
                  O_RDONLY | O_CLOEXEC | splice_flag_ | (flags & O_NONBLOCK));
  if (fd < 0) {
    int err = errno;
    fs_->drop(path);
    return -err;
  }
  return fd;
}

}  // namespace ukrun
