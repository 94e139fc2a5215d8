#pragma once

// Paying for the caller's own orders, through payment (and order for the QR code):
//   POST /api/v1/orders/{id}/pay              {"channel":"native"} → the prepay (code_url)
//   GET  /api/v1/orders/{id}/qrcode.svg|.png  the QR code of the current native prepay
//   POST /api/v1/orders/{id}/sync             asks WeChat and applies what it reports
//   POST /api/v1/orders/{id}/cancel           closes the unpaid order at WeChat, then here

#include <memory>

#include "absl/status/statusor.h"
#include "paymesh/order/v1/order.pb.h"
#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddPaymentRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

// The code_url of the order's active prepay (order alone decides what is active); else
// FAILED_PRECONDITION.
absl::StatusOr<std::string> ActiveCodeUrl(const order::v1::Order& order);

}  // namespace paymesh::gateway
