// The token centre across three auth replicas: the simulator issues access_tokens and
// jsapi_tickets that live 6 s (superseded ones work 3 s more), and the replicas are asked for
// the ticket 300 times at once, again and again across several expiries. WeChat must see one
// token fetch and one ticket fetch per renewal, whichever replica did it, and no caller may ever
// get an error. Then a token WeChat no longer accepts (40001) is reported and healed with one
// forced refresh.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <boost/json.hpp>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/rpc/call.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "tests/e2e/e2e.h"
#include "tests/support/redis_server.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;
using auth::v1::AuthService;

constexpr int kCallsPerRound = 300;

class TokenCentreTest : public E2eTest {
 protected:
  StackOptions Options() const override {
    StackOptions options = DefaultStackOptions();
    options.env[Service::kWechatSim]["SIM_WECHAT_TOKEN_TTL_SECONDS"] = "6";
    options.env[Service::kWechatSim]["SIM_WECHAT_TOKEN_OVERLAP_SECONDS"] = "3";
    options.env[Service::kAuth]["AUTH_WECHAT_TOKEN_REFRESH_BEFORE_SECONDS"] = "2";
    return options;
  }

  void SetUp() override {
    E2eTest::SetUp();
    if (HasFailure()) return;
    if (replicas_.empty()) {
      replicas_.push_back(Stub(stack().Port(Service::kAuth)));
      for (int i = 0; i < 2; ++i) {
        absl::StatusOr<int> port = stack().StartReplica(Service::kAuth);
        ASSERT_TRUE(port.ok()) << port.status();
        replicas_.push_back(Stub(*port));
      }
    }
  }
  static void TearDownTestSuite() {
    replicas_.clear();
    E2eTest::TearDownTestSuite();
  }

  std::unique_ptr<AuthService::Stub> Stub(int port) {
    return AuthService::NewStub(rpc::MakeChannel("127.0.0.1:" + std::to_string(port),
                                                 stack().Identity("token-client"), "auth"));
  }

  HttpResponse Sim(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return testing::Send(stack().host(), stack().sim_port(), method, target,
                         {{"Content-Type", "application/json"}}, body);
  }
  int64_t Counter(const std::string& endpoint) {
    json::value v = Json(Sim("GET", "/sim/wechat/counters"));
    return v.is_object() && v.as_object().contains(endpoint) ? v.as_object().at(endpoint).as_int64()
                                                             : 0;
  }

  // kCallsPerRound GetJsapiTicket calls in flight at once, spread over the replicas. Adds every
  // ticket seen to `tickets` and returns how many calls failed (with the first error in `error`).
  int Round(std::set<std::string>& tickets, std::string& error) {
    struct Call {
      grpc::ClientContext ctx;
      auth::v1::WechatCredential resp;
      grpc::Status status;
    };
    std::vector<std::unique_ptr<Call>> calls;
    std::latch done(kCallsPerRound);
    auth::v1::GetWechatCredentialRequest req;
    for (int i = 0; i < kCallsPerRound; ++i) {
      auto call = std::make_unique<Call>();
      call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      Call* c = call.get();
      replicas_[i % replicas_.size()]->async()->GetJsapiTicket(&c->ctx, &req, &c->resp,
                                                               [c, &done](grpc::Status s) {
                                                                 c->status = std::move(s);
                                                                 done.count_down();
                                                               });
      calls.push_back(std::move(call));
    }
    done.wait();
    int failures = 0;
    for (const auto& c : calls) {
      if (c->status.ok()) {
        tickets.insert(c->resp.value());
      } else if (failures++ == 0) {
        error = c->status.error_message();
      }
    }
    return failures;
  }

  static std::vector<std::unique_ptr<AuthService::Stub>> replicas_;
};

std::vector<std::unique_ptr<AuthService::Stub>> TokenCentreTest::replicas_;

TEST_F(TokenCentreTest, ThreeReplicasFetchOnceFromWechatPerRenewal) {
  ASSERT_EQ(replicas_.size(), 3u);
  ASSERT_EQ(Sim("DELETE", "/sim/wechat/counters").status, 204);
  std::set<std::string> tickets;
  std::string error;
  int failures = 0, rounds = 0;
  // Three lifetimes of 6 s, a burst every 400 ms: bursts land on fresh tickets, on tickets due for
  // renewal and (when no burst fell in the last second) on expired ones.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < end) {
    failures += Round(tickets, error);
    ++rounds;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  EXPECT_EQ(failures, 0) << "first error: " << error;
  const int64_t token_fetches = Counter("cgi-bin/stable_token");
  const int64_t ticket_fetches = Counter("cgi-bin/ticket/getticket");
  EXPECT_GE(ticket_fetches, 3) << "15 s should span at least two renewals after the first fetch";
  EXPECT_EQ(ticket_fetches, static_cast<int64_t>(tickets.size()))
      << "every ticket fetched was served, and no ticket was fetched twice";
  EXPECT_EQ(token_fetches, ticket_fetches) << "one access_token per ticket";
  EXPECT_EQ(Counter("cgi-bin/token"), 0) << "stable_token only";
  std::cout << "token centre: " << rounds * kCallsPerRound << " calls over 3 replicas, "
            << token_fetches << " token and " << ticket_fetches << " ticket fetches\n";
}

