#pragma once

// POST /wechat/notify/pay and /wechat/notify/refund: WeChat Pay notifications, no auth (the
// signature is the authentication, checked by payment). The exact raw body and the Wechatpay-*
// and Request-ID headers go to payment.HandleNotification, which answers with a verdict once
// the outcome is committed; this handler only renders it (AnswerFor):
//   ACK                       → 204, no body (WeChat stops delivering)
//   REJECT, unverified        → 401 {"code":"FAIL","message":<payment's message>}
//   REJECT, malformed         → 400 FAIL
//   RETRY                     → 503 FAIL (WeChat delivers it again)
// When the call to payment itself fails, 503 (504 for its deadline): WeChat retries. Either
// path accepts either event type; the path goes to payment as `route`.
// POST /wechat/notify/v2/pay and /v2/refund take APIv2 XML notifications (routes "v2/pay",
// "v2/refund"; either kind on either) and answer in
// their dialect, with the same statuses: 200 <xml><return_code>SUCCESS</return_code>… for ACK,
// return_code FAIL with the message otherwise (Content-Type text/xml). Counted in
// gateway_wechat_notify_total{route,result} (result ok|rejected|error); the access log line
// carries the status and the request id, never the body, signature or serial.

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "common/http/message.h"
#include "paymesh/payment/v1/payment.pb.h"
#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddNotifyRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx,
                     size_t max_body_bytes);

// WeChat's answer for payment's verdict, and for a call to payment that failed. Exposed for
// tests.
// `v2`: APIv2's XML dialect.
http::Response AnswerFor(const payment::v1::HandleNotificationResponse& verdict, bool v2 = false);
http::Response AnswerForFailedCall(const absl::Status& status, bool v2 = false);

}  // namespace paymesh::gateway
