#include "common/redis/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/support/test_env.h"

namespace paymesh::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::RedisUrl().empty());
    options_ = testing::RedisOptions();
    client_ = std::make_unique<Client>(options_);
    prefix_ = testing::UniqueName("t_") + ":";
  }
  void TearDown() override {
    for (const std::string& k : keys_) (void)client_->Del(k);
  }
  std::string Key(const std::string& name) {
    keys_.push_back(prefix_ + name);
    return keys_.back();
  }
  int64_t Ttl(const std::string& key) {
    auto r = client_->Command({"TTL", key});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->integer : -100;
  }

  Options options_;
  std::unique_ptr<Client> client_;
  std::string prefix_;
  std::vector<std::string> keys_;
};

TEST_F(ClientTest, PingAnswers) { EXPECT_TRUE(client_->Ping().ok()); }

TEST_F(ClientTest, GetMissingIsNullopt) {
  auto v = client_->Get(Key("missing"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->has_value());
}

TEST_F(ClientTest, SetExThenGetWithTtl) {
  const std::string k = Key("setex");
  ASSERT_TRUE(client_->SetEx(k, "value", seconds(60)).ok());
  auto v = client_->Get(k);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value_or(""), "value");
  const int64_t ttl = Ttl(k);
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 60);
  EXPECT_EQ(client_->SetEx(k, "v", seconds(0)).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, SetNxExSetsOnlyOnce) {
  const std::string k = Key("nx");
  auto first = client_->SetNxEx(k, "a", seconds(60));
  auto second = client_->SetNxEx(k, "b", seconds(60));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_EQ(client_->Get(k)->value_or(""), "a");
  EXPECT_GT(Ttl(k), 0);
}

TEST_F(ClientTest, DelAndExists) {
  const std::string k = Key("del");
  EXPECT_FALSE(client_->Exists(k).value_or(true));
  ASSERT_TRUE(client_->SetEx(k, "x", seconds(60)).ok());
  EXPECT_TRUE(client_->Exists(k).value_or(false));
  EXPECT_EQ(client_->Del(k).value_or(-1), 1);
  EXPECT_EQ(client_->Del(k).value_or(-1), 0);
  EXPECT_FALSE(client_->Exists(k).value_or(true));
}

TEST_F(ClientTest, IncrWithTtlCountsAndSetsTheWindow) {
  const std::string k = Key("incr");
  EXPECT_EQ(client_->IncrWithTtl(k, seconds(100)).value_or(-1), 1);
  EXPECT_EQ(client_->IncrWithTtl(k, seconds(100)).value_or(-1), 2);
  EXPECT_EQ(client_->IncrWithTtl(k, seconds(100)).value_or(-1), 3);
  const int64_t ttl = Ttl(k);
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 100);
}

TEST_F(ClientTest, IncrWithTtlKeepsTheWindowAndHealsAKeyWithoutTtl) {
  const std::string k = Key("heal");
  ASSERT_TRUE(client_->IncrWithTtl(k, seconds(100)).ok());
  // A later increment must not push the window's end out.
  ASSERT_TRUE(client_->IncrWithTtl(k, seconds(5000)).ok());
  EXPECT_LE(Ttl(k), 100);
  ASSERT_TRUE(client_->Command({"PERSIST", k}).ok());
  EXPECT_EQ(Ttl(k), -1);
  EXPECT_EQ(client_->IncrWithTtl(k, seconds(50)).value_or(-1), 3);
  EXPECT_GT(Ttl(k), 0);
}

