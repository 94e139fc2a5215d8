// Produces and checks the vectors of the Node cross-check (crosscheck.js):
//
//   wechatpay-vectors emit  STATE_DIR OUT.json   — runs our payment client against our simulator
//       (in-process, over loopback HTTP) and records: the signed requests the client sent, the
//       signed responses the simulator answered (incl. the 204 of close), and one notification the
//       simulator delivered, plus the public material needed to check them.
//   wechatpay-vectors check STATE_DIR NODE.json  — feeds a notification made by the Node plugin
//       through the payment service's own notification path; exit 0 only if it is accepted and
//       the decrypted transaction reaches order intact, and a tampered copy is refused.

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "common/crypto/crypto.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/http/transport.h"
#include "services/payment/logic.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/testing/fake_wechat_api.h"
#include "services/payment/wechat_client.h"
#include "tools/wechat-sim/keys.h"
#include "tools/wechat-sim/simulator.h"

namespace paymesh::crosscheck {
namespace {

namespace json = boost::json;
constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wx8888888888888888";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::object HeadersJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  json::object out;
  for (const auto& [k, v] : headers) out[k] = v;
  return out;
}

// Records every exchange the payment client makes while passing it to the real transport.
class RecordingTransport final : public http::Transport {
 public:
  explicit RecordingTransport(http::Transport& inner) : inner_(inner) {}
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) override {
    auto response = inner_.Send(request);
    if (response.ok()) exchanges.push_back({request, *response});
    return response;
  }
  std::vector<std::pair<http::ClientRequest, http::ClientResponse>> exchanges;

 private:
  http::Transport& inner_;
};

int Fail(const std::string& what) {
  std::cerr << "wechatpay-vectors: " << what << "\n";
  return 1;
}

int Emit(const std::string& state_dir, const std::string& out_path) {
  wechatsim::SimConfig cfg;
  cfg.listen_addr = "127.0.0.1:0";
  cfg.state_dir = state_dir;
  cfg.time_scale = 0.01;
  auto sim = wechatsim::Simulator::Create(cfg);
  if (!sim.ok()) return Fail(sim.status().ToString());
  auto sim_port = (*sim)->Start();
  if (!sim_port.ok()) return Fail(sim_port.status().ToString());

  // A stand-in for the gateway that keeps the first notification delivered to it.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<http::Request> delivered;
  http::Server receiver({}, [&](http::Request& req) -> boost::asio::awaitable<http::Response> {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!delivered) delivered = req;
    }
    cv.notify_all();
    co_return http::Response::Text(204, "");
  });
  auto receiver_port = receiver.Start("127.0.0.1:0");
  if (!receiver_port.ok()) return Fail(receiver_port.status().ToString());

  const wechatsim::SimKeys& keys = (*sim)->keys();
  wechatpay::Verifier verifier;
  verifier.AddKey(keys.platform_key_id, keys.platform_key.PublicKey());
  auto merchant_key = crypto::RsaPrivateKey::FromPem(
      ReadFile(state_dir + "/" + wechatsim::kMerchantPrivateKeyFile));
  if (!merchant_key.ok()) return Fail(merchant_key.status().ToString());
  auto client = http::Client::Create({.allow_insecure = true});
  if (!client.ok()) return Fail(client.status().ToString());
  http::ClientTransport real(**client);
  RecordingTransport recording(real);
  payment::WechatPayClient wechat({.base_url = "http://127.0.0.1:" + std::to_string(*sim_port),
                                   .mchid = kMchid,
                                   .merchant_serial = keys.merchant_serial},
                                  *merchant_key, verifier, recording, time::SystemClock());

  const std::string paid_no = "PMCROSS" + crypto::RandomAlnum(16);
  const std::string closed_no = "PMCROSS" + crypto::RandomAlnum(16);
  const std::string notify_url = "http://127.0.0.1:" + std::to_string(*receiver_port) + "/notify";
  for (const std::string& no : {paid_no, closed_no}) {
    auto prepay = wechat.CreatePrepay({.appid = kAppid,
                                       .mchid = kMchid,
                                       .description = "Cross-check 校验",
                                       .out_trade_no = no,
                                       .time_expire = "2099-01-01T08:00:00+08:00",
                                       .notify_url = notify_url,
                                       .amount_total = 1234});
    if (!prepay.ok()) return Fail("CreatePrepay: " + prepay.status().ToString());
  }
  if (auto tx = wechat.QueryByOutTradeNo(paid_no); !tx.ok()) return Fail(tx.status().ToString());
  if (auto st = wechat.Close(closed_no); !st.ok()) return Fail("Close: " + st.ToString());

  auto paid = (*client)->Send({.method = "POST",
                               .url = "http://127.0.0.1:" + std::to_string(*sim_port) + "/sim/pay",
                               .headers = {{"Content-Type", "application/json"}},
                               .body = json::serialize(json::object{{"out_trade_no", paid_no}})});
  if (!paid.ok() || paid->status != 200) return Fail("/sim/pay failed");
  {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return delivered.has_value(); })) {
      return Fail("no notification delivered within 10 s");
    }
  }

  json::array requests, responses;
  const char* names[] = {"native", "native-2", "query", "close"};
  for (size_t i = 0; i < recording.exchanges.size() && i < 4; ++i) {
    const auto& [req, res] = recording.exchanges[i];
    auto url = http::ParseUrl(req.url);
    std::string authorization;
    for (const auto& [k, v] : req.headers) {
      if (k == "Authorization") authorization = v;
    }
    requests.push_back(json::object{{"name", names[i]},
                                    {"method", req.method},
                                    {"target", url->target},
                                    {"body", req.body},
                                    {"authorization", authorization}});
    responses.push_back(
        json::object{{"name", std::string(names[i]) + " response " + std::to_string(res.status)},
                     {"headers", HeadersJson(res.headers)},
                     {"body", res.body}});
  }
  json::object vectors{{"mchid", kMchid},
                       {"appid", kAppid},
                       {"merchant_serial", keys.merchant_serial},
                       {"merchant_public_key_pem", keys.merchant_public_key.ToPem()},
                       {"platform_public_key_id", keys.platform_key_id},
                       {"platform_public_key_pem", keys.platform_key.PublicKey().ToPem()},
                       {"platform_private_key_pem", keys.platform_key.ToPem()},
                       {"apiv3_key", keys.apiv3_key},
                       {"requests", requests},
                       {"responses", responses},
                       {"notification", json::object{{"headers", HeadersJson(delivered->headers)},
                                                     {"body", delivered->body},
                                                     {"out_trade_no", paid_no},
                                                     {"amount_total", 1234}}}};
  std::ofstream(out_path) << json::serialize(vectors);
  receiver.Stop();
  (*sim)->Stop();
  std::cout << "emitted " << requests.size() << " requests, " << responses.size()
            << " responses and 1 notification\n";
  return 0;
}

