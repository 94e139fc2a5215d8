#include "tools/wechat-sim/store.h"

#include <gtest/gtest.h>

#include <variant>

#include "common/wechatpay/notification.h"

namespace paymesh::wechatsim {
namespace {

constexpr int64_t kNow = 1763700000;  // 2025-11-21T04:40:00Z

OrderRequest Request(std::string out_trade_no = "PM000001") {
  OrderRequest r;
  r.appid = "wx8888888888888888";
  r.mchid = "1900000109";
  r.description = "demo";
  r.out_trade_no = std::move(out_trade_no);
  r.notify_url = "https://example.com/notify";
  r.attach = "a";
  r.amount_total = 500;
  return r;
}

std::string CodeUrl(const std::variant<std::string, ApiError>& v) {
  if (const auto* e = std::get_if<ApiError>(&v)) return "error " + e->code;
  return std::get<std::string>(v);
}
std::string ErrorCode(const std::variant<std::string, ApiError>& v) {
  const auto* e = std::get_if<ApiError>(&v);
  return e ? e->code : "";
}

PayRequest PayNo(std::string out_trade_no) {
  PayRequest p;
  p.out_trade_no = std::move(out_trade_no);
  return p;
}

TEST(OrderStoreTest, PrepayCreatesThenReentersWithTheSameCodeUrl) {
  OrderStore store;
  const std::string first = CodeUrl(store.Prepay(Request(), kNow));
  ASSERT_EQ(first.rfind(kCodeUrlPrefix, 0), 0u) << first;
  EXPECT_EQ(first.size(), std::string(kCodeUrlPrefix).size() + 10);
  EXPECT_EQ(CodeUrl(store.Prepay(Request(), kNow)), first);
  EXPECT_NE(CodeUrl(store.Prepay(Request("PM000002"), kNow)), first);
  std::optional<Order> order = store.FindByOutTradeNo("PM000001", kNow);
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->state, TradeState::kNotPay);
  EXPECT_EQ(order->code_url, first);
}

TEST(OrderStoreTest, ReentryWithDifferentParametersIsRefused) {
  OrderStore store;
  ASSERT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "");
  for (int i = 0; i < 4; ++i) {
    OrderRequest changed = Request();
    if (i == 0) changed.amount_total = 501;
    if (i == 1) changed.description = "other";
    if (i == 2) changed.notify_url = "https://example.com/other";
    if (i == 3) changed.time_expire = "2030-01-01T00:00:00+08:00";
    std::variant<std::string, ApiError> r = store.Prepay(changed, kNow);
    ASSERT_TRUE(std::holds_alternative<ApiError>(r)) << i;
    EXPECT_EQ(std::get<ApiError>(r).status, 400);
    EXPECT_EQ(std::get<ApiError>(r).code, "INVALID_REQUEST");
    EXPECT_EQ(std::get<ApiError>(r).message, "请求重入时，参数与首次请求时不一致");
  }
  EXPECT_EQ(store.FindByOutTradeNo("PM000001", kNow)->request.amount_total, 500);
}

TEST(OrderStoreTest, PayMovesToSuccessOnce) {
  OrderStore store;
  const std::string code_url = CodeUrl(store.Prepay(Request(), kNow));
  PayRequest by_code;
  by_code.code_url = code_url;
  by_code.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  absl::StatusOr<Order> paid = store.Pay(by_code, kNow);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->state, TradeState::kSuccess);
  EXPECT_EQ(paid->transaction_id.size(), 28u);
  EXPECT_EQ(paid->transaction_id.rfind("4200", 0), 0u);
  EXPECT_EQ(paid->success_time, "2025-11-21T12:40:00+08:00");
  EXPECT_EQ(paid->payer_openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  EXPECT_EQ(paid->paid_total, 500);

  EXPECT_EQ(store.Pay(PayNo("PM000001"), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "ORDERPAID");
  std::variant<Order, ApiError> close = store.Close("PM000001", kNow);
  ASSERT_TRUE(std::holds_alternative<ApiError>(close));
  EXPECT_EQ(std::get<ApiError>(close).code, "ORDERPAID");
  std::optional<Order> found = store.FindByTransactionId(paid->transaction_id, kNow);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->request.out_trade_no, "PM000001");
  EXPECT_FALSE(store.FindByTransactionId("4200000000000000000000000000", kNow).has_value());
}

