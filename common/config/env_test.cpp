#include "common/config/env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace paymesh::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

Lookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

FileReader FakeFiles(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

EnvReader Reader(std::map<std::string, std::string> vars,
                 std::map<std::string, std::string> files = {}) {
  return EnvReader(FakeEnv(std::move(vars)), FakeFiles(std::move(files)));
}

TEST(EnvTest, PlainValuesAndDefaults) {
  auto env = Reader({{"A", "alpha"}, {"EMPTY", ""}});
  EXPECT_EQ(env.String("A", "x"), "alpha");
  EXPECT_EQ(env.String("UNSET", "dflt"), "dflt");
  EXPECT_EQ(env.String("EMPTY", "dflt"), "dflt");
  EXPECT_EQ(env.RequiredString("A"), "alpha");
  EXPECT_TRUE(env.Finish().ok());
}

TEST(EnvTest, ReportsEveryProblemAtOnce) {
  auto env = Reader({{"PORT", "http"}, {"FLAG", "maybe"}, {"MODE", "fast"}});
  env.RequiredString("PG_DSN");
  env.Int("PORT", 1, 0, 65535);
  env.Bool("FLAG", false);
  env.OneOf("MODE", "all", {"all", "api", "notify"});
  env.RequiredSecretFile("KEY_FILE");
  env.AddProblem("CUSTOM_VAR is inconsistent");

  const absl::Status status = env.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env.problems().size(), 6u);
  for (const char* name : {"PG_DSN", "PORT", "FLAG", "MODE", "KEY_FILE", "CUSTOM_VAR"}) {
    EXPECT_THAT(std::string(status.message()), HasSubstr(name));
  }
}

TEST(EnvTest, IntAndMillisBounds) {
  auto env = Reader({{"N", "8"},
                     {"LOW", "-1"},
                     {"HIGH", "65536"},
                     {"JUNK", "12abc"},
                     {"SPACE", " 5"},
                     {"HUGE", "99999999999999999999"},
                     {"MS", "1500"},
                     {"MS_BAD", "1.5"}});
  EXPECT_EQ(env.Int("N", 1, 1, 64), 8);
  EXPECT_EQ(env.Int("UNSET", 7, 1, 64), 7);
  EXPECT_EQ(env.Int("LOW", 3, 0, 10), 3);
  EXPECT_EQ(env.Int("HIGH", 3, 0, 65535), 3);
  EXPECT_EQ(env.Int("JUNK", 3, 0, 100), 3);
  EXPECT_EQ(env.Int("SPACE", 3, 0, 100), 3);
  EXPECT_EQ(env.Int("HUGE", 3, 0, 100), 3);
  EXPECT_EQ(env.Millis("MS", milliseconds(10), milliseconds(1), milliseconds(60000)),
            milliseconds(1500));
  EXPECT_EQ(env.Millis("MS_BAD", milliseconds(10), milliseconds(1), milliseconds(60000)),
            milliseconds(10));
  EXPECT_EQ(env.Millis("MS", milliseconds(10), milliseconds(1), milliseconds(1000)),
            milliseconds(10));
  EXPECT_EQ(env.problems().size(), 7u);
  EXPECT_THAT(env.problems()[0], HasSubstr("LOW"));
  EXPECT_THAT(env.problems()[0], HasSubstr("[0, 10]"));
}

TEST(EnvTest, BoolParsing) {
  auto env = Reader({{"T1", "1"},
                     {"T2", "TRUE"},
                     {"T3", "yes"},
                     {"T4", "On"},
                     {"F1", "0"},
                     {"F2", "false"},
                     {"F3", "NO"},
                     {"F4", "off"},
                     {"BAD", "2"}});
  for (const char* name : {"T1", "T2", "T3", "T4"}) EXPECT_TRUE(env.Bool(name, false)) << name;
  for (const char* name : {"F1", "F2", "F3", "F4"}) EXPECT_FALSE(env.Bool(name, true)) << name;
  EXPECT_TRUE(env.Bool("UNSET", true));
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_FALSE(env.Bool("BAD", false));
  EXPECT_THAT(std::string(env.Finish().message()), HasSubstr("BAD"));
}

