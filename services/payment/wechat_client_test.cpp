#include "services/payment/wechat_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/crypto/crypto.h"
#include "common/http/testing/fake_transport.h"
#include "common/time/testing/fake_clock.h"
#include "common/wechatpay/signing.h"
#include "services/payment/testing/fake_key_refresher.h"

namespace paymesh::payment {
namespace {

using http::testing::FakeTransport;
using std::chrono::milliseconds;
using time::testing::FakeClock;

constexpr char kBaseUrl[] = "https://api.mch.weixin.qq.com";
constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wxd678efh567hg6787";
constexpr char kMerchantSerial[] = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
constexpr char kPlatformKeyId[] = "PUB_KEY_ID_0114232134912410000000000000";

const crypto::RsaPrivateKey& MerchantKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

const crypto::RsaPrivateKey& PlatformKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

std::string Header(const http::ClientRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

int HeaderCount(const http::ClientRequest& r, std::string_view name) {
  int n = 0;
  for (const auto& [k, v] : r.headers) n += k == name ? 1 : 0;
  return n;
}

PrepayRequest SamplePrepay() {
  PrepayRequest req;
  req.appid = kAppid;
  req.mchid = kMchid;
  req.description = "Tencent-QQ公仔";
  req.out_trade_no = "PM20260101abcdef";
  req.time_expire = "2026-01-01T08:30:00+08:00";
  req.notify_url = "https://pay.example.com/wechat/notify/pay";
  req.amount_total = 100;
  return req;
}

std::string TransactionJson(std::string_view out_trade_no, std::string_view state) {
  boost::json::object o{{"appid", kAppid},
                        {"mchid", kMchid},
                        {"out_trade_no", out_trade_no},
                        {"trade_type", "NATIVE"},
                        {"trade_state", state},
                        {"trade_state_desc", "ok"},
                        {"amount", boost::json::object{{"total", 100}, {"currency", "CNY"}}}};
  if (state == "SUCCESS") {
    o["transaction_id"] = "4200000000202601010000000001";
    o["success_time"] = "2026-01-01T08:01:00+08:00";
    o["payer"] = boost::json::object{{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}};
    o["amount"].as_object()["payer_total"] = 100;
  }
  return boost::json::serialize(o);
}

class WechatClientTest : public ::testing::Test {
 protected:
  WechatClientTest() {
    verifier_.AddKey(kPlatformKeyId, PlatformKey().PublicKey());
    client_ = std::make_unique<WechatPayClient>(
        WechatClientOptions{.base_url = std::string(kBaseUrl) + "/",
                            .mchid = kMchid,
                            .merchant_serial = kMerchantSerial,
                            .timeout = milliseconds(5000)},
        MerchantKey(), verifier_, transport_, clock_, [this](milliseconds d) {
          sleeps_.push_back(d);
          clock_.Advance(d);
        });
  }

  int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
        .count();
  }

  // A WeChat answer signed with the platform key, `skew` seconds away from now.
  http::ClientResponse Signed(int status, std::string body, int64_t skew = 0,
                              const crypto::RsaPrivateKey& key = PlatformKey(),
                              std::string serial = kPlatformKeyId) {
    wechatpay::SignatureHeaders h =
        wechatpay::SignResponse(key, serial, body, NowSeconds() + skew, wechatpay::NewNonce());
    http::ClientResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = {{"Wechatpay-Timestamp", h.timestamp},
                 {"wechatpay-nonce", h.nonce},  // any case
                 {"Wechatpay-Signature", h.signature},
                 {"Wechatpay-Serial", h.serial},
                 {"Wechatpay-Signature-Type", h.signature_type},
                 {"Request-ID", "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0"}};
    return r;
  }

  static http::ClientResponse Error(int status, std::string body) {
    http::ClientResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }

  // The request's Authorization parses, names our merchant and verifies with the merchant's
  // public key over exactly the method, target and body that were sent.
  void ExpectSignedAsSent(const http::ClientRequest& req) {
    const std::string prefix = kBaseUrl;
    ASSERT_EQ(req.url.substr(0, prefix.size()), prefix);
    const std::string target = req.url.substr(prefix.size());
    absl::StatusOr<wechatpay::Authorization> auth =
        wechatpay::ParseAuthorization(Header(req, "Authorization"));
    ASSERT_TRUE(auth.ok()) << auth.status();
    EXPECT_EQ(auth->mchid, kMchid);
    EXPECT_EQ(auth->serial_no, kMerchantSerial);
    EXPECT_EQ(auth->nonce_str.size(), 32u);
    EXPECT_EQ(auth->timestamp.size(), 10u);  // seconds, not milliseconds
    absl::StatusOr<std::string> sig = crypto::Base64Decode(auth->signature);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(MerchantKey().PublicKey().VerifySha256(
        wechatpay::RequestMessage(req.method, target, auth->timestamp, auth->nonce_str, req.body),
        *sig));
  }

  FakeClock clock_;
  http::testing::FakeTransport transport_;
  wechatpay::Verifier verifier_;
  std::vector<milliseconds> sleeps_;
  std::unique_ptr<WechatPayClient> client_;
};

TEST_F(WechatClientTest, CreateNativeSendsExactlyWhatItSigned) {
  transport_.Enqueue(Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=NwY5Mz9"})"));
  absl::StatusOr<PrepayAnswer> prepay = client_->CreatePrepay(SamplePrepay());
  ASSERT_TRUE(prepay.ok()) << prepay.status();
  EXPECT_EQ(prepay->code_url, "weixin://wxpay/bizpayurl?pr=NwY5Mz9");

