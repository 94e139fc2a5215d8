#pragma once

// WeChat's Official Account and mini program side (api.weixin.qq.com, open.weixin.qq.com), as
// state: the two apps and their secrets; who the next web authorization or mini program login
// will be; the codes they issue (single use, 5 minutes); the user-level OAuth tokens; the global
// access_token and jsapi_ticket of each app (a new one supersedes the old, which keeps working
// for the overlap); the text messages the dev SMS sender delivered; and a call counter per
// endpoint. Thread-safe; `now` is Unix seconds.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace paymesh::wechatsim {

// A WeChat user as an app sees them.
struct MpUser {
  std::string openid;
  std::string unionid;  // "" when the app is not bound to an Open Platform account
  std::string nickname;
  std::string avatar;  // headimgurl
};

// WeChat's error answer: {"errcode":code,"errmsg":message}. code 0 is success.
struct MpError {
  int code = 0;
  std::string message;
};

struct MpOptions {
  std::string oa_appid;  // the Official Account (web OAuth, JS-SDK)
  std::string oa_secret;
  std::string miniprogram_appid;  // the mini program (code2session)
  std::string miniprogram_secret;
  int64_t token_ttl = 7200;  // access_token and jsapi_ticket
  int64_t token_overlap = 300;
  int64_t code_ttl = 300;  // OAuth and login codes
};

struct IssuedToken {
  std::string value;
  int64_t expires_in = 0;
};

class MpStore {
 public:
  explicit MpStore(MpOptions options);

  const MpOptions& options() const { return options_; }

  // 40013 for an unknown appid, `bad_secret` (40001 or 40125, as the endpoint answers) for a
  // wrong secret; code 0 when both are right.
  MpError CheckApp(const std::string& appid, const std::string& secret, int bad_secret) const;

  // The user the next authorize of `appid` (or mini program login code) stands for; a fresh one
  // with a random openid when none was set. Set: until replaced.
  void SetUser(const std::string& appid, MpUser user);
  MpUser UserFor(const std::string& appid);

  // Web OAuth: an authorize issues a code for (appid, scope, the app's user); redeeming it once
  // gives a user-level token. 40029 unknown or expired, 40163 used before.
  std::string IssueOauthCode(const std::string& appid, const std::string& scope, int64_t now);
  struct OauthGrant {
    MpUser user;
    std::string scope;
    std::string access_token;  // user-level, for /sns/userinfo
    std::string refresh_token;
  };
  std::optional<OauthGrant> RedeemOauthCode(const std::string& appid, const std::string& code,
                                            int64_t now, MpError* error);
  // /sns/userinfo: the user behind a user-level token. 40001 unknown token, 42001 expired,
  // 40003 another openid, 48001 a snsapi_base token.
  std::optional<MpUser> UserInfo(const std::string& access_token, const std::string& openid,
                                 int64_t now, MpError* error);

  // Whether a code for `openid` was ever issued to `appid` (WeChat Pay checks a JSAPI payer).
  bool KnowsOpenid(const std::string& appid, const std::string& openid) const;

  // Mini program: a wx.login() code for `user`, redeemed once by code2session.
  std::string MintLoginCode(const std::string& appid, MpUser user, int64_t now);
  struct Session {
    MpUser user;
    std::string session_key;
  };
  std::optional<Session> RedeemLoginCode(const std::string& appid, const std::string& code,
                                         int64_t now, MpError* error);

  // /cgi-bin/token: always a new token. /cgi-bin/stable_token: the current one until less than
  // the overlap is left (or `force`), then a new one. Either way a superseded token keeps working
  // for the overlap.
  IssuedToken FetchAccessToken(const std::string& appid, bool stable, bool force, int64_t now);
  // 0 when `token` is a working access_token, naming its app in *appid; 40001 unknown or
  // superseded past its overlap, 42001 expired, 41001 empty.
  MpError CheckAccessToken(const std::string& token, int64_t now, std::string* appid) const;
  // The current access_token stops working at once, as if another party had superseded it and
  // the overlap were over; the next fetch issues a new one. False when there was none.
  bool RevokeAccessToken(const std::string& appid, int64_t now);
  // The app's jsapi_ticket: the current one until less than the overlap is left, then a new one
  // (like stable_token, so a cache that refreshes inside the overlap gets a new ticket).
  IssuedToken Ticket(const std::string& appid, int64_t now);

  struct AppTokens {
    std::string access_token;  // "" when none is valid
    int64_t access_token_expires_at = 0;
    std::string jsapi_ticket;
    int64_t jsapi_ticket_expires_at = 0;
  };
  std::map<std::string, AppTokens> CurrentTokens(int64_t now) const;

  // Calls per endpoint ("cgi-bin/token", "sns/jscode2session", ...).
  void Count(const std::string& endpoint);
  std::map<std::string, int64_t> Counters() const;
  void ResetCounters();

  // Text messages the dev SMS sender delivered, oldest first.
  struct Sms {
    std::string mobile;
    std::string text;
    int64_t at = 0;
  };
  void RecordSms(Sms sms);
  std::vector<Sms> SmsFor(const std::string& mobile) const;  // "" = every message

 private:
  struct Code {
    std::string appid;
    std::string scope;
    MpUser user;
    int64_t issued_at = 0;
    bool used = false;
  };
  struct UserToken {
    MpUser user;
    std::string scope;
    int64_t expires_at = 0;
  };
  struct GlobalToken {
    std::string appid;
    int64_t expires_at = 0;
    int64_t superseded_at = 0;  // 0 while current
  };
  struct AppState {
    std::string current_token;
    std::string current_ticket;
    int64_t ticket_expires_at = 0;
  };

  std::string NewAccessToken(const std::string& appid, int64_t now);  // requires mu_

  const MpOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, MpUser> users_;  // by appid
  std::map<std::string, Code> codes_;    // OAuth and login codes
  std::map<std::string, UserToken> user_tokens_;
  std::map<std::string, GlobalToken> tokens_;  // every global access_token issued
  std::map<std::string, AppState> apps_;
  std::map<std::string, int64_t> counters_;
  std::vector<Sms> sms_;
  std::set<std::pair<std::string, std::string>> openids_;  // (appid, openid) issued
};

}  // namespace paymesh::wechatsim
