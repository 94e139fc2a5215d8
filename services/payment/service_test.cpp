// The gRPC adapter over an in-process channel (no network), with the logic on fakes.

#include "services/payment/service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>

#include "common/rpc/timestamp.h"
#include "common/time/rfc3339.h"
#include "common/time/testing/fake_clock.h"
#include "common/wechatpay/signing.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/testing/fake_wechat_api.h"

namespace paymesh::payment {
namespace {

constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wxd678efh567hg6787";
constexpr char kApiV3Key[] = "0123456789abcdef0123456789abcdef";
constexpr char kPlatformKeyId[] = "PUB_KEY_ID_0114232134912410000000000000";

const crypto::RsaPrivateKey& PlatformKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

class PaymentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier_.AddKey(kPlatformKeyId, PlatformKey().PublicKey());
    logic_ = std::make_unique<PaymentLogic>(
        PaymentSettings{.appid = kAppid,
                        .mchid = kMchid,
                        .notify_url = "https://pay.example.com/wechat/notify/pay",
                        .apiv3_key = kApiV3Key},
        orders_, wechat_, verifier_, clock_);
    service_ = std::make_unique<PaymentGrpcService>(*logic_, workers_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::PaymentService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));

    Order order;
    order.id = "ord-1";
    order.user_id = "user-1";
    order.out_trade_no = "PM20260101000001abc";
    order.state = OrderState::kCreated;
    order.total_fen = 2590;
    order.currency = "CNY";
    order.description = "coffee";
    order.created_at = clock_.Now();
    order.expires_at = clock_.Now() + std::chrono::minutes(30);
    orders_.PutOrder(order);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    workers_.Shutdown();
  }

  // A signed TRANSACTION.SUCCESS (or `event_type`) for the sample order.
  v1::HandleNotificationRequest Notification(std::string event_type = "TRANSACTION.SUCCESS") {
    wechatpay::Transaction tx;
    tx.appid = kAppid;
    tx.mchid = kMchid;
    tx.out_trade_no = "PM20260101000001abc";
    tx.transaction_id = "4200000000202601010000000001";
    tx.trade_type = "NATIVE";
    tx.trade_state = "SUCCESS";
    tx.amount_total = 2590;
    tx.amount_payer_total = 2590;
    auto resource = wechatpay::EncryptResource(wechatpay::SerializeTransaction(tx), kApiV3Key,
                                               "transaction", "transaction");
    const std::string body = wechatpay::SerializeEnvelope(
        {"EV-1", "2026-01-01T08:00:00+08:00", event_type, "encrypt-resource", "ok", *resource});
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    wechatpay::SignatureHeaders h =
        wechatpay::SignResponse(PlatformKey(), kPlatformKeyId, body, now, wechatpay::NewNonce());
    v1::HandleNotificationRequest req;
    req.set_route("pay");
    req.set_body(body);
    (*req.mutable_headers())["wechatpay-timestamp"] = h.timestamp;
    (*req.mutable_headers())["wechatpay-nonce"] = h.nonce;
    (*req.mutable_headers())["wechatpay-signature"] = h.signature;
    (*req.mutable_headers())["wechatpay-serial"] = h.serial;
    return req;
  }

  time::testing::FakeClock clock_;
  testing::FakeOrderApi orders_;
  testing::FakeWechatPayApi wechat_;
  wechatpay::Verifier verifier_;
  std::unique_ptr<PaymentLogic> logic_;
  exec::WorkerPool workers_{2, 16};
  std::unique_ptr<PaymentGrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::PaymentService::Stub> stub_;
};