  std::vector<http::ClientRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 1u);
  const http::ClientRequest& req = sent[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.mch.weixin.qq.com/v3/pay/transactions/native");
  EXPECT_EQ(req.body,
            R"({"appid":"wxd678efh567hg6787","mchid":"1900000109","description":"Tencent-QQ公仔",)"
            R"("out_trade_no":"PM20260101abcdef","time_expire":"2026-01-01T08:30:00+08:00",)"
            R"("notify_url":"https://pay.example.com/wechat/notify/pay",)"
            R"("amount":{"total":100,"currency":"CNY"}})");
  EXPECT_EQ(Header(req, "Accept"), "application/json");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  EXPECT_EQ(Header(req, "Wechatpay-Serial"), kPlatformKeyId);
  EXPECT_FALSE(Header(req, "User-Agent").empty());
  EXPECT_EQ(HeaderCount(req, "Authorization"), 1);
  ExpectSignedAsSent(req);
  absl::StatusOr<wechatpay::Authorization> auth =
      wechatpay::ParseAuthorization(Header(req, "Authorization"));
  EXPECT_EQ(auth->timestamp, std::to_string(NowSeconds()));
}

TEST_F(WechatClientTest, JsapiCarriesThePayerAndAnswersAPrepayId) {
  transport_.Enqueue(Signed(200, R"({"prepay_id":"wx201410272009395522657a690389285100"})"));
  PrepayRequest req = SamplePrepay();
  req.channel = Channel::kMiniprogram;  // the mini program uses jsapi with its own appid
  req.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  absl::StatusOr<PrepayAnswer> prepay = client_->CreatePrepay(req);
  ASSERT_TRUE(prepay.ok()) << prepay.status();
  EXPECT_EQ(prepay->prepay_id, "wx201410272009395522657a690389285100");
  EXPECT_EQ(prepay->code_url, "");
  const http::ClientRequest sent = transport_.requests().at(0);
  EXPECT_EQ(sent.url, "https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi");
  EXPECT_NE(sent.body.find(R"("payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})"),
            std::string::npos)
      << sent.body;
  ExpectSignedAsSent(sent);

