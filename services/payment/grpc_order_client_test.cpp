// GrpcOrderClient against a scripted OrderService over an in-process channel (no network).

#include "services/payment/grpc_order_client.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "common/log/log.h"
#include "common/rpc/timestamp.h"
#include "common/time/rfc3339.h"

namespace paymesh::payment {
namespace {

namespace ov1 = order::v1;

Timestamp At(std::string_view rfc3339) {
  return std::chrono::floor<std::chrono::microseconds>(*time::Parse(rfc3339));
}

// Answers from fields set by the test and keeps what each call carried.
class ScriptedOrderService final : public ov1::OrderService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetOrderForPayment(grpc::CallbackServerContext* ctx,
                                               const ov1::GetOrderForPaymentRequest* req,
                                               ov1::Order* resp) override {
    Capture(ctx);
    {
      std::lock_guard<std::mutex> lock(mu);
      last_get = *req;
      *resp = order;
    }
    return Finish(ctx);
  }
  grpc::ServerUnaryReactor* RecordPrepay(grpc::CallbackServerContext* ctx,
                                         const ov1::RecordPrepayRequest* req,
                                         ov1::Order* resp) override {
    Capture(ctx);
    {
      std::lock_guard<std::mutex> lock(mu);
      last_prepay = *req;
      *resp = order;
    }
    return Finish(ctx);
  }
  grpc::ServerUnaryReactor* ApplyPayment(grpc::CallbackServerContext* ctx,
                                         const ov1::ApplyPaymentRequest* req,
                                         ov1::ApplyPaymentResponse* resp) override {
    Capture(ctx);
    {
      std::lock_guard<std::mutex> lock(mu);
      last_apply = *req;
      resp->set_outcome(ov1::PAYMENT_OUTCOME_APPLIED);
      resp->set_order_id(order.id());
      resp->set_order_state(ov1::ORDER_STATE_PAID);
    }
    return Finish(ctx);
  }

  std::mutex mu;
  grpc::Status answer = grpc::Status::OK;
  ov1::Order order;
  ov1::GetOrderForPaymentRequest last_get;
  ov1::RecordPrepayRequest last_prepay;
  ov1::ApplyPaymentRequest last_apply;
  std::string last_request_id;
  std::chrono::system_clock::time_point last_deadline;

 private:
  void Capture(grpc::CallbackServerContext* ctx) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = ctx->client_metadata().find("x-request-id");
    last_request_id =
        it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
    last_deadline = ctx->deadline();
  }
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    std::lock_guard<std::mutex> lock(mu);
    reactor->Finish(answer);
    return reactor;
  }
};

class GrpcOrderClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ov1::Order& o = service_.order;
    o.set_id("ord-1");
    o.set_user_id("user-1");
    o.set_out_trade_no("PM20260101000001abc");
    o.set_state(ov1::ORDER_STATE_PAYING);
    o.set_total_fen(2590);
    o.set_currency("CNY");
    o.set_description("coffee");
    *o.mutable_created_at() = rpc::ToProto(At("2026-01-01T00:00:00.123Z"));
    o.mutable_active_prepay()->set_channel(ov1::CHANNEL_NATIVE);
    o.mutable_active_prepay()->set_code_url("weixin://wxpay/bizpayurl?pr=x");
    *o.mutable_active_prepay()->mutable_expires_at() = rpc::ToProto(At("2026-01-01T00:30:00Z"));
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<GrpcOrderClient>(server_->InProcessChannel(grpc::ChannelArguments()),
                                                std::chrono::milliseconds(2000));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  ScriptedOrderService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcOrderClient> client_;
};

TEST_F(GrpcOrderClientTest, GetOrderCarriesRequestIdAndDeadlineAndConverts) {
  log::RequestScope scope("req-42");
  const auto before = std::chrono::system_clock::now();
  absl::StatusOr<Order> order = client_->GetOrderForPayment("user-1", "ord-1");
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(service_.last_get.user_id(), "user-1");
  EXPECT_EQ(service_.last_get.order_id(), "ord-1");
  EXPECT_EQ(service_.last_request_id, "req-42");
  EXPECT_GT(service_.last_deadline, before);
  EXPECT_LE(service_.last_deadline,
            before + std::chrono::milliseconds(2000) + std::chrono::milliseconds(500));

  EXPECT_EQ(order->id, "ord-1");
  EXPECT_EQ(order->state, OrderState::kPaying);
  EXPECT_EQ(order->total_fen, 2590);
  EXPECT_EQ(order->description, "coffee");
  EXPECT_EQ(order->created_at, At("2026-01-01T00:00:00.123Z"));
  ASSERT_TRUE(order->active_prepay.has_value());
  EXPECT_EQ(order->active_prepay->channel, Channel::kNative);
  EXPECT_EQ(order->active_prepay->code_url, "weixin://wxpay/bizpayurl?pr=x");
  EXPECT_EQ(time::FormatUtc(order->active_prepay->expires_at), "2026-01-01T00:30:00Z");
}

// ApplyPayment and wait for its callback.
absl::StatusOr<ApplyPaymentResult> ApplySync(GrpcOrderClient& client, const ApplyPaymentInput& in,
                                             const std::string& request_id) {
  std::promise<absl::StatusOr<ApplyPaymentResult>> promise;
  auto future = promise.get_future();
  client.ApplyPayment(in, request_id, [&promise](absl::StatusOr<ApplyPaymentResult> r) {
    promise.set_value(std::move(r));
  });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return absl::DeadlineExceededError("no callback");
  }
  return future.get();
}

