#include "services/payment/logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "common/crypto/crypto.h"
#include "common/ratelimit/testing/fake_rate_limiter.h"
#include "common/time/rfc3339.h"
#include "common/time/testing/fake_clock.h"
#include "common/wechatpay/signing.h"
#include "services/payment/testing/fake_identity_api.h"
#include "services/payment/testing/fake_key_refresher.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/testing/fake_wechat_api.h"

namespace paymesh::payment {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeOrderApi;
using testing::FakeWechatPayApi;
using ::testing::HasSubstr;
using time::testing::FakeClock;

constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wxd678efh567hg6787";
constexpr char kMiniAppid[] = "wx7777777777777777";
constexpr char kApiV3Key[] = "0123456789abcdef0123456789abcdef";
constexpr char kPlatformKeyId[] = "PUB_KEY_ID_0114232134912410000000000000";
constexpr char kNotifyUrl[] = "https://pay.example.com/wechat/notify/pay";
constexpr char kOrderId[] = "3f1c2a9e-0000-4000-8000-000000000001";
constexpr char kUserId[] = "user-1";
constexpr char kOutTradeNo[] = "PM20260101000001abc";
constexpr char kTransactionId[] = "4200000000202601010000000001";

const crypto::RsaPrivateKey& MerchantKey() {
  static const crypto::RsaPrivateKey* key =
      new crypto::RsaPrivateKey(crypto::RsaPrivateKey::Generate(2048));
  return *key;
}

const crypto::RsaPrivateKey& PlatformKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

int64_t Seconds(Timestamp t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

wechatpay::Transaction PaidTransaction() {
  wechatpay::Transaction t;
  t.appid = kAppid;
  t.mchid = kMchid;
  t.out_trade_no = kOutTradeNo;
  t.transaction_id = kTransactionId;
  t.trade_type = "NATIVE";
  t.trade_state = "SUCCESS";
  t.trade_state_desc = "支付成功";
  t.bank_type = "OTHERS";
  t.success_time = "2026-01-01T08:01:00+08:00";
  t.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  t.amount_total = 2590;
  t.amount_payer_total = 2590;
  t.currency = "CNY";
  t.payer_currency = "CNY";
  return t;
}

struct Notification {
  NotificationHeaders headers;
  std::string body;
};

struct NotificationOptions {
  std::string id = "7f8fcdb2-573a-547a-901e-4c34f9761293";
  std::string event_type = "TRANSACTION.SUCCESS";
  std::string original_type = "transaction";
  std::string apiv3_key = kApiV3Key;
  int64_t skew = 0;  // seconds added to the signing timestamp
  const crypto::RsaPrivateKey* key = &PlatformKey();
  std::string serial = kPlatformKeyId;
  std::string plaintext;  // "" = the transaction
};

// A notification as WeChat sends it: the transaction encrypted with the APIv3 key, the envelope
// signed with the platform key. Header names lowercased, as the gateway forwards them.
Notification MakeNotification(const wechatpay::Transaction& tx, int64_t now,
                              const NotificationOptions& o = {}) {
  absl::StatusOr<wechatpay::Resource> resource = wechatpay::EncryptResource(
      o.plaintext.empty() ? wechatpay::SerializeTransaction(tx) : o.plaintext, o.apiv3_key,
      o.original_type, o.original_type);
  EXPECT_TRUE(resource.ok());
  wechatpay::Envelope e{
      o.id, "2026-01-01T08:01:05+08:00", o.event_type, "encrypt-resource", "支付成功", *resource};
  Notification n;
  n.body = wechatpay::SerializeEnvelope(e);
  wechatpay::SignatureHeaders h =
      wechatpay::SignResponse(*o.key, o.serial, n.body, now + o.skew, wechatpay::NewNonce());
  n.headers = {{"wechatpay-timestamp", h.timestamp},
               {"wechatpay-nonce", h.nonce},
               {"wechatpay-signature", h.signature},
               {"wechatpay-serial", h.serial},
               {"wechatpay-signature-type", h.signature_type},
               {"request-id", "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0"}};
  return n;
}

class PaymentLogicTest : public ::testing::Test {
 protected:
  PaymentLogicTest() {
    verifier_.AddKey(kPlatformKeyId, PlatformKey().PublicKey());
    logic_ = std::make_unique<PaymentLogic>(PaymentSettings{.appid = kAppid,
                                                            .miniprogram_appid = kMiniAppid,
                                                            .mchid = kMchid,
                                                            .notify_url = kNotifyUrl,
                                                            .apiv3_key = kApiV3Key},
                                            orders_, wechat_, verifier_, clock_, &identities_,
                                            &MerchantKey());
  }

  // Created a minute before the test's "now" (2026-01-01T00:00:00Z).
  Order SampleOrder(OrderState state = OrderState::kCreated) {
    Order o;
    o.id = kOrderId;
    o.user_id = kUserId;
    o.out_trade_no = kOutTradeNo;
    o.state = state;
    o.total_fen = 2590;
    o.currency = "CNY";
    o.description = "Pour-over coffee x2";
    o.created_at = clock_.Now() - minutes(1) + std::chrono::milliseconds(400);
    o.updated_at = o.created_at;
    o.expires_at = std::chrono::floor<seconds>(o.created_at) + seconds(1800);
    return o;
  }

  absl::StatusOr<CreatePaymentResult> Pay(Channel channel = Channel::kNative) {
    return logic_->CreatePayment({kUserId, kOrderId, channel, "203.0.113.7"});
  }

  // HandleNotification's answer (the fake order API answers inline).
  NotificationAnswer Handle(std::string_view route, const NotificationHeaders& headers,
                            std::string_view body) {
    std::optional<NotificationAnswer> answer;
    logic_->HandleNotification(route, headers, body, "req-1",
                               [&answer](NotificationAnswer a) { answer = std::move(a); });
    EXPECT_TRUE(answer.has_value()) << "done must run exactly once";
    return answer.value_or(NotificationAnswer{});
  }
  NotificationAnswer Handle(const Notification& n) { return Handle("pay", n.headers, n.body); }

  int64_t NowSeconds() const { return Seconds(clock_.Now()); }

  FakeClock clock_;
  FakeOrderApi orders_;
  FakeWechatPayApi wechat_;
  testing::FakeIdentityApi identities_;
  wechatpay::Verifier verifier_;
  std::unique_ptr<PaymentLogic> logic_;
};

// --- CreatePayment -------------------------------------------------------------------------

TEST_F(PaymentLogicTest, CreatesANativePrepayFromTheOrder) {
  orders_.PutOrder(SampleOrder());
  absl::StatusOr<CreatePaymentResult> r = Pay();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->reused);
  EXPECT_EQ(r->order_id, kOrderId);
  EXPECT_EQ(r->out_trade_no, kOutTradeNo);
  EXPECT_EQ(r->channel, Channel::kNative);
  EXPECT_EQ(r->code_url, std::string("weixin://wxpay/bizpayurl?pr=") + kOutTradeNo);

  std::vector<PrepayRequest> calls = wechat_.prepay_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].appid, kAppid);
  EXPECT_EQ(calls[0].mchid, kMchid);
  EXPECT_EQ(calls[0].description, "Pour-over coffee x2");
  EXPECT_EQ(calls[0].out_trade_no, kOutTradeNo);
  EXPECT_EQ(calls[0].notify_url, kNotifyUrl);
  EXPECT_EQ(calls[0].amount_total, 2590);
  EXPECT_EQ(calls[0].currency, "CNY");
  // created 2025-12-31T23:59:00.4Z + 1800 s, whole seconds, China time.
  EXPECT_EQ(calls[0].time_expire, "2026-01-01T08:29:00+08:00");
  // The code_url lives until time_expire, sooner than WeChat's two hours.
  EXPECT_EQ(time::FormatUtc(r->expires_at), "2026-01-01T00:29:00Z");

  std::vector<std::pair<std::string, Prepay>> recorded = orders_.prepay_calls();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].first, kOrderId);
  EXPECT_EQ(recorded[0].second.channel, Channel::kNative);
  EXPECT_EQ(recorded[0].second.code_url, r->code_url);
  EXPECT_EQ(recorded[0].second.expires_at, r->expires_at);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaying);
}

