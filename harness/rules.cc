#include "harness/rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ukrun {

namespace {

absl::string_view base_name(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

bool name_matches(absl::string_view pattern, absl::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  }
  return pattern == name;
}

bool user_matches(absl::string_view user, const exec_identity& who) {
  if (user == "*") return true;
  if (user[0] == '@') {
    absl::string_view g = user.substr(1);
    uint32_t gid;
    if (absl::SimpleAtoi(g, &gid) && gid == who.gid) return true;
    if (g == who.group_name) return true;
    for (const auto& name : who.user_groups) {
      if (name == g) return true;
    }
    return false;
  }
  uint32_t uid;
  if (absl::SimpleAtoi(user, &uid)) return uid == who.uid;
  return user == who.user_name;
}

bool process_matches(absl::string_view process, const exec_identity& who) {
  if (process.empty()) return true;
  bool full = process.find('/') != absl::string_view::npos;
  for (const auto& p : who.paths) {
    if (name_matches(process, full ? absl::string_view(p) : base_name(p))) return true;
  }
  return false;
}

std::string expand(absl::string_view dest, const exec_identity& who) {
  std::string out;
  for (size_t i = 0; i < dest.size(); i++) {
    if (dest[i] != '%' || i + 1 == dest.size()) {
      out += dest[i];
      continue;
    }
    char c = dest[++i];
    absl::string_view prog = who.paths.empty() ? "" : base_name(who.paths.front());
    switch (c) {
      case 'u':
        absl::StrAppend(&out, who.user_name.empty() ? std::to_string(who.uid) : who.user_name);
        break;
      case 'U':
        absl::StrAppend(&out, who.uid);
        break;
      case 'g':
        absl::StrAppend(&out, who.group_name.empty() ? std::to_string(who.gid) : who.group_name);
        break;
      case 'G':
        absl::StrAppend(&out, who.gid);
        break;
      case 'p':
        absl::StrAppend(&out, prog.empty() ? std::to_string(who.pid) : std::string(prog));
        break;
      case 'P':
        absl::StrAppend(&out, who.pid);
        break;
      default:
        out += '%';
        out += c;
    }
  }
  // Relative to the hierarchy root: "/a/b".
  std::string norm;
  for (absl::string_view part : absl::StrSplit(out, '/', absl::SkipEmpty())) {
    absl::StrAppend(&norm, "/", part);
  }
  return norm.empty() ? "/" : norm;
}

}  // namespace

absl::StatusOr<std::vector<placement_rule>> parse_rules(absl::string_view text) {
  std::vector<placement_rule> rules;
  int lineno = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    lineno++;
    size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": ", why));
    };
    if (f.size() != 3) return bad("want `user[:process] controllers destination`");
    placement_rule r;
    r.line = lineno;
    if (f[0] == "%") {
      if (rules.empty()) return bad("`%` continues no rule");
      r.continuation = true;
      r.user = rules.back().user;
      r.process = rules.back().process;
    } else {
      size_t colon = f[0].find(':');
      r.user = std::string(f[0].substr(0, colon));
      if (colon != absl::string_view::npos) r.process = std::string(f[0].substr(colon + 1));
      if (r.user.empty() || r.user == "@") return bad("empty user");
    }
    for (absl::string_view c : absl::StrSplit(f[1], ',', absl::SkipEmpty())) {
      r.controllers.emplace_back(c);
    }
    if (r.controllers.empty()) return bad("no controllers");
    r.destination = std::string(f[2]);
    rules.push_back(std::move(r));
  }
  return rules;
}

std::vector<placement> match_rules(const std::vector<placement_rule>& rules,
                                   const exec_identity& who) {
  std::vector<placement> out;
  for (size_t i = 0; i < rules.size(); i++) {
    const placement_rule& r = rules[i];
    if (r.continuation || !user_matches(r.user, who) || !process_matches(r.process, who)) {
      continue;
    }
    for (size_t j = i; j < rules.size() && (j == i || rules[j].continuation); j++) {
      out.push_back({rules[j].controllers, expand(rules[j].destination, who), rules[j].line});
    }
    break;
  }
  return out;
}

}  // namespace ukrun
