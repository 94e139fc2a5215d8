// The simulator over loopback, driven like a merchant: requests signed with the merchant key
// read from its state directory (common/wechatpay), answers verified with the platform public
// key, and notifications received, verified and decrypted by a small local merchant endpoint.
// Retry intervals run at SIM_TIME_SCALE 0.01 (15 s → 150 ms).

#include "tools/wechat-sim/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/crypto/crypto.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/certificates.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"
#include "tests/support/process.h"
#include "tools/wechat-sim/keys.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

constexpr double kTimeScale = 0.01;
constexpr auto kFirstRetry = 150ms;  // 15 s × kTimeScale

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  std::string s = out.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Polls `condition` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// A request or a response.
template <typename Message>
wechatpay::SignatureHeaders HeadersOf(const Message& r) {
  return wechatpay::ReadSignatureHeaders(
      [&](std::string_view name) { return std::string(r.Header(name)); });
}

// ---- the merchant's notify endpoint -------------------------------------------------------------

struct Received {
  SteadyClock::time_point at;
  std::string signature;
  absl::Status verified;
  std::string envelope_id;
  std::optional<wechatpay::Envelope> envelope;
  std::optional<wechatpay::Transaction> transaction;
  int answered = 0;
};

// Verifies each notification like a merchant must (signature on the raw bytes, then decrypt):
// answers 401 when verification fails, 500 while `fail_next` lasts, otherwise 204.
class Receiver {
 public:
  Receiver(const wechatpay::Verifier* verifier, std::string apiv3_key)
      : verifier_(verifier),
        apiv3_key_(std::move(apiv3_key)),
        server_({}, [this](http::Request& req) -> boost::asio::awaitable<http::Response> {
          co_return Handle(req);
        }) {
    absl::StatusOr<int> port = server_.Start("127.0.0.1:0");
    EXPECT_TRUE(port.ok()) << port.status();
    url_ = "http://127.0.0.1:" + std::to_string(port.value_or(0)) + "/wechat/notify";
  }

  const std::string& url() const { return url_; }
  void FailNext(int n) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
  }
  std::vector<Received> All() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  size_t Count() const { return All().size(); }

 private:
  http::Response Handle(const http::Request& req) {
    Received r;
    r.at = SteadyClock::now();
    r.signature = std::string(req.Header("Wechatpay-Signature"));
    r.verified = verifier_->Verify(HeadersOf(req), req.body, Now());
    absl::StatusOr<wechatpay::Envelope> envelope = wechatpay::ParseEnvelope(req.body);
    if (envelope.ok()) {
      r.envelope_id = envelope->id;
      r.envelope = *envelope;
      absl::StatusOr<std::string> plain =
          wechatpay::DecryptResource(envelope->resource, apiv3_key_);
      if (plain.ok()) {
        absl::StatusOr<wechatpay::Transaction> tx = wechatpay::ParseTransaction(*plain);
        if (tx.ok()) r.transaction = *tx;
      }
    }
    std::lock_guard lock(mu_);
    if (!r.verified.ok() || !r.transaction) {
      r.answered = 401;
    } else if (fail_next_ > 0) {
      --fail_next_;
      r.answered = 500;
    } else {
      r.answered = 204;
    }
    received_.push_back(r);
    if (r.answered == 204) {
      http::Response ok;
      ok.status = 204;
      return ok;
    }
    return http::Response::Json(r.answered, R"({"code":"FAIL","message":"失败"})");
  }

  const wechatpay::Verifier* verifier_;
  const std::string apiv3_key_;
  mutable std::mutex mu_;
  std::vector<Received> received_;  // guarded by mu_
  int fail_next_ = 0;               // guarded by mu_
  http::Server server_;             // last: stopped before the state it uses goes away
  std::string url_;
};

// ---- the fixture: one simulator per test, keys shared by the suite
// -------------------------------

class SimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_dir_ = new std::string(::testing::TempDir() + "wechat_sim_it_" +
                                 std::to_string(::getpid()) + "_" + crypto::RandomAlnum(6));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*state_dir_, ignored);
    delete state_dir_;
  }

  static SimConfig BaseConfig() {
    SimConfig cfg;
    cfg.listen_addr = "127.0.0.1:0";
    cfg.state_dir = *state_dir_;
    cfg.time_scale = kTimeScale;
    cfg.notify_timeout = 2000ms;
    return cfg;
  }

  // Replaces the running simulator (if any) by one with `cfg`; the keys stay the same.
  void StartSimulator(const SimConfig& cfg) {
    if (sim_) sim_->Stop();
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(cfg);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);
    absl::StatusOr<int> port = sim_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartSimulator(BaseConfig()));

    // Everything a merchant needs comes from the state directory's files.
    const std::string dir = *state_dir_ + "/";
    absl::StatusOr<crypto::RsaPrivateKey> key =
        crypto::RsaPrivateKey::FromPem(ReadFile(dir + kMerchantPrivateKeyFile));
    ASSERT_TRUE(key.ok());
    merchant_key_.emplace(*key);
    serial_ = ReadFile(dir + kMerchantSerialFile);
    mchid_ = ReadFile(dir + kMchidFile);
    appid_ = ReadFile(dir + kAppidFile);
    apiv3_key_ = ReadFile(dir + kApiV3KeyFile);
    key_id_ = ReadFile(dir + kPlatformPublicKeyIdFile);
    absl::StatusOr<crypto::RsaPublicKey> platform =
        crypto::RsaPublicKey::FromPem(ReadFile(dir + kPlatformPublicKeyFile));
    ASSERT_TRUE(platform.ok());
    verifier_.AddKey(key_id_, *platform);

    http::ClientOptions options;
    options.allow_insecure = true;
    absl::StatusOr<std::unique_ptr<http::Client>> client = http::Client::Create(options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
    receiver_ = std::make_unique<Receiver>(&verifier_, apiv3_key_);
    out_trade_no_ = "IT" + crypto::RandomAlnum(14);
  }

  void TearDown() override {
    if (sim_) sim_->Stop();
  }

  http::ClientResponse Call(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& authorization) {
    http::ClientRequest req;
    req.method = method;
    req.url = base_ + target;
    req.body = body;
    req.headers = {{"Accept", "application/json"}};
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
    if (!request_serial_.empty()) req.headers.emplace_back("Wechatpay-Serial", request_serial_);
    absl::StatusOr<http::ClientResponse> res = client_->Send(req);
    EXPECT_TRUE(res.ok()) << res.status();
    return res.value_or(http::ClientResponse{});
  }

  // A request signed by the merchant, as the payment service sends it.
  http::ClientResponse Signed(const std::string& method, const std::string& target,
                              const std::string& body = "", int64_t timestamp = Now()) {
    return Call(method, target, body,
                wechatpay::SignRequest(*merchant_key_, mchid_, serial_, method, target, body,
                                       timestamp, wechatpay::NewNonce()));
  }

  std::string NativeBody(int64_t total = 100, const std::string& out_trade_no = "",
                         const std::string& time_expire = "") {
    json::object body{{"appid", appid_},
                      {"mchid", mchid_},
                      {"description", "paymesh test"},
                      {"out_trade_no", out_trade_no.empty() ? out_trade_no_ : out_trade_no},
                      {"notify_url", receiver_->url()},
                      {"amount", json::object{{"total", total}, {"currency", "CNY"}}}};
    if (!time_expire.empty()) body["time_expire"] = time_expire;
    return json::serialize(body);
  }

  http::ClientResponse Native(int64_t total = 100) {
    return Signed("POST", "/v3/pay/transactions/native", NativeBody(total));
  }
  http::ClientResponse Query(const std::string& out_trade_no) {
    return Signed("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no + "?mchid=" + mchid_);
  }
  http::ClientResponse CloseOrder(const std::string& out_trade_no) {
    return Signed("POST", "/v3/pay/transactions/out-trade-no/" + out_trade_no + "/close",
                  R"({"mchid":")" + mchid_ + R"("})");
  }
  // The same query on a connection of its own, closed after the answer, for concurrent queries:
  // client_ keeps every connection it opened, and http::Client's destructor closes kept
  // connections after destroying their io_context (common/http/client.cpp), which with several
  // of them corrupts the heap.
  http::ClientResponse QueryOnOwnConnection(const std::string& out_trade_no) {
    namespace beast = boost::beast;
    namespace bhttp = boost::beast::http;
    const std::string target =
        "/v3/pay/transactions/out-trade-no/" + out_trade_no + "?mchid=" + mchid_;
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
    req.set(bhttp::field::accept, "application/json");
    req.set(bhttp::field::authorization,
            wechatpay::SignRequest(*merchant_key_, mchid_, serial_, "GET", target, "", Now(),
                                   wechatpay::NewNonce()));
    req.keep_alive(false);
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)}, ec);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    if (!ec) bhttp::write(stream, req, ec);
    if (!ec) bhttp::read(stream, buffer, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    http::ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = res.body();
    return out;
  }
  // GET /sim/orders/{out_trade_no}; an empty object for 404.
  json::object OrderView(const std::string& out_trade_no) {
    http::ClientResponse r = Control("GET", "/sim/orders/" + out_trade_no);
    if (r.status == 404) return {};
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  }
  http::ClientResponse Control(const std::string& method, const std::string& target,
                               const std::string& body = "") {
    return Call(method, target, body, "");
  }
  http::ClientResponse Pay() {
    return Control("POST", "/sim/pay",
                   R"({"out_trade_no":")" + out_trade_no_ + R"(","openid":"oTestOpenid123"})");
  }
  void SetFaults(const std::string& knobs) {
    http::ClientResponse r = Control(
        "POST", "/sim/faults", R"({"out_trade_no":")" + out_trade_no_ + R"(",)" + knobs + "}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  json::array Notifications() {
    http::ClientResponse r = Control("GET", "/sim/notifications?out_trade_no=" + out_trade_no_);
    EXPECT_EQ(r.status, 200);
    return json::parse(r.body).as_array();
  }

  absl::Status VerifyResponse(const http::ClientResponse& r) {
    return verifier_.Verify(HeadersOf(r), r.body, Now());
  }
  void ExpectSignError(const http::ClientResponse& r, const std::string& message_part) {
    EXPECT_EQ(r.status, 401) << r.body;
    json::value body = json::parse(r.body);
    EXPECT_EQ(body.at("code"), "SIGN_ERROR");
    EXPECT_THAT(std::string(body.at("message").as_string()), HasSubstr(message_part));
    EXPECT_EQ(r.Header("Wechatpay-Signature"), "");  // errors are unsigned
    EXPECT_THAT(std::string(r.Header("Request-ID")), HasSubstr("-268443699"));
  }
  static std::string Code(const http::ClientResponse& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("code")) return "";
    return std::string(v.at("code").as_string());
  }

  static std::string* state_dir_;
  std::unique_ptr<Simulator> sim_;
  int port_ = 0;
  std::string base_;
  std::optional<crypto::RsaPrivateKey> merchant_key_;
  std::string serial_, mchid_, appid_, apiv3_key_, key_id_;
  std::string request_serial_;  // sent as Wechatpay-Serial when set
  wechatpay::Verifier verifier_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<Receiver> receiver_;
  std::string out_trade_no_;
};
std::string* SimulatorTest::state_dir_ = nullptr;

