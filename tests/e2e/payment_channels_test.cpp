// Paying inside and outside WeChat, end to end: JSAPI through the simulator's JS bridge (the
// payer's openid from a WeChat sign-in linked to the shopper's account), the mini program, and
// H5 through the simulator's cashier; the WeChat client refuses a tampered paySign.

#include <boost/json.hpp>
#include <string>

#include "common/crypto/crypto.h"
#include "common/http/message.h"
#include "common/strings/ascii.h"
#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class PaymentChannelsTest : public PaymentTest {
 protected:
  HttpResponse Sim(const std::string& method, const std::string& target, const std::string& body,
                   const std::string& content_type = "application/json") {
    return testing::Send(stack().host(), stack().sim_port(), method, target,
                         {{"Content-Type", content_type}}, body);
  }

  HttpResponse PayWith(const std::string& order_id, const std::string& channel,
                       const std::string& token) {
    return api().Post("/api/v1/orders/" + order_id + "/pay",
                      json::serialize(json::object{{"channel", channel}}), token);
  }

  // Links a fresh WeChat identity to the shopper's account through web OAuth (link=1, as the
  // signed-in shopper), following the redirects as the browser would; returns its openid.
  std::string LinkWechat() {
    const std::string openid = "o" + crypto::RandomAlnum(27);
    EXPECT_EQ(
        Sim("POST", "/sim/oauth/users", json::serialize(json::object{{"openid", openid}})).status,
        200);
    const std::string redirect =
        "http://" + stack().host() + ":" + std::to_string(stack().gateway_port()) + "/";
    HttpResponse start =
        api().Get("/api/v1/auth/wechat/authorize?scope=snsapi_base&link=1&redirect=" +
                      http::PercentEncode(redirect),
                  tokens_.access);
    EXPECT_EQ(start.status, 302) << start;
    std::string state_cookie;
    for (const auto& [k, v] : start.headers) {
      if (strings::EqualsIgnoreCase(k, "Set-Cookie")) state_cookie = v.substr(0, v.find(';'));
    }
    HttpResponse wechat = Follow(start.Header("Location"), "");
    EXPECT_EQ(wechat.status, 302) << wechat;
    HttpResponse back = Follow(wechat.Header("Location"), state_cookie);
    EXPECT_EQ(back.status, 302) << back;
    return openid;
  }

  HttpResponse Follow(const std::string& url, const std::string& cookie) {
    const std::string rest = url.substr(url.find("://") + 3);
    const std::string authority = rest.substr(0, rest.find('/'));
    std::string target = rest.substr(authority.size());
    target = target.substr(0, target.find('#'));
    const int port = std::stoi(authority.substr(authority.rfind(':') + 1));
    testing::HttpHeaders headers;
    if (!cookie.empty()) headers.emplace_back("Cookie", cookie);
    return testing::Send(authority.substr(0, authority.rfind(':')), port, "GET", target, headers);
  }

  // What the page would hand WeixinJSBridge / wx.requestPayment, to the simulator's client.
  std::string BridgePay(const json::object& params, const std::string& result = "pay") {
    json::object body = params;
    body["result"] = result;
    HttpResponse r = Sim("POST", "/sim/jsbridge/pay", json::serialize(body), "text/plain");
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
    return Str(Json(r), {"err_msg"});
  }
};

TEST_F(PaymentChannelsTest, JsapiThroughTheJsBridgeWithTheLinkedOpenid) {
  const std::string openid = LinkWechat();
  json::value order = CreateOrder();
  const std::string id = OrderId(order);

  HttpResponse paid = PayWith(id, "jsapi", tokens_.access);
  ASSERT_EQ(paid.status, 200) << paid;
  const json::value v = Json(paid);
  EXPECT_EQ(Str(v, {"channel"}), "jsapi");
  const json::object params = v.at("jsapi").as_object();
  EXPECT_EQ(params.at("appId").as_string(), stack().wechat().appid);
  EXPECT_EQ(params.at("signType").as_string(), "RSA");
  EXPECT_EQ(std::string(params.at("package").as_string()).rfind("prepay_id=", 0), 0u);

  // A page (or a man in the middle) changing a signed field is refused by the WeChat client.
  json::object tampered = params;
  tampered["nonceStr"] = "tampered";
  EXPECT_EQ(BridgePay(tampered), "get_brand_wcpay_request:fail");
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "PAYING") << "nothing was paid";

  EXPECT_EQ(BridgePay(params, "cancel"), "get_brand_wcpay_request:cancel");
  EXPECT_EQ(BridgePay(params), "get_brand_wcpay_request:ok");
  const json::value done = WaitForState(id, "PAID");
  EXPECT_EQ(Str(done, {"state"}), "PAID") << done;
  HttpResponse sim_order = Sim("GET", "/sim/orders/" + OutTradeNo(order), "");
  EXPECT_EQ(Str(Json(sim_order), {"payer_openid"}), openid);
  EXPECT_EQ(Str(Json(sim_order), {"trade_type"}), "JSAPI");
}

