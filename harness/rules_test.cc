// cgrules.conf parsing and matching (harness/rules.h).
#include "harness/rules.h"

#include <gtest/gtest.h>

namespace ukrun {
namespace {

exec_identity who(std::string path, uid_t uid = 1000, std::string user = "alice") {
  exec_identity w;
  w.uid = uid;
  w.gid = 100;
  w.pid = 42;
  w.user_name = std::move(user);
  w.group_name = "users";
  w.user_groups = {"users", "audio"};
  w.paths = {std::move(path)};
  return w;
}

constexpr char kConf[] = R"(# the article's policy
*:firefox            cpu,cpuacct  browser/
%                    cpuset       browser
*:/opt/bt/transmission-cli  cpu   bulk
*:transmission*      cpu          bulk/
@audio:mpd           *            media
bob                  cpu          users/%u/%p
1000                 cpuacct      uid%U
)";

TEST(Rules, ParsesEveryLineButComments) {
  auto r = parse_rules(kConf);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 7u);
  EXPECT_EQ((*r)[0].user, "*");
  EXPECT_EQ((*r)[0].process, "firefox");
  EXPECT_EQ((*r)[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_TRUE((*r)[1].continuation);
  EXPECT_EQ((*r)[1].process, "firefox");
  EXPECT_EQ((*r)[1].line, 3);
}

TEST(Rules, FirstMatchWinsWithItsContinuations) {
  auto r = parse_rules(kConf).value();
  auto p = match_rules(r, who("/usr/lib/firefox/firefox"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].destination, "/browser");
  EXPECT_EQ(p[1].controllers, std::vector<std::string>{"cpuset"});
  EXPECT_EQ(p[1].destination, "/browser");
}

TEST(Rules, FullPathsWildcardsGroupsUsersTemplates) {
  auto r = parse_rules(kConf).value();
  auto p = match_rules(r, who("/opt/bt/transmission-cli"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].line, 4);
  p = match_rules(r, who("/usr/bin/transmission-daemon"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].line, 5);
  p = match_rules(r, who("/usr/bin/mpd"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].controllers, std::vector<std::string>{"*"});
  p = match_rules(r, who("/bin/sleep", 1001, "bob"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].destination, "/users/bob/sleep");
  p = match_rules(r, who("/bin/sleep"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].destination, "/uid1000");
  EXPECT_TRUE(match_rules(r, who("/bin/sleep", 7, "carol")).empty());
}

TEST(Rules, Errors) {
  EXPECT_FALSE(parse_rules("% cpu a\n").ok());
  EXPECT_FALSE(parse_rules("* cpu\n").ok());
  EXPECT_FALSE(parse_rules(":x cpu a\n").ok());
  EXPECT_TRUE(parse_rules("\n  # nothing\n").value().empty());
}

}  // namespace
}  // namespace ukrun