int Check(const std::string& state_dir, const std::string& in_path) {
  auto keys = wechatsim::LoadOrCreateKeys(state_dir, kMchid, kAppid, "wx7777777777777777");
  if (!keys.ok()) return Fail(keys.status().ToString());
  json::value produced = json::parse(ReadFile(in_path));
  const json::object& tx = produced.at("transaction").as_object();

  payment::testing::FakeOrderApi orders;
  payment::testing::FakeWechatPayApi wechat;
  payment::Order order;
  order.id = "00000000-0000-4000-8000-000000000001";
  order.user_id = "u1";
  order.out_trade_no = std::string(tx.at("out_trade_no").as_string());
  order.state = payment::OrderState::kPaying;
  order.total_fen = tx.at("amount").at("total").as_int64();
  order.currency = "CNY";
  order.created_at = time::SystemClock().Now();
  orders.PutOrder(order);
  wechatpay::Verifier verifier;
  verifier.AddKey(keys->platform_key_id, keys->platform_key.PublicKey());
  payment::PaymentLogic logic(
      {.appid = kAppid, .mchid = kMchid, .notify_url = "https://x/n", .apiv3_key = keys->apiv3_key},
      orders, wechat, verifier, time::SystemClock());
  const auto handle = [&logic](const payment::NotificationHeaders& headers,
                               const std::string& body) {
    payment::NotificationAnswer answer;
    logic.HandleNotification("pay", headers, body, "",
                             [&answer](payment::NotificationAnswer a) { answer = std::move(a); });
    return answer;  // the fake order API answers inline
  };

  payment::NotificationHeaders headers;
  for (const auto& [k, v] : produced.at("headers").as_object()) {
    headers[std::string(k)] = std::string(v.as_string());
  }
  const std::string body(produced.at("body").as_string());
  const payment::NotificationAnswer tampered = handle(headers, body + " ");
  if (tampered.verdict != payment::Verdict::kReject ||
      tampered.reject_reason != payment::RejectReason::kUnverified) {
    return Fail("a tampered Node notification was not refused");
  }
  const payment::NotificationAnswer result = handle(headers, body);
  if (result.verdict != payment::Verdict::kAck) {
    return Fail("Node notification refused: " + result.fail_message);
  }
  auto calls = orders.apply_calls();
  if (result.outcome != payment::PaymentOutcome::kApplied || calls.size() != 1 ||
      calls[0].transaction.transaction_id != std::string(tx.at("transaction_id").as_string()) ||
      calls[0].transaction.amount_total != order.total_fen) {
    return Fail(std::string("Node notification did not reach order intact (outcome ") +
                payment::OutcomeName(result.outcome) + ")");
  }
  std::cout << "ok   Node notification accepted and applied; tampered copy refused\n";
  return 0;
}

}  // namespace
}  // namespace paymesh::crosscheck

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "emit")
    return paymesh::crosscheck::Emit(argv[2], argv[3]);
  if (argc == 4 && std::string(argv[1]) == "check") {
    return paymesh::crosscheck::Check(argv[2], argv[3]);
  }
  std::cerr << "usage: wechatpay-vectors emit|check STATE_DIR FILE.json\n";
  return 2;
}
