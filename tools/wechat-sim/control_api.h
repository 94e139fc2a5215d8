#pragma once

// The simulator's control API for tests and demos (no authentication: a loopback tool).
//   POST   /sim/pay {"out_trade_no"|"code_url", "openid"?, "amount_total"?,
//                    "v2_notify_url"?, "v2_sign_type"? ("MD5" | "HMAC-SHA256")}
//            → 200 the paid order and its notification_id; delivery starts at once (with
//            v2_notify_url: APIv2's XML notification there, signed with the state dir's v2_key).
//            404 unknown order, 409 not payable (paid, closed, expired), 400 bad body.
//   GET    /sim/notifications[?out_trade_no=]  → every delivery attempt, oldest first
//   POST   /sim/faults {"out_trade_no"?, "duplicate", "drop_first", "corrupt_signature",
//                       "stale_timestamp", "signtest_probe", "query_500",
//                       "unreadable_success_time", "query_delay_ms"}  → 200
//   DELETE /sim/faults  → 204, no faults anywhere
//   GET    /sim/orders/{out_trade_no}  → the simulator's view of the order, with its "refunds"
//            ([{out_refund_no, refund_id, refund, status}]) (auto-closed first if
//            its time has come), with "queries" and "closes": how many merchant queries by
//            out_trade_no and close calls it received (call_counters.h); 404 for an order the
//            simulator does not know, even if it was queried
//   GET    /sim/platform  → {mode, public_key_id, notify_serial, certificates_absent_status,
//            certificates: [{serial, not_before, not_after, listed, signing}]} (platform.h)
//   POST   /sim/platform {"mode"?: "pubkey"|"cert"|"dual", "notify_serial"?: "alternate"|
//            "pubkey"|"cert", "certificates_absent_status"?: 403|404}  → 200 the new state
//   POST   /sim/platform/rotate {"overlap_seconds": 1..86400}  → 200 the new state: a new
//            certificate signs from now on, the previous one stays listed for the overlap
//   GET    /sim/healthz  → 200 {"status":"ok"}
// Errors are {"code","message"}. Thread-safe.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"
#include "common/http/message.h"
#include "common/wechatpay/v2.h"
#include "tools/wechat-sim/call_counters.h"
#include "tools/wechat-sim/faults.h"
#include "tools/wechat-sim/notifier.h"
#include "tools/wechat-sim/platform.h"
#include "tools/wechat-sim/refunds.h"
#include "tools/wechat-sim/store.h"

namespace paymesh::wechatsim {

struct ControlContext {
  OrderStore* store = nullptr;
  FaultRegistry* faults = nullptr;
  CallCounters* calls = nullptr;
  Notifier* notifier = nullptr;
  std::string apiv3_key;
  std::string v2_key;
  const RefundStore* refunds = nullptr;                // shown with each order
  const crypto::RsaPublicKey* merchant_key = nullptr;  // checks the bridge's paySign
  PlatformKeys* platform = nullptr;
};

// Pays an order as its user would and starts delivering the notification; answers the paid
// order and the notification id. NOT_FOUND / FAILED_PRECONDITION as OrderStore::Pay; INTERNAL
// when the notification cannot be built.
struct Paid {
  Order order;
  std::string notification_id;
};
// With `v2`, the notification is APIv2's XML to its notify URL instead.
struct V2Delivery {
  std::string notify_url;
  wechatpay::V2SignType sign_type = wechatpay::V2SignType::kMd5;
};
absl::StatusOr<Paid> PayAndNotify(const ControlContext& ctx, const PayRequest& request, int64_t now,
                                  const std::optional<V2Delivery>& v2 = std::nullopt);

// Answers any request under /sim/ (404 for other routes); `now` is Unix seconds.
http::Response HandleControlApi(const http::Request& request, const ControlContext& ctx,
                                int64_t now);

}  // namespace paymesh::wechatsim