TEST_F(PaymentLogicTest, CodeUrlValidityIsCappedAtTwoHours) {
  logic_ = std::make_unique<PaymentLogic>(
      PaymentSettings{
          .appid = kAppid, .mchid = kMchid, .notify_url = kNotifyUrl, .apiv3_key = kApiV3Key},
      orders_, wechat_, verifier_, clock_);
  Order order = SampleOrder();
  order.expires_at = std::chrono::floor<seconds>(order.created_at) + hours(24);
  orders_.PutOrder(order);
  absl::StatusOr<CreatePaymentResult> r = Pay();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expires_at, clock_.Now() + hours(2));
  EXPECT_EQ(wechat_.prepay_calls().at(0).time_expire, "2026-01-02T07:59:00+08:00");
}

TEST_F(PaymentLogicTest, ReusesAStillValidCodeUrl) {
  Order order = SampleOrder(OrderState::kPaying);
  order.active_prepay =
      Prepay{Channel::kNative, "weixin://wxpay/bizpayurl?pr=earlier", clock_.Now() + minutes(10)};
  orders_.PutOrder(order);
  absl::StatusOr<CreatePaymentResult> r = Pay();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->reused);
  EXPECT_EQ(r->code_url, "weixin://wxpay/bizpayurl?pr=earlier");
  EXPECT_EQ(r->expires_at, clock_.Now() + minutes(10));
  EXPECT_TRUE(wechat_.prepay_calls().empty());
  EXPECT_TRUE(orders_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, AsksAgainWithIdenticalParametersWhenTheCodeUrlIsAboutToExpire) {
  orders_.PutOrder(SampleOrder());
  ASSERT_TRUE(Pay().ok());
  // The recorded prepay expires at 00:29:00Z; 59 s before that it is no longer handed out.
  clock_.Advance(minutes(28) + seconds(1));
  absl::StatusOr<CreatePaymentResult> again = Pay();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->reused);

  std::vector<PrepayRequest> calls = wechat_.prepay_calls();
  ASSERT_EQ(calls.size(), 2u);
  // WeChat's re-entry rule: the second call must be byte-for-byte the same request.
  EXPECT_EQ(calls[1].time_expire, calls[0].time_expire);
  EXPECT_EQ(calls[1].description, calls[0].description);
  EXPECT_EQ(calls[1].amount_total, calls[0].amount_total);
  EXPECT_EQ(calls[1].notify_url, calls[0].notify_url);
}

TEST_F(PaymentLogicTest, RefusesAnExpiredOrder) {
  orders_.PutOrder(SampleOrder());
  clock_.Advance(minutes(29));  // expires_at (created_at + 1800 s) has passed
  absl::StatusOr<CreatePaymentResult> r = Pay();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "order expired");
  EXPECT_TRUE(wechat_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, RefusesOrdersThatCannotBePaid) {
  for (OrderState state : {OrderState::kPaid, OrderState::kClosed, OrderState::kPayFailed,
                           OrderState::kRefunded, OrderState::kUnspecified}) {
    orders_.PutOrder(SampleOrder(state));
    absl::StatusOr<CreatePaymentResult> r = Pay();
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << StateName(state);
  }
  Order free = SampleOrder();
  free.total_fen = 0;
  orders_.PutOrder(free);
  EXPECT_EQ(Pay().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(wechat_.prepay_calls().empty());
  EXPECT_TRUE(orders_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, JsapiCarriesTheOpenidAndAnswersSignedBridgeParameters) {
  orders_.PutOrder(SampleOrder());
  identities_.Put(kUserId, kAppid, "oUser0000000000000000000001");
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kJsapi);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(wechat_.prepay_calls().size(), 1u);
  const PrepayRequest sent = wechat_.prepay_calls()[0];
  EXPECT_EQ(sent.channel, Channel::kJsapi);
  EXPECT_EQ(sent.appid, kAppid);
  EXPECT_EQ(sent.payer_openid, "oUser0000000000000000000001");
  EXPECT_EQ(r->channel, Channel::kJsapi);
  EXPECT_EQ(r->code_url, "");
  const wechatpay::PaymentBridge& b = r->bridge;
  EXPECT_EQ(b.app_id, kAppid);
  EXPECT_EQ(b.package, std::string("prepay_id=wx") + kOutTradeNo);
  EXPECT_EQ(b.time_stamp, std::to_string(NowSeconds()));
  EXPECT_EQ(b.sign_type, "RSA");
  EXPECT_TRUE(MerchantKey().PublicKey().VerifySha256(
      wechatpay::PaySignMessage(b.app_id, b.time_stamp, b.nonce_str, b.package),
      *crypto::Base64Decode(b.pay_sign)));
  EXPECT_EQ(r->expires_at, clock_.Now() + minutes(29))
      << "the prepay_id lives 2 h, but the order's time_expire is 29 min away";
  ASSERT_EQ(orders_.prepay_calls().size(), 1u);
  EXPECT_EQ(orders_.prepay_calls()[0].second.prepay_id, std::string("wx") + kOutTradeNo);

  absl::StatusOr<CreatePaymentResult> again = Pay(Channel::kJsapi);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(again->bridge.package, b.package);
  EXPECT_EQ(wechat_.prepay_calls().size(), 1u) << "the prepay_id is reused, re-signed";
}

TEST_F(PaymentLogicTest, MiniProgramPaysWithItsOwnAppidAndOpenid) {
  orders_.PutOrder(SampleOrder());
  identities_.Put(kUserId, kAppid, "oOfficialAccount");
  identities_.Put(kUserId, kMiniAppid, "oMiniProgram");
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kMiniprogram);
  ASSERT_TRUE(r.ok()) << r.status();
  const PrepayRequest sent = wechat_.prepay_calls().at(0);
  EXPECT_EQ(sent.channel, Channel::kMiniprogram);
  EXPECT_EQ(sent.appid, kMiniAppid);
  EXPECT_EQ(sent.payer_openid, "oMiniProgram");
  EXPECT_EQ(r->bridge.app_id, kMiniAppid);
}

