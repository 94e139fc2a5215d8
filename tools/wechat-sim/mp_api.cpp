#include "tools/wechat-sim/mp_api.h"

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/crypto/crypto.h"
#include "common/log/log.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr size_t kMaxField = 512;

std::string Param(const http::Request& req, std::string_view name) {
  std::optional<std::string> v = http::QueryParam(req.Query(), name);
  return v && v->size() <= kMaxField ? *v : "";
}

// WeChat's error answer, with its "rid" suffix.
http::Response Errcode(const MpError& e) {
  json::object o{{"errcode", e.code},
                 {"errmsg", e.message + ", rid: " + crypto::HexLower(crypto::RandomBytes(12))}};
  return http::Response::Json(200, json::serialize(o));
}
http::Response Errcode(int code, std::string message) {
  return Errcode(MpError{code, std::move(message)});
}

http::Response Ok(json::object o) { return http::Response::Json(200, json::serialize(o)); }

http::Response NoContent() {
  http::Response res;
  res.status = 204;
  return res;
}

bool IsStateText(std::string_view s) {
  if (s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

// /connect/oauth2/authorize: WeChat's page errors are shown to the user, not redirected.
http::Response Authorize(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("connect/oauth2/authorize");
  const std::string appid = Param(req, "appid");
  const std::string redirect = Param(req, "redirect_uri");
  const std::string scope = Param(req, "scope");
  const std::string state = Param(req, "state");
  const auto page_error = [](int code, const char* what) {
    return http::Response::Text(400, std::to_string(code) + " " + what);
  };
  if (appid.empty()) return page_error(10012, "appid empty");
  if (appid != store.options().oa_appid) return page_error(10016, "appid not supported");
  if (redirect.empty()) return page_error(10011, "redirect_uri empty");
  if (redirect.rfind("http://", 0) != 0 && redirect.rfind("https://", 0) != 0) {
    return page_error(10003, "redirect_uri domain mismatch");
  }
  if (Param(req, "response_type") != "code") return page_error(10004, "response_type");
  if (scope.empty()) return page_error(10010, "scope empty");
  if (scope != "snsapi_base" && scope != "snsapi_userinfo") {
    return page_error(10005, "no permission for this scope");
  }
  if (!IsStateText(state)) return page_error(10013, "state must be 0-128 of a-zA-Z0-9");
  const std::string code = store.IssueOauthCode(appid, scope, now);
  std::string location = redirect;
  location += redirect.find('?') == std::string::npos ? '?' : '&';
  location += "code=" + code + "&state=" + state;
  http::Response res;
  res.status = 302;
  res.SetHeader("Location", location);
  return res;
}

http::Response OauthAccessToken(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("sns/oauth2/access_token");
  if (Param(req, "grant_type") != "authorization_code") {
    return Errcode(40002, "invalid grant_type");
  }
  const std::string appid = Param(req, "appid");
  MpError e = store.CheckApp(appid, Param(req, "secret"), 40125);
  if (e.code != 0) return Errcode(e);
  std::optional<MpStore::OauthGrant> grant =
      store.RedeemOauthCode(appid, Param(req, "code"), now, &e);
  if (!grant) return Errcode(e);
  json::object o{{"access_token", grant->access_token},
                 {"expires_in", 7200},
                 {"refresh_token", grant->refresh_token},
                 {"openid", grant->user.openid},
                 {"scope", grant->scope}};
  if (grant->scope == "snsapi_userinfo" && !grant->user.unionid.empty()) {
    o["unionid"] = grant->user.unionid;
  }
  return Ok(std::move(o));
}

http::Response UserInfo(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("sns/userinfo");
  MpError e;
  std::optional<MpUser> user =
      store.UserInfo(Param(req, "access_token"), Param(req, "openid"), now, &e);
  if (!user) return Errcode(e);
  json::object o{{"openid", user->openid},
                 {"nickname", user->nickname},
                 {"sex", 0},
                 {"province", ""},
                 {"city", ""},
                 {"country", ""},
                 {"headimgurl", user->avatar},
                 {"privilege", json::array()}};
  if (!user->unionid.empty()) o["unionid"] = user->unionid;
  return Ok(std::move(o));
}

http::Response CodeToSession(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("sns/jscode2session");
  if (Param(req, "grant_type") != "authorization_code") {
    return Errcode(40002, "invalid grant_type");
  }
  const std::string appid = Param(req, "appid");
  if (appid.empty()) return Errcode(41002, "appid missing");
  if (Param(req, "js_code").empty()) return Errcode(41008, "missing code");
  MpError e = store.CheckApp(appid, Param(req, "secret"), 40125);
  if (e.code != 0) return Errcode(e);
  std::optional<MpStore::Session> session =
      store.RedeemLoginCode(appid, Param(req, "js_code"), now, &e);
  if (!session) return Errcode(e);
  json::object o{{"openid", session->user.openid}, {"session_key", session->session_key}};
  if (!session->user.unionid.empty()) o["unionid"] = session->user.unionid;
  return Ok(std::move(o));
}

http::Response Token(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("cgi-bin/token");
  if (Param(req, "grant_type") != "client_credential") {
    return Errcode(40002, "invalid grant_type");
  }
  const std::string appid = Param(req, "appid");
  MpError e = store.CheckApp(appid, Param(req, "secret"), 40001);
  if (e.code != 0) return Errcode(e);
  IssuedToken t = store.FetchAccessToken(appid, /*stable=*/false, /*force=*/false, now);
  return Ok(json::object{{"access_token", t.value}, {"expires_in", t.expires_in}});
}

http::Response StableToken(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("cgi-bin/stable_token");
  if (req.method != "POST") return Errcode(43002, "require POST method");
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return Errcode(47001, "data format error");
  const json::object& o = v.as_object();
  const auto text = [&](const char* key) {
    const json::value* f = o.if_contains(key);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  if (text("grant_type") != "client_credential") return Errcode(40002, "invalid grant_type");
  const std::string appid = text("appid");
  MpError e = store.CheckApp(appid, text("secret"), 40125);
  if (e.code != 0) return Errcode(e);
  const json::value* force = o.if_contains("force_refresh");
  IssuedToken t = store.FetchAccessToken(
      appid, /*stable=*/true, force != nullptr && force->is_bool() && force->as_bool(), now);
  return Ok(json::object{{"access_token", t.value}, {"expires_in", t.expires_in}});
}

http::Response GetTicket(const http::Request& req, MpStore& store, int64_t now) {
  store.Count("cgi-bin/ticket/getticket");
  std::string appid;
  MpError e = store.CheckAccessToken(Param(req, "access_token"), now, &appid);
  if (e.code != 0) return Errcode(e);
  if (Param(req, "type") != "jsapi") return Errcode(40097, "invalid args");
  IssuedToken t = store.Ticket(appid, now);
  return Ok(json::object{
      {"errcode", 0}, {"errmsg", "ok"}, {"ticket", t.value}, {"expires_in", t.expires_in}});
}

// ---- control ---------------------------------------------------------------------------------

absl::StatusOr<json::object> JsonBody(const http::Request& req) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (!value.is_string() || value.as_string().size() > kMaxField) {
      return absl::InvalidArgumentError("field " + std::string(key) + " must be a short string");
    }
  }
  return std::move(v.as_object());
}

std::string Field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? std::string(v->as_string()) : "";
}

