// A Native (QR) payment end to end: order → pay → the QR code → the simulated user pays → the
// signed notification comes back through the gateway → PAID exactly once. And the query path
// (/sync) for a notification that never arrived.

#include <regex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/e2e/payment_qr.h"
#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class PaymentFlowTest : public PaymentTest {
 protected:
  // GET the order's QR code in one format: 200, the content type, no caching.
  std::string QrImage(const std::string& order_id, const std::string& format,
                      const std::string& content_type) {
    HttpResponse r = api().Get("/api/v1/orders/" + order_id + "/qrcode." + format, tokens_.access);
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.Header("Content-Type"), content_type) << r;
    EXPECT_EQ(r.Header("Cache-Control"), "no-store") << r;
    return r.status == 200 ? r.body : "";
  }
};

TEST_F(PaymentFlowTest, NativePayShowsAQrCodeAndTheNotificationMakesTheOrderPaid) {
  const std::vector<Line> cart = {{catalogue_.at(0), 2}};
  const json::value order = CreateOrder(cart);
  ASSERT_NO_FATAL_FAILURE(ExpectOrder(order, cart));
  const std::string id = OrderId(order);
  const std::string out_trade_no = OutTradeNo(order);

  // No prepay yet: no QR code.
  EXPECT_TRUE(IsError(api().Get("/api/v1/orders/" + id + "/qrcode.svg", tokens_.access), 409,
                      "FAILED_PRECONDITION"));

  const json::value pay = PayNative(id);
  ASSERT_TRUE(pay.is_object());
  EXPECT_EQ(Str(pay, {"order_id"}), id) << pay;
  EXPECT_EQ(Str(pay, {"out_trade_no"}), out_trade_no) << pay;
  EXPECT_EQ(Str(pay, {"channel"}), "native") << pay;
  const std::string code_url = Str(pay, {"code_url"});
  EXPECT_TRUE(
      std::regex_match(code_url, std::regex(R"(weixin://wxpay/bizpayurl\?pr=[0-9A-Za-z]{10})")))
      << pay;
  ASSERT_TRUE(pay.at("reused").is_bool()) << pay;
  EXPECT_FALSE(pay.at("reused").as_bool()) << pay;
  absl::Time expires;
  std::string parse_error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, Str(pay, {"expires_at"}), &expires, &parse_error))
      << parse_error << ": " << pay;
  EXPECT_GT(expires, absl::Now()) << pay;
  EXPECT_LE(expires, absl::Now() + absl::Hours(2) + absl::Minutes(1)) << pay;
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "PAYING");

  // What payment told WeChat: the order's amount and our notify URL.
  HttpResponse r = sim().Order(out_trade_no);
  ASSERT_EQ(r.status, 200) << r;
  json::value at_wechat = Json(r);
  EXPECT_EQ(Str(at_wechat, {"state"}), "NOTPAY") << r;
  EXPECT_EQ(Str(at_wechat, {"code_url"}), code_url) << r;
  EXPECT_EQ(at_wechat.at("amount_total").as_int64(), TotalFen(order)) << r;
  EXPECT_EQ(Str(at_wechat, {"notify_url"}),
            "http://127.0.0.1:" + std::to_string(stack().gateway_port()) + "/wechat/notify/pay")
      << r;

  // The QR code encodes the code_url, the same modules in both images.
  absl::StatusOr<QrMatrix> expected = EncodeQrM(code_url);
  ASSERT_TRUE(expected.ok()) << expected.status();
  const std::string svg = QrImage(id, "svg", "image/svg+xml");
  absl::StatusOr<QrMatrix> from_svg = ReadSvgQr(svg);
  ASSERT_TRUE(from_svg.ok()) << from_svg.status() << "\n" << svg;
  EXPECT_TRUE(IsQrCodeAtLevelM(*from_svg));
  EXPECT_TRUE(*from_svg == *expected) << "the SVG does not encode " << code_url;
  absl::StatusOr<QrMatrix> from_png = ReadPngQr(QrImage(id, "png", "image/png"), 8);
  ASSERT_TRUE(from_png.ok()) << from_png.status();
  EXPECT_TRUE(*from_png == *from_svg) << "the PNG and the SVG show different codes";

  // Paying again while the prepay is valid hands out the same code.
  const json::value again = PayNative(id);
  EXPECT_EQ(Str(again, {"code_url"}), code_url) << again;
  EXPECT_EQ(Str(again, {"expires_at"}), Str(pay, {"expires_at"})) << again;
  ASSERT_TRUE(again.is_object() && again.at("reused").is_bool()) << again;
  EXPECT_TRUE(again.at("reused").as_bool()) << again;

  // The user scans the code and pays.
  r = sim().PayCodeUrl(code_url);
  ASSERT_EQ(r.status, 200) << r;
  const json::value paid_at_wechat = Json(r);
  const std::string transaction_id = Str(paid_at_wechat, {"transaction_id"});
  const std::string notification_id = Str(paid_at_wechat, {"notification_id"});
  EXPECT_EQ(Str(paid_at_wechat, {"state"}), "SUCCESS") << r;
  ASSERT_FALSE(transaction_id.empty()) << r;
  ASSERT_FALSE(notification_id.empty()) << r;

  const json::value paid = WaitForState(id, "PAID");
  EXPECT_TRUE(IsPaidBy(paid, transaction_id));
  EXPECT_EQ(TotalFen(paid), TotalFen(order)) << paid;
  // Paid when WeChat says the user paid.
  absl::Time paid_at;
  absl::Time success_time;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, Str(paid, {"paid_at"}), &paid_at, &parse_error))
      << parse_error << ": " << paid;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, Str(paid_at_wechat, {"success_time"}),
                              &success_time, &parse_error))
      << parse_error << ": " << paid_at_wechat;
  EXPECT_EQ(paid_at, success_time) << paid << "\n" << paid_at_wechat;

  const SimAttempts attempts = sim().WaitForNotifications(
      out_trade_no, [](const SimAttempts& a) { return CountAcknowledged(a) > 0; },
      kDeliveryTimeout);
  ASSERT_EQ(attempts.size(), 1u) << attempts;
  EXPECT_EQ(attempts[0].notification_id, notification_id) << attempts;
  EXPECT_EQ(attempts[0].attempt, 1) << attempts;
  EXPECT_EQ(attempts[0].kind, "normal") << attempts;
  EXPECT_EQ(attempts[0].status, 204) << attempts;
  EXPECT_TRUE(attempts[0].acknowledged) << attempts;

  EXPECT_EQ(CountEvents(stack(), id, "paid"), 1);
  EXPECT_EQ(InboxRows(stack(), out_trade_no),
            (std::vector<std::pair<std::string, std::string>>{{notification_id, "APPLIED"}}));

  // A paid order has nothing left to pay and no QR code.
  EXPECT_TRUE(IsError(Pay(id), 409, "FAILED_PRECONDITION"));
  EXPECT_TRUE(IsError(api().Get("/api/v1/orders/" + id + "/qrcode.png", tokens_.access), 409,
                      "FAILED_PRECONDITION"));
}

