#include "services/notify-gateway/gateway.h"

#include "services/notify-gateway/handlers/auth.h"
#include "services/notify-gateway/handlers/demo.h"
#include "services/notify-gateway/handlers/infra.h"
#include "services/notify-gateway/handlers/notify.h"
#include "services/notify-gateway/handlers/orders.h"
#include "services/notify-gateway/handlers/payments.h"
#include "services/notify-gateway/handlers/refunds.h"
#include "services/notify-gateway/handlers/wechat.h"

namespace paymesh::gateway {

RouterOptions RouterOptionsFrom(const GatewayConfig& cfg) {
  RouterOptions options;
  options.routes = cfg.routes;
  options.trust_forwarded_for = cfg.trust_forwarded_for;
  options.max_body_bytes = cfg.max_body_bytes;
  options.notify_max_body_bytes = cfg.notify_max_body_bytes;
  options.demo_sim_url = cfg.demo_sim_url;
  options.infra_routes = cfg.metrics_listen_addr.empty();
  return options;
}

std::unique_ptr<Router> BuildRouter(const RouterOptions& options, Upstreams& upstreams) {
  auto ctx = std::make_shared<HandlerContext>();
  ctx->upstreams = &upstreams;
  ctx->trust_forwarded_for = options.trust_forwarded_for;
  ctx->needs_auth = options.routes != RouteSet::kNotify;
  auto router = std::make_unique<Router>(options.max_body_bytes);
  if (options.infra_routes) AddInfraRoutes(*router, ctx);
  if (options.routes == RouteSet::kAll || options.routes == RouteSet::kApi) {
    AddAuthRoutes(*router, ctx);
    AddWechatRoutes(*router, ctx);
    AddOrderRoutes(*router, ctx);
    AddPaymentRoutes(*router, ctx);
    AddRefundRoutes(*router, ctx);
    AddDemoRoutes(*router, options.demo_sim_url);
  }
  if (options.routes == RouteSet::kAll || options.routes == RouteSet::kNotify) {
    AddNotifyRoutes(*router, ctx, options.notify_max_body_bytes);
  }
  return router;
}

std::unique_ptr<Router> BuildInfraRouter(const RouterOptions& options, Upstreams& upstreams) {
  auto ctx = std::make_shared<HandlerContext>();
  ctx->upstreams = &upstreams;
  // The notify gateway's readiness never waits on auth, as on its public port.
  ctx->needs_auth = options.routes != RouteSet::kNotify;
  auto router = std::make_unique<Router>(0);  // no bodies
  AddInfraRoutes(*router, ctx);
  return router;
}

}  // namespace paymesh::gateway
