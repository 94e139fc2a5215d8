#pragma once

// What every handler shares: its dependencies, JSON responses and errors, and Bearer auth.

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/http/message.h"
#include "services/notify-gateway/router.h"
#include "services/notify-gateway/upstreams.h"

namespace paymesh::gateway {

struct HandlerContext {
  Upstreams* upstreams = nullptr;
  // Take the client IP from the first X-Forwarded-For entry (only behind a trusted ingress).
  bool trust_forwarded_for = false;
  // Whether the routes served need auth (false for a notify-only gateway): /readyz checks it.
  bool needs_auth = true;
};

using ContextHandler = boost::asio::awaitable<http::Response> (*)(const HandlerContext&,
                                                                  http::Request&,
                                                                  const PathParams&);
// A route handler running `fn` with `ctx` (kept alive by the route).
RouteHandler Bind(std::shared_ptr<const HandlerContext> ctx, ContextHandler fn);

// The error JSON for `status` with its HTTP code; 401s also carry `WWW-Authenticate: Bearer`.
http::Response ErrorResponse(const http::Request& req, const absl::Status& status);
http::Response JsonResponse(int status, std::string body);

// What a caller may see of a backend's error: 4xx-class codes pass their message through
// (backends word them for clients); 5xx-class codes get a generic message, and the original is
// logged instead.
absl::Status PresentUpstreamError(Backend backend, const absl::Status& status,
                                  const std::string& request_id);

// The token of a well-formed `Authorization: Bearer <token>` header, else UNAUTHENTICATED.
absl::StatusOr<std::string> BearerToken(const http::Request& req);

struct Caller {
  std::string user_id;
  std::string access_token;
  std::vector<std::string> scopes;  // "user", "admin", ...
  bool Has(std::string_view scope) const {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
  }
};
// The {id} of an order route, or NOT_FOUND when it cannot be an order id.
absl::StatusOr<std::string> OrderId(const PathParams& params);
// ErrorResponse of PresentUpstreamError.
http::Response UpstreamError(const http::Request& req, const absl::Status& status, Backend backend);
// True for 1-64 characters of [A-Za-z0-9_.:-] (the Idempotency-Key header).
bool IsValidIdempotencyKey(std::string_view key);
// The Idempotency-Key header: "" when absent, INVALID_ARGUMENT when present but malformed.
absl::StatusOr<std::string> IdempotencyKey(const http::Request& req);
// Browser sessions (after WeChat web OAuth) ride in cookies, all HttpOnly, Secure, SameSite=Lax
// except the CSRF one, which the page's script reads and echoes in X-CSRF-Token (double submit).
inline constexpr char kAccessCookie[] = "pm_access";
inline constexpr char kRefreshCookie[] = "pm_refresh";
inline constexpr char kCsrfCookie[] = "pm_csrf";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

// The value of cookie `name` in the request's Cookie headers, or "".
std::string CookieValue(const http::Request& req, std::string_view name);
// A Set-Cookie value: Path, Max-Age, Secure, SameSite=Lax, and HttpOnly unless `script_readable`.
// Max-Age 0 deletes the cookie.
std::string SetCookie(std::string_view name, std::string_view value, std::string_view path,
                      std::chrono::seconds max_age, bool script_readable = false);

inline constexpr char kRefreshCookiePath[] = "/api/v1/auth";
// The Set-Cookie values of a browser session: access (Path=/), refresh (Path=/api/v1/auth) and a
// fresh CSRF token (script-readable), living as long as their tokens.
std::vector<std::string> SessionCookies(const auth::v1::TokenPair& tokens);
// The Set-Cookie values that end a browser session.
std::vector<std::string> ClearedSessionCookies();
// PERMISSION_DENIED unless X-CSRF-Token equals the pm_csrf cookie (both present).
absl::Status CheckCsrf(const http::Request& req);

// Checks the caller's access token with auth: the Bearer header, or else the session cookie. A
// cookie-authenticated request that can change state (anything but GET and HEAD) must also
// carry X-CSRF-Token equal to the CSRF cookie: PERMISSION_DENIED otherwise. UNAUTHENTICATED
// without asking auth when there is no token or it is garbled; otherwise auth's verdict
// (presented as above).
boost::asio::awaitable<absl::StatusOr<Caller>> Authenticate(const HandlerContext& ctx,
                                                            const http::Request& req);

// Order ids longer than this are not looked up (404).
inline constexpr size_t kMaxOrderIdBytes = 128;

// The client address for rate limiting: the socket peer, or the first X-Forwarded-For entry
// when trusted and present.
std::string ClientIp(const HandlerContext& ctx, const http::Request& req);

}  // namespace paymesh::gateway
