// The gRPC adapter over an in-process channel (no network), with the logic on fakes.

#include "services/auth/service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/crypto/ed25519.h"
#include "common/ratelimit/testing/fake_rate_limiter.h"
#include "common/rpc/status.h"
#include "common/time/testing/fake_clock.h"
#include "services/auth/testing/fake_session_store.h"
#include "services/auth/testing/fake_sms_code_book.h"
#include "services/auth/testing/fake_user_store.h"

namespace paymesh::auth {
namespace {

using ::testing::ElementsAre;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuthOptions options;
    options.scrypt.log2_n = 10;
    auto logic =
        AuthLogic::Create(options, {&users_, &sessions_, &limiter_, &clock_, &tokens_, &sms_});
    ASSERT_TRUE(logic.ok()) << logic.status();
    logic_ = std::move(*logic);
    // The WeChat side has its own tests (wechat_logic_test); none of its calls are made here.
    wechat_ = std::make_unique<WechatLogic>(
        WechatOptions{},
        WechatLogic::Deps{nullptr, nullptr, &users_, logic_.get(), nullptr, &limiter_, &clock_});
    service_ = std::make_unique<AuthGrpcService>(
        logic_.get(), wechat_.get(),
        AuthGrpcService::Pools{&workers_, &workers_, &workers_, &workers_});
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::AuthService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    workers_.Shutdown();
  }

  time::testing::FakeClock clock_;  // 2026-01-01T00:00:00Z
  testing::FakeUserStore users_{&clock_};
  testing::FakeSessionStore sessions_{&clock_};
  ratelimit::testing::FakeRateLimiter limiter_{&clock_};
  testing::FakeSmsCodeBook sms_;
  TokenCodec tokens_{*crypto::Ed25519PrivateKey::FromRawSeed(std::string(32, 'k'))};
  std::unique_ptr<AuthLogic> logic_;
  std::unique_ptr<WechatLogic> wechat_;
  exec::WorkerPool workers_{2, 16};
  std::unique_ptr<AuthGrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AuthService::Stub> stub_;
};

TEST_F(AuthServiceTest, RegisterLoginVerifyGetUserLogout) {
  grpc::ClientContext c0;
  v1::SendSmsCodeRequest send;
  send.set_mobile("13800138000");
  send.set_purpose("register");
  v1::SendSmsCodeResponse sent;
  ASSERT_TRUE(stub_->SendSmsCode(&c0, send, &sent).ok());
  EXPECT_EQ(sent.expires_in(), 300);
  EXPECT_EQ(sent.resend_after(), 60);

  grpc::ClientContext c1;
  v1::RegisterRequest reg;
  reg.set_username("Alice");
  reg.set_password("correct horse");
  reg.set_mobile("13800138000");
  reg.set_sms_code(sms_.Delivered(SmsPurpose::kRegister, "13800138000"));
  v1::RegisterResponse registered;
  ASSERT_TRUE(stub_->Register(&c1, reg, &registered).ok());
  EXPECT_EQ(registered.user().username(), "Alice");
  EXPECT_EQ(registered.user().mobile_masked(), "138****8000");
  EXPECT_EQ(registered.user().created_at().seconds(), 1767225600);  // 2026-01-01T00:00:00Z

  grpc::ClientContext c2;
  v1::LoginRequest login;
  login.set_username("alice");
  login.set_password("correct horse");
  login.set_client_ip("203.0.113.7");
  v1::TokenPair pair;
  ASSERT_TRUE(stub_->Login(&c2, login, &pair).ok());
  EXPECT_EQ(pair.token_type(), "Bearer");
  EXPECT_EQ(pair.access_expires_in(), 900);
  EXPECT_EQ(pair.refresh_expires_in(), 1209600);
  EXPECT_EQ(pair.user_id(), registered.user().id());

  grpc::ClientContext c3;
  v1::VerifyTokenRequest verify;
  verify.set_access_token(pair.access_token());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(stub_->VerifyToken(&c3, verify, &verified).ok());
  EXPECT_EQ(verified.user_id(), registered.user().id());
  EXPECT_THAT(verified.scopes(), ElementsAre("user"));
  EXPECT_EQ(verified.expires_at().seconds(), 1767225600 + 900);

  grpc::ClientContext c4;
  v1::GetUserRequest get;
  get.set_user_id(registered.user().id());
  v1::User user;
  ASSERT_TRUE(stub_->GetUser(&c4, get, &user).ok());
  EXPECT_EQ(user.mobile_masked(), "138****8000");

  grpc::ClientContext c5;
  v1::LogoutRequest logout;
  logout.set_access_token(pair.access_token());
  v1::LogoutResponse out;
  ASSERT_TRUE(stub_->Logout(&c5, logout, &out).ok());

  grpc::ClientContext c6;
  EXPECT_EQ(stub_->VerifyToken(&c6, verify, &verified).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServiceTest, ErrorsKeepTheirCodesAndMessages) {
  grpc::ClientContext c1;
  v1::RegisterRequest reg;
  reg.set_username("x");
  reg.set_password("correct horse");
  v1::RegisterResponse registered;
  grpc::Status bad = stub_->Register(&c1, reg, &registered);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), ::testing::HasSubstr("username"));

  grpc::ClientContext c2;
  v1::LoginRequest login;
  login.set_username("nobody");
  login.set_password("correct horse");
  v1::TokenPair pair;
  grpc::Status denied = stub_->Login(&c2, login, &pair);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(denied.error_message(), "invalid username or password");

  grpc::ClientContext c3;
  v1::GetUserRequest get;
  get.set_user_id("00000000-0000-4000-8000-000000000099");
  v1::User user;
  EXPECT_EQ(stub_->GetUser(&c3, get, &user).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthServiceTest, A429CarriesRetryAfterInTheTrailers) {
  v1::LoginRequest login;
  login.set_username("nobody");
  login.set_password("correct horse");
  login.set_client_ip("198.51.100.1");
  v1::TokenPair pair;
  for (int i = 0; i < 10; ++i) {
    grpc::ClientContext ctx;
    EXPECT_EQ(stub_->Login(&ctx, login, &pair).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext ctx;
  EXPECT_EQ(stub_->Login(&ctx, login, &pair).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find(rpc::kRetryAfterMetadata);
  ASSERT_NE(it, trailers.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "300");
}

}  // namespace
}  // namespace paymesh::auth
