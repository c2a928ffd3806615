// The replayed kernel's recorder: recorded inputs in, consequences out
// (replay_recorder.h).
#include "harness/replay/replay_recorder.h"

#include "absl/strings/str_cat.h"
#include "harness/replay/trace_format.h"
#include "uk/task.h"

namespace ukrun {

std::string consequence(uk::entry_kind kind, pid_t tid, pid_t target, std::string_view path,
                        std::string_view data, long result) {
  std::string out = absl::StrCat(entry_kind_name(kind), " by ", tid);
  if (kind == uk::entry_kind::attach) absl::StrAppend(&out, " of ", target);
  absl::StrAppend(&out, " ");
  append_json_string(&out, path);
  absl::StrAppend(&out, " ");
  append_json_string(&out, data);
  absl::StrAppend(&out, " = ", result);
  return out;
}

void replay_recorder::add_loose(trace_input in) {
  if (loose_.size() >= kMaxLoose) loose_.pop_front();
  loose_.push_back(std::move(in));
}

void replay_recorder::begin_entry(std::vector<trace_input>* inputs) {
  current_ = inputs;
  result_ = 0;
  data_.clear();
  nested_.clear();
  missing_.clear();
}

std::deque<std::string> replay_recorder::take_agents() {
  if (!have_agents_.load(std::memory_order_relaxed)) return {};
  absl::MutexLock l(&agents_mu_);
  have_agents_.store(false, std::memory_order_relaxed);
  return std::exchange(agents_, {});
}

void replay_recorder::begin() {
  if (on_replay_thread()) depth_++;
}

void replay_recorder::end(const uk::entry& e) {
  const auto* t = static_cast<const uk::task_struct*>(e.task);
  pid_t tid = t ? t->pid : 0;
  if (e.kind == uk::entry_kind::release_agent) {
    absl::MutexLock l(&agents_mu_);
    agents_.push_back(consequence(e.kind, tid, e.target, e.path, e.data, e.result));
    have_agents_.store(true, std::memory_order_relaxed);
  }
  if (!on_replay_thread()) return;
  if (--depth_ > 0) {
    std::string data =
        e.kind == uk::entry_kind::getdents ? dirent_names(e.data) : std::string(e.data);
    nested_.push_back(consequence(e.kind, tid, e.target, e.path, data, e.result));
    return;
  }
  result_ = e.result;
  if (entry_returns_data(e.kind)) {
    data_ = e.kind == uk::entry_kind::getdents ? dirent_names(e.data) : std::string(e.data);
  }
}

trace_input* replay_recorder::find(uk::input_kind kind, pid_t key) {
  if (!on_replay_thread()) return nullptr;
  if (current_ != nullptr) {
    for (trace_input& in : *current_) {
      if (!in.used && in.kind == kind && in.key == key) {
        in.used = true;
        return &in;
      }
    }
  }
  for (auto it = loose_.begin(); it != loose_.end(); ++it) {
    if (it->kind == kind && it->key == key) {
      taken_ = std::move(*it);
      loose_.erase(it);
      return &taken_;
    }
  }
  if (missing_.empty()) missing_ = absl::StrCat(input_kind_name(kind), " of ", key);
  return nullptr;
}

std::optional<uint64_t> replay_recorder::input(uk::input_kind kind, pid_t key,
                                               absl::FunctionRef<std::optional<uint64_t>()> live) {
  if (unrecorded_ & (1u << static_cast<unsigned>(kind))) return live();
  trace_input* in = find(kind, key);
  return in != nullptr ? in->value : std::nullopt;
}

// A map the trace lacks: the configured one (the replay's, never the host's); a mask
// an older trace lacks: the replay's hooks' (none: the thread is gone).
std::string replay_recorder::input_text(uk::input_kind kind, pid_t key,
                                        absl::FunctionRef<std::string()> live) {
  if (unrecorded_ & (1u << static_cast<unsigned>(kind))) return live();
  trace_input* in = find(kind, key);
  return in != nullptr ? in->text : live();
}

}  // namespace ukrun
