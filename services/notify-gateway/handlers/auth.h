#pragma once

// /api/v1/auth/{register,login,refresh,logout,sms,sms/login} and /api/v1/me, answered through
// auth.

#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

void AddAuthRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

}  // namespace paymesh::gateway
