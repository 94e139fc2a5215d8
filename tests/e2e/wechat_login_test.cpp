// Signing in through WeChat, end to end: the browser's redirects between the gateway and the
// simulator's authorize page for web OAuth, the mini program login, SMS registration and login,
// and the JS-SDK configuration, all against the real services.

#include <boost/json.hpp>
#include <pqxx/pqxx>
#include <string>

#include "common/crypto/crypto.h"
#include "common/http/message.h"
#include "common/strings/ascii.h"
#include "tests/e2e/e2e.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;
using testing::HttpHeaders;

// host, port and target of an absolute http:// URL (the fragment dropped, as browsers do).
struct Url {
  std::string host;
  int port = 0;
  std::string target;
};

Url Parse(const std::string& url) {
  Url u;
  const std::string rest = url.substr(url.find("://") + 3);
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const size_t colon = authority.rfind(':');
  u.host = authority.substr(0, colon);
  u.port = std::stoi(authority.substr(colon + 1));
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  u.target = u.target.substr(0, u.target.find('#'));
  return u;
}

// The value a Set-Cookie header sets for `name`, or "".
std::string SetCookieValue(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (strings::EqualsIgnoreCase(k, "Set-Cookie") && v.rfind(name + "=", 0) == 0) {
      return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
    }
  }
  return "";
}

class WechatLoginTest : public E2eTest {
 protected:
  std::string GatewayUrl() {
    return "http://" + stack().host() + ":" + std::to_string(stack().gateway_port());
  }

  HttpResponse Sim(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return testing::Send(stack().host(), stack().sim_port(), method, target,
                         {{"Content-Type", "application/json"}}, body);
  }

  // The next web OAuth of the Official Account signs in as this WeChat user.
  void SetOauthUser(const std::string& openid, const std::string& unionid = "",
                    const std::string& nickname = "") {
    HttpResponse r = Sim("POST", "/sim/oauth/users",
                         json::serialize(json::object{{"openid", openid},
                                                      {"unionid", unionid},
                                                      {"nickname", nickname},
                                                      {"avatar", "https://img.example/0"}}));
    ASSERT_EQ(r.status, 200) << r;
  }

  // A browser's trip: authorize at the gateway (keeping its state cookie), WeChat's authorize
  // page (the simulator, which redirects at once) and back to the callback.
  struct Trip {
    HttpResponse start;     // the gateway's 302 to WeChat
    HttpResponse wechat;    // WeChat's 302 to the callback
    HttpResponse callback;  // the gateway's final answer
    std::string state_cookie;
  };
  Trip SignIn(const std::string& scope, const std::string& redirect) {
    Trip t;
    t.start = api().Get("/api/v1/auth/wechat/authorize?scope=" + scope +
                        "&redirect=" + http::PercentEncode(redirect));
    if (t.start.status != 302) return t;
    t.state_cookie = SetCookieValue(t.start, "__Host-pm_oauth_state");
    const Url wechat = Parse(t.start.Header("Location"));
    t.wechat = testing::Send(wechat.host, wechat.port, "GET", wechat.target);
    if (t.wechat.status != 302) return t;
    const Url back = Parse(t.wechat.Header("Location"));
    t.callback = testing::Send(back.host, back.port, "GET", back.target,
                               {{"Cookie", "__Host-pm_oauth_state=" + t.state_cookie}});
    return t;
  }

  // /api/v1/me with a session cookie.
  HttpResponse MeByCookie(const std::string& access_cookie) {
    return api().Get("/api/v1/me", "", {{"Cookie", "pm_access=" + access_cookie}});
  }

  // What auth stored for an identity (nickname, unionid), read from PostgreSQL.
  std::pair<std::string, std::string> StoredIdentity(const std::string& openid) {
    pqxx::connection c(testing::PgDsn());
    pqxx::work tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT nickname, coalesce(unionid, '') FROM auth.wechat_identities WHERE openid = $1",
        openid);
    if (r.empty()) return {"<none>", "<none>"};
    return {r[0][0].as<std::string>(), r[0][1].as<std::string>()};
  }

  int64_t Counter(const std::string& endpoint) {
    HttpResponse r = Sim("GET", "/sim/wechat/counters");
    json::value v = Json(r);
    if (!v.is_object() || !v.as_object().contains(endpoint)) return 0;
    return v.as_object().at(endpoint).as_int64();
  }
};

