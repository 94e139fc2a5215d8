// TokenCentre against real Redis (scripts/test's, and one of the test's own for restarts), with
// WeChat played by FakeWechatApi and time by a FakeClock.

#include "services/auth/token_centre.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/time/testing/fake_clock.h"
#include "services/auth/testing/fake_wechat_api.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TokenCentreOptions FastOptions() {
  TokenCentreOptions o;
  o.wait = milliseconds(3000);
  o.poll = milliseconds(5);
  o.retry_after_failure = milliseconds(1000);
  return o;
}

class TokenCentreTest : public ::testing::Test {
 protected:
  TokenCentreTest() : redis_(paymesh::testing::RedisOptions()) {}

  std::unique_ptr<TokenCentre> Replica(TokenCentreOptions options = FastOptions()) {
    return std::make_unique<TokenCentre>(options, wechat_, redis_, clock_);
  }

  const std::string appid_ = paymesh::testing::UniqueName("wx");
  time::testing::FakeClock clock_;
  testing::FakeWechatApi wechat_;
  redis::Client redis_;
};

TEST_F(TokenCentreTest, OneFetchServesEveryReplica) {
  auto a = Replica(), b = Replica();
  absl::StatusOr<WechatCredential> first = a->AccessToken(appid_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->value, "AT1");
  EXPECT_EQ(first->expires_at, clock_.Now() + seconds(7200));
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT1");
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  EXPECT_EQ(wechat_.calls("stable_token"), 1);
  EXPECT_EQ(wechat_.forced(), 0);
  EXPECT_EQ(b->AccessToken(paymesh::testing::UniqueName("wx"))->value, "AT2") << "per appid";
}

