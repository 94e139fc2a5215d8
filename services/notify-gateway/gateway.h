#pragma once

// The gateway's routes for a route mode (docs/architecture.md "REST API").

#include <memory>

#include "services/notify-gateway/config.h"
#include "services/notify-gateway/router.h"
#include "services/notify-gateway/upstreams.h"

namespace paymesh::gateway {

struct RouterOptions {
  RouteSet routes = RouteSet::kAll;
  bool trust_forwarded_for = false;
};

// Every mode serves /healthz, /readyz and /metrics; `all` and `api` add the REST API; `notify`
// is for the WeChat notification endpoints. `upstreams` must outlive the router.
std::unique_ptr<Router> BuildRouter(const RouterOptions& options, Upstreams& upstreams);

}  // namespace paymesh::gateway
