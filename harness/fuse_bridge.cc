// The FUSE bridge: FUSE low-level operations routed into uk's syscall API.
#include "harness/fuse_bridge.h"

#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "vfs/syscalls.h"

namespace ukrun {

struct fuse_bridge::state {
  uk::kernel* kernel;
  tracker* tr;
  std::string root;  // the kernel path of FUSE_ROOT_ID

  // nodeid -> kernel path; ids are never reused (forget is a no-op: the table only
  // grows by the number of distinct paths looked up).
  absl::Mutex mu;
  absl::flat_hash_map<fuse_ino_t, std::string> paths ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, fuse_ino_t> ids ABSL_GUARDED_BY(mu);
  fuse_ino_t next_id ABSL_GUARDED_BY(mu) = FUSE_ROOT_ID + 1;

  std::string path(fuse_ino_t ino) {
    absl::MutexLock l(&mu);
    auto it = paths.find(ino);
    return it == paths.end() ? std::string() : it->second;
  }
  fuse_ino_t id(const std::string& p) {
    absl::MutexLock l(&mu);
    auto [it, inserted] = ids.try_emplace(p, next_id);
    if (inserted) paths[next_id++] = p;
    return it->second;
  }
  // After a rename: every node at or below `from` moves to `to`.
  void moved(const std::string& from, const std::string& to) {
    absl::MutexLock l(&mu);
    std::vector<std::pair<std::string, fuse_ino_t>> hit;
    for (const auto& [p, i] : ids) {
      if (p == from || absl::StartsWith(p, from + "/")) hit.emplace_back(p, i);
    }
    for (const auto& [p, i] : hit) {
      std::string np = to + p.substr(from.size());
      ids.erase(p);
      ids[np] = i;
      paths[i] = np;
    }
  }
  // The caller's task, after settling pending forks and exits (an observation); while
  // it lives no task is freed (tracker::pin), so keep it for the whole operation.
  struct caller_task {
    tracker::pinned_task pinned;
    uk::task_struct& init;
    operator uk::task_struct&() { return pinned.task ? *pinned.task : init; }
  };
  caller_task caller(fuse_req_t req) {
    return {tr->task_for(fuse_req_ctx(req)->pid), *kernel->init_task()};
  }
  std::string child(fuse_ino_t parent, const char* name) {
    std::string p = path(parent);
    return p == "/" ? absl::StrCat("/", name) : absl::StrCat(p, "/", name);
  }
};

namespace {

using state = fuse_bridge::state;

state& st(fuse_req_t req) { return *static_cast<state*>(fuse_req_userdata(req)); }

// How long the host may keep a name it looked up. Each lookup is a round trip, two of
// the five in `cat DIR/tasks`. A name can go stale only through another mount of the
// same hierarchy: the host updates its dentries for what passes through this mount.
// A stale name still resolves by path (nodeids name paths), so it reaches the object
// now at that path, or fails with the kernel's ENOENT, and every operation runs its own
// path walk as the caller, permissions included. What a stale name can get wrong, for
// at most this long, is its type: a control file dropped by a remount and a directory
// made later under the same name, with two mounts of the hierarchy. A name that does
// not exist is never cached (ENOENT replies carry no entry timeout), so a new
// directory shows at once.
constexpr double kEntryTimeoutSeconds = 1.0;

// A stat of `path` as `t` into a FUSE entry: its attributes are never cached.
long fill_entry(state& s, uk::task_struct& t, const std::string& path, fuse_entry_param* e) {
  memset(e, 0, sizeof *e);
  long r = uk::sys_stat(t, path.c_str(), &e->attr);
  if (r < 0) return r;
  e->ino = s.id(path);
  e->attr_timeout = 0;
  e->entry_timeout = kEntryTimeoutSeconds;
  return 0;
}

void reply_entry_or_err(fuse_req_t req, state& s, uk::task_struct& t, const std::string& path) {
  fuse_entry_param e;
  long r = fill_entry(s, t, path, &e);
  if (r < 0) {
    fuse_reply_err(req, static_cast<int>(-r));
  } else {
    fuse_reply_entry(req, &e);
  }
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  state& s = st(req);
  reply_entry_or_err(req, s, s.caller(req), s.child(parent, name));
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  state& s = st(req);
  struct stat sb;
  long r = uk::sys_stat(s.caller(req), s.path(ino).c_str(), &sb);
  if (r < 0) {
    fuse_reply_err(req, static_cast<int>(-r));
    return;
  }
  sb.st_ino = ino;
  fuse_reply_attr(req, &sb, 0);
}

// chmod and chown go to the kernel; truncation and times are accepted and ignored
// (a control file has no size: `echo x > tasks` truncates before it writes).
void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  state& s = st(req);
  state::caller_task pinned = s.caller(req);
  uk::task_struct& t = pinned;
  std::string p = s.path(ino);
  long r = 0;
  if (to_set & FUSE_SET_ATTR_MODE) r = uk::sys_chmod(t, p.c_str(), attr->st_mode & 07777);
  if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    r = uk::sys_chown(t, p.c_str(), (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : uid_t(-1),
                      (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : gid_t(-1));
  }
  struct stat sb;
  if (r == 0) r = uk::sys_stat(t, p.c_str(), &sb);
  if (r < 0) {
    fuse_reply_err(req, static_cast<int>(-r));
    return;
  }
  sb.st_ino = ino;
  fuse_reply_attr(req, &sb, 0);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  state& s = st(req);
  state::caller_task pinned = s.caller(req);
  uk::task_struct& t = pinned;
  std::string p = s.child(parent, name);
  long r = uk::sys_mkdir(t, p.c_str(), mode);
  if (r < 0) {
    fuse_reply_err(req, static_cast<int>(-r));
    return;
  }
  reply_entry_or_err(req, s, t, p);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  state& s = st(req);
  fuse_reply_err(req,
                 static_cast<int>(-uk::sys_rmdir(s.caller(req), s.child(parent, name).c_str())));
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  state& s = st(req);
  fuse_reply_err(req,
                 static_cast<int>(-uk::sys_unlink(s.caller(req), s.child(parent, name).c_str())));
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  state& s = st(req);
  if (flags != 0) {
    fuse_reply_err(req, EINVAL);  // renameat2 flags: the kernel has plain rename only
    return;
  }
  std::string from = s.child(parent, name), to = s.child(newparent, newname);
  long r = uk::sys_rename(s.caller(req), from.c_str(), to.c_str());
  if (r == 0) s.moved(from, to);
  fuse_reply_err(req, static_cast<int>(-r));
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  state& s = st(req);
  int flags = fi->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
  long fd = uk::sys_open(s.caller(req), s.path(ino).c_str(), flags);
  if (fd < 0) {
    fuse_reply_err(req, static_cast<int>(-fd));
    return;
  }
  fi->fh = static_cast<uint64_t>(fd);
  fi->direct_io = 1;
  fi->keep_cache = 0;
  if (fuse_reply_open(req, fi) != 0) uk::sys_close(*s.kernel->init_task(), static_cast<int>(fd));
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  state& s = st(req);
  state::caller_task pinned = s.caller(req);
  uk::task_struct& t = pinned;
  std::string p = s.child(parent, name);
  int flags = fi->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_CREAT | O_EXCL);
  long fd = uk::sys_open(t, p.c_str(), flags, mode);
  if (fd < 0) {
    fuse_reply_err(req, static_cast<int>(-fd));
    return;
  }
  fuse_entry_param e;
  long r = fill_entry(s, t, p, &e);
  if (r < 0) {
    uk::sys_close(t, static_cast<int>(fd));
    fuse_reply_err(req, static_cast<int>(-r));
    return;
  }
  fi->fh = static_cast<uint64_t>(fd);
  fi->direct_io = 1;
  fuse_reply_create(req, &e, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  state& s = st(req);
  // Not zeroed: readers ask for 64 KiB or more and get a few bytes (a value-initialised
  // vector cleared it all on every read).
  std::unique_ptr<char[]> buf(new char[size]);
  long n = uk::sys_pread64(s.caller(req), static_cast<int>(fi->fh), buf.get(), size, off);
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
  } else {
    fuse_reply_buf(req, buf.get(), static_cast<size_t>(n));
  }
}

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
              fuse_file_info* fi) {
  state& s = st(req);
  long n = uk::sys_pwrite64(s.caller(req), static_cast<int>(fi->fh), buf, size, off);
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
  } else {
    fuse_reply_write(req, static_cast<size_t>(n));
  }
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  state& s = st(req);
  uk::sys_close(*s.kernel->init_task(), static_cast<int>(fi->fh));
  fuse_reply_err(req, 0);
}

