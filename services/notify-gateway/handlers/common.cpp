#include "services/notify-gateway/handlers/common.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/http/server.h"
#include "common/http/status_map.h"
#include "common/log/log.h"
#include "common/rpc/status.h"
#include "common/strings/ascii.h"
#include "common/strings/ip.h"

namespace paymesh::gateway {
namespace {

constexpr size_t kMaxTokenBytes = 4096;
constexpr size_t kMaxIpBytes = 64;

// RFC 6750 b64token: [A-Za-z0-9-._~+/]+ followed by optional '='.
bool IsBearerToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  size_t end = token.find_last_not_of('=');
  if (end == std::string_view::npos) return false;
  for (size_t i = 0; i <= end; ++i) {
    const char c = token[i];
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                    c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

RouteHandler Bind(std::shared_ptr<const HandlerContext> ctx, ContextHandler fn) {
  return [ctx = std::move(ctx), fn](http::Request& req, const PathParams& params) {
    return fn(*ctx, req, params);
  };
}

http::Response JsonResponse(int status, std::string body) {
  return http::Response::Json(status, std::move(body));
}

http::Response ErrorResponse(const http::Request& req, const absl::Status& status) {
  http::Response res =
      http::Response::Json(http::HttpStatusFromCode(status.code()),
                           http::ErrorJson(http::CodeName(status.code()),
                                           std::string(status.message()), req.request_id));
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    res.SetHeader("WWW-Authenticate", "Bearer");
  }
  if (res.status == 429) {
    // Every 429 says when to come back: what the service said, else a second.
    const std::chrono::seconds after = rpc::RetryAfterOf(status).value_or(std::chrono::seconds(1));
    res.SetHeader("Retry-After", std::to_string(after.count()));
  }
  return res;
}

absl::Status PresentUpstreamError(Backend backend, const absl::Status& status,
                                  const std::string& request_id) {
  if (http::HttpStatusFromCode(status.code()) < 500) return status;
  {
    log::RequestScope scope(request_id);
    log::Warn("upstream call failed", {{"upstream", std::string(BackendName(backend))},
                                       {"code", http::CodeName(status.code())},
                                       {"error", std::string(status.message())}});
  }
  const std::string name(BackendName(backend));
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return absl::UnavailableError(name + " service unavailable");
    case absl::StatusCode::kDeadlineExceeded:
      return absl::DeadlineExceededError(name + " service timed out");
    case absl::StatusCode::kUnimplemented:
      return absl::UnimplementedError("not implemented");
    default:
      return absl::Status(status.code(), "internal error");
  }
}

absl::StatusOr<std::string> BearerToken(const http::Request& req) {
  const std::string_view header = req.Header("Authorization");
  if (header.empty()) return absl::UnauthenticatedError("missing bearer token");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !strings::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError("authorization must use the Bearer scheme");
  }
  const std::string_view token = Trim(header.substr(kScheme.size()));
  if (!IsBearerToken(token)) return absl::UnauthenticatedError("malformed bearer token");
  return std::string(token);
}