TEST_F(PaymentLogicTest, WithoutAnOpenidTheUserSignsInWithWechatFirst) {
  orders_.PutOrder(SampleOrder());
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kJsapi);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("sign in with WeChat"));
  EXPECT_TRUE(wechat_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, H5SendsTheClientIpAndItsUrlLivesFiveMinutes) {
  orders_.PutOrder(SampleOrder());
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kH5);
  ASSERT_TRUE(r.ok()) << r.status();
  const PrepayRequest sent = wechat_.prepay_calls().at(0);
  EXPECT_EQ(sent.channel, Channel::kH5);
  EXPECT_EQ(sent.payer_client_ip, "203.0.113.7");
  EXPECT_EQ(sent.payer_openid, "");
  EXPECT_THAT(r->h5_url, HasSubstr("prepay_id="));
  EXPECT_EQ(r->expires_at, floor<seconds>(clock_.Now()) + minutes(5));
  EXPECT_EQ(orders_.prepay_calls().at(0).second.h5_url, r->h5_url);

  orders_.PutOrder(SampleOrder());
  absl::StatusOr<CreatePaymentResult> no_ip =
      logic_->CreatePayment({kUserId, kOrderId, Channel::kH5, "not an ip"});
  EXPECT_EQ(no_ip.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PaymentLogicTest, ChangingChannelClosesTheAttemptAndStartsTheNext) {
  orders_.PutOrder(SampleOrder());
  ASSERT_TRUE(Pay(Channel::kNative).ok());
  identities_.Put(kUserId, kAppid, "oUser");
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kJsapi);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out_trade_no, std::string(kOutTradeNo) + "_1");
  EXPECT_EQ(wechat_.close_calls(), std::vector<std::string>{kOutTradeNo}) << "closed first";
  const std::vector<PrepayRequest> sent = wechat_.prepay_calls();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].out_trade_no, std::string(kOutTradeNo) + "_1");
  EXPECT_EQ(sent[1].time_expire, sent[0].time_expire) << "the order's expiry, whatever the attempt";
  EXPECT_EQ(orders_.prepay_calls().at(1).second.attempt, 1);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->payment_channel, Channel::kJsapi);

  absl::StatusOr<CreatePaymentResult> again = Pay(Channel::kJsapi);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->reused);
  ASSERT_TRUE(Pay(Channel::kNative).ok());
  EXPECT_EQ(wechat_.prepay_calls().back().out_trade_no, std::string(kOutTradeNo) + "_2");
}

TEST_F(PaymentLogicTest, AChannelChangeFindsAPaymentMadeTheInstantBefore) {
  orders_.PutOrder(SampleOrder());
  ASSERT_TRUE(Pay(Channel::kNative).ok());
  wechat_.PutTransaction(PaidTransaction());  // the QR code was paid; its notification is late
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kH5);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("PAID"));
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaid);
  ASSERT_EQ(orders_.apply_calls().size(), 1u);
  EXPECT_EQ(orders_.apply_calls()[0].source, ReportSource::kQuery);
  EXPECT_EQ(wechat_.prepay_calls().size(), 1u) << "no new attempt";
}

TEST_F(PaymentLogicTest, ARefusedReEntryStartsTheNextAttempt) {
  orders_.PutOrder(SampleOrder());
  wechat_.FailNext(absl::FailedPreconditionError("ORDER_CLOSED"));
  absl::StatusOr<CreatePaymentResult> r = Pay(Channel::kNative);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out_trade_no, std::string(kOutTradeNo) + "_1");
  EXPECT_EQ(wechat_.close_calls().size(), 1u);

  wechat_.FailNext(absl::UnavailableError("down"));
  orders_.PutOrder(SampleOrder());
  EXPECT_EQ(Pay(Channel::kNative).status().code(), absl::StatusCode::kUnavailable)
      << "only a refusal starts a new attempt";
}

