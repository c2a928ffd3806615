// Where the emulated /proc files live (trap_proc.cc): a FUSE filesystem of uk-run's that
// is never attached, so it is in no mount table and only the fds handed to programs
// reach it. A memfd, which served before, told the program what it was: fstatfs said
// tmpfs, fstat mode 0777, no link and the text's size, and /proc/self/fd/N read
// "/memfd:container (deleted)". A file here has the procfs file's own attributes (mode,
// owner, inode number, size 0, 1024-byte blocks), its fd names the path the program
// opened (/proc/<pid>/cgroup: fs/d_path.c stops at a mount with no parent, so the path
// below this mount's root is the whole name), and each open reads texts of its own,
// made at each read from offset 0, as a seq_file makes its text; a mount table's
// poll(2) reports a change of the mount namespace as procfs's does, and lseek(SEEK_END,
// SEEK_DATA, SEEK_HOLE) and fsync fail with procfs's EINVAL. What still differs is
// st_dev (fstatfs is answered by the statfs trap, trap_statfs.cc), mmap(MAP_PRIVATE),
// which succeeds, and, on a kernel that splices a direct-I/O FUSE file from the page
// cache, O_DIRECT in F_GETFL (splice_reads_through_fuse).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "harness/fuse_bridge.h"

namespace ukrun {

class proc_shadow_fs;

class proc_shadow {
 public:
  static absl::StatusOr<std::unique_ptr<proc_shadow>> create();
  ~proc_shadow();
  proc_shadow(const proc_shadow&) = delete;
  proc_shadow& operator=(const proc_shadow&) = delete;

  // What a text_maker gives for a read: the file's text as it is now; or `err`, the
  // errno the read fails with (ESRCH: the process whose file it is has been reaped, as
  // procfs's proc_single_show answers); or neither: it cannot be made now, and the last
  // text stands.
  struct made_text {
    std::optional<std::string> text;
    int err = 0;
  };
  // The file's text for a read by thread `reader`. Called on a FUSE loop.
  using text_maker = std::function<made_text(pid_t reader)>;

  // An fd (O_RDONLY, close-on-exec, plus O_NONBLOCK from `flags`) of the file `path`
  // (absolute and canonical, as the program's procfs names it: "/proc/12/cgroup"), with
  // `like`'s attributes; or -errno. Its text is `make_text`'s, made at each read from
  // offset 0 and at a read anywhere but where the last one ended, as a seq_file makes
  // its text (vfs/seq_file.h). For a mount table, `changes` is an fd of the real one (taken over),
  // whose poll(2) the file's follows: POLLPRI once per change of the namespace's mounts.
  // Called by one thread at a time (the notification thread).
  int open(const std::string& path, const struct stat& like, int flags, text_maker make_text,
           int changes = -1);

  // The device of every file here (st_dev), to recognise them.
  dev_t dev() const { return bridge_->dev(); }
  // Which transport serves them (fuse_bridge::transport).
  const std::string& transport() const { return bridge_->transport(); }

 private:
  proc_shadow() = default;
  // Whether splice(2) of a file here reads it through FUSE without O_DIRECT.
  bool splice_reads_through_fuse();

  proc_shadow_fs* fs_ = nullptr;  // owned by bridge_
  std::unique_ptr<fuse_bridge> bridge_;
  int splice_flag_ = 0;  // O_DIRECT where splice_reads_through_fuse says no; set by create()
};

}  // namespace ukrun
