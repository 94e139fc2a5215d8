#include "services/notify-gateway/handlers/auth.h"

#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "common/error/status_macros.h"
#include "services/notify-gateway/json.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

// Generous caps against abuse; auth applies the real rules and wording.
constexpr size_t kMaxUsernameBytes = 256;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxMobileBytes = 32;
constexpr size_t kMaxRefreshTokenBytes = 4096;
constexpr size_t kMaxCodeBytes = 32;
constexpr size_t kMaxPurposeBytes = 16;

awaitable<http::Response> Register(const HandlerContext& ctx, http::Request& req,
                                   const PathParams&) {
  auth::v1::RegisterRequest in;
  {
    absl::StatusOr<JsonObject> body =
        ParseObject(req.body, {"username", "password", "mobile", "sms_code"});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
    absl::StatusOr<std::string> username = RequiredString(*body, "username", kMaxUsernameBytes);
    if (!username.ok()) co_return ErrorResponse(req, username.status());
    absl::StatusOr<std::string> password = RequiredString(*body, "password", kMaxPasswordBytes);
    if (!password.ok()) co_return ErrorResponse(req, password.status());
    absl::StatusOr<std::string> mobile = OptionalString(*body, "mobile", kMaxMobileBytes);
    if (!mobile.ok()) co_return ErrorResponse(req, mobile.status());
    absl::StatusOr<std::string> code = OptionalString(*body, "sms_code", kMaxCodeBytes);
    if (!code.ok()) co_return ErrorResponse(req, code.status());
    in.set_username(std::move(*username));
    in.set_password(std::move(*password));
    in.set_mobile(std::move(*mobile));
    in.set_sms_code(std::move(*code));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->Register(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  JsonObject root;
  root["user"] = UserObject(out->user());
  co_return JsonResponse(201, boost::json::serialize(root));
}

awaitable<http::Response> Login(const HandlerContext& ctx, http::Request& req, const PathParams&) {
  auth::v1::LoginRequest in;
  {
    absl::StatusOr<JsonObject> body = ParseObject(req.body, {"username", "password"});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
    absl::StatusOr<std::string> username = RequiredString(*body, "username", kMaxUsernameBytes);
    if (!username.ok()) co_return ErrorResponse(req, username.status());
    absl::StatusOr<std::string> password = RequiredString(*body, "password", kMaxPasswordBytes);
    if (!password.ok()) co_return ErrorResponse(req, password.status());
    in.set_username(std::move(*username));
    in.set_password(std::move(*password));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->Login(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  co_return JsonResponse(200, TokenJson(*out));
}

// The refresh token from the JSON body, or (for a browser session, CSRF-checked) its cookie.
absl::StatusOr<std::string> PresentedRefreshToken(const http::Request& req, bool* from_cookie) {
  *from_cookie = false;
  const std::string cookie = CookieValue(req, kRefreshCookie);
  if (!cookie.empty() && (req.body.empty() || req.body == "{}")) {
    RETURN_IF_ERROR(CheckCsrf(req));
    if (cookie.size() > kMaxRefreshTokenBytes) {
      return absl::InvalidArgumentError("refresh cookie too long");
    }
    *from_cookie = true;
    return cookie;
  }
  ASSIGN_OR_RETURN(JsonObject body, ParseObject(req.body, {"refresh_token"}));
  return RequiredString(body, "refresh_token", kMaxRefreshTokenBytes);
}

awaitable<http::Response> Refresh(const HandlerContext& ctx, http::Request& req,
                                  const PathParams&) {
  auth::v1::RefreshRequest in;
  bool from_cookie = false;
  {
    absl::StatusOr<std::string> token = PresentedRefreshToken(req, &from_cookie);
    if (!token.ok()) co_return ErrorResponse(req, token.status());
    in.set_refresh_token(std::move(*token));
  }
  auto out = co_await ctx.upstreams->Refresh(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  http::Response res = JsonResponse(200, TokenJson(*out));
  if (from_cookie) {
    for (std::string& cookie : SessionCookies(*out)) {
      res.headers.emplace_back("Set-Cookie", std::move(cookie));
    }
  }
  co_return res;
}

awaitable<http::Response> Logout(const HandlerContext& ctx, http::Request& req, const PathParams&) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  auth::v1::LogoutRequest in;
  in.set_access_token(caller->access_token);
  auto out = co_await ctx.upstreams->Logout(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  http::Response res;
  res.status = 204;
  for (std::string& cookie : ClearedSessionCookies()) {
    res.headers.emplace_back("Set-Cookie", std::move(cookie));
  }
  co_return res;
}

// POST /api/v1/auth/sms {mobile, purpose?="register"} → {expires_in, resend_after}
awaitable<http::Response> SendSmsCode(const HandlerContext& ctx, http::Request& req,
                                      const PathParams&) {
  auth::v1::SendSmsCodeRequest in;
  {
    absl::StatusOr<JsonObject> body = ParseObject(req.body, {"mobile", "purpose"});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
    absl::StatusOr<std::string> mobile = RequiredString(*body, "mobile", kMaxMobileBytes);
    if (!mobile.ok()) co_return ErrorResponse(req, mobile.status());
    absl::StatusOr<std::string> purpose = OptionalString(*body, "purpose", kMaxPurposeBytes);
    if (!purpose.ok()) co_return ErrorResponse(req, purpose.status());
    in.set_mobile(std::move(*mobile));
    in.set_purpose(purpose->empty() ? "register" : std::move(*purpose));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->SendSmsCode(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  JsonObject root;
  root["expires_in"] = out->expires_in();
  root["resend_after"] = out->resend_after();
  co_return JsonResponse(200, boost::json::serialize(root));
}

// POST /api/v1/auth/sms/login {mobile, code} → tokens
awaitable<http::Response> SmsLogin(const HandlerContext& ctx, http::Request& req,
                                   const PathParams&) {
  auth::v1::SmsLoginRequest in;
  {
    absl::StatusOr<JsonObject> body = ParseObject(req.body, {"mobile", "code"});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
    absl::StatusOr<std::string> mobile = RequiredString(*body, "mobile", kMaxMobileBytes);
    if (!mobile.ok()) co_return ErrorResponse(req, mobile.status());
    absl::StatusOr<std::string> code = RequiredString(*body, "code", kMaxCodeBytes);
    if (!code.ok()) co_return ErrorResponse(req, code.status());
    in.set_mobile(std::move(*mobile));
    in.set_code(std::move(*code));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->SmsLogin(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  co_return JsonResponse(200, TokenJson(*out));
}

awaitable<http::Response> Me(const HandlerContext& ctx, http::Request& req, const PathParams&) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  auth::v1::GetUserRequest in;
  in.set_user_id(caller->user_id);
  auto out = co_await ctx.upstreams->GetUser(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  co_return JsonResponse(200, UserJson(*out));
}

}  // namespace

void AddAuthRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("POST", "/api/v1/auth/register", Bind(ctx, Register));
  router.Add("POST", "/api/v1/auth/login", Bind(ctx, Login));
  router.Add("POST", "/api/v1/auth/refresh", Bind(ctx, Refresh));
  router.Add("POST", "/api/v1/auth/logout", Bind(ctx, Logout));
  router.Add("POST", "/api/v1/auth/sms", Bind(ctx, SendSmsCode));
  router.Add("POST", "/api/v1/auth/sms/login", Bind(ctx, SmsLogin));
  router.Add("GET", "/api/v1/me", Bind(ctx, Me));
}

}  // namespace paymesh::gateway