TEST_F(PaymentLogicTest, UnknownOrUnconfiguredChannels) {
  orders_.PutOrder(SampleOrder());
  EXPECT_EQ(Pay(Channel::kUnspecified).status().code(), absl::StatusCode::kInvalidArgument);
  PaymentLogic bare(
      {.appid = kAppid, .mchid = kMchid, .notify_url = kNotifyUrl, .apiv3_key = kApiV3Key}, orders_,
      wechat_, verifier_, clock_);
  for (Channel channel : {Channel::kJsapi, Channel::kMiniprogram}) {
    EXPECT_EQ(bare.CreatePayment({kUserId, kOrderId, channel, "203.0.113.7"}).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_TRUE(wechat_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, AnotherUsersOrderIsNotFound) {
  Order order = SampleOrder();
  order.user_id = "someone-else";
  orders_.PutOrder(order);
  EXPECT_EQ(Pay().status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(wechat_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, WechatErrorsPassThroughAndRecordNothing) {
  orders_.PutOrder(SampleOrder());
  wechat_.PutTransaction(PaidTransaction());  // paid at WeChat: the re-entry is refused
  wechat_.FailNext(absl::FailedPreconditionError("wechat pay answered 403 OUT_TRADE_NO_USED"));
  EXPECT_EQ(Pay().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaid) << "the payment found, applied";
  orders_.PutOrder(SampleOrder());
  wechat_.FailNext(absl::UnavailableError("wechat pay unreachable"));
  EXPECT_EQ(Pay().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(orders_.prepay_calls().empty());
}

TEST_F(PaymentLogicTest, DescriptionIsCutOnACharacterBoundary) {
  Order order = SampleOrder();
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "咖啡";  // 3 bytes each: 300 bytes
  order.description = long_text;
  orders_.PutOrder(order);
  ASSERT_TRUE(Pay().ok());
  const std::string sent = wechat_.prepay_calls().at(0).description;
  EXPECT_EQ(sent.size(), 126u);
  EXPECT_EQ(sent, long_text.substr(0, 126));
  EXPECT_EQ(TruncateUtf8("abc", 127), "abc");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");
}

// --- HandleNotification ------------------------------------------------------------------

TEST_F(PaymentLogicTest, AppliesAVerifiedNotification) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds());
  NotificationAnswer a = Handle(n);
  EXPECT_EQ(a.verdict, Verdict::kAck);
  EXPECT_EQ(a.outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(a.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(a.fail_message, "");

  std::vector<ApplyPaymentInput> calls = orders_.apply_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].notification_id, "7f8fcdb2-573a-547a-901e-4c34f9761293");
  EXPECT_EQ(calls[0].source, ReportSource::kNotification);
  EXPECT_EQ(calls[0].event_type, "TRANSACTION.SUCCESS");
  const wechatpay::Transaction& tx = calls[0].transaction;
  EXPECT_EQ(tx.appid, kAppid);
  EXPECT_EQ(tx.mchid, kMchid);
  EXPECT_EQ(tx.out_trade_no, kOutTradeNo);
  EXPECT_EQ(tx.transaction_id, kTransactionId);
  EXPECT_EQ(tx.success_time, "2026-01-01T08:01:00+08:00");
  EXPECT_EQ(tx.amount_total, 2590);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaid);

  // WeChat delivering it again changes nothing, and is acknowledged.
  NotificationAnswer again = Handle(n);
  EXPECT_EQ(again.verdict, Verdict::kAck);
  EXPECT_EQ(again.outcome, PaymentOutcome::kDuplicate);
}

TEST_F(PaymentLogicTest, HeaderNamesAreCaseInsensitive) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds());
  NotificationHeaders canonical;
  for (const auto& [k, v] : n.headers) {
    std::string name = k;
    name[0] = static_cast<char>(std::toupper(name[0]));
    canonical[name == "Wechatpay-timestamp" ? "WECHATPAY-TIMESTAMP" : name] = v;
  }
  NotificationAnswer a = Handle("pay", canonical, n.body);
  EXPECT_EQ(a.verdict, Verdict::kAck);
  EXPECT_EQ(a.outcome, PaymentOutcome::kApplied);
}

TEST_F(PaymentLogicTest, RejectsBadSignaturesWithoutTouchingOrder) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  const wechatpay::Transaction tx = PaidTransaction();

  Notification tampered = MakeNotification(tx, NowSeconds());
  tampered.body[tampered.body.find("encrypt-resource")] = 'E';

  Notification stale = MakeNotification(tx, NowSeconds(), {.skew = -301});
  Notification edge = MakeNotification(tx, NowSeconds(), {.skew = -300});
  Notification future = MakeNotification(tx, NowSeconds(), {.skew = +301});

  Notification probe = MakeNotification(tx, NowSeconds());
  probe.headers["wechatpay-signature"] = "WECHATPAY/SIGNTEST/bWFkZSB1cCBwcm9iZQ==";

  const crypto::RsaPrivateKey stranger = crypto::RsaPrivateKey::Generate(2048);
  Notification forged = MakeNotification(tx, NowSeconds(), {.key = &stranger});
  Notification missing = MakeNotification(tx, NowSeconds());
  missing.headers.erase("wechatpay-nonce");

  int i = 0;
  for (const Notification* n : {&tampered, &stale, &edge, &future, &probe, &forged, &missing}) {
    NotificationAnswer a = Handle(*n);
    EXPECT_EQ(a.verdict, Verdict::kReject) << "case " << i;
    EXPECT_EQ(a.reject_reason, RejectReason::kUnverified) << "case " << i;
    EXPECT_EQ(a.fail_message, "signature verification failed") << "case " << i++;
  }
  EXPECT_TRUE(orders_.apply_calls().empty());
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaying);
}

// A fresh, well-formed notification under a key id we do not hold may be WeChat rotating keys:
// it is not applied, but answered RETRY (5xx), never as a forgery (4xx).
TEST_F(PaymentLogicTest, UnknownPlatformKeyIsRetriedAndAppliesNothing) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds(),
                                    {.serial = "PUB_KEY_ID_0000000000000000000001"});
  EXPECT_EQ(Handle(n).verdict, Verdict::kRetry);
  // The same unknown serial on a stale notification is still rejected outright.
  Notification stale =
      MakeNotification(PaidTransaction(), NowSeconds(),
                       {.skew = -301, .serial = "PUB_KEY_ID_0000000000000000000001"});
  EXPECT_EQ(Handle(stale).verdict, Verdict::kReject);
  // A signature probe under an unknown serial is refused (4xx) before any key is looked up.
  Notification probe = MakeNotification(PaidTransaction(), NowSeconds(),
                                        {.serial = "PUB_KEY_ID_0000000000000000000001"});
  probe.headers["wechatpay-signature"] = "WECHATPAY/SIGNTEST/bWFkZSB1cCBwcm9iZQ==";
  auto& unknown =
      metrics::Registry::Default().AddCounter("payment_notifications_unknown_serial_total", "", {});
  const double counted = unknown.Value();
  NotificationAnswer refused = Handle(probe);
  EXPECT_EQ(refused.verdict, Verdict::kReject);
  EXPECT_EQ(refused.reject_reason, RejectReason::kUnverified);
  EXPECT_EQ(unknown.Value(), counted) << "a probe is not a key we lack";
  EXPECT_EQ(Handle(n).verdict, Verdict::kRetry);
  EXPECT_EQ(unknown.Value(), counted + 1);
  EXPECT_TRUE(orders_.apply_calls().empty());
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaying);
}