TEST_F(WechatLoginTest, OauthUserinfoSignsInKeepsTheProfileAndTheSameUserNextTime) {
  const std::string openid = "o" + crypto::RandomAlnum(27);
  const std::string unionid = "u" + crypto::RandomAlnum(27);
  SetOauthUser(openid, unionid, "小明");
  const std::string landing = GatewayUrl() + "/?after=login#top";
  Trip t = SignIn("snsapi_userinfo", landing);
  ASSERT_EQ(t.start.status, 302) << t.start;
  EXPECT_NE(t.start.Header("Location").find("scope=snsapi_userinfo"), std::string::npos);
  EXPECT_NE(t.start.Header("Location").find("#wechat_redirect"), std::string::npos);
  ASSERT_FALSE(t.state_cookie.empty()) << t.start;
  ASSERT_EQ(t.wechat.status, 302) << t.wechat;
  ASSERT_EQ(t.callback.status, 302) << t.callback;
  EXPECT_EQ(t.callback.Header("Location"), landing);
  const std::string access = SetCookieValue(t.callback, "pm_access");
  ASSERT_FALSE(access.empty()) << t.callback;
  EXPECT_FALSE(SetCookieValue(t.callback, "pm_csrf").empty());
  EXPECT_NE(t.callback.Header("Set-Cookie").find("HttpOnly"), std::string::npos);

  HttpResponse me = MeByCookie(access);
  ASSERT_EQ(me.status, 200) << me;
  const std::string user_id = Str(Json(me), {"id"});
  EXPECT_EQ(Str(Json(me), {"username"}).rfind("wx_", 0), 0u) << me;
  EXPECT_EQ(StoredIdentity(openid), std::make_pair(std::string("小明"), unionid));

  SetOauthUser(openid, unionid, "小明");
  Trip again = SignIn("snsapi_base", GatewayUrl() + "/");
  ASSERT_EQ(again.callback.status, 302) << again.callback;
  HttpResponse me2 = MeByCookie(SetCookieValue(again.callback, "pm_access"));
  EXPECT_EQ(Str(Json(me2), {"id"}), user_id) << "the same (appid, openid) is the same account";
  EXPECT_EQ(StoredIdentity(openid).first, "小明") << "a base sign-in keeps the known nickname";
}

TEST_F(WechatLoginTest, OauthBaseKnowsOnlyTheOpenid) {
  const std::string openid = "o" + crypto::RandomAlnum(27);
  SetOauthUser(openid, "u" + crypto::RandomAlnum(27), "Hidden");
  Trip t = SignIn("snsapi_base", GatewayUrl() + "/");
  ASSERT_EQ(t.callback.status, 302) << t.callback;
  EXPECT_EQ(MeByCookie(SetCookieValue(t.callback, "pm_access")).status, 200);
  EXPECT_EQ(StoredIdentity(openid), std::make_pair(std::string(), std::string()))
      << "snsapi_base reveals neither nickname nor unionid";
}

