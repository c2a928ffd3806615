#include "tests/uk/recording_subsys.h"

#include "absl/strings/str_cat.h"
#include "uk/container_core.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk::testing {

namespace {
bool g_fork = false;
bool g_exit = false;
bool g_can_fork = false;
}  // namespace

callback_log& recording_log() {
  static callback_log log;
  return log;
}

void set_recording_forkexit(bool fork, bool exit, bool can_fork) {
  g_fork = fork;
  g_exit = exit;
  g_can_fork = can_fork;
}

recording_subsys::recording_subsys(kernel& k, int id, callback_log& log)
    : container_subsys(k, container_subsys_names[id], id), log_(log) {
  has_fork_callback = g_fork;
  has_exit_callback = g_exit;
  has_can_fork = g_can_fork;
  cftype value;
  value.name = absl::StrCat(name, "_value");
  value.read_uint = [id = subsys_id](container* cont, const cftype*) {
    return static_cast<recording_css*>(cont->subsys[id])->value;
  };
  value.write_uint = [id = subsys_id](container* cont, const cftype*, uint64_t v) {
    static_cast<recording_css*>(cont->subsys[id])->value = v;
    return kOk;
  };
  files_.push_back(std::move(value));
}

std::string recording_subsys::where(container* cont) {
  if (cont->parent == nullptr) return cont->root == k().containers().rootnode() ? "dummy" : "/";
  if (cont->dentry == nullptr) return "(new)";  // create() failed before the directory
  auto path = k().containers().container_path(cont);
  return path.ok() ? path.value() : "?";
}

Errno recording_subsys::create(container* cont) {
  if (cont->parent != nullptr && fail_create != 0) {
    log_.add(absl::StrCat(name, ".create-fail"));
    return Errno(fail_create);
  }
  cont->install_css(subsys_id, std::make_unique<recording_css>());
  log_.add(absl::StrCat(name, ".create"));
  return kOk;
}

void recording_subsys::destroy(container* cont) {
  log_.add(absl::StrCat(name, ".destroy ", where(cont)));
  cont->free_css(subsys_id);
}

Errno recording_subsys::can_attach(container* cont, task_struct* tsk) {
  log_.add(absl::StrCat(name, ".can_attach ", where(cont), " ", tsk->pid));
  return Errno(fail_can_attach);
}

void recording_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  log_.add(absl::StrCat(name, ".attach ", where(cont), " from ", where(old_cont), " ", tsk->pid));
}

Errno recording_subsys::can_fork(task_struct* child) {
  log_.add(absl::StrCat(name, fail_can_fork != 0 ? ".can_fork-fail " : ".can_fork ", child->pid));
  return Errno(fail_can_fork);
}

void recording_subsys::cancel_fork(task_struct* child) {
  log_.add(absl::StrCat(name, ".cancel_fork ", child->pid));
}

void recording_subsys::fork(task_struct* task) {
  log_.add(absl::StrCat(name, ".fork ", task->pid));
}

void recording_subsys::post_fork(task_struct* child) {
  log_.add(absl::StrCat(name, ".post_fork ", child->pid));
}

void recording_subsys::exit(task_struct* task) {
  log_.add(absl::StrCat(name, ".exit ", task->pid));
}

Errno recording_subsys::populate(container* cont) {
  log_.add(absl::StrCat(name, ".populate ", where(cont)));
  return container_add_files(cont, this, files_);
}

void recording_subsys::post_clone(container* cont) {
  log_.add(absl::StrCat(name, ".post_clone ", where(cont)));
}

void recording_subsys::bind(container* root) {
  log_.add(absl::StrCat(name, ".bind ", where(root)));
}

subsys_registry recording_registry() {
  subsys_registry r;
#define SUBSYS(x)                                                                 \
  r[x##_subsys_id] = [](kernel& k) -> std::unique_ptr<container_subsys> {         \
    return std::make_unique<recording_subsys>(k, x##_subsys_id, recording_log()); \
  };
#include "uk/container_subsys.h"
#undef SUBSYS
  return r;
}

}  // namespace uk::testing
