#include "tools/wechat-sim/mp_store.h"

#include <utility>

#include "common/crypto/crypto.h"

namespace paymesh::wechatsim {
namespace {

constexpr int64_t kUserTokenTtl = 7200;

MpError Err(int code, std::string message) { return MpError{code, std::move(message)}; }

}  // namespace

MpStore::MpStore(MpOptions options) : options_(std::move(options)) {}

MpError MpStore::CheckApp(const std::string& appid, const std::string& secret,
                          int bad_secret) const {
  std::string expected;
  if (appid == options_.oa_appid) {
    expected = options_.oa_secret;
  } else if (appid == options_.miniprogram_appid) {
    expected = options_.miniprogram_secret;
  } else {
    return Err(40013, "invalid appid");
  }
  if (!crypto::ConstantTimeEquals(secret, expected)) {
    return Err(bad_secret, bad_secret == 40125 ? "invalid appsecret"
                                               : "invalid credential, access_token is invalid "
                                                 "or not latest");
  }
  return {};
}

void MpStore::SetUser(const std::string& appid, MpUser user) {
  std::lock_guard<std::mutex> lock(mu_);
  users_[appid] = std::move(user);
}

MpUser MpStore::UserFor(const std::string& appid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(appid);
  if (it != users_.end()) return it->second;
  return MpUser{"o" + crypto::RandomAlnum(27), "", "", ""};
}

std::string MpStore::IssueOauthCode(const std::string& appid, const std::string& scope,
                                    int64_t now) {
  MpUser user = UserFor(appid);
  std::lock_guard<std::mutex> lock(mu_);
  std::string code = crypto::RandomAlnum(32);
  openids_.emplace(appid, user.openid);
  codes_[code] = Code{appid, scope, std::move(user), now, false};
  return code;
}

std::optional<MpStore::OauthGrant> MpStore::RedeemOauthCode(const std::string& appid,
                                                            const std::string& code, int64_t now,
                                                            MpError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(code);
  if (it == codes_.end() || it->second.appid != appid || it->second.scope.empty() ||
      now - it->second.issued_at >= options_.code_ttl) {
    *error = Err(40029, "invalid code");
    return std::nullopt;
  }
  if (it->second.used) {
    *error = Err(40163, "code been used");
    return std::nullopt;
  }
  it->second.used = true;
  OauthGrant grant{it->second.user, it->second.scope, crypto::RandomAlnum(64),
                   crypto::RandomAlnum(64)};
  user_tokens_[grant.access_token] = UserToken{grant.user, grant.scope, now + kUserTokenTtl};
  return grant;
}

std::optional<MpUser> MpStore::UserInfo(const std::string& access_token, const std::string& openid,
                                        int64_t now, MpError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = user_tokens_.find(access_token);
  if (it == user_tokens_.end()) {
    *error = Err(40001, "invalid credential, access_token is invalid or not latest");
    return std::nullopt;
  }
  if (now >= it->second.expires_at) {
    *error = Err(42001, "access_token expired");
    return std::nullopt;
  }
  if (it->second.user.openid != openid) {
    *error = Err(40003, "invalid openid");
    return std::nullopt;
  }
  if (it->second.scope != "snsapi_userinfo") {
    *error = Err(48001, "api unauthorized");
    return std::nullopt;
  }
  return it->second.user;
}

std::string MpStore::MintLoginCode(const std::string& appid, MpUser user, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string code = crypto::RandomAlnum(32);
  openids_.emplace(appid, user.openid);
  codes_[code] = Code{appid, "", std::move(user), now, false};
  return code;
}

bool MpStore::KnowsOpenid(const std::string& appid, const std::string& openid) const {
  std::lock_guard<std::mutex> lock(mu_);
  return openids_.count({appid, openid}) != 0;
}

std::optional<MpStore::Session> MpStore::RedeemLoginCode(const std::string& appid,
                                                         const std::string& code, int64_t now,
                                                         MpError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(code);
  if (it == codes_.end() || it->second.appid != appid || !it->second.scope.empty() ||
      now - it->second.issued_at >= options_.code_ttl) {
    *error = Err(40029, "invalid code");
    return std::nullopt;
  }
  if (it->second.used) {
    *error = Err(40163, "code been used");
    return std::nullopt;
  }
  it->second.used = true;
  return Session{it->second.user, crypto::Base64Encode(crypto::RandomBytes(16))};
}

std::string MpStore::NewAccessToken(const std::string& appid, int64_t now) {
  AppState& app = apps_[appid];
  if (!app.current_token.empty()) tokens_[app.current_token].superseded_at = now;
  app.current_token = crypto::RandomAlnum(128);
  tokens_[app.current_token] = GlobalToken{appid, now + options_.token_ttl, 0};
  return app.current_token;
}

IssuedToken MpStore::FetchAccessToken(const std::string& appid, bool stable, bool force,
                                      int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  AppState& app = apps_[appid];
  auto current = tokens_.find(app.current_token);
  const bool fresh_enough =
      current != tokens_.end() && current->second.expires_at - now > options_.token_overlap;
  std::string token =
      stable && !force && fresh_enough ? app.current_token : NewAccessToken(appid, now);
  return IssuedToken{token, tokens_[token].expires_at - now};
}

bool MpStore::RevokeAccessToken(const std::string& appid, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  AppState& app = apps_[appid];
  auto current = tokens_.find(app.current_token);
  app.current_token.clear();
  if (current == tokens_.end()) return false;
  current->second.superseded_at = now - options_.token_overlap;
  return true;
}

MpError MpStore::CheckAccessToken(const std::string& token, int64_t now, std::string* appid) const {
  if (token.empty()) return Err(41001, "access_token missing");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) {
    return Err(40001, "invalid credential, access_token is invalid or not latest");
  }
  const GlobalToken& t = it->second;
  if (t.superseded_at != 0 && now - t.superseded_at >= options_.token_overlap) {
    return Err(40001, "invalid credential, access_token is invalid or not latest");
  }
  if (now >= t.expires_at) return Err(42001, "access_token expired");
  *appid = t.appid;
  return {};
}

