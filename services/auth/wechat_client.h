#pragma once

// WechatApi over HTTPS (common/http Transport). Knows each app's secret; sends them only in the
// requests WeChat requires them in.

#include <chrono>
#include <map>
#include <string>

#include "common/config/env.h"
#include "common/http/transport.h"
#include "common/metrics/metrics.h"
#include "services/auth/wechat_api.h"

namespace paymesh::auth {

struct WechatClientOptions {
  std::string api_base_url = "https://api.weixin.qq.com";  // no trailing slash
  std::map<std::string, config::Secret> secrets;           // by appid
  std::chrono::milliseconds timeout{3000};                 // per call
};

class WechatClient final : public WechatApi {
 public:
  // `transport` must outlive the client.
  WechatClient(WechatClientOptions options, http::Transport& transport);

  absl::StatusOr<OauthGrant> ExchangeOauthCode(const std::string& appid,
                                               const std::string& code) override;
  absl::StatusOr<WechatProfile> UserInfo(const std::string& user_access_token,
                                         const std::string& openid) override;
  absl::StatusOr<MiniProgramSession> CodeToSession(const std::string& appid,
                                                   const std::string& code) override;
  absl::StatusOr<IssuedCredential> StableAccessToken(const std::string& appid,
                                                     bool force_refresh) override;
  absl::StatusOr<IssuedCredential> JsapiTicket(const std::string& access_token) override;

 private:
  // The JSON object WeChat answered, or its errcode translated (see wechat_api.h).
  struct Answer;
  absl::StatusOr<Answer> Call(const char* endpoint, const std::string& method,
                              const std::string& target, const std::string& body);
  absl::StatusOr<std::string> SecretOf(const std::string& appid) const;

  WechatClientOptions options_;
  http::Transport& transport_;
  metrics::Counter& calls_;
};

// Exposed for tests: WeChat's errcode as a Status code (wechat_api.h).
absl::StatusCode StatusCodeOfErrcode(int64_t errcode);

}  // namespace paymesh::auth