// ---- v3 API ----------------------------------------------------------------------------------

TEST_F(SimulatorTest, RefusesBadSignaturesUnknownSerialsAndStaleTimestamps) {
  const std::string target = "/v3/pay/transactions/native";
  const std::string body = NativeBody();
  const crypto::RsaPrivateKey stranger = crypto::RsaPrivateKey::Generate();
  ExpectSignError(Call("POST", target, body,
                       wechatpay::SignRequest(stranger, mchid_, serial_, "POST", target, body,
                                              Now(), wechatpay::NewNonce())),
                  "签名错误");
  ExpectSignError(Call("POST", target, body,
                       wechatpay::SignRequest(*merchant_key_, mchid_, std::string(40, 'A'), "POST",
                                              target, body, Now(), wechatpay::NewNonce())),
                  "商户证书序列号有误。");
  ExpectSignError(Signed("POST", target, body, Now() - 400), "timestamp");
  ExpectSignError(Call("POST", target, body, ""), "Authorization");
  // Signed over one body, sent with another.
  ExpectSignError(Call("POST", target, NativeBody(101),
                       wechatpay::SignRequest(*merchant_key_, mchid_, serial_, "POST", target, body,
                                              Now(), wechatpay::NewNonce())),
                  "签名错误");
  // Nothing was created by any of them.
  EXPECT_EQ(Control("GET", "/sim/orders/" + out_trade_no_).status, 404);
}

TEST_F(SimulatorTest, AcceptsAuthorizationParametersInPhpOrder) {
  const std::string target = "/v3/pay/transactions/native";
  const std::string body = NativeBody();
  const std::string ts = std::to_string(Now());
  const std::string nonce = wechatpay::NewNonce();
  const std::string signature = crypto::Base64Encode(
      merchant_key_->SignSha256(wechatpay::RequestMessage("POST", target, ts, nonce, body)));
  const std::string php = std::string(wechatpay::kAuthScheme) + " mchid=\"" + mchid_ +
                          "\",serial_no=\"" + serial_ + "\",timestamp=\"" + ts + "\",nonce_str=\"" +
                          nonce + "\",signature=\"" + signature + "\"";
  http::ClientResponse r = Call("POST", target, body, php);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(SimulatorTest, NativeReentryQueryAndSignedResponses) {
  http::ClientResponse first = Native();
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(VerifyResponse(first).ok()) << VerifyResponse(first);
  EXPECT_EQ(first.Header("Wechatpay-Serial"), key_id_);
  EXPECT_EQ(first.Header("Wechatpay-Nonce").size(), 32u);
  EXPECT_EQ(first.Header("Wechatpay-Signature-Type"), "WECHATPAY2-SHA256-RSA2048");
  EXPECT_THAT(std::string(first.Header("Request-ID")), ::testing::EndsWith("-0"));
  const std::string code_url(json::parse(first.body).at("code_url").as_string());
  EXPECT_THAT(code_url, ::testing::StartsWith("weixin://wxpay/bizpayurl?pr="));

  http::ClientResponse again = Native();
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(std::string(json::parse(again.body).at("code_url").as_string()), code_url);

  http::ClientResponse changed = Native(200);
  EXPECT_EQ(changed.status, 400);
  EXPECT_EQ(Code(changed), "INVALID_REQUEST");
  EXPECT_THAT(changed.body, HasSubstr("请求重入时，参数与首次请求时不一致"));

  http::ClientResponse unpaid = Query(out_trade_no_);
  ASSERT_EQ(unpaid.status, 200) << unpaid.body;
  EXPECT_TRUE(VerifyResponse(unpaid).ok());
  absl::StatusOr<wechatpay::Transaction> tx = wechatpay::ParseTransaction(unpaid.body);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ(tx->trade_state, "NOTPAY");
  EXPECT_EQ(tx->transaction_id, "");

  http::ClientResponse paid_now = Pay();
  ASSERT_EQ(paid_now.status, 200) << paid_now.body;
  http::ClientResponse paid = Query(out_trade_no_);
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_TRUE(VerifyResponse(paid).ok());
  tx = wechatpay::ParseTransaction(paid.body);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ(tx->trade_state, "SUCCESS");
  EXPECT_EQ(tx->trade_type, "NATIVE");
  EXPECT_EQ(tx->payer_openid, "oTestOpenid123");
  EXPECT_EQ(tx->amount_total, 100);
  EXPECT_THAT(tx->transaction_id, ::testing::StartsWith("4200"));
  EXPECT_THAT(tx->success_time, ::testing::EndsWith("+08:00"));

  http::ClientResponse by_id =
      Signed("GET", "/v3/pay/transactions/id/" + tx->transaction_id + "?mchid=" + mchid_);
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_TRUE(VerifyResponse(by_id).ok());
  EXPECT_EQ(by_id.body, paid.body);

  EXPECT_EQ(Code(Native()), "ORDERPAID");
  http::ClientResponse close_paid =
      Signed("POST", "/v3/pay/transactions/out-trade-no/" + out_trade_no_ + "/close",
             R"({"mchid":")" + mchid_ + R"("})");
  EXPECT_EQ(close_paid.status, 400);
  EXPECT_EQ(Code(close_paid), "ORDERPAID");
  // A second /sim/pay is refused.
  EXPECT_EQ(Pay().status, 409);
}

// §3 and §2.5: /v3/certificates per mode, each certificate sealed with the APIv3 key; answers
// and notifications signed under the mode's key; a rotation overlaps.
TEST_F(SimulatorTest, PlatformCertificatesFollowTheMode) {
  http::ClientResponse absent = Signed("GET", "/v3/certificates");
  EXPECT_EQ(absent.status, 404) << absent.body;
  EXPECT_EQ(Code(absent), "RESOURCE_NOT_EXISTS");
  ASSERT_EQ(Control("POST", "/sim/platform", R"({"certificates_absent_status":403})").status, 200);
  EXPECT_EQ(Signed("GET", "/v3/certificates").status, 403);
  EXPECT_EQ(Control("POST", "/sim/platform", R"({"mode":"both"})").status, 400);

  ASSERT_EQ(Control("POST", "/sim/platform", R"({"mode":"cert"})").status, 200);
  const auto download = [&] {
    http::ClientResponse r = Signed("GET", "/v3/certificates?algorithm_type=RSA");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<wechatpay::CertificateKey> keys;
    const auto list = wechatpay::ParseCertificateList(r.body);
    EXPECT_TRUE(list.ok()) << list.status();
    for (const auto& c : list.value_or(std::vector<wechatpay::EncryptedCertificate>{})) {
      absl::StatusOr<crypto::Certificate> opened = wechatpay::OpenCertificate(c, apiv3_key_);
      EXPECT_TRUE(opened.ok()) << opened.status();
      if (opened.ok()) keys.push_back({opened->serial, opened->not_before, opened->public_key});
    }
    verifier_.SetCertificates(keys);
    EXPECT_TRUE(VerifyResponse(r).ok()) << VerifyResponse(r);  // signed by a listed certificate
    return keys;
  };
  const std::vector<wechatpay::CertificateKey> first = download();
  ASSERT_EQ(first.size(), 1u);
  http::ClientResponse native = Native();
  ASSERT_EQ(native.status, 200);
  EXPECT_EQ(native.Header("Wechatpay-Serial"), first[0].serial);
  EXPECT_TRUE(VerifyResponse(native).ok());

  http::ClientResponse rotated =
      Control("POST", "/sim/platform/rotate", R"({"overlap_seconds":600})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::vector<wechatpay::CertificateKey> both = download();
  ASSERT_EQ(both.size(), 2u);
  const std::string next = both[0].serial == first[0].serial ? both[1].serial : both[0].serial;
  EXPECT_NE(next, first[0].serial);
  http::ClientResponse query = Query(out_trade_no_);
  EXPECT_EQ(query.Header("Wechatpay-Serial"), next);
  EXPECT_TRUE(VerifyResponse(query).ok());
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 1; }));
  EXPECT_TRUE(receiver_->All()[0].verified.ok()) << receiver_->All()[0].verified;

  // Dual: the request's Wechatpay-Serial picks the key of the answer.
  ASSERT_EQ(Control("POST", "/sim/platform", R"({"mode":"dual"})").status, 200);
  request_serial_ = key_id_;
  EXPECT_EQ(Query(out_trade_no_).Header("Wechatpay-Serial"), key_id_);
  request_serial_ = first[0].serial;
  EXPECT_EQ(Query(out_trade_no_).Header("Wechatpay-Serial"), first[0].serial);
  EXPECT_EQ(Control("POST", "/sim/platform/rotate", R"({"overlap_seconds":0})").status, 400);
}

