#include "services/auth/testing/fake_wechat_api.h"

#include <thread>

namespace paymesh::auth::testing {

absl::Status FakeWechatApi::Enter(const std::string& endpoint) {
  std::chrono::milliseconds delay;
  absl::Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[endpoint];
    delay = delay_;
    if (fail_next_ > 0) {
      --fail_next_;
      result = failure_;
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return result;
}

absl::StatusOr<OauthGrant> FakeWechatApi::ExchangeOauthCode(const std::string& /*appid*/,
                                                            const std::string& code) {
  if (absl::Status st = Enter("oauth2/access_token"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(code);
  if (it == codes_.end()) return absl::InvalidArgumentError("wechat errcode 40029");
  Code c = std::move(it->second);
  codes_.erase(it);
  const std::string user_token = "UT-" + code;
  user_tokens_[user_token] = c.user;
  return OauthGrant{c.user.openid, c.scope == "snsapi_userinfo" ? c.user.unionid : "", c.scope,
                    user_token};
}

absl::StatusOr<WechatProfile> FakeWechatApi::UserInfo(const std::string& user_access_token,
                                                      const std::string& openid) {
  if (absl::Status st = Enter("userinfo"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = user_tokens_.find(user_access_token);
  if (it == user_tokens_.end() || it->second.openid != openid) {
    return absl::UnauthenticatedError("wechat errcode 40001");
  }
  return it->second;
}

absl::StatusOr<MiniProgramSession> FakeWechatApi::CodeToSession(const std::string& /*appid*/,
                                                                const std::string& code) {
  if (absl::Status st = Enter("jscode2session"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(code);
  if (it == codes_.end()) return absl::InvalidArgumentError("wechat errcode 40029");
  MiniProgramSession s{it->second.user.openid, it->second.user.unionid, "sk-" + code};
  codes_.erase(it);
  return s;
}

absl::StatusOr<IssuedCredential> FakeWechatApi::StableAccessToken(const std::string& /*appid*/,
                                                                  bool force_refresh) {
  if (absl::Status st = Enter("stable_token"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  if (force_refresh) ++forced_;
  return IssuedCredential{"AT" + std::to_string(++tokens_), lifetime_};
}

absl::StatusOr<IssuedCredential> FakeWechatApi::JsapiTicket(const std::string& access_token) {
  if (absl::Status st = Enter("getticket"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  if (invalid_.count(access_token) != 0) return absl::UnauthenticatedError("wechat errcode 40001");
  return IssuedCredential{"TK" + std::to_string(++tickets_), lifetime_};
}

void FakeWechatApi::set_lifetime(std::chrono::seconds s) {
  std::lock_guard<std::mutex> lock(mu_);
  lifetime_ = s;
}

void FakeWechatApi::set_delay(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ = d;
}

void FakeWechatApi::FailNext(int calls, absl::Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_ = calls;
  failure_ = std::move(error);
}

void FakeWechatApi::Invalidate(const std::string& access_token) {
  std::lock_guard<std::mutex> lock(mu_);
  invalid_.insert(access_token);
}

void FakeWechatApi::AddCode(const std::string& code, WechatProfile user, const std::string& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  codes_[code] = Code{std::move(user), scope};
}

int FakeWechatApi::calls(const std::string& endpoint) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(endpoint);
  return it == calls_.end() ? 0 : it->second;
}

int FakeWechatApi::forced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return forced_;
}

}  // namespace paymesh::auth::testing