TEST_F(WechatLoginTest, ForgedForeignAndReusedStatesAreRefused) {
  SetOauthUser("o" + crypto::RandomAlnum(27));
  Trip t = SignIn("snsapi_base", GatewayUrl() + "/");
  ASSERT_EQ(t.wechat.status, 302) << t.wechat;
  const Url callback = Parse(t.wechat.Header("Location"));
  ASSERT_EQ(t.callback.status, 302) << t.callback;

  // The same callback again (a replayed link): the state is spent.
  HttpResponse reused = testing::Send(callback.host, callback.port, "GET", callback.target,
                                      {{"Cookie", "__Host-pm_oauth_state=" + t.state_cookie}});
  EXPECT_TRUE(IsError(reused, 400, "INVALID_ARGUMENT")) << reused;

  // A state nobody issued, with a matching cookie.
  const std::string forged = crypto::RandomAlnum(32);
  HttpResponse made_up = api().Get("/api/v1/auth/wechat/callback?code=abc&state=" + forged, "",
                                   {{"Cookie", "__Host-pm_oauth_state=" + forged}});
  EXPECT_TRUE(IsError(made_up, 400, "INVALID_ARGUMENT")) << made_up;

  // A real state finished by another browser (an attacker planting their own sign-in): refused,
  // and the rightful browser can still finish.
  SetOauthUser("o" + crypto::RandomAlnum(27));
  HttpResponse start = api().Get("/api/v1/auth/wechat/authorize?scope=snsapi_base&redirect=" +
                                 http::PercentEncode(GatewayUrl() + "/"));
  ASSERT_EQ(start.status, 302) << start;
  const Url wechat = Parse(start.Header("Location"));
  HttpResponse to_callback = testing::Send(wechat.host, wechat.port, "GET", wechat.target);
  ASSERT_EQ(to_callback.status, 302);
  const Url back = Parse(to_callback.Header("Location"));
  HttpResponse foreign = testing::Send(back.host, back.port, "GET", back.target);
  EXPECT_TRUE(IsError(foreign, 400, "INVALID_ARGUMENT")) << foreign;
  HttpResponse rightful = testing::Send(
      back.host, back.port, "GET", back.target,
      {{"Cookie", "__Host-pm_oauth_state=" + SetCookieValue(start, "__Host-pm_oauth_state")}});
  EXPECT_EQ(rightful.status, 302) << rightful;
}

TEST_F(WechatLoginTest, RedirectsOffTheAllowListAndBadScopesAreRefused) {
  for (const std::string& redirect :
       {std::string("https://evil.example/steal"), std::string("//evil.example/"),
        std::string("javascript:alert(1)"), GatewayUrl() + ".evil.example/",
        std::string("http://127.0.0.1:1/")}) {
    HttpResponse r = api().Get("/api/v1/auth/wechat/authorize?scope=snsapi_base&redirect=" +
                               http::PercentEncode(redirect));
    EXPECT_TRUE(IsError(r, 400, "INVALID_ARGUMENT")) << redirect << " " << r;
    EXPECT_TRUE(r.Header("Location").empty());
  }
  HttpResponse scope = api().Get("/api/v1/auth/wechat/authorize?scope=snsapi_login&redirect=" +
                                 http::PercentEncode(GatewayUrl() + "/"));
  EXPECT_TRUE(IsError(scope, 400, "INVALID_ARGUMENT")) << scope;
}

TEST_F(WechatLoginTest, MiniProgramLoginTwiceWithOneCodeIsTheSameUser) {
  HttpResponse minted =
      Sim("POST", "/sim/miniprogram/code",
          json::serialize(json::object{{"openid", "o" + crypto::RandomAlnum(27)}}));
  ASSERT_EQ(minted.status, 200) << minted;
  const std::string code = Str(Json(minted), {"code"});
  const int64_t calls_before = Counter("sns/jscode2session");

  std::string user_ids[2];
  for (std::string& user_id : user_ids) {
    HttpResponse r =
        api().Post("/api/v1/auth/miniprogram/login", json::serialize(json::object{{"code", code}}));
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.body.find("session_key"), std::string::npos) << r;
    HttpResponse me = api().Get("/api/v1/me", Str(Json(r), {"access_token"}));
    user_id = Str(Json(me), {"id"});
  }
  EXPECT_FALSE(user_ids[0].empty());
  EXPECT_EQ(user_ids[0], user_ids[1]);
  EXPECT_EQ(Counter("sns/jscode2session") - calls_before, 1) << "WeChat was asked once";

  HttpResponse bogus = api().Post("/api/v1/auth/miniprogram/login",
                                  json::serialize(json::object{{"code", "not-a-real-code"}}));
  EXPECT_TRUE(IsError(bogus, 400, "INVALID_ARGUMENT")) << bogus;
}