// Certificate mode: a notification under a serial not held waits for the key refresher (a
// rotated certificate) and is then applied; one it cannot find is RETRY; a probe or a stale
// notification never makes it ask.
TEST_F(PaymentLogicTest, UnknownSerialWaitsForTheKeyRefresher) {
  const crypto::RsaPrivateKey rotated = crypto::RsaPrivateKey::Generate(2048);
  testing::FakeKeyRefresher refresher(verifier_, "6A57F09EFDC096DE", rotated);
  logic_->SetKeyRefresher(&refresher);
  orders_.PutOrder(SampleOrder(OrderState::kPaying));

  Notification invented = MakeNotification(PaidTransaction(), NowSeconds(),
                                           {.key = &rotated, .serial = "7B00INVENTED"});
  EXPECT_EQ(Handle(invented).verdict, Verdict::kRetry);
  Notification probe =
      MakeNotification(PaidTransaction(), NowSeconds(), {.key = &rotated, .serial = "7C00PROBE"});
  probe.headers["wechatpay-signature"] = "WECHATPAY/SIGNTEST/bWFkZSB1cCBwcm9iZQ==";
  EXPECT_EQ(Handle(probe).verdict, Verdict::kReject);
  Notification stale = MakeNotification(PaidTransaction(), NowSeconds(),
                                        {.skew = -400, .key = &rotated, .serial = "7D00STALE"});
  EXPECT_EQ(Handle(stale).verdict, Verdict::kReject);
  EXPECT_TRUE(orders_.apply_calls().empty());

  Notification rotated_cert = MakeNotification(PaidTransaction(), NowSeconds(),
                                               {.key = &rotated, .serial = "6A57F09EFDC096DE"});
  EXPECT_EQ(Handle(rotated_cert).verdict, Verdict::kAck);
  EXPECT_EQ(orders_.apply_calls().size(), 1u);
  EXPECT_EQ(refresher.asked, (std::vector<std::string>{"7B00INVENTED", "6A57F09EFDC096DE"}));
}

TEST_F(PaymentLogicTest, AcceptsA299SecondOldNotification) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds(), {.skew = -299});
  NotificationAnswer a = Handle(n);
  EXPECT_EQ(a.verdict, Verdict::kAck);
  EXPECT_EQ(a.outcome, PaymentOutcome::kApplied);
}

TEST_F(PaymentLogicTest, RejectsAnotherMerchantsOrAppsTransactionAsMalformed) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  wechatpay::Transaction foreign_mch = PaidTransaction();
  foreign_mch.mchid = "1900000999";
  wechatpay::Transaction foreign_app = PaidTransaction();
  foreign_app.appid = "wx0000000000000000";
  for (const wechatpay::Transaction& tx : {foreign_mch, foreign_app}) {
    NotificationAnswer a = Handle(MakeNotification(tx, NowSeconds()));
    EXPECT_EQ(a.verdict, Verdict::kReject);
    EXPECT_EQ(a.reject_reason, RejectReason::kMalformed);
    EXPECT_EQ(a.event_type, "TRANSACTION.SUCCESS");
  }
  EXPECT_TRUE(orders_.apply_calls().empty());

  wechatpay::Transaction mini = PaidTransaction();
  mini.appid = kMiniAppid;
  EXPECT_EQ(Handle(MakeNotification(mini, NowSeconds())).verdict, Verdict::kAck)
      << "the mini program's payments are ours too";
}

TEST_F(PaymentLogicTest, AMalformedSignedBodyIsRejectedAsMalformed) {
  const std::string body = R"({"id":"x","event_type":"TRANSACTION.SUCCESS"})";
  wechatpay::SignatureHeaders h = wechatpay::SignResponse(PlatformKey(), kPlatformKeyId, body,
                                                          NowSeconds(), wechatpay::NewNonce());
  NotificationHeaders headers = {{"wechatpay-timestamp", h.timestamp},
                                 {"wechatpay-nonce", h.nonce},
                                 {"wechatpay-signature", h.signature},
                                 {"wechatpay-serial", h.serial}};
  NotificationAnswer a = Handle("pay", headers, body);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_EQ(a.reject_reason, RejectReason::kMalformed);
  EXPECT_EQ(a.fail_message, "malformed notification");
  EXPECT_TRUE(orders_.apply_calls().empty());
}

TEST_F(PaymentLogicTest, AWrongApiV3KeyIsOurFaultSoWechatRetries) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds(),
                                    {.apiv3_key = "ffffffffffffffffffffffffffffffff"});
  EXPECT_EQ(Handle(n).verdict, Verdict::kRetry);
  EXPECT_TRUE(orders_.apply_calls().empty());
}

wechatpay::RefundResource PortalRefund(const char* status = "SUCCESS", int64_t fen = 2590) {
  wechatpay::RefundResource r;
  r.mchid = kMchid;
  r.out_trade_no = kOutTradeNo;
  r.transaction_id = kTransactionId;
  r.out_refund_no = "portal-1";
  r.refund_id = "50300000000000000000000001";
  r.refund_status = status;
  r.success_time = "2026-01-02T08:00:00+08:00";
  r.amount_total = 2590;
  r.amount_refund = fen;
  return r;
}

Notification RefundNotification(const wechatpay::RefundResource& r, int64_t now,
                                const char* event_type = "REFUND.SUCCESS") {
  return MakeNotification(PaidTransaction(), now,
                          {.event_type = event_type,
                           .original_type = "refund",
                           .plaintext = wechatpay::SerializeRefundResource(r)});
}

TEST_F(PaymentLogicTest, RefundNotificationsOnEitherRouteAreApplied) {
  orders_.PutOrder(SampleOrder(OrderState::kPaid));
  Notification n = RefundNotification(PortalRefund(), NowSeconds());
  for (const char* route : {"refund", "pay"}) {  // either route takes either event type
    NotificationAnswer a = Handle(route, n.headers, n.body);
    EXPECT_EQ(a.verdict, Verdict::kAck) << route;
    EXPECT_EQ(a.event_type, "REFUND.SUCCESS");
  }
  ASSERT_EQ(orders_.refund_reports().size(), 2u);
  const RefundReportInput r = orders_.refund_reports()[0];
  EXPECT_EQ(r.out_trade_no, kOutTradeNo);
  EXPECT_EQ(r.out_refund_no, "portal-1");
  EXPECT_EQ(r.refund_id, "50300000000000000000000001");
  EXPECT_EQ(r.status, RefundStatus::kSuccess);
  EXPECT_EQ(r.amount_fen, 2590);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kRefunded);
  EXPECT_TRUE(orders_.apply_calls().empty()) << "no payment report";

  Notification abnormal =
      RefundNotification(PortalRefund("ABNORMAL"), NowSeconds(), "REFUND.ABNORMAL");
  EXPECT_EQ(Handle("refund", abnormal.headers, abnormal.body).verdict, Verdict::kAck);
  EXPECT_EQ(orders_.refund_reports().back().status, RefundStatus::kAbnormal);
}

