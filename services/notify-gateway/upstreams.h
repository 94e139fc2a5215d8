#pragma once

// The gateway's backends, one coroutine per RPC. Every call carries the request id (as
// x-request-id metadata) and a deadline; errors come back as the backend's status, so
// UNAVAILABLE (unreachable) and DEADLINE_EXCEEDED (too slow) surface as 503 and 504.
//
// Results resume the awaiting coroutine on its own executor. Implementations are thread-safe.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpc/health/v1/health.pb.h"
#include "paymesh/auth/v1/auth.pb.h"
#include "paymesh/order/v1/order.pb.h"
#include "paymesh/payment/v1/payment.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace paymesh::gateway {

template <typename T>
using Async = boost::asio::awaitable<absl::StatusOr<T>>;

enum class Backend { kAuth, kOrder, kPayment };
// "auth", "order", "payment".
std::string_view BackendName(Backend backend);

class Upstreams {
 public:
  virtual ~Upstreams() = default;

  virtual Async<auth::v1::RegisterResponse> Register(auth::v1::RegisterRequest req,
                                                     std::string request_id) = 0;
  virtual Async<auth::v1::TokenPair> Login(auth::v1::LoginRequest req, std::string request_id) = 0;
  virtual Async<auth::v1::TokenPair> Refresh(auth::v1::RefreshRequest req,
                                             std::string request_id) = 0;
  virtual Async<auth::v1::LogoutResponse> Logout(auth::v1::LogoutRequest req,
                                                 std::string request_id) = 0;
  virtual Async<auth::v1::VerifyTokenResponse> VerifyToken(auth::v1::VerifyTokenRequest req,
                                                           std::string request_id) = 0;
  virtual Async<auth::v1::User> GetUser(auth::v1::GetUserRequest req, std::string request_id) = 0;
  virtual Async<auth::v1::SendSmsCodeResponse> SendSmsCode(auth::v1::SendSmsCodeRequest req,
                                                           std::string request_id) = 0;
  virtual Async<auth::v1::TokenPair> SmsLogin(auth::v1::SmsLoginRequest req,
                                              std::string request_id) = 0;
  virtual Async<auth::v1::StartWechatOauthResponse> StartWechatOauth(
      auth::v1::StartWechatOauthRequest req, std::string request_id) = 0;
  virtual Async<auth::v1::FinishWechatOauthResponse> FinishWechatOauth(
      auth::v1::FinishWechatOauthRequest req, std::string request_id) = 0;
  virtual Async<auth::v1::TokenPair> MiniProgramLogin(auth::v1::MiniProgramLoginRequest req,
                                                      std::string request_id) = 0;
  virtual Async<auth::v1::JsSdkConfig> GetJsSdkConfig(auth::v1::GetJsSdkConfigRequest req,
                                                      std::string request_id) = 0;

  virtual Async<order::v1::ListProductsResponse> ListProducts(order::v1::ListProductsRequest req,
                                                              std::string request_id) = 0;
  virtual Async<order::v1::CreateOrderResponse> CreateOrder(order::v1::CreateOrderRequest req,
                                                            std::string request_id) = 0;
  virtual Async<order::v1::Order> GetOrder(order::v1::GetOrderRequest req,
                                           std::string request_id) = 0;
  virtual Async<order::v1::ListOrderEventsResponse> ListOrderEvents(order::v1::GetOrderRequest req,
                                                                    std::string request_id) = 0;
  virtual Async<order::v1::ListOrdersResponse> ListOrders(order::v1::ListOrdersRequest req,
                                                          std::string request_id) = 0;

  virtual Async<payment::v1::CreatePaymentResponse> CreatePayment(
      payment::v1::CreatePaymentRequest req, std::string request_id) = 0;
  // A WeChat notification; its deadline is the notify timeout (WeChat waits 5 s at most).
  virtual Async<payment::v1::HandleNotificationResponse> HandleNotification(
      payment::v1::HandleNotificationRequest req, std::string request_id) = 0;
  virtual Async<payment::v1::QueryPaymentResponse> QueryPayment(
      payment::v1::QueryPaymentRequest req, std::string request_id) = 0;
  virtual Async<payment::v1::QueryPaymentResponse> CancelPayment(
      payment::v1::CancelPaymentRequest req, std::string request_id) = 0;
  virtual Async<payment::v1::CreateRefundResponse> CreateRefund(
      payment::v1::CreateRefundRequest req, std::string request_id) = 0;
  virtual Async<order::v1::ListRefundsResponse> ListRefunds(order::v1::ListRefundsRequest req,
                                                            std::string request_id) = 0;

