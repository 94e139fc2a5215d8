// The real WeChat Pay client and notification path against the real simulator (loopback HTTP):
// our signatures are accepted by an independent verifier, its signatures (responses, the 204 of
// close, notifications) by ours, and its faults are refused before anything reaches order.
// Order is the in-memory fake; the gateway is a tiny HTTP server that hands the raw bytes to the
// logic, answering as the gateway does (204, 4xx, 5xx).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/redis/client.h"
#include "services/payment/logic.h"
#include "services/payment/platform_certs.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/wechat_client.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

#ifndef PAYMESH_BIN_DIR
#error "PAYMESH_BIN_DIR must name the directory holding the binaries"
#endif

namespace paymesh::payment {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

// One simulator (WeChat's retry ladder at 1/100 speed) and one notify endpoint for the suite.
class WechatSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = (std::filesystem::temp_directory_path() / "paymesh-pay-sim-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    state_dir_ = new std::filesystem::path(dir);

    notify_server_ =
        new http::Server({}, [](http::Request& req) -> boost::asio::awaitable<http::Response> {
          co_return Deliver(req);
        });
    absl::StatusOr<int> notify_port = notify_server_->Start("127.0.0.1:0");
    ASSERT_TRUE(notify_port.ok()) << notify_port.status();
    notify_url_ =
        new std::string("http://127.0.0.1:" + std::to_string(*notify_port) + "/wechat/notify/pay");

    auto sim =
        paymesh::testing::ChildProcess::Start(std::string(PAYMESH_BIN_DIR) + "/wechat-sim", {},
                                              {{"SIM_STATE_DIR", dir + "/state"},
                                               {"SIM_LISTEN_ADDR", "127.0.0.1:0"},
                                               {"SIM_TIME_SCALE", "0.01"},
                                               {"LOG_LEVEL", "info"}},
                                              dir + "/sim.log");
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = sim->release();
    absl::StatusOr<std::string> line = sim_->WaitForLogLine(R"("msg":"serving")", seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    std::optional<int64_t> port = paymesh::testing::IntField(*line, "http_port");
    ASSERT_TRUE(port.has_value());
    sim_url_ = new std::string("http://127.0.0.1:" + std::to_string(*port));

    auto client = http::Client::Create(
        {.ca_file = "", .allow_insecure = true, .timeout = milliseconds(5000)});
    ASSERT_TRUE(client.ok()) << client.status();
    http_ = client->release();
  }

  static void TearDownTestSuite() {
    if (sim_ != nullptr) sim_->Terminate();
    if (notify_server_ != nullptr) notify_server_->Stop();
    delete sim_;
    delete notify_server_;
    delete http_;
    if (state_dir_ != nullptr) std::filesystem::remove_all(*state_dir_);
    delete state_dir_;
    delete sim_url_;
    delete notify_url_;
  }

  // What the gateway does with /wechat/notify/pay, minus the gRPC hop.
  static http::Response Deliver(const http::Request& req) {
    PaymentLogic* logic = current_logic_.load();
    if (logic == nullptr) return http::Response::Json(503, R"({"code":"FAIL","message":"down"})");
    NotificationHeaders headers;
    for (const auto& [k, v] : req.headers) headers[k] = v;
    std::promise<NotificationAnswer> answer;
    logic->HandleNotification("pay", headers, req.body, "",
                              [&answer](NotificationAnswer a) { answer.set_value(std::move(a)); });
    const NotificationAnswer a = answer.get_future().get();
    if (a.verdict == Verdict::kAck) return http::Response::Text(204, "");
    const int status = a.verdict != Verdict::kReject                  ? 503
                       : a.reject_reason == RejectReason::kUnverified ? 401
                                                                      : 400;
    return http::Response::Json(status, R"({"code":"FAIL","message":"refused"})");
  }

  void SetUp() override {
    ASSERT_NE(sim_, nullptr);
    const std::filesystem::path state = *state_dir_ / "state";
    mchid_ = ReadFile(state / "mchid");
    appid_ = ReadFile(state / "appid");
    key_id_ = ReadFile(state / "platform_public_key_id");
    absl::StatusOr<crypto::RsaPublicKey> platform =
        crypto::RsaPublicKey::FromPem(ReadFile(state / "platform_public_key.pem"));
    ASSERT_TRUE(platform.ok());
    verifier_.AddKey(key_id_, *platform);
    absl::StatusOr<crypto::RsaPrivateKey> merchant =
        crypto::RsaPrivateKey::FromPem(ReadFile(state / "merchant_private_key.pem"));
    ASSERT_TRUE(merchant.ok());
    merchant_key_ = std::make_unique<crypto::RsaPrivateKey>(*merchant);
    transport_ = std::make_unique<http::ClientTransport>(*http_);
    wechat_ = MakeClient(*merchant_key_, verifier_);
    logic_ =
        std::make_unique<PaymentLogic>(PaymentSettings{.appid = appid_,
                                                       .mchid = mchid_,
                                                       .notify_url = *notify_url_,
                                                       .apiv3_key = ReadFile(state / "apiv3_key")},
                                       orders_, *wechat_, verifier_, time::SystemClock());
    current_logic_.store(logic_.get());

    out_trade_no_ = paymesh::testing::UniqueName("PM");
    Order order;
    order.id = "ord-" + out_trade_no_;
    order.user_id = "user-1";
    order.out_trade_no = out_trade_no_;
    order.state = OrderState::kCreated;
    order.total_fen = 1;
    order.currency = "CNY";
    order.description = "paymesh sim test";
    order.created_at = time::SystemClock().Now();
    order.expires_at = std::chrono::floor<seconds>(order.created_at) + seconds(1800);
    orders_.PutOrder(order);
  }

  void TearDown() override {
    current_logic_.store(nullptr);
    Control("DELETE", "/sim/faults", "");
  }

  std::unique_ptr<WechatPayClient> MakeClient(const crypto::RsaPrivateKey& key,
                                              const wechatpay::Verifier& verifier) {
    return std::make_unique<WechatPayClient>(
        WechatClientOptions{.base_url = *sim_url_,
                            .mchid = mchid_,
                            .merchant_serial = ReadFile(*state_dir_ / "state" / "merchant_serial"),
                            .timeout = milliseconds(3000)},
        key, verifier, *transport_, time::SystemClock());
  }

  PrepayRequest Prepay(int64_t total = 1) {
    PrepayRequest r;
    r.appid = appid_;
    r.mchid = mchid_;
    r.description = "paymesh sim test";
    r.out_trade_no = out_trade_no_;
    r.time_expire = TimeExpireOf(*orders_.GetOrder("ord-" + out_trade_no_));
    r.notify_url = *notify_url_;
    r.amount_total = total;
    return r;
  }

  // The simulator's control API.
  static http::ClientResponse Control(const std::string& method, const std::string& path,
                                      const std::string& body) {
    http::ClientRequest req;
    req.method = method;
    req.url = *sim_url_ + path;
    req.body = body;
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    absl::StatusOr<http::ClientResponse> resp = http_->Send(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : http::ClientResponse{};
  }

  // (kind, HTTP status) of every delivery attempt of this order so far, oldest first.
  std::vector<std::pair<std::string, int64_t>> Deliveries() {
    http::ClientResponse r = Control("GET", "/sim/notifications?out_trade_no=" + out_trade_no_, "");
    std::vector<std::pair<std::string, int64_t>> out;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.body, ec);
    if (ec || !v.is_array()) return out;
    for (const boost::json::value& a : v.get_array()) {
      const boost::json::object& o = a.as_object();
      out.emplace_back(std::string(o.at("kind").as_string()), o.at("status").to_number<int64_t>());
    }
    return out;
  }

  bool OrderPaid() { return orders_.GetOrder("ord-" + out_trade_no_)->state == OrderState::kPaid; }

  static inline std::filesystem::path* state_dir_ = nullptr;
  static inline paymesh::testing::ChildProcess* sim_ = nullptr;
  static inline std::string* sim_url_ = nullptr;
  static inline std::string* notify_url_ = nullptr;
  static inline http::Server* notify_server_ = nullptr;
  static inline http::Client* http_ = nullptr;
  static inline std::atomic<PaymentLogic*> current_logic_{nullptr};

  std::string mchid_, appid_, key_id_, out_trade_no_;
  wechatpay::Verifier verifier_;
  std::unique_ptr<crypto::RsaPrivateKey> merchant_key_;
  std::unique_ptr<http::ClientTransport> transport_;
  std::unique_ptr<WechatPayClient> wechat_;
  payment::testing::FakeOrderApi orders_;
  std::unique_ptr<PaymentLogic> logic_;
};

TEST_F(WechatSimTest, PrepayReentryAndQuery) {
  absl::StatusOr<PrepayAnswer> first = wechat_->CreatePrepay(Prepay());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->code_url.rfind("weixin://wxpay/bizpayurl?pr=", 0), 0u) << first->code_url;

