// GrpcUpstreams against an in-process gRPC server on loopback: results, error codes, deadlines,
// unreachable backends and the x-request-id metadata.

#include "services/notify-gateway/upstreams.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/rpc/call.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "paymesh/payment/v1/payment.grpc.pb.h"
#include "services/notify-gateway/testing/run.h"

namespace paymesh::gateway {
namespace {

using testing::RunSync;
using namespace std::chrono_literals;

// VerifyToken: "good" → user u1, "hang" → never answers until released, else UNAUTHENTICATED.
class FakeAuthService : public auth::v1::AuthService::CallbackService {
 public:
  ::grpc::ServerUnaryReactor* VerifyToken(::grpc::CallbackServerContext* ctx,
                                          const auth::v1::VerifyTokenRequest* req,
                                          auth::v1::VerifyTokenResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    std::lock_guard lock(mu_);
    auto it = ctx->client_metadata().find(rpc::kRequestIdHeader);
    if (it != ctx->client_metadata().end()) {
      request_ids_.emplace_back(it->second.data(), it->second.size());
    }
    if (req->access_token() == "hang") {
      hung_.push_back(reactor);
    } else if (req->access_token() == "good") {
      resp->set_user_id("u1");
      reactor->Finish(::grpc::Status::OK);
    } else {
      reactor->Finish(::grpc::Status(::grpc::StatusCode::UNAUTHENTICATED, "token is not valid"));
    }
    return reactor;
  }

  void ReleaseHung() {
    std::lock_guard lock(mu_);
    for (auto* reactor : hung_) reactor->Finish(::grpc::Status::CANCELLED);
    hung_.clear();
  }

  std::vector<std::string> request_ids() {
    std::lock_guard lock(mu_);
    return request_ids_;
  }

 private:
  std::mutex mu_;
  std::vector<::grpc::ServerUnaryReactor*> hung_;
  std::vector<std::string> request_ids_;
};

// Echoes what it received: route and body into the response, and the deadline each call
// arrived with (time left, in ms).
class FakePaymentService : public payment::v1::PaymentService::CallbackService {
 public:
  ::grpc::ServerUnaryReactor* CreatePayment(::grpc::CallbackServerContext* ctx,
                                            const payment::v1::CreatePaymentRequest* req,
                                            payment::v1::CreatePaymentResponse* resp) override {
    Record("CreatePayment", *ctx);
    resp->set_order_id(req->order_id());
    resp->set_code_url("weixin://wxpay/bizpayurl?pr=" + req->user_id());
    return Finish(ctx, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* HandleNotification(
      ::grpc::CallbackServerContext* ctx, const payment::v1::HandleNotificationRequest* req,
      payment::v1::HandleNotificationResponse* resp) override {
    Record("HandleNotification", *ctx);
    if (req->body() == "forged") {
      return Finish(ctx, ::grpc::Status(::grpc::StatusCode::UNAUTHENTICATED, "bad signature"));
    }
    resp->set_verdict(payment::v1::VERDICT_ACK);
    resp->set_fail_message(req->route() + ":" + req->body() + ":" +
                           req->headers().at("request-id"));
    return Finish(ctx, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* QueryPayment(::grpc::CallbackServerContext* ctx,
                                           const payment::v1::QueryPaymentRequest* req,
                                           payment::v1::QueryPaymentResponse* resp) override {
    Record("QueryPayment", *ctx);
    resp->set_trade_state("SUCCESS");
    resp->set_order_state(req->order_id() == "ord-2" ? order::v1::ORDER_STATE_PAID
                                                     : order::v1::ORDER_STATE_UNSPECIFIED);
    return Finish(ctx, ::grpc::Status::OK);
  }

  // Milliseconds each method's last call had left before its deadline.
  std::map<std::string, int64_t> time_left_ms() {
    std::lock_guard lock(mu_);
    return time_left_ms_;
  }
  std::vector<std::string> request_ids() {
    std::lock_guard lock(mu_);
    return request_ids_;
  }

 private:
  static ::grpc::ServerUnaryReactor* Finish(::grpc::CallbackServerContext* ctx,
                                            ::grpc::Status status) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(std::move(status));
    return reactor;
  }

  void Record(const std::string& method, const ::grpc::CallbackServerContext& ctx) {
    std::lock_guard lock(mu_);
    time_left_ms_[method] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                ctx.deadline() - std::chrono::system_clock::now())
                                .count();
    auto it = ctx.client_metadata().find(rpc::kRequestIdHeader);
    if (it != ctx.client_metadata().end()) {
      request_ids_.emplace_back(it->second.data(), it->second.size());
    }
  }

  std::mutex mu_;
  std::map<std::string, int64_t> time_left_ms_;
  std::vector<std::string> request_ids_;
};

// A loopback port with nothing listening on it.
int DeadPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class GrpcUpstreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::grpc::EnableDefaultHealthCheckService(true);
    ::grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&auth_);
    builder.RegisterService(&payment_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    live_ = "127.0.0.1:" + std::to_string(port);
    upstreams_ = std::make_unique<GrpcUpstreams>(
        rpc::MakeInsecureChannel(live_), rpc::MakeInsecureChannel(live_),
        rpc::MakeInsecureChannel(live_),
        UpstreamTimeouts{.call = 300ms, .notify = 5000ms, .payment = 8000ms});
  }

  void TearDown() override {
    auth_.ReleaseHung();
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }

