// uk-replay's engine (replayer.h): each outermost entry of the trace run again on a
// fresh kernel and its result compared with the recorded one.
#include "harness/replay/replayer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "harness/tree_render.h"
#include "subsys/registry.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

using uk::entry_kind;

// pid_max (PID_MAX_LIMIT): a fork's pid beyond it is bad input.
constexpr long long kPidMax = 4194304;
// Recorded nested entries kept per task whose outer entry has not come yet.
constexpr size_t kMaxNested = 256;

std::string result_text(long v) {
  if (v >= 0) return absl::StrCat(v);
  const char* name = v >= -4095 ? strerrorname_np(static_cast<int>(-v)) : nullptr;
  return name != nullptr ? std::string(name) : absl::StrCat(v);
}

std::string quoted(std::string_view s) {
  constexpr size_t kShown = 60;
  std::string out;
  append_json_string(&out, s.substr(0, kShown));
  if (s.size() > kShown) out.insert(out.size() - 1, "...");
  return out;
}

bool is_task_entry(entry_kind k) {
  return k == entry_kind::fork || k == entry_kind::exec || k == entry_kind::exit ||
         k == entry_kind::reap || k == entry_kind::unshare || k == entry_kind::creds;
}

// A `creds` entry's data: "uid euid suid fsuid gid egid sgid fsgid", then (version 5)
// the supplementary groups.
std::optional<uk::task_creds> parse_creds(std::string_view data) {
  std::vector<absl::string_view> f = absl::StrSplit(asv(data), ' ');
  if (f.size() < 8) return std::nullopt;
  std::vector<uint32_t> v(f.size());
  for (size_t i = 0; i < f.size(); i++) {
    if (!absl::SimpleAtoi(f[i], &v[i])) return std::nullopt;
  }
  return uk::task_creds{
      v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], std::vector<gid_t>(v.begin() + 8, v.end())};
}

bool uses_fd(entry_kind k) {
  switch (k) {
    case entry_kind::close:
    case entry_kind::read:
    case entry_kind::write:
    case entry_kind::lseek:
    case entry_kind::dup:
    case entry_kind::dup2:
    case entry_kind::getdents:
    case entry_kind::ftruncate:
    case entry_kind::fsync:
    case entry_kind::poll:
    case entry_kind::fstat:
    case entry_kind::fstatfs:
    case entry_kind::fchdir:
      return true;
    default:
      return false;
  }
}

// Entries after which a release agent may be queued: the worker is flushed so the
// replay's runs line up with the entries (the recorded ones come whenever the worker
// ran; they are compared in order, not by position).
bool may_release(entry_kind k) {
  switch (k) {
    case entry_kind::fork:
    case entry_kind::exit:
    case entry_kind::reap:
    case entry_kind::unshare:
    case entry_kind::write:
    case entry_kind::rmdir:
    case entry_kind::umount:
    case entry_kind::mount:
    case entry_kind::close:
    case entry_kind::rules:
      return true;
    default:
      return false;
  }
}

}  // namespace

replayer::replayer(options o)
    : opts_(std::move(o)), recorder_(std::make_unique<replay_recorder>()) {
  if (!opts_.flavour.empty()) names_ = &flavour_map::shared();
}

replayer::~replayer() {
  // The kernel first: its worker may still hand release agents to the recorder.
  kernel_.reset();
}

absl::Status replayer::boot() {
  uk::kernel_config cfg;
  cfg.init_pid = header_.init_pid;
  cfg.init_comm = header_.init_comm;
  cfg.init_is_real = header_.init_real;
  // Replaced by the recorded maps through the seam; never the host's.
  cfg.topo = uk::topology(uk::cpumask_t(1), uk::nodemask_t(1));
  cfg.recorder = recorder_.get();
  kernel_ = std::make_unique<uk::kernel>(uk::default_subsys_registry(), cfg);
  kernel_->set_usermode_helper(
      [](const std::vector<std::string>&, const std::vector<std::string>&) {});
  // Real tasks' freezing asks the hooks whether a process stopped: the seam answers
  // from the trace, so hooks that touch nothing are enough.
  static_cast<uk::freezer_subsys*>(kernel_->containers().subsys(uk::freezer_subsys_id))
      ->set_hooks(&freezer_hooks_);
  auto* cpuacct =
      static_cast<uk::cpuacct_subsys*>(kernel_->containers().subsys(uk::cpuacct_subsys_id));
  cpuacct->set_cputime_hooks(&cputime_hooks_);
  cpuacct->set_reaped_time_hooks(&reaped_hooks_);
  static_cast<uk::cpuset_subsys*>(kernel_->containers().subsys(uk::cpuset_subsys_id))
      ->set_affinity_hooks(&affinity_hooks_);
  stats_.live_tasks = stats_.peak_tasks = 1;
  return absl::OkStatus();
}