TEST_F(SimulatorTest, CloseAnswersASigned204AndIsReentrant) {
  ASSERT_EQ(Native().status, 200);
  const std::string target = "/v3/pay/transactions/out-trade-no/" + out_trade_no_ + "/close";
  const std::string body = R"({"mchid":")" + mchid_ + R"("})";
  for (int i = 0; i < 2; ++i) {
    http::ClientResponse closed = Signed("POST", target, body);
    ASSERT_EQ(closed.status, 204) << closed.body;
    EXPECT_EQ(closed.body, "");
    // The empty-body form: "ts\nnonce\n\n".
    EXPECT_TRUE(VerifyResponse(closed).ok()) << VerifyResponse(closed);
  }
  absl::StatusOr<wechatpay::Transaction> tx =
      wechatpay::ParseTransaction(Query(out_trade_no_).body);
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ(tx->trade_state, "CLOSED");
  EXPECT_EQ(Code(Native()), "ORDER_CLOSED");
  EXPECT_EQ(Pay().status, 409);
  http::ClientResponse unknown =
      Signed("POST", "/v3/pay/transactions/out-trade-no/NOSUCH0001/close", body);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), "ORDER_NOT_EXIST");
}

TEST_F(SimulatorTest, QueryErrors) {
  http::ClientResponse unknown = Query("NOSUCH0001");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), "ORDER_NOT_EXIST");
  http::ClientResponse no_mchid =
      Signed("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no_);
  EXPECT_EQ(no_mchid.status, 400);
  EXPECT_EQ(Code(no_mchid), "PARAM_ERROR");
  http::ClientResponse other_mchid =
      Signed("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no_ + "?mchid=1230000109");
  EXPECT_EQ(other_mchid.status, 400);
  EXPECT_EQ(Code(other_mchid), "PARAM_ERROR");

  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("query_500":true)");
  http::ClientResponse failing = Query(out_trade_no_);
  EXPECT_EQ(failing.status, 500);
  EXPECT_EQ(Code(failing), "SYSTEM_ERROR");
  ASSERT_EQ(Control("DELETE", "/sim/faults").status, 204);
  EXPECT_EQ(Query(out_trade_no_).status, 200);
}

TEST_F(SimulatorTest, OrderViewCountsQueriesAndCloses) {
  // A query for an order that does not exist yet is counted, but the order stays unknown.
  EXPECT_EQ(Query(out_trade_no_).status, 404);
  EXPECT_EQ(Control("GET", "/sim/orders/" + out_trade_no_).status, 404);
  ASSERT_EQ(Native().status, 200);
  json::object view = OrderView(out_trade_no_);
  EXPECT_EQ(view.at("queries"), 1);
  EXPECT_EQ(view.at("closes"), 0);

  EXPECT_EQ(Query(out_trade_no_).status, 200);
  SetFaults(R"("query_500":true)");
  EXPECT_EQ(Query(out_trade_no_).status, 500);  // every answer counts
  EXPECT_EQ(CloseOrder(out_trade_no_).status, 204);
  EXPECT_EQ(CloseOrder(out_trade_no_).status, 204);
  // Refused before the handler: a bad signature.
  EXPECT_EQ(
      Call("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no_ + "?mchid=" + mchid_, "", "")
          .status,
      401);
  view = OrderView(out_trade_no_);
  EXPECT_EQ(view.at("state"), "CLOSED");
  EXPECT_EQ(view.at("queries"), 3);
  EXPECT_EQ(view.at("closes"), 2);

  // Another order has its own counts.
  const std::string other = out_trade_no_ + "X";
  ASSERT_EQ(Signed("POST", "/v3/pay/transactions/native", NativeBody(100, other)).status, 200);
  view = OrderView(other);
  EXPECT_EQ(view.at("queries"), 0);
  EXPECT_EQ(view.at("closes"), 0);
}

TEST_F(SimulatorTest, QueryDelayHoldsBackOnlyThatQuery) {
  constexpr auto kDelay = 300ms;
  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("query_delay_ms":300)");
  // More delayed queries than the server has io threads: were the delay a sleep on those
  // threads, nothing else would be answered until the first of them woke up.
  constexpr int kQueries = 4;
  std::atomic<int> finished{0};
  std::vector<http::ClientResponse> answers(kQueries);
  std::vector<SteadyClock::duration> took(kQueries);
  std::vector<std::thread> queries;
  for (int i = 0; i < kQueries; ++i) {
    queries.emplace_back([&, i] {
      const auto start = SteadyClock::now();
      answers[i] = QueryOnOwnConnection(out_trade_no_);
      took[i] = SteadyClock::now() - start;
      ++finished;
    });
  }
  // Control calls and another order's query answer while all of them wait.
  const bool all_arrived = WaitFor(
      [&] {
        const json::object view = OrderView(out_trade_no_);
        const json::value* counted = view.if_contains("queries");
        return counted != nullptr && *counted == kQueries;
      },
      5s);
  const int finished_when_counted = finished.load();
  http::ClientResponse other = Query("NOSUCH0001");
  const int finished_after_other = finished.load();
  for (std::thread& t : queries) t.join();

  EXPECT_TRUE(all_arrived);
  EXPECT_EQ(finished_when_counted, 0);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(finished_after_other, 0);
  for (int i = 0; i < kQueries; ++i) {
    EXPECT_EQ(answers[i].status, 200) << answers[i].body;
    EXPECT_GE(took[i], kDelay) << i;
    EXPECT_TRUE(VerifyResponse(answers[i]).ok());
  }
  // Off again: answered at once.
  SetFaults(R"("query_delay_ms":0)");
  const auto start = SteadyClock::now();
  EXPECT_EQ(Query(out_trade_no_).status, 200);
  EXPECT_LT(SteadyClock::now() - start, kDelay);
}

TEST_F(SimulatorTest, UnpaidOrderIsAutoClosedAfterTimeExpire) {
  SimConfig cfg = BaseConfig();
  cfg.auto_close_after_seconds = 0;
  ASSERT_NO_FATAL_FAILURE(StartSimulator(cfg));
  const std::string an_hour_ago =
      time::FormatChina(std::chrono::system_clock::now() - std::chrono::hours(1));
  ASSERT_EQ(Signed("POST", "/v3/pay/transactions/native", NativeBody(100, "", an_hour_ago)).status,
            200);
  http::ClientResponse queried = Query(out_trade_no_);
  ASSERT_EQ(queried.status, 200) << queried.body;
  absl::StatusOr<wechatpay::Transaction> tx = wechatpay::ParseTransaction(queried.body);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ(tx->trade_state, "CLOSED");
  EXPECT_EQ(OrderView(out_trade_no_).at("state"), "CLOSED");
  EXPECT_EQ(CloseOrder(out_trade_no_).status, 204);
  EXPECT_EQ(Pay().status, 409);

  // With the default delay (7 days) the same order would still be NOTPAY, and not payable.
  ASSERT_NO_FATAL_FAILURE(StartSimulator(BaseConfig()));
  ASSERT_EQ(Signed("POST", "/v3/pay/transactions/native", NativeBody(100, "", an_hour_ago)).status,
            200);
  EXPECT_EQ(OrderView(out_trade_no_).at("state"), "NOTPAY");
  EXPECT_EQ(Pay().status, 409);
}

TEST_F(SimulatorTest, ValidatesFieldsAfterAuthentication) {
  json::object body = json::parse(NativeBody()).as_object();
  body["amount"] = json::object{{"total", 0}};
  http::ClientResponse zero = Signed("POST", "/v3/pay/transactions/native", json::serialize(body));
  EXPECT_EQ(zero.status, 400);
  EXPECT_EQ(Code(zero), "PARAM_ERROR");
  EXPECT_THAT(zero.body, HasSubstr("amount.total"));
  body = json::parse(NativeBody()).as_object();
  body["unknown_field"] = "x";
  http::ClientResponse unknown =
      Signed("POST", "/v3/pay/transactions/native", json::serialize(body));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("unknown_field"));
  body = json::parse(NativeBody()).as_object();
  body["appid"] = "wx0000000000000000";
  EXPECT_EQ(Code(Signed("POST", "/v3/pay/transactions/native", json::serialize(body))),
            "APPID_MCHID_NOT_MATCH");
}

// ---- notifications ---------------------------------------------------------------------------

TEST_F(SimulatorTest, PayDeliversAVerifiableEncryptedNotification) {
  ASSERT_EQ(Native().status, 200);
  http::ClientResponse paid = Pay();
  ASSERT_EQ(paid.status, 200) << paid.body;
  const std::string notification_id(json::parse(paid.body).at("notification_id").as_string());
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 1; }));
  const Received r = receiver_->All()[0];
  EXPECT_TRUE(r.verified.ok()) << r.verified;
  EXPECT_EQ(r.envelope_id, notification_id);
  ASSERT_TRUE(r.transaction.has_value());
  EXPECT_EQ(r.transaction->out_trade_no, out_trade_no_);
  EXPECT_EQ(r.transaction->trade_state, "SUCCESS");
  EXPECT_EQ(r.transaction->mchid, mchid_);
  EXPECT_EQ(r.transaction->appid, appid_);
  EXPECT_EQ(r.transaction->payer_openid, "oTestOpenid123");
  EXPECT_EQ(r.transaction->amount_total, 100);

  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 1; }));
  const json::object attempt = Notifications()[0].as_object();
  EXPECT_EQ(attempt.at("notification_id"), notification_id.c_str());
  EXPECT_EQ(attempt.at("attempt"), 1);
  EXPECT_EQ(attempt.at("kind"), "normal");
  EXPECT_EQ(attempt.at("status"), 204);
  EXPECT_EQ(attempt.at("acknowledged"), true);
  EXPECT_TRUE(attempt.at("latency_ms").is_int64());
  EXPECT_TRUE(attempt.at("at").is_string());
}

