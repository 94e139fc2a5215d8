#pragma once

// Refunds, for admins only (the token's "admin" scope; anyone else 403 PERMISSION_DENIED):
//   POST /api/v1/orders/{id}/refunds {"amount_fen": 1.., "reason": "…" (≤ 80 bytes)}
//        with an Idempotency-Key (required: a retry is the same refund) → 200 the refund
//        (PROCESSING until WeChat has refunded it; SUCCESS arrives by notification); 409 when it
//        would exceed what is left, 503 when WeChat did not take it (retry with the same key: the
//        same refund is sent).
//   GET  /api/v1/orders/{id}/refunds → {"refunds":[…]} oldest first
// A refund is {out_refund_no, amount_fen, reason, status, refund_id, requested_by}.

#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddRefundRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

}  // namespace paymesh::gateway
