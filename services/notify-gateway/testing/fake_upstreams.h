#pragma once

// In-memory Upstreams for handler tests: canned answers per RPC, and a record of every request
// the gateway sent (so tests can check what reached the backends, and that nothing did).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/rpc/timestamp.h"
#include "common/time/rfc3339.h"
#include "services/notify-gateway/upstreams.h"

namespace paymesh::gateway::testing {

// An RFC 3339 time as the contract carries it.
inline google::protobuf::Timestamp ProtoTime(std::string_view rfc3339) {
  return rpc::ToProto(std::chrono::floor<std::chrono::microseconds>(*time::Parse(rfc3339)));
}

class FakeUpstreams : public Upstreams {
 public:
  // VerifyToken: tokens added here are valid for their user; any other token is
  // UNAUTHENTICATED, unless `verify_error` is set, which every VerifyToken call returns.
  void AddToken(std::string token, std::string user_id) { tokens_[token] = user_id; }
  // Scopes VerifyToken reports for the token (none by default).
  void SetScopes(const std::string& token, std::vector<std::string> scopes) {
    scopes_[token] = std::move(scopes);
  }
  absl::Status verify_error;

  // The answer of each RPC (default: an empty message, OK).
  absl::StatusOr<auth::v1::RegisterResponse> register_result = auth::v1::RegisterResponse();
  absl::StatusOr<auth::v1::TokenPair> login_result = auth::v1::TokenPair();
  absl::StatusOr<auth::v1::TokenPair> refresh_result = auth::v1::TokenPair();
  absl::StatusOr<auth::v1::LogoutResponse> logout_result = auth::v1::LogoutResponse();
  absl::StatusOr<auth::v1::User> user_result = auth::v1::User();
  absl::StatusOr<auth::v1::SendSmsCodeResponse> send_sms_result = auth::v1::SendSmsCodeResponse();
  absl::StatusOr<auth::v1::TokenPair> sms_login_result = auth::v1::TokenPair();
  absl::StatusOr<auth::v1::StartWechatOauthResponse> start_oauth_result =
      auth::v1::StartWechatOauthResponse();
  absl::StatusOr<auth::v1::FinishWechatOauthResponse> finish_oauth_result =
      auth::v1::FinishWechatOauthResponse();
  absl::StatusOr<auth::v1::TokenPair> miniprogram_login_result = auth::v1::TokenPair();
  absl::StatusOr<auth::v1::JsSdkConfig> jssdk_config_result = auth::v1::JsSdkConfig();
  absl::StatusOr<order::v1::ListProductsResponse> products_result =
      order::v1::ListProductsResponse();
  absl::StatusOr<order::v1::CreateOrderResponse> create_order_result =
      order::v1::CreateOrderResponse();
  absl::StatusOr<order::v1::Order> order_result = order::v1::Order();
  absl::StatusOr<order::v1::ListOrderEventsResponse> order_events_result =
      order::v1::ListOrderEventsResponse();
  absl::StatusOr<order::v1::ListOrdersResponse> orders_result = order::v1::ListOrdersResponse();
  absl::StatusOr<payment::v1::CreatePaymentResponse> create_payment_result =
      payment::v1::CreatePaymentResponse();
  // ACK unless a test says otherwise.
  absl::StatusOr<payment::v1::HandleNotificationResponse> notification_result = [] {
    payment::v1::HandleNotificationResponse ack;
    ack.set_verdict(payment::v1::VERDICT_ACK);
    return ack;
  }();
  absl::StatusOr<payment::v1::QueryPaymentResponse> query_payment_result =
      payment::v1::QueryPaymentResponse();
  absl::StatusOr<payment::v1::QueryPaymentResponse> cancel_payment_result =
      payment::v1::QueryPaymentResponse();
  absl::StatusOr<payment::v1::CreateRefundResponse> create_refund_result =
      payment::v1::CreateRefundResponse();
  absl::StatusOr<order::v1::ListRefundsResponse> list_refunds_result =
      order::v1::ListRefundsResponse();
  std::map<Backend, absl::StatusOr<::grpc::health::v1::HealthCheckResponse>> health;

  // What was sent.
  std::vector<auth::v1::RegisterRequest> register_calls;
  std::vector<auth::v1::LoginRequest> login_calls;
  std::vector<auth::v1::RefreshRequest> refresh_calls;
  std::vector<auth::v1::LogoutRequest> logout_calls;
  std::vector<auth::v1::VerifyTokenRequest> verify_calls;
  std::vector<auth::v1::GetUserRequest> get_user_calls;
  std::vector<auth::v1::SendSmsCodeRequest> send_sms_calls;
  std::vector<auth::v1::SmsLoginRequest> sms_login_calls;
  std::vector<auth::v1::StartWechatOauthRequest> start_oauth_calls;
  std::vector<auth::v1::FinishWechatOauthRequest> finish_oauth_calls;
  std::vector<auth::v1::MiniProgramLoginRequest> miniprogram_login_calls;
  std::vector<auth::v1::GetJsSdkConfigRequest> jssdk_config_calls;
  int list_products_calls = 0;
  std::vector<order::v1::CreateOrderRequest> create_order_calls;
  std::vector<order::v1::GetOrderRequest> get_order_calls;
  std::vector<order::v1::GetOrderRequest> order_events_calls;
  std::vector<order::v1::ListOrdersRequest> list_orders_calls;
  std::vector<payment::v1::CreatePaymentRequest> create_payment_calls;
  std::vector<payment::v1::HandleNotificationRequest> notification_calls;
  std::vector<payment::v1::QueryPaymentRequest> query_payment_calls;
  std::vector<payment::v1::CancelPaymentRequest> cancel_payment_calls;
  std::vector<payment::v1::CreateRefundRequest> create_refund_calls;
  std::vector<order::v1::ListRefundsRequest> list_refunds_calls;
  std::vector<std::string> request_ids;  // of every call, in order

  // Total calls of any RPC.
  size_t calls() const { return request_ids.size(); }

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
  std::map<std::string, std::string> tokens_;
  std::map<std::string, std::vector<std::string>> scopes_;
};

}  // namespace paymesh::gateway::testing