TEST_F(SimulatorTest, EnvelopeShapeFollowsTheProtocol) {
  ASSERT_EQ(Native().status, 200);
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 1; }));
  const Received r = receiver_->All()[0];
  ASSERT_TRUE(r.envelope.has_value());
  const wechatpay::Envelope& e = *r.envelope;
  EXPECT_THAT(e.id, ::testing::MatchesRegex(
                        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
  EXPECT_EQ(e.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(e.resource_type, "encrypt-resource");
  EXPECT_EQ(e.summary, "支付成功");
  EXPECT_THAT(e.create_time, ::testing::EndsWith("+08:00"));
  EXPECT_EQ(e.resource.algorithm, "AEAD_AES_256_GCM");
  EXPECT_EQ(e.resource.associated_data, "transaction");
  EXPECT_EQ(e.resource.original_type, "transaction");
  EXPECT_EQ(e.resource.nonce.size(), 12u);
  http::ClientResponse order = Control("GET", "/sim/orders/" + out_trade_no_);
  ASSERT_EQ(order.status, 200);
  EXPECT_EQ(json::parse(order.body).at("state"), "SUCCESS");
}

TEST_F(SimulatorTest, DuplicateSendsIdenticalCopiesWithOneId) {
  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("duplicate":2)");
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 3; }));
  std::vector<Received> all = receiver_->All();
  for (const Received& r : all) {
    EXPECT_TRUE(r.verified.ok()) << r.verified;
    EXPECT_EQ(r.envelope_id, all[0].envelope_id);
    EXPECT_EQ(r.signature, all[0].signature);
  }
  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 3; }));
  int duplicates = 0;
  for (const json::value& a : Notifications()) {
    duplicates += a.at("kind") == "duplicate";
    EXPECT_EQ(a.at("attempt"), 1);
  }
  EXPECT_EQ(duplicates, 2);
}