IssuedToken MpStore::Ticket(const std::string& appid, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  AppState& app = apps_[appid];
  if (app.current_ticket.empty() || app.ticket_expires_at - now <= options_.token_overlap) {
    app.current_ticket = crypto::RandomAlnum(86);
    app.ticket_expires_at = now + options_.token_ttl;
  }
  return IssuedToken{app.current_ticket, app.ticket_expires_at - now};
}

std::map<std::string, MpStore::AppTokens> MpStore::CurrentTokens(int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, AppTokens> out;
  for (const auto& [appid, app] : apps_) {
    AppTokens t;
    auto token = tokens_.find(app.current_token);
    if (token != tokens_.end() && now < token->second.expires_at) {
      t.access_token = app.current_token;
      t.access_token_expires_at = token->second.expires_at;
    }
    if (!app.current_ticket.empty() && now < app.ticket_expires_at) {
      t.jsapi_ticket = app.current_ticket;
      t.jsapi_ticket_expires_at = app.ticket_expires_at;
    }
    out[appid] = t;
  }
  return out;
}

void MpStore::Count(const std::string& endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_[endpoint];
}

std::map<std::string, int64_t> MpStore::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void MpStore::ResetCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.clear();
}

void MpStore::RecordSms(Sms sms) {
  std::lock_guard<std::mutex> lock(mu_);
  sms_.push_back(std::move(sms));
}

std::vector<MpStore::Sms> MpStore::SmsFor(const std::string& mobile) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Sms> out;
  for (const Sms& s : sms_) {
    if (mobile.empty() || s.mobile == mobile) out.push_back(s);
  }
  return out;
}

}  // namespace paymesh::wechatsim
