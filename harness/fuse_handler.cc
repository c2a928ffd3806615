// The request a transport hands a handler.
#include "harness/fuse_handler.h"

namespace ukrun {

size_t fuse_request_arg_size(uint32_t opcode) {
  switch (opcode) {
    case FUSE_GETATTR:
      return sizeof(fuse_getattr_in);
    case FUSE_SETATTR:
      return sizeof(fuse_setattr_in);
    case FUSE_MKDIR:
      return sizeof(fuse_mkdir_in);
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
    case FUSE_INIT:
      return sizeof(fuse_init_in);
    default:  // LOOKUP, UNLINK, RMDIR, STATFS: the name (if any) comes first
      return 0;
  }
}

}  // namespace ukrun
