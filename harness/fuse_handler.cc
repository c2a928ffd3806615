// The request a transport hands a handler.
#include "harness/fuse_handler.h"

#include <cstring>

namespace ukrun {

size_t fuse_request_arg_size(uint32_t opcode) {
  switch (opcode) {
    case FUSE_GETATTR:
      return sizeof(fuse_getattr_in);
    case FUSE_SETATTR:
      return sizeof(fuse_setattr_in);
    case FUSE_MKDIR:
      return sizeof(fuse_mkdir_in);
    case FUSE_MKNOD:
      return sizeof(fuse_mknod_in);
    case FUSE_LINK:
      return sizeof(fuse_link_in);
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR:
      return sizeof(fuse_fsync_in);
    case FUSE_SETXATTR:
      return FUSE_COMPAT_SETXATTR_IN_SIZE;  // size and flags: no FUSE_SETXATTR_EXT
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR:
      return sizeof(fuse_getxattr_in);
    case FUSE_RENAME:
      return sizeof(fuse_rename_in);
    case FUSE_RENAME2:
      return sizeof(fuse_rename2_in);
    case FUSE_OPEN:
    case FUSE_OPENDIR:
      return sizeof(fuse_open_in);
    case FUSE_CREATE:
      return sizeof(fuse_create_in);
    case FUSE_READ:
    case FUSE_READDIR:
      return sizeof(fuse_read_in);
    case FUSE_WRITE:
      return sizeof(fuse_write_in);
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
      return sizeof(fuse_release_in);
    case FUSE_FLUSH:
      return sizeof(fuse_flush_in);
    case FUSE_FORGET:
      return sizeof(fuse_forget_in);
    case FUSE_BATCH_FORGET:
      return sizeof(fuse_batch_forget_in);
    case FUSE_INTERRUPT:
      return sizeof(fuse_interrupt_in);
    case FUSE_POLL:
      return sizeof(fuse_poll_in);
    case FUSE_INIT:
      return sizeof(fuse_init_in);
    default:  // LOOKUP, UNLINK, RMDIR, STATFS: the name (if any) comes first
      return 0;
  }
}

const char* fuse_name_arg(const char* data, size_t len) {
  return len > 0 && memchr(data, '\0', len) != nullptr ? data : nullptr;
}

void to_fuse_attr(const struct stat& sb, fuse_attr* a) {
  *a = {};
  a->ino = sb.st_ino;
  a->size = sb.st_size;
  a->blocks = sb.st_blocks;
  a->atime = sb.st_atim.tv_sec;
  a->mtime = sb.st_mtim.tv_sec;
  a->ctime = sb.st_ctim.tv_sec;
  a->atimensec = sb.st_atim.tv_nsec;
  a->mtimensec = sb.st_mtim.tv_nsec;
  a->ctimensec = sb.st_ctim.tv_nsec;
  a->mode = sb.st_mode;
  a->nlink = sb.st_nlink;
  a->uid = sb.st_uid;
  a->gid = sb.st_gid;
  a->rdev = sb.st_rdev;
  a->blksize = sb.st_blksize;
}

long fuse_open_reply(uint64_t fh, uint32_t open_flags, char* out) {
  auto* o = reinterpret_cast<fuse_open_out*>(out);
  *o = {};
  o->fh = fh;
  o->open_flags = open_flags;
  return sizeof *o;
}

bool fuse_notifier::send(int32_t code, const void* arg, size_t len) {
  absl::MutexLock l(&mu_);
  return send_ && send_(code, arg, len);
}

void fuse_notifier::set(sender s) {
  absl::MutexLock l(&mu_);
  send_ = std::move(s);
}

}  // namespace ukrun
