#pragma once

// Signing in with WeChat, answered through auth:
//   GET  /api/v1/auth/wechat/authorize?scope=snsapi_base|snsapi_userinfo&redirect=…
//        [&link=1[&csrf=<the pm_csrf cookie>]]
//        → 302 to WeChat's authorize page; the one-time state also goes into a short-lived
//          __Host- cookie, so that only this browser can finish the sign-in. Linking to the
//          signed-in account needs its Bearer token, or its session cookie plus `csrf` (a link
//          is a change another site must not be able to start).
//   GET  /api/v1/auth/wechat/callback?code=…&state=… → session cookies (access, refresh, CSRF)
//        and 302 to the redirect given at the start
//   POST /api/v1/auth/miniprogram/login {code} → tokens (JSON, like password login)
//   GET  /api/v1/wechat/jssdk-config?url=… → {appId, timestamp, nonceStr, signature, jsApiList}

#include <memory>

#include "services/notify-gateway/handlers/common.h"
#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

// __Host-: Secure, Path=/, no Domain, so no sibling host can plant one.
inline constexpr char kOauthStateCookie[] = "__Host-pm_oauth_state";

void AddWechatRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx);

}  // namespace paymesh::gateway