absl::Status replayer::feed(std::string_view line, size_t lineno) {
  if (stopped_ || line.empty()) return absl::OkStatus();
  if (absl::Status st = parse_trace_line(line, &rec_); !st.ok()) return st;
  switch (rec_.what) {
    case trace_record::type::note:
      return absl::OkStatus();
    case trace_record::type::mountpoint:
      mount_points_[rec_.path] = rec_.data;
      return absl::OkStatus();
    case trace_record::type::header:
      if (have_header_) return absl::InvalidArgumentError("a second header");
      if (rec_.version < kOldestTraceVersion || rec_.version > kTraceVersion) {
        return absl::InvalidArgumentError(absl::StrCat("trace format version ", rec_.version,
                                                       "; this uk-replay reads versions ",
                                                       kOldestTraceVersion, " to ", kTraceVersion));
      }
      // Version 1 recorded no inode times: the replay's clock (0) dates them.
      if (rec_.version < 2) recorder_->set_unrecorded(uk::input_kind::realtime);
      // Before version 3: no reaped time, no masks (as the replays of then: none).
      if (rec_.version < 3) {
        recorder_->set_unrecorded(uk::input_kind::reaped);
        recorder_->set_unrecorded(uk::input_kind::affinity);
      }
      // Before version 8: no CPU splits (the replay's hooks have none: no split).
      if (rec_.version < 8) {
        recorder_->set_unrecorded(uk::input_kind::cpustat);
        recorder_->set_unrecorded(uk::input_kind::reaped_user);
      }
      if (rec_.init_pid <= 0 || rec_.init_pid >= kPidMax) {
        return absl::InvalidArgumentError("the header has no valid init_pid");
      }
      header_ = rec_;
      have_header_ = true;
      return absl::OkStatus();
    case trace_record::type::input:
    case trace_record::type::entry:
      break;
  }
  if (!have_header_) return absl::InvalidArgumentError("the first line must be the header");
  if (rec_.what == trace_record::type::input) {
    for (trace_input& in : rec_.inputs) recorder_->add_loose(std::move(in));
    return absl::OkStatus();
  }
  if (!kernel_) {
    if (absl::Status st = boot(); !st.ok()) return st;
  }
  stats_.events++;
  stats_.by_kind[static_cast<size_t>(rec_.kind)]++;
  if (rec_.kind == entry_kind::release_agent) {
    recorded_agents_.push_back(consequence(rec_.kind, 0, 0, rec_.path, rec_.data, rec_.result));
    compare_agents(lineno);
    return absl::OkStatus();
  }
  if (rec_.nested || rec_.kind == entry_kind::attach) {
    // A consequence of the next outermost entry of this task (attach is never one).
    std::vector<std::string>& v = nested_[rec_.tid];
    if (v.size() < kMaxNested) {
      v.push_back(consequence(rec_.kind, rec_.tid, rec_.target, rec_.path, rec_.data, rec_.result));
    }
    return absl::OkStatus();
  }
  return execute(rec_, lineno);
}

