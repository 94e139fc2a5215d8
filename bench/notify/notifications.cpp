#include "bench/notify/notifications.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"

namespace paymesh::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& dir, const std::string& name, bool trim) {
  const std::string path = dir + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string out = std::move(text).str();
  if (trim) {
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
      out.pop_back();
    }
  }
  if (out.empty()) return absl::InvalidArgumentError(path + " is empty");
  return out;
}

std::string NotificationId() {
  const std::string hex = crypto::HexLower(crypto::RandomBytes(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

// "4200" + 24 digits like WeChat's: the run's start second, the order's index and random digits,
// so ids are distinct within a run and across runs.
std::string TransactionId(int64_t now_unix, size_t index) {
  char buf[32];
  const unsigned random = static_cast<unsigned char>(crypto::RandomBytes(1)[0]);
  std::snprintf(buf, sizeof(buf), "4200%010lld%07zu%07u", static_cast<long long>(now_unix),
                index % 10000000, random);
  return buf;
}

wechatpay::Transaction PaidTransaction(const WechatIdentity& wechat, const PlacedOrder& order,
                                       int64_t now_unix, size_t index) {
  wechatpay::Transaction t;
  t.appid = wechat.appid;
  t.mchid = wechat.mchid;
  t.out_trade_no = order.out_trade_no;
  t.transaction_id = TransactionId(now_unix, index);
  t.trade_type = "NATIVE";
  t.trade_state = "SUCCESS";
  t.trade_state_desc = "支付成功";
  t.bank_type = "OTHERS";
  t.success_time = time::FormatChina(std::chrono::system_clock::from_time_t(now_unix));
  t.payer_openid = "obench" + crypto::RandomAlnum(22);
  t.amount_total = order.total_fen;
  t.amount_payer_total = order.total_fen;
  t.currency = "CNY";
  t.payer_currency = "CNY";
  return t;
}

}  // namespace

absl::StatusOr<WechatIdentity> LoadSimIdentity(const std::string& state_dir) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(state_dir, "platform_private_key.pem", false));
  absl::StatusOr<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::FromPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        state_dir + "/platform_private_key.pem: " + std::string(key.status().message()));
  }
  WechatIdentity id{*std::move(key), "", "", "", ""};
  ASSIGN_OR_RETURN(id.platform_key_id, ReadFile(state_dir, "platform_public_key_id", true));
  ASSIGN_OR_RETURN(id.apiv3_key, ReadFile(state_dir, "apiv3_key", true));
  ASSIGN_OR_RETURN(id.mchid, ReadFile(state_dir, "mchid", true));
  ASSIGN_OR_RETURN(id.appid, ReadFile(state_dir, "appid", true));
  if (id.apiv3_key.size() != wechatpay::kApiV3KeyBytes) {
    return absl::InvalidArgumentError(state_dir + "/apiv3_key must be 32 characters");
  }
  return id;
}

absl::StatusOr<std::vector<Exchange>> BuildNotifications(const WechatIdentity& wechat,
                                                         const std::vector<PlacedOrder>& orders,
                                                         const std::string& target,
                                                         int64_t now_unix) {
  std::vector<Exchange> out;
  out.reserve(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    const std::string plaintext =
        wechatpay::SerializeTransaction(PaidTransaction(wechat, orders[i], now_unix, i));
    ASSIGN_OR_RETURN(
        wechatpay::Resource resource,
        wechatpay::EncryptResource(plaintext, wechat.apiv3_key, "transaction", "transaction"));
    wechatpay::Envelope envelope;
    envelope.id = NotificationId();
    envelope.create_time = time::FormatChina(std::chrono::system_clock::from_time_t(now_unix));
    envelope.event_type = "TRANSACTION.SUCCESS";
    envelope.resource_type = "encrypt-resource";
    envelope.summary = "支付成功";
    envelope.resource = std::move(resource);

    Exchange ex;
    ex.method = "POST";
    ex.target = target;
    ex.body = wechatpay::SerializeEnvelope(envelope);
    const wechatpay::SignatureHeaders sig = wechatpay::SignResponse(
        wechat.platform_key, wechat.platform_key_id, ex.body, now_unix, wechatpay::NewNonce());
    ex.headers = {{"Content-Type", "application/json"},
                  {"Wechatpay-Timestamp", sig.timestamp},
                  {"Wechatpay-Nonce", sig.nonce},
                  {"Wechatpay-Signature", sig.signature},
                  {"Wechatpay-Serial", sig.serial},
                  {"Wechatpay-Signature-Type", sig.signature_type},
                  {"Request-ID", "bench-" + std::to_string(i)}};
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace paymesh::bench