TEST_F(SimulatorTest, DroppedFirstAttemptIsRetriedAfterTheScaledInterval) {
  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("drop_first":1)");
  const auto paid_at = SteadyClock::now();
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 1; }));
  EXPECT_GE(receiver_->All()[0].at - paid_at, kFirstRetry);
  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 2; }));
  json::array attempts = Notifications();
  EXPECT_EQ(attempts[0].at("attempt"), 1);
  EXPECT_EQ(attempts[0].at("kind"), "dropped");
  EXPECT_EQ(attempts[0].at("status"), 0);
  EXPECT_EQ(attempts[0].at("acknowledged"), false);
  EXPECT_EQ(attempts[1].at("attempt"), 2);
  EXPECT_EQ(attempts[1].at("kind"), "normal");
  EXPECT_EQ(attempts[1].at("acknowledged"), true);
}

TEST_F(SimulatorTest, ServerErrorIsRetriedThenAcknowledged) {
  ASSERT_EQ(Native().status, 200);
  receiver_->FailNext(1);
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 2; }));
  std::vector<Received> all = receiver_->All();
  EXPECT_EQ(all[0].answered, 500);
  EXPECT_EQ(all[1].answered, 204);
  EXPECT_GE(all[1].at - all[0].at, kFirstRetry - 10ms);
  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 2; }));
  json::array attempts = Notifications();
  EXPECT_EQ(attempts[0].at("status"), 500);
  EXPECT_EQ(attempts[0].at("acknowledged"), false);
  EXPECT_EQ(attempts[1].at("status"), 204);
  EXPECT_EQ(attempts[1].at("acknowledged"), true);
}