TEST_F(TokenCentreTest, ATokenWechatRefusesIsHealedByOneForcedRefresh) {
  ASSERT_EQ(replicas_.size(), 3u);
  grpc::ClientContext c1;
  auth::v1::GetWechatCredentialRequest get;
  auth::v1::WechatCredential current;
  ASSERT_TRUE(replicas_[0]->GetWechatAccessToken(&c1, get, &current).ok());
  const std::string appid = stack().wechat().appid;

  // WeChat stops accepting it (another party took the token, the overlap is over).
  ASSERT_EQ(
      Sim("POST", "/sim/wechat/revoke", json::serialize(json::object{{"appid", appid}})).status,
      200);
  HttpResponse refused =
      Sim("GET", "/cgi-bin/ticket/getticket?type=jsapi&access_token=" + current.value());
  ASSERT_EQ(Json(refused).at("errcode").as_int64(), 40001) << refused;

  const int64_t before = Counter("cgi-bin/stable_token");
  auth::v1::ReportInvalidWechatAccessTokenRequest report;
  report.set_access_token(current.value());
  auth::v1::WechatCredential healed;
  grpc::ClientContext c2;
  grpc::Status st = replicas_[1]->ReportInvalidWechatAccessToken(&c2, report, &healed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_NE(healed.value(), current.value());
  EXPECT_EQ(Counter("cgi-bin/stable_token") - before, 1);

  // Late reports of the same dead token, on any replica, change nothing.
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    auth::v1::WechatCredential again;
    ASSERT_TRUE(replicas_[i]->ReportInvalidWechatAccessToken(&ctx, report, &again).ok());
    EXPECT_EQ(again.value(), healed.value());
  }
  EXPECT_EQ(Counter("cgi-bin/stable_token") - before, 1);
  HttpResponse works =
      Sim("GET", "/cgi-bin/ticket/getticket?type=jsapi&access_token=" + healed.value());
  EXPECT_FALSE(Str(Json(works), {"ticket"}).empty()) << works;
}

// The same three replicas on a Redis of the suite's own, which dies and comes back empty while
// they serve.
class TokenCentreRedisRestartE2eTest : public TokenCentreTest {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<testing::RedisServer>> server = testing::RedisServer::Start(1);
    if (server.ok()) redis_ = std::move(*server);
    redis_error_ = server.status();
  }
  static void TearDownTestSuite() {
    TokenCentreTest::TearDownTestSuite();
    redis_.reset();
  }
  StackOptions Options() const override {
    StackOptions options = DefaultStackOptions();
    if (redis_ != nullptr) options.env[Service::kAuth]["REDIS_URL"] = redis_->url();
    return options;
  }
  void SetUp() override {
    ASSERT_TRUE(redis_error_.ok()) << redis_error_;
    TokenCentreTest::SetUp();
  }

  static std::unique_ptr<testing::RedisServer> redis_;
  static absl::Status redis_error_;
};

std::unique_ptr<testing::RedisServer> TokenCentreRedisRestartE2eTest::redis_;
absl::Status TokenCentreRedisRestartE2eTest::redis_error_;

TEST_F(TokenCentreRedisRestartE2eTest, ARedisRestartInTheMiddleHeals) {
  ASSERT_EQ(replicas_.size(), 3u);
  std::set<std::string> tickets;
  std::string error;
  EXPECT_EQ(Round(tickets, error), 0) << error;
  ASSERT_EQ(tickets.size(), 1u);
  const int64_t tokens_before = Counter("cgi-bin/stable_token");
  const int64_t tickets_before = Counter("cgi-bin/ticket/getticket");

  redis_->Kill();
  EXPECT_EQ(Round(tickets, error), 0) << "served from each replica's memory: " << error;
  EXPECT_EQ(Counter("cgi-bin/ticket/getticket"), tickets_before) << "nobody called WeChat";

  ASSERT_TRUE(redis_->Restart().ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Round(tickets, error), 0) << error;
  EXPECT_EQ(Counter("cgi-bin/stable_token") - tokens_before, 1) << "one replica refilled Redis";
  EXPECT_EQ(Counter("cgi-bin/ticket/getticket") - tickets_before, 1);
  EXPECT_EQ(tickets.size(), 1u) << "WeChat's ticket was still valid: the same one came back";
}

}  // namespace
}  // namespace paymesh::e2e
