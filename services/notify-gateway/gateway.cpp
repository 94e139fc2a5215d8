#include "services/notify-gateway/gateway.h"

#include "services/notify-gateway/handlers/auth.h"
#include "services/notify-gateway/handlers/infra.h"
#include "services/notify-gateway/handlers/orders.h"

namespace paymesh::gateway {

std::unique_ptr<Router> BuildRouter(const RouterOptions& options, Upstreams& upstreams) {
  auto ctx = std::make_shared<HandlerContext>();
  ctx->upstreams = &upstreams;
  ctx->trust_forwarded_for = options.trust_forwarded_for;
  auto router = std::make_unique<Router>();
  AddInfraRoutes(*router, ctx);
  if (options.routes == RouteSet::kAll || options.routes == RouteSet::kApi) {
    AddAuthRoutes(*router, ctx);
    AddOrderRoutes(*router, ctx);
  }
  // RouteSet::kNotify: the /wechat/notify/* endpoints arrive with the payment work.
  return router;
}

}  // namespace paymesh::gateway