// A directory is read whole at opendir (the permission check happens there, as the
// caller) and served from that snapshot.
struct dir_snapshot {
  struct entry {
    std::string name;
    ino_t ino;
    unsigned char type;
  };
  std::vector<entry> entries;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  state& s = st(req);
  state::caller_task pinned = s.caller(req);
  uk::task_struct& t = pinned;
  long fd = uk::sys_open(t, s.path(ino).c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    fuse_reply_err(req, static_cast<int>(-fd));
    return;
  }
  auto snap = std::make_unique<dir_snapshot>();
  alignas(8) char buf[8192];
  long n;
  while ((n = uk::sys_getdents64(t, static_cast<int>(fd), buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
      snap->entries.push_back({d->d_name, static_cast<ino_t>(d->d_ino), d->d_type});
      off += d->d_reclen;
    }
  }
  uk::sys_close(t, static_cast<int>(fd));
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
    return;
  }
  fi->fh = reinterpret_cast<uint64_t>(snap.release());
  fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  auto* snap = reinterpret_cast<dir_snapshot*>(fi->fh);
  std::vector<char> buf(size);
  size_t used = 0;
  for (size_t i = static_cast<size_t>(off); i < snap->entries.size(); i++) {
    const auto& e = snap->entries[i];
    struct stat sb = {};
    sb.st_ino = e.ino;
    sb.st_mode = static_cast<mode_t>(e.type) << 12;
    size_t len = fuse_add_direntry(req, buf.data() + used, size - used, e.name.c_str(), &sb,
                                   static_cast<off_t>(i + 1));
    if (len > size - used) break;
    used += len;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<dir_snapshot*>(fi->fh);
  fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  state& s = st(req);
  struct statfs sf;
  long r = uk::sys_statfs(s.caller(req), s.path(ino).c_str(), &sf);
  if (r < 0) {
    fuse_reply_err(req, static_cast<int>(-r));
    return;
  }
  struct statvfs sv = {};
  sv.f_bsize = sf.f_bsize;
  sv.f_frsize = sf.f_bsize;
  sv.f_blocks = sf.f_blocks;
  sv.f_bfree = sf.f_bfree;
  sv.f_bavail = sf.f_bavail;
  sv.f_files = sf.f_files;
  sv.f_ffree = sf.f_ffree;
  sv.f_namemax = sf.f_namelen;
  fuse_reply_statfs(req, &sv);
}

const fuse_lowlevel_ops kOps = [] {
  fuse_lowlevel_ops ops = {};
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.rename = op_rename;
  ops.open = op_open;
  ops.create = op_create;
  ops.read = op_read;
  ops.write = op_write;
  // No flush: a control file has nothing to flush, and libfuse's ENOSYS answer makes
  // the host kernel stop sending FLUSH (fuse_flush sets fc->no_flush and returns 0),
  // one round trip less on every close(2).
  ops.release = op_release;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.statfs = op_statfs;
  return ops;
}();

}  // namespace

