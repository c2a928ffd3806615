// The parts of the FUSE ABI newer than Debian 12's <linux/fuse.h> (protocol 7.38) that
// uk-run's shim speaks: FUSE over io_uring (7.42). Copied from the kernel's
// include/uapi/linux/fuse.h; a newer system header defines the same values, so each is
// defined only where the header lacks it.
#pragma once

#include <linux/fuse.h>

#include <cstdint>

namespace ukrun::fuse_abi {

// INIT flags2 (bits 32..63 of the flags, FUSE_INIT_EXT): "client supports io-uring".
// The kernel offers it only while /sys/module/fuse/parameters/enable_uring is Y, and
// takes it (fc->io_uring = 1, fs/fuse/inode.c process_init_reply) the same way.
constexpr uint64_t kOverIoUring = 1ULL << 41;

// Size of the ring buffer header parts.
constexpr size_t kUringInOutHeaderSize = 128;
constexpr size_t kUringOpInOutSize = 128;

// struct fuse_uring_ent_in_out: part of the request header.
struct uring_ent_in_out {
  uint64_t flags;
  // The id a commit names (struct uring_cmd_req): the request's unique.
  uint64_t commit_id;
  // The payload's size: in a request what the kernel wrote, in a reply what we did.
  uint32_t payload_sz;
  uint32_t padding;
  uint64_t reserved;
};

// struct fuse_uring_req_header: the first iovec of a ring entry.
struct uring_req_header {
  // struct fuse_in_header (request) / struct fuse_out_header (reply).
  char in_out[kUringInOutHeaderSize];
  // The opcode's first argument (fuse_open_in, fuse_write_in ...), if it has one.
  char op_in[kUringOpInOutSize];
  uring_ent_in_out ring_ent_in_out;
};

// enum fuse_uring_cmd: the sqe's cmd_op.
constexpr uint32_t kUringCmdRegister = 1;        // register the entry and fetch a request
constexpr uint32_t kUringCmdCommitAndFetch = 2;  // commit the reply and fetch the next

// struct fuse_uring_cmd_req: in the 80-byte command area of a 128-byte SQE.
struct uring_cmd_req {
  uint64_t flags;
  uint64_t commit_id;
  uint16_t qid;  // the queue: the CPU whose requests it carries
  uint8_t padding[6];
};

static_assert(sizeof(uring_req_header) == 288);
static_assert(sizeof(uring_cmd_req) == 24);

}  // namespace ukrun::fuse_abi