MpUser UserFrom(const json::object& o) {
  return MpUser{Field(o, "openid"), Field(o, "unionid"), Field(o, "nickname"), Field(o, "avatar")};
}

http::Response BadRequest(std::string message) {
  return http::Response::Json(
      400, json::serialize(json::object{{"code", "INVALID_ARGUMENT"}, {"message", message}}));
}

http::Response Control(const http::Request& req, MpStore& store, int64_t now) {
  const std::string_view path = req.Path();
  const std::string& m = req.method;
  if (path == "/sim/wechat/tokens" && m == "GET") {
    json::object out;
    for (const auto& [appid, t] : store.CurrentTokens(now)) {
      out[appid] = json::object{{"access_token", t.access_token},
                                {"access_token_expires_at", t.access_token_expires_at},
                                {"jsapi_ticket", t.jsapi_ticket},
                                {"jsapi_ticket_expires_at", t.jsapi_ticket_expires_at}};
    }
    return Ok(std::move(out));
  }
  if (path == "/sim/wechat/counters" && m == "GET") {
    json::object out;
    for (const auto& [endpoint, n] : store.Counters()) out[endpoint] = n;
    return Ok(std::move(out));
  }
  if (path == "/sim/wechat/counters" && m == "DELETE") {
    store.ResetCounters();
    return NoContent();
  }
  if (path == "/sim/wechat/revoke" && m == "POST") {
    absl::StatusOr<json::object> body = JsonBody(req);
    if (!body.ok()) return BadRequest(std::string(body.status().message()));
    std::string appid = Field(*body, "appid");
    if (appid.empty()) appid = store.options().oa_appid;
    return Ok(json::object{{"revoked", store.RevokeAccessToken(appid, now)}});
  }
  if (path == "/sim/oauth/users" && m == "POST") {
    absl::StatusOr<json::object> body = JsonBody(req);
    if (!body.ok()) return BadRequest(std::string(body.status().message()));
    MpUser user = UserFrom(*body);
    if (user.openid.empty()) return BadRequest("openid is required");
    std::string appid = Field(*body, "appid");
    if (appid.empty()) appid = store.options().oa_appid;
    store.SetUser(appid, user);
    return Ok(json::object{{"appid", appid}, {"openid", user.openid}});
  }
  if (path == "/sim/miniprogram/code" && m == "POST") {
    absl::StatusOr<json::object> body = JsonBody(req);
    if (!body.ok()) return BadRequest(std::string(body.status().message()));
    MpUser user = UserFrom(*body);
    if (user.openid.empty()) user.openid = "o" + crypto::RandomAlnum(27);
    const std::string code = store.MintLoginCode(store.options().miniprogram_appid, user, now);
    // Readable by a web page standing in for the mini program (the demo shop): wx.login()
    // hands the code to the page's own script.
    http::Response res = Ok(json::object{{"code", code}, {"openid", user.openid}});
    res.SetHeader("Access-Control-Allow-Origin", "*");
    return res;
  }
  if (path == "/sim/sms" && m == "POST") {
    absl::StatusOr<json::object> body = JsonBody(req);
    if (!body.ok()) return BadRequest(std::string(body.status().message()));
    if (Field(*body, "mobile").empty()) return BadRequest("mobile is required");
    store.RecordSms({Field(*body, "mobile"), Field(*body, "text"), now});
    log::Info("sms delivered", {{"mobile", log::MaskMobile(Field(*body, "mobile"))}});
    return NoContent();
  }
  if (path == "/sim/sms" && m == "GET") {
    json::array out;
    for (const MpStore::Sms& s : store.SmsFor(Param(req, "mobile"))) {
      out.push_back(json::object{{"mobile", s.mobile}, {"text", s.text}, {"at", s.at}});
    }
    return http::Response::Json(200, json::serialize(out));
  }
  return http::Response::Json(404, R"({"code":"NOT_FOUND","message":"no such route"})");
}

}  // namespace

bool IsMpPath(std::string_view path) {
  for (std::string_view prefix :
       {"/connect/", "/sns/", "/cgi-bin/", "/sim/wechat/", "/sim/oauth/", "/sim/miniprogram/"}) {
    if (path.substr(0, prefix.size()) == prefix) return true;
  }
  return path == "/sim/sms";
}

http::Response HandleMpApi(const http::Request& req, MpStore& store, int64_t now) {
  const std::string_view path = req.Path();
  if (path == "/connect/oauth2/authorize" && req.method == "GET") return Authorize(req, store, now);
  if (path == "/sns/oauth2/access_token") return OauthAccessToken(req, store, now);
  if (path == "/sns/userinfo") return UserInfo(req, store, now);
  if (path == "/sns/jscode2session") return CodeToSession(req, store, now);
  if (path == "/cgi-bin/token") return Token(req, store, now);
  if (path == "/cgi-bin/stable_token") return StableToken(req, store, now);
  if (path == "/cgi-bin/ticket/getticket") return GetTicket(req, store, now);
  if (path.substr(0, 5) == "/sim/") return Control(req, store, now);
  return Errcode(40066, "invalid url");
}

}  // namespace paymesh::wechatsim
