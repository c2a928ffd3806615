// The trace's line format (trace_format.h): names, string escaping and the parser.
// The parser is strict and hand-written: a replay reads a million lines a second, and
// a bad line must name what is wrong, never crash or loop.
#include "harness/replay/trace_format.h"

#include <fcntl.h>

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "vfs/syscalls.h"

namespace ukrun {

namespace {

constexpr const char* kEntryNames[] = {
    "fork",        "exec",   "exit",    "reap",    "unshare",  "attach",   "release_agent",
    "mount",       "umount", "mkdir",   "rmdir",   "unlink",   "rename",   "open",
    "close",       "read",   "write",   "lseek",   "dup",      "dup2",     "getdents",
    "stat",        "fstat",  "statfs",  "fstatfs", "chdir",    "fchdir",   "getcwd",
    "chmod",       "chown",  "rules",   "observe", "creds",    "truncate", "ftruncate",
    "utimes",      "mknod",  "symlink", "link",    "setxattr", "getxattr", "listxattr",
    "removexattr", "fsync",  "poll"};
static_assert(std::size(kEntryNames) == static_cast<size_t>(uk::kLastEntryKind) + 1);

constexpr const char* kInputNames[] = {"clock",       "cputime",
                                       "stopped",     "cpus",
                                       "mems",        "cpu_possible",
                                       "cpu_present", "node_possible",
                                       "node_online", "node_normal_memory",
                                       "realtime",    "reaped",
                                       "affinity",    "sched_domain_level_max",
                                       "cpustat",     "reaped_user"};
static_assert(std::size(kInputNames) == static_cast<size_t>(uk::input_kind::reaped_user) + 1);

// A cursor over one line; every failure is an error status naming the byte offset.
class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}

