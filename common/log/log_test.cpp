#include "common/log/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace paymesh::log {
namespace {

// 2026-11-21T10:00:00.123Z
const std::chrono::system_clock::time_point kFixedTime =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1795255200123));

boost::json::object Parse(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << "not JSON: " << line;
  EXPECT_TRUE(v.is_object()) << line;
  return v.is_object() ? v.as_object() : boost::json::object();
}

TEST(LogTest, FormatsFixedFieldsFirst) {
  Init("order", Level::kInfo);
  const std::string line = FormatLineAt(kFixedTime, Level::kWarn, "hello", {});
  EXPECT_EQ(line,
            R"({"ts":"2026-11-21T10:00:00.123Z","level":"warn","service":"order","msg":"hello"})");
}

TEST(LogTest, TimestampIsUtcWithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(5));
  auto obj = Parse(FormatLineAt(t, Level::kInfo, "m", {}));
  EXPECT_EQ(obj["ts"].as_string(), "1970-01-01T00:00:00.005Z");
}

TEST(LogTest, EscapesQuotesNewlinesAndControlCharacters) {
  const std::string nasty = "say \"hi\"\nback\\slash\ttab\x01\x1f end";
  const std::string line = FormatLineAt(kFixedTime, Level::kError, nasty, {{"detail", nasty}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\x01'), std::string::npos);
  auto obj = Parse(line);
  EXPECT_EQ(obj["msg"].as_string(), nasty);
  EXPECT_EQ(obj["detail"].as_string(), nasty);
  EXPECT_EQ(obj["level"].as_string(), "error");
}

TEST(LogTest, InvalidUtf8StillYieldsValidJson) {
  const std::string bytes = "ok \xff\xfe bad \xc3";
  auto obj = Parse(FormatLineAt(kFixedTime, Level::kInfo, bytes, {}));
  EXPECT_EQ(obj["msg"].as_string(), "ok \xEF\xBF\xBD\xEF\xBF\xBD bad \xEF\xBF\xBD");
}

TEST(LogTest, FieldsKeepTheirTypes) {
  auto obj = Parse(FormatLineAt(kFixedTime, Level::kInfo, "m",
                                {{"s", "text"},
                                 {"i", 42},
                                 {"big", int64_t{9007199254740993}},
                                 {"d", 0.5},
                                 {"nan", std::nan("")},
                                 {"b", true}}));
  EXPECT_EQ(obj["s"].as_string(), "text");
  EXPECT_EQ(obj["i"].as_int64(), 42);
  EXPECT_EQ(obj["big"].as_int64(), 9007199254740993);
  EXPECT_DOUBLE_EQ(obj["d"].as_double(), 0.5);
  EXPECT_TRUE(obj["nan"].is_null());
  EXPECT_TRUE(obj["b"].as_bool());
}

TEST(LogTest, RequestIdComesFromTheInnermostScope) {
  EXPECT_FALSE(Parse(FormatLine(Level::kInfo, "m", {})).contains("request_id"));
  {
    RequestScope outer("req-outer");
    EXPECT_EQ(CurrentRequestId(), "req-outer");
    EXPECT_EQ(Parse(FormatLine(Level::kInfo, "m", {}))["request_id"].as_string(), "req-outer");
    {
      RequestScope inner("req-inner");
      EXPECT_EQ(Parse(FormatLine(Level::kInfo, "m", {}))["request_id"].as_string(), "req-inner");
    }
    EXPECT_EQ(Parse(FormatLine(Level::kInfo, "m", {}))["request_id"].as_string(), "req-outer");

    std::string other_thread_id = "unset";
    std::thread([&] { other_thread_id = CurrentRequestId(); }).join();
    EXPECT_EQ(other_thread_id, "");
  }
  EXPECT_EQ(CurrentRequestId(), "");
  EXPECT_FALSE(Parse(FormatLine(Level::kInfo, "m", {})).contains("request_id"));
}

// Lines from many threads reach stdout whole, each thread's in its own order, once flushed.
TEST(LogTest, LinesFromManyThreadsArriveWholeAndInOrder) {
  char path[] = "/tmp/paymesh-log-test-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  ASSERT_EQ(dup2(file, STDOUT_FILENO), STDOUT_FILENO);
  constexpr int kThreads = 4, kLines = 500;
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          Info("line", {{"thread", t}, {"seq", i}, {"pad", std::string(100, 'x')}});
        }
      });
    }
    for (std::thread& th : threads) th.join();
  }
  Flush();
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(file);

  std::ifstream in(path);
  std::string line;
  std::vector<int> next(kThreads, 0);
  int total = 0;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    if (v.as_object().at("msg").as_string() != "line") continue;
    const auto t = v.as_object().at("thread").as_int64();
    EXPECT_EQ(v.as_object().at("seq").as_int64(), next[t]++) << "thread " << t;
    ++total;
  }
  std::remove(path);
  EXPECT_EQ(total, kThreads * kLines);
}

TEST(LogTest, ParsesLevels) {
  Level level = Level::kError;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_TRUE(ParseLevel("warn", &level));
  EXPECT_EQ(level, Level::kWarn);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_FALSE(ParseLevel("INFO", &level));
  EXPECT_EQ(level, Level::kWarn);
}

TEST(LogTest, MasksOpenid) {
  EXPECT_EQ(MaskOpenid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), "oUp***S6o");
  EXPECT_EQ(MaskOpenid("abcdefg"), "abc***efg");
  EXPECT_EQ(MaskOpenid("abcdef"), "******");
  EXPECT_EQ(MaskOpenid("ab"), "**");
  EXPECT_EQ(MaskOpenid(""), "");
}

TEST(LogTest, MasksMobile) {
  EXPECT_EQ(MaskMobile("13812348000"), "138****8000");
  EXPECT_EQ(MaskMobile("1381234"), "*******");
  EXPECT_EQ(MaskMobile(""), "");
}

}  // namespace
}  // namespace paymesh::log
