#pragma once

// /api/v1/products and /api/v1/orders[/{id}], answered through order. Orders are always those
// of the user behind the Bearer token; a user id never comes from the client.

#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddOrderRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

}  // namespace paymesh::gateway
