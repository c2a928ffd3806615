// Control files: the read/write dispatch every container file goes through
// (container_file_read / container_file_write / container_write_uint) and the core's
// own files (the patch's files[] and container_common_file_write).
#include "uk/container_files.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "uk/container_core.h"
#include "uk/containerfs.h"
#include "uk/containerfs_root.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "vfs/dentry.h"

namespace uk {

size_t container_read_string(std::string_view content, char* buf, size_t nbytes, loff_t* ppos) {
  return simple_read_from_buffer(buf, nbytes, ppos, content);
}

namespace {

container* file_container(const file& f) { return __d_cont(f.f_path.dentry->d_parent.get()); }
const cftype* file_cftype(const file& f) { return __d_cft(f.f_path.dentry.get()); }

// The user buffer as the kernel sees it after copy-in: NUL-terminated, so C string
// functions stop at an embedded NUL.
std::string kernel_buffer(const char* buf, size_t nbytes) {
  std::string s(buf, nbytes);
  return std::string(s.c_str());
}

// container_write_uint(): empty EINVAL, >= 64 bytes E2BIG, one trailing '\n' stripped,
// the whole rest must parse (base auto-detected) or EINVAL.
// The cgroup flavour's (cgroup_file_write): kstrtoull of the whole buffer.
ErrorOr<size_t> container_write_uint(container* cont, const cftype* cft, const char* buf,
                                     size_t nbytes) {
  if (nbytes == 0) return Errno(EINVAL);
  if (cont->root->flavour->strict_integer_writes) {
    unsigned long long val;
    UK_TRY(kstrtoull(kernel_buffer(buf, nbytes).c_str(), 0, &val));
    UK_TRY(cft->write_uint(cont, cft, val));
    return nbytes;
  }
  if (nbytes >= 64) return Errno(E2BIG);
  std::string s(buf, nbytes);
  if (s.back() == '\n') s.pop_back();
  s = std::string(s.c_str());
  const char* end;
  unsigned long long val = simple_strtoull(s.c_str(), &end, 0);
  if (*end != '\0') return Errno(EINVAL);
  UK_TRY(cft->write_uint(cont, cft, val));
  return nbytes;
}

class container_file_ops final : public file_operations {
 public:
  Errno open(inode& i, file& f) const override {
    const cftype* cft = __d_cft(f.f_path.dentry.get());
    if (cft == nullptr) return Errno(ENODEV);
    return cft->open ? cft->open(i, f) : kOk;
  }
  void release(inode& i, file& f) const override {
    const cftype* cft = file_cftype(f);
    if (cft->release) cft->release(i, f);
  }
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override {
    const cftype* cft = file_cftype(f);
    container* cont = file_container(f);
    if (cft->read) return cft->read(cont, cft, f, buf, count, pos);
    if (cft->read_uint) {
      std::string s = absl::StrCat(cft->read_uint(cont, cft), "\n");
      return container_read_string(s, buf, count, pos);
    }
    return Errno(EINVAL);
  }
  ErrorOr<size_t> write(file& f, const char* buf, size_t count, loff_t* pos) const override {
    const cftype* cft = file_cftype(f);
    container* cont = file_container(f);
    if (cft->write) return cft->write(cont, cft, f, buf, count, pos);
    if (cft->write_uint) return container_write_uint(cont, cft, buf, count);
    return Errno(EINVAL);
  }
};

// Control files can be chmod/chowned like any file (simple_setattr).
class container_file_iops final : public inode_operations {};

// --- The core's files ---

enum container_filetype {
  FILE_TASKLIST,
  FILE_NOTIFY_ON_RELEASE,
  FILE_RELEASABLE,
  FILE_RELEASE_AGENT,
  FILE_PROCS,           // cgroup.procs
  FILE_CLONE_CHILDREN,  // cgroup.clone_children
  FILE_SANE_BEHAVIOR,   // cgroup.sane_behavior
};

// container_common_file_write(): E2BIG at PATH_MAX, ENODEV once removed, under
// container_mutex.
ErrorOr<size_t> container_common_file_write(container* cont, const cftype* cft, file& f,
                                            const char* buf, size_t nbytes, loff_t* ppos) {
  if (nbytes >= PATH_MAX) return Errno(E2BIG);
  container_core& core = *cont->root->core;
  std::string buffer(buf, nbytes);
  absl::MutexLock l(&core.container_mutex);
  if (cont->removed()) return Errno(ENODEV);
  bool strict = cont->root->flavour->strict_integer_writes;
  switch (cft->private_) {
    case FILE_TASKLIST:
    case FILE_PROCS:
      if (strict) {
        UK_TRY(core.attach_task_by_pid_strict(cont, kernel_buffer(buf, nbytes),
                                              cft->private_ == FILE_PROCS));
      } else {
        UK_TRY(core.attach_task_by_pid(cont, kernel_buffer(buf, nbytes)));
      }
      break;
    case FILE_NOTIFY_ON_RELEASE:
    case FILE_CLONE_CHILDREN: {
      int bit = cft->private_ == FILE_CLONE_CHILDREN ? CONT_CLONE_CHILDREN : CONT_NOTIFY_ON_RELEASE;
      unsigned long long val;
      if (strict) {
        UK_TRY(kstrtoull(kernel_buffer(buf, nbytes).c_str(), 0, &val));
      } else {
        val = simple_strtoull(kernel_buffer(buf, nbytes).c_str(), nullptr, 10);
      }
      if (bit == CONT_NOTIFY_ON_RELEASE) cont->clear_flag(CONT_RELEASABLE);
      if (val != 0) {
        cont->set_flag(bit);
      } else {
        cont->clear_flag(bit);
      }
      break;
    }
    case FILE_RELEASE_AGENT: {
      if (strict) {
        buffer = strstrip(kernel_buffer(buf, nbytes).c_str());  // cgroup_release_agent_write()
      } else if (!buffer.empty() && buffer.back() == '\n') {
        buffer.pop_back();
      }
      cont->root->release_agent_path = std::string(buffer.c_str());
      break;
    }
    default:
      return Errno(EINVAL);
  }
  return nbytes;
}

// The snapshot a reader of `tasks` sees: every thread id, ascending, taken at open.
struct tasks_snapshot {
  std::string text;
};

// `tasks` lists thread ids, `cgroup.procs` the thread group ids, once each.
Errno container_pidlist_open(file& f, bool procs) {
  if (!(f.f_mode & file::FMODE_READ)) return kOk;
  container* cont = file_container(f);
  container_core& core = *cont->root->core;
  std::vector<pid_t> pids;
  pids.reserve(core.container_task_count(cont));
  core.container_iter(cont,
                      [&pids, procs](task_struct* t) { pids.push_back(procs ? t->tgid : t->pid); });
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  std::string text;
  text.reserve(pids.size() * 8);
  char num[16];
  for (pid_t pid : pids) {
    int n = std::snprintf(num, sizeof num, "%d\n", pid);
    text.append(num, n);
  }
  f.private_data = std::make_shared<tasks_snapshot>(tasks_snapshot{std::move(text)});
  return kOk;
}

Errno container_tasks_open(inode& i, file& f) { return container_pidlist_open(f, false); }
Errno container_procs_open(inode& i, file& f) { return container_pidlist_open(f, true); }

ErrorOr<size_t> container_tasks_read(container* cont, const cftype* cft, file& f, char* buf,
                                     size_t nbytes, loff_t* ppos) {
  auto* snap = std::any_cast<std::shared_ptr<tasks_snapshot>>(&f.private_data);
  if (snap == nullptr) return Errno(EINVAL);
  return container_read_string((*snap)->text, buf, nbytes, ppos);
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

std::vector<cftype> make_base_files() {
  std::vector<cftype> files(6);
  files[0].name = "tasks";
  files[0].private_ = FILE_TASKLIST;
  files[0].open = container_tasks_open;
  files[0].read = container_tasks_read;
  files[0].write = container_common_file_write;
  files[1].name = "notify_on_release";
  files[1].private_ = FILE_NOTIFY_ON_RELEASE;
  files[1].read = container_common_file_read;
  files[1].write = container_common_file_write;
  files[2].name = "releasable";
  files[2].private_ = FILE_RELEASABLE;
  files[2].read = container_common_file_read;
  files[3].name = "cgroup.procs";
  files[3].private_ = FILE_PROCS;
  files[3].open = container_procs_open;
  files[3].read = container_tasks_read;
  files[3].write = container_common_file_write;
  files[4].name = "cgroup.clone_children";
  files[4].private_ = FILE_CLONE_CHILDREN;
  files[4].read = container_common_file_read;
  files[4].write = container_common_file_write;
  files[5].name = "cgroup.sane_behavior";
  files[5].private_ = FILE_SANE_BEHAVIOR;
  files[5].read = container_common_file_read;
  return files;
}

cftype make_release_agent_file() {
  cftype cft;
  cft.name = "release_agent";
  cft.private_ = FILE_RELEASE_AGENT;
  cft.read = container_common_file_read;
  cft.write = container_common_file_write;
  return cft;
}

}  // namespace

namespace {

const std::vector<cftype>& core_files() {
  static const std::vector<cftype> files = make_base_files();
  return files;
}

}  // namespace

std::vector<const cftype*> container_base_files(const container_flavour& flavour) {
  const std::vector<cftype>& f = core_files();
  std::vector<const cftype*> out = {&f[0], &f[1]};
  if (flavour.releasable_file) out.push_back(&f[2]);
  if (flavour.procs_file) out.push_back(&f[3]);
  if (flavour.clone_children_file) out.push_back(&f[4]);
  return out;
}

std::vector<const cftype*> container_root_files(const container_flavour& flavour) {
  static const cftype release_agent = make_release_agent_file();
  std::vector<const cftype*> out = {&release_agent};
  if (flavour.sane_behavior_file) out.push_back(&core_files()[5]);
  return out;
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
