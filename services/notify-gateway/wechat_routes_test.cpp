// The WeChat sign-in routes, SMS routes and cookie sessions against FakeUpstreams.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/rpc/status.h"
#include "services/notify-gateway/handlers/wechat.h"
#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::Body;
using testing::ErrorCode;
using testing::HeaderOf;
using testing::Headers;
using testing::kAliceId;
using testing::kToken;

std::vector<std::string> SetCookies(const http::Response& res) {
  std::vector<std::string> out;
  for (const auto& [k, v] : res.headers) {
    if (k == "Set-Cookie") out.push_back(v);
  }
  return out;
}

class WechatRoutesTest : public testing::GatewayHarness {};

TEST_F(WechatRoutesTest, AuthorizeRedirectsToWechatAndBindsTheStateToTheBrowser) {
  auth::v1::StartWechatOauthResponse started;
  started.set_authorize_url(
      "https://open.example/connect/oauth2/authorize?appid=wx1#wechat_redirect");
  started.set_state("S7Xk2");
  started.set_state_expires_in(300);
  fake_.start_oauth_result = started;
  http::Response res =
      Call("GET",
           "/api/v1/auth/wechat/"
           "authorize?scope=snsapi_userinfo&redirect=https%3A%2F%2Fshop.example%2Fme");
  EXPECT_EQ(res.status, 302);
  EXPECT_EQ(HeaderOf(res, "Location"), started.authorize_url());
  EXPECT_EQ(SetCookies(res),
            std::vector<std::string>{"__Host-pm_oauth_state=S7Xk2; Path=/; "
                                     "Max-Age=300; Secure; SameSite=Lax; HttpOnly"});
  ASSERT_EQ(fake_.start_oauth_calls.size(), 1u);
  EXPECT_EQ(fake_.start_oauth_calls[0].scope(), "snsapi_userinfo");
  EXPECT_EQ(fake_.start_oauth_calls[0].redirect(), "https://shop.example/me");
  EXPECT_EQ(fake_.start_oauth_calls[0].link_user_id(), "");
  EXPECT_EQ(fake_.start_oauth_calls[0].client_ip(), "10.0.0.7");
}

