#include "services/notify-gateway/router.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>

#include "absl/strings/str_join.h"
#include "common/http/server.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/strings/utf8.h"

namespace paymesh::gateway {
namespace {

constexpr char kUnmatchedRoute[] = "unmatched";

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  for (;;) {
    const size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Bounds the label set: a client-invented method must not create new series.
std::string MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",  "POST",  "PUT",    "DELETE",
                                                "HEAD", "PATCH", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return std::string(method);
  }
  return "OTHER";
}

metrics::Counter& RequestsTotal() {
  static metrics::Counter& counter = metrics::Registry::Default().AddCounter(
      "gateway_http_requests_total", "HTTP requests by route pattern, method and status code",
      {"route", "method", "code"});
  return counter;
}

metrics::Histogram& RequestDuration() {
  static metrics::Histogram& histogram = metrics::Registry::Default().AddHistogram(
      "gateway_http_request_duration_seconds", "HTTP request latency by route pattern", {"route"});
  return histogram;
}

}  // namespace

std::string_view PathParams::Get(std::string_view name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return {};
}

void Router::Add(std::string method, std::string pattern, RouteHandler handler,
                 std::optional<size_t> max_body_bytes) {
  std::vector<std::string> segments = Segments(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments),
                          std::move(handler), max_body_bytes.value_or(default_max_body_bytes_)});
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  const std::vector<std::string> segments = Segments(path);
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    PathParams params;
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      if (IsParam(route.segments[i])) {
        std::string value = http::PercentDecode(segments[i]);
        // A parameter that is not UTF-8 names nothing (and could not travel in a proto string).
        same = !value.empty() && strings::IsValidUtf8(value);
        params.values.emplace_back(route.segments[i].substr(1, route.segments[i].size() - 2),
                                   std::move(value));
      } else {
        same = route.segments[i] == segments[i];
      }
    }
    if (!same) continue;
    if (match.allowed.empty()) match.pattern = route.pattern;
    match.allowed.push_back(route.method);
    if (route.method == method && match.route == nullptr) {
      match.route = &route;
      match.pattern = route.pattern;
      match.params = std::move(params);
    }
  }
  return match;
}

boost::asio::awaitable<http::Response> Router::Dispatch(http::Request& req,
                                                        std::string* route) const {
  Match match = Find(req.method, req.Path());
  if (match.allowed.empty()) {
    co_return http::Response::Json(404,
                                   http::ErrorJson("NOT_FOUND", "no such route", req.request_id));
  }
  *route = match.pattern;
  if (match.route == nullptr) {
    std::sort(match.allowed.begin(), match.allowed.end());
    match.allowed.erase(std::unique(match.allowed.begin(), match.allowed.end()),
                        match.allowed.end());
    const std::string allow = absl::StrJoin(match.allowed, ", ");
    http::Response res = http::Response::Json(
        405,
        http::ErrorJson("METHOD_NOT_ALLOWED", "method not allowed; use " + allow, req.request_id));
    res.SetHeader("Allow", allow);
    co_return res;
  }
  if (req.body.size() > match.route->max_body_bytes) {
    co_return http::Response::Json(
        413, http::ErrorJson("PAYLOAD_TOO_LARGE", "request body too large", req.request_id));
  }
  co_return co_await match.route->handler(req, match.params);
}

boost::asio::awaitable<http::Response> Router::Handle(http::Request& req) const {
  const auto start = std::chrono::steady_clock::now();
  std::string route = kUnmatchedRoute;
  http::Response res;
  bool failed = false;
  try {
    res = co_await Dispatch(req, &route);
  } catch (const std::exception& e) {
    failed = true;
    log::RequestScope scope(req.request_id);
    log::Error("handler threw", {{"route", route}, {"error", std::string(e.what())}});
  } catch (...) {
    failed = true;
  }
  if (failed) {
    res = http::Response::Json(500, http::ErrorJson("INTERNAL", "internal error", req.request_id));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string method = MethodLabel(req.method);
  RequestsTotal().Inc({route, method, std::to_string(res.status)});
  RequestDuration().Observe(seconds, {route});
  log::RequestScope scope(req.request_id);
  log::Info("request", {{"method", method},
                        {"route", route},
                        {"status", res.status},
                        {"duration_us", static_cast<int64_t>(seconds * 1e6)}});
  co_return res;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace paymesh::gateway
