#include "services/notify-gateway/upstreams.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "absl/strings/numbers.h"
#include "common/rpc/call.h"
#include "common/rpc/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "paymesh/order/v1/order.grpc.pb.h"
#include "paymesh/payment/v1/payment.grpc.pb.h"

namespace paymesh::gateway {
namespace {

namespace asio = boost::asio;
using HealthStub = ::grpc::health::v1::Health::Stub;
using HealthRequest = ::grpc::health::v1::HealthCheckRequest;
using HealthResponse = ::grpc::health::v1::HealthCheckResponse;

constexpr std::chrono::milliseconds kMaxHealthTimeout{1000};

// A failed call's status with what its trailing metadata says (retry-after).
absl::Status WithTrailers(absl::Status status, const ::grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find(rpc::kRetryAfterMetadata);
  int64_t seconds = 0;
  if (it != trailers.end() &&
      absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &seconds)) {
    status = rpc::WithRetryAfter(std::move(status), std::chrono::seconds(seconds));
  }
  return status;
}

// Runs one unary call through gRPC's callback API and resumes the awaiting coroutine on its
// own executor. `start(ctx, req, resp, done)` issues the call; the context, request and
// response live in `call` until gRPC has invoked `done`, whatever happens to the coroutine.
template <typename Resp, typename Req, typename StartFn>
Async<Resp> Unary(StartFn start, Req req, std::chrono::milliseconds timeout,
                  std::string request_id) {
  struct Call {
    ::grpc::ClientContext ctx;
    Req req;
    Resp resp;
  };
  auto call = std::make_shared<Call>();
  call->req = std::move(req);
  rpc::PrepareClientContext(call->ctx, timeout, request_id);

  auto initiate = [call, start](auto handler) {
    // Keeps the io_context running while the call is in flight.
    auto work = asio::prefer(asio::get_associated_executor(handler),
                             asio::execution::outstanding_work.tracked);
    auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
    start(&call->ctx, &call->req, &call->resp, [call, work, shared_handler](::grpc::Status status) {
      // gRPC runs this on its own thread: hop back before resuming the coroutine.
      asio::post(work, [shared_handler, status = std::move(status)]() mutable {
        auto resume = std::move(*shared_handler);
        std::move(resume)(std::move(status));
      });
    });
  };
  ::grpc::Status status =
      co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(::grpc::Status)>(
          std::move(initiate), asio::use_awaitable);
  if (!status.ok()) co_return WithTrailers(rpc::FromGrpcStatus(status), call->ctx);
  co_return std::move(call->resp);
}

}  // namespace

std::string_view BackendName(Backend backend) {
  switch (backend) {
    case Backend::kAuth:
      return "auth";
    case Backend::kOrder:
      return "order";
    case Backend::kPayment:
      return "payment";
  }
  return "unknown";
}

struct GrpcUpstreams::Stubs {
  std::unique_ptr<auth::v1::AuthService::Stub> auth;
  std::unique_ptr<order::v1::OrderService::Stub> order;
  std::unique_ptr<payment::v1::PaymentService::Stub> payment;
  std::unique_ptr<HealthStub> auth_health;
  std::unique_ptr<HealthStub> order_health;
  std::unique_ptr<HealthStub> payment_health;
};

GrpcUpstreams::GrpcUpstreams(std::shared_ptr<::grpc::Channel> auth,
                             std::shared_ptr<::grpc::Channel> order,
                             std::shared_ptr<::grpc::Channel> payment, UpstreamTimeouts timeouts)
    : stubs_(std::make_unique<Stubs>()), timeouts_(timeouts) {
  stubs_->auth = auth::v1::AuthService::NewStub(auth);
  stubs_->order = order::v1::OrderService::NewStub(order);
  stubs_->payment = payment::v1::PaymentService::NewStub(payment);
  stubs_->auth_health = ::grpc::health::v1::Health::NewStub(auth);
  stubs_->order_health = ::grpc::health::v1::Health::NewStub(order);
  stubs_->payment_health = ::grpc::health::v1::Health::NewStub(payment);
}

GrpcUpstreams::~GrpcUpstreams() = default;

// Each method names its stub call once; the rest is Unary().
#define PAYMESH_GATEWAY_UNARY_WITH(Resp, stub, Method, timeout)                      \
  Unary<Resp>(                                                                       \
      [s = stubs_->stub.get()](::grpc::ClientContext* ctx, const auto* r, Resp* out, \
                               std::function<void(::grpc::Status)> done) {           \
        s->async()->Method(ctx, r, out, std::move(done));                            \
      },                                                                             \
      std::move(req), timeout, std::move(request_id))
#define PAYMESH_GATEWAY_UNARY(Resp, stub, Method) \
  PAYMESH_GATEWAY_UNARY_WITH(Resp, stub, Method, timeouts_.call)

Async<auth::v1::RegisterResponse> GrpcUpstreams::Register(auth::v1::RegisterRequest req,
                                                          std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::RegisterResponse, auth, Register);
}

Async<auth::v1::TokenPair> GrpcUpstreams::Login(auth::v1::LoginRequest req,
                                                std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::TokenPair, auth, Login);
}

Async<auth::v1::TokenPair> GrpcUpstreams::Refresh(auth::v1::RefreshRequest req,
                                                  std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::TokenPair, auth, Refresh);
}

