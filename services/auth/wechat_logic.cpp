#include "services/auth/wechat_logic.h"

#include <algorithm>
#include <boost/json.hpp>
#include <thread>

#include "absl/strings/ascii.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/http/message.h"
#include "common/log/log.h"
#include "services/auth/jssdk.h"

namespace paymesh::auth {
namespace {

namespace json = boost::json;

constexpr char kPrefix[] = "paymesh:auth:wx:";
constexpr size_t kStateChars = 32;
constexpr size_t kMaxCodeBytes = 128;
constexpr char kPending[] = "pending";
constexpr char kBadState[] = "state is unknown, used or expired; start the sign-in again";
constexpr char kBadCode[] = "the WeChat code is invalid, expired or used";

bool Alnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c); });
}

// WeChat's codes are short tokens of letters, digits, '-' and '_'.
bool PlausibleCode(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCodeBytes && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_';
  });
}

bool PlausibleUuid(std::string_view s) {
  return s.size() == 36 && std::all_of(s.begin(), s.end(),
                                       [](char c) { return absl::ascii_isxdigit(c) || c == '-'; });
}

std::string MaskOpenid(const std::string& o) {
  return o.size() <= 8 ? "****" : o.substr(0, 4) + "****" + o.substr(o.size() - 4);
}

// A fresh username for an account created by WeChat: "wx_" + 12 lowercase letters and digits.
std::string NewWechatUsername() {
  std::string s = crypto::RandomAlnum(12);
  for (char& c : s) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return "wx_" + s;
}

// What the schema keeps of an identity WeChat described (wechat_identities' CHECKs): a
// missing or oversized openid is WeChat misbehaving; an oversized unionid is dropped; the
// nickname is cut at 256 bytes (on a UTF-8 boundary) and an oversized avatar URL dropped.
absl::StatusOr<WechatIdentity> Bounded(WechatIdentity identity) {
  constexpr size_t kMaxId = 128, kMaxNickname = 256, kMaxAvatar = 1024;
  if (identity.openid.empty() || identity.openid.size() > kMaxId) {
    return absl::UnavailableError("WeChat answered an unusable openid");
  }
  if (identity.unionid.size() > kMaxId) identity.unionid.clear();
  if (identity.nickname.size() > kMaxNickname) {
    size_t cut = kMaxNickname;
    while (cut > 0 && (static_cast<unsigned char>(identity.nickname[cut]) & 0xC0) == 0x80) --cut;
    identity.nickname.resize(cut);
  }
  if (identity.avatar.size() > kMaxAvatar) identity.avatar.clear();
  return identity;
}

absl::Status CodeError(const absl::Status& st) {
  return absl::IsInvalidArgument(st) ? absl::InvalidArgumentError(kBadCode) : st;
}

}  // namespace

absl::StatusOr<std::string> WechatLogic::AppOf(std::string_view appid) const {
  if (appid.empty()) {
    if (options_.oa_appid.empty()) {
      return absl::FailedPreconditionError("no WeChat Official Account is configured");
    }
    return options_.oa_appid;
  }
  if (appid == options_.oa_appid || appid == options_.miniprogram_appid) return std::string(appid);
  return absl::InvalidArgumentError("appid is not one of the configured WeChat apps");
}

absl::StatusOr<std::string> WechatLogic::ValidRedirect(std::string_view redirect) const {
  if (redirect.empty()) return absl::InvalidArgumentError("redirect is required");
  if (redirect.size() > kMaxPageUrlBytes ||
      !std::all_of(redirect.begin(), redirect.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
    return absl::InvalidArgumentError("redirect must be a URL of at most 2048 printable bytes");
  }
  const std::string origin = OriginOf(redirect);
  if (origin.empty() || std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                                  origin) == options_.allowed_origins.end()) {
    return absl::InvalidArgumentError("redirect is not on an allowed origin");
  }
  return std::string(redirect);
}

absl::Status WechatLogic::SpendIpBudget(const char* what, std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string ip, ClientKey(client_ip));
  return Spend(*deps_.limiter, std::string("wx:") + what + ":ip:" + ip, std::chrono::minutes(1),
               options_.max_per_ip_per_minute, "too many WeChat sign-ins from this address");
}