absl::Status replayer::execute(const trace_record& r, size_t lineno) {
  uk::kernel& k = *kernel_;
  if (r.kind == entry_kind::observe) return observe(r, lineno);
  uk::task_struct* t = k.find_task_by_pid(r.tid);
  if (t == nullptr || (t->zombie && r.kind != entry_kind::reap)) {
    nested_.erase(r.tid);
    diverge(
        r, lineno, describe(r), object_of(r), result_text(r.result),
        t == nullptr ? absl::StrCat("no task ", r.tid) : absl::StrCat("task ", r.tid, " exited"));
    return absl::OkStatus();
  }
  if ((r.kind == entry_kind::exit || r.kind == entry_kind::reap) && t == k.init_task()) {
    return absl::InvalidArgumentError("init never exits");
  }
  long rep = 0;
  recorder_->begin_entry(&rec_.inputs);
  switch (r.kind) {
    case entry_kind::fork: {
      if (r.arg < 0 || r.arg >= kPidMax) {
        recorder_->end_entry();
        return absl::InvalidArgumentError("fork: pid out of range");
      }
      auto c = k.do_fork(t, r.flags, static_cast<pid_t>(r.arg));
      rep = c.ok() ? c.value()->pid : -static_cast<long>(c.error().code());
      if (rep > 0) {
        stats_.tasks_created++;
        stats_.peak_tasks = std::max(stats_.peak_tasks, ++stats_.live_tasks);
      }
      break;
    }
    case entry_kind::exec:
      k.do_exec(t, r.data);
      break;
    case entry_kind::exit:
      k.do_exit(t, static_cast<int>(r.arg));
      break;
    case entry_kind::creds: {
      std::optional<uk::task_creds> c = parse_creds(r.data);
      if (!c) {
        recorder_->end_entry();
        return absl::InvalidArgumentError("creds: not 8 ids and groups");
      }
      k.set_creds(t, *c);
      break;
    }
    case entry_kind::reap:
      k.release_task(t);
      if (stats_.live_tasks > 0) stats_.live_tasks--;
      break;
    case entry_kind::unshare:
      rep = to_syscall_result(k.sys_unshare(t, r.flags));
      break;
    default: {
      absl::StatusOr<long> s = run_syscall(r, *t);
      if (!s.ok()) {
        recorder_->end_entry();
        return s.status();
      }
      rep = *s;
    }
  }
  recorder_->end_entry();
  if (may_release(r.kind)) k.flush_work();

  bool same = rep == r.result;
  if (r.kind == entry_kind::open || r.kind == entry_kind::dup || r.kind == entry_kind::dup2) {
    // Descriptors are handles: mapped, not compared.
    same = (rep >= 0 && r.result >= 0) || rep == r.result;
  }
  bool data_differs = entry_returns_data(r.kind) && same && recorder_->data() != r.data;
  bool comm_differs =
      same && r.kind == entry_kind::exec && !r.comm.empty() && t->get_task_comm() != r.comm;
  if (!same || data_differs || comm_differs) {
    std::string rec_text = result_text(r.result), rep_text = result_text(rep);
    if (data_differs) {
      absl::StrAppend(&rec_text, " ", quoted(r.data));
      absl::StrAppend(&rep_text, " ", quoted(recorder_->data()));
    } else if (comm_differs) {
      rec_text = absl::StrCat("comm ", quoted(r.comm));
      rep_text = absl::StrCat("comm ", quoted(t->get_task_comm()));
    }
    nested_.erase(r.tid);  // its consequences differ too: not reported twice
    diverge(r, lineno, describe(r), object_of(r), rec_text, rep_text);
  } else {
    compare_nested(r, lineno);
  }
  check_inputs(r, lineno);
  compare_agents(lineno);
  return absl::OkStatus();
}

void replayer::check_inputs(const trace_record& r, size_t lineno) {
  if (!opts_.stop_at_first || stopped_) return;
  // Under --verify the inputs must line up too: one the replay asked for and the
  // trace lacks, or one the trace has and the replay never asked for.
  if (!recorder_->missing().empty()) {
    diverge(r, lineno, describe(r), object_of(r), "no such input",
            absl::StrCat("input ", recorder_->missing(), " asked"));
    return;
  }
  for (const trace_input& in : rec_.inputs) {
    if (in.used) continue;
    diverge(r, lineno, describe(r), object_of(r),
            absl::StrCat("input ", input_kind_name(in.kind), " of ", in.key), "never asked");
    return;
  }
}

// The kernel's observation of real threads' masks: the threads whose masks the trace
// has are observed again, each mask from the seam. No result to compare: what it
// changed shows in the entries after it.
absl::Status replayer::observe(const trace_record& r, size_t lineno) {
  std::vector<pid_t> tids;
  for (const trace_input& in : rec_.inputs) {
    if (in.kind == uk::input_kind::affinity) tids.push_back(in.key);
  }
  recorder_->begin_entry(&rec_.inputs);
  static_cast<uk::cpuset_subsys*>(kernel_->containers().subsys(uk::cpuset_subsys_id))
      ->observe_tasks(tids);
  recorder_->end_entry();
  check_inputs(r, lineno);
  return absl::OkStatus();
}

