#include "tools/wechat-sim/envelope.h"

#include "common/crypto/crypto.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/notification.h"
#include "tools/wechat-sim/store.h"

namespace paymesh::wechatsim {

namespace {

// A notification envelope: `plaintext` encrypted under the APIv3 key as `original_type` (also the
// associated data), created now in +08:00.
absl::StatusOr<std::string> Envelope(std::string_view plaintext, const char* original_type,
                                     const char* event_type, const char* summary,
                                     std::string_view apiv3_key, int64_t now_unix,
                                     const std::string& id) {
  absl::StatusOr<wechatpay::Resource> resource =
      wechatpay::EncryptResource(plaintext, apiv3_key, original_type, original_type);
  if (!resource.ok()) return resource.status();
  wechatpay::Envelope envelope;
  envelope.id = id;
  envelope.create_time =
      time::FormatChina(std::chrono::sys_seconds(std::chrono::seconds(now_unix)));
  envelope.event_type = event_type;
  envelope.resource_type = "encrypt-resource";
  envelope.summary = summary;
  envelope.resource = std::move(*resource);
  return wechatpay::SerializeEnvelope(envelope);
}

}  // namespace

absl::StatusOr<std::string> BuildSuccessEnvelope(const Order& order, std::string_view apiv3_key,
                                                 int64_t now_unix, const std::string& id) {
  return Envelope(wechatpay::SerializeTransaction(ToTransaction(order)), "transaction",
                  "TRANSACTION.SUCCESS", "支付成功", apiv3_key, now_unix, id);
}

absl::StatusOr<std::string> BuildRefundEnvelope(const wechatpay::RefundResource& refund,
                                                std::string_view apiv3_key, int64_t now_unix,
                                                const std::string& id) {
  return Envelope(wechatpay::SerializeRefundResource(refund), "refund", "REFUND.SUCCESS",
                  "退款成功", apiv3_key, now_unix, id);
}

std::string BuildV2Notification(const Order& order, std::string_view v2_key,
                                wechatpay::V2SignType type) {
  const wechatpay::Transaction t = ToTransaction(order);
  std::string time_end;  // yyyyMMddHHmmss, China time: the digits of success_time's +08:00 form
  for (char c : t.success_time.substr(0, 19)) {
    if (c >= '0' && c <= '9') time_end += c;
  }
  wechatpay::V2Fields f = {{"return_code", "SUCCESS"},
                           {"result_code", "SUCCESS"},
                           {"appid", t.appid},
                           {"mch_id", t.mchid},
                           {"nonce_str", crypto::RandomAlnum(32)},
                           {"openid", t.payer_openid},
                           {"is_subscribe", "N"},
                           {"trade_type", t.trade_type},
                           {"bank_type", "OTHERS"},
                           {"total_fee", std::to_string(t.amount_total)},
                           {"cash_fee", std::to_string(t.amount_payer_total)},
                           {"fee_type", t.currency},
                           {"transaction_id", t.transaction_id},
                           {"out_trade_no", t.out_trade_no},
                           {"time_end", time_end}};
  if (type == wechatpay::V2SignType::kHmacSha256) f["sign_type"] = "HMAC-SHA256";
  f["sign"] = wechatpay::SignV2(f, v2_key, type);
  return wechatpay::SerializeV2Xml(f);
}

std::string NewNotificationId() {
  const std::string hex = crypto::HexLower(crypto::RandomBytes(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace paymesh::wechatsim
