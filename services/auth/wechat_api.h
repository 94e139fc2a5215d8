#pragma once

// WeChat's Official Account and mini program APIs (api.weixin.qq.com), as auth uses them:
// web OAuth, user info, mini program code2session, the global access_token (stable_token) and
// the jsapi_ticket. WechatClient (wechat_client.h) is the real one; tests use the simulator or
// testing/fake_wechat_api.h.
//
// Every call blocks on HTTPS with a deadline: worker threads only. Thread-safe. WeChat's
// errcodes arrive translated:
//   INVALID_ARGUMENT     40029 / 40163: the code is unknown, expired or used
//   UNAUTHENTICATED      40001 / 42001 / 41001 / 40014: the access_token is invalid, superseded
//                        or expired (the token centre heals this)
//   FAILED_PRECONDITION  our app's configuration: 40013 appid, 40125 secret, 48001 scope, ...
//   RESOURCE_EXHAUSTED   45009 / 45011: a quota
//   UNAVAILABLE          -1, a 5xx, a transport failure; DEADLINE_EXCEEDED: the deadline
// The message carries the errcode, never a secret or a token.

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace paymesh::auth {

// What /sns/oauth2/access_token answers.
struct OauthGrant {
  std::string openid;
  std::string unionid;       // "" unless bound to an Open Platform account (userinfo scope)
  std::string scope;         // snsapi_base | snsapi_userinfo
  std::string access_token;  // user-level: only for UserInfo
};

struct WechatProfile {
  std::string openid;
  std::string unionid;
  std::string nickname;
  std::string avatar;
};

struct MiniProgramSession {
  std::string openid;
  std::string unionid;
  std::string session_key;  // a secret: kept server-side, never logged or returned
};

// A global credential and how long WeChat says it lives.
struct IssuedCredential {
  std::string value;
  std::chrono::seconds expires_in{0};
};

class WechatApi {
 public:
  virtual ~WechatApi() = default;
  virtual absl::StatusOr<OauthGrant> ExchangeOauthCode(const std::string& appid,
                                                       const std::string& code) = 0;
  virtual absl::StatusOr<WechatProfile> UserInfo(const std::string& user_access_token,
                                                 const std::string& openid) = 0;
  virtual absl::StatusOr<MiniProgramSession> CodeToSession(const std::string& appid,
                                                           const std::string& code) = 0;
  // POST /cgi-bin/stable_token; `force_refresh` invalidates the current one (WeChat allows it
  // 20 times a day).
  virtual absl::StatusOr<IssuedCredential> StableAccessToken(const std::string& appid,
                                                             bool force_refresh) = 0;
  virtual absl::StatusOr<IssuedCredential> JsapiTicket(const std::string& access_token) = 0;
};

}  // namespace paymesh::auth