  absl::StatusOr<PrepayAnswer> again = wechat_->CreatePrepay(Prepay());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->code_url, first->code_url);

  absl::StatusOr<PrepayAnswer> changed = wechat_->CreatePrepay(Prepay(2));
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.status().code(), absl::StatusCode::kUnavailable) << changed.status();

  absl::StatusOr<wechatpay::Transaction> tx = wechat_->QueryByOutTradeNo(out_trade_no_);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ(tx->trade_state, "NOTPAY");
  EXPECT_EQ(tx->out_trade_no, out_trade_no_);

  EXPECT_EQ(wechat_->QueryByOutTradeNo(paymesh::testing::UniqueName("PMX")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(WechatSimTest, CloseIsVerifiedOverTheEmpty204) {
  ASSERT_TRUE(wechat_->CreatePrepay(Prepay()).ok());
  absl::Status closed = wechat_->Close(out_trade_no_);
  ASSERT_TRUE(closed.ok()) << closed;
  EXPECT_EQ(wechat_->QueryByOutTradeNo(out_trade_no_)->trade_state, "CLOSED");
}

TEST_F(WechatSimTest, PaidThroughTheSignedEncryptedNotification) {
  absl::StatusOr<CreatePaymentResult> pay =
      logic_->CreatePayment({"user-1", "ord-" + out_trade_no_, Channel::kNative, "127.0.0.1"});
  ASSERT_TRUE(pay.ok()) << pay.status();
  http::ClientResponse paid =
      Control("POST", "/sim/pay", R"({"code_url":")" + pay->code_url + R"("})");
  ASSERT_EQ(paid.status, 200) << paid.body;

  ASSERT_TRUE(Eventually([&] { return OrderPaid(); }, seconds(10)));
  std::vector<ApplyPaymentInput> applied = orders_.apply_calls();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].source, ReportSource::kNotification);
  EXPECT_EQ(applied[0].transaction.out_trade_no, out_trade_no_);
  EXPECT_EQ(applied[0].transaction.amount_total, 1);
  EXPECT_FALSE(applied[0].transaction.transaction_id.empty());

  absl::StatusOr<QueryPaymentResult> query = logic_->QueryPayment("user-1", "ord-" + out_trade_no_);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->trade_state, "SUCCESS");
  EXPECT_EQ(query->outcome, PaymentOutcome::kDuplicate);

  EXPECT_EQ(wechat_->Close(out_trade_no_).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WechatSimTest, ProbeCorruptAndStaleDeliveriesAreRefusedUntilAGoodOne) {
  // Attempt 1 carries a corrupted signature, attempt 2 a timestamp 600 s old, each with two
  // duplicates; a SIGNTEST probe goes first.
  http::ClientResponse set = Control(
      "POST", "/sim/faults",
      R"({"out_trade_no":")" + out_trade_no_ +
          R"(","signtest_probe":true,"corrupt_signature":1,"stale_timestamp":2,"duplicate":2})");
  ASSERT_EQ(set.status, 200) << set.body;
  ASSERT_TRUE(wechat_->CreatePrepay(Prepay()).ok());
  ASSERT_EQ(Control("POST", "/sim/pay", R"({"out_trade_no":")" + out_trade_no_ + R"("})").status,
            200);

  ASSERT_TRUE(Eventually([&] { return OrderPaid(); }, seconds(15)));
  // Only verified deliveries reached order.
  std::vector<ApplyPaymentInput> applied = orders_.apply_calls();
  ASSERT_GE(applied.size(), 1u);
  for (const ApplyPaymentInput& a : applied) {
    EXPECT_EQ(a.notification_id, applied[0].notification_id);
  }
  std::vector<std::pair<std::string, int64_t>> deliveries;
  ASSERT_TRUE(Eventually(
      [&] {
        deliveries = Deliveries();
        return !deliveries.empty() && deliveries.back().second == 204;
      },
      seconds(5)));
  std::map<std::string, std::set<int64_t>> statuses_by_kind;
  for (const auto& [kind, status] : deliveries) statuses_by_kind[kind].insert(status);
  EXPECT_EQ(statuses_by_kind["probe"], std::set<int64_t>{401});
  EXPECT_EQ(statuses_by_kind["corrupt"], std::set<int64_t>{401});
  EXPECT_EQ(statuses_by_kind["stale"], std::set<int64_t>{401});
  EXPECT_EQ(statuses_by_kind["normal"], std::set<int64_t>{204});
}

