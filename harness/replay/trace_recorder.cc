// uk-run --trace's recorder: kernel entries to trace lines (trace_recorder.h).
#include "harness/replay/trace_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "harness/replay/trace_format.h"
#include "uk/task.h"

namespace ukrun {

namespace {

// The entries running on this thread: the inputs the outermost one consumed so far
// (the text of its "in" items), the lines of its nested entries, and its ticket.
// Per thread: entries of different threads never nest. `owner` keeps two recorders
// on one thread apart (tests boot several kernels).
struct thread_frames {
  const void* owner = nullptr;
  int depth = 0;
  std::string inputs;
  std::vector<std::string> lines;
  bool has_ticket = false;
  uint64_t ticket = 0;
  std::vector<uint64_t> void_tickets;  // taken, then given up for a later commit
};
thread_local thread_frames frames;

thread_frames& frames_of(const void* owner) {
  if (frames.owner != owner && frames.depth == 0) {
    frames.owner = owner;
    frames.inputs.clear();
    frames.lines.clear();
    frames.has_ticket = false;
    frames.void_tickets.clear();
  }
  return frames;
}

void append_field(std::string* out, std::string_view key, long long v) {
  absl::StrAppend(out, ",\"", asv(key), "\":", v);
}

void append_field(std::string* out, std::string_view key, std::string_view v) {
  absl::StrAppend(out, ",\"", asv(key), "\":");
  append_json_string(out, v);
}

void append_input(std::string* out, uk::input_kind kind, pid_t key, std::string_view value) {
  if (!out->empty()) out->push_back(',');
  absl::StrAppend(out, "[\"", input_kind_name(kind), "\",", key, ",", asv(value), "]");
}

}  // namespace

std::string format_entry(const uk::entry& e, bool nested, const std::string& inputs) {
  using uk::entry_kind;
  std::string out;
  out.reserve(96 + e.data.size());
  absl::StrAppend(&out, "\"kind\":\"", entry_kind_name(e.kind), "\"");
  // Every task the kernel hands a recorder is a task_struct (uk's tasks derive from
  // vfs_task); tgid is the process.
  const auto* t = static_cast<const uk::task_struct*>(e.task);
  append_field(&out, "pid", t ? t->tgid : 0);
  append_field(&out, "tid", t ? t->pid : 0);
  std::string names;
  std::string_view data = e.data;
  if (e.kind == entry_kind::getdents) data = names = dirent_names(e.data);
  append_field(&out, "path", e.path);
  append_field(&out, "data", data);
  append_field(&out, "result", e.result);
  if (nested) out.append(",\"nested\":true");
  switch (e.kind) {
    case entry_kind::fork:
      append_field(&out, "flags", e.flags);
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::exec:
      if (t) append_field(&out, "comm", t->get_task_comm());
      break;
    case entry_kind::exit:
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::unshare:
    case entry_kind::umount:
      append_field(&out, "flags", e.flags);
      break;
    case entry_kind::attach:
      append_field(&out, "target", e.target);
      break;
    case entry_kind::rules:
      append_field(&out, "target", e.target);
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::mount:
      append_field(&out, "path2", e.path2);
      append_field(&out, "type", e.type);
      append_field(&out, "flags", e.flags);
      break;
    case entry_kind::mkdir:
    case entry_kind::chmod:
    case entry_kind::mknod:
      append_field(&out, "mode", e.mode);
      break;
    case entry_kind::rename:
    case entry_kind::symlink:
    case entry_kind::link:
    case entry_kind::removexattr:
      append_field(&out, "path2", e.path2);
      break;
    case entry_kind::setxattr:
      append_field(&out, "path2", e.path2);
      append_field(&out, "flags", e.flags);
      break;
    case entry_kind::getxattr:
      append_field(&out, "path2", e.path2);
      append_field(&out, "count", static_cast<long long>(e.count));
      break;
    case entry_kind::listxattr:
      append_field(&out, "count", static_cast<long long>(e.count));
      break;
    case entry_kind::truncate:
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::ftruncate:
      append_field(&out, "fd", e.fd);
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::open:
      append_field(&out, "flags", e.flags);
      append_field(&out, "mode", e.mode);
      break;
    case entry_kind::close:
    case entry_kind::fsync:
    case entry_kind::poll:
    case entry_kind::dup:
    case entry_kind::fstat:
    case entry_kind::fstatfs:
    case entry_kind::fchdir:
      append_field(&out, "fd", e.fd);
      break;
    case entry_kind::dup2:
      append_field(&out, "fd", e.fd);
      append_field(&out, "fd2", e.fd2);
      break;
    case entry_kind::read:
    case entry_kind::write:
      append_field(&out, "fd", e.fd);
      append_field(&out, "count", static_cast<long long>(e.count));
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::lseek:
      append_field(&out, "fd", e.fd);
      append_field(&out, "arg", e.arg);
      append_field(&out, "flags", e.flags);
      break;
    case entry_kind::getdents:
      append_field(&out, "fd", e.fd);
      append_field(&out, "count", static_cast<long long>(e.count));
      break;
    case entry_kind::getcwd:
      append_field(&out, "count", static_cast<long long>(e.count));
      break;
    case entry_kind::chown:
      append_field(&out, "flags", e.flags);
      append_field(&out, "arg", e.arg);
      break;
    case entry_kind::reap:
    case entry_kind::release_agent:
    case entry_kind::observe:
    case entry_kind::creds:
    case entry_kind::rmdir:
    case entry_kind::unlink:
    case entry_kind::stat:
    case entry_kind::statfs:
    case entry_kind::chdir:
    case entry_kind::utimes:
      break;
  }
  if (!inputs.empty()) absl::StrAppend(&out, ",\"in\":[", inputs, "]");
  out.push_back('}');
  return out;
}

trace_recorder::trace_recorder(FILE* out, const trace_header& h, bool flush_each_line)
    : out_(out), flush_each_line_(flush_each_line) {
  std::string body = absl::StrCat("\"kind\":\"header\",\"version\":", kTraceVersion);
  append_field(&body, "flavour_default", h.flavour_default);
  append_field(&body, "init_pid", h.init_pid);
  append_field(&body, "init_comm", h.init_comm);
  absl::StrAppend(&body, ",\"init_real\":", h.init_real ? "true" : "false", "}");
  write_line(body);
}

void trace_recorder::write_line(std::string body) {
  std::vector<std::string> bodies;
  bodies.push_back(std::move(body));
  deliver(next_ticket_.fetch_add(1, std::memory_order_relaxed), std::move(bodies));
}

void trace_recorder::deliver(uint64_t ticket, std::vector<std::string> bodies) {
  absl::MutexLock l(&mu_);
  if (out_ == nullptr) return;
  waiting_.emplace(ticket, std::move(bodies));
  write_ready();
}

void trace_recorder::write_ready() {
  bool wrote = false;
  for (auto it = waiting_.find(next_write_); it != waiting_.end();
       it = waiting_.find(next_write_)) {
    for (const std::string& body : it->second) {
      std::string line = absl::StrCat("{\"seq\":", seq_++, ",", body, "\n");
      fwrite(line.data(), 1, line.size(), out_);
      wrote = true;
    }
    waiting_.erase(it);
    next_write_++;
  }
  if (wrote && flush_each_line_) fflush(out_);
}

void trace_recorder::mount_point(const std::string& kdir, const std::string& dir) {
  std::string body = "\"kind\":\"mountpoint\",\"pid\":0,\"tid\":0,\"path\":";
  append_json_string(&body, kdir);
  body += ",\"data\":";
  append_json_string(&body, dir);
  body += ",\"result\":0}";
  write_line(body);
}

uint64_t trace_recorder::lines() const {
  absl::MutexLock l(&mu_);
  return seq_;
}

// Entries still running have tickets the writer would wait for: the lines after them
// are written in order, skipping the gaps.
void trace_recorder::close() {
  absl::MutexLock l(&mu_);
  if (out_ == nullptr) return;
  while (!waiting_.empty()) {
    if (waiting_.find(next_write_) == waiting_.end()) {
      next_write_++;
      continue;
    }
    write_ready();
  }
  fflush(out_);
  out_ = nullptr;
}

void trace_recorder::begin() { frames_of(this).depth++; }

void trace_recorder::commit() {
  thread_frames& f = frames_of(this);
  if (f.depth == 0) return;
  if (f.has_ticket) f.void_tickets.push_back(f.ticket);
  f.ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
  f.has_ticket = true;
}

void trace_recorder::end(const uk::entry& e) {
  thread_frames& f = frames_of(this);
  if (--f.depth > 0) {
    f.lines.push_back(format_entry(e, true, ""));
    return;
  }
  std::string inputs;
  inputs.swap(f.inputs);
  f.lines.push_back(format_entry(e, false, inputs));
  uint64_t ticket = f.has_ticket ? f.ticket : next_ticket_.fetch_add(1, std::memory_order_relaxed);
  f.has_ticket = false;
  for (uint64_t t : f.void_tickets) deliver(t, {});
  f.void_tickets.clear();
  deliver(ticket, std::exchange(f.lines, {}));
}

// Inside an entry: into its "in" list; outside any: a line of its own.
void trace_recorder::record_input(uk::input_kind kind, pid_t key, std::string_view value) {
  thread_frames& f = frames_of(this);
  if (f.depth > 0) return append_input(&f.inputs, kind, key, value);
  std::string item;
  append_input(&item, kind, key, value);
  write_line(absl::StrCat(
      "\"kind\":\"input\",\"pid\":0,\"tid\":0,\"path\":\"\",\"data\":\"\",\"result\":0,\"in\":[",
      item, "]}"));
}

std::optional<uint64_t> trace_recorder::input(uk::input_kind kind, pid_t key,
                                              absl::FunctionRef<std::optional<uint64_t>()> live) {
  std::optional<uint64_t> v = live();
  record_input(kind, key, v ? absl::StrCat(*v) : "null");
  return v;
}

std::string trace_recorder::input_text(uk::input_kind kind, pid_t key,
                                       absl::FunctionRef<std::string()> live) {
  std::string v = live();
  std::string quoted;
  append_json_string(&quoted, v);
  record_input(kind, key, quoted);
  return v;
}

}  // namespace ukrun
