// fs/read_write.c: read/write/pread64/pwrite64/lseek over file_operations.
#include <unistd.h>

#include <climits>

#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/syscalls.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// The recorded arguments and outcome of a read (the bytes it returned) or a write.
void record_read(entry& e, int fd, const void* buf, size_t count, loff_t pos, long r) {
  e.fd = fd;
  e.count = count;
  e.arg = pos;
  if (r > 0) e.data = std::string_view(static_cast<const char*>(buf), static_cast<size_t>(r));
}

void record_write(entry& e, int fd, const void* buf, size_t count, loff_t pos) {
  e.fd = fd;
  e.count = count;
  e.arg = pos;
  if (buf != nullptr) e.data = std::string_view(static_cast<const char*>(buf), count);
}

// MAX_RW_COUNT: one call moves at most INT_MAX rounded down to a page.
constexpr size_t kMaxRwCount = INT_MAX & ~(kPageSize - 1);

// rw_verify_area(): EINVAL for a count that does not fit ssize_t or a position that is
// negative or would overflow; the count is capped at MAX_RW_COUNT.
ErrorOr<size_t> rw_verify_area(loff_t pos, size_t count) {
  if (count > static_cast<size_t>(SSIZE_MAX)) return Errno(EINVAL);
  loff_t end;
  if (pos < 0 || __builtin_add_overflow(pos, static_cast<loff_t>(count), &end)) {
    return Errno(EINVAL);
  }
  return count < kMaxRwCount ? count : kMaxRwCount;
}

ErrorOr<size_t> vfs_write(file& f, const char* buf, size_t count, loff_t* pos) {
  if (!(f.f_mode & file::FMODE_WRITE)) return Errno(EBADF);
  UK_ASSIGN_OR_RETURN(count, rw_verify_area(*pos, count));
  if (buf == nullptr && count != 0) return Errno(EFAULT);
  UK_ASSIGN_OR_RETURN(size_t n, f.f_op->write(f, buf, count, pos));
  UK_CHECK(n <= count);
  return n;
}

ErrorOr<size_t> do_read(vfs_task& t, int fd, void* buf, size_t count) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  absl::MutexLock l(&f->f_pos_lock);
  return vfs_read(*f, static_cast<char*>(buf), count, &f->f_pos);
}

ErrorOr<size_t> do_write(vfs_task& t, int fd, const void* buf, size_t count) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  absl::MutexLock l(&f->f_pos_lock);
  return vfs_write(*f, static_cast<const char*>(buf), count, &f->f_pos);
}

// sys_pread64(): a negative position is EINVAL before the fd is even looked at.
ErrorOr<size_t> do_pread(vfs_task& t, int fd, void* buf, size_t count, loff_t pos) {
  if (pos < 0) return Errno(EINVAL);
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return vfs_read(*f, static_cast<char*>(buf), count, &pos);
}

ErrorOr<size_t> do_pwrite(vfs_task& t, int fd, const void* buf, size_t count, loff_t pos) {
  if (pos < 0) return Errno(EINVAL);
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return vfs_write(*f, static_cast<const char*>(buf), count, &pos);
}

// sys_lseek(): EBADF, then EINVAL for a whence beyond SEEK_END, then f_op->llseek.
ErrorOr<loff_t> do_lseek(vfs_task& t, int fd, loff_t offset, int whence) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  if (whence < SEEK_SET || whence > SEEK_END) return Errno(EINVAL);
  return f->f_op->llseek(*f, offset, whence);
}

}  // namespace

// vfs_read(): EBADF unless open for reading; then the checks, then f_op->read.
ErrorOr<size_t> vfs_read(file& f, char* buf, size_t count, loff_t* pos) {
  if (!(f.f_mode & file::FMODE_READ)) return Errno(EBADF);
  UK_ASSIGN_OR_RETURN(count, rw_verify_area(*pos, count));
  if (buf == nullptr && count != 0) return Errno(EFAULT);  // access_ok()
  UK_ASSIGN_OR_RETURN(size_t n, f.f_op->read(f, buf, count, pos));
  UK_CHECK(n <= count);
  return n;
}

long sys_read(vfs_task& t, int fd, void* buf, size_t count) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::read, &t);
  long r = to_syscall_result(do_read(t, fd, buf, count));
  if (e.recording()) record_read(*e.get(), fd, buf, count, -1, r);
  return e.done(r);
}

long sys_write(vfs_task& t, int fd, const void* buf, size_t count) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::write, &t);
  if (e.recording()) record_write(*e.get(), fd, buf, count, -1);
  return e.done(to_syscall_result(do_write(t, fd, buf, count)));
}

long sys_pread64(vfs_task& t, int fd, void* buf, size_t count, loff_t pos) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::read, &t);
  long r = to_syscall_result(do_pread(t, fd, buf, count, pos));
  if (e.recording()) record_read(*e.get(), fd, buf, count, pos, r);
  return e.done(r);
}

long sys_pwrite64(vfs_task& t, int fd, const void* buf, size_t count, loff_t pos) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::write, &t);
  if (e.recording()) record_write(*e.get(), fd, buf, count, pos);
  return e.done(to_syscall_result(do_pwrite(t, fd, buf, count, pos)));
}

long sys_lseek(vfs_task& t, int fd, loff_t offset, int whence) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::lseek, &t);
  if (e.recording()) e->fd = fd, e->arg = offset, e->flags = static_cast<unsigned>(whence);
  return e.done(to_syscall_result(do_lseek(t, fd, offset, whence)));
}

}  // namespace uk
