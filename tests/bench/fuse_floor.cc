// fuse_floor [-v] DIR CMD [ARGS...]: mounts at DIR a FUSE filesystem that does no work
// and runs CMD (typically `workloads cgops DIR N`), then unmounts. It is served by
// uk-run's own transports (//harness:fuse_transport): FUSE over io_uring when the fuse
// module's enable_uring is Y, the per-CPU /dev/fuse loops otherwise; names kept 1 s,
// attributes never; direct I/O; no FLUSH. What it costs is what the shim's transport
// costs a tasks write, a tasks read and a mkdir+rmdir before the shim does anything:
// uk_run_bench prints it beside the shim's ratios. -v: the transport on stderr.
//
// The tree: the root and the directories made in it, each with a file `tasks` that
// reads "1\n" and accepts any write. Inode numbers: 1 the root, 3 its tasks file; the
// directory in slot k (k >= 2) 2k, its tasks file 2k+1.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "harness/fuse_bridge.h"
#include "harness/fuse_handler.h"
#include "tests/bench/wait_for.h"

namespace {

using ukrun::fuse_request;

constexpr int kMaxDirs = 64;

class no_work final : public ukrun::fuse_handler {
 public:
  long serve(const fuse_request& r, char* out) override {
    const char* name = r.data_len > 0 && memchr(r.data, '\0', r.data_len) ? r.data : nullptr;
    uint64_t node = r.in->nodeid;
    switch (r.in->opcode) {
      case FUSE_LOOKUP: {
        if (!name) return -EINVAL;
        if (strcmp(name, "tasks") == 0) return entry(tasks_ino(node), out);
        int k = node == FUSE_ROOT_ID ? find_dir(name) : -1;
        return k < 0 ? -ENOENT : entry(2 * static_cast<uint64_t>(k), out);
      }
      case FUSE_GETATTR: {
        auto* a = reinterpret_cast<fuse_attr_out*>(out);
        *a = {};
        fill_attr(node, &a->attr);
        return sizeof *a;
      }
      case FUSE_OPEN: {
        auto* o = reinterpret_cast<fuse_open_out*>(out);
        *o = {};
        o->open_flags = FOPEN_DIRECT_IO;
        return sizeof *o;
      }
      case FUSE_READ:
        memcpy(out, "1\n", 2);
        return reinterpret_cast<const fuse_read_in*>(r.arg)->offset == 0 ? 2 : 0;
      case FUSE_WRITE: {
        auto* w = reinterpret_cast<fuse_write_out*>(out);
        *w = {};
        w->size = reinterpret_cast<const fuse_write_in*>(r.arg)->size;
        return sizeof *w;
      }
      case FUSE_RELEASE:
        return 0;
      case FUSE_MKDIR: {
        if (!name || node != FUSE_ROOT_ID || strlen(name) >= sizeof dirs_[0]) return -EPERM;
        int k;
        {
          absl::MutexLock l(&mu_);
          if (find_dir_locked(name) >= 0) return -EEXIST;
          k = find_dir_locked("");
          if (k < 0) return -ENOSPC;
          strcpy(dirs_[k], name);
        }
        return entry(2 * static_cast<uint64_t>(k), out);
      }
      case FUSE_RMDIR: {
        if (!name) return -EINVAL;
        absl::MutexLock l(&mu_);
        int k = node == FUSE_ROOT_ID ? find_dir_locked(name) : -1;
        if (k < 0) return -ENOENT;
        dirs_[k][0] = '\0';
        return 0;
      }
      case FUSE_FORGET:
      case FUSE_BATCH_FORGET:
      case FUSE_INTERRUPT:
        return ukrun::kFuseNoReply;
      default:  // FLUSH among them, as the shim
        return -ENOSYS;
    }
  }

 private:
  static uint64_t tasks_ino(uint64_t dir) { return dir == FUSE_ROOT_ID ? 3 : dir + 1; }
  static void fill_attr(uint64_t ino, fuse_attr* a) {
    bool dir = ino == FUSE_ROOT_ID || (ino >= 4 && ino % 2 == 0);
    *a = {};
    a->ino = ino;
    a->mode = dir ? S_IFDIR | 0755 : S_IFREG | 0644;
    a->nlink = dir ? 2 : 1;
  }
  static long entry(uint64_t ino, char* out) {
    auto* e = reinterpret_cast<fuse_entry_out*>(out);
    *e = {};
    e->nodeid = ino;
    e->entry_valid = 1;
    fill_attr(ino, &e->attr);
    return sizeof *e;
  }
  int find_dir(const char* name) {
    absl::MutexLock l(&mu_);
    return find_dir_locked(name);
  }
  // The directory slot named `name` ("": a free one), or -1; slots 0 and 1 are unused.
  int find_dir_locked(const char* name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (int k = 2; k < kMaxDirs; k++) {
      if (strcmp(dirs_[k], name) == 0) return k;
    }
    return -1;
  }

  absl::Mutex mu_;
  char dirs_[kMaxDirs][256] ABSL_GUARDED_BY(mu_) = {};
};

void on_sigusr1(int) {}  // wakes the transports' loops when the bridge ends

}  // namespace

int main(int argc, char** argv) {
  bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
  if (verbose) argv++, argc--;
  if (argc < 3) {
    fprintf(stderr, "usage: fuse_floor [-v] DIR CMD [ARGS...]\n");
    return 2;
  }
  struct sigaction sa = {};
  sa.sa_handler = on_sigusr1;  // no SA_RESTART, as fuse_bridge needs
  sigaction(SIGUSR1, &sa, nullptr);
  char dir[PATH_MAX];
  if (!realpath(argv[1], dir)) {
    perror(argv[1]);
    return 1;
  }
  auto bridge = ukrun::fuse_bridge::mount(std::make_unique<no_work>(), dir, "fuse_floor");
  if (!bridge.ok()) {
    fprintf(stderr, "fuse_floor: %s\n", bridge.status().ToString().c_str());
    return 1;
  }
  if (verbose) fprintf(stderr, "fuse_floor: FUSE at %s: %s\n", dir, (*bridge)->transport().c_str());
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  int status = wait_for(pid);
  fflush(stdout);
  umount2(dir, MNT_DETACH);
  bridge->reset();
  return status;
}