  // grpc.health.v1.Health/Check (overall server health) on one backend, with a short deadline.
  virtual Async<::grpc::health::v1::HealthCheckResponse> Health(Backend backend,
                                                                std::string request_id) = 0;
};

struct UpstreamTimeouts {
  std::chrono::milliseconds call{3000};    // every call but the ones below
  std::chrono::milliseconds notify{4000};  // HandleNotification
  std::chrono::milliseconds payment{
      8000};  // CreatePayment, QueryPayment, CancelPayment, CreateRefund
  // auth's calls that wait on WeChat or SMS: SendSmsCode, Start/FinishWechatOauth,
  // MiniProgramLogin, GetJsSdkConfig
  std::chrono::milliseconds wechat{8000};
  // Health uses min(call, 1 s).
};

// Upstreams over gRPC channels, bridging the callback API into awaitables.
class GrpcUpstreams : public Upstreams {
 public:
  GrpcUpstreams(std::shared_ptr<::grpc::Channel> auth, std::shared_ptr<::grpc::Channel> order,
                std::shared_ptr<::grpc::Channel> payment, UpstreamTimeouts timeouts);
  ~GrpcUpstreams() override;

  Async<auth::v1::RegisterResponse> Register(auth::v1::RegisterRequest req,
                                             std::string request_id) override;
  Async<auth::v1::TokenPair> Login(auth::v1::LoginRequest req, std::string request_id) override;
  Async<auth::v1::TokenPair> Refresh(auth::v1::RefreshRequest req, std::string request_id) override;
  Async<auth::v1::LogoutResponse> Logout(auth::v1::LogoutRequest req,
                                         std::string request_id) override;
  Async<auth::v1::VerifyTokenResponse> VerifyToken(auth::v1::VerifyTokenRequest req,
                                                   std::string request_id) override;
  Async<auth::v1::User> GetUser(auth::v1::GetUserRequest req, std::string request_id) override;
  Async<auth::v1::SendSmsCodeResponse> SendSmsCode(auth::v1::SendSmsCodeRequest req,
                                                   std::string request_id) override;
  Async<auth::v1::TokenPair> SmsLogin(auth::v1::SmsLoginRequest req,
                                      std::string request_id) override;
  Async<auth::v1::StartWechatOauthResponse> StartWechatOauth(auth::v1::StartWechatOauthRequest req,
                                                             std::string request_id) override;
  Async<auth::v1::FinishWechatOauthResponse> FinishWechatOauth(
      auth::v1::FinishWechatOauthRequest req, std::string request_id) override;
  Async<auth::v1::TokenPair> MiniProgramLogin(auth::v1::MiniProgramLoginRequest req,
                                              std::string request_id) override;
  Async<auth::v1::JsSdkConfig> GetJsSdkConfig(auth::v1::GetJsSdkConfigRequest req,
                                              std::string request_id) override;
  Async<order::v1::ListProductsResponse> ListProducts(order::v1::ListProductsRequest req,
                                                      std::string request_id) override;
  Async<order::v1::CreateOrderResponse> CreateOrder(order::v1::CreateOrderRequest req,
                                                    std::string request_id) override;
  Async<order::v1::Order> GetOrder(order::v1::GetOrderRequest req, std::string request_id) override;
  Async<order::v1::ListOrderEventsResponse> ListOrderEvents(order::v1::GetOrderRequest req,
                                                            std::string request_id) override;
  Async<order::v1::ListOrdersResponse> ListOrders(order::v1::ListOrdersRequest req,
                                                  std::string request_id) override;
  Async<payment::v1::CreatePaymentResponse> CreatePayment(payment::v1::CreatePaymentRequest req,
                                                          std::string request_id) override;
  Async<payment::v1::HandleNotificationResponse> HandleNotification(
      payment::v1::HandleNotificationRequest req, std::string request_id) override;
  Async<payment::v1::QueryPaymentResponse> QueryPayment(payment::v1::QueryPaymentRequest req,
                                                        std::string request_id) override;
  Async<payment::v1::QueryPaymentResponse> CancelPayment(payment::v1::CancelPaymentRequest req,
                                                         std::string request_id) override;
  Async<payment::v1::CreateRefundResponse> CreateRefund(payment::v1::CreateRefundRequest req,
                                                        std::string request_id) override;
  Async<order::v1::ListRefundsResponse> ListRefunds(order::v1::ListRefundsRequest req,
                                                    std::string request_id) override;
  Async<::grpc::health::v1::HealthCheckResponse> Health(Backend backend,
                                                        std::string request_id) override;

 private:
  struct Stubs;  // generated stubs stay out of this header
  std::unique_ptr<Stubs> stubs_;
  UpstreamTimeouts timeouts_;
};

}  // namespace paymesh::gateway
