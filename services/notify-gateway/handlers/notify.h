#pragma once

// POST /wechat/notify/pay and /wechat/notify/refund: WeChat Pay notifications, no auth (the
// signature is the authentication, checked by payment). The exact raw body and the Wechatpay-*
// and Request-ID headers go to payment.HandleNotification; the answer waits for its outcome:
//   OK                        → 204, no body (WeChat stops retrying)
//   UNAUTHENTICATED           → 401 {"code":"FAIL","message":"signature verification failed"}
//   INVALID_ARGUMENT          → 400 {"code":"FAIL","message":"malformed notification"}
//   UNAVAILABLE / DEADLINE_EXCEEDED / anything else → 503 / 504 / 500 FAIL (WeChat retries)
// Either path accepts either event type; the path goes to payment as `route`. Counted in
// gateway_wechat_notify_total{route,result} (result ok|rejected|error). Logs carry the outcome
// and the request id, never the body, signature or serial.

#include <cstddef>
#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddNotifyRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx,
                     size_t max_body_bytes);

}  // namespace paymesh::gateway