std::string CookieValue(const http::Request& req, std::string_view name) {
  for (const auto& [header, value] : req.headers) {
    if (!strings::EqualsIgnoreCase(header, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      const std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return "";
}

std::string SetCookie(std::string_view name, std::string_view value, std::string_view path,
                      std::chrono::seconds max_age, bool script_readable) {
  std::string out(name);
  out.append("=").append(value).append("; Path=").append(path);
  out.append("; Max-Age=").append(std::to_string(max_age.count()));
  out.append("; Secure; SameSite=Lax");
  if (!script_readable) out.append("; HttpOnly");
  return out;
}

std::vector<std::string> SessionCookies(const auth::v1::TokenPair& tokens) {
  return {SetCookie(kAccessCookie, tokens.access_token(), "/",
                    std::chrono::seconds(tokens.access_expires_in())),
          SetCookie(kRefreshCookie, tokens.refresh_token(), kRefreshCookiePath,
                    std::chrono::seconds(tokens.refresh_expires_in())),
          SetCookie(kCsrfCookie, crypto::RandomToken(16), "/",
                    std::chrono::seconds(tokens.refresh_expires_in()), /*script_readable=*/true)};
}

std::vector<std::string> ClearedSessionCookies() {
  return {SetCookie(kAccessCookie, "", "/", std::chrono::seconds(0)),
          SetCookie(kRefreshCookie, "", kRefreshCookiePath, std::chrono::seconds(0)),
          SetCookie(kCsrfCookie, "", "/", std::chrono::seconds(0), /*script_readable=*/true)};
}

absl::Status CheckCsrf(const http::Request& req) {
  const std::string cookie = CookieValue(req, kCsrfCookie);
  const std::string_view header = req.Header(kCsrfHeader);
  if (cookie.empty() || !crypto::ConstantTimeEquals(cookie, header)) {
    return absl::PermissionDeniedError(
        "a cookie-authenticated request must send X-CSRF-Token equal to the pm_csrf cookie");
  }
  return absl::OkStatus();
}

namespace {

// The access token a request presents: its Bearer header, or else (checked for CSRF) its
// session cookie.
absl::StatusOr<std::string> PresentedToken(const http::Request& req) {
  if (!req.Header("Authorization").empty()) return BearerToken(req);
  std::string token = CookieValue(req, kAccessCookie);
  if (token.empty()) return absl::UnauthenticatedError("missing bearer token");
  if (!IsBearerToken(token)) return absl::UnauthenticatedError("malformed session cookie");
  if (req.method != "GET" && req.method != "HEAD") RETURN_IF_ERROR(CheckCsrf(req));
  return token;
}

}  // namespace

boost::asio::awaitable<absl::StatusOr<Caller>> Authenticate(const HandlerContext& ctx,
                                                            const http::Request& req) {
  absl::StatusOr<std::string> token = PresentedToken(req);
  if (!token.ok()) co_return token.status();
  auth::v1::VerifyTokenRequest verify;
  verify.set_access_token(*token);
  absl::StatusOr<auth::v1::VerifyTokenResponse> verified =
      co_await ctx.upstreams->VerifyToken(std::move(verify), req.request_id);
  if (!verified.ok()) {
    co_return PresentUpstreamError(Backend::kAuth, verified.status(), req.request_id);
  }
  if (verified->user_id().empty()) co_return absl::UnauthenticatedError("invalid token");
  co_return Caller{verified->user_id(), std::move(*token),
                   std::vector<std::string>(verified->scopes().begin(), verified->scopes().end())};
}

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (const char c : key) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                    c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> OrderId(const PathParams& params) {
  const std::string_view id = params.Get("id");
  if (id.size() > kMaxOrderIdBytes) return absl::NotFoundError("order not found");
  return std::string(id);
}

http::Response UpstreamError(const http::Request& req, const absl::Status& status,
                             Backend backend) {
  return ErrorResponse(req, PresentUpstreamError(backend, status, req.request_id));
}

absl::StatusOr<std::string> IdempotencyKey(const http::Request& req) {
  for (const auto& [name, value] : req.headers) {
    if (!strings::EqualsIgnoreCase(name, "Idempotency-Key")) continue;
    if (!IsValidIdempotencyKey(value)) {
      return absl::InvalidArgumentError(
          "Idempotency-Key must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    return value;
  }
  return std::string();
}

std::string ClientIp(const HandlerContext& ctx, const http::Request& req) {
  if (ctx.trust_forwarded_for) {
    // The ingress appends the peer it saw; entries to its left come from the client and can be
    // forged, so only the last one is trusted, and only when it is an IP address.
    const std::string_view forwarded = req.Header("X-Forwarded-For");
    const size_t comma = forwarded.rfind(',');
    const std::string_view last =
        Trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
    if (!last.empty() && last.size() <= kMaxIpBytes && strings::IsIpAddress(last)) {
      return std::string(last);
    }
  }
  return req.remote_ip;
}

}  // namespace paymesh::gateway