TEST_F(PaymentFlowTest, SyncAppliesAPaymentWhoseNotificationWasLost) {
  const json::value order = CreateOrder();
  const std::string id = OrderId(order);
  const std::string out_trade_no = OutTradeNo(order);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(PayNative(id).is_object());

  // Before the user pays, WeChat has nothing to report.
  HttpResponse r = api().Post("/api/v1/orders/" + id + "/sync", "", tokens_.access);
  ASSERT_EQ(r.status, 200) << r;
  json::value v = Json(r);
  EXPECT_EQ(Str(v, {"trade_state"}), "NOTPAY") << r;
  EXPECT_TRUE(v.at("outcome").is_null()) << r;
  EXPECT_EQ(Str(v, {"order_state"}), "PAYING") << r;

  // Every delivery attempt of the ladder is lost, and at first WeChat's query API fails too.
  ASSERT_TRUE(sim().SetFaults({.drop_first = 100, .query_500 = true}, out_trade_no));
  r = sim().Pay(out_trade_no);
  ASSERT_EQ(r.status, 200) << r;
  const std::string transaction_id = Str(Json(r), {"transaction_id"});
  ASSERT_FALSE(transaction_id.empty()) << r;
  const SimAttempts dropped = sim().WaitForNotifications(
      out_trade_no, [](const SimAttempts& a) { return !a.empty(); }, kDeliveryTimeout);
  ASSERT_FALSE(dropped.empty());
  EXPECT_EQ(CountKind(dropped, "dropped"), dropped.size()) << dropped;
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "PAYING");

  // WeChat answers 500 (after payment's retries): unavailable, nothing applied.
  EXPECT_TRUE(IsError(api().Post("/api/v1/orders/" + id + "/sync", "", tokens_.access), 503,
                      "UNAVAILABLE"));
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "PAYING");
  ASSERT_TRUE(sim().SetFaults({.drop_first = 100}, out_trade_no));

  r = api().Post("/api/v1/orders/" + id + "/sync", "{}", tokens_.access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  EXPECT_EQ(Str(v, {"trade_state"}), "SUCCESS") << r;
  EXPECT_EQ(Str(v, {"outcome"}), "APPLIED") << r;
  EXPECT_EQ(Str(v, {"order_state"}), "PAID") << r;
  EXPECT_TRUE(IsPaidBy(GetOrder(id), transaction_id));

  r = api().Post("/api/v1/orders/" + id + "/sync", "", tokens_.access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  EXPECT_EQ(Str(v, {"trade_state"}), "SUCCESS") << r;
  EXPECT_EQ(Str(v, {"outcome"}), "DUPLICATE") << r;
  EXPECT_EQ(Str(v, {"order_state"}), "PAID") << r;

  EXPECT_EQ(CountEvents(stack(), id, "paid"), 1);
  EXPECT_EQ(
      InboxRows(stack(), out_trade_no),
      (std::vector<std::pair<std::string, std::string>>{{"query:" + transaction_id, "APPLIED"}}));
  // Nothing was ever delivered.
  for (const SimAttempt& a : sim().Notifications(out_trade_no)) {
    EXPECT_EQ(a.kind, "dropped") << a;
    EXPECT_EQ(a.status, 0) << a;
  }
}

}  // namespace
}  // namespace paymesh::e2e
