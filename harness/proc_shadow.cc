// The emulated /proc files' filesystem (proc_shadow.h).
#include "harness/proc_shadow.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_handler.h"
#include "harness/fuse_nodes.h"

namespace ukrun {

namespace {

// Names and attributes stay cached this long. A name here never changes what it is: a
// path is a file exactly when the procfs path it mirrors is one.
constexpr uint64_t kEntryTimeoutSeconds = 3600;
// A file's owner follows its process's ids (a setuid program's /proc/<pid> files change
// owner), so its attributes are asked for again after this long.
constexpr uint64_t kFileAttrTimeoutSeconds = 1;

}  // namespace

// The FUSE handlers. Every name is a directory, but the paths proc_shadow::open has
// asked for (and been given) as files. A file's OPEN takes the text its open() left
// pending for that path; a read is served from it until the RELEASE.
class proc_shadow_fs : public fuse_handler {
 public:
  // What one open() leaves for the OPEN it causes.
  struct seed {
    std::string text;
    struct stat attrs;
  };

  void expect(const std::string& path, seed s) {
    absl::MutexLock l(&mu_);
    pending_[path] = std::move(s);
  }
  // After a failed open: its seed, if the OPEN never took it.
  void drop(const std::string& path) {
    absl::MutexLock l(&mu_);
    pending_.erase(path);
  }

  long serve(const fuse_request& r, char* out) override {
    switch (r.in->opcode) {
      case FUSE_LOOKUP:
        return lookup(r, out);
      case FUSE_GETATTR: {
        auto* a = reinterpret_cast<fuse_attr_out*>(out);
        *a = {};
        uint64_t valid = attrs_of(r.in->nodeid, &a->attr);
        a->attr_valid = valid;
        return sizeof *a;
      }
      case FUSE_OPEN:
        return open_file(r, out);
      case FUSE_READ: {
        const auto* in = reinterpret_cast<const fuse_read_in*>(r.arg);
        const auto* text = reinterpret_cast<const std::string*>(in->fh);
        if (in->offset >= text->size()) return 0;
        size_t n = std::min<size_t>({in->size, text->size() - in->offset, kFuseMaxWrite});
        memcpy(out, text->data() + in->offset, n);
        return static_cast<long>(n);
      }
      case FUSE_RELEASE: {
        absl::MutexLock l(&mu_);
        texts_.erase(reinterpret_cast<const fuse_release_in*>(r.arg)->fh);
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
      default:
        // FLUSH among them: its ENOSYS stops the kernel sending it (fuse_flush).
        return -ENOSYS;
    }
  }

 private:
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
      auto text = std::make_unique<const std::string>(std::move(it->second.text));
      fh = reinterpret_cast<uint64_t>(text.get());
      texts_.emplace(fh, std::move(text));
      pending_.erase(it);
    }
    // Direct I/O: every read is served here, from this open's text, never from the
    // page cache another open filled.
    return fuse_open_reply(fh, FOPEN_DIRECT_IO, out);
  }

  fuse_nodes nodes_{"/"};
  absl::Mutex mu_;
  // Seeds by path: left by open(), taken by the OPEN it causes (open() has one caller
  // at a time, so a path has one seed at most).
  absl::flat_hash_map<std::string, seed> pending_ ABSL_GUARDED_BY(mu_);
  // The file nodes' attributes (every other node is a directory).
  absl::flat_hash_map<uint64_t, struct stat> files_ ABSL_GUARDED_BY(mu_);
  // Each open file's text, by its fh (the text's address: a READ reads it without the
  // lock, as its RELEASE comes after every READ of that open); freed at the RELEASE,
  // or with the handler when the connection ends first.
  absl::flat_hash_map<uint64_t, std::unique_ptr<const std::string>> texts_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<proc_shadow>> proc_shadow::create() {
  std::unique_ptr<proc_shadow> s(new proc_shadow());
  auto fs = std::make_unique<proc_shadow_fs>();
  s->fs_ = fs.get();
  absl::StatusOr<std::unique_ptr<fuse_bridge>> b = fuse_bridge::detached(std::move(fs), "proc");
  if (!b.ok()) return b.status();
  s->bridge_ = std::move(b).value();
  return s;
}

proc_shadow::~proc_shadow() = default;

int proc_shadow::open(const std::string& path, std::string text, const struct stat& like,
                      int flags) {
  if (path.size() < 2 || path[0] != '/') return -ENOENT;
  fs_->expect(path, {std::move(text), like});
  int fd =
      openat(bridge_->mount_fd(), path.c_str() + 1, O_RDONLY | O_CLOEXEC | (flags & O_NONBLOCK));
  if (fd < 0) {
    int err = errno;
    fs_->drop(path);
    return -err;
  }
  return fd;
}

}  // namespace ukrun