  absl::StatusOr<auth::v1::VerifyTokenResponse> Verify(std::string token, std::string rid) {
    auth::v1::VerifyTokenRequest req;
    req.set_access_token(std::move(token));
    return RunSync(upstreams_->VerifyToken(std::move(req), std::move(rid)));
  }

  FakeAuthService auth_;
  FakePaymentService payment_;
  std::string live_;
  std::unique_ptr<::grpc::Server> server_;
  std::unique_ptr<GrpcUpstreams> upstreams_;
};

TEST_F(GrpcUpstreamsTest, ReturnsTheResponseAndSendsTheRequestId) {
  absl::StatusOr<auth::v1::VerifyTokenResponse> out = Verify("good", "rid-upstream-1");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->user_id(), "u1");
  EXPECT_EQ(auth_.request_ids(), std::vector<std::string>{"rid-upstream-1"});
}

TEST_F(GrpcUpstreamsTest, PassesTheBackendsStatusThrough) {
  absl::StatusOr<auth::v1::VerifyTokenResponse> out = Verify("forged", "rid-2");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(out.status().message(), "token is not valid");
}

TEST_F(GrpcUpstreamsTest, SlowBackendIsDeadlineExceeded) {
  absl::StatusOr<auth::v1::VerifyTokenResponse> out = Verify("hang", "rid-3");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(GrpcUpstreamsTest, UnimplementedMethodIsReported) {
  // The fake registers only VerifyToken; the rest of AuthService answers UNIMPLEMENTED.
  auth::v1::GetUserRequest req;
  absl::StatusOr<auth::v1::User> out = RunSync(upstreams_->GetUser(req, "rid-4"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcUpstreamsTest, HealthOfALiveAndADeadBackend) {
  auto live = RunSync(upstreams_->Health(Backend::kAuth, "rid-5"));
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
  const std::string dead_addr = "127.0.0.1:" + std::to_string(DeadPort());
  GrpcUpstreams partly_down(rpc::MakeInsecureChannel(live_), rpc::MakeInsecureChannel(live_),
                            rpc::MakeInsecureChannel(dead_addr), UpstreamTimeouts{.call = 300ms});
  auto dead = RunSync(partly_down.Health(Backend::kPayment, "rid-6"));
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), absl::StatusCode::kUnavailable) << dead.status();
}

TEST_F(GrpcUpstreamsTest, ManySequentialCallsResumeTheSameCoroutine) {
  auto many = [this]() -> boost::asio::awaitable<int> {
    int ok = 0;
    for (int i = 0; i < 50; ++i) {
      auth::v1::VerifyTokenRequest req;
      req.set_access_token("good");
      auto out = co_await upstreams_->VerifyToken(req, "rid-many");
      if (out.ok() && out->user_id() == "u1") ++ok;
    }
    co_return ok;
  };
  EXPECT_EQ(RunSync(many()), 50);
}

TEST_F(GrpcUpstreamsTest, PaymentCallsReachPaymentWithTheRequestId) {
  payment::v1::CreatePaymentRequest create;
  create.set_user_id("u1");
  create.set_order_id("ord-1");
  auto created = RunSync(upstreams_->CreatePayment(create, "rid-pay"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->order_id(), "ord-1");
  EXPECT_EQ(created->code_url(), "weixin://wxpay/bizpayurl?pr=u1");

  payment::v1::HandleNotificationRequest notify;
  notify.set_route("pay");
  notify.set_body("{\"a\": \"\xe6\x94\xaf\"}\r\n");
  (*notify.mutable_headers())["request-id"] = "wx-1";
  auto handled = RunSync(upstreams_->HandleNotification(notify, "rid-notify"));
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->verdict(), payment::v1::VERDICT_ACK);
  EXPECT_EQ(handled->fail_message(), "pay:" + notify.body() + ":wx-1") << "every byte arrives";

  payment::v1::QueryPaymentRequest query;
  query.set_order_id("ord-2");
  auto queried = RunSync(upstreams_->QueryPayment(query, "rid-sync"));
  ASSERT_TRUE(queried.ok()) << queried.status();
  EXPECT_EQ(queried->order_state(), order::v1::ORDER_STATE_PAID);
  EXPECT_EQ(payment_.request_ids(),
            (std::vector<std::string>{"rid-pay", "rid-notify", "rid-sync"}));

  notify.set_body("forged");
  auto rejected = RunSync(upstreams_->HandleNotification(notify, "rid-forged"));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(GrpcUpstreamsTest, NotificationsAndPaymentCallsGetTheirOwnDeadlines) {
  payment::v1::HandleNotificationRequest notify;
  (*notify.mutable_headers())["request-id"] = "wx-2";
  ASSERT_TRUE(RunSync(upstreams_->HandleNotification(notify, "rid-a")).ok());
  ASSERT_TRUE(RunSync(upstreams_->CreatePayment({}, "rid-b")).ok());
  ASSERT_TRUE(RunSync(upstreams_->QueryPayment({}, "rid-c")).ok());
  const auto left = payment_.time_left_ms();
  // 5000 ms for notifications, 8000 ms for the payment calls that reach WeChat (gRPC rounds
  // timeouts on the wire, so compare loosely).
  EXPECT_GT(left.at("HandleNotification"), 2000);
  EXPECT_LT(left.at("HandleNotification"), 6000);
  EXPECT_GT(left.at("CreatePayment"), 6000);
  EXPECT_LT(left.at("CreatePayment"), 9000);
  EXPECT_GT(left.at("QueryPayment"), 6000);
  EXPECT_LT(left.at("QueryPayment"), 9000);
}

}  // namespace
}  // namespace paymesh::gateway