  transport_.Enqueue(Signed(200, R"({"prepay_id":""})"));
  EXPECT_EQ(client_->CreatePrepay(req).status().code(), absl::StatusCode::kUnavailable);
  transport_.Enqueue(Signed(200, R"({"prepay_id":")" + std::string(65, 'w') + R"("})"));
  EXPECT_EQ(client_->CreatePrepay(req).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(WechatClientTest, H5SendsTheSceneAndAnswersAnH5Url) {
  transport_.Enqueue(Signed(
      200, R"({"h5_url":"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"})"));
  PrepayRequest req = SamplePrepay();
  req.channel = Channel::kH5;
  req.payer_client_ip = "203.0.113.7";
  absl::StatusOr<PrepayAnswer> prepay = client_->CreatePrepay(req);
  ASSERT_TRUE(prepay.ok()) << prepay.status();
  EXPECT_EQ(prepay->h5_url, "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1");
  const http::ClientRequest sent = transport_.requests().at(0);
  EXPECT_EQ(sent.url, "https://api.mch.weixin.qq.com/v3/pay/transactions/h5");
  EXPECT_NE(
      sent.body.find(R"("scene_info":{"payer_client_ip":"203.0.113.7","h5_info":{"type":"Wap"}})"),
      std::string::npos)
      << sent.body;
  EXPECT_EQ(sent.body.find("payer\""), std::string::npos);
}

TEST_F(WechatClientTest, QuerySignsTheTargetWithItsMchidQuery) {
  transport_.Enqueue(Signed(200, TransactionJson("PM20260101abcdef", "SUCCESS")));
  absl::StatusOr<wechatpay::Transaction> tx = client_->QueryByOutTradeNo("PM20260101abcdef");
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ(tx->trade_state, "SUCCESS");
  EXPECT_EQ(tx->transaction_id, "4200000000202601010000000001");
  EXPECT_EQ(tx->amount_total, 100);

  std::vector<http::ClientRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].url,
            "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/"
            "PM20260101abcdef?mchid=1900000109");
  EXPECT_TRUE(sent[0].body.empty());
  EXPECT_EQ(HeaderCount(sent[0], "Content-Type"), 0);
  ExpectSignedAsSent(sent[0]);
}

TEST_F(WechatClientTest, PathSegmentsAreEscapedAndSignedEscaped) {
  transport_.Enqueue(Signed(200, TransactionJson("PM|2026*x", "NOTPAY")));
  ASSERT_TRUE(client_->QueryByOutTradeNo("PM|2026*x").ok());
  const http::ClientRequest req = transport_.requests().at(0);
  EXPECT_NE(req.url.find("/out-trade-no/PM%7C2026%2Ax?mchid="), std::string::npos) << req.url;
  ExpectSignedAsSent(req);
  EXPECT_EQ(EscapePathSegment("a-Z_0.9~"), "a-Z_0.9~");
  EXPECT_EQ(EscapePathSegment("a/b c"), "a%2Fb%20c");
}

TEST_F(WechatClientTest, CloseAcceptsTheSigned204WithEmptyBody) {
  transport_.Enqueue(Signed(204, ""));
  EXPECT_TRUE(client_->Close("PM20260101abcdef").ok());
  const http::ClientRequest req = transport_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(
      req.url,
      "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/PM20260101abcdef/close");
  EXPECT_EQ(req.body, R"({"mchid":"1900000109"})");
  ExpectSignedAsSent(req);
}

TEST_F(WechatClientTest, UnsignedOrBadlySigned204IsRefused) {
  transport_.Enqueue(Error(204, ""));
  absl::Status st = client_->Close("PM20260101abcdef");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "response signature did not verify");

  // Signed over a non-empty body, delivered empty.
  http::ClientResponse r = Signed(204, "x");
  r.body.clear();
  transport_.Enqueue(r);
  EXPECT_EQ(client_->Close("PM20260101abcdef").code(), absl::StatusCode::kUnavailable);
}

TEST_F(WechatClientTest, ResponseTimestampWindow) {
  const std::string body = R"({"code_url":"weixin://wxpay/bizpayurl?pr=a"})";
  transport_.Enqueue(Signed(200, body, -299));
  EXPECT_TRUE(client_->CreatePrepay(SamplePrepay()).ok());
  transport_.Enqueue(Signed(200, body, +299));
  EXPECT_TRUE(client_->CreatePrepay(SamplePrepay()).ok());

  for (int64_t skew : {-301, +301, -300}) {
    transport_.Enqueue(Signed(200, body, skew));
    absl::StatusOr<PrepayAnswer> r = client_->CreatePrepay(SamplePrepay());
    ASSERT_FALSE(r.ok()) << skew;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(r.status().message(), "response signature did not verify");
  }
  // A refused answer is not retried.
  EXPECT_EQ(transport_.requests().size(), 5u);
}