  absl::Status error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(asv(what), " at byte ", pos_ + 1));
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) pos_++;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    skip_space();
    if (peek() != c) return false;
    pos_++;
    return true;
  }
  absl::Status expect(char c) {
    if (eat(c)) return absl::OkStatus();
    return error(absl::StrCat("expected '", std::string(1, c), "'"));
  }

  // A string into `out` (decoded). Only \" \\ \/ \n \t \r \b \f and \u00XX are read.
  absl::Status string(std::string* out) {
    skip_space();
    if (peek() != '"') return error("expected a string");
    pos_++;
    out->clear();
    while (true) {
      size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\') pos_++;
      out->append(s_.data() + start, pos_ - start);
      if (pos_ >= s_.size()) return error("unterminated string");
      if (s_[pos_++] == '"') return absl::OkStatus();
      if (pos_ >= s_.size()) return error("unterminated escape");
      char c = s_[pos_++];
      switch (c) {
        case '"':
        case '\\':
        case '/':
          out->push_back(c);
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          if (s_.size() - pos_ < 4) return error("short \\u escape");
          unsigned v = 0;
          for (int i = 0; i < 4; i++) {
            char h = s_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9') {
              v |= h - '0';
            } else if (h >= 'a' && h <= 'f') {
              v |= h - 'a' + 10;
            } else if (h >= 'A' && h <= 'F') {
              v |= h - 'A' + 10;
            } else {
              return error("bad hex digit in \\u escape");
            }
          }
          if (v > 0xff) return error("\\u escape above \\u00ff (strings are bytes)");
          out->push_back(static_cast<char>(v));
          break;
        }
        default:
          return error("unknown escape");
      }
    }
  }

  // An integer in [lo, hi].
  absl::Status integer(long long lo, long long hi, long long* out) {
    skip_space();
    bool neg = eat_raw('-');
    if (!(peek() >= '0' && peek() <= '9')) return error("expected a number");
    unsigned long long v = 0;
    while (peek() >= '0' && peek() <= '9') {
      unsigned d = s_[pos_++] - '0';
      if (v > (std::numeric_limits<unsigned long long>::max() - d) / 10) {
        return error("number out of range");
      }
      v = v * 10 + d;
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') return error("numbers are integers");
    // Compared unsigned first: the magnitude may not fit a long long.
    if (neg ? v > static_cast<unsigned long long>(-(lo + 1)) + 1
            : v > static_cast<unsigned long long>(hi)) {
      return error("number out of range");
    }
    long long s = neg ? static_cast<long long>(0 - v) : static_cast<long long>(v);
    if (s < lo || s > hi) return error("number out of range");
    *out = s;
    return absl::OkStatus();
  }
  absl::Status unsigned64(uint64_t* out) {
    skip_space();
    if (!(peek() >= '0' && peek() <= '9')) return error("expected a number");
    uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      unsigned d = s_[pos_++] - '0';
      if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return error("number out of range");
      v = v * 10 + d;
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') return error("numbers are integers");
    *out = v;
    return absl::OkStatus();
  }
  absl::Status boolean(bool* out) {
    skip_space();
    if (s_.substr(pos_, 4) == "true") {
      pos_ += 4;
      *out = true;
      return absl::OkStatus();
    }
    if (s_.substr(pos_, 5) == "false") {
      pos_ += 5;
      *out = false;
      return absl::OkStatus();
    }
    return error("expected true or false");
  }
  bool eat_null() {
    skip_space();
    if (s_.substr(pos_, 4) != "null") return false;
    pos_ += 4;
    return true;
  }
  // Skips any value of an unknown key, nested arrays and objects included (bounded
  // depth: a line of a million '[' must not recurse a million times).
  absl::Status skip_value(int depth = 0) {
    if (depth > 16) return error("nesting too deep");
    skip_space();
    std::string ignored;
    char c = peek();
    if (c == '"') return string(&ignored);
    if (c == '[' || c == '{') {
      char close = c == '[' ? ']' : '}';
      pos_++;
      if (eat(close)) return absl::OkStatus();
      while (true) {
        if (c == '{') {
          if (absl::Status st = string(&ignored); !st.ok()) return st;
          if (absl::Status st = expect(':'); !st.ok()) return st;
        }
        if (absl::Status st = skip_value(depth + 1); !st.ok()) return st;
        if (eat(close)) return absl::OkStatus();
        if (absl::Status st = expect(','); !st.ok()) return st;
      }
    }
    if (eat_null()) return absl::OkStatus();
    bool b;
    if (c == 't' || c == 'f') return boolean(&b);
    long long n;
    return integer(std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max(),
                   &n);
  }

 private:
  bool eat_raw(char c) {
    if (peek() != c) return false;
    pos_++;
    return true;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

// "in": [[kind, key, value], ...]
absl::Status parse_inputs(cursor& c, std::vector<trace_input>* out) {
  if (absl::Status st = c.expect('['); !st.ok()) return st;
  if (c.eat(']')) return absl::OkStatus();
  std::string name;
  while (true) {
    if (absl::Status st = c.expect('['); !st.ok()) return st;
    if (absl::Status st = c.string(&name); !st.ok()) return st;
    std::optional<uk::input_kind> k = input_kind_from_name(name);
    if (!k) return c.error(absl::StrCat("unknown input \"", name, "\""));
    trace_input in{*k};
    long long key;
    if (absl::Status st = c.expect(','); !st.ok()) return st;
    if (absl::Status st = c.integer(0, std::numeric_limits<pid_t>::max(), &key); !st.ok()) {
      return st;
    }
    in.key = static_cast<pid_t>(key);
    if (absl::Status st = c.expect(','); !st.ok()) return st;
    if (uk::input_is_text(*k)) {  // the boot's maps, masks: lists
      if (absl::Status st = c.string(&in.text); !st.ok()) return st;
    } else if (!c.eat_null()) {
      uint64_t v;
      if (absl::Status st = c.unsigned64(&v); !st.ok()) return st;
      in.value = v;
    }
    if (absl::Status st = c.expect(']'); !st.ok()) return st;
    out->push_back(std::move(in));
    if (c.eat(']')) return absl::OkStatus();
    if (absl::Status st = c.expect(','); !st.ok()) return st;
  }
}

enum class field {
  unknown,
  seq,
  kind,
  pid,
  tid,
  target,
  path,
  path2,
  type,
  data,
  comm,
  fd,
  fd2,
  flags,
  mode,
  arg,
  count,
  result,
  nested,
  in,
  version,
  flavour_default,
  init_comm,
  init_pid,
  init_real
};

// The field a key names: by length first (a replay looks up ten keys a line).
field field_of(std::string_view k) {
  auto is = [&](std::string_view name, field f) { return k == name ? f : field::unknown; };
  switch (k.size()) {
    case 2:
      return k == "fd" ? field::fd : is("in", field::in);
    case 3:
      if (k == "seq") return field::seq;
      if (k == "pid") return field::pid;
      if (k == "tid") return field::tid;
      if (k == "arg") return field::arg;
      return is("fd2", field::fd2);
    case 4:
      if (k == "kind") return field::kind;
      if (k == "path") return field::path;
      if (k == "data") return field::data;
      if (k == "type") return field::type;
      if (k == "comm") return field::comm;
      return is("mode", field::mode);
    case 5:
      if (k == "path2") return field::path2;
      if (k == "flags") return field::flags;
      return is("count", field::count);
    case 6:
      if (k == "target") return field::target;
      if (k == "result") return field::result;
      return is("nested", field::nested);
    case 7:
      return is("version", field::version);
    case 8:
      return is("init_pid", field::init_pid);
    case 9:
      if (k == "init_comm") return field::init_comm;
      return is("init_real", field::init_real);
    case 15:
      return is("flavour_default", field::flavour_default);
    default:
      return field::unknown;
  }
}

// One key's value into `r`; unknown keys are skipped (a later version may add fields).
absl::Status parse_field(cursor& c, std::string_view key, trace_record* r, bool* have_kind) {
  constexpr long long kIntMax = std::numeric_limits<int>::max();
  constexpr long long kLongMax = std::numeric_limits<long>::max();
  constexpr long long kLongMin = std::numeric_limits<long>::min();
  constexpr long long kLLMin = std::numeric_limits<long long>::min();
  constexpr long long kLLMax = std::numeric_limits<long long>::max();
  long long n;
  auto num = [&](long long lo, long long hi, auto* f) {
    absl::Status st = c.integer(lo, hi, &n);
    if (st.ok()) *f = static_cast<std::remove_pointer_t<decltype(f)>>(n);
    return st;
  };
  switch (field_of(key)) {
    case field::seq:
      return c.unsigned64(&r->seq);
    case field::kind: {
      std::string name;
      if (absl::Status st = c.string(&name); !st.ok()) return st;
      *have_kind = true;
      if (name == "header") {
        r->what = trace_record::type::header;
      } else if (name == "input") {
        r->what = trace_record::type::input;
      } else if (name == "mountpoint") {
        r->what = trace_record::type::mountpoint;
      } else if (std::optional<uk::entry_kind> k = entry_kind_from_name(name)) {
        r->what = trace_record::type::entry;
        r->kind = *k;
      } else {
        return c.error(absl::StrCat("unknown kind \"", name, "\""));
      }
      return absl::OkStatus();
    }
    case field::pid:
      return num(0, kIntMax, &r->pid);
    case field::tid:
      return num(0, kIntMax, &r->tid);
    case field::target:
      return num(0, kIntMax, &r->target);
    case field::path:
      return c.string(&r->path);
    case field::path2:
      return c.string(&r->path2);
    case field::type:
      return c.string(&r->fstype);
    case field::data:
      return c.string(&r->data);
    case field::comm:
      return c.string(&r->comm);
    case field::fd:
      return num(-1, kIntMax, &r->fd);
    case field::fd2:
      return num(-1, kIntMax, &r->fd2);
    case field::flags:
      return num(0, kLongMax, &r->flags);
    case field::mode:
      return num(0, 07777777, &r->mode);
    case field::arg:
      return num(kLLMin, kLLMax, &r->arg);
    case field::count:
      return num(0, kLongMax, &r->count);
    case field::result:
      return num(kLongMin, kLongMax, &r->result);
    case field::nested:
      return c.boolean(&r->nested);
    case field::in:
      return parse_inputs(c, &r->inputs);
    case field::version:
      return num(0, kIntMax, &r->version);
    case field::flavour_default:
      return c.string(&r->flavour_default);
    case field::init_comm:
      return c.string(&r->init_comm);
    case field::init_pid:
      return num(1, kIntMax, &r->init_pid);
    case field::init_real:
      return c.boolean(&r->init_real);
    case field::unknown:
      break;
  }
  return c.skip_value();
}

}  // namespace

const char* entry_kind_name(uk::entry_kind k) { return kEntryNames[static_cast<size_t>(k)]; }

bool entry_returns_data(uk::entry_kind k) {
  using uk::entry_kind;
  return k == entry_kind::read || k == entry_kind::getdents || k == entry_kind::getcwd ||
         k == entry_kind::getxattr || k == entry_kind::listxattr;
}

std::optional<uk::entry_kind> entry_kind_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kEntryNames); i++) {
    if (std::string_view(kEntryNames[i]) == name) return static_cast<uk::entry_kind>(i);
  }
  return std::nullopt;
}

