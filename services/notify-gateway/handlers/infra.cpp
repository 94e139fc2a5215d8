#include "services/notify-gateway/handlers/infra.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/http/status_map.h"
#include "common/metrics/metrics.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;
using HealthResponse = ::grpc::health::v1::HealthCheckResponse;

awaitable<http::Response> Healthz(const HandlerContext&, http::Request&, const PathParams&) {
  co_return JsonResponse(200, R"({"status":"ok"})");
}

// "SERVING", "NOT_SERVING", ... or the error code of a failed check ("UNAVAILABLE").
std::string Describe(const absl::StatusOr<HealthResponse>& health) {
  if (!health.ok()) return http::CodeName(health.status().code());
  return HealthResponse::ServingStatus_Name(health->status());
}

// Ready when every backend the routes served need answers SERVING: a notify-only gateway needs
// payment and order, not auth (notifications never carry a user's token).
awaitable<http::Response> Readyz(const HandlerContext& ctx, http::Request& req, const PathParams&) {
  using namespace boost::asio::experimental::awaitable_operators;
  Upstreams& up = *ctx.upstreams;
  // The checks run at once, so /readyz takes as long as the slowest one.
  auto [order, payment] = co_await (up.Health(Backend::kOrder, req.request_id) &&
                                    up.Health(Backend::kPayment, req.request_id));
  std::vector<std::pair<Backend, absl::StatusOr<HealthResponse>>> checks = {
      {Backend::kOrder, std::move(order)}, {Backend::kPayment, std::move(payment)}};
  if (ctx.needs_auth) {
    checks.insert(checks.begin(),
                  {Backend::kAuth, co_await up.Health(Backend::kAuth, req.request_id)});
  }
  bool ready = true;
  boost::json::object upstreams;
  for (const auto& [backend, health] : checks) {
    ready = ready && health.ok() && health->status() == HealthResponse::SERVING;
    upstreams[BackendName(backend)] = Describe(health);
  }
  boost::json::object root;
  root["status"] = ready ? "ready" : "not_ready";
  root["upstreams"] = std::move(upstreams);
  co_return JsonResponse(ready ? 200 : 503, boost::json::serialize(root));
}

awaitable<http::Response> Metrics(const HandlerContext&, http::Request&, const PathParams&) {
  co_return http::Response::Text(200, metrics::Registry::Default().Render(),
                                 "text/plain; version=0.0.4");
}

}  // namespace

void AddInfraRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("GET", "/healthz", Bind(ctx, Healthz));
  router.Add("GET", "/readyz", Bind(ctx, Readyz));
  router.Add("GET", "/metrics", Bind(ctx, Metrics));
}

}  // namespace paymesh::gateway