TEST_F(PaymentChannelsTest, JsapiNeedsAWechatSignIn) {
  json::value order = CreateOrder();
  HttpResponse r = PayWith(OrderId(order), "jsapi", tokens_.access);
  EXPECT_TRUE(IsError(r, 409, "FAILED_PRECONDITION")) << r;
}

TEST_F(PaymentChannelsTest, MiniProgramPaysWithItsOwnLogin) {
  HttpResponse minted = Sim("POST", "/sim/miniprogram/code", "{}");
  ASSERT_EQ(minted.status, 200) << minted;
  HttpResponse login =
      api().Post("/api/v1/auth/miniprogram/login",
                 json::serialize(json::object{{"code", Str(Json(minted), {"code"})}}));
  ASSERT_EQ(login.status, 200) << login;
  const std::string token = Str(Json(login), {"access_token"});
  HttpResponse created = api().Post("/api/v1/orders", CartJson({{catalogue_.at(0), 1}}), token);
  ASSERT_EQ(created.status, 201) << created;
  const std::string id = OrderId(Json(created));

  HttpResponse paid = PayWith(id, "miniprogram", token);
  ASSERT_EQ(paid.status, 200) << paid;
  json::object params = Json(paid).at("miniprogram").as_object();
  EXPECT_FALSE(params.contains("appId")) << "wx.requestPayment takes none";
  EXPECT_EQ(BridgePay(params), "get_brand_wcpay_request:ok");
  const HttpResponse done = PollUntil<HttpResponse>(
      [&] { return api().Get("/api/v1/orders/" + id, token); },
      [](const HttpResponse& r) { return Str(Json(r), {"state"}) == "PAID"; }, kDeliveryTimeout);
  EXPECT_EQ(Str(Json(done), {"state"}), "PAID") << done;
}

TEST_F(PaymentChannelsTest, H5ThroughTheCashierPage) {
  json::value order = CreateOrder();
  const std::string id = OrderId(order);
  HttpResponse paid = PayWith(id, "h5", tokens_.access);
  ASSERT_EQ(paid.status, 200) << paid;
  const std::string h5_url = Str(Json(paid), {"h5_url"});
  ASSERT_NE(h5_url.find("/sim/h5/cashier?prepay_id="), std::string::npos) << paid;
  HttpResponse cashier = Follow(h5_url, "");
  EXPECT_EQ(cashier.status, 200) << cashier;
  EXPECT_NE(cashier.body.find("<form"), std::string::npos);

  const std::string prepay_id =
      http::QueryParam(h5_url.substr(h5_url.find('?') + 1), "prepay_id").value_or("");
  HttpResponse fail = Sim("POST", "/sim/h5/pay", "prepay_id=" + prepay_id + "&result=fail",
                          "application/x-www-form-urlencoded");
  EXPECT_EQ(Str(Json(fail), {"result"}), "fail");
  HttpResponse ok = Sim("POST", "/sim/h5/pay", "prepay_id=" + prepay_id + "&result=pay",
                        "application/x-www-form-urlencoded");
  EXPECT_EQ(Str(Json(ok), {"result"}), "ok") << "a failed attempt can be paid again";
  EXPECT_EQ(Str(WaitForState(id, "PAID"), {"state"}), "PAID");
}

TEST_F(PaymentChannelsTest, ChangingChannelClosesTheFirstAttemptAndPaysTheNext) {
  json::value order = CreateOrder();
  const std::string id = OrderId(order), no = OutTradeNo(order);
  HttpResponse qr = PayWith(id, "native", tokens_.access);
  ASSERT_EQ(qr.status, 200) << qr;
  EXPECT_EQ(Str(Json(qr), {"out_trade_no"}), no);

  // The shopper gives up on the QR code and pays on the phone's browser instead.
  HttpResponse h5 = PayWith(id, "h5", tokens_.access);
  ASSERT_EQ(h5.status, 200) << h5;
  EXPECT_EQ(Str(Json(h5), {"out_trade_no"}), no + "_1") << h5;
  HttpResponse first = Sim("GET", "/sim/orders/" + no, "");
  EXPECT_EQ(Str(Json(first), {"state"}), "CLOSED") << first;
  EXPECT_EQ(
      Sim("POST", "/sim/pay", R"({"out_trade_no":")" + no + R"("})", "application/json").status,
      409)
      << "nobody can pay the QR code any more";

  const std::string h5_url = Str(Json(h5), {"h5_url"});
  const std::string prepay_id =
      http::QueryParam(h5_url.substr(h5_url.find('?') + 1), "prepay_id").value_or("");
  HttpResponse ok = Sim("POST", "/sim/h5/pay", "prepay_id=" + prepay_id + "&result=pay",
                        "application/x-www-form-urlencoded");
  EXPECT_EQ(Str(Json(ok), {"result"}), "ok") << ok;
  const json::value paid = WaitForState(id, "PAID");
  EXPECT_EQ(Str(paid, {"state"}), "PAID") << paid;
  EXPECT_EQ(Str(paid, {"out_trade_no"}), no) << "the order keeps its number";
  const auto inbox = InboxRows(stack(), no + "_1");
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].second, "APPLIED");
}

}  // namespace
}  // namespace paymesh::e2e