TEST_F(PaymentLogicTest, BadRefundNotificationsAreRefusedOrRetried) {
  orders_.PutOrder(SampleOrder(OrderState::kPaid));
  wechatpay::RefundResource other = PortalRefund();
  other.mchid = "1900000999";
  wechatpay::RefundResource odd = PortalRefund("MAYBE");
  Notification transaction_inside = MakeNotification(
      PaidTransaction(), NowSeconds(), {.event_type = "REFUND.SUCCESS", .original_type = "refund"});
  for (const Notification& n : {RefundNotification(other, NowSeconds()), transaction_inside}) {
    NotificationAnswer a = Handle("refund", n.headers, n.body);
    EXPECT_EQ(a.verdict, Verdict::kReject);
    EXPECT_EQ(a.reject_reason, RejectReason::kMalformed);
  }
  // Signed by WeChat but a status payment does not know: kept by WeChat (retried), not refused.
  Notification unknown_status = RefundNotification(odd, NowSeconds());
  EXPECT_EQ(Handle("refund", unknown_status.headers, unknown_status.body).verdict, Verdict::kRetry);
  EXPECT_TRUE(orders_.refund_reports().empty());

  // Order unreachable: WeChat keeps it.
  orders_.SetUnavailable(true);
  Notification n = RefundNotification(PortalRefund(), NowSeconds());
  EXPECT_EQ(Handle("refund", n.headers, n.body).verdict, Verdict::kRetry);
  orders_.SetUnavailable(false);
  // An order order does not know: order keeps the report for a person (no order in its
  // answer), so WeChat is told it arrived.
  wechatpay::RefundResource unknown = PortalRefund();
  unknown.out_trade_no = "PM20260101000001zzz";
  Notification kept = RefundNotification(unknown, NowSeconds());
  const NotificationAnswer answer = Handle("refund", kept.headers, kept.body);
  EXPECT_EQ(answer.verdict, Verdict::kAck);
  EXPECT_EQ(answer.outcome, PaymentOutcome::kUnknownOrder);
  EXPECT_EQ(orders_.refund_reports().back().out_trade_no, "PM20260101000001zzz");
}

TEST_F(PaymentLogicTest, OrderUnreachableIsRetried) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  orders_.SetUnavailable(true);
  Notification n = MakeNotification(PaidTransaction(), NowSeconds());
  NotificationAnswer a = Handle(n);
  EXPECT_EQ(a.verdict, Verdict::kRetry);
  EXPECT_EQ(a.fail_message, "temporarily unavailable, retry later");
  // Once order is back, WeChat's next attempt of the same notification applies it.
  orders_.SetUnavailable(false);
  NotificationAnswer r = Handle(n);
  EXPECT_EQ(r.verdict, Verdict::kAck);
  EXPECT_EQ(r.outcome, PaymentOutcome::kApplied);
}

// Whatever order says after the notification verified, WeChat must never give up on it.
TEST_F(PaymentLogicTest, OrderRefusingAVerifiedNotificationIsRetriedNeverRejected) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  Notification n = MakeNotification(PaidTransaction(), NowSeconds());
  for (absl::Status refusal : {absl::InvalidArgumentError("report.trade_type is too long"),
                               absl::FailedPreconditionError("check violation"),
                               absl::InternalError("bug"), absl::DeadlineExceededError("slow")}) {
    orders_.FailNextApply(refusal);
    EXPECT_EQ(Handle(n).verdict, Verdict::kRetry) << refusal;
  }
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaying);
}

TEST_F(PaymentLogicTest, UnknownOrderIsRecordedByOrderNotRefused) {
  NotificationAnswer a = Handle(MakeNotification(PaidTransaction(), NowSeconds()));
  EXPECT_EQ(a.verdict, Verdict::kAck);
  EXPECT_EQ(a.outcome, PaymentOutcome::kUnknownOrder);
  EXPECT_EQ(orders_.apply_calls().size(), 1u);
}

TEST(VerdictOfTest, EveryFateHasOneAnswer) {
  struct Row {
    bool verified;
    absl::Status status;
    Verdict verdict;
    RejectReason reason;
  };
  const Row table[] = {
      {true, absl::OkStatus(), Verdict::kAck, RejectReason::kUnspecified},
      {true, absl::UnavailableError("order down"), Verdict::kRetry, RejectReason::kUnspecified},
      {true, absl::InvalidArgumentError("order refused"), Verdict::kRetry,
       RejectReason::kUnspecified},
      {true, absl::UnauthenticatedError("?"), Verdict::kRetry, RejectReason::kUnspecified},
      {false, absl::UnauthenticatedError("bad signature"), Verdict::kReject,
       RejectReason::kUnverified},
      {false, absl::InvalidArgumentError("bad envelope"), Verdict::kReject,
       RejectReason::kMalformed},
      {false, absl::UnavailableError("unknown serial"), Verdict::kRetry,
       RejectReason::kUnspecified},
      {false, absl::InternalError("does not decrypt"), Verdict::kRetry, RejectReason::kUnspecified},
      {false, absl::UnimplementedError("REFUND.SUCCESS"), Verdict::kRetry,
       RejectReason::kUnspecified},
  };
  for (const Row& row : table) {
    NotificationFate fate{
        row.verified, row.status, "TRANSACTION.SUCCESS",
        row.status.ok() ? PaymentOutcome::kDuplicate : PaymentOutcome::kUnspecified};
    NotificationAnswer a = VerdictOf(fate);
    EXPECT_EQ(a.verdict, row.verdict) << row.verified << " " << row.status;
    EXPECT_EQ(a.reject_reason, row.reason) << row.verified << " " << row.status;
    EXPECT_EQ(a.event_type, "TRANSACTION.SUCCESS");
    EXPECT_EQ(a.fail_message.empty(), row.verdict == Verdict::kAck) << row.status;
    EXPECT_EQ(a.outcome, row.verdict == Verdict::kAck ? PaymentOutcome::kDuplicate
                                                      : PaymentOutcome::kUnspecified);
  }
}