TEST_F(WechatSimTest, QueryServerErrorsAreRetriedThenUnavailable) {
  ASSERT_TRUE(wechat_->CreatePrepay(Prepay()).ok());
  ASSERT_EQ(Control("POST", "/sim/faults",
                    R"({"out_trade_no":")" + out_trade_no_ + R"(","query_500":true})")
                .status,
            200);
  EXPECT_EQ(wechat_->QueryByOutTradeNo(out_trade_no_).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(WechatSimTest, WrongMerchantKeyIsOurFault) {
  const crypto::RsaPrivateKey stranger = crypto::RsaPrivateKey::Generate(2048);
  std::unique_ptr<WechatPayClient> client = MakeClient(stranger, verifier_);
  EXPECT_EQ(client->CreatePrepay(Prepay()).status().code(), absl::StatusCode::kInternal);
}

TEST_F(WechatSimTest, AnswersSignedByAnotherKeyAreNotTrusted) {
  wechatpay::Verifier wrong;
  wrong.AddKey(key_id_, crypto::RsaPrivateKey::Generate(2048).PublicKey());
  std::unique_ptr<WechatPayClient> client = MakeClient(*merchant_key_, wrong);
  absl::StatusOr<PrepayAnswer> r = client->CreatePrepay(Prepay());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "response signature did not verify");
}

// Certificate mode over real HTTP and a real Redis: the simulator's /v3/certificates downloaded
// and checked; a second replica adopts the shared answer without downloading; after a rotation
// the new serial is fetched by one replica and adopted by the other; answers signed by the new
// certificate verify.
TEST_F(WechatSimTest, PlatformCertificatesThroughTheSimulatorAndRedis) {
  class Counting final : public CertificateSource {
   public:
    explicit Counting(WechatPayClient& client) : client_(client) {}
    absl::StatusOr<SignedAnswer> DownloadCertificates() override {
      ++downloads;
      return client_.DownloadCertificates();
    }
    int downloads = 0;

   private:
    WechatPayClient& client_;
  };
  ASSERT_EQ(Control("POST", "/sim/platform", R"({"mode":"cert"})").status, 200);
  redis::Client redis(*redis::ParseUrl(paymesh::testing::RedisUrl()));
  RedisCertificateCache cache(redis, paymesh::testing::UniqueName("paymesh:test:platform-certs:"),
                              seconds(60));
  const PlatformCertificatesOptions options{
      .apiv3_key = ReadFile(*state_dir_ / "state" / "apiv3_key"),
      .refresh_interval = seconds(3600)};

  wechatpay::Verifier first_keys, second_keys;
  std::unique_ptr<WechatPayClient> first_client = MakeClient(*merchant_key_, first_keys);
  std::unique_ptr<WechatPayClient> second_client = MakeClient(*merchant_key_, second_keys);
  Counting first_source(*first_client), second_source(*second_client);
  PlatformCertificates first(options, first_source, &cache, first_keys, time::SystemClock());
  PlatformCertificates second(options, second_source, &cache, second_keys, time::SystemClock());

  ASSERT_TRUE(first.Refresh("").ok());
  const std::string serial = first_keys.PreferredSerial();
  EXPECT_EQ(serial.size(), 40u);
  EXPECT_EQ(first_source.downloads, 1);
  ASSERT_TRUE(first_client->CreatePrepay(Prepay()).ok());  // answered under the certificate
  ASSERT_TRUE(second.Refresh("").ok());
  EXPECT_EQ(second_source.downloads, 0);  // adopted from Redis
  EXPECT_EQ(second_keys.PreferredSerial(), serial);

  http::ClientResponse rotated =
      Control("POST", "/sim/platform/rotate", R"({"overlap_seconds":60})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string next;
  const boost::json::value state = boost::json::parse(rotated.body);
  for (const auto& c : state.at("certificates").as_array()) {
    if (c.at("signing").as_bool()) next = std::string(c.at("serial").as_string());
  }
  ASSERT_NE(next, serial);
  ASSERT_TRUE(second.Refresh(next).ok());
  EXPECT_EQ(second_source.downloads, 1);
  ASSERT_TRUE(first.Refresh(next).ok());
  EXPECT_EQ(first_source.downloads, 1);  // the other replica's download, adopted
  EXPECT_TRUE(first_keys.HasKey(next));
  EXPECT_TRUE(first_keys.HasKey(serial));  // still listed during the overlap
  EXPECT_TRUE(first_client->QueryByOutTradeNo(out_trade_no_).ok());
  ASSERT_EQ(Control("POST", "/sim/platform", R"({"mode":"pubkey"})").status, 200);
}

}  // namespace
}  // namespace paymesh::payment