Async<auth::v1::LogoutResponse> GrpcUpstreams::Logout(auth::v1::LogoutRequest req,
                                                      std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::LogoutResponse, auth, Logout);
}

Async<auth::v1::VerifyTokenResponse> GrpcUpstreams::VerifyToken(auth::v1::VerifyTokenRequest req,
                                                                std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::VerifyTokenResponse, auth, VerifyToken);
}

Async<auth::v1::User> GrpcUpstreams::GetUser(auth::v1::GetUserRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::User, auth, GetUser);
}

Async<auth::v1::SendSmsCodeResponse> GrpcUpstreams::SendSmsCode(auth::v1::SendSmsCodeRequest req,
                                                                std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(auth::v1::SendSmsCodeResponse, auth, SendSmsCode,
                                    timeouts_.wechat);
}

Async<auth::v1::TokenPair> GrpcUpstreams::SmsLogin(auth::v1::SmsLoginRequest req,
                                                   std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(auth::v1::TokenPair, auth, SmsLogin);
}

Async<auth::v1::StartWechatOauthResponse> GrpcUpstreams::StartWechatOauth(
    auth::v1::StartWechatOauthRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(auth::v1::StartWechatOauthResponse, auth, StartWechatOauth,
                                    timeouts_.wechat);
}

Async<auth::v1::FinishWechatOauthResponse> GrpcUpstreams::FinishWechatOauth(
    auth::v1::FinishWechatOauthRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(auth::v1::FinishWechatOauthResponse, auth, FinishWechatOauth,
                                    timeouts_.wechat);
}

Async<auth::v1::TokenPair> GrpcUpstreams::MiniProgramLogin(auth::v1::MiniProgramLoginRequest req,
                                                           std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(auth::v1::TokenPair, auth, MiniProgramLogin, timeouts_.wechat);
}

Async<auth::v1::JsSdkConfig> GrpcUpstreams::GetJsSdkConfig(auth::v1::GetJsSdkConfigRequest req,
                                                           std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(auth::v1::JsSdkConfig, auth, GetJsSdkConfig, timeouts_.wechat);
}

Async<order::v1::ListProductsResponse> GrpcUpstreams::ListProducts(
    order::v1::ListProductsRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::ListProductsResponse, order, ListProducts);
}

Async<order::v1::CreateOrderResponse> GrpcUpstreams::CreateOrder(order::v1::CreateOrderRequest req,
                                                                 std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::CreateOrderResponse, order, CreateOrder);
}

Async<order::v1::Order> GrpcUpstreams::GetOrder(order::v1::GetOrderRequest req,
                                                std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::Order, order, GetOrder);
}

Async<order::v1::ListOrderEventsResponse> GrpcUpstreams::ListOrderEvents(
    order::v1::GetOrderRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::ListOrderEventsResponse, order, ListOrderEvents);
}

Async<order::v1::ListOrdersResponse> GrpcUpstreams::ListOrders(order::v1::ListOrdersRequest req,
                                                               std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::ListOrdersResponse, order, ListOrders);
}

Async<payment::v1::CreatePaymentResponse> GrpcUpstreams::CreatePayment(
    payment::v1::CreatePaymentRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(payment::v1::CreatePaymentResponse, payment, CreatePayment,
                                    timeouts_.payment);
}

Async<payment::v1::HandleNotificationResponse> GrpcUpstreams::HandleNotification(
    payment::v1::HandleNotificationRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(payment::v1::HandleNotificationResponse, payment,
                                    HandleNotification, timeouts_.notify);
}

Async<payment::v1::QueryPaymentResponse> GrpcUpstreams::QueryPayment(
    payment::v1::QueryPaymentRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(payment::v1::QueryPaymentResponse, payment, QueryPayment,
                                    timeouts_.payment);
}

Async<payment::v1::QueryPaymentResponse> GrpcUpstreams::CancelPayment(
    payment::v1::CancelPaymentRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(payment::v1::QueryPaymentResponse, payment, CancelPayment,
                                    timeouts_.payment);
}

Async<payment::v1::CreateRefundResponse> GrpcUpstreams::CreateRefund(
    payment::v1::CreateRefundRequest req, std::string request_id) {
  return PAYMESH_GATEWAY_UNARY_WITH(payment::v1::CreateRefundResponse, payment, CreateRefund,
                                    timeouts_.payment);
}

Async<order::v1::ListRefundsResponse> GrpcUpstreams::ListRefunds(order::v1::ListRefundsRequest req,
                                                                 std::string request_id) {
  return PAYMESH_GATEWAY_UNARY(order::v1::ListRefundsResponse, order, ListRefunds);
}

#undef PAYMESH_GATEWAY_UNARY
#undef PAYMESH_GATEWAY_UNARY_WITH

Async<HealthResponse> GrpcUpstreams::Health(Backend backend, std::string request_id) {
  HealthStub* stub = backend == Backend::kAuth    ? stubs_->auth_health.get()
                     : backend == Backend::kOrder ? stubs_->order_health.get()
                                                  : stubs_->payment_health.get();
  return Unary<HealthResponse>(
      [stub](::grpc::ClientContext* ctx, const HealthRequest* r, HealthResponse* out,
             std::function<void(::grpc::Status)> done) {
        stub->async()->Check(ctx, r, out, std::move(done));
      },
      HealthRequest(), std::min(timeouts_.call, kMaxHealthTimeout), std::move(request_id));
}

}  // namespace paymesh::gateway