TEST(OrderStoreTest, CloseIsReentrantAndFinal) {
  OrderStore store;
  ASSERT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "");
  ASSERT_TRUE(std::holds_alternative<Order>(store.Close("PM000001", kNow)));
  ASSERT_TRUE(std::holds_alternative<Order>(store.Close("PM000001", kNow)));
  EXPECT_EQ(store.FindByOutTradeNo("PM000001", kNow)->state, TradeState::kClosed);
  EXPECT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "ORDER_CLOSED");
  EXPECT_EQ(store.Pay(PayNo("PM000001"), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::variant<Order, ApiError> unknown = store.Close("PM999999", kNow);
  ASSERT_TRUE(std::holds_alternative<ApiError>(unknown));
  EXPECT_EQ(std::get<ApiError>(unknown).status, 404);
  EXPECT_EQ(std::get<ApiError>(unknown).code, "ORDER_NOT_EXIST");
}

TEST(OrderStoreTest, PayRespectsTimeExpireAndUnknownOrders) {
  OrderStore store;
  OrderRequest r = Request();
  r.time_expire = "2025-11-21T12:40:00+08:00";  // == kNow
  ASSERT_EQ(ErrorCode(store.Prepay(r, kNow)), "");
  EXPECT_EQ(store.Pay(PayNo("PM000001"), kNow + 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store.Pay(PayNo("PM000001"), kNow).ok());
  EXPECT_EQ(store.Pay(PayNo("PM404404"), kNow).status().code(), absl::StatusCode::kNotFound);
  PayRequest by_code;
  by_code.code_url = "weixin://wxpay/bizpayurl?pr=nothing000";
  EXPECT_EQ(store.Pay(by_code, kNow).status().code(), absl::StatusCode::kNotFound);
}

// ---- auto-close: time_expire stops payment; the unpaid order is closed later -----------------

constexpr char kExpireAtNow[] = "2025-11-21T12:40:00+08:00";  // == kNow
constexpr int64_t kDelay = 3600;

OrderRequest Expiring(std::string trade_type = "NATIVE") {
  OrderRequest r = Request();
  r.trade_type = std::move(trade_type);
  r.time_expire = kExpireAtNow;
  return r;
}

TradeState StateAt(OrderStore& store, int64_t now) {
  std::optional<Order> order = store.FindByOutTradeNo("PM000001", now);
  if (!order) ADD_FAILURE() << "PM000001 is unknown";
  return order ? order->state : TradeState::kNotPay;
}

TEST(OrderStoreAutoCloseTest, UnpaidOrderIsClosedOnceTimeExpirePlusTheDelayHasPassed) {
  OrderStore store(kDelay);
  ASSERT_EQ(ErrorCode(store.Prepay(Expiring(), kNow)), "");
  // Past time_expire it cannot be paid, but stays NOTPAY (and re-enterable) until the moment.
  EXPECT_EQ(store.Pay(PayNo("PM000001"), kNow + 1).status().message(),
            "order is past its time_expire");
  EXPECT_EQ(ErrorCode(store.Prepay(Expiring(), kNow + kDelay)), "");
  EXPECT_EQ(StateAt(store, kNow + kDelay), TradeState::kNotPay);
  // After it, a query sees it CLOSED, as WeChat answers it.
  std::optional<Order> closed = store.FindByOutTradeNo("PM000001", kNow + kDelay + 1);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->state, TradeState::kClosed);
  EXPECT_EQ(ToTransaction(*closed).trade_state, "CLOSED");
  EXPECT_EQ(ToTransaction(*closed).trade_state_desc, "订单已关闭");
  // Final, even when looked at with an earlier clock; closing stays re-entrant.
  EXPECT_EQ(StateAt(store, kNow), TradeState::kClosed);
  EXPECT_TRUE(std::holds_alternative<Order>(store.Close("PM000001", kNow + kDelay + 2)));
  EXPECT_EQ(ErrorCode(store.Prepay(Expiring(), kNow + kDelay + 2)), "ORDER_CLOSED");
  EXPECT_EQ(store.Pay(PayNo("PM000001"), kNow + kDelay + 2).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(OrderStoreAutoCloseTest, EveryWayOfLookingAtTheOrderClosesItFirst) {
  const int64_t later = kNow + kDelay + 1;
  for (int way = 0; way < 6; ++way) {
    OrderStore store(kDelay);
    ASSERT_EQ(ErrorCode(store.Prepay(Expiring(way == 5 ? "JSAPI" : "NATIVE"), kNow)), "");
    const std::string prepay_id = store.FindByOutTradeNo("PM000001", kNow)->prepay_id;
    switch (way) {
      case 0:  // prepay re-entry
        EXPECT_EQ(ErrorCode(store.Prepay(Expiring(), later)), "ORDER_CLOSED");
        break;
      case 1: {  // close: re-entrant on the closed order
        std::variant<Order, ApiError> closed = store.Close("PM000001", later);
        ASSERT_TRUE(std::holds_alternative<Order>(closed));
        EXPECT_EQ(std::get<Order>(closed).state, TradeState::kClosed);
        break;
      }
      case 2:  // pay
        EXPECT_EQ(store.Pay(PayNo("PM000001"), later).status().message(), "order is CLOSED");
        break;
      case 3:  // the user's payment failing
        EXPECT_EQ(store.Fail(PayNo("PM000001"), later).status().message(), "order is CLOSED");
        break;
      case 4:  // query (and the control API's view)
        EXPECT_EQ(store.FindByOutTradeNo("PM000001", later)->state, TradeState::kClosed);
        break;
      case 5:  // the client's cashier and bridge
        EXPECT_EQ(store.FindByPrepayId(prepay_id, later)->state, TradeState::kClosed);
        break;
    }
    EXPECT_EQ(StateAt(store, kNow), TradeState::kClosed) << way;
  }
}

TEST(OrderStoreAutoCloseTest, PaidFailedAndOpenEndedOrdersAreNeverClosed) {
  constexpr int64_t kDecadeLater = kNow + 10 * 365 * 24 * 3600;
  OrderStore store(kDelay);
  ASSERT_EQ(ErrorCode(store.Prepay(Expiring(), kNow)), "");
  absl::StatusOr<Order> paid = store.Pay(PayNo("PM000001"), kNow);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(StateAt(store, kDecadeLater), TradeState::kSuccess);
  EXPECT_EQ(store.FindByTransactionId(paid->transaction_id, kDecadeLater)->state,
            TradeState::kSuccess);
  // PAYERROR is not NOTPAY: WeChat's rule is about orders nobody tried to pay.
  OrderRequest failed = Expiring();
  failed.out_trade_no = "PM000002";
  ASSERT_EQ(ErrorCode(store.Prepay(failed, kNow)), "");
  ASSERT_TRUE(store.Fail(PayNo("PM000002"), kNow).ok());
  EXPECT_EQ(store.FindByOutTradeNo("PM000002", kDecadeLater)->state, TradeState::kPayError);
  // Without time_expire there is no moment.
  OrderRequest open = Request("PM000003");
  ASSERT_EQ(ErrorCode(store.Prepay(open, kNow)), "");
  EXPECT_EQ(store.FindByOutTradeNo("PM000003", kDecadeLater)->state, TradeState::kNotPay);
}

TEST(OrderStoreAutoCloseTest, WithNoDelayTheMomentIsTimeExpireItself) {
  OrderStore store(0);
  ASSERT_EQ(ErrorCode(store.Prepay(Expiring(), kNow)), "");
  EXPECT_EQ(StateAt(store, kNow), TradeState::kNotPay);  // still payable at time_expire
  EXPECT_EQ(StateAt(store, kNow + 1), TradeState::kClosed);
}

TEST(OrderStoreAutoCloseTest, TheDefaultDelayIsSevenDays) {
  OrderStore store;
  ASSERT_EQ(ErrorCode(store.Prepay(Expiring(), kNow)), "");
  EXPECT_EQ(StateAt(store, kNow + 7 * 24 * 3600), TradeState::kNotPay);
  EXPECT_EQ(StateAt(store, kNow + 7 * 24 * 3600 + 1), TradeState::kClosed);
}

TEST(OrderStoreTest, ReportedAmountOverride) {
  OrderStore store;
  ASSERT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "");
  PayRequest p = PayNo("PM000001");
  p.amount_total = 1;
  absl::StatusOr<Order> paid = store.Pay(p, kNow);
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(paid->paid_total, 1);
  wechatpay::Transaction t = ToTransaction(*paid);
  EXPECT_EQ(t.amount_total, 1);
  EXPECT_EQ(t.amount_payer_total, 1);
}

TEST(OrderStoreTest, TransactionViews) {
  OrderStore store;
  ASSERT_EQ(ErrorCode(store.Prepay(Request(), kNow)), "");
  wechatpay::Transaction unpaid = ToTransaction(*store.FindByOutTradeNo("PM000001", kNow));
  EXPECT_EQ(unpaid.trade_state, "NOTPAY");
  EXPECT_EQ(unpaid.trade_type, "NATIVE");
  EXPECT_EQ(unpaid.transaction_id, "");
  EXPECT_EQ(unpaid.attach, "");  // echoed only once paid
  EXPECT_EQ(unpaid.amount_total, 500);

  PayRequest p = PayNo("PM000001");
  p.openid = "oOPENID";
  ASSERT_TRUE(store.Pay(p, kNow).ok());
  wechatpay::Transaction paid = ToTransaction(*store.FindByOutTradeNo("PM000001", kNow));
  // The serialized form round-trips through the merchant side's strict parser.
  absl::StatusOr<wechatpay::Transaction> parsed =
      wechatpay::ParseTransaction(wechatpay::SerializeTransaction(paid));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->trade_state, "SUCCESS");
  EXPECT_EQ(parsed->trade_state_desc, "支付成功");
  EXPECT_EQ(parsed->appid, "wx8888888888888888");
  EXPECT_EQ(parsed->mchid, "1900000109");
  EXPECT_EQ(parsed->payer_openid, "oOPENID");
  EXPECT_EQ(parsed->attach, "a");
  EXPECT_EQ(parsed->amount_total, 500);
  EXPECT_EQ(parsed->currency, "CNY");
  EXPECT_EQ(parsed->success_time, "2025-11-21T12:40:00+08:00");
}

TEST(OrderStoreTest, GeneratedIdsHaveTheirShapes) {
  for (int i = 0; i < 50; ++i) {
    const std::string id = NewTransactionId();
    ASSERT_EQ(id.size(), 28u);
    for (char c : id) ASSERT_TRUE(c >= '0' && c <= '9') << id;
    const std::string openid = NewOpenid();
    ASSERT_EQ(openid.size(), 28u);
    ASSERT_EQ(openid[0], 'o');
  }
}

}  // namespace
}  // namespace paymesh::wechatsim