absl::StatusOr<OauthStart> WechatLogic::StartOauth(std::string_view scope,
                                                   std::string_view redirect,
                                                   std::string_view link_user_id,
                                                   std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string appid, AppOf(""));
  RETURN_IF_ERROR(SpendIpBudget("oauth", client_ip));
  if (scope != "snsapi_base" && scope != "snsapi_userinfo") {
    return absl::InvalidArgumentError("scope must be snsapi_base or snsapi_userinfo");
  }
  ASSIGN_OR_RETURN(std::string target, ValidRedirect(redirect));
  if (!link_user_id.empty() && !PlausibleUuid(link_user_id)) {
    return absl::InvalidArgumentError("link_user_id must be a UUID");
  }
  const std::string state = crypto::RandomAlnum(kStateChars);
  const json::object saved{{"scope", scope}, {"redirect", target}, {"link", link_user_id}};
  RETURN_IF_ERROR(deps_.redis->SetEx(kPrefix + std::string("oauth_state:") + state,
                                     json::serialize(saved), options_.state_ttl));
  // WeChat matches this URL with a regular expression: the parameters in exactly this order,
  // and the #wechat_redirect fragment.
  std::string url = options_.open_base_url + "/connect/oauth2/authorize?appid=" + appid;
  url += "&redirect_uri=" + http::PercentEncode(options_.oauth_callback_url);
  url += "&response_type=code&scope=" + std::string(scope) + "&state=" + state;
  url += "#wechat_redirect";
  return OauthStart{std::move(url), state, options_.state_ttl};
}

absl::StatusOr<OauthFinish> WechatLogic::FinishOauth(std::string_view code, std::string_view state,
                                                     std::string_view browser_state) {
  ASSIGN_OR_RETURN(std::string appid, AppOf(""));
  if (state.size() != kStateChars || !Alnum(state)) return absl::InvalidArgumentError(kBadState);
  // The state must come back to the browser it was given to: a sign-in started elsewhere (an
  // attacker's own, planted in a victim's browser) is refused before it is spent.
  if (!crypto::ConstantTimeEquals(state, browser_state)) {
    log::Warn("oauth state from another browser refused", {});
    return absl::InvalidArgumentError("state does not belong to this browser");
  }
  if (!PlausibleCode(code)) return absl::InvalidArgumentError("code is missing or malformed");
  ASSIGN_OR_RETURN(
      redis::Reply taken,
      deps_.redis->Command({"GETDEL", kPrefix + std::string("oauth_state:") + std::string(state)}));
  if (taken.is_nil()) return absl::InvalidArgumentError(kBadState);
  boost::system::error_code ec;
  json::value saved = json::parse(taken.str, ec);
  if (ec || !saved.is_object()) return absl::InternalError("unreadable oauth state");
  const json::object& o = saved.as_object();
  const std::string scope(o.at("scope").as_string());
  const std::string redirect(o.at("redirect").as_string());
  const std::string link(o.at("link").as_string());

  absl::StatusOr<OauthGrant> grant = deps_.wechat->ExchangeOauthCode(appid, std::string(code));
  if (!grant.ok()) return CodeError(grant.status());
  WechatIdentity identity{appid, grant->openid, grant->unionid, "", "", ""};
  if (scope == "snsapi_userinfo") {
    ASSIGN_OR_RETURN(WechatProfile profile,
                     deps_.wechat->UserInfo(grant->access_token, grant->openid));
    identity.nickname = profile.nickname;
    identity.avatar = profile.avatar;
    if (!profile.unionid.empty()) identity.unionid = profile.unionid;
  }
  ASSIGN_OR_RETURN(User user, SignIn(identity, link));
  ASSIGN_OR_RETURN(TokenPair tokens, deps_.auth->StartSession(user));
  return OauthFinish{std::move(tokens), redirect, std::move(user)};
}

absl::StatusOr<User> WechatLogic::SignIn(const WechatIdentity& described,
                                         const std::string& link_user_id) {
  ASSIGN_OR_RETURN(WechatIdentity identity, Bounded(described));
  absl::StatusOr<User> user = link_user_id.empty()
                                  ? deps_.users->UpsertWechatUser(identity, NewWechatUsername())
                                  : deps_.users->LinkWechatIdentity(link_user_id, identity);
  if (user.ok()) {
    log::Info(link_user_id.empty() ? "wechat sign-in" : "wechat identity linked",
              {{"user_id", user->id},
               {"appid", identity.appid},
               {"openid", MaskOpenid(identity.openid)}});
  }
  return user;
}