const char* input_kind_name(uk::input_kind k) { return kInputNames[static_cast<size_t>(k)]; }

std::optional<uk::input_kind> input_kind_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kInputNames); i++) {
    if (std::string_view(kInputNames[i]) == name) return static_cast<uk::input_kind>(i);
  }
  return std::nullopt;
}

void append_json_string(std::string* out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); i++) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') continue;
    out->append(bytes.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(bytes.data() + start, bytes.size() - start);
  out->push_back('"');
}

std::string dirent_names(std::string_view records) {
  std::string out;
  size_t off = 0;
  constexpr size_t kNameOff = offsetof(uk::linux_dirent64, d_name);
  while (records.size() - off > kNameOff) {
    unsigned short reclen;
    memcpy(&reclen, records.data() + off + offsetof(uk::linux_dirent64, d_reclen), sizeof reclen);
    if (reclen <= kNameOff || reclen > records.size() - off) break;
    std::string_view name = records.substr(off + kNameOff, reclen - kNameOff);
    out.append(name.substr(0, name.find('\0')));
    out.push_back('/');
    off += reclen;
  }
  return out;
}

absl::Status parse_trace_line(std::string_view line, trace_record* out) {
  trace_record& r = *out;
  r.what = trace_record::type::entry;
  r.seq = 0;
  r.kind = uk::entry_kind::fork;
  r.pid = r.tid = r.target = 0;
  r.path.clear(), r.path2.clear(), r.fstype.clear(), r.data.clear(), r.comm.clear();
  r.fd = r.fd2 = -1;
  r.flags = 0, r.mode = 0, r.arg = 0, r.count = 0, r.result = 0;
  r.nested = false;
  r.inputs.clear();
  r.version = 0, r.init_pid = 0, r.init_real = false;
  r.flavour_default.clear(), r.init_comm.clear();

  cursor c(line);
  // uk-run's own notes: {"event":...}; skipped unparsed beyond their first key.
  constexpr std::string_view kNote = "{\"event\":";
  if (line.substr(0, kNote.size()) == kNote) {
    r.what = trace_record::type::note;
    return absl::OkStatus();
  }
  if (absl::Status st = c.expect('{'); !st.ok()) return st;
  bool have_kind = false, have_seq = false;
  std::string key;
  if (!c.eat('}')) {
    while (true) {
      if (absl::Status st = c.string(&key); !st.ok()) return st;
      if (absl::Status st = c.expect(':'); !st.ok()) return st;
      if (key == "seq") have_seq = true;
      if (absl::Status st = parse_field(c, key, &r, &have_kind); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("\"", key, "\": ", st.message()));
      }
      if (c.eat('}')) break;
      if (absl::Status st = c.expect(','); !st.ok()) return st;
    }
  }
  c.skip_space();
  if (!c.at_end()) return c.error("text after the object");
  if (!have_kind) return absl::InvalidArgumentError("no \"kind\"");
  if (!have_seq) return absl::InvalidArgumentError("no \"seq\"");
  return absl::OkStatus();
}

long rules_move(uk::vfs_task& init, const std::string& tasks, pid_t tid) {
  long fd = uk::sys_open(init, tasks.c_str(), O_WRONLY);
  if (fd < 0) return fd;
  std::string text = std::to_string(tid);
  long n = uk::sys_write(init, static_cast<int>(fd), text.data(), text.size());
  uk::sys_close(init, static_cast<int>(fd));
  return n;
}

}  // namespace ukrun