TEST(EnvTest, OneOf) {
  auto env = Reader({{"ROUTES", "api"}, {"LEVEL", "loud"}});
  EXPECT_EQ(env.OneOf("ROUTES", "all", {"all", "api", "notify"}), "api");
  EXPECT_EQ(env.OneOf("UNSET", "all", {"all", "api"}), "all");
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_EQ(env.OneOf("LEVEL", "info", {"debug", "info"}), "info");
  EXPECT_THAT(std::string(env.Finish().message()), HasSubstr("LEVEL"));
  EXPECT_THAT(std::string(env.Finish().message()), HasSubstr("debug|info"));
}

TEST(EnvTest, ListenAddrAcceptsHostPortAndDefaults) {
  auto env = Reader({{"GRPC_LISTEN_ADDR", "127.0.0.1:0"},
                     {"METRICS_LISTEN_ADDR", "[::1]:9999"},
                     {"SIM_LISTEN_ADDR", "localhost:65535"},
                     {"EMPTY_ADDR", ""}});
  EXPECT_EQ(env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20051"), "127.0.0.1:0");
  EXPECT_EQ(env.ListenAddr("METRICS_LISTEN_ADDR", "0.0.0.0:9091"), "[::1]:9999");
  EXPECT_EQ(env.ListenAddr("SIM_LISTEN_ADDR", "127.0.0.1:8090"), "localhost:65535");
  EXPECT_EQ(env.ListenAddr("UNSET_ADDR", "0.0.0.0:8080"), "0.0.0.0:8080");
  EXPECT_EQ(env.ListenAddr("EMPTY_ADDR", "0.0.0.0:9093"), "0.0.0.0:9093");
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_TRUE(env.problems().empty());
}

TEST(EnvTest, ListenAddrProblemNamesTheVariableAndValue) {
  const std::vector<std::string> bad = {"nowhere", "host:99999", "host:65536", ":80",      "host:",
                                        "host:-1", "host:80x",   "host: 80",   "host:+80", "80"};
  std::map<std::string, std::string> vars;
  for (size_t i = 0; i < bad.size(); ++i) vars["ADDR_" + std::to_string(i)] = bad[i];
  auto env = Reader(vars);
  for (size_t i = 0; i < bad.size(); ++i) {
    // The value read comes back as is; Finish() is what stops the start-up.
    EXPECT_EQ(env.ListenAddr("ADDR_" + std::to_string(i), "0.0.0.0:1"), bad[i]);
  }
  ASSERT_EQ(env.problems().size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(env.problems()[i],
              "ADDR_" + std::to_string(i) + " must be host:port, got \"" + bad[i] + "\"");
  }
  EXPECT_EQ(env.Finish().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EnvTest, IsHostPort) {
  for (const char* good : {"0.0.0.0:0", "127.0.0.1:20051", "[::1]:9999", "order:65535", "h:1"}) {
    EXPECT_TRUE(IsHostPort(good)) << good;
  }
  for (const char* bad : {"", ":", "order", "order:", ":20051", "order:65536", "order:-1",
                          "order:5005x", "order: 1", "order:+1", "order:1 "}) {
    EXPECT_FALSE(IsHostPort(bad)) << bad;
  }
}

TEST(EnvTest, SecretFilesAreReadAndTrimmedOnce) {
  auto env =
      Reader({{"KEY_FILE", "/run/key"}, {"CRLF_FILE", "/run/crlf"}, {"TWO_FILE", "/run/two"}},
             {{"/run/key", "s3cret\n"}, {"/run/crlf", "abc\r\n"}, {"/run/two", "x\n\n"}});
  EXPECT_EQ(env.RequiredSecretFile("KEY_FILE").Reveal(), "s3cret");
  EXPECT_EQ(env.RequiredSecretFile("CRLF_FILE").Reveal(), "abc");
  EXPECT_EQ(env.RequiredSecretFile("TWO_FILE").Reveal(), "x\n");
  EXPECT_FALSE(env.OptionalSecretFile("UNSET_FILE").has_value());
  auto optional = env.OptionalSecretFile("KEY_FILE");
  ASSERT_TRUE(optional.has_value());
  EXPECT_EQ(optional->Reveal(), "s3cret");
  EXPECT_TRUE(env.Finish().ok());
}

TEST(EnvTest, UnreadableSecretFileNamesTheVariableNeverTheContent) {
  auto env = Reader({{"KEY_FILE", "/missing"}, {"EMPTY_FILE", "/empty"}, {"OPT_FILE", "/gone"}},
                    {{"/empty", "\n"}});
  EXPECT_TRUE(env.RequiredSecretFile("KEY_FILE").empty());
  EXPECT_TRUE(env.RequiredSecretFile("EMPTY_FILE").empty());
  EXPECT_FALSE(env.OptionalSecretFile("OPT_FILE").has_value());
  EXPECT_TRUE(env.RequiredSecretFile("ABSENT_FILE").empty());
  const std::string message(env.Finish().message());
  for (const char* name : {"KEY_FILE", "EMPTY_FILE", "OPT_FILE", "ABSENT_FILE"}) {
    EXPECT_THAT(message, HasSubstr(name));
  }
  EXPECT_EQ(env.problems().size(), 4u);
}

TEST(EnvTest, SecretContentNeverAppearsInProblems) {
  auto env = Reader({{"A_FILE", "/a"}, {"PG_DSN", "postgresql://u:pw@h/db"}, {"PG_DSN_FILE", "/a"}},
                    {{"/a", "topsecret"}});
  env.RequiredSecretOrString("PG_DSN");  // both set: a problem
  env.Int("A_FILE", 0, 0, 1);            // misuse of a path variable as a number
  EXPECT_THAT(std::string(env.Finish().message()), Not(HasSubstr("topsecret")));
  EXPECT_THAT(std::string(env.Finish().message()), HasSubstr("PG_DSN_FILE"));
}

TEST(EnvTest, SecretOrString) {
  auto from_file = Reader({{"PG_DSN_FILE", "/dsn"}}, {{"/dsn", "host=db password=x\n"}});
  EXPECT_EQ(from_file.RequiredSecretOrString("PG_DSN").Reveal(), "host=db password=x");
  EXPECT_TRUE(from_file.Finish().ok());

  auto from_value = Reader({{"PG_DSN", "host=db"}});
  EXPECT_EQ(from_value.RequiredSecretOrString("PG_DSN").Reveal(), "host=db");
  EXPECT_TRUE(from_value.Finish().ok());

  auto neither = Reader({});
  neither.RequiredSecretOrString("PG_DSN");
  EXPECT_THAT(std::string(neither.Finish().message()), HasSubstr("PG_DSN"));
}

TEST(EnvTest, SecretPrintsRedacted) {
  Secret secret("hunter2");
  std::ostringstream os;
  os << secret;
  EXPECT_EQ(os.str(), "<redacted>");
  EXPECT_EQ(secret.Redacted(), "<redacted>");
  EXPECT_EQ(secret.Reveal(), "hunter2");
  EXPECT_EQ(Secret().Redacted(), "");
}

TEST(EnvTest, RedactUrl) {
  EXPECT_EQ(RedactUrl("postgresql://user:pass@host:5432/db"), "postgresql://user:***@host:5432/db");
  EXPECT_EQ(RedactUrl("postgres://u:p@ss@host/db"), "postgres://u:***@host/db");
  EXPECT_EQ(RedactUrl("redis://:pass@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(RedactUrl("redis://user:pass@host"), "redis://user:***@host");
  EXPECT_EQ(RedactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(RedactUrl("postgresql://user@host/db"), "postgresql://user@host/db");
  EXPECT_EQ(RedactUrl("postgresql://host/db?user=u&password=secret&sslmode=disable"),
            "postgresql://host/db?user=u&password=***&sslmode=disable");
  EXPECT_EQ(RedactUrl("host=127.0.0.1 port=5432 user=app password=secret dbname=paymesh"),
            "host=127.0.0.1 port=5432 user=app password=*** dbname=paymesh");
  EXPECT_EQ(RedactUrl("password = 'a b\\' c' dbname=x"), "password =*** dbname=x");
  EXPECT_EQ(RedactUrl("host=h password=s"), "host=h password=***");
  EXPECT_EQ(RedactUrl("host=h user=password_admin"), "host=h user=password_admin");
  EXPECT_EQ(RedactUrl(""), "");
}

TEST(EnvTest, IsOrigin) {
  bool https = false;
  EXPECT_TRUE(IsOrigin("https://shop.example.com", &https));
  EXPECT_TRUE(https);
  EXPECT_TRUE(IsOrigin("http://127.0.0.1:8080", &https));
  EXPECT_FALSE(https);
  EXPECT_TRUE(IsOrigin("http://[::1]:8090"));
  for (const char* bad :
       {"", "shop.example.com", "ftp://h", "https://", "https://h/", "https://h/path",
        "https://h:0", "https://h:65536", "https://h:", "https://h?x", "https://h#f", "https://u@h",
        "https://[::1", "https://[]", "https://h:80:80", "https:// h"}) {
    EXPECT_FALSE(IsOrigin(bad)) << bad;
  }
}

TEST(EnvTest, BaseUrlWantsHttpsUnlessInsecureIsAllowed) {
  auto env = Reader({{"A", "https://api.example.com/"},
                     {"B", "http://127.0.0.1:8090"},
                     {"C", "https://api.example.com/v3"}});
  EXPECT_EQ(env.BaseUrl("A", "", false), "https://api.example.com");
  EXPECT_EQ(env.BaseUrl("B", "", true), "http://127.0.0.1:8090");
  EXPECT_TRUE(env.Finish().ok());
  env.BaseUrl("B", "", false);
  env.BaseUrl("C", "", false);
  ASSERT_EQ(env.problems().size(), 2u);
  EXPECT_NE(env.problems()[0].find("ALLOW_INSECURE_UPSTREAMS"), std::string::npos);
  EXPECT_NE(env.problems()[1].find("no path"), std::string::npos);
  EXPECT_EQ(env.BaseUrl("UNSET", "https://d.example", false), "https://d.example");
}

TEST(EnvTest, Origins) {
  auto env = Reader({{"O", " https://Shop.Example.com , http://127.0.0.1:8080,"},
                     {"BAD", "https://a.example,https://b.example/path"}});
  EXPECT_EQ(env.Origins("O", ""),
            (std::vector<std::string>{"https://shop.example.com", "http://127.0.0.1:8080"}));
  EXPECT_TRUE(env.Origins("UNSET", "").empty());
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_EQ(env.Origins("BAD", ""), std::vector<std::string>{"https://a.example"});
  ASSERT_EQ(env.problems().size(), 1u);
  EXPECT_NE(env.problems()[0].find("BAD"), std::string::npos);
}

}  // namespace
}  // namespace paymesh::config

namespace paymesh::config {
namespace {

TEST(RunModeTest, NoArgumentsServeCheckConfigChecksAnythingElseIsUsage) {
  char prog[] = "order";
  char check[] = "--check-config";
  char other[] = "--serve";
  char* none[] = {prog};
  char* checking[] = {prog, check};
  char* wrong[] = {prog, other};
  char* two[] = {prog, check, check};
  EXPECT_EQ(ParseRunMode(1, none), RunMode::kServe);
  EXPECT_EQ(ParseRunMode(2, checking), RunMode::kCheckConfig);
  EXPECT_EQ(ParseRunMode(2, wrong), RunMode::kUsage);
  EXPECT_EQ(ParseRunMode(3, two), RunMode::kUsage);
}

}  // namespace
}  // namespace paymesh::config