// --- QueryPayment --------------------------------------------------------------------------

TEST_F(PaymentLogicTest, QueryAppliesASuccess) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  wechat_.PutTransaction(PaidTransaction());
  absl::StatusOr<QueryPaymentResult> r = logic_->QueryPayment(kUserId, kOrderId);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->trade_state, "SUCCESS");
  EXPECT_EQ(r->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(r->order_state, OrderState::kPaid);
  EXPECT_EQ(wechat_.query_calls(), std::vector<std::string>{kOutTradeNo});

  std::vector<ApplyPaymentInput> calls = orders_.apply_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].notification_id, std::string("query:") + kTransactionId);
  EXPECT_EQ(calls[0].source, ReportSource::kQuery);
  EXPECT_EQ(calls[0].event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(calls[0].transaction.transaction_id, kTransactionId);
  EXPECT_EQ(calls[0].transaction.amount_total, 2590);

  // The notification for the same transaction arriving later is a duplicate.
  NotificationAnswer a = Handle(MakeNotification(PaidTransaction(), NowSeconds()));
  EXPECT_EQ(a.verdict, Verdict::kAck);
  EXPECT_EQ(a.outcome, PaymentOutcome::kDuplicate);
}

TEST_F(PaymentLogicTest, QueryReportsOtherStatesAndAppliesNothing) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  // CLOSED too: a closed payment attempt is not a closed order (another attempt may still pay it
  // until it expires, and the expiry job closes it then).
  for (const char* state : {"NOTPAY", "USERPAYING", "PAYERROR", "CLOSED"}) {
    wechatpay::Transaction tx = PaidTransaction();
    tx.trade_state = state;
    tx.transaction_id.clear();
    wechat_.PutTransaction(tx);
    absl::StatusOr<QueryPaymentResult> r = logic_->QueryPayment(kUserId, kOrderId);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->trade_state, state);
    EXPECT_EQ(r->outcome, PaymentOutcome::kUnspecified);
    EXPECT_EQ(r->order_state, OrderState::kPaying);
    EXPECT_FALSE(r->closed);
  }
  EXPECT_TRUE(orders_.apply_calls().empty());
  EXPECT_TRUE(orders_.close_calls().empty());
}

// ---- cancel and close --------------------------------------------------------------------------

TEST_F(PaymentLogicTest, CancelClosesAtWechatFirstThenHere) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  wechatpay::Transaction tx = PaidTransaction();
  tx.trade_state = "NOTPAY";
  tx.transaction_id.clear();
  wechat_.PutTransaction(tx);
  absl::StatusOr<SettleResult> r = logic_->CancelPayment(kUserId, kOrderId);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->closed);
  EXPECT_EQ(r->order_state, OrderState::kClosed);
  EXPECT_EQ(wechat_.close_calls(), std::vector<std::string>{kOutTradeNo});
  using Close = std::pair<std::string, std::string>;
  EXPECT_EQ(orders_.close_calls(), (std::vector<Close>{{kOrderId, "cancelled"}}));
  EXPECT_TRUE(wechat_.query_calls().empty());

  // Again: closed already, nothing asked of anyone.
  r = logic_->CancelPayment(kUserId, kOrderId);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->closed);
  EXPECT_EQ(r->order_state, OrderState::kClosed);
  EXPECT_EQ(wechat_.close_calls().size(), 1u);
  EXPECT_EQ(orders_.close_calls().size(), 1u);
}

TEST_F(PaymentLogicTest, ACloseAnsweredOrderPaidAppliesThePaymentInstead) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  wechat_.PutTransaction(PaidTransaction());  // paid the instant before the close
  absl::StatusOr<SettleResult> r = logic_->Close(*orders_.GetOrder(kOrderId), kCloseExpired);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->closed);
  EXPECT_EQ(r->trade_state, "SUCCESS");
  EXPECT_EQ(r->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(r->order_state, OrderState::kPaid);
  ASSERT_EQ(orders_.apply_calls().size(), 1u);
  EXPECT_EQ(orders_.apply_calls()[0].source, ReportSource::kQuery);
  EXPECT_EQ(orders_.apply_calls()[0].notification_id, std::string("query:") + kTransactionId);
  EXPECT_TRUE(orders_.close_calls().empty()) << "a paid order is never closed";
}

TEST_F(PaymentLogicTest, AnOrderWechatNeverSawIsClosedHere) {
  orders_.PutOrder(SampleOrder(OrderState::kCreated));  // no prepay ever reached WeChat
  absl::StatusOr<SettleResult> r = logic_->Close(*orders_.GetOrder(kOrderId), kCloseExpired);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->closed);
  EXPECT_EQ(r->trade_state, "ORDER_NOT_EXIST");
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kClosed);
  EXPECT_EQ(wechat_.query_calls().size(), 1u) << "WeChat's refusal is checked by a query";
}

TEST_F(PaymentLogicTest, APrepayRecordedDuringTheCloseIsClosedAtWechatToo) {
  orders_.PutOrder(SampleOrder(OrderState::kCreated));
  const Order before = *orders_.GetOrder(kOrderId);  // what the close started from
  ASSERT_TRUE(Pay(Channel::kNative).ok());           // a payment racing it records a prepay
  absl::StatusOr<SettleResult> r = logic_->Close(before, kCloseCancelled);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->closed);
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kClosed);
  EXPECT_EQ(wechat_.close_calls(), (std::vector<std::string>{kOutTradeNo, kOutTradeNo}))
      << "the attempt the racing payment opened is closed at WeChat after the order";
}

TEST_F(PaymentLogicTest, NothingIsClosedHereWhileWechatCannotBeReached) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  for (absl::Status down : {absl::UnavailableError("down"), absl::DeadlineExceededError("slow"),
                            absl::ResourceExhaustedError("FREQUENCY_LIMITED")}) {
    wechat_.FailNext(down);
    absl::StatusOr<SettleResult> r = logic_->CancelPayment(kUserId, kOrderId);
    EXPECT_EQ(r.status().code(), down.code());
    EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaying);
  }
  EXPECT_TRUE(orders_.close_calls().empty());
  EXPECT_TRUE(wechat_.query_calls().empty());
}