absl::StatusOr<std::string> WechatLogic::ClaimCode(const std::string& key) {
  const auto deadline = std::chrono::steady_clock::now() + options_.code_wait;
  while (true) {
    ASSIGN_OR_RETURN(bool mine, deps_.redis->SetNxEx(key, kPending, options_.code_ttl));
    if (mine) return std::string();
    ASSIGN_OR_RETURN(std::optional<std::string> value, deps_.redis->Get(key));
    if (value && *value != kPending) return *value;
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::UnavailableError("this code is still being redeemed; retry");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<TokenPair> WechatLogic::MiniProgramLogin(std::string_view code,
                                                        std::string_view client_ip) {
  if (options_.miniprogram_appid.empty()) {
    return absl::FailedPreconditionError("no WeChat mini program is configured");
  }
  RETURN_IF_ERROR(SpendIpBudget("mp", client_ip));
  if (!PlausibleCode(code)) return absl::InvalidArgumentError("code is missing or malformed");
  // wx.login() codes work once; a client that retries (a lost answer, a double tap) with the
  // same code gets the same account again instead of WeChat's 40163. A code is the app's own:
  // the key names the app, so deployments sharing a Redis never answer each other's codes.
  const std::string key = kPrefix + std::string("mp_code:") + options_.miniprogram_appid + ":" +
                          crypto::HexLower(crypto::Sha256(std::string(code)));
  ASSIGN_OR_RETURN(std::string user_id, ClaimCode(key));
  if (!user_id.empty()) {
    ASSIGN_OR_RETURN(User user, deps_.users->FindById(user_id));
    log::Info("mini program login repeated with the same code", {{"user_id", user.id}});
    return deps_.auth->StartSession(user);
  }
  absl::StatusOr<MiniProgramSession> session =
      deps_.wechat->CodeToSession(options_.miniprogram_appid, std::string(code));
  if (!session.ok()) {
    (void)deps_.redis->Del(key);
    return CodeError(session.status());
  }
  WechatIdentity identity{options_.miniprogram_appid, session->openid, session->unionid, "", "",
                          session->session_key};
  absl::StatusOr<User> user = SignIn(identity, "");
  if (!user.ok()) {
    (void)deps_.redis->Del(key);
    return user.status();
  }
  (void)deps_.redis->Command({"SET", key, user->id, "XX", "KEEPTTL"});
  return deps_.auth->StartSession(*user);
}

absl::StatusOr<WechatCredential> WechatLogic::AccessToken(std::string_view appid) {
  ASSIGN_OR_RETURN(std::string app, AppOf(appid));
  return deps_.tokens->AccessToken(app);
}

absl::StatusOr<WechatCredential> WechatLogic::JsapiTicket(std::string_view appid) {
  ASSIGN_OR_RETURN(std::string app, AppOf(appid));
  return deps_.tokens->JsapiTicket(app);
}

absl::StatusOr<WechatCredential> WechatLogic::ReportInvalidAccessToken(std::string_view appid,
                                                                       std::string_view token) {
  ASSIGN_OR_RETURN(std::string app, AppOf(appid));
  if (token.empty() || token.size() > 2048) {
    return absl::InvalidArgumentError("access_token must be 1 to 2048 bytes");
  }
  return deps_.tokens->ReportInvalidAccessToken(app, std::string(token));
}

absl::StatusOr<JsSdkConfig> WechatLogic::JsSdkConfigFor(std::string_view url) {
  ASSIGN_OR_RETURN(std::string appid, AppOf(""));
  ASSIGN_OR_RETURN(std::string page, PageUrlToSign(url, options_.allowed_origins));
  ASSIGN_OR_RETURN(WechatCredential ticket, deps_.tokens->JsapiTicket(appid));
  JsSdkConfig config;
  config.app_id = appid;
  config.timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.clock->Now().time_since_epoch())
          .count();
  config.nonce_str = crypto::RandomAlnum(16);
  config.signature = JsSdkSignature(ticket.value, config.nonce_str, config.timestamp, page);
  config.js_api_list = options_.jsapi_list;
  return config;
}

absl::StatusOr<std::string> WechatLogic::OpenidOf(std::string_view user_id,
                                                  std::string_view appid) {
  if (!PlausibleUuid(user_id)) return absl::InvalidArgumentError("user_id must be a UUID");
  ASSIGN_OR_RETURN(std::string app, AppOf(appid));
  return deps_.users->FindOpenid(user_id, app);
}

}  // namespace paymesh::auth