// The rules engine's recorded decision, made again: each "TID TASKS" line is a
// rules_move, as harness/placement.cc's join_group makes it (their nested entries are
// compared as recorded); the first -errno is the result.
absl::StatusOr<long> replayer::run_rules(const trace_record& r, uk::task_struct& init) {
  // An entry of its own, as uk-run's: the calls below are nested in it.
  uk::entry_scope e(kernel_->recorder(), entry_kind::rules, &init);
  long first = 0;
  for (absl::string_view move : absl::StrSplit(r.data, '\n', absl::SkipEmpty())) {
    size_t space = move.find(' ');
    long long tid;
    if (space == absl::string_view::npos || !absl::SimpleAtoi(move.substr(0, space), &tid) ||
        tid <= 0 || tid >= kPidMax || space + 1 == move.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rules: a decision line is \"TID TASKS\", not \"", move, "\""));
    }
    long n =
        rules_move(init, map_path(std::string(move.substr(space + 1))), static_cast<pid_t>(tid));
    if (n < 0 && first == 0) first = n;
  }
  return e.done(first);
}

int replayer::map_fd(int recorded) const {
  auto it = fds_.find(recorded);
  return it == fds_.end() || it->second.empty() ? recorded : it->second.back();
}

int replayer::map_closed_fd(int recorded) const {
  auto it = fds_.find(recorded);
  return it == fds_.end() || it->second.empty() ? recorded : it->second.front();
}

std::string replayer::map_path(const std::string& path) const {
  if (names_ == nullptr || path.empty()) return path;
  const std::pair<const std::string, mount_info>* best = nullptr;
  for (const auto& m : mounts_) {
    const std::string& dir = m.first;
    if (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
        path[dir.size()] == '/' && (best == nullptr || dir.size() > best->first.size())) {
      best = &m;
    }
  }
  if (best == nullptr || !flavour_map::is_flavour(best->second.recorded_type)) return path;
  size_t slash = path.rfind('/');
  return path.substr(0, slash + 1) +
         names_->map(best->second.recorded_type, best->second.type, path.substr(slash + 1));
}

std::string replayer::object_of(const trace_record& r) const {
  if (is_task_entry(r.kind)) return absl::StrCat("pid ", r.tid);
  if (uses_fd(r.kind)) {
    auto it = fd_paths_.find(map_fd(r.fd));
    return it != fd_paths_.end() ? it->second : absl::StrCat("fd ", r.fd);
  }
  if (r.kind == entry_kind::getcwd) return absl::StrCat("cwd of ", r.tid);
  // A file's attributes are an object apart from its content: a flavour with no xattrs
  // differs at each truncating open's security.capability lookup, which must not hide
  // the file's own first divergence.
  if (r.kind == entry_kind::setxattr || r.kind == entry_kind::getxattr ||
      r.kind == entry_kind::removexattr) {
    return absl::StrCat(r.path2, " of ", map_path(r.path));
  }
  if (r.kind == entry_kind::listxattr) return absl::StrCat("xattrs of ", map_path(r.path));
  return map_path(r.path);
}

std::string replayer::describe(const trace_record& r) const {
  std::string out = absl::StrCat(entry_kind_name(r.kind), " ");
  switch (r.kind) {
    case entry_kind::fork:
      absl::StrAppend(&out, "by ", r.tid, " (pid ", r.arg, ")");
      break;
    case entry_kind::exec:
    case entry_kind::creds:
      absl::StrAppend(&out, r.tid, " ", quoted(r.data));
      break;
    case entry_kind::exit:
    case entry_kind::reap:
    case entry_kind::unshare:
      absl::StrAppend(&out, r.tid);
      break;
    case entry_kind::rules:
      absl::StrAppend(&out, "moving ", r.target, " (", quoted(r.path), ", line ", r.arg, ")");
      break;
    case entry_kind::mount: {
      std::string type = r.fstype;
      if (!opts_.flavour.empty() && flavour_map::is_flavour(type)) type = opts_.flavour;
      absl::StrAppend(&out, "-t ", type, " -o ", r.data, " ", r.path);
      break;
    }
    default: {
      std::string object = object_of(r);
      std::string mapped = map_path(r.path);
      absl::StrAppend(&out, object);
      if (!uses_fd(r.kind) && mapped != r.path) absl::StrAppend(&out, " (recorded ", r.path, ")");
      if (r.kind == entry_kind::write) absl::StrAppend(&out, " ", quoted(r.data));
      if (r.kind == entry_kind::rename || r.kind == entry_kind::symlink ||
          r.kind == entry_kind::link) {
        absl::StrAppend(&out, " -> ", map_path(r.path2));
      }
    }
  }
  return out;
}