TEST_F(WechatRoutesTest, LinkingNeedsTheSignedInCaller) {
  http::Response anonymous = Call("GET", "/api/v1/auth/wechat/authorize?redirect=x&link=1");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_TRUE(fake_.start_oauth_calls.empty());
  http::Response linked = Call("GET", "/api/v1/auth/wechat/authorize?redirect=x&link=1", "",
                               {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(linked.status, 302);
  ASSERT_EQ(fake_.start_oauth_calls.size(), 1u);
  EXPECT_EQ(fake_.start_oauth_calls[0].link_user_id(), kAliceId);
  EXPECT_EQ(fake_.start_oauth_calls[0].scope(), "snsapi_base") << "the default";

  // From a cookie session, another site could start it: the CSRF token must come along.
  const std::string cookies = std::string("pm_access=") + kToken + "; pm_csrf=c5rf";
  http::Response forged =
      Call("GET", "/api/v1/auth/wechat/authorize?redirect=x&link=1", "", {{"Cookie", cookies}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/auth/wechat/authorize?redirect=x&link=1&csrf=nope", "",
                 {{"Cookie", cookies}})
                .status,
            403);
  EXPECT_EQ(fake_.start_oauth_calls.size(), 1u);
  http::Response own = Call("GET", "/api/v1/auth/wechat/authorize?redirect=x&link=1&csrf=c5rf", "",
                            {{"Cookie", cookies}});
  EXPECT_EQ(own.status, 302);
  EXPECT_EQ(fake_.start_oauth_calls.at(1).link_user_id(), kAliceId);
}

TEST_F(WechatRoutesTest, CallbackPassesTheBrowsersStateAndSetsSessionCookies) {
  auth::v1::FinishWechatOauthResponse done;
  done.set_redirect("https://shop.example/me");
  done.mutable_tokens()->set_access_token("acc.tok");
  done.mutable_tokens()->set_access_expires_in(900);
  done.mutable_tokens()->set_refresh_token("sid.secret");
  done.mutable_tokens()->set_refresh_expires_in(1209600);
  fake_.finish_oauth_result = done;
  http::Response res = Call("GET", "/api/v1/auth/wechat/callback?code=C0DE&state=S7Xk2", "",
                            {{"Cookie", "other=1; __Host-pm_oauth_state=S7Xk2"}});
  EXPECT_EQ(res.status, 302);
  EXPECT_EQ(HeaderOf(res, "Location"), "https://shop.example/me");
  ASSERT_EQ(fake_.finish_oauth_calls.size(), 1u);
  EXPECT_EQ(fake_.finish_oauth_calls[0].code(), "C0DE");
  EXPECT_EQ(fake_.finish_oauth_calls[0].state(), "S7Xk2");
  EXPECT_EQ(fake_.finish_oauth_calls[0].browser_state(), "S7Xk2");
  const std::vector<std::string> cookies = SetCookies(res);
  ASSERT_EQ(cookies.size(), 4u);
  EXPECT_EQ(cookies[0],
            "__Host-pm_oauth_state=; Path=/; Max-Age=0; Secure; SameSite=Lax; HttpOnly");
  EXPECT_EQ(cookies[1], "pm_access=acc.tok; Path=/; Max-Age=900; Secure; SameSite=Lax; HttpOnly");
  EXPECT_EQ(cookies[2],
            "pm_refresh=sid.secret; Path=/api/v1/auth; Max-Age=1209600; Secure; SameSite=Lax; "
            "HttpOnly");
  EXPECT_EQ(cookies[3].rfind("pm_csrf=", 0), 0u);
  EXPECT_EQ(cookies[3].find("HttpOnly"), std::string::npos) << "the page's script reads it";
}

TEST_F(WechatRoutesTest, CallbackWithoutCookieOrCodeOrWithAuthsRefusal) {
  fake_.finish_oauth_result = absl::InvalidArgumentError("state does not belong to this browser");
  http::Response foreign = Call("GET", "/api/v1/auth/wechat/callback?code=C&state=S");
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(fake_.finish_oauth_calls.at(0).browser_state(), "");
  EXPECT_TRUE(SetCookies(foreign).empty());
  http::Response declined = Call("GET", "/api/v1/auth/wechat/callback?state=S");
  EXPECT_EQ(declined.status, 400);
  EXPECT_EQ(fake_.finish_oauth_calls.size(), 1u);
}

TEST_F(WechatRoutesTest, CookieSessionsNeedTheCsrfTokenToChangeAnything) {
  const std::string cookies = std::string("pm_access=") + kToken + "; pm_csrf=c5rf";
  EXPECT_EQ(Call("GET", "/api/v1/me", "", {{"Cookie", cookies}}).status, 200)
      << "reading needs no CSRF token";
  http::Response forged = Call("POST", "/api/v1/auth/logout", "", {{"Cookie", cookies}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(ErrorCode(forged), "PERMISSION_DENIED");
  http::Response wrong =
      Call("POST", "/api/v1/auth/logout", "", {{"Cookie", cookies}, {"X-CSRF-Token", "nope"}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_TRUE(fake_.logout_calls.empty());
  http::Response ok =
      Call("POST", "/api/v1/auth/logout", "", {{"Cookie", cookies}, {"X-CSRF-Token", "c5rf"}});
  EXPECT_EQ(ok.status, 204);
  ASSERT_EQ(fake_.logout_calls.size(), 1u);
  EXPECT_EQ(fake_.logout_calls[0].access_token(), kToken);
  const std::vector<std::string> cleared = SetCookies(ok);
  ASSERT_EQ(cleared.size(), 3u) << "logout clears the session cookies";
  EXPECT_EQ(cleared[1], "pm_refresh=; Path=/api/v1/auth; Max-Age=0; Secure; SameSite=Lax; HttpOnly")
      << "on the path it was set with, or the browser keeps it";
}

TEST_F(WechatRoutesTest, ABrowserRefreshesWithItsCookieAndTheCsrfToken) {
  auth::v1::TokenPair pair;
  pair.set_access_token("acc2");
  pair.set_access_expires_in(900);
  pair.set_refresh_token("sid.secret2");
  pair.set_refresh_expires_in(1209600);
  fake_.refresh_result = pair;
  const std::string cookies = "pm_refresh=sid.secret1; pm_csrf=c5rf";
  EXPECT_EQ(Call("POST", "/api/v1/auth/refresh", "", {{"Cookie", cookies}}).status, 403);
  EXPECT_TRUE(fake_.refresh_calls.empty());
  http::Response ok =
      Call("POST", "/api/v1/auth/refresh", "", {{"Cookie", cookies}, {"X-CSRF-Token", "c5rf"}});
  EXPECT_EQ(ok.status, 200);
  ASSERT_EQ(fake_.refresh_calls.size(), 1u);
  EXPECT_EQ(fake_.refresh_calls[0].refresh_token(), "sid.secret1");
  const std::vector<std::string> set = SetCookies(ok);
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set[0].rfind("pm_access=acc2;", 0), 0u);
  EXPECT_EQ(set[1].rfind("pm_refresh=sid.secret2; Path=/api/v1/auth;", 0), 0u);
  // A body still wins (API clients), and sets no cookies.
  http::Response api =
      Call("POST", "/api/v1/auth/refresh", R"({"refresh_token":"sid.x"})", {{"Cookie", cookies}});
  EXPECT_EQ(api.status, 200);
  EXPECT_EQ(fake_.refresh_calls.at(1).refresh_token(), "sid.x");
  EXPECT_TRUE(SetCookies(api).empty());
}

TEST_F(WechatRoutesTest, MiniProgramLoginAndJsSdkConfig) {
  auth::v1::TokenPair pair;
  pair.set_access_token("a");
  pair.set_refresh_token("r");
  fake_.miniprogram_login_result = pair;
  http::Response login = Call("POST", "/api/v1/auth/miniprogram/login", R"({"code":"0a1b"})");
  EXPECT_EQ(login.status, 200);
  EXPECT_EQ(Body(login).at("access_token").as_string(), "a");
  EXPECT_EQ(fake_.miniprogram_login_calls.at(0).code(), "0a1b");
  EXPECT_EQ(Call("POST", "/api/v1/auth/miniprogram/login", R"({"code":1})").status, 400);

  auth::v1::JsSdkConfig config;
  config.set_app_id("wx1");
  config.set_timestamp(1414587457);
  config.set_nonce_str("Wm3WZYTPz0wzccnW");
  config.set_signature("0f9d");
  config.add_js_api_list("chooseWXPay");
  fake_.jssdk_config_result = config;
  http::Response res =
      Call("GET", "/api/v1/wechat/jssdk-config?url=https%3A%2F%2Fshop.example%2Fp%3Fa%3D1%23x", "",
           {{"Host", "evil.example"}, {"X-Forwarded-Host", "evil.example"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(fake_.jssdk_config_calls.at(0).url(), "https://shop.example/p?a=1#x")
      << "exactly what the page sent; auth drops the fragment";
  const auto body = Body(res);
  EXPECT_EQ(body.at("appId").as_string(), "wx1");
  EXPECT_EQ(body.at("timestamp").as_int64(), 1414587457);
  EXPECT_EQ(body.at("nonceStr").as_string(), "Wm3WZYTPz0wzccnW");
  EXPECT_EQ(body.at("signature").as_string(), "0f9d");
  EXPECT_EQ(body.at("jsApiList").at(0).as_string(), "chooseWXPay");
  EXPECT_EQ(Call("GET", "/api/v1/wechat/jssdk-config").status, 400);
}

TEST_F(WechatRoutesTest, SmsRoutesAndRetryAfterOnEvery429) {
  http::Response sent = Call("POST", "/api/v1/auth/sms", R"({"mobile":"13800138000"})");
  EXPECT_EQ(sent.status, 200);
  EXPECT_EQ(fake_.send_sms_calls.at(0).purpose(), "register") << "the default";
  EXPECT_EQ(fake_.send_sms_calls.at(0).client_ip(), "10.0.0.7");

  fake_.send_sms_result = rpc::WithRetryAfter(
      absl::ResourceExhaustedError("a code was sent to this mobile moments ago"),
      std::chrono::seconds(42));
  http::Response limited =
      Call("POST", "/api/v1/auth/sms", R"({"mobile":"13800138000","purpose":"login"})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(HeaderOf(limited, "Retry-After"), "42");

  fake_.sms_login_result = absl::ResourceExhaustedError("too many login attempts");
  http::Response bare =
      Call("POST", "/api/v1/auth/sms/login", R"({"mobile":"13800138000","code":"123456"})");
  EXPECT_EQ(bare.status, 429);
  EXPECT_EQ(HeaderOf(bare, "Retry-After"), "1") << "never a 429 without one";
  EXPECT_EQ(Call("POST", "/api/v1/auth/sms/login", R"({"mobile":"13800138000"})").status, 400);
}

}  // namespace
}  // namespace paymesh::gateway
