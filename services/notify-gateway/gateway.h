#pragma once

// The gateway's routes for a route mode (docs/architecture.md "REST API").

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "services/notify-gateway/config.h"
#include "services/notify-gateway/router.h"
#include "services/notify-gateway/upstreams.h"

namespace paymesh::gateway {

struct RouterOptions {
  RouteSet routes = RouteSet::kAll;
  bool trust_forwarded_for = false;
  size_t max_body_bytes = 65536;  // every route but the notification endpoints
  size_t notify_max_body_bytes = kDefaultNotifyMaxBodyBytes;
  std::string demo_sim_url;  // "" : the demo page trusts no simulator
  bool infra_routes = true;  // /healthz, /readyz, /metrics (false: BuildInfraRouter serves them)
};

RouterOptions RouterOptionsFrom(const GatewayConfig& cfg);

// Every mode serves /healthz, /readyz and /metrics. `all` and `api` add the REST API and the demo
// page; `all` and `notify` add the WeChat notification endpoints. `upstreams` must outlive the
// router.
std::unique_ptr<Router> BuildRouter(const RouterOptions& options, Upstreams& upstreams);
// Only /healthz, /readyz and /metrics: the operations port (GATEWAY_METRICS_LISTEN_ADDR).
// `options.routes` decides what readiness checks, as for BuildRouter.
std::unique_ptr<Router> BuildInfraRouter(const RouterOptions& options, Upstreams& upstreams);

}  // namespace paymesh::gateway
