// GrpcUpstreams against an in-process gRPC server on loopback: results, error codes, deadlines,
// unreachable backends and the x-request-id metadata.

#include "services/notify-gateway/upstreams.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/rpc/call.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
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
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    const std::string live = "127.0.0.1:" + std::to_string(port);
    const std::string dead = "127.0.0.1:" + std::to_string(DeadPort());
    upstreams_ = std::make_unique<GrpcUpstreams>(rpc::MakeChannel(live), rpc::MakeChannel(live),
                                                 rpc::MakeChannel(dead), 300ms);
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
  auto dead = RunSync(upstreams_->Health(Backend::kPayment, "rid-6"));
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

}  // namespace
}  // namespace paymesh::gateway
