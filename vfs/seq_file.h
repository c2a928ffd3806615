// When a seq_file makes its text again (fs/seq_file.c seq_read_iter), for a file whose
// text is one record (a single_open show, a cgroup file's seq_show): at a read from
// offset 0, and at a read anywhere but where the last one ended (traverse() shows from
// the start). A read that goes on from there is served from the text already made, so a
// reader with a small buffer gets one text whole however the file changes meanwhile.
// lseek only moves the position (kernfs_fop_llseek: generic_file_llseek); the read that
// follows decides. The caller keeps the text and holds its own lock (seq_file::lock).
#pragma once

#include <cstddef>

#include "vfs/types.h"

namespace uk {

class seq_position {
 public:
  bool needs_show(loff_t pos) const { return !shown_ || pos == 0 || pos != read_pos_; }
  // A read at `pos` gave `n` bytes of the text.
  void read_done(loff_t pos, size_t n) {
    shown_ = true;
    read_pos_ = pos + static_cast<loff_t>(n);
  }
  // The show failed: the next read shows again (seq_read_iter's reset "with prejudice").
  void reset() {
    shown_ = false;
    read_pos_ = 0;
  }

 private:
  bool shown_ = false;
  loff_t read_pos_ = 0;
};

}  // namespace uk
