// Control files: the read/write dispatch every container file goes through
// (container_file_read / container_file_write / container_write_uint) and the read
// side of the core's own files, shared by both flavours' tables.
#include "uk/container_files.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "uk/container_core.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/containerfs_root.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "vfs/dentry.h"
#include "vfs/seq_file.h"

namespace uk {

size_t container_read_string(std::string_view content, char* buf, size_t nbytes, loff_t* ppos) {
  return simple_read_from_buffer(buf, nbytes, ppos, content);
}

namespace {

container* file_container(const file& f) { return __d_cont(f.f_path.dentry->d_parent.get()); }
const cftype* file_cftype(const file& f) { return __d_cft(f.f_path.dentry.get()); }

// The file's count of changes (kernfs_open_node::event): 1 for a file no subsystem
// notifies; with its node gone, 0, which no read records, so poll says so.
int file_event(container* cont, const cftype* cft) {
  if (!cft->file_offset) return 1;
  absl::MutexLock l(&cont->root->core->container_mutex);
  cgroup_file* cfile = cft->file_offset(cont);
  return cfile != nullptr ? cfile->event.load() : 0;
}

// Whether `f`'s node is gone: its group removed, or the file dropped by a remount that
// unbound its subsystem (container_populate_dir). kernfs deactivates such a node, and
// kernfs_get_active() then fails for every operation of a file still open on it.
bool node_gone(const file& f) {
  if (file_container(f)->removed()) return true;
  container_core& core = *file_container(f)->root->core;
  absl::MutexLock l(&core.k().vfs().dcache_lock);
  return f.f_path.dentry->d_deleted;
}

// The snapshot a reader of `tasks` sees: every thread id, ascending, taken at open or,
// where the flavour says so, by the first read (container_flavour::
// pidlist_at_first_read): two reads of one open file may run at once, hence the lock.
struct tasks_snapshot {
  bool procs = false;
  absl::Mutex mu;
  bool loaded ABSL_GUARDED_BY(mu) = false;
  std::string text ABSL_GUARDED_BY(mu);
};

// The pids of `cont`'s `tasks` (`procs`: `cgroup.procs`) as the file shows them; false if
// the container was removed meanwhile.
bool pidlist_text(container* cont, bool procs, std::string* text) {
  container_core& core = *cont->root->core;
  std::vector<pid_t> pids;
  pids.reserve(core.container_task_count(cont));
  if (!core.container_iter(
          cont, [&pids, procs](task_struct* t) { pids.push_back(procs ? t->tgid : t->pid); })) {
    return false;
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  text->clear();
  text->reserve(pids.size() * 8);
  char num[16];
  for (pid_t pid : pids) {
    int n = std::snprintf(num, sizeof num, "%d\n", pid);
    text->append(num, n);
  }
  return true;
}

// `f`'s snapshot, taken or not; nullptr if `f` has none (not `tasks` or `cgroup.procs`
// opened for reading).
const std::shared_ptr<tasks_snapshot>* file_snapshot(const file& f) {
  return std::any_cast<std::shared_ptr<tasks_snapshot>>(&f.private_data);
}

// `f`'s snapshot, loaded now if its first read is now; nullptr if `f` has none. ENODEV
// if the container went away before that read: the read's node_gone() check passed
// just before the rmdir, which the kernel's rmdir (kernfs_drain) would have waited for
// or come before; so as if it came before.
ErrorOr<std::shared_ptr<tasks_snapshot>> loaded_snapshot(const file& f) {
  const std::shared_ptr<tasks_snapshot>* snap = file_snapshot(f);
  if (snap == nullptr) return std::shared_ptr<tasks_snapshot>();
  tasks_snapshot& s = **snap;
  absl::MutexLock l(&s.mu);
  if (!s.loaded) {
    if (!pidlist_text(file_container(f), s.procs, &s.text)) return Errno(ENODEV);
    s.loaded = true;
  }
  return *snap;
}

// A control file's seq_file where the flavour's files are kernfs's
// (container_flavour::seq_file_reads), other than a `tasks` snapshot: the text of its
// last show and where its last read ended. Two reads of one open file may run at once;
// the lock serializes them as kernfs_open_file::mutex does, and is taken outside every
// lock of the kernel's (container_core.h).
struct seq_text {
  absl::Mutex lock;
  seq_position pos ABSL_GUARDED_BY(lock);
  std::string text ABSL_GUARDED_BY(lock);
};

seq_text* file_seq(const file& f) {
  const auto* seq = std::any_cast<std::shared_ptr<seq_text>>(&f.private_data);
  return seq ? seq->get() : nullptr;
}

// Whether a read of a `tasks` or `cgroup.procs` file (`f`'s snapshot), or of a file of
// a flavour without seq_file reads, at `pos` runs its ->show (fs/seq_file.c): at offset
// 0, or at a first read wherever it is (traverse() from the start); never for 0 bytes,
// nor for an empty pidlist, which has no entry to show. Other files: seq_read().
bool read_shows(const file& f, size_t count, loff_t pos) {
  if (count == 0 || (pos != 0 && f.f_poll_event.load() != 0)) return false;
  ErrorOr<std::shared_ptr<tasks_snapshot>> snap = loaded_snapshot(f);
  if (!snap.ok()) return false;  // the read fails
  if (*snap == nullptr) return true;
  absl::MutexLock l(&(*snap)->mu);
  return !(*snap)->text.empty();
}

// container_write_uint(): empty EINVAL, then the mount flavour's parser
// (container_flavour::parse_write_uint) and the file's write_uint.
ErrorOr<size_t> container_write_uint(container* cont, const cftype* cft, const char* buf,
                                     size_t nbytes) {
  if (nbytes == 0) return Errno(EINVAL);
  UK_ASSIGN_OR_RETURN(unsigned long long val, cont->root->flavour->parse_write_uint(buf, nbytes));
  UK_TRY(cft->write_uint(cont, cft, val));
  return nbytes;
}

// cgroup_file_write() of a write_s64 file: kstrtoll(buf, 0), as it came.
ErrorOr<size_t> container_write_s64(container* cont, const cftype* cft, const char* buf,
                                    size_t nbytes) {
  if (nbytes == 0) return Errno(EINVAL);
  long long val;
  UK_TRY(kstrtoll(kernel_copy(buf, nbytes).c_str(), 0, &val));
  UK_TRY(cft->write_s64(cont, cft, val));
  return nbytes;
}

// The file's own read: its handler, or its value formatted (container_read_uint,
// cgroup_seqfile_show's "%llu\n" and "%lld\n").
ErrorOr<size_t> read_handler(container* cont, const cftype* cft, file& f, char* buf, size_t count,
                             loff_t* pos) {
  if (cft->read) return cft->read(cont, cft, f, buf, count, pos);
  if (cft->read_uint) {
    return container_read_string(absl::StrCat(cft->read_uint(cont, cft), "\n"), buf, count, pos);
  }
  if (cft->read_s64) {
    return container_read_string(absl::StrCat(cft->read_s64(cont, cft), "\n"), buf, count, pos);
  }
  return Errno(EINVAL);
}

// The whole text a read from offset 0 gives (the file's ->show): every handler formats
// its whole text at each call, so one call with room for all of it is one show.
ErrorOr<std::string> show_text(container* cont, const cftype* cft, file& f) {
  std::string text(CFTYPE_PAGE_SIZE, '\0');
  for (;;) {
    loff_t pos = 0;
    UK_ASSIGN_OR_RETURN(size_t n, read_handler(cont, cft, f, text.data(), text.size(), &pos));
    if (n < text.size()) {
      text.resize(n);
      return text;
    }
    text.resize(text.size() * 2);
  }
}

// seq_read_iter() of a one-record file: the show where the position asks for one
// (kernfs_seq_show takes the poll count with it), then the text from *pos.
ErrorOr<size_t> seq_read(seq_text& m, file& f, container* cont, const cftype* cft, char* buf,
                         size_t count, loff_t* pos) {
  if (count == 0) return 0;  // seq_read_iter returns before anything else
  absl::MutexLock l(&m.lock);
  if (m.pos.needs_show(*pos)) {
    int event = cont->root->flavour->kernfs_poll ? file_event(cont, cft) : 0;
    ErrorOr<std::string> text = show_text(cont, cft, f);
    if (!text.ok()) {
      m.pos.reset();
      return text.error();
    }
    m.text = std::move(text).value();
    if (event != 0) f.f_poll_event.store(event);
  }
  loff_t from = *pos;
  size_t n = container_read_string(m.text, buf, count, pos);
  m.pos.read_done(from, n);
  return n;
}

class container_file_ops final : public file_operations {
 public:
  Errno open(inode& i, file& f) const override {
    const cftype* cft = __d_cft(f.f_path.dentry.get());
    if (cft == nullptr) return Errno(ENODEV);
    if (cft->open) UK_TRY(cft->open(i, f));
    if (file_container(f)->root->flavour->seq_file_reads && (f.f_mode & file::FMODE_READ) &&
        !f.private_data.has_value()) {
      f.private_data = std::make_shared<seq_text>();
    }
    return kOk;
  }
  void release(inode& i, file& f) const override {
    const cftype* cft = file_cftype(f);
    if (cft->file_offset) {  // a poller it left waiting
      container* cont = file_container(f);
      absl::MutexLock l(&cont->root->core->container_mutex);
      if (cgroup_file* cfile = cft->file_offset(cont)) cfile->poll.remove(&f);
    }
    if (cft->release) cft->release(i, f);
  }
  Errno fsync(file& f) const override {
    return file_container(f)->root->flavour->files_fsync ? kOk : Errno(EINVAL);
  }
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override {
    const cftype* cft = file_cftype(f);
    container* cont = file_container(f);
    if (cont->root->flavour->kernfs_deactivate && node_gone(f)) return Errno(ENODEV);
    if (seq_text* seq = file_seq(f)) return seq_read(*seq, f, cont, cft, buf, count, pos);
    // kernfs_seq_show(): the count is taken before the text, so a change during the
    // read shows at the next poll.
    bool shows = cont->root->flavour->kernfs_poll && read_shows(f, count, *pos);
    int event = shows ? file_event(cont, cft) : 0;
    ErrorOr<size_t> n = read_handler(cont, cft, f, buf, count, pos);
    if (n.ok() && event != 0) f.f_poll_event.store(event);
    return n;
  }
  // kernfs_fop_poll() -> kernfs_generic_poll() (the cgroup flavour): POLLERR | POLLPRI
  // too until the file reads what its subsystem last notified, and always once its
  // node is gone (kernfs_get_active fails). 2.6.24's files have no ->poll.
  unsigned poll(file& f, const poll_table* wait) const override {
    const cftype* cft = file_cftype(f);
    container* cont = file_container(f);
    if (!cont->root->flavour->kernfs_poll) return DEFAULT_POLLMASK;
    if (node_gone(f)) return DEFAULT_POLLMASK | POLLERR | POLLPRI;
    int event = 1;
    {
      absl::MutexLock l(&cont->root->core->container_mutex);
      if (cgroup_file* cfile = cft->file_offset ? cft->file_offset(cont) : nullptr) {
        poll_wait(f, cfile->poll, wait);
        event = cfile->event.load();
      }
    }
    return f.f_poll_event.load() != event ? DEFAULT_POLLMASK | POLLERR | POLLPRI : DEFAULT_POLLMASK;
  }
  ErrorOr<size_t> write(file& f, const char* buf, size_t count, loff_t* pos) const override {
    const cftype* cft = file_cftype(f);
    container* cont = file_container(f);
    if (cont->root->flavour->kernfs_deactivate && node_gone(f)) return Errno(ENODEV);
    if (cont->root->flavour->kernfs_write_len &&
        count > (cft->max_write_len != 0 ? cft->max_write_len : CFTYPE_PAGE_SIZE)) {
      return Errno(E2BIG);
    }
    if (cft->write) return cft->write(cont, cft, f, buf, count, pos);
    if (cft->write_uint) return container_write_uint(cont, cft, buf, count);
    if (cft->write_s64) return container_write_s64(cont, cft, buf, count);
    return Errno(EINVAL);
  }
};

// Control files can be chmod/chowned like any file (simple_setattr); the flavour says
// whether a truncation sets the size.
class container_file_iops final : public inode_operations {
 public:
  Errno setattr(dentry& d, const iattr& attr) const override {
    iattr kept = attr;
    if (__d_cont(d.d_parent.get())->root->flavour->setattr_ignores_size) {
      kept.ia_valid &= ~iattr::ATTR_SIZE;
    }
    inode_setattr(*d.d_inode, kept);
    return kOk;
  }
};

}  // namespace

std::string kernel_copy(const char* buf, size_t nbytes) {
  std::string s(buf, nbytes);
  return std::string(s.c_str());
}

// --- The core's files ---

namespace {

// `tasks` lists thread ids, `cgroup.procs` the thread group ids, once each.
Errno container_pidlist_open(file& f, bool procs) {
  if (!(f.f_mode & file::FMODE_READ)) return kOk;
  container* cont = file_container(f);
  auto snap = std::make_shared<tasks_snapshot>();
  snap->procs = procs;
  if (!cont->root->flavour->pidlist_at_first_read) {
    absl::MutexLock l(&snap->mu);
    // Removed since the lookup that found the file: as if the lookup had come after.
    if (!pidlist_text(cont, procs, &snap->text)) return Errno(ENOENT);
    snap->loaded = true;
  }
  f.private_data = std::move(snap);
  return kOk;
}

}  // namespace

Errno container_tasks_open(inode& i, file& f) { return container_pidlist_open(f, false); }
Errno container_procs_open(inode& i, file& f) { return container_pidlist_open(f, true); }

void cgroup_file_notify(cgroup_file* cfile) {
  cfile->event.fetch_add(1);
  cfile->poll.wake_up();
}

bool container_file_moves_tasks(const file& f) {
  if (f.f_op != &container_file_operations()) return false;
  const cftype* cft = file_cftype(f);
  // A core file of the flavour's table: a subsystem's private_ values are its own.
  for (const cftype& core : file_container(f)->root->flavour->files) {
    if (&core == cft) return cft->private_ == FILE_TASKLIST || cft->private_ == FILE_PROCS;
  }
  return false;
}

bool container_file_is_snapshot(const file& f) {
  if (f.f_op != &container_file_operations() || file_snapshot(f) == nullptr) return false;
  tasks_snapshot& snap = **file_snapshot(f);
  absl::MutexLock l(&snap.mu);
  return snap.loaded;
}

ErrorOr<size_t> container_tasks_read(container* cont, const cftype* cft, file& f, char* buf,
                                     size_t nbytes, loff_t* ppos) {
  UK_ASSIGN_OR_RETURN(std::shared_ptr<tasks_snapshot> snap, loaded_snapshot(f));
  if (snap == nullptr) return Errno(EINVAL);
  absl::MutexLock l(&snap->mu);
  return container_read_string(snap->text, buf, nbytes, ppos);
}

ErrorOr<size_t> container_common_file_read(container* cont, const cftype* cft, file& f, char* buf,
                                           size_t nbytes, loff_t* ppos) {
  std::string s;
  switch (cft->private_) {
    case FILE_NOTIFY_ON_RELEASE:
      s = cont->notify_on_release() ? "1\n" : "0\n";
      break;
    case FILE_RELEASABLE:
      s = cont->test_flag(CONT_RELEASABLE) ? "1\n" : "0\n";
      break;
    case FILE_CLONE_CHILDREN:
      s = cont->test_flag(CONT_CLONE_CHILDREN) ? "1\n" : "0\n";
      break;
    case FILE_SANE_BEHAVIOR:
      s = "0\n";  // cgroup v1 is never sane
      break;
    case FILE_RELEASE_AGENT: {
      absl::MutexLock l(&cont->root->core->container_mutex);
      s = cont->root->release_agent_path + "\n";
      break;
    }
    default:
      return Errno(EINVAL);
  }
  return container_read_string(s, buf, nbytes, ppos);
}

const file_operations& container_file_operations() {
  static const container_file_ops ops;
  return ops;
}

const inode_operations& container_file_inode_operations() {
  static const container_file_iops ops;
  return ops;
}

}  // namespace uk
