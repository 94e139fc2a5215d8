#include "common/http/metrics_endpoint.h"

#include <utility>

#include "common/http/server.h"
#include "common/metrics/metrics.h"

namespace paymesh::http {

Response HandleMetricsRequest(const Request& req) {
  const std::string_view path = req.Path();
  if (path != "/metrics" && path != "/healthz") {
    return Response::Json(404, ErrorJson("NOT_FOUND", "no such path", req.request_id));
  }
  if (req.method != "GET") {
    Response res = Response::Json(405, ErrorJson("METHOD_NOT_ALLOWED", "use GET", req.request_id));
    res.SetHeader("Allow", "GET");
    return res;
  }
  if (path == "/healthz") return Response::Json(200, R"({"status":"ok"})");
  return Response::Text(200, metrics::Registry::Default().Render(), "text/plain; version=0.0.4");
}

absl::StatusOr<std::unique_ptr<Server>> StartMetricsServer(const std::string& listen_addr,
                                                           int* bound_port) {
  ServerOptions options;
  options.threads = 1;
  options.max_connections = 256;
  auto server =
      std::make_unique<Server>(options, [](Request& req) -> boost::asio::awaitable<Response> {
        co_return HandleMetricsRequest(req);
      });
  absl::StatusOr<int> port = server->Start(listen_addr);
  if (!port.ok()) return port.status();
  if (bound_port != nullptr) *bound_port = *port;
  return server;
}

}  // namespace paymesh::http
