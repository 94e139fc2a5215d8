#include "services/notify-gateway/testing/fake_upstreams.h"

#include <utility>

namespace paymesh::gateway::testing {

Async<auth::v1::RegisterResponse> FakeUpstreams::Register(auth::v1::RegisterRequest req,
                                                          std::string request_id) {
  register_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return register_result;
}

Async<auth::v1::TokenPair> FakeUpstreams::Login(auth::v1::LoginRequest req,
                                                std::string request_id) {
  login_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return login_result;
}

Async<auth::v1::TokenPair> FakeUpstreams::Refresh(auth::v1::RefreshRequest req,
                                                  std::string request_id) {
  refresh_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return refresh_result;
}

Async<auth::v1::LogoutResponse> FakeUpstreams::Logout(auth::v1::LogoutRequest req,
                                                      std::string request_id) {
  logout_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return logout_result;
}

Async<auth::v1::VerifyTokenResponse> FakeUpstreams::VerifyToken(auth::v1::VerifyTokenRequest req,
                                                                std::string request_id) {
  const std::string token = req.access_token();
  verify_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  if (!verify_error.ok()) co_return verify_error;
  auto it = tokens_.find(token);
  if (it == tokens_.end()) co_return absl::UnauthenticatedError("token is not valid");
  auth::v1::VerifyTokenResponse out;
  out.set_user_id(it->second);
  out.set_session_id("session-" + it->second);
  for (const std::string& scope : scopes_[token]) out.add_scopes(scope);
  co_return out;
}

Async<auth::v1::User> FakeUpstreams::GetUser(auth::v1::GetUserRequest req, std::string request_id) {
  get_user_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return user_result;
}

Async<order::v1::ListProductsResponse> FakeUpstreams::ListProducts(
    order::v1::ListProductsRequest req, std::string request_id) {
  ++list_products_calls;
  request_ids.push_back(std::move(request_id));
  co_return products_result;
}

Async<order::v1::CreateOrderResponse> FakeUpstreams::CreateOrder(order::v1::CreateOrderRequest req,
                                                                 std::string request_id) {
  create_order_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return create_order_result;
}

Async<order::v1::Order> FakeUpstreams::GetOrder(order::v1::GetOrderRequest req,
                                                std::string request_id) {
  get_order_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return order_result;
}

Async<order::v1::ListOrderEventsResponse> FakeUpstreams::ListOrderEvents(
    order::v1::GetOrderRequest req, std::string request_id) {
  order_events_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return order_events_result;
}

Async<order::v1::ListOrdersResponse> FakeUpstreams::ListOrders(order::v1::ListOrdersRequest req,
                                                               std::string request_id) {
  list_orders_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return orders_result;
}

Async<payment::v1::CreatePaymentResponse> FakeUpstreams::CreatePayment(
    payment::v1::CreatePaymentRequest req, std::string request_id) {
  create_payment_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return create_payment_result;
}

Async<payment::v1::HandleNotificationResponse> FakeUpstreams::HandleNotification(
    payment::v1::HandleNotificationRequest req, std::string request_id) {
  notification_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return notification_result;
}

Async<payment::v1::QueryPaymentResponse> FakeUpstreams::QueryPayment(
    payment::v1::QueryPaymentRequest req, std::string request_id) {
  query_payment_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return query_payment_result;
}

Async<payment::v1::QueryPaymentResponse> FakeUpstreams::CancelPayment(
    payment::v1::CancelPaymentRequest req, std::string request_id) {
  cancel_payment_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return cancel_payment_result;
}

Async<payment::v1::CreateRefundResponse> FakeUpstreams::CreateRefund(
    payment::v1::CreateRefundRequest req, std::string request_id) {
  create_refund_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return create_refund_result;
}

Async<order::v1::ListRefundsResponse> FakeUpstreams::ListRefunds(order::v1::ListRefundsRequest req,
                                                                 std::string request_id) {
  list_refunds_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return list_refunds_result;
}

Async<::grpc::health::v1::HealthCheckResponse> FakeUpstreams::Health(Backend backend,
                                                                     std::string request_id) {
  request_ids.push_back(std::move(request_id));
  auto it = health.find(backend);
  if (it != health.end()) co_return it->second;
  ::grpc::health::v1::HealthCheckResponse serving;
  serving.set_status(::grpc::health::v1::HealthCheckResponse::SERVING);
  co_return serving;
}

Async<auth::v1::SendSmsCodeResponse> FakeUpstreams::SendSmsCode(auth::v1::SendSmsCodeRequest req,
                                                                std::string request_id) {
  send_sms_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return send_sms_result;
}

Async<auth::v1::TokenPair> FakeUpstreams::SmsLogin(auth::v1::SmsLoginRequest req,
                                                   std::string request_id) {
  sms_login_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return sms_login_result;
}

Async<auth::v1::StartWechatOauthResponse> FakeUpstreams::StartWechatOauth(
    auth::v1::StartWechatOauthRequest req, std::string request_id) {
  start_oauth_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return start_oauth_result;
}

Async<auth::v1::FinishWechatOauthResponse> FakeUpstreams::FinishWechatOauth(
    auth::v1::FinishWechatOauthRequest req, std::string request_id) {
  finish_oauth_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return finish_oauth_result;
}

Async<auth::v1::TokenPair> FakeUpstreams::MiniProgramLogin(auth::v1::MiniProgramLoginRequest req,
                                                           std::string request_id) {
  miniprogram_login_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return miniprogram_login_result;
}

Async<auth::v1::JsSdkConfig> FakeUpstreams::GetJsSdkConfig(auth::v1::GetJsSdkConfigRequest req,
                                                           std::string request_id) {
  jssdk_config_calls.push_back(std::move(req));
  request_ids.push_back(std::move(request_id));
  co_return jssdk_config_result;
}

}  // namespace paymesh::gateway::testing