TEST_F(ClientTest, EvalRunsWithKeysAndArgs) {
  const std::string k = Key("eval");
  auto r = client_->Eval(
      "redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('GET', KEYS[1]), 7, false}", {k},
      {"hello"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->type, Reply::Type::kArray);
  ASSERT_EQ(r->elements.size(), 3u);
  EXPECT_EQ(r->elements[0].str, "hello");
  EXPECT_EQ(r->elements[1].integer, 7);
  EXPECT_TRUE(r->elements[2].is_nil());
}

TEST_F(ClientTest, ErrorReplyIsInternalWithTheServerText) {
  auto r = client_->Command({"NOSUCHCOMMAND", "x"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("unknown command"), absl::string_view::npos) << r.status();
  const std::string k = Key("wrongtype");
  ASSERT_TRUE(client_->SetEx(k, "text", seconds(60)).ok());
  EXPECT_EQ(client_->Command({"LPUSH", k, "x"}).status().code(), absl::StatusCode::kInternal);
  // The connection is still fine afterwards.
  EXPECT_TRUE(client_->Ping().ok());
}

TEST_F(ClientTest, ValuesAreBinarySafe) {
  const std::string k = Key("bin key with spaces\r\n");
  const std::string value("a\0b c\r\nd\0\xff", 11);
  ASSERT_TRUE(client_->SetEx(k, value, seconds(60)).ok());
  auto v = client_->Get(k);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ(**v, value);
  EXPECT_EQ(v->value().size(), 11u);
}

TEST_F(ClientTest, UnreachablePortIsUnavailableQuickly) {
  Options o = options_;
  o.port = UnusedPort();
  Client c(o);
  const auto start = steady_clock::now();
  EXPECT_EQ(c.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c.Get("k").status().code(), absl::StatusCode::kUnavailable);  // slot was freed
  EXPECT_LT(steady_clock::now() - start, seconds(2));
}

TEST_F(ClientTest, CommandTimeoutIsUnavailableAndThePoolRecovers) {
  Options o = options_;
  o.pool_size = 1;
  o.command_timeout = milliseconds(200);
  Client c(o);
  ASSERT_TRUE(c.Ping().ok());
  // BLPOP on an empty list blocks this client only (the server stays responsive).
  const auto start = steady_clock::now();
  auto r = c.Command({"BLPOP", Key("never"), "2"});
  const auto took = steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_LT(took, milliseconds(1500));
  // The timed-out connection (which would still receive the late BLPOP reply) was dropped,
  // so the next command on the single-slot pool gets a fresh one and its own answer.
  const std::string k = Key("after");
  ASSERT_TRUE(c.SetEx(k, "fresh", seconds(60)).ok());
  EXPECT_EQ(c.Get(k)->value_or(""), "fresh");
}

TEST_F(ClientTest, ReplacesAnIdleConnectionTheServerClosed) {
  Options o = options_;
  o.pool_size = 1;
  Client c(o);
  auto id = c.Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok()) << id.status();
  auto killed = client_->Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_EQ(killed->integer, 1);
  auto again = c.Command({"CLIENT", "ID"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->integer, id->integer);
}

TEST_F(ClientTest, AcquireTimesOutWhenThePoolIsExhausted) {
  Options o = options_;
  o.pool_size = 1;
  o.acquire_timeout = milliseconds(100);
  o.command_timeout = milliseconds(5000);
  Client c(o);
  const std::string list = Key("list");
  const std::string name = testing::UniqueName("holder");
  ASSERT_TRUE(c.Command({"CLIENT", "SETNAME", name}).ok());  // the pool's only connection
  absl::StatusOr<Reply> blocked;
  std::thread holder([&] { blocked = c.Command({"BLPOP", list, "5"}); });
  // Poll (with a deadline) until the holder's BLPOP is parked on the server.
  const auto deadline = steady_clock::now() + seconds(5);
  bool parked = false;
  while (!parked && steady_clock::now() < deadline) {
    auto clients = client_->Command({"CLIENT", "LIST"});
    ASSERT_TRUE(clients.ok()) << clients.status();
    for (absl::string_view line : absl::StrSplit(clients->str, '\n')) {
      if (absl::StrContains(line, " name=" + name + " ") && absl::StrContains(line, " cmd=blpop")) {
        parked = true;
      }
    }
    if (!parked) std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(parked);
  EXPECT_EQ(c.Ping().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(client_->Command({"RPUSH", list, "go"}).ok());  // releases the holder
  holder.join();
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_TRUE(c.Ping().ok());
}

TEST_F(ClientTest, ConcurrentIncrementsThroughASmallPoolAreExact) {
  Options o = options_;
  o.pool_size = 4;
  Client c(o);
  const std::string k = Key("counter");
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!c.Command({"INCR", k}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c.Get(k)->value_or(""), std::to_string(kThreads * kEach));
}

TEST_F(ClientTest, SelectsTheConfiguredDatabase) {
  Options o = options_;
  o.db = options_.db == 1 ? 2 : 1;
  Client other(o);
  const std::string k = Key("db");
  ASSERT_TRUE(other.SetEx(k, "elsewhere", seconds(60)).ok());
  EXPECT_FALSE(client_->Exists(k).value_or(true));
  EXPECT_TRUE(other.Exists(k).value_or(false));
  EXPECT_EQ(other.Del(k).value_or(-1), 1);
}

}  // namespace
}  // namespace paymesh::redis