TEST_F(WechatLoginTest, SmsRegistrationAndLogin) {
  const std::string mobile = NewMobile();
  const std::string username = NewUsername();
  HttpResponse no_code =
      api().Post("/api/v1/auth/register",
                 json::serialize(json::object{
                     {"username", username}, {"password", "a fine password"}, {"mobile", mobile}}));
  EXPECT_TRUE(IsError(no_code, 400, "INVALID_ARGUMENT")) << no_code;

  HttpResponse registered =
      api().Post("/api/v1/auth/register",
                 json::serialize(json::object{{"username", username},
                                              {"password", "a fine password"},
                                              {"mobile", mobile},
                                              {"sms_code", SmsCode(stack(), mobile)}}));
  ASSERT_EQ(registered.status, 201) << registered;
  const std::string user_id = Str(Json(registered), {"user", "id"});

  const std::string code = SmsCode(stack(), mobile, "login");
  ASSERT_EQ(code.size(), 6u);
  HttpResponse login = api().Post(
      "/api/v1/auth/sms/login", json::serialize(json::object{{"mobile", mobile}, {"code", code}}));
  ASSERT_EQ(login.status, 200) << login;
  HttpResponse me = api().Get("/api/v1/me", Str(Json(login), {"access_token"}));
  EXPECT_EQ(Str(Json(me), {"id"}), user_id);
  HttpResponse again = api().Post(
      "/api/v1/auth/sms/login", json::serialize(json::object{{"mobile", mobile}, {"code", code}}));
  EXPECT_TRUE(IsError(again, 401, "UNAUTHENTICATED")) << "a code works once: " << again;
}

TEST_F(WechatLoginTest, FiveWrongCodesBurnTheCode) {
  const std::string mobile = NewMobile();
  ASSERT_EQ(api()
                .Post("/api/v1/auth/register",
                      json::serialize(json::object{{"username", NewUsername()},
                                                   {"password", "a fine password"},
                                                   {"mobile", mobile},
                                                   {"sms_code", SmsCode(stack(), mobile)}}))
                .status,
            201);
  const std::string code = SmsCode(stack(), mobile, "login");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = api().Post("/api/v1/auth/sms/login",
                                json::serialize(json::object{{"mobile", mobile}, {"code", wrong}}));
    EXPECT_TRUE(IsError(r, 401, "UNAUTHENTICATED")) << r;
  }
  HttpResponse burned = api().Post(
      "/api/v1/auth/sms/login", json::serialize(json::object{{"mobile", mobile}, {"code", code}}));
  EXPECT_TRUE(IsError(burned, 401, "UNAUTHENTICATED")) << "the right code, too late: " << burned;
}

TEST_F(WechatLoginTest, JsSdkConfigSignsThePageWithTheCentralTicket) {
  const std::string page = GatewayUrl() + "/shop?item=7&from=timeline";
  HttpResponse r =
      api().Get("/api/v1/wechat/jssdk-config?url=" + http::PercentEncode(page + "#/cart"));
  ASSERT_EQ(r.status, 200) << r;
  const json::value v = Json(r);
  const std::string appid = Str(v, {"appId"});
  const std::string nonce = Str(v, {"nonceStr"});
  const int64_t timestamp = v.at("timestamp").as_int64();
  EXPECT_EQ(appid, stack().wechat().appid);
  EXPECT_FALSE(v.at("jsApiList").as_array().empty());

  // WeChat's view of the ticket, and the signature recomputed from it as the JS-SDK checks it.
  HttpResponse tokens = Sim("GET", "/sim/wechat/tokens");
  const std::string ticket = Str(Json(tokens), {appid, "jsapi_ticket"});
  ASSERT_FALSE(ticket.empty()) << tokens;
  const std::string string1 = "jsapi_ticket=" + ticket + "&noncestr=" + nonce +
                              "&timestamp=" + std::to_string(timestamp) + "&url=" + page;
  EXPECT_EQ(Str(v, {"signature"}), crypto::HexLower(crypto::Sha1(string1)));

  HttpResponse foreign = api().Get("/api/v1/wechat/jssdk-config?url=" +
                                   http::PercentEncode("https://evil.example/page"));
  EXPECT_TRUE(IsError(foreign, 400, "INVALID_ARGUMENT")) << foreign;
}

}  // namespace
}  // namespace paymesh::e2e
