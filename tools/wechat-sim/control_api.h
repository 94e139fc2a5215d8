#pragma once

// The simulator's control API for tests and demos (no authentication: a loopback tool).
//   POST   /sim/pay {"out_trade_no"|"code_url", "openid"?, "amount_total"?}
//            → 200 the paid order and its notification_id; delivery starts at once.
//            404 unknown order, 409 not payable (paid, closed, expired), 400 bad body.
//   GET    /sim/notifications[?out_trade_no=]  → every delivery attempt, oldest first
//   POST   /sim/faults {"out_trade_no"?, "duplicate", "drop_first", "corrupt_signature",
//                       "stale_timestamp", "signtest_probe", "query_500"}  → 200
//   DELETE /sim/faults  → 204, no faults anywhere
//   GET    /sim/orders/{out_trade_no}  → the simulator's view of the order, or 404
//   GET    /sim/healthz  → 200 {"status":"ok"}
// Errors are {"code","message"}. Thread-safe.

#include <cstdint>
#include <string>

#include "common/http/message.h"
#include "tools/wechat-sim/faults.h"
#include "tools/wechat-sim/notifier.h"
#include "tools/wechat-sim/store.h"

namespace paymesh::wechatsim {

struct ControlContext {
  OrderStore* store = nullptr;
  FaultRegistry* faults = nullptr;
  Notifier* notifier = nullptr;
  std::string apiv3_key;
};

// Answers any request under /sim/ (404 for other routes); `now` is Unix seconds.
http::Response HandleControlApi(const http::Request& request, const ControlContext& ctx,
                                int64_t now);

}  // namespace paymesh::wechatsim
