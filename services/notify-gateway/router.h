#pragma once

// Method + path-pattern routing for the gateway. Every request, matched or not, produces one log
// line (method, route, status, duration, request id; never bodies or headers) and is counted in
//   gateway_http_requests_total{route,method,code}
//   gateway_http_request_duration_seconds{route}
// where `route` is the pattern ("/api/v1/orders/{id}"), never the raw path.
//
// Each route has a body cap (the HTTP server has one global cap, the largest of them): a larger
// body is a JSON 413 PAYLOAD_TOO_LARGE and never reaches the handler.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http/message.h"

namespace paymesh::gateway {

// Values of the "{name}" segments of the matched pattern, percent-decoded.
struct PathParams {
  std::vector<std::pair<std::string, std::string>> values;
  // The value of `name`, or "".
  std::string_view Get(std::string_view name) const;
};

using RouteHandler =
    std::function<boost::asio::awaitable<http::Response>(http::Request&, const PathParams&)>;

class Router {
 public:
  // `max_body_bytes` is the body cap of routes added without one.
  explicit Router(size_t max_body_bytes = std::numeric_limits<size_t>::max())
      : default_max_body_bytes_(max_body_bytes) {}

  // `pattern` is a path whose segments are literals or "{name}" (matching one non-empty
  // segment). Not thread-safe: add every route before serving.
  void Add(std::string method, std::string pattern, RouteHandler handler,
           std::optional<size_t> max_body_bytes = std::nullopt);

  // Runs the matching handler. An unknown path is a JSON 404, a known path with another method a
  // JSON 405 with `Allow`, a handler that throws a JSON 500. Thread-safe; never throws.
  boost::asio::awaitable<http::Response> Handle(http::Request& req) const;

  // Every route as {method, pattern}, in the order added (the OpenAPI document is checked
  // against it).
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
    size_t max_body_bytes;
  };
  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    PathParams params;
    std::vector<std::string> allowed;  // methods of routes whose pattern matches the path
    std::string pattern;  // the matched route's pattern, else the first path match (metrics)
  };
  Match Find(std::string_view method, std::string_view path) const;
  boost::asio::awaitable<http::Response> Dispatch(http::Request& req, std::string* route) const;

  size_t default_max_body_bytes_;
  std::vector<Route> routes_;
};

}  // namespace paymesh::gateway