TEST_F(PaymentServiceTest, CreatePaymentThenReuse) {
  v1::CreatePaymentRequest req;
  req.set_user_id("user-1");
  req.set_order_id("ord-1");
  req.set_channel(order::v1::CHANNEL_NATIVE);
  v1::CreatePaymentResponse first;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->CreatePayment(&c1, req, &first).ok());
  EXPECT_EQ(first.order_id(), "ord-1");
  EXPECT_EQ(first.out_trade_no(), "PM20260101000001abc");
  EXPECT_EQ(first.channel(), order::v1::CHANNEL_NATIVE);
  EXPECT_EQ(first.code_url(), "weixin://wxpay/bizpayurl?pr=PM20260101000001abc");
  EXPECT_EQ(time::FormatUtc(*rpc::FromProto(first.expires_at())), "2026-01-01T00:30:00Z");
  EXPECT_FALSE(first.reused());

  v1::CreatePaymentResponse second;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->CreatePayment(&c2, req, &second).ok());
  EXPECT_TRUE(second.reused());
  EXPECT_EQ(second.code_url(), first.code_url());
  EXPECT_EQ(wechat_.prepay_calls().size(), 1u);

  req.set_channel(order::v1::CHANNEL_JSAPI);
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->CreatePayment(&c3, req, &second).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "jsapi is not configured here";
  req.set_channel(static_cast<order::v1::Channel>(99));
  grpc::ClientContext c4;
  EXPECT_EQ(stub_->CreatePayment(&c4, req, &second).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Every verdict comes back as a field of an OK call; status codes are for the call itself.
TEST_F(PaymentServiceTest, NotificationVerdictsReachTheCaller) {
  const auto handle = [this](const v1::HandleNotificationRequest& req) {
    v1::HandleNotificationResponse resp;
    grpc::ClientContext ctx;
    grpc::Status st = stub_->HandleNotification(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  };
  v1::HandleNotificationRequest good = Notification();
  v1::HandleNotificationResponse resp = handle(good);
  EXPECT_EQ(resp.verdict(), v1::VERDICT_ACK);
  EXPECT_EQ(resp.outcome(), order::v1::PAYMENT_OUTCOME_APPLIED);
  EXPECT_EQ(resp.event_type(), "TRANSACTION.SUCCESS");

  v1::HandleNotificationRequest tampered = good;
  tampered.mutable_body()->append(" ");
  resp = handle(tampered);
  EXPECT_EQ(resp.verdict(), v1::VERDICT_REJECT);
  EXPECT_EQ(resp.reject_reason(), v1::REJECT_REASON_UNVERIFIED);
  EXPECT_EQ(resp.fail_message(), "signature verification failed");

  resp = handle(Notification("PROFITSHARING.SUCCESS"));  // not handled yet: WeChat keeps it
  EXPECT_EQ(resp.verdict(), v1::VERDICT_RETRY);
  EXPECT_EQ(resp.event_type(), "PROFITSHARING.SUCCESS");

  orders_.SetUnavailable(true);
  resp = handle(good);
  EXPECT_EQ(resp.verdict(), v1::VERDICT_RETRY);
  EXPECT_EQ(resp.outcome(), order::v1::PAYMENT_OUTCOME_UNSPECIFIED);
}

TEST(PaymentToProtoTest, EveryAnswerFieldIsCarried) {
  v1::HandleNotificationResponse out;
  ToProto(NotificationAnswer{Verdict::kReject, RejectReason::kMalformed, "malformed notification",
                             "TRANSACTION.SUCCESS", PaymentOutcome::kUnspecified},
          &out);
  EXPECT_EQ(out.verdict(), v1::VERDICT_REJECT);
  EXPECT_EQ(out.reject_reason(), v1::REJECT_REASON_MALFORMED);
  EXPECT_EQ(out.fail_message(), "malformed notification");
  EXPECT_EQ(out.event_type(), "TRANSACTION.SUCCESS");
  ToProto(NotificationAnswer{Verdict::kAck, RejectReason::kUnspecified, "", "",
                             PaymentOutcome::kAmountMismatch},
          &out);
  EXPECT_EQ(out.verdict(), v1::VERDICT_ACK);
  EXPECT_EQ(out.outcome(), order::v1::PAYMENT_OUTCOME_AMOUNT_MISMATCH);
}

TEST_F(PaymentServiceTest, QueryPayment) {
  wechatpay::Transaction tx;
  tx.appid = kAppid;
  tx.mchid = kMchid;
  tx.out_trade_no = "PM20260101000001abc";
  tx.trade_state = "NOTPAY";
  wechat_.PutTransaction(tx);
  v1::QueryPaymentRequest req;
  req.set_user_id("user-1");
  req.set_order_id("ord-1");
  v1::QueryPaymentResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->QueryPayment(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.trade_state(), "NOTPAY");
  EXPECT_EQ(resp.outcome(), order::v1::PAYMENT_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(resp.order_state(), order::v1::ORDER_STATE_CREATED);
}

}  // namespace
}  // namespace paymesh::payment
