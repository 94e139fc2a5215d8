#include "tools/wechat-sim/envelope.h"

#include "common/crypto/crypto.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/notification.h"
#include "tools/wechat-sim/store.h"

namespace paymesh::wechatsim {

absl::StatusOr<std::string> BuildSuccessEnvelope(const Order& order, std::string_view apiv3_key,
                                                 int64_t now_unix, const std::string& id) {
  absl::StatusOr<wechatpay::Resource> resource =
      wechatpay::EncryptResource(wechatpay::SerializeTransaction(ToTransaction(order)), apiv3_key,
                                 "transaction", "transaction");
  if (!resource.ok()) return resource.status();
  wechatpay::Envelope envelope;
  envelope.id = id;
  envelope.create_time =
      time::FormatChina(std::chrono::sys_seconds(std::chrono::seconds(now_unix)));
  envelope.event_type = "TRANSACTION.SUCCESS";
  envelope.resource_type = "encrypt-resource";
  envelope.summary = "支付成功";
  envelope.resource = std::move(*resource);
  return wechatpay::SerializeEnvelope(envelope);
}

std::string NewNotificationId() {
  const std::string hex = crypto::HexLower(crypto::RandomBytes(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace paymesh::wechatsim