TEST_F(SimulatorTest, SigntestProbeArrivesFirstAndCannotVerify) {
  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("signtest_probe":true)");
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 2; }));
  std::vector<Received> all = receiver_->All();
  EXPECT_THAT(all[0].signature, ::testing::StartsWith("WECHATPAY/SIGNTEST/"));
  EXPECT_FALSE(all[0].verified.ok());
  EXPECT_EQ(all[0].answered, 401);
  EXPECT_TRUE(all[1].verified.ok()) << all[1].verified;
  EXPECT_EQ(all[1].answered, 204);
  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 2; }));
  json::array attempts = Notifications();
  EXPECT_EQ(attempts[0].at("kind"), "probe");
  EXPECT_EQ(attempts[0].at("attempt"), 0);
  EXPECT_EQ(attempts[0].at("status"), 401);
  EXPECT_EQ(attempts[1].at("attempt"), 1);
  EXPECT_EQ(attempts[1].at("acknowledged"), true);
}

TEST_F(SimulatorTest, CorruptAndStaleSignaturesFailVerificationThenARetrySucceeds) {
  ASSERT_EQ(Native().status, 200);
  SetFaults(R"("corrupt_signature":1,"stale_timestamp":2)");
  ASSERT_EQ(Pay().status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver_->Count() == 3; }));
  std::vector<Received> all = receiver_->All();
  EXPECT_FALSE(all[0].verified.ok());  // corrupt
  EXPECT_FALSE(all[1].verified.ok());  // stale
  EXPECT_THAT(std::string(all[1].verified.message()), HasSubstr("timestamp"));
  EXPECT_TRUE(all[2].verified.ok()) << all[2].verified;
  ASSERT_TRUE(WaitFor([&] { return Notifications().size() == 3; }));
  json::array attempts = Notifications();
  EXPECT_EQ(attempts[0].at("kind"), "corrupt");
  EXPECT_EQ(attempts[1].at("kind"), "stale");
  EXPECT_EQ(attempts[2].at("kind"), "normal");
  EXPECT_EQ(attempts[2].at("acknowledged"), true);
}

TEST_F(SimulatorTest, ControlApiErrors) {
  EXPECT_EQ(Control("GET", "/sim/healthz").status, 200);
  EXPECT_EQ(Control("POST", "/sim/pay", R"({"out_trade_no":"NOSUCH0001"})").status, 404);
  EXPECT_EQ(Control("POST", "/sim/pay", R"({})").status, 400);
  EXPECT_EQ(Control("POST", "/sim/pay", "not json").status, 400);
  EXPECT_EQ(Control("POST", "/sim/faults", R"({"duplicate":-1})").status, 400);
  EXPECT_EQ(Control("GET", "/sim/orders/NOSUCH0001").status, 404);
  EXPECT_EQ(Control("GET", "/elsewhere").status, 404);
  // Paying by code_url works too.
  http::ClientResponse native = Native();
  ASSERT_EQ(native.status, 200);
  const std::string code_url(json::parse(native.body).at("code_url").as_string());
  http::ClientResponse paid =
      Control("POST", "/sim/pay", json::serialize(json::object{{"code_url", code_url}}));
  EXPECT_EQ(paid.status, 200) << paid.body;
}

// ---- the binary ------------------------------------------------------------------------------

