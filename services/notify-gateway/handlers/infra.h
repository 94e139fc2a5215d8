#pragma once

// /healthz (the process runs), /readyz (every upstream answers grpc.health.v1 SERVING) and
// /metrics (Prometheus text), served in every route mode.

#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddInfraRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

}  // namespace paymesh::gateway
