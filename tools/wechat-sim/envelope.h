#pragma once

// The TRANSACTION.SUCCESS notification body for a paid order: a UUID-like id, create_time in
// +08:00, resource_type encrypt-resource, summary 支付成功, and the Transaction encrypted with
// AEAD_AES_256_GCM under the APIv3 key (associated_data and original_type "transaction",
// a 12-character nonce). Built once per payment; every delivery attempt sends the same bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/v2.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

absl::StatusOr<std::string> BuildSuccessEnvelope(const Order& order, std::string_view apiv3_key,
                                                 int64_t now_unix, const std::string& id);
// The APIv2 XML payment notification for a paid order (§9.6), signed with the APIv2 key: MD5,
// or HMAC-SHA256 (then with sign_type, which WeChat may also leave out).
std::string BuildV2Notification(const Order& order, std::string_view v2_key,
                                wechatpay::V2SignType type);
// The REFUND.SUCCESS notification body for a refund (original_type "refund", summary 退款成功).
absl::StatusOr<std::string> BuildRefundEnvelope(const wechatpay::RefundResource& refund,
                                                std::string_view apiv3_key, int64_t now_unix,
                                                const std::string& id);
// 8-4-4-4-12 lowercase hex, like WeChat's notification ids.
std::string NewNotificationId();

}  // namespace paymesh::wechatsim
