#pragma once

// A WechatApi in memory: numbered access tokens ("AT1", "AT2", ...) and tickets ("TK1", ...),
// each fetch a new one; tokens can be marked invalid (the ticket endpoint then answers
// UNAUTHENTICATED, like 40001), calls can be slowed down or failed, and every call is counted.
// Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "services/auth/wechat_api.h"

namespace paymesh::auth::testing {

class FakeWechatApi final : public WechatApi {
 public:
  absl::StatusOr<OauthGrant> ExchangeOauthCode(const std::string& appid,
                                               const std::string& code) override;
  absl::StatusOr<WechatProfile> UserInfo(const std::string& user_access_token,
                                         const std::string& openid) override;
  absl::StatusOr<MiniProgramSession> CodeToSession(const std::string& appid,
                                                   const std::string& code) override;
  absl::StatusOr<IssuedCredential> StableAccessToken(const std::string& appid,
                                                     bool force_refresh) override;
  absl::StatusOr<IssuedCredential> JsapiTicket(const std::string& access_token) override;

  // Knobs.
  void set_lifetime(std::chrono::seconds s);
  void set_delay(std::chrono::milliseconds d);   // before every answer
  void FailNext(int calls, absl::Status error);  // the next `calls` calls fail with `error`
  void Invalidate(const std::string& access_token);
  // OAuth codes and mini program codes that work once, for this user.
  void AddCode(const std::string& code, WechatProfile user, const std::string& scope);

  // Observations.
  int calls(const std::string& endpoint) const;  // "stable_token", "getticket", ...
  int forced() const;                            // stable_token calls with force_refresh

 private:
  absl::Status Enter(const std::string& endpoint);  // counts, sleeps, maybe fails

  mutable std::mutex mu_;
  std::chrono::seconds lifetime_{7200};
  std::chrono::milliseconds delay_{0};
  int fail_next_ = 0;
  absl::Status failure_;
  int tokens_ = 0, tickets_ = 0, forced_ = 0;
  std::set<std::string> invalid_;
  std::map<std::string, int> calls_;
  struct Code {
    WechatProfile user;
    std::string scope;
  };
  std::map<std::string, Code> codes_;
  std::map<std::string, WechatProfile> user_tokens_;
};

}  // namespace paymesh::auth::testing