absl::StatusOr<std::unique_ptr<fuse_bridge>> fuse_bridge::mount(uk::kernel& k, tracker& tr,
                                                                const std::string& kernel_root,
                                                                const std::string& dir,
                                                                const std::string& fsname) {
  std::unique_ptr<fuse_bridge> b(new fuse_bridge());
  b->state_ = std::make_unique<state>();
  b->state_->kernel = &k;
  b->state_->tr = &tr;
  b->state_->root = kernel_root;
  {
    absl::MutexLock l(&b->state_->mu);
    b->state_->paths[FUSE_ROOT_ID] = kernel_root;
    b->state_->ids[kernel_root] = FUSE_ROOT_ID;
  }
  const char* argv[] = {"uk-run"};
  fuse_args args = FUSE_ARGS_INIT(1, const_cast<char**>(argv));
  b->se_ = fuse_session_new(&args, &kOps, sizeof kOps, b->state_.get());
  fuse_opt_free_args(&args);
  if (!b->se_) return absl::InternalError("fuse_session_new failed");
  // The mount is made here, not by libfuse, so that its identity (device and mount id)
  // is known exactly and nothing ever unmounts it by path: /dev/fd/N hands libfuse the
  // device fd only (fuse_session_unmount then has no mount point to act on).
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open /dev/fuse");
  if (fuse_session_mount(b->se_, absl::StrCat("/dev/fd/", fd).c_str()) != 0) {
    close(fd);
    return absl::InternalError("fuse_session_mount failed");
  }
  // fsname shows in /proc/mounts; commas would split the option.
  std::string name = fsname.empty() ? "container" : fsname;
  for (char& c : name) c = c == ',' ? '_' : c;
  // libfuse's own mount options: fd, rootmode, user_id, group_id, nosuid, nodev.
  int fsfd = fsopen("fuse", FSOPEN_CLOEXEC);
  auto set = [fsfd](const char* key, const std::string& value) {
    return fsconfig(fsfd, FSCONFIG_SET_STRING, key, value.c_str(), 0) == 0;
  };
  bool ok = fsfd >= 0 && set("source", name) && set("subtype", "container") &&
            set("fd", std::to_string(fd)) && set("rootmode", "40000") &&
            set("user_id", std::to_string(getuid())) && set("group_id", std::to_string(getgid())) &&
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0;
  int err = errno;
  if (!ok) {
    if (fsfd >= 0) close(fsfd);
    return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", dir));
  }
  // The connection exists (the device fd is attached): serve it, INIT first.
  b->start_workers();
  int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  err = errno;
  close(fsfd);
  if (mfd < 0) return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", dir));
  // Not attached yet, so nothing else can be mounted on it: its id and device are ours.
  struct statx stx;
  if (statx(mfd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) != 0 ||
      move_mount(mfd, "", AT_FDCWD, dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    err = errno;
    close(mfd);  // a detached mount dies with its last fd
    return absl::ErrnoToStatus(err, absl::StrCat("cannot mount FUSE at ", dir));
  }
  close(mfd);
  b->dev_ = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  b->mnt_id_ = stx.stx_mnt_id;
  return b;
}

// One worker per CPU uk-run may use (at most kMaxWorkers), each pinned to its CPU and
// waiting in poll(2) on the non-blocking /dev/fuse fd. A request wakes every poller
// (poll waits are not exclusive); the worker on the requester's CPU runs as soon as
// the requester blocks and takes the request, the others find nothing (EAGAIN) and
// wait again. One unpinned reader is woken on another, idle CPU instead, and each
// round trip then crosses CPUs twice (measured in harness/README.md).
void fuse_bridge::start_workers() {
  constexpr size_t kMaxWorkers = 8;
  fuse_session* se = se_;
  int fd = fuse_session_fd(se);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (sched_getaffinity(0, sizeof usable, &usable) != 0) CPU_SET(sched_getcpu(), &usable);
  for (int cpu = 0; cpu < CPU_SETSIZE && workers_.size() < kMaxWorkers; cpu++) {
    if (!CPU_ISSET(cpu, &usable)) continue;
    auto w = std::make_unique<worker>();
    std::atomic<bool>* done = &w->done;
    w->thread = std::thread([se, fd, cpu, done] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      sched_setaffinity(0, sizeof one, &one);  // best effort: unpinned still serves
      fuse_buf buf = {};
      // As fuse_session_loop(): ends on unmount (ENODEV), fuse_session_exit or an error.
      while (!fuse_session_exited(se)) {
        int r = fuse_session_receive_buf(se, &buf);
        if (r == -EAGAIN) {
          pollfd p = {fd, POLLIN, 0};
          if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
          if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) break;  // aborted: unmounted
          continue;
        }
        if (r == -EINTR) continue;
        if (r <= 0) break;
        fuse_session_process_buf(se, &buf);
      }
      free(buf.mem);
      done->store(true);
    });
    workers_.push_back(std::move(w));
  }
}

fuse_bridge::~fuse_bridge() {
  if (!se_) return;
  fuse_session_exit(se_);
  // A worker ends when the connection is aborted (the mount is gone) or, woken by a
  // signal (SIGUSR1: poll fails with EINTR), when it sees the exit flag; again until
  // each has ended, as a signal that lands just before poll is lost. Nothing is
  // unmounted here (the supervisor unmounts its mounts itself, by identity, never by a
  // path that may by now name another mount): closing the device below aborts the
  // connection, so a mount still attached answers ENOTCONN.
  for (auto& w : workers_) {
    while (!w->done.load()) {
      pthread_kill(w->thread.native_handle(), SIGUSR1);
      usleep(2000);
    }
    w->thread.join();
  }
  fuse_session_destroy(se_);  // closes the device fd
}

}  // namespace ukrun