TEST_F(WechatClientTest, TamperedBodyUnknownSerialAndMissingHeadersAreRefused) {
  http::ClientResponse tampered = Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=a"})");
  tampered.body = R"({"code_url":"weixin://wxpay/bizpayurl?pr=b"})";
  transport_.Enqueue(tampered);

  const crypto::RsaPrivateKey other = crypto::RsaPrivateKey::Generate(2048);
  transport_.Enqueue(Signed(200, R"({"code_url":"x"})", 0, other, "PUB_KEY_ID_0000000000099"));
  // Signed by a stranger under our key id.
  transport_.Enqueue(Signed(200, R"({"code_url":"x"})", 0, other, kPlatformKeyId));

  http::ClientResponse headerless = Error(200, R"({"code_url":"x"})");
  transport_.Enqueue(headerless);

  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<PrepayAnswer> r = client_->CreatePrepay(SamplePrepay());
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << i;
    EXPECT_EQ(r.status().message(), "response signature did not verify") << i;
  }
}

// A rotated platform certificate: the refresher is asked for the unknown serial, then the
// answer verifies; a serial the refresher cannot find stays refused. Certificates are
// downloaded unverified (the caller checks them) and requests name the preferred serial.
TEST_F(WechatClientTest, UnknownSerialAsksTheKeyRefresherOnce) {
  const crypto::RsaPrivateKey rotated = crypto::RsaPrivateKey::Generate(2048);
  testing::FakeKeyRefresher refresher(verifier_, "6A57F09EFDC096DE", rotated);
  client_->SetKeyRefresher(&refresher);
  transport_.Enqueue(Signed(200, R"({"code_url":"weixin://a"})", 0, rotated, "6A57F09EFDC096DE"));
  transport_.Enqueue(Signed(200, R"({"code_url":"weixin://b"})", 0, rotated, "7B00INVENTED"));
  ASSERT_TRUE(client_->CreatePrepay(SamplePrepay()).ok());
  EXPECT_EQ(client_->CreatePrepay(SamplePrepay()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(refresher.asked, (std::vector<std::string>{"6A57F09EFDC096DE", "7B00INVENTED"}));

  transport_.Enqueue(Signed(200, R"({"data":[]})", 0, rotated, "0000NOT_HELD"));
  absl::StatusOr<SignedAnswer> list = client_->DownloadCertificates();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->signature.serial, "0000NOT_HELD");
  EXPECT_EQ(refresher.asked.size(), 2u);  // nothing asked: the caller verifies
  const http::ClientRequest sent = transport_.requests().back();
  EXPECT_EQ(sent.url, std::string(kBaseUrl) + "/v3/certificates?algorithm_type=RSA");
  EXPECT_EQ(Header(sent, "Wechatpay-Serial"), kPlatformKeyId);
}

TEST_F(WechatClientTest, ErrorMappingTable) {
  struct Case {
    int http;
    const char* body;
    absl::StatusCode want;
  };
  const Case cases[] = {
      {400, R"({"code":"PARAM_ERROR","message":"参数错误"})", absl::StatusCode::kInvalidArgument},
      {400, R"({"code":"INVALID_REQUEST","message":"重入参数不一致"})",
       absl::StatusCode::kFailedPrecondition},
      {401, R"({"code":"SIGN_ERROR","message":"签名错误"})", absl::StatusCode::kInternal},
      {400, R"({"code":"APPID_MCHID_NOT_MATCH","message":"x"})", absl::StatusCode::kInternal},
      {404, R"({"code":"ORDER_NOT_EXIST","message":"订单不存在"})", absl::StatusCode::kNotFound},
      {404, R"({"code":"RESOURCE_NOT_EXISTS","message":"x"})", absl::StatusCode::kNotFound},
      {400, R"({"code":"ORDERPAID","message":"x"})", absl::StatusCode::kFailedPrecondition},
      {400, R"({"code":"ORDER_PAID","message":"x"})", absl::StatusCode::kFailedPrecondition},
      {400, R"({"code":"ORDER_CLOSED","message":"x"})", absl::StatusCode::kFailedPrecondition},
      {403, R"({"code":"OUT_TRADE_NO_USED","message":"x"})", absl::StatusCode::kFailedPrecondition},
      {429, R"({"code":"FREQUENCY_LIMITED","message":"x"})", absl::StatusCode::kResourceExhausted},
      {500, R"({"code":"SYSTEM_ERROR","message":"x"})", absl::StatusCode::kUnavailable},
      {500, R"({"code":"BANKERROR","message":"x"})", absl::StatusCode::kUnavailable},
      {502, "<html>bad gateway</html>", absl::StatusCode::kUnavailable},
      {403, R"({"code":"SOMETHING_NEW","message":"x"})", absl::StatusCode::kFailedPrecondition},
      {400, "", absl::StatusCode::kInvalidArgument},
      {302, "", absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    absl::Status st = StatusFromWechatError(c.http, c.body);
    EXPECT_EQ(st.code(), c.want) << c.http << " " << c.body;
  }
  EXPECT_EQ(
      StatusFromWechatError(400, R"({"code":"PARAM_ERROR","message":"total 必须大于0"})").message(),
      "wechat pay answered 400 PARAM_ERROR: total 必须大于0");
  EXPECT_TRUE(IsRetryableWechatError(500, ""));
  EXPECT_TRUE(IsRetryableWechatError(200, R"({"code":"SYSTEM_ERROR"})"));
  EXPECT_FALSE(IsRetryableWechatError(429, R"({"code":"FREQUENCY_LIMITED"})"));
  EXPECT_FALSE(IsRetryableWechatError(400, R"({"code":"PARAM_ERROR"})"));
}

TEST_F(WechatClientTest, ErrorAnswersNeedNoSignature) {
  transport_.Enqueue(Error(404, R"({"code":"ORDER_NOT_EXIST","message":"订单不存在"})"));
  absl::StatusOr<wechatpay::Transaction> tx = client_->QueryByOutTradeNo("PM20260101abcdef");
  EXPECT_EQ(tx.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WechatClientTest, RetriesSystemErrorWithTheSameBodyThenSucceeds) {
  transport_.Enqueue(
      Error(500, R"({"code":"SYSTEM_ERROR","message":"系统异常，请用相同参数重新调用"})"));
  transport_.Enqueue(Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=ok"})"));
  absl::StatusOr<PrepayAnswer> prepay = client_->CreatePrepay(SamplePrepay());
  ASSERT_TRUE(prepay.ok()) << prepay.status();
  EXPECT_EQ(prepay->code_url, "weixin://wxpay/bizpayurl?pr=ok");

  std::vector<http::ClientRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, sent[1].body);
  EXPECT_EQ(sent[0].url, sent[1].url);
  // Re-signed: a fresh nonce, and each signature covers what was sent.
  EXPECT_NE(Header(sent[0], "Authorization"), Header(sent[1], "Authorization"));
  ExpectSignedAsSent(sent[0]);
  ExpectSignedAsSent(sent[1]);
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(100)});
}

TEST_F(WechatClientTest, DoesNotRetryAClientError) {
  transport_.Enqueue(Error(400, R"({"code":"PARAM_ERROR","message":"x"})"));
  transport_.Enqueue(Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=ok"})"));
  absl::StatusOr<PrepayAnswer> prepay = client_->CreatePrepay(SamplePrepay());
  EXPECT_EQ(prepay.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(WechatClientTest, TransportFailuresAreRetriedThreeTimesWithBackoff) {
  transport_.Enqueue(absl::UnavailableError("connection refused"));
  transport_.Enqueue(absl::DeadlineExceededError("read timed out"));
  transport_.Enqueue(absl::UnavailableError("connection reset"));
  absl::Status st = client_->Close("PM20260101abcdef");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(100), milliseconds(300)}));
}

TEST_F(WechatClientTest, RetriesStayWithinTheCallBudget) {
  WechatPayClient tight({.base_url = kBaseUrl,
                         .mchid = kMchid,
                         .merchant_serial = kMerchantSerial,
                         .timeout = milliseconds(250)},
                        MerchantKey(), verifier_, transport_, clock_, [this](milliseconds d) {
                          sleeps_.push_back(d);
                          clock_.Advance(d);
                        });
  absl::Status st = tight.Close("PM20260101abcdef");  // nothing queued: every attempt fails
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  std::vector<http::ClientRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 2u);  // a third attempt would need 100 + 300 ms > 250 ms
  EXPECT_EQ(sent[0].timeout, milliseconds(250));
  EXPECT_EQ(sent[1].timeout, milliseconds(150));
}

TEST_F(WechatClientTest, RefusesMalformedSuccessAnswers) {
  transport_.Enqueue(Signed(200, R"({"prepay_id":"wx123"})"));
  EXPECT_EQ(client_->CreatePrepay(SamplePrepay()).status().code(), absl::StatusCode::kUnavailable);
  // A query answered for another order.
  transport_.Enqueue(Signed(200, TransactionJson("PM_other_order", "NOTPAY")));
  EXPECT_EQ(client_->QueryByOutTradeNo("PM20260101abcdef").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace paymesh::payment
