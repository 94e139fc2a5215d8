#include "services/notify-gateway/handlers/wechat.h"

#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "common/crypto/crypto.h"
#include "services/notify-gateway/json.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

constexpr size_t kMaxParamBytes = 2048;

// A query parameter of at most kMaxParamBytes, or "" when absent.
absl::StatusOr<std::string> Param(const http::Request& req, std::string_view name) {
  std::optional<std::string> v = http::QueryParam(req.Query(), name);
  if (!v) return std::string();
  if (v->size() > kMaxParamBytes) {
    return absl::InvalidArgumentError(std::string(name) + " is too long");
  }
  return std::move(*v);
}

http::Response Redirect(std::string location) {
  http::Response res;
  res.status = 302;
  res.SetHeader("Location", std::move(location));
  res.SetHeader("Cache-Control", "no-store");
  return res;
}

awaitable<http::Response> Authorize(const HandlerContext& ctx, http::Request& req,
                                    const PathParams&) {
  auth::v1::StartWechatOauthRequest in;
  {
    absl::StatusOr<std::string> scope = Param(req, "scope");
    if (!scope.ok()) co_return ErrorResponse(req, scope.status());
    absl::StatusOr<std::string> redirect = Param(req, "redirect");
    if (!redirect.ok()) co_return ErrorResponse(req, redirect.status());
    absl::StatusOr<std::string> link = Param(req, "link");
    if (!link.ok()) co_return ErrorResponse(req, link.status());
    if (*link == "1") {
      // Linking WeChat to the signed-in account: the caller must be that account, and a
      // cookie-authenticated browser must prove the request is its own (a GET carries no
      // X-CSRF-Token, so the token comes as `csrf`).
      if (req.Header("Authorization").empty() && !CookieValue(req, kAccessCookie).empty()) {
        absl::StatusOr<std::string> csrf = Param(req, "csrf");
        const std::string cookie = CookieValue(req, kCsrfCookie);
        if (!csrf.ok() || cookie.empty() || !crypto::ConstantTimeEquals(cookie, *csrf)) {
          co_return ErrorResponse(req, absl::PermissionDeniedError(
                                           "linking from a cookie session needs csrf=<pm_csrf>"));
        }
      }
      absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
      if (!caller.ok()) co_return ErrorResponse(req, caller.status());
      in.set_link_user_id(caller->user_id);
    } else if (!link->empty()) {
      co_return ErrorResponse(req, absl::InvalidArgumentError("link must be 1 when present"));
    }
    in.set_scope(scope->empty() ? "snsapi_base" : std::move(*scope));
    in.set_redirect(std::move(*redirect));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->StartWechatOauth(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  http::Response res = Redirect(out->authorize_url());
  res.headers.emplace_back("Set-Cookie", SetCookie(kOauthStateCookie, out->state(), "/",
                                                   std::chrono::seconds(out->state_expires_in())));
  co_return res;
}

awaitable<http::Response> Callback(const HandlerContext& ctx, http::Request& req,
                                   const PathParams&) {
  auth::v1::FinishWechatOauthRequest in;
  {
    absl::StatusOr<std::string> code = Param(req, "code");
    if (!code.ok()) co_return ErrorResponse(req, code.status());
    absl::StatusOr<std::string> state = Param(req, "state");
    if (!state.ok()) co_return ErrorResponse(req, state.status());
    if (code->empty()) {
      // WeChat sends the user back without a code when they decline.
      co_return ErrorResponse(req, absl::InvalidArgumentError("code is missing: sign-in declined"));
    }
    in.set_code(std::move(*code));
    in.set_state(std::move(*state));
    in.set_browser_state(CookieValue(req, kOauthStateCookie));
  }
  auto out = co_await ctx.upstreams->FinishWechatOauth(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  http::Response res = Redirect(out->redirect());
  res.headers.emplace_back("Set-Cookie",
                           SetCookie(kOauthStateCookie, "", "/", std::chrono::seconds(0)));
  for (std::string& cookie : SessionCookies(out->tokens())) {
    res.headers.emplace_back("Set-Cookie", std::move(cookie));
  }
  co_return res;
}

awaitable<http::Response> MiniProgramLogin(const HandlerContext& ctx, http::Request& req,
                                           const PathParams&) {
  auth::v1::MiniProgramLoginRequest in;
  {
    absl::StatusOr<JsonObject> body = ParseObject(req.body, {"code"});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
    absl::StatusOr<std::string> code = RequiredString(*body, "code", 256);
    if (!code.ok()) co_return ErrorResponse(req, code.status());
    in.set_code(std::move(*code));
    in.set_client_ip(ClientIp(ctx, req));
  }
  auto out = co_await ctx.upstreams->MiniProgramLogin(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  co_return JsonResponse(200, TokenJson(*out));
}

awaitable<http::Response> JsSdkConfig(const HandlerContext& ctx, http::Request& req,
                                      const PathParams&) {
  auth::v1::GetJsSdkConfigRequest in;
  {
    // Exactly the URL the page sent, never one rebuilt from Host or X-Forwarded-* headers.
    absl::StatusOr<std::string> url = Param(req, "url");
    if (!url.ok()) co_return ErrorResponse(req, url.status());
    if (url->empty()) co_return ErrorResponse(req, absl::InvalidArgumentError("url is required"));
    in.set_url(std::move(*url));
  }
  auto out = co_await ctx.upstreams->GetJsSdkConfig(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kAuth, out.status(), req.request_id));
  }
  JsonObject root;
  root["appId"] = out->app_id();
  root["timestamp"] = out->timestamp();
  root["nonceStr"] = out->nonce_str();
  root["signature"] = out->signature();
  boost::json::array apis;
  for (const std::string& api : out->js_api_list()) apis.emplace_back(api);
  root["jsApiList"] = std::move(apis);
  http::Response res = JsonResponse(200, boost::json::serialize(root));
  res.SetHeader("Cache-Control", "no-store");
  co_return res;
}

}  // namespace

void AddWechatRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("GET", "/api/v1/auth/wechat/authorize", Bind(ctx, Authorize));
  router.Add("GET", "/api/v1/auth/wechat/callback", Bind(ctx, Callback));
  router.Add("POST", "/api/v1/auth/miniprogram/login", Bind(ctx, MiniProgramLogin));
  router.Add("GET", "/api/v1/wechat/jssdk-config", Bind(ctx, JsSdkConfig));
}

}  // namespace paymesh::gateway