void replayer::diverge(const trace_record& r, size_t lineno, std::string what, std::string object,
                       std::string recorded, std::string replayed) {
  nr_divergences_++;
  if (opts_.stop_at_first) {
    if (stopped_) return;
    stopped_ = true;
  } else if (!reported_.insert(std::move(object)).second) {
    return;
  }
  // Paths as the workload saw them: a kernel mount directory shows as its mount point.
  for (const auto& [kdir, dir] : mount_points_) {
    for (char after : {'/', ' '}) {
      what = absl::StrReplaceAll(what, {{kdir + after, dir + after}});
    }
  }
  divergences_.push_back(
      {r.seq, lineno, std::move(what), std::move(recorded), std::move(replayed)});
}

void replayer::compare_nested(const trace_record& r, size_t lineno) {
  std::vector<std::string> replayed = recorder_->take_nested();
  auto it = nested_.find(r.tid);
  std::vector<std::string> recorded;
  if (it != nested_.end()) {
    recorded = std::move(it->second);
    nested_.erase(it);
  }
  if (recorded == replayed) return;
  size_t i = 0;
  while (i < recorded.size() && i < replayed.size() && recorded[i] == replayed[i]) i++;
  diverge(r, lineno, absl::StrCat(describe(r), ": inside it"), object_of(r),
          i < recorded.size() ? recorded[i] : "nothing",
          i < replayed.size() ? replayed[i] : "nothing");
}

void replayer::compare_agents(size_t lineno) {
  if (!kernel_) return;
  for (std::string& s : recorder_->take_agents()) replayed_agents_.push_back(std::move(s));
  while (!recorded_agents_.empty() && !replayed_agents_.empty()) {
    std::string rec = std::move(recorded_agents_.front()),
                rep = std::move(replayed_agents_.front());
    recorded_agents_.pop_front();
    replayed_agents_.pop_front();
    if (rec != rep) {
      trace_record r;
      r.seq = rec_.seq;
      r.kind = entry_kind::release_agent;
      diverge(r, lineno, "release_agent", absl::StrCat("release agent ", rec), rec, rep);
    }
  }
}

absl::Status replayer::finish() {
  if (!have_header_) return absl::InvalidArgumentError("no header: the trace is empty");
  if (!kernel_) {
    if (absl::Status st = boot(); !st.ok()) return st;
  }
  if (stopped_) return absl::OkStatus();
  kernel_->flush_work();
  compare_agents(0);
  trace_record r;
  r.seq = rec_.seq;
  r.kind = entry_kind::release_agent;
  for (const std::string& s : recorded_agents_) {
    diverge(r, 0, "release_agent (end of trace)", absl::StrCat("release agent ", s), s, "nothing");
  }
  for (const std::string& s : replayed_agents_) {
    diverge(r, 0, "release_agent (end of trace)", absl::StrCat("release agent ", s), "nothing", s);
  }
  return absl::OkStatus();
}

std::string replayer::recorded_flavours() const {
  std::vector<std::string> v(recorded_types_.begin(), recorded_types_.end());
  std::sort(v.begin(), v.end());
  return v.empty() ? header_.flavour_default : absl::StrJoin(v, "+");
}

absl::Status replay_stream(replayer& r, std::FILE* in) {
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n;
  size_t lineno = 0;
  absl::Status st;
  while (!r.stopped() && (n = getline(&line, &cap, in)) >= 0) {
    lineno++;
    std::string_view l(line, static_cast<size_t>(n));
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    st = r.feed(l, lineno);
    if (!st.ok()) {
      st = absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": ", st.message()));
      break;
    }
  }
  free(line);
  return st;
}

std::string replayer::tree() {
  if (!kernel_) return "";
  std::vector<std::pair<uint64_t, tree_mount>> ordered;
  for (const auto& [kdir, m] : mounts_) {
    auto shown = mount_points_.find(kdir);
    ordered.push_back(
        {m.order, {kdir, shown == mount_points_.end() ? kdir : shown->second, m.type, m.data}});
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<tree_mount> mounts;
  for (auto& [order, m] : ordered) mounts.push_back(std::move(m));
  return render_tree(*kernel_, mounts);
}

}  // namespace ukrun
