#pragma once

// Signing in with WeChat and the WeChat platform credentials auth hands out:
//   - web OAuth for the Official Account: a one-time state in Redis, then code → openid (and
//     profile for snsapi_userinfo) → account → session, landing on an allow-listed redirect;
//   - mini program login: code2session → account → session, with the same code accepted again
//     while it lives (same account, a new session);
//   - the access_token / jsapi_ticket of each configured app, from the TokenCentre;
//   - JS-SDK wx.config parameters for an allow-listed page.
//
// Redis keys (prefix paymesh:auth:wx:): oauth_state:<state> (JSON, state_ttl, taken with
// GETDEL) and mp_code:<sha256(code)> ("pending" while code2session runs, then the user id).
// Blocking: worker threads only. Thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/client.h"
#include "common/time/clock.h"
#include "services/auth/logic.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/store.h"
#include "services/auth/token_centre.h"
#include "services/auth/wechat_api.h"

namespace paymesh::auth {

struct WechatOptions {
  std::string oa_appid;           // "" when no Official Account is configured
  std::string miniprogram_appid;  // "" when no mini program is configured
  std::string open_base_url = "https://open.weixin.qq.com";
  std::string oauth_callback_url;            // the gateway's public .../api/v1/auth/wechat/callback
  std::vector<std::string> allowed_origins;  // for OAuth redirects and JS-SDK pages
  std::vector<std::string> jsapi_list;
  std::chrono::seconds state_ttl{300};
  std::chrono::seconds code_ttl{300};         // how long WeChat's login codes live
  std::chrono::milliseconds code_wait{5000};  // for a concurrent use of the same code
  // Sign-in starts and mini program logins per client IP a minute: each costs a Redis key or a
  // WeChat call.
  int64_t max_per_ip_per_minute = 60;
};

struct OauthStart {
  std::string authorize_url;
  std::string state;
  std::chrono::seconds expires_in;
};

struct OauthFinish {
  TokenPair tokens;
  std::string redirect;
  User user;
};

struct JsSdkConfig {
  std::string app_id;
  int64_t timestamp = 0;
  std::string nonce_str;
  std::string signature;
  std::vector<std::string> js_api_list;
};

class WechatLogic {
 public:
  struct Deps {
    WechatApi* wechat;
    TokenCentre* tokens;
    UserStore* users;
    AuthLogic* auth;
    redis::Client* redis;
    RateLimiter* limiter;
    const time::Clock* clock;
  };
  WechatLogic(WechatOptions options, Deps deps) : options_(std::move(options)), deps_(deps) {}

  // INVALID_ARGUMENT for a scope other than snsapi_base / snsapi_userinfo or a redirect off the
  // allowed origins; FAILED_PRECONDITION without an Official Account; RESOURCE_EXHAUSTED over the
  // client IP's budget.
  absl::StatusOr<OauthStart> StartOauth(std::string_view scope, std::string_view redirect,
                                        std::string_view link_user_id, std::string_view client_ip);
  // INVALID_ARGUMENT for a missing, malformed, used, expired or foreign state (browser_state
  // differs) or a code WeChat refuses; ALREADY_EXISTS when linking an identity another account
  // owns.
  absl::StatusOr<OauthFinish> FinishOauth(std::string_view code, std::string_view state,
                                          std::string_view browser_state);
  absl::StatusOr<TokenPair> MiniProgramLogin(std::string_view code, std::string_view client_ip);

  // `appid` "" is the Official Account; another appid must be one configured here
  // (INVALID_ARGUMENT otherwise).
  absl::StatusOr<WechatCredential> AccessToken(std::string_view appid);
  absl::StatusOr<WechatCredential> JsapiTicket(std::string_view appid);
  absl::StatusOr<WechatCredential> ReportInvalidAccessToken(std::string_view appid,
                                                            std::string_view token);
  absl::StatusOr<JsSdkConfig> JsSdkConfigFor(std::string_view url);
  // For payments: the openid `user_id` signed in with for a configured app.
  absl::StatusOr<std::string> OpenidOf(std::string_view user_id, std::string_view appid);

 private:
  absl::StatusOr<std::string> AppOf(std::string_view appid) const;
  absl::StatusOr<std::string> ValidRedirect(std::string_view redirect) const;
  absl::StatusOr<User> SignIn(const WechatIdentity& identity, const std::string& link_user_id);
  // The user id a code already signed in, waiting while another request redeems it;
  // "" when this caller should redeem it (it now holds the claim).
  absl::StatusOr<std::string> ClaimCode(const std::string& key);
  absl::Status SpendIpBudget(const char* what, std::string_view client_ip);

  WechatOptions options_;
  Deps deps_;
};

}  // namespace paymesh::auth