TEST_F(PaymentLogicTest, CancelRefusesPaidAndForeignOrders) {
  orders_.PutOrder(SampleOrder(OrderState::kPaid));
  EXPECT_EQ(logic_->CancelPayment(kUserId, kOrderId).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(logic_->CancelPayment("user-2", kOrderId).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_->CancelPayment("", kOrderId).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(wechat_.close_calls().empty());
  EXPECT_EQ(orders_.GetOrder(kOrderId)->state, OrderState::kPaid);
}

// A limiter whose store is down.
class DownRateLimiter final : public ratelimit::RateLimiter {
 public:
  absl::StatusOr<ratelimit::Attempts> Hit(const std::string&, std::chrono::seconds) override {
    return absl::UnavailableError("redis down");
  }
};

TEST_F(PaymentLogicTest, PayingSyncingAndCancellingAreLimitedPerUser) {
  ratelimit::testing::FakeRateLimiter limiter(&clock_);
  logic_ = std::make_unique<PaymentLogic>(PaymentSettings{.appid = kAppid,
                                                          .miniprogram_appid = "",
                                                          .mchid = kMchid,
                                                          .notify_url = kNotifyUrl,
                                                          .apiv3_key = kApiV3Key,
                                                          .user_calls_per_minute = 3},
                                          orders_, wechat_, verifier_, clock_, nullptr, nullptr,
                                          &limiter);
  orders_.PutOrder(SampleOrder());
  EXPECT_TRUE(Pay().ok());
  EXPECT_TRUE(logic_->QueryPayment(kUserId, kOrderId).ok());
  EXPECT_TRUE(Pay().ok());
  absl::StatusOr<CreatePaymentResult> fourth = Pay();
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(logic_->QueryPayment(kUserId, kOrderId).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(logic_->CancelPayment(kUserId, kOrderId).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wechat_.prepay_calls().size(), 1u) << "refused calls never reach WeChat";
  EXPECT_TRUE(wechat_.close_calls().empty());
  EXPECT_EQ(logic_->QueryPayment("user-2", kOrderId).status().code(), absl::StatusCode::kNotFound)
      << "another user has a budget of their own";
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(Pay().ok()) << "a new window";

  DownRateLimiter down;
  logic_ =
      std::make_unique<PaymentLogic>(PaymentSettings{.appid = kAppid,
                                                     .miniprogram_appid = "",
                                                     .mchid = kMchid,
                                                     .notify_url = kNotifyUrl,
                                                     .apiv3_key = kApiV3Key,
                                                     .user_calls_per_minute = 1},
                                     orders_, wechat_, verifier_, clock_, nullptr, nullptr, &down);
  EXPECT_TRUE(Pay().ok()) << "a paying customer is not turned away for a cache outage";
  EXPECT_TRUE(Pay().ok());
}

// ---- refunds -------------------------------------------------------------------------------

TEST_F(PaymentLogicTest, ARefundIsReservedThenAskedOfWechatUnderItsNumber) {
  Order paid = SampleOrder(OrderState::kPaid);
  paid.transaction_id = kTransactionId;
  orders_.PutOrder(paid);
  absl::StatusOr<CreateRefundResult> r =
      logic_->CreateRefund({kOrderId, 590, "damaged", "key-1", "admin-1"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->refund.out_refund_no, "RF-1");
  EXPECT_EQ(r->refund.status, RefundStatus::kProcessing);
  EXPECT_EQ(r->refund.refund_id, "5030RF-1");
  ASSERT_EQ(wechat_.refund_calls().size(), 1u);
  const RefundCall call = wechat_.refund_calls()[0];
  EXPECT_EQ(call.transaction_id, kTransactionId);
  EXPECT_EQ(call.out_refund_no, "RF-1");
  EXPECT_EQ(call.refund_fen, 590);
  EXPECT_EQ(call.total_fen, 2590);
  EXPECT_EQ(call.reason, "damaged");
  ASSERT_EQ(orders_.refund_reports().size(), 1u);
  EXPECT_EQ(orders_.refund_reports()[0].refund_id, "5030RF-1");
}

TEST_F(PaymentLogicTest, ARefundWechatDidNotTakeOrRefusedStaysReserved) {
  Order paid = SampleOrder(OrderState::kPaid);
  paid.transaction_id = kTransactionId;
  orders_.PutOrder(paid);
  wechat_.FailNext(absl::UnavailableError("wechat pay answered 500 SYSTEM_ERROR"));
  EXPECT_EQ(logic_->CreateRefund({kOrderId, 100, "", "k", "admin-1"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(orders_.refund_reports().empty()) << "still PROCESSING: retried with its number";
  wechat_.FailNext(absl::FailedPreconditionError("wechat pay answered 403 NOT_ENOUGH"));
  EXPECT_EQ(logic_->CreateRefund({kOrderId, 100, "", "k2", "admin-1"}).status().code(),
            absl::StatusCode::kUnavailable);
  wechat_.FailNext(absl::InvalidArgumentError("wechat pay answered 400 PARAM_ERROR"));
  EXPECT_EQ(logic_->CreateRefund({kOrderId, 100, "", "k3", "admin-1"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(orders_.refund_reports().empty())
      << "a refusal leaves it reserved: an earlier call under its number may have been taken";
  EXPECT_EQ(logic_->CreateRefund({kOrderId, 100, "", "", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PaymentLogicTest, QueryOfAnOrderWechatNeverSaw) {
  orders_.PutOrder(SampleOrder());
  absl::StatusOr<QueryPaymentResult> r = logic_->QueryPayment(kUserId, kOrderId);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->trade_state, "ORDER_NOT_EXIST");
  EXPECT_EQ(r->order_state, OrderState::kCreated);
  EXPECT_TRUE(orders_.apply_calls().empty());
}

TEST_F(PaymentLogicTest, QueryChecksOwnershipAndPassesFailuresOn) {
  orders_.PutOrder(SampleOrder(OrderState::kPaying));
  EXPECT_EQ(logic_->QueryPayment("someone-else", kOrderId).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(wechat_.query_calls().empty());

  wechat_.FailNext(absl::UnavailableError("wechat pay unreachable"));
  EXPECT_EQ(logic_->QueryPayment(kUserId, kOrderId).status().code(),
            absl::StatusCode::kUnavailable);

  wechat_.PutTransaction(PaidTransaction());
  orders_.SetUnavailable(true);
  EXPECT_EQ(logic_->QueryPayment(kUserId, kOrderId).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace paymesh::payment
