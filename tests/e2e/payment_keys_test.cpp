// Platform keys end to end (§2.5, §3): a certificate-mode merchant (no public key configured)
// downloads the simulator's certificates and keeps taking payments while WeChat rotates its
// certificate; a migrating merchant (public key and certificates) verifies notifications under
// either serial. Public-key-only merchants are every other suite's stack.

#include <set>
#include <string>
#include <vector>

#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;
using testing::Service;

// The simulator in `mode`; payment with no public key (certificate mode) or with it and
// certificates too (dual).
StackOptions KeyOptions(const std::string& sim_mode, bool public_key) {
  StackOptions o = DefaultStackOptions();
  o.env[Service::kWechatSim]["SIM_PLATFORM_MODE"] = sim_mode;
  if (public_key) {
    o.env[Service::kPayment]["WECHATPAY_PLATFORM_CERTIFICATES"] = "on";
  } else {
    o.env[Service::kPayment]["WECHATPAY_PLATFORM_PUBLIC_KEY_FILE"] = "";
    o.env[Service::kPayment]["WECHATPAY_PLATFORM_PUBLIC_KEY_ID"] = "";
  }
  return o;
}

class PlatformKeysTest : public PaymentTest {
 protected:
  HttpResponse SimCall(const std::string& method, const std::string& target,
                       const std::string& body) {
    testing::HttpHeaders headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return testing::Send(stack().host(), stack().sim_port(), method, target, headers, body);
  }

  // Orders created and prepaid (every prepay answer is signed by the simulator's key of the
  // moment): {order id, out_trade_no}.
  std::vector<std::pair<std::string, std::string>> Prepaid(int n) {
    std::vector<std::pair<std::string, std::string>> orders;
    for (int i = 0; i < n; ++i) {
      const json::value order = CreateOrder();
      if (!PayNative(OrderId(order)).is_object()) return orders;
      orders.emplace_back(OrderId(order), OutTradeNo(order));
    }
    return orders;
  }
  // Each paid at the simulator, which starts delivering its notification.
  void PayAtTheSimulator(const std::vector<std::pair<std::string, std::string>>& orders) {
    for (const auto& [id, no] : orders) {
      HttpResponse r = sim().Pay(no);
      EXPECT_EQ(r.status, 200) << r;
    }
  }
  std::string Rotate() {
    HttpResponse r = SimCall("POST", "/sim/platform/rotate", R"({"overlap_seconds":60})");
    EXPECT_EQ(r.status, 200) << r;
    return SigningSerial();
  }
  std::string SigningSerial() {
    const json::value platform = Json(SimCall("GET", "/sim/platform", ""));
    if (!platform.is_object()) return "";
    for (const json::value& c : platform.at("certificates").as_array()) {
      if (c.at("signing").as_bool()) return Str(c, {"serial"});
    }
    return "";
  }

  // Every order PAID, each notification's first delivery acknowledged (no 4xx, no 503);
  // returns the serials the notifications were signed under.
  std::set<std::string> ExpectPaidOnFirstDelivery(
      const std::vector<std::pair<std::string, std::string>>& orders) {
    std::set<std::string> serials;
    for (const auto& [id, no] : orders) {
      EXPECT_EQ(Str(WaitForState(id, "PAID"), {"state"}), "PAID") << no;
      const SimAttempts attempts = sim().WaitForNotifications(
          no, [](const SimAttempts& a) { return CountAcknowledged(a) > 0; }, kDeliveryTimeout);
      for (const SimAttempt& a : attempts) {
        EXPECT_TRUE(a.acknowledged) << a;
        EXPECT_EQ(a.attempt, 1) << a;
        serials.insert(a.serial);
      }
      EXPECT_EQ(CountEvents(stack(), id, "paid"), 1) << no;
    }
    return serials;
  }
};

class CertificateModeTest : public PlatformKeysTest {
 protected:
  StackOptions Options() const override { return KeyOptions("cert", false); }
};

// The certificate signs everything; payment has only what it downloaded. After a rotation the
// new certificate signs at once: the first notification under it makes payment fetch it (and
// waits for it); after another rotation, the first prepay answer does. Nothing is refused or
// answered 503, every notification is acknowledged on its first delivery.
TEST_F(CertificateModeTest, RotationWhileNotificationsFlowLosesNothing) {
  const std::string first = SigningSerial();
  ASSERT_EQ(first.size(), 40u);
  const auto a = Prepaid(3), b = Prepaid(3);
  ASSERT_EQ(a.size() + b.size(), 6u);
  PayAtTheSimulator(a);
  EXPECT_EQ(ExpectPaidOnFirstDelivery(a), std::set<std::string>{first});

  const std::string second = Rotate();
  ASSERT_NE(second, first);
  PayAtTheSimulator(b);  // their notifications are the first thing signed by `second`
  EXPECT_EQ(ExpectPaidOnFirstDelivery(b), std::set<std::string>{second});

  const std::string third = Rotate();
  const auto c = Prepaid(2);  // the prepay answers are the first thing signed by `third`
  ASSERT_EQ(c.size(), 2u);
  PayAtTheSimulator(c);
  EXPECT_EQ(ExpectPaidOnFirstDelivery(c), std::set<std::string>{third});
}

class DualModeTest : public PlatformKeysTest {
 protected:
  StackOptions Options() const override { return KeyOptions("dual", true); }
};

// A migrating merchant: notifications alternate between the public key and the certificate;
// both verify.
TEST_F(DualModeTest, NotificationsUnderEitherSerialVerify) {
  const auto orders = Prepaid(4);
  ASSERT_EQ(orders.size(), 4u);
  PayAtTheSimulator(orders);
  const std::set<std::string> serials = ExpectPaidOnFirstDelivery(orders);
  EXPECT_EQ(serials.size(), 2u);
  EXPECT_EQ(serials.count(stack().wechat().platform_key_id), 1u);
}

}  // namespace
}  // namespace paymesh::e2e