TEST_F(TokenCentreTest, ThreeReplicasUnderConcurrencyFetchOnceEach) {
  std::vector<std::unique_ptr<TokenCentre>> replicas;
  for (int i = 0; i < 3; ++i) replicas.push_back(Replica());
  wechat_.set_delay(milliseconds(150));  // everyone arrives while the first fetch is in flight
  std::mutex mu;
  std::set<std::string> tickets;
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 30; ++i) {
    callers.emplace_back([&, i] {
      absl::StatusOr<WechatCredential> t = replicas[i % 3]->JsapiTicket(appid_);
      if (!t.ok()) {
        ++failures;
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      tickets.insert(t->value);
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(tickets, std::set<std::string>{"TK1"});
  EXPECT_EQ(wechat_.calls("stable_token"), 1);
  EXPECT_EQ(wechat_.calls("getticket"), 1);
}

TEST_F(TokenCentreTest, ARefresherThatOutlivedItsLockCannotOverwriteANewerValue) {
  TokenCentreOptions o = FastOptions();
  o.lock_ttl = milliseconds(100);
  auto a = Replica(o), b = Replica(o);
  wechat_.set_delay(milliseconds(800));
  absl::StatusOr<WechatCredential> stalled;
  std::thread slow([&] { stalled = a->AccessToken(appid_); });
  std::this_thread::sleep_for(milliseconds(50));
  wechat_.set_delay(milliseconds(0));
  // b waits, sees a's lock expire, takes over and stores its token (WeChat numbers them as it
  // answers: b's is AT1) long before a's answer (AT2) arrives.
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT1");
  slow.join();
  ASSERT_TRUE(stalled.ok()) << stalled.status();
  EXPECT_EQ(stalled->value, "AT2") << "its caller still gets what WeChat issued";
  EXPECT_EQ(Replica()->AccessToken(appid_)->value, "AT1") << "but the shared value stays b's";
  EXPECT_EQ(wechat_.calls("stable_token"), 2);
}

TEST_F(TokenCentreTest, RenewsEarlyWhileTheOldValueKeepsServing) {
  wechat_.set_lifetime(seconds(100));  // renewal margin min(240 s, 100 s / 5) = 20 s
  auto a = Replica(), b = Replica();
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  clock_.Advance(seconds(79));
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT1");
  EXPECT_EQ(wechat_.calls("stable_token"), 1);
  clock_.Advance(seconds(2));
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT2") << "the renewer answers the new one";
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT2");
  EXPECT_EQ(wechat_.calls("stable_token"), 2);
  EXPECT_EQ(wechat_.forced(), 0) << "renewal never forces: the old token stays valid";
}

TEST_F(TokenCentreTest, AFailedRenewalServesTheCurrentValueAndBacksOff) {
  wechat_.set_lifetime(seconds(100));
  auto a = Replica();
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  clock_.Advance(seconds(85));
  wechat_.FailNext(1, absl::UnavailableError("wechat down"));
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1") << "no second try inside the back-off";
  EXPECT_EQ(wechat_.calls("stable_token"), 2);
}

TEST_F(TokenCentreTest, WithNothingCachedAFailureReachesTheCallerWithoutAStampede) {
  TokenCentreOptions o = FastOptions();
  o.wait = milliseconds(300);
  auto a = Replica(o), b = Replica(o);
  wechat_.FailNext(1, absl::FailedPreconditionError("wechat errcode 40125"));
  EXPECT_EQ(a->AccessToken(appid_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->AccessToken(appid_).status().code(), absl::StatusCode::kUnavailable)
      << "inside the back-off the others wait instead of calling WeChat";
  EXPECT_EQ(wechat_.calls("stable_token"), 1);
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT1") << "after it, one caller tries again";
}

TEST_F(TokenCentreTest, AReportedTokenIsForceRefreshedOnce) {
  auto a = Replica(), b = Replica();
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  absl::StatusOr<WechatCredential> healed = a->ReportInvalidAccessToken(appid_, "AT1");
  ASSERT_TRUE(healed.ok()) << healed.status();
  EXPECT_EQ(healed->value, "AT2");
  EXPECT_EQ(wechat_.forced(), 1);
  EXPECT_EQ(b->ReportInvalidAccessToken(appid_, "AT1")->value, "AT2")
      << "a late report about the old token changes nothing";
  EXPECT_EQ(b->AccessToken(appid_)->value, "AT2");
  EXPECT_EQ(wechat_.calls("stable_token"), 2);
  EXPECT_EQ(b->ReportInvalidAccessToken(appid_, "AT2").status().code(),
            absl::StatusCode::kUnavailable)
      << "WeChat allows one forced refresh per 30 s";
  EXPECT_EQ(wechat_.calls("stable_token"), 2);
  EXPECT_EQ(a->ReportInvalidAccessToken(appid_, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TokenCentreTest, ForcedRefreshesStopAtTheDailyBudget) {
  TokenCentreOptions o = FastOptions();
  o.min_force_interval = seconds(1);
  o.max_forced_per_day = 2;
  auto a = Replica(o);
  std::string token = a->AccessToken(appid_)->value;
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(1100));
    absl::StatusOr<WechatCredential> healed = a->ReportInvalidAccessToken(appid_, token);
    ASSERT_TRUE(healed.ok()) << healed.status();
    token = healed->value;
  }
  std::this_thread::sleep_for(milliseconds(1100));
  EXPECT_EQ(a->ReportInvalidAccessToken(appid_, token).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(wechat_.forced(), 2);
}

TEST(LockTtlTest, OutlastsTheLongestFetch) {
  EXPECT_EQ(LockTtlFor(milliseconds(3000), milliseconds(5000)), milliseconds(22000));
}

TEST_F(TokenCentreTest, ATicketFetchThatMeets40001HealsTheTokenAndRetries) {
  auto a = Replica();
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT1");
  wechat_.Invalidate("AT1");
  absl::StatusOr<WechatCredential> ticket = a->JsapiTicket(appid_);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_EQ(ticket->value, "TK1");
  EXPECT_EQ(a->AccessToken(appid_)->value, "AT2");
  EXPECT_EQ(wechat_.forced(), 1);
  EXPECT_EQ(wechat_.calls("getticket"), 2);
}

TEST(TokenCentreRedisRestartTest, ServesFromMemoryWhileRedisIsDownAndRefillsIt) {
  absl::StatusOr<std::unique_ptr<paymesh::testing::RedisServer>> server =
      paymesh::testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<redis::Options> options = redis::ParseUrl((*server)->url());
  ASSERT_TRUE(options.ok());
  options->connect_timeout = options->command_timeout = milliseconds(200);
  redis::Client redis(*options);
  time::testing::FakeClock clock;
  testing::FakeWechatApi wechat;
  TokenCentre a(FastOptions(), wechat, redis, clock), b(FastOptions(), wechat, redis, clock);
  EXPECT_EQ(a.JsapiTicket("wxrestart")->value, "TK1");

  (*server)->Kill();
  EXPECT_EQ(a.JsapiTicket("wxrestart")->value, "TK1") << "this replica's last value";
  EXPECT_EQ(b.JsapiTicket("wxrestart").status().code(), absl::StatusCode::kUnavailable)
      << "a replica that never saw one has nothing to serve";

  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_EQ(b.JsapiTicket("wxrestart")->value, "TK2") << "Redis came back empty: one refetch";
  EXPECT_EQ(a.JsapiTicket("wxrestart")->value, "TK2") << "and everyone shares it again";
  EXPECT_EQ(wechat.calls("stable_token"), 2);
  EXPECT_EQ(wechat.calls("getticket"), 2);
}

}  // namespace
}  // namespace paymesh::auth