wechatpay::Transaction PaidTransaction() {
  wechatpay::Transaction tx;
  tx.appid = "wx1";
  tx.mchid = "190";
  tx.out_trade_no = "PM1";
  tx.transaction_id = "4200";
  tx.trade_type = "NATIVE";
  tx.trade_state = "SUCCESS";
  tx.success_time = "2026-01-01T08:01:00+08:00";
  tx.payer_openid = "oUp";
  tx.amount_total = 2590;
  tx.amount_payer_total = 2500;
  tx.currency = "CNY";
  return tx;
}

TEST_F(GrpcOrderClientTest, RecordPrepayAndApplyPaymentSendEveryField) {
  const Timestamp expires = At("2026-01-01T00:29:00Z");
  ASSERT_TRUE(client_->RecordPrepay("ord-1", Prepay{Channel::kNative, "weixin://x", expires}).ok());
  EXPECT_EQ(service_.last_prepay.order_id(), "ord-1");
  EXPECT_EQ(service_.last_prepay.prepay().channel(), ov1::CHANNEL_NATIVE);
  EXPECT_EQ(service_.last_prepay.prepay().code_url(), "weixin://x");
  EXPECT_EQ(*rpc::FromProto(service_.last_prepay.prepay().expires_at()), expires);

  ApplyPaymentInput in{"n-1", ReportSource::kNotification, "TRANSACTION.SUCCESS",
                       PaidTransaction()};
  absl::StatusOr<ApplyPaymentResult> r = ApplySync(*client_, in, "req-7");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(r->order_id, "ord-1");
  EXPECT_EQ(r->order_state, OrderState::kPaid);
  EXPECT_EQ(service_.last_request_id, "req-7");
  const ov1::ApplyPaymentRequest& sent = service_.last_apply;
  EXPECT_EQ(sent.notification_id(), "n-1");
  EXPECT_EQ(sent.source(), ov1::REPORT_SOURCE_NOTIFICATION);
  EXPECT_EQ(sent.event_type(), "TRANSACTION.SUCCESS");
  EXPECT_EQ(sent.report().appid(), "wx1");
  EXPECT_EQ(sent.report().mchid(), "190");
  EXPECT_EQ(sent.report().out_trade_no(), "PM1");
  EXPECT_EQ(sent.report().transaction_id(), "4200");
  EXPECT_EQ(sent.report().trade_type(), "NATIVE");
  EXPECT_EQ(sent.report().trade_state(), "SUCCESS");
  EXPECT_EQ(*rpc::FromProto(sent.report().success_time()), At("2026-01-01T00:01:00Z"));
  EXPECT_EQ(sent.report().payer_openid(), "oUp");
  EXPECT_EQ(sent.report().amount_total(), 2590);
  EXPECT_EQ(sent.report().payer_total(), 2500);
  EXPECT_EQ(sent.report().currency(), "CNY");
}

TEST_F(GrpcOrderClientTest, ATransactionThatCannotBePutOnTheContractGoesAsRejected) {
  wechatpay::Transaction tx = PaidTransaction();
  tx.success_time = "yesterday";
  absl::StatusOr<ApplyPaymentResult> r =
      ApplySync(*client_, {"n-2", ReportSource::kNotification, "TRANSACTION.SUCCESS", tx}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  const ov1::ApplyPaymentRequest& sent = service_.last_apply;
  EXPECT_EQ(sent.notification_id(), "n-2");
  EXPECT_EQ(sent.rejected_reason(), "success_time is not an RFC 3339 time");
  EXPECT_EQ(sent.report().transaction_id(), "4200") << "the ids go along, for the inbox";
  EXPECT_FALSE(sent.report().has_success_time());

  tx.success_time = "";  // a report without one is fine: order uses its own clock
  ASSERT_TRUE(
      ApplySync(*client_, {"n-3", ReportSource::kQuery, "TRANSACTION.SUCCESS", tx}, "").ok());
  EXPECT_FALSE(service_.last_apply.report().has_success_time());
}

TEST_F(GrpcOrderClientTest, OrdersErrorsPassThrough) {
  service_.answer = grpc::Status(grpc::StatusCode::NOT_FOUND, "order not found");
  absl::StatusOr<Order> r = client_->GetOrderForPayment("user-1", "ord-1");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "order not found");
  service_.answer = grpc::Status(grpc::StatusCode::UNAVAILABLE, "db down");
  EXPECT_EQ(ApplySync(*client_, {}, "").status().code(), absl::StatusCode::kUnavailable);
}

TEST(OrderFromProtoTest, MalformedTimesAreHandled) {
  ov1::Order p;
  p.set_id("ord-1");
  p.mutable_created_at()->set_seconds(INT64_MAX);
  EXPECT_EQ(OrderFromProto(p).status().code(), absl::StatusCode::kInternal);

  *p.mutable_created_at() = rpc::ToProto(At("2026-01-01T00:00:00Z"));
  p.mutable_active_prepay()->set_channel(ov1::CHANNEL_NATIVE);
  p.mutable_active_prepay()->set_code_url("weixin://x");
  absl::StatusOr<Order> o = OrderFromProto(p);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->active_prepay.has_value()) << "no expiry: never reused";

  p.clear_active_prepay();
  o = OrderFromProto(p);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->active_prepay.has_value());
}

TEST(OrderFromProtoTest, UnknownEnumValuesReadAsUnspecified) {
  ov1::Order p;
  p.set_state(static_cast<ov1::OrderState>(99));
  absl::StatusOr<Order> o = OrderFromProto(p);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->state, OrderState::kUnspecified) << "and so it cannot be paid";
}

}  // namespace
}  // namespace paymesh::payment