TEST(WechatSimBinaryTest, ServesAndExitsCleanly) {
  const std::string dir = ::testing::TempDir() + "wechat_sim_bin_" + std::to_string(::getpid());
  absl::StatusOr<std::unique_ptr<testing::ChildProcess>> child = testing::ChildProcess::Start(
      std::string(PAYMESH_BIN_DIR) + "/wechat-sim", {},
      {{"SIM_STATE_DIR", dir}, {"SIM_LISTEN_ADDR", "127.0.0.1:0"}}, dir + ".log");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> line = (*child)->WaitForLogLine("\"msg\":\"serving\"", 30s);
  ASSERT_TRUE(line.ok()) << line.status();
  std::optional<int64_t> port = testing::IntField(*line, "http_port");
  ASSERT_TRUE(port.has_value()) << *line;
  EXPECT_GT(*port, 0);
  EXPECT_THAT(*line, ::testing::Not(HasSubstr("apiv3")));
  EXPECT_FALSE(ReadFile(dir + "/" + kApiV3KeyFile).empty());
  (*child)->Terminate();
  EXPECT_EQ((*child)->ExitCode(), 0);

  // Bad configuration: every problem on stderr, exit 2.
  absl::StatusOr<std::unique_ptr<testing::ChildProcess>> bad =
      testing::ChildProcess::Start(std::string(PAYMESH_BIN_DIR) + "/wechat-sim", {},
                                   {{"SIM_TIME_SCALE", "fast"}}, dir + "_bad.log");
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(WaitFor([&] { return !(*bad)->Running(); }));
  EXPECT_EQ((*bad)->ExitCode(), 2);
  EXPECT_THAT((*bad)->LogTail(), HasSubstr("SIM_STATE_DIR"));
  EXPECT_THAT((*bad)->LogTail(), HasSubstr("SIM_TIME_SCALE"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::remove(dir + ".log", ignored);
  std::filesystem::remove(dir + "_bad.log", ignored);
}

// ---- the Official Account and mini program side ------------------------------------------------

json::object Object(const http::ClientResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body;
  return v.is_object() ? v.as_object() : json::object{};
}

TEST_F(SimulatorTest, WebOauthRedirectsWithACodeThatBuysOneUserToken) {
  const std::string secret = ReadFile(*state_dir_ + "/" + kAppSecretFile);
  ASSERT_EQ(
      Control("POST", "/sim/oauth/users",
              R"({"openid":"oWEB1","unionid":"uWEB1","nickname":"小明","avatar":"https://a/0"})")
          .status,
      200);
  http::ClientResponse page =
      Control("GET", "/connect/oauth2/authorize?appid=" + appid_ +
                         "&redirect_uri=https%3A%2F%2Fshop.example%2Fcb%3Fx%3D1&response_type=code"
                         "&scope=snsapi_userinfo&state=abc123");
  ASSERT_EQ(page.status, 302) << page.body;
  const std::string location(page.Header("Location"));
  ASSERT_EQ(location.rfind("https://shop.example/cb?x=1&code=", 0), 0u) << location;
  EXPECT_NE(location.find("&state=abc123"), std::string::npos);
  const std::string code = location.substr(location.find("code=") + 5, 32);

  json::object token =
      Object(Control("GET", "/sns/oauth2/access_token?appid=" + appid_ + "&secret=" + secret +
                                "&code=" + code + "&grant_type=authorization_code"));
  ASSERT_TRUE(token.contains("access_token")) << json::serialize(token);
  EXPECT_EQ(token.at("openid").as_string(), "oWEB1");
  EXPECT_EQ(token.at("unionid").as_string(), "uWEB1");
  EXPECT_EQ(token.at("scope").as_string(), "snsapi_userinfo");
  json::object again =
      Object(Control("GET", "/sns/oauth2/access_token?appid=" + appid_ + "&secret=" + secret +
                                "&code=" + code + "&grant_type=authorization_code"));
  EXPECT_EQ(again.at("errcode").as_int64(), 40163);
  json::object info = Object(Control(
      "GET", "/sns/userinfo?access_token=" + std::string(token.at("access_token").as_string()) +
                 "&openid=oWEB1&lang=zh_CN"));
  EXPECT_EQ(info.at("nickname").as_string(), "小明");

  for (const char* bad : {"&scope=snsapi_login", "&scope="}) {
    http::ClientResponse refused =
        Control("GET", "/connect/oauth2/authorize?appid=" + appid_ +
                           "&redirect_uri=https%3A%2F%2Fshop.example%2Fcb&response_type=code" +
                           bad + "&state=s");
    EXPECT_EQ(refused.status, 400) << bad;
  }
  json::object wrong_secret = Object(Control(
      "GET", "/sns/oauth2/access_token?appid=" + appid_ +
                 "&secret=00000000000000000000000000000000&code=x&grant_type=authorization_code"));
  EXPECT_EQ(wrong_secret.at("errcode").as_int64(), 40125);
}

TEST_F(SimulatorTest, MiniProgramCodesTokensTicketsAndCounters) {
  const std::string mp_appid = ReadFile(*state_dir_ + "/" + kMiniProgramAppidFile);
  const std::string mp_secret = ReadFile(*state_dir_ + "/" + kMiniProgramSecretFile);
  const std::string secret = ReadFile(*state_dir_ + "/" + kAppSecretFile);
  ASSERT_EQ(Control("DELETE", "/sim/wechat/counters").status, 204);
  json::object minted = Object(Control("POST", "/sim/miniprogram/code", R"({"openid":"oMP9"})"));
  const std::string code(minted.at("code").as_string());
  json::object session =
      Object(Control("GET", "/sns/jscode2session?appid=" + mp_appid + "&secret=" + mp_secret +
                                "&js_code=" + code + "&grant_type=authorization_code"));
  EXPECT_EQ(session.at("openid").as_string(), "oMP9");
  EXPECT_TRUE(session.contains("session_key"));

  json::object stable =
      Object(Control("POST", "/cgi-bin/stable_token",
                     R"({"grant_type":"client_credential","appid":")" + appid_ + R"(","secret":")" +
                         secret + R"(","force_refresh":false})"));
  ASSERT_TRUE(stable.contains("access_token")) << json::serialize(stable);
  const std::string token(stable.at("access_token").as_string());
  json::object ticket =
      Object(Control("GET", "/cgi-bin/ticket/getticket?access_token=" + token + "&type=jsapi"));
  EXPECT_EQ(ticket.at("errcode").as_int64(), 0);
  json::object listed = Object(Control("GET", "/sim/wechat/tokens"));
  EXPECT_EQ(listed.at(appid_).at("access_token").as_string(), token);
  EXPECT_EQ(listed.at(appid_).at("jsapi_ticket").as_string(), ticket.at("ticket").as_string());
  json::object bad =
      Object(Control("GET", "/cgi-bin/ticket/getticket?access_token=forged&type=jsapi"));
  EXPECT_EQ(bad.at("errcode").as_int64(), 40001);
  json::object counters = Object(Control("GET", "/sim/wechat/counters"));
  EXPECT_EQ(counters.at("cgi-bin/stable_token").as_int64(), 1);
  EXPECT_EQ(counters.at("cgi-bin/ticket/getticket").as_int64(), 2);
  EXPECT_EQ(counters.at("sns/jscode2session").as_int64(), 1);

  ASSERT_EQ(Control("POST", "/sim/sms", R"({"mobile":"13800138000","text":"code 123456"})").status,
            204);
  http::ClientResponse sms = Control("GET", "/sim/sms?mobile=13800138000");
  EXPECT_NE(sms.body.find("code 123456"), std::string::npos) << sms.body;
}

}  // namespace
}  // namespace paymesh::wechatsim
